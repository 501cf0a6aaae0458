/* Unit tests for heap.c. */
#include "heap.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "banned.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct item {
	int64_t key;
	unsigned seq; /* the order pushed */
};

/* Ties broken by the order pushed: first in, first out. */
static int
fifo(const void *a, const void *b)
{
	return ((const struct item *)a)->seq < ((const struct item *)b)->seq;
}

/* And the other way. */
static int
lifo(const void *a, const void *b)
{
	return ((const struct item *)a)->seq > ((const struct item *)b)->seq;
}

static int
cmp_item(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

Test(heap, empty)
{
	struct fk_heap h;
	struct item x = { 7, 7 };

	fk_heap_init(&h, sizeof(struct item), NULL);
	cr_assert_eq(fk_heap_count(&h), 0);
	cr_assert_null(fk_heap_top(&h));
	cr_assert_eq(fk_heap_pop(&h, &x), 0);
	cr_assert_eq(x.key, 7, "an empty pop leaves out alone");
	fk_heap_release(&h);
	fk_heap_release(&h);
}

/* Keys as digits pushed in order, and the digits as they come out with
 * ties broken by the order pushed (the letter says which push it was). */
struct order_case {
	char in[24];
	char want[24]; /* digit and letter of the push, a..z */
};

ParameterizedTestParameters(heap, order_with_ties)
{
	static struct order_case cases[] = {
		{ "", "" },
		{ "5", "5a" },
		{ "21", "1b2a" },
		{ "111", "1a1b1c" },
		{ "3141592653", "1b1d2g3a3j4c5e5i6h9f" },
		{ "9876543210", "0j1i2h3g4f5e6d7c8b9a" },
		{ "0000011111", "0a0b0c0d0e1f1g1h1i1j" },
		{ "2121212121", "1b1d1f1h1j2a2c2e2g2i" },
	};

	return cr_make_param_array(struct order_case, cases, NELEM(cases));
}

ParameterizedTest(struct order_case *c, heap, order_with_ties)
{
	struct fk_heap plain, first, later;
	struct item x, prev = { 0, 0 };
	char got[24];
	size_t i, n = strlen(c->in);
	int last = -1;

	fk_heap_init(&plain, sizeof(struct item), NULL);
	fk_heap_init(&first, sizeof(struct item), fifo);
	fk_heap_init(&later, sizeof(struct item), lifo);
	for (i = 0; i < n; i++) {
		x.key = c->in[i] - '0';
		x.seq = (unsigned)i;
		fk_heap_push(&plain, &x);
		fk_heap_push(&first, &x);
		fk_heap_push(&later, &x);
	}
	cr_assert_eq(fk_heap_count(&first), n);
	/* With the tie-breaker: exactly the order wanted. */
	for (i = 0; fk_heap_pop(&first, &x); i++) {
		got[2 * i] = (char)('0' + x.key);
		got[2 * i + 1] = (char)('a' + x.seq);
	}
	got[2 * i] = '\0';
	cr_assert_str_eq(got, c->want, "in %s", c->in);
	/* Without: the keys in order, ties in any order. */
	for (i = 0; fk_heap_pop(&plain, &x); i++) {
		cr_assert_geq(x.key, last);
		cr_assert_eq(x.key, c->want[2 * i] - '0');
		last = (int)x.key;
	}
	cr_assert_eq(i, n);
	/* The other tie-breaker: each run of a key reversed. */
	for (i = 0; fk_heap_pop(&later, &x); i++) {
		cr_assert_eq(x.key, c->want[2 * i] - '0');
		if (i > 0 && x.key == prev.key)
			cr_assert_lt(x.seq, prev.seq);
		prev = x;
	}
	fk_heap_release(&plain);
	fk_heap_release(&first);
	fk_heap_release(&later);
}

/* Random pushes and pops, many ties, against a sorted array. */
Test(heap, random_vs_reference)
{
	enum { N = 20000 };
	struct item *ref = malloc(N * sizeof(*ref)), x, y;
	const struct item *top;
	struct fk_heap h;
	uint64_t st = 7;
	size_t n = 0, i;
	unsigned seq = 0;

	cr_assert_not_null(ref);
	fk_heap_init(&h, sizeof(struct item), fifo);
	for (int step = 0; step < 4 * N; step++) {
		uint64_t r = fk_test_rand(&st);

		if (n < N && (n == 0 || r % 3 != 0)) {
			x.key = (int)(r >> 8 & 63) - 32;
			x.seq = seq++;
			fk_heap_push(&h, &x);
			ref[n++] = x;
			continue;
		}
		/* The least of the reference, by a linear search. */
		for (i = 1, y = ref[0]; i < n; i++)
			if (cmp_item(&ref[i], &y) < 0)
				y = ref[i];
		top = fk_heap_top(&h);
		cr_assert_not_null(top);
		cr_assert(top->key == y.key && top->seq == y.seq);
		cr_assert_eq(fk_heap_pop(&h, &x), 1);
		cr_assert(x.key == y.key && x.seq == y.seq, "step %d", step);
		for (i = 0; i < n; i++)
			if (ref[i].seq == y.seq)
				break;
		ref[i] = ref[--n];
		cr_assert_eq(fk_heap_count(&h), n);
	}
	/* What is left comes out sorted. */
	qsort(ref, n, sizeof(*ref), cmp_item);
	for (i = 0; i < n; i++) {
		cr_assert_eq(fk_heap_pop(&h, &x), 1);
		cr_assert_eq(cmp_item(&x, &ref[i]), 0);
	}
	cr_assert_eq(fk_heap_pop(&h, NULL), 0);
	fk_heap_release(&h);
	free(ref);
}

/* Elements of other sizes, held by value: the key alone, and a big
 * one whose size is no multiple of 8. */
struct big {
	int64_t t;
	char text[61];
};

Test(heap, element_sizes)
{
	struct fk_heap h;
	struct big b;
	int64_t k, last = INT64_MIN, i;

	fk_heap_init(&h, sizeof(k), NULL);
	for (i = 0; i < 1000; i++) {
		k = (i * 37 % 251) - 125 +
		    (i % 2 ? INT64_MIN / 2 : INT64_MAX / 2);
		fk_heap_push(&h, &k);
	}
	for (i = 0; fk_heap_pop(&h, &k); i++) {
		cr_assert_geq(k, last);
		last = k;
	}
	cr_assert_eq(i, 1000);
	fk_heap_release(&h);

	/* 69 bytes: keys at odd places in the heap's array. */
	fk_heap_init(&h, offsetof(struct big, text) + sizeof(b.text), NULL);
	for (i = 0; i < 1000; i++) {
		b.t = (i * 7919) % 1000;
		memset(b.text, (int)('a' + b.t % 26), sizeof(b.text));
		fk_heap_push(&h, &b);
	}
	for (i = 0; fk_heap_pop(&h, &b); i++) {
		cr_assert_eq(b.t, i);
		cr_assert_eq(b.text[0], (char)('a' + i % 26));
		cr_assert_eq(b.text[60], (char)('a' + i % 26));
	}
	cr_assert_eq(i, 1000);
	fk_heap_release(&h);
}

/* Pushing a copy of the top from where it lies in the heap. */
Test(heap, push_own_element)
{
	struct fk_heap h;
	struct item x = { 5, 0 };
	int want[] = { 1, 1, 5, 9 };

	fk_heap_init(&h, sizeof(struct item), NULL);
	fk_heap_push(&h, &x);
	x.key = 1;
	fk_heap_push(&h, &x);
	for (int i = 0; i < 62; i++) /* to the brink of growing */
		fk_heap_push(&h, &(struct item){ 9, 0 });
	fk_heap_push(&h, fk_heap_top(&h));
	fk_heap_push(&h, fk_heap_top(&h));
	fk_heap_pop(&h, NULL);
	for (size_t i = 0; i < NELEM(want); i++) {
		cr_assert_eq(fk_heap_pop(&h, &x), 1);
		cr_assert_eq(x.key, want[i]);
	}
	fk_heap_release(&h);
}
