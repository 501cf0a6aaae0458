/* fk-rules(5), the rule language of fk-score.  A text is lexed and
 * parsed by recursive descent into a small tree per rule, its types
 * checked where literals tell them, printed in normal form (the set's
 * identity) and compiled into one flat array of nodes that
 * fk_rules_eval walks without allocating.  Library module: never
 * prints, never exits. */
#include "rules.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "hash.h"
#include "xalloc.h"

#include "banned.h"

/* Bounds the recursion of the parser, the printer and the evaluator, so
 * that no text can exhaust the stack. */
#define MAX_DEPTH 1000
#define FOUND_MAX 40          /* bytes of source quoted in a message */
#define LIST_LINEAR 8         /* longer lists are searched, not scanned */
#define ID_SEED 0x72756c65ULL /* any constant: the table is never stored */

#define NO_GUARD UINT32_MAX

#define EF_MISSING 1u
#define EF_MISTYPED 2u

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

struct fk_rules {
	struct fk_jpath *paths; /* borrowed */
	struct rule *rules;
	size_t n, cap;
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
	uint32_t *ids; /* open addressing: rule index + 1, 0 empty */
	size_t capids;
	struct sbuf text; /* normal form */
	int hashed;
	char hash[FK_SHA256_HEXLEN];
	struct fk_jobj lobj; /* listed(): one element of features.lists */
};

/* Double the capacity of a growing array so that n + 1 elements fit. */
static void *
grow(void *p, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 8;
	return fk_xrealloc(p, *cap * size);
}

static void
sb_add(struct sbuf *b, const char *s, size_t n)
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

