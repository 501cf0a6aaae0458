/* fk-rules(5), expressions: read by recursive descent into the tree of
 * one rule, their types checked where literals tell them.  See
 * rules_int.h for the stages. */
#include "rules_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#include "banned.h"

/* Bounds the recursion of the parser, the printer and the evaluator, so
 * that no text can exhaust the stack. */
#define MAX_DEPTH 1000

const char *const rules_opnames[] = { "==", "!=", "<", "<=", ">", ">=", "+",
	"-", "*", "/", "%", "and", "or" };

const struct func_def rules_funcs[] = {
	[F_EXISTS] = { "exists", 1, 1, S_ANY, S_BOOL },
	[F_STARTS_WITH] = { "starts_with", 2, 2, S_STR, S_BOOL },
	[F_ENDS_WITH] = { "ends_with", 2, 2, S_STR, S_BOOL },
	[F_CONTAINS] = { "contains", 2, 2, S_STR, S_BOOL },
	[F_ABS] = { "abs", 1, 1, S_NUM, S_NUM },
	[F_MIN] = { "min", 2, -1, S_NUM, S_NUM },
	[F_MAX] = { "max", 2, -1, S_NUM, S_NUM },
	[F_LEN] = { "len", 1, 1, S_STR, S_NUM },
	[F_LOWER] = { "lower", 1, 1, S_STR, S_STR },
	[F_LISTED] = { "listed", 1, 1, S_STR, S_BOOL },
};

#define NFUNCS (sizeof(rules_funcs) / sizeof(rules_funcs[0]))

static const char *
type_name(int type)
{
	switch (type) {
	case S_BOOL:
		return "a boolean";
	case S_NUM:
		return "a number";
	case S_STR:
		return "a string";
	case S_NULL:
		return "null";
	default:
		return "a value";
	}
}

/* An operand for "found ...": a literal as written, else its type. */
const char *
rules_desc(const struct parser *p, uint32_t i, char *buf, size_t size)
{
	const struct anode *n = &p->a[i];

	if (!is_literal(n))
		return type_name(n->type);
	rules_quote(buf, size, p->s + n->at.off, n->end - n->at.off,
	    n->kind == A_STR ? 0 : '\'');
	return buf;
}

/* The same with its type: "number 1", "string \"x\"", "a boolean". */
static const char *
desc_typed(const struct parser *p, uint32_t i, char *buf, size_t size)
{
	static const char *const names[] = { "", "boolean ", "number ",
		"string ", "" };
	const struct anode *n = &p->a[i];
	char lit[FOUND_MAX + 16];

	if (!is_literal(n))
		return type_name(n->type);
	if (n->kind == A_NULL)
		return "null";
	snprintf(buf, size, "%s%s", names[n->type],
	    rules_desc(p, i, lit, sizeof(lit)));
	return buf;
}

static long
new_node(struct parser *p, int kind, int type, struct pos at, size_t end)
{
	struct anode *n;

	p->a = rules_grow(p->a, p->na, &p->capa, sizeof(*p->a));
	n = &p->a[p->na];
	memset(n, 0, sizeof(*n));
	n->kind = (unsigned char)kind;
	n->type = (unsigned char)type;
	n->at = at;
	n->opat = at;
	n->end = end;
	n->depth = 1;
	return (long)p->na++;
}

/* A node over children l and r (r may be -1), no deeper than allowed. */
static long
new_op(struct parser *p, int kind, int op, int type, struct pos at,
    struct pos opat, long l, long r)
{
	unsigned depth = p->a[l].depth;
	size_t end = p->a[l].end;
	long i;

	if (r >= 0) {
		if (p->a[r].depth > depth)
			depth = p->a[r].depth;
		end = p->a[r].end;
	}
	if (depth >= MAX_DEPTH)
		return rules_perr(p, at, "expression nested too deeply");
	i = new_node(p, kind, type, at, end);
	p->a[i].op = (unsigned char)op;
	p->a[i].opat = opat;
	p->a[i].a = (uint32_t)l;
	p->a[i].b = r >= 0 ? (uint32_t)r : 0;
	p->a[i].depth = depth + 1;
	return i;
}

