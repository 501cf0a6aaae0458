/* The runtime every tool runs in: sources (files, stdin, a topic), sinks
 * (stdout, a topic), rejects, signals, offsets committed after delivery,
 * the summary and the exit status.  A tool is an option table (args.h)
 * and a per-record function.  Runtime module: prints and exits. */
#ifndef FK_RUN_H
#define FK_RUN_H

#include <stddef.h>

#include "args.h"
#include "config.h"
#include "log.h"
#include "record.h"
#include "watermark.h"

struct fk_header; /* kafka.h */
struct fk_prom;   /* prom.h */

struct fk_rt;

/* fk_tool.flags */
#define FK_TOOL_GENERATOR 0x1 /* reads no input: generate() makes records */
#define FK_TOOL_REPORT 0x2    /* writes a report, not records: no --to */
/* Reads no records and writes none: it asks the cluster and reports
 * (fk-lag).  Only the options of every tool apply; such a tool calls
 * fk_args_parse() from a main of its own rather than fk_main(). */
#define FK_TOOL_ADMIN 0x4

struct fk_tool {
	const char *name;
	unsigned flags;
	/* FK_TOOL_REPORT: what the -v summary calls the records used. */
	const char *used;
	/* After "usage: name " and the shared options, e.g. "[file ...]":
	 * the tool's options as the man page's SYNOPSIS has them. */
	const char *synopsis;
	/* The tool's own options (args.h), or NULL. */
	const struct fk_option *options;
	/* The column their help text starts at in --help (0: 20). */
	int help_col;
	/* After options and configuration; before any input. */
	void (*start)(void *ctx, struct fk_rt *rt);
	/* A new input file begins (not called for Kafka input). */
	void (*source)(void *ctx, struct fk_rt *rt, const char *name);
	/* One input record: call fk_rt_emit*, fk_rt_reject or fk_rt_skip. */
	void (*record)(void *ctx, struct fk_rt *rt, const struct fk_rec *rec);
	/* After the last record. */
	void (*finish)(void *ctx, struct fk_rt *rt);
	/* FK_TOOL_GENERATOR: make every record with fk_rt_emit*, while
	 * fk_rt_running(). */
	void (*generate)(void *ctx, struct fk_rt *rt);
	/* SIGHUP came: reload what the tool loaded (lists, rules, models);
	 * called between records.  NULL: SIGHUP is ignored. */
	void (*reload)(void *ctx, struct fk_rt *rt);
	/* --from: partitions assigned, before any of their records; the tool
	 * may set start[i] (initially -1) to the offset parts[i] starts at. */
	void (*assigned)(void *ctx, struct fk_rt *rt, const int32_t *parts,
	    int64_t *start, size_t n);
	/* --from: partitions taken away, after the last checkpoint. */
	void (*revoked)(
	    void *ctx, struct fk_rt *rt, const int32_t *parts, size_t n);
	/* --from: every output so far is delivered, and offsets[i] of
	 * parts[i] are about to be committed: the tool saves what must match
	 * them, or lowers offsets[i] to the first record it still holds
	 * (it is committed no further).  -1 (after saying why): nothing is
	 * committed. */
	int (*checkpoint)(void *ctx, struct fk_rt *rt, const int32_t *parts,
	    int64_t *offsets, size_t n);
	/* About every 100 ms, between records or while input is idle: for
	 * what the tool does on the clock (closing idle files).  NULL:
	 * none. */
	void (*tick)(void *ctx, struct fk_rt *rt);
	/* Input would block (at most once per the producer's linger.ms),
	 * before what is queued goes out: for what a reader downstream
	 * waits on (watermarks).  NULL: none. */
	void (*idle)(void *ctx, struct fk_rt *rt);
	/* --from: input stops (end, signal, -c); before the last
	 * checkpoint, so that what the tool writes out now is committed. */
	void (*drain)(void *ctx, struct fk_rt *rt);
	/* --from: a watermark control message (watermark.h) came, at
	 * msg->pos, between its partition's records.  Such messages are
	 * never records (not counted, not rejected); NULL: they are
	 * skipped. */
	void (*watermark)(void *ctx, struct fk_rt *rt, const struct fk_rec *msg,
	    const struct fk_watermark *wm);
};

