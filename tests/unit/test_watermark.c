/* Unit tests for watermark.c: the control messages of a chain. */
#include "watermark.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

Test(watermark, parses_what_it_formats)
{
	struct fk_watermark w = { .task = 3,
		.tasks = 4,
		.wm = 1730419200685,
		.idle = 1 },
	                    r;
	char buf[512], err[256];
	int n;

	memcpy(w.topic, "tx.\"user\"", 10);
	n = fk_watermark_format(&w, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	cr_assert_str_eq(buf,
	    "{\"topic\":\"tx.\\\"user\\\"\",\"task\":3,\"tasks\":4,"
	    "\"wm\":1730419200685,\"idle\":true}");
	cr_assert_eq(fk_watermark_parse(buf, (size_t)n, &r, err, sizeof(err)),
	    0, "%s", err);
	cr_assert_str_eq(r.topic, w.topic);
	cr_assert_eq(r.task, 3);
	cr_assert_eq(r.tasks, 4);
	cr_assert_eq(r.wm, 1730419200685);
	cr_assert_eq(r.idle, 1);
}

Test(watermark, idle_is_optional)
{
	const char *s = "{\"topic\":\"t\",\"task\":0,\"tasks\":1,\"wm\":5}";
	struct fk_watermark r;
	char err[256];

	cr_assert_eq(fk_watermark_parse(s, strlen(s), &r, err, sizeof(err)), 0);
	cr_assert_eq(r.idle, 0);
	cr_assert_eq(r.wm, 5);
}

struct bad {
	char in[128];
	char why[64];
};

static struct bad bad_cases[] = {
	{ "[]", "not a JSON object" },
	{ "{\"task\":0,\"tasks\":1,\"wm\":5}", "topic" },
	{ "{\"topic\":\"t\",\"task\":1,\"tasks\":1,\"wm\":5}", "task:" },
	{ "{\"topic\":\"t\",\"task\":0,\"tasks\":0,\"wm\":5}", "tasks:" },
	{ "{\"topic\":\"t\",\"task\":0,\"tasks\":1,\"wm\":-1}", "wm:" },
	{ "{\"topic\":\"t\",\"task\":0,\"tasks\":1,\"wm\":\"5\"}", "wm:" },
	{ "{\"topic\":\"t\",\"task\":0,\"tasks\":1,\"wm\":5,\"idle\":1}",
	    "idle:" },
	{ "{\"topic\":\"t\",\"task\":0,", "not a JSON object" },
};

#include <criterion/parameterized.h>

ParameterizedTestParameters(watermark, refuses)
{
	return cr_make_param_array(
	    struct bad, bad_cases, sizeof(bad_cases) / sizeof(bad_cases[0]));
}

ParameterizedTest(struct bad *b, watermark, refuses)
{
	struct fk_watermark r;
	char err[256];

	cr_assert_eq(
	    fk_watermark_parse(b->in, strlen(b->in), &r, err, sizeof(err)), -1,
	    "%s", b->in);
	cr_assert(strstr(err, b->why) != NULL, "%s: %s", b->in, err);
}

Test(watermark, marks_of_several_tasks_in_one_message)
{
	struct fk_watermark w[3];
	struct fk_watermarks got = { 0 };
	char buf[2048], err[256];
	int n;

	memset(w, 0, sizeof(w));
	for (int i = 0; i < 3; i++) {
		memcpy(w[i].topic, "tx", 3);
		w[i].tasks = 4;
		w[i].task = 3 - i;
		w[i].wm = 1000 + i;
		w[i].idle = i == 1;
	}
	cr_assert_lt(fk_watermarks_size(3), sizeof(buf));
	n = fk_watermarks_format(w, 3, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	cr_assert_str_eq(buf,
	    "{\"topic\":\"tx\",\"tasks\":4,\"marks\":["
	    "{\"task\":3,\"wm\":1000,\"idle\":false},"
	    "{\"task\":2,\"wm\":1001,\"idle\":true},"
	    "{\"task\":1,\"wm\":1002,\"idle\":false}]}");
	cr_assert_eq((size_t)n, strlen(buf));
	cr_assert_eq(
	    fk_watermarks_parse(buf, (size_t)n, &got, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_eq(got.n, 3);
	for (int i = 0; i < 3; i++) {
		cr_assert_str_eq(got.w[i].topic, "tx");
		cr_assert_eq(got.w[i].tasks, 4);
		cr_assert_eq(got.w[i].task, 3 - i);
		cr_assert_eq(got.w[i].wm, 1000 + i);
		cr_assert_eq(got.w[i].idle, i == 1);
	}
	/* One mark: the single form, which both parsers read. */
	n = fk_watermarks_format(w, 1, buf, sizeof(buf));
	cr_assert_str_eq(buf,
	    "{\"topic\":\"tx\",\"task\":3,\"tasks\":4,\"wm\":1000,"
	    "\"idle\":false}");
	cr_assert_eq(
	    fk_watermarks_parse(buf, (size_t)n, &got, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_eq(got.n, 1);
	cr_assert_eq(got.w[0].task, 3);
	/* Too small a buffer, or no marks: refused, never cut short. */
	cr_assert_eq(fk_watermarks_format(w, 3, buf, 60), -1);
	cr_assert_eq(fk_watermarks_format(w, 0, buf, sizeof(buf)), -1);
	fk_watermarks_free(&got);
}

Test(watermark, the_most_marks_fit_the_size_given)
{
	static struct fk_watermark w[FK_WATERMARK_MARKS_MAX];
	struct fk_watermarks got = { 0 };
	size_t len = fk_watermarks_size(FK_WATERMARK_MARKS_MAX);
	char *buf = malloc(len), err[256];
	int n;

	cr_assert_not_null(buf);
	for (int i = 0; i < FK_WATERMARK_MARKS_MAX; i++) {
		/* The longest topic, each byte escaped by jansson. */
		memset(w[i].topic, '\x01', sizeof(w[i].topic) - 1);
		w[i].tasks = 100000;
		w[i].task = 99999;
		w[i].wm = INT64_MAX;
		w[i].idle = 0;
	}
	n = fk_watermarks_format(w, FK_WATERMARK_MARKS_MAX, buf, len);
	cr_assert_gt(n, 0);
	cr_assert_eq(
	    fk_watermarks_parse(buf, (size_t)n, &got, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_eq(got.n, FK_WATERMARK_MARKS_MAX);
	cr_assert_eq(
	    fk_watermarks_format(w, FK_WATERMARK_MARKS_MAX + 1, buf, len), -1);
	fk_watermarks_free(&got);
	free(buf);
}

static struct bad bad_marks[] = {
	{ "{\"topic\":\"t\",\"tasks\":2,\"marks\":[]}", "marks:" },
	{ "{\"topic\":\"t\",\"tasks\":2,\"marks\":{}}", "marks:" },
	{ "{\"topic\":\"t\",\"tasks\":2,\"marks\":[1]}", "marks:" },
	{ "{\"topic\":\"t\",\"tasks\":2,\"marks\":[{\"task\":2,\"wm\":5}]}",
	    "task:" },
	{ "{\"topic\":\"t\",\"tasks\":2,\"marks\":[{\"task\":0,\"wm\":5},"
	  "{\"task\":1}]}",
	    "wm:" },
	{ "{\"tasks\":2,\"marks\":[{\"task\":0,\"wm\":5}]}", "topic" },
	{ "{\"topic\":\"t\",\"tasks\":2}", "task:" },
};

ParameterizedTestParameters(watermark, refuses_marks)
{
	return cr_make_param_array(
	    struct bad, bad_marks, sizeof(bad_marks) / sizeof(bad_marks[0]));
}

ParameterizedTest(struct bad *b, watermark, refuses_marks)
{
	struct fk_watermarks got = { 0 };
	char err[256];

	cr_assert_eq(
	    fk_watermarks_parse(b->in, strlen(b->in), &got, err, sizeof(err)),
	    -1, "%s", b->in);
	cr_assert_eq(got.n, 0);
	cr_assert(strstr(err, b->why) != NULL, "%s: %s", b->in, err);
	fk_watermarks_free(&got);
}
