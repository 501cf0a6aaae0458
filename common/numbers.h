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

/* The double nearest to a JSON number's text s[0..len) (which must
 * follow the JSON grammar), correctly rounded: exact arithmetic for the
 * common short forms, strtod for the rest.  Out of range gives +-HUGE_VAL
 * as strtod does. */
double fk_num_json(const char *s, size_t len);

#endif
