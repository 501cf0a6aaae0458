/* Unit tests for fk-enrich's engine: each feature on small crafted
 * streams, against values worked out by hand (distances from Python's
 * haversine with R = 6371.0088 km), window edges, lateness, eviction,
 * and state carried between runs. */
#include "enrich.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "testutil.h"
#include "banned.h"

#define T0 1730419200000LL /* 2024-11-01T00:00:00Z, a Friday */
#define MIN 60000LL
#define HOUR 3600000LL
#define DAY 86400000LL

static struct fk_enrich_opts opts;
static struct fk_lists lists;

static void
setup(void)
{
	fk_enrich_opts_init(&opts);
	fk_lists_init(&lists);
	opts.lists = &lists;
}

static void
teardown(void)
{
	fk_lists_release(&lists);
}

TestSuite(enrich, .init = setup, .fini = teardown);

static struct fk_enrich *
engine(void)
{
	return fk_enrich_new(&opts);
}

/* Enrich one record written with printf arguments; the features member
 * (new reference). */
static json_t *
feed(struct fk_enrich *e, const char *fmt, ...)
{
	char line[1024], err[256];
	const char *out, *key;
	size_t outlen, keylen;
	int64_t ts;
	json_error_t je;
	json_t *rec, *f;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	cr_assert_eq(fk_enrich_record(e, line, strlen(line), &out, &outlen,
	                 &key, &keylen, &ts, err, sizeof(err)),
	    0, "%s: %s", line, err);
	rec = json_loadb(out, outlen, 0, &je);
	cr_assert_not_null(rec, "%.*s: %s", (int)outlen, out, je.text);
	f = json_incref(json_object_get(rec, "features"));
	cr_assert_not_null(f, "%.*s", (int)outlen, out);
	json_decref(rec);
	return f;
}

/* A transaction of user u at T0 + ms with amount. */
#define TX(e, u, ms, amount)                                                   \
	feed((e), "{\"user_id\":\"%s\",\"amount\":%g,\"ts_ms\":%lld}", (u),    \
	    (double)(amount), (long long)(T0 + (ms)))

static json_t *
get(json_t *f, const char *a, const char *b)
{
	json_t *o = b != NULL ? json_object_get(f, a) : f;

	return json_object_get(o, b != NULL ? b : a);
}

static double
num(json_t *f, const char *a, const char *b)
{
	json_t *v = get(f, a, b);

	cr_assert(json_is_number(v), "%s.%s: %s", a, b ? b : "",
	    v ? "not a number" : "absent");
	return json_number_value(v);
}

static void
expect(json_t *f, const char *a, const char *b, double want, double tol)
{
	double got = num(f, a, b);

	cr_expect(fabs(got - want) <= tol, "%s.%s: %.6f, expected %.6f", a,
	    b ? b : "", got, want);
}

static void
absent(json_t *f, const char *a, const char *b)
{
	cr_expect_null(get(f, a, b), "%s.%s is present", a, b ? b : "");
}

static int
truth(json_t *f, const char *a, const char *b)
{
	json_t *v = get(f, a, b);

	cr_assert(json_is_boolean(v), "%s.%s: not a boolean", a, b ? b : "");
	return json_is_true(v);
}

/* 1m window: buckets of 7.5 s from the epoch; T0 is on a boundary. */
Test(enrich, velocity_window_edges)
{
	struct fk_enrich *e = engine();
	json_t *f;

	f = TX(e, "u1", 0, 10);
	expect(f, "user", "count_1m", 1, 0);
	expect(f, "user", "sum_1m", 10, 0);
	json_decref(f);
	f = TX(e, "u1", 30000, 20);
	expect(f, "user", "count_1m", 2, 0);
	json_decref(f);
	f = TX(e, "u1", 59999, 5); /* bucket 7: still with T0's bucket 0 */
	expect(f, "user", "count_1m", 3, 0);
	expect(f, "user", "sum_1m", 35, 1e-9);
	json_decref(f);
	f = TX(e, "u1", 60000, 1); /* bucket 8: bucket 0 is out */
	expect(f, "user", "count_1m", 3, 0);
	expect(f, "user", "sum_1m", 26, 1e-9);
	expect(f, "user", "count_10m", 4, 0);
	expect(f, "user", "sum_10m", 36, 1e-9);
	json_decref(f);
	f = TX(e, "u1", 67499, 2); /* bucket 8 still */
	expect(f, "user", "count_1m", 4, 0);
	json_decref(f);
	f = TX(e, "u1", 67500, 2); /* bucket 9: bucket 1 out, nothing there */
	expect(f, "user", "count_1m", 5, 0);
	json_decref(f);
	f = TX(e, "u1", 90000, 4);           /* bucket 12: buckets 5..12 */
	expect(f, "user", "count_1m", 5, 0); /* 59999, 60000, 2x 67xxx, this */
	expect(f, "user", "sum_1m", 14, 1e-9);
	json_decref(f);
	f = TX(e, "u1", 30 * DAY, 1); /* a month later: the 30d window */
	expect(f, "user", "count_1m", 1, 0);
	expect(f, "user", "count_30d", 1, 0); /* 30 days = 8 buckets later */
	json_decref(f);
	fk_enrich_free(e);
}

