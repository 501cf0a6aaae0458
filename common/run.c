#include "run.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "csv.h"
#include "digest.h"
#include "exitcode.h"
#include "fktime.h"
#include "kafka.h"
#include "numbers.h"
#include "reader.h"
#include "xalloc.h"
#include "banned.h"

#ifndef FK_VERSION
#define FK_VERSION "0.0.0"
#endif

#define COMMON_SHORTOPTS "b:c:eF:G:hk:o:qVvX:z:"
#define DEFAULT_MAX_LINE (1024 * 1024)
#define OUTBUF_SIZE (256 * 1024)
#define DRAIN_MS 10000 /* delivery wait after SIGINT/SIGTERM */

enum {
	OPT_FROM = 1000,
	OPT_TO,
	OPT_REJECT,
	OPT_STRICT,
	OPT_MAX_LINE,
};

static const struct option common_longopts[] = {
	{ "from", required_argument, NULL, OPT_FROM },
	{ "help", no_argument, NULL, 'h' },
	{ "max-line", required_argument, NULL, OPT_MAX_LINE },
	{ "reject", required_argument, NULL, OPT_REJECT },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "to", required_argument, NULL, OPT_TO },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* The common options' help, one line each: 'I' for tools that read
 * input, 'O' for tools that write records, 'G' for generators only. */
static const char *const common_help[] = {
	"  -b BROKERS        Kafka bootstrap servers, host:port[,...]\n",
	"I -c N              stop after N input records\n",
	"G -c N              stop after N records\n",
	"I -e                exit when every partition is at its end (--from)\n",
	"  -F FILE           read librdkafka configuration from FILE\n",
	"I -G GROUP          consume as a member of consumer group GROUP\n",
	"  -h, --help        print this help and exit\n",
	"O -k FIELD          key output messages by FIELD (default user_id)\n",
	"I -o OFFSET         start at beginning, end, stored, N, -N or s@MS;\n"
	"                    stop before e@MS (repeatable)\n",
	"  -q                print errors only\n",
	"  -V, --version     print the version and exit\n",
	"  -v                print a summary at exit; twice: debug\n",
	"  -X KEY=VALUE      set a librdkafka property; -X list lists them\n",
	"O -z CODEC          compress output: none, gzip, snappy, lz4, zstd\n",
	"I --from TOPIC      read records from a Kafka topic\n",
	"I --max-line SIZE   reject lines longer than SIZE (default 1M)\n",
	"I --reject DEST     write rejects to DEST: a file, - or kafka:TOPIC\n",
	"I --strict          stop at the first bad record\n",
	"O --to TOPIC        write records to a Kafka topic\n",
	NULL,
};

struct fk_rt {
	const struct fk_tool *tool;
	void *ctx;

	/* options */
	const char *brokers, *group, *from, *to, *keyfield, *compression;
	const char *reject_dest;
	struct fk_offspec start, end;
	int exit_eof, strict, max_line_set, keyfield_set, want_producer;
	long long max_records;
	size_t max_line;
	struct fk_config cfg_files, cfg_args, cfg;
	int csv_framing;

	/* sinks */
	char *outbuf;
	struct fk_producer *producer;
	FILE *reject_fp;
	const char *reject_topic;
	long long failed_seen;

	/* source */
	struct fk_consumer *consumer;
	char *join;
	size_t joinlen, joincap;

	/* state */
	char *obuf;
	size_t obufcap;
	long long n_in, n_out, n_skip, n_rej;
	int status;
	int stopping;
	const struct fk_rec *cur; /* the record being handled */
	struct timespec t0;
	long long commit_interval_ms, last_commit_ms, last_tick_ms;
};

static const struct fk_tool *the_tool;
static volatile sig_atomic_t got_signal, got_hup;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_signal++;
}

/* A SIGHUP since the last call: have the tool reload. */
static void
check_hup(struct fk_rt *rt)
{
	if (got_hup) {
		got_hup = 0;
		the_tool->reload(rt->ctx, rt);
	}
}

/* Whether a common option marked m ('I', 'O', 'G' or ' ') applies. */
static int
applies(char m)
{
	unsigned f = the_tool->flags;

	return m == ' ' || (m == 'I' && !(f & FK_TOOL_GENERATOR)) ||
	    (m == 'O' && !(f & FK_TOOL_REPORT)) ||
	    (m == 'G' && (f & FK_TOOL_GENERATOR));
}

