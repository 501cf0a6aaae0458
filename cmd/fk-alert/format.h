/* fk-alert's output formats: an alert record (the scored record with
 * its alert member) as one line of JSON, ArcSight CEF, Elastic Common
 * Schema JSON, RFC 5424 syslog, or text for a terminal.  Library module:
 * never prints, never exits. */
#ifndef FK_FORMAT_H
#define FK_FORMAT_H

#include <jansson.h>
#include <stddef.h>

#include "jbuf.h"

enum fk_format {
	FK_FMT_JSON,
	FK_FMT_CEF,
	FK_FMT_ECS,
	FK_FMT_SYSLOG,
	FK_FMT_TEXT
};

/* "json", "cef", "ecs", "syslog", "text": 0, or -1. */
int fk_format_parse(const char *name, enum fk_format *f);
const char *fk_format_name(enum fk_format f);

struct fk_format_opts {
	const char *hostname; /* syslog HOSTNAME, CEF dvchost; "-" if NULL */
	const char *app;      /* syslog APP-NAME: "fk-alert" */
	long pid;             /* syslog PROCID */
	const char *version;  /* CEF Device Version: FK_VERSION */
};

/* Append the alert as one line, without the newline, to out.  rec is
 * the alert record parsed (borrowed); text[0..len) the same record as
 * written, which json copies byte for byte. */
void fk_format_alert(enum fk_format f, const struct fk_format_opts *o,
    const json_t *rec, const char *text, size_t len, struct fk_jbuf *out);

/* CEF's escaping, exposed for tests: a header field escapes \ and |, an
 * extension value \, = and newlines (\n, \r). */
void fk_format_cef_header(struct fk_jbuf *out, const char *s, size_t n);
void fk_format_cef_value(struct fk_jbuf *out, const char *s, size_t n);

#endif
