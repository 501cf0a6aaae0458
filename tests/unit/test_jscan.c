/* Unit tests for jscan.c: spans, flags, refusals, and agreement with
 * jansson on generated and mutated records. */
#include "jscan.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <jansson.h>

#include "banned.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* s[0..len) for a message, with C escapes for what is not printable. */
static const char *
show(const char *s, size_t len)
{
	static char buf[4096];
	size_t i, n = 0;

	for (i = 0; i < len && n < sizeof(buf) - 8; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			buf[n++] = (char)ch;
		else
			n += (size_t)snprintf(
			    buf + n, sizeof(buf) - n, "\\x%02x", ch);
	}
	buf[n] = '\0';
	return buf;
}

/* Scans s, which must be accepted. */
static void
scan_ok(struct fk_jobj *o, const char *s, size_t len)
{
	char err[128] = "";

	cr_assert_eq(fk_jscan(o, s, len, err, sizeof(err)), 0, "refused %s: %s",
	    show(s, len), err);
}

/* Member i has the key and value at these offsets of s. */
static void
check_member(const struct fk_jobj *o, size_t i, const char *s, size_t koff,
    const char *key, size_t voff, const char *val, enum fk_jtype type)
{
	const struct fk_jmember *m;

	cr_assert_lt(i, o->n, "member %zu of %zu", i, o->n);
	m = &o->m[i];
	cr_assert_eq(m->key, s + koff, "member %zu: key at %td, want %zu", i,
	    m->key - s, koff);
	cr_assert_eq(
	    m->keylen, strlen(key), "member %zu: keylen %zu", i, m->keylen);
	cr_assert_eq(memcmp(m->key, key, m->keylen), 0);
	cr_assert_eq(m->val, s + voff, "member %zu: value at %td, want %zu", i,
	    m->val - s, voff);
	cr_assert_eq(m->vallen, strlen(val), "member %zu (%s): vallen %zu", i,
	    key, m->vallen);
	cr_assert_eq(memcmp(m->val, val, m->vallen), 0);
	cr_assert_eq(
	    m->type, type, "member %zu (%s): type %d", i, key, (int)m->type);
}

static void
check_flags(const struct fk_jobj *o, size_t i, unsigned escaped,
    unsigned integer, unsigned key_escaped)
{
	const struct fk_jmember *m = &o->m[i];

	cr_assert_eq(m->escaped, escaped, "member %zu: escaped", i);
	cr_assert_eq(m->integer, integer, "member %zu: integer", i);
	cr_assert_eq(m->key_escaped, key_escaped, "member %zu: key_escaped", i);
}

Test(jscan, every_value_type)
{
	/* offsets count bytes of the text, \" being one */
	const char *s = "{\"s\":\"x y\",\"i\":-12,\"r\":1.5e3,\"t\":true,"
	                "\"f\":false,\"n\":null,\"o\":{\"a\":[1,{}]},\"a\":[],"
	                "\"e\":\"\"}";
	struct fk_jobj o;

	fk_jobj_init(&o);
	scan_ok(&o, s, strlen(s));
	cr_assert_eq(o.n, 9);
	check_member(&o, 0, s, 2, "s", 5, "\"x y\"", FK_J_STRING);
	check_member(&o, 1, s, 12, "i", 15, "-12", FK_J_NUMBER);
	check_member(&o, 2, s, 20, "r", 23, "1.5e3", FK_J_NUMBER);
	check_member(&o, 3, s, 30, "t", 33, "true", FK_J_TRUE);
	check_member(&o, 4, s, 39, "f", 42, "false", FK_J_FALSE);
	check_member(&o, 5, s, 49, "n", 52, "null", FK_J_NULL);
	check_member(&o, 6, s, 58, "o", 61, "{\"a\":[1,{}]}", FK_J_OBJECT);
	check_member(&o, 7, s, 75, "a", 78, "[]", FK_J_ARRAY);
	check_member(&o, 8, s, 82, "e", 85, "\"\"", FK_J_STRING);
	check_flags(&o, 0, 0, 0, 0);
	check_flags(&o, 1, 0, 1, 0);
	check_flags(&o, 2, 0, 0, 0);
	check_flags(&o, 6, 0, 0, 0);
	cr_assert_eq(o.longest, 3);
	cr_assert_eq(o.duplicates, 0);
	fk_jobj_release(&o);
}

Test(jscan, white_space_is_outside_the_spans)
{
	const char *s = " \t{ \"k\" :\r\n\"v\" , \"n\":\t[ 1 , 2 ]\n} \r\n";
	struct fk_jobj o;

	fk_jobj_init(&o);
	scan_ok(&o, s, strlen(s));
	cr_assert_eq(o.n, 2);
	check_member(&o, 0, s, 5, "k", 11, "\"v\"", FK_J_STRING);
	check_member(&o, 1, s, 18, "n", 22, "[ 1 , 2 ]", FK_J_ARRAY);
	fk_jobj_release(&o);
}

Test(jscan, empty_objects)
{
	const char *cases[] = { "{}", " { } ", "{\n}\n", "\t{\r\n\t}" };
	struct fk_jobj o;
	size_t i;

	fk_jobj_init(&o);
	for (i = 0; i < NELEM(cases); i++) {
		scan_ok(&o, cases[i], strlen(cases[i]));
		cr_assert_eq(o.n, 0, "%s", cases[i]);
		cr_assert_eq(o.longest, 0);
		cr_assert_eq(o.duplicates, 0);
	}
	fk_jobj_release(&o);
}

Test(jscan, text_need_not_be_terminated)
{
	/* the scan stops at len: the bytes after it are never read as
	 * part of the object */
	const char *s = "{\"a\":12}{\"b\":3}";
	struct fk_jobj o;

	fk_jobj_init(&o);
	scan_ok(&o, s, 8);
	cr_assert_eq(o.n, 1);
	check_member(&o, 0, s, 2, "a", 5, "12", FK_J_NUMBER);
	/* a number at the very end of the text */
	cr_assert_eq(fk_jscan(&o, s, 7, NULL, 0), -1);
	fk_jobj_release(&o);
}

Test(jscan, flags)
{
	const char *s =
	    "{\"a\\n\":\"x\\\"y\",\"b\":\"\\u00e9\",\"c\":\"\xc3\xa9\","
	    "\"d\":0,\"e\":-0,\"f\":10.0,\"g\":1e2,\"h\":1E-2,"
	    "\"i\":\"\\\\\",\"\\u0041\":123456789012345678901234}";
	struct fk_jobj o;

	fk_jobj_init(&o);
	scan_ok(&o, s, strlen(s));
	cr_assert_eq(o.n, 10);
	check_flags(&o, 0, 1, 0, 1); /* escaped key and value */
	check_flags(&o, 1, 1, 0, 0); /* \u escape */
	check_flags(&o, 2, 0, 0, 0); /* raw UTF-8 is not an escape */
	check_flags(&o, 3, 0, 1, 0);
	check_flags(&o, 4, 0, 1, 0);
	check_flags(&o, 5, 0, 0, 0);
	check_flags(&o, 6, 0, 0, 0);
	check_flags(&o, 7, 0, 0, 0);
	check_flags(&o, 8, 1, 0, 0);
	/* integers of any size are integers here; the caller converts */
	check_flags(&o, 9, 0, 1, 1);
	cr_assert_eq(o.m[0].keylen, 3);
	cr_assert_eq(memcmp(o.m[0].key, "a\\n", 3), 0);
	cr_assert_eq(o.m[9].keylen, 6);
	fk_jobj_release(&o);
}

