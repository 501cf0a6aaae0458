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
	/* What the memo says no path goes through may now have one. */
	free(t->nodes[parent].memo);
	t->nodes[parent].memo = NULL;
	t->nodes[parent].nmemo = 0;
	if (t->n == t->cap) {
		t->cap *= 2;
		t->nodes = fk_xrealloc(t->nodes, t->cap * sizeof(*t->nodes));
	}
	t->n++;
	c = &t->nodes[k];
	memset(c, 0, sizeof(*c));
	c->slot = -1;
	fk_map_init(&c->kids);
	return k;
}

size_t
fk_jpath_addv(struct fk_jpath *t, const char *name, const char *const *seg,
    const size_t *lens, size_t n)
{
	uint32_t at = 0;
	size_t i;

	for (i = 0; i < n; i++)
		at = child(t, at, seg[i], lens[i]);
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
fk_jpath_memo_grow(struct fk_jpath *t, uint32_t node, size_t pos)
{
	struct fk_jpath_node *nd = &t->nodes[node];
	size_t n = nd->nmemo > 0 ? 2 * nd->nmemo : 16, i;

	while (n <= pos)
		n *= 2;
	if (n > FK_JPATH_MEMO_MAX)
		n = FK_JPATH_MEMO_MAX;
	nd->memo = fk_xrealloc(nd->memo, n * sizeof(*nd->memo));
	for (i = nd->nmemo; i < n; i++)
		nd->memo[i].len = FK_JPATH_NOMEMO;
	nd->nmemo = n;
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
