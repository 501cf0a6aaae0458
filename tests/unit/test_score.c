/* Unit tests for score.c: the risk member fk-score writes. */
#include "score.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "banned.h"

static char dir[256];
static char rules[512], model[512], features[512];
static const char *rulefiles[1];

static void
setup(void)
{
	static const char r[] =
	    "rule big: amount > 100 => 0.6 \"big\" severity high tags a, b\n"
	    "rule huge: amount > 1000 => 0.3 \"huge\"\n"
	    "rule geo: country == \"FR\" and features.user.km > 500\n"
	    "    => 0.25 \"far\"\n"
	    "rule regular: features.user.count >= 10 => -0.5 \"regular\"\n";
	/* margin = -3 + 0.002 amount + 1 * (km - 100) / 50 */
	static const char m[] =
	    "{\"fraudkit_model\":\"logistic\",\"version\":1,"
	    "\"inputs\":[\"amount\",\"features.user.km\","
	    "\"features.user.new\"],"
	    "\"weights\":[0.002,1,0.5],\"intercept\":-3,"
	    "\"mean\":[0,100,0],\"scale\":[1,50,1]}";

	fk_test_tmpdir(dir, sizeof(dir), "score");
	fk_test_write(rules, sizeof(rules), dir, "rules.conf", r, strlen(r));
	fk_test_write(model, sizeof(model), dir, "model.json", m, strlen(m));
	rulefiles[0] = rules;
}

static void
teardown(void)
{
	fk_test_rmdir(dir);
}

TestSuite(score, .init = setup, .fini = teardown);

static struct fk_score_opts
opts(int nrules, const char *m)
{
	struct fk_score_opts o;

	memset(&o, 0, sizeof(o));
	o.rules = rulefiles;
	o.nrules = (size_t)nrules;
	o.model = m;
	o.review = 0.5;
	o.block = 0.9;
	o.nreasons = 3;
	o.explain = FK_EXPLAIN_PATH;
	return o;
}

static struct fk_scorer *
load(const struct fk_score_opts *o)
{
	char err[2048];
	struct fk_scorer *s = fk_scorer_load(o, err, sizeof(err));

	cr_assert_not_null(s, "%s", err);
	return s;
}

/* Score one record; the output as JSON (new reference). */
static json_t *
score(struct fk_scorer *s, const char *in)
{
	const char *out, *key;
	size_t outlen, keylen;
	long long ts;
	char err[512];
	json_t *j;
	json_error_t je;

	cr_assert_eq(fk_scorer_record(s, in, strlen(in), "user_id", &out,
	                 &outlen, &key, &keylen, &ts, err, sizeof(err)),
	    0, "%s", err);
	j = json_loadb(out, outlen, 0, &je);
	cr_assert_not_null(j, "%.*s: %s", (int)outlen, out, je.text);
	return j;
}

static double
num(json_t *j, const char *path)
{
	json_t *v = json_object_get(j, "risk");

	cr_assert_not_null(v);
	v = json_object_get(v, path);
	cr_assert(json_is_number(v), "risk.%s is not a number", path);
	return json_number_value(v);
}

