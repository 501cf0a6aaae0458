#include "run.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "csv.h"
#include "digest.h"
#include "exitcode.h"
#include "fktime.h"
#include "jscan.h"
#include "kafka.h"
#include "keep.h"
#include "progress.h"
#include "prom.h"
#include "promhttp.h"
#include "reader.h"
#include "xalloc.h"
#include "banned.h"

#define OUTBUF_SIZE (256 * 1024)
#define DRAIN_MS 10000       /* delivery wait after SIGINT/SIGTERM */
#define RENDER_MS 250        /* --metrics-port: how fresh a scrape is */
#define HTTP_REQUEST_MS 5000 /* for a client to send its request */
#define STATS_MS 5000        /* librdkafka's statistics: consumer lag */
#define EOS_INIT_MS 60000    /* --eos: for an earlier transaction to end */
#define EOS_MAX_ABORTS 5     /* --eos: aborted in a row, the run ends */
#define LAG_METRIC "fk_kafka_consumer_lag_messages"

struct fk_rt {
	const struct fk_tool *tool;
	void *ctx;

	struct fk_args a; /* the shared options and the configuration */
	int want_producer, csv_framing;

	/* sinks */
	char *outbuf;
	struct fk_producer *producer;
	FILE *reject_fp;
	const char *reject_topic;
	long long failed_seen;

	/* source */
	struct fk_consumer *consumer;
	/* Bytes of the files read before this one, and of all up to the
	 * record being handled (--progress's percent). */
	long long files_read, file_pos;
	char *join;
	size_t joinlen, joincap;

	/* state */
	long long n_in, n_out, n_skip, n_rej;
	long long bytes_in, bytes_out;
	int status;
	int stopping;
	const struct fk_rec *cur; /* the record being handled */
	struct timespec t0;
	long long last_commit_ms, last_tick_ms;
	long long last_idle_ms; /* the tool's idle callback */
	int streaming;          /* input came again at once: read in gulps */
	/* The group's trouble: a commit failed for a reason that passes, or
	 * partitions were lost, and no commit worked since (said once); a
	 * commit refused for good (no more are tried). */
	int group_trouble, commit_refused;

	/* --to: what its topic keeps; event times outside [keep_lo,
	 * keep_hi] are not kept (counted in n_unkept, said once). */
	struct fk_keep keep;
	int64_t keep_lo, keep_hi;
	long long n_unkept;
	int fresh_said;      /* a new group's start at the end, said once */
	struct fk_rt_wm *wm; /* watermark control messages */

	/* Metrics: the registry every tool has (fk_rt_metrics), and what
	 * the runtime exports when asked to (NULL: not asked). */
	struct fk_prom *prom;
	struct fk_rt_mx *mx;
	int sample;      /* time the next record (set by tick) */
	int64_t emit_ts; /* the event time the last record was written with */
	/* SIGUSR1: the summary's rate since the last one */
	long long usr1_ms, usr1_in;
	int progress; /* --progress's line is on */
	struct fk_progress prog;
	struct fk_rt_eos *eos; /* --eos, else NULL */
};

/* The runtime's metrics (fk(7) METRICS) and where they go. */
struct fk_rt_mx {
	uint64_t *in, *out, *rej, *skip, *bytes_in, *bytes_out, *dr_err;
	double *queue;
	struct fk_prom_hist *proc, *age, *ingest;
	struct fk_jobj obj; /* a sampled record's ingest_ms */
	struct fk_promhttp *http;
	long long next_file_ms, next_render_ms;
	int file_failed; /* said once until a write works again */
};

static void tick(struct fk_rt *rt);
static int eos_refused(struct fk_rt *rt);
static void eos_abort(struct fk_rt *rt);
static void eos_open(struct fk_rt *rt);
static int eos_last(struct fk_rt *rt);
static int eos_checkpoint(struct fk_rt *rt);
static void eos_revoke(struct fk_rt *rt, int lost);
static const char *unkept_summary(
    const struct fk_rt *rt, char *buf, size_t len);

/* Watermark control messages, in and out. */
struct fk_rt_wm {
	int to_parts; /* --to's partition count, once known */
	long long in, out, bad, bad_to;
};

/* --eos: the transaction that holds what was written since the last
 * commit, and the offsets it goes with (kafka.h's fk_txn_*). */
struct fk_rt_eos {
	char id[512];          /* the producer's transactional.id */
	const char *no_rewind; /* why the tool cannot read again, or NULL */
	int abort;             /* a send was refused: abort, read again */
	long long aborted;
	int streak; /* aborted since the last commit */
};

static const struct fk_tool *the_tool;
static volatile sig_atomic_t got_signal, got_hup, got_usr1, starting;

static void
on_signal(int sig)
{
	/* While the tool loads its rules, model or state nothing is
	 * written yet: SIGINT and SIGTERM end it at once, as they would
	 * any program, rather than after the load. */
	if (starting && (sig == SIGINT || sig == SIGTERM)) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGUSR1)
		got_usr1 = 1;
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
		fk_err(FK_EX_IOERR, "%s", rt->a.reject_dest);
}

/* A broker refused our credentials: nothing will be delivered. */
static void
check_refused(void)
{
	const char *why = fk_kafka_auth_error();

	if (why != NULL)
		fk_errx(FK_EX_UNAVAILABLE, "%s", why);
}

