/* Timestamps: parsing the forms fk(7) accepts, writing RFC 3339 UTC.
 * Library module: never prints, never exits, no libc time zone state. */
#ifndef FK_FKTIME_H
#define FK_FKTIME_H

#include <stddef.h>
#include <stdint.h>

/* Long enough for "YYYY-MM-DDTHH:MM:SS.mmmZ" and its NUL. */
#define FK_TIME_BUFSZ 25

/* Parse a timestamp string of len bytes (need not be NUL-terminated):
 *   RFC 3339: 2024-11-16T14:02:00Z, 2024-11-16T14:02:00.123+01:00,
 *             't' or ' ' accepted as separator, 'z' as Z, 1 to 9
 *             fraction digits (truncated to milliseconds);
 *   "YYYY-MM-DD HH:MM:SS[.fff]" with no offset: taken as UTC;
 *   a string of digits (optionally with a fraction): epoch seconds or
 *   milliseconds, see fk_time_from_epoch().
 * Fields are range-checked (month 1-12, day within the month, leap years,
 * hour 0-23, minute 0-59, second 0-60 where 60 becomes 59.999, offset up
 * to +-23:59).  Years 0001-9999.
 * Returns 0 with *ms set to epoch milliseconds, or -1 with a message in
 * err ("invalid month 13", "expected RFC 3339 or epoch time"). */
int fk_time_parse(
    const char *s, size_t len, int64_t *ms, char *err, size_t errlen);

/* Epoch number to milliseconds: values whose magnitude is below 1e11 are
 * seconds (1e11 s is in the year 5138), larger ones milliseconds.
 * Returns -1 with a message for NaN, infinities and values outside years
 * 0001-9999. */
int fk_time_from_epoch(double v, int64_t *ms, char *err, size_t errlen);

/* Write ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" into buf (FK_TIME_BUFSZ bytes).
 * Returns the length (24).  ms must be within years 0001-9999. */
int fk_time_format(int64_t ms, char *buf);

/* Now, in ms: the wall clock (since the epoch), or a monotonic clock
 * for how long things take. */
int64_t fk_time_wall_ms(void);
int64_t fk_time_mono_ms(void);

/* Days since 1970-01-01 for a proleptic Gregorian date, and back. */
int64_t fk_time_days_from_civil(int y, unsigned m, unsigned d);
void fk_time_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d);

#endif