/* The usage line, wrapped, with only the options that apply. */
static void
print_usage(FILE *fp)
{
	static const char *const words[] = { "I[-eqVv]", "G[-qVv]",
		" [-b brokers]", " [-c count]", " [-F file]", "I[-G group]",
		"O[-k field]", "I[-o offset]", " [-X key=value]", "O[-z codec]",
		"I[--from topic]", "I[--max-line size]", "I[--reject dest]",
		"I[--strict]", "O[--to topic]", NULL };
	size_t indent = strlen(the_tool->name) + 7, col = indent, w;
	const char *word;

	fprintf(fp, "usage: %s", the_tool->name);
	for (size_t i = 0; words[i] != NULL; i++) {
		if (!applies(words[i][0]))
			continue;
		word = words[i] + 1;
		w = strlen(word) + 1;
		if (col + w > 72) {
			fprintf(fp, "\n%*s", (int)indent, "");
			col = indent;
		}
		fprintf(fp, " %s", word);
		col += w;
	}
	fprintf(fp, "\n%*s %s\n", (int)indent, "", the_tool->synopsis);
}

void
fk_usage(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", the_tool->name, msg);
	print_usage(stderr);
	exit(FK_EX_USAGE);
}

/* Like a filter killed by SIGPIPE: no message, status 128+13 to shells. */
static FK_NORETURN void
die_sigpipe(void)
{
	signal(SIGPIPE, SIG_DFL);
	raise(SIGPIPE);
	_exit(128 + SIGPIPE);
}

static FK_NORETURN void
stdout_failed(void)
{
	if (errno == EPIPE)
		die_sigpipe();
	fk_err(FK_EX_IOERR, "stdout");
}

static void
flush_outputs(struct fk_rt *rt)
{
	if (fflush(stdout) == EOF)
		stdout_failed();
	if (rt->reject_fp != NULL && rt->reject_fp != stdout &&
	    fflush(rt->reject_fp) == EOF)
		fk_err(FK_EX_IOERR, "%s", rt->reject_dest);
}

/* Wait for every message in flight; -1 when some failed (counted). */
static int
deliver(struct fk_rt *rt)
{
	long long t0 = fk_time_mono_ms(), failed;

	if (rt->producer == NULL)
		return 0;
	/* After a signal, wait a bounded time; a second one ends it. */
	while (fk_producer_flush(rt->producer, 100) > 0)
		if (got_signal >= 2 ||
		    (got_signal && fk_time_mono_ms() - t0 > DRAIN_MS))
			return -1;
	failed = fk_producer_failed(rt->producer);
	if (failed > rt->failed_seen) {
		rt->failed_seen = failed;
		rt->status = fk_exit_worse(rt->status, FK_EX_TEMPFAIL);
		return -1;
	}
	return 0;
}

/* The tool saves what goes with the offsets about to be committed, and
 * that is delivered too. */
static int
tool_checkpoint(struct fk_rt *rt)
{
	int32_t parts[1024];
	int64_t offs[1024];
	size_t n = fk_consumer_marked(rt->consumer, parts, offs, 1024), i;

	if (the_tool->checkpoint(rt->ctx, rt, parts, offs, n) == -1) {
		rt->status = fk_exit_worse(rt->status, FK_EX_TEMPFAIL);
		return -1;
	}
	/* An offset the tool lowered: records it still holds from there. */
	for (i = 0; i < n; i++)
		fk_consumer_cap(rt->consumer, parts[i], offs[i]);
	return deliver(rt);
}

/* Deliver everything written so far, then commit what it came from.
 * Returns -1 when messages failed (nothing more is committed). */
static int
checkpoint(struct fk_rt *rt)
{
	char err[512];

	flush_outputs(rt);
	if (deliver(rt) == -1)
		return -1;
	if (rt->failed_seen > 0)
		return -1;
	if (rt->consumer != NULL && the_tool->checkpoint != NULL &&
	    tool_checkpoint(rt) == -1)
		return -1;
	if (rt->consumer != NULL &&
	    fk_consumer_commit(rt->consumer, err, sizeof(err)) == -1) {
		fk_error("%s", err);
		rt->status = fk_exit_worse(rt->status, FK_EX_TEMPFAIL);
	}
	rt->last_commit_ms = fk_time_mono_ms();
	return 0;
}

static void
on_revoke(void *arg)
{
	checkpoint(arg);
}

static void
on_assign(void *arg, const int32_t *parts, int64_t *start, size_t n)
{
	struct fk_rt *rt = arg;

	the_tool->assigned(rt->ctx, rt, parts, start, n);
}

static void
on_drop(void *arg, const int32_t *parts, size_t n)
{
	struct fk_rt *rt = arg;

	the_tool->revoked(rt->ctx, rt, parts, n);
}

const char *
fk_rt_from(const struct fk_rt *rt)
{
	return rt->from;
}

void
fk_rt_want_producer(struct fk_rt *rt)
{
	rt->want_producer = 1;
}

int
fk_rt_send_to(struct fk_rt *rt, const char *topic, int32_t partition,
    const void *value, size_t len, const void *key, size_t keylen)
{
	char err[512];

	if (fk_producer_send_to(rt->producer, topic, partition, value, len, key,
	        keylen, err, sizeof(err)) != 0) {
		fk_error("%s", err);
		return -1;
	}
	return 0;
}