Test(jscan, longest_counts_raw_bytes_anywhere)
{
	struct fk_jobj o;
	const char *s;

	fk_jobj_init(&o);
	s = "{\"key\":\"ab\"}";
	scan_ok(&o, s, strlen(s));
	cr_assert_eq(o.longest, 3); /* a key */
	s = "{\"k\":\"a\\u00e9b\"}";
	scan_ok(&o, s, strlen(s));
	cr_assert_eq(o.longest, 8); /* escapes as written */
	s = "{\"k\":\"\xe2\x82\xac\"}";
	scan_ok(&o, s, strlen(s));
	cr_assert_eq(o.longest, 3); /* bytes, not characters */
	s = "{\"k\":[\"x\",{\"y\":\"0123456789abcdef0123\"}],\"z\":\"12\"}";
	scan_ok(&o, s, strlen(s));
	cr_assert_eq(o.longest, 20); /* nested */
	s = "{\"k\":{\"0123456789abcdef0123x\":1}}";
	scan_ok(&o, s, strlen(s));
	cr_assert_eq(o.longest, 21); /* nested key */
	s = "{\"k\":1}";
	scan_ok(&o, s, strlen(s));
	cr_assert_eq(o.longest, 1); /* reset between calls */
	fk_jobj_release(&o);
}

struct dup_case {
	char in[96];
	int want;
};

ParameterizedTestParameters(jscan, duplicates)
{
	static struct dup_case cases[] = {
		{ "{\"a\":1,\"b\":2}", 0 },
		{ "{\"a\":1,\"a\":2}", 1 },
		{ "{\"a\":1,\"b\":2,\"c\":3,\"b\":4}", 1 },
		{ "{\"\":1,\"\":2}", 1 },
		{ "{\"\":1,\"a\":2}", 0 },
		{ "{\"ab\":1,\"ba\":2,\"a\":3,\"abc\":4}", 0 },
		/* nested keys are another object's business */
		{ "{\"a\":{\"x\":1,\"x\":2},\"b\":{\"a\":3}}", 0 },
		/* the same key once escapes are decoded */
		{ "{\"a\":1,\"\\u0061\":2}", 1 },
		{ "{\"\\u0061\":1,\"a\":2}", 1 },
		{ "{\"\\u0061\":1,\"\\u0061\":2}", 1 },
		{ "{\"\\u0061\":1,\"\\u0062\":2}", 0 },
		{ "{\"a/b\":1,\"a\\/b\":2}", 1 },
		{ "{\"\xc3\xa9\":1,\"\\u00e9\":2}", 1 },
		{ "{\"\xc3\xa9\":1,\"\\u00E9\":2}", 1 },
		{ "{\"\xf0\x9f\x98\x80\":1,\"\\ud83d\\ude00\":2}", 1 },
		{ "{\"\\n\":1,\"\\u000a\":2}", 1 },
		{ "{\"\\n\":1,\"n\":2}", 0 },
		{ "{\"a\\\\\":1,\"a\\\\\\\\\":2}", 0 },
		{ "{\"\\u00e9\":1,\"\xc3\xa8\":2}", 0 },
	};

	return cr_make_param_array(struct dup_case, cases, NELEM(cases));
}

ParameterizedTest(struct dup_case *c, jscan, duplicates)
{
	struct fk_jobj o;
	json_t *j;

	cr_assert_not_null(memchr(c->in, '\0', sizeof(c->in)));
	fk_jobj_init(&o);
	scan_ok(&o, c->in, strlen(c->in));
	cr_assert_eq(o.duplicates, c->want, "%s", c->in);
	/* jansson merges exactly the keys counted as duplicates */
	j = json_loads(c->in, 0, NULL);
	cr_assert_not_null(j);
	cr_assert_eq(json_object_size(j) < o.n, c->want, "%s", c->in);
	json_decref(j);
	fk_jobj_release(&o);
}

Test(jscan, get_last_match_wins)
{
	const char *s = "{\"a\":1,\"b\":2,\"a\":3,\"\\u0063\":4,\"c\\\"\":5,"
	                "\"\xc3\xa9\":6,\"x\\u00e9\":7,\"\":8}";
	struct fk_jobj o;
	const struct fk_jmember *m;

	fk_jobj_init(&o);
	scan_ok(&o, s, strlen(s));
	cr_assert_eq(o.n, 8);
	cr_assert_eq(o.duplicates, 1);
	m = fk_jobj_get(&o, "a");
	cr_assert_eq(m, &o.m[2]);
	cr_assert_eq(fk_jobj_get(&o, "b"), &o.m[1]);
	/* keys are matched with their escapes decoded */
	cr_assert_eq(fk_jobj_get(&o, "c"), &o.m[3]);
	cr_assert_eq(fk_jobj_get(&o, "c\""), &o.m[4]);
	cr_assert_eq(fk_jobj_get(&o, "\xc3\xa9"), &o.m[5]);
	cr_assert_eq(fk_jobj_get(&o, "x\xc3\xa9"), &o.m[6]);
	cr_assert_eq(fk_jobj_get(&o, ""), &o.m[7]);
	cr_assert_null(fk_jobj_get(&o, "d"));
	cr_assert_null(fk_jobj_get(&o, "aa"));
	cr_assert_null(fk_jobj_get(&o, "\\u0063"));
	cr_assert_null(fk_jobj_get(&o, "x\xc3"));
	cr_assert_null(fk_jobj_get(&o, "x\xc3\xa9z"));
	fk_jobj_release(&o);
}

Test(jscan, get_on_empty_and_refused)
{
	struct fk_jobj o;

	fk_jobj_init(&o);
	cr_assert_null(fk_jobj_get(&o, "a"));
	scan_ok(&o, "{\"a\":1}", 7);
	cr_assert_not_null(fk_jobj_get(&o, "a"));
	/* a refused text leaves no members */
	cr_assert_eq(fk_jscan(&o, "{\"a\":1,", 7, NULL, 0), -1);
	cr_assert_eq(o.n, 0);
	cr_assert_null(fk_jobj_get(&o, "a"));
	fk_jobj_release(&o);
}

Test(jscan, many_members_and_reuse)
{
	char buf[8192];
	struct fk_jobj o;
	size_t len = 0, i;

	fk_jobj_init(&o);
	buf[len++] = '{';
	for (i = 0; i < 500; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
		    "%s\"k%zu\":%zu", i ? "," : "", i, i * 7);
	buf[len++] = '}';
	scan_ok(&o, buf, len);
	cr_assert_eq(o.n, 500);
	cr_assert_geq(o.cap, 500);
	cr_assert_eq(o.duplicates, 0);
	for (i = 0; i < 500; i++) {
		char key[16];

		snprintf(key, sizeof(key), "k%zu", i);
		cr_assert_eq(fk_jobj_get(&o, key), &o.m[i], "%s", key);
		cr_assert_eq(o.m[i].type, FK_J_NUMBER);
	}
	/* a repeated key among many: the filter is full by then */
	memcpy(buf + len - 1, ",\"k250\":0}", 10);
	scan_ok(&o, buf, len + 9);
	cr_assert_eq(o.n, 501);
	cr_assert_eq(o.duplicates, 1);
	cr_assert_eq(fk_jobj_get(&o, "k250"), &o.m[500]);
	/* the array is kept and reused */
	scan_ok(&o, "{\"x\":1}", 7);
	cr_assert_eq(o.n, 1);
	cr_assert_geq(o.cap, 500);
	fk_jobj_release(&o);
	cr_assert_null(o.m);
	cr_assert_eq(o.cap, 0);
}

