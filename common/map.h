/* A hash table keyed by byte strings (pointer and length: any bytes,
 * NUL too, the empty string too), each key with a value pointer of the
 * caller's.  Entries keep the order they were added in, so iteration is
 * repeatable and, while nothing is deleted, an entry's index is a dense
 * id.  Ownership: a key passed in is borrowed (the map copies it); the
 * entries handed out, keys included, are borrowed from the map; values
 * are the caller's, which the map neither steals nor frees.  Library
 * module: never prints, never exits (out of memory aside, as
 * fk_xmalloc). */
#ifndef FK_MAP_H
#define FK_MAP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct fk_map_entry {
	const char *key; /* the map's copy: len bytes and a NUL; NULL in a
	                    deleted entry */
	void *val;      /* the caller's: NULL when added, never read or freed */
	uint64_t hash;  /* the key's */
	uint32_t len;   /* keys are shorter than 4 GiB */
	char small[12]; /* a key of up to 11 bytes, in place (private) */
};

struct fk_map_chunk; /* the longer keys' storage */

struct fk_map {
	struct fk_map_entry *e; /* in the order added, deleted ones too */
	size_t n, cap;          /* entries used, deleted included; room */
	size_t count;           /* entries not deleted */
	uint64_t *slot;         /* hash tag << 32 | index + 1; 0: free */
	size_t mask;            /* slots - 1 (twice cap: at most half full) */
	struct fk_map_chunk *chunk; /* newest first */
};

/* An empty map; it allocates nothing until the first fk_map_put. */
void fk_map_init(struct fk_map *m);
/* Free the keys and the table; the values are the caller's to free
 * first (iterate).  m can be initialized again. */
void fk_map_release(struct fk_map *m);
/* Delete every entry, keeping the room. */
void fk_map_clear(struct fk_map *m);

static inline size_t
fk_map_count(const struct fk_map *m)
{
	return m->count;
}

/* The entry of key (len bytes; key may be NULL when len is 0), or
 * NULL.  Borrowed: valid until the next put, clear or release (its val
 * is the caller's to change). */
struct fk_map_entry *fk_map_get(
    const struct fk_map *m, const void *key, size_t len);

/* The entry of key, added at the end with val NULL when absent; *added
 * (when not NULL) says which.  key is borrowed: the map copies it (a key
 * of 4 GiB or more is out of memory).  The entry is borrowed, as
 * fk_map_get's; every other one, its key and its index may move (see
 * fk_map_index). */
struct fk_map_entry *fk_map_put(
    struct fk_map *m, const void *key, size_t len, int *added);

/* Delete e, an entry of m; its val is the caller's.  Nothing moves, so
 * deleting while iterating is safe. */
void fk_map_del(struct fk_map *m, struct fk_map_entry *e);

/* Entries in the order they were added (a key deleted and added again
 * goes last): set *it to 0, then each call gives the next entry, NULL
 * at the end.  Borrowed, as fk_map_get's; no fk_map_put meanwhile. */
struct fk_map_entry *fk_map_next(const struct fk_map *m, size_t *it);

/* Indices: the entries are e[0..n) in the order added.  With no
 * fk_map_del since the map was made or cleared, the entry added i-th
 * has index i for good, so callers may use indices as ids into arrays
 * of their own.  After a delete, fk_map_put may renumber them (keeping
 * the order). */
static inline size_t
fk_map_index(const struct fk_map *m, const struct fk_map_entry *e)
{
	return (size_t)(e - m->e);
}

/* The entry of index i < m->n; borrowed; NULL if deleted. */
static inline struct fk_map_entry *
fk_map_at(const struct fk_map *m, size_t i)
{
	return m->e[i].key != NULL ? &m->e[i] : NULL;
}

/* For a caller that hashes its keys more cheaply than fk_hash64 (a
 * scanner that has just read the key's bytes): fk_map_put and
 * fk_map_get with the caller's 64-bit hash of the key, the latter
 * inline.  The upper 32 bits tell keys apart in a slot and the lower
 * ones pick the slot, so both must vary with the key.  A map takes the
 * hash of every key from its caller, by one function, or of none. */
struct fk_map_entry *fk_map_put_hashed(
    struct fk_map *m, const void *key, size_t len, uint64_t hash, int *added);
static inline struct fk_map_entry *fk_map_get_hashed(
    const struct fk_map *m, const void *key, size_t len, uint64_t hash);

/* The scanners' loops are long: their lookups must inline all the same. */
#if defined(__GNUC__)
#define FK_MAP_INLINE inline __attribute__((always_inline))
#else
#define FK_MAP_INLINE inline
#endif

/* Inside: whether the len bytes at a and b are the same; short keys,
 * the most common, in two overlapping loads each rather than a call. */
static FK_MAP_INLINE int
fk_map_eq(const void *a, const void *b, size_t len)
{
	const char *p = a, *q = b;
	uint64_t w, x, y, z;
	uint32_t s, t, u, v;

	if (len >= 8 && len <= 16) {
		memcpy(&w, p, 8);
		memcpy(&x, q, 8);
		memcpy(&y, p + len - 8, 8);
		memcpy(&z, q + len - 8, 8);
		return ((w ^ x) | (y ^ z)) == 0;
	}
	if (len >= 4 && len < 8) {
		memcpy(&s, p, 4);
		memcpy(&t, q, 4);
		memcpy(&u, p + len - 4, 4);
		memcpy(&v, q + len - 4, 4);
		return ((s ^ t) | (u ^ v)) == 0;
	}
	if (len < 4) {
		for (size_t i = 0; i < len; i++)
			if (p[i] != q[i])
				return 0;
		return 1;
	}
	return memcmp(p, q, len) == 0;
}

/* Inside: the slot of key, or the free slot that ends its probe run;
 * m has slots. */
static FK_MAP_INLINE size_t
fk_map_probe(const struct fk_map *m, const void *key, size_t len, uint64_t h)
{
	const struct fk_map_entry *e;
	uint64_t tag = h >> 32 << 32, s;
	size_t i;

	for (i = (size_t)h & m->mask; (s = m->slot[i]) != 0;
	     i = (i + 1) & m->mask) {
		if ((s & ~(uint64_t)UINT32_MAX) != tag)
			continue;
		e = &m->e[(uint32_t)s - 1];
		/* A short key from its place: no pointer to follow. */
		if (e->len == len &&
		    fk_map_eq(
		        len < sizeof(e->small) ? e->small : e->key, key, len))
			break;
	}
	return i;
}

static FK_MAP_INLINE struct fk_map_entry *
fk_map_get_hashed(
    const struct fk_map *m, const void *key, size_t len, uint64_t hash)
{
	uint64_t s;

	if (m->count == 0)
		return NULL;
	s = m->slot[fk_map_probe(m, key, len, hash)];
	return s != 0 ? &m->e[(uint32_t)s - 1] : NULL;
}

#endif
