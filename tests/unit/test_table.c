/* Unit tests for table.c. */
#include "table.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "banned.h"

struct pay {
	uint64_t v;
	char pad[8];
};

/* What fk_table_each reports, in order. */
struct seen {
	uint64_t key[4096];
	int64_t last[4096];
	uint64_t v[4096];
	size_t n;
};

static void
collect(void *arg, uint64_t key, int64_t last, const void *payload)
{
	struct seen *s = arg;
	const struct pay *p = payload;

	cr_assert_lt(s->n, 4096);
	s->key[s->n] = key;
	s->last[s->n] = last;
	s->v[s->n] = p->v;
	s->n++;
}

static struct seen *
each(const struct fk_table *t)
{
	struct seen *s = calloc(1, sizeof(*s));

	cr_assert_not_null(s);
	fk_table_each(t, collect, s);
	cr_assert_eq(s->n, t->n);
	return s;
}

/* The keys from least to most recent are those given, ended by ~0. */
static void
assert_order(const struct fk_table *t, const uint64_t *want)
{
	struct seen *s = each(t);
	size_t i;

	for (i = 0; want[i] != ~0ULL; i++) {
		cr_assert_lt(i, s->n);
		cr_assert_eq(s->key[i], want[i],
		    "entity %zu: key %llu, want %llu", i,
		    (unsigned long long)s->key[i], (unsigned long long)want[i]);
	}
	cr_assert_eq(s->n, i);
	free(s);
}

static struct pay *
get(struct fk_table *t, uint64_t key, int64_t now, int want_created)
{
	int created = -1;
	struct pay *p = fk_table_get(t, key, now, &created);

	cr_assert_not_null(p);
	cr_assert_eq(
	    created, want_created, "key %llu", (unsigned long long)key);
	return p;
}

Test(table, create_find_touch)
{
	struct fk_table t;
	struct pay *p;

	fk_table_init(&t, sizeof(struct pay), 0);
	cr_assert_null(fk_table_find(&t, 1));
	cr_assert_eq(fk_table_expire(&t, 100), 0);
	assert_order(&t, (const uint64_t[]){ ~0ULL });

	p = get(&t, 1, 10, 1);
	cr_assert_eq(p->v, 0);
	p->v = 11;
	p = get(&t, 2, 20, 1);
	p->v = 22;
	p = get(&t, 3, 30, 1);
	p->v = 33;
	cr_assert_eq(t.n, 3);
	assert_order(&t, (const uint64_t[]){ 1, 2, 3, ~0ULL });

	p = get(&t, 1, 40, 0);
	cr_assert_eq(p->v, 11);
	assert_order(&t, (const uint64_t[]){ 2, 3, 1, ~0ULL });
	p = fk_table_find(&t, 2);
	cr_assert_not_null(p);
	cr_assert_eq(p->v, 22);
	cr_assert_null(fk_table_find(&t, 4));
	/* find changes nothing */
	assert_order(&t, (const uint64_t[]){ 2, 3, 1, ~0ULL });
	/* Touching the most recent keeps the order. */
	get(&t, 1, 41, 0);
	assert_order(&t, (const uint64_t[]){ 2, 3, 1, ~0ULL });
	cr_assert_eq(t.n, 3);
	cr_assert_eq(t.evicted_lru + t.evicted_idle, 0);
	fk_table_release(&t);
	cr_assert_eq(t.n, 0);
	cr_assert_null(fk_table_find(&t, 1));
}

/* last = max(last, now): a late event does not make an entity older. */
Test(table, last_only_moves_forward)
{
	struct fk_table t;
	struct seen *s;

	fk_table_init(&t, sizeof(struct pay), 0);
	get(&t, 7, 100, 1);
	get(&t, 8, 90, 1);
	get(&t, 7, 50, 0);
	s = each(&t);
	cr_assert_eq(s->key[0], 8);
	cr_assert_eq(s->last[0], 90);
	cr_assert_eq(s->key[1], 7);
	cr_assert_eq(s->last[1], 100);
	free(s);
	get(&t, 8, 200, 0);
	s = each(&t);
	cr_assert_eq(s->last[1], 200);
	free(s);
	fk_table_release(&t);
}

