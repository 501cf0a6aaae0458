/* fk-alert's output formats: an alert record (the scored record with
 * its alert member) as one line of JSON, ArcSight CEF, Elastic Common
 * Schema JSON, RFC 5424 syslog, or text for a terminal.  The record is
 * scanned once (common/jscan, common/jpath) for every value the formats
 * read; no tree is built.  Library module: never prints, never exits. */
#ifndef FK_FORMAT_H
#define FK_FORMAT_H

#include <stddef.h>

#include "jbuf.h"
#include "jscan.h"

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

/* An alert record scanned for the formats, with the paths they read
 * compiled once; fk_format_rec_free frees it. */
struct fk_format_rec;

struct fk_format_rec *fk_format_rec_new(void);
void fk_format_rec_free(struct fk_format_rec *r);

/* Scan text[0..len) (borrowed until the next scan), validating it and
 * finding every value the formats read in the same pass: 0, or -1 with
 * "column N: ..." in err. */
int fk_format_rec_scan(struct fk_format_rec *r, const char *text, size_t len,
    char *err, size_t errlen);

/* The top-level members of the record last scanned; borrowed until the
 * next scan. */
const struct fk_jobj *fk_format_rec_members(const struct fk_format_rec *r);

/* Append the alert last scanned into r as one line, without the newline,
 * to out; json copies the record byte for byte.  r's scratch space is
 * used, so r is not const. */
void fk_format_alert(enum fk_format f, const struct fk_format_opts *o,
    struct fk_format_rec *r, struct fk_jbuf *out);

/* CEF's escaping, exposed for tests: a header field escapes \ and |, an
 * extension value \, = and newlines (\n, \r). */
void fk_format_cef_header(struct fk_jbuf *out, const char *s, size_t n);
void fk_format_cef_value(struct fk_jbuf *out, const char *s, size_t n);

#endif
