/* fk-rules(5), compiling: the tree of one rule onto the set's one flat
 * array of nodes, children before their parents, with its lists sorted
 * and its fields registered as slots.  See rules_int.h for the stages. */
#include "rules_int.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#include "banned.h"

struct slots {
	size_t *v;
	size_t n, cap;
};

static uint32_t
emit(struct fk_rules *rs, int op, int sub, uint32_t a, uint32_t b)
{
	struct rnode *n;

	rs->nodes = rules_grow(
	    rs->nodes, rs->nnodes, &rs->capnodes, sizeof(*rs->nodes));
	n = &rs->nodes[rs->nnodes];
	memset(n, 0, sizeof(*n));
	n->op = (unsigned char)op;
	n->sub = (unsigned char)sub;
	n->a = a;
	n->b = b;
	return (uint32_t)rs->nnodes++;
}

/* The slot of a field, registered with the path set. */
static uint32_t
field_slot(struct fk_rules *rs, const struct parser *p, const struct anode *n,
    struct slots *sl)
{
	const char **seg = fk_xmalloc(n->b * sizeof(*seg));
	size_t *lens = fk_xmalloc(n->b * sizeof(*lens)), slot, k;

	for (k = 0; k < n->b; k++) {
		seg[k] = p->s + p->segs[n->a + k].off;
		lens[k] = p->segs[n->a + k].len;
	}
	slot = fk_jpath_addv(rs->paths, n->str, seg, lens, n->b);
	free(seg);
	free(lens);
	for (k = 0; k < sl->n && sl->v[k] != slot; k++)
		;
	if (k == sl->n) {
		sl->v = rules_grow(sl->v, sl->n, &sl->cap, sizeof(*sl->v));
		sl->v[sl->n++] = slot;
	}
	return (uint32_t)slot;
}

/* fk-enrich's list hits, features.lists, that listed() reads. */
static uint32_t
lists_slot(struct fk_rules *rs, struct slots *sl)
{
	static const char *const seg[] = { "features", "lists" };
	static const size_t lens[] = { 8, 5 };
	size_t slot = fk_jpath_addv(rs->paths, "features.lists", seg, lens, 2);
	size_t k;

	for (k = 0; k < sl->n && sl->v[k] != slot; k++)
		;
	if (k == sl->n) {
		sl->v = rules_grow(sl->v, sl->n, &sl->cap, sizeof(*sl->v));
		sl->v[sl->n++] = slot;
	}
	return (uint32_t)slot;
}

static void
literal(const struct anode *n, struct fk_val *k)
{
	memset(k, 0, sizeof(*k));
	switch (n->kind) {
	case A_NUM:
		k->type = FK_V_NUM;
		k->num = n->num;
		break;
	case A_STR:
		k->type = FK_V_STR;
		k->str = n->str;
		k->len = n->len;
		break;
	case A_BOOL:
		k->type = FK_V_BOOL;
		k->b = n->truth;
		break;
	default:
		k->type = FK_V_NULL;
		break;
	}
}

