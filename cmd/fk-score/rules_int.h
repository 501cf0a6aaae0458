/* The rule language's private header: only cmd/fk-score/rules_*.c
 * include it.  Everyone else uses rules.h.
 *
 * fk-rules(5), the rule language of fk-score.  A text is lexed and
 * parsed by recursive descent into a small tree per rule, its types
 * checked where literals tell them, printed in normal form (the set's
 * identity) and compiled into one flat array of nodes that
 * fk_rules_eval walks without allocating.  Library module: never
 * prints, never exits.  One file a stage:
 *
 *   rules_set.c      the set: its memory, rule ids, identity, loading
 *   rules_lex.c      characters, tokens, and messages that quote the text
 *   rules_parse.c    a text's rule statements, fk_rules_parse
 *   rules_expr.c     expressions and their types: the tree of one rule
 *   rules_norm.c     the tree printed in normal form
 *   rules_compile.c  the tree into the set's flat array of nodes
 *   rules_eval.c     the nodes against one record's fields
 *
 * What crosses files is prefixed rules_; the rest is static. */
#ifndef FK_RULES_INT_H
#define FK_RULES_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "jscan.h"
#include "map.h"
#include "rules.h"
#include "digest.h"

#define FOUND_MAX 40 /* bytes of source quoted in a message */

#define NO_GUARD UINT32_MAX

#if defined(__GNUC__)
#define PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF(f, a)
#endif

/* ---- the set ---- */

struct sbuf {
	char *s;
	size_t len, cap;
};

/* A compiled node.  Children come before their parent in the array. */
struct rnode {
	unsigned char op;  /* R_* */
	unsigned char sub; /* OP_* or F_* */
	uint32_t a, b, c;  /* children, slot, list, arguments, scratch */
	struct fk_val k;   /* R_CONST, R_CMPK: the literal */
};

struct rstr {
	const char *s;
	size_t len;
};

/* An `in` list, by type: numbers and strings sorted, without repeats. */
struct rlist {
	double *num;
	size_t nnum;
	struct rstr *str;
	size_t nstr;
	unsigned char has_bool, has_true, has_false;
};

/* lower()'s result: one buffer per call site, which a node evaluates
 * at most once per rule and record. */
struct scratch {
	char *buf;
	size_t cap;
};

struct rule {
	struct fk_rule_info info;
	const char **tags; /* the array; the strings are in the pool */
	size_t *slots;
	uint32_t root;
	uint32_t guard; /* an R_CMPK or R_FIELD that root needs true, or
			   NO_GUARD */
	struct fk_rule_counts c;
};

/* What the evaluator reads of every rule on every record, side by side:
 * a copy of the guard's node, and where root and guard are. */
struct rhot {
	struct rnode guard; /* op R_CONST when there is none */
	uint32_t root, iguard;
};

struct fk_rules {
	struct fk_jpath *paths; /* borrowed */
	struct rule *rules;
	size_t n, cap;
	struct rhot *hot; /* per rule, as rules */
	size_t caphot;
	struct rnode *nodes;
	size_t nnodes, capnodes;
	uint32_t *args; /* call arguments, contiguous per call */
	size_t nargs, capargs;
	struct rlist *lists;
	size_t nlists, caplists;
	struct scratch *scratch;
	size_t nscratch, capscratch;
	char **pool; /* every string the rules point to */
	size_t npool, cappool;
	struct fk_map ids; /* rule ids; an entry's index is its rule's */
	struct sbuf text;  /* normal form */
	int hashed;
	char hash[FK_SHA256_HEXLEN];
	struct fk_jobj lobj; /* listed(): one element of features.lists */
	unsigned long long evaluated; /* records, the same for every rule */
};

/* ---- tokens ---- */

enum tok {
	T_EOF,
	T_ERR,
	T_NAME,
	T_KW,
	T_BQ,   /* `name` */
	T_WORD, /* a rule id, severity or tag, read on demand */
	T_NUM,
	T_STR,
	T_COLON,
	T_ARROW,
	T_COMMA,
	T_DOT,
	T_LP,
	T_RP,
	T_EQ,
	T_NE,
	T_LT,
	T_LE,
	T_GT,
	T_GE,
	T_PLUS,
	T_MINUS,
	T_STAR,
	T_SLASH,
	T_PCT,
};

