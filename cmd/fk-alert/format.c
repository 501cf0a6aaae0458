/* fk-alert's output formats.  Every member of the alert record may be
 * missing or of another type than expected: what is not there is left
 * out, never written as "(null)" or guessed. */
#include "format.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fktime.h"
#include "jbuf.h"
#include "jpath.h"
#include "jscan.h"
#include "numbers.h"
#include "xalloc.h"

#include "banned.h"

/* RFC 5612's example Private Enterprise Number: no PEN is registered for
 * fraudkit, and RFC 5424 wants the SD-ID of a private element to carry
 * one. */
#define SD_ID "fraudkit@32473"

/* Syslog facility 13, "log audit": alerts are audit records, not daemon
 * chatter. */
#define SYSLOG_FACILITY 13

struct sev {
	const char *name;
	int cef;    /* 0-10 */
	int ecs;    /* 0-100: Elastic Security's default risk per severity */
	int syslog; /* RFC 5424 severity */
};

static const struct sev sevs[] = {
	{ "low", 3, 21, 5 },
	{ "medium", 5, 47, 4 },
	{ "high", 8, 73, 3 },
	{ "critical", 10, 99, 2 },
};

/* A missing or unknown severity: formats that must have one say medium. */
#define SEV_DEFAULT (&sevs[1])

/* What the formats read: paths into the alert record, found in the pass
 * that validates it.  The order is the slots' (fk_jpath_add numbers them
 * in order of addition). */
enum {
	P_USER,
	P_IP,
	P_TX,
	P_AMOUNT,
	P_CURRENCY,
	P_TS_MS,
	P_TIMESTAMP,
	P_DEVICE,
	P_MERCHANT,
	P_TERMINAL,
	P_CHANNEL,
	P_COUNTRY,
	P_LOCATION,
	P_DECISION,
	P_SCORE,
	P_RULES_SCORE,
	P_MODEL_SCORE,
	P_RISK_REASONS,
	P_RULESET,
	P_MODEL,
	P_ID,
	P_SEVERITY,
	P_SUMMARY,
	P_TIME,
	P_ALERT_REASONS,
	P_COUNT,
	P_FIRST,
	P_LAST,
	P_LATENCY,
	NPATHS
};

static const char *const path_names[NPATHS] = {
	[P_USER] = "user_id",
	[P_IP] = "ip",
	[P_TX] = "tx_id",
	[P_AMOUNT] = "amount",
	[P_CURRENCY] = "currency",
	[P_TS_MS] = "ts_ms",
	[P_TIMESTAMP] = "timestamp",
	[P_DEVICE] = "device_id",
	[P_MERCHANT] = "merchant_id",
	[P_TERMINAL] = "terminal_id",
	[P_CHANNEL] = "channel",
	[P_COUNTRY] = "country",
	[P_LOCATION] = "location",
	[P_DECISION] = "risk.decision",
	[P_SCORE] = "risk.score",
	[P_RULES_SCORE] = "risk.rules_score",
	[P_MODEL_SCORE] = "risk.model_score",
	[P_RISK_REASONS] = "risk.reasons",
	[P_RULESET] = "risk.ruleset",
	[P_MODEL] = "risk.model",
	[P_ID] = "alert.id",
	[P_SEVERITY] = "alert.severity",
	[P_SUMMARY] = "alert.summary",
	[P_TIME] = "alert.time",
	[P_ALERT_REASONS] = "alert.reasons",
	[P_COUNT] = "alert.count",
	[P_FIRST] = "alert.first",
	[P_LAST] = "alert.last",
	[P_LATENCY] = "alert.latency_ms",
};

/* Nesting below a copied value: a record holds at most 64 levels. */
#define NLEVELS 64

/* A string member's text, escapes decoded: p is NULL when the member is
 * absent or not a string.  Never NUL-terminated. */
struct str {
	const char *p;
	size_t n;
};

/* The members of one element of the reasons array that the formats
 * read. */
struct reason {
	struct str rule, feature, reason;
};

/* What the formats read, looked up once per record. */
struct alert {
	struct str s[NPATHS];             /* every path's text, if a string */
	const struct fk_jmember *reasons; /* an array, or NULL */
	const struct sev *sev;            /* NULL: absent or unknown */
	struct str rule, rule_reason;
	int model; /* the model had a say */
};

struct fk_format_rec {
	struct fk_jpath *paths;
	struct fk_jobj top;
	struct fk_jmember span[NPATHS + 1];
	const char *text;
	size_t len;
	int looked; /* a is up to date */
	struct alert a;
	struct reason *rs; /* of a->reasons */
	size_t nrs, rscap;
	char *buf; /* decoded strings: never more than the record */
	size_t buflen, bufcap;
	struct fk_jobj lv[NLEVELS]; /* per level of a value walked */
	struct fk_jbuf tmp, key;    /* a string or key decoded to copy */
};

struct fk_format_rec *
fk_format_rec_new(void)
{
	struct fk_format_rec *r = fk_xcalloc(1, sizeof(*r));
	char err[256];
	size_t i;

	r->paths = fk_jpath_new();
	for (i = 0; i < NPATHS; i++)
		fk_jpath_add(r->paths, path_names[i], err, sizeof(err));
	fk_jobj_init(&r->top);
	for (i = 0; i < NLEVELS; i++)
		fk_jobj_init(&r->lv[i]);
	fk_jbuf_init(&r->tmp);
	fk_jbuf_init(&r->key);
	return r;
}

