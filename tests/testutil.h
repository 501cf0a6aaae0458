/* Helpers the C test suites share: a temporary folder per test. */
#ifndef FK_TESTUTIL_H
#define FK_TESTUTIL_H

#include <stddef.h>

/* Make a new folder $TMPDIR/fk-TAG-XXXXXX (default /tmp) into dir. */
void fk_test_tmpdir(char *dir, size_t len, const char *tag);

/* Remove dir and the files in it (not recursive); ignores a dir that was
 * never made (empty string). */
void fk_test_rmdir(const char *dir);

/* Write len bytes of s to dir/name; the path goes to path. */
void fk_test_write(char *path, size_t pathlen, const char *dir,
    const char *name, const char *s, size_t len);

#endif
