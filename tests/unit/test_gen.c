/* Unit tests for fk-gen's gen.c: determinism, event-time order, labels,
 * scenarios one at a time, --disorder bounds, blocklists, --fraud. */
#include "gen.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "fktime.h"
#include "hash.h"
#include "places.h"
#include "testutil.h"
#include "banned.h"

#define DAY_MS 86400000LL

static struct fk_gen *
make(struct fk_gen_opts *o)
{
	char err[256];
	struct fk_gen *g = fk_gen_new(o, err, sizeof(err));

	cr_assert_not_null(g, "%s", err);
	return g;
}

/* A hash of every record, and how many. */
static uint64_t
digest(struct fk_gen_opts *o, long long *n)
{
	struct fk_gen *g = make(o);
	struct fk_gen_rec r;
	uint64_t h = 0;

	*n = 0;
	while (fk_gen_next(g, 0, &r)) {
		h = fk_hash64(r.data, r.len, h);
		(*n)++;
	}
	fk_gen_free(g);
	return h;
}

/* Whether data[0..len) holds the string needle. */
static int
has(const char *data, size_t len, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(data + i, needle, n) == 0)
			return 1;
	return 0;
}

static json_t *
parse(const struct fk_gen_rec *r)
{
	json_error_t je;
	json_t *obj = json_loadb(r->data, r->len, 0, &je);

	cr_assert_not_null(obj, "%.*s: %s", (int)r->len, r->data, je.text);
	return obj;
}

Test(gen, same_seed_same_records)
{
	struct fk_gen_opts o;
	long long n1, n2;
	uint64_t a, b, c;

	fk_gen_opts_init(&o);
	o.users = 300;
	o.days = 3;
	a = digest(&o, &n1);
	b = digest(&o, &n2);
	cr_assert_eq(a, b);
	cr_assert_eq(n1, n2);
	cr_assert_gt(n1, 500);
	o.seed = 2;
	c = digest(&o, &n2);
	cr_assert_neq(a, c);
}

Test(gen, records_are_fk7_and_ordered)
{
	struct fk_gen_opts o;
	struct fk_gen_rec r;
	struct fk_gen *g;
	int64_t last = 0, ms;
	long long n = 0, fraud = 0;
	char err[128];

	fk_gen_opts_init(&o);
	o.users = 200;
	o.days = 7;
	g = make(&o);
	while (fk_gen_next(g, 0, &r)) {
		json_t *obj = parse(&r);
		json_t *f = json_object_get(obj, "fraud");
		json_t *ts = json_object_get(obj, "timestamp");
		const char *s = json_string_value(ts);

		cr_assert(json_is_string(json_object_get(obj, "tx_id")));
		cr_assert_eq(
		    strncmp(json_string_value(json_object_get(obj, "user_id")),
		        r.user, r.userlen),
		    0);
		cr_assert_geq(
		    json_number_value(json_object_get(obj, "amount")), 0.5);
		cr_assert_not_null(s);
		cr_assert_eq(fk_time_parse(s, strlen(s), &ms, err, sizeof(err)),
		    0, "%s", err);
		cr_assert_eq(ms, r.ts_ms);
		cr_assert_eq(
		    json_integer_value(json_object_get(obj, "ts_ms")), ms);
		cr_assert_geq(ms, last, "out of order at record %lld", n);
		cr_assert_geq(ms, o.start_ms);
		cr_assert_lt(ms, o.start_ms + o.days * DAY_MS);
		last = ms;
		cr_assert(json_is_integer(f));
		cr_assert_eq(json_integer_value(f) == 1,
		    json_object_get(obj, "fraud_scenario") != NULL);
		fraud += json_integer_value(f);
		cr_assert(
		    fabs(json_number_value(json_object_get(obj, "lat"))) <= 90);
		json_decref(obj);
		n++;
	}
	cr_assert_eq(n, fk_gen_count(g));
	cr_assert_gt(fraud, 0);
	fk_gen_free(g);
}

