/* Unit tests for numbers.c. */
#include "numbers.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "banned.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

enum kind { INT, SIZE, DURATION };

typedef int parse_fn(
    const char *, long long, long long, long long *, char *, size_t);

static parse_fn *const parsers[] = { fk_num_int, fk_num_size, fk_num_duration };

struct ok_case {
	enum kind kind;
	char in[48];
	long long min, max, want;
};

struct bad_case {
	enum kind kind;
	char in[48];
	long long min, max;
	char msg[128]; /* the whole message */
};

static void
check_ok(const struct ok_case *c)
{
	char err[160] = "";
	long long v = 42;
	int rc = parsers[c->kind](c->in, c->min, c->max, &v, err, sizeof(err));

	cr_assert_not_null(
	    memchr(c->in, '\0', sizeof(c->in)), "field too short");
	cr_assert_eq(rc, 0, "kind %d \"%s\": %s", c->kind, c->in, err);
	cr_assert_eq(v, c->want, "kind %d \"%s\": got %lld, want %lld", c->kind,
	    c->in, v, c->want);
}

static void
check_bad(const struct bad_case *c)
{
	char err[160] = "";
	long long v = 42;
	int rc = parsers[c->kind](c->in, c->min, c->max, &v, err, sizeof(err));

	/* an initializer that fills the array leaves out the NUL */
	cr_assert_not_null(
	    memchr(c->in, '\0', sizeof(c->in)), "field too short");
	cr_assert_not_null(
	    memchr(c->msg, '\0', sizeof(c->msg)), "field too short");
	cr_assert_eq(
	    rc, -1, "kind %d \"%s\" accepted as %lld", c->kind, c->in, v);
	cr_assert_eq(
	    v, 42, "kind %d \"%s\": *out changed on error", c->kind, c->in);
	cr_assert_str_eq(err, c->msg, "kind %d \"%s\"", c->kind, c->in);
}

ParameterizedTestParameters(numbers, int_accepts)
{
	static struct ok_case cases[] = {
		{ INT, "0", -10, 10, 0 },
		{ INT, "-0", -10, 10, 0 },
		{ INT, "+0", -10, 10, 0 },
		{ INT, "7", -10, 10, 7 },
		{ INT, "+7", -10, 10, 7 },
		{ INT, "-7", -10, 10, -7 },
		{ INT, "007", -10, 10, 7 },
		{ INT, "10", -10, 10, 10 },
		{ INT, "-10", -10, 10, -10 },
		{ INT, "1", 1, 1, 1 },
		{ INT, "9223372036854775807", LLONG_MIN, LLONG_MAX, LLONG_MAX },
		{ INT, "-9223372036854775808", LLONG_MIN, LLONG_MAX,
		    LLONG_MIN },
		{ INT, "-9223372036854775807", LLONG_MIN, LLONG_MAX,
		    -LLONG_MAX },
		{ INT, "00000000000000000000000000042", 0, 100, 42 },
		{ INT, "4294967296", 0, LLONG_MAX, 4294967296LL },
	};

	return cr_make_param_array(struct ok_case, cases, NELEM(cases));
}

ParameterizedTest(struct ok_case *c, numbers, int_accepts)
{
	check_ok(c);
}

