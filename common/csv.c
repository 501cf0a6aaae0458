/* CSV (RFC 4180) splitting.  Library module: never prints, never exits. */
#include "csv.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"
#include "banned.h"

#define FK_CSV_MINBUF 256
#define FK_CSV_MINFIELDS 16

void
fk_csv_row_init(struct fk_csv_row *row)
{
	row->fields = NULL;
	row->nfields = 0;
	row->capfields = 0;
	row->buf = NULL;
	row->capbuf = 0;
}

void
fk_csv_row_release(struct fk_csv_row *row)
{
	free(row->fields);
	free(row->buf);
	fk_csv_row_init(row);
}

/* fk_csv_complete() is not told the separator, so a quote opens a field
 * after any byte commonly used as one. */
static int
csv_seplike(unsigned char c)
{
	return c == ',' || c == ';' || c == '\t' || c == '|';
}

int
fk_csv_complete(const char *buf, size_t len)
{
	const char *p, *q, *end;

	if (len == 0)
		return 1;
	p = buf;
	end = buf + len;
	for (;;) {
		/* Outside quotes: only a quote at a field start matters. */
		q = memchr(p, '"', (size_t)(end - p));
		if (q == NULL)
			return 1;
		p = q + 1;
		if (q != buf && !csv_seplike((unsigned char)q[-1]))
			continue;
		/* Inside quotes: "" stays inside, a lone quote closes. */
		for (;;) {
			q = memchr(p, '"', (size_t)(end - p));
			if (q == NULL)
				return 0;
			if (q + 1 < end && q[1] == '"') {
				p = q + 2;
				continue;
			}
			p = q + 1;
			break;
		}
	}
}

static int
csv_error(struct fk_csv_row *row, char *err, size_t errlen, size_t col,
    const char *msg)
{
	row->nfields = 0;
	if (errlen > 0)
		snprintf(err, errlen, "column %zu: %s", col, msg);
	return -1;
}

static void
csv_push(struct fk_csv_row *row, const char *s, size_t len)
{
	size_t cap;

	if (row->nfields == row->capfields) {
		cap = row->capfields ? row->capfields * 2 : FK_CSV_MINFIELDS;
		row->fields =
		    fk_xrealloc(row->fields, cap * sizeof(*row->fields));
		row->capfields = cap;
	}
	row->fields[row->nfields].s = s;
	row->fields[row->nfields].len = len;
	row->nfields++;
}

/* Unquoted fields and NUL terminators never outgrow the record itself:
 * each separator becomes a NUL and quotes only shrink, so len + 1. */
static void
csv_reserve(struct fk_csv_row *row, size_t need)
{
	size_t cap;

	if (row->capbuf >= need)
		return;
	cap = row->capbuf ? row->capbuf : FK_CSV_MINBUF;
	while (cap < need)
		cap = cap <= SIZE_MAX / 2 ? cap * 2 : need;
	/* Old contents are dead (fields are rebuilt), so skip realloc's copy. */
	free(row->buf);
	row->buf = fk_xmalloc(cap);
	row->capbuf = cap;
}

/* No quote anywhere: copy once, then turn separators into NULs. */
static void
csv_split_plain(struct fk_csv_row *row, const char *buf, size_t len, char sep)
{
	char *p, *q, *end;

	if (len > 0)
		memcpy(row->buf, buf, len);
	row->buf[len] = '\0';
	p = row->buf;
	end = row->buf + len;
	while ((q = memchr(p, sep, (size_t)(end - p))) != NULL) {
		*q = '\0';
		csv_push(row, p, (size_t)(q - p));
		p = q + 1;
	}
	csv_push(row, p, (size_t)(end - p));
}

int
fk_csv_split(struct fk_csv_row *row, const char *buf, size_t len, char sep,
    char *err, size_t errlen)
{
	const char *r, *q, *fe, *end;
	char *w, *start;
	size_t col;

	if (len > 0 && buf[len - 1] == '\r')
		len--;
	csv_reserve(row, len + 1);
	row->nfields = 0;
	if (len == 0 || memchr(buf, '"', len) == NULL) {
		csv_split_plain(row, buf, len, sep);
		return 0;
	}

	r = buf;
	end = buf + len;
	w = row->buf;
	for (col = 1;; col++) {
		start = w;
		if (r < end && *r == '"') {
			r++;
			for (;;) {
				q = memchr(r, '"', (size_t)(end - r));
				if (q == NULL)
					return csv_error(row, err, errlen, col,
					    "unterminated quoted field");
				memcpy(w, r, (size_t)(q - r));
				w += q - r;
				r = q + 1;
				if (r < end && *r == '"') {
					*w++ = '"';
					r++;
					continue;
				}
				break;
			}
			if (r < end && *r != sep)
				return csv_error(row, err, errlen, col,
				    "text after closing quote");
			fe = r;
		} else {
			q = memchr(r, sep, (size_t)(end - r));
			fe = q != NULL ? q : end;
			if (memchr(r, '"', (size_t)(fe - r)) != NULL)
				return csv_error(row, err, errlen, col,
				    "unexpected quote in unquoted field");
			memcpy(w, r, (size_t)(fe - r));
			w += fe - r;
		}
		*w++ = '\0';
		csv_push(row, start, (size_t)(w - 1 - start));
		if (fe == end)
			return 0;
		r = fe + 1;
	}
}
