/* Unit tests for cmd/fk-sink/lake.c: --partition-by lists, values as
 * folder names, where records land and what the files hold, rotation by
 * records, bytes, age and idleness, the cap on open files, and from
 * Kafka the names by offsets, the offsets a folder's names say are
 * stored (also after a restart), and stale temporary files. */
#include "lake.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "jscan.h"
#include "testutil.h"
#include "banned.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define T0 1795922129123LL /* 2026-11-29T03:15:29.123Z */
#define HOUR 3600000LL
#define DAY 86400000LL
#define MAXFILES 1024

static char root[512];

static void
setup(void)
{
	umask(022);
	fk_test_tmpdir(root, sizeof(root), "lake");
}

static void
teardown(void)
{
	if (root[0] != '\0')
		fk_test_rmdir(root);
}

TestSuite(levels);
TestSuite(value);
TestSuite(lake, .init = setup, .fini = teardown);
TestSuite(kafka, .init = setup, .fini = teardown);

/* Levels */

static void
levels_ok(struct fk_levels *l, const char *const *specs, size_t n)
{
	char err[256];

	memset(l, 0, sizeof(*l));
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(fk_levels_parse(l, specs[i], err, sizeof(err)), 0,
		    "%s: %s", specs[i], err);
	fk_levels_finish(l);
}

static void
expect_level(const struct fk_levels *l, size_t i, enum fk_level_kind kind,
    const char *name, const char *field)
{
	cr_assert_lt(i, l->n);
	cr_assert_eq(l->v[i].kind, kind, "level %zu", i);
	cr_assert_str_eq(l->v[i].name, name);
	if (field == NULL)
		cr_assert_null(l->v[i].field, "level %zu", i);
	else
		cr_assert_str_eq(l->v[i].field, field);
}

Test(levels, field_adds_after_dt_hr)
{
	static const char *const s[] = { "decision" };
	struct fk_levels l;

	levels_ok(&l, s, NELEM(s));
	cr_assert_eq(l.n, 3);
	expect_level(&l, 0, FK_LEVEL_DT, "dt", NULL);
	expect_level(&l, 1, FK_LEVEL_HR, "hr", NULL);
	expect_level(&l, 2, FK_LEVEL_FIELD, "decision", "decision");
	cr_assert(l.timed);
	fk_levels_release(&l);
	cr_assert_eq(l.n, 0);
	cr_assert_null(l.v);
}

Test(levels, dt_in_list_replaces)
{
	static const char *const s[] = { "dt,decision=risk.decision" };
	struct fk_levels l;

	levels_ok(&l, s, NELEM(s));
	cr_assert_eq(l.n, 2, "no hr: the list named dt");
	expect_level(&l, 0, FK_LEVEL_DT, "dt", NULL);
	expect_level(&l, 1, FK_LEVEL_FIELD, "decision", "risk.decision");
	fk_levels_release(&l);
}

Test(levels, hr_alone_and_order_kept)
{
	static const char *const s[] = { "region,hr" };
	struct fk_levels l;

	levels_ok(&l, s, NELEM(s));
	cr_assert_eq(l.n, 2);
	expect_level(&l, 0, FK_LEVEL_FIELD, "region", "region");
	expect_level(&l, 1, FK_LEVEL_HR, "hr", NULL);
	fk_levels_release(&l);
}

Test(levels, named_by_last_name)
{
	static const char *const s[] = { "risk.decision,a.b-c.d_e" };
	struct fk_levels l;

	levels_ok(&l, s, NELEM(s));
	cr_assert_eq(l.n, 4);
	expect_level(&l, 2, FK_LEVEL_FIELD, "decision", "risk.decision");
	expect_level(&l, 3, FK_LEVEL_FIELD, "d_e", "a.b-c.d_e");
	fk_levels_release(&l);
}

/* A field's names are letters, digits, '_' and '-'; its folder is named
 * by its last name, '-' and all. */
Test(levels, last_name_with_dash)
{
	static const char *const specs[] = { "card-type", "x.card-type" };
	struct fk_levels l;
	char err[256];

	for (size_t i = 0; i < NELEM(specs); i++) {
		memset(&l, 0, sizeof(l));
		err[0] = '\0';
		cr_expect_eq(fk_levels_parse(&l, specs[i], err, sizeof(err)), 0,
		    "%s: %s", specs[i], err);
		if (l.n == 1) {
			cr_expect_str_eq(l.v[0].name, "card-type");
			cr_expect_str_eq(l.v[0].field, specs[i]);
		}
		fk_levels_release(&l);
	}
}

Test(levels, lists_accumulate)
{
	static const char *const s[] = { "a", "b=x.y", "c" };
	static const char *const t[] = { "a", "hr,b" };
	struct fk_levels l;

	levels_ok(&l, s, NELEM(s));
	cr_assert_eq(l.n, 5);
	expect_level(&l, 0, FK_LEVEL_DT, "dt", NULL);
	expect_level(&l, 1, FK_LEVEL_HR, "hr", NULL);
	expect_level(&l, 2, FK_LEVEL_FIELD, "a", "a");
	expect_level(&l, 3, FK_LEVEL_FIELD, "b", "x.y");
	expect_level(&l, 4, FK_LEVEL_FIELD, "c", "c");
	fk_levels_release(&l);

	/* hr in a later list counts too: no dt is added. */
	levels_ok(&l, t, NELEM(t));
	cr_assert_eq(l.n, 3);
	expect_level(&l, 0, FK_LEVEL_FIELD, "a", "a");
	expect_level(&l, 1, FK_LEVEL_HR, "hr", NULL);
	expect_level(&l, 2, FK_LEVEL_FIELD, "b", "b");
	fk_levels_release(&l);
}

Test(levels, name_of_64_bytes)
{
	char spec[80];
	struct fk_levels l;
	const char *s[] = { spec };

	memset(spec, 'n', 64);
	memcpy(spec + 64, "=f", 3);
	levels_ok(&l, s, 1);
	cr_assert_eq(strlen(l.v[2].name), 64);
	fk_levels_release(&l);
}

struct bad_level {
	const char *first; /* a list parsed before, or NULL */
	const char *spec;
	const char *msg; /* NULL: any message */
};

static const struct bad_level bad_levels[] = {
	{ NULL, "", "empty level in \"\"" },
	{ NULL, "a,,b", "empty level in \"a,,b\"" },
	{ NULL, ",a", "empty level in \",a\"" },
	{ NULL, "a,", "empty level in \"a,\"" },
	{ NULL, "na me=x",
	    "level name \"na me\": expected letters, digits, _ and -" },
	{ NULL, "n.m=x",
	    "level name \"n.m\": expected letters, digits, _ and -" },
	{ NULL, "=x", "level name \"\": expected 1 to 64 bytes" },
	{ NULL, "a,a", "level a given twice" },
	{ NULL, "dt,dt", "level dt given twice" },
	{ NULL, "hr,x,hr", "level hr given twice" },
	{ NULL, "decision,risk.decision", "level decision given twice" },
	{ NULL, "x=a,x=b", "level x given twice" },
	{ "a", "b,a", "level a given twice" },
	{ NULL, "x=a..b",
	    "field \"a..b\": expected names of [A-Za-z0-9_-] between dots" },
	{ NULL, "x=.a",
	    "field \".a\": expected names of [A-Za-z0-9_-] between dots" },
	{ NULL, "x=a.",
	    "field \"a.\": expected names of [A-Za-z0-9_-] between dots" },
	{ NULL, "x=a b",
	    "field \"a b\": expected names of [A-Za-z0-9_-] between dots" },
	{ NULL, "x=a/b",
	    "field \"a/b\": expected names of [A-Za-z0-9_-] between dots" },
	{ NULL, "a..b", NULL },
	{ NULL, ".a", NULL },
	{ NULL, "a.", NULL },
	{ NULL, "a=b=c", NULL },
};

