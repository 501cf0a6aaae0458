/* One parser for numbers, sizes and durations given on the command line
 * or in config files.  Library module: never prints, never exits. */
#ifndef FK_NUMBERS_H
#define FK_NUMBERS_H

#include <stddef.h>

/* Parse a whole decimal integer in [min, max] into *out.
 * Returns 0, or -1 with a message ("expected an integer from 1 to 10, got
 * \"x\"") in err. */
int fk_num_int(const char *s, long long min, long long max, long long *out,
    char *err, size_t errlen);

/* Parse a size with an optional binary suffix: 512, 64k, 1M, 2G (also
 * KiB/MiB/GiB).  Same contract as fk_num_int. */
int fk_num_size(const char *s, long long min, long long max, long long *out,
    char *err, size_t errlen);

/* Parse a duration into milliseconds: a number followed by ms, s, m, h or
 * d ("250ms", "30s", "5m", "24h", "7d"); a bare number is seconds.
 * Same contract as fk_num_int, with min and max in milliseconds. */
int fk_num_duration(const char *s, long long min, long long max, long long *ms,
    char *err, size_t errlen);

/* Parse a decimal number (digits with an optional sign, fraction and
 * exponent; no hex, inf, nan or blanks) in [min, max] into *out.  Same
 * contract as fk_num_int: "expected a number from 0 to 1, got \"x\"". */
int fk_num_double(const char *s, double min, double max, double *out, char *err,
    size_t errlen);

/* The double nearest to a JSON number's text s[0..len) (which must
 * follow the JSON grammar), correctly rounded: exact arithmetic for the
 * common short forms, strtod for the rest.  Out of range gives +-HUGE_VAL
 * as strtod does. */
double fk_num_json_slow(const char *s, size_t len);

/* Powers of ten that a double holds exactly. */
extern const double fk_num_exact10[23];

/* Clinger's fast path inline: up to 16 characters, no exponent, a
 * mantissa below 2^53 make one correctly rounded division. */
static inline double
fk_num_json(const char *s, size_t len)
{
	const char *p = s, *end = s + len;
	unsigned long long m = 0;
	size_t decimals = 0;
	unsigned d;
	double v;

	if (len > 0 && *p == '-')
		p++;
	if (end - p > 16)
		return fk_num_json_slow(s, len);
	for (; p < end; p++) {
		if ((d = (unsigned)(*p - '0')) < 10)
			m = m * 10 + d;
		else if (*p == '.')
			decimals = (size_t)(end - p - 1);
		else
			return fk_num_json_slow(s, len);
	}
	if (m >= (1ULL << 53))
		return fk_num_json_slow(s, len);
	v = decimals > 0 ? (double)m / fk_num_exact10[decimals] : (double)m;
	return *s == '-' ? -v : v;
}

#endif
