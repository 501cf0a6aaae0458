/* Unit tests for the parts of kafka.c that need no broker: -o offsets,
 * configuration checks, the version, what a failed commit means.  The
 * error codes are librdkafka's, named by its header. */
#include "kafka.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <librdkafka/rdkafka.h>

#include "banned.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define UNSET_VALUE (-7) /* marks a value the parser must not touch */

struct off_case {
	char arg[32];
	enum fk_off_kind skind;
	int64_t svalue;
	enum fk_off_kind ekind;
	int64_t evalue;
};

ParameterizedTestParameters(kafka, offset_parse_good)
{
	static struct off_case cases[] = {
		{ "beginning", FK_OFF_BEGINNING, UNSET_VALUE, FK_OFF_NONE,
		    UNSET_VALUE },
		{ "end", FK_OFF_END, UNSET_VALUE, FK_OFF_NONE, UNSET_VALUE },
		{ "stored", FK_OFF_STORED, UNSET_VALUE, FK_OFF_NONE,
		    UNSET_VALUE },
		{ "0", FK_OFF_ABSOLUTE, 0, FK_OFF_NONE, UNSET_VALUE },
		{ "1234", FK_OFF_ABSOLUTE, 1234, FK_OFF_NONE, UNSET_VALUE },
		{ "9223372036854775807", FK_OFF_ABSOLUTE, INT64_MAX,
		    FK_OFF_NONE, UNSET_VALUE },
		{ "-1", FK_OFF_TAIL, 1, FK_OFF_NONE, UNSET_VALUE },
		{ "-100", FK_OFF_TAIL, 100, FK_OFF_NONE, UNSET_VALUE },
		{ "-9223372036854775807", FK_OFF_TAIL, INT64_MAX, FK_OFF_NONE,
		    UNSET_VALUE },
		{ "s@1731715200000", FK_OFF_TIME, 1731715200000LL, FK_OFF_NONE,
		    UNSET_VALUE },
		{ "s@0", FK_OFF_TIME, 0, FK_OFF_NONE, UNSET_VALUE },
		/* e@ sets only the end */
		{ "e@1731715200000", FK_OFF_NONE, UNSET_VALUE, FK_OFF_TIME,
		    1731715200000LL },
		{ "e@1", FK_OFF_NONE, UNSET_VALUE, FK_OFF_TIME, 1 },
	};

	return cr_make_param_array(struct off_case, cases, NELEM(cases));
}

ParameterizedTest(struct off_case *c, kafka, offset_parse_good)
{
	struct fk_offspec start = { FK_OFF_NONE, UNSET_VALUE };
	struct fk_offspec end = { FK_OFF_NONE, UNSET_VALUE };
	char err[256] = "";

	cr_assert_eq(
	    fk_kafka_offset_parse(c->arg, &start, &end, err, sizeof(err)), 0,
	    "\"%s\": %s", c->arg, err);
	cr_assert_eq(start.kind, c->skind, "\"%s\": start kind %d", c->arg,
	    (int)start.kind);
	cr_assert_eq(start.value, c->svalue, "\"%s\": start value %lld", c->arg,
	    (long long)start.value);
	cr_assert_eq(
	    end.kind, c->ekind, "\"%s\": end kind %d", c->arg, (int)end.kind);
	cr_assert_eq(end.value, c->evalue, "\"%s\": end value %lld", c->arg,
	    (long long)end.value);
}

struct off_err_case {
	char arg[40];
};

ParameterizedTestParameters(kafka, offset_parse_errors)
{
	static struct off_err_case cases[] = {
		{ "" },
		{ "begin" },
		{ "Beginning" },
		{ "beginning " },
		{ " end" },
		{ "END" },
		{ "storedx" },
		{ "-" },
		{ "-0" },
		{ "--1" },
		{ "- 1" },
		{ "-x" },
		{ "12abc" },
		{ " 5" },
		{ "5 " },
		{ "1.5" },
		{ "0x10" },
		{ "9223372036854775808" },
		{ "-9223372036854775808" },
		{ "s@" },
		{ "e@" },
		{ "s@-1" },
		{ "e@-5" },
		{ "s@abc" },
		{ "s@1e3" },
		{ "s@ 1" },
		{ "S@5" },
		{ "x@5" },
		{ "@5" },
		{ "s5" },
		{ "s@9223372036854775808" },
	};

	return cr_make_param_array(struct off_err_case, cases, NELEM(cases));
}