Test(enrich, other_users_apart)
{
	struct fk_enrich *e = engine();
	json_t *f;

	json_decref(TX(e, "a", 0, 10));
	f = TX(e, "b", 1000, 5);
	expect(f, "user", "count_1m", 1, 0);
	expect(f, "user", "sum_30d", 5, 0);
	absent(f, "user", "secs_since_prev");
	json_decref(f);
	f = TX(e, "a", 2500, 1);
	expect(f, "user", "count_1m", 2, 0);
	expect(f, "user", "secs_since_prev", 2.5, 1e-9);
	json_decref(f);
	fk_enrich_free(e);
}

Test(enrich, amount_profile)
{
	struct fk_enrich *e = engine();
	json_t *f;

	for (int i = 1; i <= 5; i++) {
		f = TX(e, "u", i * HOUR, 10 * i);
		absent(f, "user", "amount_mean_30d");
		absent(f, "user", "amount_z");
		json_decref(f);
	}
	f = TX(e, "u", 6 * HOUR, 100);
	expect(f, "user", "amount_mean_30d", 30, 1e-9);
	expect(f, "user", "amount_sd_30d", 14.14, 0.006); /* sqrt(200) */
	expect(f, "user", "amount_max_30d", 50, 0);
	expect(f, "user", "amount_z", 4.9497, 0.0001);
	expect(f, "user", "amount_ratio", 3.3333, 0.0001);
	json_decref(f);
	fk_enrich_free(e);
}

Test(enrich, travel)
{
	struct fk_enrich *e = engine();
	json_t *f;

	f = feed(e,
	    "{\"user_id\":\"u\",\"amount\":1,\"ts_ms\":%lld,"
	    "\"lat\":51.5072,\"lon\":-0.1276,\"country\":\"GB\"}",
	    T0);
	absent(f, "user", "km_from_prev");
	absent(f, "user", "country_changed");
	json_decref(f);
	/* Paris by name, an hour later: 343.56 km, 343.6 km/h. */
	f = feed(e,
	    "{\"user_id\":\"u\",\"amount\":1,\"ts_ms\":%lld,"
	    "\"location\":\"Paris\",\"country\":\"FR\"}",
	    T0 + HOUR);
	expect(f, "user", "km_from_prev", 343.56, 0.5);
	expect(f, "user", "kmh_from_prev", 343.6, 0.5);
	cr_expect(!truth(f, "user", "impossible_travel"));
	cr_expect(truth(f, "user", "country_changed"));
	expect(f, "user", "km_from_home", 343.56, 0.5);
	json_decref(f);
	/* New York half an hour later: 5837 km, 11674 km/h. */
	f = feed(e,
	    "{\"user_id\":\"u\",\"amount\":1,\"ts_ms\":%lld,"
	    "\"lat\":40.7128,\"lon\":-74.0060,\"country\":\"US\"}",
	    T0 + HOUR + 30 * MIN);
	expect(f, "user", "km_from_prev", 5837.2, 2);
	expect(f, "user", "kmh_from_prev", 11674.4, 4);
	cr_expect(truth(f, "user", "impossible_travel"));
	json_decref(f);
	/* Same place ten seconds later: a minute at least, not travel. */
	f = feed(e,
	    "{\"user_id\":\"u\",\"amount\":1,\"ts_ms\":%lld,"
	    "\"lat\":40.7128,\"lon\":-74.0060,\"country\":\"US\"}",
	    T0 + HOUR + 30 * MIN + 10000);
	expect(f, "user", "km_from_prev", 0, 1e-9);
	cr_expect(!truth(f, "user", "impossible_travel"));
	cr_expect(!truth(f, "user", "country_changed"));
	json_decref(f);
	/* Unknown place: no geography at all. */
	f = feed(e,
	    "{\"user_id\":\"u\",\"amount\":1,\"ts_ms\":%lld,"
	    "\"location\":\"Atlantis\"}",
	    T0 + 2 * HOUR);
	absent(f, "user", "km_from_prev");
	json_decref(f);
	fk_enrich_free(e);
}

