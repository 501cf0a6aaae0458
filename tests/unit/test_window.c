/* Unit tests for window.c. */
#include "window.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "banned.h"

#define SEC 1000LL
#define DAY 86400000LL
#define NOW 1700000000000LL /* 2023-11-14, a realistic epoch time */

static uint32_t
win_count(const struct fk_win *w, const struct fk_winspec *s, int64_t t)
{
	uint32_t n;
	double sum;

	fk_win_get(w, s, t, &n, &sum);
	return n;
}

static double
win_sum(const struct fk_win *w, const struct fk_winspec *s, int64_t t)
{
	uint32_t n;
	double sum;

	fk_win_get(w, s, t, &n, &sum);
	return sum;
}

Test(window, bucket_is_ceiling_of_width_over_slots)
{
	static const int64_t cases[][2] = { { 80000, 10000 }, { 80001, 10001 },
		{ 79999, 10000 }, { 1, 1 }, { 7, 1 }, { 8, 1 }, { 9, 2 },
		{ 30 * DAY, 30 * DAY / 8 } };
	struct fk_winspec s;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fk_winspec_set(&s, cases[i][0]);
		cr_assert_eq(s.width_ms, cases[i][0]);
		cr_assert_eq(s.bucket_ms, cases[i][1], "width %lld",
		    (long long)cases[i][0]);
	}
}

Test(window, zeroed_is_empty)
{
	struct fk_win w;
	struct fk_winspec s;

	memset(&w, 0, sizeof(w));
	fk_winspec_set(&s, 80 * SEC);
	cr_assert_eq(win_count(&w, &s, 0), 0);
	cr_assert_eq(win_count(&w, &s, NOW), 0);
	cr_assert_eq(win_sum(&w, &s, NOW), 0);
}

/* 80 s window, 10 s buckets; events at 0, 5, 10, 79.999 and 80 s with
 * amounts 1, 2, 4, 8, 16 fall in buckets 0, 0, 1, 7, 8. */
Test(window, edges_of_80s_window)
{
	struct fk_win w;
	struct fk_winspec s;

	memset(&w, 0, sizeof(w));
	fk_winspec_set(&s, 80 * SEC);
	cr_assert_eq(fk_win_add(&w, &s, 0, 1), 0);
	cr_assert_eq(fk_win_add(&w, &s, 5 * SEC, 2), 0);
	cr_assert_eq(fk_win_add(&w, &s, 10 * SEC, 4), 0);
	cr_assert_eq(fk_win_add(&w, &s, 79999, 8), 0);
	cr_assert_eq(w.head, 8);

	/* The window at t holds the bucket of t and the 7 before it. */
	cr_assert_eq(win_count(&w, &s, -1), 0);
	cr_assert_eq(win_count(&w, &s, 0), 2);
	cr_assert_eq(win_count(&w, &s, 9999), 2);
	cr_assert_eq(win_count(&w, &s, 10 * SEC), 3);
	cr_assert_eq(win_count(&w, &s, 79999), 4);
	cr_assert_eq(win_sum(&w, &s, 79999), 15);
	/* At 80 s bucket 0 falls out: the event at 0 s (80 s before t) and
	 * the one at 5 s (75 s before, same bucket) with it. */
	cr_assert_eq(win_count(&w, &s, 80 * SEC), 2);
	cr_assert_eq(win_sum(&w, &s, 80 * SEC), 12);
	cr_assert_eq(win_count(&w, &s, 89999), 2);
	cr_assert_eq(win_count(&w, &s, 90 * SEC), 1);
	/* The event at 79.999 s leaves with its bucket [70 s, 80 s), 70 s
	 * and 1 ms later. */
	cr_assert_eq(win_count(&w, &s, 149999), 1);
	cr_assert_eq(win_count(&w, &s, 150 * SEC), 0);

	/* The event at exactly 80 s opens bucket 8 and drops bucket 0. */
	cr_assert_eq(fk_win_add(&w, &s, 80 * SEC, 16), 0);
	cr_assert_eq(w.head, 9);
	cr_assert_eq(win_count(&w, &s, 80 * SEC), 3);
	cr_assert_eq(win_sum(&w, &s, 80 * SEC), 28);
	/* Before the newest bucket: newer buckets are left out, and bucket 0
	 * has left the ring, so 79.999 s no longer sees four events. */
	cr_assert_eq(win_count(&w, &s, 79999), 2);
	cr_assert_eq(win_sum(&w, &s, 79999), 12);
	cr_assert_eq(win_count(&w, &s, 9999), 0);
	cr_assert_eq(win_count(&w, &s, 90 * SEC), 2);
	cr_assert_eq(win_sum(&w, &s, 90 * SEC), 24);
	cr_assert_eq(win_count(&w, &s, 159999), 1);
	cr_assert_eq(win_count(&w, &s, 160 * SEC), 0);
}