/* Wait for every message in flight; -1 when some failed (counted). */
static int
deliver(struct fk_rt *rt)
{
	long long t0 = fk_time_mono_ms(), failed;

	if (rt->producer == NULL)
		return 0;
	/* After a signal, wait a bounded time; a second one ends it. */
	while (fk_producer_flush(rt->producer, 100) > 0) {
		check_refused();
		if (got_signal >= 2 ||
		    (got_signal && fk_time_mono_ms() - t0 > DRAIN_MS))
			return -1;
	}
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

/* A broker restart or a group rebalance in its way: said once until a
 * commit works again, at -v -v after that. */
static void
group_trouble(struct fk_rt *rt, const char *what)
{
	if (rt->group_trouble) {
		fk_info(FK_LOG_DEBUG, "%s", what);
		return;
	}
	rt->group_trouble = 1;
	fk_warnx("%s", what);
}

/* Commit the offsets of what was delivered.  -1 when the group refused
 * for good. */
static int
commit(struct fk_rt *rt)
{
	char err[512], what[640];

	if (rt->commit_refused)
		return -1;
	switch (fk_consumer_commit(rt->consumer, err, sizeof(err))) {
	case 0:
		/* Not while partitions lost wait to come back. */
		if (rt->group_trouble &&
		    fk_consumer_uncommitted(rt->consumer) == 0) {
			fk_info(FK_LOG_INFO, "%s: offsets committed again",
			    rt->a.from);
			rt->group_trouble = 0;
		}
		return 0;
	case FK_COMMIT_AGAIN:
		snprintf(what, sizeof(what),
		    "%s (going on: offsets are committed when the group is "
		    "back)",
		    err);
		group_trouble(rt, what);
		return 0;
	case FK_COMMIT_FATAL:
		fk_error("%s", err);
		rt->status = fk_exit_worse(rt->status, FK_EX_UNAVAILABLE);
		rt->commit_refused = 1;
		return -1;
	default:
		fk_error("%s", err);
		rt->status = fk_exit_worse(rt->status, FK_EX_TEMPFAIL);
		return 0;
	}
}

/* Deliver everything written so far, then commit what it came from.
 * Returns -1 when messages failed (nothing more is committed) or the
 * group refused the commit for good. */
static int
checkpoint(struct fk_rt *rt)
{
	if (rt->eos != NULL)
		return eos_checkpoint(rt);
	flush_outputs(rt);
	if (deliver(rt) == -1)
		return -1;
	if (rt->failed_seen > 0)
		return -1;
	if (rt->consumer != NULL && the_tool->checkpoint != NULL &&
	    tool_checkpoint(rt) == -1)
		return -1;
	if (rt->consumer != NULL && commit(rt) == -1)
		return -1;
	rt->last_commit_ms = fk_time_mono_ms();
	return 0;
}

/* Partitions lost (the session timed out, the group evicted this
 * member) may be another member's already: their output is delivered,
 * but the tool saves nothing for them and nothing is committed; the
 * consumer starts them after what was delivered if they come back. */
static void
on_revoke(void *arg, int lost)
{
	struct fk_rt *rt = arg;
	char what[512];

	if (rt->eos != NULL) {
		eos_revoke(rt, lost);
		return;
	}
	if (!lost) {
		checkpoint(rt);
		return;
	}
	snprintf(what, sizeof(what),
	    "%s: partitions lost by this member of group %s (its session "
	    "timed out or the group evicted it): rejoining, going on after "
	    "what was delivered",
	    rt->a.from, rt->a.group);
	group_trouble(rt, what);
	flush_outputs(rt);
	deliver(rt);
}

static void
on_assign(void *arg, const int32_t *parts, int64_t *start, size_t n)
{
	struct fk_rt *rt = arg;
	char err[1024];

	/* The state a tool restores (fk-enrich's changelog) must be the
	 * one committed with the offsets: none may be pending. */
	if (rt->eos != NULL && rt->consumer != NULL &&
	    fk_consumer_stable(
	        rt->consumer, parts, n, EOS_INIT_MS, err, sizeof(err)) == -1)
		fk_errx(FK_EX_UNAVAILABLE, "%s", err);
	the_tool->assigned(rt->ctx, rt, parts, start, n);
}

/* A new group reading nothing, since it starts at the end, looks like an
 * empty topic: say so, once a run. */
static void
on_fresh(void *arg, const int32_t *parts, size_t n)
{
	struct fk_rt *rt = arg;
	char list[512];

	if (rt->fresh_said)
		return;
	rt->fresh_said = 1;
	fk_kafka_parts_format(parts, n, list, sizeof(list));
	fk_warnx("group %s has no committed offset on %s[%s]: starting at the "
	         "end; -o beginning reads what is already there",
	    rt->a.group, rt->a.from, list);
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
	return rt->a.from;
}

const char *
fk_rt_to(const struct fk_rt *rt)
{
	return rt->a.to;
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
		if (!eos_refused(rt))
			fk_error("%s", err);
		return -1;
	}
	return 0;
}

const struct fk_config *
fk_rt_config(const struct fk_rt *rt)
{
	return &rt->a.cfg;
}

/* The first record --to's topic will not keep: say why and what fixes
 * it, once; then count. */
static void
unkept(struct fk_rt *rt, int64_t ts_ms)
{
	int64_t now = fk_time_wall_ms();
	unsigned fate = fk_keep_fate(&rt->keep, now, ts_ms);
	const struct fk_keep *k = &rt->keep;
	char when[FK_TIME_BUFSZ] = "?", age[32], lim[32], fix[1024], why[512];
	char msg[2048];
	const char *b = rt->a.brokers != NULL ? rt->a.brokers : "BROKERS";
	int n = 0;

	if (fate == 0)
		return; /* the window was worked out at start: now it is kept */
	if (rt->n_unkept++ > 0)
		return;
	if (ts_ms > -62135596800000LL && ts_ms < 253402300800000LL)
		fk_time_format(ts_ms, when);
	fk_keep_span(ts_ms < now ? now - ts_ms : ts_ms - now, age, sizeof(age));
	why[0] = '\0';
	if (fate & FK_KEEP_TOO_OLD) {
		fk_keep_span(k->before_max_ms, lim, sizeof(lim));
		n += snprintf(why + n, sizeof(why) - (size_t)n,
		    "refuses timestamps more than %s old (%s=%lld)", lim,
		    k->before_key, (long long)k->before_max_ms);
	}
	if (fate & FK_KEEP_TOO_NEW) {
		fk_keep_span(k->after_max_ms, lim, sizeof(lim));
		n += snprintf(why + n, sizeof(why) - (size_t)n,
		    "%srefuses timestamps more than %s ahead (%s=%lld)",
		    n > 0 ? " and " : "", lim, k->after_key,
		    (long long)k->after_max_ms);
	}
	if (fate & FK_KEEP_DELETED) {
		fk_keep_span(k->retention_ms, lim, sizeof(lim));
		snprintf(why + n, sizeof(why) - (size_t)n,
		    "%skeeps %s from a message's timestamp (retention.ms=%lld)",
		    n > 0 ? " and " : "", lim, (long long)k->retention_ms);
	}
	fk_keep_fix(k, fate, b, rt->a.to, fix, sizeof(fix));
	snprintf(msg, sizeof(msg),
	    "event time %s is %s %s, but topic %s %s%s: the broker will %s; "
	    "%s: %s",
	    when, age, ts_ms < now ? "old" : "in the future", rt->a.to,
	    k->exists ? ""
	              : "does not exist yet; created by the broker on "
	                "first write, it ",
	    why,
	    fate & (FK_KEEP_TOO_OLD | FK_KEEP_TOO_NEW)
	        ? "refuse such records"
	        : "delete such records at its next retention check, minutes "
	          "from now",
	    k->exists ? "keep them with" : "create the topic first with", fix);
	if (rt->cur != NULL)
		fk_warn_at(&rt->cur->pos, "%s", msg);
	else
		fk_warnx("%s", msg);
}

/* --to: ask the broker what the topic keeps, so that sending history
 * costs a compare per record.  A check that cannot be made is no error:
 * the records still go out as before. */