Test(table, lru_eviction_at_max)
{
	struct fk_table t;
	struct pay *p;
	uint64_t k;

	fk_table_init(&t, sizeof(struct pay), 3);
	get(&t, 1, 1, 1)->v = 1;
	get(&t, 2, 2, 1)->v = 2;
	get(&t, 3, 3, 1)->v = 3;
	get(&t, 1, 4, 0);
	get(&t, 4, 5, 1)->v = 4;
	cr_assert_eq(t.n, 3);
	cr_assert_eq(t.evicted_lru, 1);
	cr_assert_null(fk_table_find(&t, 2));
	assert_order(&t, (const uint64_t[]){ 3, 1, 4, ~0ULL });
	/* An evicted key comes back new, zeroed. */
	p = get(&t, 2, 6, 1);
	cr_assert_eq(p->v, 0);
	cr_assert_eq(t.evicted_lru, 2);
	assert_order(&t, (const uint64_t[]){ 1, 4, 2, ~0ULL });
	cr_assert_eq(((struct pay *)fk_table_find(&t, 1))->v, 1);
	cr_assert_eq(((struct pay *)fk_table_find(&t, 4))->v, 4);
	/* Slots are reused: the arrays stay at max. */
	for (k = 100; k < 1000; k++)
		get(&t, k, (int64_t)k, 1);
	cr_assert_eq(t.n, 3);
	cr_assert_eq(t.cap, 3);
	cr_assert_eq(t.evicted_lru, 902);
	assert_order(&t, (const uint64_t[]){ 997, 998, 999, ~0ULL });
	fk_table_release(&t);

	fk_table_init(&t, sizeof(struct pay), 1);
	get(&t, 1, 1, 1);
	get(&t, 1, 2, 0);
	get(&t, 2, 3, 1);
	cr_assert_null(fk_table_find(&t, 1));
	assert_order(&t, (const uint64_t[]){ 2, ~0ULL });
	fk_table_release(&t);
}

Test(table, expire_cutoffs)
{
	struct fk_table t;

	fk_table_init(&t, sizeof(struct pay), 0);
	get(&t, 1, 10, 1);
	get(&t, 2, 20, 1);
	get(&t, 3, 30, 1);
	cr_assert_eq(fk_table_expire(&t, 10), 0); /* last < cutoff only */
	cr_assert_eq(fk_table_expire(&t, 11), 1);
	cr_assert_null(fk_table_find(&t, 1));
	cr_assert_eq(fk_table_expire(&t, 20), 0);
	cr_assert_eq(t.evicted_idle, 1);
	assert_order(&t, (const uint64_t[]){ 2, 3, ~0ULL });
	/* A touch renews: 2 is now after 3. */
	get(&t, 2, 35, 0);
	cr_assert_eq(fk_table_expire(&t, 31), 1);
	assert_order(&t, (const uint64_t[]){ 2, ~0ULL });
	cr_assert_eq(fk_table_expire(&t, INT64_MAX), 1);
	cr_assert_eq(t.n, 0);
	cr_assert_eq(t.evicted_idle, 3);
	cr_assert_eq(t.evicted_lru, 0);

	/* Touched out of time order: 4 (last 100) is least recent and
	 * shields 5 (last 10) from expiry. */
	get(&t, 4, 100, 1);
	get(&t, 5, 10, 1);
	cr_assert_eq(fk_table_expire(&t, 50), 0);
	cr_assert_not_null(fk_table_find(&t, 5));
	cr_assert_eq(fk_table_expire(&t, 101), 2);
	cr_assert_eq(t.n, 0);
	/* The table works on after being emptied. */
	get(&t, 5, 200, 1);
	assert_order(&t, (const uint64_t[]){ 5, ~0ULL });
	fk_table_release(&t);
}

Test(table, extreme_keys)
{
	struct fk_table t;
	uint64_t k;

	fk_table_init(&t, sizeof(struct pay), 0);
	get(&t, 0, 1, 1)->v = 100;
	get(&t, UINT64_MAX, 2, 1)->v = 200;
	for (k = 1; k < 100; k++)
		get(&t, k, 3, 1)->v = k;
	cr_assert_eq(((struct pay *)fk_table_find(&t, 0))->v, 100);
	cr_assert_eq(((struct pay *)fk_table_find(&t, UINT64_MAX))->v, 200);
	cr_assert_eq(fk_table_expire(&t, 2), 1);
	cr_assert_null(fk_table_find(&t, 0));
	cr_assert_eq(((struct pay *)fk_table_find(&t, UINT64_MAX))->v, 200);
	cr_assert_eq(fk_table_expire(&t, 3), 1);
	cr_assert_null(fk_table_find(&t, UINT64_MAX));
	for (k = 1; k < 100; k++)
		cr_assert_eq(((struct pay *)fk_table_find(&t, k))->v, k);
	fk_table_release(&t);
}