Test(window, late_events)
{
	struct fk_win w;
	struct fk_winspec s;

	memset(&w, 0, sizeof(w));
	fk_winspec_set(&s, 80 * SEC);
	cr_assert_eq(fk_win_add(&w, &s, 80 * SEC, 1), 0); /* bucket 8 */
	/* Buckets 1..8 are in the ring, bucket 0 is not. */
	cr_assert_eq(fk_win_add(&w, &s, 10 * SEC, 2), 0);
	cr_assert_eq(fk_win_add(&w, &s, 35 * SEC, 4), 0);
	cr_assert_eq(fk_win_add(&w, &s, 9999, 8), -1);
	cr_assert_eq(fk_win_add(&w, &s, 0, 8), -1);
	cr_assert_eq(w.head, 9);
	cr_assert_eq(win_count(&w, &s, 80 * SEC), 3);
	cr_assert_eq(win_sum(&w, &s, 80 * SEC), 7);
	/* Each in its own bucket: the one at 10 s leaves first. */
	cr_assert_eq(win_count(&w, &s, 89999), 3);
	cr_assert_eq(win_count(&w, &s, 90 * SEC), 2);
	cr_assert_eq(win_sum(&w, &s, 90 * SEC), 5);
	cr_assert_eq(win_count(&w, &s, 109999), 2);
	cr_assert_eq(win_count(&w, &s, 110 * SEC), 1);
	/* Read at their own time, late events see the past only. */
	cr_assert_eq(win_count(&w, &s, 10 * SEC), 1);
	cr_assert_eq(win_count(&w, &s, 35 * SEC), 2);
	cr_assert_eq(win_sum(&w, &s, 35 * SEC), 6);
}

Test(window, gaps_clear_old_buckets)
{
	struct fk_win w;
	struct fk_winspec s;
	int i;

	memset(&w, 0, sizeof(w));
	fk_winspec_set(&s, 80 * SEC);
	for (i = 0; i < 8; i++)
		cr_assert_eq(fk_win_add(&w, &s, NOW + i * 10 * SEC, 1), 0);
	cr_assert_eq(win_count(&w, &s, NOW + 79 * SEC), 8);
	/* Three buckets on: three slots reused. */
	cr_assert_eq(fk_win_add(&w, &s, NOW + 100 * SEC, 1), 0);
	cr_assert_eq(win_count(&w, &s, NOW + 100 * SEC), 6);
	/* A gap longer than the window: nothing old is left. */
	cr_assert_eq(fk_win_add(&w, &s, NOW + 1000 * SEC, 5), 0);
	cr_assert_eq(win_count(&w, &s, NOW + 1000 * SEC), 1);
	cr_assert_eq(win_sum(&w, &s, NOW + 1000 * SEC), 5);
	for (i = 0; i < FK_WIN_SLOTS; i++)
		if (i != (int)(((NOW + 1000 * SEC) / (10 * SEC)) % 8))
			cr_assert_eq(w.count[i], 0);
	/* A gap of exactly the window: bucket idx - 8 is dropped. */
	cr_assert_eq(fk_win_add(&w, &s, NOW + 1080 * SEC, 1), 0);
	cr_assert_eq(win_count(&w, &s, NOW + 1080 * SEC), 1);
	cr_assert_eq(win_sum(&w, &s, NOW + 1080 * SEC), 1);
}