/* Parse argv, run the tool over its input, return the exit status. */
int fk_main(const struct fk_tool *tool, void *ctx, int argc, char **argv);

/* Whether a generator should go on: no signal came, -c not reached. */
int fk_rt_running(const struct fk_rt *rt);

/* Write out what is buffered, and have the producer send what it holds
 * now: call before a generator sleeps. */
void fk_rt_flush(struct fk_rt *rt);

/* --from's topic, or NULL. */
const char *fk_rt_from(const struct fk_rt *rt);

/* --to's topic, or NULL. */
const char *fk_rt_to(const struct fk_rt *rt);

/* The tool sends messages of its own (fk_rt_send_to): call in start(). */
void fk_rt_want_producer(struct fk_rt *rt);

/* Send to one partition of topic (value NULL: a tombstone); delivered by
 * the next checkpoint.  0, or -1 after saying why. */
int fk_rt_send_to(struct fk_rt *rt, const char *topic, int32_t partition,
    const void *value, size_t len, const void *key, size_t keylen);

/* Send w as a watermark control message to every partition of --to
 * (counted apart from records; delivered by the next checkpoint).  0, or
 * -1 after saying why. */
int fk_rt_send_watermark(struct fk_rt *rt, const struct fk_watermark *w);

/* --eos: the tool cannot forget what it did since the last commit (its
 * state has no checkpoint to go back to), so an aborted transaction ends
 * the run (75) rather than reading the input again; why says what is
 * missing.  Call in start(). */
void fk_rt_no_rewind(struct fk_rt *rt, const char *why);

/* --from: whether partition is caught up (at its end, nothing since). */
int fk_rt_at_end(const struct fk_rt *rt, int32_t partition);

/* The configuration the options made (-F, -X, -b, $FK_CONFIG), for a
 * tool that opens Kafka handles of its own; borrowed. */
const struct fk_config *fk_rt_config(const struct fk_rt *rt);

/* The metrics registry (prom.h), borrowed: a tool registers its own in
 * start() and updates them through the pointers it gets; the runtime
 * exports them with its own (--metrics-file, --metrics-port, fk(7)
 * METRICS) and frees them when fk_main returns. */
struct fk_prom *fk_rt_metrics(struct fk_rt *rt);

/* A counter or gauge of the tool's in that registry (fk_prom_counter,
 * fk_prom_gauge); a bad name exits (a bug, not the user's). */
uint64_t *fk_rt_counter(struct fk_rt *rt, const char *name, const char *help,
    const char *const *labels);
double *fk_rt_gauge(struct fk_rt *rt, const char *name, const char *help,
    const char *const *labels);

/* Records that span lines: CSV with quoted newlines. */
void fk_rt_set_csv_framing(struct fk_rt *rt, int on);

/* The -k field output messages are keyed by (default user_id). */
const char *fk_rt_keyfield(const struct fk_rt *rt);

/* Write one serialized record (no newline) with an explicit key and
 * event time ts_ms (0: none). */
void fk_rt_emit(struct fk_rt *rt, const char *data, size_t len, const char *key,
    size_t keylen, int64_t ts_ms);

/* The same, with header h on a Kafka message (NULL: none; on standard
 * output it is not written). */
void fk_rt_emit_h(struct fk_rt *rt, const char *data, size_t len,
    const char *key, size_t keylen, int64_t ts_ms, const struct fk_header *h);

/* Reject rec: a message on stderr at its position, the verbatim input with
 * the reason to the reject sink, counted; --strict stops the run. */
FK_PRINTF(3, 4)
void fk_rt_reject(
    struct fk_rt *rt, const struct fk_rec *rec, const char *fmt, ...);

/* A report tool used the record being handled (it writes no record). */
void fk_rt_consume(struct fk_rt *rt);

/* The run ends with status code, or a worse one. */
void fk_rt_fail(struct fk_rt *rt, int code);

/* Count rec as dropped by design (a CSV header). */
void fk_rt_skip(struct fk_rt *rt, const struct fk_rec *rec);

#endif