static void
push_idx(struct parser *p, uint32_t v)
{
	p->idx = rules_grow(p->idx, p->nidx, &p->capidx, sizeof(*p->idx));
	p->idx[p->nidx++] = v;
}

static int
need_type(struct parser *p, long i, int want, const char *what)
{
	char buf[FOUND_MAX + 16];
	int type = p->a[i].type;

	if (type == S_ANY || type == want)
		return 0;
	return rules_perr(p, p->a[i].at, "%s, found %s", what,
	    rules_desc(p, (uint32_t)i, buf, sizeof(buf)));
}

static int
need_bool(struct parser *p, long i, int op)
{
	char what[64];

	snprintf(what, sizeof(what), "'%s' needs %s",
	    op == OP_AND      ? "and"
	        : op == OP_OR ? "or"
	                      : "not",
	    op == -1 ? "a boolean" : "booleans");
	return need_type(p, i, S_BOOL, what);
}

static int
need_num(struct parser *p, long i, int op)
{
	char what[64];

	snprintf(what, sizeof(what), "'%s' needs %s",
	    op == -1 ? "-" : rules_opnames[op],
	    op == -1 ? "a number" : "numbers");
	return need_type(p, i, S_NUM, what);
}

static int
needs_backquotes(const char *s, size_t n, int first)
{
	size_t i;
	int k;

	if (n == 0 || !is_alpha((unsigned char)s[0]))
		return 1;
	for (i = 1; i < n; i++) {
		if (!is_alnum((unsigned char)s[i]))
			return 1;
	}
	for (k = 0; first && k < K_COUNT; k++) {
		if (strlen(rules_keywords[k]) == n &&
		    memcmp(rules_keywords[k], s, n) == 0)
			return 1;
	}
	return 0;
}

/* name(.name)*: the current token is its first name. */
static long
parse_field(struct parser *p)
{
	struct sbuf name = { NULL, 0, 0 };
	struct pos at = p->tok.at;
	size_t seg0 = p->nsegs, nseg = 0, end;
	struct span sp;
	char buf[FOUND_MAX + 16];
	long i;

	for (;;) {
		sp.off = p->tok.at.off;
		sp.len = p->tok.len;
		if (p->tok.kind == T_BQ) {
			sp.off++;
			sp.len -= 2;
		}
		p->segs = rules_grow(
		    p->segs, p->nsegs, &p->capsegs, sizeof(*p->segs));
		p->segs[p->nsegs++] = sp;
		if (nseg++ > 0)
			rules_sb_addc(&name, '.');
		if (needs_backquotes(p->s + sp.off, sp.len, nseg == 1)) {
			rules_sb_addc(&name, '`');
			rules_sb_add(&name, p->s + sp.off, sp.len);
			rules_sb_addc(&name, '`');
		} else {
			rules_sb_add(&name, p->s + sp.off, sp.len);
		}
		end = p->tok.at.off + p->tok.len;
		if (rules_next(p, 0) == -1)
			goto fail;
		if (p->tok.kind != T_DOT)
			break;
		if (rules_next(p, 0) == -1)
			goto fail;
		if (p->tok.kind != T_NAME && p->tok.kind != T_KW &&
		    p->tok.kind != T_BQ) {
			rules_perr(p, p->tok.at,
			    "expected a name after '.', found %s",
			    rules_found(p, &p->tok, buf, sizeof(buf)));
			goto fail;
		}
	}
	i = new_node(p, A_FIELD, S_ANY, at, end);
	p->a[i].a = (uint32_t)seg0;
	p->a[i].b = (uint32_t)nseg;
	p->a[i].str = rules_pool_strndup(p->rs, name.s, name.len);
	p->a[i].len = name.len;
	free(name.s);
	return i;
fail:
	free(name.s);
	return -1;
}

