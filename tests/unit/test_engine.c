/* Unit tests for fk-eval's engine.c: reading records and the labels
 * file, option values, the JSON report's shape. */
#include "engine.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "testutil.h"
#include "xalloc.h"
#include "banned.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static struct fk_eval e;

static void
setup(void)
{
	fk_eval_init(&e);
}

static void
teardown(void)
{
	fk_eval_release(&e);
}

TestSuite(report, .init = setup, .fini = teardown);

/* Add a record from a heap copy of exactly its bytes, so ASan sees any
 * read past its end. */
static int
add(const char *s, char *err, size_t errlen)
{
	size_t len = strlen(s);
	char *p = malloc(len > 0 ? len : 1);
	int rc;

	cr_assert_not_null(p);
	memcpy(p, s, len);
	rc = fk_eval_add(&e, p, len, err, errlen);
	free(p);
	return rc;
}

struct bad_case {
	char in[160];
	char msg[160];
};

ParameterizedTestParameters(report, rejects)
{
	static struct bad_case cases[] = {
		{ "{\"fraud\":1}", "risk.score: missing" },
		{ "{\"risk\":0.5,\"fraud\":1}", "risk.score: missing" },
		{ "{\"risk\":{\"score\":\"0.5\"},\"fraud\":1}",
		    "risk.score: expected a number, got \"0.5\"" },
		{ "{\"risk\":{\"score\":null},\"fraud\":1}",
		    "risk.score: expected a number, got null" },
		{ "{\"risk\":{\"score\":1e999},\"fraud\":1}",
		    "risk.score: expected a number, got 1e999" },
		{ "{\"risk\":{\"score\":0.5}}", "fraud: missing" },
		{ "{\"risk\":{\"score\":0.5},\"fraud\":2}",
		    "fraud: expected 0 or 1, got 2" },
		{ "{\"risk\":{\"score\":0.5},\"fraud\":1.0}",
		    "fraud: expected 0 or 1, got 1.0" },
		{ "{\"risk\":{\"score\":0.5},\"fraud\":\"yes\"}",
		    "fraud: expected 0 or 1, got \"yes\"" },
		{ "{\"risk\":{\"score\":0.5},\"fraud\":[1]}",
		    "fraud: expected 0 or 1, got an array" },
		{ "{\"risk\":{\"score\":0.5},\"fraud\":1",
		    "invalid JSON at column 31: '}' expected near end of "
		    "file" },
		{ "[1,2]", "expected a JSON object" },
	};

	return cr_make_param_array(struct bad_case, cases, NELEM(cases));
}

ParameterizedTest(struct bad_case *c, report, rejects)
{
	char err[256] = "";

	cr_assert_eq(add(c->in, err, sizeof(err)), -1, "%s accepted", c->in);
	cr_assert_str_eq(err, c->msg, "%s", c->in);
	cr_assert_eq(e.n, 0);
}

Test(report, labels_of_every_form)
{
	static const char *const in[] = {
		"{\"risk\":{\"score\":0.1},\"fraud\":0}",
		"{\"risk\":{\"score\":0.2},\"fraud\":1}",
		"{\"risk\":{\"score\":0.3},\"fraud\":true}",
		"{\"risk\":{\"score\":0.4},\"fraud\":false}",
		"{\"risk\":{\"score\":0.5},\"fraud\":\"1\"}",
		"{\"risk\":{\"score\":0.6},\"fraud\":\"\\u0030\"}",
		"{\"risk\":{\"score\":7},\"fraud\":-0}",
	};
	static const int want[] = { 0, 1, 1, 0, 1, 0, 0 };
	char err[256];

	for (size_t i = 0; i < NELEM(in); i++)
		cr_assert_eq(
		    add(in[i], err, sizeof(err)), 0, "%s: %s", in[i], err);
	for (size_t i = 0; i < NELEM(in); i++)
		cr_assert_eq(e.s[i].label, want[i], "%s", in[i]);
	cr_assert_eq(e.s[6].score, 7);
}

