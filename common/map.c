/* fk_map: open addressing with linear probing over an array of slots,
 * each the index of an entry and 32 bits of its hash, so that a probe
 * tells most keys apart without touching the entries.  Entries are
 * dense and in order; short keys (ids, names) live in their entry, so
 * that a lookup touches two places, longer ones in chunks, so adding a
 * key rarely calls malloc.  Deleting shifts
 * the probe run back (no tombstones); the entry stays as a hole until
 * the entries fill up, when holes and dead keys are squeezed out. */
#include "map.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "xalloc.h"

#include "banned.h"

#define SEED 0x6d6170ULL /* any constant: no hash is stored or shown */
#define MIN_CAP 8        /* entries; slots are twice as many */
#define MIN_CHUNK 256    /* bytes of keys; doubling up to MAX_CHUNK */
#define MAX_CHUNK 65536

struct fk_map_chunk {
	struct fk_map_chunk *next; /* older */
	size_t used, cap;
	char b[];
};

void
fk_map_init(struct fk_map *m)
{
	memset(m, 0, sizeof(*m));
}

static void
free_chunks(struct fk_map_chunk *c)
{
	struct fk_map_chunk *next;

	for (; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
}

void
fk_map_release(struct fk_map *m)
{
	free(m->e);
	free(m->slot);
	free_chunks(m->chunk);
	fk_map_init(m);
}

void
fk_map_clear(struct fk_map *m)
{
	if (m->slot != NULL)
		memset(m->slot, 0, (m->mask + 1) * sizeof(*m->slot));
	/* Keep the newest chunk for the keys to come. */
	if (m->chunk != NULL) {
		free_chunks(m->chunk->next);
		m->chunk->next = NULL;
		m->chunk->used = 0;
	}
	m->n = m->count = 0;
}

static inline uint64_t
slot_of(uint64_t hash, size_t i)
{
	return (hash >> 32 << 32) | (uint64_t)(i + 1);
}

struct fk_map_entry *
fk_map_get(const struct fk_map *m, const void *key, size_t len)
{
	if (m->count == 0)
		return NULL;
	return fk_map_get_hashed(m, key, len, fk_hash64(key, len, SEED));
}

/* A copy of key, with a NUL after it, in e or in the chunks. */
static void
copy_key(struct fk_map *m, struct fk_map_entry *e, const void *key, size_t len)
{
	struct fk_map_chunk *c = m->chunk;
	size_t cap;
	char *p;

	if (len < sizeof(e->small)) {
		p = e->small;
	} else {
		if (c == NULL || c->cap - c->used < len + 1) {
			cap = c == NULL          ? MIN_CHUNK
			    : c->cap < MAX_CHUNK ? 2 * c->cap
			                         : MAX_CHUNK;
			if (cap < len + 1)
				cap = len + 1;
			c = fk_xmalloc(sizeof(*c) + cap);
			c->next = m->chunk;
			c->used = 0;
			c->cap = cap;
			m->chunk = c;
		}
		p = c->b + c->used;
		c->used += len + 1;
	}
	if (len > 0)
		memcpy(p, key, len);
	p[len] = '\0';
	e->key = p;
	e->len = (uint32_t)len;
}

/* Drop the deleted entries (keeping the order) and their keys, and
 * make the slots again for cap entries. */
static void
rebuild(struct fk_map *m, size_t cap)
{
	struct fk_map_chunk *old = NULL;
	size_t i, j, k, bytes = 0;

	if (cap != m->cap) {
		if (cap > (size_t)UINT32_MAX - 1 ||
		    cap > SIZE_MAX / 2 / sizeof(*m->slot))
			fk_xmalloc(SIZE_MAX); /* out of memory */
		m->e = fk_xrealloc(m->e, cap * sizeof(*m->e));
		m->cap = cap;
		free(m->slot);
		m->slot = fk_xmalloc(2 * cap * sizeof(*m->slot));
		m->mask = 2 * cap - 1;
		/* Short keys moved with their entries. */
		for (i = 0; i < m->n; i++)
			if (m->e[i].key != NULL &&
			    m->e[i].len < sizeof(m->e[i].small))
				m->e[i].key = m->e[i].small;
	}
	if (m->count < m->n) {
		for (i = 0; i < m->n; i++)
			if (m->e[i].key != NULL &&
			    m->e[i].len >= sizeof(m->e[i].small))
				bytes += m->e[i].len + 1;
		/* The live long keys into one chunk of their own. */
		old = m->chunk;
		m->chunk = NULL;
		if (bytes > 0) {
			m->chunk = fk_xmalloc(sizeof(*m->chunk) + bytes);
			m->chunk->next = NULL;
			m->chunk->used = 0;
			m->chunk->cap = bytes;
		}
		for (i = j = 0; i < m->n; i++) {
			if (m->e[i].key == NULL)
				continue;
			m->e[j].val = m->e[i].val;
			m->e[j].hash = m->e[i].hash;
			/* memmove: j may be i, or a short key's own entry. */
			if (m->e[i].len < sizeof(m->e[i].small)) {
				memmove(m->e[j].small, m->e[i].small,
				    sizeof(m->e[j].small));
				m->e[j].key = m->e[j].small;
				m->e[j].len = m->e[i].len;
			} else {
				copy_key(m, &m->e[j], m->e[i].key, m->e[i].len);
			}
			j++;
		}
		free_chunks(old);
		m->n = j;
	}
	memset(m->slot, 0, (m->mask + 1) * sizeof(*m->slot));
	for (i = 0; i < m->n; i++) {
		for (k = (size_t)m->e[i].hash & m->mask; m->slot[k] != 0;
		     k = (k + 1) & m->mask)
			;
		m->slot[k] = slot_of(m->e[i].hash, i);
	}
}

struct fk_map_entry *
fk_map_put(struct fk_map *m, const void *key, size_t len, int *added)
{
	return fk_map_put_hashed(m, key, len, fk_hash64(key, len, SEED), added);
}

struct fk_map_entry *
fk_map_put_hashed(
    struct fk_map *m, const void *key, size_t len, uint64_t h, int *added)
{
	struct fk_map_entry *e;
	size_t i;

	if (len > UINT32_MAX)
		fk_xmalloc(SIZE_MAX); /* out of memory */
	if (m->count > 0) {
		i = fk_map_probe(m, key, len, h);
		if (m->slot[i] != 0) {
			if (added != NULL)
				*added = 0;
			return &m->e[(uint32_t)m->slot[i] - 1];
		}
	}
	if (m->n == m->cap) {
		/* Mostly holes: squeeze them out; else twice the room. */
		rebuild(m,
		    m->cap == 0                ? MIN_CAP
		        : 2 * m->count <= m->n ? m->cap
		                               : 2 * m->cap);
	}
	for (i = (size_t)h & m->mask; m->slot[i] != 0; i = (i + 1) & m->mask)
		;
	m->slot[i] = slot_of(h, m->n);
	e = &m->e[m->n++];
	copy_key(m, e, key, len);
	e->val = NULL;
	e->hash = h;
	m->count++;
	if (added != NULL)
		*added = 1;
	return e;
}

void
fk_map_del(struct fk_map *m, struct fk_map_entry *e)
{
	uint64_t want = slot_of(e->hash, fk_map_index(m, e));
	size_t i, j, home;

	for (i = (size_t)e->hash & m->mask; m->slot[i] != want;
	     i = (i + 1) & m->mask)
		;
	/* Move back each later slot of the run that may live at i. */
	for (j = (i + 1) & m->mask; m->slot[j] != 0; j = (j + 1) & m->mask) {
		home = (size_t)m->e[(uint32_t)m->slot[j] - 1].hash & m->mask;
		if (((j - home) & m->mask) >= ((j - i) & m->mask)) {
			m->slot[i] = m->slot[j];
			i = j;
		}
	}
	m->slot[i] = 0;
	e->key = NULL;
	e->len = 0;
	e->val = NULL;
	m->count--;
}

struct fk_map_entry *
fk_map_next(const struct fk_map *m, size_t *it)
{
	while (*it < m->n) {
		struct fk_map_entry *e = &m->e[(*it)++];

		if (e->key != NULL)
			return e;
	}
	return NULL;
}