/* Each scenario alone makes records labelled with it and no others. */
Test(gen, scenarios_one_at_a_time)
{
	for (int s = 0; s < FK_GEN_NSCENARIOS; s++) {
		struct fk_gen_opts o;
		struct fk_gen_rec r;
		struct fk_gen *g;
		long long labelled = 0;
		char spec[64], err[128];

		fk_gen_opts_init(&o);
		o.users = 300;
		o.days = 20;
		snprintf(
		    spec, sizeof(spec), "%s=0.01", fk_gen_scenario_name(s));
		cr_assert_eq(fk_gen_fraud_parse(&o, spec, err, sizeof(err)), 0);
		g = make(&o);
		while (fk_gen_next(g, 0, &r)) {
			json_t *obj = parse(&r);
			json_t *sc = json_object_get(obj, "fraud_scenario");

			if (sc != NULL) {
				cr_assert_str_eq(json_string_value(sc),
				    fk_gen_scenario_name(s));
				labelled++;
			}
			json_decref(obj);
		}
		cr_assert_gt(labelled, 0, "%s made no fraud", spec);
		for (int t = 0; t < FK_GEN_NSCENARIOS; t++)
			cr_assert_eq(
			    fk_gen_fraud_count(g, t), t == s ? labelled : 0);
		fk_gen_free(g);
	}
}

/* Travel: far from the user's home, which their own shop payments show. */
Test(gen, travel_is_far)
{
	struct fk_gen_opts o;
	struct fk_gen_rec r;
	struct fk_gen *g;
	char err[128];
	int far = 0, near = 0;

	fk_gen_opts_init(&o);
	o.users = 50;
	o.days = 30;
	cr_assert_eq(
	    fk_gen_fraud_parse(&o, "travel=0.02", err, sizeof(err)), 0);
	g = make(&o);
	while (fk_gen_next(g, 0, &r)) {
		json_t *obj = parse(&r);

		if (json_object_get(obj, "fraud_scenario") != NULL) {
			const struct fk_place *p = fk_places_find(
			    json_string_value(json_object_get(obj, "location")),
			    json_string_value(json_object_get(obj, "country")));

			cr_assert_not_null(p);
			cr_assert_str_eq(
			    json_string_value(json_object_get(obj, "channel")),
			    "pos");
			far++;
		} else {
			near++;
		}
		json_decref(obj);
	}
	cr_assert_gt(far, 0);
	cr_assert_gt(near, far);
	fk_gen_free(g);
}

Test(gen, disorder_is_bounded)
{
	struct fk_gen_opts o;
	struct fk_gen_rec r;
	struct fk_gen *g;
	int64_t maxseen = 0;
	long long n = 0, late = 0, n0;

	fk_gen_opts_init(&o);
	o.users = 2000;
	o.days = 1;
	digest(&o, &n0);
	o.disorder_ms = 2000;
	g = make(&o);
	while (fk_gen_next(g, 0, &r)) {
		cr_assert_geq(r.ts_ms, maxseen - 2000);
		if (r.ts_ms < maxseen)
			late++;
		if (r.ts_ms > maxseen)
			maxseen = r.ts_ms;
		n++;
	}
	cr_assert_eq(n, n0, "disorder changes the order, not the records");
	cr_assert_gt(late, 0);
	fk_gen_free(g);
}

Test(gen, stamp_replaces_event_time)
{
	struct fk_gen_opts o;
	struct fk_gen_rec r;
	struct fk_gen *g;

	fk_gen_opts_init(&o);
	g = make(&o);
	cr_assert_eq(fk_gen_next(g, 1767225600123LL, &r), 1);
	cr_assert_eq(r.ts_ms, 1767225600123LL);
	cr_assert(has(r.data, r.len, "\"2026-01-01T00:00:00.123Z\""));
	cr_assert(has(r.data, r.len, "\"ts_ms\":1767225600123,"));
	fk_gen_free(g);
}

static long
count_lines(const char *path)
{
	FILE *fp = fopen(path, "r");
	long n = 0;
	int c;

	cr_assert_not_null(fp, "%s", path);
	while ((c = getc(fp)) != EOF)
		n += c == '\n';
	fclose(fp);
	return n;
}

