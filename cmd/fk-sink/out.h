/* One data file being written: under a hidden temporary name in its
 * folder, compressed as it goes, then made whole on disk (fsync) and
 * renamed, and the folder synced, so that a reader never sees part of a
 * file and a crash leaves only whole files under their final names.
 * Library module: never prints, never exits. */
#ifndef FK_SINK_OUT_H
#define FK_SINK_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"

enum fk_compress {
	FK_COMPRESS_NONE,
	FK_COMPRESS_GZIP,
	FK_COMPRESS_ZSTD,
};

/* "none", "gzip" or "zstd", each optionally ":LEVEL" (gzip 1-9, default
 * 6; zstd 1-19, default 3).  0 with *c and *level (0 for none), or -1
 * with a message. */
int fk_compress_parse(
    const char *s, enum fk_compress *c, int *level, char *err, size_t errlen);

/* The file name suffix: "" for none, ".gz", ".zst". */
const char *fk_compress_ext(enum fk_compress c);

struct fk_outfile;

/* Create dir/tmpname (which must not exist: O_EXCL; mode 0644) for
 * writing; with hash set, the bytes written are hashed (SHA-256) on the
 * way.  dir and tmpname are copied.  NULL with a message naming the
 * path. */
struct fk_outfile *fk_outfile_open(const char *dir, const char *tmpname,
    enum fk_compress c, int level, int hash, char *err, size_t errlen);

/* Append data (whole records with their newlines), compressing when
 * asked; buffered.  0, or -1 with a message (the file is then only fit
 * for fk_outfile_abort). */
int fk_outfile_write(struct fk_outfile *f, const void *data, size_t len,
    char *err, size_t errlen);

/* Bytes given to fk_outfile_write so far (before compression). */
uint64_t fk_outfile_bytes(const struct fk_outfile *f);

/* Finish: end the compressed stream, write out, fsync, close, rename
 * tmpname to name in the same folder, fsync the folder.  hex (if not
 * NULL) gets the SHA-256 of the bytes on disk (the empty string when the
 * file was opened without hash), *disk (if not NULL) their count.  Frees f whatever the outcome; on failure the temporary file is
 * removed.  0, or -1 with a message naming the path. */
int fk_outfile_commit(struct fk_outfile *f, const char *name,
    char hex[FK_SHA256_HEXLEN], uint64_t *disk, char *err, size_t errlen);

/* Close and remove the temporary file; free f.  NULL is allowed. */
void fk_outfile_abort(struct fk_outfile *f);

#endif
