/* Fault injection with librdkafka's mock cluster: brokers down, retriable
 * Produce errors, permanent Produce errors under a consumer group, and
 * with --eos, transactions they fail.  The
 * mock brokers live in this process (on 127.0.0.1); bin/fkcat-in runs as a
 * child against them.  FK_ROOT is the repository (default: the first of
 * ., .., ../.. holding tests/data/sample.ndjson), FK_BIN the tools' folder
 * (default bin, relative to FK_ROOT). */
#include "config.h"
#include "kafka.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "testutil.h"
#include "banned.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define TOOL_TIMEOUT_MS 20000
/* Kafka's ApiKey for Produce: librdkafka's RD_KAFKAP_Produce is not in
 * the installed headers. */
#define APIKEY_PRODUCE 0
#define APIKEY_OFFSET_COMMIT 8

extern char **environ;

static char tmpdir[256];

static void
setup(void)
{
	fk_test_tmpdir(tmpdir, sizeof(tmpdir), "mock");
}

static void
teardown(void)
{
	fk_test_rmdir(tmpdir);
}

TestSuite(mock, .init = setup, .fini = teardown, .timeout = 60);

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The repository root, from FK_ROOT or found from the working dir. */
static const char *
root_dir(void)
{
	static const char *const tries[] = { ".", "..", "../.." };
	const char *env = getenv("FK_ROOT");
	char path[512];
	struct stat st;

	if (env != NULL && *env != '\0')
		return env;
	for (size_t i = 0; i < NELEM(tries); i++) {
		snprintf(path, sizeof(path), "%s/tests/data/sample.ndjson",
		    tries[i]);
		if (stat(path, &st) == 0)
			return tries[i];
	}
	cr_assert_fail("cannot find the repository: set FK_ROOT");
	return NULL;
}

static void
tool_path(char *buf, size_t len, const char *tool)
{
	const char *bin = getenv("FK_BIN");
	struct stat st;

	if (bin == NULL || *bin == '\0')
		bin = "bin";
	if (bin[0] == '/')
		snprintf(buf, len, "%s/%s", bin, tool);
	else
		snprintf(buf, len, "%s/%s/%s", root_dir(), bin, tool);
	cr_assert(stat(buf, &st) == 0, "%s: %s (build it, or set FK_BIN)", buf,
	    strerror(errno));
}

/* The whole of a small file, NUL-terminated; the caller frees it. */
static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *s = NULL;
	size_t n = 0, cap = 0, got;

	if (fp == NULL)
		return strdup("");
	do {
		if (cap - n < 4096) {
			cap = cap * 2 + 4096;
			s = realloc(s, cap + 1);
			cr_assert_not_null(s);
		}
		got = fread(s + n, 1, cap - n, fp);
		n += got;
	} while (got > 0);
	fclose(fp);
	s[n] = '\0';
	return s;
}

/* Run argv (argv[0] a path) with stdin /dev/null, stdout to /dev/null and
 * stderr to errpath, sending it SIGTERM after term_ms unless that is -1;
 * returns its exit status.  A signal or a run longer than TOOL_TIMEOUT_MS
 * fails the test. */
static int
run_tool_term(const char *const argv[], const char *errpath, int term_ms)
{
	posix_spawn_file_actions_t fa;
	long long deadline = now_ms() + TOOL_TIMEOUT_MS;
	long long term = term_ms >= 0 ? now_ms() + term_ms : -1;
	pid_t pid, w;
	int rc, status = 0;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(
	    &fa, 2, errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	rc =
	    posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	cr_assert_eq(rc, 0, "posix_spawn %s: %s", argv[0], strerror(rc));
	while ((w = waitpid(pid, &status, WNOHANG)) == 0) {
		if (term >= 0 && now_ms() > term) {
			kill(pid, SIGTERM);
			term = -1;
		}
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			cr_assert_fail("%s: still running after %d ms", argv[0],
			    TOOL_TIMEOUT_MS);
		}
		sleep_ms(20);
	}
	cr_assert_eq(w, pid, "waitpid: %s", strerror(errno));
	cr_assert(WIFEXITED(status), "%s: killed by signal %d", argv[0],
	    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return WEXITSTATUS(status);
}

static int
run_tool(const char *const argv[], const char *errpath)
{
	return run_tool_term(argv, errpath, -1);
}

/* ---------------------------------------------------------------- */

/* A mock cluster and the handle that owns it. */
struct mock {
	rd_kafka_t *rk;
	rd_kafka_mock_cluster_t *mc;
	char bootstraps[256];
};

static void
mock_init(struct mock *m, int nbrokers)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char e[512];

	/* Quiet the notice about a handle without bootstrap.servers. */
	cr_assert_eq(rd_kafka_conf_set(conf, "log_level", "4", e, sizeof(e)),
	    RD_KAFKA_CONF_OK, "%s", e);
	m->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e));
	cr_assert_not_null(m->rk, "rd_kafka_new: %s", e);
	m->mc = rd_kafka_mock_cluster_new(m->rk, nbrokers);
	cr_assert_not_null(m->mc, "rd_kafka_mock_cluster_new");
	snprintf(m->bootstraps, sizeof(m->bootstraps), "%s",
	    rd_kafka_mock_cluster_bootstraps(m->mc));
	for (const char *b = m->bootstraps; b != NULL; b = strchr(b, ',')) {
		b += *b == ',';
		cr_assert(strncmp(b, "127.0.0.1:", 10) == 0,
		    "mock brokers not on loopback: %s", m->bootstraps);
	}
}

