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

/* What the keys of a node's objects were in the records before: an
 * entry per key (of up to 16 bytes, held whole in its words), with the
 * kid it found and the entry of the key that followed it last time.  A
 * stream's records mostly write their keys in one order, so the scanner
 * follows the chain, finds the key it expects by comparing bytes, and
 * skips both the string's scan and the lookup; a key left out or added
 * costs one lookup, after which the chain goes on from that key. */
struct fk_jpath_memo {
	uint64_t w0, w1;
	uint32_t len;
	uint32_t kid;  /* or FK_JPATH_NONE */
	uint32_t next; /* an entry, or FK_JPATH_NOMEMO */
	uint32_t leaf; /* kid has no kids: nothing below it to forget */
};

#define FK_JPATH_NOMEMO UINT32_MAX
#define FK_JPATH_MEMO_MAX 256 /* keys remembered per node */

struct fk_jpath_node {
	/* What the scanner reads for every key first, together. */
	long slot;      /* the path that ends here, or -1 */
	unsigned gen;   /* the last scan that found this node */
	uint32_t first; /* the memo's entry of the first key, or
			 * FK_JPATH_NOMEMO */
	/* The memo, forgotten when a kid is added; seen has the index of
	 * each key's entry, hashed as kids. */
	struct fk_jpath_memo *memo;
	uint32_t nmemo, capmemo;
	/* The kids by member name, hashed by fk_jpath_hash; each val is the
	 * kid's node index. */
	struct fk_map kids;
	struct fk_map seen;
};

/* Where a scan is in one object of a node: the entry of the key it
 * expects and of the key it read last (FK_JPATH_NOMEMO: not known;
 * FK_JPATH_FIRST: none yet). */
struct fk_jpath_cursor {
	const struct fk_jpath_memo *memo; /* the node's, where it is now */
	uint32_t next, last;
};

#define FK_JPATH_FIRST (UINT32_MAX - 1)

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

/* An object of node begins. */
static FK_JPATH_INLINE void
fk_jpath_open(
    const struct fk_jpath *t, uint32_t node, struct fk_jpath_cursor *c)
{
	c->memo = t->nodes[node].memo;
	c->next = t->nodes[node].first;
	c->last = FK_JPATH_FIRST;
}

/* The entry of the key at k (after its opening quote; end: where the
 * text ends) when it is the one c expects: its bytes and then the
 * closing quote, so that the key is known to be valid and plain; c moves
 * past it.  NULL otherwise: scan the key and look it up. */
static FK_JPATH_INLINE const struct fk_jpath_memo *
fk_jpath_recall(struct fk_jpath_cursor *c, const char *k, const char *end)
{
	const struct fk_jpath_memo *e;
	struct fk_jpath_words w;

	if (c->next == FK_JPATH_NOMEMO)
		return NULL;
	e = &c->memo[c->next];
	if (end - k <= (long)e->len || k[e->len] != '"')
		return NULL;
	w = fk_jpath_words(k, e->len, end);
	if (w.w0 != e->w0 || w.w1 != e->w1)
		return NULL;
	c->last = c->next;
	c->next = e->next;
	return e;
}

/* Remember that the key key[0..len) (words w, hash h) came after
 * c->last in an object of node, and found kid; c moves past it. */
void fk_jpath_learn(struct fk_jpath *t, uint32_t node,
    struct fk_jpath_cursor *c, const char *key, size_t len,
    struct fk_jpath_words w, uint64_t h, uint32_t kid);

/* A key that cannot be remembered (escaped): where c is is not known. */
static FK_JPATH_INLINE void
fk_jpath_lose(struct fk_jpath_cursor *c)
{
	c->next = c->last = FK_JPATH_NOMEMO;
}

/* The kid of node named key[0..len) (plain bytes: no escapes), or
 * FK_JPATH_NONE, looked up and remembered after the key c read last.
 * end: where the text ends, as for fk_jpath_words. */
static FK_JPATH_INLINE uint32_t
fk_jpath_kid(struct fk_jpath *t, uint32_t node, struct fk_jpath_cursor *c,
    const char *key, size_t len, const char *end)
{
	const struct fk_map_entry *e;
	struct fk_jpath_words w;
	uint64_t h;
	uint32_t k;

	if (fk_map_count(&t->nodes[node].kids) == 0)
		return FK_JPATH_NONE;
	w = fk_jpath_words(key, len, end);
	h = fk_jpath_hash(w, len);
	e = fk_map_get_hashed(&t->nodes[node].kids, key, len, h);
	k = e != NULL ? (uint32_t)(uintptr_t)e->val : FK_JPATH_NONE;
	fk_jpath_learn(t, node, c, key, len, w, h, k);
	return k;
}

#endif