ParameterizedTestParameters(numbers, int_rejects)
{
	static struct bad_case cases[] = {
		{ INT, "", 1, 10,
		    "expected an integer from 1 to 10, got \"\"" },
		{ INT, "abc", 1, 10,
		    "expected an integer from 1 to 10, got \"abc\"" },
		{ INT, "11", 1, 10,
		    "expected an integer from 1 to 10, got \"11\"" },
		{ INT, "0", 1, 10,
		    "expected an integer from 1 to 10, got \"0\"" },
		{ INT, "-1", 0, 10,
		    "expected an integer from 0 to 10, got \"-1\"" },
		{ INT, "1.5", 1, 10,
		    "expected an integer from 1 to 10, got \"1.5\"" },
		{ INT, " 1", 1, 10,
		    "expected an integer from 1 to 10, got \" 1\"" },
		{ INT, "1 ", 1, 10,
		    "expected an integer from 1 to 10, got \"1 \"" },
		{ INT, "+", 1, 10,
		    "expected an integer from 1 to 10, got \"+\"" },
		{ INT, "-", 1, 10,
		    "expected an integer from 1 to 10, got \"-\"" },
		{ INT, "--1", -10, 10,
		    "expected an integer from -10 to 10, got \"--1\"" },
		{ INT, "+-1", -10, 10,
		    "expected an integer from -10 to 10, got \"+-1\"" },
		{ INT, "0x10", 0, 100,
		    "expected an integer from 0 to 100, got \"0x10\"" },
		{ INT, "1e3", 0, 10000,
		    "expected an integer from 0 to 10000, got \"1e3\"" },
		{ INT, "1,000", 0, 10000,
		    "expected an integer from 0 to 10000, got \"1,000\"" },
		{ INT, "5k", 0, 10000,
		    "expected an integer from 0 to 10000, got \"5k\"" },
		{ INT, "9223372036854775808", LLONG_MIN, LLONG_MAX,
		    "expected an integer from -9223372036854775808 to "
		    "9223372036854775807, got \"9223372036854775808\"" },
		{ INT, "-9223372036854775809", LLONG_MIN, LLONG_MAX,
		    "expected an integer from -9223372036854775808 to "
		    "9223372036854775807, got \"-9223372036854775809\"" },
		{ INT, "18446744073709551616", 0, LLONG_MAX,
		    "expected an integer from 0 to 9223372036854775807, got "
		    "\"18446744073709551616\"" },
		{ INT, "99999999999999999999999", 0, 1,
		    "expected an integer from 0 to 1, got "
		    "\"99999999999999999999999\"" },
	};

	return cr_make_param_array(struct bad_case, cases, NELEM(cases));
}

ParameterizedTest(struct bad_case *c, numbers, int_rejects)
{
	check_bad(c);
}

ParameterizedTestParameters(numbers, size_accepts)
{
	static struct ok_case cases[] = {
		{ SIZE, "0", 0, LLONG_MAX, 0 },
		{ SIZE, "512", 0, LLONG_MAX, 512 },
		{ SIZE, "64k", 0, LLONG_MAX, 65536 },
		{ SIZE, "64K", 0, LLONG_MAX, 65536 },
		{ SIZE, "64kb", 0, LLONG_MAX, 65536 },
		{ SIZE, "64KB", 0, LLONG_MAX, 65536 },
		{ SIZE, "64kB", 0, LLONG_MAX, 65536 },
		{ SIZE, "64KiB", 0, LLONG_MAX, 65536 },
		{ SIZE, "64kib", 0, LLONG_MAX, 65536 },
		{ SIZE, "1M", 0, LLONG_MAX, 1048576 },
		{ SIZE, "1m", 0, LLONG_MAX, 1048576 },
		{ SIZE, "1MB", 0, LLONG_MAX, 1048576 },
		{ SIZE, "1MiB", 0, LLONG_MAX, 1048576 },
		{ SIZE, "2G", 0, LLONG_MAX, 2147483648LL },
		{ SIZE, "2g", 0, LLONG_MAX, 2147483648LL },
		{ SIZE, "2GB", 0, LLONG_MAX, 2147483648LL },
		{ SIZE, "2GiB", 0, LLONG_MAX, 2147483648LL },
		{ SIZE, "0k", 0, LLONG_MAX, 0 },
		{ SIZE, "007k", 0, LLONG_MAX, 7168 },
		{ SIZE, "1k", 1024, 1024, 1024 },
		{ SIZE, "8589934591G", 0, LLONG_MAX,
		    9223372035781033984LL }, /* 2^63 - 2^30 */
		{ SIZE, "8796093022207M", 0, LLONG_MAX,
		    9223372036853727232LL }, /* 2^63 - 2^20 */
		{ SIZE, "9223372036854775807", 0, LLONG_MAX, LLONG_MAX },
	};

	return cr_make_param_array(struct ok_case, cases, NELEM(cases));
}

ParameterizedTest(struct ok_case *c, numbers, size_accepts)
{
	check_ok(c);
}

#define SIZE_SYNTAX "expected a size such as 512, 64k, 1M, 2G, got "

