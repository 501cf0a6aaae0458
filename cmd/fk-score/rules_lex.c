/* fk-rules(5), the lexer: characters, tokens, and the messages that
 * quote the text where they point.  See rules_int.h for the stages. */
#include "rules_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#include "banned.h"

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
