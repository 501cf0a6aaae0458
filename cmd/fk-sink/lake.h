/* The data lake: records in files under a root folder, one folder per
 * partition value (dt=YYYY-MM-DD/hr=HH by event time, then record fields
 * if asked), each file written whole (out.h), rotated by records, bytes
 * and age, and closed when idle.  From Kafka a file is named
 * TOPIC-PARTITION-FIRST-LAST by the offsets in it, and a folder's names
 * tell which records an earlier run stored there, so a replay stores
 * nothing twice.  Library module: never prints, never exits. */
#ifndef FK_SINK_LAKE_H
#define FK_SINK_LAKE_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "jscan.h"
#include "out.h"

enum fk_level_kind {
	FK_LEVEL_DT, /* dt=YYYY-MM-DD of the event time, UTC */
	FK_LEVEL_HR, /* hr=HH */
	FK_LEVEL_FIELD,
};

/* One level of folders. */
struct fk_level {
	enum fk_level_kind kind;
	char *name;  /* the folder's name=; owned */
	char *field; /* FK_LEVEL_FIELD: the dotted path; owned */
};

struct fk_levels {
	struct fk_level *v;
	size_t n;
	int timed; /* dt or hr given */
};

/* Add the levels of one --partition-by list: comma-separated "dt",
 * "hr", "FIELD" (a dotted path, named by its last name) or "NAME=FIELD".
 * 0, or -1 with a message. */
int fk_levels_parse(
    struct fk_levels *l, const char *spec, char *err, size_t errlen);
/* After the last list: dt and hr go first unless a list named either,
 * so that a field adds a level and a list with dt or hr replaces them. */
void fk_levels_finish(struct fk_levels *l);
void fk_levels_release(struct fk_levels *l);

/* A value as a folder name, at most FK_LAKE_VALMAX bytes: a string's
 * bytes, or a number, true or false as written.  Bytes other than
 * [A-Za-z0-9_-.] are %XX-encoded, a leading '.' too (no "..", no hidden
 * folders) and the first of a leading "__"; an empty string is
 * __empty__, a missing value or null __null__.  A value whose encoding
 * passes 61 bytes keeps its first bytes (whole %XX only) and ends with
 * '~' and 16 hex digits of its hash.  m may be NULL (missing).  The length, or -1 for
 * an object or an array. */
#define FK_LAKE_VALMAX 80
int fk_lake_value(const struct fk_jmember *m, char *out);

/* A file made whole, for the audit log; borrowed during the call. */
struct fk_lake_file {
	const char *path; /* relative to the root */
	uint64_t records, bytes, disk;
	const char *sha256;
	int32_t partition; /* Kafka only, else -1 */
	int64_t first, last;
};

struct fk_lake_opts {
	const char *root;
	const struct fk_levels *levels;     /* borrowed while the lake lives */
	uint64_t max_records, max_bytes;    /* 0: no limit */
	int64_t max_age_ms, close_after_ms; /* 0: no limit */
	size_t max_open;                    /* files open at once, >= 1 */
	enum fk_compress comp;
	int comp_level;
	int hash;          /* SHA-256 of each file, for the audit log */
	const char *topic; /* Kafka input: names by offsets; NULL: by run */
	/* Called after each file is renamed into place; -1 (with a message)
	 * fails the put, tick or close that made it whole. */
	int (*committed)(
	    void *arg, const struct fk_lake_file *f, char *err, size_t errlen);
	/* From Kafka: each whole file of a partition found in a folder when
	 * the folder is first used (an earlier run's); records, bytes, disk
	 * and sha256 unknown (0, NULL).  NULL: none; -1 as committed. */
	int (*found)(
	    void *arg, const struct fk_lake_file *f, char *err, size_t errlen);
	void *arg;
};

struct fk_lake;

/* Make the root folder if absent.  o is copied (its strings borrowed).
 * NULL with a message. */
struct fk_lake *fk_lake_new(
    const struct fk_lake_opts *o, int64_t wall_ms, char *err, size_t errlen);

enum {
	FK_LAKE_STORED = 1,
	FK_LAKE_DUP = 0,   /* from Kafka: a whole file has it already */
	FK_LAKE_BAD = -1,  /* the record cannot be placed: message */
	FK_LAKE_FAIL = -2, /* writing failed: message */
};

/* Store one record (rec[0..len), without its newline).  ts_ms: its
 * event time, INT64_MIN for none; vals[i]: the member of level i's
 * field (val NULL when absent; ignored for dt and hr); part, off: its
 * Kafka partition and offset (-1 for files); now: a monotonic clock in
 * ms.  FK_LAKE_*. */
int fk_lake_put(struct fk_lake *l, const char *rec, size_t len, int64_t ts_ms,
    const struct fk_jmember *vals, int32_t part, int64_t off, int64_t now,
    char *err, size_t errlen);

/* Close files idle for close_after_ms or open for max_age_ms.  0, or -1
 * (FK_LAKE_FAIL) with a message. */
int fk_lake_tick(struct fk_lake *l, int64_t now, char *err, size_t errlen);

/* Make whole every open file of Kafka partition part, or of all when
 * part is FK_LAKE_ALL.  0, or -1 with a message. */
#define FK_LAKE_ALL INT32_MIN
int fk_lake_close(struct fk_lake *l, int32_t part, char *err, size_t errlen);

/* The first offset in an open file of partition part, or -1: offsets
 * are committed no further. */
int64_t fk_lake_oldest(const struct fk_lake *l, int32_t part);

/* Partition part is assigned (again): what its folders hold is read
 * again when next needed, another consumer may have written there. */
void fk_lake_forget(struct fk_lake *l, int32_t part);

/* Files open now; files made whole so far. */
size_t fk_lake_nopen(const struct fk_lake *l);
uint64_t fk_lake_nfiles(const struct fk_lake *l);

/* Remove the temporary files still open (their records are not stored:
 * call fk_lake_close first to keep them) and free.  NULL is allowed. */
void fk_lake_free(struct fk_lake *l);

#endif