/* Every blocklist record shows a listed account or device. */
Test(gen, blocklists_match_records)
{
	struct fk_gen_opts o;
	struct fk_gen_rec r;
	struct fk_gen *g;
	char dir[256], path[300], err[256], *lists, line[64];
	size_t cap = 0;
	long hits = 0;
	FILE *mem;

	fk_test_tmpdir(dir, sizeof(dir), "gen");
	fk_gen_opts_init(&o);
	o.days = 5;
	cr_assert_eq(
	    fk_gen_fraud_parse(&o, "blocklist=0.01", err, sizeof(err)), 0);
	g = make(&o);
	cr_assert_eq(
	    fk_gen_write_lists(g, dir, err, sizeof(err)), 0, "%s", err);
	snprintf(path, sizeof(path), "%s/users.txt", dir);
	cr_assert_eq(count_lines(path), 20);
	/* All three lists, one string to search. */
	mem = open_memstream(&lists, &cap);
	for (int i = 0; i < 3; i++) {
		static const char *const names[] = { "users.txt", "devices.txt",
			"ips.txt" };
		FILE *fp;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		fp = fopen(path, "r");
		cr_assert_not_null(fp);
		while (fgets(line, sizeof(line), fp) != NULL)
			fprintf(mem, "[%.*s]", (int)strcspn(line, "\n"), line);
		fclose(fp);
		remove(path);
	}
	fclose(mem);
	while (fk_gen_next(g, 0, &r)) {
		json_t *obj = parse(&r);
		json_t *dev = json_object_get(obj, "device_id");

		if (json_object_get(obj, "fraud_scenario") != NULL) {
			snprintf(line, sizeof(line), "[%s]",
			    json_string_value(json_object_get(obj, "user_id")));
			if (strstr(lists, line) == NULL) {
				cr_assert_not_null(dev);
				snprintf(line, sizeof(line), "[%s]",
				    json_string_value(dev));
				cr_assert_not_null(
				    strstr(lists, line), "%s in no list", line);
			}
			hits++;
		}
		json_decref(obj);
	}
	cr_assert_gt(hits, 0);
	free(lists);
	fk_gen_free(g);
	fk_test_rmdir(dir);
}

Test(gen, fraud_spec)
{
	struct fk_gen_opts o;
	char err[256];

	fk_gen_opts_init(&o);
	cr_assert_eq(
	    fk_gen_fraud_parse(&o, "burst,card=0.5", err, sizeof(err)), 0);
	cr_assert_float_eq(o.rate[FK_GEN_BURST], fk_gen_default_rate(0), 0);
	cr_assert_float_eq(o.rate[FK_GEN_CARD], 0.5, 0);
	cr_assert_float_eq(o.rate[FK_GEN_TRAVEL], 0, 0);
	cr_assert_eq(fk_gen_fraud_parse(&o, "none", err, sizeof(err)), 0);
	for (int s = 0; s < FK_GEN_NSCENARIOS; s++)
		cr_assert_float_eq(o.rate[s], 0, 0);
	cr_assert_eq(fk_gen_fraud_parse(&o, "bust=0.1", err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, "unknown scenario \"bust\""), "%s", err);
	cr_assert_eq(fk_gen_fraud_parse(&o, "card=2", err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, "card: expected a rate"), "%s", err);
	cr_assert_eq(fk_gen_fraud_parse(&o, "card=", err, sizeof(err)), -1);
	cr_assert_eq(fk_gen_fraud_parse(&o, "card=x", err, sizeof(err)), -1);
	/* numbers.h's grammar: no hex, inf or blanks, as strtod would take. */
	cr_assert_eq(
	    fk_gen_fraud_parse(&o, "card=0x0.1", err, sizeof(err)), -1);
	cr_assert_eq(fk_gen_fraud_parse(&o, "card= 0.5", err, sizeof(err)), -1);
	cr_assert_eq(fk_gen_fraud_parse(&o, "card=1e-3", err, sizeof(err)), 0);
	cr_assert_eq(fk_gen_fraud_parse(&o, "", err, sizeof(err)), -1);
	cr_assert_eq(fk_gen_scenario_find("takeover", 8), FK_GEN_TAKEOVER);
	cr_assert_eq(fk_gen_scenario_find("take", 4), -1);
}

Test(gen, no_fraud_at_all)
{
	struct fk_gen_opts o;
	struct fk_gen_rec r;
	struct fk_gen *g;
	char err[64];

	fk_gen_opts_init(&o);
	o.days = 3;
	cr_assert_eq(fk_gen_fraud_parse(&o, "none", err, sizeof(err)), 0);
	g = make(&o);
	while (fk_gen_next(g, 0, &r))
		cr_assert(has(r.data, r.len, "\"fraud\":0}"));
	fk_gen_free(g);
}
