/* Helpers the C test suites share: temporary folders, random numbers. */
#ifndef FK_TESTUTIL_H
#define FK_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Make a new folder $TMPDIR/fk-TAG-XXXXXX (default /tmp) into dir. */
void fk_test_tmpdir(char *dir, size_t len, const char *tag);

/* Remove dir and everything in it; ignores a dir that was never made
 * (empty string). */
void fk_test_rmdir(const char *dir);

/* Write len bytes of s to dir/name; the path goes to path. */
void fk_test_write(char *path, size_t pathlen, const char *dir,
    const char *name, const char *s, size_t len);

/* The next of a seeded sequence (splitmix64): the same on every host. */
uint64_t fk_test_rand(uint64_t *state);

#endif
