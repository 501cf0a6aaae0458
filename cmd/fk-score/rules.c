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
