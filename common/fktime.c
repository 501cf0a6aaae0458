/* Timestamps without libc time zone state: dates by Howard Hinnant's
 * days-from-civil arithmetic, parsing by hand since it runs per record. */
#include "fktime.h"

#include <time.h>

#include <math.h>
#include <stdio.h>

#include "banned.h"

#define MS_PER_DAY 86400000LL
/* 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z. */
#define MIN_MS (-62135596800000LL)
#define MAX_MS 253402300799999LL
/* Epoch numbers below this magnitude are seconds (1e11 s is in 5138). */
#define EPOCH_SECONDS_LIMIT 100000000000ULL
/* Longest piece of input echoed back in a message. */
#define QUOTE_MAX 40

static int
is_digit(unsigned char c)
{
	return (unsigned)(c - '0') < 10;
}

/* Two digits at p, or -1. */
static int
get2(const unsigned char *p, unsigned *v)
{
	unsigned a = (unsigned)(p[0] - '0'), b = (unsigned)(p[1] - '0');

	if (a > 9 || b > 9)
		return -1;
	*v = a * 10 + b;
	return 0;
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static int
is_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static unsigned
days_in_month(int64_t y, unsigned m)
{
	static const unsigned char mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31,
		30, 31, 30, 31 };

	if (m == 2 && is_leap(y))
		return 29;
	return mdays[m - 1];
}

/* Input bytes as they may appear inside "..." in a message: at most
 * QUOTE_MAX of them, control bytes and quotes as '?', "..." when cut. */
static const char *
quote(char *q, const unsigned char *s, size_t len)
{
	size_t i, n = len < QUOTE_MAX ? len : QUOTE_MAX;

	for (i = 0; i < n; i++)
		q[i] = (s[i] < 0x20 || s[i] == 0x7f || s[i] == '"')
		    ? '?'
		    : (char)s[i];
	if (n < len) {
		q[n++] = '.';
		q[n++] = '.';
		q[n++] = '.';
	}
	q[n] = '\0';
	return q;
}

/* Callers add the whole input ("..., got \"x\""), so messages name only
 * the part at fault. */
static int
fail(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", msg);
	return -1;
}

/* A string of digits, optionally signed and with a fraction.  Computed
 * exactly in microseconds so that it agrees with fk_time_from_epoch(). */
static int
parse_epoch(
    const unsigned char *p, size_t len, int64_t *ms, char *err, size_t errlen)
{
	uint64_t ip = 0, us;
	unsigned fd[7] = { 0 };
	size_t i = 0, start, nf = 0;
	int neg = 0, big = 0;
	int64_t v;

	if (i < len && p[i] == '-') {
		neg = 1;
		i++;
	}
	for (start = i; i < len && is_digit(p[i]); i++) {
		if (ip > 1000000000000000ULL) /* out of range anyway */
			big = 1;
		else
			ip = ip * 10 + (p[i] - '0');
	}
	if (i == start)
		goto syntax;
	if (i < len && p[i] == '.') {
		for (i++; i < len && is_digit(p[i]); i++, nf++) {
			if (nf < 7)
				fd[nf] = p[i] - '0';
		}
		if (nf == 0)
			goto syntax;
	}
	if (i != len)
		goto syntax;
	if (big || ip > 1000000000000000ULL)
		return fail(err, errlen, "epoch time outside years 0001-9999");

	/* Round to the nearest microsecond (half away from zero), as
	 * fk_time_from_epoch() does for doubles. */
	if (ip < EPOCH_SECONDS_LIMIT) {
		us = ip * 1000000 + fd[0] * 100000 + fd[1] * 10000 +
		    fd[2] * 1000 + fd[3] * 100 + fd[4] * 10 + fd[5];
		us += fd[6] >= 5;
	} else {
		us = ip * 1000 + fd[0] * 100 + fd[1] * 10 + fd[2];
		us += fd[3] >= 5;
	}
	v = floor_div(neg ? -(int64_t)us : (int64_t)us, 1000);
	if (v < MIN_MS || v > MAX_MS)
		return fail(err, errlen, "epoch time outside years 0001-9999");
	*ms = v;
	return 0;

syntax:
	return fail(err, errlen, "expected RFC 3339 or epoch time");
}

