/* Paths as a tree of member names, each node's kids in an fk_map: the
 * scanner hashes a key once, cheaply, and finds whether some path goes
 * through it, or ends at it. */
#include "jpath.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#include "banned.h"

struct fk_jpath *
fk_jpath_new(void)
{
	struct fk_jpath *t = fk_xcalloc(1, sizeof(*t));

	t->cap = 16;
	t->nodes = fk_xcalloc(t->cap, sizeof(*t->nodes));
	t->nodes[0].slot = -1;
	t->nodes[0].first = FK_JPATH_NOMEMO;
	fk_map_init(&t->nodes[0].seen);
	t->n = 1;
	return t;
}

void
fk_jpath_free(struct fk_jpath *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++) {
		fk_map_release(&t->nodes[i].kids);
		fk_map_release(&t->nodes[i].seen);
		free(t->nodes[i].memo);
	}
	for (i = 0; i < t->nslots; i++)
		free(t->names[i]);
	free(t->nodes);
	free(t->names);
	free(t);
}

static uint32_t
child(struct fk_jpath *t, uint32_t parent, const char *name, size_t len)
{
	struct fk_jpath_node *c;
	struct fk_map_entry *e;
	uint32_t k = (uint32_t)t->n;
	int added;

	/* The name's words a byte at a time: the same as the scanner's. */
	e = fk_map_put_hashed(&t->nodes[parent].kids, name, len,
	    fk_jpath_hash(fk_jpath_words(name, len, name + len), len), &added);
	if (!added)
		return (uint32_t)(uintptr_t)e->val;
	e->val = (void *)(uintptr_t)k;
	if (t->n == t->cap) {
		t->cap *= 2;
		t->nodes = fk_xrealloc(t->nodes, t->cap * sizeof(*t->nodes));
	}
	t->n++;
	c = &t->nodes[k];
	memset(c, 0, sizeof(*c));
	c->slot = -1;
	fk_map_init(&c->kids);
	c->first = FK_JPATH_NOMEMO;
	fk_map_init(&c->seen);
	return k;
}

/* A new node: a key the memos found no kid for may now have one, and a
 * kid they took for a leaf may now have kids. */
static void
forget_memos(struct fk_jpath *t)
{
	for (size_t i = 0; i < t->n; i++) {
		t->nodes[i].nmemo = 0;
		t->nodes[i].first = FK_JPATH_NOMEMO;
		fk_map_clear(&t->nodes[i].seen);
	}
}

size_t
fk_jpath_addv(struct fk_jpath *t, const char *name, const char *const *seg,
    const size_t *lens, size_t n)
{
	uint32_t at = 0;
	size_t i, had = t->n;

	for (i = 0; i < n; i++)
		at = child(t, at, seg[i], lens[i]);
	if (t->n != had)
		forget_memos(t);
	if (t->nodes[at].slot >= 0)
		return (size_t)t->nodes[at].slot;
	t->names = fk_xrealloc(t->names, (t->nslots + 1) * sizeof(*t->names));
	t->names[t->nslots] = fk_xstrdup(name);
	t->nodes[at].slot = (long)t->nslots;
	return t->nslots++;
}

static int
name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-';
}

long
fk_jpath_add(struct fk_jpath *t, const char *path, char *err, size_t errlen)
{
	const char *seg[64];
	size_t lens[64], n = 0;
	const char *p = path, *s;

	for (;;) {
		for (s = p; name_char((unsigned char)*p); p++)
			;
		if (p == s || (*p != '.' && *p != '\0')) {
			snprintf(err, errlen,
			    "\"%s\": expected names of letters, digits, '_' "
			    "or '-' between dots",
			    path);
			return -1;
		}
		if (n == sizeof(seg) / sizeof(seg[0])) {
			snprintf(err, errlen, "\"%s\": more than %zu names",
			    path, n);
			return -1;
		}
		seg[n] = s;
		lens[n++] = (size_t)(p - s);
		if (*p++ == '\0')
			break;
	}
	return (long)fk_jpath_addv(t, path, seg, lens, n);
}

void
fk_jpath_learn(struct fk_jpath *t, uint32_t node, struct fk_jpath_cursor *c,
    const char *key, size_t len, struct fk_jpath_words w, uint64_t h,
    uint32_t kid)
{
	struct fk_jpath_node *nd = &t->nodes[node];
	struct fk_map_entry *e = NULL;
	uint32_t i = FK_JPATH_NOMEMO;
	int added;

	if (len <= 16 &&
	    ((e = fk_map_get_hashed(&nd->seen, key, len, h)) != NULL ||
	        nd->nmemo < FK_JPATH_MEMO_MAX)) {
		if (e == NULL) {
			if (nd->nmemo == nd->capmemo) {
				nd->capmemo =
				    nd->capmemo ? 2 * nd->capmemo : 16;
				nd->memo = fk_xrealloc(
				    nd->memo, nd->capmemo * sizeof(*nd->memo));
			}
			e = fk_map_put_hashed(&nd->seen, key, len, h, &added);
			e->val = (void *)(uintptr_t)nd->nmemo;
			nd->memo[nd->nmemo] = (struct fk_jpath_memo){ w.w0,
				w.w1, (uint32_t)len, kid, FK_JPATH_NOMEMO,
				kid != FK_JPATH_NONE &&
				    fk_map_count(&t->nodes[kid].kids) == 0 };
			nd->nmemo++;
		}
		i = (uint32_t)(uintptr_t)e->val;
	}
	if (c->last == FK_JPATH_FIRST)
		nd->first = i;
	else if (c->last != FK_JPATH_NOMEMO)
		nd->memo[c->last].next = i;
	c->memo = nd->memo;
	c->last = i;
	c->next = i != FK_JPATH_NOMEMO ? nd->memo[i].next : FK_JPATH_NOMEMO;
}

size_t
fk_jpath_count(const struct fk_jpath *t)
{
	return t->nslots;
}

const char *
fk_jpath_name(const struct fk_jpath *t, size_t slot)
{
	return t->names[slot];
}
