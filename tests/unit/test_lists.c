/* Unit tests for fk-enrich's lists.c: --list specs, plain and CSV list
 * files, lookups, content hashes and reloads. */
#include "lists.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "digest.h"
#include "testutil.h"
#include "banned.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static char tmpdir[256];

static void
setup(void)
{
	fk_test_tmpdir(tmpdir, sizeof(tmpdir), "lists");
}

static void
teardown(void)
{
	fk_test_rmdir(tmpdir);
}

TestSuite(lists, .init = setup, .fini = teardown);

/* Write s to a new file in the temp dir; the path goes to path. */
static void
write_file(char *path, size_t pathlen, const char *name, const char *s)
{
	fk_test_write(path, pathlen, tmpdir, name, s, strlen(s));
}

/* Replace name the way editors and `mv` do: a new file renamed over the
 * old one, so the inode changes. */
static void
replace_file(const char *name, const char *s)
{
	char tmp[512], path[512], tmpname[64];

	snprintf(tmpname, sizeof(tmpname), ".%s.tmp", name);
	write_file(tmp, sizeof(tmp), tmpname, s);
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	cr_assert_eq(
	    rename(tmp, path), 0, "rename %s: %s", tmp, strerror(errno));
}

/* Append s to path in place: same inode, new size and mtime. */
static void
append_file(const char *path, const char *s)
{
	FILE *fp = fopen(path, "a");

	cr_assert_not_null(fp, "%s", path);
	cr_assert_eq(fwrite(s, 1, strlen(s), fp), strlen(s));
	cr_assert_eq(fclose(fp), 0);
}

/* Add the list NAME[:FIELD]=<tmpdir>/file[#COLUMN]; 0 or -1. */
static int
add_list(struct fk_lists *ls, const char *lhs, const char *file,
    const char *column, char *err, size_t errlen)
{
	char spec[1024];

	snprintf(spec, sizeof(spec), "%s=%s/%s%s%s", lhs, tmpdir, file,
	    column != NULL ? "#" : "", column != NULL ? column : "");
	return fk_lists_add(ls, spec, err, errlen);
}

/* Add a list that must load; the new list. */
static const struct fk_list *
must_add(
    struct fk_lists *ls, const char *lhs, const char *file, const char *column)
{
	char err[1024] = "";

	cr_assert_eq(add_list(ls, lhs, file, column, err, sizeof(err)), 0,
	    "%s: %s", lhs, err);
	cr_assert_gt(ls->n, 0);
	return ls->l[ls->n - 1];
}

static int
has(const struct fk_list *l, const char *s)
{
	return fk_list_has(l, s, strlen(s));
}

