#include "csv.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "banned.h"

#define MAXF 8

/* Copy to a heap buffer of exactly len bytes so ASan catches any read past
 * the end of the record (nothing may rely on a NUL after it). */
static char *
exact(const char *s, size_t len)
{
	char *p = malloc(len > 0 ? len : 1);

	cr_assert_not_null(p);
	if (len > 0)
		memcpy(p, s, len);
	return p;
}

static int
split(struct fk_csv_row *row, const char *s, size_t len, char sep, char *err,
    size_t errlen)
{
	char *copy = exact(s, len);
	int rc = fk_csv_split(row, copy, len, sep, err, errlen);

	free(copy);
	return rc;
}

static int
complete(const char *s, size_t len)
{
	char *copy = exact(s, len);
	int rc = fk_csv_complete(copy, len);

	free(copy);
	return rc;
}

static void
check_field(
    const struct fk_csv_row *row, size_t i, const char *want, size_t wantlen)
{
	cr_assert_lt(i, row->nfields);
	cr_assert_eq(row->fields[i].len, wantlen,
	    "field %zu: len %zu, want %zu", i + 1, row->fields[i].len, wantlen);
	cr_assert_eq(memcmp(row->fields[i].s, want, wantlen), 0,
	    "field %zu: got \"%.*s\", want \"%s\"", i + 1,
	    (int)row->fields[i].len, row->fields[i].s, want);
	cr_assert_eq(
	    row->fields[i].s[wantlen], '\0', "field %zu: no NUL", i + 1);
}

struct split_case {
	char in[96];
	char sep;
	size_t nexp;
	char exp[MAXF][32];
};

