/* fk-rules(5), evaluation: the compiled nodes against one record's
 * fields, counting per rule what it met.  See rules_int.h for the
 * stages. */
#include "rules_int.h"

#include <math.h>
#include <string.h>

#include "xalloc.h"

#include "banned.h"

#define LIST_LINEAR 8 /* longer lists are searched, not scanned */

#define EF_MISSING 1u
#define EF_MISTYPED 2u

/* A condition is true, false or unknown, as in SQL.  In this order, and
 * is the lesser of its operands, or the greater, and not is 2 - x. */
enum truth { TV_FALSE, TV_UNKNOWN, TV_TRUE };

/* What is asked of a condition: whether it is true (a rule's), whether
 * it is false (not's operand), or both (its value).  and and or stop as
 * soon as that is known, so that what could not change whether the rule
 * fires is neither evaluated nor counted. */
#define ASK_TRUE 1u
#define ASK_FALSE 2u
#define ASK_VALUE 3u

struct ectx {
	const struct rnode *nodes;
	struct fk_rules *rs;
	struct fk_fields *f;
	unsigned flags; /* EF_*: what this rule met on this record */
};

static const struct fk_val nothing = { FK_V_MISSING, 0, 0, NULL, 0 };

static int eval_bool(struct ectx *e, uint32_t i, unsigned ask);

/* not x is true where x is false: what is asked of x turns. */
static inline unsigned
turn(unsigned ask)
{
	return (ask & ASK_TRUE ? ASK_FALSE : 0) |
	    (ask & ASK_FALSE ? ASK_TRUE : 0);
}

static inline int
tv(int b)
{
	return b ? TV_TRUE : TV_FALSE;
}

/* A field's value; missing is counted here, where a rule reads it (all
 * but exists() do). */
static const struct fk_val *
field(struct ectx *e, uint32_t slot)
{
	const struct fk_val *v = fk_fields_get(e->f, slot);

	if (v->type == FK_V_MISSING)
		e->flags |= EF_MISSING;
	return v;
}

/* Whether v has type want; a value of another type counts mistyped (a
 * missing one was counted where it was read). */
static int
is_type(struct ectx *e, const struct fk_val *v, enum fk_vtype want)
{
	if (v->type == want)
		return 1;
	if (v->type != FK_V_MISSING)
		e->flags |= EF_MISTYPED;
	return 0;
}

static int
order(int op, int c)
{
	switch (op) {
	case OP_EQ:
		return c == 0;
	case OP_NE:
		return c != 0;
	case OP_LT:
		return c < 0;
	case OP_LE:
		return c <= 0;
	case OP_GT:
		return c > 0;
	default:
		return c >= 0;
	}
}

static int
cmp_num(int op, double x, double y)
{
	switch (op) {
	case OP_EQ:
		return x == y;
	case OP_NE:
		return x != y;
	case OP_LT:
		return x < y;
	case OP_LE:
		return x <= y;
	case OP_GT:
		return x > y;
	default:
		return x >= y;
	}
}

/* x op y: unknown when an operand has no value, or when op cannot
 * compare their types (mistyped): a type error is no value, as it is in
 * arithmetic. */
static int
compare(struct ectx *e, int op, const struct fk_val *x, const struct fk_val *y)
{
	if (x->type == FK_V_MISSING || y->type == FK_V_MISSING)
		return TV_UNKNOWN;
	if (x->type != y->type) {
		/* Anything may be tested for null without being mistyped. */
		if ((x->type == FK_V_NULL || y->type == FK_V_NULL) &&
		    op <= OP_NE)
			return tv(op == OP_NE);
		e->flags |= EF_MISTYPED;
		return TV_UNKNOWN;
	}
	switch (x->type) {
	case FK_V_NUM:
		return tv(cmp_num(op, x->num, y->num));
	case FK_V_STR:
		return tv(order(op, str_cmp(x->str, x->len, y->str, y->len)));
	case FK_V_BOOL:
		if (op <= OP_NE)
			return tv(order(op, (x->b != 0) - (y->b != 0)));
		break;
	case FK_V_NULL:
		if (op <= OP_NE)
			return tv(op == OP_EQ);
		break;
	default:
		break;
	}
	e->flags |= EF_MISTYPED;
	return TV_UNKNOWN;
}

/* A field against a literal.  Numbers from a record or a literal are
 * never NaN, so they are in one of three orders, which the mask tests. */
