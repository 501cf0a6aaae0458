/* Unit tests for fk-score's model.c.  Expected tree outputs come from
 * xgboost 1.7 itself: tests/data/models/make.py trains the fixtures and
 * writes what predict(), predict(output_margin=True) and
 * predict(pred_contribs=True[, approx_contribs=True]) give on inputs
 * with missing values and values on the thresholds.  TreeSHAP is also
 * checked against Shapley values summed by brute force over subsets. */
#include "model.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "testutil.h"
#include "banned.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define FIXTURES "tests/data/models/"

static struct fk_model *
load(const char *file)
{
	char err[256] = "";
	struct fk_model *m = fk_model_load(file, err, sizeof(err));

	cr_assert_not_null(m, "%s", err);
	return m;
}

static struct fk_model *
parse(const char *text)
{
	char err[256] = "";
	struct fk_model *m =
	    fk_model_parse("m.json", text, strlen(text), err, sizeof(err));

	cr_assert_not_null(m, "%s", err);
	return m;
}

/* text must be refused with a message that contains want. */
static void
refuse(const char *text, size_t len, const char *want)
{
	char err[256] = "";
	struct fk_model *m =
	    fk_model_parse("m.json", text, len, err, sizeof(err));

	cr_assert_null(m, "accepted, wanted \"%s\"", want);
	cr_assert(strncmp(err, "m.json", 6) == 0, "err \"%s\"", err);
	cr_assert_not_null(
	    strstr(err, want), "err \"%s\", wanted \"%s\"", err, want);
}

/* base with its one occurrence of find replaced; free it. */
static char *
replace(const char *base, const char *find, const char *repl)
{
	const char *at = strstr(base, find);
	size_t fl = strlen(find), rl = strlen(repl), bl = strlen(base);
	char *s;

	cr_assert_not_null(at, "\"%s\" not in the template", find);
	cr_assert_null(strstr(at + 1, find), "\"%s\" twice", find);
	s = malloc(bl - fl + rl + 1);
	cr_assert_not_null(s);
	memcpy(s, base, (size_t)(at - base));
	memcpy(s + (at - base), repl, rl);
	memcpy(
	    s + (at - base) + rl, at + fl, bl - (size_t)(at - base) - fl + 1);
	return s;
}

