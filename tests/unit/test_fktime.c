/* Unit tests for fktime.c.  Expected epoch values in the tables come from
 * an independent oracle (Python's datetime), not from the code under test. */
#include "fktime.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "banned.h"

#define MIN_MS (-62135596800000LL) /* 0001-01-01T00:00:00.000Z */
#define MAX_MS 253402300799999LL   /* 9999-12-31T23:59:59.999Z */
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int
parse(const char *s, int64_t *ms, char *err, size_t errlen)
{
	return fk_time_parse(s, strlen(s), ms, err, errlen);
}

struct valid_case {
	char in[48];
	long long want;
};

ParameterizedTestParameters(fktime, parses_valid)
{
	static struct valid_case cases[] = {
		/* RFC 3339 and its variants */
		{ "2024-11-16T14:02:00Z", 1731765720000LL },
		{ "2024-11-16T14:02:00.123Z", 1731765720123LL },
		{ "2024-11-16T14:02:00.123+01:00", 1731762120123LL },
		{ "2024-11-16t14:02:00z", 1731765720000LL },
		{ "2024-11-16T14:02:00z", 1731765720000LL },
		{ "2024-11-16t14:02:00Z", 1731765720000LL },
		{ "2024-11-16 14:02:00Z", 1731765720000LL },
		{ "2024-11-16 14:02:00", 1731765720000LL },
		{ "2024-11-16 14:02:00.5", 1731765720500LL },
		{ "2024-11-16 14:02:00.123456789", 1731765720123LL },
		{ "2024-11-16 14:02:00+01:00", 1731762120000LL },
		{ "2024-11-16T14:02:00+05:30", 1731745920000LL },
		{ "2024-11-16T14:02:00-08:00", 1731794520000LL },
		{ "2024-11-16T14:02:00.999-00:00", 1731765720999LL },
		{ "2024-11-16T14:02:00+00:00", 1731765720000LL },
		{ "2024-01-01T00:00:00+23:59", 1703980860000LL },
		{ "2024-01-01T00:00:00-23:59", 1704153540000LL },
		/* around the epoch */
		{ "1970-01-01T00:00:00Z", 0LL },
		{ "1970-01-01T00:00:00.001Z", 1LL },
		{ "1969-12-31T23:59:59.999Z", -1LL },
		{ "1969-12-31T23:59:59Z", -1000LL },
		{ "1970-01-01T01:00:00+01:00", 0LL },
		/* leap years */
		{ "2000-02-29T12:00:00Z", 951825600000LL },
		{ "2024-02-29T00:00:00Z", 1709164800000LL },
		{ "1600-02-29T00:00:00Z", -11670998400000LL },
		{ "0400-02-29T00:00:00Z", -49539340800000LL },
		{ "2023-02-28T23:59:59Z", 1677628799000LL },
		{ "1900-03-01T00:00:00Z", -2203891200000LL },
		{ "2100-12-31T23:59:59Z", 4133980799000LL },
		{ "1583-10-15T00:00:00Z", -12187756800000LL },
		/* range ends, also reached through an offset */
		{ "0001-01-01T00:00:00Z", MIN_MS },
		{ "9999-12-31T23:59:59.999Z", MAX_MS },
		{ "0001-01-01T05:00:00+05:00", MIN_MS },
		{ "9999-12-31T23:00:00-00:59", 253402300740000LL },
		/* truncation, not rounding */
		{ "2024-12-31T23:59:59.9999Z", 1735689599999LL },
		/* 32- and 64-bit landmarks */
		{ "2038-01-19T03:14:08Z", 2147483648000LL },
		{ "2262-04-11T23:47:16.854Z", 9223372036854LL },
		{ "1677-09-21T00:12:43.145Z", -9223372036855LL },
		/* leap second */
		{ "2016-12-31T23:59:60Z", 1483228799999LL },
		{ "2016-12-31T23:59:60.5Z", 1483228799999LL },
		{ "2017-01-01T05:29:60+05:30", 1483228799999LL },
		{ "2016-12-31 23:59:60", 1483228799999LL },
		/* epoch seconds and milliseconds */
		{ "0", 0LL },
		{ "-0", 0LL },
		{ "00001", 1000LL },
		{ "1731765720", 1731765720000LL },
		{ "1731765720123", 1731765720123LL },
		{ "1731765720.123", 1731765720123LL },
		{ "1731765720.5", 1731765720500LL },
		{ "1731765720.1239", 1731765720123LL },
		{ "1.123456789", 1123LL },
		{ "99999999999", 99999999999000LL },
		{ "99999999999.999", 99999999999999LL },
		{ "100000000000", 100000000000LL },
		{ "1731765720123.4", 1731765720123LL },
		{ "1731765720123.9", 1731765720123LL },
		{ "100000000000.9994", 100000000000LL },
		{ "100000000000.9995", 100000000001LL },
		{ "-100000000000.0004", -100000000000LL },
		{ "-100000000000.0005", -100000000001LL },
		{ "253402300799999", MAX_MS },
		{ "253402300799999.9", MAX_MS },
		{ "-1", -1000LL },
		{ "-1.5", -1500LL },
		{ "-0.0001", -1LL },
		{ "-0.0015", -2LL },
		{ "-1731765720123.4", -1731765720124LL },
		{ "-100000000000", -100000000000LL },
		{ "-62135596800", MIN_MS },
		{ "-62135596800000", MIN_MS },
		/* rounded to the microsecond first, as doubles are */
		{ "1.0009999", 1001LL },
		{ "1.0009994", 1000LL },
		{ "1.99999949", 1999LL },
	};

	return cr_make_param_array(struct valid_case, cases, NELEM(cases));
}