static void
keep_open(struct fk_rt *rt)
{
	char err[512];

	rt->keep_lo = INT64_MIN;
	rt->keep_hi = INT64_MAX;
	if (rt->a.to == NULL || rt->producer == NULL)
		return;
	if (fk_producer_keep(rt->producer, rt->a.to, 5000, &rt->keep, err,
	        sizeof(err)) == -1) {
		fk_info(FK_LOG_INFO, "retention of %s not checked: %s",
		    rt->a.to, err);
		return;
	}
	fk_keep_window(
	    &rt->keep, fk_time_wall_ms(), &rt->keep_lo, &rt->keep_hi);
}

/* Returns 0, or 1 when this one message cannot be sent (too large). */
static int
sink_write(struct fk_rt *rt, const char *topic, const char *data, size_t len,
    const char *key, size_t keylen, int64_t ts_ms, const struct fk_header *h,
    char *err, size_t errlen)
{
	int rc;

	if (topic != NULL) {
		rc = fk_producer_send(rt->producer, topic, data, len, key,
		    keylen, h, ts_ms, err, errlen);
		/* Refused with the transaction: written again after it is
		 * aborted and the input read again. */
		if (rc == -1 && eos_refused(rt))
			return 0;
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
	fk_rt_emit_h(rt, data, len, key, keylen, ts_ms, NULL);
}

void
fk_rt_emit_h(struct fk_rt *rt, const char *data, size_t len, const char *key,
    size_t keylen, int64_t ts_ms, const struct fk_header *h)
{
	char err[512];

	if (rt->tool->flags & FK_TOOL_GENERATOR) {
		if ((rt->n_in & 63) == 0)
			tick(rt);
		rt->n_in++;
		if (rt->a.max_records > 0 && rt->n_in >= rt->a.max_records)
			rt->stopping = 1;
	}
	if (ts_ms > 0 && (ts_ms < rt->keep_lo || ts_ms > rt->keep_hi))
		unkept(rt, ts_ms);
	if (sink_write(rt, rt->a.to, data, len, key, keylen, ts_ms, h, err,
	        sizeof(err)) == 1 &&
	    rt->cur != NULL) {
		fk_rt_reject(rt, rt->cur, "%s", err);
		return;
	}
	rt->n_out++;
	rt->bytes_out += len;
	rt->emit_ts = ts_ms;
}

const char *
fk_rt_keyfield(const struct fk_rt *rt)
{
	return rt->a.keyfield;
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
	if (rt->a.strict)
		rt->stopping = 1;
	if (rt->a.reject_dest == NULL)
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
		        rec->key, rec->keylen, 0, NULL, reason,
		        sizeof(reason)) == 1)
			fk_errx(FK_EX_UNAVAILABLE, "%s", reason);
	} else if (fputs(line, rt->reject_fp) == EOF ||
	    putc('\n', rt->reject_fp) == EOF) {
		if (rt->reject_fp == stdout)
			stdout_failed();
		fk_err(FK_EX_IOERR, "%s", rt->a.reject_dest);
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
	if (on && rt->a.from != NULL)
		fk_usage("CSV input is read from files, not --from");
	rt->csv_framing = on;
}

/* Metrics: a failure is fatal at start, said once later on. */
static uint64_t *
rt_counter(struct fk_rt *rt, const char *name, const char *help)
{
	char err[512];
	uint64_t *c =
	    fk_prom_counter(rt->prom, name, help, NULL, err, sizeof(err));

	if (c == NULL)
		fk_errx(FK_EX_SOFTWARE, "%s", err);
	return c;
}

static double *
rt_gauge(struct fk_rt *rt, const char *name, const char *help)
{
	char err[512];
	double *g = fk_prom_gauge(rt->prom, name, help, NULL, err, sizeof(err));

	if (g == NULL)
		fk_errx(FK_EX_SOFTWARE, "%s", err);
	return g;
}

static struct fk_prom_hist *
rt_histogram(struct fk_rt *rt, const char *name, const char *help,
    const double *bounds, size_t nb)
{
	char err[512];
	struct fk_prom_hist *h = fk_prom_histogram(
	    rt->prom, name, help, NULL, bounds, nb, err, sizeof(err));

	if (h == NULL)
		fk_errx(FK_EX_SOFTWARE, "%s", err);
	return h;
}

/* The registry, with the runtime's metrics when they are exported:
 * before the tool's start(), so that it can add its own. */
static void
metrics_open(struct fk_rt *rt)
{
	static const double proc_s[] = { 1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5,
		1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05, 0.1,
		0.25, 0.5, 1 };
	static const double age_s[] = { 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1,
		5, 10, 30, 60, 300, 900, 3600, 21600, 86400, 604800 };
	const char *const labels[] = { "tool", the_tool->name, NULL };
	struct fk_rt_mx *mx;
	char err[512];

	if ((rt->prom = fk_prom_new(labels, err, sizeof(err))) == NULL)
		fk_errx(FK_EX_SOFTWARE, "%s", err);
	if (rt->a.metrics_file == NULL && rt->a.metrics_port < 0)
		return;
	mx = rt->mx = fk_xcalloc(1, sizeof(*rt->mx));
	*rt_gauge(rt, "fk_start_time_seconds",
	    "Start time of the process since the epoch, in seconds") =
	    (double)fk_time_wall_ms() / 1000.0;
	mx->in = rt_counter(rt, "fk_records_in_total", "Records read");
	mx->out = rt_counter(rt, "fk_records_out_total",
	    "Records written to standard output or queued for --to");
	mx->rej = rt_counter(
	    rt, "fk_records_rejected_total", "Records rejected as bad input");
	mx->skip = rt_counter(rt, "fk_records_skipped_total",
	    "Records dropped by design (CSV headers, no alert)");
	mx->bytes_in = rt_counter(rt, "fk_input_bytes_total",
	    "Bytes of the records read, without newlines");
	mx->bytes_out = rt_counter(rt, "fk_output_bytes_total",
	    "Bytes of the records written, without newlines");
	mx->proc = rt_histogram(rt, "fk_record_processing_seconds",
	    "Time the tool took over a record, sampled", proc_s,
	    sizeof(proc_s) / sizeof(proc_s[0]));
	mx->age = rt_histogram(rt, "fk_event_age_seconds",
	    "Wall-clock time minus the event time of a record, sampled", age_s,
	    sizeof(age_s) / sizeof(age_s[0]));
	mx->ingest = rt_histogram(rt, "fk_ingest_age_seconds",
	    "Wall-clock time minus the ingest_ms of a record, sampled", age_s,
	    sizeof(age_s) / sizeof(age_s[0]));
	fk_jobj_init(&mx->obj);
}

