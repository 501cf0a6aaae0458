#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

static const char *progname = "fk";
static int level = FK_LOG_WARN;
static void (*before)(void);

void
fk_log_init(const char *name)
{
	const char *slash = strrchr(name, '/');

	progname = slash ? slash + 1 : name;
}

const char *
fk_log_progname(void)
{
	return progname;
}

void
fk_log_set_level(int l)
{
	level = l;
}

int
fk_log_level(void)
{
	return level;
}

void
fk_log_set_before(void (*fn)(void))
{
	before = fn;
}

/* One fprintf per line, so lines from librdkafka's threads do not mix. */
FK_PRINTF(2, 0)
static void
vlog(const char *pos, const char *fmt, va_list ap, const char *suffix)
{
	char msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (before != NULL)
		before();
	fprintf(stderr, "%s: %s%s%s%s%s\n", progname, pos ? pos : "",
	    pos ? ": " : "", msg, suffix ? ": " : "", suffix ? suffix : "");
}

void
fk_errx(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(NULL, fmt, ap, NULL);
	va_end(ap);
	exit(code);
}

void
fk_err(int code, const char *fmt, ...)
{
	const char *e = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	vlog(NULL, fmt, ap, e);
	va_end(ap);
	exit(code);
}

void
fk_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(NULL, fmt, ap, NULL);
	va_end(ap);
}

void
fk_warnx(const char *fmt, ...)
{
	va_list ap;

	if (level < FK_LOG_WARN)
		return;
	va_start(ap, fmt);
	vlog(NULL, fmt, ap, NULL);
	va_end(ap);
}

void
fk_warn(const char *fmt, ...)
{
	const char *e = strerror(errno);
	va_list ap;

	if (level < FK_LOG_WARN)
		return;
	va_start(ap, fmt);
	vlog(NULL, fmt, ap, e);
	va_end(ap);
}

void
fk_warn_at(const struct fk_pos *pos, const char *fmt, ...)
{
	char where[512];
	va_list ap;

	if (level < FK_LOG_WARN)
		return;
	fk_pos_format(pos, where, sizeof(where));
	va_start(ap, fmt);
	vlog(where, fmt, ap, NULL);
	va_end(ap);
}

void
fk_info(int l, const char *fmt, ...)
{
	va_list ap;

	if (level < l)
		return;
	va_start(ap, fmt);
	vlog(NULL, fmt, ap, NULL);
	va_end(ap);
}

void
fk_log_kafka(int syslog_level, const char *fac, const char *msg)
{
	int l;

	/* Config warnings name properties a producer or consumer ignores:
	 * normal when one file configures both. */
	if (syslog_level <= 3)
		l = FK_LOG_WARN;
	else if (syslog_level <= 5 && strcmp(fac, "CONFWARN") != 0)
		l = FK_LOG_INFO;
	else
		l = FK_LOG_DEBUG;
	if (level >= l)
		fprintf(stderr, "%s: kafka: %s: %s\n", progname, fac, msg);
}