/* An object nested d levels deep in all: the top-level object and d - 1
 * objects {"a":{"a":{}}} or arrays {"a":[[]]} inside it. */
static size_t
nest(char *buf, size_t d, int arrays)
{
	size_t len = 0, i;

	buf[len++] = '{';
	for (i = 1; i < d; i++) {
		if (!arrays || i == 1) {
			memcpy(buf + len, "\"a\":", 4);
			len += 4;
		}
		buf[len++] = arrays ? '[' : '{';
	}
	for (i = 1; i < d; i++)
		buf[len++] = arrays ? ']' : '}';
	buf[len++] = '}';
	return len;
}

Test(jscan, nesting_limit)
{
	char buf[1024], err[128];
	struct fk_jobj o;
	json_t *j;
	size_t len;
	int arrays;

	fk_jobj_init(&o);
	for (arrays = 0; arrays <= 1; arrays++) {
		len = nest(buf, 64, arrays);
		scan_ok(&o, buf, len);
		cr_assert_eq(o.n, 1);
		cr_assert_eq(o.m[0].vallen, len - 6, "%s", show(buf, len));
		j = json_loadb(buf, len, 0, NULL);
		cr_assert_not_null(j, "%s", show(buf, len));
		json_decref(j);

		len = nest(buf, 65, arrays);
		cr_assert_eq(fk_jscan(&o, buf, len, err, sizeof(err)), -1);
		/* the 65th opening bracket */
		cr_assert_str_eq(err,
		    arrays ? "column 69: nesting deeper than 64"
		           : "column 321: nesting deeper than 64",
		    "%s", show(buf, len));
	}
	len = nest(buf, 200, 1);
	cr_assert_eq(fk_jscan(&o, buf, len, NULL, 0), -1);
	fk_jobj_release(&o);
}

struct bad_case {
	char in[48];
	size_t len; /* 0: strlen(in) */
	char msg[64];
};