/* The hex SHA-256 of the file at path, computed apart from lists.c. */
static void
file_sha256(const char *path, char hex[FK_SHA256_HEXLEN])
{
	unsigned char buf[4096], md[FK_SHA256_LEN];
	struct fk_sha256 c;
	FILE *fp = fopen(path, "rb");
	size_t n, i;

	cr_assert_not_null(fp, "%s", path);
	fk_sha256_init(&c);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		fk_sha256_update(&c, buf, n);
	cr_assert_eq(ferror(fp), 0);
	fclose(fp);
	fk_sha256_final(&c, md);
	for (i = 0; i < FK_SHA256_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* Run reload, checking its result, count and message. */
static void
check_reload(struct fk_lists *ls, int force, int want_rc, int want_n,
    const char *want_err)
{
	char err[2048];
	int n = -1, rc;

	memset(err, 'X', sizeof(err));
	rc = fk_lists_reload(ls, force, &n, err, sizeof(err));
	cr_assert_eq(
	    rc, want_rc, "reload returned %d (%s)", rc, rc == -1 ? err : "");
	cr_assert_eq(n, want_n, "reloaded %d lists, want %d", n, want_n);
	if (want_err != NULL)
		cr_assert_str_eq(err, want_err);
}

Test(lists, init_and_release_empty)
{
	struct fk_lists ls;

	memset(&ls, 0xa5, sizeof(ls));
	fk_lists_init(&ls);
	cr_assert_null(ls.l);
	cr_assert_eq(ls.n, 0);
	check_reload(&ls, 0, 0, 0, "");
	fk_lists_release(&ls);
	fk_lists_release(&ls);
}

/* NAME=FILE: one value a line, checked against the four id fields. */
Test(lists, plain_list)
{
	const struct fk_list *l;
	struct fk_lists ls;
	char path[512];

	write_file(path, sizeof(path), "blocked.txt", "u1\nu22\nacct 7\n");
	fk_lists_init(&ls);
	l = must_add(&ls, "blocked", "blocked.txt", NULL);
	cr_assert_eq(ls.n, 1);
	cr_assert_str_eq(l->name, "blocked");
	cr_assert_str_eq(l->path, path);
	cr_assert_null(l->field, "default: every id field");
	cr_assert_null(l->column);
	cr_assert_eq(l->n, 3);
	cr_assert(has(l, "u1"));
	cr_assert(has(l, "u22"));
	cr_assert(has(l, "acct 7"), "inner blanks are part of the value");
	cr_assert_not(has(l, "u2"), "a prefix of a value");
	cr_assert_not(has(l, "u"), "a prefix of a value");
	cr_assert_not(has(l, "u11"), "a value as prefix");
	cr_assert_not(has(l, "u221"), "a value as prefix");
	cr_assert_not(has(l, "U1"), "case matters");
	cr_assert_not(has(l, ""));
	cr_assert_not(has(l, "nobody"));
	fk_lists_release(&ls);
}

/* The value is len bytes, not a C string; no NUL byte ever matches. */
Test(lists, has_uses_length)
{
	const struct fk_list *l;
	struct fk_lists ls;
	char path[512];

	write_file(path, sizeof(path), "l.txt", "abc\n");
	fk_lists_init(&ls);
	l = must_add(&ls, "x", "l.txt", NULL);
	cr_assert(fk_list_has(l, "abcdef", 3));
	cr_assert_not(fk_list_has(l, "abcdef", 4));
	cr_assert_not(fk_list_has(l, "abcdef", 2));
	cr_assert_not(fk_list_has(l, "abc\0", 4));
	cr_assert_not(fk_list_has(l, NULL, 0));
	fk_lists_release(&ls);
}

/* A list named after an id field checks that field only. */
Test(lists, default_field_from_name)
{
	static const char *const named[] = { "user_id", "device_id", "ip",
		"merchant_id", "terminal_id" };
	static const char *const other[] = { "blocked", "users", "user_ids",
		"IP", "card_bin" };
	const struct fk_list *l;
	struct fk_lists ls;
	char path[512];
	size_t i;

	write_file(path, sizeof(path), "l.txt", "v\n");
	fk_lists_init(&ls);
	for (i = 0; i < NELEM(named); i++) {
		l = must_add(&ls, named[i], "l.txt", NULL);
		cr_assert_not_null(l->field, "%s", named[i]);
		cr_assert_str_eq(l->field, named[i]);
	}
	for (i = 0; i < NELEM(other); i++) {
		l = must_add(&ls, other[i], "l.txt", NULL);
		cr_assert_null(l->field, "%s: field %s", other[i], l->field);
	}
	cr_assert_eq(ls.n, NELEM(named) + NELEM(other));
	fk_lists_release(&ls);
}

/* NAME:FIELD=FILE, also overriding a name's default field. */
Test(lists, explicit_field)
{
	const struct fk_list *l;
	struct fk_lists ls;
	char path[512];

	write_file(path, sizeof(path), "bins.txt", "411111\n");
	fk_lists_init(&ls);
	l = must_add(&ls, "bad_bins:card_bin", "bins.txt", NULL);
	cr_assert_str_eq(l->name, "bad_bins");
	cr_assert_str_eq(l->field, "card_bin");
	cr_assert_str_eq(l->path, path);
	cr_assert_null(l->column);
	cr_assert(has(l, "411111"));
	l = must_add(&ls, "ip:client.ip", "bins.txt", NULL);
	cr_assert_str_eq(l->name, "ip");
	cr_assert_str_eq(l->field, "client.ip");
	fk_lists_release(&ls);
}

/* Blank lines, comments (indented too), CRLF, blanks around values and
 * a last line without a newline. */
Test(lists, comments_blanks_crlf)
{
	const struct fk_list *l;
	struct fk_lists ls;
	char path[512];

	write_file(path, sizeof(path), "l.txt",
	    "# blocked users\r\n"
	    "\r\n"
	    "  a  \r\n"
	    "\tb\t\r\n"
	    "   # indented comment\n"
	    "\n"
	    "   \t \n"
	    "c#not-a-comment\n"
	    "d\r\r\n"
	    "e");
	fk_lists_init(&ls);
	l = must_add(&ls, "blocked", "l.txt", NULL);
	cr_assert_eq(l->n, 5);
	cr_assert(has(l, "a"));
	cr_assert(has(l, "b"));
	cr_assert(has(l, "c#not-a-comment"));
	cr_assert(has(l, "d"));
	cr_assert(has(l, "e"));
	cr_assert_not(has(l, "# blocked users"));
	cr_assert_not(has(l, "  a  "));
	cr_assert_not(has(l, "a\r"));
	cr_assert_not(has(l, "# indented comment"));
	fk_lists_release(&ls);
}

Test(lists, duplicates_counted_once)
{
	const struct fk_list *l;
	struct fk_lists ls;
	char path[512];

	write_file(path, sizeof(path), "l.txt", "a\nb\na\n a\nb\r\n");
	fk_lists_init(&ls);
	l = must_add(&ls, "x", "l.txt", NULL);
	cr_assert_eq(l->n, 2);
	cr_assert(has(l, "a"));
	cr_assert(has(l, "b"));
	fk_lists_release(&ls);
}

/* An empty list (all values removed) is a list, not an error. */
Test(lists, empty_file_is_empty_list)
{
	const struct fk_list *l;
	struct fk_lists ls;
	char path[512], hex[FK_SHA256_HEXLEN];

	write_file(path, sizeof(path), "empty.txt", "");
	write_file(path, sizeof(path), "comments.txt", "# none yet\n\n");
	fk_lists_init(&ls);
	l = must_add(&ls, "a", "empty.txt", NULL);
	cr_assert_eq(l->n, 0);
	cr_assert_not(has(l, ""));
	cr_assert_not(has(l, "x"));
	fk_sha256_hex("", 0, hex);
	cr_assert_str_eq(l->hash, hex);
	l = must_add(&ls, "b", "comments.txt", NULL);
	cr_assert_eq(l->n, 0);
	fk_lists_release(&ls);
}

/* A UTF-8 byte-order mark is not part of the first value. */
Test(lists, byte_order_mark)
{
	const struct fk_list *l;
	struct fk_lists ls;
	char path[512], hex[FK_SHA256_HEXLEN];

	write_file(path, sizeof(path), "l.txt", "\xef\xbb\xbfu1\nu2\n");
	write_file(path, sizeof(path), "l.csv", "\xef\xbb\xbfid\nu3\n");
	fk_lists_init(&ls);
	l = must_add(&ls, "a", "l.txt", NULL);
	cr_assert(has(l, "u1"));
	cr_assert(has(l, "u2"));
	fk_sha256_hex("\xef\xbb\xbfu1\nu2\n", 9, hex);
	cr_assert_str_eq(l->hash, hex, "the mark counts in the hash");
	l = must_add(&ls, "b:user_id", "l.csv", "id");
	cr_assert(has(l, "u3"));
	fk_lists_release(&ls);
}

Test(lists, nul_byte_is_an_error)
{
	struct fk_lists ls;
	char path[512], err[1024], want[1024];

	fk_test_write(path, sizeof(path), tmpdir, "l.txt", "a\nb\0c\n", 6);
	fk_lists_init(&ls);
	cr_assert_eq(add_list(&ls, "x", "l.txt", NULL, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "x: %s:2: NUL byte in value", path);
	cr_assert_str_eq(err, want);
	cr_assert_eq(ls.n, 0);
	fk_lists_release(&ls);
}

/* NAME:FIELD=FILE#COLUMN: a header names the columns; quoted values,
 * quoted separators, doubled quotes and a newline inside quotes. */
Test(lists, csv_column)
{
	const struct fk_list *l;
	struct fk_lists ls;
	char path[512];

	write_file(path, sizeof(path), "users.csv",
	    "# exported 2024-05-01\r\n"
	    "\r\n"
	    "name, user_id ,reason\r\n"
	    "Ann,u1,fraud\r\n"
	    "\"Bob, Jr.\",\"u2\",chargeback\r\n"
	    "Cy,\" u3 \",\"said \"\"hi\"\"\"\r\n"
	    "Di,\"u,4\",x\n"
	    "\"Ed\nEdwards\",u5,\"two\nlines\"\n"
	    "Fay,,none\n"
	    "Gus,\"u\"\"7\",x,extra,columns\n"
	    "Hal,u8,x");
	fk_lists_init(&ls);
	l = must_add(&ls, "blocked:user_id", "users.csv", "user_id");
	cr_assert_str_eq(l->field, "user_id");
	cr_assert_str_eq(l->column, "user_id");
	cr_assert_str_eq(l->path, path);
	cr_assert_eq(l->n, 7, "got %zu values", l->n);
	cr_assert(has(l, "u1"));
	cr_assert(has(l, "u2"));
	cr_assert(has(l, "u3"), "blanks trimmed inside quotes too");
	cr_assert(has(l, "u,4"));
	cr_assert(has(l, "u5"));
	cr_assert(has(l, "u\"7"));
	cr_assert(has(l, "u8"));
	cr_assert_not(has(l, ""), "an empty cell adds nothing");
	cr_assert_not(has(l, "user_id"), "the header is not a value");
	cr_assert_not(has(l, "Ann"));
	cr_assert_not(has(l, "\"u2\""));
	l = must_add(&ls, "names:name", "users.csv", "name");
	cr_assert(has(l, "Bob, Jr."));
	cr_assert(has(l, "Ed\nEdwards"));
	cr_assert_eq(l->n, 8);
	fk_lists_release(&ls);
}

/* The path may hold a '#': the column follows the last one. */
Test(lists, csv_path_with_hash)
{
	const struct fk_list *l;
	struct fk_lists ls;
	char path[512];

	write_file(path, sizeof(path), "a#b.csv", "id\nu1\n");
	fk_lists_init(&ls);
	l = must_add(&ls, "x:user_id", "a#b.csv", "id");
	cr_assert_str_eq(l->path, path);
	cr_assert_str_eq(l->column, "id");
	cr_assert(has(l, "u1"));
	fk_lists_release(&ls);
}

struct csv_error_case {
	char file[256];
	char column[16];
	char want[128]; /* after "x: PATH" */
};

ParameterizedTestParameters(lists, csv_errors)
{
	static struct csv_error_case cases[] = {
		{ "name,user_id\nAnn,u1\n", "id",
		    ":1: no column \"id\" in the header" },
		{ "# comment\n\nname,user\n", "user_id",
		    ":3: no column \"user_id\" in the header" },
		{ "name,user_id\nAnn,u1\nBob\nCy,u3\n", "user_id",
		    ":3: too few columns: \"user_id\" is column 2, the line "
		    "has 1" },
		{ "a,b,c\n1,2,3\n\n# c\n1,2\n", "c",
		    ":5: too few columns: \"c\" is column 3, the line has 2" },
		{ "a,id\n\"x\ny\nz\",u1\nw\n", "id",
		    ":5: too few columns: \"id\" is column 2, the line has 1" },
		{ "id\nu1\nab\"c\n", "id",
		    ":3: column 1: unexpected quote in unquoted field" },
		{ "id\nu1\n\"u2\"x\n", "id",
		    ":3: column 1: text after closing quote" },
		{ "id\nu1\n\"u2\nu3\n", "id",
		    ":3: column 1: unterminated quoted field" },
		{ "", "id", ": no header line" },
		{ "# only a comment\n\n", "id", ": no header line" },
	};

	return cr_make_param_array(struct csv_error_case, cases, NELEM(cases));
}

/* Each error names FILE:LINE of the record's first line. */
ParameterizedTest(struct csv_error_case *c, lists, csv_errors)
{
	struct fk_lists ls;
	char path[512], err[1024], want[1024];

	write_file(path, sizeof(path), "l.csv", c->file);
	fk_lists_init(&ls);
	cr_assert_eq(
	    add_list(&ls, "x:user_id", "l.csv", c->column, err, sizeof(err)),
	    -1);
	snprintf(want, sizeof(want), "x: %s%s", path, c->want);
	cr_assert_str_eq(err, want);
	cr_assert_eq(ls.n, 0);
	fk_lists_release(&ls);
}

struct spec_case {
	char spec[64];
	char want[160];
};

ParameterizedTestParameters(lists, spec_errors)
{
	static struct spec_case cases[] = {
		{ "blocked",
		    "list \"blocked\": expected NAME=FILE, "
		    "NAME:FIELD=FILE or NAME:FIELD=FILE#COLUMN" },
		{ "",
		    "list \"\": expected NAME=FILE, NAME:FIELD=FILE or "
		    "NAME:FIELD=FILE#COLUMN" },
		{ "=x.txt", "list \"=x.txt\": empty name" },
		{ ":user_id=x.txt", "list \":user_id=x.txt\": empty name" },
		{ "blocked=", "list \"blocked=\": empty file name" },
		{ "blocked:user_id=",
		    "list \"blocked:user_id=\": empty file name" },
		{ "blocked:user_id=#id",
		    "list \"blocked:user_id=#id\": empty file name" },
		{ "blocked:=x.txt", "list \"blocked:=x.txt\": empty field" },
		{ "blocked:user_id=x.csv#",
		    "list \"blocked:user_id=x.csv#\": empty column" },
		{ "bl ocked=x.txt",
		    "list \"bl ocked=x.txt\": bad character \\x20 in the "
		    "name (allowed: A-Z a-z 0-9 _ . -)" },
		{ "lists/blocked=x.txt",
		    "list \"lists/blocked=x.txt\": bad character '/' in the "
		    "name (allowed: A-Z a-z 0-9 _ . -)" },
		{ "bl\xc3\xa9=x.txt",
		    "list \"bl\xc3\xa9=x.txt\": bad character \\xc3 in the "
		    "name (allowed: A-Z a-z 0-9 _ . -)" },
		{ "a#b=x.txt",
		    "list \"a#b=x.txt\": bad character '#' in the name "
		    "(allowed: A-Z a-z 0-9 _ . -)" },
	};

	return cr_make_param_array(struct spec_case, cases, NELEM(cases));
}

ParameterizedTest(struct spec_case *c, lists, spec_errors)
{
	struct fk_lists ls;
	char err[1024];

	fk_lists_init(&ls);
	cr_assert_eq(fk_lists_add(&ls, c->spec, err, sizeof(err)), -1,
	    "\"%s\" accepted", c->spec);
	cr_assert_str_eq(err, c->want);
	cr_assert_eq(ls.n, 0);
	fk_lists_release(&ls);
}

/* All the name characters allowed, and '=' in the path. */
Test(lists, name_characters_and_path)
{
	const struct fk_list *l;
	struct fk_lists ls;
	char path[512];

	write_file(path, sizeof(path), "a=b.txt", "v\n");
	fk_lists_init(&ls);
	l = must_add(&ls, "AZaz09_.-", "a=b.txt", NULL);
	cr_assert_str_eq(l->name, "AZaz09_.-");
	cr_assert_str_eq(l->path, path);
	cr_assert(has(l, "v"));
	fk_lists_release(&ls);
}

Test(lists, missing_file)
{
	struct fk_lists ls;
	char err[1024], want[1024];

	fk_lists_init(&ls);
	cr_assert_eq(
	    add_list(&ls, "blocked", "users.txt", NULL, err, sizeof(err)), -1);
	snprintf(want, sizeof(want),
	    "blocked: %s/users.txt: No such file or directory", tmpdir);
	cr_assert_str_eq(err, want);
	cr_assert_eq(ls.n, 0);
	cr_assert_eq(add_list(&ls, "d", ".", NULL, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "d: %s/.: Is a directory", tmpdir);
	cr_assert_str_eq(err, want);
	fk_lists_release(&ls);
}

/* Names are unique, whatever the field or file. */
Test(lists, duplicate_name)
{
	struct fk_lists ls;
	char path[512], err[1024];

	write_file(path, sizeof(path), "a.txt", "v\n");
	write_file(path, sizeof(path), "b.txt", "w\n");
	fk_lists_init(&ls);
	must_add(&ls, "blocked", "a.txt", NULL);
	cr_assert_eq(
	    add_list(&ls, "blocked:ip", "b.txt", NULL, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "blocked: duplicate list name");
	cr_assert_eq(ls.n, 1);
	must_add(&ls, "blocked2", "a.txt", NULL);
	cr_assert_eq(ls.n, 2);
	fk_lists_release(&ls);
}

/* The hash is that of the bytes as read: comments, CRs and all. */
Test(lists, hash_is_sha256_of_file)
{
	const struct fk_list *l;
	struct fk_lists ls;
	char path[512], hex[FK_SHA256_HEXLEN];

	/* sha256sum of these bytes, computed outside. */
	write_file(path, sizeof(path), "l.txt", "u1\nu2\n# x\n");
	fk_lists_init(&ls);
	l = must_add(&ls, "a", "l.txt", NULL);
	cr_assert_str_eq(l->hash,
	    "c15235b2d5ae5abd5011ccc617c1ffcd9c94bd9363bd2f84e173420bb5def5b1");
	write_file(path, sizeof(path), "l.csv", "# c\r\nid\r\n u1 \r\n\r\n");
	l = must_add(&ls, "b:user_id", "l.csv", "id");
	file_sha256(path, hex);
	cr_assert_str_eq(l->hash, hex);
	fk_lists_release(&ls);
}

Test(lists, reload_unchanged)
{
	const struct fk_list *a, *b;
	struct fk_lists ls;
	char path[512];

	write_file(path, sizeof(path), "a.txt", "u1\n");
	write_file(path, sizeof(path), "b.csv", "id\nu2\n");
	fk_lists_init(&ls);
	a = must_add(&ls, "a", "a.txt", NULL);
	b = must_add(&ls, "b:user_id", "b.csv", "id");
	check_reload(&ls, 0, 0, 0, "");
	cr_assert_eq(ls.l[0], a, "an unchanged list is kept as it is");
	cr_assert_eq(ls.l[1], b);
	check_reload(&ls, 0, 0, 0, "");
	fk_lists_release(&ls);
}

/* Rewritten and renamed over (a new inode): the new values replace the
 * old ones, and so does the hash. */
Test(lists, reload_replaced_file)
{
	const struct fk_list *l;
	struct fk_lists ls;
	char path[512], old_hash[FK_SHA256_HEXLEN], hex[FK_SHA256_HEXLEN];

	write_file(path, sizeof(path), "a.txt", "u1\nu2\n");
	fk_lists_init(&ls);
	l = must_add(&ls, "a", "a.txt", NULL);
	memcpy(old_hash, l->hash, sizeof(old_hash));
	replace_file("a.txt", "u3\nu1\n");
	check_reload(&ls, 0, 0, 1, "");
	l = ls.l[0];
	cr_assert_str_eq(l->name, "a");
	cr_assert_str_eq(l->path, path);
	cr_assert_null(l->field);
	cr_assert(has(l, "u1"));
	cr_assert(has(l, "u3"));
	cr_assert_not(has(l, "u2"));
	cr_assert_eq(l->n, 2);
	cr_assert_str_neq(l->hash, old_hash);
	file_sha256(path, hex);
	cr_assert_str_eq(l->hash, hex);
	check_reload(&ls, 0, 0, 0, "");
	fk_lists_release(&ls);
}

/* A CSV list keeps its field and column across a reload. */
Test(lists, reload_csv_keeps_spec)
{
	const struct fk_list *l;
	struct fk_lists ls;
	char path[512];

	write_file(path, sizeof(path), "a.csv", "n,id\nAnn,u1\n");
	fk_lists_init(&ls);
	must_add(&ls, "a:device_id", "a.csv", "id");
	replace_file("a.csv", "id,n\nu9,Bob\n");
	check_reload(&ls, 0, 0, 1, "");
	l = ls.l[0];
	cr_assert_str_eq(l->field, "device_id");
	cr_assert_str_eq(l->column, "id");
	cr_assert(has(l, "u9"));
	cr_assert_not(has(l, "u1"));
	cr_assert_not(has(l, "Bob"));
	fk_lists_release(&ls);
}

/* Appended in place (same inode): the size changes. */
Test(lists, reload_appended_file)
{
	struct fk_lists ls;
	char path[512];

	write_file(path, sizeof(path), "a.txt", "u1\n");
	fk_lists_init(&ls);
	must_add(&ls, "a", "a.txt", NULL);
	append_file(path, "u2\n");
	check_reload(&ls, 0, 0, 1, "");
	cr_assert(has(ls.l[0], "u1"));
	cr_assert(has(ls.l[0], "u2"));
	fk_lists_release(&ls);
}

/* Rewritten in place to the same size: only the mtime tells. */
Test(lists, reload_same_size_new_mtime)
{
	struct timespec ts[2];
	struct fk_lists ls;
	char path[512];
	FILE *fp;

	write_file(path, sizeof(path), "a.txt", "u1\n");
	fk_lists_init(&ls);
	must_add(&ls, "a", "a.txt", NULL);
	fp = fopen(path, "r+");
	cr_assert_not_null(fp);
	cr_assert(fputs("u7\n", fp) >= 0);
	cr_assert_eq(fclose(fp), 0);
	/* The write may fall in the same clock tick as the first one. */
	ts[0].tv_sec = ts[1].tv_sec = 1000000000;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	cr_assert_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
	check_reload(&ls, 0, 0, 1, "");
	cr_assert(has(ls.l[0], "u7"));
	cr_assert_not(has(ls.l[0], "u1"));
	fk_lists_release(&ls);
}

/* Set the mtime of path to that of st, as if in the same clock tick. */
static void
set_mtime(const char *path, const struct stat *st)
{
	struct timespec ts[2];

	ts[0] = st->st_atim;
	ts[1] = st->st_mtim;
	cr_assert_eq(utimensat(AT_FDCWD, path, ts, 0), 0, "%s", path);
}

/* Renamed over with the same size and mtime: only the inode tells. */
Test(lists, reload_new_inode_only)
{
	struct fk_lists ls;
	char path[512];
	struct stat st;

	write_file(path, sizeof(path), "a.txt", "u1\n");
	fk_lists_init(&ls);
	must_add(&ls, "a", "a.txt", NULL);
	cr_assert_eq(stat(path, &st), 0);
	replace_file("a.txt", "u2\n");
	set_mtime(path, &st);
	check_reload(&ls, 0, 0, 1, "");
	cr_assert(has(ls.l[0], "u2"));
	fk_lists_release(&ls);
}

/* Appended with the mtime put back: only the size tells. */
Test(lists, reload_new_size_only)
{
	struct fk_lists ls;
	char path[512];
	struct stat st;

	write_file(path, sizeof(path), "a.txt", "u1\n");
	fk_lists_init(&ls);
	must_add(&ls, "a", "a.txt", NULL);
	cr_assert_eq(stat(path, &st), 0);
	append_file(path, "u2\n");
	set_mtime(path, &st);
	check_reload(&ls, 0, 0, 1, "");
	cr_assert(has(ls.l[0], "u2"));
	fk_lists_release(&ls);
}

/* A removed file: the old content stays, with a message once; forced,
 * the message again. */
Test(lists, reload_removed_file)
{
	struct fk_lists ls;
	char path[512], want[1024];
	const struct fk_list *l;

	write_file(path, sizeof(path), "a.txt", "u1\n");
	fk_lists_init(&ls);
	l = must_add(&ls, "a", "a.txt", NULL);
	cr_assert_eq(unlink(path), 0);
	snprintf(want, sizeof(want), "a: %s: No such file or directory", path);
	check_reload(&ls, 0, -1, 0, want);
	cr_assert_eq(ls.l[0], l);
	cr_assert(has(ls.l[0], "u1"));
	check_reload(&ls, 0, 0, 0, "");
	check_reload(&ls, 1, -1, 0, want);
	check_reload(&ls, 0, 0, 0, "");
	cr_assert_eq(ls.l[0], l);
	cr_assert(has(ls.l[0], "u1"));
	/* Back again: loaded again. */
	write_file(path, sizeof(path), "a.txt", "u2\n");
	check_reload(&ls, 0, 0, 1, "");
	cr_assert(has(ls.l[0], "u2"));
	cr_assert_not(has(ls.l[0], "u1"));
	check_reload(&ls, 0, 0, 0, "");
	fk_lists_release(&ls);
}

/* Unreadable (a directory now; chmod would not stop root) and bad
 * content: the old content stays. */
Test(lists, reload_unreadable_or_bad)
{
	struct fk_lists ls;
	char path[512], csv[512], want[2048];

	write_file(path, sizeof(path), "a.txt", "u1\n");
	write_file(csv, sizeof(csv), "b.csv", "id\nu2\n");
	fk_lists_init(&ls);
	must_add(&ls, "a", "a.txt", NULL);
	must_add(&ls, "b:user_id", "b.csv", "id");
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(mkdir(path, 0700), 0);
	replace_file("b.csv", "user\nu3\n");
	snprintf(want, sizeof(want),
	    "a: %s: Is a directory; "
	    "b: %s:1: no column \"id\" in the header",
	    path, csv);
	check_reload(&ls, 0, -1, 0, want);
	cr_assert(has(ls.l[0], "u1"));
	cr_assert(has(ls.l[1], "u2"));
	cr_assert_not(has(ls.l[1], "u3"));
	/* Said once; tried again when the file changes. */
	check_reload(&ls, 0, 0, 0, "");
	replace_file("b.csv", "id\nu4\n");
	check_reload(&ls, 0, 0, 1, "");
	cr_assert(has(ls.l[0], "u1"));
	cr_assert(has(ls.l[1], "u4"));
	cr_assert_not(has(ls.l[1], "u2"));
	fk_lists_release(&ls);
}

/* One list failing does not stop the others. */
Test(lists, reload_partial_failure)
{
	struct fk_lists ls;
	char a[512], b[512], c[512], want[1024];

	write_file(a, sizeof(a), "a.txt", "u1\n");
	write_file(b, sizeof(b), "b.txt", "u2\n");
	write_file(c, sizeof(c), "c.txt", "u3\n");
	fk_lists_init(&ls);
	must_add(&ls, "a", "a.txt", NULL);
	must_add(&ls, "b", "b.txt", NULL);
	must_add(&ls, "c", "c.txt", NULL);
	replace_file("a.txt", "u10\n");
	cr_assert_eq(unlink(b), 0);
	replace_file("c.txt", "u30\n");
	snprintf(want, sizeof(want), "b: %s: No such file or directory", b);
	check_reload(&ls, 0, -1, 2, want);
	cr_assert(has(ls.l[0], "u10"));
	cr_assert(has(ls.l[1], "u2"));
	cr_assert(has(ls.l[2], "u30"));
	fk_lists_release(&ls);
}

/* A short error buffer is cut, not overrun; no buffer at all is fine. */
Test(lists, reload_short_error_buffer)
{
	struct fk_lists ls;
	char a[512], b[512], err[16];
	int n;

	write_file(a, sizeof(a), "a.txt", "u1\n");
	write_file(b, sizeof(b), "b.txt", "u2\n");
	fk_lists_init(&ls);
	must_add(&ls, "a", "a.txt", NULL);
	must_add(&ls, "b", "b.txt", NULL);
	cr_assert_eq(unlink(a), 0);
	cr_assert_eq(unlink(b), 0);
	memset(err, 'X', sizeof(err));
	cr_assert_eq(fk_lists_reload(&ls, 0, &n, err, sizeof(err)), -1);
	cr_assert_eq(strlen(err), sizeof(err) - 1);
	cr_assert_eq(strncmp(err, "a: ", 3), 0);
	cr_assert_eq(fk_lists_reload(&ls, 1, NULL, NULL, 0), -1);
	fk_lists_release(&ls);
}

Test(lists, reload_force)
{
	const struct fk_list *a;
	struct fk_lists ls;
	char path[512];

	write_file(path, sizeof(path), "a.txt", "u1\n");
	write_file(path, sizeof(path), "b.csv", "id\nu2\n");
	fk_lists_init(&ls);
	a = must_add(&ls, "a", "a.txt", NULL);
	must_add(&ls, "b:user_id", "b.csv", "id");
	check_reload(&ls, 1, 0, 2, "");
	cr_assert_neq(ls.l[0], a, "a new list even when nothing changed");
	cr_assert(has(ls.l[0], "u1"));
	cr_assert(has(ls.l[1], "u2"));
	cr_assert_str_eq(ls.l[1]->column, "id");
	fk_lists_release(&ls);
}

/* 100k values: all found, none of their neighbours. */
Test(lists, large_list)
{
	enum { N = 100000 };
	const struct fk_list *l;
	struct fk_lists ls;
	char *buf = malloc((size_t)N * 16), path[512], v[32], hex[65];
	size_t len = 0;
	int i, n;

	cr_assert_not_null(buf);
	for (i = 0; i < N; i++)
		len += (size_t)snprintf(buf + len, 16, "user-%07d\n", 2 * i);
	fk_test_write(path, sizeof(path), tmpdir, "big.txt", buf, len);
	fk_lists_init(&ls);
	l = must_add(&ls, "big", "big.txt", NULL);
	cr_assert_eq(l->n, N);
	fk_sha256_hex(buf, len, hex);
	cr_assert_str_eq(l->hash, hex);
	for (i = 0; i < 2 * N; i++) {
		n = snprintf(v, sizeof(v), "user-%07d", i);
		cr_assert_eq(fk_list_has(l, v, (size_t)n), i % 2 == 0, "%s", v);
	}
	cr_assert_not(has(l, "user-"));
	cr_assert_not(has(l, "user-00000000"));
	free(buf);
	fk_lists_release(&ls);
}