/* Kafka's metrics, once open_sinks() has made the producer. */
static void
metrics_kafka(struct fk_rt *rt)
{
	if (rt->mx == NULL || rt->producer == NULL)
		return;
	rt->mx->dr_err = rt_counter(rt, "fk_kafka_delivery_errors_total",
	    "Messages Kafka did not take (records, rejects, others)");
	rt->mx->queue = rt_gauge(rt, "fk_kafka_producer_queue_messages",
	    "Messages the producer holds, not yet acknowledged");
}

/* librdkafka's statistics, from fk_consumer_next. */
static void
on_lag(void *arg, const struct fk_lag *lags, size_t n)
{
	struct fk_rt *rt = arg;
	char part[16], err[512];
	double *g;

	fk_prom_clear(rt->prom, LAG_METRIC);
	for (size_t i = 0; i < n; i++) {
		const char *const labels[] = { "topic", lags[i].topic,
			"partition", part, NULL };

		snprintf(part, sizeof(part), "%d", (int)lags[i].partition);
		g = fk_prom_gauge(rt->prom, LAG_METRIC,
		    "Messages of a partition after the group's committed "
		    "offset",
		    labels, err, sizeof(err));
		if (g != NULL)
			*g = (double)lags[i].lag;
	}
}

/* The counts into the registry, just before it is rendered. */
static void
metrics_collect(struct fk_rt *rt, long long undelivered)
{
	struct fk_rt_mx *mx = rt->mx;
	long long failed;

	*mx->in = (uint64_t)rt->n_in;
	*mx->out = (uint64_t)rt->n_out;
	*mx->rej = (uint64_t)rt->n_rej;
	*mx->skip = (uint64_t)rt->n_skip;
	*mx->bytes_in = (uint64_t)rt->bytes_in;
	*mx->bytes_out = (uint64_t)rt->bytes_out;
	if (mx->dr_err != NULL && rt->producer != NULL) {
		/* At exit, those still in flight are lost too. */
		failed = fk_producer_failed(rt->producer);
		if (undelivered > failed)
			failed = undelivered;
		if ((uint64_t)failed > *mx->dr_err)
			*mx->dr_err = (uint64_t)failed;
		*mx->queue = (double)fk_producer_queued(rt->producer);
	}
}

static void
metrics_publish(struct fk_rt *rt)
{
	struct fk_jbuf b;

	fk_jbuf_init(&b);
	fk_prom_render(rt->prom, &b);
	fk_promhttp_publish(rt->mx->http, b.p != NULL ? b.p : "", b.len);
	fk_jbuf_release(&b);
}

static int
metrics_write(struct fk_rt *rt)
{
	char err[1024];

	if (fk_prom_write_file(
	        rt->prom, rt->a.metrics_file, err, sizeof(err)) == 0) {
		rt->mx->file_failed = 0;
		return 0;
	}
	if (rt->mx->file_failed++ == 0)
		fk_warnx("--metrics-file: %s", err);
	return -1;
}

/* Before the first record: the server is up and the file written, or
 * the run ends here. */
static void
metrics_start(struct fk_rt *rt)
{
	char err[1024];
	struct fk_rt_mx *mx = rt->mx;
	const char *addr;

	if (mx == NULL)
		return;
	metrics_kafka(rt);
	metrics_collect(rt, 0);
	if (rt->a.metrics_port >= 0) {
		mx->http = fk_promhttp_start(rt->a.metrics_addr,
		    rt->a.metrics_port, HTTP_REQUEST_MS, err, sizeof(err));
		if (mx->http == NULL)
			fk_errx(FK_EX_OSERR, "--metrics-port: %s", err);
		metrics_publish(rt);
		addr = rt->a.metrics_addr ? rt->a.metrics_addr : "127.0.0.1";
		fk_info(FK_LOG_INFO, "metrics on http://%s%s%s:%d/metrics",
		    strchr(addr, ':') ? "[" : "", addr,
		    strchr(addr, ':') ? "]" : "", fk_promhttp_port(mx->http));
	}
	if (rt->a.metrics_file != NULL &&
	    fk_prom_write_file(
	        rt->prom, rt->a.metrics_file, err, sizeof(err)) == -1)
		fk_errx(FK_EX_IOERR, "--metrics-file: %s", err);
	mx->next_file_ms = fk_time_mono_ms() + rt->a.metrics_interval_ms;
	mx->next_render_ms = fk_time_mono_ms() + RENDER_MS;
}

static void
metrics_tick(struct fk_rt *rt, long long now)
{
	struct fk_rt_mx *mx = rt->mx;
	int file = rt->a.metrics_file != NULL && now >= mx->next_file_ms;
	int http = mx->http != NULL && now >= mx->next_render_ms;

	if (!file && !http)
		return;
	metrics_collect(rt, 0);
	if (http) {
		metrics_publish(rt);
		mx->next_render_ms = now + RENDER_MS;
	}
	if (file) {
		metrics_write(rt);
		mx->next_file_ms = now + rt->a.metrics_interval_ms;
	}
}

/* The last word, at exit. */
static void
metrics_close(struct fk_rt *rt)
{
	if (rt->mx == NULL)
		return;
	if (rt->a.metrics_file != NULL)
		metrics_write(rt);
	fk_promhttp_stop(rt->mx->http);
	fk_jobj_release(&rt->mx->obj);
	free(rt->mx);
	rt->mx = NULL;
}

struct fk_prom *
fk_rt_metrics(struct fk_rt *rt)
{
	return rt->prom;
}

uint64_t *
fk_rt_counter(struct fk_rt *rt, const char *name, const char *help,
    const char *const *labels)
{
	char err[512];
	uint64_t *c =
	    fk_prom_counter(rt->prom, name, help, labels, err, sizeof(err));

	if (c == NULL)
		fk_errx(FK_EX_SOFTWARE, "metrics: %s", err);
	return c;
}

double *
fk_rt_gauge(struct fk_rt *rt, const char *name, const char *help,
    const char *const *labels)
{
	char err[512];
	double *g =
	    fk_prom_gauge(rt->prom, name, help, labels, err, sizeof(err));

	if (g == NULL)
		fk_errx(FK_EX_SOFTWARE, "metrics: %s", err);
	return g;
}

