/* fk-rules(5): the stages not yet in a rules_*.c file of their own.
 * See rules_int.h. */
#include "rules_int.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "sha256.h"
#include "xalloc.h"

#include "banned.h"

/* ---- the set ---- */

#define ID_SEED 0x72756c65ULL /* any constant: the table is never stored */

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
long
rules_id_find(const struct fk_rules *rs, const char *id, size_t n)
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
	id_add(rs, rs->n);
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

/* ---- the lexer ---- */

const char *const rules_keywords[K_COUNT] = { "rule", "and", "or", "not", "in",
	"true", "false", "null", "severity", "tags" };

/* ---- characters ---- */

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

/* ---- messages ---- */

/* FILE:LINE:COL: message, the line as written and a caret under the
 * column; -1, for the caller to return. */
int
rules_perr(struct parser *p, struct pos at, const char *fmt, ...)
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
	rules_sb_adds(&b, p->file);
	rules_sb_adds(&b, head);
	rules_sb_adds(&b, msg);
	rules_sb_adds(&b, "\n    ");
	eol = memchr(p->s + at.bol, '\n', p->len - at.bol);
	eolen = eol != NULL ? (size_t)(eol - p->s) : p->len;
	n = eolen - at.bol;
	if (n > 0 && p->s[at.bol + n - 1] == '\r')
		n--;
	rules_sb_add(&b, p->s + at.bol, n);
	rules_sb_adds(&b, "\n    ");
	/* One blank per character, so the caret sits under a byte that
	 * follows multibyte characters too; tabs kept. */
	for (i = at.bol; i < at.off && i < eolen; i++) {
		if (p->s[i] == '\t')
			rules_sb_addc(&b, '\t');
		else if (((unsigned char)p->s[i] & 0xc0) != 0x80)
			rules_sb_addc(&b, ' ');
	}
	rules_sb_adds(&b, "^\n");
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
void
rules_quote(char *buf, size_t size, const char *s, size_t n, char q)
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
const char *
rules_found(
    const struct parser *p, const struct token *t, char *buf, size_t size)
{
	if (t->kind == T_EOF)
		return "end of file";
	rules_quote(
	    buf, size, p->s + t->at.off, t->len, t->kind == T_STR ? 0 : '\'');
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
			if (strlen(rules_keywords[k]) == t->len &&
			    memcmp(rules_keywords[k], s + p->pos, t->len) ==
			        0) {
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
int
rules_next(struct parser *p, int word)
{
	struct token *t = &p->tok;
	size_t i;

	p->prev_off = t->at.off;
	p->prev_len = t->len;
	p->prev_end = t->at;
	p->prev_end.off += t->len;
	if (word) {
		if (skip_space(p, t) == -1)
			return rules_perr(p, t->at, "%s", t->msg);
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
		return rules_perr(p, t->at, "%s", t->msg);
	return 0;
}

/* The kind and keyword of the token after the current one. */
enum tok
rules_peek(struct parser *p)
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

int
rules_is_kw(const struct parser *p, int kw)
{
	return p->tok.kind == T_KW && p->tok.kw == kw;
}

/* Decode the current string token into the pool. */
const char *
rules_take_string(struct parser *p, size_t *lenp)
{
	const struct token *t = &p->tok;
	const char *s = p->s + t->at.off + 1;
	const char *end = p->s + t->at.off + t->len - 1;
	char *out = rules_pool_alloc(p->rs, t->slen), *o = out;
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

/* ---- expressions ---- */

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

/* ---- rule statements ---- */

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