ParameterizedTestParameters(numbers, size_rejects)
{
	static struct bad_case cases[] = {
		{ SIZE, "", 0, 100, SIZE_SYNTAX "\"\"" },
		{ SIZE, "k", 0, 100, SIZE_SYNTAX "\"k\"" },
		{ SIZE, "-1", 0, 100, SIZE_SYNTAX "\"-1\"" },
		{ SIZE, "+1", 0, 100, SIZE_SYNTAX "\"+1\"" },
		{ SIZE, "1.5M", 0, LLONG_MAX, SIZE_SYNTAX "\"1.5M\"" },
		{ SIZE, "1T", 0, LLONG_MAX, SIZE_SYNTAX "\"1T\"" },
		{ SIZE, "1b", 0, LLONG_MAX, SIZE_SYNTAX "\"1b\"" },
		{ SIZE, "1B", 0, LLONG_MAX, SIZE_SYNTAX "\"1B\"" },
		{ SIZE, "1x", 0, LLONG_MAX, SIZE_SYNTAX "\"1x\"" },
		{ SIZE, "1kbb", 0, LLONG_MAX, SIZE_SYNTAX "\"1kbb\"" },
		{ SIZE, "1ki", 0, LLONG_MAX, SIZE_SYNTAX "\"1ki\"" },
		{ SIZE, "1Mi", 0, LLONG_MAX, SIZE_SYNTAX "\"1Mi\"" },
		{ SIZE, "1GiBs", 0, LLONG_MAX, SIZE_SYNTAX "\"1GiBs\"" },
		{ SIZE, "1kk", 0, LLONG_MAX, SIZE_SYNTAX "\"1kk\"" },
		{ SIZE, "1 k", 0, LLONG_MAX, SIZE_SYNTAX "\"1 k\"" },
		{ SIZE, " 1k", 0, LLONG_MAX, SIZE_SYNTAX "\" 1k\"" },
		{ SIZE, "1k ", 0, LLONG_MAX, SIZE_SYNTAX "\"1k \"" },
		{ SIZE, "0x10", 0, LLONG_MAX, SIZE_SYNTAX "\"0x10\"" },
		{ SIZE, "2G", 1, 1073741824,
		    "expected a size from 1 to 1G, got \"2G\"" },
		{ SIZE, "0", 1, 1073741824,
		    "expected a size from 1 to 1G, got \"0\"" },
		{ SIZE, "1023", 1024, 65536,
		    "expected a size from 1k to 64k, got \"1023\"" },
		{ SIZE, "3M", 1536, 3145727,
		    "expected a size from 1536 to 3145727, got \"3M\"" },
		{ SIZE, "2M", 1536, 1048576,
		    "expected a size from 1536 to 1M, got \"2M\"" },
		{ SIZE, "8589934592G", 0, LLONG_MAX,
		    "expected a size from 0 to 9223372036854775807, got "
		    "\"8589934592G\"" },
		{ SIZE, "8796093022208M", 0, LLONG_MAX,
		    "expected a size from 0 to 9223372036854775807, got "
		    "\"8796093022208M\"" },
		{ SIZE, "17179869184G", 0, LLONG_MAX, /* 2^64: wraps to 0 */
		    "expected a size from 0 to 9223372036854775807, got "
		    "\"17179869184G\"" },
		{ SIZE, "9007199254740992k", 0, LLONG_MAX,
		    "expected a size from 0 to 9223372036854775807, got "
		    "\"9007199254740992k\"" },
		{ SIZE, "9223372036854775808", 0, LLONG_MAX,
		    "expected a size from 0 to 9223372036854775807, got "
		    "\"9223372036854775808\"" },
		{ SIZE, "99999999999999999999999", 0, LLONG_MAX,
		    "expected a size from 0 to 9223372036854775807, got "
		    "\"99999999999999999999999\"" },
	};

	return cr_make_param_array(struct bad_case, cases, NELEM(cases));
}

ParameterizedTest(struct bad_case *c, numbers, size_rejects)
{
	check_bad(c);
}

#define DAY 86400000LL

ParameterizedTestParameters(numbers, duration_accepts)
{
	static struct ok_case cases[] = {
		{ DURATION, "250ms", 0, LLONG_MAX, 250 },
		{ DURATION, "30s", 0, LLONG_MAX, 30000 },
		{ DURATION, "5m", 0, LLONG_MAX, 300000 },
		{ DURATION, "24h", 0, LLONG_MAX, DAY },
		{ DURATION, "7d", 0, LLONG_MAX, 7 * DAY },
		{ DURATION, "30", 0, LLONG_MAX, 30000 },
		{ DURATION, "0", 0, LLONG_MAX, 0 },
		{ DURATION, "0ms", 0, LLONG_MAX, 0 },
		{ DURATION, "0d", 0, LLONG_MAX, 0 },
		{ DURATION, "1.5", 0, LLONG_MAX, 1500 },
		{ DURATION, "1.5s", 0, LLONG_MAX, 1500 },
		{ DURATION, "1.5h", 0, LLONG_MAX, 5400000 },
		{ DURATION, "0.25m", 0, LLONG_MAX, 15000 },
		{ DURATION, "2.5d", 0, LLONG_MAX, 216000000 },
		{ DURATION, "0.001s", 0, LLONG_MAX, 1 },
		{ DURATION, "0.001", 0, LLONG_MAX, 1 },
		{ DURATION, "1.000ms", 0, LLONG_MAX, 1 },
		{ DURATION, "1.50000000000000000000s", 0, LLONG_MAX, 1500 },
		{ DURATION, "0.00000125d", 0, LLONG_MAX, 108 },
		{ DURATION, "007s", 0, LLONG_MAX, 7000 },
		{ DURATION, "1s", 1000, 1000, 1000 },
		{ DURATION, "7d", 1000, 7 * DAY, 7 * DAY },
		{ DURATION, "9223372036854775807ms", 0, LLONG_MAX, LLONG_MAX },
		{ DURATION, "9223372036854775.807s", 0, LLONG_MAX, LLONG_MAX },
		{ DURATION, "106751991167d", 0, LLONG_MAX,
		    106751991167LL * DAY },
	};

	return cr_make_param_array(struct ok_case, cases, NELEM(cases));
}

