/* fk-lag's report: for each consumer group, topic and partition, the
 * committed offset, the partition's end, the lag between them and the
 * age of the oldest record the group has not processed; the thresholds
 * a row may be over, and the report as an aligned text table or as
 * NDJSON.  No Kafka here: survey.c asks the cluster and fills the rows.
 * Library code: never prints but to the stream it is given, never
 * exits. */
#ifndef FK_LAG_H
#define FK_LAG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The clock the age is read on. */
enum fk_lag_from {
	FK_LAG_FROM_NONE = 0, /* no age */
	FK_LAG_FROM_EVENT,    /* the message timestamp: fraudkit's event time */
	FK_LAG_FROM_APPEND,   /* the broker's append time (LogAppendTime) */
	FK_LAG_FROM_INGEST,   /* the record's ingest_ms member */
};

/* fk_lag_row.over */
#define FK_LAG_OVER_LAG 0x1
#define FK_LAG_OVER_AGE 0x2

struct fk_lag_row {
	char *group, *topic; /* owned */
	int32_t partition;
	int64_t committed; /* the group's offset, or -1: none committed */
	int64_t low, end;  /* the partition's first offset kept, and end */
	int64_t lag;       /* fk_lag_of() */
	int64_t age_ms;    /* -1: none (no lag, or no record to date) */
	enum fk_lag_from from;
	unsigned over; /* FK_LAG_OVER_* */
};

/* Owns rows and their strings. */
struct fk_lag_report {
	struct fk_lag_row *rows;
	size_t n, cap;
};

void fk_lag_report_init(struct fk_lag_report *r);
void fk_lag_report_release(struct fk_lag_report *r);

/* A new row at the end (group and topic copied), committed -1, no age;
 * borrowed until the next add. */
struct fk_lag_row *fk_lag_report_add(struct fk_lag_report *r, const char *group,
    const char *topic, int32_t partition);

/* Drop row i (its strings freed; the rows after it move up). */
void fk_lag_report_drop(struct fk_lag_report *r, size_t i);

/* By group, topic and partition. */
void fk_lag_report_sort(struct fk_lag_report *r);

/* The messages after the committed offset up to end; without one, all
 * those the partition keeps, from low.  Never below 0. */
int64_t fk_lag_of(int64_t committed, int64_t low, int64_t end);

/* The offset of the oldest message not processed, to read the age at:
 * the committed offset, or low when there is none or it is below low
 * (deleted); -1 when the row has no lag. */
int64_t fk_lag_first(const struct fk_lag_row *row);

/* Set row's age from the record found there at now_ms: the number member
 * ingest_ms of its value, when it is a JSON object with one, else its
 * timestamp ts_ms (-1: none; ts_append: the broker's, not the
 * producer's).  An age is never below 0. */
void fk_lag_age(struct fk_lag_row *row, int64_t now_ms, const char *value,
    size_t len, int64_t ts_ms, int ts_append);

/* Mark row over max_lag messages or max_age_ms (each -1: no limit), by
 * more than the limit; returns row->over. */
unsigned fk_lag_check(
    struct fk_lag_row *row, long long max_lag, long long max_age_ms);

/* ms as the table shows an age, in its two largest units: "850ms",
 * "45s", "12m30s", "3h5m", "2d4h" (a unit that is 0 is left out). */
void fk_lag_age_format(int64_t ms, char *buf, size_t len);

/* What the AGE_FROM column says: "event", "append", "ingest", or NULL for
 * none. */
const char *fk_lag_from_name(enum fk_lag_from from);

/* The report as a table with a header line, columns aligned, "-" for
 * what a row has not (nothing at all for no rows); or one JSON object a
 * row, null for what it has not.  0, or -1 when fp failed (errno). */
int fk_lag_write_text(const struct fk_lag_report *r, FILE *fp);
int fk_lag_write_json(const struct fk_lag_report *r, FILE *fp);

#endif