Test(table, zero_payload)
{
	struct fk_table t;
	int created;

	fk_table_init(&t, 0, 2);
	cr_assert_not_null(fk_table_get(&t, 1, 1, &created));
	cr_assert_eq(created, 1);
	cr_assert_not_null(fk_table_find(&t, 1));
	cr_assert_null(fk_table_find(&t, 2));
	fk_table_release(&t);
}

static void
replay(void *arg, uint64_t key, int64_t last, const void *payload)
{
	struct fk_table *t = arg;
	int created;
	void *p = fk_table_get(t, key, last, &created);

	cr_assert_eq(created, 1);
	memcpy(p, payload, t->payload);
}

/* Replaying each() into a new table rebuilds the same table. */
Test(table, rebuild_by_replay)
{
	struct fk_table a, b;
	struct seen *sa, *sb;
	uint64_t rs = 42, k;
	int i;

	fk_table_init(&a, sizeof(struct pay), 1000);
	for (i = 0; i < 20000; i++) {
		k = fk_test_rand(&rs) % 3000;
		get(&a, k, i - (int64_t)(fk_test_rand(&rs) % 50),
		    fk_table_find(&a, k) == NULL)
		    ->v += k + 1;
	}
	fk_table_expire(&a, 19000);
	cr_assert_gt(a.n, 100);
	fk_table_init(&b, sizeof(struct pay), 1000);
	fk_table_each(&a, replay, &b);
	sa = each(&a);
	sb = each(&b);
	cr_assert_eq(sa->n, sb->n);
	cr_assert_eq(memcmp(sa, sb, sizeof(*sa)), 0);
	/* and the two go on alike */
	for (i = 0; i < 5000; i++) {
		k = fk_test_rand(&rs) % 3000;
		get(&a, k, 20000 + i, fk_table_find(&a, k) == NULL);
		get(&b, k, 20000 + i, fk_table_find(&b, k) == NULL);
	}
	free(sa);
	free(sb);
	sa = each(&a);
	sb = each(&b);
	cr_assert_eq(memcmp(sa, sb, sizeof(*sa)), 0);
	free(sa);
	free(sb);
	fk_table_release(&a);
	fk_table_release(&b);
}

/* Reference model: entities in an array from least to most recent. */
struct ref {
	uint64_t key[2048], v[2048];
	int64_t last[2048];
	size_t n, max;
	long long lru, idle;
};

static long
ref_find(const struct ref *r, uint64_t key)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->key[i] == key)
			return (long)i;
	return -1;
}

static void
ref_remove(struct ref *r, size_t i)
{
	memmove(r->key + i, r->key + i + 1, (r->n - i - 1) * sizeof(r->key[0]));
	memmove(r->v + i, r->v + i + 1, (r->n - i - 1) * sizeof(r->v[0]));
	memmove(
	    r->last + i, r->last + i + 1, (r->n - i - 1) * sizeof(r->last[0]));
	r->n--;
}

/* Returns whether key was made. */
static int
ref_get(struct ref *r, uint64_t key, int64_t now, uint64_t **v)
{
	long i = ref_find(r, key);
	uint64_t val = 0;
	int64_t last = now;

	if (i >= 0) {
		val = r->v[i];
		last = r->last[i] > now ? r->last[i] : now;
		ref_remove(r, (size_t)i);
	} else if (r->max > 0 && r->n == r->max) {
		ref_remove(r, 0);
		r->lru++;
	}
	r->key[r->n] = key;
	r->v[r->n] = val;
	r->last[r->n] = last;
	*v = &r->v[r->n];
	r->n++;
	return i < 0;
}

static size_t
ref_expire(struct ref *r, int64_t cutoff)
{
	size_t k = 0;

	while (r->n > 0 && r->last[0] < cutoff) {
		ref_remove(r, 0);
		k++;
	}
	r->idle += (long long)k;
	return k;
}

static void
check_all(const struct fk_table *t, const struct ref *r, const uint64_t *keys,
    size_t nkeys)
{
	struct seen *s = each(t);
	struct pay *p;
	size_t i;
	long j;

	cr_assert_eq(t->n, r->n);
	cr_assert_eq(t->evicted_lru, r->lru);
	cr_assert_eq(t->evicted_idle, r->idle);
	for (i = 0; i < r->n; i++) {
		cr_assert_eq(s->key[i], r->key[i]);
		cr_assert_eq(s->last[i], r->last[i]);
		cr_assert_eq(s->v[i], r->v[i]);
	}
	for (i = 0; i < nkeys; i++) {
		p = fk_table_find(t, keys[i]);
		j = ref_find(r, keys[i]);
		if (j < 0) {
			cr_assert_null(p);
		} else {
			cr_assert_not_null(p, "key %zu lost", i);
			cr_assert_eq(p->v, r->v[j]);
		}
	}
	free(s);
}