void
fk_format_rec_free(struct fk_format_rec *r)
{
	size_t i;

	if (r == NULL)
		return;
	fk_jpath_free(r->paths);
	fk_jobj_release(&r->top);
	for (i = 0; i < NLEVELS; i++)
		fk_jobj_release(&r->lv[i]);
	fk_jbuf_release(&r->tmp);
	fk_jbuf_release(&r->key);
	free(r->rs);
	free(r->buf);
	free(r);
}

int
fk_format_rec_scan(struct fk_format_rec *r, const char *text, size_t len,
    char *err, size_t errlen)
{
	r->looked = 0;
	r->text = text;
	r->len = len;
	if (fk_jscan_paths(
	        r->paths, &r->top, text, len, r->span, err, errlen) == -1)
		return -1;
	/* Room for every string of the record decoded once, and never a
	 * NULL pointer for an empty one. */
	if (r->bufcap < len + 1) {
		free(r->buf);
		r->bufcap = len + 1;
		r->buf = fk_xmalloc(r->bufcap);
	}
	return 0;
}

const struct fk_jobj *
fk_format_rec_members(const struct fk_format_rec *r)
{
	return &r->top;
}

static const struct fk_jmember *
get(const struct fk_format_rec *r, int p)
{
	return r->span[p].val != NULL ? &r->span[p] : NULL;
}

/* A string member's text, decoded into r->buf when it has escapes: look()
 * decodes each string of the record at most once, so r->buf (as long as
 * the record) never moves. */
static struct str
text_of(struct fk_format_rec *r, const struct fk_jmember *m)
{
	struct str s = { NULL, 0 };

	if (m == NULL || m->type != FK_J_STRING)
		return s;
	if (!m->escaped) {
		s.p = m->val + 1;
		s.n = m->vallen - 2;
		return s;
	}
	s.p = r->buf + r->buflen;
	s.n = fk_jstr_decode(m->val + 1, m->vallen - 2, r->buf + r->buflen);
	r->buflen += s.n;
	return s;
}

