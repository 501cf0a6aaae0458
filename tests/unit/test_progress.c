/* Unit tests for progress.c: the --progress line, what it says and that
 * it never outgrows the terminal; the log hook that erases it. */
#include "progress.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "banned.h"

Test(progress, says_in_rate_rejects_percent_and_time_left)
{
	char buf[256];
	size_t n = fk_progress_format(
	    buf, sizeof(buf), 80, "fk-score", 1200, 5000.4, 1, 45.04, 65);

	cr_assert_str_eq(
	    buf, "fk-score: 1200 in, 5000/s, 1 rejected, 45.0%, 1m05s left");
	cr_assert_eq(n, strlen(buf));
}

Test(progress, leaves_out_what_is_not_known)
{
	char buf[256];

	fk_progress_format(buf, sizeof(buf), 80, "fk-gen", 7, 0, -1, -1, -1);
	cr_assert_str_eq(buf, "fk-gen: 7 in, 0/s");
	fk_progress_format(
	    buf, sizeof(buf), 80, "fk-score", 7, 3, 0, 150, 3 * 3600 + 420);
	cr_assert_str_eq(buf,
	    "fk-score: 7 in, 3/s, 0 rejected, 100.0%, "
	    "3h07m left");
	fk_progress_format(buf, sizeof(buf), 80, "x", 1, 1, 0, 99, 4.4);
	cr_assert_str_eq(buf, "x: 1 in, 1/s, 0 rejected, 99.0%, 4s left");
}

Test(progress, fits_the_terminal_without_its_last_column)
{
	char buf[256];
	size_t n = fk_progress_format(
	    buf, sizeof(buf), 20, "fk-score", 123456789, 1e6, 12, 50, 10);

	cr_assert_eq(n, 19);
	cr_assert_str_eq(buf, "fk-score: 123456789");
	n = fk_progress_format(buf, 8, 80, "fk-score", 1, 1, 0, 1, 1);
	cr_assert_eq(n, 7);
	cr_assert_str_eq(buf, "fk-scor");
}

Test(progress, width_from_columns)
{
	setenv("COLUMNS", "132", 1);
	cr_assert_eq(fk_progress_width(), 132);
	setenv("COLUMNS", "wide", 1);
	cr_assert_eq(fk_progress_width(), 80);
	unsetenv("COLUMNS");
	cr_assert_eq(fk_progress_width(), 80);
}

Test(progress, a_message_erases_the_line_and_the_end_ends_it,
    .init = cr_redirect_stderr)
{
	struct fk_progress p;
	struct fk_progress_counts c = { 10, 0, 50 };

	unsetenv("COLUMNS");
	fk_log_init("fk-test");
	fk_progress_start(&p, "fk-test", 100, 1, 0);
	fk_progress_tick(&p, 100, &c); /* too soon */
	fk_progress_tick(&p, 500, &c);
	fk_warnx("bad");
	c.in = 20;
	c.bytes = 100;
	fk_progress_end(&p, 1000, &c);
	fk_warnx("after");
	fflush(stderr);
	cr_assert_stderr_eq_str(
	    "\rfk-test: 10 in, 20/s, 0 rejected, 50.0%, 1s left"
	    "\r                                                \r"
	    "fk-test: bad\n"
	    "\rfk-test: 20 in, 20/s, 0 rejected, 100.0%\n"
	    "fk-test: after\n");
}