static double
elapsed_s(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* The -v summary's counts: "12 in, 11 out, 0 skipped, 1 rejected". */
static void
summary_counts(
    const struct fk_rt *rt, long long undelivered, char *buf, size_t len)
{
	char unk[300];

	snprintf(buf, len, "%lld in, %lld %s, %lld skipped, %lld rejected%s%s",
	    rt->n_in, rt->n_out - undelivered,
	    the_tool->used != NULL ? the_tool->used : "out", rt->n_skip,
	    rt->n_rej, undelivered ? ", some undelivered" : "",
	    unkept_summary(rt, unk, sizeof(unk)));
}

/* SIGUSR1: the summary so far, whatever -q and -v say, with the rate
 * since the last one too; the run goes on. */
static void
usr1_summary(struct fk_rt *rt)
{
	long long now = fk_time_mono_ms();
	double secs = (double)(now - rt->usr1_ms) / 1000.0, up;
	struct timespec t1;
	char counts[1024];

	clock_gettime(CLOCK_MONOTONIC, &t1);
	up = elapsed_s(&rt->t0, &t1);
	summary_counts(rt, 0, counts, sizeof(counts));
	fk_info(FK_LOG_ERROR,
	    "%s in %.3f s (%.0f records/s; %.0f records/s in the last %.3f s)",
	    counts, up, up > 0 ? (double)rt->n_in / up : 0.0,
	    secs > 0 ? (double)(rt->n_in - rt->usr1_in) / secs : 0.0, secs);
	rt->usr1_ms = now;
	rt->usr1_in = rt->n_in;
}

/* What --progress shows: bytes are those of the files read so far. */
static void
progress_counts(const struct fk_rt *rt, struct fk_progress_counts *c)
{
	c->in = rt->n_in;
	c->rejected = the_tool->flags & FK_TOOL_GENERATOR ? -1 : rt->n_rej;
	c->bytes = rt->a.from != NULL ? rt->bytes_in : rt->file_pos;
}

/* --progress; without it or --no-progress, on for a terminal when the
 * input will end (files, a bounded replay: -e, -o e@), -q aside.  The
 * end is known when every input is a regular file. */
static void
progress_open(struct fk_rt *rt)
{
	const struct fk_args *a = &rt->a;
	long long total = 0;
	struct stat st;
	int on = a->progress, i;

	if (on == -1) {
		on = a->from != NULL ? a->exit_eof || a->end.kind != FK_OFF_NONE
		                     : a->nfiles > 0;
		for (i = 0; i < a->nfiles; i++)
			if (strcmp(a->files[i], "-") == 0)
				on = 0;
		on = on && fk_log_level() >= FK_LOG_WARN &&
		    isatty(STDERR_FILENO);
	}
	if (!on)
		return;
	if (a->from != NULL || a->nfiles == 0)
		total = -1;
	for (i = 0; i < a->nfiles && total >= 0; i++)
		if (strcmp(a->files[i], "-") == 0 ||
		    stat(a->files[i], &st) == -1 || !S_ISREG(st.st_mode))
			total = -1;
		else
			total += (long long)st.st_size;
	rt->progress = 1;
	fk_progress_start(&rt->prog, the_tool->name, total, a->progress == 1,
	    fk_time_mono_ms());
}

/* The runtime's clock work, at most every 100 ms: between records (one
 * in 64) and while input is idle. */
static void
tick(struct fk_rt *rt)
{
	long long now = fk_time_mono_ms();
	struct fk_progress_counts c;

	if (now - rt->last_tick_ms < 100)
		return;
	rt->last_tick_ms = now;
	rt->sample = 1;
	if (got_usr1) {
		got_usr1 = 0;
		usr1_summary(rt);
	}
	if (the_tool->tick != NULL)
		the_tool->tick(rt->ctx, rt);
	if (rt->mx != NULL)
		metrics_tick(rt, now);
	if (rt->progress) {
		progress_counts(rt, &c);
		fk_progress_tick(&rt->prog, now, &c);
	}
}

/* Whether s[0..len) holds pat[0..n). */
static int
contains(const char *s, size_t len, const char *pat, size_t n)
{
	const char *p = s, *end = s + len;

	while ((size_t)(end - p) >= n &&
	    (p = memchr(p, pat[0], (size_t)(end - p) - n + 1)) != NULL) {
		if (memcmp(p, pat, n) == 0)
			return 1;
		p++;
	}
	return 0;
}

/* A sampled record's top-level ingest_ms (fkcat-in --ingest-time), or
 * 0.  Only a record that has the bytes is scanned: the others, most of
 * a stream without the member, cost a search. */
static int64_t
ingest_ms(struct fk_rt *rt, const struct fk_rec *rec)
{
	static const char key[] = "\"ingest_ms\"";
	const struct fk_jmember *m;
	char err[256];
	int64_t v;

	if (!contains(rec->data, rec->len, key, sizeof(key) - 1) ||
	    fk_jscan(&rt->mx->obj, rec->data, rec->len, err, sizeof(err)) ==
	        -1 ||
	    (m = fk_jobj_get(&rt->mx->obj, "ingest_ms")) == NULL ||
	    !fk_jmember_int(m, &v))
		return 0;
	return v;
}

/* One record timed, for the metrics: how long the tool took, how old
 * its event is (the Kafka timestamp, else the event time the tool wrote
 * it with), and how long ago it was ingested. */
static void
timed_record(struct fk_rt *rt, const struct fk_rec *rec)
{
	struct timespec t0, t1;
	int64_t ts;
	double age;

	rt->sample = 0;
	rt->emit_ts = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	the_tool->record(rt->ctx, rt, rec);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fk_prom_observe(rt->mx->proc, elapsed_s(&t0, &t1));
	ts = rec->ts_ms > 0 ? rec->ts_ms : rt->emit_ts;
	if (ts > 0) {
		age = (double)(fk_time_wall_ms() - ts) / 1000.0;
		fk_prom_observe(rt->mx->age, age > 0 ? age : 0);
	}
	if ((ts = ingest_ms(rt, rec)) > 0) {
		age = (double)(fk_time_wall_ms() - ts) / 1000.0;
		fk_prom_observe(rt->mx->ingest, age > 0 ? age : 0);
	}
}

static void
handle_record(struct fk_rt *rt, const struct fk_rec *rec)
{
	int sample;

	check_hup(rt);
	if ((rt->n_in & 63) == 0)
		tick(rt);
	/* One record in 64, and the first after a quiet 100 ms. */
	sample = rt->mx != NULL && ((rt->n_in & 63) == 0 || rt->sample);
	rt->n_in++;
	rt->bytes_in += (long long)rec->len;
	rt->cur = rec;
	if (sample)
		timed_record(rt, rec);
	else
		the_tool->record(rt->ctx, rt, rec);
	rt->cur = NULL;
	if (rt->a.max_records > 0 && rt->n_in >= rt->a.max_records)
		rt->stopping = 1;
}

/* Input would block: write out what is buffered, and have the producer
 * send a record that waits alone at once rather than after linger.ms;
 * a stream still travels in batches of linger.ms (fk_producer_idle). */
static int
flush_idle(struct fk_rt *rt)
{
	int lingers = 0;

	/* What readers downstream wait on goes out with the records, as
	 * often as the producer sends a batch. */
	if (the_tool->idle != NULL && rt->producer != NULL) {
		long long now = fk_time_mono_ms();

		if (now - rt->last_idle_ms >=
		    fk_producer_linger_ms(rt->producer)) {
			rt->last_idle_ms = now;
			the_tool->idle(rt->ctx, rt);
		}
	}
	flush_outputs(rt);
	if (rt->producer != NULL) {
		lingers = fk_producer_idle(rt->producer);
		check_refused();
	}
	return lingers;
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
	tick(rt);
}

/* Input would block: flush so a trickle is not held back, then wait. */
static int
idle(void *arg, int fd)
{
	struct fk_rt *rt = arg;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec t0, t1;
	int rc;

	/* Read a stream (input that came again within half a ms last time)
	 * in 1 ms gulps rather than waking for each line: a stage in a pipe
	 * wakes 1,000 times a second, not 10,000, for 1 ms of latency.  And
	 * while a batch lingers in the producer for a while yet, what
	 * arrives in the next ms joins it all the same. */
	if (flush_idle(rt) > 1 || rt->streaming)
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (got_signal)
			return -1;
		check_hup(rt);
		tick(rt);
		if (rt->producer != NULL)
			fk_producer_poll(rt->producer, 0);
		/* A signal ends the poll, not the wait: a read now would
		 * block (SIGUSR1 restarts it). */
		rc = poll(&pfd, 1, 100);
		if (rc > 0 || (rc == -1 && errno != EINTR))
			break;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	rt->streaming = elapsed_s(&t0, &t1) < 0.0005;
	return 0;
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

	if (fk_reader_open(&r, path, rt->a.max_line) == -1) {
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
				if (trunc || rt->joinlen > rt->a.max_line ||
				    fk_csv_complete(rt->join, rt->joinlen))
					break;
			}
			if (rc < 0)
				break;
			line = rt->join;
			len = rt->joinlen;
			if (len > rt->a.max_line) {
				len = rt->a.max_line;
				trunc = 1;
			}
		}
		if (len == 0 && !trunc)
			continue; /* empty lines separate nothing */
		rec.data = line;
		rec.len = len;
		rec.truncated = trunc;
		rt->file_pos =
		    rt->files_read + r.nread - (long long)(r.end - r.beg);
		handle_record(rt, &rec);
	}
	if (rc == -1) {
		fk_error("%s: %s", rec.pos.source, strerror(errno));
		rt->status = fk_exit_worse(rt->status, FK_EX_NOINPUT);
	}
	rt->files_read += r.nread;
	rt->file_pos = rt->files_read;
	fk_reader_close(&r);
	return rc == -2 ? -1 : 0;
}