static int
str_is(struct str s, const char *lit)
{
	return s.p != NULL && s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

/* A number member as the nearest double: 1 with *v when it is one and
 * finite. */
static int
num(const struct fk_jmember *m, double *v)
{
	if (m == NULL || m->type != FK_J_NUMBER)
		return 0;
	*v = fk_num_json(m->val, m->vallen);
	return isfinite(*v);
}

static void
putz(struct fk_jbuf *out, const char *s)
{
	fk_jbuf_put(out, s, strlen(s));
}

/* Nothing for an empty string: out may have no memory yet. */
static void
put_str(struct fk_jbuf *out, struct str s)
{
	if (s.n > 0)
		fk_jbuf_put(out, s.p, s.n);
}

/* The elements of the reasons array, their members decoded. */
static void
look_reasons(struct fk_format_rec *r, const struct fk_jmember *m)
{
	struct fk_jobj *arr = &r->lv[0], *el = &r->lv[1];
	struct reason *x;
	size_t i;

	r->nrs = 0;
	if (m == NULL || fk_jscan_array(arr, m->val, m->vallen, NULL, 0) == -1)
		return;
	if (arr->n > r->rscap) {
		r->rscap = arr->n;
		r->rs = fk_xrealloc(r->rs, r->rscap * sizeof(*r->rs));
	}
	for (i = 0; i < arr->n; i++) {
		x = &r->rs[r->nrs++];
		memset(x, 0, sizeof(*x));
		if (arr->m[i].type != FK_J_OBJECT ||
		    fk_jscan(el, arr->m[i].val, arr->m[i].vallen, NULL, 0) ==
		        -1)
			continue;
		x->rule = text_of(r, fk_jobj_get(el, "rule"));
		x->feature = text_of(r, fk_jobj_get(el, "feature"));
		x->reason = text_of(r, fk_jobj_get(el, "reason"));
	}
}

static void
look(struct fk_format_rec *r)
{
	struct alert *a = &r->a;
	const struct fk_jmember *m;
	double d;
	size_t i;

	memset(a, 0, sizeof(*a));
	r->buflen = 0;
	for (i = 0; i < NPATHS; i++)
		a->s[i] = text_of(r, get(r, (int)i));
	m = get(r, P_ALERT_REASONS);
	if (m == NULL || m->type != FK_J_ARRAY)
		m = get(r, P_RISK_REASONS);
	if (m != NULL && m->type != FK_J_ARRAY)
		m = NULL;
	a->reasons = m;
	look_reasons(r, m);
	for (i = 0; i < sizeof(sevs) / sizeof(sevs[0]); i++)
		if (str_is(a->s[P_SEVERITY], sevs[i].name))
			a->sev = &sevs[i];
	for (i = 0; i < r->nrs; i++) {
		if (a->rule.p == NULL && r->rs[i].rule.p != NULL) {
			a->rule = r->rs[i].rule;
			a->rule_reason = r->rs[i].reason;
		}
		if (r->rs[i].feature.p != NULL)
			a->model = 1;
	}
	if (a->s[P_MODEL].p != NULL || num(get(r, P_MODEL_SCORE), &d))
		a->model = 1;
	r->looked = 1;
}

/* A time member (RFC 3339 text or epoch number) as epoch ms. */
static int
time_ms(const struct fk_format_rec *r, int p, int64_t *ms)
{
	const struct fk_jmember *m = get(r, p);
	struct str s = r->a.s[p];
	char err[64];

	if (s.p != NULL)
		return fk_time_parse(s.p, s.n, ms, err, sizeof(err)) == 0;
	if (m != NULL && m->type == FK_J_NUMBER)
		return fk_time_from_epoch(fk_num_json(m->val, m->vallen), ms,
		           err, sizeof(err)) == 0;
	return 0;
}

/* The transaction's time: ts_ms is exact, timestamp its text form. */
static int
event_ms(const struct fk_format_rec *r, int64_t *ms)
{
	return time_ms(r, P_TS_MS, ms) || time_ms(r, P_TIMESTAMP, ms);
}

static void
put_i64(struct fk_jbuf *out, int64_t v)
{
	if (v < 0) {
		FK_JBUF_PUTS(out, "-");
		fk_jbuf_u64(out, (uint64_t)0 - (uint64_t)v);
	} else
		fk_jbuf_u64(out, (uint64_t)v);
}

/* The shortest of %.15g-%.17g that reads back the same: money keeps its
 * cents where fk_jbuf_num's nine digits would not. */
static void
put_real(struct fk_jbuf *out, double v)
{
	char buf[32];
	int n, prec;

	if (!isfinite(v)) {
		FK_JBUF_PUTS(out, "0");
		return;
	}
	for (prec = 15; prec <= 17; prec++) {
		n = snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	fk_jbuf_put(out, buf, (size_t)n);
}

/* An integer as an int64 would hold it (-0 is 0): 0 when it is out of
 * that range. */
static int
put_int(struct fk_jbuf *out, const struct fk_jmember *m)
{
	const char *p = m->val, *end = m->val + m->vallen;
	int neg = *p == '-';
	uint64_t x = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX;
	unsigned d;

	for (p += neg; p < end; p++) {
		d = (unsigned)(*p - '0');
		if (x > (lim - d) / 10)
			return 0;
		x = x * 10 + d;
	}
	if (neg && x > 0)
		FK_JBUF_PUTS(out, "-");
	fk_jbuf_u64(out, x);
	return 1;
}

/* A number as the formats have always written it (1.50e0 as 1.5, -0 as
 * 0, 1e2 as 100): an integer as an int64, any other number as the
 * nearest double.  One beyond both ranges is written as it is. */
static void
put_number(struct fk_jbuf *out, const struct fk_jmember *m)
{
	double v;

	if (m->integer && put_int(out, m))
		return;
	if (!m->integer && isfinite(v = fk_num_json(m->val, m->vallen)))
		put_real(out, v);
	else
		fk_jbuf_put(out, m->val, m->vallen);
}

/* s[0..n) of a string or key as written, escapes and all, as a JSON
 * string in jbuf's escaping. */
static void
put_jstr(struct fk_jbuf *out, struct fk_jbuf *tmp, const char *s, size_t n,
    int escaped)
{
	if (!escaped) {
		fk_jbuf_str(out, s, n);
		return;
	}
	tmp->len = 0;
	fk_jbuf_reserve(tmp, n);
	tmp->len = fk_jstr_decode(s, n, tmp->p);
	fk_jbuf_str(out, tmp->p, tmp->len);
}

/* Whether two members of one object have the same key, as JSON compares
 * keys ("a" and "\u0061" are one). */
static int
same_key(struct fk_format_rec *r, const struct fk_jmember *a,
    const struct fk_jmember *b)
{
	if (!a->key_escaped)
		return fk_jmember_key_is(b, a->key, a->keylen);
	r->key.len = 0;
	fk_jbuf_reserve(&r->key, a->keylen);
	r->key.len = fk_jstr_decode(a->key, a->keylen, r->key.p);
	return fk_jmember_key_is(b, r->key.p, r->key.len);
}

static void put_json(struct fk_format_rec *r, struct fk_jbuf *out,
    const struct fk_jmember *v, size_t level);

/* An object as a parser merges it: a repeated key once, where it first
 * came, with the value it had last. */
static void
put_object(struct fk_format_rec *r, struct fk_jbuf *out,
    const struct fk_jobj *o, size_t level)
{
	const struct fk_jmember *m, *last;
	size_t i, j;
	int first = 1;

	FK_JBUF_PUTS(out, "{");
	for (i = 0; i < o->n; i++) {
		m = last = &o->m[i];
		if (o->duplicates) {
			for (j = 0; j < i && !same_key(r, &o->m[j], m); j++)
				;
			if (j < i)
				continue;
			for (j = i + 1; j < o->n; j++)
				if (same_key(r, &o->m[j], m))
					last = &o->m[j];
		}
		if (!first)
			FK_JBUF_PUTS(out, ",");
		first = 0;
		put_jstr(out, &r->tmp, m->key, m->keylen, m->key_escaped);
		FK_JBUF_PUTS(out, ":");
		put_json(r, out, last, level + 1);
	}
	FK_JBUF_PUTS(out, "}");
}

/* A value of the record as compact JSON: strings in jbuf's escaping,
 * numbers as put_number (not the 17 digits of 0.93000000000000005), a
 * repeated key merged. */
static void
put_json(struct fk_format_rec *r, struct fk_jbuf *out,
    const struct fk_jmember *v, size_t level)
{
	struct fk_jobj *o;
	size_t i;

	switch (v->type) {
	case FK_J_OBJECT:
	case FK_J_ARRAY:
		o = level < NLEVELS ? &r->lv[level] : NULL;
		if (o == NULL ||
		    (v->type == FK_J_OBJECT
		            ? fk_jscan(o, v->val, v->vallen, NULL, 0)
		            : fk_jscan_array(o, v->val, v->vallen, NULL, 0)) ==
		        -1) {
			FK_JBUF_PUTS(out, "null"); /* cannot be: scanned */
			break;
		}
		if (v->type == FK_J_OBJECT) {
			put_object(r, out, o, level);
			break;
		}
		FK_JBUF_PUTS(out, "[");
		for (i = 0; i < o->n; i++) {
			if (i > 0)
				FK_JBUF_PUTS(out, ",");
			put_json(r, out, &o->m[i], level + 1);
		}
		FK_JBUF_PUTS(out, "]");
		break;
	case FK_J_STRING:
		put_jstr(out, &r->tmp, v->val + 1, v->vallen - 2, v->escaped);
		break;
	case FK_J_NUMBER:
		put_number(out, v);
		break;
	case FK_J_TRUE:
		FK_JBUF_PUTS(out, "true");
		break;
	case FK_J_FALSE:
		FK_JBUF_PUTS(out, "false");
		break;
	default:
		FK_JBUF_PUTS(out, "null");
		break;
	}
}

/* The rules' reason texts, "; " between them. */
static void
join_reasons(const struct fk_format_rec *r, struct fk_jbuf *out)
{
	size_t i;

	for (i = 0; i < r->nrs; i++) {
		if (r->rs[i].reason.p == NULL)
			continue;
		if (out->len > 0)
			FK_JBUF_PUTS(out, "; ");
		put_str(out, r->rs[i].reason);
	}
}

static int
is_ipv4(struct str s)
{
	char buf[64];
	struct in_addr a;

	if (s.n >= sizeof(buf))
		return 0;
	memcpy(buf, s.p, s.n);
	buf[s.n] = '\0';
	return inet_pton(AF_INET, buf, &a) == 1;
}

static int
is_ip(struct str s)
{
	char buf[64];
	struct in6_addr a;

	if (s.n >= sizeof(buf))
		return 0;
	memcpy(buf, s.p, s.n);
	buf[s.n] = '\0';
	return is_ipv4(s) || inet_pton(AF_INET6, buf, &a) == 1;
}

/* CEF */

void
fk_format_cef_header(struct fk_jbuf *out, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '\\':
			FK_JBUF_PUTS(out, "\\\\");
			break;
		case '|':
			FK_JBUF_PUTS(out, "\\|");
			break;
		case '\n':
		case '\r':
			/* CEF allows line breaks in extension values only */
			FK_JBUF_PUTS(out, " ");
			break;
		default:
			fk_jbuf_put(out, s + i, 1);
			break;
		}
	}
}

