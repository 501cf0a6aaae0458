/* fk_jscan: one pass over the text with an explicit stack (one bit per
 * level: object or array), so nesting costs no recursion.  String content
 * is skipped a block at a time (16 bytes with SSE2, else 8 on
 * little-endian hosts, else a byte): a block without a quote, backslash,
 * control or non-ASCII byte needs no further look.  Everything rare
 * (escapes, UTF-8, white space, nesting, errors) is kept out of the hot
 * path, which is written for compact JSON. */
#include "jscan.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "jpath.h"
#include "xalloc.h"

#include "banned.h"

#define MAXDEPTH 64 /* the top-level object is level 1 */

/* -DFK_JSCAN_BLOCK=8 or 0 forces a portable path, to test it on x86. */
#ifndef FK_JSCAN_BLOCK
#if defined(__SSE2__)
#define FK_JSCAN_BLOCK 16
#elif defined(__GNUC__) && defined(__BYTE_ORDER__) &&                          \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FK_JSCAN_BLOCK 8
#else
#define FK_JSCAN_BLOCK 0
#endif
#endif

/* The hot path is a few small functions that must melt into fk_jscan. */
#ifdef __GNUC__
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

struct scan {
	const unsigned char *base, *end;
	uintptr_t last; /* a whole block is readable at p <= last, or 0 */
	size_t longest; /* of the strings below the top level */
	int bigexp;     /* a number's exponent has more than 4 digits */
	const unsigned char *errp; /* where the error is reported */
	const char *msg;
};

/* Bytes that end a run of plain string content: controls, '"', '\\'
 * and the bytes of UTF-8 sequences. */
static const unsigned char special[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x00 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10 */
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x30 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x40 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 0x50 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x60 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x70 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x80 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x90 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xa0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xb0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xc0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xd0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xe0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xf0 */
};

static const unsigned char *
fail(struct scan *c, const unsigned char *p, const char *msg)
{
	c->errp = p;
	c->msg = msg;
	return NULL;
}