static struct fk_rt_wm *
rt_wm(struct fk_rt *rt)
{
	if (rt->wm == NULL)
		rt->wm = fk_xcalloc(1, sizeof(*rt->wm));
	return rt->wm;
}

/* A control message between records: for the tool, never a record. */
static void
handle_watermark(struct fk_rt *rt, const struct fk_rec *rec)
{
	struct fk_watermark w;
	char err[512];

	rt_wm(rt)->in++;
	if (fk_watermark_parse(rec->data, rec->len, &w, err, sizeof(err)) ==
	    -1) {
		if (rt->wm->bad++ == 0)
			fk_warn_at(&rec->pos, "%s (skipped)", err);
		return;
	}
	if (the_tool->watermark != NULL)
		the_tool->watermark(rt->ctx, rt, rec, &w);
}

int
fk_rt_send_watermark(struct fk_rt *rt, const struct fk_watermark *w)
{
	struct fk_rt_wm *m = rt_wm(rt);
	char buf[512], err[512];
	int len;

	if (rt->a.to == NULL || rt->producer == NULL)
		return 0;
	if (m->to_parts == 0 &&
	    (m->to_parts = fk_kafka_partitions(
	         &rt->a.cfg, rt->a.to, err, sizeof(err))) < 0) {
		m->to_parts = 0;
		if (m->bad_to++ == 0)
			fk_error("%s", err);
		return -1;
	}
	if ((len = fk_watermark_format(w, buf, sizeof(buf))) < 0)
		return -1;
	for (int32_t p = 0; p < m->to_parts; p++) {
		if (fk_producer_send_control(rt->producer, rt->a.to, p,
		        FK_WATERMARK_HEADER, "1", 1, buf, (size_t)len,
		        w->wm > 0 ? w->wm : 0, err, sizeof(err)) != 0) {
			if (!eos_refused(rt))
				fk_error("%s", err);
			return -1;
		}
		m->out++;
	}
	return 0;
}

int
fk_rt_at_end(const struct fk_rt *rt, int32_t partition)
{
	return rt->consumer != NULL &&
	    fk_consumer_at_end(rt->consumer, partition);
}

/* --- --eos: one transaction from commit to commit */

void
fk_rt_no_rewind(struct fk_rt *rt, const char *why)
{
	if (rt->eos != NULL)
		rt->eos->no_rewind = why;
}

static void
eos_open(struct fk_rt *rt)
{
	struct fk_rt_eos *x = rt->eos;
	char host[256], err[1024];
	int code;

	if (rt->a.txn_id != NULL) {
		snprintf(x->id, sizeof(x->id), "%s", rt->a.txn_id);
	} else {
		if (gethostname(host, sizeof(host)) == -1)
			fk_err(FK_EX_OSERR, "gethostname");
		host[sizeof(host) - 1] = '\0';
		fk_kafka_txn_id(&rt->a.cfg, rt->a.group, the_tool->name, host,
		    x->id, sizeof(x->id));
	}
	rt->producer = fk_producer_new_txn(&rt->a.cfg, rt->a.compression, x->id,
	    EOS_INIT_MS, &code, err, sizeof(err));
	if (rt->producer == NULL)
		fk_errx(code, "--eos: %s", err);
	fk_info(FK_LOG_DEBUG, "--eos: transactional.id %s", x->id);
}

/* A send failed: whether for the transaction, which is then aborted
 * before the next record (1); a fenced producer ends the run. */
static int
eos_refused(struct fk_rt *rt)
{
	char err[1024];
	int code;

	if (rt->eos == NULL)
		return 0;
	switch (fk_txn_failed(rt->producer, &code, err, sizeof(err))) {
	case FK_TXN_ABORTED:
		rt->eos->abort = 1;
		return 1;
	case FK_TXN_FATAL:
		fk_errx(code, "%s", err);
	default:
		return 0;
	}
}

/* The transaction was aborted, for why: the tool forgets what it did
 * since the last commit, as if its partitions were taken away and given
 * back, and they are read again from there. */
