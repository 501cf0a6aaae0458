/* Numbers, sizes and durations, parsed by hand: strtoll() would take
 * leading blanks, hex and the locale, and each kind wants its own
 * message. */
#include "numbers.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#include "banned.h"

static int
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Reads the decimal digits at *pp into *v, advancing *pp past them.
 * Returns how many there were; sets *over when the value does not fit. */
static size_t
scan_digits(const char **pp, unsigned long long *v, int *over)
{
	const char *p = *pp;
	unsigned long long x = 0;
	unsigned dig;
	size_t n = 0;

	for (; *p >= '0' && *p <= '9'; p++, n++) {
		dig = (unsigned)(*p - '0');
		if (x > (ULLONG_MAX - dig) / 10)
			*over = 1;
		else
			x = x * 10 + dig;
	}
	*pp = p;
	*v = x;
	return n;
}

int
fk_num_int(const char *s, long long min, long long max, long long *out,
    char *err, size_t errlen)
{
	const char *str = s ? s : "", *p = str;
	unsigned long long u;
	long long v;
	int neg = 0, over = 0;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (scan_digits(&p, &u, &over) == 0 || *p != '\0' || over)
		goto bad;
	if (u > (unsigned long long)LLONG_MAX + (unsigned)neg)
		goto bad;
	if (!neg)
		v = (long long)u;
	else if (u == 0)
		v = 0;
	else
		v = -(long long)(u - 1) - 1; /* reaches LLONG_MIN */
	if (v < min || v > max)
		goto bad;
	*out = v;
	return 0;

bad:
	snprintf(err, errlen,
	    "expected an integer from %lld to %lld, got \"%s\"", min, max, str);
	return -1;
}

/* "1G", "64k" when v is a whole number of them, else plain bytes. */
static const char *
fmt_size(char *buf, size_t len, long long v)
{
	static const char suffix[] = "GMk";
	int i, shift;

	for (i = 0, shift = 30; v != 0 && i < 3; i++, shift -= 10) {
		if (v % (1LL << shift) == 0) {
			snprintf(
			    buf, len, "%lld%c", v / (1LL << shift), suffix[i]);
			return buf;
		}
	}
	snprintf(buf, len, "%lld", v);
	return buf;
}

/* Suffixes k, m, g in any case, each optionally followed by "b" or "ib"
 * (KiB, MB, gb...): all binary, 1024-based.  No sign: sizes are never
 * negative. */
int
fk_num_size(const char *s, long long min, long long max, long long *out,
    char *err, size_t errlen)
{
	const char *str = s ? s : "", *p = str;
	char lo[32], hi[32];
	unsigned long long u;
	int over = 0, shift = 0;

	if (scan_digits(&p, &u, &over) == 0)
		goto syntax;
	switch (lower(*p)) {
	case 'k':
		shift = 10;
		break;
	case 'm':
		shift = 20;
		break;
	case 'g':
		shift = 30;
		break;
	}
	if (shift != 0) {
		p++;
		if (lower(p[0]) == 'i' && lower(p[1]) == 'b')
			p += 2;
		else if (lower(p[0]) == 'b')
			p++;
	}
	if (*p != '\0')
		goto syntax;
	if (over || u > (unsigned long long)LLONG_MAX >> shift)
		goto range;
	u <<= shift;
	if ((long long)u < min || (long long)u > max)
		goto range;
	*out = (long long)u;
	return 0;

syntax:
	snprintf(err, errlen,
	    "expected a size such as 512, 64k, 1M, 2G, got \"%s\"", str);
	return -1;
range:
	snprintf(err, errlen, "expected a size from %s to %s, got \"%s\"",
	    fmt_size(lo, sizeof(lo), min), fmt_size(hi, sizeof(hi), max), str);
	return -1;
}

static const struct unit {
	char name[3];
	long long ms;
} units[] = {
	{ "d", 86400000 },
	{ "h", 3600000 },
	{ "m", 60000 },
	{ "s", 1000 },
	{ "ms", 1 },
};
#define NUNITS (sizeof(units) / sizeof(units[0]))

