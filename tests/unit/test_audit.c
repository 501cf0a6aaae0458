/* Unit tests for cmd/fk-sink/audit.c: the line format, the chain across
 * opens, which line verify reports for each kind of tampering, cutting
 * off a partial last line, the lock, and undoing a failed write. */
#include "audit.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "digest.h"
#include "testutil.h"
#include "banned.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define Z64                                                                    \
	"00000000000000000000000000000000"                                     \
	"00000000000000000000000000000000"
#define T0 1795922129123 /* 2026-11-29T03:15:29.123Z */
#define MAXLINES 64

static char dir[512], path[600];

static void
setup(void)
{
	fk_test_tmpdir(dir, sizeof(dir), "audit");
	snprintf(path, sizeof(path), "%s/audit.log", dir);
}

static void
teardown(void)
{
	fk_test_rmdir(dir);
}

TestSuite(audit, .init = setup, .fini = teardown);

static struct fk_audit *
open_ok(size_t *cut)
{
	char err[512];
	struct fk_audit *a = fk_audit_open(path, cut, err, sizeof(err));

	cr_assert_not_null(a, "%s", err);
	return a;
}

static void
append_ok(struct fk_audit *a, const char *event, const char *members)
{
	char err[512];
	size_t len = members != NULL ? strlen(members) : 0;

	cr_assert_eq(
	    fk_audit_append(a, event, members, len, T0, err, sizeof(err)), 0,
	    "%s", err);
}

/* A log of n entries: {"seq":i,...,"event":"file","n":i,...}. */
static void
make_log(int n)
{
	struct fk_audit *a = open_ok(NULL);
	char m[128];

	for (int i = 1; i <= n; i++) {
		snprintf(
		    m, sizeof(m), "\"path\":\"in/f%d.ndjson\",\"n\":%d", i, i);
		append_ok(a, "file", m);
	}
	cr_assert_eq(fk_audit_seq(a), (uint64_t)n);
	fk_audit_free(a);
}

static char *
slurp(size_t *len)
{
	FILE *fp = fopen(path, "rb");
	struct stat st;
	char *buf;

	cr_assert_not_null(fp, "%s", path);
	cr_assert_eq(fstat(fileno(fp), &st), 0);
	*len = (size_t)st.st_size;
	buf = malloc(*len + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, *len, fp), *len);
	buf[*len] = '\0';
	fclose(fp);
	return buf;
}

static void
spit(const char *s, size_t len)
{
	char p[sizeof(path)];

	fk_test_write(p, sizeof(p), dir, "audit.log", s, len);
}

/* The file's lines, each without its newline (the file must end in one). */
struct lines {
	char *buf;
	size_t n;
	char *l[MAXLINES];
	size_t len[MAXLINES];
};

static void
read_lines(struct lines *ls)
{
	size_t len;
	char *p, *nl;

	ls->buf = slurp(&len);
	ls->n = 0;
	cr_assert(len == 0 || ls->buf[len - 1] == '\n');
	for (p = ls->buf; p < ls->buf + len; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(ls->buf + len - p));
		cr_assert_lt(ls->n, MAXLINES);
		ls->l[ls->n] = p;
		ls->len[ls->n++] = (size_t)(nl - p);
	}
}

/* Write lines l[0..n) back, each with a newline. */
static void
write_lines(char *const *l, const size_t *len, size_t n)
{
	FILE *fp = fopen(path, "wb");

	cr_assert_not_null(fp);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(fwrite(l[i], 1, len[i], fp), len[i]);
		cr_assert_eq(fputc('\n', fp), '\n');
	}
	cr_assert_eq(fclose(fp), 0);
}

static void
hash_of(const char *s, size_t len, char hex[FK_SHA256_HEXLEN])
{
	fk_sha256_hex(s, len, hex);
}

static int
verify(struct fk_audit_report *r, char *err, size_t errlen)
{
	return fk_audit_verify(path, NULL, NULL, r, err, errlen);
}