/* The cluster goes before the handle that created it. */
static void
mock_release(struct mock *m)
{
	rd_kafka_mock_cluster_destroy(m->mc);
	rd_kafka_destroy(m->rk);
}

static void
mock_all_down(struct mock *m, int nbrokers)
{
	/* Mock broker ids are 1..n. */
	for (int id = 1; id <= nbrokers; id++)
		cr_assert_eq(rd_kafka_mock_broker_set_down(m->mc, id),
		    RD_KAFKA_RESP_ERR_NO_ERROR, "broker %d down", id);
}

static void
mock_topic(struct mock *m, const char *topic, int nparts)
{
	rd_kafka_resp_err_t e;

	e = rd_kafka_mock_topic_create(m->mc, topic, nparts, 1);
	cr_assert_eq(e, RD_KAFKA_RESP_ERR_NO_ERROR, "topic %s: %s", topic,
	    rd_kafka_err2str(e));
}

/* A client of m's cluster with the pairs of kv, up to { NULL, NULL }. */
static rd_kafka_conf_t *
client_conf(const struct mock *m, const char *const kv[][2])
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char e[512];

	cr_assert_eq(rd_kafka_conf_set(conf, "bootstrap.servers", m->bootstraps,
	                 e, sizeof(e)),
	    RD_KAFKA_CONF_OK, "%s", e);
	for (size_t i = 0; kv[i][0] != NULL; i++)
		cr_assert_eq(
		    rd_kafka_conf_set(conf, kv[i][0], kv[i][1], e, sizeof(e)),
		    RD_KAFKA_CONF_OK, "%s", e);
	return conf;
}

/* What a topic held: records with tx_id t0..t(n-1), keyed uK (K < MAXKEY). */
enum { MAXKEY = 128 };
struct tally {
	int *counts; /* counts[N]: how often tx_id tN was seen */
	long n;
	long total;
	long last[MAXKEY]; /* per key, the last tx_id number, or -1 */
	long disorder;     /* a key's tx_id lower than its previous one */
};

static void
tally_init(struct tally *t, long n)
{
	t->counts = calloc((size_t)n, sizeof(*t->counts));
	cr_assert_not_null(t->counts);
	t->n = n;
	t->total = 0;
	for (int i = 0; i < MAXKEY; i++)
		t->last[i] = -1;
	t->disorder = 0;
}

static void
tally_release(struct tally *t)
{
	free(t->counts);
}

/* Each of t0..t(n-1) exactly once, and each key's records in order. */
static void
tally_check(const struct tally *t, const char *topic)
{
	long missing = 0, dup = 0, first_missing = -1, first_dup = -1;

	for (long i = 0; i < t->n; i++) {
		if (t->counts[i] == 0 && missing++ == 0)
			first_missing = i;
		if (t->counts[i] > 1 && dup++ == 0)
			first_dup = i;
	}
	cr_expect_eq(t->total, t->n, "%s: %ld messages, want %ld", topic,
	    t->total, t->n);
	cr_expect_eq(missing, 0, "%s: %ld tx_ids missing (first t%ld)", topic,
	    missing, first_missing);
	cr_expect_eq(dup, 0, "%s: %ld tx_ids duplicated (first t%ld)", topic,
	    dup, first_dup);
	cr_expect_eq(t->disorder, 0,
	    "%s: %ld records out of order for their key", topic, t->disorder);
}

static void
tally_add(struct tally *t, const rd_kafka_message_t *msg, const char *topic)
{
	json_error_t je;
	json_t *obj = json_loadb(msg->payload, msg->len, 0, &je);
	const char *id;
	char key[16];
	long v, k;

	cr_assert_not_null(obj, "%s[%d]@%lld: %s", topic, (int)msg->partition,
	    (long long)msg->offset, je.text);
	id = json_string_value(json_object_get(obj, "tx_id"));
	cr_assert_not_null(id, "%s[%d]@%lld: no tx_id", topic,
	    (int)msg->partition, (long long)msg->offset);
	v = strtol(id + 1, NULL, 10);
	cr_assert(id[0] == 't' && v >= 0 && v < t->n, "%s: unexpected tx_id %s",
	    topic, id);
	json_decref(obj);
	t->counts[v]++;
	t->total++;
	snprintf(key, sizeof(key), "%.*s", (int)msg->key_len,
	    msg->key != NULL ? (const char *)msg->key : "");
	k = strtol(key + 1, NULL, 10);
	cr_assert(key[0] == 'u' && k >= 0 && k < MAXKEY,
	    "%s: unexpected key %s", topic, key);
	if (v < t->last[k])
		t->disorder++;
	t->last[k] = v;
}

/* Read topic from the beginning of each of its nparts partitions to the
 * end, into t. */