Test(enrich, devices_and_merchants)
{
	struct fk_enrich *e;
	json_t *f;

	opts.device_memory = 2 * DAY;
	e = engine();
#define DEV(ms, d, m)                                                          \
	feed(e,                                                                \
	    "{\"user_id\":\"u\",\"amount\":1,\"ts_ms\":%lld,"                  \
	    "\"device_id\":\"%s\",\"merchant_id\":\"%s\"}",                    \
	    (long long)(T0 + (ms)), (d), (m))
	f = DEV(0, "d1", "m1");
	cr_expect(truth(f, "user", "new_device"));
	expect(f, "user", "devices_24h", 1, 0);
	cr_expect(truth(f, "user", "new_merchant"));
	expect(f, "user", "merchants_1h", 1, 0);
	expect(f, "device", "users_24h", 1, 0);
	json_decref(f);
	f = DEV(HOUR / 2, "d2", "m2");
	cr_expect(truth(f, "user", "new_device"));
	expect(f, "user", "devices_24h", 2, 0);
	expect(f, "user", "merchants_1h", 2, 0);
	json_decref(f);
	f = DEV(HOUR + HOUR / 3, "d1", "m1"); /* m2 50 minutes ago */
	cr_expect(!truth(f, "user", "new_device"));
	expect(f, "user", "devices_24h", 2, 0);
	cr_expect(!truth(f, "user", "new_merchant"));
	expect(f, "user", "merchants_1h", 2, 0);
	json_decref(f);
	f = DEV(26 * HOUR, "d1", "m1"); /* d2 was 25.5 hours ago */
	expect(f, "user", "devices_24h", 1, 0);
	json_decref(f);
	f = DEV(27 * HOUR, "d1", "m2"); /* m1 exactly an hour ago: out */
	expect(f, "user", "merchants_1h", 1, 0);
	json_decref(f);
	f = DEV(27 * HOUR + 2 * DAY + 1000, "d1", "m1"); /* memory is 2d */
	cr_expect(truth(f, "user", "new_device"));
	json_decref(f);
	/* Another user on d1: the device has two users. */
	f = feed(e,
	    "{\"user_id\":\"v\",\"amount\":1,\"ts_ms\":%lld,"
	    "\"device_id\":\"d1\",\"ip\":\"10.0.0.1\"}",
	    T0 + 27 * HOUR + 2 * DAY + 2000);
	expect(f, "device", "users_24h", 2, 0);
	expect(f, "ip", "users_24h", 1, 0);
	cr_expect(truth(f, "user", "new_ip"));
	json_decref(f);
	fk_enrich_free(e);
}

Test(enrich, delayed_labels)
{
	struct fk_enrich *e;
	json_t *f;

	opts.label_field = "fraud";
	opts.label_delay = DAY;
	e = engine();
#define LAB(ms, fr)                                                            \
	feed(e,                                                                \
	    "{\"user_id\":\"u\",\"amount\":1,\"ts_ms\":%lld,"                  \
	    "\"merchant_id\":\"m\",\"fraud\":%d}",                             \
	    (long long)(T0 + (ms)), (fr))
	f = LAB(HOUR, 1);
	expect(f, "merchant", "label_fraud_1d", 0, 0);
	absent(f, "merchant", "label_rate_1d");
	json_decref(f);
	f = LAB(2 * HOUR, 0); /* same day: not known yet */
	expect(f, "merchant", "label_tx_30d", 0, 0);
	json_decref(f);
	f = LAB(DAY, 0); /* a day later: day 0 is known */
	expect(f, "merchant", "label_tx_1d", 2, 0);
	expect(f, "merchant", "label_fraud_1d", 1, 0);
	expect(f, "merchant", "label_rate_1d", 0.5, 1e-9);
	expect(f, "user", "label_fraud_7d", 1, 0);
	json_decref(f);
	f = LAB(2 * DAY, 0); /* day 1 in the 1d window, day 0 in 7d */
	expect(f, "merchant", "label_fraud_1d", 0, 0);
	expect(f, "merchant", "label_tx_1d", 1, 0);
	expect(f, "merchant", "label_fraud_7d", 1, 0);
	expect(f, "merchant", "label_tx_7d", 3, 0);
	json_decref(f);
	fk_enrich_free(e);
}