static void
expect_intact(uint64_t entries, struct fk_audit_report *r)
{
	char err[512];

	cr_assert_eq(verify(r, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(r->entries, entries);
	cr_assert_eq(r->line, 0);
}

static void
expect_bad(long line, const char *want)
{
	struct fk_audit_report r;
	char err[512];

	cr_assert_eq(verify(&r, err, sizeof(err)), 1);
	cr_assert_eq(r.line, line, "line %ld: %s", r.line, err);
	cr_assert_eq(r.entries, (uint64_t)line - 1);
	cr_assert_str_eq(err, want);
}

/* "line N: prev is <what line N says>..., but line N-1 hashes to ..." */
static void
expect_prev_mismatch(long line, const char *said, const char *is)
{
	char want[256];

	snprintf(want, sizeof(want),
	    "line %ld: prev is %.12s..., but line %ld hashes to %.12s...", line,
	    said, line - 1, is);
	expect_bad(line, want);
}

/* Line i (0-based, i > 0) of ls is entry i + 1 of event, without
 * members, chained to line i - 1. */
static void
expect_line(const struct lines *ls, size_t i, const char *event)
{
	char want[512], h[FK_SHA256_HEXLEN];

	hash_of(ls->l[i - 1], ls->len[i - 1], h);
	snprintf(want, sizeof(want),
	    "{\"seq\":%zu,\"time\":\"2026-11-29T03:15:29.123Z\",\"event\":"
	    "\"%s\",\"prev\":\"%s\"}",
	    i + 1, event, h);
	cr_assert_eq(
	    ls->len[i], strlen(want), "%.*s", (int)ls->len[i], ls->l[i]);
	cr_assert(memcmp(ls->l[i], want, ls->len[i]) == 0, "%.*s",
	    (int)ls->len[i], ls->l[i]);
}

/* The written form, byte for byte. */
Test(audit, line_format)
{
	static const char first[] =
	    "{\"seq\":1,\"time\":\"2026-11-29T03:15:29.123Z\",\"event\":"
	    "\"file\",\"path\":\"a/b\",\"records\":3,\"prev\":\"" Z64 "\"}";
	struct fk_audit *a = open_ok(NULL);
	struct lines ls;

	append_ok(a, "file", "\"path\":\"a/b\",\"records\":3");
	append_ok(a, "pg_commit", NULL);
	cr_assert_eq(fk_audit_seq(a), 2);
	fk_audit_free(a);
	read_lines(&ls);
	cr_assert_eq(ls.n, 2);
	cr_assert_eq(ls.len[0], sizeof(first) - 1);
	cr_assert(memcmp(ls.l[0], first, ls.len[0]) == 0, "%.*s",
	    (int)ls.len[0], ls.l[0]);
	expect_line(&ls, 1, "pg_commit");
	free(ls.buf);
}

Test(audit, append_then_verify)
{
	struct fk_audit_report r;
	struct lines ls;
	char h[FK_SHA256_HEXLEN];

	make_log(10);
	expect_intact(10, &r);
	read_lines(&ls);
	cr_assert_eq(ls.n, 10);
	hash_of(ls.l[9], ls.len[9], h);
	cr_assert_str_eq(r.head, h);
	/* Each line's prev is the hash of the one before. */
	for (size_t i = 1; i < ls.n; i++) {
		hash_of(ls.l[i - 1], ls.len[i - 1], h);
		cr_assert_not_null(strstr(ls.l[i], h), "line %zu", i + 1);
	}
	free(ls.buf);
}

Test(audit, members_null_and_empty)
{
	struct fk_audit *a = open_ok(NULL);
	struct fk_audit_report r;
	struct lines ls;
	char err[512];

	append_ok(a, "start", NULL);
	cr_assert_eq(
	    fk_audit_append(a, "stop", "ignored", 0, T0, err, sizeof(err)), 0,
	    "%s", err);
	/* Only white space: no members either. */
	append_ok(a, "idle", "  ");
	fk_audit_free(a);
	expect_intact(3, &r);
	read_lines(&ls);
	expect_line(&ls, 1, "stop");
	expect_line(&ls, 2, "idle");
	free(ls.buf);
}

Test(audit, empty_file_is_intact)
{
	struct fk_audit_report r;
	struct fk_audit *a;
	size_t cut = 99;

	spit("", 0);
	expect_intact(0, &r);
	cr_assert_str_eq(r.head, Z64);
	a = open_ok(&cut);
	cr_assert_eq(cut, 0);
	cr_assert_eq(fk_audit_seq(a), 0);
	fk_audit_free(a);
}

Test(audit, open_creates_0644)
{
	struct stat st;
	struct fk_audit *a;
	mode_t old = umask(022);

	a = open_ok(NULL);
	umask(old);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0644);
	cr_assert_eq(st.st_size, 0);
	fk_audit_free(a);
}

Test(audit, verify_missing_file)
{
	struct fk_audit_report r;
	char err[512], want[1024];

	cr_assert_eq(verify(&r, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: %s", path, strerror(ENOENT));
	cr_assert_str_eq(err, want);
}

Test(audit, reopen_continues_the_chain)
{
	struct fk_audit_report r;
	struct fk_audit *a;
	struct lines ls;
	char h[FK_SHA256_HEXLEN];
	size_t cut = 99;

	make_log(3);
	a = open_ok(&cut);
	cr_assert_eq(cut, 0);
	cr_assert_eq(fk_audit_seq(a), 3);
	append_ok(a, "file", "\"n\":4");
	append_ok(a, "file", "\"n\":5");
	cr_assert_eq(fk_audit_seq(a), 5);
	fk_audit_free(a);
	a = open_ok(NULL);
	append_ok(a, "file", "\"n\":6");
	fk_audit_free(a);

	expect_intact(6, &r);
	read_lines(&ls);
	cr_assert(strncmp(ls.l[3], "{\"seq\":4,", 9) == 0);
	cr_assert(strncmp(ls.l[5], "{\"seq\":6,", 9) == 0);
	hash_of(ls.l[2], ls.len[2], h);
	cr_assert_not_null(strstr(ls.l[3], h));
	hash_of(ls.l[4], ls.len[4], h);
	cr_assert_not_null(strstr(ls.l[5], h));
	hash_of(ls.l[5], ls.len[5], h);
	cr_assert_str_eq(r.head, h);
	free(ls.buf);
}

/* Lines longer than the chunk the tail is read in, last and before last. */
Test(audit, long_lines)
{
	static const size_t big = 200000;
	struct fk_audit_report r;
	struct fk_audit *a;
	char *m = malloc(big + 16);

	cr_assert_not_null(m);
	memcpy(m, "\"blob\":\"", 8);
	memset(m + 8, 'x', big);
	memcpy(m + 8 + big, "\"", 2);
	a = open_ok(NULL);
	append_ok(a, "file", m);
	append_ok(a, "file", m);
	fk_audit_free(a);
	a = open_ok(NULL);
	cr_assert_eq(fk_audit_seq(a), 2);
	append_ok(a, "small", NULL);
	fk_audit_free(a);
	a = open_ok(NULL);
	cr_assert_eq(fk_audit_seq(a), 3);
	append_ok(a, "file", m);
	fk_audit_free(a);
	a = open_ok(NULL);
	cr_assert_eq(fk_audit_seq(a), 4);
	append_ok(a, "file", m);
	fk_audit_free(a);
	expect_intact(5, &r);
	free(m);
}

/* Tampering.  The log is 6 lines, "n":1 to "n":6. */

/* A changed line that stays a well-formed entry is caught by the next
 * line, whose prev no longer matches. */
Test(audit, edited_middle_line)
{
	struct lines ls;
	char said[FK_SHA256_HEXLEN], is[FK_SHA256_HEXLEN];
	char *n;

	make_log(6);
	read_lines(&ls);
	hash_of(ls.l[2], ls.len[2], said);
	n = strstr(ls.l[2], "\"n\":3");
	cr_assert_not_null(n);
	n[4] = '7';
	hash_of(ls.l[2], ls.len[2], is);
	write_lines(ls.l, ls.len, ls.n);
	expect_prev_mismatch(4, said, is);
	free(ls.buf);
}

/* One byte of the hash itself: that line is the one reported. */
Test(audit, edited_prev)
{
	struct lines ls;
	char said[FK_SHA256_HEXLEN], is[FK_SHA256_HEXLEN];
	char *p;

	make_log(6);
	read_lines(&ls);
	hash_of(ls.l[2], ls.len[2], is);
	p = strstr(ls.l[3], is);
	cr_assert_not_null(p);
	p[0] = p[0] == 'a' ? 'b' : 'a';
	memcpy(said, p, 64);
	said[64] = '\0';
	write_lines(ls.l, ls.len, ls.n);
	expect_prev_mismatch(4, said, is);
	free(ls.buf);
}

Test(audit, edited_line_not_json)
{
	struct lines ls;

	make_log(6);
	read_lines(&ls);
	ls.l[2][0] = '[';
	write_lines(ls.l, ls.len, ls.n);
	expect_bad(3, "line 3: not JSON: column 1: expected '{'");
	free(ls.buf);
}

Test(audit, edited_seq)
{
	struct lines ls;

	make_log(6);
	read_lines(&ls);
	ls.l[2][7] = '9';
	write_lines(ls.l, ls.len, ls.n);
	expect_bad(3, "line 3: seq 9, expected 3");
	free(ls.buf);
}

/* A removed line: the line that takes its place has the wrong seq. */
Test(audit, deleted_line)
{
	struct lines ls;

	make_log(6);
	read_lines(&ls);
	memmove(&ls.l[2], &ls.l[3], 3 * sizeof(ls.l[0]));
	memmove(&ls.len[2], &ls.len[3], 3 * sizeof(ls.len[0]));
	write_lines(ls.l, ls.len, 5);
	expect_bad(3, "line 3: seq 4, expected 3");
	free(ls.buf);
}

Test(audit, deleted_first_line)
{
	struct lines ls;

	make_log(6);
	read_lines(&ls);
	write_lines(ls.l + 1, ls.len + 1, 5);
	expect_bad(1, "line 1: seq 2, expected 1");
	free(ls.buf);
}

/* Two lines swapped: the first of them is reported, by its seq. */
Test(audit, swapped_lines)
{
	struct lines ls;
	char *t;
	size_t tl;

	make_log(6);
	read_lines(&ls);
	t = ls.l[2], tl = ls.len[2];
	ls.l[2] = ls.l[3], ls.len[2] = ls.len[3];
	ls.l[3] = t, ls.len[3] = tl;
	write_lines(ls.l, ls.len, ls.n);
	expect_bad(3, "line 3: seq 4, expected 3");
	free(ls.buf);
}

/* A line slipped in with the right seq and prev is itself consistent,
 * so the line after it is reported: its seq repeats. */
Test(audit, inserted_forged_line)
{
	struct lines ls;
	char h[FK_SHA256_HEXLEN], forged[256];
	char *l[MAXLINES];
	size_t len[MAXLINES];

	make_log(6);
	read_lines(&ls);
	hash_of(ls.l[1], ls.len[1], h);
	snprintf(forged, sizeof(forged),
	    "{\"seq\":3,\"time\":\"2026-11-29T03:15:29.123Z\",\"event\":"
	    "\"file\",\"n\":99,\"prev\":\"%s\"}",
	    h);
	for (size_t i = 0, k = 0; i < ls.n; i++) {
		if (i == 2) {
			l[k] = forged, len[k++] = strlen(forged);
		}
		l[k] = ls.l[i], len[k++] = ls.len[i];
	}
	write_lines(l, len, ls.n + 1);
	expect_bad(4, "line 4: seq 3, expected 4");
	free(ls.buf);
}

/* A duplicated line: the copy is reported, by its seq. */
Test(audit, inserted_copy)
{
	struct lines ls;
	char *l[MAXLINES];
	size_t len[MAXLINES];

	make_log(6);
	read_lines(&ls);
	for (size_t i = 0, k = 0; i < ls.n; i++) {
		l[k] = ls.l[i], len[k++] = ls.len[i];
		if (i == 2)
			l[k] = ls.l[i], len[k++] = ls.len[i];
	}
	write_lines(l, len, ls.n + 1);
	expect_bad(4, "line 4: seq 3, expected 4");
	free(ls.buf);
}

Test(audit, inserted_blank_line)
{
	struct lines ls;
	char *l[MAXLINES];
	size_t len[MAXLINES];

	make_log(6);
	read_lines(&ls);
	for (size_t i = 0, k = 0; i < ls.n; i++) {
		if (i == 2)
			l[k] = ls.l[i], len[k++] = 0;
		l[k] = ls.l[i], len[k++] = ls.len[i];
	}
	write_lines(l, len, ls.n + 1);
	expect_bad(3, "line 3: not JSON: column 1: expected '{'");
	free(ls.buf);
}

Test(audit, truncated_mid_line)
{
	struct lines ls;
	size_t keep;

	make_log(6);
	read_lines(&ls);
	keep = (size_t)(ls.l[4] - ls.buf) + 10;
	spit(ls.buf, keep);
	expect_bad(5, "line 5: no newline at the end (cut short?)");
	free(ls.buf);
}

/* Whole lines cut off the end, or the last line changed, leave a chain
 * that is whole: only the head shows it. */
Test(audit, truncated_at_a_line_end)
{
	struct fk_audit_report r;
	struct lines ls;
	char h[FK_SHA256_HEXLEN], head[FK_SHA256_HEXLEN];

	make_log(6);
	expect_intact(6, &r);
	memcpy(head, r.head, sizeof(head));
	read_lines(&ls);
	spit(ls.buf, (size_t)(ls.l[4] - ls.buf));
	expect_intact(4, &r);
	cr_assert_str_neq(r.head, head);
	hash_of(ls.l[3], ls.len[3], h);
	cr_assert_str_eq(r.head, h);
	free(ls.buf);
}

Test(audit, edited_last_line)
{
	struct fk_audit_report r;
	struct lines ls;
	char h[FK_SHA256_HEXLEN], head[FK_SHA256_HEXLEN];
	char *n;

	make_log(6);
	expect_intact(6, &r);
	memcpy(head, r.head, sizeof(head));
	read_lines(&ls);
	n = strstr(ls.l[5], "\"n\":6");
	cr_assert_not_null(n);
	n[4] = '8';
	write_lines(ls.l, ls.len, ls.n);
	expect_intact(6, &r);
	cr_assert_str_neq(r.head, head);
	hash_of(ls.l[5], ls.len[5], h);
	cr_assert_str_eq(r.head, h);
	free(ls.buf);
}

/* Lines that are wrong in themselves, each the first line of a file. */
struct bad_case {
	char text[256];
	long line;
	char want[160];
};

ParameterizedTestParameters(audit, bad_lines)
{
	static struct bad_case cases[] = {
		{ "{\"seq\":1,\"prev\":\"" Z64 "\"", 1,
		    "line 1: no newline at the end (cut short?)" },
		{ "{\"seq\":1,\"prev\":\"" Z64 "\"\n", 1,
		    "line 1: not JSON: column 83: expected ',' or '}'" },
		{ "{\"prev\":\"" Z64 "\"}\n", 1, "line 1: no seq" },
		{ "{\"seq\":\"1\",\"prev\":\"" Z64 "\"}\n", 1,
		    "line 1: seq \"1\" is not a positive integer" },
		{ "{\"seq\":1.0,\"prev\":\"" Z64 "\"}\n", 1,
		    "line 1: seq 1.0 is not a positive integer" },
		{ "{\"seq\":0,\"prev\":\"" Z64 "\"}\n", 1,
		    "line 1: seq 0 is not a positive integer" },
		{ "{\"seq\":-1,\"prev\":\"" Z64 "\"}\n", 1,
		    "line 1: seq -1 is not a positive integer" },
		{ "{\"seq\":1234567890123456789012,\"prev\":\"" Z64 "\"}\n", 1,
		    "line 1: seq 12345678901234567890... is not a positive "
		    "integer" },
		{ "{\"seq\":1}\n", 1, "line 1: no prev" },
		{ "{\"seq\":1,\"prev\":null}\n", 1,
		    "line 1: prev is not 64 lower-case hex digits" },
		{ "{\"seq\":1,\"prev\":\"00\"}\n", 1,
		    "line 1: prev is not 64 lower-case hex digits" },
		{ "{\"seq\":1,\"prev\":\"" Z64 "0\"}\n", 1,
		    "line 1: prev is not 64 lower-case hex digits" },
		{ "{\"seq\":1,\"prev\":\"A000000000000000000000000000000"
		  "000000000000000000000000000000000\"}\n",
		    1, "line 1: prev is not 64 lower-case hex digits" },
		{ "{\"seq\":1,\"prev\":\"100000000000000000000000000000"
		  "0000000000000000000000000000000000\"}\n",
		    1,
		    "line 1: prev is 100000000000..., but the first line's is "
		    "64 zeros" },
		{ "{\"seq\":1,\"seq\":1,\"prev\":\"" Z64 "\"}\n", 1,
		    "line 1: a key appears twice" },
		{ "{\"seq\":1,\"prev\":\"" Z64 "\"}\n\n", 2,
		    "line 2: not JSON: column 1: expected '{'" },
		{ "{\"seq\":1,\"prev\":\"" Z64 "\"}\n{\"seq\":2,\"prev\":\"" Z64
		  "\"}\n",
		    2,
		    "line 2: prev is 000000000000..., but line 1 hashes to "
		    "25cda5ce78ea..." },
	};

	return cr_make_param_array(struct bad_case, cases, NELEM(cases));
}

ParameterizedTest(struct bad_case *c, audit, bad_lines)
{
	struct fk_audit_report r;
	char err[512];

	spit(c->text, strlen(c->text));
	cr_assert_eq(verify(&r, err, sizeof(err)), 1, "%s", c->text);
	cr_assert_eq(r.line, c->line, "%s", err);
	cr_assert_str_eq(err, c->want);
}

/* A line of its own the tests can check the chain with. */
Test(audit, hand_made_chain)
{
	struct fk_audit_report r;
	char l1[128], l2[256], h[FK_SHA256_HEXLEN];
	size_t n1;

	n1 = (size_t)snprintf(
	    l1, sizeof(l1), "{\"seq\":1,\"prev\":\"%s\"}", Z64);
	hash_of(l1, n1, h);
	snprintf(l2, sizeof(l2), "%s\n{\"seq\":2,\"prev\":\"%s\"}\n", l1, h);
	spit(l2, strlen(l2));
	expect_intact(2, &r);
}

/* Open on a file that ends in a partial line. */
Test(audit, open_cuts_partial_line)
{
	static const char part[] = "{\"seq\":7,\"time\":\"2026-11";
	struct fk_audit_report r;
	struct fk_audit *a;
	struct lines ls;
	char *buf, *all;
	size_t len, cut = 0;

	make_log(3);
	buf = slurp(&len);
	all = malloc(len + sizeof(part));
	cr_assert_not_null(all);
	memcpy(all, buf, len);
	memcpy(all + len, part, sizeof(part) - 1);
	spit(all, len + sizeof(part) - 1);
	expect_bad(4, "line 4: no newline at the end (cut short?)");

	a = open_ok(&cut);
	cr_assert_eq(cut, sizeof(part) - 1);
	cr_assert_eq(fk_audit_seq(a), 3);
	free(all);
	all = slurp(&cut);
	cr_assert_eq(cut, len);
	cr_assert(memcmp(all, buf, len) == 0);
	append_ok(a, "file", "\"n\":4");
	fk_audit_free(a);
	expect_intact(4, &r);
	read_lines(&ls);
	cr_assert(strncmp(ls.l[3], "{\"seq\":4,", 9) == 0);
	free(ls.buf);
	free(all);
	free(buf);
}

Test(audit, open_cuts_only_line)
{
	struct fk_audit *a;
	size_t cut = 0, len;
	char *buf;

	spit("{\"se", 4);
	a = open_ok(&cut);
	cr_assert_eq(cut, 4);
	cr_assert_eq(fk_audit_seq(a), 0);
	append_ok(a, "start", NULL);
	fk_audit_free(a);
	buf = slurp(&len);
	cr_assert(strncmp(buf, "{\"seq\":1,", 9) == 0);
	free(buf);
}

/* Not our file, or not ours any more: refused, and left as it was. */
struct refuse_case {
	char text[160];
	char want[160];
};

ParameterizedTestParameters(audit, open_refuses)
{
	static struct refuse_case cases[] = {
		{ "hello\n",
		    "last line is not an audit entry: column 1: expected \'{\'" },
		{ "{\"a\":1}\n", "last line is not an audit entry: no seq" },
		{ "{\"seq\":0}\n",
		    "last line is not an audit entry: seq is not a positive "
		    "integer" },
		{ "{\"seq\":1}\n\n",
		    "last line is not an audit entry: column 1: expected \'{\'" },
		{ "{\"seq\":1}\nhello",
		    "last line is not an audit entry: no newline at the end, "
		    "and not the start of an entry" },
		{ "x",
		    "last line is not an audit entry: no newline at the "
		    "end, and not the start of an entry" },
		{ "hello\n{\"seq\":2",
		    "last line is not an audit entry: column 1: expected \'{\'" },
	};

	return cr_make_param_array(struct refuse_case, cases, NELEM(cases));
}

ParameterizedTest(struct refuse_case *c, audit, open_refuses)
{
	char err[512], want[1024], *buf;
	size_t len, cut = 99;

	spit(c->text, strlen(c->text));
	cr_assert_null(fk_audit_open(path, &cut, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: %s", path, c->want);
	cr_assert_str_eq(err, want);
	cr_assert_eq(cut, 0);
	buf = slurp(&len);
	cr_assert_eq(len, strlen(c->text));
	cr_assert(memcmp(buf, c->text, len) == 0);
	free(buf);
}

Test(audit, open_error)
{
	char err[512], want[1024], p[700];

	snprintf(p, sizeof(p), "%s/no/such", dir);
	cr_assert_null(fk_audit_open(p, NULL, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: %s", p, strerror(ENOENT));
	cr_assert_str_eq(err, want);
	cr_assert_null(fk_audit_open(dir, NULL, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: %s", dir, strerror(EISDIR));
	cr_assert_str_eq(err, want);
}

Test(audit, lock_in_one_process)
{
	struct fk_audit *a, *b;
	char err[512], want[1024];

	a = open_ok(NULL);
	append_ok(a, "start", NULL);
	cr_assert_null(fk_audit_open(path, NULL, err, sizeof(err)));
	snprintf(
	    want, sizeof(want), "%s: in use by another process (locked)", path);
	cr_assert_str_eq(err, want);
	fk_audit_free(a);
	b = open_ok(NULL);
	cr_assert_eq(fk_audit_seq(b), 1);
	fk_audit_free(b);
	fk_audit_free(NULL);
}

Test(audit, lock_across_processes)
{
	struct fk_audit *a = open_ok(NULL);
	int status;
	pid_t pid;

	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		char err[512], want[1024];
		struct fk_audit *b =
		    fk_audit_open(path, NULL, err, sizeof(err));

		snprintf(want, sizeof(want),
		    "%s: in use by another process (locked)", path);
		_exit(b == NULL && strcmp(err, want) == 0 ? 0 : 1);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	fk_audit_free(a);

	/* And free lets the next process in. */
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		char err[512];
		struct fk_audit *b =
		    fk_audit_open(path, NULL, err, sizeof(err));

		_exit(b != NULL ? 0 : 1);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

struct event_case {
	char event[16];
};

ParameterizedTestParameters(audit, bad_event)
{
	static struct event_case cases[] = {
		{ "" },
		{ "File" },
		{ "a-b" },
		{ "a b" },
		{ "ok\n" },
		{ "x1" },
		{ "\"q\"" },
		{ "\xc3\xa9t\xc3\xa9" },
	};

	return cr_make_param_array(struct event_case, cases, NELEM(cases));
}

ParameterizedTest(struct event_case *c, audit, bad_event)
{
	struct fk_audit *a = open_ok(NULL);
	char err[512], want[1024];
	size_t len;
	char *buf;

	append_ok(a, "start", NULL);
	cr_assert_eq(
	    fk_audit_append(a, c->event, NULL, 0, T0, err, sizeof(err)), -1);
	snprintf(want, sizeof(want),
	    "%s: event \"%s\": not a plain word ([a-z_]+)", path, c->event);
	cr_assert_str_eq(err, want);
	cr_assert_eq(fk_audit_seq(a), 1);
	append_ok(a, "ok_word", NULL);
	cr_assert_eq(fk_audit_seq(a), 2);
	fk_audit_free(a);
	buf = slurp(&len);
	cr_assert_null(strstr(buf, c->event[0] != '\0' ? c->event : "\"\""));
	free(buf);
}

Test(audit, null_event)
{
	struct fk_audit *a = open_ok(NULL);
	char err[512];

	cr_assert_eq(
	    fk_audit_append(a, NULL, NULL, 0, T0, err, sizeof(err)), -1);
	cr_assert_eq(fk_audit_seq(a), 0);
	fk_audit_free(a);
}

struct members_case {
	char members[64];
	char want[128];
};

ParameterizedTestParameters(audit, bad_members)
{
	static struct members_case cases[] = {
		{ "\"a\":", "members: not JSON: column 5: expected a value" },
		{ "\"a\":1,",
		    "members: not JSON: column 7: expected a key in double quotes" },
		{ "a:1",
		    "members: not JSON: column 1: expected a key in double quotes" },
		{ "\"a\":1}{\"b\":2",
		    "members: not JSON: column 7: text after the object" },
		{ "\"a\":\n1", "members: a newline would split the line" },
		{ "\"a\":1,\"a\":2", "members: a key appears twice" },
		{ "\"seq\":5", "members: \"seq\" is the entry's own" },
		{ "\"x\":1,\"prev\":\"\"",
		    "members: \"prev\" is the entry's own" },
		{ "\"\\u0074ime\":1", "members: \"time\" is the entry's own" },
		{ "\"event\":\"x\"", "members: \"event\" is the entry's own" },
	};

	return cr_make_param_array(struct members_case, cases, NELEM(cases));
}

ParameterizedTest(struct members_case *c, audit, bad_members)
{
	struct fk_audit_report r;
	struct fk_audit *a = open_ok(NULL);
	char err[512], want[1024];

	append_ok(a, "start", NULL);
	cr_assert_eq(fk_audit_append(a, "file", c->members, strlen(c->members),
	                 T0, err, sizeof(err)),
	    -1);
	snprintf(want, sizeof(want), "%s: %s", path, c->want);
	cr_assert_str_eq(err, want);
	append_ok(a, "file", "\"ok\":true");
	fk_audit_free(a);
	expect_intact(2, &r);
}

/* members is len bytes, not a string. */
Test(audit, members_by_length)
{
	struct fk_audit *a = open_ok(NULL);
	struct lines ls;
	char err[512];

	cr_assert_eq(
	    fk_audit_append(a, "file", "\"n\":12345", 5, T0, err, sizeof(err)),
	    0, "%s", err);
	fk_audit_free(a);
	read_lines(&ls);
	cr_assert_not_null(strstr(ls.l[0], ",\"n\":1,\"prev\""));
	free(ls.buf);
}

struct seen {
	long calls;
	long fail_at;
	struct lines *ls;
};

static int
count_entry(void *arg, long line, const char *text, size_t len, char *err,
    size_t errlen)
{
	struct seen *s = arg;

	s->calls++;
	cr_assert_eq(line, s->calls);
	cr_assert_eq(len, s->ls->len[line - 1]);
	cr_assert(memcmp(text, s->ls->l[line - 1], len) == 0);
	if (line == s->fail_at) {
		snprintf(err, errlen, "event \"file\": no records");
		return -1;
	}
	return 0;
}

Test(audit, entry_callback)
{
	struct fk_audit_report r;
	struct lines ls;
	struct seen s = { 0, 0, &ls };
	char err[512];

	make_log(5);
	read_lines(&ls);
	cr_assert_eq(
	    fk_audit_verify(path, count_entry, &s, &r, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_eq(s.calls, 5);
	cr_assert_eq(r.entries, 5);

	s.calls = 0;
	s.fail_at = 3;
	cr_assert_eq(
	    fk_audit_verify(path, count_entry, &s, &r, err, sizeof(err)), 1);
	cr_assert_eq(s.calls, 3);
	cr_assert_eq(r.line, 3);
	cr_assert_eq(r.entries, 2);
	cr_assert_str_eq(err, "line 3: event \"file\": no records");
	free(ls.buf);
}

/* Not called for a line the chain already finds bad. */
Test(audit, entry_callback_only_intact_lines)
{
	struct fk_audit_report r;
	struct lines ls;
	struct seen s = { 0, 0, &ls };
	char err[512];

	make_log(5);
	read_lines(&ls);
	ls.l[3][7] = '9';
	write_lines(ls.l, ls.len, ls.n);
	cr_assert_eq(
	    fk_audit_verify(path, count_entry, &s, &r, err, sizeof(err)), 1);
	cr_assert_eq(s.calls, 3);
	cr_assert_eq(r.line, 4);
	free(ls.buf);
}

/* A write that fails part way is cut back off, and the log goes on. */
Test(audit, failed_write_is_undone)
{
	struct fk_audit_report r;
	struct fk_audit *a;
	struct rlimit rl, old;
	struct stat st;
	char err[512], want[1024];

	make_log(2);
	cr_assert_eq(stat(path, &st), 0);
	a = open_ok(NULL);
	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	rl = old;
	rl.rlim_cur = (rlim_t)st.st_size + 20;
	cr_assert_neq(signal(SIGXFSZ, SIG_IGN), SIG_ERR);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	cr_assert_eq(
	    fk_audit_append(a, "file", "\"n\":3", 5, T0, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: writing: %s", path, strerror(EFBIG));
	cr_assert_str_eq(err, want);
	cr_assert_eq(fk_audit_seq(a), 2);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	{
		struct stat now;

		cr_assert_eq(stat(path, &now), 0);
		cr_assert_eq(now.st_size, st.st_size);
	}
	expect_intact(2, &r);
	append_ok(a, "file", "\"n\":3");
	fk_audit_free(a);
	expect_intact(3, &r);
}
