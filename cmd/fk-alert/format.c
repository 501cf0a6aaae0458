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

/* What the formats read, looked up once. */
struct alert {
	const json_t *rec, *alert, *risk, *reasons;
	const struct sev *sev; /* NULL: absent or unknown */
	const char *summary, *decision, *user, *id, *rule, *rule_reason;
	int model; /* the model had a say */
};

static const char *
str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int
num(const json_t *o, const char *key, double *v)
{
	const json_t *j = json_object_get(o, key);

	if (!json_is_number(j))
		return 0;
	*v = json_number_value(j);
	return isfinite(*v);
}

static void
putz(struct fk_jbuf *out, const char *s)
{
	fk_jbuf_put(out, s, strlen(s));
}

static void
look(struct alert *a, const json_t *rec)
{
	const char *s;
	const json_t *r;
	double d;
	size_t i;

	memset(a, 0, sizeof(*a));
	a->rec = rec;
	a->alert = json_object_get(rec, "alert");
	a->risk = json_object_get(rec, "risk");
	if (!json_is_object(a->alert))
		a->alert = NULL;
	if (!json_is_object(a->risk))
		a->risk = NULL;
	a->reasons = json_object_get(a->alert, "reasons");
	if (!json_is_array(a->reasons))
		a->reasons = json_object_get(a->risk, "reasons");
	if (!json_is_array(a->reasons))
		a->reasons = NULL;
	if ((s = str(a->alert, "severity")) != NULL)
		for (i = 0; i < sizeof(sevs) / sizeof(sevs[0]); i++)
			if (strcmp(s, sevs[i].name) == 0)
				a->sev = &sevs[i];
	a->summary = str(a->alert, "summary");
	a->decision = str(a->risk, "decision");
	a->user = str(rec, "user_id");
	a->id = str(a->alert, "id");
	json_array_foreach(a->reasons, i, r)
	{
		if (a->rule == NULL && (s = str(r, "rule")) != NULL) {
			a->rule = s;
			a->rule_reason = str(r, "reason");
		}
		if (str(r, "feature") != NULL)
			a->model = 1;
	}
	if (str(a->risk, "model") != NULL || num(a->risk, "model_score", &d))
		a->model = 1;
}

/* A time member (RFC 3339 text or epoch number) as epoch ms. */
static int
time_ms(const json_t *v, int64_t *ms)
{
	char err[64];
	const char *s;

	if ((s = json_string_value(v)) != NULL)
		return fk_time_parse(s, strlen(s), ms, err, sizeof(err)) == 0;
	if (json_is_number(v))
		return fk_time_from_epoch(
		           json_number_value(v), ms, err, sizeof(err)) == 0;
	return 0;
}

