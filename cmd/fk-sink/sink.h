/* fk-sink's record work: a record checked once, then stored in the data
 * lake and in PostgreSQL, each file and batch logged in the audit chain.
 * Library module: never prints, never exits; failures come back with a
 * message and the exit status they call for. */
#ifndef FK_SINK_SINK_H
#define FK_SINK_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "audit.h"
#include "lake.h"

struct fk_sink_opts {
	struct fk_lake_opts lake; /* lake.root NULL: no files */
	struct fk_levels levels;
	const char *pg, *table; /* pg NULL: no PostgreSQL */
	size_t batch;           /* rows a PostgreSQL transaction */
	const char *audit;      /* NULL: no audit log */
};

struct fk_sink;

/* Open what the options ask for.  wall: the wall clock in ms.  NULL
 * with a message and *code (an FK_EX_ status). */
struct fk_sink *fk_sink_new(const struct fk_sink_opts *o, int64_t wall,
    size_t *audit_cut, int *code, char *err, size_t errlen);

enum {
	FK_SINK_STORED = 1,
	FK_SINK_DUP = 0,   /* every store has it already */
	FK_SINK_BAD = -1,  /* reject it: message */
	FK_SINK_FAIL = -2, /* storing failed: message, *code */
};

/* One record (no newline), from Kafka partition part at offset off, or
 * from a file (-1, -1).  now: a monotonic clock in ms. */
int fk_sink_put(struct fk_sink *s, const char *rec, size_t len, int32_t part,
    int64_t off, int64_t now, int *code, char *err, size_t errlen);

/* Clock work: close idle and old files, load a batch waiting over a
 * second.  0, or -1 with *code and a message. */
int fk_sink_tick(
    struct fk_sink *s, int64_t now, int *code, char *err, size_t errlen);

/* Load the rows queued for PostgreSQL (retried), then make whole the
 * open files of Kafka partition part, or all of them (FK_LAKE_ALL), or
 * none (-1).  0, or -1 with *code and a message. */
int fk_sink_flush(
    struct fk_sink *s, int32_t part, int *code, char *err, size_t errlen);

/* The first offset of partition part still held in an open file, or
 * -1. */
int64_t fk_sink_oldest(const struct fk_sink *s, int32_t part);

/* Partition part assigned: see fk_lake_forget. */
void fk_sink_assigned(struct fk_sink *s, int32_t part);

struct fk_sink_counts {
	uint64_t files, batches, rows, changed;
	uint64_t recovered; /* an earlier run's files logged only now */
};
void fk_sink_counts(const struct fk_sink *s, struct fk_sink_counts *c);

/* Remove unfinished files, close everything, free.  NULL allowed. */
void fk_sink_free(struct fk_sink *s);

/* fk-sink --verify: the audit chain of path, and with root (not NULL)
 * every file it lists, its size and SHA-256 as logged.  0 intact (with
 * r), 1 broken (message), -1 unreadable (message). */
int fk_sink_verify(const char *path, const char *root,
    struct fk_audit_report *r, char *err, size_t errlen);

#endif