ParameterizedTest(struct ok_case *c, numbers, duration_accepts)
{
	check_ok(c);
}

#define DUR_SYNTAX "expected a duration such as 30s, 5m, 24h, 7d, got "

ParameterizedTestParameters(numbers, duration_rejects)
{
	static struct bad_case cases[] = {
		{ DURATION, "", 0, LLONG_MAX, DUR_SYNTAX "\"\"" },
		{ DURATION, "s", 0, LLONG_MAX, DUR_SYNTAX "\"s\"" },
		{ DURATION, "x", 0, LLONG_MAX, DUR_SYNTAX "\"x\"" },
		{ DURATION, "+5s", 0, LLONG_MAX, DUR_SYNTAX "\"+5s\"" },
		{ DURATION, "5x", 0, LLONG_MAX, DUR_SYNTAX "\"5x\"" },
		{ DURATION, "5 s", 0, LLONG_MAX, DUR_SYNTAX "\"5 s\"" },
		{ DURATION, " 5s", 0, LLONG_MAX, DUR_SYNTAX "\" 5s\"" },
		{ DURATION, "5s ", 0, LLONG_MAX, DUR_SYNTAX "\"5s \"" },
		{ DURATION, "5S", 0, LLONG_MAX, DUR_SYNTAX "\"5S\"" },
		{ DURATION, "5M", 0, LLONG_MAX, DUR_SYNTAX "\"5M\"" },
		{ DURATION, "5sec", 0, LLONG_MAX, DUR_SYNTAX "\"5sec\"" },
		{ DURATION, "5mm", 0, LLONG_MAX, DUR_SYNTAX "\"5mm\"" },
		{ DURATION, "5msx", 0, LLONG_MAX, DUR_SYNTAX "\"5msx\"" },
		{ DURATION, "5us", 0, LLONG_MAX, DUR_SYNTAX "\"5us\"" },
		{ DURATION, "1w", 0, LLONG_MAX, DUR_SYNTAX "\"1w\"" },
		{ DURATION, "1h30m", 0, LLONG_MAX, DUR_SYNTAX "\"1h30m\"" },
		{ DURATION, ".5s", 0, LLONG_MAX, DUR_SYNTAX "\".5s\"" },
		{ DURATION, "5.s", 0, LLONG_MAX, DUR_SYNTAX "\"5.s\"" },
		{ DURATION, "5.", 0, LLONG_MAX, DUR_SYNTAX "\"5.\"" },
		{ DURATION, "1.2.3s", 0, LLONG_MAX, DUR_SYNTAX "\"1.2.3s\"" },
		{ DURATION, "1e3s", 0, LLONG_MAX, DUR_SYNTAX "\"1e3s\"" },
		{ DURATION, "1,5s", 0, LLONG_MAX, DUR_SYNTAX "\"1,5s\"" },
		{ DURATION, "-5s", 0, LLONG_MAX,
		    "expected a non-negative duration, got \"-5s\"" },
		{ DURATION, "-0", 0, LLONG_MAX,
		    "expected a non-negative duration, got \"-0\"" },
		{ DURATION, "0.5ms", 0, LLONG_MAX,
		    "expected a whole number of milliseconds, got \"0.5ms\"" },
		{ DURATION, "1.0005s", 0, LLONG_MAX,
		    "expected a whole number of milliseconds, got "
		    "\"1.0005s\"" },
		{ DURATION, "0.0000000001d", 0, LLONG_MAX,
		    "expected at most 9 fraction digits, got "
		    "\"0.0000000001d\"" },
		{ DURATION, "10d", 1000, 7 * DAY,
		    "expected a duration from 1s to 7d, got \"10d\"" },
		{ DURATION, "500ms", 1000, 7 * DAY,
		    "expected a duration from 1s to 7d, got \"500ms\"" },
		{ DURATION, "0", 1, 90000,
		    "expected a duration from 1ms to 90s, got \"0\"" },
		{ DURATION, "2h", 0, 5400000,
		    "expected a duration from 0s to 90m, got \"2h\"" },
		{ DURATION, "1d", 1500, 3600001,
		    "expected a duration from 1500ms to 3600001ms, got "
		    "\"1d\"" },
		{ DURATION, "106751991168d", 0, LLONG_MAX,
		    "expected a duration from 0s to 9223372036854775807ms, got "
		    "\"106751991168d\"" },
		{ DURATION, "18014398509481984d", 0, LLONG_MAX, /* 0 mod 2^64 */
		    "expected a duration from 0s to 9223372036854775807ms, got "
		    "\"18014398509481984d\"" },
		{ DURATION, "9223372036854775808ms", 0, LLONG_MAX,
		    "expected a duration from 0s to 9223372036854775807ms, got "
		    "\"9223372036854775808ms\"" },
		{ DURATION, "9223372036854775.808s", 0, LLONG_MAX,
		    "expected a duration from 0s to 9223372036854775807ms, got "
		    "\"9223372036854775.808s\"" },
		{ DURATION, "99999999999999999999999s", 0, LLONG_MAX,
		    "expected a duration from 0s to 9223372036854775807ms, got "
		    "\"99999999999999999999999s\"" },
	};

	return cr_make_param_array(struct bad_case, cases, NELEM(cases));
}

