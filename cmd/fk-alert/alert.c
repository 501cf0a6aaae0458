/* The alerter.  Every record is scanned once for the few fields that
 * decide whether it alerts (most do not); only an alert's reasons are
 * scanned again, as the span the first scan found. */
#include "alert.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "fktime.h"
#include "jbuf.h"
#include "jpath.h"
#include "jscan.h"
#include "map.h"
#include "numbers.h"
#include "xalloc.h"

#include "banned.h"

enum {
	P_DECISION,
	P_SCORE,
	P_REASONS,
	P_RULESET,
	P_MODEL,
	P_TX,
	P_TS_MS,
	P_TIMESTAMP,
	P_AMOUNT,
	P_CURRENCY,
	P_USER, /* the entities, in the order they are written */
	P_DEVICE,
	P_MERCHANT,
	P_TERMINAL,
	P_IP,
	P_INGEST,
	P_SUPPRESS,
	NPATHS
};

static const char *const path_names[] = { "risk.decision", "risk.score",
	"risk.reasons", "risk.ruleset", "risk.model", "tx_id", "ts_ms",
	"timestamp", "amount", "currency", "user_id", "device_id",
	"merchant_id", "terminal_id", "ip", "ingest_ms" };

/* A suppression window: the first alert of a key, and its repeats. */
struct window {
	const char *key; /* in buf, after the record */
	size_t keylen;
	size_t reclen;
	int64_t first, last, end; /* event times */
	unsigned long long count;
	int32_t part; /* where the first record came from */
	int64_t off;
	char buf[]; /* the first record, a NUL, the key */
};

struct fk_alerter {
	const struct fk_alert_opts *o;
	struct fk_jpath *paths;
	struct fk_jobj top;
	struct fk_jobj reasons, reason; /* risk.reasons, one of them */
	struct fk_jmember span[NPATHS + 1];
	long slot[NPATHS];
	struct fk_jbuf out;
	/* Suppression: windows in order of opening, and the newest of each
	 * key (an older one may wait to go out) by its key. */
	struct window **w;
	size_t head, n, cap; /* a ring of cap windows */
	struct fk_map open;
	int64_t watermark;
	/* --max-rate */
	double tokens;
	int64_t last_refill;
	struct fk_alert_counts c;
};

static int
lower_eq(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && strncmp(s, lit, n) == 0;
}

int
fk_alert_decisions_parse(
    const char *s, unsigned *bits, char *err, size_t errlen)
{
	const char *p = s, *e;

	*bits = 0;
	for (;;) {
		e = p + strcspn(p, ",");
		if (lower_eq(p, (size_t)(e - p), "allow"))
			*bits |= FK_ALERT_ALLOW;
		else if (lower_eq(p, (size_t)(e - p), "review"))
			*bits |= FK_ALERT_REVIEW;
		else if (lower_eq(p, (size_t)(e - p), "block"))
			*bits |= FK_ALERT_BLOCK;
		else {
			snprintf(err, errlen,
			    "expected allow, review or block, got \"%.*s\"",
			    (int)(e - p), p);
			return -1;
		}
		if (*e == '\0')
			return 0;
		p = e + 1;
	}
}

int
fk_alert_suppress_parse(
    struct fk_alert_opts *o, const char *s, char *err, size_t errlen)
{
	const char *colon = strrchr(s, ':');
	char field[256];
	long long ms;

	if (colon == NULL || colon == s ||
	    (size_t)(colon - s) >= sizeof(field)) {
		snprintf(err, errlen, "expected FIELD:WINDOW, got \"%s\"", s);
		return -1;
	}
	if (fk_num_duration(
	        colon + 1, 1000, 30LL * 86400000, &ms, err, errlen) == -1)
		return -1;
	o->suppress = s;
	o->suppress_ms = ms;
	return 0;
}

int
fk_alert_rate_parse(
    struct fk_alert_opts *o, const char *s, char *err, size_t errlen)
{
	static const struct {
		char unit;
		double ms;
	} units[] = { { 's', 1e3 }, { 'm', 6e4 }, { 'h', 3.6e6 },
		{ 'd', 8.64e7 } };
	const char *slash = strchr(s, '/');
	char num[64], nerr[128];
	double n = 0;
	size_t i = 4;

