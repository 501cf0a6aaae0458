#include "log.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>

#include "exitcode.h"

static void
setup(void)
{
	cr_redirect_stderr();
	fk_log_init("/usr/bin/fk-test");
	fk_log_set_level(FK_LOG_WARN);
}

TestSuite(log, .init = setup);

Test(log, warn_at_names_the_file_and_line)
{
	struct fk_pos pos = { "tx.ndjson", 42, -1, -1 };

	fk_warn_at(&pos, "amount: expected a number, got \"%s\"", "12,5");
	fflush(stderr);
	cr_assert_stderr_eq_str(
	    "fk-test: tx.ndjson:42: amount: expected a number, got \"12,5\"\n");
}

Test(log, warn_at_names_topic_partition_offset)
{
	struct fk_pos pos = { "transactions", 0, 3, 1234 };

	fk_warn_at(&pos, "bad");
	fflush(stderr);
	cr_assert_stderr_eq_str("fk-test: transactions[3]@1234: bad\n");
}

Test(log, quiet_keeps_errors_only)
{
	fk_log_set_level(FK_LOG_ERROR);
	fk_warnx("a warning");
	fk_info(FK_LOG_INFO, "a summary");
	fk_error("an error");
	fflush(stderr);
	cr_assert_stderr_eq_str("fk-test: an error\n");
}

Test(log, verbose_shows_info)
{
	fk_info(FK_LOG_INFO, "hidden");
	fk_log_set_level(FK_LOG_INFO);
	fk_info(FK_LOG_INFO, "%d in", 3);
	fk_info(FK_LOG_DEBUG, "hidden too");
	fflush(stderr);
	cr_assert_stderr_eq_str("fk-test: 3 in\n");
}

Test(log, err_adds_strerror_and_exits, .exit_code = FK_EX_IOERR)
{
	errno = ENOSPC;
	fk_err(FK_EX_IOERR, "stdout");
}

Test(log, errx_exits_with_the_code, .exit_code = FK_EX_CONFIG)
{
	fk_errx(FK_EX_CONFIG, "-X: bad");
}

Test(log, kafka_lines_by_level)
{
	fk_log_kafka(3, "FAIL", "connect refused");
	fk_log_kafka(4, "CONFWARN", "ignored property");
	fk_log_kafka(6, "INFO", "hidden");
	fflush(stderr);
	cr_assert_stderr_eq_str("fk-test: kafka: FAIL: connect refused\n");
}
