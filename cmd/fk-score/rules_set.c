/* fk-rules(5), the set: the memory its stages share, the table of rule
 * ids, the rules a text adds, its identity, and loading a file.  See
 * rules_int.h for the stages. */
#include "rules_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "xalloc.h"

#include "banned.h"

/* Double the capacity of a growing array so that n + 1 elements fit. */
void *
rules_grow(void *p, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 8;
	return fk_xrealloc(p, *cap * size);
}

void
rules_sb_add(struct sbuf *b, const char *s, size_t n)
{
	size_t cap = b->cap ? b->cap : 64;

	while (cap - b->len <= n)
		cap *= 2;
	if (cap != b->cap) {
		b->s = fk_xrealloc(b->s, cap);
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
rules_sb_adds(struct sbuf *b, const char *s)
{
	rules_sb_add(b, s, strlen(s));
}

void
rules_sb_addc(struct sbuf *b, char c)
{
	rules_sb_add(b, &c, 1);
}

/* A new string of n bytes and a NUL that lives as long as the set. */
char *
rules_pool_alloc(struct fk_rules *rs, size_t n)
{
	char *s = fk_xmalloc(n + 1);

	rs->pool =
	    rules_grow(rs->pool, rs->npool, &rs->cappool, sizeof(*rs->pool));
	rs->pool[rs->npool++] = s;
	s[n] = '\0';
	return s;
}

char *
rules_pool_strndup(struct fk_rules *rs, const char *s, size_t n)
{
	char *d = rules_pool_alloc(rs, n);

	if (n > 0)
		memcpy(d, s, n);
	return d;
}

struct fk_rules *
fk_rules_new(struct fk_jpath *paths)
{
	struct fk_rules *rs = fk_xcalloc(1, sizeof(*rs));

	fk_map_init(&rs->ids);
	rs->paths = paths;
	fk_jobj_init(&rs->lobj);
	return rs;
}

void
fk_rules_free(struct fk_rules *rs)
{
	size_t i;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->n; i++) {
		free(rs->rules[i].tags);
		free(rs->rules[i].slots);
	}
	for (i = 0; i < rs->nlists; i++) {
		free(rs->lists[i].num);
		free(rs->lists[i].str);
	}
	for (i = 0; i < rs->nscratch; i++)
		free(rs->scratch[i].buf);
	fk_jobj_release(&rs->lobj);
	for (i = 0; i < rs->npool; i++)
		free(rs->pool[i]);
	free(rs->rules);
	free(rs->hot);
	free(rs->nodes);
	free(rs->args);
	free(rs->lists);
	free(rs->scratch);
	free(rs->pool);
	fk_map_release(&rs->ids);
	free(rs->text.s);
	free(rs);
}

size_t
fk_rules_count(const struct fk_rules *rs)
{
	return rs->n;
}

const struct fk_rule_info *
fk_rules_info(const struct fk_rules *rs, size_t i)
{
	return &rs->rules[i].info;
}

void
fk_rules_counts(const struct fk_rules *rs, size_t i, struct fk_rule_counts *c)
{
	*c = rs->rules[i].c;
	c->evaluated = rs->evaluated;
}

const char *
fk_rules_text(struct fk_rules *rs)
{
	return rs->text.s != NULL ? rs->text.s : "";
}

const char *
fk_rules_hash(struct fk_rules *rs)
{
	if (!rs->hashed) {
		fk_sha256_hex(rs->text.s != NULL ? rs->text.s : "",
		    rs->text.len, rs->hash);
		rs->hashed = 1;
	}
	return rs->hash;
}

/* The index of the rule named id (n bytes), or -1.  Each rule's id is
 * put in rs->ids as it is added, so an entry's index is its rule's. */
long
rules_id_find(const struct fk_rules *rs, const char *id, size_t n)
{
	const struct fk_map_entry *e = fk_map_get(&rs->ids, id, n);

	return e != NULL ? (long)fk_map_index(&rs->ids, e) : -1;
}

void
rules_add(struct parser *p, struct rule_src *src)
{
	struct fk_rules *rs = p->rs;
	struct rule *r;

	rs->rules = rules_grow(rs->rules, rs->n, &rs->cap, sizeof(*rs->rules));
	r = &rs->rules[rs->n];
	memset(r, 0, sizeof(*r));
	rules_compile(rs, p, (uint32_t)src->root, r);
	r->tags = src->tags;
	r->info.id = src->id;
	r->info.weight = src->weight;
	r->info.reason = src->reason;
	r->info.severity = src->severity;
	r->info.tags = r->tags;
	r->info.ntags = src->ntags;
	r->info.file = p->file;
	r->info.line = src->at.line;
	fk_map_put(&rs->ids, src->id, strlen(src->id), NULL);
	rs->hot = rules_grow(rs->hot, rs->n, &rs->caphot, sizeof(*rs->hot));
	memset(&rs->hot[rs->n], 0, sizeof(*rs->hot));
	if (r->guard != NO_GUARD)
		rs->hot[rs->n].guard = rs->nodes[r->guard];
	rs->hot[rs->n].root = r->root;
	rs->hot[rs->n].iguard = r->guard;
	rs->n++;
	rules_norm_rule(&rs->text, p, src);
	src->tags = NULL;
	rs->hashed = 0;
}

int
fk_rules_load(struct fk_rules *rs, const char *file, char *err, size_t errlen)
{
	size_t len = 0, cap = 8192, n;
	char *buf;
	FILE *fp;
	int rc, e;

	if ((fp = fopen(file, "rb")) == NULL) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	buf = fk_xmalloc(cap);
	while ((n = fread(buf + len, 1, cap - len, fp)) > 0) {
		len += n;
		if (len == cap) {
			cap *= 2;
			buf = fk_xrealloc(buf, cap);
		}
	}
	if (ferror(fp)) {
		e = errno;
		fclose(fp);
		free(buf);
		snprintf(err, errlen, "%s: %s", file, strerror(e));
		return -1;
	}
	fclose(fp);
	rc = fk_rules_parse(rs, file, buf, len, err, errlen);
	free(buf);
	return rc;
}