/* Checks that at least min_lru and min_idle evictions were tested. */
static void
random_run(size_t max, uint64_t seed, long long min_lru, long long min_idle)
{
	enum { NKEYS = 2000, OPS = 100000 };
	static uint64_t keys[NKEYS];
	static struct ref r;
	struct fk_table t;
	uint64_t rs = seed, *rv, x;
	struct pay *p;
	int64_t now = 0;
	size_t i, k;
	int op, created;

	/* Random keys, and keys that share their low bits. */
	for (i = 0; i < NKEYS; i++)
		keys[i] = i % 2 ? fk_test_rand(&rs) : (uint64_t)i << 40;
	keys[0] = 0;
	keys[1] = UINT64_MAX;
	memset(&r, 0, sizeof(r));
	r.max = max;
	fk_table_init(&t, sizeof(struct pay), max);
	for (i = 0; i < OPS; i++) {
		x = fk_test_rand(&rs);
		/* A working set that drifts, so that expiry and LRU bite. */
		k = (i / 50 + x % 600) % NKEYS;
		op = (int)(x >> 32) % 100;
		now += (int64_t)(x >> 50) % 3;
		if (op < 75) {
			int64_t at =
			    now - (op < 5 ? (int64_t)(x >> 40) % 200 : 0);

			p = fk_table_get(&t, keys[k], at, &created);
			cr_assert_eq(created, ref_get(&r, keys[k], at, &rv));
			cr_assert_eq(p->v, *rv);
			p->v = *rv = x;
		} else if (op < 98) {
			p = fk_table_find(&t, keys[k]);
			cr_assert_eq(p != NULL, ref_find(&r, keys[k]) >= 0);
		} else {
			int64_t cut = now - 2000 + (int64_t)(x >> 40) % 1000;

			k = ref_expire(&r, cut);
			cr_assert_eq(fk_table_expire(&t, cut), k);
		}
		if (i % 997 == 0)
			check_all(&t, &r, keys, NKEYS);
	}
	check_all(&t, &r, keys, NKEYS);
	cr_log_info("max %zu: %zu entities, %lld evicted lru, %lld idle", max,
	    t.n, t.evicted_lru, t.evicted_idle);
	cr_assert_geq(t.evicted_lru, min_lru);
	cr_assert_geq(t.evicted_idle, min_idle);
	fk_table_release(&t);
}

Test(table, random_vs_reference)
{
	random_run(500, 1, 10000, 1000);
	random_run(520, 2, 5000, 5000);
	random_run(1, 3, 50000, 0);
	random_run(0, 4, 0, 10000);
}

static size_t
bytes_per_entity(const struct fk_table *t)
{
	size_t per_slot = t->payload + sizeof(*t->meta);

	return (t->cap * per_slot + t->icap * sizeof(*t->index)) / t->n;
}

/* Payload + 40 bytes (32 of slot, 8 of index), give or take the arrays' spare room. */
Test(table, memory_per_entity, .timeout = 60)
{
	enum { N = 1000000, PAYLOAD = 64 };
	struct fk_table t;
	size_t b;
	int created;
	uint64_t k, rs = 7;
	unsigned char *p;

	fk_table_init(&t, PAYLOAD, 0);
	for (k = 0; k < N; k++) {
		p = fk_table_get(&t, fk_test_rand(&rs), (int64_t)k, &created);
		cr_assert_eq(created, 1);
		p[PAYLOAD - 1] = 1;
	}
	b = bytes_per_entity(&t);
	cr_log_info("%d entities of %d bytes, no limit: %zu bytes each "
	            "(%zu slots, index %zu)",
	    N, PAYLOAD, b, t.cap, t.icap);
	cr_assert_leq(b, PAYLOAD + 48);
	fk_table_release(&t);

	fk_table_init(&t, PAYLOAD, N);
	for (k = 0; k < N + 1000; k++)
		fk_table_get(&t, fk_test_rand(&rs), (int64_t)k, &created);
	b = bytes_per_entity(&t);
	cr_log_info("%d entities of %d bytes, max %d: %zu bytes each "
	            "(%zu slots, index %zu)",
	    N, PAYLOAD, N, b, t.cap, t.icap);
	cr_assert_eq(t.n, N);
	cr_assert_eq(t.cap, N);
	cr_assert_leq(b, PAYLOAD + 44);
	fk_table_release(&t);
}
