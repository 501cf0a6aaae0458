/* The merge of streams by event time: records are held in (event time,
 * tx_id, arrival) order and released once every task's watermark has
 * passed them.  fk-enrich merges one input partition that interleaves the
 * records of several upstream tasks (a repartition topic written by the
 * hop before), so that a hop applies them in the order one process over
 * the whole stream would; fkcat-in --merge merges the partitions it
 * reads, each a task.  Library module: never prints, never exits.
 *
 * What goes with a checkpoint, so that a member taking the partition over
 * repeats exactly what the last one did after it, and its records are
 * numbered the same (the records' FK_SEQ_HEADER, by which the next hop
 * drops those sent twice):
 * - the release frontier (the key of the last record released): records
 *   read again at or below it were applied before;
 * - the upstream tasks' watermarks (and idle pauses) as they were at the
 *   first record still held, where reading resumes (an undo log of the
 *   watermarks since then makes them);
 * - the input offset the checkpoint had read to, and each upstream
 *   task's last record number seen by then;
 * - the number of the last record this partition wrote. */
#ifndef FK_REORDER_H
#define FK_REORDER_H

#include <stddef.h>
#include <stdint.h>

#include "heap.h"
#include "watermark.h"

/* A record held, or released: data (len bytes) is owned by whoever holds
 * the struct (fk_reorder_next hands it to its caller, to free). */
struct fk_reorder_rec {
	int64_t t;
	char *data;
	size_t len;
	size_t txoff, txlen; /* tx_id within data; txlen 0: none */
	int64_t offset;      /* input offset */
	int32_t part;        /* input partition */
	uint64_t seq;        /* arrival */
};

/* A watermark's change, to undo back to an earlier offset. */
struct fk_reorder_undo {
	int64_t offset; /* of the watermark message */
	int32_t task;
	unsigned char status;
	int64_t wm; /* the task's before it */
	int64_t idle_at;
};

/* An upstream task's records: the epoch of its state, the last number. */
struct fk_reorder_src {
	int64_t epoch;
	int64_t seq;
};

struct fk_reorder {
	struct fk_heap h; /* of struct fk_reorder_rec *, by (t, tx_id, seq) */
	int active;       /* watermarks came: records are held */
	/* For tasks that go idle and resume together (the partitions of a
	 * hop before, all fed by one source): an idle task bounds the
	 * frontier too, unless every task is idle in the same pause of the
	 * source (idle_at).  Else the records of one that resumes late, or
	 * is still idle from an earlier pause, would come behind what the
	 * others let go. */
	int idle_bounds;
	int32_t tasks;
	int64_t *wm;           /* per upstream task */
	unsigned char *status; /* per task: 0 unheard, 1 heard, 2 idle */
	int64_t *idle_at;      /* per idle task: its source's pause */
	uint64_t seq;
	size_t max; /* hold at most this many; 0: no bound */
	/* The last record released, and the one a restored state had
	 * released (records at or below it were applied before). */
	int has_done, has_applied;
	int64_t done_t, applied_t;
	char *done_tx, *applied_tx;
	size_t done_txlen, applied_txlen;
	/* Input offsets below end were read before the restored
	 * checkpoint (0: none restored). */
	int64_t end;
	struct fk_reorder_undo *undo;
	size_t nundo, capundo;
	struct fk_reorder_src *src; /* per upstream task */
	int32_t nsrc;
	int64_t out_epoch, out_seq; /* this partition's records written */
	long long forced, dropped, behind, dups;
	size_t peak;
};

void fk_reorder_init(struct fk_reorder *r, size_t max);
void fk_reorder_release(struct fk_reorder *r);

/* A watermark of an upstream task, read at input offset (-1: not to be
 * undone at a checkpoint): records are held from now on. */
void fk_reorder_watermark(
    struct fk_reorder *r, const struct fk_watermark *w, int64_t offset);

/* A record's FK_SEQ_HEADER value: whether its upstream task sent it (or a
 * later one) already, as a member that took over from a failed one
 * repeats what that one wrote after its last checkpoint.  Notes it
 * otherwise.  A value that does not parse is no duplicate. */
int fk_reorder_dup(struct fk_reorder *r, const char *seq, size_t len);

/* fk_reorder_dup for a record read at offset, unless it is read again
 * after a restart (below the restored checkpoint's end): the numbers
 * seen by then are the checkpoint's, which saw it. */
int fk_reorder_seen(
    struct fk_reorder *r, int64_t offset, const char *seq, size_t len);

/* This partition's next record's FK_SEQ_HEADER value, as task (the input
 * partition), into buf: its length. */
size_t fk_reorder_number(
    struct fk_reorder *r, int32_t task, char *buf, size_t len);

/* Whether the record of key (t, tx) is at or below the frontier of the
 * state restored: applied before the restart. */
int fk_reorder_applied(
    const struct fk_reorder *r, int64_t t, const char *tx, size_t txlen);

/* Whether the key (t, tx) is at or below the last record released: a
 * transaction applied already, sent again by an upstream task that
 * restarted (or one that came after its task's watermark said it would
 * not).  A record without a tx_id is behind only when earlier. */
int fk_reorder_behind(
    const struct fk_reorder *r, int64_t t, const char *tx, size_t txlen);

/* Hold a copy of data, whose tx_id is data[txoff..txoff+txlen), read at
 * offset of partition part. */
void fk_reorder_push(struct fk_reorder *r, int64_t t, const char *data,
    size_t len, size_t txoff, size_t txlen, int32_t part, int64_t offset);

/* Drop the records held from partition part. */
void fk_reorder_drop(struct fk_reorder *r, int32_t part);

/* The next record to apply into *out (its data is the caller's, to
 * free): one below every task's watermark, any with all, or the first
 * when more than max are held.  1, 2 for a second copy of the record
 * released last (not to apply), or 0 for none. */
int fk_reorder_next(struct fk_reorder *r, int all, struct fk_reorder_rec *out);

/* The least watermark of the tasks not idle (with idle_bounds, of all
 * of them unless all are idle in one pause): INT64_MAX when all are
 * idle, INT64_MIN while one has not been heard from. */
int64_t fk_reorder_frontier(const struct fk_reorder *r);

/* The latest pause an idle task said it is idle in (0: none known): the
 * one all are idle in when the frontier is INT64_MAX. */
int64_t fk_reorder_idle_at(const struct fk_reorder *r);

/* The watermark this partition's output can promise: every record still
 * to be released has an event time at least *wm.  0 when none is known
 * yet, 1, or 2 when nothing is held and every task is idle. */
int fk_reorder_out(const struct fk_reorder *r, int64_t *wm);

/* The first input offset of the records held from partition part (-1:
 * any), or -1. */
int64_t fk_reorder_first_offset(const struct fk_reorder *r, int32_t part);

/* What goes with a checkpoint that has read the input up to offset end
 * (exclusive; INT64_MAX: unknown; the restored checkpoint's end when that
 * is further), resuming at the first record held: a
 * new buffer (*len bytes), to free.  Forgets the undo log before that
 * record. */
void *fk_reorder_save(struct fk_reorder *r, int64_t end, size_t *len);
/* Restore what fk_reorder_save wrote: 0, or -1 when it is not one. */
int fk_reorder_load(struct fk_reorder *r, const void *p, size_t len);

#endif
