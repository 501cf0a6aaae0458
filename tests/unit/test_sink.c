/* Unit tests for cmd/fk-sink/sink.c without PostgreSQL (tests/sink
 * covers that): records checked and placed in the lake by ts_ms or
 * timestamp and by field, the audit log's entry for each file, and
 * --verify finding a changed, a missing and a forged file entry. */
#include "sink.h"

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
#include "exitcode.h"
#include "jscan.h"
#include "testutil.h"
#include "banned.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define T0 1795922129123LL /* 2026-11-29T03:15:29.123Z */
#define HOUR 3600000LL
#define MAXFILES 32
#define DIR03 "dt=2026-11-29/hr=03"

static char dir[512], lake[600], audit[600];

static void
setup(void)
{
	umask(022);
	fk_test_tmpdir(dir, sizeof(dir), "sink");
	snprintf(lake, sizeof(lake), "%s/lake", dir);
	snprintf(audit, sizeof(audit), "%s/audit.log", dir);
}

static void
teardown(void)
{
	if (dir[0] != '\0')
		fk_test_rmdir(dir);
}

TestSuite(sink, .init = setup, .fini = teardown);
TestSuite(verify, .init = setup, .fini = teardown);

static struct fk_sink_opts opts;

/* Options for a lake at lake/ with the levels of spec (NULL: dt, hr),
 * no PostgreSQL, and an audit log when with_audit. */
static void
opts_init(const char *spec, int with_audit)
{
	char err[256];

	memset(&opts, 0, sizeof(opts));
	if (spec != NULL)
		cr_assert_eq(
		    fk_levels_parse(&opts.levels, spec, err, sizeof(err)), 0,
		    "%s", err);
	fk_levels_finish(&opts.levels);
	opts.lake.root = lake;
	opts.lake.max_open = 8;
	opts.audit = with_audit ? audit : NULL;
}

static struct fk_sink *
sink_new(void)
{
	char err[1024];
	size_t cut = 99;
	int code = 0;
	struct fk_sink *s =
	    fk_sink_new(&opts, T0, &cut, &code, err, sizeof(err));

	cr_assert_not_null(s, "%d %s", code, err);
	cr_assert_eq(cut, 0);
	return s;
}

/* Flush everything and free; the levels go too. */
static void
sink_done(struct fk_sink *s)
{
	char err[1024];
	int code = 0;

	cr_assert_eq(fk_sink_flush(s, FK_LAKE_ALL, &code, err, sizeof(err)), 0,
	    "%d %s", code, err);
	fk_sink_free(s);
	fk_levels_release(&opts.levels);
}

static int
put(struct fk_sink *s, const char *rec, int32_t part, int64_t off, char *err,
    size_t errlen)
{
	int code = 0, rc;

	err[0] = '\0';
	rc = fk_sink_put(s, rec, strlen(rec), part, off, 0, &code, err, errlen);
	if (rc == FK_SINK_FAIL)
		cr_assert_neq(code, 0);
	return rc;
}

static void
put_ok(struct fk_sink *s, const char *rec)
{
	char err[1024];

	cr_assert_eq(put(s, rec, -1, -1, err, sizeof(err)), FK_SINK_STORED,
	    "%s: %s", rec, err);
}

static void
put_bad(struct fk_sink *s, const char *rec, const char *msg)
{
	char err[1024];

	cr_assert_eq(
	    put(s, rec, -1, -1, err, sizeof(err)), FK_SINK_BAD, "%s", rec);
	if (msg != NULL)
		cr_expect_str_eq(err, msg, "%s", rec);
	else
		cr_expect_neq(err[0], '\0', "%s: no message", rec);
}

/* The data files under lake/ (paths relative to it), sorted. */
static size_t
walk(const char *rel, char files[][512], size_t n)
{
	char p[2048], sub[1024];
	struct dirent *de;
	struct stat st;
	DIR *d;

	snprintf(p, sizeof(p), "%s%s%s", lake, rel[0] != '\0' ? "/" : "", rel);
	if ((d = opendir(p)) == NULL)
		return n;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' &&
		    (strcmp(de->d_name, ".") == 0 ||
		        strcmp(de->d_name, "..") == 0))
			continue;
		snprintf(sub, sizeof(sub), "%s%s%s", rel,
		    rel[0] != '\0' ? "/" : "", de->d_name);
		snprintf(p, sizeof(p), "%s/%s", lake, sub);
		cr_assert_eq(lstat(p, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			n = walk(sub, files, n);
			continue;
		}
		cr_assert_lt(n, MAXFILES);
		cr_assert_lt(strlen(sub), 512);
		memcpy(files[n++], sub, strlen(sub) + 1);
	}
	closedir(d);
	return n;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

