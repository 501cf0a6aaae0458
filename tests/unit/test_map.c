/* Unit tests for map.c. */
#include "map.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "banned.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The entries, in iteration order, are keys[0..n). */
static void
assert_entries(
    const struct fk_map *m, char (*keys)[16], const size_t *lens, size_t n)
{
	struct fk_map_entry *e;
	size_t it = 0, i = 0;

	while ((e = fk_map_next(m, &it)) != NULL) {
		cr_assert_lt(i, n, "more entries than the %zu added", n);
		cr_assert_eq(e->len, lens[i], "entry %zu", i);
		cr_assert(
		    memcmp(e->key, keys[i], lens[i]) == 0, "entry %zu", i);
		cr_assert_eq(e->key[e->len], '\0');
		i++;
	}
	cr_assert_eq(i, n);
	cr_assert_eq(fk_map_count(m), n);
}

Test(map, empty)
{
	struct fk_map m;
	size_t it = 0;

	fk_map_init(&m);
	cr_assert_eq(fk_map_count(&m), 0);
	cr_assert_null(fk_map_get(&m, "a", 1));
	cr_assert_null(fk_map_get(&m, NULL, 0));
	cr_assert_null(fk_map_next(&m, &it));
	fk_map_clear(&m);
	fk_map_release(&m);
	fk_map_release(&m);
}

/* Keys that differ only in length, in NUL bytes, or not at all. */
struct key_case {
	char key[16];
	size_t len;
};

static struct key_case key_cases[] = {
	{ "", 0 },
	{ "\0", 1 },
	{ "\0\0", 2 },
	{ "a", 1 },
	{ "a\0", 2 },
	{ "a\0b", 3 },
	{ "a\0c", 3 },
	{ "ab", 2 },
	{ "\0a", 2 },
	{ "abcdefgh", 8 },
	{ "abcdefgh\0", 9 },
	{ "abcdefghi", 9 },
	{ "abcdefghijklmno", 15 },
	{ "abcdefghijklmnp", 15 },
	{ "\xff\xfe", 2 },
};

ParameterizedTestParameters(map, keys_apart)
{
	return cr_make_param_array(
	    struct key_case, key_cases, NELEM(key_cases));
}

ParameterizedTest(struct key_case *c, map, keys_apart)
{
	struct fk_map m;
	struct fk_map_entry *e;
	char buf[16];
	int added;
	size_t i;

	fk_map_init(&m);
	memcpy(buf, c->key, sizeof(buf));
	e = fk_map_put(&m, buf, c->len, &added);
	cr_assert_eq(added, 1);
	cr_assert_null(e->val);
	e->val = &m;
	/* The map keeps its own copy, with a NUL after it. */
	memset(buf, 'x', sizeof(buf));
	cr_assert_eq(e->len, c->len);
	cr_assert(memcmp(e->key, c->key, c->len) == 0);
	cr_assert_eq(e->key[c->len], '\0');
	for (i = 0; i < NELEM(key_cases); i++) {
		int same = key_cases[i].len == c->len &&
		    memcmp(key_cases[i].key, c->key, c->len) == 0;

		e = fk_map_get(&m, key_cases[i].key, key_cases[i].len);
		if (same)
			cr_assert(e != NULL && e->val == &m, "case %zu", i);
		else
			cr_assert_null(e, "case %zu found", i);
	}
	/* Adding it again finds it. */
	e = fk_map_put(&m, c->key, c->len, &added);
	cr_assert_eq(added, 0);
	cr_assert_eq(e->val, &m);
	cr_assert_eq(fk_map_count(&m), 1);
	fk_map_release(&m);
}

