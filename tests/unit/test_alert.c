/* Unit tests for alert.c: selection, the alert member, suppression on
 * event time, the rate cap. */
#include "alert.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

#define NOW 1800000000000LL /* 2027-01-15T08:00:00Z */

static char rec[1024];

/* A scored record of user u at event time ts_ms. */
static const char *
scored(const char *tx, const char *u, long long ts, const char *decision,
    double score)
{
	snprintf(rec, sizeof(rec),
	    "{\"tx_id\":\"%s\",\"user_id\":\"%s\",\"amount\":12.5,"
	    "\"currency\":\"EUR\",\"ts_ms\":%lld,\"device_id\":\"D1\","
	    "\"risk\":{\"score\":%g,\"decision\":\"%s\",\"reasons\":["
	    "{\"rule\":\"burst\",\"weight\":0.8,\"reason\":\"many\","
	    "\"severity\":\"critical\"},{\"feature\":\"amount\","
	    "\"value\":12.5,\"contribution\":1}],\"ruleset\":\"r1\"}}",
	    tx, u, ts, score, decision);
	return rec;
}

static enum fk_alert_fate
run(struct fk_alerter *a, const char *in, json_t **alert)
{
	const char *out;
	size_t len;
	char err[256];
	enum fk_alert_fate f;

	*alert = NULL;
	f = fk_alerter_record(
	    a, in, strlen(in), -1, -1, NOW, &out, &len, err, sizeof(err));
	if (f == FK_ALERT_OUT) {
		*alert = json_loadb(out, len, 0, NULL);
		cr_assert_not_null(*alert, "%.*s", (int)len, out);
	}
	return f;
}

static const char *
astr(json_t *j, const char *k)
{
	return json_string_value(
	    json_object_get(json_object_get(j, "alert"), k));
}

Test(alert, parse_options)
{
	struct fk_alert_opts o;
	unsigned bits;
	char err[256];

	cr_assert_eq(
	    fk_alert_decisions_parse("review,block", &bits, err, 256), 0);
	cr_assert_eq(bits, FK_ALERT_REVIEW | FK_ALERT_BLOCK);
	cr_assert_eq(fk_alert_decisions_parse("allow", &bits, err, 256), 0);
	cr_assert_eq(bits, FK_ALERT_ALLOW);
	cr_assert_eq(
	    fk_alert_decisions_parse("block,nope", &bits, err, 256), -1);
	cr_assert(strstr(err, "\"nope\"") != NULL, "%s", err);
	memset(&o, 0, sizeof(o));
	cr_assert_eq(fk_alert_suppress_parse(&o, "user_id:10m", err, 256), 0);
	cr_assert_eq(o.suppress_ms, 600000);
	cr_assert_eq(fk_alert_suppress_parse(&o, "user_id", err, 256), -1);
	cr_assert_eq(fk_alert_suppress_parse(&o, ":10m", err, 256), -1);
	cr_assert_eq(fk_alert_rate_parse(&o, "100/m", err, 256), 0);
	cr_assert_float_eq(o.rate, 100 / 60000.0, 1e-12);
	cr_assert_eq(o.burst, 100);
	cr_assert_eq(fk_alert_rate_parse(&o, "100", err, 256), -1);
	cr_assert_eq(fk_alert_rate_parse(&o, "0/s", err, 256), -1);
	cr_assert_eq(fk_alert_rate_parse(&o, "1.5/s", err, 256), -1);
	cr_assert_eq(fk_alert_rate_parse(&o, "5/w", err, 256), -1);
	cr_assert_eq(fk_alert_rate_parse(&o, " 5/s", err, 256), -1);
	cr_assert_eq(fk_alert_rate_parse(&o, "0x10/s", err, 256), -1);
	cr_assert_eq(fk_alert_rate_parse(&o, "5/s ", err, 256), -1);
	cr_assert_eq(fk_alert_rate_parse(&o, "1e3/h", err, 256), 0);
	cr_assert_eq(o.burst, 1000);
	cr_assert_eq(fk_alert_clock_parse(&o, "event", err, 256), 0);
	cr_assert_eq(o.event_clock, 1);
	cr_assert_eq(fk_alert_clock_parse(&o, "wall", err, 256), 0);
	cr_assert_eq(o.event_clock, 0);
	cr_assert_eq(fk_alert_clock_parse(&o, "Event", err, 256), -1);
	cr_assert(strstr(err, "\"Event\"") != NULL, "%s", err);
}