/* The transaction's time: ts_ms is exact, timestamp its text form. */
static int
event_ms(const struct alert *a, int64_t *ms)
{
	return time_ms(json_object_get(a->rec, "ts_ms"), ms) ||
	    time_ms(json_object_get(a->rec, "timestamp"), ms);
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

/* A value of the record as JSON: jansson's own dump writes reals with
 * 17 digits (0.93000000000000005). */
static void
put_json(struct fk_jbuf *out, const json_t *v)
{
	const char *k;
	json_t *m;
	size_t i;
	int first = 1;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		FK_JBUF_PUTS(out, "{");
		json_object_foreach((json_t *)v, k, m)
		{
			if (!first)
				FK_JBUF_PUTS(out, ",");
			first = 0;
			fk_jbuf_str(out, k, strlen(k));
			FK_JBUF_PUTS(out, ":");
			put_json(out, m);
		}
		FK_JBUF_PUTS(out, "}");
		break;
	case JSON_ARRAY:
		FK_JBUF_PUTS(out, "[");
		json_array_foreach(v, i, m)
		{
			if (i > 0)
				FK_JBUF_PUTS(out, ",");
			put_json(out, m);
		}
		FK_JBUF_PUTS(out, "]");
		break;
	case JSON_STRING:
		fk_jbuf_str(out, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		put_i64(out, (int64_t)json_integer_value(v));
		break;
	case JSON_REAL:
		put_real(out, json_real_value(v));
		break;
	case JSON_TRUE:
		FK_JBUF_PUTS(out, "true");
		break;
	case JSON_FALSE:
		FK_JBUF_PUTS(out, "false");
		break;
	default:
		FK_JBUF_PUTS(out, "null");
		break;
	}
}

/* The rules' reason texts, "; " between them. */
static void
join_reasons(const struct alert *a, struct fk_jbuf *out)
{
	const json_t *r;
	const char *s;
	size_t i;

	json_array_foreach(a->reasons, i, r)
	{
		if ((s = str(r, "reason")) == NULL)
			continue;
		if (out->len > 0)
			FK_JBUF_PUTS(out, "; ");
		putz(out, s);
	}
}

static int
is_ipv4(const char *s)
{
	struct in_addr a;

	return inet_pton(AF_INET, s, &a) == 1;
}

static int
is_ip(const char *s)
{
	struct in6_addr a;

	return is_ipv4(s) || inet_pton(AF_INET6, s, &a) == 1;
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
cef_str(struct fk_jbuf *out, int *n, const char *key, const char *s)
{
	if (s == NULL)
		return;
	cef_key(out, n, key);
	fk_format_cef_value(out, s, strlen(s));
}

/* A custom string field with its label, as ArcSight pairs them. */
static void
cef_custom(struct fk_jbuf *out, int *n, const char *key, const char *label,
    const char *s)
{
	char lk[16];

	if (s == NULL)
		return;
	snprintf(lk, sizeof(lk), "%sLabel", key);
	cef_str(out, n, lk, label);
	cef_str(out, n, key, s);
}

static void
format_cef(
    const struct fk_format_opts *o, const struct alert *a, struct fk_jbuf *out)
{
	const char *s, *ip, *sig;
	const json_t *amount;
	struct fk_jbuf tmp;
	const struct sev *sev = a->sev != NULL ? a->sev : SEV_DEFAULT;
	int64_t ms;
	double d;
	int n = 0;

	FK_JBUF_PUTS(out, "CEF:0|fraudkit|fk-alert|");
	s = o != NULL && o->version != NULL ? o->version : "unknown";
	fk_format_cef_header(out, s, strlen(s));
	FK_JBUF_PUTS(out, "|");
	if (a->rule != NULL)
		sig = a->rule;
	else if (a->model)
		sig = "model";
	else if (a->decision != NULL)
		sig = a->decision;
	else
		sig = "alert";
	fk_format_cef_header(out, sig, strlen(sig));
	FK_JBUF_PUTS(out, "|");
	s = a->summary != NULL ? a->summary : "fraud alert";
	fk_format_cef_header(out, s, strlen(s));
	FK_JBUF_PUTS(out, "|");
	fk_jbuf_u64(out, (uint64_t)sev->cef);
	FK_JBUF_PUTS(out, "|");

	if (time_ms(json_object_get(a->alert, "time"), &ms)) {
		cef_key(out, &n, "rt");
		put_i64(out, ms);
	}
	if (event_ms(a, &ms)) {
		cef_key(out, &n, "start");
		put_i64(out, ms);
	}
	cef_str(out, &n, "externalId", a->id);
	cef_str(out, &n, "suser", a->user);
	if ((ip = str(a->rec, "ip")) != NULL) {
		if (is_ipv4(ip))
			cef_str(out, &n, "src", ip);
		else
			cef_custom(out, &n, "cs5", "ip", ip);
	}
	cef_str(out, &n, "act", a->decision);
	cef_str(out, &n, "cat", "fraud");
	fk_jbuf_init(&tmp);
	join_reasons(a, &tmp);
	if (tmp.len > 0) {
		cef_key(out, &n, "msg");
		fk_format_cef_value(out, tmp.p, tmp.len);
	}
	cef_str(out, &n, "dvchost", o != NULL ? o->hostname : NULL);
	if (num(a->risk, "score", &d)) {
		cef_str(out, &n, "cn1Label", "score");
		cef_key(out, &n, "cn1");
		put_i64(out, (int64_t)llround(d * 100));
	}
	cef_custom(out, &n, "cs1", "txId", str(a->rec, "tx_id"));
	cef_custom(out, &n, "cs2", "ruleset", str(a->risk, "ruleset"));
	cef_custom(out, &n, "cs3", "model", str(a->risk, "model"));
	amount = json_object_get(a->rec, "amount");
	tmp.len = 0;
	if (json_is_number(amount))
		put_json(&tmp, amount);
	else if (json_is_string(amount))
		putz(&tmp, json_string_value(amount));
	if (tmp.len > 0) {
		if ((s = str(a->rec, "currency")) != NULL) {
			FK_JBUF_PUTS(&tmp, " ");
			putz(&tmp, s);
		}
		cef_str(out, &n, "cs4Label", "amount");
		cef_key(out, &n, "cs4");
		fk_format_cef_value(out, tmp.p, tmp.len);
	}
	fk_jbuf_release(&tmp);
	if (json_is_integer(json_object_get(a->alert, "count"))) {
		cef_key(out, &n, "cnt");
		put_json(out, json_object_get(a->alert, "count"));
	}
	cef_str(out, &n, "deviceExternalId", str(a->rec, "device_id"));
	cef_custom(out, &n, "cs6", "merchant", str(a->rec, "merchant_id"));
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
ecs_str(struct fk_jbuf *out, int *n, const char *key, const char *s)
{
	if (s == NULL)
		return;
	ecs_key(out, n, key);
	fk_jbuf_str(out, s, strlen(s));
}

/* A member of the record copied as it is, when present. */
static void
ecs_copy(struct fk_jbuf *out, int *n, const char *key, const json_t *v)
{
	if (v == NULL)
		return;
	ecs_key(out, n, key);
	put_json(out, v);
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
format_ecs(
    const struct fk_format_opts *o, const struct alert *a, struct fk_jbuf *out)
{
	const char *ip, *country, *city, *type;
	struct fk_jbuf tmp;
	int64_t ms, created;
	int n = 0, m, g, has_created, ok;
	double d;

	has_created = time_ms(json_object_get(a->alert, "time"), &created);
	FK_JBUF_PUTS(out, "{");
	/* the transaction's time; an alert without one, when it was made */
	ok = time_ms(json_object_get(a->rec, "timestamp"), &ms) ||
	    event_ms(a, &ms);
	if (!ecs_time(out, &n, "@timestamp", ok, ms))
		ecs_time(out, &n, "@timestamp", has_created, created);
	ecs_key(out, &n, "ecs");
	FK_JBUF_PUTS(out, "{\"version\":\"8.11.0\"}");
	ecs_str(out, &n, "message", a->summary);

	ecs_key(out, &n, "event");
	m = 0;
	FK_JBUF_PUTS(out, "{");
	ecs_str(out, &m, "kind", "alert");
	/* Fraud screening is detection of hostile activity; the ECS types
	 * that category expects carry the decision. */
	ecs_key(out, &m, "category");
	FK_JBUF_PUTS(out, "[\"intrusion_detection\"]");
	type = "info";
	if (a->decision != NULL && strcmp(a->decision, "block") == 0)
		type = "denied";
	else if (a->decision != NULL && strcmp(a->decision, "allow") == 0)
		type = "allowed";
	ecs_key(out, &m, "type");
	FK_JBUF_PUTS(out, "[");
	fk_jbuf_str(out, type, strlen(type));
	FK_JBUF_PUTS(out, "]");
	ecs_str(out, &m, "module", "fraudkit");
	ecs_str(out, &m, "dataset", "fraudkit.alert");
	ecs_str(out, &m, "id", a->id);
	ecs_time(out, &m, "created", has_created, created);
	if (a->sev != NULL) {
		ecs_key(out, &m, "severity");
		fk_jbuf_u64(out, (uint64_t)a->sev->ecs);
	}
	if (num(a->risk, "score", &d)) {
		/* the score is 0-1 already: raw and normalized agree */
		ecs_key(out, &m, "risk_score");
		fk_jbuf_num(out, d * 100);
		ecs_key(out, &m, "risk_score_norm");
		fk_jbuf_num(out, d * 100);
	}
	ecs_str(out, &m, "action", a->decision);
	fk_jbuf_init(&tmp);
	join_reasons(a, &tmp);
	if (tmp.len > 0) {
		ecs_key(out, &m, "reason");
		fk_jbuf_str(out, tmp.p, tmp.len);
	} else
		ecs_str(out, &m, "reason", a->summary);
	fk_jbuf_release(&tmp);
	FK_JBUF_PUTS(out, "}");

	if (a->user != NULL) {
		ecs_key(out, &n, "user");
		m = 0;
		FK_JBUF_PUTS(out, "{");
		ecs_str(out, &m, "id", a->user);
		FK_JBUF_PUTS(out, "}");
	}

	/* source.ip is an ip field: anything else would fail the document */
	ip = str(a->rec, "ip");
	if (ip != NULL && !is_ip(ip))
		ip = NULL;
	country = str(a->rec, "country");
	city = str(a->rec, "location");
	if (ip != NULL || country != NULL || city != NULL) {
		ecs_key(out, &n, "source");
		m = 0;
		FK_JBUF_PUTS(out, "{");
		ecs_str(out, &m, "ip", ip);
		if (country != NULL || city != NULL) {
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
	if (a->rule != NULL) {
		ecs_key(out, &n, "rule");
		m = 0;
		FK_JBUF_PUTS(out, "{");
		ecs_str(out, &m, "id", a->rule);
		ecs_str(out, &m, "name", a->rule);
		ecs_str(out, &m, "description", a->rule_reason);
		ecs_str(out, &m, "version", str(a->risk, "ruleset"));
		FK_JBUF_PUTS(out, "}");
	}

	ecs_key(out, &n, "observer");
	m = 0;
	FK_JBUF_PUTS(out, "{");
	ecs_str(out, &m, "vendor", "fraudkit");
	ecs_str(out, &m, "product", "fk-alert");
	if (o != NULL) {
		ecs_str(out, &m, "version", o->version);
		ecs_str(out, &m, "hostname", o->hostname);
	}
	FK_JBUF_PUTS(out, "}");

	/* ECS has no field set for a payment: ours, under one name */
	ecs_key(out, &n, "fraudkit");
	m = 0;
	FK_JBUF_PUTS(out, "{");
	ecs_str(out, &m, "tx_id", str(a->rec, "tx_id"));
	ecs_copy(out, &m, "amount", json_object_get(a->rec, "amount"));
	ecs_str(out, &m, "currency", str(a->rec, "currency"));
	ecs_str(out, &m, "merchant_id", str(a->rec, "merchant_id"));
	ecs_str(out, &m, "terminal_id", str(a->rec, "terminal_id"));
	ecs_str(out, &m, "device_id", str(a->rec, "device_id"));
	if (ip == NULL)
		ecs_str(out, &m, "ip", str(a->rec, "ip"));
	ecs_str(out, &m, "channel", str(a->rec, "channel"));
	ecs_str(out, &m, "decision", a->decision);
	ecs_copy(out, &m, "score", json_object_get(a->risk, "score"));
	ecs_copy(
	    out, &m, "rules_score", json_object_get(a->risk, "rules_score"));
	ecs_copy(
	    out, &m, "model_score", json_object_get(a->risk, "model_score"));
	ecs_str(out, &m, "ruleset", str(a->risk, "ruleset"));
	ecs_str(out, &m, "model", str(a->risk, "model"));
	ecs_str(out, &m, "severity", str(a->alert, "severity"));
	ecs_copy(out, &m, "reasons", a->reasons);
	ecs_copy(out, &m, "count", json_object_get(a->alert, "count"));
	ecs_copy(out, &m, "first", json_object_get(a->alert, "first"));
	ecs_copy(out, &m, "last", json_object_get(a->alert, "last"));
	ecs_copy(
	    out, &m, "latency_ms", json_object_get(a->alert, "latency_ms"));
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
sd_str(struct fk_jbuf *out, int *n, const char *name, const char *s)
{
	if (s == NULL)
		return;
	sd_key(out, n, name);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\' || *s == ']')
			FK_JBUF_PUTS(out, "\\");
		if (*s == '\n' || *s == '\r')
			FK_JBUF_PUTS(out, " ");
		else
			fk_jbuf_put(out, s, 1);
	}
	FK_JBUF_PUTS(out, "\"");
}

static void
format_syslog(
    const struct fk_format_opts *o, const struct alert *a, struct fk_jbuf *out)
{
	const struct sev *sev = a->sev != NULL ? a->sev : SEV_DEFAULT;
	char buf[FK_TIME_BUFSZ];
	const char *s;
	int64_t ms;
	double d;
	int n = 0, len;

	FK_JBUF_PUTS(out, "<");
	fk_jbuf_u64(out, (uint64_t)(SYSLOG_FACILITY * 8 + sev->syslog));
	FK_JBUF_PUTS(out, ">1 ");
	/* rewritten: RFC 5424 takes neither offsets of other forms nor more
	 * than 6 fraction digits nor a leap second */
	if (time_ms(json_object_get(a->alert, "time"), &ms)) {
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
	sd_str(out, &n, "id", a->id);
	sd_str(out, &n, "user", a->user);
	if (num(a->risk, "score", &d)) {
		sd_key(out, &n, "score");
		fk_jbuf_num(out, d);
		FK_JBUF_PUTS(out, "\"");
	}
	sd_str(out, &n, "decision", a->decision);
	sd_str(out, &n, "tx", str(a->rec, "tx_id"));
	sd_str(out, &n, "severity", str(a->alert, "severity"));
	if (n > 0)
		FK_JBUF_PUTS(out, "]");
	else
		FK_JBUF_PUTS(out, " -");
	if (a->summary == NULL)
		return;
	FK_JBUF_PUTS(out, " \xef\xbb\xbf");
	for (s = a->summary; *s != '\0'; s++)
		fk_jbuf_put(out, *s == '\n' || *s == '\r' ? " " : s, 1);
}

/* text */

/* Record text on a terminal: control characters (C0, DEL, and C1 as
 * UTF-8) could move the cursor or start an escape sequence. */
static void
text_put(struct fk_jbuf *out, const char *s)
{
	unsigned char c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			FK_JBUF_PUTS(out, "?");
		else if (c == 0xc2 && (unsigned char)s[1] >= 0x80 &&
		    (unsigned char)s[1] <= 0x9f) {
			FK_JBUF_PUTS(out, "?");
			s++;
		} else
			fk_jbuf_put(out, s, 1);
	}
}

static void
text_word(struct fk_jbuf *out, size_t start, const char *s)
{
	if (s == NULL)
		return;
	if (out->len > start)
		FK_JBUF_PUTS(out, " ");
	text_put(out, s);
}

static void
format_text(const struct alert *a, struct fk_jbuf *out)
{
	size_t start = out->len, i, k = 0;
	const json_t *amount, *r, *count;
	char buf[FK_TIME_BUFSZ];
	const char *s;
	int64_t ms;
	double d;
	int pass;

	if ((s = str(a->rec, "timestamp")) != NULL)
		text_word(out, start, s);
	else if (event_ms(a, &ms)) {
		fk_time_format(ms, buf);
		text_word(out, start, buf);
	}
	text_word(out, start, a->decision);
	text_word(out, start, a->user);
	amount = json_object_get(a->rec, "amount");
	if (json_is_number(amount)) {
		if (out->len > start)
			FK_JBUF_PUTS(out, " ");
		put_json(out, amount);
	} else
		text_word(out, start, json_string_value(amount));
	text_word(out, start, str(a->rec, "currency"));
	if (num(a->risk, "score", &d)) {
		text_word(out, start, "score");
		FK_JBUF_PUTS(out, " ");
		fk_jbuf_num(out, d);
	}
	/* rules first: they say why in words the analyst wrote */
	for (pass = 0; pass < 2; pass++)
		json_array_foreach(a->reasons, i, r)
		{
			s = str(r, pass == 0 ? "rule" : "feature");
			if (s == NULL || k == 3)
				continue;
			if (k++ == 0)
				text_word(out, start, s);
			else {
				FK_JBUF_PUTS(out, ",");
				text_put(out, s);
			}
		}
	count = json_object_get(a->alert, "count");
	if (json_is_integer(count)) {
		FK_JBUF_PUTS(out, " (x");
		put_json(out, count);
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
    const json_t *rec, const char *text, size_t len, struct fk_jbuf *out)
{
	struct alert a;

	if (f == FK_FMT_JSON) {
		fk_jbuf_put(out, text, len);
		return;
	}
	look(&a, rec);
	switch (f) {
	case FK_FMT_CEF:
		format_cef(o, &a, out);
		break;
	case FK_FMT_ECS:
		format_ecs(o, &a, out);
		break;
	case FK_FMT_SYSLOG:
		format_syslog(o, &a, out);
		break;
	default:
		format_text(&a, out);
		break;
	}
}