static char *
slurp(const char *file, size_t *len)
{
	FILE *fp = fopen(file, "rb");
	char *buf;
	long n;

	cr_assert_not_null(fp, "%s", file);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

/*
 * A model of one tree: b < 0.5 (missing: left) gives -0.25 on a cover of
 * 1, else 0.75 on a cover of 3.  Its mean is 0.5.
 */
static const char TINY[] =
    "{\"learner\":{\"attributes\":{},\"feature_names\":[\"a\",\"b\"],"
    "\"feature_types\":[],\"gradient_booster\":{\"model\":{"
    "\"gbtree_model_param\":{\"num_parallel_tree\":\"1\","
    "\"num_trees\":\"1\",\"size_leaf_vector\":\"0\"},\"tree_info\":[0],"
    "\"trees\":[{\"base_weights\":[0,0,0],\"categories\":[],"
    "\"categories_nodes\":[],\"categories_segments\":[],"
    "\"categories_sizes\":[],\"default_left\":[1,0,0],\"id\":0,"
    "\"left_children\":[1,-1,-1],\"loss_changes\":[1,0,0],"
    "\"parents\":[2147483647,0,0],\"right_children\":[2,-1,-1],"
    "\"split_conditions\":[0.5,-0.25,0.75],\"split_indices\":[1,0,0],"
    "\"split_type\":[0,0,0],\"sum_hessian\":[4,1,3],"
    "\"tree_param\":{\"num_deleted\":\"0\",\"num_feature\":\"2\","
    "\"num_nodes\":\"3\",\"size_leaf_vector\":\"0\"}}]},"
    "\"name\":\"gbtree\"},\"learner_model_param\":{\"base_score\":\"5E-1\","
    "\"boost_from_average\":\"1\",\"num_class\":\"0\",\"num_feature\":\"2\","
    "\"num_target\":\"1\"},\"objective\":{\"name\":\"binary:logistic\","
    "\"reg_loss_param\":{\"scale_pos_weight\":\"1\"}}},"
    "\"version\":[1,7,4]}";

static const char LOGIT[] =
    "{\"fraudkit_model\":\"logistic\",\"version\":1,"
    "\"inputs\":[\"amount\",\"features.user.amount_z\"],"
    "\"weights\":[0.5,-2],\"intercept\":-1.5,"
    "\"mean\":[10,0],\"scale\":[4,2]}";

static void
near(double got, double want, double eps, const char *what)
{
	cr_assert(fabs(got - want) <= eps, "%s: got %.17g, want %.17g", what,
	    got, want);
}

/* ---- against xgboost ---- */

/* A make.py CSV: per row x[n], margin, prob, shap[n + 1], path[n + 1]. */
struct expect {
	size_t n, rows, ncol;
	double *v;
};

static void
read_expect(struct expect *e, const char *file)
{
	size_t len, cap = 0, k = 0;
	char *buf = slurp(file, &len), *p, *end;

	memset(e, 0, sizeof(*e));
	e->ncol = 1;
	for (p = buf; *p != '\n'; p++)
		e->ncol += *p == ',';
	cr_assert_eq((e->ncol - 4) % 3, 0);
	e->n = (e->ncol - 4) / 3;
	p++;
	while (*p != '\0') {
		if (k == cap) {
			cap = cap > 0 ? cap * 2 : 1024;
			e->v = realloc(e->v, cap * sizeof(*e->v));
			cr_assert_not_null(e->v);
		}
		e->v[k++] = strtod(p, &end);
		cr_assert(end != p, "%s: bad number at %.20s", file, p);
		cr_assert(*end == ',' || *end == '\n');
		p = end + 1;
	}
	cr_assert_eq(k % e->ncol, 0);
	e->rows = k / e->ncol;
	free(buf);
}

/* Largest differences seen, logged (--verbose). */
struct parity {
	double prob, margin, shap, path, sum;
};

static void
check_parity(const char *model, const char *csv, size_t ninputs)
{
	struct fk_model *m = load(model);
	struct parity dd, *d = &dd;
	struct expect e;
	double c[64], bias, sum, margin, got;
	enum fk_explain how;

	read_expect(&e, csv);
	memset(d, 0, sizeof(*d));
	cr_assert_eq(e.n, ninputs);
	cr_assert_eq(fk_model_ninputs(m), ninputs);
	cr_assert_gt(e.rows, 20);
	for (size_t r = 0; r < e.rows; r++) {
		const double *row = e.v + r * e.ncol, *x = row;
		const double *want[2] = { row + e.n + 2, row + 2 * e.n + 3 };

		margin = fk_model_margin(m, x);
		got = fk_model_prob(margin);
		cr_assert(fabs(got - row[e.n + 1]) < 1e-6,
		    "%s row %zu: prob %.9g, xgboost %.9g", csv, r, got,
		    row[e.n + 1]);
		/* XGBoost sums leaves in float, we in double. */
		cr_assert(fabs(margin - row[e.n]) < 1e-5,
		    "%s row %zu: margin %.9g, xgboost %.9g", csv, r, margin,
		    row[e.n]);
		d->prob = fmax(d->prob, fabs(got - row[e.n + 1]));
		d->margin = fmax(d->margin, fabs(margin - row[e.n]));
		for (int k = 0; k < 2; k++) {
			how = k == 0 ? FK_EXPLAIN_SHAP : FK_EXPLAIN_PATH;
			fk_model_explain(m, x, how, c, &bias);
			sum = bias;
			for (size_t i = 0; i <= e.n; i++) {
				got = i < e.n ? c[i] : bias;
				cr_assert(fabs(got - want[k][i]) < 1e-5,
				    "%s row %zu %s[%zu]: %.9g, xgboost %.9g",
				    csv, r, k == 0 ? "shap" : "path", i, got,
				    want[k][i]);
				if (k == 0)
					d->shap = fmax(
					    d->shap, fabs(got - want[k][i]));
				else
					d->path = fmax(
					    d->path, fabs(got - want[k][i]));
				if (i < e.n)
					sum += c[i];
			}
			cr_assert(fabs(sum - margin) < 1e-9,
			    "%s row %zu: contributions sum to %.17g, margin "
			    "%.17g",
			    csv, r, sum, margin);
			d->sum = fmax(d->sum, fabs(sum - margin));
		}
	}
	cr_log_info("%s: max |diff| prob %.3g margin %.3g shap %.3g path "
	            "%.3g; |sum - margin| %.3g",
	    model, d->prob, d->margin, d->shap, d->path, d->sum);
	free(e.v);
	fk_model_free(m);
}

Test(model, xgboost_hist_named)
{
	struct fk_model *m = load(FIXTURES "xgb-hist.json");
	char buf[128];

	cr_assert_eq(fk_model_kind(m), FK_MODEL_XGBOOST);
	cr_assert(fk_model_named(m));
	cr_assert_eq(fk_model_ninputs(m), 5);
	cr_assert_str_eq(fk_model_input(m, 0), "amount");
	cr_assert_str_eq(fk_model_input(m, 2), "features.user.count_10m");
	cr_assert_str_eq(fk_model_input(m, 4), "is_new_device");
	cr_assert_null(fk_model_input(m, 5));
	fk_model_describe(m, buf, sizeof(buf));
	cr_assert_str_eq(buf, "xgboost: 15 trees, depth 4, 5 inputs");
	fk_model_free(m);
	check_parity(FIXTURES "xgb-hist.json", FIXTURES "xgb-hist.csv", 5);
}

Test(model, xgboost_exact_unnamed)
{
	struct fk_model *m = load(FIXTURES "xgb-exact.json");
	char buf[128];

	cr_assert(!fk_model_named(m));
	cr_assert_eq(fk_model_ninputs(m), 4);
	cr_assert_str_eq(fk_model_input(m, 0), "f0");
	cr_assert_str_eq(fk_model_input(m, 3), "f3");
	fk_model_describe(m, buf, sizeof(buf));
	cr_assert_str_eq(buf, "xgboost: 10 trees, depth 3, 4 inputs");
	fk_model_free(m);
	check_parity(FIXTURES "xgb-exact.json", FIXTURES "xgb-exact.csv", 4);
}

Test(model, xgboost_forest_uneven)
{
	struct fk_model *m = load(FIXTURES "xgb-forest.json");
	char buf[128];

	fk_model_describe(m, buf, sizeof(buf));
	cr_assert_str_eq(buf, "xgboost: 8 trees, depth 8, 6 inputs");
	fk_model_free(m);
	check_parity(FIXTURES "xgb-forest.json", FIXTURES "xgb-forest.csv", 6);
}

Test(model, hash_is_of_the_file_bytes)
{
	struct fk_model *m = load(FIXTURES "xgb-exact.json");
	char want[FK_SHA256_HEXLEN];
	size_t len;
	char *buf = slurp(FIXTURES "xgb-exact.json", &len);

	fk_sha256_hex(buf, len, want);
	cr_assert_str_eq(fk_model_hash(m), want);
	fk_model_free(m);
	free(buf);

	/* printf '%s' "$LOGIT" | sha256sum */
	m = parse(LOGIT);
	cr_assert_str_eq(fk_model_hash(m),
	    "c6a3a80615f9911427353175b054cb76d8df67a32f91f820b006c8195c76c211");
	fk_model_free(m);
}

/* ---- the tiny tree, by hand ---- */

Test(model, tiny_tree)
{
	struct fk_model *m = parse(TINY);
	double x[2] = { 0, 0.4 }, c[2], bias;
	char buf[128];

	fk_model_describe(m, buf, sizeof(buf));
	cr_assert_str_eq(buf, "xgboost: 1 tree, depth 1, 2 inputs");
	near(fk_model_margin(m, x), -0.25, 0, "left");
	x[1] = 0.5;
	near(fk_model_margin(m, x), 0.75, 0, "equal goes right");
	x[1] = NAN;
	near(fk_model_margin(m, x), -0.25, 0, "missing goes left");
	x[1] = INFINITY;
	near(fk_model_margin(m, x), 0.75, 0, "inf");
	x[1] = -1e300; /* -inf as a float */
	near(fk_model_margin(m, x), -0.25, 0, "-1e300");
	/* 0.5 - 1e-12 is 0.5 as a float: not less than the threshold. */
	x[1] = 0.5 - 1e-12;
	near(fk_model_margin(m, x), 0.75, 0, "rounds to float");
	x[0] = NAN;
	x[1] = 0.1;
	for (int how = 0; how < 2; how++) {
		fk_model_explain(m, x, (enum fk_explain)how, c, &bias);
		near(bias, 0.5, 1e-15, "bias: the cover-weighted mean");
		near(c[0], 0, 0, "unused input");
		near(c[1], -0.75, 1e-15, "split input");
	}
	fk_model_free(m);
}

/* Only the inputs a split reads need looking up; a logistic model reads
 * them all. */
Test(model, inputs_used)
{
	struct fk_model *m = parse(TINY);
	struct fk_model *l = parse(LOGIT);

	cr_assert(!fk_model_input_used(m, 0), "a is never split on");
	cr_assert(fk_model_input_used(m, 1), "b is");
	cr_assert(!fk_model_input_used(m, 2), "past the inputs");
	cr_assert(fk_model_input_used(l, 0) && fk_model_input_used(l, 1));
	fk_model_free(m);
	fk_model_free(l);
}

/* A forest too wide for the walk's 8-byte nodes (inputs past 16 bits)
 * is walked in its 12-byte ones, to the same margins. */
Test(model, wide_forest_walks_the_same)
{
	char *a = replace(
	    TINY, "\"feature_names\":[\"a\",\"b\"]", "\"feature_names\":[]");
	char *b = replace(a, "\"num_feature\":\"2\",\"num_target\"",
	    "\"num_feature\":\"40000\",\"num_target\"");
	struct fk_model *narrow = parse(TINY), *wide = parse(b);
	double *x = calloc(40000, sizeof(*x));
	const double v[] = { 0.4, 0.5, NAN, INFINITY, -1e300, 0.5 - 1e-12 };

	cr_assert_not_null(x);
	for (size_t i = 0; i < NELEM(v); i++) {
		x[1] = v[i];
		near(fk_model_margin(wide, x), fk_model_margin(narrow, x), 0,
		    "wide");
	}
	fk_model_free(narrow);
	fk_model_free(wide);
	free(x);
	free(a);
	free(b);
}

Test(model, base_score_sets_the_bias)
{
	char *s = replace(TINY, "\"5E-1\"", "\"2E-1\"");
	struct fk_model *m = parse(s);
	double x[2] = { 0, 0 }, c[2], bias;
	/* XGBoost's margin of a base_score: in float. */
	double base = -logf(1.0f / 0.2f - 1.0f);

	near(base, log(0.25), 1e-7, "logit(0.2)");
	near(fk_model_margin(m, x), base - 0.25, 1e-15, "margin");
	fk_model_explain(m, x, FK_EXPLAIN_SHAP, c, &bias);
	near(bias, base + 0.5, 1e-15, "bias");
	fk_model_free(m);
	free(s);

	/* XGBoost 3.1 writes base_score as a list. */
	s = replace(TINY, "\"5E-1\"", "\"[2E-1]\"");
	m = parse(s);
	near(fk_model_margin(m, x), base - 0.25, 1e-15, "[2E-1]");
	fk_model_free(m);
	free(s);
}

struct way_case {
	char cond[16];
	int default_left;
	double x;
	double want;
};

#define L -0.25
#define R 0.75

ParameterizedTestParameters(model, split_ways)
{
	static struct way_case cases[] = {
		{ "Infinity", 1, 0, L },
		{ "Infinity", 1, INFINITY, R },
		{ "Infinity", 1, NAN, L },
		{ "Infinity", 0, 0, L },
		{ "Infinity", 0, INFINITY, R },
		{ "Infinity", 0, NAN, R },
		{ "-Infinity", 1, 0, R },
		{ "-Infinity", 1, -INFINITY, R },
		{ "-Infinity", 1, NAN, L },
		{ "-Infinity", 0, 0, R },
		{ "-Infinity", 0, -INFINITY, R },
		{ "-Infinity", 0, NAN, R },
		{ "0", 0, 0, R },
		{ "0", 0, -0.0, R },
		{ "0", 0, -1e-45, L },
		{ "0", 0, NAN, R },
		{ "0", 1, -0.0, R },
		{ "0", 1, -1e-45, L },
		{ "1.5", 0, 1.5, R },
		{ "1.5", 0, 1.4999999, L },
		{ "1.5", 0, 1.49999999, R }, /* 1.5 as a float */
		{ "1.5", 1, 1.4999999, L },
		{ "1.5", 0, -1e300, L },
		{ "1.5", 0, 1e300, R },
		{ "1.5", 1, NAN, L },
	};

	return cr_make_param_array(struct way_case, cases, NELEM(cases));
}

/* Where x goes at thresholds of every kind, missing values either way. */
ParameterizedTest(struct way_case *c, model, split_ways)
{
	char cond[64], dl[64], *s, *t;
	struct fk_model *m;
	double x[2] = { 0, c->x };

	snprintf(cond, sizeof(cond), "[%s,-0.25,0.75]", c->cond);
	snprintf(dl, sizeof(dl), "\"default_left\":[%d,0,0]", c->default_left);
	s = replace(TINY, "[0.5,-0.25,0.75]", cond);
	t = replace(s, "\"default_left\":[1,0,0]", dl);
	m = parse(t);
	cr_assert_eq(fk_model_margin(m, x), c->want,
	    "threshold %s, default_left %d, x %g: %g", c->cond, c->default_left,
	    c->x, fk_model_margin(m, x));
	fk_model_free(m);
	free(s);
	free(t);
}

#undef L
#undef R

Test(model, nonfinite_where_unused)
{
	/* XGBoost writes bare NaN and Infinity, and that in members we do
	 * not read is no reason to refuse a model; in strings they are
	 * text. */
	char *s = replace(TINY, "\"loss_changes\":[1,0,0]",
	    "\"loss_changes\":[NaN,-Infinity,Infinity]");
	char *t = replace(s, "[\"a\",\"b\"]", "[\"NaN\",\"b\\\"NaN\"]");
	struct fk_model *m = parse(t);

	cr_assert_str_eq(fk_model_input(m, 0), "NaN");
	cr_assert_str_eq(fk_model_input(m, 1), "b\"NaN");
	fk_model_free(m);
	free(s);
	free(t);
}

Test(model, default_left_as_booleans)
{
	char *s = replace(TINY, "\"default_left\":[1,0,0]",
	    "\"default_left\":[false,false,false]");
	struct fk_model *m = parse(s);
	double x[2] = { NAN, NAN };

	near(fk_model_margin(m, x), 0.75, 0, "missing goes right");
	fk_model_free(m);
	free(s);
}

Test(model, pruned_nodes_are_left_out)
{
	/* Nodes 3 and 4 hang from nothing, as XGBoost's deleted nodes. */
	const char *edits[][2] = {
		{ "\"left_children\":[1,-1,-1]",
		    "\"left_children\":[1,-1,-1,-1,-1]" },
		{ "\"right_children\":[2,-1,-1]",
		    "\"right_children\":[2,-1,-1,-1,-1]" },
		{ "\"split_indices\":[1,0,0]",
		    "\"split_indices\":[1,0,0,0,0]" },
		{ "[0.5,-0.25,0.75]", "[0.5,-0.25,0.75,9,9]" },
		{ "\"default_left\":[1,0,0]", "\"default_left\":[1,0,0,0,0]" },
		{ "\"sum_hessian\":[4,1,3]", "\"sum_hessian\":[4,1,3,0,0]" },
		{ "\"split_type\":[0,0,0]", "\"split_type\":[0,0,0,0,0]" },
		{ "\"num_nodes\":\"3\"", "\"num_nodes\":\"5\"" },
	};
	char *s = strdup(TINY), *t;
	double x[2] = { 0, 1 };
	struct fk_model *m;

	for (size_t i = 0; i < NELEM(edits); i++) {
		t = replace(s, edits[i][0], edits[i][1]);
		free(s);
		s = t;
	}
	m = parse(s);
	near(fk_model_margin(m, x), 0.75, 0, "margin");
	fk_model_free(m);
	free(s);
}

Test(model, no_trees)
{
	char *s = replace(TINY, "\"tree_info\":[0]", "\"tree_info\":[]");
	char *t = replace(s, "\"num_trees\":\"1\"", "\"num_trees\":\"0\"");
	char *u;
	struct fk_model *m;
	double x[2] = { 1, 1 }, c[2], bias;
	char buf[64];

	/* Cut the trees array down to []. */
	u = strdup(t);
	{
		char *a = strstr(u, "\"trees\":[") + 9, *b = strstr(a, "}]}");

		memmove(a, b + 1, strlen(b + 1) + 1);
	}
	m = parse(u);
	fk_model_describe(m, buf, sizeof(buf));
	cr_assert_str_eq(buf, "xgboost: 0 trees, depth 0, 2 inputs");
	near(fk_model_margin(m, x), 0, 0, "margin");
	fk_model_explain(m, x, FK_EXPLAIN_SHAP, c, &bias);
	near(bias, 0, 0, "bias");
	fk_model_free(m);
	free(s);
	free(t);
	free(u);
}

/* ---- TreeSHAP against Shapley values by brute force ---- */

/* A random tree as xgboost's arrays: inner nodes split on one of ni
 * inputs; a spine of left children goes down to depth maxd, other
 * branches stop at random within three levels; covers are shared out at
 * random. */
#define RT_MAX 1024

struct rtree {
	int n;
	int left[RT_MAX], right[RT_MAX], feat[RT_MAX], defl[RT_MAX];
	double cond[RT_MAX], cover[RT_MAX];
};

static double
rnd_unit(uint64_t *rs)
{
	return (double)(fk_test_rand(rs) % 2001) / 1000 - 1;
}

static int
grow(struct rtree *t, uint64_t *rs, int depth, int maxd, int spine, int ni,
    double cover)
{
	int i = t->n++;
	double share;

	cr_assert_lt(t->n + 2, RT_MAX);
	t->cover[i] = cover;
	t->cond[i] = rnd_unit(rs);
	if (depth == maxd || (!spine && fk_test_rand(rs) % 3 == 0)) {
		t->left[i] = t->right[i] = -1;
		t->feat[i] = t->defl[i] = 0;
		return i;
	}
	t->feat[i] = (int)(fk_test_rand(rs) % (uint64_t)ni);
	t->defl[i] = (int)(fk_test_rand(rs) % 2);
	share = (double)(fk_test_rand(rs) % 99 + 1) / 100;
	t->left[i] = grow(t, rs, depth + 1, maxd, spine, ni, cover * share);
	t->right[i] =
	    grow(t, rs, depth + 1, spine && depth + 3 < maxd ? depth + 3 : maxd,
	        0, ni, cover * (1 - share));
	return i;
}

static void append(char **s, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
append(char **s, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	*s = realloc(*s, *len + (size_t)n + 1);
	cr_assert_not_null(*s);
	va_start(ap, fmt);
	vsnprintf(*s + *len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	*len += (size_t)n;
}

#define ARRAY(key, fmtv, expr)                                                 \
	do {                                                                   \
		append(&s, &len, "\"%s\":[", key);                             \
		for (int i = 0; i < t->n; i++)                                 \
			append(&s, &len, i > 0 ? "," fmtv : fmtv, expr);       \
		append(&s, &len, "],");                                        \
	} while (0)

/* A model of the trees, unnamed inputs, base_score 0.5. */
static char *
trees_json(const struct rtree *trees, int ntrees, int ni)
{
	size_t len = 0;
	char *s = NULL;

	append(&s, &len,
	    "{\"version\":[1,7,4],\"learner\":{\"objective\":{\"name\":"
	    "\"binary:logistic\"},\"learner_model_param\":{\"base_score\":"
	    "\"5E-1\",\"num_class\":\"0\",\"num_feature\":\"%d\"},"
	    "\"gradient_booster\":{\"name\":\"gbtree\",\"model\":{"
	    "\"trees\":[",
	    ni);
	for (int k = 0; k < ntrees; k++) {
		const struct rtree *t = &trees[k];

		append(&s, &len, "%s{", k > 0 ? "," : "");
		ARRAY("left_children", "%d", t->left[i]);
		ARRAY("right_children", "%d", t->right[i]);
		ARRAY("split_indices", "%d", t->feat[i]);
		ARRAY("default_left", "%d", t->defl[i]);
		ARRAY("split_conditions", "%.17g", t->cond[i]);
		ARRAY("sum_hessian", "%.17g", t->cover[i]);
		len--; /* the last comma */
		append(&s, &len, "}");
	}
	append(&s, &len, "]}}}}");
	return s;
}

/* The tree's expected value given the inputs in mask known: known
 * inputs follow x, unknown ones both ways by cover. */
static double
expected(const struct rtree *t, int i, const double *x, unsigned mask)
{
	int f = t->feat[i], l = t->left[i], r = t->right[i], left;

	if (l == -1)
		return (float)t->cond[i]; /* leaf values are floats */
	if (mask & 1U << f) {
		if (isnan(x[f]))
			left = t->defl[i];
		else
			left = (float)x[f] < (float)t->cond[i];
		return expected(t, left ? l : r, x, mask);
	}
	return (t->cover[l] * expected(t, l, x, mask) +
	           t->cover[r] * expected(t, r, x, mask)) /
	    t->cover[i];
}

static double
factorial(int n)
{
	return n <= 1 ? 1 : n * factorial(n - 1);
}

static void
brute_shap(
    const struct rtree *trees, int ntrees, int ni, const double *x, double *phi)
{
	for (int f = 0; f < ni; f++) {
		phi[f] = 0;
		for (unsigned s = 0; s < 1U << ni; s++) {
			int k = __builtin_popcount(s);
			double w, d = 0;

			if (s & 1U << f)
				continue;
			w = factorial(k) * factorial(ni - k - 1) /
			    factorial(ni);
			for (int t = 0; t < ntrees; t++)
				d += expected(&trees[t], 0, x, s | 1U << f) -
				    expected(&trees[t], 0, x, s);
			phi[f] += w * d;
		}
	}
}

static void
shap_vs_brute(uint64_t seed, int ntrees, int maxd, int ni)
{
	struct rtree *trees = calloc((size_t)ntrees, sizeof(*trees));
	double x[8], c[8], phi[8], bias, sum;
	uint64_t rs = seed;
	struct fk_model *m;
	char *s;

	cr_assert_not_null(trees);
	for (int t = 0; t < ntrees; t++)
		grow(&trees[t], &rs, 0, maxd, 1, ni, 1000);
	s = trees_json(trees, ntrees, ni);
	m = parse(s);
	for (int r = 0; r < 20; r++) {
		for (int i = 0; i < ni; i++)
			x[i] = fk_test_rand(&rs) % 7 == 0 ? NAN : rnd_unit(&rs);
		brute_shap(trees, ntrees, ni, x, phi);
		fk_model_explain(m, x, FK_EXPLAIN_SHAP, c, &bias);
		sum = bias;
		for (int i = 0; i < ni; i++) {
			near(c[i], phi[i], 1e-9, "shap vs brute force");
			sum += c[i];
		}
		near(sum, fk_model_margin(m, x), 1e-9, "sum");
		fk_model_explain(m, x, FK_EXPLAIN_PATH, c, &bias);
		sum = bias;
		for (int i = 0; i < ni; i++)
			sum += c[i];
		near(sum, fk_model_margin(m, x), 1e-9, "path sum");
	}
	fk_model_free(m);
	free(s);
	free(trees);
}

/* The tree's leaf for x, walked the plain way. */
static double
walk(const struct rtree *t, const double *x)
{
	int i = 0, f;

	while (t->left[i] != -1) {
		f = t->feat[i];
		if (isnan(x[f]))
			i = t->defl[i] ? t->left[i] : t->right[i];
		else
			i = (float)x[f] < (float)t->cond[i] ? t->left[i]
			                                    : t->right[i];
	}
	return (float)t->cond[i];
}

/* Groups of trees of uneven depth walked side by side, and the rest. */
Test(model, margin_many_trees)
{
	int ntrees = 37, ni = 5;
	struct rtree *trees = calloc((size_t)ntrees, sizeof(*trees));
	uint64_t rs = 4;
	struct fk_model *m;
	double x[5], want;
	char *s, buf[64];

	cr_assert_not_null(trees);
	for (int t = 0; t < ntrees; t++)
		grow(&trees[t], &rs, 0, 1 + t % 9, 1, ni, 100);
	s = trees_json(trees, ntrees, ni);
	m = parse(s);
	fk_model_describe(m, buf, sizeof(buf));
	cr_assert_str_eq(buf, "xgboost: 37 trees, depth 9, 5 inputs");
	for (int r = 0; r < 2000; r++) {
		for (int i = 0; i < ni; i++) {
			uint64_t u = fk_test_rand(&rs) % 20;

			x[i] = u == 0 ? NAN
			    : u == 1  ? INFINITY
			    : u == 2  ? -INFINITY
			              : rnd_unit(&rs);
		}
		want = -logf(1.0f / 0.5f - 1.0f);
		for (int t = 0; t < ntrees; t++)
			want += walk(&trees[t], x);
		cr_assert_eq(fk_model_margin(m, x), want,
		    "row %d: %.17g, %.17g", r, fk_model_margin(m, x), want);
	}
	fk_model_free(m);
	free(s);
	free(trees);
}

Test(model, shap_brute_force_shallow)
{
	shap_vs_brute(1, 6, 4, 5);
}

Test(model, shap_brute_force_deep)
{
	/* Deeper than the stack scratch (24), inputs split on again and
	 * again down a path. */
	shap_vs_brute(2, 3, 40, 4);
}

Test(model, shap_brute_force_many_inputs)
{
	shap_vs_brute(3, 4, 8, 8);
}

/* ---- logistic ---- */

Test(model, logistic_math)
{
	struct fk_model *m = parse(LOGIT);
	double x[2] = { 14, 1 }, c[2], bias;
	char buf[64];

	cr_assert_eq(fk_model_kind(m), FK_MODEL_LOGISTIC);
	cr_assert(fk_model_named(m));
	cr_assert_eq(fk_model_ninputs(m), 2);
	cr_assert_str_eq(fk_model_input(m, 1), "features.user.amount_z");
	fk_model_describe(m, buf, sizeof(buf));
	cr_assert_str_eq(buf, "logistic: 2 inputs");
	/* z = (14 - 10) / 4 = 1 and (1 - 0) / 2 = 0.5. */
	near(fk_model_margin(m, x), -1.5 + 0.5 - 1, 0, "margin");
	near(fk_model_prob(fk_model_margin(m, x)), 1 / (1 + exp(2)), 1e-16,
	    "prob");
	for (int how = 0; how < 2; how++) {
		fk_model_explain(m, x, (enum fk_explain)how, c, &bias);
		near(c[0], 0.5, 0, "c[0]");
		near(c[1], -1, 0, "c[1]");
		near(bias, -1.5, 0, "bias");
	}
	/* Missing and infinite inputs are at their mean. */
	x[0] = NAN;
	near(fk_model_margin(m, x), -2.5, 0, "NaN");
	fk_model_explain(m, x, FK_EXPLAIN_SHAP, c, &bias);
	near(c[0], 0, 0, "NaN contributes 0");
	x[0] = -INFINITY;
	near(fk_model_margin(m, x), -2.5, 0, "-inf");
	fk_model_free(m);
}

Test(model, logistic_unscaled_with_meta)
{
	struct fk_model *m =
	    parse("{\"fraudkit_model\":\"logistic\",\"version\":1,"
	          "\"inputs\":[\"amount\"],\"weights\":[0.25],\"intercept\":1,"
	          "\"meta\":{\"trained\":\"2024-05-01\",\"auc\":[0.9]}}");
	double x[1] = { 8 }, c[1], bias;
	char buf[64];

	fk_model_describe(m, buf, sizeof(buf));
	cr_assert_str_eq(buf, "logistic: 1 input");
	near(fk_model_margin(m, x), 3, 0, "margin");
	fk_model_explain(m, x, FK_EXPLAIN_PATH, c, &bias);
	near(c[0], 2, 0, "c");
	near(bias, 1, 0, "bias");
	fk_model_free(m);
}

Test(model, prob)
{
	near(fk_model_prob(0), 0.5, 0, "0");
	near(fk_model_prob(800), 1, 0, "800");
	near(fk_model_prob(-800), 0, 0, "-800");
	near(fk_model_prob(-745.2), 0, 1e-300, "-745.2");
	for (double m = -30; m <= 30; m += 0.7)
		near(fk_model_prob(m) + fk_model_prob(-m), 1, 1e-15, "sym");
	cr_assert(isnan(fk_model_prob(NAN)));
}

/* ---- refusals ---- */

struct bad_case {
	char find[48];
	char repl[64];
	char want[112];
};

ParameterizedTestParameters(model, xgboost_refused)
{
	static struct bad_case cases[] = {
		{ "\"version\":[1,7,4]", "\"version\":[4,0,0]",
		    "version: xgboost 4 is not supported; 1 to 3" },
		{ "\"version\":[1,7,4]", "\"versio\":[1,7,4]",
		    "version: missing" },
		{ "\"version\":[1,7,4]", "\"version\":\"1.7\"",
		    "version: expected [major, minor, patch]" },
		{ "\"binary:logistic\"", "\"binary:hinge\"",
		    "learner.objective: binary:hinge is not supported; "
		    "binary:logistic or reg:logistic" },
		{ "\"name\":\"binary:logistic\"", "\"nam\":\"x\"",
		    "learner.objective.name: expected a string" },
		{ "\"name\":\"gbtree\"", "\"name\":\"dart\"",
		    "learner.gradient_booster: dart is not supported; gbtree" },
		{ "\"num_class\":\"0\"", "\"num_class\":\"3\"",
		    "num_class: 3 classes are not supported" },
		{ "\"num_target\":\"1\"", "\"num_target\":\"2\"",
		    "learner.learner_model_param.num_target: 2 targets" },
		{ "\"num_feature\":\"2\",\"num_target\"", "\"num_target\"",
		    "learner.learner_model_param.num_feature: missing" },
		{ "\"num_feature\":\"2\",\"num_target\"",
		    "\"num_feature\":\"two\",\"num_target\"",
		    "num_feature: expected an integer from 1 to" },
		{ "\"5E-1\"", "\"1E0\"",
		    "base_score: 1 is not a probability in (0, 1)" },
		{ "\"5E-1\"", "\"0\"", "base_score: 0 is not a probability" },
		{ "\"5E-1\"", "\"half\"",
		    "base_score: expected a number, got \"half\"" },
		{ "\"5E-1\"", "\"NaN\"", "base_score: nan is not a" },
		{ "\"feature_names\":[\"a\",\"b\"]",
		    "\"feature_names\":[\"a\"]",
		    "learner.feature_names: 1 names for 2 inputs" },
		{ "\"feature_names\":[\"a\",\"b\"]",
		    "\"feature_names\":[\"a\",\"a\"]",
		    "learner.feature_names[1]: \"a\" repeats "
		    "learner.feature_names[0]" },
		{ "\"feature_names\":[\"a\",\"b\"]",
		    "\"feature_names\":[\"a\",\"\"]",
		    "learner.feature_names[1]: expected a non-empty string" },
		{ "\"feature_types\":[]", "\"feature_types\":[\"q\",\"c\"]",
		    "learner.feature_types[1]: b is categorical" },
		{ "\"size_leaf_vector\":\"0\"},\"tree_info\"",
		    "\"size_leaf_vector\":\"2\"},\"tree_info\"",
		    "size_leaf_vector: 2: vector leaves are not supported" },
		{ "\"num_trees\":\"1\"", "\"num_trees\":\"2\"",
		    "gbtree_model_param.num_trees: 2, but 1 trees" },
		{ "\"tree_info\":[0]", "\"tree_info\":[1]",
		    "model.tree_info[0]: a tree of another output" },
		{ "\"tree_info\":[0]", "\"tree_info\":[0,0]",
		    "model.tree_info: 2 entries where 1 are needed" },
		{ "\"trees\":[{", "\"trees\":[7],\"t\":[{",
		    "trees[0]: expected an object" },
		{ "\"left_children\"", "\"left_kids\"",
		    "trees[0].left_children: missing" },
		{ "\"left_children\":[1,-1,-1]", "\"left_children\":[]",
		    "trees[0].left_children: empty" },
		{ "\"right_children\":[2,-1,-1]", "\"right_children\":[2,-1]",
		    "trees[0].right_children: 2 entries where 3 are needed" },
		{ "\"sum_hessian\":[4,1,3]", "\"sum_hessian\":{}",
		    "trees[0].sum_hessian: expected an array" },
		{ "\"sum_hessian\"", "\"sum_hess\"",
		    "trees[0].sum_hessian: missing" },
		{ "\"split_indices\"", "\"split_index\"",
		    "trees[0].split_indices: missing" },
		{ "\"default_left\":[1,0,0]", "\"default_left\":[1,0]",
		    "trees[0].default_left: 2 entries where 3 are needed" },
		{ "\"split_conditions\"", "\"split_condition\"",
		    "trees[0].split_conditions: missing" },
		{ "\"num_nodes\":\"3\"", "\"num_nodes\":\"4\"",
		    "trees[0].tree_param.num_nodes: 4, but 3 nodes" },
		{ "\"left_children\":[1,-1,-1]", "\"left_children\":[5,-1,-1]",
		    "trees[0].left_children[0]: node 5 is out of range (3 "
		    "nodes)" },
		{ "\"right_children\":[2,-1,-1]",
		    "\"right_children\":[-7,-1,-1]",
		    "trees[0].right_children[0]: node -7 is out of range" },
		{ "\"left_children\":[1,-1,-1]",
		    "\"left_children\":[1.5,-1,-1]",
		    "trees[0].left_children[0]: expected an integer" },
		{ "\"right_children\":[2,-1,-1]",
		    "\"right_children\":[1,-1,-1]",
		    "trees[0]: node 0 has children 1 and 1" },
		{ "\"right_children\":[2,-1,-1]",
		    "\"right_children\":[-1,-1,-1]",
		    "trees[0]: node 0 has children 1 and -1" },
		{ "\"right_children\":[2,-1,-1]",
		    "\"right_children\":[0,-1,-1]",
		    "trees[0].right_children[0]: node 0 is reached twice" },
		{ "\"split_indices\":[1,0,0]", "\"split_indices\":[2,0,0]",
		    "trees[0].split_indices[0]: input 2 is out of range (2 "
		    "inputs)" },
		{ "\"split_indices\":[1,0,0]", "\"split_indices\":[-1,0,0]",
		    "trees[0].split_indices[0]: input -1 is out of range" },
		{ "[0.5,-0.25,0.75]", "[0.5,NaN,0.75]",
		    "trees[0].split_conditions[1]: leaf value nan is not "
		    "finite" },
		{ "[0.5,-0.25,0.75]", "[0.5,-0.25,-Infinity]",
		    "trees[0].split_conditions[2]: leaf value -inf is not "
		    "finite" },
		{ "[0.5,-0.25,0.75]", "[NaN,-0.25,0.75]",
		    "trees[0].split_conditions[0]: NaN is not a threshold" },
		{ "[0.5,-0.25,0.75]", "[\"0.5\",-0.25,0.75]",
		    "trees[0].split_conditions[0]: expected a number" },
		{ "\"sum_hessian\":[4,1,3]", "\"sum_hessian\":[4,-1,3]",
		    "trees[0].sum_hessian[1]: expected a finite number >= 0" },
		{ "\"sum_hessian\":[4,1,3]", "\"sum_hessian\":[Infinity,1,3]",
		    "trees[0].sum_hessian[0]: expected a finite number >= 0" },
		{ "\"default_left\":[1,0,0]", "\"default_left\":[2,0,0]",
		    "trees[0].default_left[0]: expected 0 or 1" },
		{ "\"split_type\":[0,0,0]", "\"split_type\":[1,0,0]",
		    "trees[0].split_type[0]: categorical splits are not "
		    "supported" },
		{ "\"categories_nodes\":[]", "\"categories_nodes\":[0]",
		    "trees[0]: categorical splits are not supported" },
		{ "\"size_leaf_vector\":\"0\"}}]",
		    "\"size_leaf_vector\":\"1\"}}]",
		    "trees[0]: vector leaves are not supported" },
		{ "\"version\":[1,7,4]", "\"version\":[1,7,4],\"version\":[1]",
		    "duplicate object key" },
	};

	return cr_make_param_array(struct bad_case, cases, NELEM(cases));
}

ParameterizedTest(struct bad_case *c, model, xgboost_refused)
{
	char *s = replace(TINY, c->find, c->repl);

	refuse(s, strlen(s), c->want);
	free(s);
}

ParameterizedTestParameters(model, logistic_refused)
{
	static struct bad_case cases[] = {
		{ "\"logistic\"", "\"forest\"",
		    "fraudkit_model: \"forest\" is not supported; logistic" },
		{ "\"logistic\"", "1", "fraudkit_model: expected a string" },
		{ "\"version\":1", "\"version\":2",
		    "version: 2 is not supported; 1" },
		{ "\"version\":1", "\"version\":1.0",
		    "version: expected an integer" },
		{ "\"version\":1,", "", "version: missing" },
		{ "\"scale\"", "\"sclae\"", "unknown member \"sclae\"" },
		{ "\"inputs\"", "\"input\"", "unknown member \"input\"" },
		{ "\"intercept\":-1.5,", "", "intercept: missing" },
		{ "-1.5", "\"-1.5\"", "intercept: expected a number" },
		{ "-1.5", "-Infinity", "intercept: -Infinity is not a finite" },
		{ "[\"amount\",\"features.user.amount_z\"]", "[]",
		    "inputs: empty" },
		{ "[\"amount\",\"features.user.amount_z\"]", "{}",
		    "inputs: expected an array" },
		{ "[\"amount\",\"features.user.amount_z\"]",
		    "[\"amount\",\"amount\"]",
		    "inputs[1]: \"amount\" repeats inputs[0]" },
		{ "[\"amount\",\"features.user.amount_z\"]", "[\"amount\",3]",
		    "inputs[1]: expected a non-empty string" },
		{ "[0.5,-2]", "[0.5]",
		    "weights: 1 entries where 2 are needed" },
		{ "[0.5,-2]", "[0.5,NaN]", "weights[1]: NaN is not a finite" },
		{ "[0.5,-2]", "[0.5,\"x\"]", "weights[1]: expected a number" },
		{ "[0.5,-2]", "[0.5,true]", "weights[1]: expected a number" },
		{ "[0.5,-2]", "[0.5,1e999]", "m.json:1:" },
		{ ",\"scale\":[4,2]", "",
		    "scale: missing (mean and scale come together)" },
		{ "\"mean\":[10,0],", "",
		    "mean: missing (mean and scale come together)" },
		{ "[10,0]", "[10,0,3]", "mean: 3 entries where 2 are needed" },
		{ "[10,0]", "[10,Infinity]", "mean[1]: Infinity is not a" },
		{ "[4,2]", "[4,0]", "scale[1]: 0 is not positive" },
		{ "[4,2]", "[-4,2]", "scale[0]: -4 is not positive" },
	};

	return cr_make_param_array(struct bad_case, cases, NELEM(cases));
}

ParameterizedTest(struct bad_case *c, model, logistic_refused)
{
	char *s = replace(LOGIT, c->find, c->repl);

	refuse(s, strlen(s), c->want);
	free(s);
}

Test(model, not_models)
{
	refuse("{\"learner\":", 11, "m.json:1:11: ");
	refuse("[1,2]", 5, "m.json: expected a JSON object");
	refuse("{\"model\":1}", 11,
	    "m.json: not a model: no \"fraudkit_model\" (fraudkit) or "
	    "\"learner\" (xgboost) member");
	refuse("", 0, "m.json:");
	refuse("{\"learner\":{}}", 14, "m.json: version: missing");
}

Test(model, deeper_than_the_limit)
{
	struct rtree t;
	char *s;

	/* A chain of 300 splits. */
	memset(&t, 0, sizeof(t));
	t.n = 601;
	for (int i = 0; i < 300; i++) {
		t.left[i] = 301 + i;
		t.right[i] = i + 1;
		t.cover[i] = 1;
		t.cond[i] = 0.5;
	}
	for (int i = 300; i < 601; i++) {
		t.left[i] = t.right[i] = -1;
		t.cover[i] = 1;
	}
	t.right[299] = 600;
	s = trees_json(&t, 1, 1);
	refuse(s, strlen(s), "trees[0]: deeper than 256 levels");
	free(s);
}

struct file_case {
	char file[40];
	char want[112];
};

ParameterizedTestParameters(model, xgboost_files_refused)
{
	static struct file_case cases[] = {
		{ "xgb-dart.json",
		    "learner.gradient_booster: dart is not supported; gbtree" },
		{ "xgb-gblinear.json",
		    "learner.gradient_booster: gblinear is not supported" },
		{ "xgb-hinge.json",
		    "learner.objective: binary:hinge is not supported" },
		{ "xgb-squarederror.json",
		    "learner.objective: reg:squarederror is not supported" },
		{ "xgb-multiclass.json",
		    "learner.objective: multi:softprob is not supported" },
		{ "xgb-categorical.json",
		    "learner.feature_types[0]: f0 is categorical" },
		{ "xgb-tiny.ubj",
		    "UBJSON is not supported; save the model as "
		    "JSON" },
		{ "no-such-model.json", "No such file or directory" },
		{ "", "Is a directory" },
	};

	return cr_make_param_array(struct file_case, cases, NELEM(cases));
}

ParameterizedTest(struct file_case *c, model, xgboost_files_refused)
{
	char path[128], err[256] = "";
	struct fk_model *m;

	snprintf(path, sizeof(path), FIXTURES "%s", c->file);
	m = fk_model_load(path, err, sizeof(err));
	cr_assert_null(m, "%s accepted", path);
	cr_assert(strncmp(err, path, strlen(path)) == 0, "err \"%s\"", err);
	cr_assert_not_null(
	    strstr(err, c->want), "err \"%s\", wanted \"%s\"", err, c->want);
}

Test(model, num_class_one_is_binary)
{
	char *s = replace(TINY, "\"num_class\":\"0\"", "\"num_class\":\"1\"");
	struct fk_model *m = parse(s);

	fk_model_free(m);
	free(s);
}