int
fk_rt_partitions(
    const struct fk_rt *rt, const char *topic, char *err, size_t errlen)
{
	return fk_kafka_partitions(&rt->cfg, topic, err, errlen);
}

int
fk_rt_create_compacted(const struct fk_rt *rt, const char *topic,
    int partitions, char *err, size_t errlen)
{
	return fk_kafka_create_topic(
	    &rt->cfg, topic, partitions, 1, err, errlen);
}

int
fk_rt_read_partition(const struct fk_rt *rt, const char *topic,
    int32_t partition, int64_t *end,
    int (*fn)(void *arg, const void *key, size_t keylen, const void *value,
        size_t len),
    void *arg, char *err, size_t errlen)
{
	return fk_kafka_read_partition(
	    &rt->cfg, topic, partition, end, fn, arg, err, errlen);
}

struct fk_follow {
	struct fk_consumer *c;
	int64_t *start;
	size_t nstart;
};

static void
follow_assign(void *arg, const int32_t *parts, int64_t *start, size_t n)
{
	struct fk_follow *f = arg;

	for (size_t i = 0; i < n; i++)
		if (parts[i] >= 0 && (size_t)parts[i] < f->nstart)
			start[i] = f->start[parts[i]];
}

struct fk_follow *
fk_rt_follow(struct fk_rt *rt, const char *topic, const int64_t *start,
    size_t nstart, char *err, size_t errlen)
{
	struct fk_follow *f = fk_xcalloc(1, sizeof(*f));
	struct fk_consumer_opts o = {
		.topic = topic,
		.start = { .kind = FK_OFF_BEGINNING },
		.on_assign = follow_assign,
		.arg = f,
	};
	int code;

	f->start = fk_xcalloc(nstart + 1, sizeof(*f->start));
	memcpy(f->start, start, nstart * sizeof(*start));
	f->nstart = nstart;
	if ((f->c = fk_consumer_new(&rt->cfg, &o, &code, err, errlen)) ==
	    NULL) {
		free(f->start);
		free(f);
		return NULL;
	}
	return f;
}

int
fk_follow_next(struct fk_follow *f, const void **data, size_t *len, char *err,
    size_t errlen)
{
	struct fk_rec rec;
	int rc;

	memset(&rec, 0, sizeof(rec));
	rc = fk_consumer_next(f->c, &rec, 0, err, errlen);
	if (rc == 1) {
		*data = rec.data;
		*len = rec.len;
		return 1;
	}
	return rc == -2 ? -1 : 0;
}

void
fk_follow_close(struct fk_follow *f)
{
	if (f == NULL)
		return;
	fk_consumer_close(f->c);
	free(f->start);
	free(f);
}

/* Returns 0, or 1 when this one message cannot be sent (too large). */
static int
sink_write(struct fk_rt *rt, const char *topic, const char *data, size_t len,
    const char *key, size_t keylen, int64_t ts_ms, char *err, size_t errlen)
{
	int rc;

	if (topic != NULL) {
		rc = fk_producer_send(rt->producer, topic, data, len, key,
		    keylen, ts_ms, err, errlen);
		if (rc == -1)
			fk_errx(FK_EX_UNAVAILABLE, "%s", err);
		return rc;
	}
	if (fwrite(data, 1, len, stdout) != len || putchar('\n') == EOF)
		stdout_failed();
	return 0;
}

void
fk_rt_emit(struct fk_rt *rt, const char *data, size_t len, const char *key,
    size_t keylen, int64_t ts_ms)
{
	char err[512];

	if (rt->tool->flags & FK_TOOL_GENERATOR) {
		rt->n_in++;
		if (rt->max_records > 0 && rt->n_in >= rt->max_records)
			rt->stopping = 1;
	}
	if (sink_write(rt, rt->to, data, len, key, keylen, ts_ms, err,
	        sizeof(err)) == 1 &&
	    rt->cur != NULL) {
		fk_rt_reject(rt, rt->cur, "%s", err);
		return;
	}
	rt->n_out++;
}

const char *
fk_rt_keyfield(const struct fk_rt *rt)
{
	return rt->keyfield;
}