/* All of them in one map, in order, each found as itself. */
Test(map, keys_together)
{
	static char keys[][16] = { "", "\0", "\0\0", "a", "a\0", "a\0b", "a\0c",
		"ab", "\0a", "abcdefgh", "abcdefgh\0", "abcdefghi" };
	static const size_t lens[] = { 0, 1, 2, 1, 2, 3, 3, 2, 2, 8, 9, 9 };
	struct fk_map m;
	struct fk_map_entry *e;
	size_t i;

	fk_map_init(&m);
	for (i = 0; i < NELEM(lens); i++) {
		e = fk_map_put(&m, keys[i], lens[i], NULL);
		cr_assert_eq(fk_map_index(&m, e), i);
		e->val = (void *)(uintptr_t)(i + 1);
	}
	assert_entries(&m, keys, lens, NELEM(lens));
	for (i = 0; i < NELEM(lens); i++) {
		e = fk_map_get(&m, keys[i], lens[i]);
		cr_assert_not_null(e);
		cr_assert_eq((uintptr_t)e->val, i + 1);
		cr_assert_eq(fk_map_at(&m, i), e);
	}
	/* NULL with length 0 is the empty key. */
	cr_assert_eq(fk_map_get(&m, NULL, 0), fk_map_at(&m, 0));
	fk_map_release(&m);
}

/* Many keys: the table grows, indices stay dense and in order, every
 * key is found and no other is. */
Test(map, growth_keeps_order_and_indices)
{
	enum { N = 100000 };
	struct fk_map m;
	struct fk_map_entry *e;
	char k[32];
	size_t it = 0, i, n;
	int added;

	fk_map_init(&m);
	for (i = 0; i < N; i++) {
		n = (size_t)snprintf(k, sizeof(k), "user-%zu", i * 7919);
		e = fk_map_put(&m, k, n, &added);
		cr_assert_eq(added, 1);
		cr_assert_eq(fk_map_index(&m, e), i);
		e->val = (void *)(uintptr_t)i;
	}
	cr_assert_eq(fk_map_count(&m), N);
	for (i = 0; (e = fk_map_next(&m, &it)) != NULL; i++) {
		n = (size_t)snprintf(k, sizeof(k), "user-%zu", i * 7919);
		cr_assert_eq(e->len, n);
		cr_assert_str_eq(e->key, k);
		cr_assert_eq((uintptr_t)e->val, i);
		cr_assert_eq(fk_map_at(&m, i), e);
	}
	cr_assert_eq(i, N);
	for (i = 0; i < N; i++) {
		n = (size_t)snprintf(k, sizeof(k), "user-%zu", i * 7919);
		e = fk_map_get(&m, k, n);
		cr_assert(e != NULL && (uintptr_t)e->val == i, "%s", k);
		n = (size_t)snprintf(k, sizeof(k), "user-%zu", i * 7919 + 1);
		cr_assert_null(fk_map_get(&m, k, n), "%s", k);
	}
	fk_map_release(&m);
}

/* A few slots and many keys: long probe runs that wrap around the end,
 * and deletes inside them, must leave every other key findable. */
Test(map, collisions_and_deletes_in_runs)
{
	struct fk_map m;
	struct fk_map_entry *e;
	char k[16];
	size_t i, j, n;

	fk_map_init(&m);
	for (i = 0; i < 8; i++) {
		n = (size_t)snprintf(k, sizeof(k), "%zu", i);
		fk_map_put(&m, k, n, NULL)->val = (void *)(uintptr_t)(i + 1);
	}
	/* Eight keys in sixteen slots: runs are certain.  Delete each in
	 * turn, check the rest, add it back. */
	for (i = 0; i < 8; i++) {
		n = (size_t)snprintf(k, sizeof(k), "%zu", i);
		fk_map_del(&m, fk_map_get(&m, k, n));
		cr_assert_null(fk_map_get(&m, k, n));
		for (j = 0; j < 8; j++) {
			if (j == i)
				continue;
			n = (size_t)snprintf(k, sizeof(k), "%zu", j);
			e = fk_map_get(&m, k, n);
			cr_assert(e != NULL && (uintptr_t)e->val == j + 1,
			    "key %zu after deleting %zu", j, i);
		}
		n = (size_t)snprintf(k, sizeof(k), "%zu", i);
		fk_map_put(&m, k, n, NULL)->val = (void *)(uintptr_t)(i + 1);
	}
	cr_assert_eq(fk_map_count(&m), 8);
	fk_map_release(&m);
}