Test(enrich, lateness)
{
	struct fk_enrich *e = engine();
	json_t *f;

	json_decref(TX(e, "u", 10 * MIN, 1));
	f = TX(e, "u", 8 * MIN, 2); /* within 5m: placed at its time */
	absent(f, NULL, "late");
	expect(f, "user", "count_10m", 1, 0); /* the one at 10m is after */
	expect(f, "user", "count_30d", 2, 0); /* in the same bucket */
	expect(f, "user", "secs_since_prev", 0, 0);
	json_decref(f);
	f = TX(e, "u", 0, 3); /* 10 minutes late: at the watermark */
	cr_expect(truth(f, "late", NULL));
	expect(f, "user", "count_1m", 2, 0); /* with the one at 10m */
	json_decref(f);
	fk_enrich_free(e);
}

Test(enrich, calendar_and_tz)
{
	struct fk_enrich *e;
	json_t *f;
	char err[128];

	e = engine();
	f = TX(e, "u", DAY + 3 * HOUR, 1); /* Saturday 03:00 UTC */
	expect(f, "hour", NULL, 3, 0);
	cr_expect(truth(f, "weekend", NULL));
	cr_expect(truth(f, "night", NULL));
	json_decref(f);
	fk_enrich_free(e);
	cr_assert_eq(fk_enrich_tz_parse(&opts, "-05:00", err, sizeof(err)), 0);
	e = engine();
	f = TX(e, "u", DAY + 3 * HOUR, 1); /* Friday 22:00 at -05:00 */
	expect(f, "hour", NULL, 22, 0);
	cr_expect(!truth(f, "weekend", NULL));
	cr_expect(!truth(f, "night", NULL));
	json_decref(f);
	fk_enrich_free(e);
	cr_assert_eq(fk_enrich_tz_parse(&opts, "+0530", err, sizeof(err)), 0);
	cr_assert_eq(opts.tz_min, 330);
	cr_assert_eq(fk_enrich_tz_parse(&opts, "5", err, sizeof(err)), -1);
}

Test(enrich, features_replaced_and_members_kept)
{
	struct fk_enrich *e = engine();
	const char *in = "{\"features\":{\"old\":1},\"user_id\":\"u\","
	                 "\"amount\":2,\"ts_ms\":1730419200000,\"x\":[1,2]}";
	const char *out, *key;
	size_t outlen, keylen;
	int64_t ts;
	char err[128];

	cr_assert_eq(fk_enrich_record(e, in, strlen(in), &out, &outlen, &key,
	                 &keylen, &ts, err, sizeof(err)),
	    0, "%s", err);
	{
		char *copy = strndup(out, outlen); /* out has no NUL */

		cr_assert(
		    strncmp(copy, "{\"user_id\":\"u\",\"amount\":2,", 26) == 0,
		    "%s", copy);
		cr_assert(strstr(copy, "\"old\"") == NULL);
		cr_assert(strstr(copy, "\"x\":[1,2],\"features\":{") != NULL,
		    "%s", copy);
		free(copy);
	}
	cr_assert_eq(keylen, 1);
	cr_assert_eq(ts, 1730419200000LL);
	cr_assert_eq(fk_enrich_record(e, "{\"amount\":1}", 12, &out, &outlen,
	                 &key, &keylen, &ts, err, sizeof(err)),
	    -1);
	cr_assert_str_eq(err, "user_id: missing or not a string");
	cr_assert_eq(fk_enrich_record(e, "{\"user_id\":\"u\",\"amount\":1}", 26,
	                 &out, &outlen, &key, &keylen, &ts, err, sizeof(err)),
	    -1);
	cr_assert(strstr(err, "timestamp: missing") != NULL, "%s", err);
	fk_enrich_free(e);
}

