/* fk_heap: elements move into a hole rather than swap.  Keys are read
 * and compared inline; only equal keys cost a call.  The loops keep the
 * heap's fields in locals, which a call through a pointer would
 * otherwise make the compiler load again. */
#include "heap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#include "banned.h"

#define MIN_CAP 64

void
fk_heap_init(
    struct fk_heap *h, size_t size, int (*tie)(const void *a, const void *b))
{
	h->v = NULL;
	h->n = h->cap = 0;
	h->size = size;
	h->tie = tie;
}

void
fk_heap_release(struct fk_heap *h)
{
	free(h->v);
	fk_heap_init(h, h->size, h->tie);
}

static inline int64_t
key(const char *e)
{
	int64_t k;

	memcpy(&k, e, sizeof(k));
	return k;
}

static inline int
before(const char *a, const char *b, int (*tie)(const void *, const void *))
{
	int64_t x = key(a), y = key(b);

	return x < y || (x == y && tie != NULL && tie(a, b));
}

static inline void
word(char *to, const char *from, size_t k)
{
	uint64_t w;

	memcpy(&w, from + k, sizeof(w));
	memcpy(to + k, &w, sizeof(w));
}

/* Copy an element: up to 64 bytes in whole words inline, rather than a
 * call to memcpy for every level walked. */
static inline void
move(char *to, const char *from, size_t size)
{
	switch (size % 8 != 0 || size > 64 ? 0 : size / 8) {
	case 8:
		word(to, from, 56);
		/* FALLTHROUGH */
	case 7:
		word(to, from, 48);
		/* FALLTHROUGH */
	case 6:
		word(to, from, 40);
		/* FALLTHROUGH */
	case 5:
		word(to, from, 32);
		/* FALLTHROUGH */
	case 4:
		word(to, from, 24);
		/* FALLTHROUGH */
	case 3:
		word(to, from, 16);
		/* FALLTHROUGH */
	case 2:
		word(to, from, 8);
		/* FALLTHROUGH */
	case 1:
		word(to, from, 0);
		break;
	default:
		memcpy(to, from, size);
	}
}

void
fk_heap_push(struct fk_heap *h, const void *elem)
{
	int (*tie)(const void *, const void *) = h->tie;
	size_t size = h->size, old = h->cap, i, p;
	char *v, *x;

	/* Through the spare element, which a realloc moves with the rest:
	 * elem may be one of ours. */
	if (h->v != NULL)
		move(h->v + old * size, elem, size);
	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : MIN_CAP;
		if (h->cap + 1 > SIZE_MAX / size)
			fk_xmalloc(SIZE_MAX); /* out of memory */
		h->v = fk_xrealloc(h->v, (h->cap + 1) * size);
		memcpy(h->v + h->cap * size, old > 0 ? h->v + old * size : elem,
		    size);
	}
	v = h->v;
	x = v + h->cap * size;
	for (i = h->n++; i > 0; i = p) {
		p = (i - 1) / 2;
		if (!before(x, v + p * size, tie))
			break;
		move(v + i * size, v + p * size, size);
	}
	move(v + i * size, x, size);
}

int
fk_heap_pop(struct fk_heap *h, void *out)
{
	int (*tie)(const void *, const void *) = h->tie;
	size_t size = h->size, i = 0, c, end;
	char *v = h->v, *last;

	if (h->n == 0)
		return 0;
	if (out != NULL)
		move(out, v, size);
	/* Byte offsets: the left child of the element at i is at 2i + size,
	 * with no multiplication between one cache miss and the next. */
	end = --h->n * size;
	last = v + h->cap * size;
	move(last, v + end, size);
	while ((c = 2 * i + size) < end) {
		if (c + size < end && before(v + c + size, v + c, tie))
			c += size;
		if (!before(v + c, last, tie))
			break;
		move(v + i, v + c, size);
		i = c;
	}
	move(v + i, last, size);
	return 1;
}