Test(report, other_fields_and_days)
{
	char err[256];

	fk_eval_path_set(&e.score, "s", err, sizeof(err));
	fk_eval_path_set(&e.label, "y.is", err, sizeof(err));
	cr_assert_eq(add("{\"s\":0.5,\"y\":{\"is\":1},\"ts_ms\":86400000,"
	                 "\"timestamp\":\"2024-01-01T00:00:00Z\"}",
	                 err, sizeof(err)),
	    0, "%s", err);
	cr_assert_eq(add("{\"s\":0.5,\"y\":{\"is\":0},"
	                 "\"timestamp\":\"1970-01-03T23:59:59.999+00:00\"}",
	                 err, sizeof(err)),
	    0, "%s", err);
	cr_assert_eq(
	    add("{\"s\":0.5,\"y\":{\"is\":0},\"ts_ms\":-1}", err, sizeof(err)),
	    0, "%s", err);
	cr_assert_eq(add("{\"s\":0.5,\"y\":{\"is\":0},\"ts_ms\":\"x\"}", err,
	                 sizeof(err)),
	    0, "%s", err);
	cr_assert_eq(add("{\"s\":0.5,\"y\":{\"is\":0},\"timestamp\":"
	                 "1731765720}",
	                 err, sizeof(err)),
	    0, "%s", err);
	cr_assert_eq(e.s[0].day, 1, "ts_ms before timestamp");
	cr_assert_eq(e.s[1].day, 2);
	cr_assert_eq(e.s[2].day, -1, "before 1970: floor");
	cr_assert_eq(e.s[3].day, FK_NO_DAY);
	cr_assert_eq(e.s[4].day, 20043);
}