/* YYYY-MM-DD[Tt ]HH:MM:SS[.f{1,9}](Z|z|+HH:MM|-HH:MM), the offset optional
 * only after a space.  The caller has checked "YYYY-". */
static int
parse_rfc3339(
    const unsigned char *p, size_t len, int64_t *ms, char *err, size_t errlen)
{
	unsigned y, mo, d, h, mi, sec, frac = 0, oh = 0, om = 0;
	char q[QUOTE_MAX + 4];
	int offsign = 0;
	size_t i, n;
	int64_t v;

	y = (p[0] - '0') * 1000u + (p[1] - '0') * 100u + (p[2] - '0') * 10u +
	    (p[3] - '0');
	if (len < 10 || get2(p + 5, &mo) || p[7] != '-' || get2(p + 8, &d))
		goto syntax;
	if (y == 0) {
		return fail(err, errlen, "invalid year 0000");
	}
	if (mo < 1 || mo > 12) {
		snprintf(err, errlen, "invalid month %u", mo);
		return -1;
	}
	if (d < 1 || d > days_in_month(y, mo)) {
		snprintf(err, errlen, "invalid day %u for %04u-%02u", d, y, mo);
		return -1;
	}
	if (len == 10 ||
	    (len == 11 && (p[10] == 'T' || p[10] == 't' || p[10] == ' ')))
		return fail(err, errlen, "missing time of day");
	if (p[10] != 'T' && p[10] != 't' && p[10] != ' ')
		goto syntax;
	if (len < 19 || get2(p + 11, &h) || p[13] != ':' || get2(p + 14, &mi) ||
	    p[16] != ':' || get2(p + 17, &sec))
		goto syntax;
	if (h > 23) {
		snprintf(err, errlen, "invalid hour %u", h);
		return -1;
	}
	if (mi > 59) {
		snprintf(err, errlen, "invalid minute %u", mi);
		return -1;
	}
	if (sec > 60) {
		snprintf(err, errlen, "invalid second %u", sec);
		return -1;
	}

	i = 19;
	if (i < len && p[i] == '.') {
		/* Digits past the third are checked, not used: truncation. */
		for (i++, n = 0; i < len && is_digit(p[i]); i++, n++) {
			if (n < 3)
				frac = frac * 10 + (p[i] - '0');
		}
		if (n == 0 || n > 9) {
			snprintf(err, errlen,
			    "expected 1 to 9 fraction digits, got %zu", n);
			return -1;
		}
		for (; n < 3; n++)
			frac *= 10;
	}

	if (i == len) {
		if (p[10] != ' ')
			return fail(err, errlen, "missing time zone offset");
	} else if (p[i] == 'Z' || p[i] == 'z') {
		i++;
	} else if (p[i] == '+' || p[i] == '-') {
		if (len - i < 6 || get2(p + i + 1, &oh) || p[i + 3] != ':' ||
		    get2(p + i + 4, &om))
			goto syntax;
		if (oh > 23 || om > 59) {
			snprintf(err, errlen, "invalid offset %c%02u:%02u",
			    p[i], oh, om);
			return -1;
		}
		offsign = p[i] == '-' ? -1 : 1;
		i += 6;
	}
	if (i != len) {
		snprintf(err, errlen, "unexpected \"%s\" after time",
		    quote(q, p + i, len - i));
		return -1;
	}

	if (sec == 60) {
		sec = 59;
		frac = 999;
	}
	v = fk_time_days_from_civil((int)y, mo, d);
	v = ((v * 24 + h) * 60 + mi) * 60 + sec;
	v -= offsign * (int64_t)(oh * 3600 + om * 60);
	v = v * 1000 + frac;
	/* In range before the offset, but the offset may cross 0001 or
	 * 9999. */
	if (v < MIN_MS || v > MAX_MS)
		return fail(err, errlen, "time outside years 0001-9999");
	*ms = v;
	return 0;

syntax:
	return fail(err, errlen, "expected RFC 3339 or epoch time");
}