void
fk_rt_emit_json(struct fk_rt *rt, json_t *obj)
{
	size_t n = json_dumpb(
	    obj, rt->obuf, rt->obufcap, JSON_COMPACT | JSON_REAL_PRECISION(15));
	const char *key = NULL;
	size_t keylen = 0;
	int64_t ts_ms = 0;
	char num[64];
	json_t *k;

	if (n > rt->obufcap) {
		rt->obufcap = n + n / 2;
		rt->obuf = fk_xrealloc(rt->obuf, rt->obufcap);
		n = json_dumpb(obj, rt->obuf, rt->obufcap,
		    JSON_COMPACT | JSON_REAL_PRECISION(15));
	}
	if (rt->to != NULL && (k = json_object_get(obj, rt->keyfield))) {
		if (json_is_string(k)) {
			key = json_string_value(k);
			keylen = json_string_length(k);
		} else if (json_is_integer(k)) {
			keylen = (size_t)snprintf(num, sizeof(num),
			    "%" JSON_INTEGER_FORMAT, json_integer_value(k));
			key = num;
		}
	}
	if (rt->to != NULL &&
	    json_is_integer(k = json_object_get(obj, "ts_ms")) &&
	    json_integer_value(k) > 0)
		ts_ms = json_integer_value(k);
	fk_rt_emit(rt, rt->obuf, n, key, keylen, ts_ms);
}

/* Whether s is valid UTF-8, as jansson will want it. */
static int
is_utf8(const char *s, size_t len)
{
	json_t *j = json_stringn(s, len);

	if (j == NULL)
		return 0;
	json_decref(j);
	return 1;
}

void
fk_rt_reject(struct fk_rt *rt, const struct fk_rec *rec, const char *fmt, ...)
{
	char reason[2048], *b64, *line;
	va_list ap;
	json_t *o;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	fk_warn_at(&rec->pos, "%s", reason);
	rt->n_rej++;
	rt->status = fk_exit_worse(rt->status, FK_EX_DATAERR);
	if (rt->strict)
		rt->stopping = 1;
	if (rt->reject_dest == NULL)
		return;
	o = json_object();
	json_object_set_new(o, "reason", json_string(reason));
	json_object_set_new(o, "tool", json_string(the_tool->name));
	if (rec->pos.partition >= 0) {
		json_object_set_new(o, "topic", json_string(rec->pos.source));
		json_object_set_new(
		    o, "partition", json_integer(rec->pos.partition));
		json_object_set_new(o, "offset", json_integer(rec->pos.offset));
	} else {
		json_object_set_new(o, "source", json_string(rec->pos.source));
		json_object_set_new(o, "line", json_integer(rec->pos.line));
	}
	if (rec->truncated)
		json_object_set_new(o, "truncated", json_true());
	if (is_utf8(rec->data, rec->len)) {
		json_object_set_new(
		    o, "input", json_stringn(rec->data, rec->len));
	} else {
		b64 = fk_base64_encode(rec->data, rec->len);
		json_object_set_new(o, "input_base64", json_string(b64));
		free(b64);
	}
	line = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(o);
	if (rt->reject_topic != NULL) {
		if (sink_write(rt, rt->reject_topic, line, strlen(line),
		        rec->key, rec->keylen, 0, reason, sizeof(reason)) == 1)
			fk_errx(FK_EX_UNAVAILABLE, "%s", reason);
	} else if (fputs(line, rt->reject_fp) == EOF ||
	    putc('\n', rt->reject_fp) == EOF) {
		if (rt->reject_fp == stdout)
			stdout_failed();
		fk_err(FK_EX_IOERR, "%s", rt->reject_dest);
	}
	free(line);
}

void
fk_rt_consume(struct fk_rt *rt)
{
	rt->n_out++;
}

void
fk_rt_fail(struct fk_rt *rt, int code)
{
	rt->status = fk_exit_worse(rt->status, code);
}

void
fk_rt_skip(struct fk_rt *rt, const struct fk_rec *rec)
{
	(void)rec;
	rt->n_skip++;
}

void
fk_rt_set_csv_framing(struct fk_rt *rt, int on)
{
	if (on && rt->from != NULL)
		fk_usage("CSV input is read from files, not --from");
	rt->csv_framing = on;
}

/* The tool's clock work, at most every 100 ms. */
static void
tick(struct fk_rt *rt)
{
	long long now = fk_time_mono_ms();

	if (now - rt->last_tick_ms < 100)
		return;
	rt->last_tick_ms = now;
	the_tool->tick(rt->ctx, rt);
}

static void
handle_record(struct fk_rt *rt, const struct fk_rec *rec)
{
	check_hup(rt);
	if (the_tool->tick != NULL && (rt->n_in & 63) == 0)
		tick(rt);
	rt->n_in++;
	rt->cur = rec;
	the_tool->record(rt->ctx, rt, rec);
	rt->cur = NULL;
	if (rt->max_records > 0 && rt->n_in >= rt->max_records)
		rt->stopping = 1;
}

/* Input would block: write out what is buffered, and have the producer
 * send what it holds now rather than after linger.ms (a flush ignores
 * linger.ms while it lasts): a trickle reaches the topic at once, a flood
 * still travels in batches. */
static void
flush_idle(struct fk_rt *rt)
{
	flush_outputs(rt);
	if (rt->producer != NULL)
		fk_producer_flush(rt->producer, 1);
}