Test(levels, errors)
{
	struct fk_levels l;
	char err[256];

	for (size_t i = 0; i < NELEM(bad_levels); i++) {
		const struct bad_level *b = &bad_levels[i];

		memset(&l, 0, sizeof(l));
		if (b->first != NULL)
			cr_assert_eq(
			    fk_levels_parse(&l, b->first, err, sizeof(err)), 0);
		err[0] = '\0';
		cr_expect_eq(fk_levels_parse(&l, b->spec, err, sizeof(err)), -1,
		    "\"%s\" accepted", b->spec);
		if (b->msg != NULL)
			cr_expect_str_eq(err, b->msg, "\"%s\"", b->spec);
		else
			cr_expect_neq(
			    err[0], '\0', "\"%s\": no message", b->spec);
		fk_levels_release(&l);
	}
}

Test(levels, name_over_64_bytes)
{
	char spec[80], want[160];
	struct fk_levels l = { 0 };
	char err[256];

	memset(spec, 'n', 65);
	memcpy(spec + 65, "=f", 3);
	cr_assert_eq(fk_levels_parse(&l, spec, err, sizeof(err)), -1);
	snprintf(want, sizeof(want),
	    "level name \"%.65s\": expected 1 to 64 bytes", spec);
	cr_assert_str_eq(err, want);
	/* Named by its last name, too long as well. */
	memset(spec, 'n', 65);
	spec[65] = '\0';
	cr_assert_eq(fk_levels_parse(&l, spec, err, sizeof(err)), -1);
	fk_levels_release(&l);
}

/* "x=" names no field. */
Test(levels, empty_field_refused)
{
	struct fk_levels l = { 0 };
	char err[256] = "";

	cr_expect_eq(fk_levels_parse(&l, "x=", err, sizeof(err)), -1,
	    "\"x=\" accepted: a level with an empty field path");
	fk_levels_release(&l);
}

/* A field level named dt or hr ("dt=region", "geo.hr") would make a
 * second dt= or hr= folder: refused. */
Test(levels, names_stay_unique)
{
	static const char *const specs[] = { "dt=region", "geo.hr" };
	struct fk_levels l;
	char err[256];

	for (size_t k = 0; k < NELEM(specs); k++) {
		memset(&l, 0, sizeof(l));
		if (fk_levels_parse(&l, specs[k], err, sizeof(err)) == 0) {
			fk_levels_finish(&l);
			for (size_t i = 0; i < l.n; i++)
				for (size_t j = i + 1; j < l.n; j++)
					cr_expect_str_neq(l.v[i].name,
					    l.v[j].name,
					    "\"%s\": levels %zu and %zu are "
					    "both %s",
					    specs[k], i, j, l.v[i].name);
		}
		fk_levels_release(&l);
	}
}

/* Values */

/* fk_lake_value of the member v of {"v":json}. */
static int
value_of(const char *json, char *out)
{
	const struct fk_jmember *m;
	struct fk_jobj o;
	size_t len = strlen(json) + 8;
	char *text = malloc(len), err[256];
	int n;

	cr_assert_not_null(text);
	snprintf(text, len, "{\"v\":%s}", json);
	fk_jobj_init(&o);
	cr_assert_eq(fk_jscan(&o, text, strlen(text), err, sizeof(err)), 0,
	    "%s: %s", text, err);
	m = fk_jobj_get(&o, "v");
	cr_assert_not_null(m);
	memset(out, '#', FK_LAKE_VALMAX + 1);
	n = fk_lake_value(m, out);
	fk_jobj_release(&o);
	free(text);
	return n;
}

static const struct {
	const char *json, *want;
} values[] = {
	{ "\"approve\"", "approve" },
	{ "\"A-Z_az.09\"", "A-Z_az.09" },
	{ "\"_x\"", "_x" },
	{ "\"a__b\"", "a__b" },
	{ "\"a..b\"", "a..b" },
	{ "\"x.\"", "x." },
	{ "12", "12" },
	{ "0", "0" },
	{ "-7", "-7" },
	{ "1.25", "1.25" },
	{ "-1.5e+3", "-1.5e%2B3" },
	{ "2E5", "2E5" },
	{ "true", "true" },
	{ "false", "false" },
	{ "null", "__null__" },
	{ "\"\"", "__empty__" },
	{ "\"__null__\"", "%5F_null__" },
	{ "\"__empty__\"", "%5F_empty__" },
	{ "\"__\"", "%5F_" },
	{ "\"..\"", "%2E." },
	{ "\".\"", "%2E" },
	{ "\".hidden\"", "%2Ehidden" },
	{ "\"../../etc\"", "%2E.%2F..%2Fetc" },
	{ "\"a/b\"", "a%2Fb" },
	{ "\"/\"", "%2F" },
	{ "\"%\"", "%25" },
	{ "\"%2F\"", "%252F" },
	{ "\"=\"", "%3D" },
	{ "\"a b\"", "a%20b" },
	{ "\"~\"", "%7E" },
	{ "\"*?:\"", "%2A%3F%3A" },
	{ "\"\\\\\"", "%5C" },
	{ "\"\\\"\"", "%22" },
	{ "\"\\t\\n\\u0001\\u001f\"", "%09%0A%01%1F" },
	{ "\"\\u007f\"", "%7F" },
	{ "\"\xc3\xa9t\xc3\xa9\"", "%C3%A9t%C3%A9" },
	{ "\"\\u00e9t\\u00e9\"", "%C3%A9t%C3%A9" },
	{ "\"\\ud83d\\ude00\"", "%F0%9F%98%80" },
	{ "\"a\\/b\"", "a%2Fb" },
	{ "\"\\u002e\\u002e\"", "%2E." },
	{ "\"\\u005f_null__\"", "%5F_null__" },
	{ "\"\\u0061\"", "a" },
};

Test(value, table)
{
	char out[FK_LAKE_VALMAX + 1];
	int n;

	for (size_t i = 0; i < NELEM(values); i++) {
		n = value_of(values[i].json, out);
		cr_expect_eq(n, (int)strlen(values[i].want), "%s: %d",
		    values[i].json, n);
		if (n >= 0)
			cr_expect_str_eq(
			    out, values[i].want, "%s", values[i].json);
	}
}

Test(value, missing_is_null)
{
	struct fk_jmember m;
	char out[FK_LAKE_VALMAX + 1];

	cr_assert_eq(fk_lake_value(NULL, out), 8);
	cr_assert_str_eq(out, "__null__");
	memset(&m, 0, sizeof(m)); /* as fk_jscan_paths leaves an absent path */
	cr_assert_eq(fk_lake_value(&m, out), 8);
	cr_assert_str_eq(out, "__null__");
	/* The literal strings are other folders. */
	value_of("\"__null__\"", out);
	cr_assert_str_neq(out, "__null__");
	value_of("\"__empty__\"", out);
	cr_assert_str_neq(out, "__empty__");
}

/* fk-sink(1): the string "1" and the number 1 share a folder, and 1
 * and 1.0 do not. */
Test(value, as_written)
{
	char a[FK_LAKE_VALMAX + 1], b[FK_LAKE_VALMAX + 1];

	value_of("\"1\"", a);
	value_of("1", b);
	cr_assert_str_eq(a, b);
	value_of("1.0", b);
	cr_assert_str_neq(a, b);
	value_of("\"true\"", a);
	value_of("true", b);
	cr_assert_str_eq(a, b);
}

Test(value, object_and_array)
{
	char out[FK_LAKE_VALMAX + 1];

	cr_assert_eq(value_of("{}", out), -1);
	cr_assert_eq(value_of("{\"a\":1}", out), -1);
	cr_assert_eq(value_of("[]", out), -1);
	cr_assert_eq(value_of("[1,2]", out), -1);
}

/* "~" and 16 lower-case hex digits at the end of s. */
static void
expect_hashed(const char *s)
{
	size_t n = strlen(s);

	cr_assert_geq(n, 17, "%s", s);
	cr_assert_eq(s[n - 17], '~', "%s", s);
	for (size_t i = n - 16; i < n; i++)
		cr_assert(strchr("0123456789abcdef", s[i]) != NULL, "%s", s);
}