static void
consume_all(
    const struct mock *m, const char *topic, int nparts, struct tally *t)
{
	static const char *const kv[][2] = {
		{ "group.id", "fk-test-mock-reader" },
		{ "enable.auto.commit", "false" },
		{ "enable.auto.offset.store", "false" },
		{ "enable.partition.eof", "true" },
		{ NULL, NULL },
	};
	rd_kafka_conf_t *conf = client_conf(m, kv);
	rd_kafka_topic_partition_list_t *parts;
	rd_kafka_message_t *msg;
	rd_kafka_t *rk;
	long long deadline = now_ms() + 15000;
	char *eof = calloc((size_t)nparts, 1), e[512];
	int neof = 0;

	cr_assert_not_null(eof);
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, e, sizeof(e));
	cr_assert_not_null(rk, "rd_kafka_new: %s", e);
	parts = rd_kafka_topic_partition_list_new(nparts);
	for (int i = 0; i < nparts; i++)
		rd_kafka_topic_partition_list_add(parts, topic, i)->offset =
		    RD_KAFKA_OFFSET_BEGINNING;
	cr_assert_eq(rd_kafka_assign(rk, parts), RD_KAFKA_RESP_ERR_NO_ERROR);
	rd_kafka_topic_partition_list_destroy(parts);
	while (neof < nparts) {
		cr_assert(now_ms() < deadline,
		    "%s: only %d of %d partitions at their end after 15 s "
		    "(%ld messages)",
		    topic, neof, nparts, t->total);
		msg = rd_kafka_consumer_poll(rk, 200);
		if (msg == NULL)
			continue;
		if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			if (msg->partition >= 0 && msg->partition < nparts &&
			    !eof[msg->partition]) {
				eof[msg->partition] = 1;
				neof++;
			}
		} else if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
			tally_add(t, msg, topic);
		}
		/* Other errors are transient here: keep polling. */
		rd_kafka_message_destroy(msg);
	}
	free(eof);
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
}

/* Write n records with tx_id t0..t(n-1) to path. */
static void
write_records(const char *path, long n)
{
	FILE *fp = fopen(path, "w");

	cr_assert_not_null(fp, "%s: %s", path, strerror(errno));
	for (long i = 0; i < n; i++)
		fprintf(fp,
		    "{\"user_id\":\"u%ld\",\"amount\":%ld,"
		    "\"timestamp\":1731765720,\"tx_id\":\"t%ld\"}\n",
		    i % 97, i + 1, i);
	cr_assert_eq(fclose(fp), 0, "%s: %s", path, strerror(errno));
}

/* ---------------------------------------------------------------- */

Test(mock, all_brokers_down_exit_75)
{
	struct mock m;
	char tool[512], data[512], errpath[512], *errs;
	int status;

	mock_init(&m, 3);
	mock_all_down(&m, 3);
	tool_path(tool, sizeof(tool), "fkcat-in");
	snprintf(data, sizeof(data), "%s/tests/data/sample.ndjson", root_dir());
	snprintf(errpath, sizeof(errpath), "%s/stderr", tmpdir);
	{
		const char *argv[] = { tool, "-b", m.bootstraps, "--to", "tx",
			"-X", "message.timeout.ms=3000", data, NULL };

		status = run_tool(argv, errpath);
	}
	errs = slurp(errpath);
	cr_expect_eq(status, 75, "exit %d, stderr:\n%s", status, errs);
	cr_expect_not_null(
	    strstr(errs, "12 records undelivered"), "stderr:\n%s", errs);
	free(errs);
	mock_release(&m);
}

static void
probe_dr(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
	(void)rk;
	*(rd_kafka_resp_err_t *)opaque = msg->err;
}

/* The errors pushed for Produce were all used up: one message from a
 * producer that never retries gets through. */
static void
expect_errors_used_up(const struct mock *m)
{
	static const char *const kv[][2] = {
		{ "message.send.max.retries", "0" },
		{ "enable.idempotence", "false" },
		{ NULL, NULL },
	};
	rd_kafka_conf_t *conf = client_conf(m, kv);
	rd_kafka_resp_err_t err, dr = RD_KAFKA_RESP_ERR__IN_PROGRESS;
	rd_kafka_t *rk;
	char e[512], x[] = "x";

	rd_kafka_conf_set_dr_msg_cb(conf, probe_dr);
	rd_kafka_conf_set_opaque(conf, &dr);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e));
	cr_assert_not_null(rk, "rd_kafka_new: %s", e);
	err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("probe"),
	    RD_KAFKA_V_VALUE(x, 1), RD_KAFKA_V_END);
	cr_assert_eq(err, RD_KAFKA_RESP_ERR_NO_ERROR, "producev: %s",
	    rd_kafka_err2str(err));
	rd_kafka_flush(rk, 10000);
	rd_kafka_destroy(rk);
	cr_expect_eq(dr, RD_KAFKA_RESP_ERR_NO_ERROR,
	    "injected errors left over (%s): fkcat-in did not meet them all",
	    rd_kafka_err2str(dr));
}

