/* Paths as a tree of member names, each node's kids in a small hash
 * table: the scanner hashes a key once and finds whether some path goes
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
		free(t->nodes[i].name);
		free(t->nodes[i].kids);
		free(t->nodes[i].tab);
	}
	for (i = 0; i < t->nslots; i++)
		free(t->names[i]);
	free(t->nodes);
	free(t->names);
	free(t);
}

/* A table at most half full, made again for each new kid. */
static void
index_kids(struct fk_jpath *t, struct fk_jpath_node *p)
{
	uint32_t size = 8, k, i;
	const struct fk_jpath_node *c;

	while (size < 2 * p->nkids)
		size *= 2;
	free(p->tab);
	p->tab = fk_xcalloc(size, sizeof(*p->tab));
	p->mask = size - 1;
	for (i = 0; i < p->nkids; i++) {
		c = &t->nodes[p->kids[i]];
		k = c->hash & p->mask;
		while (p->tab[k].node != 0)
			k = (k + 1) & p->mask;
		p->tab[k].w[0] = c->w[0];
		p->tab[k].w[1] = c->w[1];
		p->tab[k].len = c->len;
		p->tab[k].node = p->kids[i] + 1;
	}
}

static uint32_t
child(struct fk_jpath *t, uint32_t parent, const char *name, size_t len)
{
	struct fk_jpath_node *p = &t->nodes[parent], *c;
	struct fk_jpath_words w;
	uint32_t i, k;

	for (i = 0; i < p->nkids; i++) {
		c = &t->nodes[p->kids[i]];
		if (c->len == len && memcmp(c->name, name, len) == 0)
			return p->kids[i];
	}
	if (t->n == t->cap) {
		t->cap *= 2;
		t->nodes = fk_xrealloc(t->nodes, t->cap * sizeof(*t->nodes));
	}
	k = (uint32_t)t->n++;
	c = &t->nodes[k];
	memset(c, 0, sizeof(*c));
	/* Room to read 8 bytes from the start of a short name. */
	c->name = fk_xcalloc(len + 8, 1);
	memcpy(c->name, name, len);
	c->len = (uint32_t)len;
	w = fk_jpath_words(c->name, len, c->name + len + 8);
	c->w[0] = w.w0;
	c->w[1] = w.w1;
	c->hash = fk_jpath_hash(w, len);
	c->slot = -1;
	p = &t->nodes[parent];
	p->kids = fk_xrealloc(p->kids, (p->nkids + 1) * sizeof(*p->kids));
	p->kids[p->nkids++] = k;
	index_kids(t, p);
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

uint32_t
fk_jpath_kid_escaped(
    const struct fk_jpath *t, uint32_t node, const char *key, size_t len)
{
	const struct fk_jpath_node *nd = &t->nodes[node], *c;
	struct fk_jmember m;
	uint32_t i;

	memset(&m, 0, sizeof(m));
	m.key = key;
	m.keylen = len;
	m.key_escaped = 1;
	for (i = 0; i < nd->nkids; i++) {
		c = &t->nodes[nd->kids[i]];
		if (fk_jmember_key_is(&m, c->name, c->len))
			return nd->kids[i];
	}
	return FK_JPATH_NONE;
}

void
fk_jpath_clear(const struct fk_jpath *t, uint32_t node, struct fk_jmember *out)
{
	const struct fk_jpath_node *nd = &t->nodes[node];

	if (nd->slot >= 0)
		out[nd->slot].val = NULL;
	for (uint32_t i = 0; i < nd->nkids; i++)
		fk_jpath_clear(t, nd->kids[i], out);
}