/* --clock event: the alert is stamped with its record's event time,
 * whatever the wall says, so two runs write the same bytes. */
Test(alert, event_clock_stamps_event_time)
{
	struct fk_alert_opts o = { FK_ALERT_BLOCK, -1, NULL, 0, 0, 0, 1 };
	struct fk_alerter *a = fk_alerter_new(&o);
	const char *out;
	size_t len;
	char err[256], first[2048];
	json_t *j;

	cr_assert_eq(
	    run(a, scored("t1", "U1", 1730000000123LL, "block", 1), &j),
	    FK_ALERT_OUT);
	cr_assert_str_eq(astr(j, "time"), "2024-10-27T03:33:20.123Z");
	cr_assert_eq(json_integer_value(json_object_get(
	                 json_object_get(j, "alert"), "latency_ms")),
	    0);
	json_decref(j);
	cr_assert_eq(
	    fk_alerter_record(a,
	        scored("t1", "U1", 1730000000123LL, "block", 1), strlen(rec),
	        -1, -1, NOW, &out, &len, err, sizeof(err)),
	    FK_ALERT_OUT);
	cr_assert_lt(len, sizeof(first));
	memcpy(first, out, len);
	cr_assert_eq(
	    fk_alerter_record(a,
	        scored("t1", "U1", 1730000000123LL, "block", 1), strlen(rec),
	        -1, -1, NOW + 86400000, &out, &len, err, sizeof(err)),
	    FK_ALERT_OUT);
	cr_assert(memcmp(first, out, len) == 0, "%.*s", (int)len, out);
	/* No event time: the latest one read. */
	cr_assert_eq(run(a,
	                 "{\"tx_id\":\"t2\",\"user_id\":\"U2\",\"risk\":"
	                 "{\"score\":1,\"decision\":\"block\"}}",
	                 &j),
	    FK_ALERT_OUT);
	cr_assert_str_eq(astr(j, "time"), "2024-10-27T03:33:20.123Z");
	json_decref(j);
	fk_alerter_free(a);
}

Test(alert, select_and_shape)
{
	struct fk_alert_opts o = { FK_ALERT_BLOCK | FK_ALERT_REVIEW, -1, NULL,
		0, 0, 0, 0 };
	struct fk_alerter *a = fk_alerter_new(&o);
	struct fk_alert_counts c;
	json_t *j, *again, *e;
	char id[64];
	const char *bad = "{\"amount\":1}";
	const char *out;
	size_t len;
	char err[256];

	cr_assert_eq(run(a, scored("t1", "U1", NOW - 250, "allow", 0.1), &j),
	    FK_ALERT_DROPPED);
	cr_assert_eq(run(a, scored("t2", "U1", NOW - 250, "block", 0.95), &j),
	    FK_ALERT_OUT);
	snprintf(id, sizeof(id), "%s", astr(j, "id"));
	cr_assert_eq(strlen(id), 32);
	cr_assert_str_eq(astr(j, "severity"), "critical");
	cr_assert_str_eq(astr(j, "summary"),
	    "block U1: 12.5 EUR, score 0.95: burst, amount");
	cr_assert_str_eq(astr(j, "time"), "2027-01-15T08:00:00.000Z");
	cr_assert_eq(json_integer_value(json_object_get(
	                 json_object_get(j, "alert"), "latency_ms")),
	    250);
	e = json_object_get(json_object_get(j, "alert"), "entities");
	cr_assert_str_eq(
	    json_string_value(json_object_get(e, "user_id")), "U1");
	cr_assert_str_eq(
	    json_string_value(json_object_get(e, "device_id")), "D1");
	cr_assert_eq(json_object_size(e), 2);
	cr_assert_eq(json_array_size(json_object_get(
	                 json_object_get(j, "alert"), "reasons")),
	    2);
	/* The same transaction and rule set: the same id, even when the
	 * record comes back with its alert member (replaced). */
	{
		char *text = json_dumps(j, JSON_COMPACT);

		cr_assert_eq(run(a, text, &again), FK_ALERT_OUT);
		cr_assert_str_eq(astr(again, "id"), id);
		cr_assert_eq(json_object_size(json_object_get(again, "alert")),
		    json_object_size(json_object_get(j, "alert")));
		free(text);
		json_decref(again);
	}
	json_decref(j);
	cr_assert_eq(
	    run(a, scored("t3", "U1", NOW, "block", 0.95), &j), FK_ALERT_OUT);
	cr_assert_str_neq(astr(j, "id"), id);
	json_decref(j);
	cr_assert_eq(fk_alerter_record(a, bad, strlen(bad), -1, -1, NOW, &out,
	                 &len, err, sizeof(err)),
	    FK_ALERT_BAD);
	cr_assert(strstr(err, "no risk member") != NULL, "%s", err);
	cr_assert_eq(fk_alerter_record(
	                 a, "{", 1, -1, -1, NOW, &out, &len, err, sizeof(err)),
	    FK_ALERT_BAD);
	fk_alerter_counts(a, &c);
	cr_assert_eq(c.alerts, 3);
	cr_assert_eq(c.dropped, 1);
	fk_alerter_free(a);
}