ParameterizedTest(struct bad_case *c, numbers, duration_rejects)
{
	check_bad(c);
}

struct double_case {
	char in[48];
	double min, max;
	int ok;
	double want;
	char msg[128]; /* when not ok: the whole message */
};

static struct double_case doubles[] = {
	{ "0.5", 0, 1, 1, 0.5, "" },
	{ "1", 0, 1, 1, 1, "" },
	{ "+0.25", 0, 1, 1, 0.25, "" },
	{ "-2e-3", -1, 1, 1, -0.002, "" },
	{ ".5", 0, 1, 1, 0.5, "" },
	{ "5.", 0, 10, 1, 5, "" },
	{ "1E3", 0, 1e7, 1, 1000, "" },
	{ "1.5", 0, 1, 0, 0, "expected a number from 0 to 1, got \"1.5\"" },
	{ "", 0, 1, 0, 0, "expected a number from 0 to 1, got \"\"" },
	{ "0x10", 0, 100, 0, 0,
	    "expected a number from 0 to 100, got \"0x10\"" },
	{ "inf", 0, 1e7, 0, 0,
	    "expected a number from 0 to 10000000, got \"inf\"" },
	{ "nan", 0, 1, 0, 0, "expected a number from 0 to 1, got \"nan\"" },
	{ " 1", 0, 1, 0, 0, "expected a number from 0 to 1, got \" 1\"" },
	{ "1 ", 0, 1, 0, 0, "expected a number from 0 to 1, got \"1 \"" },
	{ "1e", 0, 1, 0, 0, "expected a number from 0 to 1, got \"1e\"" },
	{ "--1", -5, 1, 0, 0, "expected a number from -5 to 1, got \"--1\"" },
	{ ".", 0, 1, 0, 0, "expected a number from 0 to 1, got \".\"" },
	{ "1e999", 0, 1e7, 0, 0,
	    "expected a number from 0 to 10000000, got \"1e999\"" },
	{ "0.0001", 0.001, 1, 0, 0,
	    "expected a number from 0.001 to 1, got \"0.0001\"" },
};

ParameterizedTestParameters(numbers, double_parses)
{
	return cr_make_param_array(struct double_case, doubles, NELEM(doubles));
}

ParameterizedTest(struct double_case *c, numbers, double_parses)
{
	char err[160] = "";
	double v = -42;
	int rc = fk_num_double(c->in, c->min, c->max, &v, err, sizeof(err));

	if (c->ok) {
		cr_assert_eq(rc, 0, "%s: %s", c->in, err);
		cr_assert_float_eq(v, c->want, 1e-12, "%s", c->in);
	} else {
		cr_assert_eq(rc, -1, "%s was taken", c->in);
		cr_assert_str_eq(err, c->msg);
		cr_assert_float_eq(v, -42, 0, "%s changed the value", c->in);
	}
}