/* "\"" + n times unit + "\"" (+ tail), in a new buffer. */
static char *
repeat(const char *unit, size_t n, const char *tail)
{
	size_t ul = strlen(unit), tl = strlen(tail);
	char *s = malloc(n * ul + tl + 3), *p = s;

	cr_assert_not_null(s);
	*p++ = '"';
	for (size_t i = 0; i < n; i++, p += ul)
		memcpy(p, unit, ul);
	memcpy(p, tail, tl);
	p += tl;
	*p++ = '"';
	*p = '\0';
	return s;
}

Test(value, long_plain)
{
	char out[FK_LAKE_VALMAX + 1];
	char *v = repeat("a", 300, "");
	int n = value_of(v, out);

	cr_assert_eq(n, (int)strlen(out));
	cr_assert_leq(n, FK_LAKE_VALMAX);
	expect_hashed(out);
	/* The start kept before the hashed tail: most of the room. */
	cr_assert_geq(n - 17, 60, "%s", out);
	for (int i = 0; i < n - 17; i++)
		cr_assert_eq(out[i], 'a', "%s", out);
	free(v);
}

Test(value, long_encoded_triples)
{
	char out[FK_LAKE_VALMAX + 1];
	char *v = repeat("/", 300, "");
	int n = value_of(v, out);

	cr_assert_leq(n, FK_LAKE_VALMAX, "%d: %s", n, out);
	cr_assert_eq(n, (int)strlen(out));
	expect_hashed(out);
	/* Whole %2F triples only, never a cut one. */
	for (int i = 0; i < n - 17; i += 3)
		cr_assert_eq(memcmp(out + i, "%2F", 3), 0, "%s", out);
	cr_assert_eq((n - 17) % 3, 0, "%s", out);
	free(v);
}

Test(value, long_mixed_never_over)
{
	char out[FK_LAKE_VALMAX + 1], *v;
	int n;

	/* Every phase of plain and encoded bytes around the cut. */
	for (size_t pre = 0; pre < 8; pre++) {
		char unit[16];

		snprintf(unit, sizeof(unit), "%.*s/", (int)pre, "abcdefg");
		v = repeat(unit, 200, "");
		n = value_of(v, out);
		cr_assert_leq(n, FK_LAKE_VALMAX, "%s", out);
		cr_assert_eq(n, (int)strlen(out));
		expect_hashed(out);
		free(v);
	}
}

Test(value, long_values_apart)
{
	char a[FK_LAKE_VALMAX + 1], b[FK_LAKE_VALMAX + 1];
	char c[FK_LAKE_VALMAX + 1];
	char *va = repeat("a", 299, "b"), *vb = repeat("a", 299, "c");

	value_of(va, a);
	value_of(vb, b);
	cr_assert_str_neq(a, b);
	cr_assert_eq(
	    memcmp(a, b, strlen(a) - 16), 0, "same start: %s %s", a, b);
	value_of(va, c);
	cr_assert_str_eq(a, c, "the same value, the same folder");
	free(va);
	free(vb);
}

Test(value, short_enough_kept_whole)
{
	char out[FK_LAKE_VALMAX + 1];
	char *v = repeat("z", 60, "");

	cr_assert_eq(value_of(v, out), 60);
	cr_assert_eq(strchr(out, '~'), NULL);
	free(v);
}

/* fk-sink(1): "more than about 61 bytes so written is cut there".
 * (lake.h says only a value longer than FK_LAKE_VALMAX is cut.) */
Test(value, cut_after_61)
{
	char out[FK_LAKE_VALMAX + 1], *v;

	v = repeat("f", 61, "");
	cr_assert_eq(value_of(v, out), 61, "%s", out);
	free(v);
	v = repeat("f", 62, "");
	cr_assert_eq(value_of(v, out), 61 + 17, "%s", out);
	expect_hashed(out);
	free(v);
}

Test(value, long_escaped_decoded_first)
{
	char a[FK_LAKE_VALMAX + 1], b[FK_LAKE_VALMAX + 1];
	char *esc = repeat("\\/", 300, ""), *raw = repeat("/", 300, "");
	/* More than the 4096-byte stack buffer once decoded. */
	char *besc = repeat("\\u00e9", 5000, ""),
	     *braw = repeat("\xc3\xa9", 5000, "");

	value_of(esc, a);
	value_of(raw, b);
	cr_assert_str_eq(a, b);
	value_of(besc, a);
	value_of(braw, b);
	cr_assert_str_eq(a, b);
	cr_assert_eq(strncmp(a, "%C3%A9", 6), 0, "%s", a);
	expect_hashed(a);
	free(esc);
	free(raw);
	free(besc);
	free(braw);
}

/* The lake */

struct got {
	char path[512];
	uint64_t records, bytes, disk;
	char sha256[FK_SHA256_HEXLEN];
	int32_t partition;
	int64_t first, last;
};

static struct got got[MAXFILES];
static size_t ngot;
static int fail_commit;

static int
committed(void *arg, const struct fk_lake_file *f, char *err, size_t errlen)
{
	struct got *g;

	cr_assert_eq(arg, (void *)&ngot);
	if (fail_commit) {
		snprintf(err, errlen, "audit refused %s", f->path);
		return -1;
	}
	cr_assert_lt(ngot, MAXFILES);
	g = &got[ngot++];
	cr_assert_lt(strlen(f->path), sizeof(g->path));
	memcpy(g->path, f->path, strlen(f->path) + 1);
	g->records = f->records;
	g->bytes = f->bytes;
	g->disk = f->disk;
	cr_assert_lt(strlen(f->sha256), sizeof(g->sha256));
	memcpy(g->sha256, f->sha256, strlen(f->sha256) + 1);
	g->partition = f->partition;
	g->first = f->first;
	g->last = f->last;
	return 0;
}

static struct fk_levels lv;

static void
opts_init(struct fk_lake_opts *o, const char *spec)
{
	const char *s[] = { spec };

	levels_ok(&lv, s, spec != NULL ? 1 : 0);
	memset(o, 0, sizeof(*o));
	o->root = root;
	o->levels = &lv;
	o->max_open = 16;
	o->hash = 1;
	o->committed = committed;
	o->arg = &ngot;
	ngot = 0;
}

static struct fk_lake *
lake_new(const struct fk_lake_opts *o)
{
	char err[512];
	struct fk_lake *l = fk_lake_new(o, T0, err, sizeof(err));

	cr_assert_not_null(l, "%s", err);
	return l;
}