	if (slash != NULL && (size_t)(slash - s) < sizeof(num)) {
		memcpy(num, s, (size_t)(slash - s));
		num[slash - s] = '\0';
		for (i = 0; i < 4; i++)
			if (slash[1] == units[i].unit && slash[2] == '\0')
				break;
		if (fk_num_double(num, 1, 1e9, &n, nerr, sizeof(nerr)) == -1)
			i = 4;
	}
	if (i == 4 || n != floor(n)) {
		snprintf(err, errlen,
		    "expected N/s, N/m, N/h or N/d with a whole N from 1, "
		    "got \"%s\"",
		    s);
		return -1;
	}
	o->rate = n / units[i].ms;
	o->burst = n;
	return 0;
}

int
fk_alert_clock_parse(
    struct fk_alert_opts *o, const char *s, char *err, size_t errlen)
{
	if (strcmp(s, "wall") == 0)
		o->event_clock = 0;
	else if (strcmp(s, "event") == 0)
		o->event_clock = 1;
	else {
		snprintf(err, errlen, "expected wall or event, got \"%s\"", s);
		return -1;
	}
	return 0;
}

struct fk_alerter *
fk_alerter_new(const struct fk_alert_opts *o)
{
	struct fk_alerter *a = fk_xcalloc(1, sizeof(*a));
	char err[256], field[256];
	size_t i;

	a->o = o;
	a->paths = fk_jpath_new();
	for (i = 0; i < P_SUPPRESS; i++)
		a->slot[i] =
		    fk_jpath_add(a->paths, path_names[i], err, sizeof(err));
	a->slot[P_SUPPRESS] = -1;
	if (o->suppress != NULL) {
		size_t n = (size_t)(strrchr(o->suppress, ':') - o->suppress);

		memcpy(field, o->suppress, n);
		field[n] = '\0';
		a->slot[P_SUPPRESS] =
		    fk_jpath_add(a->paths, field, err, sizeof(err));
		a->cap = 1024;
		a->w = fk_xcalloc(a->cap, sizeof(*a->w));
	}
	fk_map_init(&a->open);
	fk_jobj_init(&a->top);
	fk_jbuf_init(&a->out);
	fk_jobj_init(&a->reasons);
	fk_jobj_init(&a->reason);
	a->tokens = o->burst;
	a->watermark = INT64_MIN;
	return a;
}

void
fk_alerter_free(struct fk_alerter *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n; i++)
		free(a->w[(a->head + i) % a->cap]);
	free(a->w);
	fk_map_release(&a->open);
	fk_jpath_free(a->paths);
	fk_jobj_release(&a->top);
	fk_jbuf_release(&a->out);
	fk_jobj_release(&a->reasons);
	fk_jobj_release(&a->reason);
	free(a);
}

static const struct fk_jmember *
get(const struct fk_alerter *a, int p)
{
	return a->slot[p] < 0 || a->span[a->slot[p]].val == NULL
	    ? NULL
	    : &a->span[a->slot[p]];
}

/* The record's event time: ts_ms, else timestamp; INT64_MIN if none. */
static int64_t
event_time(const struct fk_alerter *a)
{
	const struct fk_jmember *m;
	char buf[64], err[128];
	int64_t ms;
	if (fk_jmember_int(get(a, P_TS_MS), &ms))
		return ms;
	if ((m = get(a, P_TIMESTAMP)) != NULL && m->type == FK_J_STRING &&
	    !m->escaped && m->vallen - 2 < sizeof(buf)) {
		memcpy(buf, m->val + 1, m->vallen - 2);
		buf[m->vallen - 2] = '\0';
		if (fk_time_parse(buf, m->vallen - 2, &ms, err, sizeof(err)) ==
		    0)
			return ms;
	}
	return INT64_MIN;
}