static void
eos_rewind(struct fk_rt *rt, const char *why)
{
	int32_t parts[1024];
	int64_t start[1024];
	char list[512], err[1024];
	size_t n, i;

	rt->eos->aborted++;
	rt->eos->abort = 0;
	/* What fails every time (a message the topic refuses) would be
	 * read and aborted for ever. */
	if (++rt->eos->streak >= EOS_MAX_ABORTS)
		fk_errx(FK_EX_TEMPFAIL,
		    "transaction aborted %d times in a row: %s; the next run "
		    "reads on from the last commit",
		    rt->eos->streak, why);
	if (rt->consumer == NULL) {
		fk_error("transaction aborted: %s", why);
		rt->status = fk_exit_worse(rt->status, FK_EX_TEMPFAIL);
		return;
	}
	if (rt->eos->no_rewind != NULL)
		fk_errx(FK_EX_TEMPFAIL,
		    "transaction aborted: %s; %s cannot read its input again "
		    "in this run (%s): the next run reads on from the last "
		    "commit",
		    why, the_tool->name, rt->eos->no_rewind);
	n = fk_consumer_assigned(rt->consumer, parts, 1024);
	fk_kafka_parts_format(parts, n, list, sizeof(list));
	fk_warnx("transaction aborted: %s; reading %s[%s] again from the "
	         "last commit",
	    why, rt->a.from, list);
	for (i = 0; i < n; i++)
		start[i] = -1;
	if (n > 0 && the_tool->revoked != NULL)
		the_tool->revoked(rt->ctx, rt, parts, n);
	if (n > 0 && the_tool->assigned != NULL)
		the_tool->assigned(rt->ctx, rt, parts, start, n);
	if (fk_consumer_rewind(
	        rt->consumer, parts, start, n, err, sizeof(err)) == -1)
		fk_errx(FK_EX_UNAVAILABLE, "%s", err);
}

/* Why a send was refused: the delivery that failed the transaction. */
static const char *
eos_why(const struct fk_rt *rt)
{
	const char *e = fk_producer_last_error(rt->producer);

	return *e != '\0' ? e : "a message was refused";
}

static void
eos_abort(struct fk_rt *rt)
{
	char why[512], err[1024];
	int code;

	snprintf(why, sizeof(why), "%s", eos_why(rt));
	if (fk_txn_abort(rt->producer, &code, err, sizeof(err)) == FK_TXN_FATAL)
		fk_errx(code, "%s", err);
	eos_rewind(rt, why);
}

/* A commit point: the tool's checkpoint (its changelog, watermarks, the
 * offsets it lowers) goes into the transaction, then the offsets, and
 * the transaction is committed. */
static int
eos_checkpoint(struct fk_rt *rt)
{
	int32_t parts[1024];
	int64_t offs[1024];
	char err[1024];
	unsigned long sent;
	size_t n, i;
	int code, rc;

	flush_outputs(rt);
	if (rt->consumer == NULL) {
		/* Written after the input stopped (a tool's finish()): its
		 * input was not committed, so neither is it; the next run
		 * reads that input again and writes it then. */
		if (fk_txn_sent(rt->producer) > 0)
			fk_info(FK_LOG_INFO,
			    "--eos: %lu messages written after the input "
			    "stopped are not committed: their input is read "
			    "again by the next run",
			    fk_txn_sent(rt->producer));
		if (fk_txn_abort(rt->producer, &code, err, sizeof(err)) ==
		    FK_TXN_FATAL)
			fk_errx(code, "%s", err);
		return 0;
	}
	if (!rt->eos->abort && the_tool->checkpoint != NULL) {
		n = fk_consumer_marked(rt->consumer, parts, offs, 1024);
		if (the_tool->checkpoint(rt->ctx, rt, parts, offs, n) == -1 &&
		    !rt->eos->abort) {
			/* Without the state that goes with it, the output
			 * is not committed either. */
			if (fk_txn_abort(rt->producer, &code, err,
			        sizeof(err)) == FK_TXN_FATAL)
				fk_errx(code, "%s", err);
			rt->status = fk_exit_worse(rt->status, FK_EX_TEMPFAIL);
			return -1;
		}
		for (i = 0; i < n; i++)
			fk_consumer_cap(rt->consumer, parts[i], offs[i]);
	}
	if (rt->eos->abort) {
		eos_abort(rt);
	} else {
		/* Only messages committed end a streak of aborts. */
		sent = fk_txn_sent(rt->producer);
		rc = fk_txn_commit(rt->producer, rt->consumer,
		    got_signal ? DRAIN_MS : -1, &code, err, sizeof(err));
		if (rc == FK_TXN_FATAL)
			fk_errx(code, "%s", err);
		if (rc == FK_TXN_ABORTED)
			eos_rewind(rt, err);
		else if (sent > 0)
			rt->eos->streak = 0;
	}
	rt->last_commit_ms = fk_time_mono_ms();
	return 0;
}

/* The input stopped (-e, -c, a signal): the last commit.  1 when its
 * transaction was aborted and the input is to be read again; after a
 * signal or -c it is left to the next run. */
static int
eos_last(struct fk_rt *rt)
{
	long long aborted = rt->eos->aborted;

	eos_checkpoint(rt);
	if (rt->eos->aborted == aborted)
		return 0;
	if (!got_signal && !rt->stopping)
		return 1;
	fk_error("the last transaction was aborted: its input is read again "
	         "by the next run");
	rt->status = fk_exit_worse(rt->status, FK_EX_TEMPFAIL);
	return 0;
}

/* Partitions are being taken away: what was done with them is committed
 * first.  Lost ones (the group went on without this member) cannot be
 * committed: the transaction is aborted, and their next reader does it
 * again. */
static void
eos_revoke(struct fk_rt *rt, int lost)
{
	char err[1024];
	int code;

	if (!lost) {
		eos_checkpoint(rt);
		return;
	}
	if (fk_txn_abort(rt->producer, &code, err, sizeof(err)) == FK_TXN_FATAL)
		fk_errx(code, "%s", err);
	rt->eos->abort = 0;
	rt->eos->aborted++;
	fk_warnx("%s: partitions lost to the group: the transaction is "
	         "aborted, their next reader reads them again",
	    rt->a.from);
}

