/* Unit tests for keep.c: which event times a topic keeps at a given
 * time, and the command that makes it keep the others. */
#include "keep.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "banned.h"

#define DAY 86400000LL
#define NOW 1796601600000LL /* 2026-12-07T00:00:00Z */

static struct fk_keep
keep_days(int64_t days)
{
	struct fk_keep k;

	fk_keep_init(&k);
	k.retention_ms = days < 0 ? -1 : days * DAY;
	return k;
}

Test(keep, init_keeps_everything)
{
	struct fk_keep k;
	int64_t lo, hi;

	fk_keep_init(&k);
	fk_keep_window(&k, NOW, &lo, &hi);
	cr_expect_eq(lo, INT64_MIN);
	cr_expect_eq(hi, INT64_MAX);
	cr_expect_eq(fk_keep_fate(&k, NOW, 1), 0u);
	cr_expect_eq(fk_keep_fate(&k, NOW, NOW + 365 * DAY), 0u);
}

Test(keep, seven_days_deletes_a_month_ago)
{
	struct fk_keep k = keep_days(7);
	int64_t lo, hi;

	fk_keep_window(&k, NOW, &lo, &hi);
	cr_expect_eq(lo, NOW - 7 * DAY);
	cr_expect_eq(hi, INT64_MAX);
	cr_expect_eq(fk_keep_fate(&k, NOW, NOW - 40 * DAY), FK_KEEP_DELETED);
	cr_expect_eq(fk_keep_fate(&k, NOW, NOW - 7 * DAY), 0u,
	    "exactly the retention is still kept");
	cr_expect_eq(fk_keep_fate(&k, NOW, NOW - 7 * DAY - 1), FK_KEEP_DELETED);
	cr_expect_eq(fk_keep_fate(&k, NOW, NOW - DAY), 0u);
}

Test(keep, forever_keeps_history)
{
	struct fk_keep k = keep_days(-1);
	int64_t lo, hi;

	fk_keep_window(&k, NOW, &lo, &hi);
	cr_expect_eq(lo, INT64_MIN);
	cr_expect_eq(fk_keep_fate(&k, NOW, 1), 0u);
}

Test(keep, log_append_time_has_nothing_at_risk)
{
	struct fk_keep k = keep_days(7);
	int64_t lo, hi;

	k.append_time = 1;
	k.before_max_ms = DAY;
	fk_keep_window(&k, NOW, &lo, &hi);
	cr_expect_eq(lo, INT64_MIN);
	cr_expect_eq(hi, INT64_MAX);
	cr_expect_eq(fk_keep_fate(&k, NOW, NOW - 40 * DAY), 0u);
}

Test(keep, timestamp_limits_refuse)
{
	struct fk_keep k = keep_days(-1);
	int64_t lo, hi;

	k.before_max_ms = DAY;
	k.after_max_ms = 3600000;
	fk_keep_window(&k, NOW, &lo, &hi);
	cr_expect_eq(lo, NOW - DAY);
	cr_expect_eq(hi, NOW + 3600000);
	cr_expect_eq(fk_keep_fate(&k, NOW, NOW - 2 * DAY), FK_KEEP_TOO_OLD);
	cr_expect_eq(fk_keep_fate(&k, NOW, NOW + 2 * 3600000), FK_KEEP_TOO_NEW);
	cr_expect_eq(fk_keep_fate(&k, NOW, NOW), 0u);
}

Test(keep, both_limits_the_tighter_bounds_the_window)
{
	struct fk_keep k = keep_days(7);
	int64_t lo, hi;

	k.before_max_ms = 30 * DAY;
	fk_keep_window(&k, NOW, &lo, &hi);
	cr_expect_eq(lo, NOW - 7 * DAY);
	cr_expect_eq(fk_keep_fate(&k, NOW, NOW - 10 * DAY), FK_KEEP_DELETED);
	cr_expect_eq(fk_keep_fate(&k, NOW, NOW - 40 * DAY),
	    FK_KEEP_DELETED | FK_KEEP_TOO_OLD);
}

