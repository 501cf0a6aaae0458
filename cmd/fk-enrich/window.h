/* Trailing event-time windows over fixed buckets, so that a window costs
 * the same memory for a user with one transaction a month and a terminal
 * with thousands a day.
 *
 * A window of width w has FK_WIN_SLOTS buckets of b = ceil(w / SLOTS)
 * milliseconds, aligned on the epoch: bucket i holds event times in
 * [i*b, (i+1)*b).  At time t the window holds the buckets i with
 * idx(t) - SLOTS < i <= idx(t), idx(t) = floor(t / b): the current
 * bucket (also its part after t) and the SLOTS - 1 before it, that is
 * between w - b and w of history. */
#ifndef FK_WINDOW_H
#define FK_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#define FK_WIN_SLOTS 8

struct fk_winspec {
	int64_t width_ms;
	int64_t bucket_ms; /* ceil(width_ms / FK_WIN_SLOTS) */
};

/* Set spec for a window of width_ms (> 0). */
void fk_winspec_set(struct fk_winspec *s, int64_t width_ms);

/* Count and sum of amount; zeroed memory is an empty window.  Counts
 * stop at 65535 per bucket. */
struct fk_win {
	uint32_t head; /* bucket index of the newest bucket + 1; 0: empty */
	uint16_t count[FK_WIN_SLOTS];
	float sum[FK_WIN_SLOTS];
};

/* Add one event at t with amount.  Returns 0, or -1 when t is older
 * than the window's oldest bucket, before 1970, or past what a 32-bit
 * bucket number holds (for 1 s buckets, 2106) (nothing is added). */
int fk_win_add(
    struct fk_win *w, const struct fk_winspec *s, int64_t t, double amount);

/* The window at time t: *count events and *sum of their amounts in the
 * buckets idx(t) - SLOTS < i <= idx(t). */
void fk_win_get(const struct fk_win *w, const struct fk_winspec *s, int64_t t,
    uint32_t *count, double *sum);

/* The same with t's bucket index, fk_win_index(s, t), worked out once
 * for the windows of several entities. */
int64_t fk_win_index(const struct fk_winspec *s, int64_t t);
int fk_win_add_idx(struct fk_win *w, int64_t idx, double amount);
void fk_win_get_idx(
    const struct fk_win *w, int64_t idx, uint32_t *count, double *sum);
/* For each of the n windows w[i]: fk_win_add_idx at idx[i], then
 * fk_win_get_idx into count[i] and sum[i], with the event counted also
 * when it was too old to be stored; in one pass when idx[i] is the
 * newest bucket, as it mostly is. */
void fk_win_add_get(struct fk_win *w, const int64_t *idx, int n, double amount,
    uint32_t *count, double *sum);

/* Amount statistics for the profile window: count, sum, squared
 * deviations from the bucket's own mean (Welford; buckets are combined
 * with Chan's formula, which floats need) and maximum per bucket. */
struct fk_stat {
	uint32_t head;
	uint16_t count[FK_WIN_SLOTS];
	float sum[FK_WIN_SLOTS], sumsq[FK_WIN_SLOTS], max[FK_WIN_SLOTS];
};

int fk_stat_add(
    struct fk_stat *w, const struct fk_winspec *s, int64_t t, double amount);
/* count, mean, population standard deviation and max at time t; mean,
 * sd and max are 0 when count is 0. */
void fk_stat_get(const struct fk_stat *w, const struct fk_winspec *s, int64_t t,
    uint32_t *count, double *mean, double *sd, double *max);
/* The same with t's bucket index, fk_win_index(s, t). */
int fk_stat_add_idx(struct fk_stat *w, int64_t idx, double amount);
void fk_stat_get_idx(const struct fk_stat *w, int64_t idx, uint32_t *count,
    double *mean, double *sd, double *max);

/* Delayed labels: transactions and frauds per day, by transaction time,
 * read only once they are known. */
#define FK_LAB_DAYS 40 /* label delay + longest label window, at most */

struct fk_lab {
	uint32_t head; /* day index + 1 of the newest day; 0: empty */
	uint16_t tx[FK_LAB_DAYS], fraud[FK_LAB_DAYS];
};

/* Count a transaction at t, fraudulent or not.  -1 when older than the
 * oldest day kept. */
int fk_lab_add(struct fk_lab *l, int64_t t, int fraud);
/* Count tx transactions and fraud frauds (0 or 1 each) at t: a label
 * that arrives on its own adds a fraud to a transaction counted before. */
int fk_lab_count(struct fk_lab *l, int64_t t, int tx, int fraud);
/* Transactions and frauds with time in (t - delay - w, t - delay], at
 * day granularity: days d with idx(t - delay) - w/day < d <=
 * idx(t - delay).  w and delay are whole days, w/day + delay/day <=
 * FK_LAB_DAYS - 1. */
void fk_lab_get(const struct fk_lab *l, int64_t t, int64_t delay_ms,
    int64_t w_ms, uint32_t *tx, uint32_t *fraud);

#endif