Test(mock, retriable_produce_errors_lose_nothing)
{
	enum { N = 5000, NPARTS = 4 };
	static const rd_kafka_resp_err_t errors[] = {
		RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
		RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
		RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
		RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
		RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
		RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
		RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
		RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
	};
	struct mock m;
	struct tally t;
	char tool[512], data[512], errpath[512], *errs;
	int status;

	mock_init(&m, 3);
	mock_topic(&m, "tx", NPARTS);
	mock_topic(&m, "probe", 1);
	rd_kafka_mock_push_request_errors_array(
	    m.mc, APIKEY_PRODUCE, NELEM(errors), errors);
	tool_path(tool, sizeof(tool), "fkcat-in");
	snprintf(data, sizeof(data), "%s/tx.ndjson", tmpdir);
	snprintf(errpath, sizeof(errpath), "%s/stderr", tmpdir);
	write_records(data, N);
	{
		/* Small batches, so that errors hit requests with others in
		 * flight, where idempotence keeps the order. */
		const char *argv[] = { tool, "-b", m.bootstraps, "--to", "tx",
			"-X", "batch.num.messages=100", data, NULL };

		status = run_tool(argv, errpath);
	}
	errs = slurp(errpath);
	cr_assert_eq(status, 0, "exit %d, stderr:\n%s", status, errs);
	free(errs);
	expect_errors_used_up(&m);
	tally_init(&t, N);
	consume_all(&m, "tx", NPARTS, &t);
	tally_check(&t, "tx");
	tally_release(&t);
	mock_release(&m);
}

/* Send n messages through the fk_producer API and flush, at most 15 s. */
static struct fk_producer *
produce_n(const struct mock *m, int n)
{
	struct fk_config cfg;
	struct fk_producer *p;
	long long deadline = now_ms() + 15000;
	char err[512], val[128];
	int left;

	fk_config_init(&cfg);
	fk_config_set(&cfg, "bootstrap.servers", m->bootstraps, "test");
	fk_config_set(&cfg, "message.timeout.ms", "2000", "test");
	p = fk_producer_new(&cfg, NULL, err, sizeof(err));
	fk_config_release(&cfg);
	cr_assert_not_null(p, "fk_producer_new: %s", err);
	for (int i = 0; i < n; i++) {
		int len = snprintf(val, sizeof(val),
		    "{\"user_id\":\"u1\",\"tx_id\":\"t%d\"}", i);

		cr_assert_eq(fk_producer_send(p, "tx", val, (size_t)len, "u1",
		                 2, NULL, 0, err, sizeof(err)),
		    0, "fk_producer_send: %s", err);
	}
	while ((left = fk_producer_flush(p, 200)) > 0)
		cr_assert(
		    now_ms() < deadline, "%d still in flight after 15 s", left);
	return p;
}

Test(mock, producer_api_counts_failures)
{
	struct mock m;
	struct fk_producer *p;

	mock_init(&m, 3);
	mock_topic(&m, "tx", 4);
	mock_all_down(&m, 3);
	p = produce_n(&m, 10);
	cr_expect_eq(
	    fk_producer_failed(p), 10, "failed %lld", fk_producer_failed(p));
	cr_expect_eq(fk_producer_delivered(p), 0, "delivered %lld",
	    fk_producer_delivered(p));
	cr_expect_neq(fk_producer_last_error(p)[0], '\0',
	    "no last error for failed messages");
	fk_producer_free(p);
	mock_release(&m);
}

Test(mock, producer_api_counts_deliveries)
{
	struct mock m;
	struct fk_producer *p;
	struct tally t;

	mock_init(&m, 3);
	mock_topic(&m, "tx", 4);
	p = produce_n(&m, 10);
	cr_expect_eq(fk_producer_delivered(p), 10, "delivered %lld",
	    fk_producer_delivered(p));
	cr_expect_eq(fk_producer_failed(p), 0, "failed %lld (%s)",
	    fk_producer_failed(p), fk_producer_last_error(p));
	cr_expect_str_empty(fk_producer_last_error(p));
	fk_producer_free(p);
	tally_init(&t, 10);
	consume_all(&m, "tx", 4, &t);
	tally_check(&t, "tx");
	tally_release(&t);
	mock_release(&m);
}

/* ---------------------------------------------------------------- */

/* Put n records (tx_id t0.., keyed by user_id) on topic. */
static void
seed_topic(const struct mock *m, const char *topic, int n)
{
	static const char *const kv[][2] = {
		{ "linger.ms", "5" },
		{ NULL, NULL },
	};
	rd_kafka_conf_t *conf = client_conf(m, kv);
	rd_kafka_t *rk;
	rd_kafka_resp_err_t err;
	char e[512], val[128], key[16];

	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e));
	cr_assert_not_null(rk, "rd_kafka_new: %s", e);
	for (int i = 0; i < n; i++) {
		int len = snprintf(val, sizeof(val),
		    "{\"user_id\":\"u%d\",\"amount\":%d,"
		    "\"timestamp\":1731765720,\"tx_id\":\"t%d\"}",
		    i % 7, i + 1, i);
		int klen = snprintf(key, sizeof(key), "u%d", i % 7);

		err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
		    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		    RD_KAFKA_V_VALUE(val, (size_t)len),
		    RD_KAFKA_V_KEY(key, (size_t)klen), RD_KAFKA_V_END);
		cr_assert_eq(err, RD_KAFKA_RESP_ERR_NO_ERROR, "producev: %s",
		    rd_kafka_err2str(err));
	}
	err = rd_kafka_flush(rk, 10000);
	cr_assert_eq(err, RD_KAFKA_RESP_ERR_NO_ERROR, "seeding %s: %s", topic,
	    rd_kafka_err2str(err));
	rd_kafka_destroy(rk);
}