Test(enrich, idle_users_forgotten)
{
	struct fk_enrich *e = engine();
	struct fk_enrich_stats st;
	json_t *f;

	json_decref(TX(e, "gone", 0, 1));
	json_decref(TX(e, "other", 91 * DAY, 1)); /* past 90d device memory */
	fk_enrich_stats(e, &st);
	cr_expect_eq(st.users, 1);
	cr_expect_eq(st.evicted_idle, 1);
	f = TX(e, "gone", 91 * DAY + 1000, 1);
	absent(f, "user", "secs_since_prev");
	json_decref(f);
	fk_enrich_free(e);
}

/* fk_enrich_load's add: keep the one engine of files and stdin. */
static void
take(void *arg, int32_t partition, struct fk_enrich *e)
{
	cr_assert_eq(partition, -1);
	*(struct fk_enrich **)arg = e;
}

/* One run and three runs chained through a state file write the same. */
Test(enrich, state_chain_is_one_run)
{
	char dir[256], path[300], err[512], line[512];
	const char *out, *key;
	size_t outlen, keylen;
	int64_t ts;
	uint64_t rnd = 42;
	char **lines = calloc(3000, sizeof(char *));
	char **outs = calloc(3000, sizeof(char *));
	struct fk_enrich *e;

	cr_assert_not_null(lines);
	cr_assert_not_null(outs);
	fk_test_tmpdir(dir, sizeof(dir), "enrich");
	snprintf(path, sizeof(path), "%s/s", dir);
	opts.label_field = "fraud";
	for (int i = 0; i < 3000; i++) {
		uint64_t r = fk_test_rand(&rnd);

		snprintf(line, sizeof(line),
		    "{\"user_id\":\"u%d\",\"amount\":%d.%02d,\"ts_ms\":%lld,"
		    "\"device_id\":\"d%d\",\"merchant_id\":\"m%d\","
		    "\"lat\":%d.5,\"lon\":%d.25,\"fraud\":%d}",
		    (int)(r % 50), (int)((r >> 8) % 300),
		    (int)((r >> 20) % 100),
		    (long long)(T0 + i * 17 * MIN - (long long)(r % 3) * MIN),
		    (int)((r >> 30) % 80), (int)((r >> 40) % 30),
		    (int)((r >> 12) % 60), (int)((r >> 24) % 100),
		    (r >> 50) % 50 == 0);
		lines[i] = strdup(line);
	}
	e = engine();
	for (int i = 0; i < 3000; i++) {
		cr_assert_eq(
		    fk_enrich_record(e, lines[i], strlen(lines[i]), &out,
		        &outlen, &key, &keylen, &ts, err, sizeof(err)),
		    0, "%s", err);
		outs[i] = strndup(out, outlen);
	}
	fk_enrich_free(e);
	for (int part = 0; part < 3; part++) {
		struct fk_enrich *loaded = NULL;
		struct fk_enrich_part one;

		cr_assert_eq(fk_enrich_load(
		                 &opts, path, take, &loaded, err, sizeof(err)),
		    part == 0 ? 0 : 1, "%s", err);
		e = loaded != NULL ? loaded : engine();
		for (int i = part * 1000; i < (part + 1) * 1000; i++) {
			cr_assert_eq(fk_enrich_record(e, lines[i],
			                 strlen(lines[i]), &out, &outlen, &key,
			                 &keylen, &ts, err, sizeof(err)),
			    0);
			cr_assert(outlen == strlen(outs[i]) &&
			        memcmp(out, outs[i], outlen) == 0,
			    "record %d differs:\n%.*s\n%s", i, (int)outlen, out,
			    outs[i]);
		}
		one.partition = -1;
		one.e = e;
		cr_assert_eq(fk_enrich_save(&one, 1, path, err, sizeof(err)), 0,
		    "%s", err);
		fk_enrich_free(e);
	}
	/* Other windows: refused, not misread. */
	{
		struct fk_enrich *loaded = NULL;

		opts.nwin = 2;
		cr_assert_eq(fk_enrich_load(
		                 &opts, path, take, &loaded, err, sizeof(err)),
		    -1);
		cr_assert(strstr(err, "other --windows") != NULL, "%s", err);
		cr_assert_null(loaded);
	}
	for (int i = 0; i < 3000; i++) {
		free(lines[i]);
		free(outs[i]);
	}
	free(lines);
	free(outs);
	remove(path);
	fk_test_rmdir(dir);
}

