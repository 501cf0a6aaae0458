/* Unit tests for jbuf.c. */
#include "jbuf.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "banned.h"

static char *
text(struct fk_jbuf *b)
{
	static char s[4096];

	cr_assert_lt(b->len, sizeof(s));
	memcpy(s, b->p, b->len);
	s[b->len] = '\0';
	return s;
}

Test(jbuf, fixed)
{
	struct fk_jbuf b;

	fk_jbuf_init(&b);
	fk_jbuf_fixed(&b, 12.5, 2);
	FK_JBUF_PUTS(&b, " ");
	fk_jbuf_fixed(&b, -0.25, 6);
	FK_JBUF_PUTS(&b, " ");
	fk_jbuf_fixed(&b, 3.0, 9);
	FK_JBUF_PUTS(&b, " ");
	fk_jbuf_fixed(&b, -0.0000001, 3);
	FK_JBUF_PUTS(&b, " ");
	fk_jbuf_fixed(&b, NAN, 3);
	FK_JBUF_PUTS(&b, " ");
	fk_jbuf_fixed(&b, 1e300, 3);
	cr_assert_str_eq(text(&b), "12.5 -0.25 3 0 0 1.0000000000000001e+300");
	fk_jbuf_release(&b);
}

/* 9 significant digits: what %.9g keeps, read back. */
Test(jbuf, num_keeps_nine_digits)
{
	uint64_t st = 3;
	struct fk_jbuf b;
	char want[64];
	int i;

	fk_jbuf_init(&b);
	for (i = 0; i < 200000; i++) {
		uint64_t r = fk_test_rand(&st);
		double v = (double)(r >> 11) / 9007199254740992.0 *
		    pow(10, (double)(int)(r % 24) - 12);

		if (r & 1)
			v = -v;
		b.len = 0;
		fk_jbuf_num(&b, v);
		snprintf(want, sizeof(want), "%.9g", v);
		cr_assert_eq(strtod(text(&b), NULL), strtod(want, NULL),
		    "%.17g: wrote %s, %%.9g is %s", v, text(&b), want);
	}
	b.len = 0;
	fk_jbuf_num(&b, 1.5634486e-05);
	FK_JBUF_PUTS(&b, " ");
	fk_jbuf_num(&b, 0.8999999999999999);
	FK_JBUF_PUTS(&b, " ");
	fk_jbuf_num(&b, -123456789.4);
	FK_JBUF_PUTS(&b, " ");
	fk_jbuf_num(&b, 0);
	FK_JBUF_PUTS(&b, " ");
	fk_jbuf_num(&b, INFINITY);
	cr_assert_str_eq(text(&b), "0.000015634486 0.9 -123456789 0 0");
	fk_jbuf_release(&b);
}

Test(jbuf, str_escapes)
{
	struct fk_jbuf b;
	const char s[] = "a\"b\\c\nd\te\rf\001g\xc3\xa9";
	json_t *v;

	fk_jbuf_init(&b);
	fk_jbuf_str(&b, s, sizeof(s) - 1);
	cr_assert_str_eq(
	    text(&b), "\"a\\\"b\\\\c\\nd\\te\\rf\\u0001g\xc3\xa9\"");
	v = json_loadb(b.p, b.len, JSON_DECODE_ANY, NULL);
	cr_assert_str_eq(json_string_value(v), s);
	json_decref(v);
	fk_jbuf_release(&b);
}

static void
open_drop(const char *in, const char *drop, const char *want)
{
	struct fk_jobj o;
	struct fk_jbuf b;
	char err[128];

	fk_jobj_init(&o);
	fk_jbuf_init(&b);
	cr_assert_eq(
	    fk_jscan(&o, in, strlen(in), err, sizeof(err)), 0, "%s", err);
	fk_jbuf_open_record(&b, in, strlen(in), &o, drop);
	FK_JBUF_PUTS(&b, "\"risk\":1}");
	cr_assert_str_eq(text(&b), want, "%s without %s", in, drop);
	fk_jobj_release(&o);
	fk_jbuf_release(&b);
}

Test(jbuf, open_record)
{
	open_drop("{}", "risk", "{\"risk\":1}");
	open_drop(" { } ", "risk", " { \"risk\":1}");
	open_drop("{\"a\":1}", NULL, "{\"a\":1,\"risk\":1}");
	open_drop("{\"a\":1}", "risk", "{\"a\":1,\"risk\":1}");
	open_drop("{\"risk\":{\"x\":[1]}}", "risk", "{\"risk\":1}");
	open_drop("{\"risk\":2,\"a\":1}", "risk", "{\"a\":1,\"risk\":1}");
	open_drop("{\"a\":1,\"risk\":2}", "risk", "{\"a\":1,\"risk\":1}");
	open_drop("{\"a\":1,\"risk\":2,\"b\":3}", "risk",
	    "{\"a\":1,\"b\":3,\"risk\":1}");
	open_drop("{\"risk\":1,\"risk\":2}", "risk", "{\"risk\":1}");
	open_drop("{\"risk\":1,\"a\":0,\"risk\":2,\"b\":3,\"risk\":4}", "risk",
	    "{\"a\":0,\"b\":3,\"risk\":1}");
	open_drop("{ \"a\" : 1 , \"risk\" : 2 }", "risk",
	    "{ \"a\" : 1  ,\"risk\":1}");
	open_drop("{\n \"risk\" : 2 ,\n \"a\": 1\n}\n", "risk",
	    "{\n \n \"a\": 1\n,\"risk\":1}");
	open_drop("{\"ri\\u0073k\":2,\"a\":1}", "risk", "{\"a\":1,\"risk\":1}");
	open_drop("{\"risk_shadow\":2,\"a\":1}", "risk",
	    "{\"risk_shadow\":2,\"a\":1,\"risk\":1}");
}