/* The sum over topic's partitions of group's committed offsets;
 * *ncommitted gets how many partitions have one. */
static long long
committed_sum(const struct mock *m, const char *group, const char *topic,
    int nparts, int *ncommitted)
{
	const char *const kv[][2] = {
		{ "group.id", group },
		{ NULL, NULL },
	};
	rd_kafka_conf_t *conf = client_conf(m, kv);
	rd_kafka_topic_partition_list_t *parts;
	rd_kafka_resp_err_t err;
	rd_kafka_t *rk;
	long long sum = 0;
	char e[512];

	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, e, sizeof(e));
	cr_assert_not_null(rk, "rd_kafka_new: %s", e);
	parts = rd_kafka_topic_partition_list_new(nparts);
	for (int i = 0; i < nparts; i++)
		rd_kafka_topic_partition_list_add(parts, topic, i);
	err = rd_kafka_committed(rk, parts, 10000);
	cr_assert_eq(err, RD_KAFKA_RESP_ERR_NO_ERROR, "committed: %s",
	    rd_kafka_err2str(err));
	*ncommitted = 0;
	for (int i = 0; i < parts->cnt; i++) {
		cr_assert_eq(parts->elems[i].err, RD_KAFKA_RESP_ERR_NO_ERROR,
		    "committed %s[%d]: %s", topic, i,
		    rd_kafka_err2str(parts->elems[i].err));
		if (parts->elems[i].offset >= 0) {
			sum += parts->elems[i].offset;
			(*ncommitted)++;
		}
	}
	rd_kafka_topic_partition_list_destroy(parts);
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return sum;
}

/* fkcat-in --from in -G fk-mock-g -o beginning -e --to out, with
 * --metrics-file fk.prom in tmpdir; returns the exit status, and stderr
 * as a new string in *errs. */
static int
run_group(const struct mock *m, char **errs)
{
	char tool[512], errpath[512];
	int status;

	tool_path(tool, sizeof(tool), "fkcat-in");
	snprintf(errpath, sizeof(errpath), "%s/stderr", tmpdir);
	{
		char prom[512];
		const char *argv[] = { tool, "-b", m->bootstraps, "--from",
			"in", "-G", "fk-mock-g", "-o", "beginning", "-e",
			"--to", "out", "-v", "--metrics-file", prom, NULL };

		snprintf(prom, sizeof(prom), "%s/fk.prom", tmpdir);

		status = run_tool(argv, errpath);
	}
	*errs = slurp(errpath);
	return status;
}

Test(mock, consumer_group_commit_after_delivery)
{
	enum { N = 200, NPARTS = 4 };
	struct mock m;
	struct tally t;
	int ncommitted, status;
	long long sum;
	char *errs, *prom, path[512];

	mock_init(&m, 3);
	mock_topic(&m, "in", NPARTS);
	mock_topic(&m, "out", NPARTS);
	seed_topic(&m, "in", N);
	status = run_group(&m, &errs);
	cr_assert_eq(status, 0, "exit %d, stderr:\n%s", status, errs);
	free(errs);
	snprintf(path, sizeof(path), "%s/fk.prom", tmpdir);
	prom = slurp(path);
	cr_expect_not_null(
	    strstr(prom,
	        "fk_kafka_delivery_errors_total{tool=\"fkcat-in\"} "
	        "0\n"),
	    "%s", prom);
	cr_expect_not_null(
	    strstr(prom, "fk_records_out_total{tool=\"fkcat-in\"} 200\n"), "%s",
	    prom);
	free(prom);
	tally_init(&t, N);
	consume_all(&m, "out", NPARTS, &t);
	tally_check(&t, "out");
	tally_release(&t);
	sum = committed_sum(&m, "fk-mock-g", "in", NPARTS, &ncommitted);
	cr_expect_eq(sum, N, "committed offsets of in add up to %lld, want %d",
	    sum, (int)N);
	mock_release(&m);
}