ParameterizedTestParameters(jscan, refuses)
{
	static struct bad_case cases[] = {
		/* not one object */
		{ "", 0, "column 1: expected '{'" },
		{ "  \n", 0, "column 4: expected '{'" },
		{ "[]", 0, "column 1: expected '{'" },
		{ "[{\"a\":1}]", 0, "column 1: expected '{'" },
		{ "\"a\"", 0, "column 1: expected '{'" },
		{ "12", 0, "column 1: expected '{'" },
		{ "null", 0, "column 1: expected '{'" },
		{ "\xef\xbb\xbf{}", 0, "column 1: expected '{'" },
		{ "\v{}", 0, "column 1: expected '{'" },
		{ "{}}", 0, "column 3: text after the object" },
		{ "{\"a\":1}{\"b\":2}", 0, "column 8: text after the object" },
		{ "{\"a\":1} x", 0, "column 9: text after the object" },
		{ "{} \f", 0, "column 4: text after the object" },
		{ "{}\0", 3, "column 3: text after the object" },
		/* objects */
		{ "{", 0, "column 2: expected a key in double quotes" },
		{ "{ ", 0, "column 3: expected a key in double quotes" },
		{ "{\f}", 0, "column 2: expected a key in double quotes" },
		{ "{,}", 0, "column 2: expected a key in double quotes" },
		{ "{a:1}", 0, "column 2: expected a key in double quotes" },
		{ "{'a':1}", 0, "column 2: expected a key in double quotes" },
		{ "{1:1}", 0, "column 2: expected a key in double quotes" },
		{ "{:1}", 0, "column 2: expected a key in double quotes" },
		{ "{\"a\"}", 0, "column 5: expected ':' after the key" },
		{ "{\"a\" 1}", 0, "column 6: expected ':' after the key" },
		{ "{\"a\"", 0, "column 5: expected ':' after the key" },
		{ "{\"a\":", 0, "column 6: expected a value" },
		{ "{\"a\":}", 0, "column 6: expected a value" },
		{ "{\"a\"::1}", 0, "column 6: expected a value" },
		{ "{\"a\":1", 0, "column 7: expected ',' or '}'" },
		{ "{\"a\":1,}", 0,
		    "column 8: expected a key in double quotes" },
		{ "{\"a\":1 , }", 0,
		    "column 10: expected a key in double quotes" },
		{ "{\"a\":1,,\"b\":2}", 0,
		    "column 8: expected a key in double quotes" },
		{ "{\"a\":1 \"b\":2}", 0, "column 8: expected ',' or '}'" },
		{ "{\"a\":1]", 0, "column 7: expected ',' or '}'" },
		{ "{\"a\":1,\"b\"}", 0,
		    "column 11: expected ':' after the key" },
		/* nested */
		{ "{\"a\":[1,2,]}", 0, "column 11: expected a value" },
		{ "{\"a\":[1 2]}", 0, "column 9: expected ',' or ']'" },
		{ "{\"a\":[}", 0, "column 7: expected a value" },
		{ "{\"a\":[1}", 0, "column 8: expected ',' or ']'" },
		{ "{\"a\":[1", 0, "column 8: expected ',' or ']'" },
		{ "{\"a\":{]}", 0,
		    "column 7: expected a key in double quotes" },
		{ "{\"a\":{\"b\"}}", 0,
		    "column 10: expected ':' after the key" },
		{ "{\"a\":{\"b\":1,}}", 0,
		    "column 13: expected a key in double quotes" },
		{ "{\"a\":{\"b\":1]}", 0, "column 12: expected ',' or '}'" },
		{ "{\"a\":[{}", 0, "column 9: expected ',' or ']'" },
		/* literals */
		{ "{\"a\":tru}", 0, "column 6: invalid literal" },
		{ "{\"a\":nul}", 0, "column 6: invalid literal" },
		{ "{\"a\":fals}", 0, "column 6: invalid literal" },
		{ "{\"a\":True}", 0, "column 6: expected a value" },
		{ "{\"a\":NaN}", 0, "column 6: expected a value" },
		{ "{\"a\":Infinity}", 0, "column 6: expected a value" },
		{ "{\"a\":-Infinity}", 0, "column 6: invalid number" },
		{ "{\"a\":truex}", 0, "column 10: expected ',' or '}'" },
		{ "{\"a\":[nul]}", 0, "column 7: invalid literal" },
		{ "{\"a\":undefined}", 0, "column 6: expected a value" },
		/* numbers */
		{ "{\"a\":01}", 0, "column 6: invalid number" },
		{ "{\"a\":00}", 0, "column 6: invalid number" },
		{ "{\"a\":-01}", 0, "column 6: invalid number" },
		{ "{\"a\":1.}", 0, "column 6: invalid number" },
		{ "{\"a\":1.e5}", 0, "column 6: invalid number" },
		{ "{\"a\":.5}", 0, "column 6: invalid number" },
		{ "{\"a\":-}", 0, "column 6: invalid number" },
		{ "{\"a\":-", 0, "column 6: invalid number" },
		{ "{\"a\":--1}", 0, "column 6: invalid number" },
		{ "{\"a\":+1}", 0, "column 6: invalid number" },
		{ "{\"a\":1e}", 0, "column 6: invalid number" },
		{ "{\"a\":1e+}", 0, "column 6: invalid number" },
		{ "{\"a\":1ee5}", 0, "column 6: invalid number" },
		{ "{\"a\":1.5.2}", 0, "column 6: invalid number" },
		{ "{\"a\":1e5.2}", 0, "column 6: invalid number" },
		{ "{\"a\":1-2}", 0, "column 6: invalid number" },
		{ "{\"a\":[1,01]}", 0, "column 9: invalid number" },
		{ "{\"a\":0x10}", 0, "column 7: expected ',' or '}'" },
		{ "{\"a\":1 2}", 0, "column 8: expected ',' or '}'" },
		/* strings */
		{ "{\"a", 0, "column 2: unterminated string" },
		{ "{\"a\":\"x}", 0, "column 6: unterminated string" },
		{ "{\"a\":\"\\", 0, "column 6: unterminated string" },
		{ "{\"a\":\"\\\"}", 0, "column 6: unterminated string" },
		{ "{\"a\":\"x\ny\"}", 0,
		    "column 8: control character in a string" },
		{ "{\"a\":\"x\ty\"}", 0,
		    "column 8: control character in a string" },
		{ "{\"a\":\"\r\"}", 0,
		    "column 7: control character in a string" },
		{ "{\"a\":\"\x1f\"}", 0,
		    "column 7: control character in a string" },
		{ "{\"a\":\"x\0y\"}", 11,
		    "column 8: control character in a string" },
		{ "{\"\x01\":1}", 0,
		    "column 3: control character in a string" },
		{ "{\"a\":\"\\x\"}", 0,
		    "column 7: invalid escape in a string" },
		{ "{\"a\":\"\\'\"}", 0,
		    "column 7: invalid escape in a string" },
		{ "{\"a\":\"\\U0041\"}", 0,
		    "column 7: invalid escape in a string" },
		{ "{\"a\":\"\\0\"}", 0,
		    "column 7: invalid escape in a string" },
		{ "{\"a\":\"\\\n\"}", 0,
		    "column 7: invalid escape in a string" },
		{ "{\"a\":\"\\u12\"}", 0,
		    "column 7: \\u needs four hex digits" },
		{ "{\"a\":\"\\u12G4\"}", 0,
		    "column 7: \\u needs four hex digits" },
		{ "{\"a\":\"\\u 123\"}", 0,
		    "column 7: \\u needs four hex digits" },
		{ "{\"a\":\"\\u00", 0, "column 7: \\u needs four hex digits" },
		{ "{\"a\":\"\\u0000\"}", 0,
		    "column 7: \\u0000 is not allowed" },
		{ "{\"\\u0000\":1}", 0, "column 3: \\u0000 is not allowed" },
		{ "{\"a\":\"\\uDC00\"}", 0,
		    "column 7: \\u escape of a lone low surrogate" },
		{ "{\"a\":\"\\udfff\"}", 0,
		    "column 7: \\u escape of a lone low surrogate" },
		{ "{\"a\":\"\\uD800\"}", 0,
		    "column 7: \\u escape of a high surrogate without a low one" },
		{ "{\"a\":\"\\uD800x\"}", 0,
		    "column 7: \\u escape of a high surrogate without a low one" },
		{ "{\"a\":\"\\uD800\\n\"}", 0,
		    "column 7: \\u escape of a high surrogate without a low one" },
		{ "{\"a\":\"\\uD800\\u0041\"}", 0,
		    "column 7: \\u escape of a high surrogate without a low one" },
		{ "{\"a\":\"\\uDBFF\\uDBFF\"}", 0,
		    "column 7: \\u escape of a high surrogate without a low one" },
		{ "{\"a\":\"\\uD800\\uE000\"}", 0,
		    "column 7: \\u escape of a high surrogate without a low one" },
		{ "{\"a\":\"\\uD800\\uDC0\"}", 0,
		    "column 7: \\u escape of a high surrogate without a low one" },
		/* UTF-8 */
		{ "{\"a\":\"\x80\"}", 0,
		    "column 7: invalid UTF-8 in a string" },
		{ "{\"a\":\"\xbf\"}", 0,
		    "column 7: invalid UTF-8 in a string" },
		{ "{\"a\":\"x\xc3\"}", 0,
		    "column 8: invalid UTF-8 in a string" },
		{ "{\"a\":\"\xc3\xa9\xa9\"}", 0,
		    "column 9: invalid UTF-8 in a string" },
		{ "{\"a\":\"\xc0\xaf\"}", 0,
		    "column 7: invalid UTF-8 in a string" },
		{ "{\"a\":\"\xc1\xbf\"}", 0,
		    "column 7: invalid UTF-8 in a string" },
		{ "{\"a\":\"\xe0\x80\xaf\"}", 0,
		    "column 7: invalid UTF-8 in a string" },
		{ "{\"a\":\"\xe0\x9f\xbf\"}", 0,
		    "column 7: invalid UTF-8 in a string" },
		{ "{\"a\":\"\xf0\x8f\xbf\xbf\"}", 0,
		    "column 7: invalid UTF-8 in a string" },
		{ "{\"a\":\"\xed\xa0\x80\"}", 0,
		    "column 7: invalid UTF-8 in a string" },
		{ "{\"a\":\"\xed\xbf\xbf\"}", 0,
		    "column 7: invalid UTF-8 in a string" },
		{ "{\"a\":\"\xf4\x90\x80\x80\"}", 0,
		    "column 7: invalid UTF-8 in a string" },
		{ "{\"a\":\"\xf5\x80\x80\x80\"}", 0,
		    "column 7: invalid UTF-8 in a string" },
		{ "{\"a\":\"\xf8\x88\x80\x80\x80\"}", 0,
		    "column 7: invalid UTF-8 in a string" },
		{ "{\"a\":\"\xfe\"}", 0,
		    "column 7: invalid UTF-8 in a string" },
		{ "{\"a\":\"\xff\"}", 0,
		    "column 7: invalid UTF-8 in a string" },
		{ "{\"a\":\"\xe2\x82\"}", 0,
		    "column 7: invalid UTF-8 in a string" },
		{ "{\"a\":\"\xe2\x82x\"}", 0,
		    "column 7: invalid UTF-8 in a string" },
		{ "{\"a\":\"\xf0\x9f\x98\"}", 0,
		    "column 7: invalid UTF-8 in a string" },
		{ "{\"a\":\"\xe2\x82", 0,
		    "column 7: invalid UTF-8 in a string" },
		{ "{\"a\":\"\xf0\x9f", 0,
		    "column 7: invalid UTF-8 in a string" },
		{ "{\"\xc0\x80\":1}", 0,
		    "column 3: invalid UTF-8 in a string" },
		{ "{\"a\":\xc3\xa9}", 0, "column 6: expected a value" },
		/* past the 16-byte blocks: the last bytes of a long text */
		{ "{\"abcdefghijklmnopqrstuvw\":\"x\x80\"}", 0,
		    "column 30: invalid UTF-8 in a string" },
		{ "{\"abcdefghijklmnopqrstuvw\":\"xyz", 0,
		    "column 28: unterminated string" },
		{ "{\"abcdefghijklmnopqrstuvwxyz0123\n\":1}", 0,
		    "column 33: control character in a string" },
	};

	return cr_make_param_array(struct bad_case, cases, NELEM(cases));
}