Test(alert, min_score_and_severity_from_decision)
{
	struct fk_alert_opts o = { FK_ALERT_BLOCK, 0.5, NULL, 0, 0, 0, 0 };
	struct fk_alerter *a = fk_alerter_new(&o);
	const char *in = "{\"tx_id\":\"x\",\"risk\":{\"score\":0.6,"
	                 "\"decision\":\"review\",\"reasons\":[]}}";
	json_t *j;

	cr_assert_eq(run(a, in, &j), FK_ALERT_OUT);
	cr_assert_str_eq(astr(j, "severity"), "medium");
	cr_assert_str_eq(astr(j, "summary"), "review: score 0.6");
	cr_assert_null(
	    json_object_get(json_object_get(j, "alert"), "latency_ms"));
	json_decref(j);
	cr_assert_eq(
	    run(a, "{\"risk\":{\"score\":0.4,\"decision\":\"block\"}}", &j),
	    FK_ALERT_DROPPED);
	fk_alerter_free(a);
}

Test(alert, suppression_on_event_time)
{
	struct fk_alert_opts o = { FK_ALERT_BLOCK, -1, "user_id:10m", 600000, 0,
		0, 0 };
	struct fk_alerter *a;
	const char *out;
	size_t len;
	json_t *j, *al;
	long long t0 = 1730000000000LL;

	a = fk_alerter_new(&o);
	cr_assert_eq(
	    run(a, scored("a1", "U1", t0, "block", 1), &j), FK_ALERT_PENDING);
	cr_assert_eq(run(a, scored("b1", "U2", t0 + 1000, "block", 1), &j),
	    FK_ALERT_PENDING);
	cr_assert_eq(run(a, scored("a2", "U1", t0 + 60000, "block", 1), &j),
	    FK_ALERT_SUPPRESSED);
	cr_assert_eq(run(a, scored("a3", "U1", t0 + 300000, "block", 1), &j),
	    FK_ALERT_SUPPRESSED);
	cr_assert_eq(fk_alerter_next(a, 0, NOW, &out, &len), 0);
	/* Event time passes U1's window: its alert, with the count. */
	cr_assert_eq(run(a, scored("c1", "U3", t0 + 600000, "allow", 0), &j),
	    FK_ALERT_DROPPED);
	cr_assert_eq(fk_alerter_next(a, 0, NOW, &out, &len), 1);
	j = json_loadb(out, len, 0, NULL);
	al = json_object_get(j, "alert");
	cr_assert_str_eq(json_string_value(json_object_get(j, "tx_id")), "a1");
	cr_assert_eq(json_integer_value(json_object_get(al, "count")), 3);
	cr_assert_str_eq(json_string_value(json_object_get(al, "first")),
	    "2024-10-27T03:33:20.000Z");
	cr_assert_str_eq(json_string_value(json_object_get(al, "last")),
	    "2024-10-27T03:38:20.000Z");
	json_decref(j);
	cr_assert_eq(fk_alerter_next(a, 0, NOW, &out, &len), 0);
	/* A new window for U1; U2's alone is out at the end, unfolded. */
	cr_assert_eq(run(a, scored("a4", "U1", t0 + 600001, "block", 1), &j),
	    FK_ALERT_PENDING);
	cr_assert_eq(fk_alerter_next(a, 0, NOW, &out, &len), 0);
	cr_assert_eq(fk_alerter_next(a, 1, NOW, &out, &len), 1);
	j = json_loadb(out, len, 0, NULL);
	cr_assert_str_eq(json_string_value(json_object_get(j, "tx_id")), "b1");
	cr_assert_null(json_object_get(json_object_get(j, "alert"), "count"));
	json_decref(j);
	cr_assert_eq(fk_alerter_next(a, 1, NOW, &out, &len), 1);
	cr_assert(strstr(out, "\"tx_id\":\"a4\"") != NULL);
	cr_assert_eq(fk_alerter_next(a, 1, NOW, &out, &len), 0);
	fk_alerter_free(a);
}