ParameterizedTestParameters(csv, split_table)
{
	static struct split_case cases[] = {
		{ "a,b,c", ',', 3, { "a", "b", "c" } },
		{ "abc", ',', 1, { "abc" } },
		{ " a , b ", ',', 2, { " a ", " b " } },
		/* empty fields at start, middle, end */
		{ "", ',', 1, { "" } },
		{ ",", ',', 2, { "", "" } },
		{ ",,", ',', 3, { "", "", "" } },
		{ ",a", ',', 2, { "", "a" } },
		{ "a,,b", ',', 3, { "a", "", "b" } },
		{ "a,", ',', 2, { "a", "" } },
		/* quoted fields */
		{ "\"a,b\",c", ',', 2, { "a,b", "c" } },
		{ "\"a\",\"b\"", ',', 2, { "a", "b" } },
		{ "x,\"a,b,c\",y", ',', 3, { "x", "a,b,c", "y" } },
		{ "\"say \"\"hi\"\"\",x", ',', 2, { "say \"hi\"", "x" } },
		{ "x,\"\"\"\",y", ',', 3, { "x", "\"", "y" } },
		{ "\"\"\"\"", ',', 1, { "\"" } },
		{ "\"\"\"a\"\"\"", ',', 1, { "\"a\"" } },
		/* a field that is just "" */
		{ "\"\"", ',', 1, { "" } },
		{ "a,\"\",b", ',', 3, { "a", "", "b" } },
		{ "\"\",", ',', 2, { "", "" } },
		{ ",\"\"", ',', 2, { "", "" } },
		/* embedded line ends kept verbatim */
		{ "\"line1\nline2\",z", ',', 2, { "line1\nline2", "z" } },
		{ "\"l1\r\nl2\",z", ',', 2, { "l1\r\nl2", "z" } },
		{ "a,\"\n\n\"", ',', 2, { "a", "\n\n" } },
		/* trailing CR of the record dropped, only one, only at the end */
		{ "a,b\r", ',', 2, { "a", "b" } },
		{ "a,\"b\"\r", ',', 2, { "a", "b" } },
		{ "a,\r", ',', 2, { "a", "" } },
		{ "\r", ',', 1, { "" } },
		{ "a\r\r", ',', 1, { "a\r" } },
		{ "a\rb,c", ',', 2, { "a\rb", "c" } },
		{ "\"a\r\"", ',', 1, { "a\r" } },
		/* bytes pass through untouched */
		{ "h\xc3\xa9llo,\xe6\x97\xa5\xe6\x9c\xac,\"\xc3\xbc,\xc3\x9f\"",
		    ',', 3,
		    { "h\xc3\xa9llo", "\xe6\x97\xa5\xe6\x9c\xac",
		        "\xc3\xbc,\xc3\x9f" } },
		{ "\xff\xfe,\x80", ',', 2, { "\xff\xfe", "\x80" } },
		/* other separators */
		{ "a;b,c;\"d;e\"", ';', 3, { "a", "b,c", "d;e" } },
		{ "a;;\"\"", ';', 3, { "a", "", "" } },
		{ "a\tb c\t\"d\te\"\t", '\t', 4, { "a", "b c", "d\te", "" } },
		{ "\"a,b\"|c", '|', 2, { "a,b", "c" } },
	};

	return cr_make_param_array(
	    struct split_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct split_case *c, csv, split_table)
{
	struct fk_csv_row row;
	char err[128] = "";
	size_t i;

	fk_csv_row_init(&row);
	cr_assert_eq(
	    split(&row, c->in, strlen(c->in), c->sep, err, sizeof(err)), 0,
	    "\"%s\": %s", c->in, err);
	cr_assert_eq(row.nfields, c->nexp, "\"%s\": %zu fields, want %zu",
	    c->in, row.nfields, c->nexp);
	for (i = 0; i < c->nexp; i++)
		check_field(&row, i, c->exp[i], strlen(c->exp[i]));
	fk_csv_row_release(&row);
}

struct err_case {
	char in[48];
	char sep;
	char msg[64];
};

ParameterizedTestParameters(csv, split_errors)
{
	static struct err_case cases[] = {
		{ "a,b\"c,d", ',',
		    "column 2: unexpected quote in unquoted field" },
		{ "ab\"", ',', "column 1: unexpected quote in unquoted field" },
		{ "a,b,c\"", ',',
		    "column 3: unexpected quote in unquoted field" },
		{ "\"a\",b\"", ',',
		    "column 2: unexpected quote in unquoted field" },
		{ " \"a\"", ',',
		    "column 1: unexpected quote in unquoted field" },
		{ "1,2,3,4,5,6,7,8,9,10,1\"1", ',',
		    "column 11: unexpected quote in unquoted field" },
		{ "a;\"b\";c\"", ';',
		    "column 3: unexpected quote in unquoted field" },
		{ "\"a\"b", ',', "column 1: text after closing quote" },
		{ "a,\"b\" ,c", ',', "column 2: text after closing quote" },
		{ "a,b,\"c\"d", ',', "column 3: text after closing quote" },
		{ "\"a\"\"\"b", ',', "column 1: text after closing quote" },
		{ "\"a\"\rb", ',', "column 1: text after closing quote" },
		{ "\"a\"\r\r", ',', "column 1: text after closing quote" },
		{ "\"a\",b", ';', "column 1: text after closing quote" },
		{ "a\t\"b\"c", '\t', "column 2: text after closing quote" },
		{ "\"", ',', "column 1: unterminated quoted field" },
		{ "\"abc", ',', "column 1: unterminated quoted field" },
		{ "a,\"b", ',', "column 2: unterminated quoted field" },
		{ "\"a\"\"", ',', "column 1: unterminated quoted field" },
		{ "a,\"b\r", ',', "column 2: unterminated quoted field" },
		{ "\"a\nb", ',', "column 1: unterminated quoted field" },
		{ "\"a,b\",\"c", ',', "column 2: unterminated quoted field" },
	};

	return cr_make_param_array(
	    struct err_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct err_case *c, csv, split_errors)
{
	struct fk_csv_row row;
	char err[128] = "";

	fk_csv_row_init(&row);
	cr_assert_eq(
	    split(&row, c->in, strlen(c->in), c->sep, err, sizeof(err)), -1,
	    "\"%s\" accepted", c->in);
	cr_assert_str_eq(err, c->msg);
	cr_assert_eq(row.nfields, 0);
	fk_csv_row_release(&row);
}

struct complete_case {
	char in[48];
	int want;
};

ParameterizedTestParameters(csv, complete_table)
{
	static struct complete_case cases[] = {
		{ "", 1 },
		{ "abc", 1 },
		{ "a,b,c", 1 },
		{ "\"", 0 },
		{ "\"abc", 0 },
		{ "a,\"b", 0 },
		{ "a,\"b,c", 0 },
		/* quoted field ending exactly at the buffer end */
		{ "\"abc\"", 1 },
		{ "a,\"b\"", 1 },
		{ "\"\"", 1 },
		/* escaped quotes keep the field open */
		{ "\"a\"\"", 0 },
		{ "\"a\"\"\"", 1 },
		{ "\"\"\"", 0 },
		{ "\"\"\"\"", 1 },
		{ "\"\"\"\"\"", 0 },
		{ "\"a\"\"b\"", 1 },
		{ "\"a\"\"b\"\",c", 0 },
		/* line ends inside quotes */
		{ "\"a\nb", 0 },
		{ "\"a\r\n", 0 },
		{ "\"a\nb\"", 1 },
		{ "x,\"a,\"\"b\"\"\nc\",\"", 0 },
		{ "\"a\",\"b\"", 1 },
		/* a quote inside an unquoted field opens nothing */
		{ "a,b\"c,d", 1 },
		{ "ab\"", 1 },
		{ "a \"b", 1 },
		{ "\"a\"b\"", 1 },
		{ "a,b\"c,\"d", 0 },
		/* the separator is not known: each common one starts a field */
		{ "a;\"b", 0 },
		{ "a\t\"b", 0 },
		{ "a|\"b", 0 },
	};

	return cr_make_param_array(
	    struct complete_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct complete_case *c, csv, complete_table)
{
	cr_assert_eq(complete(c->in, strlen(c->in)), c->want, "\"%s\"", c->in);
}

Test(csv, complete_empty_null)
{
	cr_assert_eq(fk_csv_complete(NULL, 0), 1);
}

Test(csv, split_empty_null)
{
	struct fk_csv_row row;
	char err[64];

	fk_csv_row_init(&row);
	cr_assert_eq(fk_csv_split(&row, NULL, 0, ',', err, sizeof(err)), 0);
	cr_assert_eq(row.nfields, 1);
	check_field(&row, 0, "", 0);
	fk_csv_row_release(&row);
}

Test(csv, quote_in_unquoted_field_opens_nothing)
{
	static const char line[] = "a,b\"c,d";
	struct fk_csv_row row;
	char err[64];

	/* complete, so the caller does not swallow the next lines into it */
	cr_assert_eq(complete(line, strlen(line)), 1);
	fk_csv_row_init(&row);
	cr_assert_eq(
	    split(&row, line, strlen(line), ',', err, sizeof(err)), -1);
	cr_assert_str_eq(err, "column 2: unexpected quote in unquoted field");
	fk_csv_row_release(&row);
}

Test(csv, embedded_nul_passes_through)
{
	static const char line[] = "a\0b,\"c\0,d\"";
	struct fk_csv_row row;
	char err[64];

	fk_csv_row_init(&row);
	cr_assert_eq(
	    split(&row, line, sizeof(line) - 1, ',', err, sizeof(err)), 0);
	cr_assert_eq(row.nfields, 2);
	check_field(&row, 0, "a\0b", 3);
	check_field(&row, 1, "c\0,d", 4);
	fk_csv_row_release(&row);
}

Test(csv, error_then_row_still_usable)
{
	static const char bad[] = "a,\"b";
	static const char good[] = "x,\"y\",z";
	struct fk_csv_row row;
	char err[64];

	fk_csv_row_init(&row);
	cr_assert_eq(split(&row, good, strlen(good), ',', err, sizeof(err)), 0);
	cr_assert_eq(split(&row, bad, strlen(bad), ',', err, sizeof(err)), -1);
	cr_assert_eq(row.nfields, 0);
	cr_assert_eq(split(&row, good, strlen(good), ',', err, sizeof(err)), 0);
	cr_assert_eq(row.nfields, 3);
	check_field(&row, 1, "y", 1);
	fk_csv_row_release(&row);
}

Test(csv, error_buffer_truncated_or_absent)
{
	static const char bad[] = "\"abc";
	struct fk_csv_row row;
	char err[8];

	fk_csv_row_init(&row);
	memset(err, 'X', sizeof(err));
	cr_assert_eq(split(&row, bad, strlen(bad), ',', err, sizeof(err)), -1);
	cr_assert_str_eq(err, "column ");
	cr_assert_eq(split(&row, bad, strlen(bad), ',', NULL, 0), -1);
	fk_csv_row_release(&row);
}

Test(csv, release_leaves_row_reusable)
{
	static const char line[] = "a,\"b\",c";
	struct fk_csv_row row;
	char err[64];

	fk_csv_row_init(&row);
	fk_csv_row_release(&row);
	cr_assert_eq(split(&row, line, strlen(line), ',', err, sizeof(err)), 0);
	fk_csv_row_release(&row);
	cr_assert_null(row.buf);
	cr_assert_null(row.fields);
	cr_assert_eq(row.nfields, 0);
	cr_assert_eq(split(&row, line, strlen(line), ',', err, sizeof(err)), 0);
	cr_assert_eq(row.nfields, 3);
	check_field(&row, 1, "b", 1);
	fk_csv_row_release(&row);
	fk_csv_row_release(&row);
}

/* Width n, every third field quoted with an escaped quote inside, so both
 * the quote-free and the quoted paths see every width. */
static size_t
build_wide(char *out, size_t cap, size_t n, int quoted)
{
	size_t i, len = 0;
	int k;

	for (i = 0; i < n; i++) {
		if (quoted && i % 3 == 1)
			k = snprintf(out + len, cap - len, "%s\"q\"\"%zu\"",
			    i ? "," : "", i);
		else
			k = snprintf(
			    out + len, cap - len, "%sf%zu", i ? "," : "", i);
		cr_assert(k > 0 && (size_t)k < cap - len);
		len += (size_t)k;
	}
	return len;
}

static void
check_wide(const struct fk_csv_row *row, size_t n, int quoted)
{
	char want[32];
	size_t i;
	int k;

	cr_assert_eq(row->nfields, n);
	for (i = 0; i < n; i++) {
		if (quoted && i % 3 == 1)
			k = snprintf(want, sizeof(want), "q\"%zu", i);
		else
			k = snprintf(want, sizeof(want), "f%zu", i);
		check_field(row, i, want, (size_t)k);
	}
}

Test(csv, reuse_across_widths)
{
	struct fk_csv_row row;
	char err[64];
	size_t cap = 8192, len, n;
	char *line = malloc(cap);
	const char *warmbuf;
	const struct fk_csv_field *warmfields;
	int quoted;

	cr_assert_not_null(line);
	fk_csv_row_init(&row);
	for (quoted = 0; quoted <= 1; quoted++) {
		for (n = 1; n <= 300; n++) {
			len = build_wide(line, cap, n, quoted);
			cr_assert_eq(
			    split(&row, line, len, ',', err, sizeof(err)), 0,
			    "width %zu: %s", n, err);
			check_wide(&row, n, quoted);
		}
	}
	/* Warm: narrower rows must not allocate again. */
	warmbuf = row.buf;
	warmfields = row.fields;
	for (quoted = 0; quoted <= 1; quoted++) {
		for (n = 300; n >= 1; n--) {
			len = build_wide(line, cap, n, quoted);
			cr_assert_eq(
			    split(&row, line, len, ',', err, sizeof(err)), 0,
			    "width %zu: %s", n, err);
			check_wide(&row, n, quoted);
			cr_assert_eq(row.buf, warmbuf);
			cr_assert_eq(row.fields, warmfields);
		}
	}
	fk_csv_row_release(&row);
	free(line);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 32);
}

/* Minimal writer: quote when needed (and sometimes when not). */
static size_t
write_field(char *out, const char *f, size_t flen, char sep, int force)
{
	size_t i, len = 0;
	int quote = force;

	for (i = 0; i < flen && !quote; i++)
		quote =
		    f[i] == sep || f[i] == '"' || f[i] == '\r' || f[i] == '\n';
	if (!quote) {
		memcpy(out, f, flen);
		return flen;
	}
	out[len++] = '"';
	for (i = 0; i < flen; i++) {
		if (f[i] == '"')
			out[len++] = '"';
		out[len++] = f[i];
	}
	out[len++] = '"';
	return len;
}

#define RT_MAXF 12
#define RT_MAXLEN 10

Test(csv, round_trip_random)
{
	static const char alphabet[] = "ab ,;\t\"\r\n\xc3\xa9|";
	static const char seps[] = ",;\t|";
	char fields[RT_MAXF][RT_MAXLEN];
	size_t flen[RT_MAXF];
	char rec[RT_MAXF * (2 * RT_MAXLEN + 3) + 2];
	char err[64];
	struct fk_csv_row row;
	size_t iter, nf, i, j, len, reclen;
	char sep;

	fk_csv_row_init(&row);
	for (iter = 0; iter < 20000; iter++) {
		sep = seps[rng() % (sizeof(seps) - 1)];
		nf = 1 + rng() % RT_MAXF;
		reclen = 0;
		for (i = 0; i < nf; i++) {
			flen[i] = rng() % (RT_MAXLEN + 1);
			for (j = 0; j < flen[i]; j++) {
				/* alphabet plus an embedded NUL */
				size_t k = rng() % sizeof(alphabet);

				fields[i][j] = alphabet[k];
			}
			if (i > 0)
				rec[reclen++] = sep;
			reclen += write_field(rec + reclen, fields[i], flen[i],
			    sep, rng() % 4 == 0);
		}
		/* Every LF sits inside a quoted field: no line ends a record. */
		for (j = 0; j < reclen; j++)
			if (rec[j] == '\n')
				cr_assert_eq(complete(rec, j), 0,
				    "iter %zu: open at %zu", iter, j);
		len = reclen;
		if (rng() % 2)
			rec[len++] = '\r'; /* CRLF line end */
		cr_assert_eq(complete(rec, len), 1, "iter %zu", iter);
		cr_assert_eq(split(&row, rec, len, sep, err, sizeof(err)), 0,
		    "iter %zu: %s", iter, err);
		cr_assert_eq(row.nfields, nf, "iter %zu", iter);
		for (i = 0; i < nf; i++)
			check_field(&row, i, fields[i], flen[i]);
	}
	fk_csv_row_release(&row);
}