Test(mock, consumer_group_no_commit_when_undelivered)
{
	enum { N = 200, NPARTS = 4, NERR = 1000 };
	rd_kafka_resp_err_t *errors = calloc(NERR, sizeof(*errors));
	struct mock m;
	int ncommitted, status;
	long long sum;
	char *errs, *prom, path[512];

	cr_assert_not_null(errors);
	mock_init(&m, 3);
	mock_topic(&m, "in", NPARTS);
	mock_topic(&m, "out", NPARTS);
	seed_topic(&m, "in", N);
	/* Not retriable: every Produce from here on fails for good. */
	for (int i = 0; i < NERR; i++)
		errors[i] = RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED;
	rd_kafka_mock_push_request_errors_array(
	    m.mc, APIKEY_PRODUCE, NERR, errors);
	free(errors);
	status = run_group(&m, &errs);
	cr_expect_eq(status, 75, "exit %d, stderr:\n%s", status, errs);
	/* How many were in flight when the first failure came back depends
	 * on the machine's load: 200 on a quiet one, 1 on a busy one. */
	cr_expect_not_null(
	    strstr(errs, " records undelivered: "), "stderr:\n%s", errs);
	free(errs);
	snprintf(path, sizeof(path), "%s/fk.prom", tmpdir);
	prom = slurp(path);
	cr_expect_not_null(
	    strstr(prom, "fk_kafka_delivery_errors_total"), "%s", prom);
	cr_expect_null(strstr(prom,
	                   "fk_kafka_delivery_errors_total{tool=\"fkcat-in\"} "
	                   "0\n"),
	    "%s", prom);
	free(prom);
	sum = committed_sum(&m, "fk-mock-g", "in", NPARTS, &ncommitted);
	cr_expect_eq(ncommitted, 0,
	    "%d partitions of in committed (offsets add up to %lld) although "
	    "nothing was delivered",
	    ncommitted, sum);
	mock_release(&m);
}

/* Commits refused because the group went on without this member, as
 * after a broker restart longer than session.timeout.ms: the member
 * rejoins, starts its partitions after what it had delivered, and
 * commits there.  Every record once, one warning, exit 0. */
Test(mock, consumer_group_evicted_rejoins)
{
	enum { N = 200, NPARTS = 4 };
	rd_kafka_resp_err_t errors[] = { RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID };
	char tool[512], errpath[512], *errs;
	const char *at;
	struct mock m;
	struct tally t;
	int ncommitted, status, warnings = 0;
	long long sum;

	mock_init(&m, 3);
	mock_topic(&m, "in", NPARTS);
	mock_topic(&m, "out", NPARTS);
	seed_topic(&m, "in", N);
	rd_kafka_mock_push_request_errors_array(
	    m.mc, APIKEY_OFFSET_COMMIT, NELEM(errors), errors);
	tool_path(tool, sizeof(tool), "fkcat-in");
	snprintf(errpath, sizeof(errpath), "%s/stderr", tmpdir);
	{
		const char *argv[] = { tool, "-b", m.bootstraps, "--from", "in",
			"-G", "fk-mock-e", "-o", "beginning", "--to", "out",
			"-v", "-X", "session.timeout.ms=3000", "-X",
			"heartbeat.interval.ms=300", NULL };

		/* The mock group waits out the session of the member id
		 * left behind before it takes the new one in: the member
		 * reads again after some 10 s (5 of them a retention check
		 * the mock does not answer). */
		status = run_tool_term(argv, errpath, 15000);
	}
	errs = slurp(errpath);
	cr_expect_eq(status, 0, "exit %d, stderr:\n%s", status, errs);
	for (at = errs; (at = strstr(at, "fkcat-in: in: ")) != NULL; at++)
		warnings++;
	cr_expect_eq(
	    warnings, 2, "want one warning and one recovery:\n%s", errs);
	cr_expect_not_null(
	    strstr(errs, "commit: Broker: Unknown member (going on"),
	    "stderr:\n%s", errs);
	cr_expect_not_null(
	    strstr(errs, "in: offsets committed again"), "stderr:\n%s", errs);
	free(errs);
	tally_init(&t, N);
	consume_all(&m, "out", NPARTS, &t);
	tally_check(&t, "out");
	tally_release(&t);
	sum = committed_sum(&m, "fk-mock-e", "in", NPARTS, &ncommitted);
	cr_expect_eq(sum, N, "committed offsets of in add up to %lld, want %d",
	    sum, (int)N);
	mock_release(&m);
}

/* A commit the group refuses for good (no authorization) stops the run
 * with status 69 after delivering what it read; nothing is committed. */
Test(mock, consumer_group_commit_refused_exit_69)
{
	enum { N = 200, NPARTS = 4, NERR = 20 };
	rd_kafka_resp_err_t errors[NERR];
	struct mock m;
	int ncommitted, status;
	char *errs;

	for (int i = 0; i < NERR; i++)
		errors[i] = RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED;
	mock_init(&m, 3);
	mock_topic(&m, "in", NPARTS);
	mock_topic(&m, "out", NPARTS);
	seed_topic(&m, "in", N);
	rd_kafka_mock_push_request_errors_array(
	    m.mc, APIKEY_OFFSET_COMMIT, NERR, errors);
	status = run_group(&m, &errs);
	cr_expect_eq(status, 69, "exit %d, stderr:\n%s", status, errs);
	cr_expect_not_null(
	    strstr(errs, "in: commit: Broker: Group authorization failed\n"),
	    "stderr:\n%s", errs);
	cr_expect_null(strstr(errs, "going on"), "stderr:\n%s", errs);
	free(errs);
	committed_sum(&m, "fk-mock-g", "in", NPARTS, &ncommitted);
	cr_expect_eq(ncommitted, 0, "%d partitions committed", ncommitted);
	mock_release(&m);
}

/* --metrics-file of fkcat-in -G: the consumer lag of each partition,
 * from librdkafka's statistics, once the group committed there.  It
 * reads on until SIGTERM. */