Test(alert, many_windows_grow)
{
	struct fk_alert_opts o = { FK_ALERT_BLOCK, -1, "user_id:1h", 3600000, 0,
		0, 0 };
	struct fk_alerter *a = fk_alerter_new(&o);
	const char *out;
	size_t len;
	char u[32];
	json_t *j;
	int i, n = 0;

	for (i = 0; i < 5000; i++) {
		snprintf(u, sizeof(u), "U%d", i % 3000);
		run(a, scored("t", u, 1730000000000LL + i, "block", 1), &j);
	}
	while (fk_alerter_next(a, 1, NOW, &out, &len) == 1) {
		j = json_loadb(out, len, 0, NULL);
		n += (int)json_integer_value(
		         json_object_get(json_object_get(j, "alert"), "count"))
		    ?: 1;
		json_decref(j);
	}
	cr_assert_eq(n, 5000);
	fk_alerter_free(a);
}

Test(alert, max_rate_holds_back)
{
	struct fk_alert_opts o = { FK_ALERT_BLOCK, -1, NULL, 0, 0, 0, 0 };
	struct fk_alerter *a;
	struct fk_alert_counts c;
	const char *out;
	size_t len;
	char err[256];
	int i, sent = 0;

	cr_assert_eq(fk_alert_rate_parse(&o, "3/s", err, sizeof(err)), 0);
	a = fk_alerter_new(&o);
	for (i = 0; i < 10; i++) {
		const char *in = scored("t", "U1", NOW, "block", 1);

		sent += fk_alerter_record(a, in, strlen(in), -1, -1, NOW, &out,
		            &len, err, sizeof(err)) == FK_ALERT_OUT;
	}
	cr_assert_eq(sent, 3);
	/* A second later, three more. */
	for (i = 0; i < 10; i++) {
		const char *in = scored("t", "U1", NOW, "block", 1);

		sent += fk_alerter_record(a, in, strlen(in), -1, -1, NOW + 1000,
		            &out, &len, err, sizeof(err)) == FK_ALERT_OUT;
	}
	cr_assert_eq(sent, 6);
	fk_alerter_counts(a, &c);
	cr_assert_eq(c.held, 14);
	fk_alerter_free(a);
}

/* From Kafka: the offset of the first record an open window holds, so
 * that the commit stops there. */
Test(alert, oldest_held_offset)
{
	struct fk_alert_opts o = { FK_ALERT_BLOCK, -1, "user_id:10m", 600000, 0,
		0, 0 };
	struct fk_alerter *a = fk_alerter_new(&o);
	const char *out, *in;
	size_t len;
	char err[256];
	long long t0 = 1730000000000LL;

	cr_assert_eq(fk_alerter_oldest(a, 0), -1);
	in = scored("a1", "U1", t0, "block", 1);
	fk_alerter_record(a, in, strlen(in), 0, 41, NOW, &out, &len, err, 256);
	in = scored("b1", "U2", t0 + 1, "block", 1);
	fk_alerter_record(a, in, strlen(in), 1, 7, NOW, &out, &len, err, 256);
	in = scored("a2", "U1", t0 + 2, "block", 1);
	fk_alerter_record(a, in, strlen(in), 0, 42, NOW, &out, &len, err, 256);
	cr_assert_eq(fk_alerter_oldest(a, 0), 41);
	cr_assert_eq(fk_alerter_oldest(a, 1), 7);
	cr_assert_eq(fk_alerter_oldest(a, 2), -1);
	while (fk_alerter_next(a, 1, NOW, &out, &len) != 0)
		;
	cr_assert_eq(fk_alerter_oldest(a, 0), -1);
	fk_alerter_free(a);
}