Test(window, counts_saturate)
{
	struct fk_win w;
	struct fk_winspec s;
	uint32_t n;
	double sum;
	int i;

	memset(&w, 0, sizeof(w));
	fk_winspec_set(&s, 80 * SEC);
	for (i = 0; i < 70000; i++)
		cr_assert_eq(fk_win_add(&w, &s, NOW, 1), 0);
	fk_win_get(&w, &s, NOW, &n, &sum);
	cr_assert_eq(n, 65535);
	cr_assert_eq(sum, 70000); /* the sum goes on */
	for (i = 0; i < 66000; i++)
		fk_win_add(&w, &s, NOW + 10 * SEC, 1);
	fk_win_get(&w, &s, NOW + 10 * SEC, &n, &sum);
	cr_assert_eq(n, 2 * 65535); /* over 16 bits in total */
	cr_assert_eq(sum, 136000);
}

/* head holds bucket + 1 in 32 bits; times before 1970 are not stored. */
Test(window, index_range)
{
	struct fk_win w;
	struct fk_winspec s;

	memset(&w, 0, sizeof(w));
	fk_winspec_set(&s, 8); /* 1 ms buckets */
	cr_assert_eq(fk_win_add(&w, &s, NOW, 1), -1);
	cr_assert_eq(fk_win_add(&w, &s, -1, 1), -1);
	cr_assert_eq(fk_win_add(&w, &s, (int64_t)UINT32_MAX, 1), -1);
	cr_assert_eq(w.head, 0);
	cr_assert_eq(fk_win_add(&w, &s, (int64_t)UINT32_MAX - 1, 1), 0);
	cr_assert_eq(w.head, UINT32_MAX);
	cr_assert_eq(win_count(&w, &s, (int64_t)UINT32_MAX - 1), 1);
	cr_assert_eq(win_count(&w, &s, INT64_MAX), 0);
	cr_assert_eq(win_count(&w, &s, INT64_MIN), 0);

	/* 8 s windows (1 s buckets) hold today's times. */
	memset(&w, 0, sizeof(w));
	fk_winspec_set(&s, 8 * SEC);
	cr_assert_eq(fk_win_add(&w, &s, NOW, 1), 0);
	cr_assert_eq(win_count(&w, &s, NOW + 7 * SEC), 1);
	cr_assert_eq(win_count(&w, &s, NOW + 8 * SEC), 0);
}

