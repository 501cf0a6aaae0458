/* fk_hash64: 8-byte blocks mixed by multiply and rotate (the xxHash64
 * round), then the murmur3 fmix64 finalizer.  Bytes are assembled as
 * little-endian on every host so that stored values stay valid; the output
 * must never change (tests/unit/test_hash.c pins it). */
#include "hash.h"

#include "banned.h"

#define K1 0x9e3779b97f4a7c15ULL /* 2^64 / golden ratio */
#define K2 0xc2b2ae3d27d4eb4fULL /* the xxHash64 primes */
#define K3 0x165667b19e3779f9ULL
#define K4 0x85ebca77c2b2ae63ULL
#define K5 0x27d4eb2f165667c5ULL

static uint64_t
rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/* Compilers turn this into one load on little-endian hosts. */
static uint64_t
load64(const unsigned char *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	    (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
	    (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

/* The last 1 to 7 bytes, little-endian. */
static uint64_t
load_tail(const unsigned char *p, size_t n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

/* Both steps are bijections, so no block is lost in the state. */
static uint64_t
round64(uint64_t h, uint64_t k)
{
	k *= K2;
	k = rotl(k, 31);
	k *= K1;
	h ^= k;
	return rotl(h, 27) * K1 + K4;
}

static uint64_t
fmix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

uint64_t
fk_hash64(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = (seed + K5) ^ ((uint64_t)len * K3);
	size_t n = len;

	/* No pointer arithmetic when len is 0: data may be NULL. */
	for (; n >= 8; n -= 8, p += 8)
		h = round64(h, load64(p));
	if (n > 0)
		h = round64(h, load_tail(p, n));
	return fmix64(h);
}