/* The summary reads the reasons as they are written: elements that are
 * not objects, a rule that is not a string (the feature instead), the
 * last of a repeated key, escapes in keys and values, white space. */
Test(alert, summary_reads_reasons_as_written)
{
	static const char in[] =
	    "{\"user_id\":\"U1\",\"risk\":{\"score\":0.5,\"decision\":"
	    "\"review\",\"reasons\":[ null, 7, \"r0\", [{\"rule\":\"in\"}], "
	    "{ \"rule\" : 5 , \"feature\" : \"f\\u00e9\" }, {\"rule\":\"a\","
	    "\"rule\":\"r\\u0031\",\"severity\":\"hi\\u0067h\"}, "
	    "{\"\\u0072ule\":\"r2\\\"x\",\"severity\":\"low\"}, "
	    "{\"feature\":\"never\",\"severity\":\"critical \"} ]}}";
	struct fk_alert_opts o = { FK_ALERT_REVIEW | FK_ALERT_BLOCK, -1, NULL,
		0, 0, 0, 0 };
	struct fk_alerter *a = fk_alerter_new(&o);
	json_t *j;

	cr_assert_eq(run(a, in, &j), FK_ALERT_OUT);
	cr_assert_str_eq(
	    astr(j, "summary"), "review U1: score 0.5: f\xc3\xa9, r1, r2\"x");
	cr_assert_str_eq(astr(j, "severity"), "high");
	json_decref(j);
	/* no severity a reason gives: from the decision */
	cr_assert_eq(run(a,
	                 "{\"risk\":{\"decision\":\"block\",\"reasons\":["
	                 "{\"severity\":\"bogus\"},{\"feature\":null},{}]}}",
	                 &j),
	    FK_ALERT_OUT);
	cr_assert_str_eq(astr(j, "summary"), "block: score ?");
	cr_assert_str_eq(astr(j, "severity"), "high");
	json_decref(j);
	fk_alerter_free(a);
}

/* Empty strings first in the summary (a new buffer, nothing to copy). */
Test(alert, summary_of_empty_strings)
{
	struct fk_alert_opts o = { 0, 0, NULL, 0, 0, 0, 0 };
	struct fk_alerter *a = fk_alerter_new(&o);
	json_t *j;

	cr_assert_eq(run(a,
	                 "{\"user_id\":\"\",\"risk\":{\"decision\":\"\","
	                 "\"score\":1}}",
	                 &j),
	    FK_ALERT_OUT);
	cr_assert_str_eq(astr(j, "summary"), " : score 1");
	cr_assert_str_eq(astr(j, "severity"), "low");
	json_decref(j);
	fk_alerter_free(a);
}

/* fkcat-in --ingest-time's stamp: the alert says how long since, on the
 * wall clock; with --clock event it has none to say. */
Test(alert, ingest_latency_from_the_stamp)
{
	struct fk_alert_opts o = { FK_ALERT_BLOCK, -1, NULL, 0, 0, 0, 0 };
	struct fk_alerter *a = fk_alerter_new(&o);
	char in[1200];
	json_t *j;

	snprintf(in, sizeof(in), "%.*s,\"ingest_ms\":%lld}",
	    (int)strlen(scored("t1", "U1", NOW - 5000, "block", 1)) - 1, rec,
	    NOW - 40);
	cr_assert_eq(run(a, in, &j), FK_ALERT_OUT);
	cr_assert_eq(json_integer_value(json_object_get(
	                 json_object_get(j, "alert"), "ingest_latency_ms")),
	    40);
	cr_assert_eq(json_integer_value(json_object_get(
	                 json_object_get(j, "alert"), "latency_ms")),
	    5000);
	json_decref(j);
	fk_alerter_free(a);

	o.event_clock = 1;
	a = fk_alerter_new(&o);
	snprintf(in, sizeof(in), "%.*s,\"ingest_ms\":%lld}",
	    (int)strlen(scored("t2", "U1", NOW - 5000, "block", 1)) - 1, rec,
	    NOW - 40);
	cr_assert_eq(run(a, in, &j), FK_ALERT_OUT);
	cr_assert_null(
	    json_object_get(json_object_get(j, "alert"), "ingest_latency_ms"));
	json_decref(j);
	fk_alerter_free(a);
}
