/* The audit log: an append-only file of JSON lines, one an entry, each
 * carrying the SHA-256 of the line before it ("prev"; 64 zeros for the
 * first line), so that changing, removing, inserting or reordering a
 * line breaks the chain at that line.  A line is
 *
 *   {"seq":N,"time":"2026-11-29T03:15:29.123Z","event":"E",<members>,
 *    "prev":"<64 hex digits>"}
 *
 * seq counts from 1; the hash is over the line's bytes without its
 * newline.  Library module: never prints, never exits. */
#ifndef FK_SINK_AUDIT_H
#define FK_SINK_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"

struct fk_audit;

/* Open path for appending, creating it (0644) if absent, and lock it
 * (flock, not waiting: a second writer would fork the chain).  The last
 * line is read to go on from its seq and hash; a last line without its
 * newline (a crash in mid-append) is cut off, and its length put in
 * *cut (0 when none) for the caller to say.  The existing lines are not
 * checked: fk_audit_verify does that.  NULL with a message. */
struct fk_audit *fk_audit_open(
    const char *path, size_t *cut, char *err, size_t errlen);

/* Append one entry and fsync it.  event: a plain word ("file", "pg");
 * members: the entry's own members as JSON text without braces
 * ("\"path\":\"a/b\",\"records\":3"), or NULL for none; time_ms: wall
 * clock in ms since the epoch.  0, or -1 with a message. */
int fk_audit_append(struct fk_audit *a, const char *event, const char *members,
    size_t len, int64_t time_ms, char *err, size_t errlen);

/* Entries in the log so far (the last seq). */
uint64_t fk_audit_seq(const struct fk_audit *a);

/* Unlock, close, free.  NULL is allowed. */
void fk_audit_free(struct fk_audit *a);

struct fk_audit_report {
	uint64_t entries;            /* lines read */
	long line;                   /* the first bad line, or 0 */
	char head[FK_SHA256_HEXLEN]; /* hash of the last line (intact only) */
};

/* Check the whole chain of path: every line a JSON object with seq one
 * more than the line before, and prev the hash of the line before.  If
 * entry is not NULL it is called for each intact line (its bytes without
 * the newline, and its 1-based number); it returns 0, or -1 with a
 * message to mark that line bad.  Returns 0 when intact (r->entries,
 * r->head), 1 at the first bad line (r->line, and a message in err
 * saying what is wrong: "line 7: prev is ..., line 6 hashes to ..."),
 * -1 when path cannot be read (message). */
int fk_audit_verify(const char *path,
    int (*entry)(void *arg, long line, const char *text, size_t len, char *err,
        size_t errlen),
    void *arg, struct fk_audit_report *r, char *err, size_t errlen);

#endif