enum kw {
	K_RULE,
	K_AND,
	K_OR,
	K_NOT,
	K_IN,
	K_TRUE,
	K_FALSE,
	K_NULL,
	K_SEVERITY,
	K_TAGS,
	K_COUNT,
};

/* The keywords by K_*. */
extern const char *const rules_keywords[K_COUNT];

/* Operators, in the order of their tokens from T_EQ. */
enum op {
	OP_EQ,
	OP_NE,
	OP_LT,
	OP_LE,
	OP_GT,
	OP_GE,
	OP_ADD,
	OP_SUB,
	OP_MUL,
	OP_DIV,
	OP_MOD,
	OP_AND,
	OP_OR,
};

/* The operators as written, by OP_*. */
extern const char *const rules_opnames[];

enum func {
	F_EXISTS,
	F_STARTS_WITH,
	F_ENDS_WITH,
	F_CONTAINS,
	F_ABS,
	F_MIN,
	F_MAX,
	F_LEN,
	F_LOWER,
	F_LISTED,
};

/* Static types: what literals tell; S_ANY is a field's, known only per
 * record. */
enum stype { S_ANY, S_BOOL, S_NUM, S_STR, S_NULL };

struct func_def {
	const char *name;
	int min, max; /* arguments; max -1: no limit */
	unsigned char arg, ret;
};

/* The functions by F_*. */
extern const struct func_def rules_funcs[];

struct pos {
	size_t off; /* byte offset in the text */
	size_t bol; /* offset of the first byte of its line */
	long line;
};

struct token {
	enum tok kind;
	int kw; /* T_KW: K_* */
	struct pos at;
	size_t len;    /* bytes as written */
	double num;    /* T_NUM: the value, in seconds for a duration */
	int dur;       /* T_NUM: had a unit */
	size_t slen;   /* T_STR: bytes once decoded */
	char msg[160]; /* T_ERR: the message; at is where */
};

/* ---- the tree of one rule ---- */

enum akind {
	A_NUM,
	A_STR,
	A_BOOL,
	A_NULL,
	A_FIELD,
	A_NOT,
	A_AND,
	A_OR,
	A_CMP,
	A_IN,
	A_NOTIN,
	A_NEG,
	A_ARITH,
	A_CALL,
};

struct anode {
	unsigned char kind, op, type; /* A_*, OP_* or F_*, S_* */
	int truth;                    /* A_BOOL */
	uint32_t a, b, c; /* children; A_IN: left, first, count in idx;
			     A_CALL: first, count in idx; A_FIELD: first,
			     count in segs */
	unsigned depth;
	double num;
	const char *str; /* A_STR: decoded; A_FIELD: the canonical path */
	size_t len;
	struct pos at;   /* its first byte */
	struct pos opat; /* its operator */
	size_t end;      /* just past its last byte */
};

struct span {
	size_t off, len;
};

struct parser {
	struct fk_rules *rs;
	const char *file; /* in the pool */
	const char *s;
	size_t len;
	size_t pos, bol; /* the lexer: the next byte to read */
	long line;
	struct token tok;          /* the current token */
	size_t prev_off, prev_len; /* the token before, as written */
	struct pos prev_end;       /* and just past it */
	char *err;
	size_t errlen;
	int depth;
	struct anode *a; /* the rule being read */
	size_t na, capa;
	uint32_t *idx;
	size_t nidx, capidx;
	struct span *segs;
	size_t nsegs, capsegs;
};

/* ---- the compiled nodes ---- */

enum rop {
	R_CONST, /* k */
	R_FIELD, /* slot a */
	R_NOT,
	R_AND,
	R_OR,
	R_CMP,  /* a sub b */
	R_CMPK, /* slot a sub k, c its mask: most conditions */
	R_IN,   /* a in list b */
	R_NOTIN,
	R_INK, /* slot a in list b */
	R_NOTINK,
	R_EXISTS, /* slot a */
	R_LISTED, /* slot a (features.lists) holds list k */
	R_NEG,
	R_ARITH, /* a sub b */
	R_CALL,  /* function sub of args[a..a+b), scratch c */
};

/* ---- a rule as read ---- */