Test(mock, metrics_consumer_lag)
{
	enum { N = 200, NPARTS = 4 };
	char tool[512], errpath[512], prom[512], want[256], *got, *errs;
	struct mock m;
	int status;

	mock_init(&m, 3);
	mock_topic(&m, "in", NPARTS);
	seed_topic(&m, "in", N);
	tool_path(tool, sizeof(tool), "fkcat-in");
	snprintf(errpath, sizeof(errpath), "%s/stderr", tmpdir);
	snprintf(prom, sizeof(prom), "%s/fk.prom", tmpdir);
	{
		const char *argv[] = { tool, "-b", m.bootstraps, "--from", "in",
			"-G", "fk-mock-m", "-o", "beginning", "--metrics-file",
			prom, "--metrics-interval", "100ms", "-X",
			"statistics.interval.ms=100", "-X",
			"auto.commit.interval.ms=100", NULL };

		status = run_tool_term(argv, errpath, 4000);
	}
	errs = slurp(errpath);
	cr_assert_eq(status, 0, "exit %d, stderr:\n%s", status, errs);
	free(errs);
	got = slurp(prom);
	cr_expect_not_null(
	    strstr(got, "fk_records_in_total{tool=\"fkcat-in\"} 200\n"), "%s",
	    got);
	for (int p = 0; p < NPARTS; p++) {
		snprintf(want, sizeof(want),
		    "fk_kafka_consumer_lag_messages{tool=\"fkcat-in\","
		    "topic=\"in\",partition=\"%d\"} 0\n",
		    p);
		cr_expect_not_null(
		    strstr(got, want), "no %s in:\n%s", want, got);
	}
	/* No producer, no producer metrics. */
	cr_expect_null(strstr(got, "fk_kafka_delivery"), "%s", got);
	free(got);
	mock_release(&m);
}

/* ---------------------------------------------------------------- */

/* What the consumer's callbacks were told. */
struct seen {
	int assigned, revokes, dropped;
};

static void
seen_revoke(void *arg, int lost)
{
	(void)lost;
	((struct seen *)arg)->revokes++;
}

static void
seen_assign(void *arg, const int32_t *parts, int64_t *start, size_t n)
{
	(void)parts, (void)start;
	((struct seen *)arg)->assigned += (int)n;
}

static void
seen_drop(void *arg, const int32_t *parts, size_t n)
{
	(void)parts;
	((struct seen *)arg)->dropped += (int)n;
}

/* librdkafka's messages (debug=consumer): the closing thread is held
 * just before it serves what is left, as a busy machine held fk-enrich's
 * once; the rest are not wanted here. */
static void
hold_close(int level, const char *fac, const char *msg)
{
	(void)level;
	if (strcmp(fac, "CLOSE") == 0 &&
	    strstr(msg, "Waiting for close events") != NULL)
		sleep_ms(1000);
}

/* A member joins while the other is between its last poll and its close
 * (fk-enrich -e draining): the revocation the rebalance asks for waits in
 * the closing member's queue; librdkafka leaves the group at once, and the
 * group may be gone before the revocation is served, when
 * rd_kafka_rebalance_protocol() is NULL.  The closing member segfaulted. */
Test(mock, close_with_a_rebalance_pending)
{
	static const char *const kv[][2] = {
		{ "group.id", "fk-mock-close" },
		{ "session.timeout.ms", "6000" },
		{ "heartbeat.interval.ms", "100" },
		{ NULL, NULL },
	};
	struct fk_consumer_opts o = {
		.topic = "in",
		.group = "fk-mock-close",
		.start = { .kind = FK_OFF_BEGINNING },
		.on_revoke = seen_revoke,
		.on_assign = seen_assign,
		.on_drop = seen_drop,
	};
	struct seen s = { 0, 0, 0 };
	struct fk_consumer *c;
	struct fk_config cfg;
	struct fk_rec rec;
	struct mock m;
	rd_kafka_topic_partition_list_t *sub;
	rd_kafka_message_t *msg;
	rd_kafka_t *other;
	long long deadline;
	char err[512];
	int code;

	mock_init(&m, 1);
	mock_topic(&m, "in", 2);
	fk_config_init(&cfg);
	fk_config_set(&cfg, "bootstrap.servers", m.bootstraps, "test");
	fk_config_set(&cfg, "session.timeout.ms", "6000", "test");
	fk_config_set(&cfg, "heartbeat.interval.ms", "100", "test");
	fk_config_set(&cfg, "debug", "consumer", "test");
	o.arg = &s;
	c = fk_consumer_new(&cfg, &o, &code, err, sizeof(err));
	cr_assert_not_null(c, "fk_consumer_new: %s (%d)", err, code);
	for (deadline = now_ms() + 15000; s.assigned < 2;) {
		cr_assert(now_ms() < deadline, "no assignment after 15 s");
		cr_assert_geq(fk_consumer_next(c, &rec, 100, err, sizeof(err)),
		    0, "%s", err);
	}

	/* The other member joins; the first, not polled, hears of it by
	 * its heartbeats. */
	other = rd_kafka_new(
	    RD_KAFKA_CONSUMER, client_conf(&m, kv), err, sizeof(err));
	cr_assert_not_null(other, "rd_kafka_new: %s", err);
	rd_kafka_poll_set_consumer(other);
	sub = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(sub, "in", RD_KAFKA_PARTITION_UA);
	cr_assert_eq(
	    rd_kafka_subscribe(other, sub), RD_KAFKA_RESP_ERR_NO_ERROR);
	rd_kafka_topic_partition_list_destroy(sub);
	for (deadline = now_ms() + 1500; now_ms() < deadline;)
		if ((msg = rd_kafka_consumer_poll(other, 100)) != NULL)
			rd_kafka_message_destroy(msg);

	fk_kafka_set_logger(hold_close);
	fk_consumer_close(c);
	fk_kafka_set_logger(NULL);
	/* Its partitions are given up all the same. */
	cr_expect_eq(s.revokes, 1, "%d revocations", s.revokes);
	cr_expect_eq(s.dropped, 2, "%d partitions dropped", s.dropped);

	rd_kafka_consumer_close(other);
	rd_kafka_destroy(other);
	fk_config_release(&cfg);
}