void
fk_format_cef_value(struct fk_jbuf *out, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '\\':
			FK_JBUF_PUTS(out, "\\\\");
			break;
		case '=':
			FK_JBUF_PUTS(out, "\\=");
			break;
		case '\n':
			FK_JBUF_PUTS(out, "\\n");
			break;
		case '\r':
			FK_JBUF_PUTS(out, "\\r");
			break;
		default:
			fk_jbuf_put(out, s + i, 1);
			break;
		}
	}
}

/* Start "key=": the caller writes the value. */
static void
cef_key(struct fk_jbuf *out, int *n, const char *key)
{
	if ((*n)++ > 0)
		FK_JBUF_PUTS(out, " ");
	putz(out, key);
	FK_JBUF_PUTS(out, "=");
}

static void
cef_str(struct fk_jbuf *out, int *n, const char *key, struct str s)
{
	if (s.p == NULL)
		return;
	cef_key(out, n, key);
	fk_format_cef_value(out, s.p, s.n);
}

static struct str
lit(const char *s)
{
	struct str v = { s, s != NULL ? strlen(s) : 0 };

	return v;
}

/* A custom string field with its label, as ArcSight pairs them. */
static void
cef_custom(struct fk_jbuf *out, int *n, const char *key, const char *label,
    struct str s)
{
	char lk[16];

	if (s.p == NULL)
		return;
	snprintf(lk, sizeof(lk), "%sLabel", key);
	cef_str(out, n, lk, lit(label));
	cef_str(out, n, key, s);
}

static void
format_cef(const struct fk_format_opts *o, const struct fk_format_rec *r,
    struct fk_jbuf *out)
{
	const struct alert *a = &r->a;
	const struct fk_jmember *amount, *count;
	const char *s;
	struct str sig, ip;
	struct fk_jbuf tmp;
	const struct sev *sev = a->sev != NULL ? a->sev : SEV_DEFAULT;
	int64_t ms;
	double d;
	int n = 0;

