/* Unit tests for fk-lag's lag.c: the lag and where the age is read, the
 * age and its clock, the limits, and the report as a table and as
 * NDJSON.  Expected tables are written out by hand. */
#include "lag.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

Test(lag, lag_counts_from_the_committed_offset_or_the_start)
{
	cr_assert_eq(fk_lag_of(5, 0, 12), 7);
	cr_assert_eq(fk_lag_of(12, 0, 12), 0);
	/* None committed: all the partition keeps. */
	cr_assert_eq(fk_lag_of(-1, 3, 10), 7);
	cr_assert_eq(fk_lag_of(-1, 0, 0), 0);
	/* Committed below the start (deleted since): end minus committed. */
	cr_assert_eq(fk_lag_of(1, 4, 10), 9);
	/* Never below 0 (a topic made again). */
	cr_assert_eq(fk_lag_of(20, 0, 12), 0);
}

Test(lag, age_is_read_at_the_committed_offset_or_the_start)
{
	struct fk_lag_row row = { .committed = 5, .low = 0, .end = 12 };

	row.lag = fk_lag_of(row.committed, row.low, row.end);
	cr_assert_eq(fk_lag_first(&row), 5);
	row.committed = -1;
	row.lag = fk_lag_of(row.committed, row.low, row.end);
	cr_assert_eq(fk_lag_first(&row), 0);
	row.committed = 2;
	row.low = 4;
	row.lag = fk_lag_of(row.committed, row.low, row.end);
	cr_assert_eq(fk_lag_first(&row), 4);
	row.committed = 12;
	row.lag = fk_lag_of(row.committed, row.low, row.end);
	cr_assert_eq(fk_lag_first(&row), -1);
}

Test(lag, age_from_the_timestamp_or_ingest_ms)
{
	static const struct {
		char value[128];
		int64_t ts;
		int append;
		int64_t age;
		enum fk_lag_from from;
	} cases[] = {
		/* An event timestamp. */
		{ "{\"user_id\":\"u1\"}", 990000, 0, 10000, FK_LAG_FROM_EVENT },
		/* The broker's append time. */
		{ "{\"user_id\":\"u1\"}", 990000, 1, 10000,
		    FK_LAG_FROM_APPEND },
		/* ingest_ms wins over the timestamp, integer or not. */
		{ "{\"ingest_ms\":700000,\"ts_ms\":1}", 990000, 0, 300000,
		    FK_LAG_FROM_INGEST },
		{ "{\"a\":{\"ingest_ms\":1},\"ingest_ms\":9.995e5}", 5, 0, 500,
		    FK_LAG_FROM_INGEST },
		/* Not a number, not an object, not JSON: the timestamp. */
		{ "{\"ingest_ms\":\"700000\"}", 990000, 0, 10000,
		    FK_LAG_FROM_EVENT },
		{ "[{\"ingest_ms\":700000}]", 990000, 0, 10000,
		    FK_LAG_FROM_EVENT },
		{ "user_id=u1", 990000, 0, 10000, FK_LAG_FROM_EVENT },
		{ "", 990000, 0, 10000, FK_LAG_FROM_EVENT },
		/* Ahead of the clock: 0. */
		{ "{}", 1000500, 0, 0, FK_LAG_FROM_EVENT },
		{ "{\"ingest_ms\":2000000}", 5, 0, 0, FK_LAG_FROM_INGEST },
		/* No timestamp and no ingest_ms: no age. */
		{ "{}", -1, 0, -1, FK_LAG_FROM_NONE },
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		struct fk_lag_row row = { .age_ms = -1 };

		fk_lag_age(&row, 1000000, cases[i].value,
		    strlen(cases[i].value), cases[i].ts, cases[i].append);
		cr_assert_eq(row.age_ms, cases[i].age, "%s: age %lld",
		    cases[i].value, (long long)row.age_ms);
		cr_assert_eq(row.from, cases[i].from, "%s: from %d",
		    cases[i].value, row.from);
	}
}

Test(lag, a_null_value_takes_the_timestamp)
{
	struct fk_lag_row row = { .age_ms = -1 };

	fk_lag_age(&row, 1000, NULL, 0, 400, 0);
	cr_assert_eq(row.age_ms, 600);
	cr_assert_eq(row.from, FK_LAG_FROM_EVENT);
}

Test(lag, over_is_more_than_the_limit)
{
	struct fk_lag_row row = { .lag = 100, .age_ms = 60000 };

	cr_assert_eq(fk_lag_check(&row, -1, -1), 0);
	cr_assert_eq(fk_lag_check(&row, 100, 60000), 0);
	cr_assert_eq(fk_lag_check(&row, 99, -1), FK_LAG_OVER_LAG);
	cr_assert_eq(fk_lag_check(&row, -1, 59999), FK_LAG_OVER_AGE);
	cr_assert_eq(
	    fk_lag_check(&row, 0, 0), FK_LAG_OVER_LAG | FK_LAG_OVER_AGE);
	cr_assert_eq(row.over, FK_LAG_OVER_LAG | FK_LAG_OVER_AGE);
	/* No age is never over --max-age. */
	row.lag = 0;
	row.age_ms = -1;
	cr_assert_eq(fk_lag_check(&row, 0, 0), 0);
	cr_assert_eq(row.over, 0);
}