/* Changelog messages, kept in memory in order. */
struct log {
	unsigned char *key[20000], *val[20000];
	size_t keylen[20000], len[20000];
	size_t n;
};

static void
keep(void *arg, const void *key, size_t keylen, const void *value, size_t len)
{
	struct log *l = arg;

	cr_assert_lt(l->n, 20000);
	l->key[l->n] = malloc(keylen);
	memcpy(l->key[l->n], key, keylen);
	l->keylen[l->n] = keylen;
	l->val[l->n] = value ? malloc(len) : NULL;
	if (value != NULL)
		memcpy(l->val[l->n], value, len);
	l->len[l->n++] = len;
}

/* An engine rebuilt from another's changelog goes on as the other would:
 * with tombstones for the entities forgotten meanwhile. */
Test(enrich, changelog_rebuilds_state)
{
	struct fk_enrich *a, *b;
	struct log *l = calloc(1, sizeof(*l));
	const char *out, *key;
	size_t outlen, keylen;
	int64_t ts, offset = -1;
	char line[256], err[256], *want;
	uint64_t rnd = 9;

	cr_assert_not_null(l);
	opts.label_field = "fraud";
	a = engine();
	fk_enrich_track(a);
	for (int i = 0; i < 4000; i++) {
		uint64_t r = fk_test_rand(&rnd);

		snprintf(line, sizeof(line),
		    "{\"user_id\":\"u%d\",\"amount\":%d,\"ts_ms\":%lld,"
		    "\"device_id\":\"d%d\",\"merchant_id\":\"m%d\","
		    "\"fraud\":%d}",
		    (int)(r % 300), (int)((r >> 9) % 500),
		    (long long)(T0 + (long long)i * 20 * MIN),
		    (int)((r >> 20) % 200), (int)((r >> 30) % 40),
		    (r >> 40) % 30 == 0);
		cr_assert_eq(fk_enrich_record(a, line, strlen(line), &out,
		                 &outlen, &key, &keylen, &ts, err, sizeof(err)),
		    0, "%s", err);
		if (i % 500 == 499)
			fk_enrich_changes(a, i + 1, keep, l);
	}
	b = engine();
	for (size_t i = 0; i < l->n; i++)
		cr_assert_eq(fk_enrich_apply(b, l->key[i], l->keylen[i],
		                 l->val[i], l->len[i], &offset),
		    0, "message %zu", i);
	cr_assert_eq(offset, 4000);
	snprintf(line, sizeof(line),
	    "{\"user_id\":\"u7\",\"amount\":3,\"ts_ms\":%lld,"
	    "\"device_id\":\"d7\",\"merchant_id\":\"m7\",\"fraud\":0}",
	    (long long)(T0 + 4000LL * 20 * MIN));
	cr_assert_eq(fk_enrich_record(a, line, strlen(line), &out, &outlen,
	                 &key, &keylen, &ts, err, sizeof(err)),
	    0);
	want = strndup(out, outlen);
	cr_assert_eq(fk_enrich_record(b, line, strlen(line), &out, &outlen,
	                 &key, &keylen, &ts, err, sizeof(err)),
	    0);
	cr_assert(strlen(want) == outlen && memcmp(want, out, outlen) == 0,
	    "\n%s\n%.*s", want, (int)outlen, out);
	/* Another engine's settings: refused. */
	fk_enrich_free(b);
	opts.nwin = 3;
	b = engine();
	cr_assert_eq(fk_enrich_apply(b, l->key[l->n - 1], l->keylen[l->n - 1],
	                 l->val[l->n - 1], l->len[l->n - 1], &offset),
	    -1);
	free(want);
	fk_enrich_free(a);
	fk_enrich_free(b);
	for (size_t i = 0; i < l->n; i++) {
		free(l->key[i]);
		free(l->val[i]);
	}
	free(l);
}
