/* Unit tests for fkcat-in's wmark.c: when fkcat-in --watermarks sends a
 * watermark, and what it says. */
#include "wmark.h"

#include <criterion/criterion.h>
#include <stdio.h>

#include "banned.h"

/* What is due now, as "wm" or "wm idle", or "" for nothing; sent. */
static const char *
due(struct fk_wmark *m, int rc, const struct fk_watermark *w)
{
	static char buf[64];

	if (!rc)
		return "";
	cr_assert_str_eq(w->topic, "-");
	cr_assert_eq(w->task, 0);
	cr_assert_eq(w->tasks, 1);
	snprintf(buf, sizeof(buf), "%lld%s", (long long)w->wm,
	    w->idle ? " idle" : "");
	fk_wmark_sent(m, w);
	return buf;
}

static const char *
rec(struct fk_wmark *m, int64_t ts, int64_t now)
{
	struct fk_watermark w;

	return due(m, fk_wmark_record(m, ts, now, &w), &w);
}

static const char *
tick(struct fk_wmark *m, int64_t now)
{
	struct fk_watermark w;

	return due(m, fk_wmark_tick(m, now, &w), &w);
}

static const char *
end(struct fk_wmark *m)
{
	struct fk_watermark w;

	return due(m, fk_wmark_end(m, &w), &w);
}

Test(wmark, nothing_before_the_first_record)
{
	struct fk_wmark m;

	fk_wmark_init(&m, 1000);
	cr_assert_str_eq(tick(&m, 5000), "");
	cr_assert_str_eq(end(&m), "");
}

Test(wmark, the_first_record_goes_behind_its_own_time)
{
	struct fk_wmark m;

	fk_wmark_init(&m, 1000);
	cr_assert_str_eq(rec(&m, 500, 10), "500");
	cr_assert_str_eq(rec(&m, 600, 20), "");
	cr_assert_str_eq(rec(&m, 700, 30), "");
	cr_assert_str_eq(tick(&m, 100), "700");
	cr_assert_str_eq(tick(&m, 200), "");
}

Test(wmark, the_greatest_time_not_the_last)
{
	struct fk_wmark m;

	fk_wmark_init(&m, 1000);
	rec(&m, 500, 10);
	rec(&m, 900, 20);
	rec(&m, 300, 30);
	rec(&m, 0, 40); /* no event time */
	cr_assert_str_eq(tick(&m, 100), "900");
}

Test(wmark, idle_once_then_not_idle_before_the_next_record)
{
	struct fk_wmark m;

	fk_wmark_init(&m, 1000);
	rec(&m, 500, 0);
	cr_assert_str_eq(tick(&m, 999), "");
	cr_assert_str_eq(tick(&m, 1000), "500 idle");
	cr_assert_str_eq(tick(&m, 1100), "");
	cr_assert_str_eq(tick(&m, 9000), "");
	/* Earlier than wm: the watermark goes first all the same. */
	cr_assert_str_eq(rec(&m, 400, 9050), "500");
	cr_assert_str_eq(rec(&m, 800, 9060), "");
	cr_assert_str_eq(tick(&m, 9100), "800");
	cr_assert_str_eq(end(&m), "800 idle");
}

Test(wmark, the_end_is_idle_unless_said_already)
{
	struct fk_wmark m;

	fk_wmark_init(&m, 1000);
	rec(&m, 500, 0);
	cr_assert_str_eq(end(&m), "500 idle");
	cr_assert_str_eq(end(&m), "");
	fk_wmark_init(&m, 1000);
	rec(&m, 500, 0);
	tick(&m, 2000);
	cr_assert_str_eq(end(&m), "");
}

Test(wmark, idle_after_zero_is_idle_at_every_tick_after_a_record)
{
	struct fk_wmark m;

	fk_wmark_init(&m, 0);
	rec(&m, 500, 10);
	cr_assert_str_eq(tick(&m, 10), "500 idle");
	cr_assert_str_eq(rec(&m, 600, 20), "600");
}

/* One not sent stays due: at the next tick, and at a record once the
 * retry interval has passed. */
Test(wmark, a_failed_one_is_due_again)
{
	struct fk_wmark m;
	struct fk_watermark w;

	fk_wmark_init(&m, 1000);
	cr_assert_eq(fk_wmark_record(&m, 500, 0, &w), 1);
	fk_wmark_failed(&m, 0);
	cr_assert_str_eq(rec(&m, 600, 50), "");
	cr_assert_str_eq(rec(&m, 700, FK_WMARK_RETRY_MS), "700");
	cr_assert_str_eq(rec(&m, 800, FK_WMARK_RETRY_MS + 1), "");

	fk_wmark_init(&m, 1000);
	cr_assert_eq(fk_wmark_record(&m, 500, 0, &w), 1);
	fk_wmark_failed(&m, 0);
	cr_assert_str_eq(tick(&m, 100), "500");

	/* An idle one that failed, then a record's that failed: the tick
	 * says not idle. */
	cr_assert_eq(fk_wmark_tick(&m, 2000, &w), 1);
	cr_assert_eq(w.idle, 1);
	fk_wmark_failed(&m, 2000);
	cr_assert_str_eq(tick(&m, 2100), "500 idle");
	cr_assert_eq(fk_wmark_record(&m, 900, 3000, &w), 1);
	fk_wmark_failed(&m, 3000);
	cr_assert_str_eq(tick(&m, 3100), "900");
}

/* An idle one names its pause by when it began: the same when sent
 * again, a new one after a record. */
Test(wmark, a_pause_is_named_once)
{
	struct fk_wmark m;
	struct fk_watermark w;
	int64_t first;

	fk_wmark_init(&m, 1000);
	rec(&m, 500, 0);
	cr_assert_eq(fk_wmark_tick(&m, 1000, &w), 1);
	cr_assert(w.idle);
	cr_assert_gt(w.idle_at, 0);
	first = w.idle_at;
	fk_wmark_failed(&m, 1000);
	cr_assert_eq(fk_wmark_tick(&m, 1100, &w), 1);
	cr_assert_eq(w.idle_at, first, "the same pause, sent again");
	fk_wmark_sent(&m, &w);
	cr_assert_eq(fk_wmark_record(&m, 600, 1200, &w), 1);
	cr_assert_not(w.idle);
	cr_assert_eq(w.idle_at, 0);
	cr_assert_eq(m.idle_at, 0, "the pause ended");
	fk_wmark_sent(&m, &w);
	cr_assert_eq(fk_wmark_end(&m, &w), 1);
	cr_assert_geq(w.idle_at, first, "a new pause");
	cr_assert_eq(m.idle_at, w.idle_at);
}