	FK_JBUF_PUTS(out, "CEF:0|fraudkit|fk-alert|");
	s = o != NULL && o->version != NULL ? o->version : "unknown";
	fk_format_cef_header(out, s, strlen(s));
	FK_JBUF_PUTS(out, "|");
	if (a->rule.p != NULL)
		sig = a->rule;
	else if (a->model)
		sig = lit("model");
	else if (a->s[P_DECISION].p != NULL)
		sig = a->s[P_DECISION];
	else
		sig = lit("alert");
	fk_format_cef_header(out, sig.p, sig.n);
	FK_JBUF_PUTS(out, "|");
	sig = a->s[P_SUMMARY].p != NULL ? a->s[P_SUMMARY] : lit("fraud alert");
	fk_format_cef_header(out, sig.p, sig.n);
	FK_JBUF_PUTS(out, "|");
	fk_jbuf_u64(out, (uint64_t)sev->cef);
	FK_JBUF_PUTS(out, "|");

	if (time_ms(r, P_TIME, &ms)) {
		cef_key(out, &n, "rt");
		put_i64(out, ms);
	}
	if (event_ms(r, &ms)) {
		cef_key(out, &n, "start");
		put_i64(out, ms);
	}
	cef_str(out, &n, "externalId", a->s[P_ID]);
	cef_str(out, &n, "suser", a->s[P_USER]);
	if ((ip = a->s[P_IP]).p != NULL) {
		if (is_ipv4(ip))
			cef_str(out, &n, "src", ip);
		else
			cef_custom(out, &n, "cs5", "ip", ip);
	}
	cef_str(out, &n, "act", a->s[P_DECISION]);
	cef_str(out, &n, "cat", lit("fraud"));
	fk_jbuf_init(&tmp);
	join_reasons(r, &tmp);
	if (tmp.len > 0) {
		cef_key(out, &n, "msg");
		fk_format_cef_value(out, tmp.p, tmp.len);
	}
	cef_str(out, &n, "dvchost", lit(o != NULL ? o->hostname : NULL));
	if (num(get(r, P_SCORE), &d)) {
		cef_str(out, &n, "cn1Label", lit("score"));
		cef_key(out, &n, "cn1");
		put_i64(out, (int64_t)llround(d * 100));
	}
	cef_custom(out, &n, "cs1", "txId", a->s[P_TX]);
	cef_custom(out, &n, "cs2", "ruleset", a->s[P_RULESET]);
	cef_custom(out, &n, "cs3", "model", a->s[P_MODEL]);
	amount = get(r, P_AMOUNT);
	tmp.len = 0;
	if (amount != NULL && amount->type == FK_J_NUMBER)
		put_number(&tmp, amount);
	else if (a->s[P_AMOUNT].p != NULL)
		put_str(&tmp, a->s[P_AMOUNT]);
	if (tmp.len > 0) {
		if (a->s[P_CURRENCY].p != NULL) {
			FK_JBUF_PUTS(&tmp, " ");
			put_str(&tmp, a->s[P_CURRENCY]);
		}
		cef_str(out, &n, "cs4Label", lit("amount"));
		cef_key(out, &n, "cs4");
		fk_format_cef_value(out, tmp.p, tmp.len);
	}
	fk_jbuf_release(&tmp);
	count = get(r, P_COUNT);
	if (count != NULL && count->type == FK_J_NUMBER && count->integer) {
		cef_key(out, &n, "cnt");
		put_number(out, count);
	}
	cef_str(out, &n, "deviceExternalId", a->s[P_DEVICE]);
	cef_custom(out, &n, "cs6", "merchant", a->s[P_MERCHANT]);
}

/* ECS */

/* Start "key": after a comma when the object has members already. */
static void
ecs_key(struct fk_jbuf *out, int *n, const char *key)
{
	if ((*n)++ > 0)
		FK_JBUF_PUTS(out, ",");
	FK_JBUF_PUTS(out, "\"");
	putz(out, key);
	FK_JBUF_PUTS(out, "\":");
}

static void
ecs_str(struct fk_jbuf *out, int *n, const char *key, struct str s)
{
	if (s.p == NULL)
		return;
	ecs_key(out, n, key);
	fk_jbuf_str(out, s.p, s.n);
}

/* A member of the record copied as it is, when present. */
static void
ecs_copy(struct fk_format_rec *r, struct fk_jbuf *out, int *n, const char *key,
    const struct fk_jmember *v)
{
	if (v == NULL)
		return;
	ecs_key(out, n, key);
	put_json(r, out, v, 0);
}

/* A time member in the one form Elasticsearch's default date format
 * takes: fk accepts "2024-11-01 01:15:20" too. */
static int
ecs_time(struct fk_jbuf *out, int *n, const char *key, int ok, int64_t ms)
{
	char buf[FK_TIME_BUFSZ];
	int len;

	if (!ok)
		return 0;
	len = fk_time_format(ms, buf);
	ecs_key(out, n, key);
	fk_jbuf_str(out, buf, (size_t)len);
	return 1;
}

