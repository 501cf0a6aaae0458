/* Unit tests for fk-score's rules_*.c: the lexer, parser and type checks
 * with their messages, the normal form and its hash, and evaluation
 * against records read through fields.c. */
#include "rules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <criterion/criterion.h>

#include "digest.h"
#include "testutil.h"
#include "banned.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static char tmpdir[256];

static void
setup(void)
{
	tmpdir[0] = '\0';
}

static void
teardown(void)
{
	fk_test_rmdir(tmpdir);
}

TestSuite(rules, .init = setup, .fini = teardown);

/* A rule set with its path set. */
struct set {
	struct fk_jpath *jp;
	struct fk_rules *rs;
	struct fk_fields f;
	int has_f;
};

static void
set_new(struct set *s)
{
	memset(s, 0, sizeof(*s));
	s->jp = fk_jpath_new();
	s->rs = fk_rules_new(s->jp);
}

static void
set_free(struct set *s)
{
	if (s->has_f)
		fk_fields_release(&s->f);
	fk_rules_free(s->rs);
	fk_jpath_free(s->jp);
}

static void
must_parse(struct set *s, const char *name, const char *text)
{
	char err[2048] = "";

	cr_assert_eq(
	    fk_rules_parse(s->rs, name, text, strlen(text), err, sizeof(err)),
	    0, "%s: %s", text, err);
	cr_assert_str_eq(err, "", "no message on success");
}

/* Parse text that must fail; the whole message goes to err. */
static void
must_fail(const char *text, char *err, size_t errlen)
{
	struct set s;

	set_new(&s);
	memset(err, 'X', errlen);
	cr_assert_eq(
	    fk_rules_parse(s.rs, "r.conf", text, strlen(text), err, errlen), -1,
	    "accepted: %s", text);
	set_free(&s);
}

/* The normal form of a set parsed from text. */
static char *
normal(const char *text)
{
	struct set s;
	char *out;

	set_new(&s);
	must_parse(&s, "n.conf", text);
	out = strdup(fk_rules_text(s.rs));
	cr_assert_not_null(out);
	set_free(&s);
	return out;
}

/* Scan one record (after every rule was parsed) and evaluate. */
static size_t
eval_json(struct set *s, const char *json, uint32_t *fired)
{
	char err[256] = "";

	if (!s->has_f) {
		fk_fields_init(&s->f, s->jp);
		s->has_f = 1;
	}
	cr_assert_eq(
	    fk_fields_scan(&s->f, json, strlen(json), err, sizeof(err)), 0,
	    "%s: %s", json, err);
	return fk_rules_eval(s->rs, &s->f, fired);
}

static void
check_counts(const struct set *s, size_t i, unsigned long long evaluated,
    unsigned long long fired, unsigned long long missing,
    unsigned long long mistyped)
{
	struct fk_rule_counts c;

	memset(&c, 0xa5, sizeof(c));
	fk_rules_counts(s->rs, i, &c);
	cr_assert_eq(c.evaluated, evaluated,
	    "rule %zu evaluated %llu, want %llu", i, c.evaluated, evaluated);
	cr_assert_eq(c.fired, fired, "rule %zu fired %llu, want %llu", i,
	    c.fired, fired);
	cr_assert_eq(c.missing, missing, "rule %zu missing %llu, want %llu", i,
	    c.missing, missing);
	cr_assert_eq(c.mistyped, mistyped, "rule %zu mistyped %llu, want %llu",
	    i, c.mistyped, mistyped);
}

static void
hex_of(const char *s, char hex[FK_SHA256_HEXLEN])
{
	fk_sha256_hex(s, strlen(s), hex);
}

/* ---- the empty set, sources, the API ---- */

