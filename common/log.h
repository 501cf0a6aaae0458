/* Diagnostics on stderr: "prog: position: message".  Runtime module: may
 * print and exit. */
#ifndef FK_LOG_H
#define FK_LOG_H

#include <stdarg.h>

#include "record.h"

enum {
	FK_LOG_ERROR = 0, /* shown even with -q */
	FK_LOG_WARN = 1,  /* default: per-record problems */
	FK_LOG_INFO = 2,  /* -v: summary, progress */
	FK_LOG_DEBUG = 3, /* -vv */
};

#define FK_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define FK_NORETURN __attribute__((noreturn))

void fk_log_init(const char *progname);
const char *fk_log_progname(void);
void fk_log_set_level(int level);
int fk_log_level(void);

/* Call fn before printing any message (NULL: none): --progress erases
 * its line so that the message starts a line of its own. */
void fk_log_set_before(void (*fn)(void));

/* Print "prog: message" and exit with code; fk_err adds strerror(errno). */
FK_NORETURN FK_PRINTF(2, 3) void fk_errx(int code, const char *fmt, ...);
FK_NORETURN FK_PRINTF(2, 3) void fk_err(int code, const char *fmt, ...);
/* Errors that do not exit (shown even with -q). */
FK_PRINTF(1, 2) void fk_error(const char *fmt, ...);
FK_PRINTF(1, 2) void fk_warnx(const char *fmt, ...);
FK_PRINTF(1, 2) void fk_warn(const char *fmt, ...);
/* "prog: file:line: message" or "prog: topic[p]@offset: message". */
FK_PRINTF(2, 3) void fk_warn_at(const struct fk_pos *pos, const char *fmt, ...);
FK_PRINTF(2, 3) void fk_info(int level, const char *fmt, ...);

/* librdkafka's log lines, by syslog level, mapped onto ours. */
void fk_log_kafka(int syslog_level, const char *fac, const char *msg);

#endif