static void
format_ecs(const struct fk_format_opts *o, struct fk_format_rec *r,
    struct fk_jbuf *out)
{
	const struct alert *a = &r->a;
	struct str ip, country, city;
	const char *type;
	struct fk_jbuf tmp;
	int64_t ms, created;
	int n = 0, m, g, has_created, ok;
	double d;

	has_created = time_ms(r, P_TIME, &created);
	FK_JBUF_PUTS(out, "{");
	/* the transaction's time; an alert without one, when it was made */
	ok = time_ms(r, P_TIMESTAMP, &ms) || event_ms(r, &ms);
	if (!ecs_time(out, &n, "@timestamp", ok, ms))
		ecs_time(out, &n, "@timestamp", has_created, created);
	ecs_key(out, &n, "ecs");
	FK_JBUF_PUTS(out, "{\"version\":\"8.11.0\"}");
	ecs_str(out, &n, "message", a->s[P_SUMMARY]);

	ecs_key(out, &n, "event");
	m = 0;
	FK_JBUF_PUTS(out, "{");
	ecs_str(out, &m, "kind", lit("alert"));
	/* Fraud screening is detection of hostile activity; the ECS types
	 * that category expects carry the decision. */
	ecs_key(out, &m, "category");
	FK_JBUF_PUTS(out, "[\"intrusion_detection\"]");
	type = "info";
	if (str_is(a->s[P_DECISION], "block"))
		type = "denied";
	else if (str_is(a->s[P_DECISION], "allow"))
		type = "allowed";
	ecs_key(out, &m, "type");
	FK_JBUF_PUTS(out, "[");
	fk_jbuf_str(out, type, strlen(type));
	FK_JBUF_PUTS(out, "]");
	ecs_str(out, &m, "module", lit("fraudkit"));
	ecs_str(out, &m, "dataset", lit("fraudkit.alert"));
	ecs_str(out, &m, "id", a->s[P_ID]);
	ecs_time(out, &m, "created", has_created, created);
	if (a->sev != NULL) {
		ecs_key(out, &m, "severity");
		fk_jbuf_u64(out, (uint64_t)a->sev->ecs);
	}
	if (num(get(r, P_SCORE), &d)) {
		/* the score is 0-1 already: raw and normalized agree */
		ecs_key(out, &m, "risk_score");
		fk_jbuf_num(out, d * 100);
		ecs_key(out, &m, "risk_score_norm");
		fk_jbuf_num(out, d * 100);
	}
	ecs_str(out, &m, "action", a->s[P_DECISION]);
	fk_jbuf_init(&tmp);
	join_reasons(r, &tmp);
	if (tmp.len > 0) {
		ecs_key(out, &m, "reason");
		fk_jbuf_str(out, tmp.p, tmp.len);
	} else
		ecs_str(out, &m, "reason", a->s[P_SUMMARY]);
	fk_jbuf_release(&tmp);
	FK_JBUF_PUTS(out, "}");

	if (a->s[P_USER].p != NULL) {
		ecs_key(out, &n, "user");
		m = 0;
		FK_JBUF_PUTS(out, "{");
		ecs_str(out, &m, "id", a->s[P_USER]);
		FK_JBUF_PUTS(out, "}");
	}

	/* source.ip is an ip field: anything else would fail the document */
	ip = a->s[P_IP];
	if (ip.p != NULL && !is_ip(ip))
		ip.p = NULL;
	country = a->s[P_COUNTRY];
	city = a->s[P_LOCATION];
	if (ip.p != NULL || country.p != NULL || city.p != NULL) {
		ecs_key(out, &n, "source");
		m = 0;
		FK_JBUF_PUTS(out, "{");
		ecs_str(out, &m, "ip", ip);
		if (country.p != NULL || city.p != NULL) {
			ecs_key(out, &m, "geo");
			g = 0;
			FK_JBUF_PUTS(out, "{");
			ecs_str(out, &g, "country_iso_code", country);
			ecs_str(out, &g, "city_name", city);
			FK_JBUF_PUTS(out, "}");
		}
		FK_JBUF_PUTS(out, "}");
	}

	/* rule.ruleset is a name and we have none; the ruleset's hash is
	 * what identifies the revision the rule was read from. */
	if (a->rule.p != NULL) {
		ecs_key(out, &n, "rule");
		m = 0;
		FK_JBUF_PUTS(out, "{");
		ecs_str(out, &m, "id", a->rule);
		ecs_str(out, &m, "name", a->rule);
		ecs_str(out, &m, "description", a->rule_reason);
		ecs_str(out, &m, "version", a->s[P_RULESET]);
		FK_JBUF_PUTS(out, "}");
	}

	ecs_key(out, &n, "observer");
	m = 0;
	FK_JBUF_PUTS(out, "{");
	ecs_str(out, &m, "vendor", lit("fraudkit"));
	ecs_str(out, &m, "product", lit("fk-alert"));
	if (o != NULL) {
		ecs_str(out, &m, "version", lit(o->version));
		ecs_str(out, &m, "hostname", lit(o->hostname));
	}
	FK_JBUF_PUTS(out, "}");

