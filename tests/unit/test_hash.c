/* Unit tests for hash.c. */
#include "hash.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "banned.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int
popcount64(uint64_t x)
{
	int n = 0;

	for (; x != 0; x &= x - 1)
		n++;
	return n;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

struct known_case {
	char in[48];
	uint64_t seed, want;
};

/* Users store values derived from fk_hash64: these must never change, on
 * any platform.  A failure here means a broken release, not a test to
 * update. */
ParameterizedTestParameters(hash, known_values)
{
	static struct known_case cases[] = {
		{ "", 0x0ULL, 0x9353dfc8a195f3e2ULL },
		{ "", 0x1ULL, 0xbe14432363829a82ULL },
		{ "", 0x9e3779b97f4a7c15ULL, 0x7c5e299367fa7a1dULL },
		{ "a", 0x0ULL, 0x20fcf042b5b65018ULL },
		{ "a", 0x1ULL, 0x386f2938f428602cULL },
		{ "a", 0x9e3779b97f4a7c15ULL, 0x3b0da616eec78cdcULL },
		{ "abc", 0x0ULL, 0xef500cd827c5bb14ULL },
		{ "abc", 0x1ULL, 0x03ca0f0c4780e02fULL },
		{ "abc", 0x9e3779b97f4a7c15ULL, 0x79419974d026f075ULL },
		{ "abcdefg", 0x0ULL, 0xf8872a27229d115fULL },
		{ "abcdefg", 0x1ULL, 0x0ab7209701fb1f4dULL },
		{ "abcdefg", 0x9e3779b97f4a7c15ULL, 0x493aea253f99d63bULL },
		{ "abcdefgh", 0x0ULL, 0x8818b6f4ac9ad5b7ULL },
		{ "abcdefgh", 0x1ULL, 0x388dfd31b08771ecULL },
		{ "abcdefgh", 0x9e3779b97f4a7c15ULL, 0xa526d102267c0f4dULL },
		{ "abcdefghi", 0x0ULL, 0x7d63937cb0115c5dULL },
		{ "abcdefghi", 0x1ULL, 0xb2583f2ceeff2cbaULL },
		{ "abcdefghi", 0x9e3779b97f4a7c15ULL, 0x8834ccda39a7ce1eULL },
		{ "hello, world", 0x0ULL, 0x5a3b7e327d5c07b0ULL },
		{ "hello, world", 0x1ULL, 0xb907fa4905e6c3e0ULL },
		{ "hello, world", 0x9e3779b97f4a7c15ULL,
		    0x633c79a1da2f24bcULL },
		{ "0123456789abcdef", 0x0ULL, 0xe0f19a26429d6b2cULL },
		{ "0123456789abcdef", 0x1ULL, 0x9bd519c61f48f7b0ULL },
		{ "0123456789abcdef", 0x9e3779b97f4a7c15ULL,
		    0x0ab6983e21bb5dfeULL },
		{ "tx-000000001", 0x0ULL, 0x332cadd143b3d518ULL },
		{ "tx-000000001", 0x1ULL, 0x977bec06c8e25fbdULL },
		{ "tx-000000001", 0x9e3779b97f4a7c15ULL,
		    0x3d18262738e06f9fULL },
		{ "The quick brown fox jumps over the lazy dog", 0x0ULL,
		    0x717750543733fabbULL },
		{ "The quick brown fox jumps over the lazy dog", 0x1ULL,
		    0x8da503a2c1955433ULL },
		{ "The quick brown fox jumps over the lazy dog",
		    0x9e3779b97f4a7c15ULL, 0x76afa06f6d2ecc96ULL },
	};

	return cr_make_param_array(struct known_case, cases, NELEM(cases));
}

ParameterizedTest(struct known_case *c, hash, known_values)
{
	uint64_t h = fk_hash64(c->in, strlen(c->in), c->seed);

	cr_assert_eq(h, c->want,
	    "\"%s\" seed %#llx: got %#018llx, want %#018llx", c->in,
	    (unsigned long long)c->seed, (unsigned long long)h,
	    (unsigned long long)c->want);
}

/* Bytes above 0x7f and every byte value in every position of a block and
 * of a tail, folded into one pinned value. */
Test(hash, known_value_over_all_byte_values)
{
	unsigned char buf[256];
	uint64_t acc = 0;
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(255 - i);
	for (i = 0; i <= sizeof(buf); i++)
		acc = acc * 31 + fk_hash64(buf, i, i);
	cr_assert_eq(acc, 0x676e9be98adcd98aULL, "got %#018llx",
	    (unsigned long long)acc);
}

Test(hash, null_with_zero_length)
{
	cr_assert_eq(fk_hash64(NULL, 0, 0), fk_hash64("", 0, 0));
	cr_assert_eq(fk_hash64(NULL, 0, 99), fk_hash64("x", 0, 99));
}

/* Small seeds, single-bit seeds and random ones all give different
 * hashes of the same input. */
Test(hash, seeds_differ)
{
	static const char *const inputs[] = { "", "a", "tx-1", "abcdefgh",
		"0123456789abcdef0" };
	uint64_t seeds[256], h[256], st = 5;
	size_t i, j, k;

	for (j = 0; j < NELEM(seeds); j++) {
		if (j < 128)
			seeds[j] = j;
		else if (j < 128 + 57)
			seeds[j] = (uint64_t)1 << (j - 128 + 7);
		else
			seeds[j] = fk_test_rand(&st);
	}
	for (i = 0; i < NELEM(inputs); i++) {
		for (j = 0; j < NELEM(h); j++)
			h[j] =
			    fk_hash64(inputs[i], strlen(inputs[i]), seeds[j]);
		for (j = 0; j < NELEM(h); j++) {
			for (k = j + 1; k < NELEM(h); k++)
				cr_assert_neq(h[j], h[k],
				    "\"%s\": seeds %#llx and %#llx collide",
				    inputs[i], (unsigned long long)seeds[j],
				    (unsigned long long)seeds[k]);
		}
	}
}

/* Every length from 0 to 16 (no block, part block, one block, block and
 * tail, two blocks): position in memory and bytes past the end do not
 * matter, every input bit does, and prefixes do not collide. */
Test(hash, all_tail_lengths)
{
	unsigned char ref[32], buf[48], zeros[17] = { 0 };
	uint64_t h[17], z[17], st = 3;
	size_t len, off, i, j, bit;

	for (i = 0; i < sizeof(ref); i++)
		ref[i] = (unsigned char)fk_test_rand(&st);
	for (len = 0; len <= 16; len++) {
		h[len] = fk_hash64(ref, len, 7);
		z[len] = fk_hash64(zeros, len, 7);
		for (off = 0; off < 16; off++) {
			memset(buf, (int)(0xa5 ^ off), sizeof(buf));
			memcpy(buf + off, ref, len);
			cr_assert_eq(fk_hash64(buf + off, len, 7), h[len],
			    "len %zu offset %zu", len, off);
		}
		for (bit = 0; bit < len * 8; bit++) {
			memcpy(buf, ref, len);
			buf[bit / 8] ^= (unsigned char)(1u << bit % 8);
			cr_assert_neq(fk_hash64(buf, len, 7), h[len],
			    "len %zu: bit %zu ignored", len, bit);
		}
	}
	for (i = 0; i <= 16; i++) {
		for (j = i + 1; j <= 16; j++) {
			cr_assert_neq(h[i], h[j], "lengths %zu and %zu", i, j);
			cr_assert_neq(
			    z[i], z[j], "zeros: lengths %zu and %zu", i, j);
		}
	}
}

/* Exact-size heap copies let ASan catch a read past the end. */
Test(hash, reads_only_len_bytes)
{
	unsigned char ref[40];
	size_t len;

	for (len = 0; len < sizeof(ref); len++)
		ref[len] = (unsigned char)(len * 37 + 1);
	for (len = 1; len <= sizeof(ref); len++) {
		unsigned char *p = malloc(len);

		cr_assert_not_null(p);
		memcpy(p, ref, len);
		cr_assert_eq(fk_hash64(p, len, 0), fk_hash64(ref, len, 0));
		free(p);
	}
}

/* The hash with bit b flipped: an input bit, or past them a seed bit. */
static uint64_t
hash_flipped(unsigned char *buf, size_t len, uint64_t seed, size_t b)
{
	uint64_t h;

	if (b >= len * 8)
		return fk_hash64(buf, len, seed ^ (uint64_t)1 << (b - len * 8));
	buf[b / 8] ^= (unsigned char)(1u << b % 8);
	h = fk_hash64(buf, len, seed);
	buf[b / 8] ^= (unsigned char)(1u << b % 8);
	return h;
}

/* Flipping one input or seed bit should flip each output bit with
 * probability 1/2.  Loose bounds: this catches a bit that does not mix,
 * not a subtle bias (SMHasher's job). */
Test(hash, avalanche)
{
	static const size_t lens[] = { 1, 3, 7, 8, 9, 16, 21, 40 };
	enum { TRIALS = 1000, MAXBITS = 40 * 8 + 64 };
	static unsigned counts[MAXBITS][64];
	unsigned char buf[40];
	uint64_t st = 11, seed, h, d;
	unsigned long long flipped = 0, flips = 0;
	size_t li, len, nbits, b, t, o;
	double p;

	for (li = 0; li < NELEM(lens); li++) {
		len = lens[li];
		nbits = len * 8 + 64;
		memset(counts, 0, sizeof(counts));
		for (t = 0; t < TRIALS; t++) {
			for (b = 0; b < len; b++)
				buf[b] = (unsigned char)fk_test_rand(&st);
			seed = fk_test_rand(&st);
			h = fk_hash64(buf, len, seed);
			for (b = 0; b < nbits; b++) {
				d = h ^ hash_flipped(buf, len, seed, b);
				flipped += (unsigned)popcount64(d);
				flips++;
				for (o = 0; o < 64; o++)
					counts[b][o] += (unsigned)(d >> o & 1);
			}
		}
		for (b = 0; b < nbits; b++) {
			for (o = 0; o < 64; o++) {
				p = (double)counts[b][o] / TRIALS;
				cr_assert(p > 0.4 && p < 0.6,
				    "len %zu: input bit %zu flips output bit "
				    "%zu with p %.3f",
				    len, b, o, p);
			}
		}
	}
	p = (double)flipped / (double)flips;
	cr_assert(p > 31.0 && p < 33.0, "mean output bits flipped %.3f", p);
}

/* Sequential ids, the common case: no collisions, and the top and bottom
 * bytes spread evenly over 256 buckets (mean 256, sd 16). */
Test(hash, sequential_keys_spread)
{
	enum { N = 65536 };
	static uint64_t hs[N];
	unsigned lo[256] = { 0 }, hi[256] = { 0 };
	char key[32];
	size_t i;
	int n;

	for (i = 0; i < N; i++) {
		n = snprintf(key, sizeof(key), "tx-%09zu", i);
		hs[i] = fk_hash64(key, (size_t)n, 0);
		lo[hs[i] & 0xff]++;
		hi[hs[i] >> 56]++;
	}
	for (i = 0; i < 256; i++) {
		cr_assert(
		    lo[i] > 160 && lo[i] < 352, "low byte %zu: %u", i, lo[i]);
		cr_assert(
		    hi[i] > 160 && hi[i] < 352, "high byte %zu: %u", i, hi[i]);
	}
	qsort(hs, N, sizeof(hs[0]), cmp_u64);
	for (i = 1; i < N; i++)
		cr_assert_neq(hs[i - 1], hs[i], "collision");
}