/* NAME(ARGS): the current token is the name, the next one '('. */
static long
parse_call(struct parser *p)
{
	uint32_t small[8], *args = small;
	size_t nargs = 0, cap = 8, end, k;
	const struct func_def *fn = NULL;
	struct pos at = p->tok.at;
	char buf[FOUND_MAX + 16], what[64];
	long a, i = -1;
	int f;

	for (f = 0; f < (int)NFUNCS; f++) {
		if (strlen(rules_funcs[f].name) == p->tok.len &&
		    memcmp(rules_funcs[f].name, p->s + at.off, p->tok.len) ==
		        0) {
			fn = &rules_funcs[f];
			break;
		}
	}
	if (fn == NULL)
		return rules_perr(p, at, "unknown function '%.*s'",
		    (int)p->tok.len, p->s + at.off);
	if (rules_next(p, 0) == -1 || rules_next(p, 0) == -1)
		return -1;
	while (nargs > 0 || p->tok.kind != T_RP) {
		if ((a = rules_parse_expr(p)) < 0)
			goto out;
		if (nargs == cap) {
			cap *= 2;
			if (args == small) {
				args = fk_xmalloc(cap * sizeof(*args));
				memcpy(args, small, sizeof(small));
			} else {
				args = fk_xrealloc(args, cap * sizeof(*args));
			}
		}
		args[nargs++] = (uint32_t)a;
		if (p->tok.kind == T_RP)
			break;
		if (p->tok.kind != T_COMMA) {
			rules_perr(p, p->tok.at,
			    "expected ',' or ')' after an argument of %s(), "
			    "found %s",
			    fn->name,
			    rules_found(p, &p->tok, buf, sizeof(buf)));
			goto out;
		}
		if (rules_next(p, 0) == -1)
			goto out;
	}
	end = p->tok.at.off + p->tok.len;
	if (rules_next(p, 0) == -1)
		goto out;
	if (fn->max < 0 && nargs < (size_t)fn->min) {
		rules_perr(p, at, "%s() takes %d or more arguments, found %zu",
		    fn->name, fn->min, nargs);
		goto out;
	}
	if (fn->max >= 0 &&
	    (nargs < (size_t)fn->min || nargs > (size_t)fn->max)) {
		rules_perr(p, at, "%s() takes %d argument%s, found %zu",
		    fn->name, fn->min, fn->min == 1 ? "" : "s", nargs);
		goto out;
	}
	for (k = 0; k < nargs; k++) {
		if (fn == &rules_funcs[F_LISTED]) {
			if (p->a[args[k]].kind != A_STR) {
				rules_perr(p, p->a[args[k]].at,
				    "listed() takes a list name in quotes, "
				    "found %s",
				    rules_desc(p, args[k], buf, sizeof(buf)));
				goto out;
			}
			continue;
		}
		if (fn == &rules_funcs[F_EXISTS]) {
			if (p->a[args[k]].kind != A_FIELD) {
				rules_perr(p, p->a[args[k]].at,
				    "exists() takes a field, found %s",
				    rules_desc(p, args[k], buf, sizeof(buf)));
				goto out;
			}
			continue;
		}
		snprintf(what, sizeof(what), "%s() needs %s", fn->name,
		    fn->arg == S_NUM ? (fn->max == 1 ? "a number" : "numbers")
		                     : (fn->max == 1 ? "a string" : "strings"));
		if (need_type(p, (long)args[k], fn->arg, what) == -1)
			goto out;
	}
	i = new_node(p, A_CALL, fn->ret, at, end);
	p->a[i].op = (unsigned char)(fn - rules_funcs);
	p->a[i].b = (uint32_t)p->nidx;
	p->a[i].c = (uint32_t)nargs;
	for (k = 0; k < nargs; k++) {
		push_idx(p, args[k]);
		if (p->a[args[k]].depth >= p->a[i].depth)
			p->a[i].depth = p->a[args[k]].depth + 1;
	}
out:
	if (args != small)
		free(args);
	return i;
}