static int
scan(struct fk_alerter *a, const char *data, size_t len, char *err,
    size_t errlen)
{
	char why[256];

	if (fk_jscan_paths(a->paths, &a->top, data, len, a->span, why,
	        sizeof(why)) == -1) {
		snprintf(err, errlen, "invalid JSON: %s", why);
		return -1;
	}
	if (fk_jobj_get(&a->top, "risk") == NULL) {
		snprintf(err, errlen, "no risk member: not scored by fk-score");
		return -1;
	}
	return 0;
}

static int
selected(const struct fk_alerter *a)
{
	const struct fk_jmember *m;

	if (a->o->min_score >= 0) {
		m = get(a, P_SCORE);
		return m != NULL && m->type == FK_J_NUMBER &&
		    fk_num_json(m->val, m->vallen) >= a->o->min_score;
	}
	if ((m = get(a, P_DECISION)) == NULL || m->type != FK_J_STRING)
		return 0;
	if (lower_eq(m->val, m->vallen, "\"block\""))
		return (a->o->decisions & FK_ALERT_BLOCK) != 0;
	if (lower_eq(m->val, m->vallen, "\"review\""))
		return (a->o->decisions & FK_ALERT_REVIEW) != 0;
	if (lower_eq(m->val, m->vallen, "\"allow\""))
		return (a->o->decisions & FK_ALERT_ALLOW) != 0;
	return 0;
}

/* The rank of a severity member (a string, escapes decoded), or -1. */
static int
severity_rank(const struct fk_jmember *m)
{
	static const char *const names[] = { "low", "medium", "high",
		"critical" };
	char buf[64];
	const char *s;
	size_t n;

	if (m == NULL || m->type != FK_J_STRING || m->vallen - 2 > sizeof(buf))
		return -1;
	s = m->val + 1;
	n = m->vallen - 2;
	if (m->escaped) {
		n = fk_jstr_decode(s, n, buf);
		s = buf;
	}
	for (int i = 0; i < 4; i++)
		if (strlen(names[i]) == n && memcmp(s, names[i], n) == 0)
			return i;
	return -1;
}

/* A string member's text appended to b, escapes decoded. */
static void
put_text(struct fk_jbuf *b, const struct fk_jmember *m)
{
	size_t n = m->vallen - 2;

	if (!m->escaped) {
		fk_jbuf_put(b, m->val + 1, n);
		return;
	}
	fk_jbuf_reserve(b, n);
	b->len += fk_jstr_decode(m->val + 1, n, b->p + b->len);
}

static const struct fk_jmember *
str_member(const struct fk_jobj *o, const char *key)
{
	const struct fk_jmember *m = fk_jobj_get(o, key);

	return m != NULL && m->type == FK_J_STRING ? m : NULL;
}

/* A member's text without its quotes, or as written. */
static void
put_plain(struct fk_jbuf *b, const struct fk_jmember *m)
{
	if (m->type == FK_J_STRING) {
		char tmp[512];
		size_t n = m->vallen - 2;

		if (m->escaped && n <= sizeof(tmp))
			fk_jbuf_put(b, tmp, fk_jstr_decode(m->val + 1, n, tmp));
		else if (n > 0) /* b may have no memory yet */
			fk_jbuf_put(b, m->val + 1, n);
	} else {
		fk_jbuf_put(b, m->val, m->vallen);
	}
}

/* The alert id: the same transaction, rule set and model always give
 * the same id, so a replay makes no new alert. */