static inline int
cmpk(struct ectx *e, const struct rnode *n)
{
	const struct fk_val *x = fk_fields_get(e->f, n->a);
	int c;

	if (x->type == FK_V_NUM && n->k.type == FK_V_NUM) {
		c = (x->num > n->k.num) - (x->num < n->k.num);
		return tv((int)(n->c >> (c + 1) & 1));
	}
	if (x->type == FK_V_MISSING) {
		e->flags |= EF_MISSING;
		return TV_UNKNOWN;
	}
	return compare(e, n->sub, x, &n->k);
}

static int
num_in(const struct rlist *l, double x)
{
	size_t lo = 0, hi = l->nnum, mid;

	if (hi <= LIST_LINEAR) {
		for (; lo < hi; lo++) {
			if (l->num[lo] == x)
				return 1;
		}
		return 0;
	}
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (l->num[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < l->nnum && l->num[lo] == x;
}

static int
str_in(const struct rlist *l, const char *s, size_t n)
{
	size_t lo = 0, hi = l->nstr, mid;
	int c;

	if (hi <= LIST_LINEAR) {
		for (; lo < hi; lo++) {
			if (l->str[lo].len == n &&
			    (n == 0 || memcmp(l->str[lo].s, s, n) == 0))
				return 1;
		}
		return 0;
	}
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = str_cmp(l->str[mid].s, l->str[mid].len, s, n);
		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* 1: v is in the list, 0: it is not, -1: neither in nor not in (missing,
 * or a type the list does not hold: mistyped). */
static int
in_list(struct ectx *e, const struct rlist *l, const struct fk_val *v)
{
	switch (v->type) {
	case FK_V_MISSING:
		return -1;
	case FK_V_NULL:
		return 0;
	case FK_V_NUM:
		if (l->nnum > 0)
			return num_in(l, v->num);
		break;
	case FK_V_STR:
		if (l->nstr > 0)
			return str_in(l, v->str, v->len);
		break;
	case FK_V_BOOL:
		if (l->has_bool)
			return v->b ? l->has_true : l->has_false;
		break;
	default:
		break;
	}
	e->flags |= EF_MISTYPED;
	return -1;
}

static int
has_part(const char *s, size_t n, const char *part, size_t m)
{
	const char *p, *end;

	if (m == 0)
		return 1;
	if (m > n)
		return 0;
	end = s + (n - m) + 1;
	for (p = s; p < end; p++) {
		p = memchr(p, part[0], (size_t)(end - p));
		if (p == NULL)
			return 0;
		if (memcmp(p, part, m) == 0)
			return 1;
	}
	return 0;
}

/* Past the object or array at p, in text fk_jscan accepted. */
static const char *
skip_nested(const char *p)
{
	int depth = 0;

	for (;; p++) {
		if (*p == '"') {
			for (p++; *p != '"'; p++)
				if (*p == '\\')
					p++;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if ((*p == '}' || *p == ']') && --depth == 0) {
			return p + 1;
		}
	}
}

/* listed(NAME): features.lists (fk-enrich's --list hits) has an object
 * whose "list" is NAME.  Absent means no list matched: not missing. */
static int
listed(struct ectx *e, const struct rnode *n)
{
	const struct fk_jmember *m = fk_fields_span(e->f, n->a), *l;
	const char *p, *end, *q;
	char name[256];
	size_t len;

	if (m == NULL)
		return 0;
	if (m->type != FK_J_ARRAY) {
		e->flags |= EF_MISTYPED;
		return 0;
	}
	p = m->val + 1;
	end = m->val + m->vallen - 1;
	for (;;) {
		while (p < end &&
		    (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
		        *p == ','))
			p++;
		if (p >= end)
			return 0;
		if (*p != '{') {
			/* Not an object: not a hit; to the next element. */
			if (*p == '[') {
				p = skip_nested(p);
				continue;
			}
			for (q = p; q < end && *q != ','; q++)
				if (*q == '"')
					for (q++; *q != '"'; q++)
						if (*q == '\\')
							q++;
			p = q;
			continue;
		}
		q = skip_nested(p);
		if (fk_jscan(&e->rs->lobj, p, (size_t)(q - p), NULL, 0) == 0 &&
		    (l = fk_jobj_get(&e->rs->lobj, "list")) != NULL &&
		    l->type == FK_J_STRING && l->vallen - 2 <= sizeof(name)) {
			len = l->escaped
			    ? fk_jstr_decode(l->val + 1, l->vallen - 2, name)
			    : l->vallen - 2;
			if (len == n->k.len &&
			    memcmp(l->escaped ? name : l->val + 1, n->k.str,
			        len) == 0)
				return 1;
		}
		p = q;
	}
}

static int
is_bool_func(int f)
{
	return f == F_STARTS_WITH || f == F_ENDS_WITH || f == F_CONTAINS;
}

static const struct fk_val *eval_val(
    struct ectx *e, uint32_t i, struct fk_val *tmp);

/* starts_with, ends_with, contains: unknown unless both are strings. */
static int
str_test(struct ectx *e, const struct rnode *n)
{
	const uint32_t *args = &e->rs->args[n->a];
	struct fk_val t1, t2;
	const struct fk_val *s = eval_val(e, args[0], &t1);
	const struct fk_val *x = eval_val(e, args[1], &t2);
	int ok = is_type(e, s, FK_V_STR);

	if (!(is_type(e, x, FK_V_STR) && ok))
		return TV_UNKNOWN;
	if (x->len > s->len)
		return TV_FALSE;
	if (x->len == 0)
		return TV_TRUE;
	switch (n->sub) {
	case F_STARTS_WITH:
		return tv(memcmp(s->str, x->str, x->len) == 0);
	case F_ENDS_WITH:
		return tv(
		    memcmp(s->str + s->len - x->len, x->str, x->len) == 0);
	default:
		return tv(has_part(s->str, s->len, x->str, x->len));
	}
}

/* abs, min, max, len, lower: missing unless every argument fits. */
static const struct fk_val *
call(struct ectx *e, const struct rnode *n, struct fk_val *tmp)
{
	const uint32_t *args = &e->rs->args[n->a];
	const struct fk_val *x;
	struct scratch *sc;
	struct fk_val t;
	double r = 0;
	size_t k;
	int ok = 1;

	switch (n->sub) {
	case F_ABS:
		x = eval_val(e, args[0], &t);
		if (!is_type(e, x, FK_V_NUM))
			return &nothing;
		r = fabs(x->num);
		break;
	case F_MIN:
	case F_MAX:
		for (k = 0; k < n->b; k++) {
			x = eval_val(e, args[k], &t);
			if (!is_type(e, x, FK_V_NUM))
				ok = 0;
			else if (k == 0 ||
			    (n->sub == F_MIN ? x->num < r : x->num > r))
				r = x->num;
		}
		if (!ok)
			return &nothing;
		break;
	case F_LEN:
		x = eval_val(e, args[0], &t);
		if (!is_type(e, x, FK_V_STR))
			return &nothing;
		r = (double)x->len;
		break;
	default: /* F_LOWER */
		x = eval_val(e, args[0], &t);
		if (!is_type(e, x, FK_V_STR))
			return &nothing;
		sc = &e->rs->scratch[n->c];
		if (x->len > sc->cap) {
			/* Grows to the longest value seen, then stays. */
			sc->cap = x->len > 2 * sc->cap ? x->len : 2 * sc->cap;
			sc->buf = fk_xrealloc(sc->buf, sc->cap);
		}
		for (k = 0; k < x->len; k++) {
			char c = x->str[k];

			sc->buf[k] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
		}
		tmp->type = FK_V_STR;
		tmp->str = sc->buf;
		tmp->len = x->len;
		return tmp;
	}
	tmp->type = FK_V_NUM;
	tmp->num = r;
	return tmp;
}

static const struct fk_val *
arith(struct ectx *e, const struct rnode *n, struct fk_val *tmp)
{
	struct fk_val t1, t2;
	const struct fk_val *x = eval_val(e, n->a, &t1);
	const struct fk_val *y = eval_val(e, n->b, &t2);
	int ok = is_type(e, x, FK_V_NUM);

	if (!(is_type(e, y, FK_V_NUM) && ok))
		return &nothing;
	switch (n->sub) {
	case OP_ADD:
		tmp->num = x->num + y->num;
		break;
	case OP_SUB:
		tmp->num = x->num - y->num;
		break;
	case OP_MUL:
		tmp->num = x->num * y->num;
		break;
	case OP_DIV:
		if (y->num == 0)
			return &nothing;
		tmp->num = x->num / y->num;
		break;
	default:
		if (y->num == 0)
			return &nothing;
		tmp->num = fmod(x->num, y->num);
		break;
	}
	tmp->type = FK_V_NUM;
	return tmp;
}

/* The value of node i: borrowed from the record, the node, or tmp. */
static const struct fk_val *
eval_val(struct ectx *e, uint32_t i, struct fk_val *tmp)
{
	const struct rnode *n = &e->nodes[i];
	const struct fk_val *x;
	struct fk_val t;
	int r;

	switch (n->op) {
	case R_CONST:
		return &n->k;
	case R_FIELD:
		return field(e, n->a);
	case R_NEG:
		x = eval_val(e, n->a, &t);
		if (!is_type(e, x, FK_V_NUM))
			return &nothing;
		tmp->type = FK_V_NUM;
		tmp->num = -x->num;
		return tmp;
	case R_ARITH:
		return arith(e, n, tmp);
	case R_CALL:
		if (!is_bool_func(n->sub))
			return call(e, n, tmp);
		break;
	default:
		break;
	}
	/* A condition as a value: unknown is no value, as in SQL. */
	if ((r = eval_bool(e, i, ASK_VALUE)) == TV_UNKNOWN)
		return &nothing;
	tmp->type = FK_V_BOOL;
	tmp->b = r == TV_TRUE;
	return tmp;
}

/* Node i as a condition: TV_*, of which only what ask (ASK_*) asks is
 * sure: with ASK_TRUE, whether it is TV_TRUE; with ASK_FALSE, whether it
 * is TV_FALSE.  A value is a condition only when it is a boolean:
 * anything else, missing included, is unknown. */
static int
eval_bool(struct ectx *e, uint32_t i, unsigned ask)
{
	const struct rnode *n = &e->nodes[i];
	const struct fk_val *x, *y;
	struct fk_val t1, t2;
	int r, s;

	switch (n->op) {
	case R_CMPK:
		return cmpk(e, n);
	case R_AND:
		/* After unknown it can still be false, never true. */
		r = eval_bool(e, n->a, ask);
		if (r == TV_FALSE || (r == TV_UNKNOWN && !(ask & ASK_FALSE)))
			return r;
		s = eval_bool(e, n->b, ask);
		return s < r ? s : r;
	case R_OR:
		/* After unknown it can still be true, never false. */
		r = eval_bool(e, n->a, ask);
		if (r == TV_TRUE || (r == TV_UNKNOWN && !(ask & ASK_TRUE)))
			return r;
		s = eval_bool(e, n->b, ask);
		return s > r ? s : r;
	case R_NOT:
		return TV_TRUE - eval_bool(e, n->a, turn(ask));
	case R_CMP:
		x = eval_val(e, n->a, &t1);
		y = eval_val(e, n->b, &t2);
		return compare(e, n->sub, x, y);
	case R_INK:
	case R_NOTINK:
		r = in_list(e, &e->rs->lists[n->b], field(e, n->a));
		return r < 0 ? TV_UNKNOWN : tv(r == (n->op == R_INK));
	case R_IN:
	case R_NOTIN:
		r = in_list(e, &e->rs->lists[n->b], eval_val(e, n->a, &t1));
		return r < 0 ? TV_UNKNOWN : tv(r == (n->op == R_IN));
	case R_EXISTS:
		/* exists() and listed() are how a rule asks what is missing:
		 * never unknown. */
		return tv(fk_fields_get(e->f, n->a)->type != FK_V_MISSING);
	case R_LISTED:
		return tv(listed(e, n));
	case R_CALL:
		if (is_bool_func(n->sub))
			return str_test(e, n);
		break;
	default:
		break;
	}
	x = eval_val(e, i, &t1);
	if (!is_type(e, x, FK_V_BOOL))
		return TV_UNKNOWN;
	return tv(x->b);
}

/* A rule's first conjunct, without dispatch: TV_*. */
static inline int
guard(struct ectx *e, const struct rnode *n)
{
	const struct fk_val *x;

	if (n->op == R_CMPK)
		return cmpk(e, n);
	x = field(e, n->a);
	if (!is_type(e, x, FK_V_BOOL))
		return TV_UNKNOWN;
	return tv(x->b);
}

size_t
fk_rules_eval(struct fk_rules *rs, struct fk_fields *f, uint32_t *fired)
{
	struct ectx e;
	const struct rhot *h;
	struct rule *r;
	size_t i, n = 0;
	int v, ok;

	e.nodes = rs->nodes;
	e.rs = rs;
	e.f = f;
	/* Every rule is evaluated on every record: one count for all. */
	rs->evaluated++;
	for (i = 0; i < rs->n; i++) {
		h = &rs->hot[i];
		e.flags = 0;
		/* Only true fires, so a guard that is not true decides, as it
		 * would within root; one that holds is tested again there:
		 * its value is converted once, and counts are bits. */
		if (h->iguard == NO_GUARD)
			v = eval_bool(&e, h->root, ASK_TRUE);
		else if ((v = guard(&e, &h->guard)) == TV_TRUE &&
		    h->iguard != h->root)
			v = eval_bool(&e, h->root, ASK_TRUE);
		ok = v == TV_TRUE;
		if (!ok && e.flags == 0)
			continue;
		r = &rs->rules[i];
		if (ok) {
			r->c.fired++;
			fired[n++] = (uint32_t)i;
		}
		if (e.flags & EF_MISSING)
			r->c.missing++;
		if (e.flags & EF_MISTYPED)
			r->c.mistyped++;
	}
	return n;
}