	/* ECS has no field set for a payment: ours, under one name */
	ecs_key(out, &n, "fraudkit");
	m = 0;
	FK_JBUF_PUTS(out, "{");
	ecs_str(out, &m, "tx_id", a->s[P_TX]);
	ecs_copy(r, out, &m, "amount", get(r, P_AMOUNT));
	ecs_str(out, &m, "currency", a->s[P_CURRENCY]);
	ecs_str(out, &m, "merchant_id", a->s[P_MERCHANT]);
	ecs_str(out, &m, "terminal_id", a->s[P_TERMINAL]);
	ecs_str(out, &m, "device_id", a->s[P_DEVICE]);
	if (ip.p == NULL)
		ecs_str(out, &m, "ip", a->s[P_IP]);
	ecs_str(out, &m, "channel", a->s[P_CHANNEL]);
	ecs_str(out, &m, "decision", a->s[P_DECISION]);
	ecs_copy(r, out, &m, "score", get(r, P_SCORE));
	ecs_copy(r, out, &m, "rules_score", get(r, P_RULES_SCORE));
	ecs_copy(r, out, &m, "model_score", get(r, P_MODEL_SCORE));
	ecs_str(out, &m, "ruleset", a->s[P_RULESET]);
	ecs_str(out, &m, "model", a->s[P_MODEL]);
	ecs_str(out, &m, "severity", a->s[P_SEVERITY]);
	ecs_copy(r, out, &m, "reasons", a->reasons);
	ecs_copy(r, out, &m, "count", get(r, P_COUNT));
	ecs_copy(r, out, &m, "first", get(r, P_FIRST));
	ecs_copy(r, out, &m, "last", get(r, P_LAST));
	ecs_copy(r, out, &m, "latency_ms", get(r, P_LATENCY));
	FK_JBUF_PUTS(out, "}");
	FK_JBUF_PUTS(out, "}");
}

/* syslog */

/* An RFC 5424 header field: PRINTUSASCII, at most max characters, "-"
 * when empty.  A UTF-8 sequence becomes one '_'. */
static void
syslog_field(struct fk_jbuf *out, const char *s, size_t max)
{
	size_t i, n = 0;
	unsigned char c;

	for (i = 0; s != NULL && s[i] != '\0' && n < max; i++) {
		c = (unsigned char)s[i];
		if (c >= 33 && c <= 126)
			fk_jbuf_put(out, s + i, 1);
		else if ((c & 0xc0) == 0x80)
			continue;
		else
			FK_JBUF_PUTS(out, "_");
		n++;
	}
	if (n == 0)
		FK_JBUF_PUTS(out, "-");
}

/* Start PARAM-NAME="; the caller writes the value and the quote. */
static void
sd_key(struct fk_jbuf *out, int *n, const char *name)
{
	if ((*n)++ == 0)
		FK_JBUF_PUTS(out, " [" SD_ID);
	FK_JBUF_PUTS(out, " ");
	putz(out, name);
	FK_JBUF_PUTS(out, "=\"");
}

/* PARAM-VALUE escapes '"', '\' and ']'; line breaks, which RFC 5424
 * allows, become spaces to keep one alert on one line. */
static void
sd_str(struct fk_jbuf *out, int *n, const char *name, struct str s)
{
	size_t i;

	if (s.p == NULL)
		return;
	sd_key(out, n, name);
	for (i = 0; i < s.n; i++) {
		if (s.p[i] == '"' || s.p[i] == '\\' || s.p[i] == ']')
			FK_JBUF_PUTS(out, "\\");
		if (s.p[i] == '\n' || s.p[i] == '\r')
			FK_JBUF_PUTS(out, " ");
		else
			fk_jbuf_put(out, s.p + i, 1);
	}
	FK_JBUF_PUTS(out, "\"");
}

static void
format_syslog(const struct fk_format_opts *o, const struct fk_format_rec *r,
    struct fk_jbuf *out)
{
	const struct alert *a = &r->a;
	const struct sev *sev = a->sev != NULL ? a->sev : SEV_DEFAULT;
	char buf[FK_TIME_BUFSZ];
	struct str s;
	int64_t ms;
	double d;
	int n = 0, len;
	size_t i;

	FK_JBUF_PUTS(out, "<");
	fk_jbuf_u64(out, (uint64_t)(SYSLOG_FACILITY * 8 + sev->syslog));
	FK_JBUF_PUTS(out, ">1 ");
	/* rewritten: RFC 5424 takes neither offsets of other forms nor more
	 * than 6 fraction digits nor a leap second */
	if (time_ms(r, P_TIME, &ms)) {
		len = fk_time_format(ms, buf);
		fk_jbuf_put(out, buf, (size_t)len);
	} else
		FK_JBUF_PUTS(out, "-");
	FK_JBUF_PUTS(out, " ");
	syslog_field(out, o != NULL ? o->hostname : NULL, 255);
	FK_JBUF_PUTS(out, " ");
	syslog_field(out, o != NULL ? o->app : NULL, 48);
	FK_JBUF_PUTS(out, " ");
	if (o != NULL && o->pid > 0)
		fk_jbuf_u64(out, (uint64_t)o->pid);
	else
		FK_JBUF_PUTS(out, "-");
	FK_JBUF_PUTS(out, " alert");
	sd_str(out, &n, "id", a->s[P_ID]);
	sd_str(out, &n, "user", a->s[P_USER]);
	if (num(get(r, P_SCORE), &d)) {
		sd_key(out, &n, "score");
		fk_jbuf_num(out, d);
		FK_JBUF_PUTS(out, "\"");
	}
	sd_str(out, &n, "decision", a->s[P_DECISION]);
	sd_str(out, &n, "tx", a->s[P_TX]);
	sd_str(out, &n, "severity", a->s[P_SEVERITY]);
	if (n > 0)
		FK_JBUF_PUTS(out, "]");
	else
		FK_JBUF_PUTS(out, " -");
	if ((s = a->s[P_SUMMARY]).p == NULL)
		return;
	FK_JBUF_PUTS(out, " \xef\xbb\xbf");
	for (i = 0; i < s.n; i++)
		fk_jbuf_put(
		    out, s.p[i] == '\n' || s.p[i] == '\r' ? " " : s.p + i, 1);
}

