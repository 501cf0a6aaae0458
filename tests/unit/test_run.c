/* The runtime with a toy tool: records through, rejects, framing, exits. */
#include "run.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "prom.h"
#include "testutil.h"

static char tmpdir[256];
static int csv, own;
static uint64_t *lines; /* -M: a metric of the tool's own */

/* Lines starting "bad" are rejected, "#" skipped, others echoed. */
static void
record(void *ctx, struct fk_rt *rt, const struct fk_rec *rec)
{
	(void)ctx;
	if (rec->len >= 3 && memcmp(rec->data, "bad", 3) == 0)
		fk_rt_reject(rt, rec, "bad line of %zu bytes", rec->len);
	else if (rec->len > 0 && rec->data[0] == '#')
		fk_rt_skip(rt, rec);
	else
		fk_rt_emit(rt, rec->data, rec->len, NULL, 0, 0);
	if (lines != NULL)
		(*lines)++;
}

static void
start(void *ctx, struct fk_rt *rt)
{
	char err[256];

	(void)ctx;
	fk_rt_set_csv_framing(rt, csv);
	lines = NULL;
	if (own)
		lines = fk_prom_counter(fk_rt_metrics(rt), "fk_toy_lines_total",
		    "Lines seen", NULL, err, sizeof(err));
}

static const struct fk_option options[] = {
	FK_OPT_BOOL('C', NULL, &csv, "CSV framing"),
	FK_OPT_BOOL('M', NULL, &own, "a metric of its own"),
	FK_OPT_END(),
};

static const struct fk_tool tool = {
	.name = "fk-toy",
	.synopsis = "[-C] [file ...]",
	.options = options,
	.start = start,
	.record = record,
};

static int
run(const char *input, const char *const *args)
{
	char path[512], *argv[32];
	int argc = 0;

	fk_test_write(path, sizeof(path), tmpdir, "in", input, strlen(input));
	argv[argc++] = (char *)"fk-toy";
	for (; *args != NULL; args++)
		argv[argc++] = (char *)*args;
	argv[argc++] = path;
	argv[argc] = NULL;
	return fk_main(&tool, NULL, argc, argv);
}

static void
setup(void)
{
	fk_test_tmpdir(tmpdir, sizeof(tmpdir), "run");
	cr_redirect_stdout();
	cr_redirect_stderr();
}

static void
teardown(void)
{
	fk_test_rmdir(tmpdir);
}

TestSuite(run, .init = setup, .fini = teardown);

Test(run, records_through_and_status_0)
{
	static const char *const args[] = { NULL };

	cr_assert_eq(run("a\nb\n\nc", args), 0);
	fflush(stdout);
	cr_assert_stdout_eq_str("a\nb\nc\n");
}

Test(run, a_reject_goes_on_and_ends_65)
{
	static const char *const args[] = { "-v", NULL };

	cr_assert_eq(run("a\nbad 1\n#skip\nc\n", args), FK_EX_DATAERR);
	fflush(stdout);
	fflush(stderr);
	cr_assert_stdout_eq_str("a\nc\n");
}

Test(run, reject_file_has_input_reason_position)
{
	char rej[512], want[1024], got[1024];
	const char *args[] = { "--reject", rej, NULL };
	FILE *fp;

	snprintf(rej, sizeof(rej), "%s/rej", tmpdir);
	cr_assert_eq(run("a\nbad \"q\"\n", args), FK_EX_DATAERR);
	fp = fopen(rej, "r");
	cr_assert_not_null(fp);
	cr_assert_not_null(fgets(got, sizeof(got), fp));
	fclose(fp);
	snprintf(want, sizeof(want),
	    "{\"reason\":\"bad line of 7 bytes\",\"tool\":\"fk-toy\","
	    "\"source\":\"%s/in\",\"line\":2,\"input\":\"bad \\\"q\\\"\"}\n",
	    tmpdir);
	cr_assert_str_eq(got, want);
}

Test(run, strict_stops_at_the_first_reject)
{
	static const char *const args[] = { "--strict", NULL };

	cr_assert_eq(run("a\nbad\nc\n", args), FK_EX_DATAERR);
	fflush(stdout);
	cr_assert_stdout_eq_str("a\n");
}

Test(run, count_stops_after_n)
{
	static const char *const args[] = { "-c", "2", NULL };

	cr_assert_eq(run("a\nb\nc\n", args), 0);
	fflush(stdout);
	cr_assert_stdout_eq_str("a\nb\n");
}

