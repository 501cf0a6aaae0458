/* Unit tests for sha256.c: the FIPS 180-4 / NIST examples, every way of
 * splitting a message over updates, and random buffers checked against
 * sha256sum; the SHA-extensions path and the portable one side by side
 * (on a CPU without the extensions both are the portable code). */
#include "sha256.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "banned.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void
to_hex(const unsigned char md[FK_SHA256_LEN], char hex[FK_SHA256_HEXLEN])
{
	size_t i;

	for (i = 0; i < FK_SHA256_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* Bytes the tests share with the Python that computed the expected
 * digests: the low byte of each splitmix64 output from seed. */
static void
fill_random(unsigned char *buf, size_t len, uint64_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)fk_test_rand(&seed);
}

/* The paths a test runs on: fk_sha256_force_portable(path). */
static const int paths[] = { 0, 1 };
static const char *const path_name[] = { "fastest", "portable" };

/* One call on the given path. */
static void
hex_on(int path, const void *data, size_t len, char hex[FK_SHA256_HEXLEN])
{
	fk_sha256_force_portable(path);
	fk_sha256_hex(data, len, hex);
	fk_sha256_force_portable(0);
}

struct nist_case {
	char in[64];
	char want[FK_SHA256_HEXLEN];
};

/* FIPS 180-4 examples (NIST CSRC "SHA256.pdf", "SHA2_Additional.pdf"). */
ParameterizedTestParameters(sha256, nist_vectors)
{
	static struct nist_case cases[] = {
		{ "",
		    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b"
		    "7852b855" },
		{ "abc",
		    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61"
		    "f20015ad" },
		/* 448 bits: the padding does not fit in the first block. */
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd4"
		    "19db06c1" },
	};

	return cr_make_param_array(struct nist_case, cases, NELEM(cases));
}

ParameterizedTest(struct nist_case *c, sha256, nist_vectors)
{
	char hex[FK_SHA256_HEXLEN];
	size_t i;

	for (i = 0; i < NELEM(paths); i++) {
		hex_on(paths[i], c->in, strlen(c->in), hex);
		cr_assert_str_eq(
		    hex, c->want, "\"%s\", %s path", c->in, path_name[i]);
	}
}

/* 896 bits: two full blocks of message, then a padding block. */
Test(sha256, nist_896_bits)
{
	static const char in[] =
	    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
	    "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	char hex[FK_SHA256_HEXLEN];
	size_t i;

	for (i = 0; i < NELEM(paths); i++) {
		hex_on(paths[i], in, sizeof(in) - 1, hex);
		cr_assert_str_eq(hex,
		    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
		    "%s path", path_name[i]);
	}
}

#define MILLION_A                                                              \
	"cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

Test(sha256, million_a_one_call)
{
	char *a = malloc(1000000), hex[FK_SHA256_HEXLEN];
	size_t i;

	cr_assert_not_null(a);
	memset(a, 'a', 1000000);
	for (i = 0; i < NELEM(paths); i++) {
		hex_on(paths[i], a, 1000000, hex);
		cr_assert_str_eq(hex, MILLION_A, "%s path", path_name[i]);
	}
	free(a);
}

/* In pieces of 1000 and of 7 bytes: updates that end inside a block. */
Test(sha256, million_a_in_pieces)
{
	static const size_t pieces[] = { 1000, 7, 64, 1 };
	unsigned char a[1000], md[FK_SHA256_LEN];
	char hex[FK_SHA256_HEXLEN];
	struct fk_sha256 c;
	size_t i, j, left, n;

	memset(a, 'a', sizeof(a));
	for (i = 0; i < NELEM(pieces) * NELEM(paths); i++) {
		j = i / NELEM(pieces);
		fk_sha256_force_portable(paths[j]);
		fk_sha256_init(&c);
		for (left = 1000000; left > 0; left -= n) {
			n = pieces[i % NELEM(pieces)] < left
			    ? pieces[i % NELEM(pieces)]
			    : left;
			fk_sha256_update(&c, a, n);
		}
		fk_sha256_final(&c, md);
		to_hex(md, hex);
		cr_assert_str_eq(hex, MILLION_A, "pieces of %zu, %s path",
		    pieces[i % NELEM(pieces)], path_name[j]);
	}
	fk_sha256_force_portable(0);
}