int
fk_rt_running(const struct fk_rt *rt)
{
	return !rt->stopping && !got_signal;
}

void
fk_rt_flush(struct fk_rt *rt)
{
	flush_idle(rt);
}

/* Input would block: flush so a trickle is not held back, then wait. */
static int
idle(void *arg, int fd)
{
	struct fk_rt *rt = arg;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	flush_idle(rt);
	for (;;) {
		if (got_signal)
			return -1;
		check_hup(rt);
		if (the_tool->tick != NULL)
			tick(rt);
		if (rt->producer != NULL)
			fk_producer_poll(rt->producer, 0);
		if (poll(&pfd, 1, 100) != 0)
			return 0;
	}
}

static void
append_join(struct fk_rt *rt, const char *s, size_t len, int newline)
{
	size_t need = rt->joinlen + len + 1;

	if (need > rt->joincap) {
		rt->joincap = need * 2;
		rt->join = fk_xrealloc(rt->join, rt->joincap);
	}
	if (newline)
		rt->join[rt->joinlen++] = '\n';
	memcpy(rt->join + rt->joinlen, s, len);
	rt->joinlen += len;
}

static int
run_file(struct fk_rt *rt, const char *path)
{
	struct fk_reader r;
	struct fk_rec rec;
	const char *line;
	size_t len;
	int rc = 0, trunc;

	if (fk_reader_open(&r, path, rt->max_line) == -1) {
		fk_error("%s: %s", path, strerror(errno));
		rt->status = fk_exit_worse(rt->status, FK_EX_NOINPUT);
		return 0;
	}
	r.idle = idle;
	r.idle_arg = rt;
	memset(&rec, 0, sizeof(rec));
	rec.pos.source = strcmp(path, "-") == 0 ? "<stdin>" : path;
	rec.pos.partition = -1;
	rec.pos.offset = -1;
	rec.ts_ms = -1;
	if (the_tool->source != NULL)
		the_tool->source(rt->ctx, rt, rec.pos.source);
	while (!rt->stopping && !got_signal &&
	    (rc = fk_reader_next(&r, &line, &len, &trunc)) == 1) {
		rec.pos.line = r.lineno;
		if (rt->csv_framing && !trunc && !fk_csv_complete(line, len)) {
			rt->joinlen = 0;
			append_join(rt, line, len, 0);
			while ((rc = fk_reader_next(&r, &line, &len, &trunc)) ==
			    1) {
				append_join(rt, line, len, 1);
				if (trunc || rt->joinlen > rt->max_line ||
				    fk_csv_complete(rt->join, rt->joinlen))
					break;
			}
			if (rc < 0)
				break;
			line = rt->join;
			len = rt->joinlen;
			if (len > rt->max_line) {
				len = rt->max_line;
				trunc = 1;
			}
		}
		if (len == 0 && !trunc)
			continue; /* empty lines separate nothing */
		rec.data = line;
		rec.len = len;
		rec.truncated = trunc;
		handle_record(rt, &rec);
	}
	if (rc == -1) {
		fk_error("%s: %s", rec.pos.source, strerror(errno));
		rt->status = fk_exit_worse(rt->status, FK_EX_NOINPUT);
	}
	fk_reader_close(&r);
	return rc == -2 ? -1 : 0;
}

static void
run_kafka(struct fk_rt *rt)
{
	struct fk_consumer_opts o = {
		.topic = rt->from,
		.group = rt->group,
		.start = rt->start,
		.end = rt->end,
		.exit_eof = rt->exit_eof,
		.on_revoke = on_revoke,
		.on_assign = the_tool->assigned != NULL ? on_assign : NULL,
		.on_drop = the_tool->revoked != NULL ? on_drop : NULL,
		.arg = rt,
	};
	struct fk_rec rec;
	char err[512];
	int rc, code, timeout = 0;

	rt->consumer = fk_consumer_new(&rt->cfg, &o, &code, err, sizeof(err));
	if (rt->consumer == NULL)
		fk_errx(code, "%s", err);
	rt->last_commit_ms = fk_time_mono_ms();
	while (!rt->stopping && !got_signal) {
		memset(&rec, 0, sizeof(rec));
		rc = fk_consumer_next(
		    rt->consumer, &rec, timeout, err, sizeof(err));
		if (rc == 1) {
			timeout = 0;
			handle_record(rt, &rec);
			fk_consumer_mark(rt->consumer, &rec.pos);
		} else if (rc == 0) {
			check_hup(rt);
			if (the_tool->tick != NULL)
				tick(rt);
			/* Nothing ready: flush, then wait a little. */
			if (timeout == 0)
				flush_idle(rt);
			timeout = 100;
		} else if (rc == -1) {
			break;
		} else {
			fk_error("%s", err);
			rt->status =
			    fk_exit_worse(rt->status, FK_EX_UNAVAILABLE);
			break;
		}
		if (rt->group != NULL &&
		    fk_time_mono_ms() - rt->last_commit_ms >=
		        rt->commit_interval_ms &&
		    checkpoint(rt) == -1)
			break;
	}
	if (the_tool->drain != NULL)
		the_tool->drain(rt->ctx, rt);
	checkpoint(rt);
	fk_consumer_close(rt->consumer);
	rt->consumer = NULL;
}