static long
parse_primary(struct parser *p)
{
	struct token *t = &p->tok;
	char buf[FOUND_MAX + 16], prev[FOUND_MAX + 16];
	const char *what;
	size_t len;
	long i;

	switch (t->kind) {
	case T_NUM:
		i = new_node(p, A_NUM, S_NUM, t->at, t->at.off + t->len);
		p->a[i].num = t->num;
		return rules_next(p, 0) == -1 ? -1 : i;
	case T_STR:
		i = new_node(p, A_STR, S_STR, t->at, t->at.off + t->len);
		p->a[i].str = rules_take_string(p, &len);
		p->a[i].len = len;
		return rules_next(p, 0) == -1 ? -1 : i;
	case T_NAME:
		return rules_peek(p) == T_LP ? parse_call(p) : parse_field(p);
	case T_BQ:
		return parse_field(p);
	case T_LP:
		if (rules_next(p, 0) == -1 || (i = rules_parse_expr(p)) < 0)
			return -1;
		if (t->kind != T_RP)
			return rules_perr(p, t->at, "expected ')', found %s",
			    rules_found(p, t, buf, sizeof(buf)));
		return rules_next(p, 0) == -1 ? -1 : i;
	case T_KW:
		if (t->kw == K_TRUE || t->kw == K_FALSE) {
			i = new_node(
			    p, A_BOOL, S_BOOL, t->at, t->at.off + t->len);
			p->a[i].truth = t->kw == K_TRUE;
			return rules_next(p, 0) == -1 ? -1 : i;
		}
		if (t->kw == K_NULL) {
			i = new_node(
			    p, A_NULL, S_NULL, t->at, t->at.off + t->len);
			return rules_next(p, 0) == -1 ? -1 : i;
		}
		break;
	case T_DOT:
		if (t->at.off + 1 < p->len && is_digit(p->s[t->at.off + 1]))
			return rules_perr(p, t->at,
			    "expected a digit before '.' in a number");
		break;
	default:
		break;
	}
	rules_quote(prev, sizeof(prev), p->s + p->prev_off, p->prev_len, '\'');
	what = rules_found(p, t, buf, sizeof(buf));
	if (t->kind == T_KW)
		return rules_perr(p, t->at,
		    "expected a value after %s, found keyword %s (a field of "
		    "that name is written `%s`)",
		    prev, what, rules_keywords[t->kw]);
	if (p->prev_len == 1 && p->s[p->prev_off] == ':')
		return rules_perr(
		    p, t->at, "expected a condition after ':', found %s", what);
	return rules_perr(
	    p, t->at, "expected a value after %s, found %s", prev, what);
}

static long
parse_unary(struct parser *p)
{
	struct pos at = p->tok.at;
	long x;

	if (p->tok.kind != T_MINUS)
		return parse_primary(p);
	if (++p->depth > MAX_DEPTH)
		return rules_perr(p, at, "expression nested too deeply");
	if (rules_next(p, 0) == -1 || (x = parse_unary(p)) < 0)
		return -1;
	p->depth--;
	if (need_num(p, x, -1) == -1)
		return -1;
	return new_op(p, A_NEG, 0, S_NUM, at, at, x, -1);
}

static int
arith_op(enum tok kind)
{
	switch (kind) {
	case T_PLUS:
		return OP_ADD;
	case T_MINUS:
		return OP_SUB;
	case T_STAR:
		return OP_MUL;
	case T_SLASH:
		return OP_DIV;
	case T_PCT:
		return OP_MOD;
	default:
		return -1;
	}
}

/* Left-associative arithmetic: level 5 (+ -) over level 6 (* / %). */
static long
parse_arith(struct parser *p, int level)
{
	struct pos opat;
	long l, r;
	int op;

	l = level == 5 ? parse_arith(p, 6) : parse_unary(p);
	for (;;) {
		if (l < 0)
			return -1;
		op = arith_op(p->tok.kind);
		if (op < 0 || (level == 5) != (op == OP_ADD || op == OP_SUB))
			return l;
		opat = p->tok.at;
		if (need_num(p, l, op) == -1 || rules_next(p, 0) == -1)
			return -1;
		r = level == 5 ? parse_arith(p, 6) : parse_unary(p);
		if (r < 0 || need_num(p, r, op) == -1)
			return -1;
		l = new_op(p, A_ARITH, op, S_NUM, p->a[l].at, opat, l, r);
	}
}