ParameterizedTest(struct bad_case *c, jscan, refuses)
{
	struct fk_jobj o;
	char err[128] = "";
	size_t len = c->len ? c->len : strlen(c->in);
	json_t *j;

	/* an initializer that fills the array leaves out the NUL */
	cr_assert_not_null(memchr(c->in, '\0', sizeof(c->in)), "too long");
	cr_assert_not_null(memchr(c->msg, '\0', sizeof(c->msg)), "too long");
	fk_jobj_init(&o);
	cr_assert_eq(fk_jscan(&o, c->in, len, err, sizeof(err)), -1,
	    "accepted %s", show(c->in, len));
	cr_assert_eq(o.n, 0);
	cr_assert_str_eq(err, c->msg, "%s: got \"%s\"", show(c->in, len), err);
	/* jansson refuses every one of them too */
	j = json_loadb(c->in, len, 0, NULL);
	cr_assert(j == NULL || !json_is_object(j), "jansson accepts %s",
	    show(c->in, len));
	json_decref(j);
	/* no buffer, or a short one, is fine */
	cr_assert_eq(fk_jscan(&o, c->in, len, NULL, 0), -1);
	cr_assert_eq(fk_jscan(&o, c->in, len, err, 8), -1);
	cr_assert_eq(strncmp(err, c->msg, 7), 0);
	fk_jobj_release(&o);
}

struct good_case {
	char in[48];
	size_t len; /* 0: strlen(in) */
	size_t n;   /* top-level members */
};

ParameterizedTestParameters(jscan, accepts)
{
	static struct good_case cases[] = {
		{ "{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}", 0, 1 },
		{ "{\"a\":\"\\u0001\\u001F\\u007f\\uFFFF\\uabcd\"}", 0, 1 },
		{ "{\"a\":\"\\uD800\\uDC00\\uDBFF\\uDFFF\"}", 0, 1 },
		{ "{\"a\":\"\\ud83d\\ude00\"}", 0, 1 },
		{ "{\"a\":\"\x7f\"}", 0, 1 },
		{ "{\"a\":\"\xc2\x80\xdf\xbf\"}", 0, 1 },
		{ "{\"a\":\"\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\"}", 0, 1 },
		{ "{\"a\":\"\xef\xbf\xbf\xef\xbf\xbe\"}", 0, 1 },
		{ "{\"a\":\"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"}", 0, 1 },
		{ "{\"a\":\"\xf3\xbf\xbf\xbf\xe2\x80\xa8\"}", 0, 1 },
		{ "{\"\xe2\x82\xac\":\"\xe2\x82\xac\"}", 0, 1 },
		{ "{\"a\":0,\"b\":-0,\"c\":0.0,\"d\":-0.5e-0}", 0, 4 },
		{ "{\"a\":1E+2,\"b\":1e-2,\"c\":9.99E999}", 0, 3 },
		{ "{\"a\":123456789,\"b\":-9223372036854775808}", 0, 2 },
		{ "{\"a\":[[],{},[{}],\"\",0,true,false,null]}", 0, 1 },
		{ "{\"a\":{\"\":{\"\":[]}}}", 0, 1 },
		{ "{\"a\":\"}\",\"b\":\"{\",\"c\":\"[\",\"d\":\",\"}", 0, 4 },
		{ "{\"a\":\":\",\"\\\":\\\"\":\"\\\\\"}", 0, 2 },
		{ "  {\"a\" \t:\n1\r,\"b\":[ 1 ,\n2 ] }\n", 0, 2 },
		{ "{\"\\u00e9\\u20AC\":[-1.0E-400]}", 0, 1 },
		{ "{}", 0, 0 },
	};

	return cr_make_param_array(struct good_case, cases, NELEM(cases));
}

ParameterizedTest(struct good_case *c, jscan, accepts)
{
	struct fk_jobj o;
	size_t len = c->len ? c->len : strlen(c->in);
	json_error_t je;
	json_t *j;

	cr_assert_not_null(memchr(c->in, '\0', sizeof(c->in)), "too long");
	fk_jobj_init(&o);
	scan_ok(&o, c->in, len);
	cr_assert_eq(o.n, c->n, "%s", c->in);
	j = json_loadb(c->in, len, 0, &je);
	if (j == NULL)
		/* the scanner leaves the range of numbers to the caller */
		cr_assert_eq(json_error_code(&je), json_error_numeric_overflow,
		    "%s: %s", c->in, je.text);
	else
		cr_assert_eq(json_object_size(j), c->n);
	json_decref(j);
	fk_jobj_release(&o);
}

/* xorshift64*: the same sequence on every run and host. */
static uint64_t rng_state;

static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static size_t
rnd(size_t n)
{
	return (size_t)(rng() % n);
}

/* A growing text with what the generator expects of it. */
struct gen {
	char buf[4096];
	size_t len;
	size_t longest;
	int escaped; /* in the last string */
};

static void
put(struct gen *g, const char *s, size_t n)
{
	cr_assert_lt(g->len + n, sizeof(g->buf));
	memcpy(g->buf + g->len, s, n);
	g->len += n;
}

static void
puts_(struct gen *g, const char *s)
{
	put(g, s, strlen(s));
}

static void
put_ws(struct gen *g)
{
	static const char ws[] = " \t\r\n";

	while (rnd(8) == 0)
		put(g, &ws[rnd(4)], 1);
}

static void
put_utf8(struct gen *g, uint32_t cp)
{
	char b[4];

	if (cp < 0x80) {
		b[0] = (char)cp;
		put(g, b, 1);
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		put(g, b, 2);
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		put(g, b, 3);
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		put(g, b, 4);
	}
}

/* A code point that JSON allows raw in a string. */
static uint32_t
rnd_cp(void)
{
	uint32_t cp;

	switch (rnd(4)) {
	case 0:
		return 0x80 + (uint32_t)rnd(0x780);
	case 1:
		do
			cp = 0x800 + (uint32_t)rnd(0x10000 - 0x800);
		while (cp >= 0xd800 && cp <= 0xdfff);
		return cp;
	case 2:
		return 0x10000 + (uint32_t)rnd(0x100000);
	default:
		return rnd(2) ? 0x10ffff : 0xffff;
	}
}

static void
put_string(struct gen *g, size_t maxlen)
{
	static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCXYZ"
	                            "0123456789 !#$%&'()*+,-./:;<=>?@[]^_`{|}~";
	static const char esc[] = "\"\\/bfnrt";
	size_t start, n = rnd(maxlen + 1), i;
	char u[16];
	uint32_t cp;

	put(g, "\"", 1);
	start = g->len;
	g->escaped = 0;
	for (i = 0; i < n; i++) {
		switch (rnd(16)) {
		case 0:
			put(g, "\\", 1);
			put(g, &esc[rnd(sizeof(esc) - 1)], 1);
			g->escaped = 1;
			break;
		case 1:
			do
				cp = 1 + (uint32_t)rnd(0xffff);
			while (cp >= 0xd800 && cp <= 0xdfff);
			snprintf(u, sizeof(u), rnd(2) ? "\\u%04x" : "\\u%04X",
			    (unsigned)cp);
			puts_(g, u);
			g->escaped = 1;
			break;
		case 2:
			cp = (uint32_t)rnd(0x100000);
			snprintf(u, sizeof(u), "\\u%04x\\u%04x",
			    (unsigned)(0xd800 + (cp >> 10)),
			    (unsigned)(0xdc00 + (cp & 0x3ff)));
			puts_(g, u);
			g->escaped = 1;
			break;
		case 3:
			put_utf8(g, rnd_cp());
			break;
		default:
			put(g, &plain[rnd(sizeof(plain) - 1)], 1);
		}
	}
	if (g->len - start > g->longest)
		g->longest = g->len - start;
	put(g, "\"", 1);
}

