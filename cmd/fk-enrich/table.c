/* Entity table: slots in parallel arrays (key, last, prev, next, payload)
 * that grow by doubling, an open-addressing index of slot + 1 (linear
 * probing, power-of-two size, at most half full, backward-shift deletion
 * so that no tombstones build up), and an LRU list through prev/next.
 * Free slots form a list through next; new slots are put on it when the
 * arrays grow, lowest first, so that slot use is deterministic.
 *
 * Keys are hashes already: two keys with the same hash are one entity. */
#include "table.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"
#include "banned.h"

#define NIL UINT32_MAX
#define MIN_CAP 16
/* Slot + 1 must fit in a uint32_t index entry and differ from NIL. */
#define MAX_SLOTS ((size_t)UINT32_MAX - 1)

/* Keys from fk_hash64 are mixed already; this spreads keys that are not
 * (small integers, shared low bits) over the index. */
static size_t
home(uint64_t key, size_t mask)
{
	uint64_t h = key * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h ^ h >> 32) & mask;
}

/* n elements of size bytes, as out of memory when that overflows. */
static void *
grow(void *p, size_t n, size_t size)
{
	return fk_xrealloc(
	    p, size != 0 && n > SIZE_MAX / size ? SIZE_MAX : n * size);
}

void
fk_table_init(struct fk_table *t, size_t payload, size_t max)
{
	memset(t, 0, sizeof(*t));
	t->payload = payload;
	t->max = max;
	t->head = t->tail = t->freelist = NIL;
}

void
fk_table_release(struct fk_table *t)
{
	free(t->meta);
	free(t->dirty);
	free(t->gone);
	free(t->data);
	free(t->index);
	fk_table_init(t, t->payload, t->max);
}

/* Position in the index of key, or of the empty entry that ends its
 * probe; icap > 0. */
static size_t
probe(const struct fk_table *t, uint64_t key)
{
	size_t mask = t->icap - 1, i = home(key, mask);
	uint32_t e;

	while ((e = t->index[i]) != 0 && t->meta[e - 1].key != key)
		i = (i + 1) & mask;
	return i;
}

static void
index_grow(struct fk_table *t)
{
	uint32_t *old = t->index;
	size_t oldcap = t->icap, i, j, mask;

	t->icap = oldcap ? oldcap * 2 : MIN_CAP * 2;
	t->index = fk_xcalloc(t->icap, sizeof(*t->index));
	mask = t->icap - 1;
	for (i = 0; i < oldcap; i++) {
		if (old[i] == 0)
			continue;
		j = home(t->meta[old[i] - 1].key, mask);
		while (t->index[j] != 0)
			j = (j + 1) & mask;
		t->index[j] = old[i];
	}
	free(old);
}

/* Remove index entry i, moving later entries of the cluster back into
 * the hole when their probe passes through it. */
static void
index_delete(struct fk_table *t, size_t i)
{
	size_t mask = t->icap - 1, j = i, h;

	for (;;) {
		j = (j + 1) & mask;
		if (t->index[j] == 0)
			break;
		h = home(t->meta[t->index[j] - 1].key, mask);
		/* Entry j stays when its home is cyclically in (i, j]. */
		if (((j - h) & mask) < ((j - i) & mask))
			continue;
		t->index[i] = t->index[j];
		i = j;
	}
	t->index[i] = 0;
}

static void
slots_grow(struct fk_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : MIN_CAP, s;

	if (t->max > 0 && cap > t->max)
		cap = t->max;
	if (cap > MAX_SLOTS)
		cap = MAX_SLOTS;
	if (cap <= t->cap) /* no slot numbers left: fatal, as out of memory */
		t->meta = grow(t->meta, SIZE_MAX, 1);
	t->meta = grow(t->meta, cap, sizeof(*t->meta));
	t->data = grow(t->data, cap, t->payload);
	for (s = cap; s-- > t->cap;) {
		t->meta[s].next = t->freelist;
		t->freelist = (uint32_t)s;
	}
	t->cap = cap;
}

static void
unlink_slot(struct fk_table *t, uint32_t s)
{
	uint32_t p = t->meta[s].prev, n = t->meta[s].next;

	if (p != NIL)
		t->meta[p].next = n;
	else
		t->head = n;
	if (n != NIL)
		t->meta[n].prev = p;
	else
		t->tail = p;
}

static void
push_head(struct fk_table *t, uint32_t s)
{
	t->meta[s].prev = NIL;
	t->meta[s].next = t->head;
	if (t->head != NIL)
		t->meta[t->head].prev = s;
	else
		t->tail = s;
	t->head = s;
}

static void
mark_dirty(struct fk_table *t, uint32_t s)
{
	if (!t->tracking || t->meta[s].dirty)
		return;
	if (t->ndirty == t->capdirty) {
		t->capdirty = t->capdirty ? t->capdirty * 2 : 256;
		t->dirty = grow(t->dirty, t->capdirty, sizeof(*t->dirty));
	}
	t->meta[s].dirty = 1;
	t->dirty[t->ndirty++] = s;
}

/* Take slot s out of the index, the LRU list and the count. */
static void
drop_slot(struct fk_table *t, uint32_t s)
{
	index_delete(t, probe(t, t->meta[s].key));
	unlink_slot(t, s);
	t->meta[s].dirty = 0;
	t->meta[s].next = t->freelist;
	t->freelist = s;
	t->n--;
}

