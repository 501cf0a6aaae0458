/* Unit tests for prom.c: the registry and its text exposition, checked
 * against the format's rules (Prometheus' exposition formats, 0.0.4):
 * escaping, cumulative buckets, labels, one block per family. */
#include "prom.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"
#include "banned.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const tool[] = { "tool", "fk-test", NULL };

/* The exposition as a string, owned by the test. */
static char *
text(const struct fk_prom *m)
{
	struct fk_jbuf b;
	char *s;

	fk_jbuf_init(&b);
	fk_prom_render(m, &b);
	s = calloc(1, b.len + 1);
	cr_assert_not_null(s);
	if (b.len > 0)
		memcpy(s, b.p, b.len);
	fk_jbuf_release(&b);
	return s;
}

static struct fk_prom *
registry(const char *const *labels)
{
	char err[256] = "";
	struct fk_prom *m = fk_prom_new(labels, err, sizeof(err));

	cr_assert_not_null(m, "%s", err);
	return m;
}

static void
assert_text(const struct fk_prom *m, const char *want)
{
	char *got = text(m);

	cr_assert_str_eq(got, want);
	free(got);
}

Test(prom, empty_registry_renders_nothing)
{
	struct fk_prom *m = registry(tool);

	assert_text(m, "");
	fk_prom_free(m);
}

Test(prom, counter_help_type_and_tool_label)
{
	struct fk_prom *m = registry(tool);
	char err[256];
	uint64_t *c = fk_prom_counter(
	    m, "fk_things_total", "Things seen", NULL, err, sizeof(err));

	cr_assert_not_null(c, "%s", err);
	*c += 5;
	(*c)++;
	assert_text(m,
	    "# HELP fk_things_total Things seen\n"
	    "# TYPE fk_things_total counter\n"
	    "fk_things_total{tool=\"fk-test\"} 6\n");
	fk_prom_free(m);
}

Test(prom, no_labels_at_all_has_no_braces)
{
	struct fk_prom *m = registry(NULL);
	char err[256];
	double *g = fk_prom_gauge(m, "up", "Up", NULL, err, sizeof(err));

	cr_assert_not_null(g, "%s", err);
	*g = 1;
	assert_text(m, "# HELP up Up\n# TYPE up gauge\nup 1\n");
	fk_prom_free(m);
}

Test(prom, label_values_escaped)
{
	struct fk_prom *m = registry(tool);
	const char *const labels[] = { "rule", "a\"b\\c\nd", NULL };
	char err[256];
	uint64_t *c = fk_prom_counter(
	    m, "fk_rule_total", "Fired", labels, err, sizeof(err));

	cr_assert_not_null(c, "%s", err);
	*c = 2;
	assert_text(m,
	    "# HELP fk_rule_total Fired\n"
	    "# TYPE fk_rule_total counter\n"
	    "fk_rule_total{tool=\"fk-test\",rule=\"a\\\"b\\\\c\\nd\"} 2\n");
	fk_prom_free(m);
}

Test(prom, registry_label_values_escaped_too)
{
	const char *const labels[] = { "tool", "x\"y", NULL };
	struct fk_prom *m = registry(labels);
	char err[256];

	*fk_prom_counter(m, "n_total", "N", NULL, err, sizeof(err)) = 1;
	assert_text(m,
	    "# HELP n_total N\n# TYPE n_total counter\n"
	    "n_total{tool=\"x\\\"y\"} 1\n");
	fk_prom_free(m);
}

/* In help text a quote stays as it is; backslash and newline do not. */
Test(prom, help_escaped)
{
	struct fk_prom *m = registry(NULL);
	char err[256];
	double *g =
	    fk_prom_gauge(m, "g", "a \"b\" c:\\d\ne", NULL, err, sizeof(err));

	cr_assert_not_null(g, "%s", err);
	assert_text(m, "# HELP g a \"b\" c:\\\\d\\ne\n# TYPE g gauge\ng 0\n");
	fk_prom_free(m);
}

Test(prom, several_labels_in_order)
{
	struct fk_prom *m = registry(tool);
	const char *const p3[] = { "topic", "tx", "partition", "3", NULL };
	const char *const p0[] = { "topic", "tx", "partition", "0", NULL };
	char err[256];

	*fk_prom_gauge(m, "lag", "Lag", p3, err, sizeof(err)) = 7;
	*fk_prom_gauge(m, "lag", "Lag", p0, err, sizeof(err)) = 0;
	assert_text(m,
	    "# HELP lag Lag\n# TYPE lag gauge\n"
	    "lag{tool=\"fk-test\",topic=\"tx\",partition=\"3\"} 7\n"
	    "lag{tool=\"fk-test\",topic=\"tx\",partition=\"0\"} 0\n");
	fk_prom_free(m);
}