/* --eos: the first Produce request refused for good fails the
 * transaction, which is aborted and its input read again from the last
 * commit: every record once in out.  The mock broker neither hides what
 * an aborted transaction wrote nor keeps transactional offsets, so out
 * has one partition, whose one request failed and kept nothing; the
 * offsets are tests/kafka/eos's, on a real broker.  A short
 * transaction.timeout.ms bounds what librdkafka 2.0.2 waits for, in an
 * abort, after the epoch bump the sequence gap calls for. */
Test(mock, eos_abort_reads_again)
{
	enum { N = 200, NPARTS = 4, NERR = 1 };
	rd_kafka_resp_err_t errors[NERR];
	struct mock m;
	struct tally t;
	int status;
	char tool[512], errpath[512], *errs;

	mock_init(&m, 1);
	mock_topic(&m, "in", NPARTS);
	mock_topic(&m, "out", 1);
	seed_topic(&m, "in", N);
	for (int i = 0; i < NERR; i++)
		errors[i] = RD_KAFKA_RESP_ERR_INVALID_RECORD;
	rd_kafka_mock_push_request_errors_array(
	    m.mc, APIKEY_PRODUCE, NERR, errors);
	tool_path(tool, sizeof(tool), "fkcat-in");
	snprintf(errpath, sizeof(errpath), "%s/stderr", tmpdir);
	{
		const char *argv[] = { tool, "-b", m.bootstraps, "--from", "in",
			"-G", "fk-mock-eos", "-o", "beginning", "-e", "--eos",
			"--to", "out", "-v", "-X",
			"auto.commit.interval.ms=200", "-X",
			"transaction.timeout.ms=3000", NULL };

		status = run_tool(argv, errpath);
	}
	errs = slurp(errpath);
	cr_expect_eq(status, 0, "exit %d, stderr:\n%s", status, errs);
	cr_expect_not_null(strstr(errs, "transaction aborted: "),
	    "no abort said, stderr:\n%s", errs);
	cr_expect_not_null(strstr(errs,
	                       "transactions aborted, their input "
	                       "read again"),
	    "stderr:\n%s", errs);
	free(errs);
	tally_init(&t, N);
	consume_all(&m, "out", 1, &t);
	tally_check(&t, "out");
	tally_release(&t);
	mock_release(&m);
}

/* --eos: a Produce refused every time ends the run after a few aborts
 * in a row, status 75, rather than reading the input for ever. */
Test(mock, eos_aborts_in_a_row_exit_75)
{
	enum { N = 50, NPARTS = 2, NERR = 1000 };
	rd_kafka_resp_err_t *errors = calloc(NERR, sizeof(*errors));
	struct mock m;
	int status;
	char tool[512], errpath[512], *errs;

	cr_assert_not_null(errors);
	mock_init(&m, 1);
	mock_topic(&m, "in", NPARTS);
	mock_topic(&m, "out", NPARTS);
	seed_topic(&m, "in", N);
	for (int i = 0; i < NERR; i++)
		errors[i] = RD_KAFKA_RESP_ERR_INVALID_RECORD;
	rd_kafka_mock_push_request_errors_array(
	    m.mc, APIKEY_PRODUCE, NERR, errors);
	free(errors);
	tool_path(tool, sizeof(tool), "fkcat-in");
	snprintf(errpath, sizeof(errpath), "%s/stderr", tmpdir);
	{
		const char *argv[] = { tool, "-b", m.bootstraps, "--from", "in",
			"-G", "fk-mock-eos", "-o", "beginning", "-e", "--eos",
			"--to", "out", "-X", "auto.commit.interval.ms=200",
			"-X", "transaction.timeout.ms=3000", NULL };

		status = run_tool(argv, errpath);
	}
	errs = slurp(errpath);
	cr_expect_eq(status, 75, "exit %d, stderr:\n%s", status, errs);
	cr_expect_not_null(strstr(errs, "times in a row"), "stderr:\n%s", errs);
	free(errs);
	mock_release(&m);
}