static const unsigned char *
skip_ws(const unsigned char *p, const unsigned char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

/* Compact JSON has no white space: look at one byte before looping. */
static inline const unsigned char *
ws(const unsigned char *p, const unsigned char *end)
{
	if (p == end || *p <= ' ')
		return skip_ws(p, end);
	return p;
}

static int
is_digit(unsigned ch)
{
	return ch - '0' < 10;
}

static int
hex_digit(unsigned ch)
{
	if (ch - '0' < 10)
		return (int)(ch - '0');
	ch |= 0x20;
	if (ch - 'a' < 6)
		return (int)(ch - 'a' + 10);
	return -1;
}

/* The value of the four hex digits at p (at least 4 bytes), or -1. */
static long
hex4(const unsigned char *p)
{
	long v = 0;
	int i, d;

	for (i = 0; i < 4; i++) {
		if ((d = hex_digit(p[i])) < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

static int
is_cont(unsigned ch)
{
	return (ch & 0xc0) == 0x80;
}

/* The length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0:
 * Unicode's table 3-7, which leaves out overlong forms, surrogates and
 * code points past U+10FFFF. */
static size_t
utf8_len(const unsigned char *p, const unsigned char *end)
{
	size_t n = (size_t)(end - p);
	unsigned b = p[0], lo = 0x80, hi = 0xbf;

	if (b >= 0xc2 && b <= 0xdf)
		return n >= 2 && is_cont(p[1]) ? 2 : 0;
	if (b >= 0xe0 && b <= 0xef) {
		if (b == 0xe0)
			lo = 0xa0;
		else if (b == 0xed)
			hi = 0x9f;
		return n >= 3 && p[1] >= lo && p[1] <= hi && is_cont(p[2]) ? 3
		                                                           : 0;
	}
	if (b >= 0xf0 && b <= 0xf4) {
		if (b == 0xf0)
			lo = 0x90;
		else if (b == 0xf4)
			hi = 0x8f;
		return n >= 4 && p[1] >= lo && p[1] <= hi && is_cont(p[2]) &&
		        is_cont(p[3])
		    ? 4
		    : 0;
	}
	return 0;
}

/* A byte in a string that is not plain ASCII and not the closing quote:
 * an escape, a UTF-8 sequence or an error.  Returns the byte after it. */
static const unsigned char *
string_special(
    struct scan *c, const unsigned char *quote, const unsigned char *p)
{
	size_t left = (size_t)(c->end - p), n;
	long u, lo;

	if (*p < 0x20)
		return fail(c, p, "control character in a string");
	if (*p != '\\') {
		if ((n = utf8_len(p, c->end)) == 0)
			return fail(c, p, "invalid UTF-8 in a string");
		return p + n;
	}
	if (left < 2)
		return fail(c, quote, "unterminated string");
	switch (p[1]) {
	case '"':
	case '\\':
	case '/':
	case 'b':
	case 'f':
	case 'n':
	case 'r':
	case 't':
		return p + 2;
	case 'u':
		break;
	default:
		return fail(c, p, "invalid escape in a string");
	}
	if (left < 6 || (u = hex4(p + 2)) < 0)
		return fail(c, p, "\\u needs four hex digits");
	if (u == 0)
		return fail(c, p, "\\u0000 is not allowed");
	if (u >= 0xdc00 && u <= 0xdfff)
		return fail(c, p, "\\u escape of a lone low surrogate");
	if (u < 0xd800 || u > 0xdbff)
		return p + 6;
	if (left < 12 || p[6] != '\\' || p[7] != 'u' ||
	    (lo = hex4(p + 8)) < 0xdc00 || lo > 0xdfff)
		return fail(
		    c, p, "\\u escape of a high surrogate without a low one");
	return p + 12;
}

#if FK_JSCAN_BLOCK == 16
/* A bit for each byte of p[0..16) that ends plain string content. */
static ALWAYS_INLINE unsigned
block_special(const unsigned char *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i q = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
	__m128i b = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
	/* signed: 0x80-0xff are negative, so this takes them too */
	__m128i ctl = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));

	return (unsigned)_mm_movemask_epi8(
	    _mm_or_si128(_mm_or_si128(q, b), ctl));
}

typedef unsigned blockmask;

static ALWAYS_INLINE size_t
block_first(unsigned m)
{
	return (size_t)__builtin_ctz(m);
}

/* The same for the last n < 16 bytes before end, with a bit at n to say
 * there is none; the text has at least 16 bytes. */
static ALWAYS_INLINE unsigned
block_tail(const unsigned char *end, size_t n)
{
	return block_special(end - 16) >> (16 - n) | 1u << n;
}
#elif FK_JSCAN_BLOCK == 8
/* The high bit set in each byte that is below 0x20, '"', '\\' or
 * non-ASCII; bytes above the first such byte may be flagged by a borrow,
 * so only the lowest flag is exact, and it is the only one used. */
static ALWAYS_INLINE uint64_t
special8(uint64_t v)
{
	const uint64_t ones = 0x0101010101010101ULL;

	return ((v - ones * 0x20) | ((v ^ ones * '"') - ones) |
	           ((v ^ ones * '\\') - ones) | v) &
	    ones * 0x80;
}

static ALWAYS_INLINE uint64_t
block_special(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return special8(v);
}

typedef uint64_t blockmask;

static ALWAYS_INLINE size_t
block_first(uint64_t m)
{
	return (size_t)__builtin_ctzll(m) >> 3;
}

/* The same for the last n < 8 bytes before end (the text has at least 8):
 * shifting them down brings in zero bytes, which count as special. */
static ALWAYS_INLINE uint64_t
block_tail(const unsigned char *end, size_t n)
{
	uint64_t v;

	memcpy(&v, end - 8, 8);
	return special8(v >> 8 * (8 - n));
}
#endif

/* The first byte at p that ends plain string content, or end. */
static ALWAYS_INLINE const unsigned char *
string_stop(const struct scan *c, const unsigned char *p)
{
	const unsigned char *end = c->end;
#if FK_JSCAN_BLOCK
	blockmask m;

	while ((uintptr_t)p <= c->last) {
		if ((m = block_special(p)) != 0)
			return p + block_first(m);
		p += FK_JSCAN_BLOCK;
	}
	/* less than a block left, but the text is longer than one */
	if (c->last != 0) {
		size_t n = (size_t)(end - p);

		return n == 0 ? p : p + block_first(block_tail(end, n));
	}
#endif
	while (p < end && !special[*p])
		p++;
	return p;
}

/* The common string, p after its quote: plain ASCII that ends within the
 * block at p.  Returns the byte after the closing quote, or NULL to say
 * that scan_string must see it. */
static ALWAYS_INLINE const unsigned char *
quick_string(const struct scan *c, const unsigned char *p)
{
#if FK_JSCAN_BLOCK
	blockmask m;

	if ((uintptr_t)p <= c->last && (m = block_special(p)) != 0) {
		p += block_first(m);
		if (*p == '"')
			return p + 1;
	}
#else
	(void)c;
	(void)p;
#endif
	return NULL;
}

/* p is after the opening quote; returns the byte after the closing one,
 * and sets *escaped if the string holds an escape. */
static ALWAYS_INLINE const unsigned char *
scan_string(struct scan *c, const unsigned char *p, bool *escaped)
{
	const unsigned char *quote = p - 1;

	for (;;) {
		p = string_stop(c, p);
		if (p == c->end)
			return fail(c, quote, "unterminated string");
		if (*p == '"')
			return p + 1;
		if (*p == '\\')
			*escaped = true;
		if ((p = string_special(c, quote, p)) == NULL)
			return NULL;
	}
}

#if FK_JSCAN_BLOCK == 16
/* A bit for each byte of p[0..16) that is not a digit. */
static ALWAYS_INLINE unsigned
block_nondigit(const unsigned char *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);

	/* signed, so non-ASCII bytes are below '0' */
	return (unsigned)_mm_movemask_epi8(
	    _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8('0')),
	        _mm_cmpgt_epi8(v, _mm_set1_epi8('9'))));
}
#elif FK_JSCAN_BLOCK == 8
/* As special8: the high bit set in the bytes below '0', above '9' or
 * non-ASCII, exact for the lowest. */