Test(report, users_interned)
{
	static const char *const in[] = {
		"{\"risk\":{\"score\":1},\"fraud\":0,\"user_id\":\"a\\\"b\"}",
		"{\"risk\":{\"score\":1},\"fraud\":0,\"user_id\":\"a\\u0022b\"}",
		"{\"risk\":{\"score\":1},\"fraud\":0,\"user_id\":12}",
		"{\"risk\":{\"score\":1},\"fraud\":0,\"user_id\":\"12\"}",
		"{\"risk\":{\"score\":1},\"fraud\":0,\"user_id\":\"\"}",
		"{\"risk\":{\"score\":1},\"fraud\":0,\"user_id\":1.5}",
		"{\"risk\":{\"score\":1},\"fraud\":0}",
	};
	char err[256];

	for (size_t i = 0; i < NELEM(in); i++)
		cr_assert_eq(add(in[i], err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(fk_map_count(&e.users), 2);
	cr_assert_eq(e.s[0].user, e.s[1].user);
	cr_assert_eq(e.s[2].user, e.s[3].user);
	cr_assert_neq(e.s[0].user, e.s[2].user);
	for (size_t i = 4; i < NELEM(in); i++)
		cr_assert_eq(e.s[i].user, FK_NO_USER, "%s", in[i]);
}

/* Deeper than the scanner goes: jansson takes it. */
Test(report, deep_nesting)
{
	char rec[600], err[256];
	size_t n = 0;

	n += (size_t)snprintf(rec + n, sizeof(rec) - n,
	    "{\"risk\":{\"score\":0.25},\"fraud\":1,\"deep\":");
	for (int i = 0; i < 100; i++)
		rec[n++] = '[';
	for (int i = 0; i < 100; i++)
		rec[n++] = ']';
	rec[n++] = '}';
	rec[n] = '\0';
	cr_assert_eq(add(rec, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(e.s[0].score, 0.25);
}

Test(report, by_values)
{
	static const char *const in[] = {
		"{\"risk\":{\"score\":1},\"fraud\":1,\"k\":\"b\"}",
		"{\"risk\":{\"score\":1},\"fraud\":1,\"k\":\"a\"}",
		"{\"risk\":{\"score\":1},\"fraud\":1,\"k\":null}",
		"{\"risk\":{\"score\":1},\"fraud\":1}",
		"{\"risk\":{\"score\":1},\"fraud\":1,\"k\":3}",
		"{\"risk\":{\"score\":1},\"fraud\":1,\"k\":\"b\"}",
	};
	char err[256];

	fk_eval_path_set(&e.by, "k", err, sizeof(err));
	for (size_t i = 0; i < NELEM(in); i++)
		cr_assert_eq(add(in[i], err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(fk_map_count(&e.byvals), 3);
	cr_assert_eq(e.s[0].group, FK_EVAL_BY_FIRST);
	cr_assert_eq(e.s[1].group, FK_EVAL_BY_FIRST + 1);
	cr_assert_eq(e.s[2].group, FK_EVAL_BY_NONE);
	cr_assert_eq(e.s[3].group, FK_EVAL_BY_NONE);
	cr_assert_eq(e.s[5].group, FK_EVAL_BY_FIRST);
}

Test(report, by_values_capped)
{
	char rec[128], err[256];

	fk_eval_path_set(&e.by, "k", err, sizeof(err));
	for (int i = 0; i < FK_EVAL_MAX_BY + 5; i++) {
		snprintf(rec, sizeof(rec),
		    "{\"risk\":{\"score\":1},\"fraud\":1,\"k\":%d}", i);
		cr_assert_eq(add(rec, err, sizeof(err)), 0, "%s", err);
	}
	cr_assert_eq(fk_map_count(&e.byvals), FK_EVAL_MAX_BY);
	cr_assert_eq(e.s[FK_EVAL_MAX_BY - 1].group,
	    FK_EVAL_BY_FIRST + FK_EVAL_MAX_BY - 1);
	cr_assert_eq(e.s[FK_EVAL_MAX_BY].group, FK_EVAL_BY_OTHER);
	/* a value seen before the cap keeps its group */
	cr_assert_eq(add("{\"risk\":{\"score\":1},\"fraud\":1,\"k\":7}", err,
	                 sizeof(err)),
	    0);
	cr_assert_eq(e.s[e.n - 1].group, FK_EVAL_BY_FIRST + 7);
}

static char dir[256];

/* Criterion runs these after the suite's setup and before its
 * teardown. */
static void
labels_setup(void)
{
	fk_test_tmpdir(dir, sizeof(dir), "report");
}

static void
labels_teardown(void)
{
	fk_test_rmdir(dir);
}

static int
load(const char *text, char *err, size_t errlen, int *code)
{
	static char path[512]; /* e.labels_name borrows it */

	fk_test_write(path, sizeof(path), dir, "l.ndjson", text, strlen(text));
	return fk_eval_labels_load(&e, path, err, errlen, code);
}

Test(report, labels_join, .init = labels_setup, .fini = labels_teardown)
{
	char err[512];
	int code = 0;

	cr_assert_eq(load("{\"tx_id\":\"t1\",\"fraud\":1}\n"
	                  "\n"
	                  "{\"tx_id\":2,\"fraud\":0}\n"
	                  "{\"tx_id\":\"t1\",\"fraud\":true}\n",
	                 err, sizeof(err), &code),
	    0, "%s", err);
	cr_assert_not_null(e.labels_name);
	cr_assert_eq(add("{\"tx_id\":\"t1\",\"risk\":{\"score\":0.5}}", err,
	                 sizeof(err)),
	    0, "%s", err);
	cr_assert_eq(add("{\"tx_id\":\"2\",\"risk\":{\"score\":0.5},"
	                 "\"fraud\":1}",
	                 err, sizeof(err)),
	    0, "%s", err);
	cr_assert_eq(e.s[0].label, 1);
	cr_assert_eq(e.s[1].label, 0, "the file's label, not the record's");
	cr_assert_eq(add("{\"tx_id\":\"t9\",\"risk\":{\"score\":0.5}}", err,
	                 sizeof(err)),
	    -1);
	cr_assert(strstr(err, "tx_id \"t9\": no label in ") == err, "%s", err);
	cr_assert_eq(add("{\"risk\":{\"score\":0.5}}", err, sizeof(err)), -1);
	cr_assert_str_eq(err, "tx_id: missing");
}

Test(report, labels_bad, .init = labels_setup, .fini = labels_teardown)
{
	char err[512], *colon;
	int code = 0;

	cr_assert_eq(load("{\"tx_id\":\"t1\",\"fraud\":1}\n"
	                  "{\"tx_id\":\"t2\",\"fraud\":5}\n",
	                 err, sizeof(err), &code),
	    -1);
	cr_assert_eq(code, FK_EX_DATAERR);
	colon = strstr(err, "l.ndjson:");
	cr_assert_not_null(colon, "%s", err);
	cr_assert_str_eq(colon, "l.ndjson:2: fraud: expected 0 or 1, got 5");
	cr_assert_eq(load("{\"tx_id\":\"t1\",\"fraud\":1}\n"
	                  "{\"tx_id\":\"t1\",\"fraud\":0}\n",
	                 err, sizeof(err), &code),
	    -1);
	cr_assert_str_eq(strstr(err, "l.ndjson:"),
	    "l.ndjson:2: tx_id \"t1\": labelled 0 here and 1 on line 1");
	cr_assert_eq(load("{\"fraud\":0}\n", err, sizeof(err), &code), -1);
	cr_assert_str_eq(
	    strstr(err, "l.ndjson:"), "l.ndjson:1: tx_id: missing");
	cr_assert_eq(load("nope\n", err, sizeof(err), &code), -1);
	cr_assert(strstr(err, "l.ndjson:1: invalid JSON at column") != NULL,
	    "%s", err);
	cr_assert_null(e.labels_name);
	cr_assert_eq(fk_eval_labels_load(
	                 &e, "/nonexistent/labels", err, sizeof(err), &code),
	    -1);
	cr_assert_eq(code, FK_EX_NOINPUT);
	cr_assert_str_eq(err, "/nonexistent/labels: No such file or directory");
}

Test(report, option_values)
{
	char err[256];

	cr_assert_eq(
	    fk_eval_set_thresholds(&e, "0.9,0.5,0.5,-1", err, sizeof(err)), 0);
	cr_assert_eq(e.nthr, 3);
	cr_assert_eq(e.thr[0], -1);
	cr_assert_eq(e.thr[1], 0.5);
	cr_assert_eq(e.thr[2], 0.9);
	cr_assert_eq(
	    fk_eval_set_thresholds(&e, "0.5,nan", err, sizeof(err)), -1);
	cr_assert_str_eq(err, "expected a number, got \"nan\"");
	cr_assert_eq(fk_eval_set_thresholds(&e, "1e999", err, sizeof(err)), -1);
	cr_assert_eq(fk_eval_set_thresholds(&e, "", err, sizeof(err)), -1);
	cr_assert_str_eq(err, "expected a number, got \"\"");
	cr_assert_eq(fk_eval_set_thresholds(&e, "0x1", err, sizeof(err)), -1);
	cr_assert_eq(fk_eval_set_thresholds(&e, "inf", err, sizeof(err)), -1);
	cr_assert_eq(e.nthr, 3, "kept on error");
	cr_assert_eq(fk_eval_set_top(&e, "100,10,100", err, sizeof(err)), 0);
	cr_assert_eq(e.ntop, 2);
	cr_assert_eq(e.top[0], 10);
	cr_assert_eq(e.top[1], 100);
	cr_assert_eq(fk_eval_set_top(&e, "10,0", err, sizeof(err)), -1);
	cr_assert_str_eq(
	    err, "expected an integer from 1 to 1000000000, got \"0\"");
	cr_assert_eq(fk_eval_path_set(&e.score, "a..b", err, sizeof(err)), -1);
	cr_assert_str_eq(err, "empty name in \"a..b\"");
	cr_assert_eq(fk_eval_path_set(&e.score, "", err, sizeof(err)), -1);
	cr_assert_str_eq(e.score.text, "risk.score", "kept on error");
	cr_assert_eq(fk_eval_path_set(&e.score, "a.b.c", err, sizeof(err)), 0);
	cr_assert_eq(e.score.n, 3);
	cr_assert_str_eq(e.score.seg[2], "c");
}

/* Keys in their documented order; undefined metrics are null. */
Test(report, json_shape)
{
	char err[256], *buf = NULL;
	size_t len = 0;
	FILE *fp;

	cr_assert_eq(add("{\"risk\":{\"score\":0.9},\"fraud\":1,\"user_id\":"
	                 "\"u\",\"ts_ms\":0}",
	                 err, sizeof(err)),
	    0);
	cr_assert_eq(
	    add("{\"risk\":{\"score\":0.2},\"fraud\":1}", err, sizeof(err)), 0);
	fk_eval_compute(&e);
	fp = open_memstream(&buf, &len);
	cr_assert_not_null(fp);
	cr_assert_eq(fk_eval_write_json(&e, fp), 0);
	fclose(fp);
	cr_assert_str_eq(buf,
	    "{\"counts\":{\"records\":2,\"positives\":2,\"negatives\":0,"
	    "\"rejected\":0},\"base_rate\":1.0,\"roc_auc\":null,"
	    "\"average_precision\":1.0,\"thresholds\":[{\"threshold\":0.5,"
	    "\"alerts\":1,\"tp\":1,\"fp\":0,\"fn\":1,\"tn\":0,"
	    "\"precision\":1.0,\"recall\":0.5,\"f1\":0.666666666666667}],"
	    "\"precision_at_k\":{\"100\":1.0},\"daily\":{\"days\":1,"
	    "\"records\":1,\"left_out\":1,\"precision_at_k\":{\"100\":1.0},"
	    "\"card_precision_at_k\":{\"100\":0.01}},\"sweep\":[],"
	    "\"by\":null}\n");
	free(buf);
}

/* The figures as gauges: labels as the report prints them, undefined
 * ones (no negatives: ROC AUC) left out rather than NaN. */
Test(report, export_gauges)
{
	struct fk_prom *m;
	struct fk_jbuf b;
	char err[256], *s;

	cr_assert_eq(
	    fk_eval_set_thresholds(&e, "0.25,0.95", err, sizeof(err)), 0);
	cr_assert_eq(fk_eval_set_top(&e, "1", err, sizeof(err)), 0);
	cr_assert_eq(
	    add("{\"risk\":{\"score\":0.9},\"fraud\":1}", err, sizeof(err)), 0);
	cr_assert_eq(
	    add("{\"risk\":{\"score\":0.2},\"fraud\":1}", err, sizeof(err)), 0);
	fk_eval_compute(&e);
	m = fk_prom_new(NULL, err, sizeof(err));
	cr_assert_not_null(m);
	cr_assert_eq(fk_eval_export(&e, m, err, sizeof(err)), 0, "%s", err);
	fk_jbuf_init(&b);
	fk_prom_render(m, &b);
	s = fk_xstrndup(b.p, b.len);
	cr_expect_not_null(strstr(s, "\nfk_eval_records 2\n"), "%s", s);
	cr_expect_not_null(strstr(s, "\nfk_eval_positives 2\n"), "%s", s);
	cr_expect_not_null(strstr(s, "\nfk_eval_average_precision 1\n"));
	cr_expect_null(strstr(s, "fk_eval_roc_auc"), "%s", s);
	cr_expect_null(strstr(s, "NaN"), "%s", s);
	cr_expect_not_null(
	    strstr(s, "\nfk_eval_recall{threshold=\"0.25\"} 0.5\n"), "%s", s);
	/* No alerts at 0.95: precision undefined, the counts are there. */
	cr_expect_null(strstr(s, "fk_eval_precision{threshold=\"0.95\"}"));
	cr_expect_not_null(
	    strstr(s, "\nfk_eval_precision{threshold=\"0.25\"} 1\n"), "%s", s);
	cr_expect_not_null(
	    strstr(s, "\nfk_eval_false_negatives{threshold=\"0.95\"} 2\n"));
	cr_expect_not_null(
	    strstr(s, "\nfk_eval_false_positives{threshold=\"0.95\"} 0\n"));
	cr_expect_not_null(
	    strstr(s, "\nfk_eval_precision_at_k{k=\"1\"} 1\n"), "%s", s);
	/* No day nor user: the daily means are undefined. */
	cr_expect_null(strstr(s, "fk_eval_daily"), "%s", s);
	free(s);
	fk_jbuf_release(&b);
	fk_prom_free(m);
}