static void
lake_done(struct fk_lake *l)
{
	char err[512];

	cr_assert_eq(
	    fk_lake_close(l, FK_LAKE_ALL, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(fk_lake_nopen(l), 0);
	fk_lake_free(l);
	fk_levels_release(&lv);
}

static int
put_at(struct fk_lake *l, const char *rec, int64_t ts,
    const struct fk_jmember *vals, int32_t part, int64_t off, int64_t now,
    char *err, size_t errlen)
{
	err[0] = '\0';
	return fk_lake_put(
	    l, rec, strlen(rec), ts, vals, part, off, now, err, errlen);
}

static void
put_ok(struct fk_lake *l, const char *rec, int64_t ts, int64_t now)
{
	char err[512];

	cr_assert_eq(put_at(l, rec, ts, NULL, -1, -1, now, err, sizeof(err)),
	    FK_LAKE_STORED, "%s: %s", rec, err);
}

static void
kput(struct fk_lake *l, int64_t ts, int32_t part, int64_t off, int want)
{
	char err[512], rec[64];
	int rc;

	snprintf(rec, sizeof(rec), "{\"p\":%" PRId32 ",\"o\":%" PRId64 "}",
	    part, off);
	rc = put_at(l, rec, ts, NULL, part, off, 0, err, sizeof(err));
	cr_assert_eq(rc, want, "%" PRId32 "@%" PRId64 ": %d, want %d: %s", part,
	    off, rc, want, err);
}

static void
expect_bad(struct fk_lake *l, int64_t ts, const char *msg)
{
	char err[512];

	cr_assert_eq(put_at(l, "{}", ts, NULL, -1, -1, 0, err, sizeof(err)),
	    FK_LAKE_BAD, "ts %" PRId64, ts);
	cr_assert_str_eq(err, msg);
}

/* root/rel (rel may be NULL) into p. */
static void
at_root(char *p, size_t len, const char *rel)
{
	snprintf(p, len, "%s%s%s", root, rel != NULL ? "/" : "",
	    rel != NULL ? rel : "");
}

/* The names in root/rel but . and .., sorted; their count. */
static size_t
ls(const char *rel, char names[][256], size_t max)
{
	char p[1024], t[256];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	at_root(p, sizeof(p), rel);
	d = opendir(p);
	cr_assert_not_null(d, "%s: %s", p, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		cr_assert_lt(n, max);
		snprintf(names[n++], 256, "%s", de->d_name);
	}
	closedir(d);
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0;
		     j--) {
			memcpy(t, names[j], 256);
			memcpy(names[j], names[j - 1], 256);
			memcpy(names[j - 1], t, 256);
		}
	return n;
}

static int
exists(const char *rel)
{
	char p[1024];
	struct stat st;

	at_root(p, sizeof(p), rel);
	return stat(p, &st) == 0;
}

/* The bytes of root/rel, NUL-terminated. */
static char *
slurp(const char *rel, size_t *len)
{
	char p[1024];
	struct stat st;
	FILE *fp;
	char *b;

	at_root(p, sizeof(p), rel);
	fp = fopen(p, "rb");
	cr_assert_not_null(fp, "%s: %s", p, strerror(errno));
	cr_assert_eq(fstat(fileno(fp), &st), 0);
	*len = (size_t)st.st_size;
	b = malloc(*len + 1);
	cr_assert_not_null(b);
	cr_assert_eq(fread(b, 1, *len, fp), *len);
	b[*len] = '\0';
	fclose(fp);
	return b;
}

static void
expect_content(const char *rel, const char *want)
{
	size_t len;
	char *b = slurp(rel, &len);

	cr_assert_eq(len, strlen(want), "%s: %zu bytes", rel, len);
	cr_assert_str_eq(b, want, "%s", rel);
	free(b);
}

/* Write root/rel, making its folders. */
static void
touch(const char *rel)
{
	char p[1024];

	at_root(p, sizeof(p), rel);
	for (char *s = p + strlen(root) + 1; (s = strchr(s, '/')) != NULL;
	     s++) {
		*s = '\0';
		cr_assert(mkdir(p, 0755) == 0 || errno == EEXIST, "%s", p);
		*s = '/';
	}
	fk_test_write(p, sizeof(p), root, rel, "x\n", 2);
}

/* This run's id, as the lake names its files: 20261129T031529Z-PID-
 * and a random word, which unrand() masks. */
static void
runid(char *buf, size_t len)
{
	snprintf(buf, len, "20261129T031529Z-%ld-XXXXXXXX", (long)getpid());
}

/* name with the run id's random word as XXXXXXXX (a static copy). */
static const char *
unrand(const char *name)
{
	static char buf[4][512];
	static int k;
	char pre[64], *p, *b = buf[k++ & 3];
	size_t n;

	snprintf(b, sizeof(buf[0]), "%s", name);
	n = (size_t)snprintf(
	    pre, sizeof(pre), "20261129T031529Z-%ld-", (long)getpid());
	if ((p = strstr(b, pre)) != NULL && strlen(p + n) >= 8)
		memset(p + n, 'X', 8);
	return b;
}

Test(lake, records_land_in_dt_hr)
{
	char names[8][256], id[64], want[256], tmp[256], hex[FK_SHA256_HEXLEN];
	static const char content[] = "{\"a\":1}\n{\"b\":\"x y\"}\n";
	struct fk_lake_opts o;
	struct fk_lake *l;
	char err[512];

	opts_init(&o, NULL);
	l = lake_new(&o);
	runid(id, sizeof(id));
	put_ok(l, "{\"a\":1}", T0, 0);
	put_ok(l, "{\"b\":\"x y\"}", T0 + 1000, 1);
	cr_assert_eq(fk_lake_nopen(l), 1);
	cr_assert_eq(fk_lake_nfiles(l), 0);
	/* Hidden under a temporary name until made whole. */
	cr_assert_eq(ls(NULL, names, 8), 1);
	cr_assert_str_eq(names[0], "dt=2026-11-29");
	cr_assert_eq(ls("dt=2026-11-29", names, 8), 1);
	cr_assert_str_eq(names[0], "hr=03");
	cr_assert_eq(ls("dt=2026-11-29/hr=03", names, 8), 1);
	snprintf(tmp, sizeof(tmp), ".fk-sink.%s-000001.tmp", id);
	cr_assert_str_eq(unrand(names[0]), tmp);
	cr_assert_eq(ngot, 0);

	cr_assert_eq(
	    fk_lake_close(l, FK_LAKE_ALL, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(fk_lake_nopen(l), 0);
	cr_assert_eq(fk_lake_nfiles(l), 1);
	snprintf(
	    want, sizeof(want), "dt=2026-11-29/hr=03/%s-000001.ndjson", id);
	cr_assert_eq(ls("dt=2026-11-29/hr=03", names, 8), 1);
	cr_assert_str_eq(
	    unrand(names[0]), want + strlen("dt=2026-11-29/hr=03/"));
	cr_assert_eq(ngot, 1);
	cr_assert_str_eq(unrand(got[0].path), want);
	expect_content(got[0].path, content);
	cr_assert_eq(got[0].records, 2);
	cr_assert_eq(got[0].bytes, strlen(content));
	cr_assert_eq(got[0].disk, strlen(content));
	fk_sha256_hex(content, strlen(content), hex);
	cr_assert_str_eq(got[0].sha256, hex);
	cr_assert_eq(got[0].partition, -1);
	cr_assert_eq(got[0].first, -1);
	cr_assert_eq(got[0].last, -1);
	lake_done(l);
}

Test(lake, no_hash_no_sha256)
{
	struct fk_lake_opts o;
	struct fk_lake *l;

	opts_init(&o, NULL);
	o.hash = 0;
	l = lake_new(&o);
	put_ok(l, "{}", T0, 0);
	lake_done(l);
	cr_assert_eq(ngot, 1);
	cr_assert_str_eq(got[0].sha256, "");
	cr_assert_eq(got[0].records, 1);
}

Test(lake, root_made_if_absent)
{
	char sub[600], err[512];
	struct fk_lake_opts o;
	struct fk_lake *l;

	opts_init(&o, NULL);
	snprintf(sub, sizeof(sub), "%s/new", root);
	o.root = sub;
	l = lake_new(&o);
	cr_assert(exists("new"));
	fk_lake_free(l);

	snprintf(sub, sizeof(sub), "%s/no/such", root);
	cr_assert_null(fk_lake_new(&o, T0, err, sizeof(err)));
	cr_assert_not_null(
	    strstr(err, "no/such: No such file or directory"), "%s", err);
	fk_levels_release(&lv);
}

/* The folder of the only file the lake made for a record at ts. */
static void
expect_folder(int64_t ts, const char *want)
{
	struct fk_lake_opts o;
	struct fk_lake *l;

	opts_init(&o, NULL);
	l = lake_new(&o);
	put_ok(l, "{}", ts, 0);
	lake_done(l);
	cr_assert_eq(ngot, 1);
	cr_assert_eq(strncmp(got[0].path, want, strlen(want)), 0,
	    "ts %" PRId64 ": %s, want %s", ts, got[0].path, want);
	cr_assert_eq(got[0].path[strlen(want)], '/');
}

Test(lake, dt_hr_from_ts)
{
	expect_folder(0, "dt=1970-01-01/hr=00");
	expect_folder(DAY - 1, "dt=1970-01-01/hr=23");
	expect_folder(T0, "dt=2026-11-29/hr=03");
	expect_folder(951782400000LL, "dt=2000-02-29/hr=00");
	expect_folder(-1, "dt=1969-12-31/hr=23");
	expect_folder(-HOUR, "dt=1969-12-31/hr=23");
	expect_folder(-HOUR - 1, "dt=1969-12-31/hr=22");
	expect_folder(-DAY, "dt=1969-12-31/hr=00");
	expect_folder(-DAY - 1, "dt=1969-12-30/hr=23");
	expect_folder(-62135596800000LL, "dt=0001-01-01/hr=00");
	expect_folder(253402300799999LL, "dt=9999-12-31/hr=23");
}

Test(lake, ts_out_of_range)
{
	struct fk_lake_opts o;
	struct fk_lake *l;

	opts_init(&o, NULL);
	l = lake_new(&o);
	expect_bad(l, 253402300800000LL,
	    "event time 253402300800000 ms is outside years 0001-9999");
	expect_bad(l, -62135596800001LL,
	    "event time -62135596800001 ms is outside years 0001-9999");
	expect_bad(l, INT64_MAX,
	    "event time 9223372036854775807 ms is outside years 0001-9999");
	expect_bad(l, INT64_MIN + 1,
	    "event time -9223372036854775807 ms is outside years "
	    "0001-9999");
	expect_bad(l, INT64_MIN,
	    "no event time (ts_ms or timestamp) for the dt= folder");
	cr_assert_eq(fk_lake_nopen(l), 0);
	lake_done(l);
	cr_assert_eq(ngot, 0);
	{
		char names[4][256];

		cr_assert_eq(ls(NULL, names, 4), 0, "nothing made");
	}
}

Test(lake, no_ts_for_hr_only)
{
	static const char *const s[] = { "hr" };
	struct fk_lake_opts o;
	struct fk_lake *l;

	opts_init(&o, NULL);
	fk_levels_release(&lv);
	levels_ok(&lv, s, 1);
	l = lake_new(&o);
	expect_bad(l, INT64_MIN,
	    "no event time (ts_ms or timestamp) for the hr= folder");
	put_ok(l, "{}", T0, 0);
	lake_done(l);
	cr_assert_eq(strncmp(got[0].path, "hr=03/", 6), 0, "%s", got[0].path);
}

/* vals for levels dt, hr, F: F from {"v":json}; o keeps the scan. */
static void
field_vals(struct fk_jobj *o, char *text, size_t len, const char *json,
    struct fk_jmember vals[3])
{
	const struct fk_jmember *m;
	char err[256];

	memset(vals, 0, 3 * sizeof(*vals));
	if (json == NULL)
		return;
	snprintf(text, len, "{\"v\":%s}", json);
	cr_assert_eq(fk_jscan(o, text, strlen(text), err, sizeof(err)), 0);
	m = fk_jobj_get(o, "v");
	cr_assert_not_null(m);
	vals[2] = *m;
}

Test(lake, field_levels)
{
	static const struct {
		const char *json, *folder;
	} t[] = {
		{ "\"approve\"", "decision=approve" },
		{ NULL, "decision=__null__" },
		{ "null", "decision=__null__" },
		{ "\"\"", "decision=__empty__" },
		{ "\"../../etc\"", "decision=%2E.%2F..%2Fetc" },
		{ "42", "decision=42" },
		{ "true", "decision=true" },
	};
	struct fk_jmember vals[3];
	struct fk_lake_opts o;
	struct fk_jobj jo;
	struct fk_lake *l;
	char text[256], err[512], want[256];

	fk_jobj_init(&jo);
	opts_init(&o, "decision=risk.decision");
	l = lake_new(&o);
	for (size_t i = 0; i < NELEM(t); i++) {
		field_vals(&jo, text, sizeof(text), t[i].json, vals);
		cr_assert_eq(
		    put_at(l, "{}", T0, vals, -1, -1, 0, err, sizeof(err)),
		    FK_LAKE_STORED, "%s", err);
	}
	field_vals(&jo, text, sizeof(text), "{\"a\":1}", vals);
	cr_assert_eq(put_at(l, "{}", T0, vals, -1, -1, 0, err, sizeof(err)),
	    FK_LAKE_BAD);
	cr_assert_str_eq(err,
	    "risk.decision: expected a string, number, boolean or null to "
	    "name a folder by");
	field_vals(&jo, text, sizeof(text), "[1]", vals);
	cr_assert_eq(put_at(l, "{}", T0, vals, -1, -1, 0, err, sizeof(err)),
	    FK_LAKE_BAD);
	/* NULL and null: one folder, one file. */
	cr_assert_eq(fk_lake_nopen(l), NELEM(t) - 1);
	lake_done(l);
	fk_jobj_release(&jo);
	cr_assert_eq(ngot, NELEM(t) - 1);
	for (size_t i = 0; i < NELEM(t); i++) {
		snprintf(
		    want, sizeof(want), "dt=2026-11-29/hr=03/%s", t[i].folder);
		cr_assert(exists(want), "%s", want);
	}
	{
		char names[16][256];

		/* Nothing escaped the root. */
		cr_assert_eq(
		    ls("dt=2026-11-29/hr=03", names, 16), NELEM(t) - 1);
		cr_assert_eq(ls(NULL, names, 16), 1);
	}
}

Test(lake, rotate_by_records)
{
	char id[64], want[256], rec[32];
	struct fk_lake_opts o;
	struct fk_lake *l;

	opts_init(&o, NULL);
	o.max_records = 3;
	l = lake_new(&o);
	runid(id, sizeof(id));
	for (int i = 1; i <= 7; i++) {
		snprintf(rec, sizeof(rec), "{\"n\":%d}", i);
		put_ok(l, rec, T0, i);
	}
	/* Two whole, the seventh record open. */
	cr_assert_eq(fk_lake_nfiles(l), 2);
	cr_assert_eq(fk_lake_nopen(l), 1);
	cr_assert_eq(ngot, 2);
	lake_done(l);
	cr_assert_eq(ngot, 3);
	cr_assert_eq(got[0].records, 3);
	cr_assert_eq(got[1].records, 3);
	cr_assert_eq(got[2].records, 1);
	for (int k = 0; k < 3; k++) {
		snprintf(want, sizeof(want),
		    "dt=2026-11-29/hr=03/%s-%06d.ndjson", id, k + 1);
		cr_assert_str_eq(unrand(got[k].path), want);
	}
	expect_content(got[0].path, "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n");
	expect_content(got[1].path, "{\"n\":4}\n{\"n\":5}\n{\"n\":6}\n");
	expect_content(got[2].path, "{\"n\":7}\n");
}

Test(lake, rotate_by_bytes)
{
	struct fk_lake_opts o;
	struct fk_lake *l;

	opts_init(&o, NULL);
	o.max_bytes = 20; /* 11 bytes a record with its newline */
	l = lake_new(&o);
	for (int i = 0; i < 5; i++)
		put_ok(l, "0123456789", T0, i);
	lake_done(l);
	cr_assert_eq(ngot, 3);
	cr_assert_eq(got[0].records, 2);
	cr_assert_eq(got[0].bytes, 22);
	cr_assert_eq(got[1].records, 2);
	cr_assert_eq(got[2].records, 1);
	cr_assert_eq(got[2].bytes, 11);
	expect_content(got[1].path, "0123456789\n0123456789\n");
}

Test(lake, one_big_record_a_file)
{
	struct fk_lake_opts o;
	struct fk_lake *l;

	opts_init(&o, NULL);
	o.max_bytes = 4;
	l = lake_new(&o);
	put_ok(l, "0123456789", T0, 0);
	cr_assert_eq(fk_lake_nopen(l), 0);
	put_ok(l, "x", T0, 0);
	lake_done(l);
	cr_assert_eq(ngot, 2);
	cr_assert_eq(got[0].records, 1);
}

Test(lake, rotate_by_age)
{
	struct fk_lake_opts o;
	struct fk_lake *l;
	char err[512];

	opts_init(&o, NULL);
	o.max_age_ms = 1000;
	l = lake_new(&o);
	put_ok(l, "{\"n\":1}", T0, 10000);
	put_ok(l, "{\"n\":2}", T0, 10999);
	cr_assert_eq(ngot, 0);
	/* Opened 1000 ms ago: made whole before this record. */
	put_ok(l, "{\"n\":3}", T0, 11000);
	cr_assert_eq(ngot, 1);
	cr_assert_eq(got[0].records, 2);
	cr_assert_eq(fk_lake_nopen(l), 1);
	cr_assert_eq(fk_lake_tick(l, 11999, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(fk_lake_nopen(l), 1);
	cr_assert_eq(fk_lake_tick(l, 12000, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(fk_lake_nopen(l), 0);
	cr_assert_eq(ngot, 2);
	cr_assert_eq(got[1].records, 1);
	expect_content(got[1].path, "{\"n\":3}\n");
	lake_done(l);
}

Test(lake, close_when_idle)
{
	struct fk_lake_opts o;
	struct fk_lake *l;
	char err[512];

	opts_init(&o, NULL);
	o.close_after_ms = 100;
	l = lake_new(&o);
	put_ok(l, "{\"n\":1}", T0, 0);
	put_ok(l, "{\"n\":2}", T0, 50);
	put_ok(l, "{\"n\":3}", T0 + HOUR, 120); /* hr=04 */
	cr_assert_eq(fk_lake_tick(l, 149, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(fk_lake_nopen(l), 2, "written at 50: not idle yet");
	cr_assert_eq(fk_lake_tick(l, 150, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(fk_lake_nopen(l), 1);
	cr_assert_eq(ngot, 1);
	cr_assert_eq(got[0].records, 2);
	cr_assert_eq(strncmp(got[0].path, "dt=2026-11-29/hr=03/", 20), 0);
	/* Both of a tick, neither left. */
	put_ok(l, "{\"n\":4}", T0, 130);
	cr_assert_eq(fk_lake_tick(l, 10000, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(fk_lake_nopen(l), 0);
	cr_assert_eq(ngot, 3);
	lake_done(l);
}

Test(lake, max_open_closes_least_recent)
{
	struct fk_lake_opts o;
	struct fk_lake *l;

	opts_init(&o, NULL);
	o.max_open = 2;
	l = lake_new(&o);
	put_ok(l, "{\"a\":1}", T0, 1);        /* hr=03 */
	put_ok(l, "{\"b\":1}", T0 + HOUR, 2); /* hr=04 */
	put_ok(l, "{\"a\":2}", T0, 3);
	cr_assert_eq(fk_lake_nopen(l), 2);
	cr_assert_eq(ngot, 0);
	/* A third folder: hr=04, written longest ago, is closed. */
	put_ok(l, "{\"c\":1}", T0 + 2 * HOUR, 4); /* hr=05 */
	cr_assert_eq(fk_lake_nopen(l), 2);
	cr_assert_eq(ngot, 1);
	cr_assert_eq(strncmp(got[0].path, "dt=2026-11-29/hr=04/", 20), 0, "%s",
	    got[0].path);
	/* Closing all logs them in the order they were opened. */
	lake_done(l);
	cr_assert_eq(ngot, 3);
	cr_assert_eq(strncmp(got[1].path, "dt=2026-11-29/hr=03/", 20), 0);
	expect_content(got[1].path, "{\"a\":1}\n{\"a\":2}\n");
	cr_assert_eq(strncmp(got[2].path, "dt=2026-11-29/hr=05/", 20), 0);
}

Test(lake, max_open_zero_means_one)
{
	struct fk_lake_opts o;
	struct fk_lake *l;

	opts_init(&o, NULL);
	o.max_open = 0;
	l = lake_new(&o);
	put_ok(l, "{}", T0, 1);
	put_ok(l, "{}", T0 + HOUR, 2);
	cr_assert_eq(fk_lake_nopen(l), 1);
	cr_assert_eq(ngot, 1);
	lake_done(l);
}

Test(lake, committed_failure_fails_close)
{
	struct fk_lake_opts o;
	struct fk_lake *l;
	char err[512];

	opts_init(&o, NULL);
	l = lake_new(&o);
	put_ok(l, "{}", T0, 0);
	fail_commit = 1;
	cr_assert_eq(fk_lake_close(l, FK_LAKE_ALL, err, sizeof(err)), -1);
	fail_commit = 0;
	cr_assert_not_null(
	    strstr(err, "audit refused dt=2026-11-29/hr=03/"), "%s", err);
	/* The file is in place all the same. */
	cr_assert_eq(fk_lake_nopen(l), 0);
	cr_assert_eq(fk_lake_nfiles(l), 1);
	lake_done(l);
}

Test(lake, free_removes_temporary_files)
{
	char names[4][256];
	struct fk_lake_opts o;
	struct fk_lake *l;

	opts_init(&o, NULL);
	l = lake_new(&o);
	put_ok(l, "{}", T0, 0);
	put_ok(l, "{}", T0 + HOUR, 0);
	put_ok(l, "{}", T0 + DAY, 0);
	cr_assert_eq(fk_lake_nopen(l), 3);
	cr_assert_eq(ls("dt=2026-11-29/hr=03", names, 4), 1);
	fk_lake_free(l);
	fk_levels_release(&lv);
	cr_assert_eq(ngot, 0);
	cr_assert_eq(ls("dt=2026-11-29/hr=03", names, 4), 0);
	cr_assert_eq(ls("dt=2026-11-29/hr=04", names, 4), 0);
	cr_assert_eq(ls("dt=2026-11-30/hr=03", names, 4), 0);
	fk_lake_free(NULL);
}

Test(lake, compressed_names)
{
	static const unsigned char gz[] = { 0x1f, 0x8b };
	static const unsigned char zst[] = { 0x28, 0xb5, 0x2f, 0xfd };
	char id[64], want[256], hex[FK_SHA256_HEXLEN];
	struct fk_lake_opts o;
	struct fk_lake *l;
	size_t len;
	char *b;

	runid(id, sizeof(id));
	opts_init(&o, NULL);
	o.comp = FK_COMPRESS_GZIP;
	o.comp_level = 6;
	l = lake_new(&o);
	put_ok(l, "{\"a\":1}", T0, 0);
	lake_done(l);
	snprintf(
	    want, sizeof(want), "dt=2026-11-29/hr=03/%s-000001.ndjson.gz", id);
	cr_assert_str_eq(unrand(got[0].path), want);
	cr_assert_eq(got[0].bytes, 8);
	b = slurp(got[0].path, &len);
	cr_assert_eq(got[0].disk, len);
	cr_assert_eq(memcmp(b, gz, sizeof(gz)), 0);
	fk_sha256_hex(b, len, hex);
	cr_assert_str_eq(got[0].sha256, hex, "the digest of the bytes on disk");
	free(b);

	opts_init(&o, NULL);
	o.comp = FK_COMPRESS_ZSTD;
	o.comp_level = 3;
	l = lake_new(&o);
	put_ok(l, "{\"a\":1}", T0 + HOUR, 0);
	lake_done(l);
	snprintf(
	    want, sizeof(want), "dt=2026-11-29/hr=04/%s-000001.ndjson.zst", id);
	cr_assert_str_eq(unrand(got[0].path), want);
	b = slurp(got[0].path, &len);
	cr_assert_eq(memcmp(b, zst, sizeof(zst)), 0);
	free(b);
}

/* Kafka */

#define DIR03 "dt=2026-11-29/hr=03"
#define DIR04 "dt=2026-11-29/hr=04"

static struct fk_lake *
kafka_lake(struct fk_lake_opts *o, uint64_t max_records)
{
	opts_init(o, NULL);
	o->topic = "tx";
	o->max_records = max_records;
	return lake_new(o);
}

Test(kafka, named_by_offsets)
{
	char names[4][256];
	struct fk_lake_opts o;
	struct fk_lake *l = kafka_lake(&o, 3);

	kput(l, T0, 0, 5, FK_LAKE_STORED);
	cr_assert_eq(ls(DIR03, names, 4), 1);
	cr_assert_str_eq(names[0], ".fk-sink.tx-0-5.tmp");
	kput(l, T0, 0, 6, FK_LAKE_STORED);
	kput(l, T0, 0, 9, FK_LAKE_STORED);
	cr_assert_eq(ngot, 1);
	cr_assert_str_eq(
	    got[0].path, DIR03 "/tx-0-0000000005-0000000009.ndjson");
	cr_assert_eq(got[0].partition, 0);
	cr_assert_eq(got[0].first, 5);
	cr_assert_eq(got[0].last, 9);
	cr_assert_eq(got[0].records, 3);
	expect_content(got[0].path,
	    "{\"p\":0,\"o\":5}\n{\"p\":0,\"o\":6}\n{\"p\":0,\"o\":9}\n");
	kput(l, T0, 12, 12345678901LL, FK_LAKE_STORED);
	lake_done(l);
	cr_assert_str_eq(
	    got[1].path, DIR03 "/tx-12-12345678901-12345678901.ndjson");
	cr_assert_eq(got[1].partition, 12);
}

Test(kafka, oldest_open_offset)
{
	char err[512];
	struct fk_lake_opts o;
	struct fk_lake *l = kafka_lake(&o, 0);

	cr_assert_eq(fk_lake_oldest(l, 0), -1);
	kput(l, T0, 0, 10, FK_LAKE_STORED);
	kput(l, T0 + HOUR, 0, 11, FK_LAKE_STORED);
	kput(l, T0, 0, 12, FK_LAKE_STORED);
	kput(l, T0, 1, 3, FK_LAKE_STORED);
	kput(l, T0 + HOUR, 1, 2, FK_LAKE_STORED);
	cr_assert_eq(fk_lake_oldest(l, 0), 10);
	cr_assert_eq(fk_lake_oldest(l, 1), 2);
	cr_assert_eq(fk_lake_oldest(l, 2), -1);
	cr_assert_eq(fk_lake_nopen(l), 4);
	cr_assert_eq(fk_lake_close(l, 0, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(fk_lake_oldest(l, 0), -1);
	cr_assert_eq(fk_lake_oldest(l, 1), 2);
	cr_assert_eq(fk_lake_nopen(l), 2);
	cr_assert_eq(ngot, 2);
	cr_assert_str_eq(
	    got[0].path, DIR03 "/tx-0-0000000010-0000000012.ndjson");
	cr_assert_str_eq(
	    got[1].path, DIR04 "/tx-0-0000000011-0000000011.ndjson");
	lake_done(l);
}

Test(kafka, dup_after_whole)
{
	struct fk_lake_opts o;
	struct fk_lake *l = kafka_lake(&o, 3);

	kput(l, T0, 0, 5, FK_LAKE_STORED);
	kput(l, T0, 0, 6, FK_LAKE_STORED);
	/* Again while still open: in the file already. */
	kput(l, T0, 0, 6, FK_LAKE_DUP);
	kput(l, T0, 0, 7, FK_LAKE_STORED);
	cr_assert_eq(ngot, 1);
	kput(l, T0, 0, 5, FK_LAKE_DUP);
	kput(l, T0, 0, 7, FK_LAKE_DUP);
	/* Before the file's first offset: not in it (a backfill). */
	kput(l, T0, 0, 0, FK_LAKE_STORED);
	/* Another folder or partition knows nothing of it. */
	kput(l, T0 + HOUR, 0, 6, FK_LAKE_STORED);
	kput(l, T0, 1, 6, FK_LAKE_STORED);
	kput(l, T0, 0, 8, FK_LAKE_STORED);
	lake_done(l);
	cr_assert_eq(ngot, 4);
	expect_content(DIR03 "/tx-0-0000000000-0000000008.ndjson",
	    "{\"p\":0,\"o\":0}\n{\"p\":0,\"o\":8}\n");
	expect_content(DIR03 "/tx-0-0000000005-0000000007.ndjson",
	    "{\"p\":0,\"o\":5}\n{\"p\":0,\"o\":6}\n{\"p\":0,\"o\":7}\n");
}

Test(kafka, restart_learns_from_names)
{
	char names[16][256];
	struct fk_lake_opts o;
	struct fk_lake *l = kafka_lake(&o, 0);

	kput(l, T0, 0, 5, FK_LAKE_STORED);
	kput(l, T0, 0, 7, FK_LAKE_STORED);
	kput(l, T0, 1, 100, FK_LAKE_STORED);
	lake_done(l);
	cr_assert_eq(ngot, 2);

	/* What a crash leaves: temporary files of several partitions, and
	 * files of a partition whose name starts like another's. */
	touch(DIR03 "/.fk-sink.tx-0-8.tmp");
	touch(DIR03 "/.fk-sink.tx-1-8.tmp");
	touch(DIR03 "/.fk-sink.tx-10-8.tmp");
	touch(DIR03 "/tx-10-0000000000-0000000500.ndjson");
	touch(DIR03 "/other-0-0000000000-0000000900.ndjson");
	touch(DIR03 "/tx-0-0000000000-0000000900.ndjson.tmp");
	touch(DIR03 "/tx-0-junk.ndjson");

	l = kafka_lake(&o, 0);
	kput(l, T0, 0, 7, FK_LAKE_DUP);
	kput(l, T0, 0, 5, FK_LAKE_DUP);
	kput(l, T0, 0, 6, FK_LAKE_DUP);
	cr_assert(!exists(DIR03 "/.fk-sink.tx-0-8.tmp"),
	    "partition 0's stale temporary file is left");
	cr_assert(exists(DIR03 "/.fk-sink.tx-1-8.tmp"));
	cr_assert(exists(DIR03 "/.fk-sink.tx-10-8.tmp"));
	/* Its temporary name is free again. */
	kput(l, T0, 0, 8, FK_LAKE_STORED);
	cr_assert_eq(fk_lake_oldest(l, 0), 8);
	/* tx-10's files say nothing of partition 1. */
	kput(l, T0, 1, 99, FK_LAKE_STORED); /* before the file: a backfill */
	kput(l, T0, 1, 100, FK_LAKE_DUP);
	kput(l, T0, 1, 101, FK_LAKE_STORED);
	cr_assert(!exists(DIR03 "/.fk-sink.tx-1-8.tmp"));
	cr_assert(exists(DIR03 "/.fk-sink.tx-10-8.tmp"));
	/* Another folder is read on its own. */
	kput(l, T0 + HOUR, 0, 6, FK_LAKE_STORED);
	lake_done(l);
	cr_assert_eq(ls(DIR03, names, 16), 9);
	cr_assert(exists(DIR03 "/tx-0-0000000008-0000000008.ndjson"));
	cr_assert(exists(DIR03 "/tx-1-0000000099-0000000101.ndjson"));
}

Test(kafka, restart_with_partition_10)
{
	struct fk_lake_opts o;
	struct fk_lake *l;

	touch(DIR03 "/tx-1-0000000000-0000000050.ndjson");
	l = kafka_lake(&o, 0);
	/* Partition 10 is not partition 1. */
	kput(l, T0, 10, 40, FK_LAKE_STORED);
	kput(l, T0, 1, 40, FK_LAKE_DUP);
	lake_done(l);
}

Test(kafka, restart_knows_compressed_names)
{
	struct fk_lake_opts o;
	struct fk_lake *l;

	opts_init(&o, NULL);
	o.topic = "tx";
	o.comp = FK_COMPRESS_GZIP;
	o.comp_level = 1;
	l = lake_new(&o);
	kput(l, T0, 0, 1, FK_LAKE_STORED);
	kput(l, T0, 0, 2, FK_LAKE_STORED);
	lake_done(l);
	cr_assert_str_eq(
	    got[0].path, DIR03 "/tx-0-0000000001-0000000002.ndjson.gz");

	opts_init(&o, NULL);
	o.topic = "tx";
	o.comp = FK_COMPRESS_ZSTD;
	o.comp_level = 3;
	l = lake_new(&o);
	kput(l, T0, 0, 2, FK_LAKE_DUP);
	kput(l, T0, 0, 3, FK_LAKE_STORED);
	lake_done(l);
	cr_assert_str_eq(
	    got[0].path, DIR03 "/tx-0-0000000003-0000000003.ndjson.zst");

	l = kafka_lake(&o, 0);
	kput(l, T0, 0, 3, FK_LAKE_DUP);
	kput(l, T0, 0, 4, FK_LAKE_STORED);
	lake_done(l);
}

Test(kafka, free_unfinished_restart_stores_again)
{
	char names[4][256];
	struct fk_lake_opts o;
	struct fk_lake *l = kafka_lake(&o, 0);

	kput(l, T0, 0, 1, FK_LAKE_STORED);
	kput(l, T0, 0, 2, FK_LAKE_STORED);
	cr_assert_eq(ls(DIR03, names, 4), 1);
	fk_lake_free(l);
	fk_levels_release(&lv);
	cr_assert_eq(ls(DIR03, names, 4), 0, "%s left", names[0]);
	l = kafka_lake(&o, 0);
	kput(l, T0, 0, 1, FK_LAKE_STORED);
	lake_done(l);
}

Test(kafka, forget_reads_folder_again)
{
	char p[1024];
	struct fk_lake_opts o;
	struct fk_lake *l = kafka_lake(&o, 0);

	kput(l, T0, 0, 1, FK_LAKE_STORED);
	kput(l, T0 + HOUR, 0, 2, FK_LAKE_STORED);
	cr_assert_eq(fk_lake_close(l, FK_LAKE_ALL, p, sizeof(p)), 0, "%s", p);
	/* Another consumer had the partition meanwhile. */
	touch(DIR03 "/tx-0-0000000003-0000000009.ndjson");
	touch(DIR03 "/.fk-sink.tx-0-10.tmp");
	fk_lake_forget(l, 1); /* another partition: nothing read again */
	kput(l, T0, 0, 4, FK_LAKE_STORED);
	cr_assert_eq(fk_lake_close(l, FK_LAKE_ALL, p, sizeof(p)), 0, "%s", p);
	cr_assert(exists(DIR03 "/tx-0-0000000004-0000000004.ndjson"));

	fk_lake_forget(l, 0);
	kput(l, T0, 0, 5, FK_LAKE_DUP);
	kput(l, T0, 0, 9, FK_LAKE_DUP);
	cr_assert(!exists(DIR03 "/.fk-sink.tx-0-10.tmp"));
	kput(l, T0, 0, 10, FK_LAKE_STORED);
	/* Open: not read again (it is ours), its records stay known. */
	fk_lake_forget(l, 0);
	kput(l, T0, 0, 10, FK_LAKE_DUP);
	kput(l, T0, 0, 11, FK_LAKE_STORED);
	cr_assert_eq(fk_lake_oldest(l, 0), 10);
	/* The other folder's records of before are still whole. */
	kput(l, T0 + HOUR, 0, 2, FK_LAKE_DUP);
	lake_done(l);
	cr_assert(exists(DIR03 "/tx-0-0000000010-0000000011.ndjson"));
}

Test(kafka, offsets_ignore_max_open_eviction)
{
	struct fk_lake_opts o;
	struct fk_lake *l;

	opts_init(&o, NULL);
	o.topic = "tx";
	o.max_open = 1;
	l = lake_new(&o);
	kput(l, T0, 0, 1, FK_LAKE_STORED);
	kput(l, T0 + HOUR, 0, 2, FK_LAKE_STORED); /* closes hr=03's */
	cr_assert_eq(ngot, 1);
	cr_assert_eq(fk_lake_oldest(l, 0), 2);
	kput(l, T0, 0, 1, FK_LAKE_DUP);
	kput(l, T0, 0, 3, FK_LAKE_STORED);
	lake_done(l);
	cr_assert_eq(ngot, 3);
}

Test(kafka, many_folders)
{
	struct fk_lake_opts o;
	struct fk_lake *l;

	opts_init(&o, NULL);
	o.topic = "tx";
	o.max_open = 4;
	l = lake_new(&o);
	/* More folders than the first table holds. */
	for (int i = 0; i < 600; i++)
		kput(l, T0 + i * HOUR, 0, i, FK_LAKE_STORED);
	for (int i = 0; i < 600; i++)
		kput(l, T0 + i * HOUR, 0, i, FK_LAKE_DUP);
	kput(l, T0, 0, 600, FK_LAKE_STORED);
	lake_done(l);
	cr_assert_eq(ngot, 601);
}

/* A folder removed meanwhile (a retention job deleting old dt=
 * folders) is made again for the next record. */
Test(lake, folder_removed_meanwhile)
{
	char p[1024], err[512];
	struct fk_lake_opts o;
	struct fk_lake *l;

	opts_init(&o, NULL);
	l = lake_new(&o);
	put_ok(l, "{}", T0, 0);
	cr_assert_eq(fk_lake_close(l, FK_LAKE_ALL, err, sizeof(err)), 0);
	at_root(p, sizeof(p), "dt=2026-11-29");
	fk_test_rmdir(p);
	cr_expect_eq(put_at(l, "{}", T0, NULL, -1, -1, 0, err, sizeof(err)),
	    FK_LAKE_STORED, "%s", err);
	lake_done(l);
}

static char found_paths[8][256];
static struct range_seen {
	int32_t part;
	int64_t first, last;
} found_ranges[8];
static size_t nfound;

static int
on_found(void *arg, const struct fk_lake_file *f, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	cr_assert_eq(arg, (void *)&ngot);
	cr_assert_lt(nfound, 8);
	cr_assert_null(f->sha256);
	cr_assert_eq(f->records, 0);
	snprintf(found_paths[nfound], sizeof(found_paths[0]), "%s", f->path);
	found_ranges[nfound].part = f->partition;
	found_ranges[nfound].first = f->first;
	found_ranges[nfound].last = f->last;
	nfound++;
	return 0;
}

/* A restarted lake tells, once a folder is used, the whole files an
 * earlier run left there for the partition: what the audit log checks
 * itself against. */
Test(kafka, found_tells_earlier_files)
{
	struct fk_lake_opts o;
	struct fk_lake *l = kafka_lake(&o, 2);

	kput(l, T0, 0, 5, FK_LAKE_STORED);
	kput(l, T0, 0, 6, FK_LAKE_STORED);
	kput(l, T0, 1, 7, FK_LAKE_STORED);
	lake_done(l);
	cr_assert_eq(ngot, 2);

	nfound = 0;
	opts_init(&o, NULL);
	o.topic = "tx";
	o.max_records = 2;
	o.found = on_found;
	l = lake_new(&o);
	cr_assert_eq(nfound, 0); /* nothing read before a folder is used */
	kput(l, T0, 0, 6, FK_LAKE_DUP);
	cr_assert_eq(nfound, 1);
	cr_assert_str_eq(
	    found_paths[0], DIR03 "/tx-0-0000000005-0000000006.ndjson");
	cr_assert_eq(found_ranges[0].part, 0);
	cr_assert_eq(found_ranges[0].first, 5);
	cr_assert_eq(found_ranges[0].last, 6);
	kput(l, T0, 0, 8, FK_LAKE_STORED); /* read once per folder */
	cr_assert_eq(nfound, 1);
	kput(l, T0, 1, 7, FK_LAKE_DUP); /* partition 1's own file */
	cr_assert_eq(nfound, 2);
	cr_assert_eq(found_ranges[1].part, 1);
	lake_done(l);
}