static void
load_config(struct fk_rt *rt)
{
	const char *env = getenv("FK_CONFIG");
	char err[1024];

	fk_config_init(&rt->cfg);
	if (env != NULL && *env != '\0' &&
	    fk_config_load(&rt->cfg, env, err, sizeof(err)) == -1)
		fk_errx(FK_EX_CONFIG, "FK_CONFIG: %s", err);
	fk_config_append(&rt->cfg, &rt->cfg_files);
	/* -b is on the command line: above files, below -X. */
	if (rt->brokers != NULL)
		fk_config_set(&rt->cfg, "bootstrap.servers", rt->brokers, "-b");
	fk_config_append(&rt->cfg, &rt->cfg_args);
	if (fk_kafka_config_check(&rt->cfg, err, sizeof(err)) == -1)
		fk_errx(FK_EX_CONFIG, "%s", err);
	/* Offsets are committed by the runtime, after delivery. */
	for (size_t i = 0; i < rt->cfg.n; i++)
		if ((strcmp(rt->cfg.kv[i].key, "enable.auto.commit") == 0 ||
		        strcmp(rt->cfg.kv[i].key, "enable.auto.offset.store") ==
		            0) &&
		    strcmp(rt->cfg.kv[i].value, "false") != 0)
			fk_errx(FK_EX_CONFIG,
			    "%s: %s: offsets are committed after delivery; "
			    "it cannot be turned on",
			    rt->cfg.kv[i].origin, rt->cfg.kv[i].key);
	if (rt->brokers == NULL)
		rt->brokers = fk_config_get(&rt->cfg, "bootstrap.servers");
	if (rt->brokers == NULL)
		rt->brokers = fk_config_get(&rt->cfg, "test.mock.num.brokers");
}

/* Static, so that exits during parsing leave nothing unreachable. */
static struct option *longopts;
static char *shortopts;

static void
parse_args(struct fk_rt *rt, int argc, char **argv)
{
	size_t ncommon = sizeof(common_longopts) / sizeof(common_longopts[0]);
	size_t ntool = 0, i;
	char err[1024];
	long long v;
	int c, list = 0;

	if (the_tool->longopts != NULL)
		while (the_tool->longopts[ntool].name != NULL)
			ntool++;
	longopts = fk_xcalloc(ncommon + ntool, sizeof(*longopts));
	for (i = 0; i < ntool; i++)
		longopts[i] = the_tool->longopts[i];
	for (i = 0; i < ncommon; i++)
		longopts[ntool + i] = common_longopts[i];
	shortopts = fk_xmalloc(
	    strlen(COMMON_SHORTOPTS) + strlen(the_tool->shortopts) + 2);
	snprintf(shortopts,
	    strlen(COMMON_SHORTOPTS) + strlen(the_tool->shortopts) + 2, ":%s%s",
	    COMMON_SHORTOPTS, the_tool->shortopts);

	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			rt->brokers = optarg;
			break;
		case 'c':
			if (fk_num_int(optarg, 1, INT64_MAX, &v, err,
			        sizeof(err)) == -1)
				fk_usage("-c: %s", err);
			rt->max_records = v;
			break;
		case 'e':
			rt->exit_eof = 1;
			break;
		case 'F':
			if (fk_config_load(
			        &rt->cfg_files, optarg, err, sizeof(err)) == -1)
				fk_errx(FK_EX_CONFIG, "%s", err);
			break;
		case 'G':
			rt->group = optarg;
			break;
		case 'h':
			print_usage(stdout);
			printf("\nOptions:\n");
			for (i = 0; common_help[i] != NULL; i++)
				if (applies(common_help[i][0]))
					printf("  %s", common_help[i] + 2);
			printf("%s", the_tool->options_help);
			printf("\nSee %s(1) and fk(7).\n", the_tool->name);
			exit(fflush(stdout) == EOF ? FK_EX_IOERR : FK_EX_OK);
		case 'k':
			rt->keyfield = optarg;
			rt->keyfield_set = 1;
			break;
		case 'o':
			if (fk_kafka_offset_parse(optarg, &rt->start, &rt->end,
			        err, sizeof(err)) == -1)
				fk_usage("-o: %s", err);
			break;
		case 'q':
			fk_log_set_level(FK_LOG_ERROR);
			break;
		case 'V':
			printf("%s %s (librdkafka %s, jansson %s)\n",
			    the_tool->name, FK_VERSION, fk_kafka_version(),
			    JANSSON_VERSION);
			exit(fflush(stdout) == EOF ? FK_EX_IOERR : FK_EX_OK);
		case 'v':
			fk_log_set_level(fk_log_level() < FK_LOG_INFO
			        ? FK_LOG_INFO
			        : FK_LOG_DEBUG);
			break;
		case 'X':
			if (strcmp(optarg, "list") == 0) {
				list = 1;
				break;
			}
			if (fk_config_parse_arg(&rt->cfg_args, optarg, "-X",
			        err, sizeof(err)) == -1)
				fk_errx(FK_EX_CONFIG, "-X: %s", err);
			break;
		case 'z':
			rt->compression = optarg;
			break;
		case OPT_FROM:
			rt->from = optarg;
			break;
		case OPT_TO:
			rt->to = optarg;
			break;
		case OPT_REJECT:
			rt->reject_dest = optarg;
			break;
		case OPT_STRICT:
			rt->strict = 1;
			break;
		case OPT_MAX_LINE:
			if (fk_num_size(optarg, 16, 1LL << 30, &v, err,
			        sizeof(err)) == -1)
				fk_usage("--max-line: %s", err);
			rt->max_line = (size_t)v;
			rt->max_line_set = 1;
			break;
		case ':':
			if (optopt != 0 && optopt < 256)
				fk_usage("option requires an argument -- '%c'",
				    optopt);
			fk_usage("option requires an argument: %s",
			    argv[optind - 1]);
		case '?':
			if (optopt != 0 && optopt < 256)
				fk_usage("unknown option -- '%c'", optopt);
			fk_usage("unknown option: %s", argv[optind - 1]);
		default:
			the_tool->option(rt->ctx, c, optarg);
			break;
		}
	}
	free(longopts);
	free(shortopts);
	longopts = NULL;
	shortopts = NULL;
	if (list) {
		fk_kafka_config_list(stdout);
		exit(fflush(stdout) == EOF ? FK_EX_IOERR : FK_EX_OK);
	}
}