/* "7d", "90s", "1500ms": the largest unit that divides v exactly. */
static const char *
fmt_duration(char *buf, size_t len, long long v)
{
	const struct unit *u = &units[NUNITS - 1]; /* ms divides everything */

	if (v == 0) {
		snprintf(buf, len, "0s");
		return buf;
	}
	for (size_t i = 0; i < NUNITS; i++) {
		if (v % units[i].ms == 0) {
			u = &units[i];
			break;
		}
	}
	snprintf(buf, len, "%lld%.2s", v / u->ms, u->name);
	return buf;
}

/* A fraction must give a whole number of milliseconds ("1.5s", not
 * "0.5ms"): silently dropping part of a duration would hide a mistake. */
int
fk_num_duration(const char *s, long long min, long long max, long long *ms,
    char *err, size_t errlen)
{
	static const long long pow10[10] = { 1, 10, 100, 1000, 10000, 100000,
		1000000, 10000000, 100000000, 1000000000 };
	const char *str = s ? s : "", *p = str, *fs = NULL;
	char lo[32], hi[32];
	unsigned long long ip;
	long long mult, frac = 0, v;
	size_t nf = 0, i;
	int over = 0;

	if (*p == '-') {
		snprintf(err, errlen,
		    "expected a non-negative duration, got \"%s\"", str);
		return -1;
	}
	if (scan_digits(&p, &ip, &over) == 0)
		goto syntax;
	if (*p == '.') {
		fs = ++p;
		while (*p >= '0' && *p <= '9')
			p++;
		nf = (size_t)(p - fs);
		if (nf == 0)
			goto syntax;
	}
	if (*p == '\0') {
		mult = 1000;
	} else {
		for (i = 0; i < NUNITS; i++) {
			if (strcmp(p, units[i].name) == 0)
				break;
		}
		if (i == NUNITS)
			goto syntax;
		mult = units[i].ms;
	}

	/* Trailing zeros say nothing; what is left must fit 9 digits. */
	while (nf > 0 && fs[nf - 1] == '0')
		nf--;
	if (nf > 9) {
		snprintf(err, errlen,
		    "expected at most 9 fraction digits, got \"%s\"", str);
		return -1;
	}
	for (i = 0; i < nf; i++)
		frac = frac * 10 + (fs[i] - '0');
	frac *= mult; /* < 1e9 * 86400000, fits */
	if (frac % pow10[nf] != 0) {
		snprintf(err, errlen,
		    "expected a whole number of milliseconds, got \"%s\"", str);
		return -1;
	}
	frac /= pow10[nf];

	if (over || ip > (unsigned long long)((LLONG_MAX - frac) / mult))
		goto range;
	v = (long long)ip * mult + frac;
	if (v < min || v > max)
		goto range;
	*ms = v;
	return 0;

syntax:
	snprintf(err, errlen,
	    "expected a duration such as 30s, 5m, 24h, 7d, got \"%s\"", str);
	return -1;
range:
	snprintf(err, errlen, "expected a duration from %s to %s, got \"%s\"",
	    fmt_duration(lo, sizeof(lo), min),
	    fmt_duration(hi, sizeof(hi), max), str);
	return -1;
}

const double fk_num_exact10[23] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
	1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
	1e21, 1e22 };

/* The grammar of a JSON number, but a leading '+' and '.5' or '5.' too:
 * what people type.  strtod() would also take hex, inf, nan and blanks. */
int
fk_num_double(const char *s, double min, double max, double *out, char *err,
    size_t errlen)
{
	const char *str = s ? s : "", *p = str;
	size_t ndig = 0;
	char *end;
	double v;

	if (*p == '+' || *p == '-')
		p++;
	for (; *p >= '0' && *p <= '9'; p++)
		ndig++;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			ndig++;
	if (ndig == 0)
		goto bad;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			goto bad;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p != '\0')
		goto bad;
	v = strtod(str, &end);
	if (*end != '\0' || !(v >= min && v <= max))
		goto bad;
	*out = v;
	return 0;

bad:
	snprintf(err, errlen,
	    "expected a number from %.15g to %.15g, got \"%s\"", min, max, str);
	return -1;
}

/* What the inline fast path leaves: exponents, long mantissas. */
double
fk_num_json_slow(const char *s, size_t len)
{
	char buf[128], *copy;
	double v;

	copy = len < sizeof(buf) ? buf : fk_xmalloc(len + 1);
	memcpy(copy, s, len);
	copy[len] = '\0';
	v = strtod(copy, NULL);
	if (copy != buf)
		free(copy);
	return v;
}
