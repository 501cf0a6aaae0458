/* Unit tests for jpath.c and fk_jscan_paths: hand cases, then random
 * documents checked against jansson. */
#include "jpath.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jscan.h"
#include "testutil.h"

#include "banned.h"

struct doc {
	struct fk_jobj top;
	struct fk_jmember *out;
};

static void
find(struct fk_jpath *t, struct doc *d, const char *text)
{
	char err[256];

	fk_jobj_init(&d->top);
	d->out = calloc(fk_jpath_count(t) + 1, sizeof(*d->out));
	cr_assert_eq(fk_jscan_paths(t, &d->top, text, strlen(text), d->out, err,
	                 sizeof(err)),
	    0, "%s: %s", text, err);
}

static void
done(struct doc *d)
{
	fk_jobj_release(&d->top);
	free(d->out);
}

static void
is(const struct fk_jmember *m, const char *want)
{
	if (want == NULL) {
		cr_assert_null(m->val, "found %.*s", (int)m->vallen, m->val);
		return;
	}
	cr_assert_not_null(m->val, "want %s, found nothing", want);
	cr_assert(
	    m->vallen == strlen(want) && memcmp(m->val, want, m->vallen) == 0,
	    "got %.*s, want %s", (int)m->vallen, m->val, want);
}

Test(jpath, slots_and_names)
{
	struct fk_jpath *t = fk_jpath_new();
	char err[256];

	cr_assert_eq(fk_jpath_add(t, "amount", err, sizeof(err)), 0);
	cr_assert_eq(fk_jpath_add(t, "features.user.count_10m", err, 256), 1);
	cr_assert_eq(fk_jpath_add(t, "features.user", err, sizeof(err)), 2);
	cr_assert_eq(fk_jpath_add(t, "amount", err, sizeof(err)), 0);
	cr_assert_eq(fk_jpath_count(t), 3);
	cr_assert_str_eq(fk_jpath_name(t, 1), "features.user.count_10m");
	cr_assert_eq(fk_jpath_add(t, "a..b", err, sizeof(err)), -1);
	cr_assert(strstr(err, "\"a..b\"") != NULL, "%s", err);
	cr_assert_eq(fk_jpath_add(t, "", err, sizeof(err)), -1);
	cr_assert_eq(fk_jpath_add(t, "a.", err, sizeof(err)), -1);
	cr_assert_eq(fk_jpath_add(t, "a b", err, sizeof(err)), -1);
	fk_jpath_free(t);
}

Test(jpath, nested_absent_and_not_objects)
{
	struct fk_jpath *t = fk_jpath_new();
	const char *seg[] = { "x", "a.b" };
	size_t lens[] = { 1, 3 };
	struct doc d;
	char err[64];

	fk_jpath_add(t, "amount", err, sizeof(err));                  /* 0 */
	fk_jpath_add(t, "features.user.count_10m", err, sizeof(err)); /* 1 */
	fk_jpath_add(t, "features.user.new", err, sizeof(err));       /* 2 */
	fk_jpath_add(t, "features.merchant", err, sizeof(err));       /* 3 */
	fk_jpath_add(t, "tags.first", err, sizeof(err));              /* 4 */
	fk_jpath_add(t, "note", err, sizeof(err));                    /* 5 */
	cr_assert_eq(fk_jpath_addv(t, "x.`a.b`", seg, lens, 2), 6);
	find(t, &d,
	    "{ \"note\" : \"a \\\"q\\\" {x}\\\\\", \"amount\": -1.5e3 ,"
	    "\"skip\":[{\"features\":1},\"}\"],\"tags\":[1,2],"
	    "\"features\":{\"merchant\":{\"a\":[1,{\"b\":\"]\"}]},"
	    "\"user\" : {\"new\":true,\"count_10m\" : 7 } },"
	    "\"x\":{\"a.b\":null}}");
	is(&d.out[0], "-1.5e3");
	cr_assert_eq(d.out[0].type, FK_J_NUMBER);
	cr_assert_eq(d.out[0].integer, 0);
	is(&d.out[1], "7");
	cr_assert_eq(d.out[1].integer, 1);
	is(&d.out[2], "true");
	cr_assert_eq(d.out[2].type, FK_J_TRUE);
	is(&d.out[3], "{\"a\":[1,{\"b\":\"]\"}]}");
	cr_assert_eq(d.out[3].type, FK_J_OBJECT);
	is(&d.out[4], NULL); /* through an array */
	is(&d.out[5], "\"a \\\"q\\\" {x}\\\\\"");
	cr_assert_eq(d.out[5].escaped, 1);
	is(&d.out[6], "null");
	done(&d);
	find(t, &d, "{\"features\":7}");
	is(&d.out[1], NULL);
	is(&d.out[3], NULL);
	done(&d);
	fk_jpath_free(t);
}

