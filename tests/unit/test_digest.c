/* Unit tests for digest.c: the FIPS 180-4 / NIST examples, every way of
 * splitting a message over updates, random buffers checked against
 * sha256sum, contexts given up part way (LeakSanitizer checks that
 * release frees them), and base64 against RFC 4648 and Python's. */
#include "digest.h"

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

/* len bytes from seed len in a heap block of just that size, so that
 * ASan sees a read past the end; the caller frees it. */
static unsigned char *
random_block(size_t len)
{
	unsigned char *buf = malloc(len > 0 ? len : 1);

	cr_assert_not_null(buf);
	fill_random(buf, len, len);
	return buf;
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

	fk_sha256_hex(c->in, strlen(c->in), hex);
	cr_assert_str_eq(hex, c->want, "\"%s\"", c->in);
}

/* 896 bits: two full blocks of message, then a padding block. */
Test(sha256, nist_896_bits)
{
	static const char in[] =
	    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
	    "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	char hex[FK_SHA256_HEXLEN];

	fk_sha256_hex(in, sizeof(in) - 1, hex);
	cr_assert_str_eq(hex,
	    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

#define MILLION_A                                                              \
	"cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

Test(sha256, million_a_one_call)
{
	char *a = malloc(1000000), hex[FK_SHA256_HEXLEN];

	cr_assert_not_null(a);
	memset(a, 'a', 1000000);
	fk_sha256_hex(a, 1000000, hex);
	cr_assert_str_eq(hex, MILLION_A);
	free(a);
}

/* In pieces of 1000 and of 7 bytes: updates that end inside a block. */
Test(sha256, million_a_in_pieces)
{
	static const size_t pieces[] = { 1000, 7, 64, 1 };
	unsigned char a[1000], md[FK_SHA256_LEN];
	char hex[FK_SHA256_HEXLEN];
	struct fk_sha256 c;
	size_t i, left, n;

	memset(a, 'a', sizeof(a));
	for (i = 0; i < NELEM(pieces); i++) {
		fk_sha256_init(&c);
		for (left = 1000000; left > 0; left -= n) {
			n = pieces[i] < left ? pieces[i] : left;
			fk_sha256_update(&c, a, n);
		}
		fk_sha256_final(&c, md);
		to_hex(md, hex);
		cr_assert_str_eq(hex, MILLION_A, "pieces of %zu", pieces[i]);
	}
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

/* A context can be begun again after final. */
Test(sha256, init_after_final)
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

Test(sha256, final_hex_is_final_in_hex)
{
	unsigned char md[FK_SHA256_LEN];
	char hex[FK_SHA256_HEXLEN], want[FK_SHA256_HEXLEN];
	struct fk_sha256 c;

	fk_sha256_init(&c);
	fk_sha256_update(&c, "abc", 3);
	fk_sha256_final(&c, md);
	to_hex(md, want);
	fk_sha256_init(&c);
	fk_sha256_update(&c, "abc", 3);
	fk_sha256_final_hex(&c, hex);
	cr_assert_str_eq(hex, want);
}

/* Given up part way, before any update, after final, twice, or never
 * begun (zeroed): release leaves nothing for LeakSanitizer, and the
 * context can be begun again. */
Test(sha256, release_anywhere)
{
	unsigned char md[FK_SHA256_LEN];
	char hex[FK_SHA256_HEXLEN];
	struct fk_sha256 c, z;

	fk_sha256_init(&c);
	fk_sha256_update(&c, "a file cut short", 16);
	fk_sha256_release(&c);
	fk_sha256_init(&c);
	fk_sha256_release(&c);
	fk_sha256_release(&c);
	fk_sha256_init(&c);
	fk_sha256_final(&c, md);
	fk_sha256_release(&c);
	memset(&z, 0, sizeof(z));
	fk_sha256_release(&z);
	fk_sha256_init(&c);
	fk_sha256_update(&c, "abc", 3);
	fk_sha256_final_hex(&c, hex);
	cr_assert_str_eq(hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* final frees what the context held: no release here, and nothing for
 * LeakSanitizer. */
Test(sha256, final_needs_no_release)
{
	unsigned char md[FK_SHA256_LEN];
	char hex[FK_SHA256_HEXLEN];
	struct fk_sha256 c;

	fk_sha256_init(&c);
	fk_sha256_update(&c, "abc", 3);
	fk_sha256_final(&c, md);
	fk_sha256_init(&c);
	fk_sha256_final_hex(&c, hex);
	cr_assert_str_eq(hex,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* Contexts are independent: two in progress at once, interleaved. */
Test(sha256, two_at_once)
{
	char h1[FK_SHA256_HEXLEN], h2[FK_SHA256_HEXLEN];
	struct fk_sha256 a, b;

	fk_sha256_init(&a);
	fk_sha256_init(&b);
	fk_sha256_update(&a, "a", 1);
	fk_sha256_update(&b, "", 0);
	fk_sha256_update(&a, "bc", 2);
	fk_sha256_final_hex(&b, h2);
	fk_sha256_final_hex(&a, h1);
	cr_assert_str_eq(h1,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	cr_assert_str_eq(h2,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
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

ParameterizedTest(struct random_case *c, sha256, random_vs_sha256sum)
{
	unsigned char *buf = random_block(c->len);
	char hex[FK_SHA256_HEXLEN];

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

/* Every length from 0 to 1000 of one random buffer, each an exact-size
 * heap copy (ASan sees a read past the end) at offsets 0 to 4 from
 * malloc's alignment (unaligned loads), folded as in all_lengths_to_300
 * to hashlib's digest. */
Test(sha256, all_lengths_unaligned_to_1000)
{
	unsigned char src[1000], *buf;
	char hex[FK_SHA256_HEXLEN];
	struct fk_sha256 acc;
	size_t len, off;

	fill_random(src, sizeof(src), 1000);
	fk_sha256_init(&acc);
	for (len = 0; len <= sizeof(src); len++) {
		off = (len + 1) % 5;
		buf = malloc(off + len);
		cr_assert_not_null(buf);
		memcpy(buf + off, src, len);
		fk_sha256_hex(buf + off, len, hex);
		fk_sha256_update(&acc, hex, 64);
		free(buf);
	}
	fk_sha256_final_hex(&acc, hex);
	cr_assert_str_eq(hex,
	    "b712f3c6495a28df1ee9b18641f67b3e36ca25c8dda5276d8f6c5420736b7187");
}

/* Random messages cut at random points, from empty updates to many
 * blocks at once: always the one-call digest. */
Test(sha256, random_splits)
{
	static unsigned char msg[5000];
	unsigned char want[FK_SHA256_LEN], md[FK_SHA256_LEN];
	struct fk_sha256 c;
	uint64_t seed = 2024, r;
	size_t len, pos, n, round;

	for (round = 0; round < 600; round++) {
		len = (size_t)(fk_test_rand(&seed) % sizeof(msg));
		fill_random(msg, len, round);
		fk_sha256_init(&c);
		fk_sha256_update(&c, msg, len);
		fk_sha256_final(&c, want);
		fk_sha256_init(&c);
		for (pos = 0; pos < len; pos += n) {
			r = fk_test_rand(&seed);
			/* Short pieces half the time, else any. */
			n = (size_t)(r >> 8) % ((r & 1) ? 70 : len - pos + 1);
			n = n < len - pos ? n : len - pos;
			fk_sha256_update(&c, msg + pos, n);
		}
		fk_sha256_final(&c, md);
		cr_assert_arr_eq(
		    md, want, sizeof(md), "round %zu, %zu bytes", round, len);
	}
}

/* 10 MB (and 3 bytes) in one call and in updates of 1 MiB + 13 bytes;
 * expected: sha256sum on the same bytes. */
Test(sha256, ten_megabytes)
{
	static const char want[] =
	    "6fac2d6e37f5303bdea54a4048a2e301ab3c07a9cf838e2b69d4bb8f3a3489a8";
	static const size_t len = 10000003, piece = (1 << 20) + 13;
	unsigned char *buf = malloc(len);
	char hex[FK_SHA256_HEXLEN];
	struct fk_sha256 c;
	size_t pos, n;

	cr_assert_not_null(buf);
	fill_random(buf, len, 10);
	fk_sha256_hex(buf, len, hex);
	cr_assert_str_eq(hex, want, "one call");
	fk_sha256_init(&c);
	for (pos = 0; pos < len; pos += n) {
		n = piece < len - pos ? piece : len - pos;
		fk_sha256_update(&c, buf + pos, n);
	}
	fk_sha256_final_hex(&c, hex);
	cr_assert_str_eq(hex, want, "in pieces");
	free(buf);
}

struct b64_case {
	char in[16];
	char want[16];
};

/* RFC 4648, section 10. */
ParameterizedTestParameters(base64, rfc4648_vectors)
{
	static struct b64_case cases[] = {
		{ "", "" },
		{ "f", "Zg==" },
		{ "fo", "Zm8=" },
		{ "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};

	return cr_make_param_array(struct b64_case, cases, NELEM(cases));
}

ParameterizedTest(struct b64_case *c, base64, rfc4648_vectors)
{
	char *s = fk_base64_encode(c->in, strlen(c->in));

	cr_assert_str_eq(s, c->want, "\"%s\"", c->in);
	free(s);
}

Test(base64, null_with_zero_length)
{
	char *s = fk_base64_encode(NULL, 0);

	cr_assert_str_eq(s, "");
	free(s);
}

/* Every byte value: the whole alphabet, "+" and "/" included. */
Test(base64, every_byte)
{
	unsigned char in[256];
	char *s;
	size_t i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)i;
	s = fk_base64_encode(in, sizeof(in));
	cr_assert_str_eq(s,
	    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v"
	    "MDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5f"
	    "YGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJiouMjY6P"
	    "kJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/"
	    "wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v"
	    "8PHy8/T19vf4+fr7/P3+/w==");
	free(s);
}

/* Every length from 0 to 300 of one random buffer, each an exact-size
 * heap copy: the encodings one a line, hashed, are Python's
 * base64.b64encode. */
Test(base64, all_lengths_to_300)
{
	unsigned char src[300], *buf;
	char hex[FK_SHA256_HEXLEN], *s;
	struct fk_sha256 acc;
	size_t len;

	fill_random(src, sizeof(src), 300);
	fk_sha256_init(&acc);
	for (len = 0; len <= sizeof(src); len++) {
		buf = malloc(len);
		cr_assert(len == 0 || buf != NULL);
		if (len > 0)
			memcpy(buf, src, len);
		s = fk_base64_encode(buf, len);
		cr_assert_eq(strlen(s), (len + 2) / 3 * 4);
		fk_sha256_update(&acc, s, strlen(s));
		fk_sha256_update(&acc, "\n", 1);
		free(s);
		free(buf);
	}
	fk_sha256_final_hex(&acc, hex);
	cr_assert_str_eq(hex,
	    "12ff63261df7e60cbf7e0bc1e1188c12dcce6d6f85038b6fdb7f46ce293b34a7");
}

/* Inputs of 48 KiB and more go to OpenSSL in pieces: around one piece
 * and over four, the SHA-256 of Python's encoding. */
ParameterizedTestParameters(base64, long_inputs)
{
	static struct random_case cases[] = {
		{ 49151,
		    "c7b90993c887cb8b73965ddcc4739483"
		    "c89b278e2d340d687422624a87268729" },
		{ 49152,
		    "74c5ef33d1a50f8598fbf100ffbd7329"
		    "d6ef7d9229c787cb6febf43a5ecfea89" },
		{ 49153,
		    "edb09b644e359f416f2d67a4199f79ae"
		    "510f74b455cae5f0754d52855941fafe" },
		{ 200003,
		    "4e43b74a27a953228e2ed60901f7b7da"
		    "9a681084b55cb61ac0ca8757ed97eca1" },
	};

	return cr_make_param_array(struct random_case, cases, NELEM(cases));
}

ParameterizedTest(struct random_case *c, base64, long_inputs)
{
	unsigned char *buf = random_block(c->len);
	char hex[FK_SHA256_HEXLEN], *s;

	s = fk_base64_encode(buf, c->len);
	cr_assert_eq(strlen(s), (c->len + 2) / 3 * 4);
	fk_sha256_hex(s, strlen(s), hex);
	cr_assert_str_eq(hex, c->want, "%zu random bytes", c->len);
	free(s);
	free(buf);
}
