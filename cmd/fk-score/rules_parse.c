/* fk-rules(5), the rule statement: rule ID: EXPR => WEIGHT "REASON"
 * [severity LEVEL] [tags TAG, ...], read until the text ends, each
 * added to the set.  See rules_int.h for the stages. */
#include "rules_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

static const char *const severities[] = { "low", "medium", "high", "critical" };

static int
is_severity(const struct parser *p, const struct token *t, const char **sev)
{
	size_t k;

	for (k = 0; k < sizeof(severities) / sizeof(*severities); k++) {
		if (strlen(severities[k]) == t->len &&
		    memcmp(severities[k], p->s + t->at.off, t->len) == 0) {
			*sev = severities[k];
			return 1;
		}
	}
	return 0;
}

/* severity LEVEL, tags TAG, ...: after the reason, in either order.  The
 * current token is the reason; leaves the one after the rule current. */
static int
parse_extras(struct parser *p, struct rule_src *r)
{
	struct token *t = &p->tok;
	char buf[FOUND_MAX + 16], what[FOUND_MAX + 16];
	int tags = 0;

	if (rules_next(p, 0) == -1)
		return -1;
	for (;;) {
		if (t->kind == T_EOF || rules_is_kw(p, K_RULE))
			return 0;
		if (rules_is_kw(p, K_SEVERITY)) {
			if (r->severity != NULL)
				return rules_perr(
				    p, t->at, "'severity' given twice");
			if (rules_next(p, 1) == -1)
				return -1;
			if (t->kind != T_WORD)
				return rules_perr(p, t->at,
				    "expected a severity (low, medium, high "
				    "or critical) after 'severity', found %s",
				    rules_found(p, t, buf, sizeof(buf)));
			if (!is_severity(p, t, &r->severity))
				return rules_perr(p, t->at,
				    "unknown severity %s (low, medium, high or "
				    "critical)",
				    rules_found(p, t, buf, sizeof(buf)));
			if (rules_next(p, 0) == -1)
				return -1;
			continue;
		}
		if (!rules_is_kw(p, K_TAGS))
			return rules_perr(p, t->at,
			    "expected 'severity', 'tags' or 'rule', found %s",
			    rules_found(p, t, buf, sizeof(buf)));
		if (tags++)
			return rules_perr(p, t->at, "'tags' given twice");
		do {
			rules_quote(
			    what, sizeof(what), p->s + t->at.off, t->len, '\'');
			if (rules_next(p, 1) == -1)
				return -1;
			if (t->kind != T_WORD)
				return rules_perr(p, t->at,
				    "expected a tag after %s, found %s", what,
				    rules_found(p, t, buf, sizeof(buf)));
			r->tags = rules_grow(
			    r->tags, r->ntags, &r->captags, sizeof(*r->tags));
			r->tags[r->ntags++] =
			    rules_pool_strndup(p->rs, p->s + t->at.off, t->len);
			if (rules_next(p, 0) == -1)
				return -1;
		} while (t->kind == T_COMMA);
	}
}

/* rule ID: EXPR => WEIGHT "REASON" [severity LEVEL] [tags TAG, ...]; the
 * current token is 'rule'.  Leaves the one after the rule current. */
static int
parse_rule(struct parser *p)
{
	struct token *t = &p->tok;
	struct rule_src r;
	char buf[FOUND_MAX + 16];
	struct pos wat;
	size_t len;
	long dup;
	int neg;

	memset(&r, 0, sizeof(r));
	r.at = t->at;
	p->na = p->nidx = p->nsegs = 0;
	p->depth = 0;
	if (rules_next(p, 1) == -1)
		return -1;
	if (t->kind != T_WORD || !is_alpha((unsigned char)p->s[t->at.off]))
		return rules_perr(p, t->at,
		    "expected a rule id after 'rule', found %s",
		    rules_found(p, t, buf, sizeof(buf)));
	if ((dup = rules_id_find(p->rs, p->s + t->at.off, t->len)) >= 0) {
		const struct fk_rule_info *d = &p->rs->rules[dup].info;

		if (d->file == p->file)
			return rules_perr(p, t->at,
			    "duplicate rule id '%s', first defined at line %ld",
			    d->id, d->line);
		return rules_perr(p, t->at,
		    "duplicate rule id '%s', first defined at %s:%ld", d->id,
		    d->file, d->line);
	}
	r.id = rules_pool_strndup(p->rs, p->s + t->at.off, t->len);
	if (rules_next(p, 0) == -1)
		return -1;
	if (t->kind != T_COLON)
		return rules_perr(p, t->at,
		    "expected ':' after the rule id, found %s",
		    rules_found(p, t, buf, sizeof(buf)));
	if (rules_next(p, 0) == -1 || (r.root = rules_parse_expr(p)) < 0)
		return -1;
	if (p->a[r.root].type != S_ANY && p->a[r.root].type != S_BOOL)
		return rules_perr(p, p->a[r.root].at,
		    "the condition must be a boolean, found %s",
		    rules_desc(p, (uint32_t)r.root, buf, sizeof(buf)));
	if (t->kind != T_ARROW)
		return rules_perr(p, t->at,
		    "expected '=>' after the condition, found %s",
		    rules_found(p, t, buf, sizeof(buf)));
	if (rules_next(p, 0) == -1)
		return -1;
	wat = t->at;
	neg = t->kind == T_MINUS;
	if (neg && rules_next(p, 0) == -1)
		return -1;
	if (t->kind != T_NUM || t->dur)
		return rules_perr(p, t->at,
		    "expected a weight from -1 to 1 after '=>', found %s",
		    rules_found(p, t, buf, sizeof(buf)));
	r.weight = neg ? -t->num : t->num;
	if (r.weight < -1 || r.weight > 1) {
		rules_quote(buf, sizeof(buf), p->s + wat.off,
		    t->at.off + t->len - wat.off, '\'');
		return rules_perr(
		    p, wat, "expected a weight from -1 to 1, found %s", buf);
	}
	if (rules_next(p, 0) == -1)
		return -1;
	if (t->kind != T_STR)
		return rules_perr(p, t->at,
		    "expected a reason (a string) after the weight, found %s",
		    rules_found(p, t, buf, sizeof(buf)));
	if (t->slen == 0)
		return rules_perr(p, t->at,
		    "expected a reason after the weight, found an empty string");
	r.reason = rules_take_string(p, &len);
	if (parse_extras(p, &r) == -1) {
		free(r.tags);
		return -1;
	}
	rules_add(p, &r);
	free(r.tags);
	return 0;
}

int
fk_rules_parse(struct fk_rules *rs, const char *name, const char *text,
    size_t len, char *err, size_t errlen)
{
	struct parser p;
	char buf[FOUND_MAX + 16];
	int rc = 0;

	memset(&p, 0, sizeof(p));
	p.rs = rs;
	p.file = rules_pool_strndup(rs, name, strlen(name));
	p.s = text != NULL ? text : "";
	p.len = text != NULL ? len : 0;
	p.line = 1;
	p.prev_end.line = 1;
	p.tok.at.line = 1;
	p.err = err;
	p.errlen = errlen;
	if (errlen > 0)
		err[0] = '\0';
	if (rules_next(&p, 0) == -1)
		rc = -1;
	while (rc == 0 && p.tok.kind != T_EOF) {
		if (!rules_is_kw(&p, K_RULE))
			rc = rules_perr(&p, p.tok.at,
			    "expected 'rule', found %s",
			    rules_found(&p, &p.tok, buf, sizeof(buf)));
		else
			rc = parse_rule(&p);
	}
	free(p.a);
	free(p.idx);
	free(p.segs);
	return rc;
}
