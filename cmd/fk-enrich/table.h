/* Entities (users, merchants, devices, ...) by the 64-bit hash of their
 * key (two keys with one hash are one entity), each with a fixed-size
 * payload, in least-recently-used order.
 * Memory per entity: the payload and about 40 bytes.  Deterministic: the same
 * calls give the same entities and the same evictions. */
#ifndef FK_TABLE_H
#define FK_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct fk_table {
	size_t payload; /* bytes per entity */
	size_t max;     /* at most this many entities (0: no limit) */
	size_t n;       /* entities now */
	long long evicted_lru, evicted_idle;
	/* private: a slot's key, time and LRU links in one cache line */
	struct fk_table_meta {
		uint64_t key;
		int64_t last;        /* event time of the last touch */
		uint32_t prev, next; /* LRU list; UINT32_MAX ends it */
		uint32_t dirty;      /* changed since fk_table_changes */
	} * meta;
	uint32_t head, tail; /* head: most recent */
	unsigned char *data;
	size_t cap;      /* slots allocated */
	uint32_t *index; /* open addressing: slot + 1, 0 empty */
	size_t icap;
	uint32_t freelist;
	/* change tracking (fk_table_track) */
	int tracking;
	uint32_t *dirty; /* slots changed */
	size_t ndirty, capdirty;
	uint64_t *gone; /* keys evicted */
	size_t ngone, capgone;
};

void fk_table_init(struct fk_table *t, size_t payload, size_t max);
void fk_table_release(struct fk_table *t);

/* The payload of key, made (zeroed) when absent: *created says so; valid
 * until the next fk_table_get.
 * Makes it the most recent with last = max(last, now).  When the table
 * is full, the least recent entity is evicted first (evicted_lru). */
void *fk_table_get(struct fk_table *t, uint64_t key, int64_t now, int *created);

/* Hints that key will be looked up soon: first its index entry, then
 * (once that has arrived) its slot and payload, or when it is absent the
 * free slot it will be made in.  Calling both for all the entities of a
 * record before using any lets their cache misses overlap. */
void fk_table_prefetch(const struct fk_table *t, uint64_t key);
void fk_table_prefetch_payload(const struct fk_table *t, uint64_t key);
/* Then (once its slot has arrived) the slots next to it in LRU order,
 * which fk_table_get relinks. */
void fk_table_prefetch_links(const struct fk_table *t, uint64_t key);

/* The payload of key, or NULL; changes nothing. */
void *fk_table_find(const struct fk_table *t, uint64_t key);

/* Evict least-recent entities whose last touch is before cutoff, from
 * the least recent on, stopping at the first that is not (evicted_idle).
 * Returns how many. */
size_t fk_table_expire(struct fk_table *t, int64_t cutoff);

/* Track changes from now on: entities got (and so maybe changed) and
 * entities evicted, for fk_table_changes. */
void fk_table_track(struct fk_table *t);

/* Report the changes since the last call and forget them: fn(key, 0,
 * NULL) for each key evicted, then fn(key, last, payload) for each entity
 * got since; evictions first, so that a key evicted and made again ends
 * with its value. */
void fk_table_changes(struct fk_table *t,
    void (*fn)(void *arg, uint64_t key, int64_t last, const void *payload),
    void *arg);

/* Put key with last and a copy of payload, as restored from elsewhere
 * (not a change); fk_table_remove takes key out (not an eviction). */
void fk_table_put(
    struct fk_table *t, uint64_t key, int64_t last, const void *payload);
void fk_table_remove(struct fk_table *t, uint64_t key);

/* Call fn for each entity from the least recent to the most recent (the
 * order that fk_table_get calls must repeat to rebuild the table). */
void fk_table_each(const struct fk_table *t,
    void (*fn)(void *arg, uint64_t key, int64_t last, const void *payload),
    void *arg);

#endif