ParameterizedTest(struct valid_case *c, fktime, parses_valid)
{
	char err[128] = "";
	int64_t ms = 42;
	int rc;

	/* an initializer that fills the array leaves out the NUL */
	cr_assert_not_null(
	    memchr(c->in, '\0', sizeof(c->in)), "field too short");
	rc = parse(c->in, &ms, err, sizeof(err));
	cr_assert_eq(rc, 0, "\"%s\": rc %d, err \"%s\"", c->in, rc, err);
	cr_assert_eq(ms, c->want, "\"%s\": got %lld, want %lld", c->in,
	    (long long)ms, c->want);
}

Test(fktime, fractions_of_1_to_9_digits_truncate_to_ms)
{
	static const char digits[] = "987654321";
	static const long long want[] = { 900, 980, 987, 987, 987, 987, 987,
		987, 987 };
	char buf[64], err[128];
	int64_t ms;
	int n;

	for (n = 1; n <= 9; n++) {
		snprintf(
		    buf, sizeof(buf), "1970-01-01T00:00:01.%.*sZ", n, digits);
		cr_assert_eq(
		    parse(buf, &ms, err, sizeof(err)), 0, "%s: %s", buf, err);
		cr_assert_eq(
		    ms, 1000 + want[n - 1], "%s: got %lld", buf, (long long)ms);
		/* same before the epoch: the fraction still counts forward */
		snprintf(
		    buf, sizeof(buf), "1969-12-31T23:59:58.%.*sZ", n, digits);
		cr_assert_eq(
		    parse(buf, &ms, err, sizeof(err)), 0, "%s: %s", buf, err);
		cr_assert_eq(ms, -2000 + want[n - 1], "%s: got %lld", buf,
		    (long long)ms);
	}
}

struct invalid_case {
	char in[64];
	char msg[64];
};