/* A number that jansson can hold: integers within int64, small
 * exponents. */
static void
put_number(struct gen *g)
{
	char b[64];

	if (rnd(3) == 0)
		put(g, "-", 1);
	if (rnd(4) == 0)
		put(g, "0", 1);
	else {
		snprintf(b, sizeof(b), "%llu",
		    (unsigned long long)(rng() >> (2 + rnd(62))) + 1);
		puts_(g, b);
	}
	if (rnd(3) == 0) {
		snprintf(b, sizeof(b), ".%llu",
		    (unsigned long long)(rng() >> rnd(64)));
		puts_(g, b);
	}
	if (rnd(4) == 0) {
		snprintf(b, sizeof(b), "%s%s%u", rnd(2) ? "e" : "E",
		    rnd(3) == 0  ? "-"
		        : rnd(2) ? "+"
		                 : "",
		    (unsigned)rnd(200));
		puts_(g, b);
	}
}

static enum fk_jtype put_value(struct gen *g, int depth);

static void
put_container(struct gen *g, int depth, int array)
{
	size_t n = rnd(5), i;

	put(g, array ? "[" : "{", 1);
	put_ws(g);
	for (i = 0; i < n; i++) {
		if (i > 0) {
			put(g, ",", 1);
			put_ws(g);
		}
		if (!array) {
			put_string(g, 6);
			put_ws(g);
			put(g, ":", 1);
			put_ws(g);
		}
		put_value(g, depth + 1);
		put_ws(g);
	}
	put(g, array ? "]" : "}", 1);
}

static enum fk_jtype
put_value(struct gen *g, int depth)
{
	switch (rnd(depth < 5 ? 9 : 6)) {
	case 0:
	case 1:
		put_string(g, 24);
		return FK_J_STRING;
	case 2:
	case 3:
		put_number(g);
		return FK_J_NUMBER;
	case 4:
		puts_(g, "true");
		return FK_J_TRUE;
	case 5:
		puts_(g, rnd(2) ? "false" : "null");
		return g->buf[g->len - 1] == 'e' ? FK_J_FALSE : FK_J_NULL;
	case 6:
	case 7:
		put_container(g, depth, 0);
		return FK_J_OBJECT;
	default:
		put_container(g, depth, 1);
		return FK_J_ARRAY;
	}
}

struct want {
	size_t koff, klen, voff, vlen;
	enum fk_jtype type;
	int escaped, integer, key_escaped;
};

/* Generated objects: every member's spans, type and flags as written. */
Test(jscan, generated_objects)
{
	static const char *const keys[] = { "a", "b", "tx_id", "\\u0061",
		"amount", "\xc3\xa9", "\\u00e9", "" };
	struct fk_jobj o;
	struct want want[16];
	struct gen g;
	json_t *j;
	size_t n, i, dups = 0;
	int round;

	fk_jobj_init(&o);
	rng_state = 0x9e3779b97f4a7c15ULL;
	for (round = 0; round < 3000; round++) {
		memset(&g, 0, sizeof(g));
		n = rnd(NELEM(want));
		put_ws(&g);
		put(&g, "{", 1);
		put_ws(&g);
		for (i = 0; i < n; i++) {
			struct want *w = &want[i];

			if (i > 0) {
				put(&g, ",", 1);
				put_ws(&g);
			}
			if (rnd(4) == 0) {
				/* a small set of keys, to meet duplicates */
				const char *k = keys[rnd(NELEM(keys))];

				put(&g, "\"", 1);
				w->koff = g.len;
				puts_(&g, k);
				put(&g, "\"", 1);
				w->key_escaped = strchr(k, '\\') != NULL;
				if (strlen(k) > g.longest)
					g.longest = strlen(k);
			} else {
				w->koff = g.len + 1;
				put_string(&g, 12);
				w->key_escaped = g.escaped;
			}
			w->klen = g.len - 1 - w->koff;
			put_ws(&g);
			put(&g, ":", 1);
			put_ws(&g);
			w->voff = g.len;
			g.escaped = 0;
			w->type = put_value(&g, 1);
			w->vlen = g.len - w->voff;
			w->escaped = w->type == FK_J_STRING && g.escaped;
			w->integer = w->type == FK_J_NUMBER &&
			    strcspn(g.buf + w->voff, ".eE") >= w->vlen;
			put_ws(&g);
		}
		put(&g, "}", 1);
		put_ws(&g);

		scan_ok(&o, g.buf, g.len);
		cr_assert_eq(o.n, n, "%s", show(g.buf, g.len));
		cr_assert_eq(o.longest, g.longest, "%s", show(g.buf, g.len));
		for (i = 0; i < n; i++) {
			const struct fk_jmember *m = &o.m[i];
			const struct want *w = &want[i];

			cr_assert_eq(m->key, g.buf + w->koff);
			cr_assert_eq(m->keylen, w->klen);
			cr_assert_eq(
			    m->val, g.buf + w->voff, "%s", show(g.buf, g.len));
			cr_assert_eq(
			    m->vallen, w->vlen, "%s", show(g.buf, g.len));
			cr_assert_eq(m->type, w->type);
			cr_assert_eq(m->escaped, w->escaped);
			cr_assert_eq(m->integer, w->integer);
			cr_assert_eq(m->key_escaped, w->key_escaped);
		}
		j = json_loadb(g.buf, g.len, 0, NULL);
		cr_assert_not_null(j, "%s", show(g.buf, g.len));
		cr_assert_eq(json_object_size(j) < n, o.duplicates, "%s",
		    show(g.buf, g.len));
		dups += o.duplicates;
		json_decref(j);
	}
	/* the key set makes duplicates common enough to test */
	cr_assert_gt(dups, 300, "%zu", dups);
	fk_jobj_release(&o);
}

/* Typed as jansson sees it. */
static int
same_type(const struct fk_jmember *m, const json_t *v)
{
	switch (m->type) {
	case FK_J_STRING:
		return json_is_string(v);
	case FK_J_NUMBER:
		return m->integer ? json_is_integer(v) : json_is_real(v);
	case FK_J_OBJECT:
		return json_is_object(v);
	case FK_J_ARRAY:
		return json_is_array(v);
	case FK_J_TRUE:
		return json_is_true(v);
	case FK_J_FALSE:
		return json_is_false(v);
	case FK_J_NULL:
		return json_is_null(v);
	}
	return 0;
}

/* Byte mutations of valid records: whatever the scanner accepts, jansson
 * accepts as the same object, and what jansson accepts as an object the
 * scanner accepts too. */
