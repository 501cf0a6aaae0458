/* SHA-256 as FIPS 180-4 defines it (sections 4.1.2, 4.2.2, 5.1.1, 5.3.3,
 * 6.2).  Library module: never prints, never exits.  Words are assembled
 * big-endian by hand so that the result does not depend on the host; on
 * x86-64 CPUs with the SHA extensions the blocks go through those instead,
 * chosen at run time. */
#include "sha256.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FK_SHA256_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

#include "banned.h"

/* The first 32 bits of the fractional parts of the cube roots of the
 * first 64 primes (section 4.2.2). */
static const uint32_t K[64] = { 0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5,
	0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
	0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
	0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138,
	0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624,
	0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
	0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f,
	0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2 };

static uint32_t
rotr(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static uint32_t
load32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void
store32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* One 512-bit block into the hash value (section 6.2.2). */
static void
compress(uint32_t h[8], const unsigned char *block)
{
	uint32_t w[64], a, b, c, d, e, f, g, hh, s0, s1, t1, t2;
	int t;

	for (t = 0; t < 16; t++)
		w[t] = load32(block + 4 * t);
	for (t = 16; t < 64; t++) {
		s0 =
		    rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
		s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
		w[t] = s1 + w[t - 7] + s0 + w[t - 16];
	}
	a = h[0];
	b = h[1];
	c = h[2];
	d = h[3];
	e = h[4];
	f = h[5];
	g = h[6];
	hh = h[7];
	for (t = 0; t < 64; t++) {
		s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
		t1 = hh + s1 + ((e & f) ^ (~e & g)) + K[t] + w[t];
		s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
		t2 = s0 + ((a & b) ^ (a & c) ^ (b & c));
		hh = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
	h[5] += f;
	h[6] += g;
	h[7] += hh;
}

/* The portable path: whole blocks one after another. */
static void
blocks_portable(uint32_t h[8], const unsigned char *p, size_t n)
{
	for (; n > 0; n--, p += 64)
		compress(h, p);
}

#ifdef FK_SHA256_X86
/* The SHA extensions (Intel, "Intel SHA Extensions", 2013).  sha256rnds2
 * does two rounds on a state split as ABEF and CDGH (A in the top lane),
 * taking W+K for them from the low two lanes of its third operand, and
 * its result is the new ABEF: the old ABEF becomes the new CDGH.
 * sha256msg1 and sha256msg2 compute the sigma0 and sigma1 halves of the
 * message schedule, four words at a time. */
#define SHANI_TARGET __attribute__((target("sha,sse4.1,ssse3")))
/* The helpers must be inlined: gcc left as calls runs at half speed. */
#define SHANI_HELPER SHANI_TARGET __attribute__((always_inline)) static inline

/* Four rounds, t to t + 3, with the message words w[t..t+3] in m. */
SHANI_HELPER void
shani_rounds4(__m128i *abef, __m128i *cdgh, __m128i m, int t)
{
	__m128i wk = _mm_add_epi32(m, _mm_loadu_si128((const __m128i *)&K[t]));

	*cdgh = _mm_sha256rnds2_epu32(*cdgh, *abef, wk);
	*abef =
	    _mm_sha256rnds2_epu32(*abef, *cdgh, _mm_shuffle_epi32(wk, 0x0e));
}

/* w[t..t+3] from a = w[t-16..t-13], b = w[t-12..t-9], c = w[t-8..t-5]
 * and d = w[t-4..t-1] (section 6.2.2, step 1). */
SHANI_HELPER __m128i
shani_schedule(__m128i a, __m128i b, __m128i c, __m128i d)
{
	__m128i x = _mm_sha256msg1_epu32(a, b); /* w[t-16] + sigma0(w[t-15]) */

	x = _mm_add_epi32(x, _mm_alignr_epi8(d, c, 4)); /* + w[t-7] */
	return _mm_sha256msg2_epu32(x, d);              /* + sigma1(w[t-2]) */
}

/* Rounds t to t + 15; m holds w[t-16..t-1] and gets w[t..t+15]. */
SHANI_HELPER void
shani_rounds16(__m128i *abef, __m128i *cdgh, __m128i m[4], int t)
{
	m[0] = shani_schedule(m[0], m[1], m[2], m[3]);
	shani_rounds4(abef, cdgh, m[0], t);
	m[1] = shani_schedule(m[1], m[2], m[3], m[0]);
	shani_rounds4(abef, cdgh, m[1], t + 4);
	m[2] = shani_schedule(m[2], m[3], m[0], m[1]);
	shani_rounds4(abef, cdgh, m[2], t + 8);
	m[3] = shani_schedule(m[3], m[0], m[1], m[2]);
	shani_rounds4(abef, cdgh, m[3], t + 12);
}

SHANI_TARGET static void
blocks_shani(uint32_t h[8], const unsigned char *p, size_t n)
{
	/* Big-endian words: reverse the bytes of each 32-bit lane. */
	const __m128i bswap =
	    _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
	__m128i abcd, efgh, abef, cdgh, abef0, cdgh0, m[4], t0, t1;
	int i;

	/* h[0..7] = A..H, lane 0 first, into ABEF = (F, E, B, A) and
	 * CDGH = (H, G, D, C). */
	abcd = _mm_loadu_si128((const __m128i *)&h[0]);
	efgh = _mm_loadu_si128((const __m128i *)&h[4]);
	t0 = _mm_shuffle_epi32(abcd, 0xb1); /* B A D C */
	t1 = _mm_shuffle_epi32(efgh, 0x1b); /* H G F E */
	abef = _mm_alignr_epi8(t0, t1, 8);
	cdgh = _mm_blend_epi16(t1, t0, 0xf0);

	for (; n > 0; n--, p += 64) {
		abef0 = abef;
		cdgh0 = cdgh;
		for (i = 0; i < 4; i++) {
			m[i] = _mm_shuffle_epi8(
			    _mm_loadu_si128((const __m128i *)(p + 16 * i)),
			    bswap);
			shani_rounds4(&abef, &cdgh, m[i], 4 * i);
		}
		/* Written out, not a loop: gcc keeps a loop of three
		 * rolled, about a tenth slower. */
		shani_rounds16(&abef, &cdgh, m, 16);
		shani_rounds16(&abef, &cdgh, m, 32);
		shani_rounds16(&abef, &cdgh, m, 48);
		abef = _mm_add_epi32(abef, abef0);
		cdgh = _mm_add_epi32(cdgh, cdgh0);
	}

	/* And back: A B E F, G H C D, then A..D and E..H. */
	t0 = _mm_shuffle_epi32(abef, 0x1b);
	t1 = _mm_shuffle_epi32(cdgh, 0xb1);
	_mm_storeu_si128((__m128i *)&h[0], _mm_blend_epi16(t0, t1, 0xf0));
	_mm_storeu_si128((__m128i *)&h[4], _mm_alignr_epi8(t1, t0, 8));
}

/* CPUID leaf 1 for SSSE3 and SSE4.1, leaf 7 for SHA.  Clang 14's
 * __builtin_cpu_supports does not know "sha", so ask the CPU directly. */
static int
have_shani(void)
{
	unsigned int a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	if ((c & bit_SSSE3) == 0 || (c & bit_SSE4_1) == 0)
		return 0;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 0;
	return (b & bit_SHA) != 0;
}
#endif /* FK_SHA256_X86 */

static int force_portable; /* read and written with __atomic builtins */

void
fk_sha256_force_portable(int on)
{
	__atomic_store_n(&force_portable, on != 0, __ATOMIC_RELAXED);
}

/* n whole blocks at p into h, on the fastest path this CPU has. */
static void
blocks(uint32_t h[8], const unsigned char *p, size_t n)
{
#ifdef FK_SHA256_X86
	/* Chosen on first use; CPUID can be slow (a VM exit), so once.
	 * Threads racing here all store the same pointer. */
	static void (*fast)(uint32_t[8], const unsigned char *, size_t);
	void (*f)(uint32_t[8], const unsigned char *, size_t);

	if (!__atomic_load_n(&force_portable, __ATOMIC_RELAXED)) {
		f = __atomic_load_n(&fast, __ATOMIC_RELAXED);
		if (f == NULL) {
			f = have_shani() ? blocks_shani : blocks_portable;
			__atomic_store_n(&fast, f, __ATOMIC_RELAXED);
		}
		f(h, p, n);
		return;
	}
#endif
	blocks_portable(h, p, n);
}

void
fk_sha256_init(struct fk_sha256 *c)
{
	/* The first 32 bits of the fractional parts of the square roots of
	 * the first 8 primes (section 5.3.3). */
	static const uint32_t h0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372,
		0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

	memcpy(c->h, h0, sizeof(c->h));
	c->len = 0;
	c->nbuf = 0;
}

void
fk_sha256_update(struct fk_sha256 *c, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t take;

	/* No pointer arithmetic when len is 0: data may be NULL. */
	if (len == 0)
		return;
	c->len += len;
	if (c->nbuf > 0) {
		take = 64 - c->nbuf < len ? 64 - c->nbuf : len;
		memcpy(c->buf + c->nbuf, p, take);
		c->nbuf += take;
		p += take;
		len -= take;
		if (c->nbuf < 64)
			return;
		blocks(c->h, c->buf, 1);
		c->nbuf = 0;
	}
	/* Whole blocks straight from the caller's memory, all in one call. */
	if (len >= 64) {
		blocks(c->h, p, len / 64);
		p += len & ~(size_t)63;
		len &= 63;
	}
	if (len > 0)
		memcpy(c->buf, p, len);
	c->nbuf = len;
}

void
fk_sha256_final(struct fk_sha256 *c, unsigned char out[FK_SHA256_LEN])
{
	uint64_t bits = c->len * 8; /* the length modulo 2^64, as specified */
	int i;

	/* Padding (section 5.1.1): a 1 bit, zeros up to 56 mod 64 bytes,
	 * then the message length in bits as a 64-bit big-endian number. */
	c->buf[c->nbuf++] = 0x80;
	if (c->nbuf > 56) {
		memset(c->buf + c->nbuf, 0, 64 - c->nbuf);
		blocks(c->h, c->buf, 1);
		c->nbuf = 0;
	}
	memset(c->buf + c->nbuf, 0, 56 - c->nbuf);
	store32(c->buf + 56, (uint32_t)(bits >> 32));
	store32(c->buf + 60, (uint32_t)bits);
	blocks(c->h, c->buf, 1);
	for (i = 0; i < 8; i++)
		store32(out + 4 * i, c->h[i]);
	/* Leave none of the message behind in memory. */
	memset(c, 0, sizeof(*c));
}

void
fk_sha256_hex(const void *data, size_t len, char hex[FK_SHA256_HEXLEN])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[FK_SHA256_LEN];
	struct fk_sha256 c;
	int i;

	fk_sha256_init(&c);
	fk_sha256_update(&c, data, len);
	fk_sha256_final(&c, md);
	for (i = 0; i < FK_SHA256_LEN; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 0xf];
	}
	hex[2 * FK_SHA256_LEN] = '\0';
}