static int
cmp_op(enum tok kind)
{
	return kind >= T_EQ && kind <= T_GE ? (int)(kind - T_EQ) : -1;
}

static const char *
list_types(unsigned types)
{
	static const char *const names[] = { "", "booleans", "numbers",
		"numbers and booleans", "strings", "strings and booleans",
		"numbers and strings", "numbers, strings and booleans" };

	return names[types & 7];
}

static unsigned
type_bit(int type)
{
	return type == S_BOOL ? 1u
	    : type == S_NUM   ? 2u
	    : type == S_STR   ? 4u
	                      : 0;
}

/* LEFT [not] in (LIST): the current token is 'in'. */
static long
parse_in(struct parser *p, long l, int negated, struct pos opat)
{
	char buf[FOUND_MAX + 16], lbuf[FOUND_MAX + 32];
	struct token *t = &p->tok;
	size_t first = p->nidx, n = 0;
	unsigned types = 0;
	struct pos at;
	int neg;
	long e;

	if (rules_next(p, 0) == -1)
		return -1;
	if (t->kind != T_LP)
		return rules_perr(p, t->at, "expected '(' after 'in', found %s",
		    rules_found(p, t, buf, sizeof(buf)));
	do {
		if (rules_next(p, 0) == -1)
			return -1;
		at = t->at;
		neg = t->kind == T_MINUS;
		if (neg && rules_next(p, 0) == -1)
			return -1;
		if (t->kind == T_NUM) {
			e = new_node(p, A_NUM, S_NUM, at, t->at.off + t->len);
			p->a[e].num = neg ? -t->num : t->num;
		} else if (neg) {
			return rules_perr(p, t->at,
			    "expected a number after '-' in the list, found %s",
			    rules_found(p, t, buf, sizeof(buf)));
		} else if (t->kind == T_STR) {
			e = new_node(p, A_STR, S_STR, at, t->at.off + t->len);
			p->a[e].str = rules_take_string(p, &p->a[e].len);
		} else if (t->kind == T_KW &&
		    (t->kw == K_TRUE || t->kw == K_FALSE)) {
			e = new_node(p, A_BOOL, S_BOOL, at, t->at.off + t->len);
			p->a[e].truth = t->kw == K_TRUE;
		} else {
			return rules_perr(p, t->at,
			    "expected a number, string or boolean in the list, "
			    "found %s",
			    rules_found(p, t, buf, sizeof(buf)));
		}
		types |= type_bit(p->a[e].type);
		push_idx(p, (uint32_t)e);
		n++;
		if (rules_next(p, 0) == -1)
			return -1;
		if (t->kind != T_COMMA && t->kind != T_RP)
			return rules_perr(p, t->at,
			    "expected ',' or ')' in the list, found %s",
			    rules_found(p, t, buf, sizeof(buf)));
	} while (t->kind == T_COMMA);
	if (p->a[l].type != S_ANY && (types & type_bit(p->a[l].type)) == 0)
		return rules_perr(p, opat, "cannot look for %s in a list of %s",
		    desc_typed(p, (uint32_t)l, lbuf, sizeof(lbuf)),
		    list_types(types));
	e = new_op(
	    p, negated ? A_NOTIN : A_IN, 0, S_BOOL, p->a[l].at, opat, l, -1);
	if (e < 0)
		return -1;
	p->a[e].b = (uint32_t)first;
	p->a[e].c = (uint32_t)n;
	p->a[e].end = t->at.off + t->len;
	return rules_next(p, 0) == -1 ? -1 : e;
}