Test(jscan, mutations_agree_with_jansson)
{
	static const char *const seeds[] = {
		"{\"tx_id\":\"t-1001\",\"user_id\":\"U123\",\"amount\":1500.75,"
		"\"currency\":\"GBP\",\"lat\":51.5072,\"lon\":-0.1276,"
		"\"timestamp\":\"2024-11-16T14:02:00Z\",\"ok\":true}",
		"{\"a\":[1,-2.5e3,{\"b\":null,\"c\":[false,\"\\u00e9\"]}],"
		"\"d\":\"x\\\"y\\\\z\\n\",\"e\":{}}",
		" { \"k\" : \"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\" , \"\\ud83d"
		"\\ude00\" : [ 0 , 1E+2 ] } ",
		"{\"n\":0,\"m\":-0.0,\"s\":\"\",\"t\":\"\\/\\b\\f\\r\\t\"}",
	};
	static const char interesting[] = "{}[]:,\"\\ \t\n0123456789-+.eE"
	                                  "truefalsnu/bfr\x01\x1f\x7f";
	static const unsigned char high[] = { 0x80, 0xbf, 0xc0, 0xc2, 0xc3,
		0xdf, 0xe0, 0xed, 0xee, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0xa0,
		0x8f, 0x90, 0x9f };
	char buf[512], err[128];
	struct fk_jobj o;
	size_t len, i, pos, accepted = 0, both = 0;
	json_error_t je;
	json_t *j, *v;
	int round, k, nmut;

	fk_jobj_init(&o);
	rng_state = 0x2545f4914f6cdd1dULL;
	for (round = 0; round < 60000; round++) {
		const char *seed = seeds[rnd(NELEM(seeds))];
		unsigned char b;

		len = strlen(seed);
		memcpy(buf, seed, len);
		nmut = 1 + (int)rnd(3);
		for (k = 0; k < nmut; k++) {
			switch (rnd(3)) {
			case 0:
				b = (unsigned char)
				    interesting[rnd(sizeof(interesting) - 1)];
				break;
			case 1:
				b = high[rnd(sizeof(high))];
				break;
			default:
				b = (unsigned char)rnd(256);
			}
			pos = rnd(len + 1);
			switch (rnd(3)) {
			case 0: /* replace */
				if (pos < len)
					buf[pos] = (char)b;
				break;
			case 1: /* insert */
				if (len < sizeof(buf)) {
					memmove(buf + pos + 1, buf + pos,
					    len - pos);
					buf[pos] = (char)b;
					len++;
				}
				break;
			default: /* delete */
				if (pos < len) {
					memmove(buf + pos, buf + pos + 1,
					    len - pos - 1);
					len--;
				}
			}
		}

		j = json_loadb(buf, len, 0, &je);
		if (fk_jscan(&o, buf, len, err, sizeof(err)) == -1) {
			/* jansson 2.14 takes a NUL byte right after a number
			 * or a literal for the end of the token and skips it:
			 * {"a":1\0} is not JSON */
			cr_assert(j == NULL || !json_is_object(j) ||
			        memchr(buf, '\0', len) != NULL,
			    "refused what jansson accepts: %s: %s",
			    show(buf, len), err);
			cr_assert_eq(strncmp(err, "column ", 7), 0);
			json_decref(j);
			continue;
		}
		accepted++;
		if (j == NULL) {
			/* numbers out of jansson's range are the caller's */
			cr_assert_eq(json_error_code(&je),
			    json_error_numeric_overflow,
			    "accepted what jansson refuses: %s: %s",
			    show(buf, len), je.text);
			continue;
		}
		both++;
		cr_assert(json_is_object(j));
		cr_assert_eq(json_object_size(j) < o.n, o.duplicates, "%s",
		    show(buf, len));
		for (i = 0; i < o.n; i++) {
			const struct fk_jmember *m = &o.m[i];

			if (m->key_escaped)
				continue;
			v = json_object_getn(j, m->key, m->keylen);
			cr_assert_not_null(v, "%s: %.*s", show(buf, len),
			    (int)m->keylen, m->key);
			if (v != NULL && !o.duplicates)
				cr_assert(same_type(m, v), "%s: %.*s",
				    show(buf, len), (int)m->keylen, m->key);
			if (m->type == FK_J_STRING && !m->escaped &&
			    !o.duplicates)
				cr_assert(
				    json_string_length(v) == m->vallen - 2 &&
				        memcmp(json_string_value(v), m->val + 1,
				            m->vallen - 2) == 0,
				    "%s", show(buf, len));
		}
		json_decref(j);
	}
	/* enough of each kind to mean something */
	cr_assert_gt(accepted, 3000, "%zu", accepted);
	cr_assert_gt(both, 3000, "%zu", both);
	fk_jobj_release(&o);
}

/* Message keys and integer event times from members. */
Test(jscan, member_key_and_int)
{
	static const char s[] = "{\"a\":\"U1\",\"b\":\"U\\u00e9\",\"c\":42,"
	                        "\"d\":4.2,\"e\":null,\"f\":-1730000000000,"
	                        "\"g\":1234567890123456}";
	struct fk_jobj o;
	const char *key;
	size_t keylen;
	char buf[8], err[64];
	int64_t v;

	fk_jobj_init(&o);
	cr_assert_eq(fk_jscan(&o, s, sizeof(s) - 1, err, sizeof(err)), 0);
	cr_assert(fk_jmember_key(
	    fk_jobj_get(&o, "a"), buf, sizeof(buf), &key, &keylen));
	cr_assert(keylen == 2 && memcmp(key, "U1", 2) == 0);
	cr_assert(fk_jmember_key(
	    fk_jobj_get(&o, "b"), buf, sizeof(buf), &key, &keylen));
	cr_assert(keylen == 3 && memcmp(key, "U\xc3\xa9", 3) == 0);
	cr_assert(!fk_jmember_key(fk_jobj_get(&o, "b"), buf, 2, &key, &keylen));
	cr_assert(fk_jmember_key(
	    fk_jobj_get(&o, "c"), buf, sizeof(buf), &key, &keylen));
	cr_assert(keylen == 2 && memcmp(key, "42", 2) == 0);
	cr_assert(!fk_jmember_key(fk_jobj_get(&o, "d"), buf, 8, &key, &keylen));
	cr_assert(!fk_jmember_key(fk_jobj_get(&o, "e"), buf, 8, &key, &keylen));
	cr_assert(!fk_jmember_key(NULL, buf, 8, &key, &keylen));
	cr_assert(fk_jmember_int(fk_jobj_get(&o, "c"), &v) && v == 42);
	cr_assert(
	    fk_jmember_int(fk_jobj_get(&o, "f"), &v) && v == -1730000000000LL);
	cr_assert(!fk_jmember_int(fk_jobj_get(&o, "d"), &v));
	cr_assert(!fk_jmember_int(fk_jobj_get(&o, "g"), &v));
	cr_assert(!fk_jmember_int(fk_jobj_get(&o, "a"), &v));
	fk_jobj_release(&o);
}