Test(prom, same_name_and_labels_same_series)
{
	struct fk_prom *m = registry(tool);
	const char *const a[] = { "rule", "night", NULL };
	const char *const a2[] = { "rule", "night", NULL };
	const char *const b[] = { "rule", "day", NULL };
	char err[256];
	uint64_t *x = fk_prom_counter(m, "r_total", "R", a, err, sizeof(err));
	uint64_t *y = fk_prom_counter(m, "r_total", "R", a2, err, sizeof(err));
	uint64_t *z = fk_prom_counter(m, "r_total", "R", b, err, sizeof(err));

	cr_assert_not_null(x);
	cr_assert_eq(x, y);
	cr_assert_neq(x, z);
	fk_prom_free(m);
}

/* Buckets count values <= their bound and are written cumulative; the
 * +Inf bucket equals _count. */
Test(prom, histogram_buckets_cumulative)
{
	static const double bounds[] = { 1, 2.5, 5 };
	static const double values[] = { 0.5, 1, 1.5, 3, 10, 2.5 };
	struct fk_prom *m = registry(tool);
	char err[256];
	struct fk_prom_hist *h = fk_prom_histogram(
	    m, "d_seconds", "D", NULL, bounds, NELEM(bounds), err, sizeof(err));

	cr_assert_not_null(h, "%s", err);
	for (size_t i = 0; i < NELEM(values); i++)
		fk_prom_observe(h, values[i]);
	assert_text(m,
	    "# HELP d_seconds D\n# TYPE d_seconds histogram\n"
	    "d_seconds_bucket{tool=\"fk-test\",le=\"1\"} 2\n"
	    "d_seconds_bucket{tool=\"fk-test\",le=\"2.5\"} 4\n"
	    "d_seconds_bucket{tool=\"fk-test\",le=\"5\"} 5\n"
	    "d_seconds_bucket{tool=\"fk-test\",le=\"+Inf\"} 6\n"
	    "d_seconds_sum{tool=\"fk-test\"} 18.5\n"
	    "d_seconds_count{tool=\"fk-test\"} 6\n");
	fk_prom_free(m);
}

Test(prom, histogram_with_labels_and_small_bounds)
{
	static const double bounds[] = { 1e-6, 0.001 };
	const char *const labels[] = { "stage", "s", NULL };
	struct fk_prom *m = registry(NULL);
	char err[256];
	struct fk_prom_hist *h = fk_prom_histogram(m, "t_seconds", "T", labels,
	    bounds, NELEM(bounds), err, sizeof(err));

	cr_assert_not_null(h, "%s", err);
	fk_prom_observe(h, 0.0005);
	assert_text(m,
	    "# HELP t_seconds T\n# TYPE t_seconds histogram\n"
	    "t_seconds_bucket{stage=\"s\",le=\"1e-06\"} 0\n"
	    "t_seconds_bucket{stage=\"s\",le=\"0.001\"} 1\n"
	    "t_seconds_bucket{stage=\"s\",le=\"+Inf\"} 1\n"
	    "t_seconds_sum{stage=\"s\"} 0.0005\n"
	    "t_seconds_count{stage=\"s\"} 1\n");
	fk_prom_free(m);
}

Test(prom, gauge_values_shortest_and_special)
{
	static const struct {
		double v;
		char want[32];
	} cases[] = {
		{ 0.1, "0.1" },
		{ 1.0 / 3, "0.3333333333333333" },
		{ -2, "-2" },
		{ 1e21, "1e+21" },
		{ 1731715200.5, "1731715200.5" },
		{ INFINITY, "+Inf" },
		{ -INFINITY, "-Inf" },
		{ NAN, "NaN" },
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		struct fk_prom *m = registry(NULL);
		char err[256], want[128], *got;

		*fk_prom_gauge(m, "g", "G", NULL, err, sizeof(err)) =
		    cases[i].v;
		snprintf(want, sizeof(want),
		    "# HELP g G\n# TYPE g gauge\ng %s\n", cases[i].want);
		got = text(m);
		cr_assert_str_eq(got, want);
		free(got);
		fk_prom_free(m);
	}
}

Test(prom, families_in_order_registered)
{
	struct fk_prom *m = registry(NULL);
	char err[256];

	*fk_prom_counter(m, "b_total", "B", NULL, err, sizeof(err)) = 1;
	*fk_prom_gauge(m, "a", "A", NULL, err, sizeof(err)) = 2;
	assert_text(m,
	    "# HELP b_total B\n# TYPE b_total counter\nb_total 1\n"
	    "# HELP a A\n# TYPE a gauge\na 2\n");
	fk_prom_free(m);
}

Test(prom, clear_drops_the_series)
{
	struct fk_prom *m = registry(NULL);
	const char *const p1[] = { "partition", "1", NULL };
	const char *const p2[] = { "partition", "2", NULL };
	char err[256];

	*fk_prom_gauge(m, "lag", "L", p1, err, sizeof(err)) = 1;
	*fk_prom_gauge(m, "other", "O", NULL, err, sizeof(err)) = 5;
	fk_prom_clear(m, "lag");
	assert_text(m, "# HELP other O\n# TYPE other gauge\nother 5\n");
	*fk_prom_gauge(m, "lag", "L", p2, err, sizeof(err)) = 4;
	assert_text(m,
	    "# HELP lag L\n# TYPE lag gauge\nlag{partition=\"2\"} 4\n"
	    "# HELP other O\n# TYPE other gauge\nother 5\n");
	fk_prom_free(m);
}