Test(jpath, repeated_keys_last_wins)
{
	struct fk_jpath *t = fk_jpath_new();
	struct doc d;
	char err[64];

	fk_jpath_add(t, "f.a", err, sizeof(err));
	fk_jpath_add(t, "f.b", err, sizeof(err));
	find(t, &d, "{\"f\":{\"a\":1,\"b\":2},\"f\":{\"b\":3,\"b\":4}}");
	is(&d.out[0], NULL);
	is(&d.out[1], "4");
	done(&d);
	/* Escaped keys are compared decoded. */
	find(t, &d, "{\"\\u0066\":{\"\\u0061\":\"x\"}}");
	is(&d.out[0], "\"x\"");
	done(&d);
	fk_jpath_free(t);
}

/* The memo of the order keys came in before: keys that move, keys left
 * out and added, keys alike but for their length, a middle byte or their
 * closing quote, escaped and long keys that break the chain, and a path
 * added after a scan, where the memo had found none. */
Test(jpath, lookups_follow_the_key_order)
{
	static const char *const docs[][2] = {
		{ "{\"f\":{\"count_10m\":1,\"count_1m\":2}}", "1 2 -" },
		{ "{\"f\":{\"count_10m\":1,\"count_1m\":2}}", "1 2 -" },
		{ "{\"f\":{\"count_1m\":3,\"count_10m\":4}}", "4 3 -" },
		{ "{\"f\":{\"count_1m\":5,\"count_1Xm\":6}}", "- 5 -" },
		{ "{\"f\":{\"count_1m\":5,\"x\":0,\"count_10m\":6}}", "6 5 -" },
		{ "{\"f\":{\"count_1m\":5,\"count_10m\":6}}", "6 5 -" },
		{ "{\"f\":{\"count_1m5\":5,\"count_10m\":6}}", "6 - -" },
		{ "{\"f\":{\"count_10\":7,\"count_100m\":8}}", "- - -" },
		{ "{\"f\":{\"count_1\\u006d\":1,\"count_10m\":2}}", "2 1 -" },
		{ "{\"f\":{\"long_name_of_the_key\":9,\"count_1m\":1}}",
		    "- 1 9" },
		{ "{\"f\":{\"long_name_of_THE_key\":9,\"count_1m\":1}}",
		    "- 1 -" },
		{ "{\"g\":1,\"f\":{\"count_10m\":1}}", "1 - -" },
		{ "{\"f\":{\"count_10m\":2},\"g\":1}", "2 - -" },
		{ "{\"f\":{\"count_1m\"  :  3}}", "- 3 -" },
	};
	struct fk_jpath *t = fk_jpath_new();
	struct doc d;
	char err[64], want[3][8];
	size_t i, k;

	fk_jpath_add(t, "f.count_10m", err, sizeof(err));
	fk_jpath_add(t, "f.count_1m", err, sizeof(err));
	fk_jpath_add(t, "f.long_name_of_the_key", err, sizeof(err));
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		cr_assert_eq(sscanf(docs[i][1], "%7s %7s %7s", want[0], want[1],
		                 want[2]),
		    3);
		find(t, &d, docs[i][0]);
		for (k = 0; k < 3; k++)
			is(&d.out[k], strcmp(want[k], "-") ? want[k] : NULL);
		done(&d);
	}
	find(t, &d, "{\"f\":{\"x\":1},\"g\":{\"x\":2}}");
	cr_assert_eq(fk_jpath_add(t, "g.x", err, sizeof(err)), 3);
	cr_assert_eq(fk_jpath_add(t, "f.x", err, sizeof(err)), 4);
	done(&d);
	find(t, &d, "{\"f\":{\"x\":1},\"g\":{\"x\":2}}");
	is(&d.out[3], "2");
	is(&d.out[4], "1");
	done(&d);
	/* f.x, a leaf the memo knows, gets a kid: a repeated x forgets
	 * what was found below the first. */
	cr_assert_eq(fk_jpath_add(t, "f.x.y", err, sizeof(err)), 5);
	find(t, &d, "{\"f\":{\"x\":{\"y\":1},\"x\":{\"z\":2}}}");
	is(&d.out[4], "{\"z\":2}");
	is(&d.out[5], NULL);
	done(&d);
	find(t, &d, "{\"f\":{\"x\":{\"y\":1},\"x\":{\"z\":2}}}");
	is(&d.out[5], NULL);
	done(&d);
	fk_jpath_free(t);
}