ParameterizedTestParameters(fktime, rejects_invalid)
{
	static struct invalid_case cases[] = {
		{ "", "expected RFC 3339 or epoch time" },
		{ "abc", "expected RFC 3339 or epoch time" },
		{ "2024-11-16", "missing time of day" },
		{ "2024-11-16T", "missing time of day" },
		{ "2024-11-16 ", "missing time of day" },
		{ "2024-13-01T00:00:00Z", "invalid month 13" },
		{ "2024-00-01T00:00:00Z", "invalid month 0" },
		{ "2024-02-30T00:00:00Z", "invalid day 30 for 2024-02" },
		{ "2024-02-31T00:00:00Z", "invalid day 31 for 2024-02" },
		{ "2023-02-29T00:00:00Z", "invalid day 29 for 2023-02" },
		{ "1900-02-29T00:00:00Z", "invalid day 29 for 1900-02" },
		{ "2100-02-29T00:00:00Z", "invalid day 29 for 2100-02" },
		{ "2024-04-31T00:00:00Z", "invalid day 31 for 2024-04" },
		{ "2024-01-00T00:00:00Z", "invalid day 0 for 2024-01" },
		{ "2024-01-32T00:00:00Z", "invalid day 32 for 2024-01" },
		{ "0000-01-01T00:00:00Z", "invalid year 0000" },
		{ "2024-11-16T24:00:00Z", "invalid hour 24" },
		{ "2024-11-16T14:60:00Z", "invalid minute 60" },
		{ "2024-11-16T14:02:61Z", "invalid second 61" },
		{ "2024-11-16T14:02:99Z", "invalid second 99" },
		{ "2024-11-16T14:02:00+24:00", "invalid offset +24:00" },
		{ "2024-11-16T14:02:00-05:60", "invalid offset -05:60" },
		{ "2024-11-16T14:02:00", "missing time zone offset" },
		{ "2024-11-16t14:02:00.123", "missing time zone offset" },
		{ "2024-11-16T14:02:00.Z",
		    "expected 1 to 9 fraction digits, got 0" },
		{ "2024-11-16 14:02:00.",
		    "expected 1 to 9 fraction digits, got 0" },
		{ "2024-11-16T14:02:00.1234567890Z",
		    "expected 1 to 9 fraction digits, got 10" },
		{ "2024-11-16T14:02:00Zjunk",
		    "unexpected \"junk\" after time" },
		{ "2024-11-16T14:02:00Z ", "unexpected \" \" after time" },
		{ "2024-11-16T14:02:00zz", "unexpected \"z\" after time" },
		{ "2024-11-16 14:02:00 UTC", "unexpected \" UTC\" after time" },
		{ "2024-11-16T14:02:00+01:00x", "unexpected \"x\" after time" },
		{ "2024-11-16T14:02:00,123Z",
		    "unexpected \",123Z\" after time" },
		{ "2024-11-16T14:02:00+0100",
		    "expected RFC 3339 or epoch time" },
		{ "2024-11-16T14:02:00+01", "expected RFC 3339 or epoch time" },
		{ "2024-11-16T14:02:00+1:00",
		    "expected RFC 3339 or epoch time" },
		{ "2024-11-16X14:02:00Z", "expected RFC 3339 or epoch time" },
		{ "2024-11-16_14:02:00Z", "expected RFC 3339 or epoch time" },
		{ "2024/11/16T14:02:00Z", "expected RFC 3339 or epoch time" },
		{ "2024-11/16T14:02:00Z", "expected RFC 3339 or epoch time" },
		{ "2024-11-16T14-02-00Z", "expected RFC 3339 or epoch time" },
		{ "2024-11-16T14:02Z", "expected RFC 3339 or epoch time" },
		{ "2024-11-16T14:02", "expected RFC 3339 or epoch time" },
		{ "2024-1-16T14:02:00Z", "expected RFC 3339 or epoch time" },
		{ "2024-11-6T14:02:00Z", "expected RFC 3339 or epoch time" },
		{ "24-11-16T14:02:00Z", "expected RFC 3339 or epoch time" },
		{ "12024-11-16T14:02:00Z", "expected RFC 3339 or epoch time" },
		{ "2024-11-16T1:02:00Z", "expected RFC 3339 or epoch time" },
		{ "2024-11-16T14:02:0Z", "expected RFC 3339 or epoch time" },
		{ "2024-1a-16T14:02:00Z", "expected RFC 3339 or epoch time" },
		{ " 2024-11-16T14:02:00Z", "expected RFC 3339 or epoch time" },
		{ "0001-01-01T00:00:00+00:01", "time outside years 0001-9999" },
		{ "0001-01-01T00:00:00.999+00:01",
		    "time outside years 0001-9999" },
		{ "9999-12-31T23:59:59-00:01", "time outside years 0001-9999" },
		/* epoch numbers */
		{ "-", "expected RFC 3339 or epoch time" },
		{ "--1", "expected RFC 3339 or epoch time" },
		{ "+1", "expected RFC 3339 or epoch time" },
		{ "1.", "expected RFC 3339 or epoch time" },
		{ ".5", "expected RFC 3339 or epoch time" },
		{ "-.5", "expected RFC 3339 or epoch time" },
		{ "1.2.3", "expected RFC 3339 or epoch time" },
		{ "1e9", "expected RFC 3339 or epoch time" },
		{ "0x10", "expected RFC 3339 or epoch time" },
		{ "12a", "expected RFC 3339 or epoch time" },
		{ " 12", "expected RFC 3339 or epoch time" },
		{ "12 ", "expected RFC 3339 or epoch time" },
		{ "1,5", "expected RFC 3339 or epoch time" },
		{ "nan", "expected RFC 3339 or epoch time" },
		{ "99999999999999999999",
		    "epoch time outside years 0001-9999" },
		{ "1000000000000000000000000000000",
		    "epoch time outside years 0001-9999" },
		{ "253402300800000", "epoch time outside years 0001-9999" },
		{ "-62135596801", "epoch time outside years 0001-9999" },
		{ "-62135596800.001", "epoch time outside years 0001-9999" },
		{ "-62135596800001", "epoch time outside years 0001-9999" },
		{ "-99999999999", "epoch time outside years 0001-9999" },
	};

	return cr_make_param_array(struct invalid_case, cases, NELEM(cases));
}