struct bad_case {
	char name[32];
	char label[16];
	int hist;
	char msg[96];
};

Test(prom, bad_names_and_labels_refused)
{
	static const double bounds[] = { 1 };
	static const struct bad_case cases[] = {
		{ "1abc", "", 0, "1abc: not a metric name" },
		{ "a-b", "", 0, "a-b: not a metric name" },
		{ "", "", 0, ": not a metric name" },
		{ "ok", "1x", 0, "label 1x: not a label name" },
		{ "ok", "a:b", 0, "label a:b: not a label name" },
		{ "ok", "__x", 0, "label __x: reserved or given twice" },
		{ "ok", "tool", 0, "label tool: reserved or given twice" },
		{ "h", "le", 1, "label le: reserved or given twice" },
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		const struct bad_case *c = &cases[i];
		struct fk_prom *m = registry(tool);
		const char *labels[] = { c->label, "v", NULL };
		char err[256] = "";
		void *p;

		if (c->hist)
			p = fk_prom_histogram(m, c->name, "H",
			    c->label[0] ? labels : NULL, bounds, 1, err,
			    sizeof(err));
		else
			p = fk_prom_counter(m, c->name, "C",
			    c->label[0] ? labels : NULL, err, sizeof(err));
		cr_assert_null(p, "case %zu", i);
		cr_assert_str_eq(err, c->msg);
		fk_prom_free(m);
	}
}

Test(prom, a_label_given_twice_refused)
{
	struct fk_prom *m = registry(NULL);
	const char *const labels[] = { "a", "1", "a", "2", NULL };
	char err[256] = "";

	cr_assert_null(fk_prom_counter(m, "c", "C", labels, err, sizeof(err)));
	cr_assert_str_eq(err, "label a: reserved or given twice");
	fk_prom_free(m);
}

Test(prom, clashes_refused)
{
	static const double b1[] = { 1, 2 }, b2[] = { 1, 3 }, b3[] = { 2, 1 };
	struct fk_prom *m = registry(tool);
	char err[256] = "";

	cr_assert_not_null(
	    fk_prom_counter(m, "c", "C", NULL, err, sizeof(err)));
	cr_assert_null(fk_prom_gauge(m, "c", "C", NULL, err, sizeof(err)));
	cr_assert_str_eq(err, "c: registered before as a counter");
	cr_assert_null(
	    fk_prom_counter(m, "c", "other", NULL, err, sizeof(err)));
	cr_assert_str_eq(
	    err, "c: registered before with other help or buckets");
	cr_assert_not_null(
	    fk_prom_histogram(m, "h", "H", NULL, b1, 2, err, sizeof(err)));
	cr_assert_null(
	    fk_prom_histogram(m, "h", "H", NULL, b2, 2, err, sizeof(err)));
	cr_assert_null(
	    fk_prom_histogram(m, "h2", "H", NULL, b3, 2, err, sizeof(err)));
	cr_assert_str_eq(
	    err, "h2: bucket bounds must be finite and increasing");
	fk_prom_free(m);
}

Test(prom, bad_registry_label_refused)
{
	const char *const labels[] = { "9", "x", NULL };
	char err[256] = "";

	cr_assert_null(fk_prom_new(labels, err, sizeof(err)));
	cr_assert_str_eq(err, "label 9: not a label name");
}

Test(prom, write_file_replaces_whole)
{
	struct fk_prom *m = registry(tool);
	char dir[256], path[512], tmp[520], got[512], err[256] = "";
	uint64_t *c =
	    fk_prom_counter(m, "n_total", "N", NULL, err, sizeof(err));
	struct stat st;
	FILE *fp;
	size_t n;

	fk_test_tmpdir(dir, sizeof(dir), "prom");
	snprintf(path, sizeof(path), "%s/fk.prom", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	*c = 1;
	cr_assert_eq(
	    fk_prom_write_file(m, path, err, sizeof(err)), 0, "%s", err);
	*c = 12;
	cr_assert_eq(
	    fk_prom_write_file(m, path, err, sizeof(err)), 0, "%s", err);
	cr_assert_neq(stat(tmp, &st), 0, "the temporary file was left");
	fp = fopen(path, "r");
	cr_assert_not_null(fp);
	n = fread(got, 1, sizeof(got) - 1, fp);
	got[n] = '\0';
	fclose(fp);
	cr_assert_str_eq(got,
	    "# HELP n_total N\n# TYPE n_total counter\n"
	    "n_total{tool=\"fk-test\"} 12\n");
	fk_test_rmdir(dir);
	fk_prom_free(m);
}

Test(prom, write_file_error_names_the_file)
{
	struct fk_prom *m = registry(tool);
	char err[256] = "";

	cr_assert_eq(
	    fk_prom_write_file(m, "/nonexistent/fk.prom", err, sizeof(err)),
	    -1);
	cr_assert_str_eq(
	    err, "/nonexistent/fk.prom.tmp: No such file or directory");
	fk_prom_free(m);
}