ParameterizedTest(struct off_err_case *c, kafka, offset_parse_errors)
{
	struct fk_offspec start = { FK_OFF_NONE, UNSET_VALUE };
	struct fk_offspec end = { FK_OFF_NONE, UNSET_VALUE };
	char err[256] = "", want[256];

	snprintf(want, sizeof(want),
	    "expected beginning, end, stored, N, -N, s@MS or e@MS, got \"%s\"",
	    c->arg);
	cr_assert_eq(
	    fk_kafka_offset_parse(c->arg, &start, &end, err, sizeof(err)), -1,
	    "\"%s\" accepted", c->arg);
	cr_assert_str_eq(err, want);
	cr_assert_eq(start.kind, FK_OFF_NONE);
	cr_assert_eq(start.value, UNSET_VALUE);
	cr_assert_eq(end.kind, FK_OFF_NONE);
	cr_assert_eq(end.value, UNSET_VALUE);
}

/* -o s@A -o e@B: a start and an end time from two arguments. */
Test(kafka, offset_parse_start_and_end)
{
	struct fk_offspec start = { FK_OFF_NONE, 0 }, end = { FK_OFF_NONE, 0 };
	char err[256] = "";

	cr_assert_eq(
	    fk_kafka_offset_parse("s@100", &start, &end, err, sizeof(err)), 0);
	cr_assert_eq(
	    fk_kafka_offset_parse("e@200", &start, &end, err, sizeof(err)), 0);
	cr_assert_eq(start.kind, FK_OFF_TIME);
	cr_assert_eq(start.value, 100);
	cr_assert_eq(end.kind, FK_OFF_TIME);
	cr_assert_eq(end.value, 200);
	/* a later start replaces the earlier one, the end stays */
	cr_assert_eq(
	    fk_kafka_offset_parse("beginning", &start, &end, err, sizeof(err)),
	    0);
	cr_assert_eq(start.kind, FK_OFF_BEGINNING);
	cr_assert_eq(end.kind, FK_OFF_TIME);
	cr_assert_eq(end.value, 200);
}