ParameterizedTest(struct invalid_case *c, fktime, rejects_invalid)
{
	char err[128] = "";
	int64_t ms = 42;
	int rc;

	cr_assert_not_null(
	    memchr(c->in, '\0', sizeof(c->in)), "field too short");
	cr_assert_not_null(
	    memchr(c->msg, '\0', sizeof(c->msg)), "field too short");
	rc = parse(c->in, &ms, err, sizeof(err));
	cr_assert_eq(rc, -1, "\"%s\" accepted as %lld", c->in, (long long)ms);
	cr_assert_eq(ms, 42, "\"%s\": *ms changed on error", c->in);
	cr_assert_str_eq(err, c->msg, "\"%s\"", c->in);
}

/* Messages leave the whole input to the caller, which adds it. */
Test(fktime, error_messages_name_only_the_fault)
{
	char err[128];
	int64_t ms;

	cr_assert_eq(parse("2024-11-16", &ms, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "missing time of day");
	cr_assert_eq(parse("12:00", &ms, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "expected RFC 3339 or epoch time");
	cr_assert_eq(parse("1e300", &ms, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "expected RFC 3339 or epoch time");
	cr_assert_eq(parse("999999999999999", &ms, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "epoch time outside years 0001-9999");
}

/* Trailing bytes are echoed, but bounded and without control bytes or
 * quotes that would garble a log line. */
Test(fktime, trailing_garbage_is_quoted_safely)
{
	char in[200], err[256], want[128];
	int64_t ms;

	memset(in, 'x', sizeof(in));
	memcpy(in, "2024-11-16T14:02:00Z\"\n\x7f", 23);
	cr_assert_eq(fk_time_parse(in, sizeof(in), &ms, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "unexpected \"???%.37s...\" after time",
	    in + 100);
	cr_assert_str_eq(err, want);
	/* exactly 40 bytes: not cut */
	cr_assert_eq(fk_time_parse(in, 60, &ms, err, sizeof(err)), -1);
	snprintf(
	    want, sizeof(want), "unexpected \"???%.37s\" after time", in + 100);
	cr_assert_str_eq(err, want);
}

Test(fktime, small_or_absent_error_buffer)
{
	char err[8];
	int64_t ms;

	memset(err, 'A', sizeof(err));
	cr_assert_eq(parse("2024-13-01T00:00:00Z", &ms, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "invalid");
	cr_assert_eq(parse("junk", &ms, NULL, 0), -1);
	cr_assert_eq(parse("2024-11-16", &ms, NULL, 0), -1);
}

/* The input need not be NUL-terminated: len is the whole story.  Exact
 * size heap copies let ASan catch any read past the end. */
Test(fktime, reads_only_len_bytes)
{
	static const char *const inputs[] = { "2024-11-16T14:02:00Z",
		"2024-11-16T14:02:00.123456789+01:00", "2024-11-16 14:02:00",
		"2024-11-16", "2024-11-16T14:02:00.", "2024-11-16T14:02:00+01",
		"2024-11-16T14:02:00+01:0", "1731765720.123", "-", "2024-",
		"2024-11-16T14:02:00.123", "1", "" };
	size_t i, n;
	char err[128];
	int64_t ms;

	for (i = 0; i < NELEM(inputs); i++) {
		for (n = 0; n <= strlen(inputs[i]); n++) {
			char *p = malloc(n ? n : 1);

			cr_assert_not_null(p);
			memcpy(p, inputs[i], n);
			(void)fk_time_parse(p, n, &ms, err, sizeof(err));
			free(p);
		}
	}
	cr_assert_eq(fk_time_parse(
	                 "2024-11-16T14:02:00Zjunk", 20, &ms, err, sizeof(err)),
	    0, "%s", err);
	cr_assert_eq(ms, 1731765720000LL);
	cr_assert_eq(fk_time_parse("17317657201234", 10, &ms, err, sizeof(err)),
	    0, "%s", err);
	cr_assert_eq(ms, 1731765720000LL);
}

struct epoch_case {
	double v;
	long long want;
};

ParameterizedTestParameters(fktime, from_epoch)
{
	static struct epoch_case cases[] = {
		{ 0.0, 0 },
		{ -0.0, 0 },
		{ 1.0, 1000 },
		{ 1731765720.0, 1731765720000LL },
		{ 1731765720.123, 1731765720123LL }, /* stored as .12299... */
		{ 1731765720.999, 1731765720999LL },
		{ 1731765720123.0, 1731765720123LL },
		{ 1731765720123.7, 1731765720123LL },
		{ 99999999999.0, 99999999999000LL },
		{ 99999999999.5, 99999999999500LL },
		{ 1e11, 100000000000LL },
		{ -1e11, -100000000000LL },
		{ -100000000001.0, -100000000001LL }, /* ms: 1966 */
		{ -0.5, -500 },
		{ -0.0015, -2 },
		{ -0.0001, -1 },
		{ -1.5, -1500 },
		{ -1731765720123.4, -1731765720124LL },
		{ -62135596800.0, MIN_MS },
		{ -62135596800000.0, MIN_MS },
		{ 253402300799999.0, MAX_MS },
		{ 253402300799999.5, MAX_MS },
	};

	return cr_make_param_array(struct epoch_case, cases, NELEM(cases));
}

ParameterizedTest(struct epoch_case *c, fktime, from_epoch)
{
	char err[128] = "";
	int64_t ms = 42;
	int rc = fk_time_from_epoch(c->v, &ms, err, sizeof(err));

	cr_assert_eq(rc, 0, "%.17g: %s", c->v, err);
	cr_assert_eq(ms, c->want, "%.17g: got %lld, want %lld", c->v,
	    (long long)ms, c->want);
}

Test(fktime, from_epoch_rejects_non_finite_and_out_of_range)
{
	static const double bad[] = { 253402300800000.0, 1e15, 1e300,
		-62135596800.001, -62135596801.0, -99999999999.0,
		-62135596800001.0, -1e300, -1e18 };
	char err[128];
	int64_t ms = 42;
	size_t i;

	cr_assert_eq(fk_time_from_epoch(NAN, &ms, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "expected a finite epoch time");
	cr_assert_eq(fk_time_from_epoch(INFINITY, &ms, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "expected a finite epoch time");
	cr_assert_eq(fk_time_from_epoch(-INFINITY, &ms, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "expected a finite epoch time");
	for (i = 0; i < NELEM(bad); i++) {
		cr_assert_eq(fk_time_from_epoch(bad[i], &ms, err, sizeof(err)),
		    -1, "%.17g accepted as %lld", bad[i], (long long)ms);
		cr_assert_str_eq(err, "epoch time outside years 0001-9999");
	}
	cr_assert_eq(ms, 42);
}

/* A string and the double it denotes give the same instant, wherever a
 * double can tell the digits apart: seconds with 3 fraction digits below
 * 2^32 (a double is then within half a microsecond), milliseconds with one
 * fraction digit, and whole numbers everywhere. */
Test(fktime, epoch_strings_agree_with_doubles)
{
	uint64_t st = 7;
	char buf[64], err[128];
	int64_t a, b;
	int i;

	for (i = 0; i < 300000; i++) {
		uint64_t r = fk_test_rand(&st);
		const char *sign = (r & 1) ? "-" : "";
		unsigned long long mag;

		switch (i % 3) {
		case 0:
			mag = (r >> 1) % 4294967296ULL;
			snprintf(buf, sizeof(buf), "%s%llu.%03u", sign, mag,
			    (unsigned)(r >> 40) % 1000);
			break;
		case 1:
			mag = 100000000000ULL +
			    (r >> 1) %
			        (*sign ? 62035596800000ULL
			               : 153402300799999ULL);
			snprintf(buf, sizeof(buf), "%s%llu.%u", sign, mag,
			    (unsigned)(r >> 40) % 10);
			break;
		default:
			mag = (r >> 1) %
			    (*sign ? 62135596800000ULL : 253402300800000ULL);
			if (*sign && mag < 100000000000ULL)
				mag %= 62135596801ULL;
			snprintf(buf, sizeof(buf), "%s%llu", sign, mag);
			break;
		}
		cr_assert_eq(
		    parse(buf, &a, err, sizeof(err)), 0, "%s: %s", buf, err);
		cr_assert_eq(
		    fk_time_from_epoch(strtod(buf, NULL), &b, err, sizeof(err)),
		    0, "%s: %s", buf, err);
		cr_assert_eq(a, b, "%s: string %lld, double %lld", buf,
		    (long long)a, (long long)b);
	}
}

struct format_case {
	long long ms;
	char want[32];
};

ParameterizedTestParameters(fktime, formats)
{
	static struct format_case cases[] = {
		{ 0, "1970-01-01T00:00:00.000Z" },
		{ 1, "1970-01-01T00:00:00.001Z" },
		{ -1, "1969-12-31T23:59:59.999Z" },
		{ -1000, "1969-12-31T23:59:59.000Z" },
		{ -1001, "1969-12-31T23:59:58.999Z" },
		{ -86400000, "1969-12-31T00:00:00.000Z" },
		{ -86400001, "1969-12-30T23:59:59.999Z" },
		{ 1731765720123LL, "2024-11-16T14:02:00.123Z" },
		{ 951825600000LL, "2000-02-29T12:00:00.000Z" },
		{ 1709164800000LL, "2024-02-29T00:00:00.000Z" },
		{ -2203891200001LL, "1900-02-28T23:59:59.999Z" },
		{ -11670998400000LL, "1600-02-29T00:00:00.000Z" },
		{ -9223372036855LL, "1677-09-21T00:12:43.145Z" },
		{ MIN_MS, "0001-01-01T00:00:00.000Z" },
		{ MAX_MS, "9999-12-31T23:59:59.999Z" },
		/* clamped: the buffer must never overflow */
		{ MAX_MS + 1, "9999-12-31T23:59:59.999Z" },
		{ MIN_MS - 1, "0001-01-01T00:00:00.000Z" },
		{ INT64_MAX, "9999-12-31T23:59:59.999Z" },
		{ INT64_MIN, "0001-01-01T00:00:00.000Z" },
	};

	return cr_make_param_array(struct format_case, cases, NELEM(cases));
}

ParameterizedTest(struct format_case *c, fktime, formats)
{
	char buf[FK_TIME_BUFSZ + 8];

	memset(buf, '#', sizeof(buf));
	cr_assert_eq(fk_time_format(c->ms, buf), 24);
	cr_assert_str_eq(buf, c->want, "%lld", c->ms);
	cr_assert_eq(buf[FK_TIME_BUFSZ], '#', "wrote past FK_TIME_BUFSZ");
}

static void
round_trip(int64_t ms)
{
	char buf[FK_TIME_BUFSZ], err[128];
	int64_t back = 0;

	cr_assert_eq(fk_time_format(ms, buf), 24);
	cr_assert_eq(fk_time_parse(buf, 24, &back, err, sizeof(err)), 0,
	    "%lld -> %s: %s", (long long)ms, buf, err);
	cr_assert_eq(back, ms, "%lld -> %s -> %lld", (long long)ms, buf,
	    (long long)back);
}

Test(fktime, format_parse_round_trip)
{
	uint64_t st = 1;
	int64_t d;
	int i;

	for (i = 0; i < 200000; i++)
		round_trip(MIN_MS +
		    (int64_t)(fk_test_rand(&st) %
		        (uint64_t)(MAX_MS - MIN_MS + 1)));
	/* every day boundary, and its neighbours, in a span around 1970 */
	for (d = -800; d <= 800; d++) {
		round_trip(d * 86400000 - 1);
		round_trip(d * 86400000);
		round_trip(d * 86400000 + 1);
	}
	round_trip(MIN_MS);
	round_trip(MAX_MS);
}

static int
naive_leap(int y)
{
	if (y % 400 == 0)
		return 1;
	if (y % 100 == 0)
		return 0;
	return y % 4 == 0;
}

/* Walks every day of years 0001-9999 with a days-per-month table. */
Test(fktime, civil_matches_naive_day_count)
{
	static const unsigned mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
		31, 30, 31 };
	int64_t z = 0;
	int y, yy;
	unsigned m, d, dim, gm, gd;

	for (y = 1; y < 1970; y++)
		z -= naive_leap(y) ? 366 : 365;
	cr_assert_eq(z, -719162);
	for (y = 1; y <= 9999; y++) {
		for (m = 1; m <= 12; m++) {
			dim = mdays[m - 1] + (m == 2 && naive_leap(y));
			for (d = 1; d <= dim; d++, z++) {
				cr_assert_eq(fk_time_days_from_civil(y, m, d),
				    z, "%04d-%02u-%02u", y, m, d);
				fk_time_civil_from_days(z, &yy, &gm, &gd);
				if (yy != y || gm != m || gd != d)
					cr_assert_fail(
					    "%lld: got %04d-%02u-%02u, want "
					    "%04d-%02u-%02u",
					    (long long)z, yy, gm, gd, y, m, d);
			}
		}
	}
	cr_assert_eq(z, 2932897); /* 10000-01-01 */
}

Test(fktime, civil_known_days)
{
	int y;
	unsigned m, d;

	cr_assert_eq(fk_time_days_from_civil(1970, 1, 1), 0);
	cr_assert_eq(fk_time_days_from_civil(1969, 12, 31), -1);
	cr_assert_eq(fk_time_days_from_civil(2000, 3, 1), 11017);
	cr_assert_eq(fk_time_days_from_civil(1, 1, 1), -719162);
	cr_assert_eq(fk_time_days_from_civil(9999, 12, 31), 2932896);
	/* proleptic years outside 0001-9999 still work */
	cr_assert_eq(fk_time_days_from_civil(0, 3, 1), -719468);
	cr_assert_eq(fk_time_days_from_civil(-1, 12, 31), -719529);
	fk_time_civil_from_days(-719529, &y, &m, &d);
	cr_assert(y == -1 && m == 12 && d == 31, "%d-%u-%u", y, m, d);
	fk_time_civil_from_days(-719468 - 1, &y, &m, &d);
	cr_assert(y == 0 && m == 2 && d == 29, "%d-%u-%u", y, m, d);
}
