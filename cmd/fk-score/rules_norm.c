/* fk-rules(5), normal form: each rule printed one canonical way, with
 * only the parentheses it needs and numbers in their shortest form, so
 * that the set's text, and its hash, are its identity.  See rules_int.h
 * for the stages. */
#include "rules_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/* %.17g trimmed: the fewest significant digits that read back as the
 * same double, in the notation %.17g would use (600, not 6e+02). */
static void
fmt_num(double v, char *buf, size_t size)
{
	char e[40];
	long x;
	int prec;

	for (prec = 1; prec < 17; prec++) {
		snprintf(e, sizeof(e), "%.*e", prec - 1, v);
		if (strtod(e, NULL) == v)
			break;
	}
	snprintf(e, sizeof(e), "%.*e", prec - 1, v);
	x = strtol(strchr(e, 'e') + 1, NULL, 10);
	if (x < -4 || x >= 17)
		snprintf(buf, size, "%.*g", prec, v);
	else
		snprintf(buf, size, "%.*f",
		    prec - 1 - x > 0 ? (int)(prec - 1 - x) : 0, v);
}

static void
put_num(struct sbuf *b, double v)
{
	char buf[40];

	fmt_num(v, buf, sizeof(buf));
	rules_sb_adds(b, buf);
}

static void
put_str(struct sbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };
	unsigned char c;
	size_t i;

	rules_sb_addc(b, '"');
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			rules_sb_addc(b, '\\');
			rules_sb_addc(b, (char)c);
		} else if (c == '\n') {
			rules_sb_adds(b, "\\n");
		} else if (c == '\t') {
			rules_sb_adds(b, "\\t");
		} else if (c < 0x20 || c == 0x7f) {
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			rules_sb_add(b, esc, sizeof(esc));
		} else {
			rules_sb_addc(b, (char)c);
		}
	}
	rules_sb_addc(b, '"');
}

static int
prec(const struct anode *n)
{
	switch (n->kind) {
	case A_OR:
		return 1;
	case A_AND:
		return 2;
	case A_NOT:
		return 3;
	case A_CMP:
	case A_IN:
	case A_NOTIN:
		return 4;
	case A_ARITH:
		return n->op == OP_ADD || n->op == OP_SUB ? 5 : 6;
	case A_NEG:
		return 7;
	default:
		return 8;
	}
}

static void print_node(const struct parser *p, struct sbuf *b, uint32_t i);

static void
print_sub(const struct parser *p, struct sbuf *b, uint32_t i, int parens)
{
	if (parens)
		rules_sb_addc(b, '(');
	print_node(p, b, i);
	if (parens)
		rules_sb_addc(b, ')');
}

static void
print_node(const struct parser *p, struct sbuf *b, uint32_t i)
{
	const struct anode *n = &p->a[i];
	int pr = prec(n), lp;
	uint32_t k;

	switch (n->kind) {
	case A_NUM:
		put_num(b, n->num);
		break;
	case A_STR:
		put_str(b, n->str, n->len);
		break;
	case A_BOOL:
		rules_sb_adds(b, n->truth ? "true" : "false");
		break;
	case A_NULL:
		rules_sb_adds(b, "null");
		break;
	case A_FIELD:
		rules_sb_add(b, n->str, n->len);
		break;
	case A_NOT:
		rules_sb_adds(b, "not ");
		print_sub(p, b, n->a, prec(&p->a[n->a]) < pr);
		break;
	case A_NEG:
		rules_sb_addc(b, '-');
		print_sub(p, b, n->a, prec(&p->a[n->a]) < pr);
		break;
	case A_CALL:
		rules_sb_adds(b, rules_funcs[n->op].name);
		rules_sb_addc(b, '(');
		for (k = 0; k < n->c; k++) {
			if (k > 0)
				rules_sb_adds(b, ", ");
			print_node(p, b, p->idx[n->b + k]);
		}
		rules_sb_addc(b, ')');
		break;
	case A_IN:
	case A_NOTIN:
		/* Comparisons do not chain: one as an operand is wrapped. */
		lp = prec(&p->a[n->a]);
		print_sub(p, b, n->a, lp <= pr);
		rules_sb_adds(b, n->kind == A_IN ? " in (" : " not in (");
		for (k = 0; k < n->c; k++) {
			if (k > 0)
				rules_sb_adds(b, ", ");
			print_node(p, b, p->idx[n->b + k]);
		}
		rules_sb_addc(b, ')');
		break;
	default: /* binary */
		lp = prec(&p->a[n->a]);
		print_sub(p, b, n->a, lp < pr || (pr == 4 && lp == 4));
		rules_sb_addc(b, ' ');
		rules_sb_adds(b, rules_opnames[n->op]);
		rules_sb_addc(b, ' ');
		print_sub(p, b, n->b, prec(&p->a[n->b]) <= pr);
		break;
	}
}

void
rules_norm_rule(
    struct sbuf *b, const struct parser *p, const struct rule_src *src)
{
	size_t k;

	rules_sb_adds(b, "rule ");
	rules_sb_adds(b, src->id);
	rules_sb_adds(b, ": ");
	print_node(p, b, (uint32_t)src->root);
	rules_sb_adds(b, " => ");
	put_num(b, src->weight);
	rules_sb_addc(b, ' ');
	put_str(b, src->reason, strlen(src->reason));
	if (src->severity != NULL) {
		rules_sb_adds(b, " severity ");
		rules_sb_adds(b, src->severity);
	}
	for (k = 0; k < src->ntags; k++) {
		rules_sb_adds(b, k == 0 ? " tags " : ", ");
		rules_sb_adds(b, src->tags[k]);
	}
	rules_sb_addc(b, '\n');
}