static void
alert_id(const struct fk_alerter *a, const char *data, size_t len, char hex[33])
{
	static const int parts[] = { P_TX, P_RULESET, P_MODEL };
	static const char digits[] = "0123456789abcdef";
	struct fk_sha256 h;
	unsigned char d[FK_SHA256_LEN];
	const struct fk_jmember *m;

	fk_sha256_init(&h);
	for (size_t i = 0; i < 3; i++) {
		if ((m = get(a, parts[i])) != NULL)
			fk_sha256_update(&h, m->val, m->vallen);
		else if (parts[i] == P_TX)
			fk_sha256_update(&h, data, len);
		fk_sha256_update(&h, "\n", 1);
	}
	fk_sha256_final(&h, d);
	for (size_t i = 0; i < 16; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[32] = '\0';
}

/* The summary and severity from the decision and the reasons. */
static void
summary(struct fk_alerter *a, struct fk_jbuf *s, const char **severity)
{
	static const char *const names[] = { "low", "medium", "high",
		"critical" };
	const struct fk_jmember *m, *id;
	int rank = -1, k, shown = 0;
	size_t i;

	m = get(a, P_DECISION);
	if (m != NULL)
		put_plain(s, m);
	else
		FK_JBUF_PUTS(s, "alert");
	if ((m = get(a, P_USER)) != NULL) {
		FK_JBUF_PUTS(s, " ");
		put_plain(s, m);
	}
	FK_JBUF_PUTS(s, ":");
	if ((m = get(a, P_AMOUNT)) != NULL) {
		FK_JBUF_PUTS(s, " ");
		put_plain(s, m);
		if ((m = get(a, P_CURRENCY)) != NULL) {
			FK_JBUF_PUTS(s, " ");
			put_plain(s, m);
		}
		FK_JBUF_PUTS(s, ",");
	}
	FK_JBUF_PUTS(s, " score ");
	if ((m = get(a, P_SCORE)) != NULL)
		put_plain(s, m);
	else
		FK_JBUF_PUTS(s, "?");
	/* The reasons scanned as they are written: an element that is not
	 * an object names no rule. */
	if ((m = get(a, P_REASONS)) == NULL || m->type != FK_J_ARRAY ||
	    fk_jscan_array(&a->reasons, m->val, m->vallen, NULL, 0) == -1)
		a->reasons.n = 0;
	for (i = 0; i < a->reasons.n; i++) {
		m = &a->reasons.m[i];
		if (m->type != FK_J_OBJECT ||
		    fk_jscan(&a->reason, m->val, m->vallen, NULL, 0) == -1)
			continue;
		if ((id = str_member(&a->reason, "rule")) == NULL)
			id = str_member(&a->reason, "feature");
		if ((k = severity_rank(str_member(&a->reason, "severity"))) >
		    rank)
			rank = k;
		if (id != NULL && shown < 3) {
			fk_jbuf_put(s, shown == 0 ? ": " : ", ", 2);
			put_text(s, id);
			shown++;
		}
	}
	if (rank < 0) {
		m = get(a, P_DECISION);
		rank = m != NULL && lower_eq(m->val, m->vallen, "\"block\"") ? 2
		    : m != NULL && lower_eq(m->val, m->vallen, "\"review\"")
		    ? 1
		    : 0;
	}
	*severity = names[rank];
}

static void
put_time(struct fk_jbuf *b, int64_t ms)
{
	char t[32];
	int n = fk_time_format(ms, t);

	fk_jbuf_put(b, t, (size_t)n);
}

/* The time an alert is made at: the wall clock's now, or with
 * --clock event the scanned record's event time, else the latest one
 * read, so that a replay makes the same bytes. */
static int64_t
clock_now(const struct fk_alerter *a, int64_t now)
{
	int64_t ts;

	if (!a->o->event_clock)
		return now;
	if ((ts = event_time(a)) != INT64_MIN)
		return ts;
	return a->watermark != INT64_MIN ? a->watermark : 0;
}

/* The record, scanned into a->span, with its alert member. */
static void
build(struct fk_alerter *a, const char *data, size_t len, int64_t now,
    const struct window *w)
{
	static const char *const entity[] = { "user_id", "device_id",
		"merchant_id", "terminal_id", "ip" };
	struct fk_jbuf *b = &a->out, s;
	const struct fk_jmember *m;
	const char *severity;
	char id[33];
	int64_t ts = event_time(a), ing;
	int first = 1;

	fk_jbuf_init(&s);
	summary(a, &s, &severity);
	alert_id(a, data, len, id);
	fk_jbuf_open_record(b, data, len, &a->top, "alert");
	FK_JBUF_PUTS(b, "\"alert\":{\"id\":\"");
	fk_jbuf_put(b, id, 32);
	FK_JBUF_PUTS(b, "\",\"severity\":\"");
	fk_jbuf_put(b, severity, strlen(severity));
	FK_JBUF_PUTS(b, "\",\"summary\":");
	fk_jbuf_str(b, s.p, s.len);
	FK_JBUF_PUTS(b, ",\"time\":\"");
	put_time(b, now);
	FK_JBUF_PUTS(b, "\"");
	if (ts != INT64_MIN) {
		/* Negative when the event claims to come from the future. */
		FK_JBUF_PUTS(b, ",\"latency_ms\":");
		if (now < ts)
			FK_JBUF_PUTS(b, "-");
		fk_jbuf_u64(b, (uint64_t)(now < ts ? ts - now : now - ts));
	}
	/* fkcat-in --ingest-time stamped the record: how long since then,
	 * on the wall clock only (a replay's event clock has no such). */
	if (!a->o->event_clock && fk_jmember_int(get(a, P_INGEST), &ing)) {
		FK_JBUF_PUTS(b, ",\"ingest_latency_ms\":");
		if (now < ing)
			FK_JBUF_PUTS(b, "-");
		fk_jbuf_u64(b, (uint64_t)(now < ing ? ing - now : now - ing));
	}
	FK_JBUF_PUTS(b, ",\"entities\":{");
	for (int e = P_USER; e <= P_IP; e++) {
		if ((m = get(a, e)) == NULL)
			continue;
		if (!first)
			FK_JBUF_PUTS(b, ",");
		first = 0;
		FK_JBUF_PUTS(b, "\"");
		fk_jbuf_put(b, entity[e - P_USER], strlen(entity[e - P_USER]));
		FK_JBUF_PUTS(b, "\":");
		fk_jbuf_put(b, m->val, m->vallen);
	}
	FK_JBUF_PUTS(b, "},\"reasons\":");
	if ((m = get(a, P_REASONS)) != NULL)
		fk_jbuf_put(b, m->val, m->vallen);
	else
		FK_JBUF_PUTS(b, "[]");
	if (w != NULL && w->count > 1) {
		FK_JBUF_PUTS(b, ",\"count\":");
		fk_jbuf_u64(b, w->count);
		FK_JBUF_PUTS(b, ",\"first\":\"");
		put_time(b, w->first);
		FK_JBUF_PUTS(b, "\",\"last\":\"");
		put_time(b, w->last);
		FK_JBUF_PUTS(b, "\"");
	}
	FK_JBUF_PUTS(b, "}}");
	fk_jbuf_release(&s);
}

/* --max-rate: a bucket of tokens refilled on the wall clock. */
static int
rate_ok(struct fk_alerter *a, int64_t now)
{
	if (a->o->rate <= 0)
		return 1;
	if (a->last_refill != 0 && now > a->last_refill) {
		a->tokens += (double)(now - a->last_refill) * a->o->rate;
		if (a->tokens > a->o->burst)
			a->tokens = a->o->burst;
	}
	a->last_refill = now;
	if (a->tokens < 1)
		return 0;
	a->tokens -= 1;
	return 1;
}

/* The newest window of key, or NULL. */
static struct window *
find(struct fk_alerter *a, const char *key, size_t len)
{
	struct fk_map_entry *e = fk_map_get(&a->open, key, len);

	return e != NULL ? e->val : NULL;
}

static void
grow_ring(struct fk_alerter *a)
{
	struct window **w = fk_xcalloc(a->cap * 2, sizeof(*w));
	size_t i;

	for (i = 0; i < a->n; i++)
		w[i] = a->w[(a->head + i) % a->cap];
	free(a->w);
	a->w = w;
	a->head = 0;
	a->cap *= 2;
}

static void
open_window(struct fk_alerter *a, const char *key, size_t klen,
    const char *data, size_t len, int64_t ts, int32_t part, int64_t off)
{
	struct window *w = fk_xmalloc(sizeof(*w) + len + 1 + klen);

	if (a->n == a->cap)
		grow_ring(a);
	a->w[(a->head + a->n++) % a->cap] = w;
	memcpy(w->buf, data, len);
	w->buf[len] = '\0';
	w->reclen = len;
	memcpy(w->buf + len + 1, key, klen);
	w->key = w->buf + len + 1;
	w->keylen = klen;
	w->first = w->last = ts;
	w->end = ts + a->o->suppress_ms;
	w->count = 1;
	w->part = part;
	w->off = off;
	/* The newest of its key from now on. */
	fk_map_put(&a->open, key, klen, NULL)->val = w;
}

enum fk_alert_fate
fk_alerter_record(struct fk_alerter *a, const char *data, size_t len,
    int32_t part, int64_t off, int64_t now_ms, const char **out, size_t *outlen,
    char *err, size_t errlen)
{
	const struct fk_jmember *k;
	struct window *w;
	int64_t ts;

	if (scan(a, data, len, err, errlen) == -1)
		return FK_ALERT_BAD;
	ts = event_time(a);
	if (ts != INT64_MIN && ts > a->watermark)
		a->watermark = ts;
	if (!selected(a)) {
		a->c.dropped++;
		return FK_ALERT_DROPPED;
	}
	now_ms = clock_now(a, now_ms);
	if (a->o->suppress != NULL && ts != INT64_MIN &&
	    (k = get(a, P_SUPPRESS)) != NULL) {
		if ((w = find(a, k->val, k->vallen)) != NULL && ts < w->end) {
			w->count++;
			if (ts > w->last)
				w->last = ts;
			if (ts < w->first)
				w->first = ts;
			a->c.suppressed++;
			return FK_ALERT_SUPPRESSED;
		}
		/* The first of a window (an older one of the key may wait
		 * to go out): out when it closes. */
		open_window(a, k->val, k->vallen, data, len, ts, part, off);
		return FK_ALERT_PENDING;
	}
	if (!rate_ok(a, now_ms)) {
		a->c.held++;
		return FK_ALERT_HELD;
	}
	build(a, data, len, now_ms, NULL);
	a->c.alerts++;
	*out = a->out.p;
	*outlen = a->out.len;
	return FK_ALERT_OUT;
}

/* w leaves: its key goes with it unless a newer window holds it. */
static void
unhash(struct fk_alerter *a, const struct window *w)
{
	struct fk_map_entry *e = fk_map_get(&a->open, w->key, w->keylen);

	if (e != NULL && e->val == w)
		fk_map_del(&a->open, e);
}

int
fk_alerter_next(struct fk_alerter *a, int flush, int64_t now_ms,
    const char **out, size_t *outlen)
{
	struct window *w;
	char err[256];
	int bad;

	while (a->n > 0) {
		w = a->w[a->head];
		if (!flush && w->end > a->watermark)
			return 0;
		unhash(a, w);
		a->head = (a->head + 1) % a->cap;
		a->n--;
		/* A window that closed counts as one alert, folded or not;
		 * over the cap it is held back as a whole. */
		bad = scan(a, w->buf, w->reclen, err, sizeof(err)) == -1;
		if (!bad)
			now_ms = clock_now(a, now_ms);
		if (bad || !rate_ok(a, now_ms)) {
			a->c.held++;
			free(w);
			return 2;
		}
		build(a, w->buf, w->reclen, now_ms, w);
		a->c.alerts++;
		a->c.folded_out += w->count > 1;
		free(w);
		*out = a->out.p;
		*outlen = a->out.len;
		return 1;
	}
	return 0;
}

int64_t
fk_alerter_oldest(const struct fk_alerter *a, int32_t part)
{
	int64_t oldest = -1;
	size_t i;

	for (i = 0; i < a->n; i++) {
		const struct window *w = a->w[(a->head + i) % a->cap];

		if (w->part == part && w->off >= 0 &&
		    (oldest < 0 || w->off < oldest))
			oldest = w->off;
	}
	return oldest;
}

void
fk_alerter_counts(const struct fk_alerter *a, struct fk_alert_counts *c)
{
	*c = a->c;
}