Test(numbers, null_string_is_an_error)
{
	char err[128];
	long long v = 42;

	cr_assert_eq(fk_num_int(NULL, 0, 10, &v, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "expected an integer from 0 to 10, got \"\"");
	cr_assert_eq(fk_num_size(NULL, 0, 10, &v, err, sizeof(err)), -1);
	cr_assert_eq(fk_num_duration(NULL, 0, 10, &v, err, sizeof(err)), -1);
	cr_assert_eq(v, 42);
}

Test(numbers, small_or_absent_error_buffer)
{
	char err[9];
	long long v;

	memset(err, 'A', sizeof(err));
	cr_assert_eq(fk_num_int("x", 0, 10, &v, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "expected");
	cr_assert_eq(fk_num_int("x", 0, 10, &v, NULL, 0), -1);
	cr_assert_eq(fk_num_size("x", 0, 10, &v, NULL, 0), -1);
	cr_assert_eq(fk_num_duration("x", 0, 10, &v, NULL, 0), -1);
	cr_assert_eq(fk_num_duration("11s", 0, 10, &v, NULL, 0), -1);
}

/* Every integer in a window parses back, in each of the three parsers. */
Test(numbers, round_trips_a_range)
{
	char buf[32], err[128];
	long long i, v;

	for (i = -2000; i <= 2000; i++) {
		snprintf(buf, sizeof(buf), "%lld", i);
		cr_assert_eq(fk_num_int(buf, -2000, 2000, &v, err, sizeof(err)),
		    0, "%s", err);
		cr_assert_eq(v, i);
		if (i < 0)
			continue;
		cr_assert_eq(
		    fk_num_size(buf, 0, LLONG_MAX, &v, err, sizeof(err)), 0,
		    "%s", err);
		cr_assert_eq(v, i);
		snprintf(buf, sizeof(buf), "%lldk", i);
		cr_assert_eq(
		    fk_num_size(buf, 0, LLONG_MAX, &v, err, sizeof(err)), 0,
		    "%s", err);
		cr_assert_eq(v, i * 1024);
		snprintf(buf, sizeof(buf), "%lldms", i);
		cr_assert_eq(
		    fk_num_duration(buf, 0, LLONG_MAX, &v, err, sizeof(err)), 0,
		    "%s", err);
		cr_assert_eq(v, i);
		snprintf(buf, sizeof(buf), "%lld.%03llds", i / 1000, i % 1000);
		cr_assert_eq(
		    fk_num_duration(buf, 0, LLONG_MAX, &v, err, sizeof(err)), 0,
		    "%s: %s", buf, err);
		cr_assert_eq(v, i, "%s", buf);
	}
}

/* fk_num_json: correctly rounded, so exactly strtod's answer. */
static void
json_same(const char *s)
{
	double want = strtod(s, NULL), got = fk_num_json(s, strlen(s));

	cr_assert(memcmp(&want, &got, sizeof(got)) == 0,
	    "%s: got %.17g, want %.17g", s, got, want);
}

Test(num_json, plain_forms)
{
	static const char *const cases[] = { "0", "-0", "1", "-1", "12.5",
		"0.1", "0.3", "123456789012345", "1234567890123456",
		"12345678901234567890", "0.000000000000000000001",
		"0.0000000000000000000000001", "9007199254740993", "1e3",
		"1E-3", "-2.5e+10", "1e400", "-1e400", "1e-400",
		"4.9406564584124654e-324", "1.7976931348623157e308",
		"3.14159265358979323846264338327950288", "100", "99.99" };
	size_t i;

	for (i = 0; i < NELEM(cases); i++)
		json_same(cases[i]);
}

Test(num_json, random_decimals)
{
	uint64_t st = 7, r;
	char buf[64];
	int i, digits, point, k;

	for (i = 0; i < 200000; i++) {
		r = fk_test_rand(&st);
		digits = 1 + (int)(r % 19);
		point = (int)((r >> 8) % (unsigned)(digits + 1));
		k = 0;
		if (r >> 20 & 1)
			buf[k++] = '-';
		buf[k++] = (char)('1' + (r >> 24) % 9);
		for (int d = 1; d < digits; d++) {
			if (d == point)
				buf[k++] = '.';
			buf[k++] = (char)('0' + fk_test_rand(&st) % 10);
		}
		buf[k] = '\0';
		json_same(buf);
	}
}
