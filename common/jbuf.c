/* Hand-written JSON output: numbers without printf on the hot path. */
#include "jbuf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#include "banned.h"

void
fk_jbuf_init(struct fk_jbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void
fk_jbuf_release(struct fk_jbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void
fk_jbuf_grow(struct fk_jbuf *b, size_t more)
{
	if (b->len + more > b->cap) {
		b->cap = (b->len + more) * 2;
		b->p = fk_xrealloc(b->p, b->cap);
	}
}

/* Two digits at a time: "00" to "99". */
static const char pairs[201] = "00010203040506070809"
                               "10111213141516171819"
                               "20212223242526272829"
                               "30313233343536373839"
                               "40414243444546474849"
                               "50515253545556575859"
                               "60616263646566676869"
                               "70717273747576777879"
                               "80818283848586878889"
                               "90919293949596979899";

/* Exact in a double. */
static const double pow10[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21,
	1e22 };

static const uint64_t pow10u[20] = { 1, 10, 100, 1000, 10000, 100000, 1000000,
	10000000, 100000000, 1000000000, 10000000000ULL, 100000000000ULL,
	1000000000000ULL, 10000000000000ULL, 100000000000000ULL,
	1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
	1000000000000000000ULL, 10000000000000000000ULL };

/* Write the n digits of v (n >= the digits it has, zeros in front) to
 * the end of p[0..n), two at a time in 32-bit arithmetic, cheaper than
 * 64-bit. */
static void
put_digits32(char *p, uint32_t v, int n)
{
	p += n;
	for (; n >= 2; n -= 2) {
		p -= 2;
		memcpy(p, pairs + 2 * (v % 100), 2);
		v /= 100;
	}
	if (n > 0)
		*--p = (char)('0' + v % 10);
}

/* The same for any v: the digits above 32 bits' worth, then the rest. */
static void
put_digits(char *p, uint64_t v, int n)
{
	while (v > UINT32_MAX) {
		n -= 2;
		memcpy(p + n, pairs + 2 * (v % 100), 2);
		v /= 100;
	}
	put_digits32(p, (uint32_t)v, n);
}

static int
ndigits(uint64_t v)
{
	int n = 1;

	while (n < 20 && v >= pow10u[n])
		n++;
	return n;
}

void
fk_jbuf_u64(struct fk_jbuf *b, uint64_t v)
{
	int n = ndigits(v);

	fk_jbuf_reserve(b, 20);
	put_digits(b->p + b->len, v, n);
	b->len += (size_t)n;
}

void
fk_jbuf_fixed(struct fk_jbuf *b, double v, int dec)
{
	uint64_t q, ip, fp, p;
	double x;
	char *o;
	int n;

	if (!isfinite(v)) {
		FK_JBUF_PUTS(b, "0");
		return;
	}
	if (fabs(v) >= 9e15 / pow10[dec]) {
		char num[32];

		n = snprintf(num, sizeof(num), "%.17g", v);
		fk_jbuf_put(b, num, (size_t)n);
		return;
	}
	/* round(x), half away from zero, without the call: below 2^53 the
	 * truncation and x minus it are exact. */
	x = fabs(v) * pow10[dec];
	q = (uint64_t)x;
	q += x - (double)q >= 0.5;
	if (q == 0) {
		FK_JBUF_PUTS(b, "0");
		return;
	}
	/* q < 9e15: a sign, 16 digits and a point at most. */
	fk_jbuf_reserve(b, 24);
	o = b->p + b->len;
	if (v < 0)
		*o++ = '-';
	/* Cents of amounts, the most frequent by far, in 32 bits. */
	if (dec == 2 && q < 1000000000) {
		uint32_t i = (uint32_t)q / 100, f = (uint32_t)q % 100;

		n = ndigits(i);
		put_digits32(o, i, n);
		o += n;
		if (f != 0) {
			*o++ = '.';
			memcpy(o, pairs + 2 * f, 2);
			o += f % 10 != 0 ? 2 : 1;
		}
		b->len = (size_t)(o - b->p);
		return;
	}
	/* Constant divisors for the usual decimals: no division insn. */
	switch (dec) {
	case 2:
		ip = q / 100;
		fp = q % 100;
		break;
	case 3:
		ip = q / 1000;
		fp = q % 1000;
		break;
	case 4:
		ip = q / 10000;
		fp = q % 10000;
		break;
	default:
		p = pow10u[dec];
		ip = q / p;
		fp = q % p;
		break;
	}
	n = ndigits(ip);
	put_digits(o, ip, n);
	o += n;
	if (fp != 0) {
		*o++ = '.';
		put_digits(o, fp, dec);
		o += dec;
		while (o[-1] == '0')
			o--;
	}
	b->len = (size_t)(o - b->p);
}

void
fk_jbuf_num(struct fk_jbuf *b, double v)
{
	double a = fabs(v);
	char num[32];
	int e, n;

	if (a == 0 || !isfinite(v)) {
		FK_JBUF_PUTS(b, "0");
		return;
	}
	/* 10^e <= a < 10^(e+1), for e from -8 to 8: fixed point. */
	if (a >= 1e-8 && a < 1e9) {
		for (e = 8; a < pow10[e + 8] / 1e8; e--)
			;
		fk_jbuf_fixed(b, v, 8 - e > 17 ? 17 : 8 - e < 0 ? 0 : 8 - e);
		return;
	}
	n = snprintf(num, sizeof(num), "%.9g", v);
	fk_jbuf_put(b, num, (size_t)n);
}

void
fk_jbuf_str(struct fk_jbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;

	fk_jbuf_reserve(b, n * 6 + 2);
	b->p[b->len++] = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (c >= 0x20 && c != '"' && c != '\\') {
			b->p[b->len++] = (char)c;
			continue;
		}
		b->p[b->len++] = '\\';
		switch (c) {
		case '"':
		case '\\':
			b->p[b->len++] = (char)c;
			break;
		case '\n':
			b->p[b->len++] = 'n';
			break;
		case '\t':
			b->p[b->len++] = 't';
			break;
		case '\r':
			b->p[b->len++] = 'r';
			break;
		default:
			memcpy(b->p + b->len, "u00", 3);
			b->p[b->len + 3] = hex[c >> 4];
			b->p[b->len + 4] = hex[c & 15];
			b->len += 5;
			break;
		}
	}
	b->p[b->len++] = '"';
}

static int
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

void
fk_jbuf_open_record(struct fk_jbuf *b, const char *text, size_t len,
    const struct fk_jobj *o, const char *drop)
{
	const char *end = text + len, *from = text;
	size_t i, n, droplen = drop != NULL ? strlen(drop) : 0;

	while (end > text && end[-1] != '}')
		end--;
	end--; /* the closing brace */
	b->len = 0;
	fk_jbuf_reserve(b, (size_t)(end - text) + 1);
	for (i = 0; drop != NULL && i < o->n; i++) {
		const struct fk_jmember *m = &o->m[i];
		const char *a, *z, *p;

		if (!fk_jmember_key_is(m, drop, droplen))
			continue;
		/* From the key's quote (and the comma before it, or after
		 * it when it is first) to the end of its value. */
		a = m->key - 1;
		z = m->val + m->vallen;
		for (p = a; p > from && blank(p[-1]); p--)
			;
		if (p > from && p[-1] == ',') {
			a = p - 1;
		} else {
			while (z < end && blank(*z))
				z++;
			if (z < end && *z == ',')
				z++;
		}
		memcpy(b->p + b->len, from, (size_t)(a - from));
		b->len += (size_t)(a - from);
		from = z;
	}
	memcpy(b->p + b->len, from, (size_t)(end - from));
	b->len += (size_t)(end - from);
	/* A separator unless the object is now empty. */
	for (n = b->len; n > 0 && blank(b->p[n - 1]); n--)
		;
	if (n > 0 && b->p[n - 1] != '{')
		FK_JBUF_PUTS(b, ",");
}