static size_t
data_files(char files[][512])
{
	size_t n = walk("", files, 0);

	qsort(files, n, 512, cmp_names);
	return n;
}

static char *
slurp(const char *path, size_t *len)
{
	struct stat st;
	FILE *fp = fopen(path, "rb");
	char *b;

	cr_assert_not_null(fp, "%s: %s", path, strerror(errno));
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
expect_file(const char *rel, const char *want)
{
	char p[1024];
	size_t len;
	char *b;

	snprintf(p, sizeof(p), "%s/%s", lake, rel);
	b = slurp(p, &len);
	cr_assert_eq(len, strlen(want), "%s: %zu bytes", rel, len);
	cr_assert_str_eq(b, want, "%s", rel);
	free(b);
}

static void
expect_prefix(const char *s, const char *prefix)
{
	cr_assert_eq(
	    strncmp(s, prefix, strlen(prefix)), 0, "%s, want %s...", s, prefix);
}

Test(sink, lake_only)
{
	char files[MAXFILES][512];
	struct fk_sink_counts c;
	struct fk_sink *s;

	opts_init(NULL, 0);
	s = sink_new();
	put_ok(s, "{\"tx_id\":\"t1\",\"ts_ms\":1795922129123,\"amount\":1.5}");
	put_ok(s, "{\"tx_id\":2,\"ts_ms\":1795922129999}");
	put_ok(s, "  {\"ts_ms\":1795921200000}  ");
	fk_sink_counts(s, &c);
	cr_assert_eq(c.files, 0);
	cr_assert_eq(fk_sink_oldest(s, 0), -1);
	sink_done(s);
	cr_assert_eq(data_files(files), 1);
	expect_prefix(files[0], DIR03 "/");
	cr_assert_not_null(strstr(files[0], "-000001.ndjson"), "%s", files[0]);
	/* The records as given, white space and all. */
	expect_file(files[0],
	    "{\"tx_id\":\"t1\",\"ts_ms\":1795922129123,\"amount\":1.5}\n"
	    "{\"tx_id\":2,\"ts_ms\":1795922129999}\n"
	    "  {\"ts_ms\":1795921200000}  \n");
}

Test(sink, counts)
{
	struct fk_sink_counts c;
	struct fk_sink *s;
	char err[256];
	int code = 0;

	opts_init(NULL, 0);
	opts.lake.max_records = 2;
	s = sink_new();
	for (int i = 0; i < 5; i++)
		put_ok(s, "{\"ts_ms\":0}");
	fk_sink_counts(s, &c);
	cr_assert_eq(c.files, 2);
	cr_assert_eq(c.batches + c.rows + c.changed, 0);
	/* -1: PostgreSQL only, no file made whole. */
	cr_assert_eq(fk_sink_flush(s, -1, &code, err, sizeof(err)), 0);
	fk_sink_counts(s, &c);
	cr_assert_eq(c.files, 2);
	cr_assert_eq(fk_sink_flush(s, FK_LAKE_ALL, &code, err, sizeof(err)), 0,
	    "%s", err);
	fk_sink_counts(s, &c);
	cr_assert_eq(c.files, 3);
	sink_done(s);
}

Test(sink, bad_json)
{
	static const char *const recs[] = { "{\"a\":", "not json", "", "[1,2]",
		"{\"a\":1}{", "{\"a\":01}", "{\"a\":\"\\x\"}" };
	char files[MAXFILES][512];
	char err[1024];
	struct fk_sink *s;

	opts_init(NULL, 0);
	s = sink_new();
	for (size_t i = 0; i < NELEM(recs); i++) {
		cr_assert_eq(put(s, recs[i], -1, -1, err, sizeof(err)),
		    FK_SINK_BAD, "%s", recs[i]);
		cr_expect_eq(
		    strncmp(err, "column ", 7), 0, "%s: %s", recs[i], err);
	}
	sink_done(s);
	cr_assert_eq(data_files(files), 0);
}

Test(sink, ts_ms_not_an_integer)
{
	static const char *const recs[] = {
		"{\"ts_ms\":1.5}",
		"{\"ts_ms\":\"1795922129123\"}",
		"{\"ts_ms\":1e12}",
		"{\"ts_ms\":true}",
		"{\"ts_ms\":{}}",
		"{\"ts_ms\":1234567890123456}",
		/* ts_ms wins even when timestamp is good */
		"{\"ts_ms\":\"x\",\"timestamp\":\"2026-11-29T03:15:29Z\"}",
	};
	char files[MAXFILES][512];
	struct fk_sink *s;

	opts_init(NULL, 0);
	s = sink_new();
	for (size_t i = 0; i < NELEM(recs); i++) {
		char want[256];
		const char *v = strchr(recs[i], ':') + 1;

		/* The value as written, after the expectation. */
		snprintf(want, sizeof(want),
		    "ts_ms: expected an integer, got %.*s",
		    (int)(strcspn(v, ",}") + (*v == '{')), v);
		put_bad(s, recs[i], want);
	}
	/* null is no ts_ms: the timestamp decides. */
	put_ok(s, "{\"ts_ms\":null,\"timestamp\":\"2026-11-29T03:15:29Z\"}");
	sink_done(s);
	cr_assert_eq(data_files(files), 1);
}

Test(sink, event_time_forms)
{
	static const char *const in03[] = {
		"{\"ts_ms\":1795922129123}",
		"{\"timestamp\":\"2026-11-29T03:15:29.123Z\"}",
		"{\"timestamp\":\"2026-11-29T04:15:29+01:00\"}",
		"{\"timestamp\":\"2026-11-28T22:00:00-05:00\"}",
		"{\"timestamp\":\"2026-11-29 03:59:59\"}",
		"{\"timestamp\":1795922129}",
		"{\"timestamp\":1795922129.5}",
		"{\"timestamp\":1795922129123}",
		"{\"timestamp\":\"1795922129\"}",
		"{\"ts_ms\":1795922129123,\"timestamp\":\"1999-01-01T00:00:00Z\"}",
		"{\"a\":{\"ts_ms\":5},\"timestamp\":\"2026-11-29T03:00:00Z\"}",
	};
	static const char *const in69[] = {
		"{\"ts_ms\":-1}",
		"{\"timestamp\":\"1969-12-31T23:59:59Z\"}",
		"{\"timestamp\":-1}",
	};
	char files[MAXFILES][512], want[4096];
	struct fk_sink *s;
	size_t n = 0;

	opts_init(NULL, 0);
	s = sink_new();
	for (size_t i = 0; i < NELEM(in03); i++)
		put_ok(s, in03[i]);
	for (size_t i = 0; i < NELEM(in69); i++)
		put_ok(s, in69[i]);
	put_ok(s, "{\"timestamp\":\"2026-11-29T04:00:00Z\"}");
	sink_done(s);
	cr_assert_eq(data_files(files), 3);
	expect_prefix(files[0], "dt=1969-12-31/hr=23/");
	expect_prefix(files[1], DIR03 "/");
	expect_prefix(files[2], "dt=2026-11-29/hr=04/");
	for (size_t i = 0; i < NELEM(in03); i++)
		n += (size_t)snprintf(
		    want + n, sizeof(want) - n, "%s\n", in03[i]);
	expect_file(files[1], want);
	n = 0;
	for (size_t i = 0; i < NELEM(in69); i++)
		n += (size_t)snprintf(
		    want + n, sizeof(want) - n, "%s\n", in69[i]);
	expect_file(files[0], want);
}

Test(sink, no_event_time)
{
	char files[MAXFILES][512];
	struct fk_sink *s;

	opts_init(NULL, 0);
	s = sink_new();
	put_bad(s, "{\"tx_id\":\"a\"}",
	    "no event time (ts_ms or timestamp) for the dt= folder");
	put_bad(s, "{\"timestamp\":null}",
	    "no event time (ts_ms or timestamp) for the dt= folder");
	put_bad(
	    s, "{}", "no event time (ts_ms or timestamp) for the dt= folder");
	put_bad(s, "{\"timestamp\":true}",
	    "timestamp: expected a string or a number, got true");
	put_bad(s, "{\"timestamp\":[1]}",
	    "timestamp: expected a string or a number, got [1]");
	put_bad(s, "{\"timestamp\":\"yesterday\"}", NULL);
	put_bad(s, "{\"timestamp\":\"2026-13-01T00:00:00Z\"}", NULL);
	put_bad(s, "{\"timestamp\":1e300}", NULL);
	put_bad(s, "{\"ts_ms\":253402300800000}",
	    "event time 253402300800000 ms is outside years 0001-9999");
	sink_done(s);
	cr_assert_eq(data_files(files), 0);

	/* The message names the first time level. */
	opts_init("hr", 0);
	s = sink_new();
	put_bad(
	    s, "{}", "no event time (ts_ms or timestamp) for the hr= folder");
	sink_done(s);
}

Test(sink, timestamp_errors_say_so)
{
	char err[1024];
	struct fk_sink *s;

	opts_init(NULL, 0);
	s = sink_new();
	cr_assert_eq(
	    put(s, "{\"timestamp\":\"yesterday\"}", -1, -1, err, sizeof(err)),
	    FK_SINK_BAD);
	cr_assert_eq(strncmp(err, "timestamp: ", 11), 0, "%s", err);
	cr_assert_eq(put(s, "{\"timestamp\":1e300}", -1, -1, err, sizeof(err)),
	    FK_SINK_BAD);
	cr_assert_eq(strncmp(err, "timestamp: ", 11), 0, "%s", err);
	sink_done(s);
}

Test(sink, field_levels)
{
	char files[MAXFILES][512];
	struct fk_sink *s;

	opts_init("region,decision=risk.decision", 0);
	s = sink_new();
	put_bad(s, "{\"ts_ms\":0,\"region\":{\"a\":1}}",
	    "region: expected a string, number, boolean or null to name a "
	    "folder by");
	put_bad(s, "{\"ts_ms\":0,\"region\":[]}",
	    "region: expected a string, number, boolean or null to name a "
	    "folder by");
	put_bad(s, "{\"ts_ms\":0,\"region\":\"eu\",\"risk\":{\"decision\":{}}}",
	    "risk.decision: expected a string, number, boolean or null to "
	    "name a folder by");
	put_ok(s,
	    "{\"ts_ms\":0,\"region\":\"eu\",\"risk\":{\"decision\":"
	    "\"approve\"}}");
	put_ok(s, "{\"ts_ms\":0,\"region\":\"e\\u0075\",\"risk\":5}");
	put_ok(s, "{\"ts_ms\":0,\"region\":\"../x\"}");
	put_ok(s, "{\"ts_ms\":0,\"region\":7,\"risk\":{\"decision\":null}}");
	sink_done(s);
	cr_assert_eq(data_files(files), 4);
	expect_prefix(files[0],
	    "dt=1970-01-01/hr=00/region=%2E.%2Fx/"
	    "decision=__null__/");
	expect_prefix(
	    files[1], "dt=1970-01-01/hr=00/region=7/decision=__null__/");
	expect_prefix(
	    files[2], "dt=1970-01-01/hr=00/region=eu/decision=__null__/");
	expect_prefix(
	    files[3], "dt=1970-01-01/hr=00/region=eu/decision=approve/");
}

Test(sink, new_errors)
{
	char err[1024], p[700];
	struct fk_audit *a;
	size_t cut;
	int code;

	/* A field path the record scanner cannot follow. */
	opts_init(NULL, 0);
	fk_levels_release(&opts.levels);
	{
		char spec[256];
		int n = snprintf(spec, sizeof(spec), "x=a");

		for (int i = 0; i < 64; i++)
			n += snprintf(spec + n, sizeof(spec) - (size_t)n, ".a");
		cr_assert_eq(
		    fk_levels_parse(&opts.levels, spec, err, sizeof(err)), 0,
		    "%s", err);
		fk_levels_finish(&opts.levels);
	}
	code = 0;
	cr_assert_null(fk_sink_new(&opts, T0, &cut, &code, err, sizeof(err)));
	cr_assert_eq(code, FK_EX_USAGE);
	cr_assert_eq(strncmp(err, "--partition-by a.a.a", 20), 0, "%s", err);
	fk_levels_release(&opts.levels);

	/* The lake's root in a folder that is not there. */
	opts_init(NULL, 0);
	snprintf(p, sizeof(p), "%s/no/lake", dir);
	opts.lake.root = p;
	code = 0;
	cr_assert_null(fk_sink_new(&opts, T0, &cut, &code, err, sizeof(err)));
	cr_assert_eq(code, FK_EX_IOERR);
	cr_assert_eq(strncmp(err, "--dir ", 6), 0, "%s", err);
	fk_levels_release(&opts.levels);

	/* The audit log: in a folder that is not there, or locked. */
	opts_init(NULL, 1);
	snprintf(p, sizeof(p), "%s/no/audit.log", dir);
	opts.audit = p;
	code = 0;
	cr_assert_null(fk_sink_new(&opts, T0, &cut, &code, err, sizeof(err)));
	cr_assert_eq(code, FK_EX_IOERR);
	cr_assert_eq(strncmp(err, "--audit ", 8), 0, "%s", err);
	opts.audit = audit;
	a = fk_audit_open(audit, NULL, err, sizeof(err));
	cr_assert_not_null(a, "%s", err);
	code = 0;
	cr_assert_null(fk_sink_new(&opts, T0, &cut, &code, err, sizeof(err)));
	cr_assert_eq(code, FK_EX_IOERR);
	fk_audit_free(a);
	fk_levels_release(&opts.levels);
}

Test(sink, audit_cut_passed_on)
{
	char p[700], err[1024];
	static const char partial[] = "{\"seq\":1,\"time\":\"2026";
	struct fk_sink *s;
	size_t cut = 0;
	int code = 0;

	fk_test_write(
	    p, sizeof(p), dir, "audit.log", partial, sizeof(partial) - 1);
	opts_init(NULL, 1);
	s = fk_sink_new(&opts, T0, &cut, &code, err, sizeof(err));
	cr_assert_not_null(s, "%s", err);
	cr_assert_eq(cut, sizeof(partial) - 1);
	fk_sink_free(s);
	fk_levels_release(&opts.levels);
}

Test(sink, free_removes_unfinished)
{
	char files[MAXFILES][512];
	struct fk_sink *s;

	opts_init(NULL, 1);
	s = sink_new();
	put_ok(s, "{\"ts_ms\":0}");
	put_ok(s, "{\"ts_ms\":99999999}");
	fk_sink_free(s);
	fk_levels_release(&opts.levels);
	/* walk() lists hidden files too: none left. */
	cr_assert_eq(data_files(files), 0, "%s", files[0]);
}

Test(sink, tick_closes_idle)
{
	struct fk_sink_counts c;
	struct fk_sink *s;
	char err[256];
	int code = 0;

	opts_init(NULL, 0);
	opts.lake.close_after_ms = 100;
	s = sink_new();
	cr_assert_eq(fk_sink_put(s, "{\"ts_ms\":0}", strlen("{\"ts_ms\":0}"),
	                 -1, -1, 1000, &code, err, sizeof(err)),
	    FK_SINK_STORED, "%s", err);
	cr_assert_eq(fk_sink_tick(s, 1099, &code, err, sizeof(err)), 0);
	fk_sink_counts(s, &c);
	cr_assert_eq(c.files, 0);
	cr_assert_eq(fk_sink_tick(s, 1100, &code, err, sizeof(err)), 0);
	fk_sink_counts(s, &c);
	cr_assert_eq(c.files, 1);
	sink_done(s);
}

/* The audit log's "file" entries. */
struct entry {
	long line;
	char path[512], sha256[80];
	int64_t records, bytes, size;
	char topic[32];
	int64_t partition, first, last;
};

static int64_t
int_of(const struct fk_jobj *o, const char *key)
{
	const struct fk_jmember *m = fk_jobj_get(o, key);
	int64_t v;

	if (m == NULL)
		return -1;
	cr_assert(fk_jmember_int(m, &v), "%s", key);
	return v;
}

static void
str_of(const struct fk_jobj *o, const char *key, char *out, size_t len)
{
	const struct fk_jmember *m = fk_jobj_get(o, key);

	out[0] = '\0';
	if (m == NULL)
		return;
	cr_assert_eq(m->type, FK_J_STRING, "%s", key);
	cr_assert_lt(m->vallen - 2, len);
	out[fk_jstr_decode(m->val + 1, m->vallen - 2, out)] = '\0';
}

static size_t
read_entries(const char *path, struct entry *e, size_t max)
{
	char ev[32], err[256];
	struct fk_jobj o;
	size_t len, n = 0;
	long line = 0;
	char *buf = slurp(path, &len), *p, *nl;

	fk_jobj_init(&o);
	for (p = buf; p < buf + len; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(buf + len - p));
		cr_assert_not_null(nl, "the log ends in a newline");
		line++;
		cr_assert_eq(
		    fk_jscan(&o, p, (size_t)(nl - p), err, sizeof(err)), 0,
		    "line %ld: %s", line, err);
		str_of(&o, "event", ev, sizeof(ev));
		if (strcmp(ev, "file") != 0)
			continue;
		cr_assert_lt(n, max);
		e[n].line = line;
		str_of(&o, "path", e[n].path, sizeof(e[n].path));
		str_of(&o, "sha256", e[n].sha256, sizeof(e[n].sha256));
		str_of(&o, "topic", e[n].topic, sizeof(e[n].topic));
		e[n].records = int_of(&o, "records");
		e[n].bytes = int_of(&o, "bytes");
		e[n].size = int_of(&o, "size");
		e[n].partition = int_of(&o, "partition");
		e[n].first = int_of(&o, "first");
		e[n].last = int_of(&o, "last");
		n++;
	}
	fk_jobj_release(&o);
	free(buf);
	return n;
}