/* What the options say together; one clear error each. */
/* Options that do not apply to a generator or a report tool. */
static void
check_kind(struct fk_rt *rt, int nfiles)
{
	const char *bad = NULL;

	if (the_tool->flags & FK_TOOL_GENERATOR) {
		bad = nfiles > 0        ? "file operands"
		    : rt->from != NULL  ? "--from"
		    : rt->group != NULL ? "-G"
		    : rt->exit_eof      ? "-e"
		    : rt->start.kind != FK_OFF_NONE ||
		        rt->end.kind != FK_OFF_NONE
		    ? "-o"
		    : rt->max_line_set        ? "--max-line"
		    : rt->reject_dest != NULL ? "--reject"
		    : rt->strict              ? "--strict"
		                              : NULL;
		if (bad != NULL)
			fk_usage("%s: this tool reads no input", bad);
	}
	if (the_tool->flags & FK_TOOL_REPORT) {
		bad = rt->to != NULL   ? "--to"
		    : rt->keyfield_set ? "-k"
		    : rt->compression  ? "-z"
		                       : NULL;
		if (bad != NULL)
			fk_usage(
			    "%s: this tool writes a report, not records", bad);
	}
}

static void
check_args(struct fk_rt *rt, int nfiles)
{
	int kafka_out = rt->to != NULL ||
	    (rt->reject_dest && strncmp(rt->reject_dest, "kafka:", 6) == 0);

	check_kind(rt, nfiles);
	if (rt->from != NULL && nfiles > 0)
		fk_usage("--from and input files cannot be used together");
	if ((rt->from != NULL || kafka_out) && rt->brokers == NULL)
		fk_usage("%s needs brokers: -b host:port or -X "
		         "bootstrap.servers=host:port",
		    rt->from     ? "--from"
		        : rt->to ? "--to"
		                 : "--reject kafka:");
	if (rt->from == NULL) {
		if (rt->group != NULL)
			fk_usage("-G needs --from");
		if (rt->exit_eof)
			fk_usage("-e needs --from");
		if (rt->start.kind != FK_OFF_NONE ||
		    rt->end.kind != FK_OFF_NONE)
			fk_usage("-o needs --from");
	}
	if (rt->start.kind == FK_OFF_STORED && rt->group == NULL)
		fk_usage("-o stored needs -G");
	if (rt->compression != NULL && !kafka_out)
		fk_usage("-z needs --to or --reject kafka:TOPIC");
}