/* More keys than a node remembers: those past the limit are looked up
 * each time, in any order. */
Test(jpath, lookups_past_the_memo)
{
	struct fk_jpath *t = fk_jpath_new();
	char err[64], *text = malloc(16 * 600 + 64);
	size_t len;
	struct doc d;
	int round, i, k;

	cr_assert_not_null(text);
	fk_jpath_add(t, "f.k5", err, sizeof(err));
	fk_jpath_add(t, "f.k590", err, sizeof(err));
	for (round = 0; round < 4; round++) {
		len = (size_t)snprintf(text, 16, "{\"f\":{");
		for (i = 0; i < 600; i++) {
			k = round % 2 ? 599 - i : i;
			len += (size_t)snprintf(text + len, 16, "%s\"k%d\":%d",
			    i > 0 ? "," : "", k, k);
		}
		snprintf(text + len, 16, "}}");
		find(t, &d, text);
		is(&d.out[0], "5");
		is(&d.out[1], "590");
		done(&d);
	}
	free(text);
	fk_jpath_free(t);
}

/* Random documents: every path's span parses back to jansson's value. */

static json_t *
random_value(uint64_t *st, int depth)
{
	static const char *const names[] = { "a", "b", "c", "user", "x_1",
		"\xc3\xa9", "q\"k" };
	uint64_t r = fk_test_rand(st);
	json_t *v;
	int i, n;

	switch (depth > 3 ? r % 5 : r % 7) {
	case 0:
		return json_integer((json_int_t)(r >> 8) % 100000 - 500);
	case 1:
		return json_real((double)(r >> 11) / 1e6);
	case 2: {
		char s[8] = "s\\\"\n/}";
		s[(r >> 8) % 6] = (char)('a' + (r >> 16) % 26);
		return json_string(s);
	}
	case 3:
		return json_boolean(r >> 9 & 1);
	case 4:
		return json_null();
	case 5:
		v = json_array();
		n = (int)((r >> 8) % 4);
		for (i = 0; i < n; i++)
			json_array_append_new(v, random_value(st, depth + 1));
		return v;
	default:
		v = json_object();
		n = (int)((r >> 8) % 6);
		for (i = 0; i < n; i++)
			json_object_set_new(v, names[fk_test_rand(st) % 7],
			    random_value(st, depth + 1));
		return v;
	}
}

