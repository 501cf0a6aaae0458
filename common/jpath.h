/* A set of dotted paths into a record ("features.user.count_10m"),
 * compiled into a tree that fk_jscan_paths (jscan.h) follows while it
 * scans, so that the value of every path is found in the pass that
 * validates the record.  The direction is one way: the scanner reads
 * this tree; the tree knows nothing of the scanner.  Library module:
 * never prints, never exits. */
#ifndef FK_JPATH_H
#define FK_JPATH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "map.h"

/* The tree, public only so that fk_jscan_paths can look keys up inline;
 * everyone else uses the functions. */
#define FK_JPATH_NONE UINT32_MAX

/* What a lookup in a node's kids found for the key at one position of
 * its object: a stream's records mostly write their keys in one order,
 * so the key there is most often the one there in the record before,
 * and a comparison of its words stands in for the hash and the probe.
 * Keys of up to 16 bytes: their words are all of them. */
struct fk_jpath_memo {
	uint64_t w0, w1;
	uint32_t len; /* FK_JPATH_NOMEMO: nothing remembered */
	uint32_t kid; /* or FK_JPATH_NONE */
};

#define FK_JPATH_NOMEMO UINT32_MAX
#define FK_JPATH_MEMO_MAX 256 /* positions remembered per node */

struct fk_jpath_node {
	long slot; /* the path that ends here, or -1 */
	/* The kids by member name, hashed by fk_jpath_hash; each val is the
	 * kid's node index. */
	struct fk_map kids;
	unsigned gen;               /* the last scan that found this node */
	struct fk_jpath_memo *memo; /* by position; forgotten when a kid
				     * is added */
	size_t nmemo;
};

struct fk_jpath {
	struct fk_jpath_node *nodes; /* [0] is the root: the record itself */
	size_t n, cap;
	char **names; /* per slot */
	size_t nslots;
	unsigned gen;
};

/* A new empty set; fk_jpath_free frees it. */
struct fk_jpath *fk_jpath_new(void);
void fk_jpath_free(struct fk_jpath *t);

/* Add the path of n member names seg[0..n) (lens[i] bytes each, any
 * bytes but NUL), shown as name in messages and output (copied).  The
 * same path again gives the same slot.  Returns the slot, numbered from
 * 0 in order of addition. */
size_t fk_jpath_addv(struct fk_jpath *t, const char *name,
    const char *const *seg, const size_t *lens, size_t n);

/* Add a dotted path: names of [A-Za-z0-9_-] between dots.  The slot, or
 * -1 with a message in err. */
long fk_jpath_add(
    struct fk_jpath *t, const char *path, char *err, size_t errlen);

size_t fk_jpath_count(const struct fk_jpath *t);
/* The name slot was added with; borrowed. */
const char *fk_jpath_name(const struct fk_jpath *t, size_t slot);

/* The hash both sides use: the builder as it adds a name, the scanner
 * as it reads a key. */

static inline uint64_t
fk_jpath_load64(const char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

#if defined(__GNUC__)
#define FK_JPATH_INLINE inline __attribute__((always_inline))
#else
#define FK_JPATH_INLINE inline
#endif

/* A key as two words, its first and its last 8 bytes (a shorter key in
 * the first, byte i at bits 8i, the rest zero): with the length they
 * tell keys of up to 16 bytes apart without a loop.  end: where the text
 * ends, so that a short key may be read 8 bytes at once. */
struct fk_jpath_words {
	uint64_t w0, w1;
};

static FK_JPATH_INLINE struct fk_jpath_words
fk_jpath_words(const char *s, size_t len, const char *end)
{
	struct fk_jpath_words w = { 0, 0 };
	size_t i;

	if (len >= 8) {
		w.w0 = fk_jpath_load64(s);
		w.w1 = fk_jpath_load64(s + len - 8);
		return w;
	}
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (end - s >= 8) {
		w.w0 = len == 0
		    ? 0
		    : fk_jpath_load64(s) & (~0ULL >> (64 - 8 * len));
		return w;
	}
#else
	(void)end;
#endif
	for (i = 0; i < len; i++)
		w.w0 |= (uint64_t)(unsigned char)s[i] << (8 * i);
	return w;
}

/* A hash for fk_map_get_hashed: the product's upper half mixes every
 * bit, and its lower half gets some of them too. */
static FK_JPATH_INLINE uint64_t
fk_jpath_hash(struct fk_jpath_words w, size_t len)
{
	uint64_t h =
	    (w.w0 * 0x9e3779b97f4a7c15u ^ w.w1 ^ len) * 0xff51afd7ed558ccdu;

	return h ^ h >> 29;
}

/* Room in node's memo for position pos < FK_JPATH_MEMO_MAX. */
void fk_jpath_memo_grow(struct fk_jpath *t, uint32_t node, size_t pos);

/* The kid of node named key[0..len) (plain bytes: no escapes), the key
 * at position pos of its object, or FK_JPATH_NONE.  end: where the text
 * ends, as for fk_jpath_words. */
static FK_JPATH_INLINE uint32_t
fk_jpath_kid(struct fk_jpath *t, uint32_t node, size_t pos, const char *key,
    size_t len, const char *end)
{
	struct fk_jpath_node *nd = &t->nodes[node];
	const struct fk_map_entry *e;
	struct fk_jpath_memo *mm;
	struct fk_jpath_words w;
	uint32_t k;

	if (fk_map_count(&nd->kids) == 0)
		return FK_JPATH_NONE;
	w = fk_jpath_words(key, len, end);
	if (pos < nd->nmemo) {
		mm = &nd->memo[pos];
		if (mm->len == len && mm->w0 == w.w0 && mm->w1 == w.w1)
			return mm->kid;
	}
	e = fk_map_get_hashed(&nd->kids, key, len, fk_jpath_hash(w, len));
	k = e != NULL ? (uint32_t)(uintptr_t)e->val : FK_JPATH_NONE;
	if (len > 16 || pos >= FK_JPATH_MEMO_MAX)
		return k;
	if (pos >= nd->nmemo) {
		fk_jpath_memo_grow(t, node, pos);
		nd = &t->nodes[node];
	}
	nd->memo[pos] = (struct fk_jpath_memo){ w.w0, w.w1, (uint32_t)len, k };
	return k;
}

#endif