/* Every split of a 200-byte message into two updates, and into three,
 * gives the one-call digest; so do empty updates anywhere. */
Test(sha256, every_split_point)
{
	unsigned char msg[200], want[FK_SHA256_LEN], md[FK_SHA256_LEN];
	struct fk_sha256 c;
	size_t i, j;

	fill_random(msg, sizeof(msg), 200);
	fk_sha256_init(&c);
	fk_sha256_update(&c, msg, sizeof(msg));
	fk_sha256_final(&c, want);
	for (i = 0; i <= sizeof(msg); i++) {
		fk_sha256_init(&c);
		fk_sha256_update(&c, msg, i);
		fk_sha256_update(&c, NULL, 0);
		fk_sha256_update(&c, msg + i, sizeof(msg) - i);
		fk_sha256_final(&c, md);
		cr_assert_arr_eq(md, want, sizeof(md), "split at %zu", i);
		for (j = i; j <= sizeof(msg); j++) {
			fk_sha256_init(&c);
			fk_sha256_update(&c, msg, i);
			fk_sha256_update(&c, msg + i, j - i);
			fk_sha256_update(&c, msg + j, sizeof(msg) - j);
			fk_sha256_final(&c, md);
			cr_assert_arr_eq(
			    md, want, sizeof(md), "split at %zu, %zu", i, j);
		}
	}
}

