/* CSV (RFC 4180) splitting.  Library module: never prints, never exits.
 * A record may span several physical lines when a quoted field holds a
 * newline; the caller joins lines until fk_csv_complete() says so. */
#ifndef FK_CSV_H
#define FK_CSV_H

#include <stddef.h>

struct fk_csv_field {
	const char *s; /* borrowed from the row's buffer; NUL-terminated */
	size_t len;
};

/* One parsed row.  Owns buf and fields; reused across calls. */
struct fk_csv_row {
	struct fk_csv_field *fields;
	size_t nfields, capfields;
	char *buf;
	size_t capbuf;
};

void fk_csv_row_init(struct fk_csv_row *row);
void fk_csv_row_release(struct fk_csv_row *row);

/* 1 when buf[0..len) holds a whole record (quotes balanced), 0 when a
 * quoted field is still open and the next line belongs to it.  A quote
 * opens a field only at the start of buf or right after a separator; not
 * being told the separator, this takes any of , ; TAB | as one.  A quote
 * inside an unquoted field opens nothing (fk_csv_split rejects it). */
int fk_csv_complete(const char *buf, size_t len);

/* Split one record (without its final line end; CRLF or LF inside quoted
 * fields kept as they are, a trailing CR of the record dropped) into
 * fields, unquoting "..." and "" -> ".  sep is the separator (',').
 * buf is borrowed and must not point into row->buf.  Fields point into
 * row->buf and stay valid until the next split or release.
 * Returns 0, or -1 with nfields 0 and a message in err, e.g. "column 3:
 * unexpected quote in unquoted field", "column 2: text after closing
 * quote" or "column 1: unterminated quoted field". */
int fk_csv_split(struct fk_csv_row *row, const char *buf, size_t len, char sep,
    char *err, size_t errlen);

#endif