static void
run_kafka(struct fk_rt *rt)
{
	struct fk_consumer_opts o = {
		.topic = rt->a.from,
		.group = rt->a.group,
		.start = rt->a.start,
		.end = rt->a.end,
		.exit_eof = rt->a.exit_eof,
		.on_revoke = on_revoke,
		.on_assign = the_tool->assigned != NULL ? on_assign : NULL,
		.on_drop = the_tool->revoked != NULL ? on_drop : NULL,
		.on_fresh = on_fresh,
		.on_lag = rt->mx != NULL ? on_lag : NULL,
		/* Often enough for the file; a scrape gets the last. */
		.stats_ms = rt->a.metrics_file != NULL &&
		        rt->a.metrics_interval_ms < STATS_MS
		    ? (int)rt->a.metrics_interval_ms
		    : STATS_MS,
		.arg = rt,
	};
	struct fk_rec rec;
	char err[512];
	int rc, code, timeout = 0;

	rt->consumer = fk_consumer_new(&rt->a.cfg, &o, &code, err, sizeof(err));
	if (rt->consumer == NULL)
		fk_errx(code, "%s", err);
	rt->last_commit_ms = fk_time_mono_ms();
again:
	while (!rt->stopping && !got_signal) {
		memset(&rec, 0, sizeof(rec));
		rc = fk_consumer_next(
		    rt->consumer, &rec, timeout, err, sizeof(err));
		if (rc == 1) {
			timeout = 0;
			handle_record(rt, &rec);
			fk_consumer_mark(rt->consumer, &rec.pos);
		} else if (rc == 2) {
			timeout = 0;
			handle_watermark(rt, &rec);
			fk_consumer_mark(rt->consumer, &rec.pos);
		} else if (rc == 0) {
			check_hup(rt);
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
		if (rt->eos != NULL && rt->eos->abort)
			eos_abort(rt);
		if (rt->a.group != NULL &&
		    fk_time_mono_ms() - rt->last_commit_ms >=
		        rt->a.commit_interval_ms &&
		    checkpoint(rt) == -1)
			break;
	}
	if (the_tool->drain != NULL)
		the_tool->drain(rt->ctx, rt);
	if (rt->eos == NULL)
		checkpoint(rt);
	else if (eos_last(rt))
		goto again;
	fk_consumer_close(rt->consumer);
	rt->consumer = NULL;
	if (rt->group_trouble) {
		fk_error("%s: the last offsets were not committed: the group "
		         "reads again what came after the last commit",
		    rt->a.from);
		rt->status = fk_exit_worse(rt->status, FK_EX_TEMPFAIL);
	}
}

static void
open_sinks(struct fk_rt *rt)
{
	char err[1024];

	if (rt->a.reject_dest != NULL) {
		if (strncmp(rt->a.reject_dest, "kafka:", 6) == 0) {
			rt->reject_topic = rt->a.reject_dest + 6;
			if (*rt->reject_topic == '\0')
				fk_usage("--reject kafka: needs a topic");
		} else if (strcmp(rt->a.reject_dest, "-") == 0) {
			rt->reject_fp = stdout;
		} else if ((rt->reject_fp = fopen(rt->a.reject_dest, "w")) ==
		    NULL) {
			fk_err(FK_EX_IOERR, "%s", rt->a.reject_dest);
		}
	}
	if (rt->eos != NULL) {
		eos_open(rt);
	} else if (rt->a.to != NULL || rt->reject_topic != NULL ||
	    rt->want_producer) {
		rt->producer = fk_producer_new(
		    &rt->a.cfg, rt->a.compression, err, sizeof(err));
		if (rt->producer == NULL)
			fk_errx(FK_EX_CONFIG, "%s", err);
	}
	keep_open(rt);
}

/* The summary's word on records --to's topic will not keep. */
static const char *
unkept_summary(const struct fk_rt *rt, char *buf, size_t len)
{
	buf[0] = '\0';
	if (rt->n_unkept > 0)
		snprintf(buf, len, ", %lld outside what %s keeps", rt->n_unkept,
		    rt->a.to);
	return buf;
}

static void
finish(struct fk_rt *rt)
{
	double secs;
	struct timespec t1;
	long long undelivered = 0;
	char counts[1024];
	struct fk_progress_counts pc;

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
		if (rt->mx != NULL)
			metrics_collect(rt, undelivered);
		fk_producer_free(rt->producer);
		rt->producer = NULL;
	}
	if (rt->reject_fp != NULL && rt->reject_fp != stdout &&
	    fclose(rt->reject_fp) == EOF)
		fk_err(FK_EX_IOERR, "%s", rt->a.reject_dest);
	if (fflush(stdout) == EOF || ferror(stdout))
		stdout_failed();
	if (rt->mx != NULL)
		metrics_collect(rt, undelivered);
	metrics_close(rt);
	if (rt->progress) {
		progress_counts(rt, &pc);
		fk_progress_end(&rt->prog, fk_time_mono_ms(), &pc);
		rt->progress = 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = elapsed_s(&rt->t0, &t1);
	summary_counts(rt, undelivered, counts, sizeof(counts));
	fk_info(FK_LOG_INFO, "%s in %.3f s (%.0f records/s)", counts, secs,
	    secs > 0 ? (double)rt->n_in / secs : 0.0);
	if (rt->wm != NULL)
		fk_info(FK_LOG_DEBUG,
		    "watermark messages: %lld in (%lld bad), %lld out",
		    rt->wm->in, rt->wm->bad, rt->wm->out);
	if (rt->eos != NULL && rt->eos->aborted > 0)
		fk_info(FK_LOG_INFO,
		    "--eos: %lld transactions aborted, their input read again "
		    "(counted again above)",
		    rt->eos->aborted);
}

int
fk_main(const struct fk_tool *tool, void *ctx, int argc, char **argv)
{
	struct fk_rt rt;
	struct sigaction sa;
	int i;

	the_tool = tool;
	fk_log_init(tool->name);
	fk_xalloc_init();
	fk_kafka_set_logger(fk_log_kafka);
	memset(&rt, 0, sizeof(rt));
	rt.tool = tool;
	rt.ctx = ctx;

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
	/* A summary now and then must not break a write to a slow pipe:
	 * waits for input are polls, which a signal always ends. */
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	fk_args_parse(&rt.a, tool, argc, argv);
	if (rt.a.eos)
		rt.eos = fk_xcalloc(1, sizeof(*rt.eos));
	rt.outbuf = fk_xmalloc(OUTBUF_SIZE);
	setvbuf(stdout, rt.outbuf, _IOFBF, OUTBUF_SIZE);
	metrics_open(&rt);
	if (tool->start != NULL) {
		starting = 1;
		tool->start(ctx, &rt);
		starting = 0;
	}
	open_sinks(&rt);
	metrics_start(&rt);
	clock_gettime(CLOCK_MONOTONIC, &rt.t0);
	rt.usr1_ms = fk_time_mono_ms();
	progress_open(&rt);

	if (tool->flags & FK_TOOL_GENERATOR) {
		tool->generate(ctx, &rt);
	} else if (rt.a.from != NULL) {
		run_kafka(&rt);
	} else if (rt.a.nfiles == 0) {
		run_file(&rt, "-");
	} else {
		for (i = 0; i < rt.a.nfiles && !rt.stopping && !got_signal; i++)
			if (run_file(&rt, rt.a.files[i]) == -1)
				break;
	}
	finish(&rt);
	if (got_signal)
		fk_info(FK_LOG_INFO, "stopped by a signal");
	free(rt.join);
	free(rt.wm);
	free(rt.eos);
	fk_prom_free(rt.prom);
	fk_args_release(&rt.a);
	/* stdout's buffer is ours: leave it in place until exit. */
	return rt.status;
}