static const char *
str(json_t *j, const char *member, const char *path)
{
	json_t *v = json_object_get(json_object_get(j, member), path);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

Test(score, rules_sum_and_decisions)
{
	struct fk_score_opts o = opts(1, NULL);
	struct fk_scorer *s = load(&o);
	json_t *j, *r;

	j = score(s, "{\"tx_id\":\"a\",\"amount\":50}");
	cr_assert_eq(num(j, "score"), 0);
	cr_assert_str_eq(str(j, "risk", "decision"), "allow");
	cr_assert_eq(json_array_size(json_object_get(
	                 json_object_get(j, "risk"), "reasons")),
	    0);
	cr_assert_null(json_object_get(json_object_get(j, "risk"), "model"));
	cr_assert_eq(strlen(str(j, "risk", "ruleset")), 64);
	json_decref(j);
	j = score(s, "{\"tx_id\":\"a\",\"amount\":150}");
	cr_assert_float_eq(num(j, "score"), 0.6, 1e-12);
	cr_assert_str_eq(str(j, "risk", "decision"), "review");
	r = json_array_get(
	    json_object_get(json_object_get(j, "risk"), "reasons"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(r, "rule")), "big");
	cr_assert_str_eq(
	    json_string_value(json_object_get(r, "severity")), "high");
	cr_assert_eq(json_array_size(json_object_get(r, "tags")), 2);
	cr_assert_eq(json_integer_value(json_object_get(
	                 json_object_get(r, "values"), "amount")),
	    150);
	json_decref(j);
	/* 0.6 + 0.3 is 0.8999999999999999 in binary: still blocks. */
	j = score(s, "{\"amount\":1500}");
	cr_assert_eq(num(j, "score"), 0.9);
	cr_assert_str_eq(str(j, "risk", "decision"), "block");
	json_decref(j);
	/* Clamped to [0, 1]; a negative weight lowers it. */
	j = score(s,
	    "{\"amount\":1500,\"country\":\"FR\",\"features\":{\"user\":"
	    "{\"km\":900}}}");
	cr_assert_eq(num(j, "score"), 1);
	json_decref(j);
	j = score(s, "{\"amount\":150,\"features\":{\"user\":{\"count\":12}}}");
	cr_assert_float_eq(num(j, "score"), 0.1, 1e-12);
	json_decref(j);
	fk_scorer_free(s);
}

Test(score, values_of_absent_fields_left_out)
{
	struct fk_score_opts o = opts(1, NULL);
	struct fk_scorer *s = load(&o);
	json_t *j, *v;

	j = score(s,
	    "{\"amount\":5,\"country\":\"FR\",\"features\":{\"user\":"
	    "{\"km\":501.5}}}");
	v = json_object_get(
	    json_array_get(
	        json_object_get(json_object_get(j, "risk"), "reasons"), 0),
	    "values");
	cr_assert_str_eq(
	    json_string_value(json_object_get(v, "country")), "FR");
	cr_assert_float_eq(
	    json_number_value(json_object_get(v, "features.user.km")), 501.5,
	    1e-12);
	cr_assert_eq(json_object_size(v), 2);
	json_decref(j);
	fk_scorer_free(s);
}

static double
sigmoid(double x)
{
	return 1 / (1 + exp(-x));
}

Test(score, logistic_model_and_combine)
{
	struct fk_score_opts o = opts(1, model);
	struct fk_scorer *s;
	json_t *j, *c;
	double m, want;
	const char *in = "{\"amount\":150,\"features\":{\"user\":{\"km\":300,"
	                 "\"new\":true}}}";

	/* margin = -3 + 0.3 + 4 + 0.5 */
	m = -3 + 0.002 * 150 + (300 - 100) / 50.0 + 0.5;
	want = sigmoid(m);
	s = load(&o);
	j = score(s, in);
	cr_assert_float_eq(num(j, "model_score"), want, 1e-9);
	cr_assert_float_eq(num(j, "rules_score"), 0.6, 1e-12);
	cr_assert_float_eq(num(j, "score"), want > 0.6 ? want : 0.6, 1e-9);
	cr_assert_eq(strlen(str(j, "risk", "model")), 64);
	json_decref(j);
	fk_scorer_free(s);

	o.combine = FK_COMBINE_SUM;
	s = load(&o);
	j = score(s, in);
	cr_assert_eq(num(j, "score"), 1);
	json_decref(j);
	j = score(s, "{\"amount\":150}");
	cr_assert_float_eq(
	    num(j, "score"), 0.6 + sigmoid(-3 + 0.3 + (0 - 0) + 0), 1e-9);
	json_decref(j);
	fk_scorer_free(s);

	o.combine = FK_COMBINE_MODEL;
	o.contributions = 1;
	s = load(&o);
	j = score(s, in);
	cr_assert_float_eq(num(j, "score"), want, 1e-9);
	cr_assert_float_eq(num(j, "margin"), m, 1e-8);
	cr_assert_float_eq(num(j, "bias"), -3, 1e-12);
	c = json_object_get(json_object_get(j, "risk"), "contributions");
	cr_assert_eq(json_object_size(c), 3);
	cr_assert_float_eq(
	    json_number_value(json_object_get(c, "features.user.km")), 4, 1e-9);
	cr_assert_float_eq(
	    json_number_value(json_object_get(c, "features.user.new")), 0.5,
	    1e-9);
	json_decref(j);
	fk_scorer_free(s);

	o.combine = FK_COMBINE_RULES;
	s = load(&o);
	j = score(s, in);
	cr_assert_float_eq(num(j, "score"), 0.6, 1e-12);
	json_decref(j);
	fk_scorer_free(s);
}

Test(score, model_reasons_top_positive)
{
	struct fk_score_opts o = opts(0, model);
	struct fk_scorer *s;
	json_t *j, *r;

	o.nreasons = 2;
	s = load(&o);
	/* Contributions: amount 0.3, km 4, new missing (0): two, largest
	 * first. */
	j = score(s, "{\"amount\":150,\"features\":{\"user\":{\"km\":300}}}");
	r = json_object_get(json_object_get(j, "risk"), "reasons");
	cr_assert_eq(json_array_size(r), 2);
	cr_assert_str_eq(
	    json_string_value(json_object_get(json_array_get(r, 0), "feature")),
	    "features.user.km");
	cr_assert_float_eq(json_number_value(json_object_get(
	                       json_array_get(r, 0), "contribution")),
	    4, 1e-9);
	cr_assert_str_eq(
	    json_string_value(json_object_get(json_array_get(r, 1), "feature")),
	    "amount");
	json_decref(j);
	/* Allowed: no model reasons (they cost a few predictions). */
	j = score(s, "{\"amount\":150,\"features\":{\"user\":{\"km\":50}}}");
	r = json_object_get(json_object_get(j, "risk"), "reasons");
	cr_assert_eq(json_array_size(r), 0);
	json_decref(j);
	fk_scorer_free(s);
	/* Reviewed: km below its mean lowers the margin, so it is not a
	 * reason. */
	o.review = 0;
	s = load(&o);
	j = score(s, "{\"amount\":150,\"features\":{\"user\":{\"km\":50}}}");
	r = json_object_get(json_object_get(j, "risk"), "reasons");
	cr_assert_eq(json_array_size(r), 1);
	cr_assert_str_eq(
	    json_string_value(json_object_get(json_array_get(r, 0), "feature")),
	    "amount");
	json_decref(j);
	fk_scorer_free(s);
}

Test(score, shadow_and_replace)
{
	struct fk_score_opts o = opts(1, NULL);
	struct fk_scorer *s;
	json_t *j;

	s = load(&o);
	j = score(s,
	    "{\"risk\":{\"score\":0.7},\"amount\":150,"
	    "\"risk\":{\"x\":1}}");
	cr_assert_float_eq(num(j, "score"), 0.6, 1e-12);
	cr_assert_null(json_object_get(json_object_get(j, "risk"), "x"));
	cr_assert_eq(json_object_size(j), 2);
	json_decref(j);
	fk_scorer_free(s);

	o.shadow = 1;
	s = load(&o);
	j = score(s,
	    "{\"risk\":{\"score\":0.7},\"amount\":1500,"
	    "\"risk_shadow\":{\"score\":0}}");
	cr_assert_float_eq(json_number_value(json_object_get(
	                       json_object_get(j, "risk"), "score")),
	    0.7, 1e-12);
	cr_assert_eq(json_number_value(json_object_get(
	                 json_object_get(j, "risk_shadow"), "score")),
	    0.9);
	cr_assert_str_eq(str(j, "risk_shadow", "decision"), "block");
	json_decref(j);
	fk_scorer_free(s);
}

static void
key_ts(struct fk_scorer *s, const char *in, const char *want, long long wts)
{
	const char *out, *key;
	size_t outlen, keylen;
	long long ts;
	char err[256];

	cr_assert_eq(fk_scorer_record(s, in, strlen(in), "user_id", &out,
	                 &outlen, &key, &keylen, &ts, err, sizeof(err)),
	    0);
	if (want == NULL)
		cr_assert_null(key, "%s", in);
	else
		cr_assert(key != NULL && keylen == strlen(want) &&
		        memcmp(key, want, keylen) == 0,
		    "%s: key %.*s", in, (int)keylen, key ? key : "");
	cr_assert_eq(ts, wts, "%s: ts %lld", in, ts);
}

Test(score, key_and_event_time)
{
	struct fk_score_opts o = opts(1, NULL);
	struct fk_scorer *s = load(&o);
	const char *out, *key;
	size_t outlen, keylen;
	long long ts;
	char err[256];

	key_ts(s, "{\"user_id\":\"U1\",\"ts_ms\":1730423720557}", "U1",
	    1730423720557LL);
	key_ts(s, "{\"user_id\":\"U\\u00e9\"}", "U\xc3\xa9", 0);
	key_ts(s, "{\"user_id\":42,\"ts_ms\":1.5}", "42", 0);
	key_ts(s, "{\"user_id\":4.2,\"ts_ms\":1e30}", NULL, 0);
	key_ts(s, "{\"user_id\":null,\"ts_ms\":\"1\"}", NULL, 0);
	cr_assert_eq(fk_scorer_record(s, "{\"a\":", 5, "user_id", &out, &outlen,
	                 &key, &keylen, &ts, err, sizeof(err)),
	    -1);
	cr_assert(strstr(err, "column") != NULL, "%s", err);
	fk_scorer_free(s);
}

static void
load_fails(const struct fk_score_opts *o, const char *want)
{
	char err[2048];
	struct fk_scorer *s = fk_scorer_load(o, err, sizeof(err));

	cr_assert_null(s);
	cr_assert(
	    strstr(err, want) != NULL, "got \"%s\", want \"%s\"", err, want);
}

Test(score, features_files)
{
	struct fk_score_opts o = opts(0, model);
	struct fk_scorer *s;
	json_t *j;
	static const char named[] = "# inputs to paths\n"
	                            "features.user.km = x.km  # moved\n";

	fk_test_write(
	    features, sizeof(features), dir, "named", named, strlen(named));
	o.features = features;
	o.contributions = 1;
	s = load(&o);
	j = score(s,
	    "{\"amount\":0,\"x\":{\"km\":150},"
	    "\"features\":{\"user\":{\"km\":900}}}");
	cr_assert_float_eq(num(j, "margin"), -3 + (150 - 100) / 50.0, 1e-9);
	json_decref(j);
	fk_scorer_free(s);

	fk_test_write(
	    features, sizeof(features), dir, "plain", "a\n\nb.c\nd\n", 9);
	s = load(&o);
	j = score(s, "{\"a\":1000,\"b\":{\"c\":150},\"d\":false}");
	cr_assert_float_eq(num(j, "margin"), -3 + 2 + (150 - 100) / 50.0, 1e-9);
	json_decref(j);
	fk_scorer_free(s);

	fk_test_write(features, sizeof(features), dir, "f", "a\nb\n", 4);
	load_fails(&o, ": 2 paths for the model's 3 inputs");
	fk_test_write(features, sizeof(features), dir, "f", "a\nb\nc\nd\n", 8);
	load_fails(&o, "f:4: more paths than the model's 3 inputs");
	fk_test_write(
	    features, sizeof(features), dir, "f", "a\namount=b\n", 11);
	load_fails(&o, "f:2: NAME=PATH and PATH lines mixed");
	fk_test_write(features, sizeof(features), dir, "f", "nope=b\n", 7);
	load_fails(&o, "f:1: the model has no input 'nope'");
	fk_test_write(features, sizeof(features), dir, "f", "amount=a b\n", 11);
	load_fails(&o, "(amount): \"a b\"");
	snprintf(features, sizeof(features), "%s/none", dir);
	load_fails(&o, "none: No such file or directory");
}

Test(score, load_errors)
{
	struct fk_score_opts o = opts(1, NULL);
	char path[512];

	o.combine = FK_COMBINE_MODEL;
	load_fails(&o, "--combine needs a model");
	o = opts(0, model);
	o.combine = FK_COMBINE_RULES;
	load_fails(&o, "--combine needs rules");
	/* A model without input names needs --features. */
	o = opts(0, "tests/data/models/xgb-exact.json");
	load_fails(&o, "the model does not name its inputs");
	fk_test_write(path, sizeof(path), dir, "bad.conf", "rule x: =>", 10);
	rulefiles[0] = path;
	o = opts(1, NULL);
	load_fails(&o, "bad.conf:1:");
}

Test(score, describe_and_summary)
{
	struct fk_score_opts o = opts(1, model);
	struct fk_scorer *s = load(&o), *s2;
	char buf[512];
	json_t *j;

	fk_scorer_describe(s, buf, sizeof(buf));
	cr_assert(strncmp(buf, "4 rules (ruleset ", 17) == 0, "%s", buf);
	cr_assert(strstr(buf, "logistic") != NULL, "%s", buf);
	j = score(s, "{\"amount\":1500}");
	json_decref(j);
	s2 = load(&o);
	fk_scorer_carry(s2, s);
	fk_scorer_free(s);
	fk_scorer_free(s2);
}

/* The message key and timestamp: the last of repeated members, escaped
 * keys decoded, a key field with a dot taken whole, and a key field
 * that changes between records. */
Test(score, key_and_timestamp)
{
	static const struct {
		char keyfield[16], in[96], key[16];
		long long ts;
	} cases[] = {
		{ "user_id", "{\"user_id\":\"U1\",\"ts_ms\":17}", "U1", 17 },
		{ "user_id", "{\"user_id\":\"U1\",\"user_id\":\"U2\"}", "U2",
		    0 },
		{ "user_id", "{\"user_\\u0069d\":\"U\\u0033\",\"ts_ms\":1.5}",
		    "U3", 0 },
		{ "user_id", "{\"user_id\":{\"a\":1},\"ts_\\u006ds\":-4}", "",
		    -4 },
		{ "user.id", "{\"user\":{\"id\":\"U4\"},\"user.id\":12}", "12",
		    0 },
		{ "card", "{\"user_id\":\"U5\",\"card\":\"C1\"}", "C1", 0 },
		{ "user_id", "{\"user_id\":\"U6\",\"card\":\"C1\"}", "U6", 0 },
	};
	struct fk_score_opts o = opts(1, NULL);
	struct fk_scorer *s = load(&o);
	const char *out, *key;
	size_t outlen, keylen, i;
	long long ts;
	char err[512];

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(fk_scorer_record(s, cases[i].in,
		                 strlen(cases[i].in), cases[i].keyfield, &out,
		                 &outlen, &key, &keylen, &ts, err, sizeof(err)),
		    0, "%s", err);
		if (cases[i].key[0] == '\0')
			cr_assert_null(key, "%s", cases[i].in);
		else
			cr_assert(keylen == strlen(cases[i].key) &&
			        memcmp(key, cases[i].key, keylen) == 0,
			    "%s: key %.*s", cases[i].in, (int)keylen, key);
		cr_assert_eq(ts, cases[i].ts, "%s: ts %lld", cases[i].in, ts);
	}
	fk_scorer_free(s);
}