struct rule_src {
	struct pos at;
	const char *id;
	double weight;
	const char *reason;
	const char *severity;
	const char **tags;
	size_t ntags, captags;
	long root;
};

/* ---- shared by more than one stage ---- */

static inline int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static inline int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static inline int
is_alnum(int c)
{
	return is_alpha(c) || is_digit(c);
}

static inline int
is_literal(const struct anode *n)
{
	return n->kind == A_NUM || n->kind == A_STR || n->kind == A_BOOL ||
	    n->kind == A_NULL;
}

/* Bytewise, a prefix first: how lists are sorted and strings ordered.
 * Inline, for the evaluator's sake. */
static inline int
str_cmp(const char *a, size_t na, const char *b, size_t nb)
{
	size_t n = na < nb ? na : nb;
	int c = n > 0 ? memcmp(a, b, n) : 0;

	if (c != 0)
		return c;
	return (na > nb) - (na < nb);
}

/* rules_set.c: the set's memory. */

/* Steals p: the array, moved if need be, with room for n + 1 elements
 * of size, *cap doubled when it grew. */
void *rules_grow(void *p, size_t n, size_t *cap, size_t size);
/* Append s[0..n), or a string, or a character to b, kept NUL ended. */
void rules_sb_add(struct sbuf *b, const char *s, size_t n);
void rules_sb_adds(struct sbuf *b, const char *s);
void rules_sb_addc(struct sbuf *b, char c);
/* A new string of n bytes and a NUL, owned by the set: borrowed, it
 * lives until fk_rules_free. */
char *rules_pool_alloc(struct fk_rules *rs, size_t n);
/* A copy of s[0..n) in the pool, as rules_pool_alloc. */
char *rules_pool_strndup(struct fk_rules *rs, const char *s, size_t n);
/* The index of the rule named id (n bytes), or -1. */
long rules_id_find(const struct fk_rules *rs, const char *id, size_t n);
/* Compile the rule read into p, index its id, add its normal form to
 * the set's text; steals src->tags (left NULL). */
void rules_add(struct parser *p, struct rule_src *src);

/* rules_lex.c: tokens and messages. */

/* Move to the next token; with word, a run of rule-id characters when
 * there is one (T_WORD), else the ordinary token there.  0, or -1 with
 * the message in p->err. */
int rules_next(struct parser *p, int word);
/* The kind of the token after the current one; the lexer stays where
 * it was. */
enum tok rules_peek(struct parser *p);
/* Whether the current token is keyword kw (K_*). */
int rules_is_kw(const struct parser *p, int kw);
/* The current T_STR token decoded into the pool (borrowed from the
 * set), its length in *lenp. */
const char *rules_take_string(struct parser *p, size_t *lenp);
/* FILE:LINE:COL: message, the line as written and a caret under the
 * column, into p->err; -1, for the caller to return. */
int rules_perr(struct parser *p, struct pos at, const char *fmt, ...)
    PRINTF(3, 4);
/* s[0..n) quoted into buf (q: the quote, or 0 when s holds its own),
 * cut at FOUND_MAX bytes on a character boundary. */
void rules_quote(char *buf, size_t size, const char *s, size_t n, char q);
/* What token t is, for "found ...": buf, or a constant string. */
const char *rules_found(
    const struct parser *p, const struct token *t, char *buf, size_t size);

/* rules_expr.c: expressions. */

/* An expression from the current token on, into p->a: its index, or -1
 * with the message in p->err. */
long rules_parse_expr(struct parser *p);
/* Node i for "found ...": a literal as written (in buf), else its type
 * (a constant string). */
const char *rules_desc(
    const struct parser *p, uint32_t i, char *buf, size_t size);

/* rules_norm.c: normal form. */

/* Append the rule src, read into p, to b in normal form, one line. */
void rules_norm_rule(
    struct sbuf *b, const struct parser *p, const struct rule_src *src);

/* rules_compile.c: compiling. */

/* Compile the tree at root, read into p, onto rs's nodes for rule r:
 * sets r's root, guard and slots (a new array r owns) and its info's
 * slots and nslots.  r points into rs->rules, which does not move. */
void rules_compile(
    struct fk_rules *rs, const struct parser *p, uint32_t root, struct rule *r);

#endif