Test(run, csv_framing_joins_quoted_newlines)
{
	static const char *const args[] = { "-C", NULL };

	cr_assert_eq(run("x,\"1\n2\"\ny,3\n", args), 0);
	fflush(stdout);
	cr_assert_stdout_eq_str("x,\"1\n2\"\ny,3\n");
}

Test(run, max_line_truncates)
{
	static const char *const args[] = { "--max-line", "16", NULL };

	/* The toy echoes what it gets: the first 16 bytes. */
	cr_assert_eq(run("0123456789abcdefXYZ\nok\n", args), 0);
	fflush(stdout);
	cr_assert_stdout_eq_str("0123456789abcdef\nok\n");
}

Test(run, unknown_option_is_64, .exit_code = FK_EX_USAGE)
{
	static const char *const args[] = { "--nope", NULL };

	run("a\n", args);
}

Test(run, unknown_property_is_78, .exit_code = FK_EX_CONFIG)
{
	static const char *const args[] = { "-X", "no.such=1", NULL };

	run("a\n", args);
}

Test(run, auto_commit_cannot_be_on, .exit_code = FK_EX_CONFIG)
{
	static const char *const args[] = { "-X", "enable.auto.commit=true",
		NULL };

	run("a\n", args);
}

Test(run, to_without_brokers_is_64, .exit_code = FK_EX_USAGE)
{
	static const char *const args[] = { "--to", "t", NULL };

	run("a\n", args);
}

Test(run, missing_file_is_66)
{
	char *argv[] = { (char *)"fk-toy", (char *)"/nonexistent/x", NULL };

	cr_assert_eq(fk_main(&tool, NULL, 2, argv), FK_EX_NOINPUT);
}

/* The file's text, into buf. */
static void
slurp(const char *path, char *buf, size_t len)
{
	FILE *fp = fopen(path, "r");
	size_t n;

	cr_assert_not_null(fp, "%s", path);
	n = fread(buf, 1, len - 1, fp);
	buf[n] = '\0';
	fclose(fp);
}

Test(run, metrics_file_has_the_counts)
{
	static const char *const want[] = {
		"fk_records_in_total{tool=\"fk-toy\"} 4\n",
		"fk_records_out_total{tool=\"fk-toy\"} 2\n",
		"fk_records_rejected_total{tool=\"fk-toy\"} 1\n",
		"fk_records_skipped_total{tool=\"fk-toy\"} 1\n",
		"fk_input_bytes_total{tool=\"fk-toy\"} 12\n",
		"fk_output_bytes_total{tool=\"fk-toy\"} 2\n",
		"# TYPE fk_start_time_seconds gauge\n",
		"# TYPE fk_record_processing_seconds histogram\n",
		/* the first record is timed */
		"fk_record_processing_seconds_count{tool=\"fk-toy\"} 1\n",
		"fk_toy_lines_total{tool=\"fk-toy\"} 4\n",
	};
	char path[512], got[8192];
	const char *args[] = { "-M", "--metrics-file", path, NULL };

	snprintf(path, sizeof(path), "%s/fk.prom", tmpdir);
	cr_assert_eq(run("a\nbad 1\n#skip\nc\n", args), FK_EX_DATAERR);
	slurp(path, got, sizeof(got));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_assert_not_null(
		    strstr(got, want[i]), "no %s in:\n%s", want[i], got);
	/* Kafka's are there only with a producer. */
	cr_assert_null(strstr(got, "fk_kafka"));
}

Test(run, no_metrics_no_file)
{
	static const char *const args[] = { "-M", NULL };

	cr_assert_eq(run("a\n", args), 0);
	cr_assert_not_null(lines);
}

Test(run, metrics_file_unwritable_is_74, .exit_code = FK_EX_IOERR)
{
	static const char *const args[] = { "--metrics-file",
		"/nonexistent/fk.prom", NULL };

	run("a\n", args);
}

Test(run, metrics_addr_needs_port, .exit_code = FK_EX_USAGE)
{
	static const char *const args[] = { "--metrics-addr", "::1", NULL };

	run("a\n", args);
}

Test(run, metrics_interval_needs_file, .exit_code = FK_EX_USAGE)
{
	static const char *const args[] = { "--metrics-interval", "1s", NULL };

	run("a\n", args);
}