int
fk_time_parse(const char *s, size_t len, int64_t *ms, char *err, size_t errlen)
{
	const unsigned char *p = (const unsigned char *)s;

	if (len >= 5 && is_digit(p[0]) && is_digit(p[1]) && is_digit(p[2]) &&
	    is_digit(p[3]) && p[4] == '-')
		return parse_rfc3339(p, len, ms, err, errlen);
	return parse_epoch(p, len, ms, err, errlen);
}

/* Doubles carry binary noise (1731765720.123 is stored as
 * 1731765720.1229999...), so the value is first rounded to the nearest
 * microsecond, half away from zero, then truncated toward negative
 * infinity to a millisecond: -0.0015 s is -2 ms, never -1.  Strings
 * follow the same rule in parse_epoch().  Past 2^32 s (year 2106) a double
 * no longer holds seconds to the microsecond, so a fraction there may land
 * one millisecond off. */
int
fk_time_from_epoch(double v, int64_t *ms, char *err, size_t errlen)
{
	int64_t ip, scale, us, r;
	double x;

	if (!isfinite(v)) {
		return fail(err, errlen, "expected a finite epoch time");
	}
	if (v > -(double)EPOCH_SECONDS_LIMIT &&
	    v < (double)EPOCH_SECONDS_LIMIT) {
		scale = 1000000;
	} else {
		/* Checked before the conversion to int64_t, which could
		 * overflow. */
		if (v <= (double)(MIN_MS - 1) || v >= (double)(MAX_MS + 1))
			goto range;
		scale = 1000;
	}
	ip = (int64_t)v; /* truncates toward zero, exactly */
	x = (v - (double)ip) * (double)scale;
	r = (int64_t)x;
	if (x - (double)r >= 0.5)
		r++;
	else if (x - (double)r <= -0.5)
		r--;
	us = ip * scale + r;
	us = floor_div(us, 1000);
	if (us < MIN_MS || us > MAX_MS)
		goto range;
	*ms = us;
	return 0;

range:
	return fail(err, errlen, "epoch time outside years 0001-9999");
}

static void
put_digits(char *p, unsigned v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* Out-of-range ms are clamped to the nearest representable instant so
 * that buf can never overflow: the function has no way to fail. */
int
fk_time_format(int64_t ms, char *buf)
{
	int64_t days, rem;
	int y;
	unsigned m, d;

	if (ms < MIN_MS)
		ms = MIN_MS;
	else if (ms > MAX_MS)
		ms = MAX_MS;
	days = floor_div(ms, MS_PER_DAY);
	rem = ms - days * MS_PER_DAY;
	fk_time_civil_from_days(days, &y, &m, &d);
	put_digits(buf, (unsigned)y, 4);
	buf[4] = '-';
	put_digits(buf + 5, m, 2);
	buf[7] = '-';
	put_digits(buf + 8, d, 2);
	buf[10] = 'T';
	put_digits(buf + 11, (unsigned)(rem / 3600000), 2);
	buf[13] = ':';
	put_digits(buf + 14, (unsigned)(rem / 60000 % 60), 2);
	buf[16] = ':';
	put_digits(buf + 17, (unsigned)(rem / 1000 % 60), 2);
	buf[19] = '.';
	put_digits(buf + 20, (unsigned)(rem % 1000), 3);
	buf[23] = 'Z';
	buf[24] = '\0';
	return 24;
}

/* Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms": years
 * counted from March in 400-year eras of 146097 days.  Done in int64_t
 * so that no int input overflows. */
int64_t
fk_time_days_from_civil(int y, unsigned m, unsigned d)
{
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;                         /* [0, 399] */
	int64_t mp = m > 2 ? (int64_t)m - 3 : (int64_t)m + 9; /* Mar = 0 */
	int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;    /* [0, 365] */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;  /* [0, 146096] */

	return era * 146097 + doe - 719468;
}

/* Inverse of the above; the year must fit an int (|z| < 7e11 or so). */
void
fk_time_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp, yy;

	z += 719468; /* days since 0000-03-01 */
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

static int64_t
clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
fk_time_wall_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}

int64_t
fk_time_mono_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}