static void
open_sinks(struct fk_rt *rt)
{
	char err[1024];

	if (rt->reject_dest != NULL) {
		if (strncmp(rt->reject_dest, "kafka:", 6) == 0) {
			rt->reject_topic = rt->reject_dest + 6;
			if (*rt->reject_topic == '\0')
				fk_usage("--reject kafka: needs a topic");
		} else if (strcmp(rt->reject_dest, "-") == 0) {
			rt->reject_fp = stdout;
		} else if ((rt->reject_fp = fopen(rt->reject_dest, "w")) ==
		    NULL) {
			fk_err(FK_EX_IOERR, "%s", rt->reject_dest);
		}
	}
	if (rt->to != NULL || rt->reject_topic != NULL || rt->want_producer) {
		rt->producer = fk_producer_new(
		    &rt->cfg, rt->compression, err, sizeof(err));
		if (rt->producer == NULL)
			fk_errx(FK_EX_CONFIG, "%s", err);
	}
}

static void
finish(struct fk_rt *rt)
{
	double secs;
	struct timespec t1;
	long long undelivered = 0;

	if (the_tool->finish != NULL)
		the_tool->finish(rt->ctx, rt);
	checkpoint(rt);
	if (rt->producer != NULL) {
		/* Still in flight after a signal's bounded wait: not delivered. */
		undelivered = fk_producer_failed(rt->producer) +
		    fk_producer_flush(rt->producer, 0);
		if (undelivered > 0) {
			fk_error("%lld records undelivered: %s", undelivered,
			    fk_producer_last_error(rt->producer));
			rt->status = fk_exit_worse(rt->status, FK_EX_TEMPFAIL);
		}
		fk_producer_free(rt->producer);
	}
	if (rt->reject_fp != NULL && rt->reject_fp != stdout &&
	    fclose(rt->reject_fp) == EOF)
		fk_err(FK_EX_IOERR, "%s", rt->reject_dest);
	if (fflush(stdout) == EOF || ferror(stdout))
		stdout_failed();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - rt->t0.tv_sec) +
	    (double)(t1.tv_nsec - rt->t0.tv_nsec) / 1e9;
	fk_info(FK_LOG_INFO,
	    "%lld in, %lld %s, %lld skipped, %lld rejected%s in %.3f s "
	    "(%.0f records/s)",
	    rt->n_in, rt->n_out - undelivered,
	    the_tool->used != NULL ? the_tool->used : "out", rt->n_skip,
	    rt->n_rej, undelivered ? ", some undelivered" : "", secs,
	    secs > 0 ? (double)rt->n_in / secs : 0.0);
}

int
fk_main(const struct fk_tool *tool, void *ctx, int argc, char **argv)
{
	struct fk_rt rt;
	struct sigaction sa;
	const char *v;
	long long ms;
	char err[256];
	int i;

	the_tool = tool;
	fk_log_init(tool->name);
	fk_xalloc_init();
	fk_kafka_set_logger(fk_log_kafka);
	memset(&rt, 0, sizeof(rt));
	rt.tool = tool;
	rt.ctx = ctx;
	rt.keyfield = "user_id";
	rt.max_line = DEFAULT_MAX_LINE;
	rt.commit_interval_ms = 1000;
	fk_config_init(&rt.cfg_files);
	fk_config_init(&rt.cfg_args);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: reads return EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A tool with nothing to reload lives through the SIGHUP meant for
	 * its neighbours in a pipeline. */
	if (tool->reload != NULL)
		sigaction(SIGHUP, &sa, NULL);
	else
		signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);

	parse_args(&rt, argc, argv);
	load_config(&rt);
	check_args(&rt, argc - optind);
	if ((v = fk_config_get(&rt.cfg, "auto.commit.interval.ms")) != NULL &&
	    fk_num_int(v, 0, 86400000, &ms, err, sizeof(err)) == 0)
		rt.commit_interval_ms = ms;
	rt.outbuf = fk_xmalloc(OUTBUF_SIZE);
	setvbuf(stdout, rt.outbuf, _IOFBF, OUTBUF_SIZE);
	rt.obufcap = 4096;
	rt.obuf = fk_xmalloc(rt.obufcap);
	if (tool->start != NULL)
		tool->start(ctx, &rt);
	open_sinks(&rt);
	clock_gettime(CLOCK_MONOTONIC, &rt.t0);

	if (tool->flags & FK_TOOL_GENERATOR) {
		tool->generate(ctx, &rt);
	} else if (rt.from != NULL) {
		run_kafka(&rt);
	} else if (optind == argc) {
		run_file(&rt, "-");
	} else {
		for (i = optind; i < argc && !rt.stopping && !got_signal; i++)
			if (run_file(&rt, argv[i]) == -1)
				break;
	}
	finish(&rt);
	if (got_signal)
		fk_info(FK_LOG_INFO, "stopped by a signal");
	free(rt.obuf);
	free(rt.join);
	fk_config_release(&rt.cfg);
	fk_config_release(&rt.cfg_files);
	fk_config_release(&rt.cfg_args);
	/* stdout's buffer is ours: leave it in place until exit. */
	return rt.status;
}
