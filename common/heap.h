/* A binary heap of fixed-size elements, held by value, each starting
 * with an int64_t key: the least key comes out first, and the caller's
 * tie-breaker orders equal keys.  Keys are compared inline, so a heap
 * of times costs no call a level.  Library module: never prints, never
 * exits (out of memory aside, as fk_xmalloc). */
#ifndef FK_HEAP_H
#define FK_HEAP_H

#include <stddef.h>

struct fk_heap {
	char *v; /* n elements of size bytes, and one more to work in */
	size_t n, cap, size;
	int (*tie)(const void *a, const void *b);
};

/* An empty heap of elements of size bytes (at least an int64_t);
 * nothing allocated yet.  tie(a, b), called for elements of equal keys,
 * is nonzero when a is to come out before b (a strict weak order).
 * Without it, elements of equal keys come out in no set order; break
 * ties (by a sequence number, say) for a repeatable one. */
void fk_heap_init(
    struct fk_heap *h, size_t size, int (*tie)(const void *a, const void *b));
/* Free the elements' room (what they point to is the caller's: pop
 * them first).  h can be initialized again. */
void fk_heap_release(struct fk_heap *h);

static inline size_t
fk_heap_count(const struct fk_heap *h)
{
	return h->n;
}

/* Add a copy of the size bytes at elem (borrowed; it may be one of the
 * heap's own).  What the element points to stays the caller's. */
void fk_heap_push(struct fk_heap *h, const void *elem);

/* The first element, or NULL when empty.  Borrowed: valid until the
 * next push or pop. */
static inline const void *
fk_heap_top(const struct fk_heap *h)
{
	return h->n > 0 ? h->v : NULL;
}

/* Take the first element out, copied into out (size bytes; NULL: drop
 * it): what it points to is the caller's again.  1, or 0 when the heap
 * is empty. */
int fk_heap_pop(struct fk_heap *h, void *out);

#endif