Test(keep, huge_limits_do_not_overflow)
{
	struct fk_keep k = keep_days(-1);
	int64_t lo, hi;

	k.retention_ms = INT64_MAX - 1;
	k.after_max_ms = INT64_MAX - 1;
	fk_keep_window(&k, NOW, &lo, &hi);
	cr_expect_eq(lo, NOW - (INT64_MAX - 1));
	cr_expect_eq(hi, INT64_MAX);
	cr_expect_eq(fk_keep_fate(&k, NOW, 1), 0u);
	k.retention_ms = INT64_MAX;
	fk_keep_window(&k, -5, &lo, &hi);
	cr_expect_eq(lo, INT64_MIN);
}

Test(keep, span_rounds_down_to_the_largest_unit)
{
	static const struct {
		int64_t ms;
		char want[24];
	} cases[] = {
		{ -1, "forever" },
		{ 0, "0 seconds" },
		{ 1000, "1 second" },
		{ 59999, "59 seconds" },
		{ 60000, "1 minute" },
		{ 3600000, "1 hour" },
		{ 7200000, "2 hours" },
		{ DAY, "1 day" },
		{ 7 * DAY, "7 days" },
		{ 40 * DAY + 3600000, "40 days" },
	};
	char buf[32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fk_keep_span(cases[i].ms, buf, sizeof(buf));
		cr_expect_str_eq(
		    buf, cases[i].want, "%lld ms", (long long)cases[i].ms);
	}
}

Test(keep, fix_alters_an_existing_topic)
{
	struct fk_keep k = keep_days(7);
	char buf[512];

	fk_keep_fix(&k, FK_KEEP_DELETED, "b:9092", "tx", buf, sizeof(buf));
	cr_expect_str_eq(buf,
	    "kafka-configs.sh --bootstrap-server b:9092 --alter --entity-type "
	    "topics --entity-name tx --add-config retention.ms=-1");
	fk_keep_fix(&k, FK_KEEP_DELETED | FK_KEEP_TOO_OLD, "b:9092", "tx", buf,
	    sizeof(buf));
	cr_expect_str_eq(buf,
	    "kafka-configs.sh --bootstrap-server b:9092 --alter --entity-type "
	    "topics --entity-name tx --add-config retention.ms=-1,"
	    "message.timestamp.before.max.ms=9223372036854775807");
	fk_keep_fix(&k, 0, "b:9092", "tx", buf, sizeof(buf));
	cr_expect_str_eq(buf, "");
}

Test(keep, fix_creates_a_missing_topic)
{
	struct fk_keep k = keep_days(7);
	char buf[512];

	k.exists = 0;
	fk_keep_fix(&k, FK_KEEP_DELETED | FK_KEEP_TOO_NEW, "b:9092", "tx", buf,
	    sizeof(buf));
	cr_expect_str_eq(buf,
	    "kafka-topics.sh --bootstrap-server b:9092 --create --topic tx "
	    "--config retention.ms=-1 --config "
	    "message.timestamp.after.max.ms=9223372036854775807");
}

Test(keep, fix_sets_the_old_brokers_one_limit_once)
{
	struct fk_keep k = keep_days(-1);
	char buf[512];

	k.before_key = k.after_key = "message.timestamp.difference.max.ms";
	fk_keep_fix(
	    &k, FK_KEEP_TOO_OLD | FK_KEEP_TOO_NEW, "b", "t", buf, sizeof(buf));
	cr_expect_str_eq(buf,
	    "kafka-configs.sh --bootstrap-server b --alter --entity-type "
	    "topics --entity-name t --add-config "
	    "message.timestamp.difference.max.ms=9223372036854775807");
}

Test(keep, fix_truncates_safely)
{
	struct fk_keep k = keep_days(7);
	char buf[20];

	fk_keep_fix(&k, FK_KEEP_DELETED | FK_KEEP_TOO_OLD | FK_KEEP_TOO_NEW,
	    "b", "t", buf, sizeof(buf));
	cr_expect_eq(strlen(buf), sizeof(buf) - 1);
}