static int
check_cmp(struct parser *p, int op, struct pos opat, long l, long r)
{
	char b1[FOUND_MAX + 32], b2[FOUND_MAX + 32];
	int tl = p->a[l].type, tr = p->a[r].type;

	if (op >= OP_LT) {
		if (tl == S_BOOL || tl == S_NULL)
			return rules_perr(p, opat,
			    "'%s' orders numbers and strings, found %s",
			    rules_opnames[op],
			    rules_desc(p, (uint32_t)l, b1, sizeof(b1)));
		if (tr == S_BOOL || tr == S_NULL)
			return rules_perr(p, opat,
			    "'%s' orders numbers and strings, found %s",
			    rules_opnames[op],
			    rules_desc(p, (uint32_t)r, b1, sizeof(b1)));
	}
	if (tl != S_ANY && tr != S_ANY && tl != tr)
		return rules_perr(p, opat, "cannot compare %s with %s",
		    desc_typed(p, (uint32_t)l, b1, sizeof(b1)),
		    desc_typed(p, (uint32_t)r, b2, sizeof(b2)));
	return 0;
}

static int
at_comparison(const struct parser *p)
{
	return cmp_op(p->tok.kind) >= 0 || rules_is_kw(p, K_IN) ||
	    rules_is_kw(p, K_NOT);
}

/* Level 4: one comparison or `in`, which do not chain. */
static long
parse_cmp(struct parser *p)
{
	char buf[FOUND_MAX + 16];
	struct pos opat;
	long l, r;
	int op;

	if ((l = parse_arith(p, 5)) < 0)
		return -1;
	if (!at_comparison(p))
		return l;
	opat = p->tok.at;
	if ((op = cmp_op(p->tok.kind)) >= 0) {
		if (rules_next(p, 0) == -1 || (r = parse_arith(p, 5)) < 0 ||
		    check_cmp(p, op, opat, l, r) == -1)
			return -1;
		l = new_op(p, A_CMP, op, S_BOOL, p->a[l].at, opat, l, r);
	} else if (rules_is_kw(p, K_IN)) {
		l = parse_in(p, l, 0, opat);
	} else {
		/* After an operand, 'not' can only begin 'not in'. */
		if (rules_next(p, 0) == -1)
			return -1;
		if (!rules_is_kw(p, K_IN))
			return rules_perr(p, p->tok.at,
			    "expected 'in' after 'not', found %s",
			    rules_found(p, &p->tok, buf, sizeof(buf)));
		l = parse_in(p, l, 1, opat);
	}
	if (l >= 0 && at_comparison(p))
		return rules_perr(p, p->tok.at,
		    "comparisons do not chain: found %s after a comparison "
		    "(join them with 'and')",
		    rules_found(p, &p->tok, buf, sizeof(buf)));
	return l;
}

static long
parse_not(struct parser *p)
{
	struct pos at = p->tok.at;
	long x;

	if (!rules_is_kw(p, K_NOT))
		return parse_cmp(p);
	if (++p->depth > MAX_DEPTH)
		return rules_perr(p, at, "expression nested too deeply");
	if (rules_next(p, 0) == -1 || (x = parse_not(p)) < 0)
		return -1;
	p->depth--;
	if (need_bool(p, x, -1) == -1)
		return -1;
	return new_op(p, A_NOT, 0, S_BOOL, at, at, x, -1);
}

/* Left-associative and (level 2) over not, or (level 1) over and. */
static long
parse_bool(struct parser *p, int kw)
{
	struct pos opat;
	int op = kw == K_OR ? OP_OR : OP_AND;
	long l, r;

	l = kw == K_OR ? parse_bool(p, K_AND) : parse_not(p);
	while (l >= 0 && rules_is_kw(p, kw)) {
		opat = p->tok.at;
		if (need_bool(p, l, op) == -1 || rules_next(p, 0) == -1)
			return -1;
		r = kw == K_OR ? parse_bool(p, K_AND) : parse_not(p);
		if (r < 0 || need_bool(p, r, op) == -1)
			return -1;
		l = new_op(p, kw == K_OR ? A_OR : A_AND, op, S_BOOL, p->a[l].at,
		    opat, l, r);
	}
	return l;
}

long
rules_parse_expr(struct parser *p)
{
	long r;

	if (++p->depth > MAX_DEPTH)
		return rules_perr(p, p->tok.at, "expression nested too deeply");
	r = parse_bool(p, K_OR);
	p->depth--;
	return r;
}
