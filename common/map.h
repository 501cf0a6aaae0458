/* A hash table keyed by byte strings (pointer and length: any bytes,
 * NUL too, the empty string too), each key with a pointer the caller
 * gives it meaning.  Entries keep the order they were added in, so
 * iteration is repeatable and, while nothing is deleted, an entry's
 * index is a dense id.  Library module: never prints, never exits (out
 * of memory aside, as fk_xmalloc). */
#ifndef FK_MAP_H
#define FK_MAP_H

#include <stddef.h>
#include <stdint.h>

struct fk_map_entry {
	const char *key; /* the map's copy: len bytes and a NUL; NULL in a
	                    deleted entry */
	size_t len;
	void *val; /* the caller's: NULL when added, never read or freed */
	uint64_t hash;
};

struct fk_map_chunk; /* the keys' storage */

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
 * NULL.  Borrowed: the entry is the map's, valid until the next
 * fk_map_put, fk_map_clear or fk_map_release (its val is the caller's
 * to change). */
struct fk_map_entry *fk_map_get(
    const struct fk_map *m, const void *key, size_t len);

/* The entry of key, added at the end with val NULL when absent; *added
 * (when not NULL) says which.  The key is borrowed: the map copies it.
 * Every entry, key and index may move (see fk_map_index). */
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

#endif