static ALWAYS_INLINE uint64_t
block_nondigit(const unsigned char *p)
{
	const uint64_t ones = 0x0101010101010101ULL;
	uint64_t v;

	memcpy(&v, p, 8);
	return ((v - ones * '0') | (v + ones * (0x80 - ':')) | v) & ones * 0x80;
}
#endif

/* The byte after the run of digits at p. */
static ALWAYS_INLINE const unsigned char *
skip_digits(const struct scan *c, const unsigned char *p)
{
#if FK_JSCAN_BLOCK
	blockmask m;

	while ((uintptr_t)p <= c->last) {
		if ((m = block_nondigit(p)) != 0)
			return p + block_first(m);
		p += FK_JSCAN_BLOCK;
	}
#endif
	while (p < c->end && is_digit(*p))
		p++;
	return p;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at p; what may follow
 * is left to the caller (see after_value). */
static ALWAYS_INLINE const unsigned char *
scan_number(struct scan *c, const unsigned char *p, bool *integer)
{
	const unsigned char *start = p, *end = c->end, *q;

	if (*p == '-' && ++p == end)
		goto bad;
	if (*p == '0')
		p++;
	else if ((q = skip_digits(c, p)) != p)
		p = q;
	else
		goto bad;
	*integer = true;
	if (p < end && *p == '.') {
		*integer = false;
		if ((q = skip_digits(c, p + 1)) == p + 1)
			goto bad;
		p = q;
	}
	if (p < end && (*p | 0x20) == 'e') {
		*integer = false;
		if (++p < end && (*p == '+' || *p == '-'))
			p++;
		if ((q = skip_digits(c, p)) == p)
			goto bad;
		if (q - p > 4)
			c->bigexp = 1;
		p = q;
	}
	return p;
bad:
	return fail(c, start, "invalid number");
}

/* The error for p, which should follow the value at v: "01", "1.2.3" or
 * "1e5e" are bad numbers more than bad separators. */
static const unsigned char *
after_value(struct scan *c, const unsigned char *v, const unsigned char *p,
    const char *msg)
{
	const unsigned char *q;
	bool unused;

	if ((*v == '-' || is_digit(*v)) &&
	    (q = scan_number(c, v, &unused)) != NULL && q < c->end &&
	    (is_digit(*q) || *q == '.' || *q == 'e' || *q == 'E' || *q == '+' ||
	        *q == '-'))
		return fail(c, v, "invalid number");
	return fail(c, p, msg);
}

/* The next code point of a scanned key (valid: fk_jscan checked it). */
static uint32_t
next_cp(const unsigned char **pp)
{
	const unsigned char *p = *pp;
	uint32_t cp;

	if (p[0] == '\\') {
		*pp = p + 2;
		switch (p[1]) {
		case 'b':
			return '\b';
		case 'f':
			return '\f';
		case 'n':
			return '\n';
		case 'r':
			return '\r';
		case 't':
			return '\t';
		case 'u':
			break;
		default: /* '"', '\\', '/' */
			return p[1];
		}
		cp = (uint32_t)hex4(p + 2);
		*pp = p + 6;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			cp = 0x10000 + ((cp - 0xd800) << 10) +
			    ((uint32_t)hex4(p + 8) - 0xdc00);
			*pp = p + 12;
		}
		return cp;
	}
	if (p[0] < 0x80) {
		*pp = p + 1;
		return p[0];
	}
	if (p[0] < 0xe0) {
		*pp = p + 2;
		return (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
	}
	if (p[0] < 0xf0) {
		*pp = p + 3;
		return (uint32_t)(p[0] & 0x0f) << 12 |
		    (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
	}
	*pp = p + 4;
	return (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 |
	    (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
}

/* Code point cp in UTF-8 at buf; returns the length. */
static size_t
utf8_put(uint32_t cp, unsigned char *buf)
{
	if (cp < 0x80) {
		buf[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		buf[0] = (unsigned char)(0xc0 | cp >> 6);
		buf[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		buf[0] = (unsigned char)(0xe0 | cp >> 12);
		buf[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		buf[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	buf[0] = (unsigned char)(0xf0 | cp >> 18);
	buf[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	buf[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	buf[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Whether a scanned key with escapes equals b[0..blen): another scanned
 * key if bescaped, else plain bytes (which need not be valid UTF-8). */
static int
key_eq_decoded(
    const struct fk_jmember *a, const char *b, size_t blen, int bescaped)
{
	const unsigned char *p = (const unsigned char *)a->key;
	const unsigned char *pe = p + a->keylen;
	const unsigned char *q = (const unsigned char *)b, *qe = q + blen;
	unsigned char buf[4];
	size_t n;

	while (p < pe && q < qe) {
		if (bescaped) {
			if (next_cp(&p) != next_cp(&q))
				return 0;
			continue;
		}
		n = utf8_put(next_cp(&p), buf);
		if ((size_t)(qe - q) < n || memcmp(q, buf, n) != 0)
			return 0;
		q += n;
	}
	return p == pe && q == qe;
}

static int
same_key(const struct fk_jmember *a, const struct fk_jmember *b)
{
	if (!a->key_escaped && !b->key_escaped)
		return a->keylen == b->keylen &&
		    memcmp(a->key, b->key, a->keylen) == 0;
	return key_eq_decoded(a, b->key, b->keylen, b->key_escaped);
}

/* A literal at p (p < end), or an error for what cannot start a value. */
static const unsigned char *
scan_literal(struct scan *c, const unsigned char *p, enum fk_jtype *type)
{
	size_t left = (size_t)(c->end - p);

	switch (*p) {
	case 't':
		*type = FK_J_TRUE;
		if (left >= 4 && memcmp(p, "true", 4) == 0)
			return p + 4;
		break;
	case 'f':
		*type = FK_J_FALSE;
		if (left >= 5 && memcmp(p, "false", 5) == 0)
			return p + 5;
		break;
	case 'n':
		*type = FK_J_NULL;
		if (left >= 4 && memcmp(p, "null", 4) == 0)
			return p + 4;
		break;
	case '+':
	case '.':
		return fail(c, p, "invalid number");
	default:
		return fail(c, p, "expected a value");
	}
	return fail(c, p, "invalid literal");
}

/* fk_jscan_paths: the path tree followed while scanning. */

/* The kid of node named key[0..len) with escapes: decoded, compared
 * with each kid's name (rare: keys seldom hold escapes). */
static uint32_t
kid_escaped(
    const struct fk_jpath *t, uint32_t node, const char *key, size_t len)
{
	const struct fk_map_entry *e;
	struct fk_jmember m;
	size_t it = 0;

	memset(&m, 0, sizeof(m));
	m.key = key;
	m.keylen = len;
	m.key_escaped = 1;
	while ((e = fk_map_next(&t->nodes[node].kids, &it)) != NULL)
		if (fk_jmember_key_is(&m, e->key, e->len))
			return (uint32_t)(uintptr_t)e->val;
	return FK_JPATH_NONE;
}

/* The kid of node named key[0..len) (escapes decoded when escaped), or
 * FK_JPATH_NONE; c is where the scan is in node's object.  end: where
 * the text ends. */
static ALWAYS_INLINE uint32_t
kid(struct fk_jpath *t, uint32_t node, struct fk_jpath_cursor *c,
    const char *key, size_t len, bool escaped, const char *end)
{
	if (escaped) {
		fk_jpath_lose(c);
		return fk_map_count(&t->nodes[node].kids) == 0
		    ? FK_JPATH_NONE
		    : kid_escaped(t, node, key, len);
	}
	return fk_jpath_kid(t, node, c, key, len, end);
}

/* Forget what was found at node and below it. */
static void
forget(const struct fk_jpath *t, uint32_t node, struct fk_jmember *out)
{
	const struct fk_jpath_node *nd = &t->nodes[node];
	const struct fk_map_entry *e;
	size_t it = 0;

	if (nd->slot >= 0)
		out[nd->slot].val = NULL;
	while ((e = fk_map_next(&nd->kids, &it)) != NULL)
		forget(t, (uint32_t)(uintptr_t)e->val, out);
}

/* node is found: when again in this scan, its key repeats, and what was
 * found below it before no longer counts. */
static inline void
enter(struct fk_jpath *t, uint32_t node, struct fk_jmember *out)
{
	if (t->nodes[node].gen == t->gen)
		forget(t, node, out);
	t->nodes[node].gen = t->gen;
}

struct paths {
	struct fk_jpath *t;
	struct fk_jmember *out;
	uint32_t pending;          /* the node of the key just read */
	uint32_t at[MAXDEPTH + 1]; /* the node of each open container */
	struct fk_jpath_cursor cur[MAXDEPTH + 1]; /* where in each */
	const unsigned char *open[MAXDEPTH + 1];
};

/* A value a path ends at. */
static ALWAYS_INLINE void
found(struct paths *ps, uint32_t node, const unsigned char *v,
    const unsigned char *p, enum fk_jtype type, bool esc, bool integer)
{
	long slot = ps->t->nodes[node].slot;

	if (slot >= 0)
		ps->out[slot] = (struct fk_jmember){ NULL, 0, (const char *)v,
			(size_t)(p - v), type, esc, integer, 0 };
}

/* The object or array at p, below the top level; returns the byte after
 * it.  A bit per level says whether it is an array.  With ps, the paths
 * below are found on the way; without, that code is compiled out. */
static ALWAYS_INLINE const unsigned char *
scan_nested_paths(struct scan *c, const unsigned char *p, struct paths *ps)
{
	const unsigned char *end = c->end, *v = p;
	const struct fk_jpath_memo *mm;
	uint64_t arrays = 0;
	unsigned depth = 1;
	bool esc, integer;
	enum fk_jtype type;

open: /* p is at '{' or '[' */
	if (depth == MAXDEPTH)
		return fail(c, p, "nesting deeper than 64");
	depth++;
	if (ps != NULL) {
		ps->at[depth] = ps->pending;
		if (ps->pending != FK_JPATH_NONE)
			fk_jpath_open(ps->t, ps->pending, &ps->cur[depth]);
		ps->open[depth] = p;
		ps->pending = FK_JPATH_NONE;
	}
	arrays = arrays << 1 | (*p == '[');
	p = ws(p + 1, end);
	if (arrays & 1) {
		if (p < end && *p == ']')
			goto close;
		goto value;
	}
	if (p < end && *p == '}')
		goto close;
key:
	if (p == end || *p != '"')
		return fail(c, p, "expected a key in double quotes");
	v = p;
	esc = false;
	if (ps != NULL && ps->at[depth] != FK_JPATH_NONE &&
	    (mm = fk_jpath_recall(&ps->cur[depth], (const char *)p + 1,
	         (const char *)end)) != NULL) {
		p += mm->len + 2;
		/* A leaf's value is found again whatever it is: nothing
		 * to forget. */
		if ((ps->pending = mm->kid) != FK_JPATH_NONE && !mm->leaf)
			enter(ps->t, ps->pending, ps->out);
	} else {
		if ((p = scan_string(c, p + 1, &esc)) == NULL)
			return NULL;
		if (ps != NULL && ps->at[depth] != FK_JPATH_NONE &&
		    (ps->pending = kid(ps->t, ps->at[depth], &ps->cur[depth],
		         (const char *)v + 1, (size_t)(p - v - 2), esc,
		         (const char *)end)) != FK_JPATH_NONE)
			enter(ps->t, ps->pending, ps->out);
	}
	if ((size_t)(p - v - 2) > c->longest)
		c->longest = (size_t)(p - v - 2);
	/* Compact JSON first, as in scan_top. */
	if (p == end || *p != ':') {
		p = skip_ws(p, end);
		if (p == end || *p != ':')
			return fail(c, p, "expected ':' after the key");
	}
	p = ws(p + 1, end);
value:
	if (p == end)
		return fail(c, p, "expected a value");
	if (*p == '{' || *p == '[')
		goto open;
	v = p;
	esc = integer = false;
	if (*p == '"') {
		type = FK_J_STRING;
		if ((p = scan_string(c, p + 1, &esc)) == NULL)
			return NULL;
		if ((size_t)(p - v - 2) > c->longest)
			c->longest = (size_t)(p - v - 2);
	} else if (*p == '-' || is_digit(*p)) {
		type = FK_J_NUMBER;
		p = scan_number(c, p, &integer);
	} else {
		p = scan_literal(c, p, &type);
	}
	if (p == NULL)
		return NULL;
	if (ps != NULL && ps->pending != FK_JPATH_NONE) {
		found(ps, ps->pending, v, p, type, esc, integer);
		ps->pending = FK_JPATH_NONE;
	}
after:
	if (p == end || *p != ',') {
		p = skip_ws(p, end);
		if (p < end && *p == (arrays & 1 ? ']' : '}'))
			goto close;
		if (p == end || *p != ',')
			return after_value(c, v, p,
			    arrays & 1 ? "expected ',' or ']'"
			               : "expected ',' or '}'");
	}
	p = ws(p + 1, end);
	if (arrays & 1)
		goto value;
	goto key;
close:
	if (ps != NULL && ps->at[depth] != FK_JPATH_NONE)
		found(ps, ps->at[depth], ps->open[depth], p + 1,
		    arrays & 1 ? FK_J_ARRAY : FK_J_OBJECT, false, false);
	v = p++;
	arrays >>= 1;
	if (--depth > 1)
		goto after;
	return p;
}

static const unsigned char *
scan_nested(struct scan *c, const unsigned char *p)
{
	return scan_nested_paths(c, p, NULL);
}

/* A bit of a 64-bit filter on a key's length, first and last byte, which
 * spares most keys the search for a duplicate.  k is after the opening
 * quote and q at the closing one, so an empty key has two quotes. */
static ALWAYS_INLINE uint64_t
key_bit(const unsigned char *k, const unsigned char *q)
{
	uint32_t h =
	    (uint32_t)(q - k) | (uint32_t)k[0] << 8 | (uint32_t)q[-1] << 16;

	return 1ULL << (h * 0x9e3779b1u >> 26);
}

/* Whether one of the first n members has the key k[0..klen), as bytes. */
static int
repeats_key(
    const struct fk_jmember *m, size_t n, const unsigned char *k, size_t klen)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (m[i].keylen == klen && memcmp(m[i].key, k, klen) == 0)
			return 1;
	return 0;
}

/* A key's hash over its code points, so that "a" and "\u0061", the same
 * key to JSON, hash alike (FNV-1a). */
static uint64_t
key_hash(const struct fk_jmember *m)
{
	const unsigned char *p = (const unsigned char *)m->key;
	const unsigned char *pe = p + m->keylen;
	uint64_t h = 0xcbf29ce484222325ULL;

	while (p < pe) {
		h ^= next_cp(&p);
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Whether two members have the same key, as JSON compares keys (a full
 * parser would merge them): one pass with a hash table, so that a record
 * of many keys costs in proportion to them, not to their square. */
static int
any_duplicate(const struct fk_jobj *o)
{
	size_t cap = 16, i, j;
	uint32_t *slot;
	uint64_t *hs;
	int dup = 0;

	while (cap < 2 * o->n)
		cap <<= 1;
	slot = fk_xcalloc(cap, sizeof(*slot)); /* member index + 1 */
	hs = fk_xmalloc(cap * sizeof(*hs));
	for (i = 0; i < o->n && !dup; i++) {
		uint64_t h = key_hash(&o->m[i]);

		for (j = h & (cap - 1); slot[j] != 0; j = (j + 1) & (cap - 1))
			if (hs[j] == h &&
			    same_key(&o->m[slot[j] - 1], &o->m[i])) {
				dup = 1;
				break;
			}
		slot[j] = (uint32_t)i + 1;
		hs[j] = h;
	}
	free(slot);
	free(hs);
	return dup;
}

void
fk_jobj_init(struct fk_jobj *o)
{
	memset(o, 0, sizeof(*o));
}

void
fk_jobj_release(struct fk_jobj *o)
{
	free(o->m);
	memset(o, 0, sizeof(*o));
}

static void
grow(struct fk_jobj *o)
{
	o->cap = o->cap ? o->cap * 2 : 16;
	o->m = fk_xrealloc(o->m, o->cap * sizeof(*o->m));
}

/* Start a scan of base[0..end) into o, emptied. */
static ALWAYS_INLINE void
scan_start(struct scan *c, struct fk_jobj *o, const unsigned char *base,
    const unsigned char *end)
{
	c->base = base;
	c->end = end;
	c->last = 0;
#if FK_JSCAN_BLOCK
	if (end - base >= FK_JSCAN_BLOCK)
		c->last = (uintptr_t)(end - FK_JSCAN_BLOCK);
#endif
	c->longest = 0;
	c->bigexp = 0;
	o->n = 0;
	o->longest = 0;
	o->duplicates = 0;
	o->bigexp = 0;
}

/* The message of a scan that failed: -1. */
static int
scan_error(const struct scan *c, char *err, size_t errlen)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "column %zu: %s",
		    (size_t)(c->errp - c->base) + 1, c->msg);
	return -1;
}

/* fk_jscan, and with ps fk_jscan_paths: one body, two compilations. */
static ALWAYS_INLINE int
scan_top(struct fk_jobj *o, const char *s, size_t len, struct paths *ps,
    char *err, size_t errlen)
{
	struct scan c;
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = len > 0 ? p + len : p, *k, *v;
	size_t n = 0, klen, longest = 0;
	enum fk_jtype type;
	bool esc, kesc, integer, escapes = false, dup = false, recheck = false;
	uint64_t seen = 0, bit;
	uint32_t node = FK_JPATH_NONE;
	const struct fk_jpath_memo *mm;
	struct fk_jpath_cursor top;

	scan_start(&c, o, p, end);
	if (ps != NULL) {
		for (size_t i = 0; i < ps->t->nslots; i++)
			ps->out[i].val = NULL;
		ps->t->gen++;
		ps->pending = FK_JPATH_NONE;
		fk_jpath_open(ps->t, 0, &top);
	}
	p = skip_ws(p, end);
	if (p == end || *p != '{') {
		fail(&c, p, "expected '{'");
		goto err;
	}
	/* Each step looks for what compact JSON has next, and only then for
	 * white space. */
	if (++p < end && *p != '"') {
		p = skip_ws(p, end);
		if (p < end && *p == '}')
			goto close;
	}
	for (;;) {
		if (p == end || *p != '"') {
			p = skip_ws(p, end);
			if (p == end || *p != '"') {
				fail(&c, p, "expected a key in double quotes");
				goto err;
			}
		}
		k = p + 1;
		kesc = false;
		if (ps != NULL &&
		    (mm = fk_jpath_recall(
		         &top, (const char *)k, (const char *)end)) != NULL) {
			p = k + mm->len + 1;
			node = mm->kid;
		} else {
			if ((p = quick_string(&c, k)) == NULL &&
			    (p = scan_string(&c, k, &kesc)) == NULL)
				goto err;
			if (ps != NULL)
				node = kid(ps->t, 0, &top, (const char *)k,
				    (size_t)(p - 1 - k), kesc,
				    (const char *)end);
		}
		klen = (size_t)(p - 1 - k);
		if (klen > longest)
			longest = klen;
		bit = key_bit(k, p - 1);
		/* Past a few dozen keys the filter is full: one pass over
		 * the keys at the end instead of a search for each. */
		if ((seen & bit) != 0 && !dup) {
			if (n < 64)
				dup = repeats_key(o->m, n, k, klen);
			else
				recheck = true;
		}
		seen |= bit;
		if (ps != NULL) {
			if (node != FK_JPATH_NONE)
				enter(ps->t, node, ps->out);
			ps->pending = node;
		}
		if (p == end || *p != ':') {
			p = skip_ws(p, end);
			if (p == end || *p != ':') {
				fail(&c, p, "expected ':' after the key");
				goto err;
			}
		}
		p++;
	value:
		if (p == end) {
			fail(&c, p, "expected a value");
			goto err;
		}
		v = p;
		esc = integer = false;
		if (*p == '"') {
			type = FK_J_STRING;
			if ((p = quick_string(&c, v + 1)) == NULL &&
			    (p = scan_string(&c, v + 1, &esc)) == NULL)
				goto err;
			if ((size_t)(p - v - 2) > longest)
				longest = (size_t)(p - v - 2);
		} else if (is_digit(*p) || *p == '-') {
			type = FK_J_NUMBER;
			p = scan_number(&c, p, &integer);
		} else if (*p == '{' || *p == '[') {
			type = *p == '{' ? FK_J_OBJECT : FK_J_ARRAY;
			p = ps != NULL ? scan_nested_paths(&c, p, ps)
			               : scan_nested(&c, p);
		} else if (*p == ' ' || *p == '\t' || *p == '\n' ||
		    *p == '\r') {
			p = skip_ws(p, end);
			goto value;
		} else {
			p = scan_literal(&c, p, &type);
		}
		if (p == NULL)
			goto err;
		if (n == o->cap)
			grow(o);
		o->m[n++] =
		    (struct fk_jmember){ (const char *)k, klen, (const char *)v,
			    (size_t)(p - v), type, esc, integer, kesc };
		escapes |= kesc;
		if (ps != NULL && node != FK_JPATH_NONE &&
		    ps->t->nodes[node].slot >= 0)
			ps->out[ps->t->nodes[node].slot] = o->m[n - 1];
		if (p == end || *p != ',') {
			p = skip_ws(p, end);
			if (p < end && *p == '}')
				break;
			if (p == end || *p != ',') {
				after_value(&c, v, p, "expected ',' or '}'");
				goto err;
			}
		}
		p++;
	}
close:
	p = skip_ws(p + 1, end);
	if (p != end) {
		fail(&c, p, "text after the object");
		goto err;
	}
	o->n = n;
	o->longest = longest > c.longest ? longest : c.longest;
	o->duplicates = dup || ((recheck || escapes) && any_duplicate(o));
	o->bigexp = c.bigexp;
	return 0;
err:
	return scan_error(&c, err, errlen);
}

int
fk_jscan(struct fk_jobj *o, const char *s, size_t len, char *err, size_t errlen)
{
	return scan_top(o, s, len, NULL, err, errlen);
}

int
fk_jscan_paths(struct fk_jpath *t, struct fk_jobj *o, const char *s, size_t len,
    struct fk_jmember *out, char *err, size_t errlen)
{
	struct paths ps;

	ps.t = t;
	ps.out = out;
	return scan_top(o, s, len, &ps, err, errlen);
}

int
fk_jscan_array(
    struct fk_jobj *o, const char *s, size_t len, char *err, size_t errlen)
{
	struct scan c;
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = len > 0 ? p + len : p, *v;
	size_t n = 0, longest = 0;
	enum fk_jtype type;
	bool esc, integer;

	scan_start(&c, o, p, end);
	p = skip_ws(p, end);
	if (p == end || *p != '[') {
		fail(&c, p, "expected '['");
		goto err;
	}
	p = skip_ws(p + 1, end);
	if (p < end && *p == ']')
		goto close;
	for (;;) {
		p = skip_ws(p, end);
		if (p == end) {
			fail(&c, p, "expected a value");
			goto err;
		}
		v = p;
		esc = integer = false;
		if (*p == '"') {
			type = FK_J_STRING;
			if ((p = scan_string(&c, v + 1, &esc)) != NULL &&
			    (size_t)(p - v - 2) > longest)
				longest = (size_t)(p - v - 2);
		} else if (is_digit(*p) || *p == '-') {
			type = FK_J_NUMBER;
			p = scan_number(&c, p, &integer);
		} else if (*p == '{' || *p == '[') {
			type = *p == '{' ? FK_J_OBJECT : FK_J_ARRAY;
			p = scan_nested(&c, p);
		} else {
			p = scan_literal(&c, p, &type);
		}
		if (p == NULL)
			goto err;
		if (n == o->cap)
			grow(o);
		o->m[n++] = (struct fk_jmember){ NULL, 0, (const char *)v,
			(size_t)(p - v), type, esc, integer, 0 };
		p = skip_ws(p, end);
		if (p < end && *p == ']')
			break;
		if (p == end || *p != ',') {
			after_value(&c, v, p, "expected ',' or ']'");
			goto err;
		}
		p++;
	}
close:
	p = skip_ws(p + 1, end);
	if (p != end) {
		fail(&c, p, "text after the array");
		goto err;
	}
	o->n = n;
	o->longest = longest > c.longest ? longest : c.longest;
	o->bigexp = c.bigexp;
	return 0;
err:
	return scan_error(&c, err, errlen);
}

const struct fk_jmember *
fk_jobj_get(const struct fk_jobj *o, const char *key)
{
	size_t i = o->n, len = strlen(key);
	const struct fk_jmember *m;

	while (i-- > 0) {
		m = &o->m[i];
		if (fk_jmember_key_is(m, key, len))
			return m;
	}
	return NULL;
}

int
fk_jmember_key_is(const struct fk_jmember *m, const char *key, size_t len)
{
	if (m->key_escaped)
		return key_eq_decoded(m, key, len, 0);
	return m->keylen == len && memcmp(m->key, key, len) == 0;
}

size_t
fk_jstr_decode(const char *s, size_t len, char *out)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len, *q;
	size_t n = 0;

	while (p < end) {
		if ((q = memchr(p, '\\', (size_t)(end - p))) == NULL)
			q = end;
		memcpy(out + n, p, (size_t)(q - p));
		n += (size_t)(q - p);
		p = q;
		if (p < end)
			n += utf8_put(next_cp(&p), (unsigned char *)out + n);
	}
	return n;
}

int
fk_jmember_key(const struct fk_jmember *m, char *buf, size_t buflen,
    const char **key, size_t *keylen)
{
	if (m == NULL)
		return 0;
	if (m->type == FK_J_STRING && !m->escaped) {
		*key = m->val + 1;
		*keylen = m->vallen - 2;
		return 1;
	}
	if (m->type == FK_J_STRING && m->vallen - 2 <= buflen) {
		*keylen = fk_jstr_decode(m->val + 1, m->vallen - 2, buf);
		*key = buf;
		return 1;
	}
	if (m->type == FK_J_NUMBER && m->integer) {
		*key = m->val;
		*keylen = m->vallen;
		return 1;
	}
	return 0;
}

int
fk_jmember_int(const struct fk_jmember *m, int64_t *v)
{
	const char *p;
	int64_t x = 0;

	if (m == NULL || m->type != FK_J_NUMBER || !m->integer ||
	    m->vallen > 15)
		return 0;
	for (p = m->val + (*m->val == '-'); p < m->val + m->vallen; p++)
		x = x * 10 + (*p - '0');
	*v = *m->val == '-' ? -x : x;
	return 1;
}

int
fk_jmember_label(const struct fk_jmember *m)
{
	char buf[16];
	const char *s;
	int64_t v;

	switch (m->type) {
	case FK_J_TRUE:
		return 1;
	case FK_J_FALSE:
		return 0;
	case FK_J_NUMBER:
		return fk_jmember_int(m, &v) && (v == 0 || v == 1) ? (int)v
		                                                   : -1;
	case FK_J_STRING:
		/* "\u0031" is "1" too: at most 6 bytes an escape. */
		if (m->escaped && m->vallen - 2 <= 12 &&
		    fk_jstr_decode(m->val + 1, m->vallen - 2, buf) == 1)
			s = buf;
		else if (!m->escaped && m->vallen == 3)
			s = m->val + 1;
		else
			return -1;
		return *s == '0' || *s == '1' ? *s == '1' : -1;
	default:
		return -1;
	}
}
