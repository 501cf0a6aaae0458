/* fk-alert's engine: which scored records become alerts, the alert
 * member, suppression of repeats on event time, and a cap on the flow.
 * Library module: never prints, never exits. */
#ifndef FK_ALERT_H
#define FK_ALERT_H

#include <stddef.h>
#include <stdint.h>

/* fk_alert_opts.decisions */
#define FK_ALERT_ALLOW 0x1
#define FK_ALERT_REVIEW 0x2
#define FK_ALERT_BLOCK 0x4

struct fk_alert_opts {
	unsigned decisions;    /* FK_ALERT_*: select by risk.decision */
	double min_score;      /* >= 0: select by risk.score instead */
	const char *suppress;  /* fold repeats of this field, or NULL */
	long long suppress_ms; /* ... within this window of event time */
	double rate;           /* --max-rate: alerts per ms, 0: no cap */
	double burst;          /* ... and at most this many at once */
	int event_clock;       /* --clock event: event time, not the wall */
};

/* Parse "review,block" into FK_ALERT_* bits; "user_id:10m"; "100/m"
 * (per s, m, h or d).  0, or -1 with a message. */
int fk_alert_decisions_parse(
    const char *s, unsigned *bits, char *err, size_t errlen);
int fk_alert_suppress_parse(
    struct fk_alert_opts *o, const char *s, char *err, size_t errlen);
int fk_alert_rate_parse(
    struct fk_alert_opts *o, const char *s, char *err, size_t errlen);
/* "wall" or "event" into o->event_clock.  0, or -1 with a message. */
int fk_alert_clock_parse(
    struct fk_alert_opts *o, const char *s, char *err, size_t errlen);

struct fk_alerter;

/* o is borrowed and must outlive the alerter. */
struct fk_alerter *fk_alerter_new(const struct fk_alert_opts *o);
void fk_alerter_free(struct fk_alerter *a);

/* What became of a record. */
enum fk_alert_fate {
	FK_ALERT_OUT,        /* an alert now: *out, *outlen */
	FK_ALERT_DROPPED,    /* not selected (dropped by design) */
	FK_ALERT_PENDING,    /* opens a window: out when it closes */
	FK_ALERT_SUPPRESSED, /* folded into an open window */
	FK_ALERT_HELD,       /* over --max-rate: held back, counted */
	FK_ALERT_BAD,        /* not a scored record: why in err */
};

/* One scored record at wall time now_ms, from Kafka partition part at
 * offset off (-1, -1 for a file).  With event_clock, now_ms is not read:
 * the clock is the record's event time, else the latest one read.  The alert (the record with its alert
 * member) is borrowed until the next call. */
enum fk_alert_fate fk_alerter_record(struct fk_alerter *a, const char *data,
    size_t len, int32_t part, int64_t off, int64_t now_ms, const char **out,
    size_t *outlen, char *err, size_t errlen);

/* The offset of the first record of partition part that an open window
 * still holds, or -1: offsets are committed no further. */
int64_t fk_alerter_oldest(const struct fk_alerter *a, int32_t part);

/* A window that closed on event time (every window when flush), made at
 * now_ms (with event_clock, at its first record's event time): 1 with
 * its alert in *out, *outlen (borrowed until the next call), 2 when it
 * was held back by --max-rate, 0 when none is due. */
int fk_alerter_next(struct fk_alerter *a, int flush, int64_t now_ms,
    const char **out, size_t *outlen);

struct fk_alert_counts {
	unsigned long long alerts, dropped, suppressed, held, folded_out;
};
void fk_alerter_counts(const struct fk_alerter *a, struct fk_alert_counts *c);

#endif