/* A context can be used again after init. */
Test(sha256, init_resets)
{
	unsigned char md[FK_SHA256_LEN];
	char hex[FK_SHA256_HEXLEN];
	struct fk_sha256 c;

	fk_sha256_init(&c);
	fk_sha256_update(&c, "something else", 14);
	fk_sha256_final(&c, md);
	fk_sha256_init(&c);
	fk_sha256_update(&c, "abc", 3);
	fk_sha256_final(&c, md);
	to_hex(md, hex);
	cr_assert_str_eq(hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

Test(sha256, hex_is_lower_case_and_terminated)
{
	char hex[FK_SHA256_HEXLEN + 8];
	size_t i;

	memset(hex, 'X', sizeof(hex));
	fk_sha256_hex("abc", 3, hex);
	cr_assert_eq(strlen(hex), 64);
	for (i = 0; i < 64; i++)
		cr_assert((hex[i] >= '0' && hex[i] <= '9') ||
		        (hex[i] >= 'a' && hex[i] <= 'f'),
		    "digit %zu is '%c'", i, hex[i]);
	cr_assert_eq(hex[65], 'X', "wrote past the 65 bytes");
}

Test(sha256, null_with_zero_length)
{
	char hex[FK_SHA256_HEXLEN];

	fk_sha256_hex(NULL, 0, hex);
	cr_assert_str_eq(hex,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

struct random_case {
	size_t len; /* bytes, from seed len */
	char want[FK_SHA256_HEXLEN];
};

/* Expected: `sha256sum` (and Python's hashlib) on the same bytes.
 * Lengths around the padding limits: 55 is the longest message padded
 * within its block, 56 the shortest that needs another. */
ParameterizedTestParameters(sha256, random_vs_sha256sum)
{
	static struct random_case cases[] = {
		{ 1,
		    "d1bbd73bb09190bfb883056771e22e99"
		    "7541ed20079793bf33975fe1654581c3" },
		{ 55,
		    "c3dfca29050b6b44cd04837ce01fe613"
		    "42c22ebb8191b3e37e34d3a6f243853e" },
		{ 56,
		    "908a2c53370f5dcc201936db38d3cc2d"
		    "5e3c1ec4c3dda79ee99835bb22b53b09" },
		{ 57,
		    "efc470b8a21e4d3c8aab6d03c5e92f61"
		    "690c6adcae1eb5a7414460b2fc46b692" },
		{ 63,
		    "ac37540b341b5b51c1615f2054508800"
		    "141ce8d85dfa715231bd26efbdfa9c2f" },
		{ 64,
		    "4db3a4e21870ba21c2d3c85e1d48a58a"
		    "837aec29253c877657498d81e8fe9e48" },
		{ 65,
		    "c594355e7ea5d207e56e2575e6fe735a"
		    "a6403850e9637bfc6fc5ae49d7ec1b33" },
		{ 119,
		    "09c4773463602b19fff0ff1225e78439"
		    "fed367afe5151f4cbc9bbb53ae022d95" },
		{ 120,
		    "11a7f5b00de920234eb4df4a2cc94419"
		    "dce0b5bf9cbb4efc97929bab36c00073" },
		{ 128,
		    "a4d0681014a23c0468f007f916aeaae4"
		    "8a4f6e01ef75f1a5de7b121ae60a59e6" },
		{ 1000,
		    "73758d713a3c428e57aed6b69c63a97e"
		    "fc360d1523db331dad4e83ab85faa676" },
		{ 4103,
		    "09c264cc052e1bd6ab08b0a522b46372"
		    "6eb53721cf56942681ea6e1cf210a349" },
	};

	return cr_make_param_array(struct random_case, cases, NELEM(cases));
}

/* An exact-size heap copy lets ASan catch a read past the end. */
ParameterizedTest(struct random_case *c, sha256, random_vs_sha256sum)
{
	unsigned char *buf = malloc(c->len);
	char hex[FK_SHA256_HEXLEN];

	cr_assert_not_null(buf);
	fill_random(buf, c->len, c->len);
	fk_sha256_hex(buf, c->len, hex);
	cr_assert_str_eq(hex, c->want, "%zu random bytes", c->len);
	free(buf);
}

/* Every length from 0 to 300 of one random buffer (all the padding
 * cases, several times over), folded into one digest: the SHA-256 of
 * the 301 hex digests one after another, as hashlib computed it. */
Test(sha256, all_lengths_to_300)
{
	unsigned char buf[300], md[FK_SHA256_LEN];
	char hex[FK_SHA256_HEXLEN];
	struct fk_sha256 acc;
	size_t len;

	fill_random(buf, sizeof(buf), 42);
	fk_sha256_init(&acc);
	for (len = 0; len <= sizeof(buf); len++) {
		fk_sha256_hex(buf, len, hex);
		fk_sha256_update(&acc, hex, 64);
	}
	fk_sha256_final(&acc, md);
	to_hex(md, hex);
	cr_assert_str_eq(hex,
	    "3d8d57e107a9619aef8f6bb204440a8633cf844ffcd8a064a28e3b86c30ffaf9");
}

/* Both paths on every length from 0 to 1000 of one random buffer, each
 * an exact-size heap copy (ASan sees a read past the end) at offsets 0
 * to 4 from malloc's alignment (unaligned loads).  The digests agree,
 * and folded as in all_lengths_to_300 they match hashlib's. */
Test(sha256, paths_agree_all_lengths_to_1000)
{
	unsigned char src[1000], *buf, md[NELEM(paths)][FK_SHA256_LEN];
	char hex[FK_SHA256_HEXLEN];
	struct fk_sha256 acc[NELEM(paths)];
	size_t len, off, i;

	fill_random(src, sizeof(src), 1000);
	for (i = 0; i < NELEM(paths); i++)
		fk_sha256_init(&acc[i]);
	for (len = 0; len <= sizeof(src); len++) {
		off = (len + 1) % 5;
		buf = malloc(off + len);
		cr_assert_not_null(buf);
		memcpy(buf + off, src, len);
		for (i = 0; i < NELEM(paths); i++) {
			struct fk_sha256 c;

			fk_sha256_force_portable(paths[i]);
			fk_sha256_init(&c);
			fk_sha256_update(&c, buf + off, len);
			fk_sha256_final(&c, md[i]);
			to_hex(md[i], hex);
			fk_sha256_force_portable(0);
			fk_sha256_update(&acc[i], hex, 64);
		}
		cr_assert_arr_eq(md[0], md[1], FK_SHA256_LEN,
		    "length %zu at offset %zu", len, off);
		free(buf);
	}
	for (i = 0; i < NELEM(paths); i++) {
		fk_sha256_final(&acc[i], md[i]);
		to_hex(md[i], hex);
		cr_assert_str_eq(hex,
		    "b712f3c6495a28df1ee9b18641f67b3e36ca25c8dda5276d8f6c5420736b7187",
		    "%s path", path_name[i]);
	}
}

/* Random messages cut at random points, from empty updates to many
 * blocks at once, on each path and switching paths between updates
 * (they share the state): always the portable path's one-call digest. */
Test(sha256, paths_agree_random_splits)
{
	static unsigned char msg[5000];
	unsigned char want[FK_SHA256_LEN], md[FK_SHA256_LEN];
	struct fk_sha256 c;
	uint64_t seed = 2024, r;
	size_t len, pos, n, round, mode;

	for (round = 0; round < 600; round++) {
		len = (size_t)(fk_test_rand(&seed) % sizeof(msg));
		fill_random(msg, len, round);
		fk_sha256_force_portable(1);
		fk_sha256_init(&c);
		fk_sha256_update(&c, msg, len);
		fk_sha256_final(&c, want);
		/* 0: fastest path, 1: portable, 2: a random one per update */
		for (mode = 0; mode < 3; mode++) {
			fk_sha256_force_portable(mode == 1);
			fk_sha256_init(&c);
			for (pos = 0; pos < len; pos += n) {
				r = fk_test_rand(&seed);
				/* Short pieces half the time, else any. */
				n = (size_t)(r >> 8) %
				    ((r & 1) ? 70 : len - pos + 1);
				n = n < len - pos ? n : len - pos;
				if (mode == 2)
					fk_sha256_force_portable((r >> 1) & 1);
				fk_sha256_update(&c, msg + pos, n);
			}
			fk_sha256_final(&c, md);
			cr_assert_arr_eq(md, want, sizeof(md),
			    "round %zu, %zu bytes, mode %zu", round, len, mode);
		}
	}
	fk_sha256_force_portable(0);
}

/* 10 MB (and 3 bytes) on both paths, in one call and in updates of
 * 1 MiB + 13 bytes; expected: sha256sum on the same bytes. */
Test(sha256, ten_megabytes)
{
	static const size_t len = 10000003, piece = (1 << 20) + 13;
	unsigned char *buf = malloc(len), md[FK_SHA256_LEN];
	char hex[FK_SHA256_HEXLEN];
	struct fk_sha256 c;
	size_t i, pos, n;

	cr_assert_not_null(buf);
	fill_random(buf, len, 10);
	for (i = 0; i < NELEM(paths); i++) {
		hex_on(paths[i], buf, len, hex);
		cr_assert_str_eq(hex,
		    "6fac2d6e37f5303bdea54a4048a2e301ab3c07a9cf838e2b69d4bb8f3a3489a8",
		    "one call, %s path", path_name[i]);
		fk_sha256_force_portable(paths[i]);
		fk_sha256_init(&c);
		for (pos = 0; pos < len; pos += n) {
			n = piece < len - pos ? piece : len - pos;
			fk_sha256_update(&c, buf + pos, n);
		}
		fk_sha256_final(&c, md);
		fk_sha256_force_portable(0);
		to_hex(md, hex);
		cr_assert_str_eq(hex,
		    "6fac2d6e37f5303bdea54a4048a2e301ab3c07a9cf838e2b69d4bb8f3a3489a8",
		    "in pieces, %s path", path_name[i]);
	}
	free(buf);
}
