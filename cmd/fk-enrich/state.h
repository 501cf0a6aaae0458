/* fk-enrich's state file: one versioned, checksummed snapshot, written
 * atomically (temporary file in the same folder, fsync, rename, fsync of
 * the folder), so that a crash at any moment leaves the old file or the
 * new one, never a torn one.
 *
 * File: "FKSTATE\n", u32 version, u32 length of kind, kind (e.g.
 * "fk-enrich"), payload, u64 payload length, 32-byte SHA-256 of
 * everything before it.  Integers little-endian.  The length follows the
 * payload so that a snapshot is written and hashed in one pass. */
#ifndef FK_STATE_H
#define FK_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Writing: bytes go to a temporary file beside path. */
struct fk_state_w {
	char *path, *tmp;
	FILE *fp;
	uint64_t len; /* payload bytes so far */
	long len_at;  /* where the payload starts */
	int failed;   /* errno of the first failure, or 0 */
	void *sha;    /* private */
};

/* Begin a snapshot of kind and version for path.  -1 with a message. */
int fk_state_begin(struct fk_state_w *w, const char *path, const char *kind,
    uint32_t version, char *err, size_t errlen);
void fk_state_put(struct fk_state_w *w, const void *p, size_t len);
void fk_state_put_u32(struct fk_state_w *w, uint32_t v);
void fk_state_put_u64(struct fk_state_w *w, uint64_t v);
void fk_state_put_f64(struct fk_state_w *w, double v);
/* Finish: checksum, fsync, rename, fsync the folder.  0, or -1 with a
 * message (the old file is left as it was, the temporary removed). */
int fk_state_commit(struct fk_state_w *w, char *err, size_t errlen);
/* Give up: remove the temporary file. */
void fk_state_abort(struct fk_state_w *w);

/* Reading: the whole file is checked before anything is returned. */
struct fk_state_r {
	unsigned char *buf; /* the payload, owned */
	size_t len, pos;
	uint32_t version;
	int bad; /* a get ran past the end */
};

/* Load path, expecting kind and a version from 1 to max_version.
 * Returns 1 when loaded, 0 when path does not exist, -1 with a message
 * for anything else: not a state file, another kind ("lists/x: a state
 * file of fk-other, not fk-enrich"), a newer version, a short file, a
 * checksum mismatch. */
int fk_state_load(struct fk_state_r *r, const char *path, const char *kind,
    uint32_t max_version, char *err, size_t errlen);
int fk_state_get(struct fk_state_r *r, void *p, size_t len);
uint32_t fk_state_get_u32(struct fk_state_r *r);
uint64_t fk_state_get_u64(struct fk_state_r *r);
double fk_state_get_f64(struct fk_state_r *r);
void fk_state_release(struct fk_state_r *r);

#endif
