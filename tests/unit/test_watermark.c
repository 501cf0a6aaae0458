/* Unit tests for watermark.c: the control messages of a chain. */
#include "watermark.h"

#include <criterion/criterion.h>
#include <stdio.h>
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

Test(watermark, an_idle_one_carries_its_pause)
{
	struct fk_watermark w = { .task = 0,
		.tasks = 1,
		.wm = 7,
		.idle = 1,
		.idle_at = 1796690079123 },
	                    r;
	char buf[512], err[256];
	int n;

	memcpy(w.topic, "-", 2);
	n = fk_watermark_format(&w, buf, sizeof(buf));
	cr_assert_str_eq(buf,
	    "{\"topic\":\"-\",\"task\":0,\"tasks\":1,\"wm\":7,"
	    "\"idle\":true,\"idle_at\":1796690079123}");
	cr_assert_eq(fk_watermark_parse(buf, (size_t)n, &r, err, sizeof(err)),
	    0, "%s", err);
	cr_assert_eq(r.idle_at, 1796690079123);
	/* Not idle: no pause said, none read. */
	w.idle = 0;
	n = fk_watermark_format(&w, buf, sizeof(buf));
	cr_assert(strstr(buf, "idle_at") == NULL, "%s", buf);
	n = snprintf(buf, sizeof(buf), "%s",
	    "{\"topic\":\"t\",\"task\":0,\"tasks\":1,\"wm\":5,"
	    "\"idle\":false,\"idle_at\":9}");
	cr_assert_eq(fk_watermark_parse(buf, (size_t)n, &r, err, sizeof(err)),
	    0, "%s", err);
	cr_assert_eq(r.idle_at, 0);
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
	{ "{\"topic\":\"t\",\"task\":0,\"tasks\":1,\"wm\":5,\"idle_at\":-1}",
	    "idle_at:" },
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