/* 2, 4, 4, 4, 5, 5, 7, 9: mean 5, population sd 2, max 9. */
Test(stat, mean_sd_max)
{
	static const double a[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	struct fk_stat w;
	struct fk_winspec s;
	uint32_t n;
	double mean, sd, max;
	int i;

	memset(&w, 0, sizeof(w));
	fk_winspec_set(&s, 80 * SEC);
	fk_stat_get(&w, &s, NOW, &n, &mean, &sd, &max);
	cr_assert(n == 0 && mean == 0 && sd == 0 && max == 0);
	/* An event that the next ones push out of the ring. */
	cr_assert_eq(fk_stat_add(&w, &s, NOW - 80 * SEC, 1000), 0);
	fk_stat_get(&w, &s, NOW - 1, &n, &mean, &sd, &max);
	cr_assert_eq(n, 1);
	cr_assert_eq(mean, 1000);
	cr_assert_eq(sd, 0);
	cr_assert_eq(max, 1000);
	for (i = 0; i < 8; i++)
		cr_assert_eq(
		    fk_stat_add(&w, &s, NOW + i / 2 * 10 * SEC, a[i]), 0);
	fk_stat_get(&w, &s, NOW + 30 * SEC, &n, &mean, &sd, &max);
	cr_assert_eq(n, 8);
	cr_assert_float_eq(mean, 5, 1e-12);
	cr_assert_float_eq(sd, 2, 1e-12);
	cr_assert_eq(max, 9);
	/* At the first bucket only 2 and 4: mean 3, sd 1. */
	fk_stat_get(&w, &s, NOW, &n, &mean, &sd, &max);
	cr_assert_eq(n, 2);
	cr_assert_float_eq(mean, 3, 1e-12);
	cr_assert_float_eq(sd, 1, 1e-12);
	cr_assert_eq(max, 4);
	fk_stat_get(&w, &s, NOW - 1, &n, &mean, &sd, &max);
	cr_assert(n == 0 && mean == 0 && sd == 0 && max == 0);
	/* Only the last bucket, 7 and 9. */
	fk_stat_get(&w, &s, NOW + 100 * SEC, &n, &mean, &sd, &max);
	cr_assert_eq(n, 2);
	cr_assert_float_eq(mean, 8, 1e-12);
	cr_assert_float_eq(sd, 1, 1e-12);
	cr_assert_eq(max, 9);
	fk_stat_get(&w, &s, NOW + 110 * SEC, &n, &mean, &sd, &max);
	cr_assert(n == 0 && mean == 0 && sd == 0 && max == 0);
}

Test(stat, negative_amounts_and_max)
{
	struct fk_stat w;
	struct fk_winspec s;
	uint32_t n;
	double mean, sd, max;

	memset(&w, 0, sizeof(w));
	fk_winspec_set(&s, 80 * SEC);
	fk_stat_add(&w, &s, NOW, -3);
	fk_stat_add(&w, &s, NOW + 10 * SEC, -1);
	fk_stat_get(&w, &s, NOW + 10 * SEC, &n, &mean, &sd, &max);
	cr_assert_eq(n, 2);
	cr_assert_eq(max, -1);
	cr_assert_float_eq(mean, -2, 1e-12);
	cr_assert_float_eq(sd, 1, 1e-12);
}

/* Float sums of squares would cancel: sumsq/n - mean^2 gives about 1 here.
 * The true sd is 0.00943 (float amounts move it by about 2%). */
Test(stat, near_constant_amounts)
{
	struct fk_stat w;
	struct fk_winspec s;
	uint32_t n;
	double mean, sd, max;
	int i;

	memset(&w, 0, sizeof(w));
	fk_winspec_set(&s, 80 * SEC);
	fk_stat_add(&w, &s, NOW, 9999.99);
	fk_stat_add(&w, &s, NOW, 10000.01);
	fk_stat_add(&w, &s, NOW + 10 * SEC, 9999.99);
	fk_stat_get(&w, &s, NOW + 10 * SEC, &n, &mean, &sd, &max);
	cr_assert_eq(n, 3);
	cr_assert_float_eq(mean, 9999.99667, 1e-3);
	cr_assert_float_eq(sd, 0.00943, 5e-4, "sd %g", sd);

	memset(&w, 0, sizeof(w));
	for (i = 0; i < 10000; i++)
		fk_stat_add(&w, &s, NOW + i, i % 2 ? 10000.01 : 9999.99);
	fk_stat_get(&w, &s, NOW + 10 * SEC, &n, &mean, &sd, &max);
	cr_assert_eq(n, 10000);
	cr_assert_float_eq(sd, 0.01, 5e-4, "sd %g", sd);

	memset(&w, 0, sizeof(w));
	for (i = 0; i < 1000; i++)
		fk_stat_add(&w, &s, NOW + i * 50, 100.1);
	fk_stat_get(&w, &s, NOW + 50 * SEC, &n, &mean, &sd, &max);
	cr_assert_eq(n, 1000);
	cr_assert_float_eq(mean, 100.1, 1e-3, "mean %.9g", mean);
	cr_assert_lt(sd, 1e-3, "sd %g", sd);
}

Test(stat, saturated_bucket_keeps_its_mean)
{
	struct fk_stat w;
	struct fk_winspec s;
	uint32_t n;
	double mean, sd, max;
	int i;

	memset(&w, 0, sizeof(w));
	fk_winspec_set(&s, 80 * SEC);
	for (i = 0; i < 65535; i++)
		fk_stat_add(&w, &s, NOW, 1);
	for (i = 0; i < 10; i++)
		cr_assert_eq(fk_stat_add(&w, &s, NOW, 100), 0);
	fk_stat_get(&w, &s, NOW, &n, &mean, &sd, &max);
	cr_assert_eq(n, 65535);
	cr_assert_eq(mean, 1);
	cr_assert_eq(sd, 0);
	cr_assert_eq(max, 100);
}

/* A fraud on day 0 with labels known after 7 days. */
Test(lab, delayed_labels)
{
	struct fk_lab l;
	uint32_t tx, fr;
	int64_t d, t;

	memset(&l, 0, sizeof(l));
	cr_assert_eq(fk_lab_add(&l, NOW / DAY * DAY + DAY / 2, 1), 0);
	for (d = 0; d < 50; d++) {
		t = NOW / DAY * DAY + d * DAY + DAY / 2;
		cr_assert_eq(fk_lab_add(&l, t, 0), 0);
		fk_lab_get(&l, t, 7 * DAY, DAY, &tx, &fr);
		cr_assert_eq(fr, d == 7, "day %lld", (long long)d);
		cr_assert_eq(tx, d < 7 ? 0 : d == 7 ? 2 : 1);
		fk_lab_get(&l, t, 7 * DAY, 7 * DAY, &tx, &fr);
		cr_assert_eq(fr, d >= 7 && d <= 13, "day %lld", (long long)d);
		cr_assert_eq(tx, d < 7 ? 0 : d <= 13 ? d - 5 : 7);
		fk_lab_get(&l, t, 7 * DAY, 30 * DAY, &tx, &fr);
		cr_assert_eq(fr, d >= 7 && d <= 36, "day %lld", (long long)d);
		cr_assert_eq(tx, d < 7 ? 0 : d <= 36 ? d - 5 : 30);
	}
}

Test(lab, day_edges)
{
	struct fk_lab l;
	uint32_t tx, fr;

	memset(&l, 0, sizeof(l));
	cr_assert_eq(fk_lab_add(&l, 100 * DAY + DAY - 1, 1), 0);
	cr_assert_eq(fk_lab_add(&l, 101 * DAY, 0), 0);
	/* Known from the start of day 107. */
	fk_lab_get(&l, 107 * DAY - 1, 7 * DAY, DAY, &tx, &fr);
	cr_assert(tx == 0 && fr == 0);
	fk_lab_get(&l, 107 * DAY, 7 * DAY, DAY, &tx, &fr);
	cr_assert(tx == 1 && fr == 1);
	fk_lab_get(&l, 108 * DAY, 7 * DAY, DAY, &tx, &fr);
	cr_assert(tx == 1 && fr == 0);
	fk_lab_get(&l, 108 * DAY, 7 * DAY, 2 * DAY, &tx, &fr);
	cr_assert(tx == 2 && fr == 1);
	/* Days 101 - 39 .. 101 are kept. */
	cr_assert_eq(fk_lab_add(&l, 62 * DAY - 1, 0), -1);
	cr_assert_eq(fk_lab_add(&l, 62 * DAY, 1), 0);
	fk_lab_get(&l, 69 * DAY, 7 * DAY, DAY, &tx, &fr);
	cr_assert(tx == 1 && fr == 1);
	/* Day 140 drops days up to 100; day 101 stays. */
	cr_assert_eq(fk_lab_add(&l, 140 * DAY, 0), 0);
	fk_lab_get(&l, 69 * DAY, 7 * DAY, DAY, &tx, &fr);
	cr_assert(tx == 0 && fr == 0);
	fk_lab_get(&l, 108 * DAY, 7 * DAY, DAY, &tx, &fr);
	cr_assert(tx == 1 && fr == 0);
	fk_lab_get(&l, 140 * DAY, 0, 39 * DAY, &tx, &fr);
	cr_assert(tx == 1 && fr == 0);
	fk_lab_get(&l, 139 * DAY, 7 * DAY, 32 * DAY, &tx, &fr);
	cr_assert(tx == 1 && fr == 0);
	cr_assert_eq(fk_lab_add(&l, -1, 0), -1);
}

Test(lab, counts_saturate)
{
	struct fk_lab l;
	uint32_t tx, fr;
	int i;

	memset(&l, 0, sizeof(l));
	for (i = 0; i < 70000; i++)
		fk_lab_add(&l, NOW, i % 2);
	fk_lab_get(&l, NOW, 0, DAY, &tx, &fr);
	cr_assert_eq(tx, 65535);
	cr_assert_eq(fr, 35000);
	for (i = 0; i < 70000; i++)
		fk_lab_add(&l, NOW, 1);
	fk_lab_get(&l, NOW, 0, DAY, &tx, &fr);
	cr_assert_eq(fr, 65535);
}

/* Brute force: every event kept, the documented bucket rule applied. */
struct ev {
	int64_t t, idx;
	double amount;
};

struct model {
	struct ev *ev;
	size_t n;
	int64_t b, newest; /* -1: none */
};

static int64_t
fdiv(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return a % b < 0 ? q - 1 : q;
}

static int
model_add(struct model *m, int64_t t, double amount)
{
	int64_t idx = fdiv(t, m->b);

	if (idx < 0 || idx >= (int64_t)UINT32_MAX)
		return -1;
	if (m->newest >= 0 && idx <= m->newest - FK_WIN_SLOTS)
		return -1;
	if (idx > m->newest)
		m->newest = idx;
	m->ev[m->n].t = t;
	m->ev[m->n].idx = idx;
	m->ev[m->n].amount = amount;
	m->n++;
	return 0;
}

static int
model_in(const struct model *m, int64_t it, int64_t i)
{
	return it - FK_WIN_SLOTS < i && i <= it &&
	    m->newest - FK_WIN_SLOTS < i && i <= m->newest;
}

/* Count, and the sum as the window makes it: a float per bucket in the
 * order of arrival, then in double from the oldest bucket.  Also the
 * exact sum, mean, sd and max. */
static void
model_get(const struct model *m, int64_t t, uint32_t *count, double *fsum,
    double *sum, double *mean, double *sd, double *max)
{
	int64_t it = fdiv(t, m->b), i;
	size_t k;
	uint32_t n = 0;
	float acc;
	double fs = 0, s = 0, mx = 0, ss = 0;

	for (i = it - FK_WIN_SLOTS + 1; i <= it; i++) {
		acc = 0;
		for (k = 0; k < m->n; k++) {
			if (m->ev[k].idx != i || !model_in(m, it, i))
				continue;
			acc = (float)((double)acc + m->ev[k].amount);
			s += m->ev[k].amount;
			if (n == 0 || (float)m->ev[k].amount > mx)
				mx = (float)m->ev[k].amount;
			n++;
		}
		fs += acc;
	}
	*count = n;
	*fsum = fs;
	*sum = s;
	*max = mx;
	*mean = n ? s / n : 0;
	for (k = 0; k < m->n; k++)
		if (model_in(m, it, m->ev[k].idx))
			ss += (m->ev[k].amount - *mean) *
			    (m->ev[k].amount - *mean);
	*sd = n ? sqrt(ss / n) : 0;
}

static int64_t
rnd(uint64_t *st, int64_t n)
{
	return (int64_t)(fk_test_rand(st) % (uint64_t)n);
}

static void
check_at(const struct fk_win *w, const struct fk_stat *st,
    const struct fk_winspec *s, const struct model *m, int64_t t)
{
	uint32_t n, mn, sn;
	double sum, msum, fsum, mmean, msd, mmax, mean, sd, max;

	model_get(m, t, &mn, &fsum, &msum, &mmean, &msd, &mmax);
	fk_win_get(w, s, t, &n, &sum);
	cr_assert_eq(n, mn, "width %lld t %lld: %u, want %u",
	    (long long)s->width_ms, (long long)t, n, mn);
	cr_assert_eq(sum, fsum, "width %lld t %lld", (long long)s->width_ms,
	    (long long)t);
	cr_assert_float_eq(sum, msum, 1e-6 * (1 + fabs(msum)));
	fk_stat_get(st, s, t, &sn, &mean, &sd, &max);
	cr_assert_eq(sn, mn);
	cr_assert_eq(max, mmax);
	cr_assert_float_eq(mean, mmean, 1e-5 * (1 + fabs(mmean)));
	cr_assert_float_eq(
	    sd, msd, 1e-3 * (1 + msd), "sd %g, want %g", sd, msd);
}

static void
random_run(int64_t width, int64_t base, uint64_t seed)
{
	enum { N = 10000 };
	struct fk_win w;
	struct fk_stat st;
	struct fk_winspec s;
	struct model m;
	uint64_t rs = seed;
	int64_t clock = base, t, step;
	double amount;
	int i, r, rejected = 0;

	memset(&w, 0, sizeof(w));
	memset(&st, 0, sizeof(st));
	fk_winspec_set(&s, width);
	m.ev = calloc(N, sizeof(*m.ev));
	cr_assert_not_null(m.ev);
	m.n = 0;
	m.b = s.bucket_ms;
	m.newest = -1;
	step = width / 4 + 2;
	for (i = 0; i < N; i++) {
		clock += rnd(&rs, step);
		if (rnd(&rs, 500) == 0)
			clock += width + rnd(&rs, 3 * width);
		t = clock;
		if (rnd(&rs, 5) == 0) /* late, sometimes too late */
			t -= rnd(&rs, width + width / 3 + 1);
		amount = (double)rnd(&rs, 100000) / 100;
		r = model_add(&m, t, amount);
		cr_assert_eq(
		    fk_win_add(&w, &s, t, amount), r, "t %lld", (long long)t);
		cr_assert_eq(fk_stat_add(&st, &s, t, amount), r);
		rejected += r != 0;
		check_at(&w, &st, &s, &m, t);
		check_at(&w, &st, &s, &m,
		    clock - 3 * width / 2 + rnd(&rs, 3 * width + 1));
		if (i % 16 == 0)
			check_at(&w, &st, &s, &m,
			    (m.newest + 1) * m.b - rnd(&rs, 2) -
			        m.b * rnd(&rs, 10));
	}
	cr_log_info("width %lld: %d of %d events too old", (long long)width,
	    rejected, N);
	cr_assert_gt(rejected, 0);
	cr_assert_lt(rejected, N / 5);
	free(m.ev);
}

Test(window, random_vs_brute_force)
{
	random_run(80 * SEC, 0, 1);
	random_run(80 * SEC, NOW, 2);
	random_run(7, 1000000, 3);
	random_run(8, 1000000, 4);
	random_run(8 * SEC, NOW, 5);
	random_run(3600 * SEC, NOW, 6);
	random_run(DAY, NOW, 7);
	random_run(30 * DAY, NOW, 8);
	random_run(30 * DAY + 5, NOW + 3, 9);
}

/* fk_win_add_get over several windows is fk_win_add_idx then
 * fk_win_get_idx on each, with an event too old to store counted, for
 * events mostly in order, some late, some after long gaps. */
Test(window, add_get_is_add_then_get)
{
	static const int64_t width[] = { 8 * SEC, 60 * SEC, 3600 * SEC, DAY,
		7 * DAY, 30 * DAY };
	enum { NW = sizeof(width) / sizeof(width[0]) };
	struct fk_winspec s[NW];
	struct fk_win a[NW], b[NW];
	int64_t idx[NW], t = NOW;
	uint32_t count[NW], n;
	double sum[NW], sm, amount;
	uint64_t st = 11;

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	for (int i = 0; i < NW; i++)
		fk_winspec_set(&s[i], width[i]);
	for (int ev = 0; ev < 200000; ev++) {
		switch (rnd(&st, 10)) {
		case 0:
			t += rnd(&st, 40 * DAY);
			break;
		case 1:
			t -= rnd(&st, 2 * DAY);
			break;
		default:
			t += rnd(&st, 120 * SEC);
			break;
		}
		amount = (double)rnd(&st, 100000) / 100 - 100;
		for (int i = 0; i < NW; i++)
			idx[i] = fk_win_index(&s[i], t);
		fk_win_add_get(a, idx, NW, amount, count, sum);
		for (int i = 0; i < NW; i++) {
			int dropped =
			    fk_win_add_idx(&b[i], idx[i], amount) == -1;

			fk_win_get_idx(&b[i], idx[i], &n, &sm);
			if (dropped) {
				n++;
				sm += amount;
			}
			cr_assert_eq(count[i], n, "event %d window %d", ev, i);
			cr_assert(memcmp(&sum[i], &sm, sizeof(sm)) == 0,
			    "event %d window %d: %.17g, not %.17g", ev, i,
			    sum[i], sm);
		}
		cr_assert(memcmp(a, b, sizeof(a)) == 0, "event %d", ev);
	}
}