Test(lag, ages_in_their_two_largest_units)
{
	static const struct {
		int64_t ms;
		char want[16];
	} cases[] = {
		{ 0, "0ms" },
		{ 850, "850ms" },
		{ 1000, "1s" },
		{ 45999, "45s" },
		{ 60000, "1m" },
		{ 750000, "12m30s" },
		{ 3600000, "1h" },
		{ 3 * 3600000 + 5 * 60000 + 59000, "3h5m" },
		{ 86400000 - 1, "23h59m" },
		{ 2 * 86400000, "2d" },
		{ 2 * 86400000 + 4 * 3600000 + 1, "2d4h" },
		{ 766LL * 86400000 + 13 * 3600000, "766d13h" },
	};
	char buf[32];

	for (size_t i = 0; i < NELEM(cases); i++) {
		fk_lag_age_format(cases[i].ms, buf, sizeof(buf));
		cr_assert_str_eq(
		    buf, cases[i].want, "%lld ms", (long long)cases[i].ms);
	}
}

/* The report of three rows, out of order, with one over each limit. */
static void
sample(struct fk_lag_report *r)
{
	struct fk_lag_row *row;

	fk_lag_report_init(r);
	row = fk_lag_report_add(r, "fk.score", "fk.enriched", 1);
	row->committed = 1250;
	row->end = 1310;
	row->lag = 60;
	row->age_ms = 4200;
	row->from = FK_LAG_FROM_EVENT;
	row = fk_lag_report_add(r, "fk.alert", "fk.scored", 0);
	row->committed = 99;
	row->end = 99;
	row = fk_lag_report_add(r, "fk.score", "fk.enriched", 0);
	row->low = 3;
	row->end = 120000;
	row->lag = 119997;
	row->age_ms = 2 * 86400000 + 4 * 3600000;
	row->from = FK_LAG_FROM_INGEST;
	fk_lag_report_sort(r);
	for (size_t i = 0; i < r->n; i++)
		fk_lag_check(&r->rows[i], 100000, 3600000);
}

/* What write() printed for r. */
static char *
written(int (*write)(const struct fk_lag_report *, FILE *),
    const struct fk_lag_report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	cr_assert_not_null(fp);
	cr_assert_eq(write(r, fp), 0);
	fclose(fp);
	return buf;
}

Test(lag, text_is_an_aligned_table)
{
	struct fk_lag_report r;
	char *got;

	sample(&r);
	got = written(fk_lag_write_text, &r);
	cr_assert_str_eq(got,
	    "GROUP     TOPIC        PARTITION  COMMITTED     END     LAG"
	    "   AGE  AGE_FROM  OVER\n"
	    "fk.alert  fk.scored            0         99      99       0"
	    "     -  -\n"
	    "fk.score  fk.enriched          0          -  120000  119997"
	    "  2d4h  ingest    lag,age\n"
	    "fk.score  fk.enriched          1       1250    1310      60"
	    "    4s  event\n");
	free(got);
	fk_lag_report_release(&r);
}

Test(lag, json_is_a_line_a_row)
{
	struct fk_lag_report r;
	char *got;

	sample(&r);
	got = written(fk_lag_write_json, &r);
	cr_assert_str_eq(got,
	    "{\"group\":\"fk.alert\",\"topic\":\"fk.scored\",\"partition\":0,"
	    "\"committed\":99,\"end\":99,\"lag\":0,\"age_ms\":null,"
	    "\"age_from\":null,\"over\":[]}\n"
	    "{\"group\":\"fk.score\",\"topic\":\"fk.enriched\","
	    "\"partition\":0,\"committed\":null,\"end\":120000,"
	    "\"lag\":119997,\"age_ms\":187200000,\"age_from\":\"ingest\","
	    "\"over\":[\"lag\",\"age\"]}\n"
	    "{\"group\":\"fk.score\",\"topic\":\"fk.enriched\","
	    "\"partition\":1,\"committed\":1250,\"end\":1310,\"lag\":60,"
	    "\"age_ms\":4200,\"age_from\":\"event\",\"over\":[]}\n");
	free(got);
	fk_lag_report_release(&r);
}

Test(lag, no_rows_print_nothing)
{
	struct fk_lag_report r;
	char *got;

	fk_lag_report_init(&r);
	got = written(fk_lag_write_text, &r);
	cr_assert_str_eq(got, "");
	free(got);
	got = written(fk_lag_write_json, &r);
	cr_assert_str_eq(got, "");
	free(got);
	fk_lag_report_release(&r);
}

Test(lag, rows_sort_and_drop)
{
	struct fk_lag_report r;

	fk_lag_report_init(&r);
	for (int i = 0; i < 40; i++)
		fk_lag_report_add(
		    &r, i % 2 ? "b" : "a", i % 3 ? "t" : "s", 40 - i);
	fk_lag_report_sort(&r);
	for (size_t i = 1; i < r.n; i++) {
		const struct fk_lag_row *x = &r.rows[i - 1], *y = &r.rows[i];
		int c = strcmp(x->group, y->group);

		if (c == 0)
			c = strcmp(x->topic, y->topic);
		cr_assert(c < 0 || (c == 0 && x->partition < y->partition));
	}
	fk_lag_report_drop(&r, 0);
	fk_lag_report_drop(&r, r.n - 1);
	cr_assert_eq(r.n, 38);
	cr_assert_str_eq(r.rows[0].group, "a");
	fk_lag_report_release(&r);
	cr_assert_eq(r.n, 0);
}
