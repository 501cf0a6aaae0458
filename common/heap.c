/* fk_heap: elements move into a hole rather than swap, and a pop sends
 * the hole down to a leaf by the smaller child before it brings the last
 * element up to it (Floyd's way): one comparison a level instead of two,
 * where comparisons are calls through a pointer. */
#include "heap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#include "banned.h"

#define MIN_CAP 64

void
fk_heap_init(
    struct fk_heap *h, size_t size, int (*before)(const void *a, const void *b))
{
	h->v = NULL;
	h->n = h->cap = 0;
	h->size = size;
	h->before = before;
}

void
fk_heap_release(struct fk_heap *h)
{
	free(h->v);
	fk_heap_init(h, h->size, h->before);
}

static inline char *
at(const struct fk_heap *h, size_t i)
{
	return h->v + i * h->size;
}

/* Put the element at x (not in v[0..n)) at the hole i, or above it. */
static void
sift_up(struct fk_heap *h, size_t i, const char *x)
{
	size_t p;

	for (; i > 0; i = p) {
		p = (i - 1) / 2;
		if (!h->before(x, at(h, p)))
			break;
		memcpy(at(h, i), at(h, p), h->size);
	}
	memcpy(at(h, i), x, h->size);
}

void
fk_heap_push(struct fk_heap *h, const void *elem)
{
	size_t old = h->cap;

	/* Through the spare element, which a realloc moves with the rest:
	 * elem may be one of ours. */
	if (h->v != NULL)
		memcpy(at(h, old), elem, h->size);
	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : MIN_CAP;
		if (h->size != 0 && h->cap + 1 > SIZE_MAX / h->size)
			fk_xmalloc(SIZE_MAX); /* out of memory */
		h->v = fk_xrealloc(h->v, (h->cap + 1) * h->size);
		memcpy(at(h, h->cap), old > 0 ? at(h, old) : elem, h->size);
	}
	sift_up(h, h->n++, at(h, h->cap));
}

int
fk_heap_pop(struct fk_heap *h, void *out)
{
	size_t i = 0, c;
	char *last;

	if (h->n == 0)
		return 0;
	if (out != NULL)
		memcpy(out, h->v, h->size);
	last = at(h, h->cap);
	memcpy(last, at(h, --h->n), h->size);
	while ((c = 2 * i + 1) < h->n) {
		if (c + 1 < h->n && h->before(at(h, c + 1), at(h, c)))
			c++;
		memcpy(at(h, i), at(h, c), h->size);
		i = c;
	}
	if (h->n > 0)
		sift_up(h, i, last);
	return 1;
}