static void
sb_adds(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void
sb_addc(struct sbuf *b, char c)
{
	sb_add(b, &c, 1);
}

/* A new string of n bytes and a NUL that lives as long as the set. */
static char *
pool_alloc(struct fk_rules *rs, size_t n)
{
	char *s = fk_xmalloc(n + 1);

	rs->pool = grow(rs->pool, rs->npool, &rs->cappool, sizeof(*rs->pool));
	rs->pool[rs->npool++] = s;
	s[n] = '\0';
	return s;
}

static char *
pool_strndup(struct fk_rules *rs, const char *s, size_t n)
{
	char *d = pool_alloc(rs, n);

	if (n > 0)
		memcpy(d, s, n);
	return d;
}

struct fk_rules *
fk_rules_new(struct fk_jpath *paths)
{
	struct fk_rules *rs = fk_xcalloc(1, sizeof(*rs));

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
	free(rs->nodes);
	free(rs->args);
	free(rs->lists);
	free(rs->scratch);
	free(rs->pool);
	free(rs->ids);
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

/* The index of the rule named id (n bytes), or -1. */
static long
id_find(const struct fk_rules *rs, const char *id, size_t n)
{
	size_t mask = rs->capids - 1, i;
	const char *s;

	if (rs->capids == 0)
		return -1;
	for (i = (size_t)fk_hash64(id, n, ID_SEED) & mask; rs->ids[i] != 0;
	     i = (i + 1) & mask) {
		s = rs->rules[rs->ids[i] - 1].info.id;
		if (strncmp(s, id, n) == 0 && s[n] == '\0')
			return (long)rs->ids[i] - 1;
	}
	return -1;
}

/* Index rule r, whose id is not yet in the table. */
static void
id_add(struct fk_rules *rs, size_t r)
{
	const char *id;
	size_t cap, mask, i, j;
	uint32_t *ids;

	/* At most half full keeps probe runs short. */
	if ((rs->n + 1) * 2 > rs->capids) {
		cap = rs->capids ? rs->capids * 2 : 64;
		mask = cap - 1;
		ids = fk_xcalloc(cap, sizeof(*ids));
		for (i = 0; i < rs->capids; i++) {
			if (rs->ids[i] == 0)
				continue;
			id = rs->rules[rs->ids[i] - 1].info.id;
			for (j = (size_t)fk_hash64(id, strlen(id), ID_SEED) &
			         mask;
			     ids[j] != 0; j = (j + 1) & mask)
				;
			ids[j] = rs->ids[i];
		}
		free(rs->ids);
		rs->ids = ids;
		rs->capids = cap;
	}
	id = rs->rules[r].info.id;
	mask = rs->capids - 1;
	for (i = (size_t)fk_hash64(id, strlen(id), ID_SEED) & mask;
	     rs->ids[i] != 0; i = (i + 1) & mask)
		;
	rs->ids[i] = (uint32_t)r + 1;
}

/* ---- characters ---- */

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int
is_alnum(int c)
{
	return is_alpha(c) || is_digit(c);
}

/* Rule ids, severities and tags may hold '-', which in an expression is
 * the operator, and tags may start with a digit. */
static int
is_word(int c)
{
	return is_alnum(c) || c == '-';
}

static int
hexval(int c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The bytes of the valid UTF-8 sequence at s (n bytes left), or 0: no
 * overlong forms, surrogates or code points past U+10FFFF. */
static size_t
utf8_len(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t cp, min;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1fu;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0fu;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07u;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

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

static const char *const keywords[K_COUNT] = { "rule", "and", "or", "not", "in",
	"true", "false", "null", "severity", "tags" };

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

static const char *const opnames[] = { "==", "!=", "<", "<=", ">", ">=", "+",
	"-", "*", "/", "%", "and", "or" };

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

static const struct func_def {
	const char *name;
	int min, max; /* arguments; max -1: no limit */
	unsigned char arg, ret;
} funcs[] = {
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

#define NFUNCS (sizeof(funcs) / sizeof(funcs[0]))

static const char *const severities[] = { "low", "medium", "high", "critical" };

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

/* ---- messages ---- */

#if defined(__GNUC__)
#define PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF(f, a)
#endif

/* FILE:LINE:COL: message, the line as written and a caret under the
 * column; -1, for the caller to return. */
static int PRINTF(3, 4)
    perr(struct parser *p, struct pos at, const char *fmt, ...)
{
	struct sbuf b = { NULL, 0, 0 };
	char msg[512], head[64];
	const char *eol;
	size_t i, n, eolen;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(
	    head, sizeof(head), ":%ld:%zu: ", at.line, at.off - at.bol + 1);
	sb_adds(&b, p->file);
	sb_adds(&b, head);
	sb_adds(&b, msg);
	sb_adds(&b, "\n    ");
	eol = memchr(p->s + at.bol, '\n', p->len - at.bol);
	eolen = eol != NULL ? (size_t)(eol - p->s) : p->len;
	n = eolen - at.bol;
	if (n > 0 && p->s[at.bol + n - 1] == '\r')
		n--;
	sb_add(&b, p->s + at.bol, n);
	sb_adds(&b, "\n    ");
	/* One blank per character, so the caret sits under a byte that
	 * follows multibyte characters too; tabs kept. */
	for (i = at.bol; i < at.off && i < eolen; i++) {
		if (p->s[i] == '\t')
			sb_addc(&b, '\t');
		else if (((unsigned char)p->s[i] & 0xc0) != 0x80)
			sb_addc(&b, ' ');
	}
	sb_adds(&b, "^\n");
	if (p->errlen > 0) {
		n = b.len < p->errlen - 1 ? b.len : p->errlen - 1;
		memcpy(p->err, b.s, n);
		p->err[n] = '\0';
	}
	free(b.s);
	return -1;
}

/* s[0..n) quoted for a message (q: the quote, or 0 when s holds its
 * own), cut at FOUND_MAX bytes on a character boundary. */
static void
quote(char *buf, size_t size, const char *s, size_t n, char q)
{
	const char *more = "";

	if (n > FOUND_MAX) {
		n = FOUND_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		more = "...";
	}
	if (q != '\0')
		snprintf(buf, size, "%c%.*s%s%c", q, (int)n, s, more, q);
	else
		snprintf(buf, size, "%.*s%s", (int)n, s, more);
}

/* What token t is, for "found ...". */
static const char *
found(const struct parser *p, const struct token *t, char *buf, size_t size)
{
	if (t->kind == T_EOF)
		return "end of file";
	quote(buf, size, p->s + t->at.off, t->len, t->kind == T_STR ? 0 : '\'');
	return buf;
}

/* ---- the lexer ---- */

static int PRINTF(4, 5)
    lex_err(struct parser *p, struct token *t, size_t off, const char *fmt, ...)
{
	va_list ap;

	t->kind = T_ERR;
	t->at.off = off;
	t->at.bol = p->bol;
	t->at.line = p->line;
	t->len = 0;
	va_start(ap, fmt);
	vsnprintf(t->msg, sizeof(t->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static int
skip_space(struct parser *p, struct token *t)
{
	const char *s = p->s;
	size_t n;

	while (p->pos < p->len) {
		switch (s[p->pos]) {
		case ' ':
		case '\t':
		case '\r':
			p->pos++;
			break;
		case '\n':
			p->pos++;
			p->line++;
			p->bol = p->pos;
			break;
		case '#':
			while (p->pos < p->len && s[p->pos] != '\n') {
				n = utf8_len(s + p->pos, p->len - p->pos);
				if (n == 0)
					return lex_err(p, t, p->pos,
					    "invalid UTF-8 byte 0x%02x in a "
					    "comment",
					    (unsigned char)s[p->pos]);
				p->pos += n;
			}
			break;
		default:
			return 0;
		}
	}
	return 0;
}

/* The value of the 4 hex digits at s (n bytes left), or -1. */
static long
hex4(const char *s, size_t n)
{
	long v = 0;
	int d, i;

	if (n < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		if ((d = hexval((unsigned char)s[i])) < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* A string: checked here, decoded when the parser keeps it. */
static void
lex_string(struct parser *p, struct token *t)
{
	const char *s = p->s;
	size_t start = p->pos, i = start + 1, dlen = 0, n;
	unsigned char c;
	long cp;

	for (;;) {
		if (i >= p->len || s[i] == '\n') {
			lex_err(p, t, start, "unterminated string");
			return;
		}
		c = (unsigned char)s[i];
		if (c == '"')
			break;
		if (c == '\\') {
			c = i + 1 < p->len ? (unsigned char)s[i + 1] : '\n';
			switch (c) {
			case '"':
			case '\\':
			case 'n':
			case 't':
				dlen++;
				i += 2;
				continue;
			case 'u':
				cp = hex4(s + i + 2, p->len - i - 2);
				if (cp < 0) {
					lex_err(p, t, i,
					    "bad escape '\\u' in a string: "
					    "expected 4 hex digits");
					return;
				}
				if (cp >= 0xd800 && cp <= 0xdfff) {
					lex_err(p, t, i,
					    "bad escape '\\u%.4s' in a string: "
					    "surrogates are not allowed",
					    s + i + 2);
					return;
				}
				if (cp == 0) {
					lex_err(p, t, i,
					    "bad escape '\\u%.4s' in a string: "
					    "NUL is not allowed",
					    s + i + 2);
					return;
				}
				dlen += cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3;
				i += 6;
				continue;
			case '\n':
				lex_err(p, t, start, "unterminated string");
				return;
			default:
				if (c > ' ' && c < 0x7f)
					lex_err(p, t, i,
					    "bad escape '\\%c' in a string", c);
				else
					lex_err(p, t, i,
					    "bad escape in a string: '\\' "
					    "followed by byte 0x%02x",
					    c);
				return;
			}
		}
		if (c < 0x20 || c == 0x7f) {
			lex_err(p, t, i,
			    "control character 0x%02x in a string (write "
			    "%s)",
			    c, c == '\t' ? "\\t" : "\\u00XX");
			return;
		}
		if ((n = utf8_len(s + i, p->len - i)) == 0) {
			lex_err(p, t, i,
			    "invalid UTF-8 byte 0x%02x in a string", c);
			return;
		}
		dlen += n;
		i += n;
	}
	t->kind = T_STR;
	t->len = i + 1 - start;
	t->slen = dlen;
	p->pos = i + 1;
}

/* `any text`: a member name that is not an identifier, or a keyword. */
static void
lex_bquote(struct parser *p, struct token *t)
{
	const char *s = p->s;
	size_t start = p->pos, i = start + 1, n;
	unsigned char c;

	for (;;) {
		if (i >= p->len || s[i] == '\n') {
			lex_err(p, t, start, "unterminated backquoted name");
			return;
		}
		c = (unsigned char)s[i];
		if (c == '`')
			break;
		if (c < 0x20 || c == 0x7f) {
			lex_err(p, t, i,
			    "control character 0x%02x in a backquoted name", c);
			return;
		}
		if ((n = utf8_len(s + i, p->len - i)) == 0) {
			lex_err(p, t, i,
			    "invalid UTF-8 byte 0x%02x in a backquoted name",
			    c);
			return;
		}
		i += n;
	}
	t->kind = T_BQ;
	t->len = i + 1 - start;
	p->pos = i + 1;
}

/* Seconds per unit, or 0 for an unknown unit. */
static double
unit_secs(const char *u, size_t n)
{
	static const struct {
		char name[3];
		double secs;
	} units[] = { { "ms", 0.001 }, { "s", 1 }, { "m", 60 }, { "h", 3600 },
		{ "d", 86400 }, { "w", 604800 } };
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strlen(units[i].name) == n &&
		    memcmp(units[i].name, u, n) == 0)
			return units[i].secs;
	}
	return 0;
}

/* A number as JSON writes it, maybe with a unit glued on. */
static void
lex_number(struct parser *p, struct token *t)
{
	const char *s = p->s;
	size_t start = p->pos, i = start, j, numend, ustart;
	char small[64], *buf;
	double v, secs = 1;

	while (i < p->len && is_digit((unsigned char)s[i]))
		i++;
	if (s[start] == '0' && i - start > 1) {
		lex_err(p, t, start, "leading zero in number '%.*s'",
		    (int)(i - start), s + start);
		return;
	}
	if (i < p->len && s[i] == '.') {
		if (i + 1 >= p->len || !is_digit((unsigned char)s[i + 1])) {
			lex_err(p, t, i, "expected a digit after '.' in '%.*s'",
			    (int)(i + 1 - start), s + start);
			return;
		}
		for (i++; i < p->len && is_digit((unsigned char)s[i]); i++)
			;
	}
	if (i < p->len && (s[i] == 'e' || s[i] == 'E')) {
		j = i + 1;
		if (j < p->len && (s[j] == '+' || s[j] == '-'))
			j++;
		/* Without a digit the e starts a unit, and an error. */
		if (j < p->len && is_digit((unsigned char)s[j])) {
			for (i = j; i < p->len && is_digit((unsigned char)s[i]);
			     i++)
				;
		}
	}
	numend = i;
	if (i < p->len && is_alpha((unsigned char)s[i])) {
		ustart = i;
		while (i < p->len && is_alnum((unsigned char)s[i]))
			i++;
		secs = unit_secs(s + ustart, i - ustart);
		if (secs == 0) {
			lex_err(p, t, ustart, "unknown unit '%.*s'",
			    (int)(i - ustart), s + ustart);
			return;
		}
		t->dur = 1;
	}
	buf = numend - start < sizeof(small) ? small
	                                     : fk_xmalloc(numend - start + 1);
	memcpy(buf, s + start, numend - start);
	buf[numend - start] = '\0';
	v = strtod(buf, NULL);
	if (buf != small)
		free(buf);
	/* Dividing by 1000 is exact where multiplying by 0.001 is not. */
	v = secs == 0.001 ? v / 1000 : v * secs;
	if (isinf(v)) {
		lex_err(p, t, start, "number out of range '%.*s'",
		    (int)(i - start), s + start);
		return;
	}
	t->kind = T_NUM;
	t->num = v;
	t->len = i - start;
	p->pos = i;
}

static void
punct(struct parser *p, struct token *t, enum tok kind, size_t len)
{
	t->kind = kind;
	t->len = len;
	p->pos += len;
}

/* The next token from p->pos into t (T_ERR with a message on error). */
static void
lex(struct parser *p, struct token *t)
{
	const char *s = p->s;
	unsigned char c, d;
	size_t i, n;
	int k;

	t->kw = -1;
	t->dur = 0;
	t->len = 0;
	if (skip_space(p, t) == -1)
		return;
	t->at.off = p->pos;
	t->at.bol = p->bol;
	t->at.line = p->line;
	if (p->pos >= p->len) {
		t->kind = T_EOF;
		return;
	}
	c = (unsigned char)s[p->pos];
	d = p->pos + 1 < p->len ? (unsigned char)s[p->pos + 1] : '\0';
	if (is_alpha(c)) {
		for (i = p->pos + 1;
		     i < p->len && is_alnum((unsigned char)s[i]); i++)
			;
		t->kind = T_NAME;
		t->len = i - p->pos;
		for (k = 0; k < K_COUNT; k++) {
			if (strlen(keywords[k]) == t->len &&
			    memcmp(keywords[k], s + p->pos, t->len) == 0) {
				t->kind = T_KW;
				t->kw = k;
			}
		}
		p->pos = i;
		return;
	}
	if (is_digit(c)) {
		lex_number(p, t);
		return;
	}
	switch (c) {
	case '"':
		lex_string(p, t);
		return;
	case '`':
		lex_bquote(p, t);
		return;
	case ':':
		punct(p, t, T_COLON, 1);
		return;
	case ',':
		punct(p, t, T_COMMA, 1);
		return;
	case '.':
		punct(p, t, T_DOT, 1);
		return;
	case '(':
		punct(p, t, T_LP, 1);
		return;
	case ')':
		punct(p, t, T_RP, 1);
		return;
	case '+':
		punct(p, t, T_PLUS, 1);
		return;
	case '-':
		punct(p, t, T_MINUS, 1);
		return;
	case '*':
		punct(p, t, T_STAR, 1);
		return;
	case '/':
		punct(p, t, T_SLASH, 1);
		return;
	case '%':
		punct(p, t, T_PCT, 1);
		return;
	case '<':
		punct(p, t, d == '=' ? T_LE : T_LT, d == '=' ? 2 : 1);
		return;
	case '>':
		punct(p, t, d == '=' ? T_GE : T_GT, d == '=' ? 2 : 1);
		return;
	case '=':
		if (d == '=')
			punct(p, t, T_EQ, 2);
		else if (d == '>')
			punct(p, t, T_ARROW, 2);
		else
			lex_err(p, t, p->pos,
			    "unexpected '=' (write '==' to compare)");
		return;
	case '!':
		if (d == '=')
			punct(p, t, T_NE, 2);
		else
			lex_err(p, t, p->pos,
			    "unexpected '!' (write 'not', or '!=' to compare)");
		return;
	case '&':
		if (d == '&') {
			lex_err(p, t, p->pos, "unexpected '&&' (write 'and')");
			return;
		}
		break;
	case '|':
		if (d == '|') {
			lex_err(p, t, p->pos, "unexpected '||' (write 'or')");
			return;
		}
		break;
	default:
		break;
	}
	if (c > ' ' && c < 0x7f)
		lex_err(p, t, p->pos, "unexpected character '%c'", c);
	else if (c < 0x80)
		lex_err(p, t, p->pos, "unexpected byte 0x%02x", c);
	else if ((n = utf8_len(s + p->pos, p->len - p->pos)) == 0)
		lex_err(p, t, p->pos, "invalid UTF-8 byte 0x%02x", c);
	else
		lex_err(p, t, p->pos, "unexpected character '%.*s'", (int)n,
		    s + p->pos);
}

/* Move to the next token; with word, a run of is_word characters when
 * there is one (T_WORD), else the ordinary token there.  0, or -1 on a
 * lexical error. */
static int
next(struct parser *p, int word)
{
	struct token *t = &p->tok;
	size_t i;

	p->prev_off = t->at.off;
	p->prev_len = t->len;
	p->prev_end = t->at;
	p->prev_end.off += t->len;
	if (word) {
		if (skip_space(p, t) == -1)
			return perr(p, t->at, "%s", t->msg);
		for (i = p->pos; i < p->len && is_word((unsigned char)p->s[i]);
		     i++)
			;
		if (i > p->pos) {
			t->kind = T_WORD;
			t->at.off = p->pos;
			t->at.bol = p->bol;
			t->at.line = p->line;
			t->len = i - p->pos;
			p->pos = i;
			return 0;
		}
	}
	lex(p, t);
	/* The end of the file is shown where the text stops. */
	if (t->kind == T_EOF)
		t->at = p->prev_end;
	if (t->kind == T_ERR)
		return perr(p, t->at, "%s", t->msg);
	return 0;
}

/* The kind and keyword of the token after the current one. */
static enum tok
peek(struct parser *p)
{
	size_t pos = p->pos, bol = p->bol;
	long line = p->line;
	struct token t;

	lex(p, &t);
	p->pos = pos;
	p->bol = bol;
	p->line = line;
	return t.kind;
}

static int
is_kw(const struct parser *p, int kw)
{
	return p->tok.kind == T_KW && p->tok.kw == kw;
}

/* ---- the parser ---- */

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

static int
is_literal(const struct anode *n)
{
	return n->kind == A_NUM || n->kind == A_STR || n->kind == A_BOOL ||
	    n->kind == A_NULL;
}

/* An operand for "found ...": a literal as written, else its type. */
static const char *
desc(const struct parser *p, uint32_t i, char *buf, size_t size)
{
	const struct anode *n = &p->a[i];

	if (!is_literal(n))
		return type_name(n->type);
	quote(buf, size, p->s + n->at.off, n->end - n->at.off,
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
	snprintf(
	    buf, size, "%s%s", names[n->type], desc(p, i, lit, sizeof(lit)));
	return buf;
}

static long
new_node(struct parser *p, int kind, int type, struct pos at, size_t end)
{
	struct anode *n;

	p->a = grow(p->a, p->na, &p->capa, sizeof(*p->a));
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
		return perr(p, at, "expression nested too deeply");
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
	p->idx = grow(p->idx, p->nidx, &p->capidx, sizeof(*p->idx));
	p->idx[p->nidx++] = v;
}

/* Decode the current string token into the pool. */
static const char *
take_string(struct parser *p, size_t *lenp)
{
	const struct token *t = &p->tok;
	const char *s = p->s + t->at.off + 1;
	const char *end = p->s + t->at.off + t->len - 1;
	char *out = pool_alloc(p->rs, t->slen), *o = out;
	long cp;

	while (s < end) {
		if (*s != '\\') {
			*o++ = *s++;
			continue;
		}
		switch (s[1]) {
		case 'n':
			*o++ = '\n';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'u':
			cp = hex4(s + 2, 4);
			if (cp < 0x80) {
				*o++ = (char)cp;
			} else if (cp < 0x800) {
				*o++ = (char)(0xc0 | cp >> 6);
				*o++ = (char)(0x80 | (cp & 0x3f));
			} else {
				*o++ = (char)(0xe0 | cp >> 12);
				*o++ = (char)(0x80 | (cp >> 6 & 0x3f));
				*o++ = (char)(0x80 | (cp & 0x3f));
			}
			s += 4;
			break;
		default: /* '"' and '\\' */
			*o++ = s[1];
			break;
		}
		s += 2;
	}
	*lenp = (size_t)(o - out);
	return out;
}

static long parse_expr(struct parser *p);

static int
need_type(struct parser *p, long i, int want, const char *what)
{
	char buf[FOUND_MAX + 16];
	int type = p->a[i].type;

	if (type == S_ANY || type == want)
		return 0;
	return perr(p, p->a[i].at, "%s, found %s", what,
	    desc(p, (uint32_t)i, buf, sizeof(buf)));
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
	    op == -1 ? "-" : opnames[op], op == -1 ? "a number" : "numbers");
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
		if (strlen(keywords[k]) == n && memcmp(keywords[k], s, n) == 0)
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
		p->segs =
		    grow(p->segs, p->nsegs, &p->capsegs, sizeof(*p->segs));
		p->segs[p->nsegs++] = sp;
		if (nseg++ > 0)
			sb_addc(&name, '.');
		if (needs_backquotes(p->s + sp.off, sp.len, nseg == 1)) {
			sb_addc(&name, '`');
			sb_add(&name, p->s + sp.off, sp.len);
			sb_addc(&name, '`');
		} else {
			sb_add(&name, p->s + sp.off, sp.len);
		}
		end = p->tok.at.off + p->tok.len;
		if (next(p, 0) == -1)
			goto fail;
		if (p->tok.kind != T_DOT)
			break;
		if (next(p, 0) == -1)
			goto fail;
		if (p->tok.kind != T_NAME && p->tok.kind != T_KW &&
		    p->tok.kind != T_BQ) {
			perr(p, p->tok.at,
			    "expected a name after '.', found %s",
			    found(p, &p->tok, buf, sizeof(buf)));
			goto fail;
		}
	}
	i = new_node(p, A_FIELD, S_ANY, at, end);
	p->a[i].a = (uint32_t)seg0;
	p->a[i].b = (uint32_t)nseg;
	p->a[i].str = pool_strndup(p->rs, name.s, name.len);
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
		if (strlen(funcs[f].name) == p->tok.len &&
		    memcmp(funcs[f].name, p->s + at.off, p->tok.len) == 0) {
			fn = &funcs[f];
			break;
		}
	}
	if (fn == NULL)
		return perr(p, at, "unknown function '%.*s'", (int)p->tok.len,
		    p->s + at.off);
	if (next(p, 0) == -1 || next(p, 0) == -1)
		return -1;
	while (nargs > 0 || p->tok.kind != T_RP) {
		if ((a = parse_expr(p)) < 0)
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
			perr(p, p->tok.at,
			    "expected ',' or ')' after an argument of %s(), "
			    "found %s",
			    fn->name, found(p, &p->tok, buf, sizeof(buf)));
			goto out;
		}
		if (next(p, 0) == -1)
			goto out;
	}
	end = p->tok.at.off + p->tok.len;
	if (next(p, 0) == -1)
		goto out;
	if (fn->max < 0 && nargs < (size_t)fn->min) {
		perr(p, at, "%s() takes %d or more arguments, found %zu",
		    fn->name, fn->min, nargs);
		goto out;
	}
	if (fn->max >= 0 &&
	    (nargs < (size_t)fn->min || nargs > (size_t)fn->max)) {
		perr(p, at, "%s() takes %d argument%s, found %zu", fn->name,
		    fn->min, fn->min == 1 ? "" : "s", nargs);
		goto out;
	}
	for (k = 0; k < nargs; k++) {
		if (fn == &funcs[F_LISTED]) {
			if (p->a[args[k]].kind != A_STR) {
				perr(p, p->a[args[k]].at,
				    "listed() takes a list name in quotes, "
				    "found %s",
				    desc(p, args[k], buf, sizeof(buf)));
				goto out;
			}
			continue;
		}
		if (fn == &funcs[F_EXISTS]) {
			if (p->a[args[k]].kind != A_FIELD) {
				perr(p, p->a[args[k]].at,
				    "exists() takes a field, found %s",
				    desc(p, args[k], buf, sizeof(buf)));
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
	p->a[i].op = (unsigned char)(fn - funcs);
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
		return next(p, 0) == -1 ? -1 : i;
	case T_STR:
		i = new_node(p, A_STR, S_STR, t->at, t->at.off + t->len);
		p->a[i].str = take_string(p, &len);
		p->a[i].len = len;
		return next(p, 0) == -1 ? -1 : i;
	case T_NAME:
		return peek(p) == T_LP ? parse_call(p) : parse_field(p);
	case T_BQ:
		return parse_field(p);
	case T_LP:
		if (next(p, 0) == -1 || (i = parse_expr(p)) < 0)
			return -1;
		if (t->kind != T_RP)
			return perr(p, t->at, "expected ')', found %s",
			    found(p, t, buf, sizeof(buf)));
		return next(p, 0) == -1 ? -1 : i;
	case T_KW:
		if (t->kw == K_TRUE || t->kw == K_FALSE) {
			i = new_node(
			    p, A_BOOL, S_BOOL, t->at, t->at.off + t->len);
			p->a[i].truth = t->kw == K_TRUE;
			return next(p, 0) == -1 ? -1 : i;
		}
		if (t->kw == K_NULL) {
			i = new_node(
			    p, A_NULL, S_NULL, t->at, t->at.off + t->len);
			return next(p, 0) == -1 ? -1 : i;
		}
		break;
	case T_DOT:
		if (t->at.off + 1 < p->len && is_digit(p->s[t->at.off + 1]))
			return perr(p, t->at,
			    "expected a digit before '.' in a number");
		break;
	default:
		break;
	}
	quote(prev, sizeof(prev), p->s + p->prev_off, p->prev_len, '\'');
	what = found(p, t, buf, sizeof(buf));
	if (t->kind == T_KW)
		return perr(p, t->at,
		    "expected a value after %s, found keyword %s (a field of "
		    "that name is written `%s`)",
		    prev, what, keywords[t->kw]);
	if (p->prev_len == 1 && p->s[p->prev_off] == ':')
		return perr(
		    p, t->at, "expected a condition after ':', found %s", what);
	return perr(
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
		return perr(p, at, "expression nested too deeply");
	if (next(p, 0) == -1 || (x = parse_unary(p)) < 0)
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
		if (need_num(p, l, op) == -1 || next(p, 0) == -1)
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

	if (next(p, 0) == -1)
		return -1;
	if (t->kind != T_LP)
		return perr(p, t->at, "expected '(' after 'in', found %s",
		    found(p, t, buf, sizeof(buf)));
	do {
		if (next(p, 0) == -1)
			return -1;
		at = t->at;
		neg = t->kind == T_MINUS;
		if (neg && next(p, 0) == -1)
			return -1;
		if (t->kind == T_NUM) {
			e = new_node(p, A_NUM, S_NUM, at, t->at.off + t->len);
			p->a[e].num = neg ? -t->num : t->num;
		} else if (neg) {
			return perr(p, t->at,
			    "expected a number after '-' in the list, found %s",
			    found(p, t, buf, sizeof(buf)));
		} else if (t->kind == T_STR) {
			e = new_node(p, A_STR, S_STR, at, t->at.off + t->len);
			p->a[e].str = take_string(p, &p->a[e].len);
		} else if (t->kind == T_KW &&
		    (t->kw == K_TRUE || t->kw == K_FALSE)) {
			e = new_node(p, A_BOOL, S_BOOL, at, t->at.off + t->len);
			p->a[e].truth = t->kw == K_TRUE;
		} else {
			return perr(p, t->at,
			    "expected a number, string or boolean in the list, "
			    "found %s",
			    found(p, t, buf, sizeof(buf)));
		}
		types |= type_bit(p->a[e].type);
		push_idx(p, (uint32_t)e);
		n++;
		if (next(p, 0) == -1)
			return -1;
		if (t->kind != T_COMMA && t->kind != T_RP)
			return perr(p, t->at,
			    "expected ',' or ')' in the list, found %s",
			    found(p, t, buf, sizeof(buf)));
	} while (t->kind == T_COMMA);
	if (p->a[l].type != S_ANY && (types & type_bit(p->a[l].type)) == 0)
		return perr(p, opat, "cannot look for %s in a list of %s",
		    desc_typed(p, (uint32_t)l, lbuf, sizeof(lbuf)),
		    list_types(types));
	e = new_op(
	    p, negated ? A_NOTIN : A_IN, 0, S_BOOL, p->a[l].at, opat, l, -1);
	if (e < 0)
		return -1;
	p->a[e].b = (uint32_t)first;
	p->a[e].c = (uint32_t)n;
	p->a[e].end = t->at.off + t->len;
	return next(p, 0) == -1 ? -1 : e;
}

static int
check_cmp(struct parser *p, int op, struct pos opat, long l, long r)
{
	char b1[FOUND_MAX + 32], b2[FOUND_MAX + 32];
	int tl = p->a[l].type, tr = p->a[r].type;

	if (op >= OP_LT) {
		if (tl == S_BOOL || tl == S_NULL)
			return perr(p, opat,
			    "'%s' orders numbers and strings, found %s",
			    opnames[op], desc(p, (uint32_t)l, b1, sizeof(b1)));
		if (tr == S_BOOL || tr == S_NULL)
			return perr(p, opat,
			    "'%s' orders numbers and strings, found %s",
			    opnames[op], desc(p, (uint32_t)r, b1, sizeof(b1)));
	}
	if (tl != S_ANY && tr != S_ANY && tl != tr)
		return perr(p, opat, "cannot compare %s with %s",
		    desc_typed(p, (uint32_t)l, b1, sizeof(b1)),
		    desc_typed(p, (uint32_t)r, b2, sizeof(b2)));
	return 0;
}

static int
at_comparison(const struct parser *p)
{
	return cmp_op(p->tok.kind) >= 0 || is_kw(p, K_IN) || is_kw(p, K_NOT);
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
		if (next(p, 0) == -1 || (r = parse_arith(p, 5)) < 0 ||
		    check_cmp(p, op, opat, l, r) == -1)
			return -1;
		l = new_op(p, A_CMP, op, S_BOOL, p->a[l].at, opat, l, r);
	} else if (is_kw(p, K_IN)) {
		l = parse_in(p, l, 0, opat);
	} else {
		/* After an operand, 'not' can only begin 'not in'. */
		if (next(p, 0) == -1)
			return -1;
		if (!is_kw(p, K_IN))
			return perr(p, p->tok.at,
			    "expected 'in' after 'not', found %s",
			    found(p, &p->tok, buf, sizeof(buf)));
		l = parse_in(p, l, 1, opat);
	}
	if (l >= 0 && at_comparison(p))
		return perr(p, p->tok.at,
		    "comparisons do not chain: found %s after a comparison "
		    "(join them with 'and')",
		    found(p, &p->tok, buf, sizeof(buf)));
	return l;
}

static long
parse_not(struct parser *p)
{
	struct pos at = p->tok.at;
	long x;

	if (!is_kw(p, K_NOT))
		return parse_cmp(p);
	if (++p->depth > MAX_DEPTH)
		return perr(p, at, "expression nested too deeply");
	if (next(p, 0) == -1 || (x = parse_not(p)) < 0)
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
	while (l >= 0 && is_kw(p, kw)) {
		opat = p->tok.at;
		if (need_bool(p, l, op) == -1 || next(p, 0) == -1)
			return -1;
		r = kw == K_OR ? parse_bool(p, K_AND) : parse_not(p);
		if (r < 0 || need_bool(p, r, op) == -1)
			return -1;
		l = new_op(p, kw == K_OR ? A_OR : A_AND, op, S_BOOL, p->a[l].at,
		    opat, l, r);
	}
	return l;
}

static long
parse_expr(struct parser *p)
{
	long r;

	if (++p->depth > MAX_DEPTH)
		return perr(p, p->tok.at, "expression nested too deeply");
	r = parse_bool(p, K_OR);
	p->depth--;
	return r;
}

/* ---- normal form ---- */

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
	sb_adds(b, buf);
}

static void
put_str(struct sbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };
	unsigned char c;
	size_t i;

	sb_addc(b, '"');
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			sb_addc(b, '\\');
			sb_addc(b, (char)c);
		} else if (c == '\n') {
			sb_adds(b, "\\n");
		} else if (c == '\t') {
			sb_adds(b, "\\t");
		} else if (c < 0x20 || c == 0x7f) {
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			sb_add(b, esc, sizeof(esc));
		} else {
			sb_addc(b, (char)c);
		}
	}
	sb_addc(b, '"');
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
		sb_addc(b, '(');
	print_node(p, b, i);
	if (parens)
		sb_addc(b, ')');
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
		sb_adds(b, n->truth ? "true" : "false");
		break;
	case A_NULL:
		sb_adds(b, "null");
		break;
	case A_FIELD:
		sb_add(b, n->str, n->len);
		break;
	case A_NOT:
		sb_adds(b, "not ");
		print_sub(p, b, n->a, prec(&p->a[n->a]) < pr);
		break;
	case A_NEG:
		sb_addc(b, '-');
		print_sub(p, b, n->a, prec(&p->a[n->a]) < pr);
		break;
	case A_CALL:
		sb_adds(b, funcs[n->op].name);
		sb_addc(b, '(');
		for (k = 0; k < n->c; k++) {
			if (k > 0)
				sb_adds(b, ", ");
			print_node(p, b, p->idx[n->b + k]);
		}
		sb_addc(b, ')');
		break;
	case A_IN:
	case A_NOTIN:
		/* Comparisons do not chain: one as an operand is wrapped. */
		lp = prec(&p->a[n->a]);
		print_sub(p, b, n->a, lp <= pr);
		sb_adds(b, n->kind == A_IN ? " in (" : " not in (");
		for (k = 0; k < n->c; k++) {
			if (k > 0)
				sb_adds(b, ", ");
			print_node(p, b, p->idx[n->b + k]);
		}
		sb_addc(b, ')');
		break;
	default: /* binary */
		lp = prec(&p->a[n->a]);
		print_sub(p, b, n->a, lp < pr || (pr == 4 && lp == 4));
		sb_addc(b, ' ');
		sb_adds(b, opnames[n->op]);
		sb_addc(b, ' ');
		print_sub(p, b, n->b, prec(&p->a[n->b]) <= pr);
		break;
	}
}

/* ---- compiling ---- */

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

struct slots {
	size_t *v;
	size_t n, cap;
};

static uint32_t
emit(struct fk_rules *rs, int op, int sub, uint32_t a, uint32_t b)
{
	struct rnode *n;

	rs->nodes =
	    grow(rs->nodes, rs->nnodes, &rs->capnodes, sizeof(*rs->nodes));
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
		sl->v = grow(sl->v, sl->n, &sl->cap, sizeof(*sl->v));
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
		sl->v = grow(sl->v, sl->n, &sl->cap, sizeof(*sl->v));
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
str_cmp(const char *a, size_t na, const char *b, size_t nb)
{
	size_t n = na < nb ? na : nb;
	int c = n > 0 ? memcmp(a, b, n) : 0;

	if (c != 0)
		return c;
	return (na > nb) - (na < nb);
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

	rs->lists =
	    grow(rs->lists, rs->nlists, &rs->caplists, sizeof(*rs->lists));
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
			rs->args = grow(rs->args, rs->nargs, &rs->capargs,
			    sizeof(*rs->args));
			rs->args[rs->nargs++] = args[k];
		}
		if (args != small)
			free(args);
		k = emit(rs, R_CALL, n->op, a, n->c);
		if (n->op == F_LOWER) {
			rs->scratch = grow(rs->scratch, rs->nscratch,
			    &rs->capscratch, sizeof(*rs->scratch));
			sc = &rs->scratch[rs->nscratch];
			sc->buf = NULL;
			sc->cap = 0;
			rs->nodes[k].c = (uint32_t)rs->nscratch++;
		}
		return k;
	}
}

/* ---- rules ---- */

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

static void
add_rule(struct parser *p, struct rule_src *src)
{
	struct fk_rules *rs = p->rs;
	struct slots sl = { NULL, 0, 0 };
	struct sbuf *b = &rs->text;
	struct rule *r;
	size_t k;

	rs->rules = grow(rs->rules, rs->n, &rs->cap, sizeof(*rs->rules));
	r = &rs->rules[rs->n];
	memset(r, 0, sizeof(*r));
	r->root = compile(rs, p, (uint32_t)src->root, &sl);
	/* Most records fail a rule at its first comparison: when that is a
	 * field against a literal or a field alone, fk_rules_eval tries it
	 * first without the walk. */
	for (k = r->root; rs->nodes[k].op == R_AND; k = rs->nodes[k].a)
		;
	r->guard = rs->nodes[k].op == R_CMPK || rs->nodes[k].op == R_FIELD
	    ? (uint32_t)k
	    : NO_GUARD;
	r->tags = src->tags;
	r->slots = sl.v;
	r->info.id = src->id;
	r->info.weight = src->weight;
	r->info.reason = src->reason;
	r->info.severity = src->severity;
	r->info.tags = r->tags;
	r->info.ntags = src->ntags;
	r->info.slots = r->slots;
	r->info.nslots = sl.n;
	r->info.file = p->file;
	r->info.line = src->at.line;
	src->tags = NULL;
	id_add(rs, rs->n);
	rs->n++;

	sb_adds(b, "rule ");
	sb_adds(b, src->id);
	sb_adds(b, ": ");
	print_node(p, b, (uint32_t)src->root);
	sb_adds(b, " => ");
	put_num(b, src->weight);
	sb_addc(b, ' ');
	put_str(b, src->reason, strlen(src->reason));
	if (src->severity != NULL) {
		sb_adds(b, " severity ");
		sb_adds(b, src->severity);
	}
	for (k = 0; k < r->info.ntags; k++) {
		sb_adds(b, k == 0 ? " tags " : ", ");
		sb_adds(b, r->tags[k]);
	}
	sb_addc(b, '\n');
	rs->hashed = 0;
}

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

	if (next(p, 0) == -1)
		return -1;
	for (;;) {
		if (t->kind == T_EOF || is_kw(p, K_RULE))
			return 0;
		if (is_kw(p, K_SEVERITY)) {
			if (r->severity != NULL)
				return perr(p, t->at, "'severity' given twice");
			if (next(p, 1) == -1)
				return -1;
			if (t->kind != T_WORD)
				return perr(p, t->at,
				    "expected a severity (low, medium, high "
				    "or critical) after 'severity', found %s",
				    found(p, t, buf, sizeof(buf)));
			if (!is_severity(p, t, &r->severity))
				return perr(p, t->at,
				    "unknown severity %s (low, medium, high or "
				    "critical)",
				    found(p, t, buf, sizeof(buf)));
			if (next(p, 0) == -1)
				return -1;
			continue;
		}
		if (!is_kw(p, K_TAGS))
			return perr(p, t->at,
			    "expected 'severity', 'tags' or 'rule', found %s",
			    found(p, t, buf, sizeof(buf)));
		if (tags++)
			return perr(p, t->at, "'tags' given twice");
		do {
			quote(
			    what, sizeof(what), p->s + t->at.off, t->len, '\'');
			if (next(p, 1) == -1)
				return -1;
			if (t->kind != T_WORD)
				return perr(p, t->at,
				    "expected a tag after %s, found %s", what,
				    found(p, t, buf, sizeof(buf)));
			r->tags = grow(
			    r->tags, r->ntags, &r->captags, sizeof(*r->tags));
			r->tags[r->ntags++] =
			    pool_strndup(p->rs, p->s + t->at.off, t->len);
			if (next(p, 0) == -1)
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
	if (next(p, 1) == -1)
		return -1;
	if (t->kind != T_WORD || !is_alpha((unsigned char)p->s[t->at.off]))
		return perr(p, t->at,
		    "expected a rule id after 'rule', found %s",
		    found(p, t, buf, sizeof(buf)));
	if ((dup = id_find(p->rs, p->s + t->at.off, t->len)) >= 0) {
		const struct fk_rule_info *d = &p->rs->rules[dup].info;

		if (d->file == p->file)
			return perr(p, t->at,
			    "duplicate rule id '%s', first defined at line %ld",
			    d->id, d->line);
		return perr(p, t->at,
		    "duplicate rule id '%s', first defined at %s:%ld", d->id,
		    d->file, d->line);
	}
	r.id = pool_strndup(p->rs, p->s + t->at.off, t->len);
	if (next(p, 0) == -1)
		return -1;
	if (t->kind != T_COLON)
		return perr(p, t->at,
		    "expected ':' after the rule id, found %s",
		    found(p, t, buf, sizeof(buf)));
	if (next(p, 0) == -1 || (r.root = parse_expr(p)) < 0)
		return -1;
	if (p->a[r.root].type != S_ANY && p->a[r.root].type != S_BOOL)
		return perr(p, p->a[r.root].at,
		    "the condition must be a boolean, found %s",
		    desc(p, (uint32_t)r.root, buf, sizeof(buf)));
	if (t->kind != T_ARROW)
		return perr(p, t->at,
		    "expected '=>' after the condition, found %s",
		    found(p, t, buf, sizeof(buf)));
	if (next(p, 0) == -1)
		return -1;
	wat = t->at;
	neg = t->kind == T_MINUS;
	if (neg && next(p, 0) == -1)
		return -1;
	if (t->kind != T_NUM || t->dur)
		return perr(p, t->at,
		    "expected a weight from -1 to 1 after '=>', found %s",
		    found(p, t, buf, sizeof(buf)));
	r.weight = neg ? -t->num : t->num;
	if (r.weight < -1 || r.weight > 1) {
		quote(buf, sizeof(buf), p->s + wat.off,
		    t->at.off + t->len - wat.off, '\'');
		return perr(
		    p, wat, "expected a weight from -1 to 1, found %s", buf);
	}
	if (next(p, 0) == -1)
		return -1;
	if (t->kind != T_STR)
		return perr(p, t->at,
		    "expected a reason (a string) after the weight, found %s",
		    found(p, t, buf, sizeof(buf)));
	if (t->slen == 0)
		return perr(p, t->at,
		    "expected a reason after the weight, found an empty string");
	r.reason = take_string(p, &len);
	if (parse_extras(p, &r) == -1) {
		free(r.tags);
		return -1;
	}
	add_rule(p, &r);
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
	p.file = pool_strndup(rs, name, strlen(name));
	p.s = text != NULL ? text : "";
	p.len = text != NULL ? len : 0;
	p.line = 1;
	p.prev_end.line = 1;
	p.tok.at.line = 1;
	p.err = err;
	p.errlen = errlen;
	if (errlen > 0)
		err[0] = '\0';
	if (next(&p, 0) == -1)
		rc = -1;
	while (rc == 0 && p.tok.kind != T_EOF) {
		if (!is_kw(&p, K_RULE))
			rc = perr(&p, p.tok.at, "expected 'rule', found %s",
			    found(&p, &p.tok, buf, sizeof(buf)));
		else
			rc = parse_rule(&p);
	}
	free(p.a);
	free(p.idx);
	free(p.segs);
	return rc;
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

/* ---- evaluation ---- */

struct ectx {
	const struct rnode *nodes;
	struct fk_rules *rs;
	struct fk_fields *f;
	unsigned flags; /* EF_*: what this rule met on this record */
};

static const struct fk_val nothing = { FK_V_MISSING, 0, 0, NULL, 0 };

static int eval_bool(struct ectx *e, uint32_t i);

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

static int
compare(struct ectx *e, int op, const struct fk_val *x, const struct fk_val *y)
{
	if (x->type == FK_V_MISSING || y->type == FK_V_MISSING)
		return 0;
	if (x->type != y->type) {
		/* Anything may be tested for null without being mistyped. */
		if ((x->type == FK_V_NULL || y->type == FK_V_NULL) &&
		    op <= OP_NE)
			return op == OP_NE;
		e->flags |= EF_MISTYPED;
		return 0;
	}
	switch (x->type) {
	case FK_V_NUM:
		return cmp_num(op, x->num, y->num);
	case FK_V_STR:
		return order(op, str_cmp(x->str, x->len, y->str, y->len));
	case FK_V_BOOL:
		if (op <= OP_NE)
			return order(op, (x->b != 0) - (y->b != 0));
		break;
	case FK_V_NULL:
		if (op <= OP_NE)
			return op == OP_EQ;
		break;
	default:
		break;
	}
	e->flags |= EF_MISTYPED;
	return 0;
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
		return (int)(n->c >> (c + 1) & 1);
	}
	if (x->type == FK_V_MISSING) {
		e->flags |= EF_MISSING;
		return 0;
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

/* starts_with, ends_with, contains: false unless both are strings. */
static int
str_test(struct ectx *e, const struct rnode *n)
{
	const uint32_t *args = &e->rs->args[n->a];
	struct fk_val t1, t2;
	const struct fk_val *s = eval_val(e, args[0], &t1);
	const struct fk_val *x = eval_val(e, args[1], &t2);
	int ok = is_type(e, s, FK_V_STR);

	if (!(is_type(e, x, FK_V_STR) && ok) || x->len > s->len)
		return 0;
	if (x->len == 0)
		return 1;
	switch (n->sub) {
	case F_STARTS_WITH:
		return memcmp(s->str, x->str, x->len) == 0;
	case F_ENDS_WITH:
		return memcmp(s->str + s->len - x->len, x->str, x->len) == 0;
	default:
		return has_part(s->str, s->len, x->str, x->len);
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
	tmp->type = FK_V_BOOL;
	tmp->b = eval_bool(e, i);
	return tmp;
}

/* Node i in boolean context: true only for a boolean true. */
static int
eval_bool(struct ectx *e, uint32_t i)
{
	const struct rnode *n = &e->nodes[i];
	const struct fk_val *x, *y;
	struct fk_val t1, t2;
	int r;

	switch (n->op) {
	case R_CMPK:
		return cmpk(e, n);
	case R_AND:
		return eval_bool(e, n->a) && eval_bool(e, n->b);
	case R_OR:
		return eval_bool(e, n->a) || eval_bool(e, n->b);
	case R_NOT:
		return !eval_bool(e, n->a);
	case R_CMP:
		x = eval_val(e, n->a, &t1);
		y = eval_val(e, n->b, &t2);
		return compare(e, n->sub, x, y);
	case R_INK:
	case R_NOTINK:
		r = in_list(e, &e->rs->lists[n->b], field(e, n->a));
		return n->op == R_INK ? r == 1 : r == 0;
	case R_IN:
	case R_NOTIN:
		r = in_list(e, &e->rs->lists[n->b], eval_val(e, n->a, &t1));
		return n->op == R_IN ? r == 1 : r == 0;
	case R_EXISTS:
		return fk_fields_get(e->f, n->a)->type != FK_V_MISSING;
	case R_LISTED:
		return listed(e, n);
	case R_CALL:
		if (is_bool_func(n->sub))
			return str_test(e, n);
		break;
	default:
		break;
	}
	x = eval_val(e, i, &t1);
	return is_type(e, x, FK_V_BOOL) && x->b;
}

/* A rule's first conjunct, without dispatch. */
static inline int
guard(struct ectx *e, const struct rnode *n)
{
	const struct fk_val *x;

	if (n->op == R_CMPK)
		return cmpk(e, n);
	x = field(e, n->a);
	return is_type(e, x, FK_V_BOOL) && x->b;
}

size_t
fk_rules_eval(struct fk_rules *rs, struct fk_fields *f, uint32_t *fired)
{
	struct ectx e;
	struct rule *r;
	size_t i, n = 0;
	int ok;

	e.nodes = rs->nodes;
	e.rs = rs;
	e.f = f;
	for (i = 0; i < rs->n; i++) {
		r = &rs->rules[i];
		e.flags = 0;
		r->c.evaluated++;
		/* A guard that holds is tested again within root: its value
		 * is converted once, and counts are bits. */
		if (r->guard == NO_GUARD)
			ok = eval_bool(&e, r->root);
		else if (!guard(&e, &rs->nodes[r->guard]))
			ok = 0;
		else
			ok = r->guard == r->root || eval_bool(&e, r->root);
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