/* Arrays: the elements as keyless members, spans as written. */
Test(jscan, array_elements)
{
	static const char s[] = " [ \"a\\\"b\" , -1.5e3,{\"k\":[1]},[],true,"
	                        "false,null,7 ,\"\"]\n";
	struct fk_jobj o;
	char err[128];

	fk_jobj_init(&o);
	cr_assert_eq(fk_jscan_array(&o, s, sizeof(s) - 1, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_eq(o.n, 9);
	for (size_t i = 0; i < o.n; i++) {
		cr_assert_null(o.m[i].key);
		cr_assert_eq(o.m[i].keylen, 0);
	}
	cr_assert(o.m[0].val == s + 3 && o.m[0].vallen == 6);
	cr_assert(o.m[0].type == FK_J_STRING && o.m[0].escaped);
	cr_assert(o.m[1].val == s + 12 && o.m[1].vallen == 6);
	cr_assert(o.m[1].type == FK_J_NUMBER && !o.m[1].integer);
	cr_assert(
	    o.m[2].vallen == 9 && memcmp(o.m[2].val, "{\"k\":[1]}", 9) == 0);
	cr_assert_eq(o.m[2].type, FK_J_OBJECT);
	cr_assert(o.m[3].vallen == 2 && o.m[3].type == FK_J_ARRAY);
	cr_assert_eq(o.m[4].type, FK_J_TRUE);
	cr_assert_eq(o.m[5].type, FK_J_FALSE);
	cr_assert_eq(o.m[6].type, FK_J_NULL);
	cr_assert(o.m[7].vallen == 1 && o.m[7].integer);
	cr_assert(o.m[8].vallen == 2 && o.m[8].type == FK_J_STRING);
	cr_assert_eq(o.longest, 4);
	cr_assert_eq(o.duplicates, 0);
	/* empty, and o reused */
	cr_assert_eq(fk_jscan_array(&o, "[]", 2, NULL, 0), 0);
	cr_assert_eq(o.n, 0);
	cr_assert_eq(fk_jscan_array(&o, "\t[ \n]", 5, NULL, 0), 0);
	cr_assert_eq(o.n, 0);
	fk_jobj_release(&o);
}

struct array_bad {
	char in[24];
	char msg[48];
};

ParameterizedTestParameters(jscan, array_refuses)
{
	static struct array_bad cases[] = {
		{ "", "column 1: expected '['" },
		{ "{}", "column 1: expected '['" },
		{ "[", "column 2: expected a value" },
		{ "[1", "column 3: expected ',' or ']'" },
		{ "[1,]", "column 4: expected a value" },
		{ "[,1]", "column 2: expected a value" },
		{ "[1 2]", "column 4: expected ',' or ']'" },
		{ "[01]", "column 2: invalid number" },
		{ "[1]x", "column 4: text after the array" },
		{ "[1] []", "column 5: text after the array" },
		{ "[\"\\x\"]", "column 3: invalid escape in a string" },
		{ "[{\"a\" 1}]", "column 7: expected ':' after the key" },
		{ "[tru]", "column 2: invalid literal" },
	};

	return cr_make_param_array(struct array_bad, cases, NELEM(cases));
}

ParameterizedTest(struct array_bad *c, jscan, array_refuses)
{
	struct fk_jobj o;
	char err[128] = "";

	fk_jobj_init(&o);
	cr_assert_eq(fk_jscan_array(&o, c->in, strlen(c->in), err, sizeof(err)),
	    -1, "accepted %s", c->in);
	cr_assert_str_eq(err, c->msg, "%s", c->in);
	fk_jobj_release(&o);
}

/* 64 levels with the array as the first, as in a record. */
Test(jscan, array_nesting_limit)
{
	char buf[160];
	struct fk_jobj o;
	size_t i;

	fk_jobj_init(&o);
	for (i = 0; i < 64; i++)
		buf[i] = '[';
	for (i = 0; i < 64; i++)
		buf[64 + i] = ']';
	cr_assert_eq(fk_jscan_array(&o, buf, 128, NULL, 0), 0);
	cr_assert(o.n == 1 && o.m[0].vallen == 126);
	memmove(buf + 1, buf, 128);
	buf[129] = ']';
	cr_assert_eq(fk_jscan_array(&o, buf, 130, NULL, 0), -1);
	fk_jobj_release(&o);
}

/* Generated arrays: as many elements as jansson finds, of its types. */
Test(jscan, generated_arrays_agree_with_jansson)
{
	struct fk_jobj o;
	struct gen g;
	json_t *j;
	size_t i;
	int round;

	fk_jobj_init(&o);
	rng_state = 0x5851f42d4c957f2dULL;
	for (round = 0; round < 3000; round++) {
		memset(&g, 0, sizeof(g));
		put_ws(&g);
		put_container(&g, 1, 1);
		put_ws(&g);
		cr_assert_eq(fk_jscan_array(&o, g.buf, g.len, NULL, 0), 0, "%s",
		    show(g.buf, g.len));
		j = json_loadb(g.buf, g.len, 0, NULL);
		cr_assert(json_is_array(j), "%s", show(g.buf, g.len));
		cr_assert_eq(o.n, json_array_size(j), "%s", show(g.buf, g.len));
		for (i = 0; i < o.n; i++)
			cr_assert(same_type(&o.m[i], json_array_get(j, i)),
			    "%s", show(g.buf, g.len));
		json_decref(j);
	}
	fk_jobj_release(&o);
}

/* 20,000 keys, some escaped: the duplicate check is one pass, and it
 * finds a repeat however it is written. */
Test(jscan, many_escaped_keys_and_their_repeats)
{
	size_t cap = 20000 * 16 + 64, len = 0, i;
	char *buf = malloc(cap);
	struct fk_jobj o;

	cr_assert_not_null(buf);
	fk_jobj_init(&o);
	buf[len++] = '{';
	for (i = 0; i < 20000; i++)
		len += (size_t)snprintf(buf + len, cap - len,
		    i % 2 ? "%s\"k\\u00%02x%zu\":1" : "%s\"k%c%zu\":1",
		    i ? "," : "",
		    i % 2 ? 0x61 + (int)(i % 20) : 'a' + (int)(i % 20), i);
	buf[len++] = '}';
	scan_ok(&o, buf, len);
	cr_assert_eq(o.n, 20000);
	cr_assert_eq(o.duplicates, 0);
	/* "k\u00621" (member 1) again as "kb1": the same key to JSON */
	len--;
	len += (size_t)snprintf(buf + len, cap - len, ",\"kb1\":2}");
	scan_ok(&o, buf, len);
	cr_assert_eq(o.n, 20001);
	cr_assert_eq(o.duplicates, 1);
	fk_jobj_release(&o);
	free(buf);
}

/* Labels as fk-enrich and fk-eval read them: a CSV column's "1" is one. */
Test(jscan, labels)
{
	static const char s[] = "{\"a\":true,\"b\":1,\"c\":\"1\",\"d\":false,"
	                        "\"e\":0,\"f\":\"0\",\"g\":2,\"h\":\"yes\","
	                        "\"i\":1.0,\"j\":\"01\",\"k\":null,\"l\":[1],"
	                        "\"m\":\"\",\"n\":-1,\"o\":\"\\u0031\"}";
	static const char want[] = "111000--------1";
	struct fk_jobj o;
	char key[2] = "a";

	fk_jobj_init(&o);
	scan_ok(&o, s, sizeof(s) - 1);
	for (int i = 0; want[i] != '\0'; i++) {
		int v;

		key[0] = (char)('a' + i);
		v = fk_jmember_label(fk_jobj_get(&o, key));
		cr_assert_eq(v, want[i] == '-' ? -1 : want[i] - '0', "%s", key);
	}
	fk_jobj_release(&o);
}
