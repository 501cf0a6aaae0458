/* A growable buffer for JSON written by hand: a record copied through
 * with the stage's own member dropped, then the new member appended.
 * Library module: never prints; out of memory is fatal (xalloc). */
#ifndef FK_JBUF_H
#define FK_JBUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "jscan.h"

struct fk_jbuf {
	char *p;
	size_t len, cap;
};

void fk_jbuf_init(struct fk_jbuf *b);
void fk_jbuf_release(struct fk_jbuf *b);

/* Grow to room for more bytes at p + len; fk_jbuf_reserve's slow path. */
void fk_jbuf_grow(struct fk_jbuf *b, size_t more);

/* Room for more bytes at p + len. */
static inline void
fk_jbuf_reserve(struct fk_jbuf *b, size_t more)
{
	if (b->len + more > b->cap)
		fk_jbuf_grow(b, more);
}

static inline void
fk_jbuf_put(struct fk_jbuf *b, const char *s, size_t n)
{
	if (b->len + n > b->cap)
		fk_jbuf_grow(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* Literals only: "" lit "" does not compile for a pointer. */
#define FK_JBUF_PUTS(b, lit) fk_jbuf_put((b), "" lit "", sizeof(lit) - 1)

void fk_jbuf_u64(struct fk_jbuf *b, uint64_t v);
/* v rounded to dec (0..17) decimals, trailing zeros dropped: 12.5, 3,
 * -0.25; the %.17g form outside fixed-point range; 0 for NaN and
 * infinities (JSON has neither). */
void fk_jbuf_fixed(struct fk_jbuf *b, double v, int dec);
/* v to 9 significant digits (as %.9g, in fixed point where it can):
 * 0.123456789, 1.5634486e-05 as 0.000015634486; 0 for NaN and
 * infinities. */
void fk_jbuf_num(struct fk_jbuf *b, double v);
/* s[0..n) as a JSON string, with its quotes; s must be valid UTF-8. */
void fk_jbuf_str(struct fk_jbuf *b, const char *s, size_t n);

/* Start a copy of the object text[0..len) that fk_jscan scanned into o,
 * without the members named drop (NULL: none; every one of them when the
 * key repeats) and without its closing brace, with a ',' after the last
 * member kept: the caller appends its member and "}". */
void fk_jbuf_open_record(struct fk_jbuf *b, const char *text, size_t len,
    const struct fk_jobj *o, const char *drop);

#endif