Test(map, delete_while_iterating)
{
	static char keys[][16] = { "b", "d", "f" };
	static const size_t lens[] = { 1, 1, 1 };
	struct fk_map m;
	struct fk_map_entry *e;
	size_t it = 0;
	char k[2] = { 'a', '\0' };

	fk_map_init(&m);
	for (; k[0] <= 'f'; k[0]++)
		fk_map_put(&m, k, 1, NULL);
	while ((e = fk_map_next(&m, &it)) != NULL)
		if ((e->key[0] - 'a') % 2 == 0)
			fk_map_del(&m, e);
	assert_entries(&m, keys, lens, 3);
	cr_assert_null(fk_map_at(&m, 0));
	cr_assert_not_null(fk_map_at(&m, 1));
	fk_map_release(&m);
}

/* A key deleted and added again goes last; holes are squeezed out when
 * the room runs out, in order. */
Test(map, readd_goes_last)
{
	static char keys[][16] = { "b", "c", "a" };
	static const size_t lens[] = { 1, 1, 1 };
	struct fk_map m;
	struct fk_map_entry *e;
	char k[16];
	size_t i, n;

	fk_map_init(&m);
	fk_map_put(&m, "a", 1, NULL);
	fk_map_put(&m, "b", 1, NULL);
	fk_map_put(&m, "c", 1, NULL);
	fk_map_del(&m, fk_map_get(&m, "a", 1));
	e = fk_map_put(&m, "a", 1, NULL);
	cr_assert_eq(fk_map_index(&m, e), 3);
	assert_entries(&m, keys, lens, 3);
	/* A queue: add at the end, delete at the front, many times over. */
	for (i = 0; i < 10000; i++) {
		n = (size_t)snprintf(k, sizeof(k), "q%zu", i);
		fk_map_put(&m, k, n, NULL);
		if (i >= 3) {
			n = (size_t)snprintf(k, sizeof(k), "q%zu", i - 3);
			fk_map_del(&m, fk_map_get(&m, k, n));
		}
	}
	cr_assert_eq(fk_map_count(&m), 6);
	/* The room stays small: holes were reused, not piled up. */
	cr_assert_leq(m.cap, 16);
	{
		static char want[][16] = { "b", "c", "a", "q9997", "q9998",
			"q9999" };
		static const size_t wlens[] = { 1, 1, 1, 5, 5, 5 };

		assert_entries(&m, want, wlens, 6);
	}
	fk_map_release(&m);
}

Test(map, clear_and_reuse)
{
	struct fk_map m;
	struct fk_map_entry *e;
	char k[16];
	size_t i, n;

	fk_map_init(&m);
	for (i = 0; i < 1000; i++) {
		n = (size_t)snprintf(k, sizeof(k), "k%zu", i);
		fk_map_put(&m, k, n, NULL);
	}
	fk_map_clear(&m);
	cr_assert_eq(fk_map_count(&m), 0);
	cr_assert_null(fk_map_get(&m, "k1", 2));
	e = fk_map_put(&m, "k999", 4, NULL);
	cr_assert_eq(fk_map_index(&m, e), 0);
	cr_assert_eq(fk_map_count(&m), 1);
	cr_assert_eq(fk_map_get(&m, "k999", 4), e);
	fk_map_release(&m);
}

/* A long key, longer than a chunk of keys. */
Test(map, long_key)
{
	enum { LEN = 200000 };
	struct fk_map m;
	char *k = malloc(LEN);
	struct fk_map_entry *e;

	cr_assert_not_null(k);
	memset(k, 'z', LEN);
	fk_map_init(&m);
	fk_map_put(&m, "short", 5, NULL);
	e = fk_map_put(&m, k, LEN, NULL);
	cr_assert_eq(e->len, LEN);
	k[LEN - 1] = 'y';
	cr_assert_null(fk_map_get(&m, k, LEN));
	k[LEN - 1] = 'z';
	cr_assert_eq(fk_map_get(&m, k, LEN), e);
	cr_assert_not_null(fk_map_get(&m, "short", 5));
	fk_map_release(&m);
	free(k);
}

/* Random puts, gets and deletes on a small universe of keys, some with
 * NUL bytes, against a list kept in insertion order. */
struct ref {
	int key[64]; /* keys present, in the order added */
	void *val[64];
	size_t n;
};

static size_t
make_key(int k, char *buf)
{
	/* k 0: the empty key; odd k: a NUL in the middle. */
	if (k == 0)
		return 0;
	buf[0] = (char)('a' + k % 26);
	buf[1] = k % 2 ? '\0' : 'x';
	buf[2] = (char)('0' + k / 26);
	return 3;
}

