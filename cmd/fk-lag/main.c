/* fk-lag: how far behind consumer groups are, in messages and in time.
 *
 * A main of its own rather than fk_main(): the runtime's loop reads
 * records (files, standard input or --from) and fk-lag reads none, not
 * even standard input; it asks the cluster, prints one report and exits
 * with what the report found.  It still takes its options from args.h,
 * as an FK_TOOL_ADMIN tool, and its handles from kafka.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "exitcode.h"
#include "kafka.h"
#include "lag.h"
#include "log.h"
#include "run.h"
#include "survey.h"
#include "xalloc.h"
#include "banned.h"

/* Each request to the cluster, so that a broker down never hangs it. */
#define TIMEOUT_MS 10000

struct fklag {
	struct fk_strv groups;
	const char *prefix, *topic;
	long long max_lag, max_age_ms;
	int json;
};

static int
opt_format(void *value, const char *arg, char *err, size_t errlen)
{
	int *json = value;

	if (strcmp(arg, "text") == 0)
		*json = 0;
	else if (strcmp(arg, "json") == 0)
		*json = 1;
	else {
		snprintf(err, errlen, "expected text or json, got \"%s\"", arg);
		return -1;
	}
	return 0;
}

/* The rows over a limit; their count. */
static size_t
check(struct fk_lag_report *r, const struct fklag *f)
{
	size_t over = 0;

	for (size_t i = 0; i < r->n; i++)
		if (fk_lag_check(&r->rows[i], f->max_lag, f->max_age_ms))
			over++;
	return over;
}

int
main(int argc, char **argv)
{
	struct fklag f = { .max_lag = -1, .max_age_ms = -1 };
	const struct fk_option options[] = {
		FK_OPT_CALL('f', NULL, &f.json, opt_format, "FORMAT",
		    "text (a table, the default) or json (a line a row)"),
		FK_OPT_LIST('G', NULL, &f.groups, "GROUP",
		    "report on consumer group GROUP (repeatable)"),
		FK_OPT_STRING(
		    't', NULL, &f.topic, "TOPIC", "only the offsets on TOPIC"),
		FK_OPT_DURATION(0, "max-age", &f.max_age_ms, 0,
		    36500LL * 86400000, "TIME",
		    "exit 1 when a record waits longer than TIME"),
		FK_OPT_INT(0, "max-lag", &f.max_lag, 0, INT64_MAX, "N",
		    "exit 1 when a partition lags more than N messages"),
		FK_OPT_STRING(0, "prefix", &f.prefix, "PREFIX",
		    "the groups whose id starts with PREFIX"),
		FK_OPT_END(),
	};
	const struct fk_tool tool = {
		.name = "fk-lag",
		.flags = FK_TOOL_ADMIN,
		.synopsis = "[-f format] [-G group]... [-t topic] "
		            "[--max-age time]\n"
		            "              [--max-lag n] [--prefix prefix]",
		.options = options,
	};
	struct fk_lag_report r;
	struct fk_survey s;
	struct fk_args a;
	size_t over;
	int status, rc;

	fk_log_init(tool.name);
	fk_xalloc_init();
	fk_kafka_set_logger(fk_log_kafka);
	/* A reader that goes away ends it as it ends a filter. */
	signal(SIGPIPE, SIG_DFL);
	fk_args_parse(&a, &tool, argc, argv);
	if (a.brokers == NULL)
		fk_usage("needs brokers: -b host:port or -X "
		         "bootstrap.servers=host:port");
	s = (struct fk_survey){ .cfg = &a.cfg,
		.brokers = a.brokers,
		.groups = f.groups.v,
		.ngroups = f.groups.n,
		.prefix = f.prefix,
		.topic = f.topic,
		.timeout_ms = TIMEOUT_MS };
	fk_lag_report_init(&r);
	status = fk_survey_run(&s, &r);
	fk_lag_report_sort(&r);
	over = check(&r, &f);
	rc = f.json ? fk_lag_write_json(&r, stdout)
	            : fk_lag_write_text(&r, stdout);
	if (rc == -1 || fflush(stdout) == EOF)
		fk_err(FK_EX_IOERR, "stdout");
	fk_info(FK_LOG_INFO, "%zu partitions, %zu over a limit", r.n, over);
	fk_lag_report_release(&r);
	fk_strv_release(&f.groups);
	fk_args_release(&a);
	/* What could not be learnt comes first: the report is short. */
	if (status != 0)
		return status;
	return over > 0 ? 1 : 0;
}
