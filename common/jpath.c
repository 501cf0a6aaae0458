/* Paths as a tree of member names: one walk of a record visits only the
 * objects some path goes through, and skips every other value without
 * looking inside it.  The text was validated by fk_jscan, so the walk
 * trusts it and only finds where values end. */
#include "jpath.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#include "banned.h"

struct node {
	char *name; /* member name; the root has none */
	size_t len;
	uint32_t hash; /* of name */
	long slot;     /* the path that ends here, or -1 */
	size_t *kids;  /* indices into fk_jpath.nodes */
	size_t nkids;
	uint32_t *tab; /* kids by name hash: index + 1, 0 empty */
	uint32_t mask;
	unsigned gen; /* the last fk_jpath_find that found this node */
};

struct fk_jpath {
	struct node *nodes; /* [0] is the root: the record itself */
	size_t n, cap;
	char **names; /* per slot */
	size_t nslots;
	unsigned gen;
};

static uint64_t
load64(const char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* A key's hash from its length and its first and last 8 bytes: no
 * chain of multiplications through every byte. */
static uint32_t
hash_name(const char *s, size_t len)
{
	uint64_t h = 0;
	size_t i;

	if (len >= 8) {
		h = load64(s) * 0x9e3779b97f4a7c15u ^ load64(s + len - 8);
	} else {
		for (i = 0; i < len; i++)
			h = h << 8 | (unsigned char)s[i];
	}
	h ^= len;
	h *= 0xff51afd7ed558ccdu;
	return (uint32_t)(h ^ h >> 32);
}

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
index_kids(struct fk_jpath *t, struct node *p)
{
	uint32_t size = 8, k, i;

	while (size < 2 * p->nkids)
		size *= 2;
	free(p->tab);
	p->tab = fk_xcalloc(size, sizeof(*p->tab));
	p->mask = size - 1;
	for (i = 0; i < p->nkids; i++) {
		k = t->nodes[p->kids[i]].hash & p->mask;
		while (p->tab[k] != 0)
			k = (k + 1) & p->mask;
		p->tab[k] = (uint32_t)p->kids[i] + 1;
	}
}

static size_t
child(struct fk_jpath *t, size_t parent, const char *name, size_t len)
{
	struct node *p = &t->nodes[parent], *c;
	size_t i, k;

	for (i = 0; i < p->nkids; i++) {
		c = &t->nodes[p->kids[i]];
		if (c->len == len && memcmp(c->name, name, len) == 0)
			return p->kids[i];
	}
	if (t->n == t->cap) {
		t->cap *= 2;
		t->nodes = fk_xrealloc(t->nodes, t->cap * sizeof(*t->nodes));
	}
	k = t->n++;
	c = &t->nodes[k];
	c->name = fk_xmalloc(len + 1);
	memcpy(c->name, name, len);
	c->name[len] = '\0';
	c->len = len;
	c->hash = hash_name(name, len);
	c->slot = -1;
	c->kids = NULL;
	c->nkids = 0;
	c->tab = NULL;
	c->mask = 0;
	c->gen = 0;
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
	size_t at = 0, i;

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

/* The walk over validated text: every string ends with a quote before
 * the end, every object with a brace, so scanning needs no bounds. */

static const char *
ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* Past the closing quote of a string whose content starts at p. */
static const char *
string_end(const char *p, int *escaped)
{
	for (;;) {
		while (*p != '"' && *p != '\\')
			p++;
		if (*p == '"')
			return p + 1;
		*escaped = 1;
		p += 2;
	}
}

/* Past the object or array that starts at p. */
static const char *
nested_end(const char *p)
{
	int depth = 0, unused;

	for (;; p++) {
		switch (*p) {
		case '"':
			p = string_end(p + 1, &unused) - 1;
			break;
		case '{':
		case '[':
			depth++;
			break;
		case '}':
		case ']':
			if (--depth == 0)
				return p + 1;
			break;
		default:
			break;
		}
	}
}

/* The value at p: its member fields, and where it ends. */
static const char *
value(const char *p, struct fk_jmember *m)
{
	const char *q = p;
	int esc = 0;

	m->val = p;
	m->escaped = 0;
	m->integer = 0;
	switch (*p) {
	case '"':
		m->type = FK_J_STRING;
		q = string_end(p + 1, &esc);
		m->escaped = (unsigned)esc;
		break;
	case '{':
		m->type = FK_J_OBJECT;
		q = nested_end(p);
		break;
	case '[':
		m->type = FK_J_ARRAY;
		q = nested_end(p);
		break;
	case 't':
		m->type = FK_J_TRUE;
		q = p + 4;
		break;
	case 'f':
		m->type = FK_J_FALSE;
		q = p + 5;
		break;
	case 'n':
		m->type = FK_J_NULL;
		q = p + 4;
		break;
	default:
		m->type = FK_J_NUMBER;
		m->integer = 1;
		for (q = p + 1; (*q >= '0' && *q <= '9') || *q == '.' ||
		     *q == 'e' || *q == 'E' || *q == '+' || *q == '-';
		     q++)
			if (*q < '0' || *q > '9')
				m->integer = 0;
		break;
	}
	m->vallen = (size_t)(q - p);
	return q;
}

static void
clear(const struct fk_jpath *t, const struct node *nd, struct fk_jmember *out)
{
	size_t i;

	if (nd->slot >= 0)
		out[nd->slot].val = NULL;
	for (i = 0; i < nd->nkids; i++)
		clear(t, &t->nodes[nd->kids[i]], out);
}

/* Short keys: a loop beats a call to memcmp. */
static int
same(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

/* The kid of nd named by m's key (hashed as h), or NULL. */
static struct node *
kid(struct fk_jpath *t, const struct node *nd, const struct fk_jmember *m,
    uint32_t h)
{
	struct node *c;
	uint32_t k, i;

	if (m->key_escaped) {
		for (i = 0; i < nd->nkids; i++) {
			c = &t->nodes[nd->kids[i]];
			if (fk_jmember_key_is(m, c->name, c->len))
				return c;
		}
		return NULL;
	}
	for (k = h & nd->mask; (i = nd->tab[k]) != 0; k = (k + 1) & nd->mask) {
		c = &t->nodes[i - 1];
		if (c->hash == h && c->len == m->keylen &&
		    same(c->name, m->key, m->keylen))
			return c;
	}
	return NULL;
}

/* nd is found: if again, its key repeats, and the last one counts, even
 * below it. */
static void
again(struct fk_jpath *t, struct node *nd, struct fk_jmember *out)
{
	if (nd->gen == t->gen)
		clear(t, nd, out);
	nd->gen = t->gen;
}

/* Members of the object at p that some path goes through; returns where
 * the object ends. */
static const char *
walk(struct fk_jpath *t, const struct node *nd, const char *p,
    struct fk_jmember *out)
{
	struct fk_jmember m;
	struct node *c;
	const char *k, *v;
	uint32_t h;

	memset(&m, 0, sizeof(m));
	p = ws(p + 1);
	if (*p == '}')
		return p + 1;
	for (;;) {
		k = p + 1;
		for (p = k; *p != '"' && *p != '\\'; p++)
			;
		m.key_escaped = 0;
		if (*p == '\\') {
			int esc = 1;

			p = string_end(p, &esc) - 1;
			m.key_escaped = 1;
		}
		m.key = k;
		m.keylen = (size_t)(p - k);
		h = m.key_escaped ? 0 : hash_name(k, m.keylen);
		v = ws(ws(p + 1) + 1);
		if ((c = kid(t, nd, &m, h)) == NULL) {
			p = value(v, &m);
		} else if (c->nkids > 0 && *v == '{') {
			/* One pass finds the paths below and the end. */
			again(t, c, out);
			p = walk(t, c, v, out);
			m.val = v;
			m.vallen = (size_t)(p - v);
			m.type = FK_J_OBJECT;
			m.escaped = m.integer = 0;
			if (c->slot >= 0)
				out[c->slot] = m;
		} else {
			again(t, c, out);
			p = value(v, &m);
			if (c->slot >= 0)
				out[c->slot] = m;
		}
		p = ws(p);
		if (*p == '}')
			return p + 1;
		p = ws(p + 1);
	}
}

void
fk_jpath_find(
    struct fk_jpath *t, const struct fk_jobj *top, struct fk_jmember *out)
{
	const struct node *root = &t->nodes[0];
	const struct fk_jmember *m;
	struct node *c;
	size_t i;

	for (i = 0; i < t->nslots; i++)
		out[i].val = NULL;
	t->gen++;
	for (i = 0; i < root->nkids; i++) {
		c = &t->nodes[root->kids[i]];
		if ((m = fk_jobj_get(top, c->name)) == NULL)
			continue;
		if (c->slot >= 0)
			out[c->slot] = *m;
		if (c->nkids > 0 && m->type == FK_J_OBJECT)
			walk(t, c, m->val, out);
	}
}