static void
evict_tail(struct fk_table *t)
{
	uint32_t s = t->tail;

	if (t->tracking) {
		if (t->ngone == t->capgone) {
			t->capgone = t->capgone ? t->capgone * 2 : 256;
			t->gone = grow(t->gone, t->capgone, sizeof(*t->gone));
		}
		t->gone[t->ngone++] = t->meta[s].key;
	}
	drop_slot(t, s);
}

void *
fk_table_get(struct fk_table *t, uint64_t key, int64_t now, int *created)
{
	size_t i;
	uint32_t s;

	if (t->icap > 0) {
		i = probe(t, key);
		if ((s = t->index[i]) != 0) {
			s--;
			if (s != t->head) {
				unlink_slot(t, s);
				push_head(t, s);
			}
			if (t->meta[s].last < now)
				t->meta[s].last = now;
			mark_dirty(t, s);
			*created = 0;
			return t->data + s * t->payload;
		}
	}
	if (t->max > 0 && t->n >= t->max) {
		evict_tail(t);
		t->evicted_lru++;
	}
	if (t->freelist == NIL)
		slots_grow(t);
	if ((t->n + 1) * 2 > t->icap)
		index_grow(t);
	s = t->freelist;
	t->freelist = t->meta[s].next;
	t->index[probe(t, key)] = s + 1;
	t->meta[s].key = key;
	t->meta[s].last = now;
	t->meta[s].dirty = 0;
	push_head(t, s);
	t->n++;
	mark_dirty(t, s);
	memset(t->data + s * t->payload, 0, t->payload);
	*created = 1;
	return t->data + s * t->payload;
}

void
fk_table_prefetch(const struct fk_table *t, uint64_t key)
{
	if (t->icap > 0)
		__builtin_prefetch(&t->index[home(key, t->icap - 1)]);
}

void
fk_table_prefetch_payload(const struct fk_table *t, uint64_t key)
{
	const unsigned char *p;
	uint32_t e;

	if (t->icap == 0)
		return;
	/* Absent: the free slot that fk_table_get will make it in. */
	if ((e = t->index[home(key, t->icap - 1)]) == 0 &&
	    (e = t->freelist + 1) == 0)
		return;
	__builtin_prefetch(&t->meta[e - 1], 1);
	p = t->data + (size_t)(e - 1) * t->payload;
	for (size_t off = 0; off < t->payload; off += 64)
		__builtin_prefetch(p + off, 1);
}

void
fk_table_prefetch_links(const struct fk_table *t, uint64_t key)
{
	const struct fk_table_meta *m;
	uint32_t e;

	if (t->icap == 0 || (e = t->index[home(key, t->icap - 1)]) == 0)
		return;
	m = &t->meta[e - 1];
	if (m->key != key)
		return;
	if (m->prev != NIL)
		__builtin_prefetch(&t->meta[m->prev]);
	if (m->next != NIL)
		__builtin_prefetch(&t->meta[m->next]);
}

void *
fk_table_find(const struct fk_table *t, uint64_t key)
{
	uint32_t s;

	if (t->icap == 0 || (s = t->index[probe(t, key)]) == 0)
		return NULL;
	return t->data + (s - 1) * t->payload;
}

size_t
fk_table_expire(struct fk_table *t, int64_t cutoff)
{
	size_t k = 0;

	while (t->tail != NIL && t->meta[t->tail].last < cutoff) {
		evict_tail(t);
		k++;
	}
	t->evicted_idle += (long long)k;
	return k;
}

void
fk_table_each(const struct fk_table *t,
    void (*fn)(void *arg, uint64_t key, int64_t last, const void *payload),
    void *arg)
{
	uint32_t s;

	for (s = t->tail; s != NIL; s = t->meta[s].prev)
		fn(arg, t->meta[s].key, t->meta[s].last,
		    t->data + s * t->payload);
}

void
fk_table_track(struct fk_table *t)
{
	t->tracking = 1;
}

void
fk_table_changes(struct fk_table *t,
    void (*fn)(void *arg, uint64_t key, int64_t last, const void *payload),
    void *arg)
{
	for (size_t i = 0; i < t->ngone; i++)
		fn(arg, t->gone[i], 0, NULL);
	for (size_t i = 0; i < t->ndirty; i++) {
		uint32_t s = t->dirty[i];

		if (!t->meta[s].dirty)
			continue; /* evicted since, or listed twice */
		t->meta[s].dirty = 0;
		fn(arg, t->meta[s].key, t->meta[s].last,
		    t->data + (size_t)s * t->payload);
	}
	t->ngone = t->ndirty = 0;
}

void
fk_table_put(
    struct fk_table *t, uint64_t key, int64_t last, const void *payload)
{
	int tracking = t->tracking, created;
	void *p;

	t->tracking = 0;
	p = fk_table_get(t, key, last, &created);
	memcpy(p, payload, t->payload);
	t->meta[t->head].last = last;
	t->tracking = tracking;
}

void
fk_table_remove(struct fk_table *t, uint64_t key)
{
	uint32_t s;

	if (t->icap == 0 || (s = t->index[probe(t, key)]) == 0)
		return;
	drop_slot(t, s - 1);
}
