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
	long slot;    /* the path that ends here, or -1 */
	size_t *kids; /* indices into fk_jpath.nodes */
	size_t nkids;
};

struct fk_jpath {
	struct node *nodes; /* [0] is the root: the record itself */
	size_t n, cap;
	char **names; /* per slot */
	size_t nslots;
};

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
	}
	for (i = 0; i < t->nslots; i++)
		free(t->names[i]);
	free(t->nodes);
	free(t->names);
	free(t);
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
	c->slot = -1;
	c->kids = NULL;
	c->nkids = 0;
	p = &t->nodes[parent];
	p->kids = fk_xrealloc(p->kids, (p->nkids + 1) * sizeof(*p->kids));
	p->kids[p->nkids++] = k;
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

/* The walk over validated text. */

static const char *
ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* Past the closing quote of a string whose content starts at p: the
 * first quote not escaped by an odd run of backslashes. */
static const char *
string_end(const char *p, const char *end, int *escaped)
{
	const char *q = p, *b;

	for (;;) {
		q = memchr(q, '"', (size_t)(end - q));
		if (memchr(p, '\\', (size_t)(q - p)) == NULL)
			return q + 1;
		*escaped = 1;
		for (b = q; b > p && b[-1] == '\\'; b--)
			;
		if ((q - b) % 2 == 0)
			return q + 1;
		q++;
	}
}

/* Past the object or array that starts at p. */
static const char *
nested_end(const char *p, const char *end)
{
	int depth = 0, unused;

	for (;; p++) {
		switch (*p) {
		case '"':
			p = string_end(p + 1, end, &unused) - 1;
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
value(const char *p, const char *end, struct fk_jmember *m)
{
	const char *q = p;
	int esc = 0;

	m->val = p;
	m->escaped = 0;
	m->integer = 0;
	switch (*p) {
	case '"':
		m->type = FK_J_STRING;
		q = string_end(p + 1, end, &esc);
		m->escaped = (unsigned)esc;
		break;
	case '{':
		m->type = FK_J_OBJECT;
		q = nested_end(p, end);
		break;
	case '[':
		m->type = FK_J_ARRAY;
		q = nested_end(p, end);
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
			if (*q < '0')
				m->integer = 0;
		if (memchr(p, 'e', (size_t)(q - p)) ||
		    memchr(p, 'E', (size_t)(q - p)))
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

static void found(const struct fk_jpath *t, const struct node *nd,
    const struct fk_jmember *m, struct fk_jmember *out);

/* Members of the object at p that some path goes through. */
static void
walk(const struct fk_jpath *t, const struct node *nd, const char *p,
    const char *end, struct fk_jmember *out)
{
	struct fk_jmember m;
	const struct node *c;
	const char *k;
	size_t i;
	int kesc;

	p = ws(p + 1);
	if (*p == '}')
		return;
	for (;;) {
		k = p + 1;
		kesc = 0;
		p = string_end(k, end, &kesc);
		m.key = k;
		m.keylen = (size_t)(p - 1 - k);
		m.key_escaped = (unsigned)kesc;
		p = ws(ws(p) + 1);
		p = value(p, end, &m);
		for (i = 0; i < nd->nkids; i++) {
			c = &t->nodes[nd->kids[i]];
			if (fk_jmember_key_is(&m, c->name, c->len)) {
				found(t, c, &m, out);
				break;
			}
		}
		p = ws(p);
		if (*p == '}')
			return;
		p = ws(p + 1);
	}
}

static void
found(const struct fk_jpath *t, const struct node *nd,
    const struct fk_jmember *m, struct fk_jmember *out)
{
	/* A repeated key: the last one counts, even below it. */
	clear(t, nd, out);
	if (nd->slot >= 0)
		out[nd->slot] = *m;
	if (nd->nkids > 0 && m->type == FK_J_OBJECT)
		walk(t, nd, m->val, m->val + m->vallen, out);
}

void
fk_jpath_find(
    const struct fk_jpath *t, const struct fk_jobj *top, struct fk_jmember *out)
{
	const struct node *root = &t->nodes[0], *c;
	const struct fk_jmember *m;
	size_t i;

	for (i = 0; i < t->nslots; i++)
		out[i].val = NULL;
	for (i = 0; i < root->nkids; i++) {
		c = &t->nodes[root->kids[i]];
		if ((m = fk_jobj_get(top, c->name)) != NULL)
			found(t, c, m, out);
	}
}