static long
ref_find(const struct ref *r, int k)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->key[i] == k)
			return (long)i;
	return -1;
}

static void
check_against(const struct fk_map *m, const struct ref *r)
{
	struct fk_map_entry *e;
	size_t it = 0, i = 0, len;
	char buf[4];

	cr_assert_eq(fk_map_count(m), r->n);
	while ((e = fk_map_next(m, &it)) != NULL) {
		cr_assert_lt(i, r->n);
		len = make_key(r->key[i], buf);
		cr_assert_eq(e->len, len);
		cr_assert(len == 0 || memcmp(e->key, buf, len) == 0);
		cr_assert_eq(e->val, r->val[i]);
		i++;
	}
	cr_assert_eq(i, r->n);
}

Test(map, random_vs_reference)
{
	struct fk_map m;
	struct fk_map_entry *e;
	struct ref r = { .n = 0 };
	uint64_t st = 42;
	char buf[4];
	size_t len;
	long at;
	int added;

	fk_map_init(&m);
	for (int step = 0; step < 200000; step++) {
		uint64_t x = fk_test_rand(&st);
		int k = (int)(x % 64), op = (int)(x >> 8 & 3);

		len = make_key(k, buf);
		at = ref_find(&r, k);
		e = fk_map_get(&m, buf, len);
		cr_assert_eq(e != NULL, at >= 0, "step %d key %d", step, k);
		if (op == 0 && e != NULL) {
			fk_map_del(&m, e);
			memmove(&r.key[at], &r.key[at + 1],
			    (r.n - (size_t)at - 1) * sizeof(r.key[0]));
			memmove(&r.val[at], &r.val[at + 1],
			    (r.n - (size_t)at - 1) * sizeof(r.val[0]));
			r.n--;
		} else if (op == 1) {
			e = fk_map_put(&m, buf, len, &added);
			cr_assert_eq(added, at < 0);
			if (added) {
				r.key[r.n] = k;
				r.val[r.n++] = (void *)(uintptr_t)x;
				e->val = (void *)(uintptr_t)x;
			}
		} else if (op == 2 && e != NULL) {
			e->val = (void *)(uintptr_t)x;
			r.val[at] = e->val;
		}
		if (step % 97 == 0)
			check_against(&m, &r);
		if (step % 50000 == 49999) {
			fk_map_clear(&m);
			r.n = 0;
		}
	}
	check_against(&m, &r);
	fk_map_release(&m);
}

/* The caller's hash: one the same for every key puts them all in one
 * probe run with one tag, so only the bytes tell them apart. */
Test(map, hashed_all_collide)
{
	enum { N = 300 };
	struct fk_map m;
	struct fk_map_entry *e;
	char k[16];
	size_t i, n;
	int added;

	fk_map_init(&m);
	for (i = 0; i < N; i++) {
		n = (size_t)snprintf(k, sizeof(k), "k%zu", i);
		e = fk_map_put_hashed(&m, k, n, 0x1234, &added);
		cr_assert_eq(added, 1);
		e->val = (void *)(uintptr_t)(i + 1);
	}
	for (i = 0; i < N; i += 3) {
		n = (size_t)snprintf(k, sizeof(k), "k%zu", i);
		fk_map_del(&m, fk_map_get_hashed(&m, k, n, 0x1234));
	}
	for (i = 0; i < N; i++) {
		n = (size_t)snprintf(k, sizeof(k), "k%zu", i);
		e = fk_map_get_hashed(&m, k, n, 0x1234);
		if (i % 3 == 0)
			cr_assert_null(e, "%s", k);
		else
			cr_assert(e != NULL && (uintptr_t)e->val == i + 1);
		/* The same bytes under another tag are not found. */
		cr_assert_null(
		    fk_map_get_hashed(&m, k, n, 0x5678ULL << 32 | 0x1234));
	}
	e = fk_map_put_hashed(&m, "k1", 2, 0x1234, &added);
	cr_assert_eq(added, 0);
	cr_assert_eq((uintptr_t)e->val, 2);
	cr_assert_eq(fk_map_count(&m), N - N / 3);
	fk_map_release(&m);
}