/* A lake of 3 files in 2 folders, logged. */
static size_t
make_logged(struct entry *e, char files[][512])
{
	struct fk_sink *s;
	size_t n;

	opts_init("region", 1);
	opts.lake.max_records = 2;
	s = sink_new();
	put_ok(s, "{\"ts_ms\":1795922129123,\"region\":\"a\",\"n\":1}");
	put_ok(s, "{\"ts_ms\":1795922129123,\"region\":\"b\",\"n\":2}");
	put_ok(s, "{\"ts_ms\":1795922129123,\"region\":\"a\",\"n\":3}");
	put_ok(s, "{\"ts_ms\":1795922129123,\"region\":\"a\",\"n\":4}");
	put_ok(s, "{\"ts_ms\":1795922129123,\"region\":\"b\",\"n\":5}");
	sink_done(s);
	cr_assert_eq(data_files(files), 3);
	n = read_entries(audit, e, MAXFILES);
	cr_assert_eq(n, 3);
	return n;
}

static int
verify(const char *log, const char *root, struct fk_audit_report *r, char *err,
    size_t errlen)
{
	memset(r, 0, sizeof(*r));
	err[0] = '\0';
	return fk_sink_verify(log, root, r, err, errlen);
}

Test(verify, file_entries)
{
	char files[MAXFILES][512], p[1200], hex[FK_SHA256_HEXLEN];
	struct entry e[MAXFILES];
	struct fk_audit_report r;
	size_t n = make_logged(e, files), len;
	int64_t records = 0;
	char err[1024], *b;

	for (size_t i = 0; i < n; i++) {
		size_t k;

		cr_assert_eq(e[i].line, (long)i + 1);
		for (k = 0; k < n && strcmp(files[k], e[i].path) != 0; k++)
			;
		cr_assert_lt(k, n, "%s: not a file of the lake", e[i].path);
		snprintf(p, sizeof(p), "%s/%s", lake, e[i].path);
		b = slurp(p, &len);
		cr_assert_eq(e[i].bytes, (int64_t)len);
		cr_assert_eq(e[i].size, (int64_t)len);
		fk_sha256_hex(b, len, hex);
		cr_assert_str_eq(e[i].sha256, hex, "%s", e[i].path);
		free(b);
		cr_assert_str_eq(e[i].topic, "");
		cr_assert_eq(e[i].partition, -1, "no partition from files");
		records += e[i].records;
	}
	cr_assert_eq(records, 5);
	/* Made whole as they filled: a's first, then b's, then a's rest. */
	expect_prefix(e[0].path, DIR03 "/region=a/");
	cr_assert_eq(e[0].records, 2);
	expect_prefix(e[1].path, DIR03 "/region=b/");
	cr_assert_eq(e[2].records, 1);

	cr_assert_eq(verify(audit, lake, &r, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(r.entries, 3);
	cr_assert_eq(r.line, 0);
	cr_assert_eq(strlen(r.head), 64);
	cr_assert_eq(verify(audit, NULL, &r, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(r.entries, 3);
}

Test(verify, changed_byte)
{
	char files[MAXFILES][512], p[1200], err[1024];
	struct entry e[MAXFILES];
	struct fk_audit_report r;
	size_t len;
	FILE *fp;
	char *b;

	make_logged(e, files);
	snprintf(p, sizeof(p), "%s/%s", lake, e[1].path);
	b = slurp(p, &len);
	b[10] ^= 1;
	fp = fopen(p, "wb");
	cr_assert_not_null(fp);
	cr_assert_eq(fwrite(b, 1, len, fp), len);
	cr_assert_eq(fclose(fp), 0);
	free(b);
	cr_assert_eq(verify(audit, lake, &r, err, sizeof(err)), 1);
	cr_assert_eq(r.line, 2, "%s", err);
	cr_assert_eq(strncmp(err, "line 2: ", 8), 0, "%s", err);
	cr_assert_not_null(strstr(err, e[1].path), "%s", err);
	cr_assert_not_null(
	    strstr(err, ": changed since it was written"), "%s", err);
	/* The chain alone is intact. */
	cr_assert_eq(verify(audit, NULL, &r, err, sizeof(err)), 0, "%s", err);
}

Test(verify, longer_file)
{
	char files[MAXFILES][512], p[1200], err[1024];
	struct entry e[MAXFILES];
	struct fk_audit_report r;
	FILE *fp;

	make_logged(e, files);
	snprintf(p, sizeof(p), "%s/%s", lake, e[2].path);
	fp = fopen(p, "ab");
	cr_assert_not_null(fp);
	fputs("{\"n\":6}\n", fp);
	cr_assert_eq(fclose(fp), 0);
	cr_assert_eq(verify(audit, lake, &r, err, sizeof(err)), 1);
	cr_assert_eq(r.line, 3, "%s", err);
	cr_assert_not_null(
	    strstr(err, "changed since it was written"), "%s", err);
}

Test(verify, removed_file)
{
	char files[MAXFILES][512], p[1200], err[1024];
	struct entry e[MAXFILES];
	struct fk_audit_report r;

	make_logged(e, files);
	snprintf(p, sizeof(p), "%s/%s", lake, e[0].path);
	cr_assert_eq(unlink(p), 0);
	cr_assert_eq(verify(audit, lake, &r, err, sizeof(err)), 1);
	cr_assert_eq(r.line, 1);
	cr_assert_not_null(strstr(err, "No such file or directory"), "%s", err);
	cr_assert_not_null(strstr(err, e[0].path), "%s", err);
	/* Another root: none of them there. */
	cr_assert_eq(verify(audit, dir, &r, err, sizeof(err)), 1);
	cr_assert_eq(
	    verify("/nonexistent/audit.log", lake, &r, err, sizeof(err)), -1);
}

/* A log of one entry of members m, forged with a good chain. */
static void
forge(const char *log, const char *m)
{
	char err[512];
	struct fk_audit *a = fk_audit_open(log, NULL, err, sizeof(err));

	cr_assert_not_null(a, "%s", err);
	cr_assert_eq(
	    fk_audit_append(a, "file", m, strlen(m), T0, err, sizeof(err)), 0,
	    "%s", err);
	fk_audit_free(a);
}

#define SHA_EMPTY                                                              \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

Test(verify, path_leaves_folder)
{
	static const struct {
		const char *path, *shown;
	} t[] = {
		{ "../audit.log", "../audit.log" },
		{ "..", ".." },
		{ "/etc/passwd", "/etc/passwd" },
		{ "dt=x/../../audit.log", "dt=x/../../audit.log" },
		{ "\\u002e\\u002e/audit.log", "../audit.log" },
		{ "\\/etc\\/passwd", "/etc/passwd" },
	};
	char log[700], m[512], want[256], err[1024];
	struct fk_audit_report r;

	cr_assert_eq(mkdir(lake, 0755), 0);
	for (size_t i = 0; i < NELEM(t); i++) {
		snprintf(log, sizeof(log), "%s/forged%zu.log", dir, i);
		snprintf(m, sizeof(m),
		    "\"path\":\"%s\",\"records\":0,\"bytes\":0,\"size\":0,"
		    "\"sha256\":\"" SHA_EMPTY "\"",
		    t[i].path);
		forge(log, m);
		cr_assert_eq(verify(log, lake, &r, err, sizeof(err)), 1,
		    "%s: %s", t[i].path, err);
		snprintf(want, sizeof(want),
		    "line 1: path \"%s\" leaves the folder", t[i].shown);
		cr_assert_str_eq(err, want);
		cr_assert_eq(r.line, 1);
	}
}

Test(verify, forged_entry_checked)
{
	char log[700], err[1024], p[700];
	struct fk_audit_report r;

	cr_assert_eq(mkdir(lake, 0755), 0);
	fk_test_write(p, sizeof(p), lake, "empty.ndjson", "", 0);
	/* Good: the empty file. */
	snprintf(log, sizeof(log), "%s/a.log", dir);
	forge(log,
	    "\"path\":\"empty.ndjson\",\"records\":0,\"bytes\":0,\"size\":0,"
	    "\"sha256\":\"" SHA_EMPTY "\"");
	cr_assert_eq(verify(log, lake, &r, err, sizeof(err)), 0, "%s", err);
	/* No sha256, or no size, or a short one. */
	snprintf(log, sizeof(log), "%s/b.log", dir);
	forge(log, "\"path\":\"empty.ndjson\",\"size\":0");
	cr_assert_eq(verify(log, lake, &r, err, sizeof(err)), 1);
	cr_assert_str_eq(
	    err, "line 1: a file entry without path, size or sha256");
	snprintf(log, sizeof(log), "%s/c.log", dir);
	forge(log, "\"path\":\"empty.ndjson\",\"sha256\":\"" SHA_EMPTY "\"");
	cr_assert_eq(verify(log, lake, &r, err, sizeof(err)), 1);
	cr_assert_str_eq(
	    err, "line 1: a file entry without path, size or sha256");
	snprintf(log, sizeof(log), "%s/d.log", dir);
	forge(log, "\"path\":\"empty.ndjson\",\"size\":0,\"sha256\":\"e3b0\"");
	cr_assert_eq(verify(log, lake, &r, err, sizeof(err)), 1);
	/* Other events are not files. */
	snprintf(log, sizeof(log), "%s/e.log", dir);
	{
		struct fk_audit *a = fk_audit_open(log, NULL, err, sizeof(err));
		static const char pg[] = "\"table\":\"t\",\"path\":\"../x\"";

		cr_assert_not_null(a);
		cr_assert_eq(fk_audit_append(
		                 a, "pg", pg, strlen(pg), T0, err, sizeof(err)),
		    0);
		fk_audit_free(a);
	}
	cr_assert_eq(verify(log, lake, &r, err, sizeof(err)), 0, "%s", err);
}

/* An entry whose path is now a folder: open works, read fails; the
 * hash begun is given back (LeakSanitizer). */
Test(verify, entry_now_a_folder)
{
	char log[700], err[1024], p[700], want[1024];
	struct fk_audit_report r;

	cr_assert_eq(mkdir(lake, 0755), 0);
	snprintf(p, sizeof(p), "%s/sub", lake);
	cr_assert_eq(mkdir(p, 0755), 0);
	snprintf(log, sizeof(log), "%s/a.log", dir);
	forge(log,
	    "\"path\":\"sub\",\"records\":0,\"bytes\":0,\"size\":0,"
	    "\"sha256\":\"" SHA_EMPTY "\"");
	cr_assert_eq(verify(log, lake, &r, err, sizeof(err)), 1);
	snprintf(want, sizeof(want), "line 1: %s: %s", p, strerror(EISDIR));
	cr_assert_str_eq(err, want);
}

/* Only a ".." component leaves the folder: a partition value such as
 * "v1..2" is kept as is in a folder name (only a leading '.' is
 * encoded), and --verify takes it. */
Test(verify, dots_inside_a_name)
{
	char files[MAXFILES][512], err[1024];
	struct fk_audit_report r;
	struct fk_sink *s;

	opts_init("region", 1);
	s = sink_new();
	put_ok(s, "{\"ts_ms\":0,\"region\":\"v1..2\"}");
	sink_done(s);
	cr_assert_eq(data_files(files), 1);
	cr_assert_not_null(strstr(files[0], "/region=v1..2/"), "%s", files[0]);
	cr_expect_eq(verify(audit, lake, &r, err, sizeof(err)), 0,
	    "an intact lake: %s", err);
}

Test(verify, kafka_entries)
{
	char files[MAXFILES][512], err[1024];
	struct entry e[MAXFILES];
	struct fk_audit_report r;
	struct fk_sink *s;
	int code = 0;

	opts_init(NULL, 1);
	opts.lake.topic = "tx";
	s = sink_new();
	cr_assert_eq(put(s, "{\"ts_ms\":0}", 3, 41, err, sizeof(err)),
	    FK_SINK_STORED, "%s", err);
	cr_assert_eq(put(s, "{\"ts_ms\":1}", 3, 42, err, sizeof(err)),
	    FK_SINK_STORED, "%s", err);
	cr_assert_eq(
	    put(s, "{\"ts_ms\":1}", 3, 42, err, sizeof(err)), FK_SINK_DUP);
	cr_assert_eq(put(s, "{\"ts_ms\":2}", 4, 7, err, sizeof(err)),
	    FK_SINK_STORED, "%s", err);
	cr_assert_eq(fk_sink_oldest(s, 3), 41);
	cr_assert_eq(fk_sink_oldest(s, 4), 7);
	/* Partition 3 revoked: its file made whole, 4's left open. */
	cr_assert_eq(
	    fk_sink_flush(s, 3, &code, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(fk_sink_oldest(s, 3), -1);
	cr_assert_eq(fk_sink_oldest(s, 4), 7);
	fk_sink_assigned(s, 3);
	cr_assert_eq(
	    put(s, "{\"ts_ms\":0}", 3, 41, err, sizeof(err)), FK_SINK_DUP);
	cr_assert_eq(
	    put(s, "{\"ts_ms\":0}", 3, 43, err, sizeof(err)), FK_SINK_STORED);
	sink_done(s);
	cr_assert_eq(data_files(files), 3);
	cr_assert_eq(read_entries(audit, e, MAXFILES), 3);
	cr_assert_str_eq(
	    e[0].path, "dt=1970-01-01/hr=00/tx-3-0000000041-0000000042.ndjson");
	cr_assert_str_eq(e[0].topic, "tx");
	cr_assert_eq(e[0].partition, 3);
	cr_assert_eq(e[0].first, 41);
	cr_assert_eq(e[0].last, 42);
	cr_assert_eq(e[0].records, 2);
	cr_assert_eq(e[1].partition, 4);
	cr_assert_eq(e[2].first, 43);
	cr_assert_eq(verify(audit, lake, &r, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(r.entries, 3);
}