static int
num_order(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

static int
str_order(const void *x, const void *y)
{
	const struct rstr *a = x, *b = y;

	return str_cmp(a->s, a->len, b->s, b->len);
}

static uint32_t
compile_list(struct fk_rules *rs, const struct parser *p, const struct anode *n)
{
	struct rlist *l;
	const struct anode *e;
	size_t k, j;

	rs->lists = rules_grow(
	    rs->lists, rs->nlists, &rs->caplists, sizeof(*rs->lists));
	l = &rs->lists[rs->nlists];
	memset(l, 0, sizeof(*l));
	l->num = fk_xmalloc(n->c * sizeof(*l->num));
	l->str = fk_xmalloc(n->c * sizeof(*l->str));
	for (k = 0; k < n->c; k++) {
		e = &p->a[p->idx[n->b + k]];
		if (e->kind == A_NUM) {
			l->num[l->nnum++] = e->num;
		} else if (e->kind == A_STR) {
			l->str[l->nstr].s = e->str;
			l->str[l->nstr++].len = e->len;
		} else {
			l->has_bool = 1;
			if (e->truth)
				l->has_true = 1;
			else
				l->has_false = 1;
		}
	}
	qsort(l->num, l->nnum, sizeof(*l->num), num_order);
	qsort(l->str, l->nstr, sizeof(*l->str), str_order);
	for (j = k = 0; k < l->nnum; k++) {
		if (j == 0 || l->num[j - 1] != l->num[k])
			l->num[j++] = l->num[k];
	}
	l->nnum = j;
	for (j = k = 0; k < l->nstr; k++) {
		if (j == 0 || str_order(&l->str[j - 1], &l->str[k]) != 0)
			l->str[j++] = l->str[k];
	}
	l->nstr = j;
	return (uint32_t)rs->nlists++;
}

/* OP with its operands swapped: 1 < x is x > 1. */
static int
swap_op(int op)
{
	switch (op) {
	case OP_LT:
		return OP_GT;
	case OP_LE:
		return OP_GE;
	case OP_GT:
		return OP_LT;
	case OP_GE:
		return OP_LE;
	default:
		return op;
	}
}

/* The orders that make op true, as bits: 1 less, 2 equal, 4 greater
 * (bit c + 1 for an order c of -1, 0 or 1). */
static uint32_t
op_mask(int op)
{
	static const unsigned char masks[] = { [OP_EQ] = 2,
		[OP_NE] = 5,
		[OP_LT] = 1,
		[OP_LE] = 3,
		[OP_GT] = 4,
		[OP_GE] = 6 };

	return masks[op];
}

static uint32_t
compile(
    struct fk_rules *rs, const struct parser *p, uint32_t i, struct slots *sl)
{
	const struct anode *n = &p->a[i], *l, *r;
	uint32_t small[8], *args, a, b, k;
	struct scratch *sc;
	int op;

	switch (n->kind) {
	case A_NUM:
	case A_STR:
	case A_BOOL:
	case A_NULL:
		k = emit(rs, R_CONST, 0, 0, 0);
		literal(n, &rs->nodes[k].k);
		return k;
	case A_FIELD:
		return emit(rs, R_FIELD, 0, field_slot(rs, p, n, sl), 0);
	case A_NOT:
	case A_NEG:
		a = compile(rs, p, n->a, sl);
		return emit(rs, n->kind == A_NOT ? R_NOT : R_NEG, 0, a, 0);
	case A_AND:
	case A_OR:
	case A_ARITH:
		a = compile(rs, p, n->a, sl);
		b = compile(rs, p, n->b, sl);
		return emit(rs,
		    n->kind == A_AND      ? R_AND
		        : n->kind == A_OR ? R_OR
		                          : R_ARITH,
		    n->op, a, b);
	case A_CMP:
		l = &p->a[n->a];
		r = &p->a[n->b];
		op = n->op;
		if (is_literal(l) && r->kind == A_FIELD) {
			/* 1 < x is x > 1 */
			l = r;
			r = &p->a[n->a];
			op = swap_op(op);
		}
		if (l->kind == A_FIELD && is_literal(r)) {
			k = emit(rs, R_CMPK, op, field_slot(rs, p, l, sl), 0);
			literal(r, &rs->nodes[k].k);
			rs->nodes[k].c = op_mask(op);
			return k;
		}
		a = compile(rs, p, n->a, sl);
		b = compile(rs, p, n->b, sl);
		return emit(rs, R_CMP, n->op, a, b);
	case A_IN:
	case A_NOTIN:
		l = &p->a[n->a];
		if (l->kind == A_FIELD) {
			a = field_slot(rs, p, l, sl);
			return emit(rs, n->kind == A_IN ? R_INK : R_NOTINK, 0,
			    a, compile_list(rs, p, n));
		}
		a = compile(rs, p, n->a, sl);
		return emit(rs, n->kind == A_IN ? R_IN : R_NOTIN, 0, a,
		    compile_list(rs, p, n));
	default: /* A_CALL */
		if (n->op == F_EXISTS)
			return emit(rs, R_EXISTS, 0,
			    field_slot(rs, p, &p->a[p->idx[n->b]], sl), 0);
		if (n->op == F_LISTED) {
			k = emit(rs, R_LISTED, 0, lists_slot(rs, sl), 0);
			literal(&p->a[p->idx[n->b]], &rs->nodes[k].k);
			return k;
		}
		args = n->c <= 8 ? small : fk_xmalloc(n->c * sizeof(*args));
		for (k = 0; k < n->c; k++)
			args[k] = compile(rs, p, p->idx[n->b + k], sl);
		a = (uint32_t)rs->nargs;
		for (k = 0; k < n->c; k++) {
			rs->args = rules_grow(rs->args, rs->nargs, &rs->capargs,
			    sizeof(*rs->args));
			rs->args[rs->nargs++] = args[k];
		}
		if (args != small)
			free(args);
		k = emit(rs, R_CALL, n->op, a, n->c);
		if (n->op == F_LOWER) {
			rs->scratch = rules_grow(rs->scratch, rs->nscratch,
			    &rs->capscratch, sizeof(*rs->scratch));
			sc = &rs->scratch[rs->nscratch];
			sc->buf = NULL;
			sc->cap = 0;
			rs->nodes[k].c = (uint32_t)rs->nscratch++;
		}
		return k;
	}
}

void
rules_compile(
    struct fk_rules *rs, const struct parser *p, uint32_t root, struct rule *r)
{
	struct slots sl = { NULL, 0, 0 };
	size_t k;

	r->root = compile(rs, p, root, &sl);
	/* Most records fail a rule at its first comparison: when that is a
	 * field against a literal or a field alone, fk_rules_eval tries it
	 * first without the walk. */
	for (k = r->root; rs->nodes[k].op == R_AND; k = rs->nodes[k].a)
		;
	r->guard = rs->nodes[k].op == R_CMPK || rs->nodes[k].op == R_FIELD
	    ? (uint32_t)k
	    : NO_GUARD;
	r->slots = sl.v;
	r->info.slots = r->slots;
	r->info.nslots = sl.n;
}