Test(rules, empty_set)
{
	char hex[FK_SHA256_HEXLEN];
	struct set s;
	uint32_t fired[1];

	set_new(&s);
	cr_assert_eq(fk_rules_count(s.rs), 0);
	cr_assert_str_eq(fk_rules_text(s.rs), "");
	hex_of("", hex);
	cr_assert_str_eq(fk_rules_hash(s.rs), hex);
	cr_assert_str_eq(fk_rules_hash(s.rs),
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	cr_assert_eq(eval_json(&s, "{}", fired), 0);
	set_free(&s);
}

/* An empty file is not an error: zero rules. */
Test(rules, empty_texts_give_no_rules)
{
	static const char *const texts[] = { "", " ", "\n\n", "# only\n",
		"  # a comment\n\t\n# another", "\r\n", "#" };
	char err[64];
	struct set s;
	size_t i;

	for (i = 0; i < NELEM(texts); i++) {
		set_new(&s);
		must_parse(&s, "e.conf", texts[i]);
		cr_assert_eq(fk_rules_count(s.rs), 0, "\"%s\"", texts[i]);
		cr_assert_str_eq(fk_rules_text(s.rs), "");
		set_free(&s);
	}
	set_new(&s);
	cr_assert_eq(
	    fk_rules_parse(s.rs, "null", NULL, 0, err, sizeof(err)), 0);
	cr_assert_eq(fk_rules_count(s.rs), 0);
	set_free(&s);
}

Test(rules, info)
{
	const struct fk_rule_info *r;
	struct set s;

	set_new(&s);
	must_parse(&s, "a.conf",
	    "# Card testing: many small payments in a short time.\n"
	    "rule burst_small: features.user.count_10m >= 5 and amount < 5\n"
	    "    => 0.6 \"many small payments in 10 minutes\" severity high "
	    "tags velocity, card\n"
	    "\n"
	    "rule travel-2: features.user.impossible_travel => -0.25\n"
	    "  \"impossible \\\"travel\\\"\\n\\t\\u00e9\"\n"
	    "rule _t: true => 1 \"x\" tags 3ds, a-b, _ severity critical\n");
	cr_assert_eq(fk_rules_count(s.rs), 3);

	r = fk_rules_info(s.rs, 0);
	cr_assert_str_eq(r->id, "burst_small");
	cr_assert_float_eq(r->weight, 0.6, 1e-15);
	cr_assert_str_eq(r->reason, "many small payments in 10 minutes");
	cr_assert_str_eq(r->severity, "high");
	cr_assert_eq(r->ntags, 2);
	cr_assert_str_eq(r->tags[0], "velocity");
	cr_assert_str_eq(r->tags[1], "card");
	cr_assert_str_eq(r->file, "a.conf");
	cr_assert_eq(r->line, 2);
	cr_assert_eq(r->nslots, 2);
	cr_assert_str_eq(
	    fk_jpath_name(s.jp, r->slots[0]), "features.user.count_10m");
	cr_assert_str_eq(fk_jpath_name(s.jp, r->slots[1]), "amount");

	r = fk_rules_info(s.rs, 1);
	cr_assert_str_eq(r->id, "travel-2");
	cr_assert_eq(r->weight, -0.25);
	cr_assert_str_eq(r->reason, "impossible \"travel\"\n\t\xc3\xa9");
	cr_assert_null(r->severity);
	cr_assert_eq(r->ntags, 0);
	cr_assert_eq(r->line, 5, "the line of 'rule', not of the reason");
	cr_assert_eq(r->nslots, 1);
	cr_assert_str_eq(fk_jpath_name(s.jp, r->slots[0]),
	    "features.user.impossible_travel");

	r = fk_rules_info(s.rs, 2);
	cr_assert_str_eq(r->id, "_t");
	cr_assert_str_eq(r->severity, "critical");
	cr_assert_eq(r->ntags, 3);
	cr_assert_str_eq(r->tags[0], "3ds");
	cr_assert_str_eq(r->tags[1], "a-b");
	cr_assert_str_eq(r->tags[2], "_");
	cr_assert_eq(r->nslots, 0);
	cr_assert_eq(r->line, 7);
	cr_assert_eq(fk_jpath_count(s.jp), 3);
	set_free(&s);
}

Test(rules, severities)
{
	static const char *const sev[] = { "low", "medium", "high",
		"critical" };
	char text[128];
	struct set s;
	size_t i;

	for (i = 0; i < NELEM(sev); i++) {
		set_new(&s);
		snprintf(text, sizeof(text), "rule r: a => 1 \"x\" severity %s",
		    sev[i]);
		must_parse(&s, "s.conf", text);
		cr_assert_str_eq(fk_rules_info(s.rs, 0)->severity, sev[i]);
		set_free(&s);
	}
}

/* Weights: [-1, 1] inclusive, a leading '-' allowed. */
Test(rules, weights)
{
	static const struct {
		const char *w;
		double v;
	} ok[] = { { "1", 1 }, { "-1", -1 }, { "0", 0 }, { "1.0", 1 },
		{ "-1.0", -1 }, { "0.999", 0.999 }, { "1e0", 1 },
		{ "-1E-3", -0.001 }, { "- 0.5", -0.5 }, { "0.6", 0.6 } };
	char text[128];
	struct set s;
	size_t i;

	for (i = 0; i < NELEM(ok); i++) {
		set_new(&s);
		snprintf(text, sizeof(text), "rule r: a => %s \"x\"", ok[i].w);
		must_parse(&s, "w.conf", text);
		cr_assert_eq(
		    fk_rules_info(s.rs, 0)->weight, ok[i].v, "%s", ok[i].w);
		set_free(&s);
	}
}

/* Fields are registered once per distinct path, in order of first use;
 * each rule lists its own in the order it reads them. */
Test(rules, slots)
{
	const struct fk_rule_info *r;
	struct set s;

	set_new(&s);
	must_parse(&s, "s.conf",
	    "rule a: b == 1 and a.x == 2 and `b` == 3 and exists(c) => 1 "
	    "\"x\"\n"
	    "rule b: 1 < a.`x` and d in (1) and len(e) + min(b, f) > 0 "
	    "=> 1 \"x\"\n"
	    "rule c: `in`.`a b` == 1 or `and`.in => 1 \"x\"\n");
	cr_assert_eq(fk_jpath_count(s.jp), 8);
	cr_assert_str_eq(fk_jpath_name(s.jp, 0), "b");
	cr_assert_str_eq(fk_jpath_name(s.jp, 1), "a.x");
	cr_assert_str_eq(fk_jpath_name(s.jp, 2), "c");
	cr_assert_str_eq(fk_jpath_name(s.jp, 3), "d");
	cr_assert_str_eq(fk_jpath_name(s.jp, 4), "e");
	cr_assert_str_eq(fk_jpath_name(s.jp, 5), "f");
	cr_assert_str_eq(fk_jpath_name(s.jp, 6), "`in`.`a b`");
	cr_assert_str_eq(fk_jpath_name(s.jp, 7), "`and`.in");

	r = fk_rules_info(s.rs, 0);
	cr_assert_eq(r->nslots, 3);
	cr_assert_eq(r->slots[0], 0);
	cr_assert_eq(r->slots[1], 1);
	cr_assert_eq(r->slots[2], 2);
	r = fk_rules_info(s.rs, 1);
	cr_assert_eq(r->nslots, 5);
	cr_assert_eq(r->slots[0], 1);
	cr_assert_eq(r->slots[1], 3);
	cr_assert_eq(r->slots[2], 4);
	cr_assert_eq(r->slots[3], 0);
	cr_assert_eq(r->slots[4], 5);
	r = fk_rules_info(s.rs, 2);
	cr_assert_eq(r->nslots, 2);
	cr_assert_eq(r->slots[0], 6);
	cr_assert_eq(r->slots[1], 7);
	set_free(&s);
}

/* Several texts make one set: ids are unique across them. */
Test(rules, several_texts)
{
	char err[1024];
	struct set s;
	const char *t2 = "rule c: y => 1 \"c\"\n\nrule a: z => 1 \"again\"\n";

	set_new(&s);
	must_parse(
	    &s, "one.conf", "rule a: x => 1 \"a\"\nrule b: x => 1 \"b\"\n");
	cr_assert_eq(
	    fk_rules_parse(s.rs, "two.conf", t2, strlen(t2), err, sizeof(err)),
	    -1);
	cr_assert_str_eq(err,
	    "two.conf:3:6: duplicate rule id 'a', first defined at "
	    "one.conf:1\n"
	    "    rule a: z => 1 \"again\"\n"
	    "         ^\n");
	set_free(&s);

	set_new(&s);
	must_parse(&s, "one.conf", "rule a: x => 1 \"a\"\n");
	must_parse(&s, "two.conf", "rule b: x => 0.5 \"b\"\n");
	cr_assert_eq(fk_rules_count(s.rs), 2);
	cr_assert_str_eq(fk_rules_info(s.rs, 0)->file, "one.conf");
	cr_assert_str_eq(fk_rules_info(s.rs, 1)->file, "two.conf");
	cr_assert_eq(fk_rules_info(s.rs, 1)->line, 1);
	cr_assert_str_eq(fk_rules_text(s.rs),
	    "rule a: x => 1 \"a\"\nrule b: x => 0.5 \"b\"\n");
	set_free(&s);
}

/* Many rules: the id table grows and still finds every one. */
Test(rules, many_ids)
{
	char text[64], err[512];
	struct set s;
	int i;

	set_new(&s);
	for (i = 0; i < 500; i++) {
		snprintf(
		    text, sizeof(text), "rule r%d: a == %d => 1 \"x\"", i, i);
		must_parse(&s, "m.conf", text);
	}
	cr_assert_eq(fk_rules_count(s.rs), 500);
	for (i = 0; i < 500; i += 37) {
		snprintf(text, sizeof(text), "rule r%d: a => 1 \"x\"", i);
		cr_assert_eq(fk_rules_parse(s.rs, "n.conf", text, strlen(text),
		                 err, sizeof(err)),
		    -1, "r%d accepted twice", i);
		cr_assert(strstr(err, "duplicate rule id") != NULL, "%s", err);
	}
	set_free(&s);
}

Test(rules, load_file)
{
	char path[512], err[1024];
	struct set s;
	static const char text[] = "rule a: x > 1 => 1 \"a\"\n";

	fk_test_tmpdir(tmpdir, sizeof(tmpdir), "rules");
	fk_test_write(path, sizeof(path), tmpdir, "r.conf", text, strlen(text));
	set_new(&s);
	cr_assert_eq(fk_rules_load(s.rs, path, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(fk_rules_count(s.rs), 1);
	cr_assert_str_eq(fk_rules_info(s.rs, 0)->file, path);
	set_free(&s);
}

Test(rules, load_errors)
{
	char path[512], want[1024], err[1024];
	struct set s;
	static const char bad[] = "rule a: x >\n";

	fk_test_tmpdir(tmpdir, sizeof(tmpdir), "rules");
	set_new(&s);
	snprintf(path, sizeof(path), "%s/nope.conf", tmpdir);
	cr_assert_eq(fk_rules_load(s.rs, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: %s", path, strerror(ENOENT));
	cr_assert_str_eq(err, want);
	cr_assert_eq(fk_rules_load(s.rs, tmpdir, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: %s", tmpdir, strerror(EISDIR));
	cr_assert_str_eq(err, want);
	set_free(&s);

	/* A parse error names the file as given. */
	fk_test_write(path, sizeof(path), tmpdir, "bad.conf", bad, strlen(bad));
	set_new(&s);
	cr_assert_eq(fk_rules_load(s.rs, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want),
	    "%s:1:12: expected a value after '>', found end of file\n"
	    "    rule a: x >\n"
	    "               ^\n",
	    path);
	cr_assert_str_eq(err, want);
	set_free(&s);
}

/* A file read in pieces: longer than any one read. */
Test(rules, load_large_file)
{
	char path[512], err[256];
	struct set s;
	char *text;
	size_t n = 0, cap = 1 << 20;
	int i;

	fk_test_tmpdir(tmpdir, sizeof(tmpdir), "rules");
	text = malloc(cap);
	cr_assert_not_null(text);
	for (i = 0; i < 5000; i++)
		n += (size_t)snprintf(text + n, cap - n,
		    "rule r%d: a == %d # a comment\n  => 1 \"x\"\n", i, i);
	fk_test_write(path, sizeof(path), tmpdir, "big.conf", text, n);
	free(text);
	set_new(&s);
	cr_assert_eq(fk_rules_load(s.rs, path, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(fk_rules_count(s.rs), 5000);
	cr_assert_eq(fk_rules_info(s.rs, 4999)->line, 9999);
	set_free(&s);
}

/* ---- messages ---- */

/* The whole message: position, the line as written, the caret. */
Test(rules, message_shape)
{
	char err[1024];

	must_fail("rule ok: a => 1 \"x\"\n"
	          "# comment\n"
	          "rule x: start_with(ip, \"10.\") => 0.5 \"...\"\n"
	          "rule y: b => 1 \"y\"\n",
	    err, sizeof(err));
	cr_assert_str_eq(err,
	    "r.conf:3:9: unknown function 'start_with'\n"
	    "    rule x: start_with(ip, \"10.\") => 0.5 \"...\"\n"
	    "            ^\n");
}

/* Tabs are copied into the caret line so that it lines up. */
Test(rules, message_keeps_tabs)
{
	char err[1024];

	must_fail(
	    "rule x:\n\tamount >\ttrue + 1 => 1 \"x\"\n", err, sizeof(err));
	cr_assert_str_eq(err,
	    "r.conf:2:11: '+' needs numbers, found 'true'\n"
	    "    \tamount >\ttrue + 1 => 1 \"x\"\n"
	    "    \t        \t^\n");
}

/* Columns count bytes; the caret sits under the character. */
Test(rules, message_after_multibyte)
{
	char err[1024];

	must_fail(
	    "rule x: a == \"\xc3\xa9\" and 3 => 1 \"r\"", err, sizeof(err));
	cr_assert_str_eq(err,
	    "r.conf:1:23: 'and' needs booleans, found '3'\n"
	    "    rule x: a == \"\xc3\xa9\" and 3 => 1 \"r\"\n"
	    "                         ^\n");
}

/* CRLF line ends: the CR is not shown. */
Test(rules, message_crlf)
{
	char err[1024];
	struct set s;

	set_new(&s);
	must_parse(&s, "c.conf",
	    "rule a: x => 1 \"a\"\r\nrule b:\r\n y\r\n => "
	    "1 \"b\"\r\n");
	cr_assert_eq(fk_rules_count(s.rs), 2);
	set_free(&s);
	must_fail("rule a: x => 1 \"a\"\r\nrule b: y => 2 \"b\"\r\n", err,
	    sizeof(err));
	cr_assert_str_eq(err,
	    "r.conf:2:14: expected a weight from -1 to 1, found '2'\n"
	    "    rule b: y => 2 \"b\"\n"
	    "                 ^\n");
}

/* The end of the file is shown just past the last token. */
Test(rules, message_at_end_of_file)
{
	char err[1024];

	must_fail("rule a: x => 1 \"a\"\nrule b: y >=  # more to come\n\n\n",
	    err, sizeof(err));
	cr_assert_str_eq(err,
	    "r.conf:2:13: expected a value after '>=', found end of file\n"
	    "    rule b: y >=  # more to come\n"
	    "                ^\n");
	must_fail("rule", err, sizeof(err));
	cr_assert_str_eq(err,
	    "r.conf:1:5: expected a rule id after 'rule', found end of file\n"
	    "    rule\n"
	    "        ^\n");
}

/* A long token is cut in the message. */
Test(rules, message_cuts_long_tokens)
{
	char err[1024];

	must_fail("rule x: a => 1 \"r\" "
	          "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghij",
	    err, sizeof(err));
	cr_assert(
	    strstr(
	        err, "found 'abcdefghijabcdefghijabcdefghijabcdefghij...'\n") !=
	        NULL,
	    "%s", err);
}

/* A short buffer gets as much as fits, NUL-terminated. */
Test(rules, message_truncated)
{
	char err[16];
	struct set s;
	const char *t = "rule x: a >";

	set_new(&s);
	cr_assert_eq(fk_rules_parse(s.rs, "r.conf", t, strlen(t), err, 16), -1);
	cr_assert_str_eq(err, "r.conf:1:12: ex");
	cr_assert_eq(fk_rules_parse(s.rs, "r.conf", t, strlen(t), err, 0), -1);
	set_free(&s);
}

/* A NUL byte is not text. */
Test(rules, nul_byte)
{
	char err[512];
	struct set s;
	static const char t[] = "rule x: a\0 => 1 \"r\"";
	static const char t2[] = "rule x: a == \"a\0\" => 1 \"r\"";

	set_new(&s);
	cr_assert_eq(
	    fk_rules_parse(s.rs, "r.conf", t, sizeof(t) - 1, err, sizeof(err)),
	    -1);
	cr_assert(strncmp(err, "r.conf:1:10: unexpected byte 0x00\n", 34) == 0,
	    "%s", err);
	cr_assert_eq(fk_rules_parse(
	                 s.rs, "r.conf", t2, sizeof(t2) - 1, err, sizeof(err)),
	    -1);
	cr_assert(
	    strncmp(err, "r.conf:1:16: control character 0x00 in a string",
	        47) == 0,
	    "%s", err);
	set_free(&s);
}

/* An error in the second text names the second text. */
Test(rules, message_names_its_text)
{
	char err[512];
	struct set s;
	const char *t = "\n\nrule b: 1 => 1 \"b\"";

	set_new(&s);
	must_parse(&s, "one.conf", "rule a: x => 1 \"a\"\n");
	cr_assert_eq(
	    fk_rules_parse(s.rs, "two.conf", t, strlen(t), err, sizeof(err)),
	    -1);
	cr_assert_str_eq(err,
	    "two.conf:3:9: the condition must be a boolean, found '1'\n"
	    "    rule b: 1 => 1 \"b\"\n"
	    "            ^\n");
	set_free(&s);
}

Test(rules, nesting_limit)
{
	char *text, err[512];
	size_t n = 0, cap = 64 * 1024;
	struct set s;
	int i;

	text = malloc(cap);
	cr_assert_not_null(text);
	n = (size_t)snprintf(text, cap, "rule x: ");
	for (i = 0; i < 5000; i++)
		text[n++] = '(';
	text[n] = '\0';
	must_fail(text, err, sizeof(err));
	cr_assert(
	    strstr(err, ": expression nested too deeply\n") != NULL, "%s", err);

	n = (size_t)snprintf(text, cap, "rule x: ");
	for (i = 0; i < 5000; i++)
		n += (size_t)snprintf(text + n, cap - n, "not ");
	snprintf(text + n, cap - n, "a => 1 \"x\"");
	must_fail(text, err, sizeof(err));
	cr_assert(
	    strstr(err, ": expression nested too deeply\n") != NULL, "%s", err);

	n = (size_t)snprintf(text, cap, "rule x: 1 ");
	for (i = 0; i < 5000; i++)
		n += (size_t)snprintf(text + n, cap - n, "- -");
	snprintf(text + n, cap - n, "a > 0 => 1 \"x\"");
	must_fail(text, err, sizeof(err));
	cr_assert(
	    strstr(err, ": expression nested too deeply\n") != NULL, "%s", err);

	/* A long chain is deep too, up to the limit. */
	n = (size_t)snprintf(text, cap, "rule x: a0");
	for (i = 1; i < 2000; i++)
		n += (size_t)snprintf(text + n, cap - n, " or a%d", i);
	snprintf(text + n, cap - n, " => 1 \"x\"");
	must_fail(text, err, sizeof(err));
	cr_assert(
	    strstr(err, ": expression nested too deeply\n") != NULL, "%s", err);

	set_new(&s);
	n = (size_t)snprintf(text, cap, "rule x: a == 0");
	for (i = 1; i < 900; i++)
		n += (size_t)snprintf(text + n, cap - n, " or a == %d", i);
	snprintf(text + n, cap - n, " => 1 \"x\"");
	must_parse(&s, "x.conf", text);
	{
		uint32_t fired[1];

		cr_assert_eq(eval_json(&s, "{\"a\":899}", fired), 1);
		cr_assert_eq(eval_json(&s, "{\"a\":900}", fired), 0);
	}
	set_free(&s);
	free(text);
}

struct err_case {
	char text[112];
	char msg[136]; /* "LINE:COL: message" */
};

/* The first line of each message, without the file name. */
static const struct err_case err_cases[] = {
	/* lexical */
	{ "rule x: a > 10x => 1 \"r\"", "1:15: unknown unit 'x'" },
	{ "rule x: a > 5min => 1 \"r\"", "1:14: unknown unit 'min'" },
	{ "rule x: a > 5M => 1 \"r\"", "1:14: unknown unit 'M'" },
	{ "rule x: a > 5m30s => 1 \"r\"", "1:14: unknown unit 'm30s'" },
	{ "rule x: a > 1e => 1 \"r\"", "1:14: unknown unit 'e'" },
	{ "rule x: a > 1e+ => 1 \"r\"", "1:14: unknown unit 'e'" },
	{ "rule x: a > 1e5x => 1 \"r\"", "1:16: unknown unit 'x'" },
	{ "rule x: a > 5_s => 1 \"r\"", "1:14: unknown unit '_s'" },
	{ "rule x: a > 012 => 1 \"r\"", "1:13: leading zero in number '012'" },
	{ "rule x: a > 00 => 1 \"r\"", "1:13: leading zero in number '00'" },
	{ "rule x: a > 1. => 1 \"r\"",
	    "1:14: expected a digit after '.' in '1.'" },
	{ "rule x: a > 1.e5 => 1 \"r\"",
	    "1:14: expected a digit after '.' in '1.'" },
	{ "rule x: a > .5 => 1 \"r\"",
	    "1:13: expected a digit before '.' in a number" },
	{ "rule x: a > 1e999 => 1 \"r\"", "1:13: number out of range '1e999'" },
	{ "rule x: a > 1e306w => 1 \"r\"",
	    "1:13: number out of range '1e306w'" },
	{ "rule x: a == \"abc", "1:14: unterminated string" },
	{ "rule x: a == \"ab\nc\" => 1 \"r\"", "1:14: unterminated string" },
	{ "rule x: a == \"ab\\\nc\" => 1 \"r\"", "1:14: unterminated string" },
	{ "rule x: a == \"ab\\", "1:14: unterminated string" },
	{ "rule x: a => 1 \"r", "1:16: unterminated string" },
	{ "rule x: a == \"\\q\" => 1 \"r\"",
	    "1:15: bad escape '\\q' in a string" },
	{ "rule x: a == \"\\x41\" => 1 \"r\"",
	    "1:15: bad escape '\\x' in a string" },
	{ "rule x: a == \"\\/\" => 1 \"r\"",
	    "1:15: bad escape '\\/' in a string" },
	{ "rule x: a == \"\\'\" => 1 \"r\"",
	    "1:15: bad escape '\\'' in a string" },
	{ "rule x: a == \"\\\t\" => 1 \"r\"",
	    "1:15: bad escape in a string: '\\' followed by byte 0x09" },
	{ "rule x: a => 1 \"\\r\"", "1:17: bad escape '\\r' in a string" },
	{ "rule x: a == \"\\u12\" => 1 \"r\"",
	    "1:15: bad escape '\\u' in a string: expected 4 hex digits" },
	{ "rule x: a == \"\\uZZZZ\" => 1 \"r\"",
	    "1:15: bad escape '\\u' in a string: expected 4 hex digits" },
	{ "rule x: a == \"\\u00",
	    "1:15: bad escape '\\u' in a string: "
	    "expected 4 hex digits" },
	{ "rule x: a == \"\\ud800\" => 1 \"r\"",
	    "1:15: bad escape '\\ud800' in a string: surrogates are not "
	    "allowed" },
	{ "rule x: a == \"\\uDFFF\" => 1 \"r\"",
	    "1:15: bad escape '\\uDFFF' in a string: surrogates are not "
	    "allowed" },
	{ "rule x: a == \"\\u0000\" => 1 \"r\"",
	    "1:15: bad escape '\\u0000' in a string: NUL is not allowed" },
	{ "rule x: a == \"a\tb\" => 1 \"r\"",
	    "1:16: control character 0x09 in a string (write \\t)" },
	{ "rule x: a == \"a\x01\" => 1 \"r\"",
	    "1:16: control character 0x01 in a string (write \\u00XX)" },
	{ "rule x: a == \"a\x7f\" => 1 \"r\"",
	    "1:16: control character 0x7f in a string (write \\u00XX)" },
	{ "rule x: a == \"a\r\" => 1 \"r\"",
	    "1:16: control character 0x0d in a string (write \\u00XX)" },
	{ "rule x: a == \"a\xff\" => 1 \"r\"",
	    "1:16: invalid UTF-8 byte 0xff in a string" },
	{ "rule x: a == \"a\xc0\x80\" => 1 \"r\"",
	    "1:16: invalid UTF-8 byte 0xc0 in a string" },
	{ "rule x: a == \"a\xed\xa0\x80\" => 1 \"r\"",
	    "1:16: invalid UTF-8 byte 0xed in a string" },
	{ "rule x: a == \"a\xc3\" => 1 \"r\"",
	    "1:16: invalid UTF-8 byte 0xc3 in a string" },
	{ "rule x: a => 1 \"\xf8\x88\x80\x80\x80\"",
	    "1:17: invalid UTF-8 byte 0xf8 in a string" },
	{ "rule x: a => 1 \"r\" # \xe9t\xe9",
	    "1:22: invalid UTF-8 byte 0xe9 in a comment" },
	{ "rule x: `ab => 1 \"r\"", "1:9: unterminated backquoted name" },
	{ "rule x: `a\nb` => 1 \"r\"", "1:9: unterminated backquoted name" },
	{ "rule x: `a\tb` => 1 \"r\"",
	    "1:11: control character 0x09 in a backquoted name" },
	{ "rule x: `a\xff"
	  "b` => 1 \"r\"",
	    "1:11: invalid UTF-8 byte 0xff in a backquoted name" },
	{ "rule x: a = 1 => 1 \"r\"",
	    "1:11: unexpected '=' (write '==' to compare)" },
	{ "rule x: !a => 1 \"r\"",
	    "1:9: unexpected '!' (write 'not', or '!=' to compare)" },
	{ "rule x: a && b => 1 \"r\"", "1:11: unexpected '&&' (write 'and')" },
	{ "rule x: a || b => 1 \"r\"", "1:11: unexpected '||' (write 'or')" },
	{ "rule x: a & b => 1 \"r\"", "1:11: unexpected character '&'" },
	{ "rule x: a | b => 1 \"r\"", "1:11: unexpected character '|'" },
	{ "rule x: a == 'b' => 1 \"r\"", "1:14: unexpected character '''" },
	{ "rule x: $a => 1 \"r\"", "1:9: unexpected character '$'" },
	{ "rule x: a[0] => 1 \"r\"", "1:10: unexpected character '['" },
	{ "rule x: a => 1 \"r\";", "1:19: unexpected character ';'" },
	{ "rule x: a ^ 2 => 1 \"r\"", "1:11: unexpected character '^'" },
	{ "rule x: a \x01 => 1 \"r\"", "1:11: unexpected byte 0x01" },
	{ "rule x: \xc3\xa9t\xc3\xa9 => 1 \"r\"",
	    "1:9: unexpected character '\xc3\xa9'" },
	{ "\xef\xbb\xbfrule x: a => 1 \"r\"",
	    "1:1: unexpected character '\xef\xbb\xbf'" },
	{ "rule x: a \xff => 1 \"r\"", "1:11: invalid UTF-8 byte 0xff" },
	{ "rule x: a => 1 \"r\" tags a;b", "1:26: unexpected character ';'" },
	{ "rule x: a => 1 \"r\" tags a, \"b\"",
	    "1:28: expected a tag after ',', found \"b\"" },

	/* the shape of a rule */
	{ "foo", "1:1: expected 'rule', found 'foo'" },
	{ "x: a => 1 \"r\"", "1:1: expected 'rule', found 'x'" },
	{ "\"rule\"", "1:1: expected 'rule', found \"rule\"" },
	{ "\n  42", "2:3: expected 'rule', found '42'" },
	{ "Rule x: a => 1 \"r\"", "1:1: expected 'rule', found 'Rule'" },
	{ "rule x: a => 1 \"r\" and b",
	    "1:20: expected 'severity', 'tags' "
	    "or 'rule', found 'and'" },
	{ "rule", "1:5: expected a rule id after 'rule', found end of file" },
	{ "rule 9x: a => 1 \"r\"",
	    "1:6: expected a rule id after 'rule', found '9x'" },
	{ "rule -x: a => 1 \"r\"",
	    "1:6: expected a rule id after 'rule', found '-x'" },
	{ "rule : a => 1 \"r\"",
	    "1:6: expected a rule id after 'rule', found ':'" },
	{ "rule \"x\": a => 1 \"r\"",
	    "1:6: expected a rule id after 'rule', found \"x\"" },
	{ "rule `x`: a => 1 \"r\"",
	    "1:6: expected a rule id after 'rule', found '`x`'" },
	{ "rule x a => 1 \"r\"",
	    "1:8: expected ':' after the rule id, found 'a'" },
	{ "rule x.y: a => 1 \"r\"",
	    "1:7: expected ':' after the rule id, found '.'" },
	{ "rule x", "1:7: expected ':' after the rule id, found end of file" },
	{ "rule x:",
	    "1:8: expected a condition after ':', found end of "
	    "file" },
	{ "rule x: => 1 \"r\"",
	    "1:9: expected a condition after ':', found '=>'" },
	{ "rule x: a then 1 \"r\"",
	    "1:11: expected '=>' after the condition, found 'then'" },
	{ "rule x: a 1 \"r\"",
	    "1:11: expected '=>' after the condition, found '1'" },
	{ "rule x: a > 1 \"r\"",
	    "1:15: expected '=>' after the condition, found \"r\"" },
	{ "rule x: a > 1",
	    "1:14: expected '=>' after the condition, found end of file" },
	{ "rule x: a > 1 > 0.5 \"r\"",
	    "1:15: comparisons do not chain: "
	    "found '>' after a comparison "
	    "(join them with 'and')" },
	/* white space is insignificant: a name and '(' are a call */
	{ "rule x: a (b) => 1 \"r\"", "1:9: unknown function 'a'" },
	{ "rule x: a.b(1) => 1 \"r\"",
	    "1:12: expected '=>' after the condition, found '('" },
	{ "rule x: a ms => 1 \"r\"",
	    "1:11: expected '=>' after the condition, found 'ms'" },
	{ "rule x: a =>",
	    "1:13: expected a weight from -1 to 1 after '=>', "
	    "found end of file" },
	{ "rule x: a => \"r\"",
	    "1:14: expected a weight from -1 to 1 after "
	    "'=>', found \"r\"" },
	{ "rule x: a => w \"r\"",
	    "1:14: expected a weight from -1 to 1 "
	    "after '=>', found 'w'" },
	{ "rule x: a => 1s \"r\"",
	    "1:14: expected a weight from -1 to 1 "
	    "after '=>', found '1s'" },
	{ "rule x: a => +1 \"r\"",
	    "1:14: expected a weight from -1 to 1 "
	    "after '=>', found '+'" },
	{ "rule x: a => - \"r\"",
	    "1:16: expected a weight from -1 to 1 "
	    "after '=>', found \"r\"" },
	{ "rule x: a => --1 \"r\"",
	    "1:15: expected a weight from -1 to 1 "
	    "after '=>', found '-'" },
	{ "rule x: a => 2 \"r\"",
	    "1:14: expected a weight from -1 to 1, found '2'" },
	{ "rule x: a => 1.0001 \"r\"",
	    "1:14: expected a weight from -1 to 1, found '1.0001'" },
	{ "rule x: a => -1.5 \"r\"",
	    "1:14: expected a weight from -1 to 1, found '-1.5'" },
	{ "rule x: a => - 1.5 \"r\"",
	    "1:14: expected a weight from -1 to 1, found '- 1.5'" },
	{ "rule x: a => 1e1 \"r\"",
	    "1:14: expected a weight from -1 to 1, found '1e1'" },
	{ "rule x: a => 1",
	    "1:15: expected a reason (a string) after the "
	    "weight, found end of file" },
	{ "rule x: a => 1 r",
	    "1:16: expected a reason (a string) after "
	    "the weight, found 'r'" },
	{ "rule x: a => 1 \"\"",
	    "1:16: expected a reason after the weight, found an empty "
	    "string" },
	{ "rule x: a => 1 \"r\" high",
	    "1:20: expected 'severity', 'tags' "
	    "or 'rule', found 'high'" },
	{ "rule x: a => 1 \"r\" \"s\"",
	    "1:20: expected 'severity', 'tags' "
	    "or 'rule', found \"s\"" },
	{ "rule x: a => 1 \"r\" severity urgent",
	    "1:29: unknown severity 'urgent' (low, medium, high or "
	    "critical)" },
	{ "rule x: a => 1 \"r\" severity High",
	    "1:29: unknown severity 'High' (low, medium, high or "
	    "critical)" },
	{ "rule x: a => 1 \"r\" severity 3",
	    "1:29: unknown severity '3' (low, medium, high or critical)" },
	{ "rule x: a => 1 \"r\" severity",
	    "1:28: expected a severity (low, medium, high or critical) "
	    "after 'severity', found end of file" },
	{ "rule x: a => 1 \"r\" severity \"high\"",
	    "1:29: expected a severity (low, medium, high or critical) "
	    "after 'severity', found \"high\"" },
	{ "rule x: a => 1 \"r\" severity high severity low",
	    "1:34: 'severity' given twice" },
	{ "rule x: a => 1 \"r\" severity high tags t severity low",
	    "1:41: 'severity' given twice" },
	{ "rule x: a => 1 \"r\" tags a, b tags c", "1:30: 'tags' given twice" },
	{ "rule x: a => 1 \"r\" tags",
	    "1:24: expected a tag after 'tags', "
	    "found end of file" },
	{ "rule x: a => 1 \"r\" tags ,a",
	    "1:25: expected a tag after 'tags', found ','" },
	{ "rule x: a => 1 \"r\" tags a,",
	    "1:27: expected a tag after ',', found end of file" },
	{ "rule x: a => 1 \"r\" tags a, , b",
	    "1:28: expected a tag after ',', found ','" },
	{ "rule x: a => 1 \"r\" tags a b",
	    "1:27: expected 'severity', "
	    "'tags' or 'rule', found 'b'" },
	{ "rule x: a => 1 \"r\" tags a.b",
	    "1:26: expected 'severity', "
	    "'tags' or 'rule', found '.'" },
	{ "rule x: a => 1 \"r\"\nrule x: b => 1 \"s\"",
	    "2:6: duplicate rule id 'x', first defined at line 1" },
	{ "rule x-1: a => 1 \"r\"\n\n\nrule x-1: a => 1 \"r\"",
	    "4:6: duplicate rule id 'x-1', first defined at line 1" },

	/* expressions */
	{ "rule x: a >",
	    "1:12: expected a value after '>', found end of "
	    "file" },
	{ "rule x: a > => 1 \"r\"",
	    "1:13: expected a value after '>', found '=>'" },
	{ "rule x: a + * b > 1 => 1 \"r\"",
	    "1:13: expected a value after '+', found '*'" },
	{ "rule x: () => 1 \"r\"",
	    "1:10: expected a value after '(', found ')'" },
	{ "rule x: (a == 1 => 1 \"r\"", "1:17: expected ')', found '=>'" },
	{ "rule x: (a == 1", "1:16: expected ')', found end of file" },
	{ "rule x: a == 1) => 1 \"r\"",
	    "1:15: expected '=>' after the condition, found ')'" },
	{ "rule x: in > 3 => 1 \"r\"",
	    "1:9: expected a value after ':', found keyword 'in' (a field "
	    "of that name is written `in`)" },
	{ "rule x: and => 1 \"r\"",
	    "1:9: expected a value after ':', found keyword 'and' (a field "
	    "of that name is written `and`)" },
	{ "rule x: a == rule => 1 \"r\"",
	    "1:14: expected a value after '==', found keyword 'rule' (a "
	    "field of that name is written `rule`)" },
	{ "rule x: severity == 1 => 1 \"r\"",
	    "1:9: expected a value after ':', found keyword 'severity' (a "
	    "field of that name is written `severity`)" },
	{ "rule x: tags.x => 1 \"r\"",
	    "1:9: expected a value after ':', found keyword 'tags' (a "
	    "field of that name is written `tags`)" },
	{ "rule x: a + not b => 1 \"r\"",
	    "1:13: expected a value after '+', found keyword 'not' (a "
	    "field of that name is written `not`)" },
	{ "rule x: a or or b => 1 \"r\"",
	    "1:14: expected a value after 'or', found keyword 'or' (a "
	    "field of that name is written `or`)" },
	{ "rule x: a. => 1 \"r\"",
	    "1:12: expected a name after '.', found '=>'" },
	{ "rule x: a.1 => 1 \"r\"",
	    "1:11: expected a name after '.', found '1'" },
	{ "rule x: a.\"b\" => 1 \"r\"",
	    "1:11: expected a name after '.', found \"b\"" },
	{ "rule x: a..b => 1 \"r\"",
	    "1:11: expected a name after '.', found '.'" },
	{ "rule x: a.",
	    "1:11: expected a name after '.', found end of "
	    "file" },
	{ "rule x: a < b < c => 1 \"r\"",
	    "1:15: comparisons do not chain: found '<' after a comparison "
	    "(join them with 'and')" },
	{ "rule x: a == b == c => 1 \"r\"",
	    "1:16: comparisons do not chain: found '==' after a "
	    "comparison (join them with 'and')" },
	{ "rule x: a < b in (1) => 1 \"r\"",
	    "1:15: comparisons do not chain: found 'in' after a "
	    "comparison (join them with 'and')" },
	{ "rule x: a in (1) == b => 1 \"r\"",
	    "1:18: comparisons do not chain: found '==' after a "
	    "comparison (join them with 'and')" },
	{ "rule x: a in (1) not in (2) => 1 \"r\"",
	    "1:18: comparisons do not chain: found 'not' after a "
	    "comparison (join them with 'and')" },
	{ "rule x: a != b not in (2) => 1 \"r\"",
	    "1:16: comparisons do not chain: found 'not' after a "
	    "comparison (join them with 'and')" },
	{ "rule x: a not 3 => 1 \"r\"",
	    "1:15: expected 'in' after 'not', found '3'" },
	{ "rule x: a not (1) => 1 \"r\"",
	    "1:15: expected 'in' after 'not', found '('" },
	{ "rule x: a in 1 => 1 \"r\"",
	    "1:14: expected '(' after 'in', found '1'" },
	{ "rule x: a in => 1 \"r\"",
	    "1:14: expected '(' after 'in', found '=>'" },
	{ "rule x: a in () => 1 \"r\"",
	    "1:15: expected a number, string or "
	    "boolean in the list, found ')'" },
	{ "rule x: a in (b) => 1 \"r\"",
	    "1:15: expected a number, string "
	    "or boolean in the list, found "
	    "'b'" },
	{ "rule x: a in (null) => 1 \"r\"",
	    "1:15: expected a number, string or boolean in the list, "
	    "found 'null'" },
	{ "rule x: a in ((1)) => 1 \"r\"",
	    "1:15: expected a number, string or boolean in the list, "
	    "found '('" },
	{ "rule x: a in (1 + 1) => 1 \"r\"",
	    "1:17: expected ',' or ')' in the list, found '+'" },
	{ "rule x: a in (1, ) => 1 \"r\"",
	    "1:18: expected a number, string or boolean in the list, "
	    "found ')'" },
	{ "rule x: a in (1 2) => 1 \"r\"",
	    "1:17: expected ',' or ')' in the list, found '2'" },
	{ "rule x: a in (1",
	    "1:16: expected ',' or ')' in the list, found "
	    "end of file" },
	{ "rule x: a in (-\"x\") => 1 \"r\"",
	    "1:16: expected a number after '-' in the list, found \"x\"" },
	{ "rule x: a in (- - 1) => 1 \"r\"",
	    "1:17: expected a number after '-' in the list, found '-'" },

	/* functions */
	{ "rule x: frob(a) => 1 \"r\"", "1:9: unknown function 'frob'" },
	{ "rule x: start_with(ip, \"10.\") => 0.5 \"...\"",
	    "1:9: unknown function 'start_with'" },
	{ "rule x: Len(a) > 1 => 1 \"r\"", "1:9: unknown function 'Len'" },
	{ "rule x: a > 1 or exist (b) => 1 \"r\"",
	    "1:18: unknown function 'exist'" },
	{ "rule x: exists() => 1 \"r\"",
	    "1:9: exists() takes 1 argument, found 0" },
	{ "rule x: exists(a, b) => 1 \"r\"",
	    "1:9: exists() takes 1 argument, found 2" },
	{ "rule x: len() > 1 => 1 \"r\"",
	    "1:9: len() takes 1 argument, found 0" },
	{ "rule x: lower(a, b) == \"x\" => 1 \"r\"",
	    "1:9: lower() takes 1 argument, found 2" },
	{ "rule x: abs(a, b) > 1 => 1 \"r\"",
	    "1:9: abs() takes 1 argument, found 2" },
	{ "rule x: starts_with(a) => 1 \"r\"",
	    "1:9: starts_with() takes 2 arguments, found 1" },
	{ "rule x: ends_with(a, b, c) => 1 \"r\"",
	    "1:9: ends_with() takes 2 arguments, found 3" },
	{ "rule x: contains() => 1 \"r\"",
	    "1:9: contains() takes 2 arguments, found 0" },
	{ "rule x: min(a) > 1 => 1 \"r\"",
	    "1:9: min() takes 2 or more arguments, found 1" },
	{ "rule x: max() > 1 => 1 \"r\"",
	    "1:9: max() takes 2 or more arguments, found 0" },
	{ "rule x: min(a, b,) > 1 => 1 \"r\"",
	    "1:18: expected a value after ',', found ')'" },
	{ "rule x: len(a b) > 1 => 1 \"r\"",
	    "1:15: expected ',' or ')' after an argument of len(), found "
	    "'b'" },
	{ "rule x: len(a",
	    "1:14: expected ',' or ')' after an argument of "
	    "len(), found end of file" },
	{ "rule x: len(, a) > 1 => 1 \"r\"",
	    "1:13: expected a value after '(', found ','" },

	/* types known from literals */
	{ "rule x: \"a\" + 1 > 2 => 1 \"r\"",
	    "1:9: '+' needs numbers, found \"a\"" },
	{ "rule x: 1 + \"a\" > 2 => 1 \"r\"",
	    "1:13: '+' needs numbers, found \"a\"" },
	{ "rule x: a - true > 2 => 1 \"r\"",
	    "1:13: '-' needs numbers, found 'true'" },
	{ "rule x: null * a > 2 => 1 \"r\"",
	    "1:9: '*' needs numbers, found 'null'" },
	{ "rule x: a / (b > 1) > 2 => 1 \"r\"",
	    "1:14: '/' needs numbers, found a boolean" },
	{ "rule x: a % lower(b) > 2 => 1 \"r\"",
	    "1:13: '%' needs numbers, found a string" },
	{ "rule x: -\"x\" > 1 => 1 \"r\"",
	    "1:10: '-' needs a number, found \"x\"" },
	{ "rule x: -true == 1 => 1 \"r\"",
	    "1:10: '-' needs a number, found 'true'" },
	{ "rule x: -exists(a) == 1 => 1 \"r\"",
	    "1:10: '-' needs a number, found a boolean" },
	{ "rule x: not 3 => 1 \"r\"",
	    "1:13: 'not' needs a boolean, found '3'" },
	{ "rule x: not \"x\" => 1 \"r\"",
	    "1:13: 'not' needs a boolean, found \"x\"" },
	{ "rule x: not null => 1 \"r\"",
	    "1:13: 'not' needs a boolean, found 'null'" },
	{ "rule x: not (a + 1) => 1 \"r\"",
	    "1:14: 'not' needs a boolean, found a number" },
	{ "rule x: not lower(a) => 1 \"r\"",
	    "1:13: 'not' needs a boolean, found a string" },
	{ "rule x: 3 and a => 1 \"r\"",
	    "1:9: 'and' needs booleans, found '3'" },
	{ "rule x: a and 3 => 1 \"r\"",
	    "1:15: 'and' needs booleans, found '3'" },
	{ "rule x: a or \"x\" => 1 \"r\"",
	    "1:14: 'or' needs booleans, found \"x\"" },
	{ "rule x: null or a => 1 \"r\"",
	    "1:9: 'or' needs booleans, found 'null'" },
	{ "rule x: len(a) and b => 1 \"r\"",
	    "1:9: 'and' needs booleans, found a number" },
	{ "rule x: a and b or 2.5 => 1 \"r\"",
	    "1:20: 'or' needs booleans, found '2.5'" },
	{ "rule x: 1 < \"x\" => 1 \"r\"",
	    "1:11: cannot compare number '1' with string \"x\"" },
	{ "rule x: \"x\" == 1 => 1 \"r\"",
	    "1:13: cannot compare string \"x\" with number '1'" },
	{ "rule x: 1 == true => 1 \"r\"",
	    "1:11: cannot compare number '1' with boolean 'true'" },
	{ "rule x: null == 1 => 1 \"r\"",
	    "1:14: cannot compare null with number '1'" },
	{ "rule x: \"a\" != null => 1 \"r\"",
	    "1:13: cannot compare string \"a\" with null" },
	{ "rule x: len(a) == \"x\" => 1 \"r\"",
	    "1:16: cannot compare a number with string \"x\"" },
	{ "rule x: lower(a) != 1 => 1 \"r\"",
	    "1:18: cannot compare a string with number '1'" },
	{ "rule x: exists(a) == 1 => 1 \"r\"",
	    "1:19: cannot compare a boolean with number '1'" },
	{ "rule x: 10m == \"10m\" => 1 \"r\"",
	    "1:13: cannot compare number '10m' with string \"10m\"" },
	{ "rule x: true < false => 1 \"r\"",
	    "1:14: '<' orders numbers and strings, found 'true'" },
	{ "rule x: a <= true => 1 \"r\"",
	    "1:11: '<=' orders numbers and strings, found 'true'" },
	{ "rule x: null > a => 1 \"r\"",
	    "1:14: '>' orders numbers and strings, found 'null'" },
	{ "rule x: a >= null => 1 \"r\"",
	    "1:11: '>=' orders numbers and strings, found 'null'" },
	{ "rule x: (a > 1) < 2 => 1 \"r\"",
	    "1:17: '<' orders numbers and strings, found a boolean" },
	{ "rule x: 1 in (\"a\") => 1 \"r\"",
	    "1:11: cannot look for number '1' in a list of strings" },
	{ "rule x: \"a\" not in (1, 2) => 1 \"r\"",
	    "1:13: cannot look for string \"a\" in a list of numbers" },
	{ "rule x: true in (1, \"a\") => 1 \"r\"",
	    "1:14: cannot look for boolean 'true' in a list of numbers "
	    "and strings" },
	{ "rule x: null in (1, \"a\", true) => 1 \"r\"",
	    "1:14: cannot look for null in a list of numbers, strings and "
	    "booleans" },
	{ "rule x: (a > 1) in (\"x\") => 1 \"r\"",
	    "1:17: cannot look for a boolean in a list of strings" },
	{ "rule x: len(a) in (\"x\", true) => 1 \"r\"",
	    "1:16: cannot look for a number in a list of strings and "
	    "booleans" },
	{ "rule x: lower(a) in (1, true) => 1 \"r\"",
	    "1:18: cannot look for a string in a list of numbers and "
	    "booleans" },
	{ "rule x: abs(\"x\") > 1 => 1 \"r\"",
	    "1:13: abs() needs a number, found \"x\"" },
	{ "rule x: min(1, \"x\") > 1 => 1 \"r\"",
	    "1:16: min() needs numbers, found \"x\"" },
	{ "rule x: max(true, a) > 1 => 1 \"r\"",
	    "1:13: max() needs numbers, found 'true'" },
	{ "rule x: len(1) > 1 => 1 \"r\"",
	    "1:13: len() needs a string, found '1'" },
	{ "rule x: lower(true) == \"x\" => 1 \"r\"",
	    "1:15: lower() needs a string, found 'true'" },
	{ "rule x: lower(len(a)) == \"x\" => 1 \"r\"",
	    "1:15: lower() needs a string, found a number" },
	{ "rule x: starts_with(1, a) => 1 \"r\"",
	    "1:21: starts_with() needs strings, found '1'" },
	{ "rule x: ends_with(a, 2) => 1 \"r\"",
	    "1:22: ends_with() needs strings, found '2'" },
	{ "rule x: contains(a, null) => 1 \"r\"",
	    "1:21: contains() needs strings, found 'null'" },
	{ "rule x: exists(1) => 1 \"r\"",
	    "1:16: exists() takes a field, found '1'" },
	{ "rule x: exists(\"a\") => 1 \"r\"",
	    "1:16: exists() takes a field, found \"a\"" },
	{ "rule x: exists(a + 1) => 1 \"r\"",
	    "1:16: exists() takes a field, found a number" },
	{ "rule x: exists(len(a)) => 1 \"r\"",
	    "1:16: exists() takes a field, found a number" },
	{ "rule x: exists(exists(a)) => 1 \"r\"",
	    "1:16: exists() takes a field, found a boolean" },
	{ "rule x: 3 => 1 \"r\"",
	    "1:9: the condition must be a boolean, found '3'" },
	{ "rule x: (3) => 1 \"r\"",
	    "1:10: the condition must be a boolean, found '3'" },
	{ "rule x: \"s\" => 1 \"r\"",
	    "1:9: the condition must be a boolean, found \"s\"" },
	{ "rule x: null => 1 \"r\"",
	    "1:9: the condition must be a boolean, found 'null'" },
	{ "rule x: 10m => 1 \"r\"",
	    "1:9: the condition must be a boolean, found '10m'" },
	{ "rule x: a + 1 => 1 \"r\"",
	    "1:9: the condition must be a boolean, found a number" },
	{ "rule x: -a => 1 \"r\"",
	    "1:9: the condition must be a boolean, found a number" },
	{ "rule x: len(a) => 1 \"r\"",
	    "1:9: the condition must be a boolean, found a number" },
	{ "rule x: lower(a) => 1 \"r\"",
	    "1:9: the condition must be a boolean, found a string" },
	{ "rule x: max(a, b) => 1 \"r\"",
	    "1:9: the condition must be a boolean, found a number" },
	{ "rule x: not (1 + \"a\" > 1) => 1 \"r\"",
	    "1:18: '+' needs numbers, found \"a\"" },
	{ "rule ok: a => 1 \"r\"\n\nrule x: a and\n  (b or 7) => 1 \"r\"",
	    "4:9: 'or' needs booleans, found '7'" },
};

/* Each case is checked and reported on its own; a table of tests in
 * one process keeps the suite fast. */
static void
check_error(const struct err_case *c)
{
	char err[1024], *nl, *caret;
	struct set s;
	int rc;

	set_new(&s);
	rc = fk_rules_parse(
	    s.rs, "r.conf", c->text, strlen(c->text), err, sizeof(err));
	set_free(&s);
	cr_expect_eq(rc, -1, "accepted: %s", c->text);
	if (rc != -1)
		return;
	cr_expect(strncmp(err, "r.conf:", 7) == 0, "%s", err);
	nl = strchr(err, '\n');
	cr_expect_not_null(nl, "%s", err);
	if (nl == NULL)
		return;
	*nl = '\0';
	cr_expect_str_eq(err + 7, c->msg, "for: %s\n got: %s\nwant: %s",
	    c->text, err + 7, c->msg);
	/* Then the line and a caret, and nothing more. */
	nl = strchr(nl + 1, '\n');
	caret = nl != NULL ? strchr(nl + 1, '^') : NULL;
	cr_expect(nl != NULL && strncmp(nl + 1, "    ", 4) == 0 &&
	        caret != NULL && strcmp(caret, "^\n") == 0,
	    "for: %s", c->text);
}

Test(rules, errors)
{
	size_t i;

	for (i = 0; i < NELEM(err_cases); i++)
		check_error(&err_cases[i]);
}

/* A set that failed can still be freed (LeakSanitizer checks). */
Test(rules, free_after_error)
{
	char err[512];
	struct set s;
	const char *t = "rule a: x => 1 \"a\" tags p, q\n"
	                "rule b: lower(y) in (\"a\", \"b\") and min(1, 2) < 3 "
	                "=> 1 \"b\"\n"
	                "rule c: z in (\"q\") and lower(w) == \"v\" => 1 "
	                "\"c\" tags a, b, c, d, e, f, g, h, i, j severity xx";

	set_new(&s);
	cr_assert_eq(
	    fk_rules_parse(s.rs, "r.conf", t, strlen(t), err, sizeof(err)), -1);
	cr_assert(strstr(err, "unknown severity 'xx'") != NULL, "%s", err);
	set_free(&s);
}

/* ---- the normal form ---- */

struct norm_case {
	char in[120];
	char out[120];
};

/* "rule r: IN => 1 \"r\"" prints as "rule r: OUT => 1 \"r\"". */
static const struct norm_case norm_cases[] = {
	{ "a==1", "a == 1" },
	{ "a   ==\n\t1", "a == 1" },
	{ "( a == 1 )", "a == 1" },
	{ "((a)) == ((1))", "a == 1" },
	{ "a == 1 # a comment\n and b", "a == 1 and b" },
	{ "a != 1", "a != 1" },
	{ "a<1 or a<=1 or a>1 or a>=1", "a < 1 or a <= 1 or a > 1 or a >= 1" },
	/* and, or, not */
	{ "a and b or c", "a and b or c" },
	{ "(a and b) or c", "a and b or c" },
	{ "a and (b or c)", "a and (b or c)" },
	{ "(a or b) and c", "(a or b) and c" },
	{ "a or b and c", "a or b and c" },
	{ "a or (b and c)", "a or b and c" },
	{ "a and b and c", "a and b and c" },
	{ "(a and b) and c", "a and b and c" },
	{ "a and (b and c)", "a and (b and c)" },
	{ "(a or b) or c", "a or b or c" },
	{ "a or (b or c)", "a or (b or c)" },
	{ "not a", "not a" },
	{ "not (a)", "not a" },
	{ "not (a and b)", "not (a and b)" },
	{ "(not a) and b", "not a and b" },
	{ "not a and b", "not a and b" },
	{ "not (a == 1)", "not a == 1" },
	{ "not not a", "not not a" },
	{ "not (not a)", "not not a" },
	{ "not a in (1)", "not a in (1)" },
	/* comparisons as operands */
	{ "(a < b) == true", "(a < b) == true" },
	{ "(a == b) != (c == d)", "(a == b) != (c == d)" },
	{ "a == (b == c)", "a == (b == c)" },
	{ "(a in (1)) == true", "(a in (1)) == true" },
	{ "(not a) == true", "(not a) == true" },
	{ "(a or b) == true", "(a or b) == true" },
	{ "(a == 1) in (true)", "(a == 1) in (true)" },
	{ "(a + 1) in (2)", "a + 1 in (2)" },
	{ "(a) not in (1)", "a not in (1)" },
	/* arithmetic */
	{ "a - b - c > 0", "a - b - c > 0" },
	{ "(a - b) - c > 0", "a - b - c > 0" },
	{ "a - (b - c) > 0", "a - (b - c) > 0" },
	{ "a + (b + c) > 0", "a + (b + c) > 0" },
	{ "a + b * c > 0", "a + b * c > 0" },
	{ "a + (b * c) > 0", "a + b * c > 0" },
	{ "(a + b) * c > 0", "(a + b) * c > 0" },
	{ "(a * b) + c > 0", "a * b + c > 0" },
	{ "a * (b + c) > 0", "a * (b + c) > 0" },
	{ "a / (b * c) > 0", "a / (b * c) > 0" },
	{ "a / b * c > 0", "a / b * c > 0" },
	{ "a % b * c > 0", "a % b * c > 0" },
	{ "a * (b % c) > 0", "a * (b % c) > 0" },
	{ "(a+b)>(c-d)", "a + b > c - d" },
	{ "-a > 0", "-a > 0" },
	{ "- a * b > 0", "-a * b > 0" },
	{ "(-a) * b > 0", "-a * b > 0" },
	{ "-(a * b) > 0", "-(a * b) > 0" },
	{ "-(a + b) > 0", "-(a + b) > 0" },
	{ "- - a > 0", "--a > 0" },
	{ "-(-a) > 0", "--a > 0" },
	{ "-(5) < a", "-5 < a" },
	{ "a - -1 > 0", "a - -1 > 0" },
	{ "a--1 > 0", "a - -1 > 0" },
	{ "-len(a) < 0", "-len(a) < 0" },
	/* numbers */
	{ "a > 10m", "a > 600" },
	{ "a > 500ms", "a > 0.5" },
	{ "a > 100ms", "a > 0.1" },
	{ "a > 1.5h", "a > 5400" },
	{ "a > 1d", "a > 86400" },
	{ "a > 2w", "a > 1209600" },
	{ "a > 30s", "a > 30" },
	{ "a > 0.1s", "a > 0.1" },
	{ "a > 1e3", "a > 1000" },
	{ "a > 1E+2", "a > 100" },
	{ "a > 2.5E-2", "a > 0.025" },
	{ "a > 1.50", "a > 1.5" },
	{ "a > 0.5", "a > 0.5" },
	{ "a > 0", "a > 0" },
	{ "a > 0.0", "a > 0" },
	{ "a > 1e21", "a > 1e+21" },
	{ "a > 1e16", "a > 10000000000000000" },
	{ "a > 0.0000001", "a > 1e-07" },
	{ "a > 0.0001", "a > 0.0001" },
	{ "a > 123456789", "a > 123456789" },
	{ "a > 0.1", "a > 0.1" },
	{ "a > 0.30000000000000004", "a > 0.30000000000000004" },
	{ "a > 1.7976931348623157e308", "a > 1.7976931348623157e+308" },
	{ "a > 5e-324", "a > 5e-324" },
	{ "a > 1e-400", "a > 0" },
	{ "a > 12345678901234567890", "a > 1.2345678901234567e+19" },
	/* strings */
	{ "a == \"x\\ty\"", "a == \"x\\ty\"" },
	{ "a == \"\\u0041\\u0062\"", "a == \"Ab\"" },
	{ "a == \"\\u00e9\"", "a == \"\xc3\xa9\"" },
	{ "a == \"\\u20AC\"", "a == \"\xe2\x82\xac\"" },
	{ "a == \"\xf0\x9f\x98\x80\"", "a == \"\xf0\x9f\x98\x80\"" },
	{ "a == \"\\u0001\"", "a == \"\\u0001\"" },
	{ "a == \"\\u001F\"", "a == \"\\u001f\"" },
	{ "a == \"\\u007f\"", "a == \"\\u007f\"" },
	{ "a == \"\\u000a\\u0009\"", "a == \"\\n\\t\"" },
	{ "a == \"\\u0022\\u005c\"", "a == \"\\\"\\\\\"" },
	{ "a == \"a\\\"b\"", "a == \"a\\\"b\"" },
	{ "a == \"a\\\\b\"", "a == \"a\\\\b\"" },
	{ "a == \"/\"", "a == \"/\"" },
	{ "a == \"\"", "a == \"\"" },
	{ "a == \"\\u2028\"", "a == \"\xe2\x80\xa8\"" },
	/* fields */
	{ "`a` == 1", "a == 1" },
	{ "`_x9` == 1", "_x9 == 1" },
	{ "`odd-key` == 1", "`odd-key` == 1" },
	{ "`in` == 1", "`in` == 1" },
	{ "`rule`.`in` == 1", "`rule`.in == 1" },
	{ "a.`in` == 1", "a.in == 1" },
	{ "a.in == 1", "a.in == 1" },
	{ "a.not.and == 1", "a.not.and == 1" },
	{ "`a b`.c == 1", "`a b`.c == 1" },
	{ "`1x` == 1", "`1x` == 1" },
	{ "`` == 1", "`` == 1" },
	{ "a.`` == 1", "a.`` == 1" },
	{ "`\xc3\xa9t\xc3\xa9` == 1", "`\xc3\xa9t\xc3\xa9` == 1" },
	{ "a . b .c == 1", "a.b.c == 1" },
	{ "`a.b` == 1", "`a.b` == 1" },
	{ "`len` > 1", "len > 1" },
	{ "exists(`true`)", "exists(`true`)" },
	/* lists */
	{ "a in ( 1 ,2,  3 )", "a in (1, 2, 3)" },
	{ "a not in (\"x\" , \"y\")", "a not in (\"x\", \"y\")" },
	{ "a in (-1, 1e3, 10m, - 2)", "a in (-1, 1000, 600, -2)" },
	{ "a in (true, false)", "a in (true, false)" },
	{ "a in (3, 1, 1)", "a in (3, 1, 1)" },
	{ "a in (1,\n  \"x\", # c\n true)", "a in (1, \"x\", true)" },
	/* functions and literals */
	{ "starts_with( s ,\"x\" )", "starts_with(s, \"x\")" },
	{ "min(a,b,c)>1", "min(a, b, c) > 1" },
	{ "max(a, b + 1, -c) > 1", "max(a, b + 1, -c) > 1" },
	{ "exists ( a )", "exists(a)" },
	{ "len(lower(s)) > 1", "len(lower(s)) > 1" },
	{ "abs(a - b) > 1", "abs(a - b) > 1" },
	{ "contains(a, \"x\") or ends_with(a, \"y\")",
	    "contains(a, \"x\") or ends_with(a, \"y\")" },
	{ "true", "true" },
	{ "false or a", "false or a" },
	{ "a == null", "a == null" },
	{ "null == null", "null == null" },
	{ "\"a\" < \"b\"", "\"a\" < \"b\"" },
	{ "1 < a", "1 < a" },
};

static void
check_normal(const struct norm_case *c)
{
	char in[256], want[256], err[1024];
	struct set s, t;

	snprintf(in, sizeof(in), "rule r: %s => 1 \"r\"", c->in);
	snprintf(want, sizeof(want), "rule r: %s => 1 \"r\"\n", c->out);
	set_new(&s);
	err[0] = '\0';
	cr_expect_eq(
	    fk_rules_parse(s.rs, "n.conf", in, strlen(in), err, sizeof(err)), 0,
	    "%s: %s", in, err);
	cr_expect_str_eq(fk_rules_text(s.rs), want, "from: %s\n got: %s", c->in,
	    fk_rules_text(s.rs));
	/* The normal form reads back as itself. */
	set_new(&t);
	cr_expect_eq(fk_rules_parse(t.rs, "n.conf", fk_rules_text(s.rs),
	                 strlen(fk_rules_text(s.rs)), err, sizeof(err)),
	    0, "%s: %s", fk_rules_text(s.rs), err);
	cr_expect_str_eq(fk_rules_text(t.rs), fk_rules_text(s.rs));
	set_free(&s);
	set_free(&t);
}

Test(rules, normal_form)
{
	size_t i;

	for (i = 0; i < NELEM(norm_cases); i++)
		check_normal(&norm_cases[i]);
}

Test(rules, normal_form_of_rule_parts)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "rule a:x=>0.60\"r\"", "rule a: x => 0.6 \"r\"\n" },
		{ "rule a : x => 1.0 \"r\"", "rule a: x => 1 \"r\"\n" },
		{ "rule a: x => -1 \"r\"", "rule a: x => -1 \"r\"\n" },
		{ "rule a: x => - 0.25 \"r\"", "rule a: x => -0.25 \"r\"\n" },
		{ "rule a: x => 1e-1 \"r\"", "rule a: x => 0.1 \"r\"\n" },
		{ "rule a: x => 0 \"r\"", "rule a: x => 0 \"r\"\n" },
		{ "rule a: x => 1 \"\\u0041\\\\\\\"\\n\\t\\u0001\xc3\xa9\"",
		    "rule a: x => 1 \"A\\\\\\\"\\n\\t\\u0001\xc3\xa9\"\n" },
		{ "rule a: x => 1 \"r\" tags b ,c severity low",
		    "rule a: x => 1 \"r\" severity low tags b, c\n" },
		{ "rule a: x => 1 \"r\" severity low tags b, c",
		    "rule a: x => 1 \"r\" severity low tags b, c\n" },
		{ "rule a: x => 1 \"r\"\ttags\n\t3ds,\n\ta-b",
		    "rule a: x => 1 \"r\" tags 3ds, a-b\n" },
		{ "rule a-b_c: x => 1 \"r\"", "rule a-b_c: x => 1 \"r\"\n" },
		{ "rule rule: x => 1 \"r\"", "rule rule: x => 1 \"r\"\n" },
		{ "# head\n\nrule a:\n  x\n  => 1\n  \"r\"\n# tail\n",
		    "rule a: x => 1 \"r\"\n" },
		{ "rule a: x => 1 \"r\" rule b: y => 1 \"s\"",
		    "rule a: x => 1 \"r\"\nrule b: y => 1 \"s\"\n" },
		{ "rule a: x => 1 \"r\" tags t rule b: y => 1 \"s\"",
		    "rule a: x => 1 \"r\" tags t\nrule b: y => 1 \"s\"\n" },
		{ "rule a: x => 1 \"r\" tags rule, b",
		    "rule a: x => 1 \"r\" tags rule, b\n" },
	};
	char *got, *again;
	size_t i;

	for (i = 0; i < NELEM(cases); i++) {
		got = normal(cases[i].in);
		cr_assert_str_eq(got, cases[i].out, "from: %s", cases[i].in);
		again = normal(got);
		cr_assert_str_eq(again, got);
		free(got);
		free(again);
	}
}

/* The spec's own example. */
Test(rules, normal_form_example)
{
	char *got = normal("# Card testing: many small payments in a short "
	                   "time.\n"
	                   "rule burst_small: features.user.count_10m >= 5 and "
	                   "amount < 5\n"
	                   "    => 0.6 \"many small payments in 10 minutes\" "
	                   "severity high tags velocity, card\n");

	cr_assert_str_eq(got,
	    "rule burst_small: features.user.count_10m >= 5 and amount < 5 => "
	    "0.6 \"many small payments in 10 minutes\" severity high tags "
	    "velocity, card\n");
	free(got);
}

/* The hash is the SHA-256 of the text; layout does not change it, a
 * change of meaning does. */
Test(rules, hash)
{
	static const char base[] =
	    "rule a: x >= 10m and y == \"q\" => 0.5 \"r\" severity high tags t1, "
	    "t2\nrule b: z => -1 \"s\"\n";
	static const char *const same[] = {
		"# comment\nrule a:\n\tx >= 600 and (y == \"q\")\n=> 0.50 "
		"\"r\" tags t1,t2 severity high # c\n\n"
		"rule b: (z) => -1.0 \"s\"",
		"rule a: x >= 6e2 and y == \"\\u0071\" => 5e-1 \"r\" severity "
		"high tags t1, t2 rule b: z => -1 \"s\"",
		"rule a: `x` >= 600000ms and y == \"q\" => 0.5 \"r\" "
		"severity high tags t1, t2\r\nrule b: z => -1 \"s\"\r\n",
	};
	static const char *const other[] = {
		/* weight */
		"rule a: x >= 10m and y == \"q\" => 0.6 \"r\" severity high "
		"tags t1, t2\nrule b: z => -1 \"s\"\n",
		/* reason */
		"rule a: x >= 10m and y == \"q\" => 0.5 \"R\" severity high "
		"tags t1, t2\nrule b: z => -1 \"s\"\n",
		/* tag */
		"rule a: x >= 10m and y == \"q\" => 0.5 \"r\" severity high "
		"tags t1, t3\nrule b: z => -1 \"s\"\n",
		/* tag order */
		"rule a: x >= 10m and y == \"q\" => 0.5 \"r\" severity high "
		"tags t2, t1\nrule b: z => -1 \"s\"\n",
		/* severity */
		"rule a: x >= 10m and y == \"q\" => 0.5 \"r\" severity low "
		"tags t1, t2\nrule b: z => -1 \"s\"\n",
		/* no severity */
		"rule a: x >= 10m and y == \"q\" => 0.5 \"r\" tags t1, t2\n"
		"rule b: z => -1 \"s\"\n",
		/* condition */
		"rule a: x > 10m and y == \"q\" => 0.5 \"r\" severity high "
		"tags t1, t2\nrule b: z => -1 \"s\"\n",
		"rule a: x >= 11m and y == \"q\" => 0.5 \"r\" severity high "
		"tags t1, t2\nrule b: z => -1 \"s\"\n",
		"rule a: x >= 10m and (y == \"q\") == true => 0.5 \"r\" "
		"severity high tags t1, t2\nrule b: z => -1 \"s\"\n",
		/* id */
		"rule A: x >= 10m and y == \"q\" => 0.5 \"r\" severity high "
		"tags t1, t2\nrule b: z => -1 \"s\"\n",
		/* order of rules */
		"rule b: z => -1 \"s\"\nrule a: x >= 10m and y == \"q\" => 0.5 "
		"\"r\" severity high tags t1, t2\n",
	};
	char hex[FK_SHA256_HEXLEN], h0[FK_SHA256_HEXLEN];
	struct set s;
	size_t i;

	set_new(&s);
	must_parse(&s, "h.conf", base);
	hex_of(fk_rules_text(s.rs), hex);
	cr_assert_str_eq(fk_rules_hash(s.rs), hex);
	cr_assert_eq(strlen(fk_rules_hash(s.rs)), 64);
	snprintf(h0, sizeof(h0), "%s", fk_rules_hash(s.rs));
	/* Adding a rule changes it. */
	must_parse(&s, "more.conf", "rule c: w => 1 \"t\"");
	cr_assert_str_neq(fk_rules_hash(s.rs), h0);
	hex_of(fk_rules_text(s.rs), hex);
	cr_assert_str_eq(fk_rules_hash(s.rs), hex);
	set_free(&s);

	for (i = 0; i < NELEM(same); i++) {
		set_new(&s);
		must_parse(&s, "h.conf", same[i]);
		cr_assert_str_eq(fk_rules_hash(s.rs), h0, "%s\n=> %s", same[i],
		    fk_rules_text(s.rs));
		set_free(&s);
	}
	for (i = 0; i < NELEM(other); i++) {
		set_new(&s);
		must_parse(&s, "h.conf", other[i]);
		cr_assert_str_neq(fk_rules_hash(s.rs), h0, "%s", other[i]);
		hex_of(fk_rules_text(s.rs), hex);
		cr_assert_str_eq(fk_rules_hash(s.rs), hex);
		set_free(&s);
	}
}

/* ---- evaluation ---- */

static const char record[] =
    "{\"n\":5,\"z\":0,\"neg\":-2.5,\"s\":\"Hello\",\"e\":\"\","
    "\"t\":true,\"f\":false,\"nul\":null,\"o\":{\"k\":1,\"s\":\"x\","
    "\"in\":2,\"a b\":3},\"arr\":[1,2],\"big\":1e21,"
    "\"ip\":\"10.1.2.3\",\"esc\":\"a\\\"b\\\\c\\u00e9\",\"up\":\"AbC-\\u00c0\","
    "\"and\":7,\"odd-key\":\"v\",\"dur\":600,\"half\":0.5,"
    "\"features\":{\"user\":{\"count_10m\":7,\"impossible_travel\":true}},"
    "\"amount\":3}";

struct eval_case {
	char cond[104];
	char json[72]; /* "" for the record above */
	int fired, missing, mistyped;
};

static const struct eval_case eval_cases[] = {
	/* numbers, a field against a literal */
	{ "n == 5", "", 1, 0, 0 },
	{ "n == 5.0", "", 1, 0, 0 },
	{ "n != 5", "", 0, 0, 0 },
	{ "n != 4", "", 1, 0, 0 },
	{ "n < 6", "", 1, 0, 0 },
	{ "n < 5", "", 0, 0, 0 },
	{ "n <= 5", "", 1, 0, 0 },
	{ "n <= 4.999", "", 0, 0, 0 },
	{ "n > 5", "", 0, 0, 0 },
	{ "n > 4", "", 1, 0, 0 },
	{ "n >= 5", "", 1, 0, 0 },
	{ "n >= 5.001", "", 0, 0, 0 },
	/* the literal on the left */
	{ "5 == n", "", 1, 0, 0 },
	{ "6 > n", "", 1, 0, 0 },
	{ "5 > n", "", 0, 0, 0 },
	{ "5 >= n", "", 1, 0, 0 },
	{ "4 >= n", "", 0, 0, 0 },
	{ "4 < n", "", 1, 0, 0 },
	{ "5 <= n", "", 1, 0, 0 },
	{ "6 <= n", "", 0, 0, 0 },
	{ "4 != n", "", 1, 0, 0 },
	{ "neg < 0", "", 1, 0, 0 },
	{ "neg == -2.5", "", 1, 0, 0 },
	{ "big == 1e21", "", 1, 0, 0 },
	{ "big > 1e20", "", 1, 0, 0 },
	{ "big > 999999999999999999999", "", 0, 0, 0 },
	{ "half == 500ms", "", 1, 0, 0 },
	{ "dur == 10m", "", 1, 0, 0 },
	{ "dur < 1h", "", 1, 0, 0 },
	{ "dur > 599s", "", 1, 0, 0 },
	/* two fields, and literals alone */
	{ "n > z", "", 1, 0, 0 },
	{ "n == amount", "", 0, 0, 0 },
	{ "n == n", "", 1, 0, 0 },
	{ "1 < 2", "", 1, 0, 0 },
	{ "2 < 1", "", 0, 0, 0 },
	{ "10m == 600", "", 1, 0, 0 },
	{ "500ms == 0.5", "", 1, 0, 0 },
	{ "1.5h == 5400", "", 1, 0, 0 },
	{ "1d == 86400", "", 1, 0, 0 },
	{ "1w == 604800", "", 1, 0, 0 },
	{ "2s == 2", "", 1, 0, 0 },
	{ "1e3 == 1000", "", 1, 0, 0 },
	{ "2.5E-2 == 0.025", "", 1, 0, 0 },
	{ "\"a\" == \"a\"", "", 1, 0, 0 },
	{ "\"a\" < \"b\"", "", 1, 0, 0 },
	{ "null == null", "", 1, 0, 0 },
	{ "null != null", "", 0, 0, 0 },
	{ "true == true", "", 1, 0, 0 },
	{ "true != false", "", 1, 0, 0 },
	/* arithmetic */
	{ "n + 1 == 6", "", 1, 0, 0 },
	{ "n - 2 == 3", "", 1, 0, 0 },
	{ "n * 2 == 10", "", 1, 0, 0 },
	{ "n / 2 == 2.5", "", 1, 0, 0 },
	{ "n % 3 == 2", "", 1, 0, 0 },
	{ "neg % 2 == -0.5", "", 1, 0, 0 },
	{ "n % 2.5 == 0", "", 1, 0, 0 },
	{ "-n == -5", "", 1, 0, 0 },
	{ "- -n == 5", "", 1, 0, 0 },
	{ "2 + 3 * n == 17", "", 1, 0, 0 },
	{ "(2 + 3) * n == 25", "", 1, 0, 0 },
	{ "n - 2 - 1 == 2", "", 1, 0, 0 },
	{ "n - (2 - 1) == 4", "", 1, 0, 0 },
	{ "n / 2 / 5 == 0.5", "", 1, 0, 0 },
	{ "-n * 2 == -10", "", 1, 0, 0 },
	{ "n == z + 5", "", 1, 0, 0 },
	{ "n * 1m == 300", "", 1, 0, 0 },
	{ "dur / 1m == 10", "", 1, 0, 0 },
	/* division by zero: no value, unknown, counted as nothing */
	{ "n / z == 1", "", 0, 0, 0 },
	{ "n / z != 1", "", 0, 0, 0 },
	{ "not n / z == 1", "", 0, 0, 0 },
	{ "n % z == 0", "", 0, 0, 0 },
	{ "n / 0 > 0", "", 0, 0, 0 },
	{ "z / z == z / z", "", 0, 0, 0 },
	/* arithmetic on what is not a number */
	{ "n + s == 1", "", 0, 0, 1 },
	{ "s * 2 > 0", "", 0, 0, 1 },
	{ "-s == 1", "", 0, 0, 1 },
	{ "t + 1 == 2", "", 0, 0, 1 },
	{ "nul + 1 == 1", "", 0, 0, 1 },
	{ "o + 1 == 1", "", 0, 0, 1 },
	{ "nope + 1 == 1", "", 0, 1, 0 },
	{ "n + nope == 1", "", 0, 1, 0 },
	{ "nope + s == 1", "", 0, 1, 1 },
	{ "-nope < 0", "", 0, 1, 0 },
	{ "not nope + 1 == 1", "", 0, 1, 0 },
	{ "not s * 2 > 0", "", 0, 0, 1 },
	/* strings, byte-wise */
	{ "s == \"Hello\"", "", 1, 0, 0 },
	{ "s == \"hello\"", "", 0, 0, 0 },
	{ "s != \"hello\"", "", 1, 0, 0 },
	{ "s != \"Hello\"", "", 0, 0, 0 },
	{ "s < \"Help\"", "", 1, 0, 0 },
	{ "s < \"Hello\"", "", 0, 0, 0 },
	{ "s < \"hello\"", "", 1, 0, 0 },
	{ "s <= \"Hello\"", "", 1, 0, 0 },
	{ "s > \"Hell\"", "", 1, 0, 0 },
	{ "s > \"Hello!\"", "", 0, 0, 0 },
	{ "s >= \"Hello\"", "", 1, 0, 0 },
	{ "s >= \"Hellp\"", "", 0, 0, 0 },
	{ "\"Hello\" == s", "", 1, 0, 0 },
	{ "\"Help\" > s", "", 1, 0, 0 },
	{ "e == \"\"", "", 1, 0, 0 },
	{ "e < \"a\"", "", 1, 0, 0 },
	{ "s > e", "", 1, 0, 0 },
	{ "esc == \"a\\\"b\\\\c\xc3\xa9\"", "", 1, 0, 0 },
	{ "esc == \"a\\\"b\\\\c\\u00e9\"", "", 1, 0, 0 },
	{ "esc > \"a\\\"b\\\\c\"", "", 1, 0, 0 },
	{ "s == ip", "", 0, 0, 0 },
	/* booleans: == and != only */
	{ "t == true", "", 1, 0, 0 },
	{ "t == false", "", 0, 0, 0 },
	{ "t != false", "", 1, 0, 0 },
	{ "f == false", "", 1, 0, 0 },
	{ "t == f", "", 0, 0, 0 },
	{ "t != f", "", 1, 0, 0 },
	{ "t < f", "", 0, 0, 1 },
	{ "t >= t", "", 0, 0, 1 },
	{ "(n > 3) == true", "", 1, 0, 0 },
	{ "(n > 3) == t", "", 1, 0, 0 },
	{ "(n > 3) != t", "", 0, 0, 0 },
	{ "exists(n) == true", "", 1, 0, 0 },
	{ "t == (n == 5)", "", 1, 0, 0 },
	/* null */
	{ "nul == null", "", 1, 0, 0 },
	{ "nul != null", "", 0, 0, 0 },
	{ "null == nul", "", 1, 0, 0 },
	{ "n == null", "", 0, 0, 0 },
	{ "n != null", "", 1, 0, 0 },
	{ "s != null", "", 1, 0, 0 },
	{ "o != null", "", 1, 0, 0 },
	{ "o == null", "", 0, 0, 0 },
	{ "t != null", "", 1, 0, 0 },
	{ "nul == \"x\"", "", 0, 0, 0 },
	{ "nul != \"x\"", "", 1, 0, 0 },
	{ "nul == 0", "", 0, 0, 0 },
	{ "nul == false", "", 0, 0, 0 },
	{ "nul == nul", "", 1, 0, 0 },
	{ "nul < 1", "", 0, 0, 1 },
	{ "nul >= \"a\"", "", 0, 0, 1 },
	{ "nul > nul", "", 0, 0, 1 },
	{ "nul", "", 0, 0, 1 },
	{ "not nul", "", 0, 0, 1 },
	{ "not (n == null)", "", 1, 0, 0 },
	{ "not (nul != null)", "", 1, 0, 0 },
	{ "not (nul < 1)", "", 0, 0, 1 },
	/* missing: unknown, even for != and under not */
	{ "nope == 1", "", 0, 1, 0 },
	{ "nope != 1", "", 0, 1, 0 },
	{ "1 != nope", "", 0, 1, 0 },
	{ "nope < \"a\"", "", 0, 1, 0 },
	{ "nope == null", "", 0, 1, 0 },
	{ "nope != null", "", 0, 1, 0 },
	{ "nope == nope", "", 0, 1, 0 },
	{ "nope", "", 0, 1, 0 },
	{ "not nope", "", 0, 1, 0 },
	{ "not nope == 1", "", 0, 1, 0 },
	{ "not nope != 1", "", 0, 1, 0 },
	{ "not (nope == null)", "", 0, 1, 0 },
	{ "not (nope != null)", "", 0, 1, 0 },
	{ "o.nope == 1", "", 0, 1, 0 },
	{ "n.x == 1", "", 0, 1, 0 },
	{ "s.x == 1", "", 0, 1, 0 },
	{ "arr.x == 1", "", 0, 1, 0 },
	{ "n == 1", "{}", 0, 1, 0 },
	{ "n == nope", "", 0, 1, 0 },
	{ "nope == n", "", 0, 1, 0 },
	/* other types */
	{ "s == 5", "", 0, 0, 1 },
	{ "s != 5", "", 0, 0, 1 },
	{ "n == \"5\"", "", 0, 0, 1 },
	{ "n < \"a\"", "", 0, 0, 1 },
	{ "\"5\" == n", "", 0, 0, 1 },
	{ "n == true", "", 0, 0, 1 },
	{ "t == 1", "", 0, 0, 1 },
	{ "o == 1", "", 0, 0, 1 },
	{ "arr == 1", "", 0, 0, 1 },
	{ "o == o", "", 0, 0, 1 },
	{ "arr != arr", "", 0, 0, 1 },
	{ "n == s", "", 0, 0, 1 },
	{ "not (s == 5)", "", 0, 0, 1 },
	{ "not (n < \"a\")", "", 0, 0, 1 },
	{ "not (t < f)", "", 0, 0, 1 },
	{ "not (o == o)", "", 0, 0, 1 },
	/* a condition as a value: unknown is no value */
	{ "(nope > 3) == false", "", 0, 1, 0 },
	{ "(nope > 3) != true", "", 0, 1, 0 },
	{ "not ((nope > 3) == true)", "", 0, 1, 0 },
	{ "(s == 1) in (false)", "", 0, 0, 1 },
	{ "(nope > 3) not in (true)", "", 0, 1, 0 },
	{ "(nope > 3 and f) == false", "", 1, 1, 0 },
	/* boolean context */
	{ "t", "", 1, 0, 0 },
	{ "f", "", 0, 0, 0 },
	{ "not f", "", 1, 0, 0 },
	{ "not t", "", 0, 0, 0 },
	{ "s", "", 0, 0, 1 },
	{ "e", "", 0, 0, 1 },
	{ "n", "", 0, 0, 1 },
	{ "z", "", 0, 0, 1 },
	{ "o", "", 0, 0, 1 },
	{ "arr", "", 0, 0, 1 },
	{ "not s", "", 0, 0, 1 },
	{ "not o", "", 0, 0, 1 },
	{ "not n", "", 0, 0, 1 },
	{ "true", "", 1, 0, 0 },
	{ "false", "", 0, 0, 0 },
	{ "not false", "", 1, 0, 0 },
	{ "features.user.impossible_travel", "", 1, 0, 0 },
	{ "features.user.impossible_travel", "{\"features\":{\"user\":{}}}", 0,
	    1, 0 },
	{ "features.user.impossible_travel",
	    "{\"features\":{\"user\":{\"impossible_travel\":1}}}", 0, 0, 1 },
	{ "not features.user.impossible_travel", "{\"features\":{}}", 0, 1, 0 },
	{ "not features.user.impossible_travel",
	    "{\"features\":{\"user\":{\"impossible_travel\":false}}}", 1, 0,
	    0 },
	/* paths and backquotes */
	{ "o.k == 1", "", 1, 0, 0 },
	{ "o.s == \"x\"", "", 1, 0, 0 },
	{ "`o`.`k` == 1", "", 1, 0, 0 },
	{ "o.in == 2", "", 1, 0, 0 },
	{ "o.`a b` == 3", "", 1, 0, 0 },
	{ "`and` == 7", "", 1, 0, 0 },
	{ "`odd-key` == \"v\"", "", 1, 0, 0 },
	{ "features.user.count_10m >= 5 and amount < 5", "", 1, 0, 0 },
	{ "features.user.count_10m >= 8 and amount < 5", "", 0, 0, 0 },
	/* and, or, not, short-circuit */
	{ "t and n == 5", "", 1, 0, 0 },
	{ "t and f", "", 0, 0, 0 },
	{ "f or t", "", 1, 0, 0 },
	{ "f or f", "", 0, 0, 0 },
	{ "f and nope == 1", "", 0, 0, 0 },
	{ "f and s == 1", "", 0, 0, 0 },
	{ "t or nope == 1", "", 1, 0, 0 },
	{ "t or s", "", 1, 0, 0 },
	{ "f or nope == 1", "", 0, 1, 0 },
	{ "nope == 1 or n == 5", "", 1, 1, 0 },
	{ "nope == 1 and s == 1", "", 0, 1, 0 },
	{ "not (nope == 1 and s == 1)", "", 0, 1, 1 },
	{ "not (nope == 1 or s == 1)", "", 0, 1, 0 },
	{ "n == 5 and s == 1", "", 0, 0, 1 },
	{ "s == 1 or s == 2", "", 0, 0, 1 },
	{ "nope == 1 or s == 1", "", 0, 1, 1 },
	{ "nope or s or n == 5", "", 1, 1, 1 },
	{ "not (n == 5)", "", 0, 0, 0 },
	{ "not not t", "", 1, 0, 0 },
	{ "not (f or nope)", "", 0, 1, 0 },
	{ "not (t and nope)", "", 0, 1, 0 },
	{ "not (f and nope)", "", 1, 0, 0 },
	{ "not (nope and f)", "", 1, 1, 0 },
	{ "nope or t", "", 1, 1, 0 },
	{ "not (nope or t)", "", 0, 1, 0 },
	{ "not nope or t", "", 1, 1, 0 },
	{ "not nope and t", "", 0, 1, 0 },
	{ "t and (f or n == 5)", "", 1, 0, 0 },
	{ "n > 3 and s == \"Hello\" or f", "", 1, 0, 0 },
	{ "exists(nope) and nope > 1", "", 0, 0, 0 },
	{ "not exists(nope) or nope > 1", "", 1, 0, 0 },
	/* in, not in */
	{ "s in (\"Hello\", \"x\")", "", 1, 0, 0 },
	{ "s in (\"x\")", "", 0, 0, 0 },
	{ "s not in (\"x\")", "", 1, 0, 0 },
	{ "s not in (\"x\", \"Hello\")", "", 0, 0, 0 },
	{ "e in (\"\")", "", 1, 0, 0 },
	{ "e in (\"a\")", "", 0, 0, 0 },
	{ "s in (\"hello\")", "", 0, 0, 0 },
	{ "n in (1, 5)", "", 1, 0, 0 },
	{ "n in (5.0)", "", 1, 0, 0 },
	{ "n in (1, 2)", "", 0, 0, 0 },
	{ "n not in (1, 2)", "", 1, 0, 0 },
	{ "n not in (5)", "", 0, 0, 0 },
	{ "neg in (-2.5)", "", 1, 0, 0 },
	{ "dur in (5m, 10m)", "", 1, 0, 0 },
	{ "t in (true)", "", 1, 0, 0 },
	{ "t in (false)", "", 0, 0, 0 },
	{ "t not in (false)", "", 1, 0, 0 },
	{ "f in (true, false)", "", 1, 0, 0 },
	{ "f not in (true)", "", 1, 0, 0 },
	{ "n in (\"a\", 5)", "", 1, 0, 0 },
	{ "n in (\"a\", 6)", "", 0, 0, 0 },
	{ "n not in (\"a\", 6)", "", 1, 0, 0 },
	{ "s in (1, \"Hello\")", "", 1, 0, 0 },
	{ "t in (1, \"a\", true)", "", 1, 0, 0 },
	{ "nope in (1)", "", 0, 1, 0 },
	{ "nope not in (1)", "", 0, 1, 0 },
	{ "not nope in (1)", "", 0, 1, 0 },
	{ "not nope not in (1)", "", 0, 1, 0 },
	{ "not (s in (1, 2))", "", 0, 0, 1 },
	{ "not (n in (\"a\", 6))", "", 1, 0, 0 },
	{ "s in (1, 2)", "", 0, 0, 1 },
	{ "s not in (1, 2)", "", 0, 0, 1 },
	{ "n in (\"5\")", "", 0, 0, 1 },
	{ "n not in (\"5\")", "", 0, 0, 1 },
	{ "t in (1)", "", 0, 0, 1 },
	{ "n in (true)", "", 0, 0, 1 },
	{ "o in (1)", "", 0, 0, 1 },
	{ "arr not in (\"x\")", "", 0, 0, 1 },
	{ "nul in (\"a\")", "", 0, 0, 0 },
	{ "nul not in (\"a\")", "", 1, 0, 0 },
	{ "nul in (1, true)", "", 0, 0, 0 },
	{ "n + 1 in (6)", "", 1, 0, 0 },
	{ "n + 1 not in (6)", "", 0, 0, 0 },
	{ "lower(s) in (\"hello\")", "", 1, 0, 0 },
	{ "len(s) not in (5)", "", 0, 0, 0 },
	{ "(n > 1) in (true)", "", 1, 0, 0 },
	{ "n / z in (1)", "", 0, 0, 0 },
	{ "n / z not in (1)", "", 0, 0, 0 },
	{ "s + 1 in (1)", "", 0, 0, 1 },
	{ "nope + 1 not in (1)", "", 0, 1, 0 },
	/* exists */
	{ "exists(n)", "", 1, 0, 0 },
	{ "exists(nul)", "", 1, 0, 0 },
	{ "exists(o)", "", 1, 0, 0 },
	{ "exists(o.k)", "", 1, 0, 0 },
	{ "exists(e)", "", 1, 0, 0 },
	{ "exists(f)", "", 1, 0, 0 },
	{ "exists(nope)", "", 0, 0, 0 },
	{ "not exists(nope)", "", 1, 0, 0 },
	{ "not not exists(nope)", "", 0, 0, 0 },
	{ "exists(o.nope)", "", 0, 0, 0 },
	{ "exists(n.x)", "", 0, 0, 0 },
	{ "exists(`odd-key`)", "", 1, 0, 0 },
	/* string functions */
	{ "starts_with(s, \"He\")", "", 1, 0, 0 },
	{ "starts_with(s, \"he\")", "", 0, 0, 0 },
	{ "starts_with(s, \"\")", "", 1, 0, 0 },
	{ "starts_with(s, \"Hello\")", "", 1, 0, 0 },
	{ "starts_with(s, \"Hello!\")", "", 0, 0, 0 },
	{ "starts_with(e, \"\")", "", 1, 0, 0 },
	{ "starts_with(e, \"a\")", "", 0, 0, 0 },
	{ "starts_with(ip, \"10.\")", "", 1, 0, 0 },
	{ "starts_with(\"abc\", \"ab\")", "", 1, 0, 0 },
	{ "starts_with(s, s)", "", 1, 0, 0 },
	{ "ends_with(s, \"llo\")", "", 1, 0, 0 },
	{ "ends_with(s, \"Hel\")", "", 0, 0, 0 },
	{ "ends_with(s, \"\")", "", 1, 0, 0 },
	{ "ends_with(s, \"xHello\")", "", 0, 0, 0 },
	{ "ends_with(esc, \"c\xc3\xa9\")", "", 1, 0, 0 },
	{ "contains(s, \"ell\")", "", 1, 0, 0 },
	{ "contains(s, \"xyz\")", "", 0, 0, 0 },
	{ "contains(s, \"\")", "", 1, 0, 0 },
	{ "contains(s, \"Hello\")", "", 1, 0, 0 },
	{ "contains(s, \"lo\")", "", 1, 0, 0 },
	{ "contains(s, \"H\")", "", 1, 0, 0 },
	{ "contains(s, \"o!\")", "", 0, 0, 0 },
	{ "contains(s, \"LL\")", "", 0, 0, 0 },
	{ "contains(ip, \"1.2\")", "", 1, 0, 0 },
	{ "contains(\"aaab\", \"aab\")", "", 1, 0, 0 },
	{ "contains(\"abab\", \"abb\")", "", 0, 0, 0 },
	{ "contains(e, \"a\")", "", 0, 0, 0 },
	{ "starts_with(n, \"5\")", "", 0, 0, 1 },
	{ "starts_with(s, n)", "", 0, 0, 1 },
	{ "ends_with(nul, \"a\")", "", 0, 0, 1 },
	{ "contains(o, \"a\")", "", 0, 0, 1 },
	{ "starts_with(nope, \"a\")", "", 0, 1, 0 },
	{ "not starts_with(nope, \"a\")", "", 0, 1, 0 },
	{ "not starts_with(n, \"a\")", "", 0, 0, 1 },
	{ "not contains(s, \"xyz\")", "", 1, 0, 0 },
	{ "not ends_with(s, \"xHello\")", "", 1, 0, 0 },
	{ "contains(nope, n)", "", 0, 1, 1 },
	{ "starts_with(s, \"He\") == true", "", 1, 0, 0 },
	/* len and lower */
	{ "len(s) == 5", "", 1, 0, 0 },
	{ "len(e) == 0", "", 1, 0, 0 },
	{ "len(esc) == 7", "", 1, 0, 0 },
	{ "len(\"abc\") == 3", "", 1, 0, 0 },
	{ "len(\"\\u00e9\") == 2", "", 1, 0, 0 },
	{ "len(n) == 1", "", 0, 0, 1 },
	{ "len(n) != 1", "", 0, 0, 1 },
	{ "len(nope) == 0", "", 0, 1, 0 },
	{ "len(nope) != 0", "", 0, 1, 0 },
	{ "lower(s) == \"hello\"", "", 1, 0, 0 },
	{ "lower(s) == s", "", 0, 0, 0 },
	{ "lower(up) == \"abc-\xc3\x80\"", "", 1, 0, 0 },
	{ "lower(\"X\") == \"x\"", "", 1, 0, 0 },
	{ "lower(e) == \"\"", "", 1, 0, 0 },
	{ "lower(lower(s)) == \"hello\"", "", 1, 0, 0 },
	{ "lower(s) == lower(\"HELLO\")", "", 1, 0, 0 },
	{ "lower(s) != lower(up)", "", 1, 0, 0 },
	{ "len(lower(s)) == 5", "", 1, 0, 0 },
	{ "starts_with(lower(ip), \"10.\")", "", 1, 0, 0 },
	{ "lower(n) == \"5\"", "", 0, 0, 1 },
	{ "lower(nope) == \"\"", "", 0, 1, 0 },
	{ "not (lower(n) == \"5\")", "", 0, 0, 1 },
	{ "not (len(nope) == 0)", "", 0, 1, 0 },
	/* abs, min, max */
	{ "abs(neg) == 2.5", "", 1, 0, 0 },
	{ "abs(n) == 5", "", 1, 0, 0 },
	{ "abs(-n) == 5", "", 1, 0, 0 },
	{ "abs(z) == 0", "", 1, 0, 0 },
	{ "abs(s) == 1", "", 0, 0, 1 },
	{ "abs(nope) >= 0", "", 0, 1, 0 },
	{ "not (abs(s) == 1)", "", 0, 0, 1 },
	{ "min(n, neg) == -2.5", "", 1, 0, 0 },
	{ "min(neg, n) == -2.5", "", 1, 0, 0 },
	{ "max(n, neg) == 5", "", 1, 0, 0 },
	{ "max(n, neg, 7) == 7", "", 1, 0, 0 },
	{ "min(n, neg, -7, 0) == -7", "", 1, 0, 0 },
	{ "min(1, 2) == 1", "", 1, 0, 0 },
	{ "max(dur, 1h) == 3600", "", 1, 0, 0 },
	{ "min(n, 10m) == 5", "", 1, 0, 0 },
	{ "min(n, s) == 5", "", 0, 0, 1 },
	{ "max(n, nope) > 0", "", 0, 1, 0 },
	{ "max(nope, s, n) > 0", "", 0, 1, 1 },
	{ "min(n / z, 1) == 1", "", 0, 0, 0 },
	/* a rule's first comparison, tried before the rest: unless it is
	 * true the rule does not fire */
	{ "nope and t", "", 0, 1, 0 },
	{ "nope and s", "", 0, 1, 0 },
	{ "s and t", "", 0, 0, 1 },
	{ "s and nope", "", 0, 0, 1 },
	{ "nope == 1 and f", "", 0, 1, 0 },
	{ "n > 5 and nope == 1", "", 0, 0, 0 },
	{ "n != null and t", "", 1, 0, 0 },
	{ "nul != null and t", "", 0, 0, 0 },
	{ "nul == null and t", "", 1, 0, 0 },
	{ "s == \"Hello\" and n == 5", "", 1, 0, 0 },
	{ "s == \"x\" and nope == 1", "", 0, 0, 0 },
	{ "s < 1 and nope == 1", "", 0, 0, 1 },
	{ "6 > n and t", "", 1, 0, 0 },
	{ "5 > n and t", "", 0, 0, 0 },
	{ "(n == 5 and t) and s == \"Hello\"", "", 1, 0, 0 },
	{ "(n == 4 or t) and s == \"Hello\"", "", 1, 0, 0 },
	{ "n < 6 and nope", "", 0, 1, 0 },
	{ "n >= 5 and n <= 5 and n != 4 and n > 4 and n < 6 and n == 5", "", 1,
	    0, 0 },
	{ "n != 5 and t", "", 0, 0, 0 },
	{ "t == true and n == 5", "", 1, 0, 0 },
	{ "t == 1 and n == 5", "", 0, 0, 1 },
	{ "neg < -2.4 and neg > -2.6", "", 1, 0, 0 },
	{ "features.user.impossible_travel and amount < 5", "", 1, 0, 0 },
	{ "features.user.impossible_travel and amount > 5", "", 0, 0, 0 },
	/* counted once per record, however often met */
	{ "nope == 1 or nope == 2 or nope2 == 3", "", 0, 1, 0 },
	{ "s == 1 or s == 2 or n == \"x\"", "", 0, 0, 1 },
	/* a value left alone is never counted */
	{ "n == 5 or nope == 1", "", 1, 0, 0 },
	{ "f and (s == 1 or nope == 1)", "", 0, 0, 0 },
};

static void
check_eval(const struct eval_case *c)
{
	char text[256], err[1024] = "";
	struct fk_rule_counts k;
	struct set s;
	uint32_t fired[1] = { 99 };
	size_t n;

	set_new(&s);
	snprintf(text, sizeof(text), "rule r: %s => 1 \"r\"", c->cond);
	if (fk_rules_parse(
	        s.rs, "e.conf", text, strlen(text), err, sizeof(err)) == -1) {
		cr_expect_fail("%s: %s", text, err);
		set_free(&s);
		return;
	}
	n = eval_json(&s, c->json[0] != '\0' ? c->json : record, fired);
	fk_rules_counts(s.rs, 0, &k);
	cr_expect(n == (size_t)c->fired && (n == 0 || fired[0] == 0) &&
	        k.evaluated == 1 && k.fired == (unsigned long long)c->fired &&
	        k.missing == (unsigned long long)c->missing &&
	        k.mistyped == (unsigned long long)c->mistyped,
	    "%s: fired %zu missing %llu mistyped %llu, want %d %d %d", c->cond,
	    n, k.missing, k.mistyped, c->fired, c->missing, c->mistyped);
	set_free(&s);
}

Test(rules, eval)
{
	size_t i;

	for (i = 0; i < NELEM(eval_cases); i++)
		check_eval(&eval_cases[i]);
}

/* fired[] holds the rules that fired, in rule order; counts add up
 * over records. */
Test(rules, eval_many_rules_and_records)
{
	static const char *const records[] = {
		"{\"a\":1,\"b\":\"x\"}",
		"{\"a\":2}",
		"{\"a\":\"q\",\"b\":\"y\"}",
		"{}",
		"{\"a\":3,\"b\":\"x\",\"c\":true}",
	};
	struct set s;
	uint32_t fired[5];
	size_t n;

	set_new(&s);
	must_parse(&s, "m.conf",
	    "rule r0: a > 1 => 1 \"a\"\n"
	    "rule r1: b == \"x\" => 1 \"b\"\n"
	    "rule r2: c => 1 \"c\"\n"
	    "rule r3: a > 0 and b in (\"x\", \"y\") => 1 \"ab\"\n"
	    "rule r4: not exists(c) => 1 \"no c\"\n");

	n = eval_json(&s, records[0], fired);
	cr_assert_eq(n, 3);
	cr_assert_eq(fired[0], 1);
	cr_assert_eq(fired[1], 3);
	cr_assert_eq(fired[2], 4);
	n = eval_json(&s, records[1], fired);
	cr_assert_eq(n, 2);
	cr_assert_eq(fired[0], 0);
	cr_assert_eq(fired[1], 4);
	n = eval_json(&s, records[2], fired);
	cr_assert_eq(n, 1);
	cr_assert_eq(fired[0], 4);
	n = eval_json(&s, records[3], fired);
	cr_assert_eq(n, 1);
	cr_assert_eq(fired[0], 4);
	n = eval_json(&s, records[4], fired);
	cr_assert_eq(n, 4, "c is there: r4 does not fire");
	for (n = 0; n < 4; n++)
		cr_assert_eq(fired[n], n);
	cr_assert_eq(eval_json(&s, records[4], fired), 4);

	check_counts(&s, 0, 6, 3, 1, 1);
	check_counts(&s, 1, 6, 3, 2, 0);
	check_counts(&s, 2, 6, 2, 4, 0);
	check_counts(&s, 3, 6, 3, 2, 1);
	check_counts(&s, 4, 6, 4, 0, 0);
	set_free(&s);
}

/* Values are read afresh for every record. */
Test(rules, eval_reads_each_record)
{
	struct set s;
	uint32_t fired[1];

	set_new(&s);
	must_parse(&s, "r.conf",
	    "rule r: lower(s) == \"abc\" and n * 2 > 3 => 1 \"r\"");
	cr_assert_eq(eval_json(&s, "{\"s\":\"ABC\",\"n\":2}", fired), 1);
	cr_assert_eq(eval_json(&s, "{\"s\":\"ABD\",\"n\":2}", fired), 0);
	cr_assert_eq(eval_json(&s, "{\"s\":\"aBc\",\"n\":1}", fired), 0);
	cr_assert_eq(eval_json(&s, "{\"n\":2,\"s\":\"abc\"}", fired), 1);
	cr_assert_eq(eval_json(&s, "{\"s\":\"a\\u0042c\",\"n\":9}", fired), 1);
	check_counts(&s, 0, 5, 3, 0, 0);
	set_free(&s);
}

/* lower() keeps a buffer per call; long values grow it. */
Test(rules, eval_lower_long_values)
{
	char *json, *cond;
	struct set s;
	uint32_t fired[1];
	size_t i, n = 5000;

	json = malloc(n + 64);
	cond = malloc(n + 128);
	cr_assert_not_null(json);
	cr_assert_not_null(cond);
	set_new(&s);
	memcpy(cond, "rule r: lower(a) == \"", 21);
	for (i = 0; i < n; i++)
		cond[21 + i] = (char)('a' + i % 26);
	snprintf(cond + 21 + n, 64, "\" and lower(b) == \"x\" => 1 \"r\"");
	must_parse(&s, "l.conf", cond);
	for (i = 1; i < n; i *= 3) {
		snprintf(json, n + 64, "{\"a\":\"%.*s\",\"b\":\"X\"}", (int)i,
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
		cr_assert_eq(eval_json(&s, json, fired), 0);
	}
	memcpy(json, "{\"a\":\"", 6);
	for (i = 0; i < n; i++)
		json[6 + i] = (char)('A' + i % 26);
	snprintf(json + 6 + n, 32, "\",\"b\":\"X\"}");
	cr_assert_eq(eval_json(&s, json, fired), 1);
	json[6 + n - 1] = 'a';
	cr_assert_eq(eval_json(&s, json, fired), 0);
	free(json);
	free(cond);
	set_free(&s);
}

/* Long lists are searched: every member found, nothing else. */
Test(rules, eval_long_lists)
{
	char *text, json[128];
	size_t n = 0, cap = 64 * 1024;
	struct set s;
	uint32_t fired[2];
	int i;

	text = malloc(cap);
	cr_assert_not_null(text);
	n += (size_t)snprintf(text + n, cap - n, "rule s: a in (");
	for (i = 0; i < 300; i++)
		n += (size_t)snprintf(text + n, cap - n, "%s\"v%d\"",
		    i ? ", " : "", (i * 7919) % 1000);
	n += (size_t)snprintf(text + n, cap - n,
	    ", \"\", \"v1\") => 1 \"s\"\nrule n: b not in (");
	for (i = 0; i < 300; i++)
		n += (size_t)snprintf(text + n, cap - n, "%s%d.5",
		    i ? ", " : "", (i * 7919) % 1000);
	snprintf(text + n, cap - n, ", -1) => 1 \"n\"\n");
	set_new(&s);
	must_parse(&s, "l.conf", text);
	free(text);
	for (i = 0; i < 1000; i++) {
		int in = 0, k;

		for (k = 0; k < 300; k++)
			in |= (k * 7919) % 1000 == i;
		in |= i == 1;
		snprintf(
		    json, sizeof(json), "{\"a\":\"v%d\",\"b\":%d.5}", i, i);
		/* a is in when i is (or is 1); b is not in when i is not. */
		cr_assert_eq(
		    eval_json(&s, json, fired), i == 1 ? 2 : 1, "v%d", i);
		cr_assert_eq(fired[0], in ? 0 : 1, "v%d", i);
	}
	cr_assert_eq(eval_json(&s, "{\"a\":\"\",\"b\":-1}", fired), 1);
	cr_assert_eq(fired[0], 0);
	cr_assert_eq(eval_json(&s, "{\"a\":\"v\",\"b\":-1.5}", fired), 1);
	cr_assert_eq(fired[0], 1);
	cr_assert_eq(eval_json(&s, "{\"a\":\"v1000\",\"b\":1000.5}", fired), 1);
	cr_assert_eq(eval_json(&s, "{\"a\":\"u1\",\"b\":0}", fired), 1);
	cr_assert_eq(eval_json(&s, "{\"a\":\"w1\",\"b\":2000}", fired), 1);
	cr_assert_eq(eval_json(&s, "{\"a\":1,\"b\":\"x\"}", fired), 0);
	check_counts(&s, 0, 1006, 302, 0, 1);
	check_counts(&s, 1, 1006, 704, 0, 1);
	set_free(&s);
}

/* The same field in two spellings is one slot, read once. */
Test(rules, eval_spellings_share_a_slot)
{
	struct set s;
	uint32_t fired[2];

	set_new(&s);
	must_parse(&s, "s.conf",
	    "rule a: `x`.y == 1 => 1 \"a\"\nrule b: x.`y` != 1 => 1 \"b\"");
	cr_assert_eq(fk_jpath_count(s.jp), 1);
	cr_assert_eq(eval_json(&s, "{\"x\":{\"y\":1}}", fired), 1);
	cr_assert_eq(fired[0], 0);
	cr_assert_eq(eval_json(&s, "{\"x\":{\"y\":2}}", fired), 1);
	cr_assert_eq(fired[0], 1);
	set_free(&s);
}

/* ---- three-valued logic ---- */

enum { F3, U3, T3 }; /* false, unknown, true */

/* The truth of cond on json: a rule on it fires when it is true; when it
 * is false, a rule on its negation does, and so does one on its being
 * the value false; when unknown, none of the three. */
static int
truth_of(const char *cond, const char *json)
{
	char text[1024];
	struct set s;
	uint32_t fired[3];
	size_t n;
	int t;

	set_new(&s);
	snprintf(text, sizeof(text),
	    "rule is: %s => 1 \"r\"\n"
	    "rule isnt: not (%s) => 1 \"r\"\n"
	    "rule false: (%s) == false => 1 \"r\"\n",
	    cond, cond, cond);
	must_parse(&s, "t.conf", text);
	n = eval_json(&s, json, fired);
	if (n == 0)
		t = U3;
	else if (n == 1 && fired[0] == 0)
		t = T3;
	else if (n == 2 && fired[0] == 1 && fired[1] == 2)
		t = F3;
	else
		t = -1;
	cr_assert_neq(
	    t, -1, "%s: %zu of it, its negation, == false fired", cond, n);
	set_free(&s);
	return t;
}

static const char *const truth_names[] = { "false", "unknown", "true" };

/* Spellings of each truth on the record of the eval table. */
static const struct truth_case {
	char cond[40];
	int truth;
} truth_cases[] = {
	{ "t", T3 },
	{ "n == 5", T3 },
	{ "s != \"x\"", T3 },
	{ "n in (1, 5)", T3 },
	{ "exists(nul)", T3 },
	{ "nul == null", T3 },
	{ "n != null", T3 },
	{ "contains(s, \"ell\")", T3 },
	{ "f", F3 },
	{ "n > 5", F3 },
	{ "s == \"x\"", F3 },
	{ "n not in (1, 5)", F3 },
	{ "n in (\"a\", 6)", F3 },
	{ "nul in (\"a\")", F3 },
	{ "exists(nope)", F3 },
	{ "listed(\"users\")", F3 },
	{ "ends_with(s, \"xHello\")", F3 },
	/* missing */
	{ "nope", U3 },
	{ "nope == 1", U3 },
	{ "nope != 1", U3 },
	{ "nope == null", U3 },
	{ "nope in (1)", U3 },
	{ "nope not in (1)", U3 },
	{ "o.nope > 0", U3 },
	{ "starts_with(nope, \"a\")", U3 },
	{ "len(nope) >= 0", U3 },
	/* no value: arithmetic and functions */
	{ "n / z == 1", U3 },
	{ "nope + 1 != 0", U3 },
	{ "s * 2 != 0", U3 },
	{ "lower(n) == \"5\"", U3 },
	{ "abs(s) >= 0", U3 },
	{ "min(n, nope) < 9", U3 },
	/* types that do not compare, and non-booleans as conditions */
	{ "s == 5", U3 },
	{ "n != \"5\"", U3 },
	{ "t < f", U3 },
	{ "nul < 1", U3 },
	{ "o == o", U3 },
	{ "s in (1, 2)", U3 },
	{ "starts_with(n, \"5\")", U3 },
	{ "s", U3 },
	{ "n", U3 },
	{ "nul", U3 },
	{ "o", U3 },
	{ "arr", U3 },
	/* a condition as a value */
	{ "(nope > 1) == true", U3 },
	{ "(nope > 1) != false", U3 },
	{ "(nope > 1) in (true, false)", U3 },
	{ "(n > 1) == true", T3 },
	{ "(nope > 1 and f) == false", T3 },
};

Test(rules, truth_of_each_kind)
{
	size_t i;
	int t;

	for (i = 0; i < NELEM(truth_cases); i++) {
		t = truth_of(truth_cases[i].cond, record);
		cr_expect_eq(t, truth_cases[i].truth, "%s: %s, want %s",
		    truth_cases[i].cond, truth_names[t],
		    truth_names[truth_cases[i].truth]);
	}
}

/* SQL's (Kleene's) tables, over every pair of the spellings above: a
 * field alone, a comparison tried before the rest of its rule, one
 * inside it, functions, lists. */
Test(rules, truth_tables)
{
	static const int not_table[3] = { [F3] = T3, [U3] = U3, [T3] = F3 };
	static const int and_table[3][3] = {
		/*     F    U    T */
		[F3] = { F3, F3, F3 },
		[U3] = { F3, U3, U3 },
		[T3] = { F3, U3, T3 },
	};
	static const int or_table[3][3] = {
		/*     F    U    T */
		[F3] = { F3, U3, T3 },
		[U3] = { U3, U3, T3 },
		[T3] = { T3, T3, T3 },
	};
	const struct truth_case *x, *y;
	char cond[128];
	size_t i, j;
	int t, want;

	for (i = 0; i < NELEM(truth_cases); i++) {
		x = &truth_cases[i];
		snprintf(cond, sizeof(cond), "not (%.40s)", x->cond);
		t = truth_of(cond, record);
		want = not_table[x->truth];
		cr_expect_eq(t, want, "%s: %s, want %s", cond, truth_names[t],
		    truth_names[want]);
		snprintf(cond, sizeof(cond), "not not (%.40s)", x->cond);
		cr_expect_eq(truth_of(cond, record), x->truth, "%s", cond);
	}
	for (i = 0; i < NELEM(truth_cases); i += 3) {
		for (j = 1; j < NELEM(truth_cases); j += 2) {
			x = &truth_cases[i];
			y = &truth_cases[j];
			snprintf(cond, sizeof(cond), "(%.40s) and (%.40s)",
			    x->cond, y->cond);
			t = truth_of(cond, record);
			want = and_table[x->truth][y->truth];
			cr_expect_eq(t, want, "%s: %s, want %s", cond,
			    truth_names[t], truth_names[want]);
			snprintf(cond, sizeof(cond), "(%.40s) or (%.40s)",
			    x->cond, y->cond);
			t = truth_of(cond, record);
			want = or_table[x->truth][y->truth];
			cr_expect_eq(t, want, "%s: %s, want %s", cond,
			    truth_names[t], truth_names[want]);
		}
	}
}

/* Chains of three, each truth once in every place, and and or mixed:
 * precedence and left to right evaluation keep the tables. */
Test(rules, truth_tables_chained)
{
	static const char conds[3][12] = {
		[F3] = "f", [U3] = "nope", [T3] = "t"
	};
	static const int and3[3][3] = { { F3, F3, F3 }, { F3, U3, U3 },
		{ F3, U3, T3 } };
	static const int or3[3][3] = { { F3, U3, T3 }, { U3, U3, T3 },
		{ T3, T3, T3 } };
	char cond[128];
	int a, b, c, want;

	for (a = 0; a < 3; a++) {
		for (b = 0; b < 3; b++) {
			for (c = 0; c < 3; c++) {
				snprintf(cond, sizeof(cond), "%s and %s and %s",
				    conds[a], conds[b], conds[c]);
				want = and3[and3[a][b]][c];
				cr_expect_eq(
				    truth_of(cond, record), want, "%s", cond);
				snprintf(cond, sizeof(cond), "%s or %s or %s",
				    conds[a], conds[b], conds[c]);
				want = or3[or3[a][b]][c];
				cr_expect_eq(
				    truth_of(cond, record), want, "%s", cond);
				snprintf(cond, sizeof(cond), "%s and %s or %s",
				    conds[a], conds[b], conds[c]);
				want = or3[and3[a][b]][c];
				cr_expect_eq(
				    truth_of(cond, record), want, "%s", cond);
				snprintf(cond, sizeof(cond), "%s or %s and %s",
				    conds[a], conds[b], conds[c]);
				want = or3[a][and3[b][c]];
				cr_expect_eq(
				    truth_of(cond, record), want, "%s", cond);
				snprintf(cond, sizeof(cond),
				    "not (%s and %s) or %s", conds[a], conds[b],
				    conds[c]);
				want = or3[2 - and3[a][b]][c];
				cr_expect_eq(
				    truth_of(cond, record), want, "%s", cond);
			}
		}
	}
}

/* and and or stop as soon as what is asked of them is known, and what
 * they skip does not count.  A rule asks whether its condition is true:
 * and stops at false or unknown, or at true, as the two-valued rules
 * did.  not asks whether its operand is false: and stops at false only,
 * or at true or unknown.  A condition as a value is asked both: and
 * stops at false, or at true. */
Test(rules, short_circuit_counts)
{
	static const unsigned long long want[][3] = {
		/* fired, missing, mistyped, of two records */
		{ 0, 0, 0 }, /* r0 */
		{ 0, 0, 0 },
		{ 2, 0, 0 },
		{ 2, 0, 0 },
		{ 0, 0, 0 },
		{ 0, 0, 0 }, /* r5 */
		{ 0, 2, 0 },
		{ 0, 0, 2 },
		{ 0, 2, 2 },
		{ 2, 0, 2 },
		{ 0, 2, 2 }, /* r10 */
		{ 2, 2, 0 },
		{ 2, 0, 0 },
		{ 0, 0, 0 },
		{ 0, 2, 0 },
		{ 0, 2, 0 }, /* r15 */
		{ 0, 2, 2 },
		{ 0, 2, 2 },
	};
	struct set s;
	uint32_t fired[NELEM(want)];
	size_t i;

	set_new(&s);
	must_parse(&s, "c.conf",
	    /* whether true */
	    "rule r0: f and nope == 1 => 1 \"r\"\n"
	    "rule r1: n > 5 and nope == 1 => 1 \"r\"\n"
	    "rule r2: t or nope == 1 => 1 \"r\"\n"
	    "rule r3: n == 5 or s == 1 => 1 \"r\"\n"
	    "rule r4: f and (s == 1 or nope) => 1 \"r\"\n"
	    "rule r5: exists(nope) and nope > 1 => 1 \"r\"\n"
	    "rule r6: nope == 1 and s == 1 => 1 \"r\"\n"
	    "rule r7: s and nope => 1 \"r\"\n"
	    "rule r8: nope or s == 1 => 1 \"r\"\n"
	    "rule r9: s == 1 or t => 1 \"r\"\n"
	    /* whether false */
	    "rule r10: not (nope == 1 and s == 1) => 1 \"r\"\n"
	    "rule r11: not (nope and f) => 1 \"r\"\n"
	    "rule r12: not (f and nope) => 1 \"r\"\n"
	    "rule r13: not (t or nope) => 1 \"r\"\n"
	    "rule r14: not (nope or s == 1) => 1 \"r\"\n"
	    "rule r15: not not (nope == 1 and s == 1) => 1 \"r\"\n"
	    /* both */
	    "rule r16: (nope == 1 and s == 1) == false => 1 \"r\"\n"
	    "rule r17: (nope or s == 1) != true => 1 \"r\"\n");
	cr_assert_eq(eval_json(&s, record, fired), 5);
	cr_assert_eq(eval_json(&s, record, fired), 5);
	for (i = 0; i < NELEM(want); i++)
		check_counts(&s, i, 2, want[i][0], want[i][1], want[i][2]);
	set_free(&s);
}

/* Issue 19: `not` over a missing field is unknown, and does not fire;
 * exists() says what was meant. */
Test(rules, not_missing_does_not_fire)
{
	static const char *const records[] = {
		/* no device: no new_device */
		"{\"amount\":10,\"features\":{\"user\":{\"count_30d\":25,"
		"\"amount_ratio\":1,\"country_changed\":false}}}",
		"{\"amount\":10,\"features\":{\"user\":{\"count_30d\":25,"
		"\"amount_ratio\":1,\"country_changed\":false,"
		"\"new_device\":false}}}",
		"{\"amount\":10,\"features\":{\"user\":{\"count_30d\":25,"
		"\"amount_ratio\":1,\"country_changed\":false,"
		"\"new_device\":true}}}",
		"{\"amount\":10,\"features\":{\"user\":{\"count_30d\":25,"
		"\"amount_ratio\":1,\"country_changed\":false,"
		"\"new_device\":\"no\"}}}",
	};
	/* The rules that fire on each record, as bits. */
	static const unsigned want[] = { 0x100, 0x0ff, 0x000, 0x000 };
	struct set s;
	uint32_t fired[16];
	size_t i, k, n;
	unsigned got;

	set_new(&s);
	must_parse(&s, "n.conf",
	    "rule a: not features.user.new_device => 1 \"r\"\n"
	    "rule b: not (features.user.new_device == true) => 1 \"r\"\n"
	    "rule c: features.user.new_device != true => 1 \"r\"\n"
	    "rule d: features.user.new_device not in (true) => 1 \"r\"\n"
	    "rule e: not (features.user.new_device and amount > 1)"
	    " => 1 \"r\"\n"
	    "rule f: exists(features.user.new_device)"
	    " and not features.user.new_device => 1 \"r\"\n"
	    "rule g: features.user.new_device == false => 1 \"r\"\n"
	    /* examples/rules.conf */
	    "rule regular: features.user.count_30d >= 20"
	    " and not features.user.new_device"
	    " and features.user.amount_ratio < 1.5"
	    " and not features.user.country_changed => 1 \"r\"\n"
	    "rule h: not exists(features.user.new_device) => 1 \"r\"\n");
	for (i = 0; i < NELEM(records); i++) {
		n = eval_json(&s, records[i], fired);
		for (got = 0, k = 0; k < n; k++)
			got |= 1u << fired[k];
		cr_expect_eq(got, want[i], "%s: fired %#x, want %#x",
		    records[i], got, want[i]);
	}
	/* Missing on the first record, mistyped on the last. */
	check_counts(&s, 0, 4, 1, 1, 1);
	check_counts(&s, 7, 4, 1, 1, 1);
	check_counts(&s, 8, 4, 1, 0, 0);
	set_free(&s);
}

/* ---- random expressions ---- */

struct gen {
	uint64_t rng;
	char buf[2048];
	size_t len;
	int depth;
};

static unsigned
pick(struct gen *g, unsigned n)
{
	return (unsigned)(fk_test_rand(&g->rng) % n);
}

static void
put(struct gen *g, const char *s)
{
	size_t n = strlen(s);

	if (g->len + n + 1 < sizeof(g->buf)) {
		memcpy(g->buf + g->len, s, n);
		g->len += n;
		g->buf[g->len] = '\0';
	}
}

/* White space of any kind, or none where tokens allow it. */
static void
space(struct gen *g, int needed)
{
	static const char *const ws[] = { " ", "  ", "\t", "\n ", " # c\n",
		"" };

	put(g, ws[pick(g, needed ? 5 : 6)]);
}

static void gen_bool(struct gen *g);

static void
gen_num(struct gen *g)
{
	static const char *const fields[] = { "n", "z", "neg", "s", "nope",
		"nul", "t", "o.k", "`n`" };
	static const char *const lits[] = { "1", "0", "2.5", "10m", "500ms",
		"1e3", "5", "3" };
	static const char *const ops[] = { "+", "-", "*", "/", "%" };
	unsigned k = g->depth > 4 ? pick(g, 2) : pick(g, 9);

	g->depth++;
	switch (k) {
	case 0:
		put(g, fields[pick(g, NELEM(fields))]);
		break;
	case 1:
		put(g, lits[pick(g, NELEM(lits))]);
		break;
	case 2:
	case 3:
		gen_num(g);
		space(g, 0);
		put(g, ops[pick(g, NELEM(ops))]);
		space(g, 0);
		gen_num(g);
		break;
	case 4:
		put(g, "-");
		gen_num(g);
		break;
	case 5:
		/* A group that precedence alone would not make. */
		put(g, "(");
		gen_num(g);
		space(g, 0);
		put(g, ops[pick(g, NELEM(ops))]);
		space(g, 0);
		gen_num(g);
		put(g, ")");
		break;
	case 6:
		put(g, pick(g, 2) ? "len(s)" : "len(lower(s))");
		break;
	case 7:
		put(g, "abs(");
		gen_num(g);
		put(g, ")");
		break;
	default:
		put(g, pick(g, 2) ? "max(" : "min(");
		gen_num(g);
		put(g, ",");
		space(g, 0);
		gen_num(g);
		put(g, ")");
		break;
	}
	g->depth--;
}

static void
gen_str(struct gen *g)
{
	static const char *const strs[] = { "s", "e", "\"Hello\"", "\"\"",
		"lower(s)", "ip", "nope", "n", "\"a\\tb\"" };

	put(g, strs[pick(g, NELEM(strs))]);
}

static void
gen_cmp(struct gen *g)
{
	static const char *const ops[] = { "==", "!=", "<", "<=", ">", ">=" };
	static const char *const lists[] = { "(1, 5)", "(\"Hello\", \"x\")",
		"(true)", "(5, \"Hello\", false)", "(-2.5, 0)" };

	switch (pick(g, 6)) {
	case 0:
	case 1:
		gen_num(g);
		space(g, 0);
		put(g, ops[pick(g, NELEM(ops))]);
		space(g, 0);
		gen_num(g);
		break;
	case 2:
		gen_str(g);
		space(g, 0);
		put(g, ops[pick(g, NELEM(ops))]);
		space(g, 0);
		gen_str(g);
		break;
	case 3:
		gen_num(g);
		space(g, 1);
		put(g, pick(g, 2) ? "in" : "not in");
		space(g, 0);
		put(g, lists[pick(g, NELEM(lists))]);
		break;
	case 4:
		put(g, pick(g, 2) ? "starts_with(" : "contains(");
		gen_str(g);
		put(g, ", ");
		gen_str(g);
		put(g, ")");
		break;
	default:
		put(g, "(");
		gen_bool(g);
		put(g, ")");
		space(g, 0);
		put(g, pick(g, 2) ? "==" : "!=");
		space(g, 0);
		put(g, pick(g, 2) ? "true" : "f");
		break;
	}
}

static void
gen_bool(struct gen *g)
{
	unsigned k = g->depth > 4 ? 4 + pick(g, 3) : pick(g, 9);

	g->depth++;
	switch (k) {
	case 0:
	case 1:
		gen_bool(g);
		space(g, 1);
		put(g, k == 0 ? "and" : "or");
		space(g, 1);
		gen_bool(g);
		break;
	case 2:
		put(g, "not");
		space(g, 1);
		gen_bool(g);
		break;
	case 3:
		put(g, "(");
		gen_bool(g);
		put(g, ")");
		break;
	case 4:
	case 5:
		gen_cmp(g);
		break;
	case 6:
		put(g, pick(g, 2) ? "t" : pick(g, 2) ? "exists(nope)" : "f");
		break;
	default:
		put(g, pick(g, 2) ? "nope" : "s");
		break;
	}
	g->depth--;
}

static const char *const gen_records[] = {
	"{\"n\":5,\"z\":0,\"neg\":-2.5,\"s\":\"Hello\",\"e\":\"\",\"t\":true,"
	"\"f\":false,\"nul\":null,\"o\":{\"k\":1},\"ip\":\"10.1.2.3\"}",
	"{\"n\":\"5\",\"z\":1,\"neg\":2.5,\"s\":5,\"t\":false,\"f\":true,"
	"\"nope\":\"x\",\"o\":{\"k\":\"1\"}}",
	"{}",
	"{\"n\":0,\"z\":0,\"s\":\"x\",\"e\":null,\"t\":1,\"f\":false,"
	"\"nul\":3,\"o\":[1],\"ip\":\"Hello\",\"nope\":true}",
	"{\"n\":1e3,\"neg\":-1,\"s\":\"\",\"t\":true,\"f\":null,\"o\":null}",
	/* numbers everywhere, so that grouping changes results */
	"{\"n\":7,\"z\":3,\"neg\":-2.5,\"s\":11,\"nope\":13,\"nul\":17,"
	"\"t\":19,\"o\":{\"k\":23},\"f\":false}",
	"{\"n\":-7,\"z\":0.5,\"neg\":4,\"s\":2,\"nope\":-13,\"nul\":1,"
	"\"t\":true,\"o\":{\"k\":-3},\"f\":true}",
};

/* Any expression: its normal form reads back as itself and means the
 * same, record by record, counts included. */
Test(rules, random_expressions)
{
	struct gen g;
	struct set a, b, c;
	char text[4096], ctext[8192], err[2048];
	uint32_t fa[1], fb[1], fc[3];
	int i, parsed = 0, fired = 0, unknown = 0;
	size_t r, k, na, nb, nc;
	unsigned cf;

	memset(&g, 0, sizeof(g));
	g.rng = 20261128;
	for (i = 0; i < 3000; i++) {
		g.len = 0;
		g.buf[0] = '\0';
		g.depth = 0;
		gen_bool(&g);
		snprintf(text, sizeof(text), "rule r: %s => 1 \"r\"", g.buf);
		set_new(&a);
		if (fk_rules_parse(a.rs, "g.conf", text, strlen(text), err,
		        sizeof(err)) == -1) {
			/* Only type errors: the generator writes good syntax. */
			cr_assert(strstr(err, "needs") != NULL ||
			        strstr(err, "cannot") != NULL ||
			        strstr(err, "orders numbers") != NULL ||
			        strstr(err, "must be a boolean") != NULL,
			    "%s\n%s", text, err);
			set_free(&a);
			continue;
		}
		parsed++;
		set_new(&b);
		must_parse(&b, "n.conf", fk_rules_text(a.rs));
		cr_assert_str_eq(
		    fk_rules_text(b.rs), fk_rules_text(a.rs), "from: %s", text);
		cr_assert_str_eq(fk_rules_hash(b.rs), fk_rules_hash(a.rs));
		/* Its negation, and its value: a rule asks only whether its
		 * condition is true, not only whether its operand is false,
		 * and both give what the whole value says. */
		snprintf(ctext, sizeof(ctext),
		    "rule n: not (%s) => 1 \"n\"\n"
		    "rule t: (%s) == true => 1 \"t\"\n"
		    "rule f: (%s) == false => 1 \"f\"\n",
		    g.buf, g.buf, g.buf);
		set_new(&c);
		must_parse(&c, "c.conf", ctext);
		for (r = 0; r < NELEM(gen_records); r++) {
			na = eval_json(&a, gen_records[r], fa);
			nb = eval_json(&b, gen_records[r], fb);
			nc = eval_json(&c, gen_records[r], fc);
			cr_assert_eq(na, nb, "%s\n%s\non %s", text,
			    fk_rules_text(a.rs), gen_records[r]);
			for (cf = 0, k = 0; k < nc; k++)
				cf |= 1u << fc[k];
			/* n, t, f: 1, 2, 4 */
			cr_assert(cf == 0 || cf == 5 || cf == 2,
			    "%s: not, == true, == false fired %#x on %s", g.buf,
			    cf, gen_records[r]);
			cr_assert_eq(na, cf == 2,
			    "%s: fired %zu, == true %d on %s", g.buf, na,
			    cf == 2, gen_records[r]);
			fired += (int)na;
			unknown += cf == 0;
		}
		set_free(&c);
		{
			struct fk_rule_counts ca, cb;

			fk_rules_counts(a.rs, 0, &ca);
			fk_rules_counts(b.rs, 0, &cb);
			cr_assert_eq(ca.fired, cb.fired);
			cr_assert_eq(ca.missing, cb.missing, "%s", text);
			cr_assert_eq(ca.mistyped, cb.mistyped, "%s", text);
		}
		set_free(&a);
		set_free(&b);
	}
	/* Enough of them parse and fire to mean something. */
	cr_assert_gt(parsed, 1000, "%d parsed", parsed);
	cr_assert_gt(fired, 1000, "%d fired", fired);
	cr_assert_gt(unknown, 1000, "%d unknown", unknown);
}

/* listed(NAME) reads fk-enrich's list hits in features.lists. */
Test(rules, listed)
{
	static const struct {
		const char *json;
		int fired, mistyped;
	} cases[] = {
		{ "{\"features\":{\"lists\":[{\"list\":\"users\",\"field\":"
		  "\"user_id\",\"sha256\":\"ab\"}]}}",
		    1, 0 },
		{ "{\"features\":{\"lists\":[{\"list\":\"devices\"},"
		  "{\"field\":\"x\",\"list\":\"users\"}]}}",
		    1, 0 },
		{ "{\"features\":{\"lists\":[ 1, \"users\", [\"users\"], "
		  "{ \"list\" : \"us\\u0065rs\" } ]}}",
		    1, 0 },
		{ "{\"features\":{\"lists\":[{\"list\":\"devices\"}]}}", 0, 0 },
		{ "{\"features\":{\"lists\":[{\"name\":\"users\"}]}}", 0, 0 },
		{ "{\"features\":{\"lists\":[\"users\"]}}", 0, 0 },
		{ "{\"features\":{\"lists\":[]}}", 0, 0 },
		{ "{\"features\":{}}", 0, 0 },
		{ "{}", 0, 0 },
		{ "{\"features\":{\"lists\":{\"list\":\"users\"}}}", 0, 1 },
	};
	struct fk_rule_counts k;
	uint32_t fired[1];
	struct set s;
	char err[512];
	size_t i, n;

	for (i = 0; i < NELEM(cases); i++) {
		set_new(&s);
		must_parse(
		    &s, "l.conf", "rule l: listed(\"users\") => 1 \"r\"");
		n = eval_json(&s, cases[i].json, fired);
		fk_rules_counts(s.rs, 0, &k);
		cr_expect(n == (size_t)cases[i].fired && k.missing == 0 &&
		        k.mistyped == (unsigned long long)cases[i].mistyped,
		    "%s: fired %zu, missing %llu, mistyped %llu", cases[i].json,
		    n, k.missing, k.mistyped);
		/* The hits go into the reasons' values. */
		cr_expect_eq(fk_rules_info(s.rs, 0)->nslots, 1);
		set_free(&s);
	}
	must_fail("rule l: listed(users) => 1 \"r\"", err, sizeof(err));
	cr_expect(
	    strstr(err, "1:16: listed() takes a list name in quotes, found") !=
	        NULL,
	    "%s", err);
	must_fail("rule l: listed(\"a\", \"b\") => 1 \"r\"", err, sizeof(err));
	cr_expect(strstr(err, "listed() takes 1 argument, found 2") != NULL,
	    "%s", err);
	{
		char *t = normal("rule l: listed( \"users\" )=>1 \"r\"");

		cr_expect_str_eq(t, "rule l: listed(\"users\") => 1 \"r\"\n");
		free(t);
	}
}
