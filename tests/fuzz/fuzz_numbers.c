/* libFuzzer: every number, size, duration and time a user gives
 * (numbers.c, fktime.c) on any text: no crash, no sanitizer report, a
 * value accepted is in its range, a JSON number reads as strtod reads it,
 * and a time parsed is written and read back to the same millisecond. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fktime.h"
#include "numbers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/* The JSON grammar of a number, all of s[0..len). */
static int
is_json_number(const char *s, size_t len)
{
	size_t i = 0;

	if (i < len && s[i] == '-')
		i++;
	if (i < len && s[i] == '0')
		i++;
	else if (i < len && s[i] >= '1' && s[i] <= '9')
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return 0;
	if (i < len && s[i] == '.') {
		if (++i >= len || s[i] < '0' || s[i] > '9')
			return 0;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= len || s[i] < '0' || s[i] > '9')
			return 0;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	return i == len;
}

/* Two doubles the same, NaN aside (strtod gives none here). */
static int
same(double a, double b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

/* An epoch string that a double holds to the microsecond: digits, at
 * most 6 of them after a point, below 2^32 seconds (fktime.h says a
 * fraction may land a millisecond off past that), or no fraction. */
static int
epoch_exact(const char *s, size_t len)
{
	size_t i = 0, ip = 0, nf = 0;
	int point = 0;

	if (i < len && s[i] == '-')
		i++;
	for (; i < len; i++) {
		if (s[i] == '.' && !point)
			point = 1;
		else if (s[i] < '0' || s[i] > '9')
			return 0;
		else if (point)
			nf++;
		else
			ip++;
	}
	if (!point)
		return ip > 0 && ip <= 15;
	return ip > 0 && ip <= 10 && nf <= 6 &&
	    strtod(s, NULL) < 4294967296.0 && strtod(s, NULL) > -4294967296.0;
}

static void
check_time(const char *s, size_t len, const char *cstr)
{
	char err[256], buf[FK_TIME_BUFSZ];
	int64_t ms, again, ms2;
	unsigned m, d;
	int y;

	/* An exact copy: the parser must not read past len. */
	char *copy = malloc(len > 0 ? len : 1);

	if (copy == NULL)
		return;
	if (len > 0)
		memcpy(copy, s, len);
	if (fk_time_parse(copy, len, &ms, err, sizeof(err)) == 0) {
		if (fk_time_format(ms, buf) != 24)
			abort();
		if (fk_time_parse(buf, 24, &again, err, sizeof(err)) != 0 ||
		    again != ms)
			abort();
		fk_time_civil_from_days(
		    ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000),
		    &y, &m, &d);
		if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
			abort();
		/* A number read as a string or as a double: the same. */
		if (cstr != NULL && epoch_exact(cstr, len) &&
		    (fk_time_from_epoch(
		         strtod(cstr, NULL), &ms2, err, sizeof(err)) != 0 ||
		        ms2 != ms))
			abort();
	}
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char err[256], *s;
	long long v;
	double x;
	int64_t ms;
	size_t slen;

	/* As on the command line or in a config file: a C string. */
	s = malloc(len + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, len);
	s[len] = '\0';
	slen = strlen(s);
	check_time((const char *)data, len, slen == len ? s : NULL);
	if (fk_num_int(s, -1000, 1000000, &v, err, sizeof(err)) == 0 &&
	    (v < -1000 || v > 1000000))
		abort();
	if (fk_num_int(s, INT64_MIN, INT64_MAX, &v, err, sizeof(err)) == 0 &&
	    strtoll(s, NULL, 10) != v)
		abort();
	if (fk_num_size(s, 1, 1LL << 40, &v, err, sizeof(err)) == 0 &&
	    (v < 1 || v > 1LL << 40))
		abort();
	if (fk_num_size(s, 0, INT64_MAX, &v, err, sizeof(err)) == 0 && v < 0)
		abort();
	if (fk_num_duration(s, 1, 86400000, &v, err, sizeof(err)) == 0 &&
	    (v < 1 || v > 86400000))
		abort();
	if (fk_num_duration(s, 0, INT64_MAX, &v, err, sizeof(err)) == 0 &&
	    v < 0)
		abort();
	if (fk_num_double(s, -1, 1, &x, err, sizeof(err)) == 0 &&
	    !(x >= -1 && x <= 1))
		abort();
	if (fk_num_double(s, -HUGE_VAL, HUGE_VAL, &x, err, sizeof(err)) == 0 &&
	    !same(x, strtod(s, NULL)))
		abort();
	if (is_json_number(s, slen)) {
		/* Exact copies again: no NUL after the number. */
		char *n = malloc(slen);

		if (n == NULL)
			abort();
		memcpy(n, s, slen);
		x = strtod(s, NULL);
		if (!same(fk_num_json(n, slen), x) ||
		    !same(fk_num_json_slow(n, slen), x))
			abort();
		free(n);
	}
	if (fk_time_from_epoch(strtod(s, NULL), &ms, err, sizeof(err)) == 0 &&
	    (ms < -62135596800000LL || ms > 253402300799999LL))
		abort();
	free(s);
	return 0;
}