Test(kafka, offset_parse_error_truncated)
{
	struct fk_offspec start = { FK_OFF_NONE, 0 }, end = { FK_OFF_NONE, 0 };
	char err[9];

	memset(err, 'X', sizeof(err));
	cr_assert_eq(
	    fk_kafka_offset_parse("nope", &start, &end, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "expected");
}

static void
add(struct fk_config *cfg, const char *key, const char *value,
    const char *origin)
{
	fk_config_set(cfg, key, value, origin);
}

Test(kafka, config_check_good)
{
	struct fk_config cfg;
	char err[512] = "";

	fk_config_init(&cfg);
	cr_assert_eq(
	    fk_kafka_config_check(&cfg, err, sizeof(err)), 0, "empty: %s", err);
	add(&cfg, "bootstrap.servers", "localhost:9092", "-X");
	add(&cfg, "client.id", "fk-test", "f.conf:1");
	add(&cfg, "linger.ms", "20", "f.conf:2");
	add(&cfg, "enable.idempotence", "true", "-X");
	add(&cfg, "compression.type", "lz4", "-X");
	add(&cfg, "security.protocol", "plaintext", "-X");
	add(&cfg, "statistics.interval.ms", "0", "-X");
	/* topic-level properties go to the default topic config */
	add(&cfg, "acks", "all", "-X");
	add(&cfg, "auto.offset.reset", "earliest", "-X");
	add(&cfg, "session.timeout.ms", "10000", "-X");
	cr_assert_eq(
	    fk_kafka_config_check(&cfg, err, sizeof(err)), 0, "%s", err);
	fk_config_release(&cfg);
}

Test(kafka, config_check_unknown_key_from_arg)
{
	struct fk_config cfg;
	char err[512] = "";

	fk_config_init(&cfg);
	add(&cfg, "bootstrap.servers", "localhost:9092", "-X");
	add(&cfg, "no.such.key", "1", "-X");
	cr_assert_eq(fk_kafka_config_check(&cfg, err, sizeof(err)), -1);
	cr_assert_str_eq(
	    err, "-X: No such configuration property: \"no.such.key\"");
	fk_config_release(&cfg);
}

Test(kafka, config_check_unknown_key_from_file)
{
	struct fk_config cfg;
	char err[512] = "";

	fk_config_init(&cfg);
	add(&cfg, "client.id", "x", "/etc/fk/kafka.conf:2");
	add(&cfg, "bootstrap.server", "h:9092", "/etc/fk/kafka.conf:3");
	cr_assert_eq(fk_kafka_config_check(&cfg, err, sizeof(err)), -1);
	cr_assert_str_eq(err,
	    "/etc/fk/kafka.conf:3: No such configuration "
	    "property: \"bootstrap.server\"");
	fk_config_release(&cfg);
}

Test(kafka, config_check_first_bad_pair_reported)
{
	struct fk_config cfg;
	char err[512] = "";

	fk_config_init(&cfg);
	add(&cfg, "first.bad", "1", "a.conf:1");
	add(&cfg, "second.bad", "1", "-X");
	cr_assert_eq(fk_kafka_config_check(&cfg, err, sizeof(err)), -1);
	cr_assert_str_eq(
	    err, "a.conf:1: No such configuration property: \"first.bad\"");
	fk_config_release(&cfg);
}

Test(kafka, config_check_bad_value)
{
	struct fk_config cfg;
	char err[512] = "";

	fk_config_init(&cfg);
	add(&cfg, "enable.idempotence", "perhaps", "k.conf:4");
	cr_assert_eq(fk_kafka_config_check(&cfg, err, sizeof(err)), -1);
	cr_assert_str_eq(err,
	    "k.conf:4: Expected bool value for "
	    "\"enable.idempotence\": true or false");
	fk_config_release(&cfg);

	fk_config_init(&cfg);
	add(&cfg, "compression.type", "zip", "-X");
	cr_assert_eq(fk_kafka_config_check(&cfg, err, sizeof(err)), -1);
	/* librdkafka names the property by its canonical alias */
	cr_assert_str_eq(err,
	    "-X: Invalid value \"zip\" for configuration "
	    "property \"compression.codec\"");
	fk_config_release(&cfg);

	fk_config_init(&cfg);
	add(&cfg, "acks", "maybe", "-X");
	cr_assert_eq(fk_kafka_config_check(&cfg, err, sizeof(err)), -1);
	cr_assert_eq(strncmp(err, "-X: ", 4), 0, "%s", err);
	cr_assert_not_null(strstr(err, "acks"), "%s", err);
	fk_config_release(&cfg);
}

/* A value out of range: the message is one line, as every message is
 * (fk_errx adds the newline). */
Test(kafka, config_check_out_of_range_one_line)
{
	struct fk_config cfg;
	char err[512] = "";

	fk_config_init(&cfg);
	add(&cfg, "linger.ms", "-5", "-X");
	cr_assert_eq(fk_kafka_config_check(&cfg, err, sizeof(err)), -1);
	cr_assert_eq(strncmp(err, "-X: ", 4), 0, "%s", err);
	cr_assert_not_null(
	    strstr(err, "outside allowed range 0..900000"), "%s", err);
	cr_expect_null(strchr(err, '\n'), "newline in \"%s\"", err);
	fk_config_release(&cfg);
}

Test(kafka, config_check_error_truncated)
{
	struct fk_config cfg;
	char err[6];

	fk_config_init(&cfg);
	add(&cfg, "no.such.key", "1", "-X");
	memset(err, 'X', sizeof(err));
	cr_assert_eq(fk_kafka_config_check(&cfg, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "-X: N");
	fk_config_release(&cfg);
}

/* A bad pair fails before any handle exists: no broker needed. */
Test(kafka, producer_new_bad_config)
{
	struct fk_config cfg;
	char err[512] = "";

	fk_config_init(&cfg);
	add(&cfg, "no.such.key", "1", "-X");
	cr_assert_null(fk_producer_new(&cfg, NULL, err, sizeof(err)));
	cr_assert_str_eq(
	    err, "-X: No such configuration property: \"no.such.key\"");
	fk_config_release(&cfg);

	fk_config_init(&cfg);
	cr_assert_null(fk_producer_new(&cfg, "zip", err, sizeof(err)));
	cr_assert_str_eq(err,
	    "-z: Invalid value \"zip\" for configuration "
	    "property \"compression.codec\"");
	fk_config_release(&cfg);
}

Test(kafka, version_non_empty)
{
	const char *v = fk_kafka_version();
	int major = -1, minor = -1;

	cr_assert_not_null(v);
	cr_assert_gt(strlen(v), 0);
	cr_assert_eq(sscanf(v, "%d.%d", &major, &minor), 2, "\"%s\"", v);
	cr_assert_geq(major, 1, "\"%s\"", v);
	cr_assert_geq(minor, 0, "\"%s\"", v);
	/* borrowed and stable */
	cr_assert_eq(fk_kafka_version(), v);
}

Test(kafka, config_list_prints_properties)
{
	char *text = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&text, &n);

	cr_assert_not_null(fp);
	fk_kafka_config_list(fp);
	cr_assert_eq(fclose(fp), 0);
	cr_assert_gt(n, 1000);
	cr_assert_not_null(strstr(text, "bootstrap.servers"));
	cr_assert_not_null(strstr(text, "enable.idempotence"));
	free(text);
}

Test(kafka, parts_format_joins_runs)
{
	static const struct {
		int32_t parts[8];
		size_t n;
		char want[32];
	} cases[] = {
		{ { 0 }, 0, "" },
		{ { 3 }, 1, "3" },
		{ { 0, 1, 2, 3 }, 4, "0-3" },
		{ { 3, 1, 0, 2 }, 4, "0-3" },
		{ { 0, 2, 5, 6, 7 }, 5, "0,2,5-7" },
		{ { 1, 2, 4, 5 }, 4, "1-2,4-5" },
		{ { 2, 2, 3 }, 3, "2-3" },
	};
	char buf[64];

	for (size_t i = 0; i < NELEM(cases); i++) {
		fk_kafka_parts_format(
		    cases[i].parts, cases[i].n, buf, sizeof(buf));
		cr_expect_str_eq(buf, cases[i].want, "case %zu", i);
	}
}

Test(kafka, parts_format_cuts_short)
{
	int32_t parts[] = { 0, 2, 4, 6, 8, 10, 12, 14, 16, 18 };
	char buf[12];

	fk_kafka_parts_format(parts, NELEM(parts), buf, sizeof(buf));
	cr_expect_eq(strlen(buf), sizeof(buf) - 1, "\"%s\"", buf);
	cr_expect_str_eq(buf + strlen(buf) - 3, "...", "\"%s\"", buf);
}

struct lags {
	char got[512];
	int calls;
};

static void
collect_lags(void *arg, const struct fk_lag *l, size_t n)
{
	struct lags *x = arg;
	size_t len = strlen(x->got);

	x->calls++;
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(x->got + len, sizeof(x->got) - len,
		    "%s[%d]=%lld ", l[i].topic, (int)l[i].partition,
		    (long long)l[i].lag);
}

/* As librdkafka writes them: lag -1 where nothing is committed, and the
 * internal partition -1. */
Test(kafka, stats_lag_known_partitions_only)
{
	static const char json[] =
	    "{\"name\":\"rdkafka#consumer-1\",\"type\":\"consumer\","
	    "\"topics\":{\"tx\":{\"topic\":\"tx\",\"partitions\":{"
	    "\"0\":{\"partition\":0,\"consumer_lag\":12},"
	    "\"1\":{\"partition\":1,\"consumer_lag\":-1},"
	    "\"2\":{\"partition\":2,\"consumer_lag\":0},"
	    "\"-1\":{\"partition\":-1,\"consumer_lag\":-1}}},"
	    "\"b\":{\"topic\":\"b\",\"partitions\":{"
	    "\"3\":{\"partition\":3,\"consumer_lag\":7}}}}}";
	struct lags x = { "", 0 };

	cr_assert_eq(
	    fk_kafka_stats_lag(json, strlen(json), collect_lags, &x), 0);
	cr_assert_eq(x.calls, 1);
	cr_assert_str_eq(x.got, "tx[0]=12 tx[2]=0 b[3]=7 ");
}

Test(kafka, stats_lag_none_and_bad)
{
	static const char none[] = "{\"type\":\"consumer\",\"topics\":{}}";
	struct lags x = { "", 0 };

	cr_assert_eq(
	    fk_kafka_stats_lag(none, strlen(none), collect_lags, &x), 0);
	cr_assert_eq(x.calls, 1);
	cr_assert_str_eq(x.got, "");
	cr_assert_eq(fk_kafka_stats_lag("{", 1, collect_lags, &x), -1);
	cr_assert_eq(fk_kafka_stats_lag("[]", 2, collect_lags, &x), -1);
	cr_assert_eq(x.calls, 1);
}

static char *conf_log;
static size_t conf_log_len;
static FILE *conf_log_fp;

static void
keep_log(int level, const char *fac, const char *msg)
{
	fprintf(conf_log_fp, "%d %s %s\n", level, fac, msg);
}

/* debug=conf dumps the configuration into the log we forward: librdkafka
 * redacts its sensitive properties itself, and must go on doing so. */
Test(kafka, conf_dump_redacts_secrets)
{
	struct fk_config cfg;
	struct fk_producer *p;
	char err[512] = "";

	conf_log_fp = open_memstream(&conf_log, &conf_log_len);
	cr_assert_not_null(conf_log_fp);
	fk_kafka_set_logger(keep_log);
	fk_config_init(&cfg);
	add(&cfg, "bootstrap.servers", "127.0.0.1:1", "-X");
	add(&cfg, "debug", "conf", "-X");
	add(&cfg, "security.protocol", "SASL_SSL", "-X");
	add(&cfg, "sasl.mechanisms", "PLAIN", "-X");
	add(&cfg, "sasl.username", "fk", "-X");
	add(&cfg, "sasl.password", "hunter2", "-X");
	add(&cfg, "ssl.key.password", "swordfish", "-X");
	add(&cfg, "ssl.keystore.password", "opensesame", "-X");
	p = fk_producer_new(&cfg, NULL, err, sizeof(err));
	cr_assert_not_null(p, "%s", err);
	fk_producer_free(p);
	fk_kafka_set_logger(NULL);
	cr_assert_eq(fclose(conf_log_fp), 0);
	cr_assert_not_null(
	    strstr(conf_log, "sasl.password = [redacted]"), "%s", conf_log);
	cr_assert_not_null(
	    strstr(conf_log, "ssl.key.password = [redacted]"), "%s", conf_log);
	cr_assert_null(strstr(conf_log, "hunter2"), "%s", conf_log);
	cr_assert_null(strstr(conf_log, "swordfish"), "%s", conf_log);
	cr_assert_null(strstr(conf_log, "opensesame"), "%s", conf_log);
	free(conf_log);
	fk_config_release(&cfg);
}

struct commit_case {
	int err;
	enum fk_commit_fail want;
};

ParameterizedTestParameters(kafka, commit_failure)
{
	static struct commit_case cases[] = {
		/* a broker restart: the broker, then its coordinator away */
		{ RD_KAFKA_RESP_ERR__TRANSPORT, FK_COMMIT_AGAIN },
		{ RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, FK_COMMIT_AGAIN },
		{ RD_KAFKA_RESP_ERR__WAIT_COORD, FK_COMMIT_AGAIN },
		{ RD_KAFKA_RESP_ERR__TIMED_OUT, FK_COMMIT_AGAIN },
		{ RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, FK_COMMIT_AGAIN },
		{ RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
		    FK_COMMIT_AGAIN },
		{ RD_KAFKA_RESP_ERR_NOT_COORDINATOR, FK_COMMIT_AGAIN },
		{ RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
		    FK_COMMIT_AGAIN },
		/* the group went on without this member: it rejoins */
		{ RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID, FK_COMMIT_AGAIN },
		{ RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION, FK_COMMIT_AGAIN },
		{ RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS, FK_COMMIT_AGAIN },
		{ RD_KAFKA_RESP_ERR__MAX_POLL_EXCEEDED, FK_COMMIT_AGAIN },
		{ RD_KAFKA_RESP_ERR__ASSIGNMENT_LOST, FK_COMMIT_AGAIN },
		/* no commit will ever work */
		{ RD_KAFKA_RESP_ERR__FATAL, FK_COMMIT_FATAL },
		{ RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED,
		    FK_COMMIT_FATAL },
		{ RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
		    FK_COMMIT_FATAL },
		{ RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED,
		    FK_COMMIT_FATAL },
		{ RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID, FK_COMMIT_FATAL },
		/* anything else: this one failed */
		{ RD_KAFKA_RESP_ERR_OFFSET_METADATA_TOO_LARGE,
		    FK_COMMIT_FAILED },
		{ RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, FK_COMMIT_FAILED },
		{ RD_KAFKA_RESP_ERR__STATE, FK_COMMIT_FAILED },
		{ 12345, FK_COMMIT_FAILED },
	};

	return cr_make_param_array(struct commit_case, cases, NELEM(cases));
}

ParameterizedTest(struct commit_case *c, kafka, commit_failure)
{
	cr_assert_eq(fk_kafka_commit_failure(c->err), c->want, "%s: %d, not %d",
	    rd_kafka_err2name(c->err), fk_kafka_commit_failure(c->err),
	    c->want);
}

/* --eos's transactional.id: the group, the tool and the instance, the
 * same at every start of a stage. */
Test(kafka, txn_id_from_host)
{
	struct fk_config cfg;
	char id[256];

	fk_config_init(&cfg);
	fk_kafka_txn_id(&cfg, "fk.score", "fk-score", "host1", id, sizeof(id));
	cr_assert_str_eq(id, "fk.score.fk-score.host1");
	fk_config_release(&cfg);
}

Test(kafka, txn_id_from_group_instance_id)
{
	struct fk_config cfg;
	char id[256];

	fk_config_init(&cfg);
	add(&cfg, "group.instance.id", "score-2", "-X");
	fk_kafka_txn_id(&cfg, "fk.score", "fk-score", "host1", id, sizeof(id));
	cr_assert_str_eq(id, "fk.score.fk-score.score-2");
	fk_config_release(&cfg);
}

/* An empty group.instance.id is none: the host. */
Test(kafka, txn_id_empty_instance_is_host)
{
	struct fk_config cfg;
	char id[256];

	fk_config_init(&cfg);
	add(&cfg, "group.instance.id", "", "-X");
	fk_kafka_txn_id(&cfg, "g", "fk-enrich", "h", id, sizeof(id));
	cr_assert_str_eq(id, "g.fk-enrich.h");
	fk_config_release(&cfg);
}

/* The last of several values wins, as it does in librdkafka. */
Test(kafka, txn_id_last_instance_wins)
{
	struct fk_config cfg;
	char id[256];

	fk_config_init(&cfg);
	add(&cfg, "group.instance.id", "a", "f.conf:1");
	add(&cfg, "group.instance.id", "b", "-X");
	fk_kafka_txn_id(&cfg, "g", "fkcat-in", "h", id, sizeof(id));
	cr_assert_str_eq(id, "g.fkcat-in.b");
	fk_config_release(&cfg);
}

Test(kafka, txn_id_truncated)
{
	struct fk_config cfg;
	char id[8];

	fk_config_init(&cfg);
	fk_kafka_txn_id(&cfg, "group", "fk-score", "host", id, sizeof(id));
	cr_assert_str_eq(id, "group.f");
	fk_config_release(&cfg);
}
