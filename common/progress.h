/* --progress: one line on standard error, rewritten in place with a
 * carriage return, of what a run has done: records in, the rate of the
 * last interval, rejects and, when the end is known, percent done and
 * time left.  A message printed through log.h erases the line first; it
 * comes back at the next draw.  Runtime module: prints. */
#ifndef FK_PROGRESS_H
#define FK_PROGRESS_H

#include <stddef.h>

#define FK_PROGRESS_MS 500 /* between draws */

struct fk_progress {
	const char *name; /* the tool's, borrowed */
	int width;        /* of the terminal: COLUMNS, else 80 */
	int always;       /* the last line at exit even if none was drawn */
	long long total;  /* bytes of input to read, or -1: not known */
	long long t0_ms, next_ms, last_ms, last_in, last_bytes;
	double byte_rate; /* bytes/s, smoothed over the recent intervals */
	size_t shown;     /* characters of the line on the screen (0: none) */
	int drawn;
};

/* What the run has done so far.  rejected -1: not shown (a generator);
 * bytes: of the input read, for percent done against total. */
struct fk_progress_counts {
	long long in, rejected, bytes;
};

/* Set p up at now_ms (monotonic) for total bytes of input (-1: end not
 * known); always: end with a line even if none was drawn (--progress
 * given).  Installs the log hook that erases the line. */
void fk_progress_start(struct fk_progress *p, const char *name, long long total,
    int always, long long now_ms);

/* Draw the line when FK_PROGRESS_MS have passed since the last. */
void fk_progress_tick(struct fk_progress *p, long long now_ms,
    const struct fk_progress_counts *c);

/* The last line, with the rate of the whole run, and a newline: before
 * the summary.  Removes the log hook. */
void fk_progress_end(struct fk_progress *p, long long now_ms,
    const struct fk_progress_counts *c);

/* Format the line into buf (len bytes), at most width - 1 characters
 * so that the terminal never wraps it: "fk-score: 1200 in, 5000/s,
 * 1 rejected, 45.0%, 1m05s left".  rejected -1, pct < 0 or left_s < 0:
 * that part is left out.  Returns the length. */
size_t fk_progress_format(char *buf, size_t len, int width, const char *name,
    long long in, double rate, long long rejected, double pct, double left_s);

/* The terminal's width: $COLUMNS if it is a number from 20 up, else 80. */
int fk_progress_width(void);

#endif