/* text */

/* Record text on a terminal: control characters (C0, DEL, and C1 as
 * UTF-8) could move the cursor or start an escape sequence.  s is valid
 * UTF-8: a 0xc2 has a byte after it. */
static void
text_put(struct fk_jbuf *out, struct str s)
{
	unsigned char c;
	size_t i;

	for (i = 0; i < s.n; i++) {
		c = (unsigned char)s.p[i];
		if (c < 0x20 || c == 0x7f)
			FK_JBUF_PUTS(out, "?");
		else if (c == 0xc2 && i + 1 < s.n &&
		    (unsigned char)s.p[i + 1] >= 0x80 &&
		    (unsigned char)s.p[i + 1] <= 0x9f) {
			FK_JBUF_PUTS(out, "?");
			i++;
		} else
			fk_jbuf_put(out, s.p + i, 1);
	}
}

static void
text_word(struct fk_jbuf *out, size_t start, struct str s)
{
	if (s.p == NULL)
		return;
	if (out->len > start)
		FK_JBUF_PUTS(out, " ");
	text_put(out, s);
}

static void
format_text(const struct fk_format_rec *r, struct fk_jbuf *out)
{
	const struct alert *a = &r->a;
	const struct fk_jmember *amount, *count;
	size_t start = out->len, i, k = 0;
	char buf[FK_TIME_BUFSZ];
	struct str s;
	int64_t ms;
	double d;
	int pass;

	if (a->s[P_TIMESTAMP].p != NULL)
		text_word(out, start, a->s[P_TIMESTAMP]);
	else if (event_ms(r, &ms)) {
		s.p = buf;
		s.n = (size_t)fk_time_format(ms, buf);
		text_word(out, start, s);
	}
	text_word(out, start, a->s[P_DECISION]);
	text_word(out, start, a->s[P_USER]);
	amount = get(r, P_AMOUNT);
	if (amount != NULL && amount->type == FK_J_NUMBER) {
		if (out->len > start)
			FK_JBUF_PUTS(out, " ");
		put_number(out, amount);
	} else
		text_word(out, start, a->s[P_AMOUNT]);
	text_word(out, start, a->s[P_CURRENCY]);
	if (num(get(r, P_SCORE), &d)) {
		text_word(out, start, lit("score"));
		FK_JBUF_PUTS(out, " ");
		fk_jbuf_num(out, d);
	}
	/* rules first: they say why in words the analyst wrote */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < r->nrs; i++) {
			s = pass == 0 ? r->rs[i].rule : r->rs[i].feature;
			if (s.p == NULL || k == 3)
				continue;
			if (k++ == 0)
				text_word(out, start, s);
			else {
				FK_JBUF_PUTS(out, ",");
				text_put(out, s);
			}
		}
	count = get(r, P_COUNT);
	if (count != NULL && count->type == FK_J_NUMBER && count->integer) {
		FK_JBUF_PUTS(out, " (x");
		put_number(out, count);
		FK_JBUF_PUTS(out, ")");
	}
}

static const char *const names[] = {
	[FK_FMT_JSON] = "json",
	[FK_FMT_CEF] = "cef",
	[FK_FMT_ECS] = "ecs",
	[FK_FMT_SYSLOG] = "syslog",
	[FK_FMT_TEXT] = "text",
};

int
fk_format_parse(const char *name, enum fk_format *f)
{
	size_t i;

	for (i = 0; name != NULL && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0) {
			*f = (enum fk_format)i;
			return 0;
		}
	return -1;
}

const char *
fk_format_name(enum fk_format f)
{
	if ((size_t)f >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[f];
}

void
fk_format_alert(enum fk_format f, const struct fk_format_opts *o,
    struct fk_format_rec *r, struct fk_jbuf *out)
{
	if (f == FK_FMT_JSON) {
		fk_jbuf_put(out, r->text, r->len);
		return;
	}
	if (!r->looked)
		look(r);
	switch (f) {
	case FK_FMT_CEF:
		format_cef(o, r, out);
		break;
	case FK_FMT_ECS:
		format_ecs(o, r, out);
		break;
	case FK_FMT_SYSLOG:
		format_syslog(o, r, out);
		break;
	default:
		format_text(r, out);
		break;
	}
}