Test(jpath, random_documents_against_jansson)
{
	static const char *const paths[] = { "a", "b.c", "user.a",
		"user.user.b", "a.a.a", "c", "x_1.user", "b" };
	uint64_t st = 11;
	struct fk_jpath *t = fk_jpath_new();
	char err[64];
	size_t i, k;
	int doc;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		fk_jpath_add(t, paths[i], err, sizeof(err));
	for (doc = 0; doc < 3000; doc++) {
		json_t *root = json_object(), *want, *got;
		struct doc d;
		char *text;

		for (k = fk_test_rand(&st) % 8; k > 0; k--)
			json_object_set_new(root,
			    paths[fk_test_rand(&st) % 8] +
			        (fk_test_rand(&st) % 2),
			    random_value(&st, 0));
		json_object_set_new(root, "user", random_value(&st, 0));
		text = json_dumps(root,
		    doc % 2 ? JSON_COMPACT
		            : JSON_INDENT(1) | JSON_ENSURE_ASCII);
		find(t, &d, text);
		for (i = 0; i < fk_jpath_count(t); i++) {
			json_t *at = root;
			char path[64], *s, *dot;

			snprintf(path, sizeof(path), "%s", paths[i]);
			for (s = path; s != NULL && at; s = dot) {
				if ((dot = strchr(s, '.')) != NULL)
					*dot++ = '\0';
				at = json_is_object(at) ? json_object_get(at, s)
				                        : NULL;
			}
			want = at;
			if (want == NULL) {
				cr_assert_null(
				    d.out[i].val, "%s in %s", paths[i], text);
				continue;
			}
			cr_assert_not_null(
			    d.out[i].val, "%s in %s", paths[i], text);
			got = json_loadb(d.out[i].val, d.out[i].vallen,
			    JSON_DECODE_ANY, NULL);
			cr_assert(json_equal(got, want), "%s in %s: %.*s",
			    paths[i], text, (int)d.out[i].vallen, d.out[i].val);
			json_decref(got);
		}
		done(&d);
		free(text);
		json_decref(root);
	}
	fk_jpath_free(t);
}

/* Every prefix of a record, in a buffer of exactly its size (so that
 * ASan sees a read past it): rejected as fk_jscan rejects it, and never
 * read beyond. */
Test(jpath, truncated_records)
{
	static const char doc[] =
	    "{\"user_id\":\"U1\",\"amount\":12.5,\"features\":{\"user\":"
	    "{\"count_10m\":3,\"amount_mean_30d\":41.25,\"a\":1,\"abc\":2,"
	    "\"new_device\":true},\"lists\":[{\"list\":\"users\"}],"
	    "\"x\\u0041\":{\"k\":null}},\"z\":[1,{\"ab\":\"c\"}]}";
	struct fk_jpath *t = fk_jpath_new();
	struct fk_jmember out[16];
	struct fk_jobj o, plain;
	char err[128], err2[128];
	size_t n;

	fk_jpath_add(t, "features.user.count_10m", err, sizeof(err));
	fk_jpath_add(t, "features.user.a", err, sizeof(err));
	fk_jpath_add(t, "features.user.abc", err, sizeof(err));
	fk_jpath_add(t, "features.user.amount_mean_30d", err, sizeof(err));
	fk_jpath_add(t, "features.lists", err, sizeof(err));
	fk_jpath_add(t, "features.xA.k", err, sizeof(err));
	fk_jpath_add(t, "z", err, sizeof(err));
	fk_jobj_init(&o);
	fk_jobj_init(&plain);
	for (n = 0; n <= sizeof(doc) - 1; n++) {
		char *buf = malloc(n + 1);
		int a, b;

		memcpy(buf, doc, n);
		a = fk_jscan_paths(t, &o, buf, n, out, err, sizeof(err));
		b = fk_jscan(&plain, buf, n, err2, sizeof(err2));
		cr_assert_eq(a, b, "prefix %zu", n);
		if (a == -1)
			cr_assert_str_eq(err, err2, "prefix %zu", n);
		if (n == sizeof(doc) - 1) {
			is(&out[0], "3");
			is(&out[1], "1");
			is(&out[2], "2");
			is(&out[3], "41.25");
			is(&out[4], "[{\"list\":\"users\"}]");
			is(&out[5], "null");
			is(&out[6], "[1,{\"ab\":\"c\"}]");
		}
		free(buf);
	}
	fk_jobj_release(&o);
	fk_jobj_release(&plain);
	fk_jpath_free(t);
}
