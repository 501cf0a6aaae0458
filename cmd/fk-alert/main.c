/* fk-alert: scored records in, alerts out, to stdout or Kafka and to
 * webhooks, syslog receivers and commands, with nothing lost. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "dest.h"
#include "exitcode.h"
#include "fktime.h"
#include "format.h"
#include "jbuf.h"
#include "jscan.h"
#include "run.h"
#include "xalloc.h"
#include "banned.h"

/* A destination and the format it takes. */
struct target {
	struct fk_dest *d;
	enum fk_format f;
	int64_t down_until; /* after a failure: not tried before then */
	/* fk_alert_deliveries_total{destination,result} */
	uint64_t *sent, *spooled, *undelivered;
};

/* A destination that failed is left alone this long, its alerts going
 * straight to the spool, rather than each one waiting out the
 * retries. */
#define DOWN_MS 30000

struct fkalert {
	struct fk_alert_opts o;
	struct fk_alerter *a;
	enum fk_format f;
	struct fk_format_opts fo;
	char hostname[256];
	struct fk_strv webhooks, syslogs, execs, headers;
	struct fk_webhook_opts wo;
	struct target *t;
	size_t nt;
	const char *spool_dir;
	struct fk_spool *spool;
	int flush_only, decision_set;
	unsigned long long spooled, undelivered, resent, elsewhere;
	size_t spool_start; /* alerts in the spool after the replay */
	/* The alerter's counts, and the spool's depth, as metrics. */
	uint64_t *alerts, *suppressed, *held, *unselected;
	double *spool_depth;
	struct fk_jbuf line;
	struct fk_format_rec *rec; /* the alert record, scanned */
};

static int
opt_format(void *value, const char *arg, char *err, size_t errlen)
{
	if (fk_format_parse(arg, value) == -1) {
		snprintf(err, errlen,
		    "expected json, cef, ecs, syslog or text, got \"%s\"", arg);
		return -1;
	}
	return 0;
}

static int
opt_clock(void *value, const char *arg, char *err, size_t errlen)
{
	return fk_alert_clock_parse(value, arg, err, errlen);
}

static int
opt_decision(void *value, const char *arg, char *err, size_t errlen)
{
	struct fkalert *f = value;

	f->decision_set = 1;
	return fk_alert_decisions_parse(arg, &f->o.decisions, err, errlen);
}

static int
opt_header(void *value, const char *arg, char *err, size_t errlen)
{
	if (strchr(arg, ':') == NULL || strpbrk(arg, "\r\n") != NULL) {
		snprintf(
		    err, errlen, "expected \"Name: value\", got \"%s\"", arg);
		return -1;
	}
	fk_strv_push(value, arg);
	return 0;
}

static int
opt_hostname(void *value, const char *arg, char *err, size_t errlen)
{
	struct fkalert *f = value;

	(void)err, (void)errlen;
	snprintf(f->hostname, sizeof(f->hostname), "%s", arg);
	return 0;
}

static int
opt_rate(void *value, const char *arg, char *err, size_t errlen)
{
	return fk_alert_rate_parse(value, arg, err, errlen);
}

static int
opt_suppress(void *value, const char *arg, char *err, size_t errlen)
{
	return fk_alert_suppress_parse(value, arg, err, errlen);
}

static void
add_target(
    struct fkalert *f, struct fk_dest *d, enum fk_format fmt, const char *err)
{
	if (d == NULL)
		fk_errx(FK_EX_CONFIG, "%s", err);
	f->t = fk_xrealloc(f->t, (f->nt + 1) * sizeof(*f->t));
	f->t[f->nt].d = d;
	f->t[f->nt].down_until = 0;
	f->t[f->nt++].f = fmt;
}

/* A spooled alert, offered again to the destination it was for; one
 * that fails rests as in deliver(), its alerts kept for later. */
static int
resend(void *arg, const char *dest, const char *alert, size_t len)
{
	struct fkalert *f = arg;
	char err[512];

	for (size_t i = 0; i < f->nt; i++) {
		struct target *t = &f->t[i];
		int64_t now = fk_time_wall_ms();

		if (strcmp(fk_dest_name(t->d), dest) != 0)
			continue;
		if (now < t->down_until)
			return -1;
		if (fk_dest_send(t->d, alert, len, err, sizeof(err)) == -1) {
			fk_warnx("spool: %s", err);
			t->down_until = now + DOWN_MS;
			return -1;
		}
		f->resent++;
		return 0;
	}
	f->elsewhere++; /* for a destination this run does not have */
	return -1;
}

static void
alert_metrics(struct fkalert *f, struct fk_rt *rt)
{
	f->alerts =
	    fk_rt_counter(rt, "fk_alert_alerts_total", "Alerts made", NULL);
	f->unselected = fk_rt_counter(rt, "fk_alert_not_selected_total",
	    "Records whose decision or score made no alert", NULL);
	f->suppressed = fk_rt_counter(rt, "fk_alert_suppressed_total",
	    "Alerts folded into an earlier one by --suppress", NULL);
	f->held = fk_rt_counter(rt, "fk_alert_rate_limited_total",
	    "Alerts held back by --max-rate", NULL);
	for (size_t i = 0; i < f->nt; i++) {
		struct target *t = &f->t[i];
		const char *name = fk_dest_name(t->d);
		const char *const sent[] = { "destination", name, "result",
			"sent", NULL };
		const char *const spooled[] = { "destination", name, "result",
			"spooled", NULL };
		const char *const lost[] = { "destination", name, "result",
			"undelivered", NULL };
		const char *help = "Alerts offered to a destination, by result";

		t->sent =
		    fk_rt_counter(rt, "fk_alert_deliveries_total", help, sent);
		t->spooled = fk_rt_counter(
		    rt, "fk_alert_deliveries_total", help, spooled);
		t->undelivered =
		    fk_rt_counter(rt, "fk_alert_deliveries_total", help, lost);
	}
	if (f->spool != NULL)
		f->spool_depth = fk_rt_gauge(rt, "fk_alert_spool_messages",
		    "Alerts in the --spool waiting for their destination",
		    NULL);
}

/* The alerter's counts into the metrics: on the clock and at the end. */
static void
alert_counts(void *ctx, struct fk_rt *rt)
{
	struct fkalert *f = ctx;
	struct fk_alert_counts c;

	(void)rt;
	if (f->a == NULL || f->alerts == NULL)
		return;
	fk_alerter_counts(f->a, &c);
	*f->alerts = c.alerts;
	*f->unselected = c.dropped;
	*f->suppressed = c.suppressed;
	*f->held = c.held;
	/* Nothing leaves the spool while the run goes on. */
	if (f->spool_depth != NULL)
		*f->spool_depth = (double)(f->spool_start + f->spooled);
}

static void
start(void *ctx, struct fk_rt *rt)
{
	struct fkalert *f = ctx;
	char err[1024];
	size_t i;

	/* Its windows and rate limit are in memory only. */
	fk_rt_no_rewind(rt, "its open windows have no checkpoint");
	if (f->hostname[0] == '\0' &&
	    gethostname(f->hostname, sizeof(f->hostname) - 1) == -1)
		snprintf(f->hostname, sizeof(f->hostname), "-");
	f->fo.hostname = f->hostname;
	f->fo.app = "fk-alert";
	f->fo.pid = (long)getpid();
	f->fo.version = FK_VERSION;
	f->wo.headers = f->headers.v;
	f->wo.nheaders = f->headers.n;
	for (i = 0; i < f->webhooks.n; i++)
		add_target(f,
		    fk_dest_webhook(f->webhooks.v[i], &f->wo, err, sizeof(err)),
		    FK_FMT_JSON, err);
	for (i = 0; i < f->syslogs.n; i++)
		add_target(f, fk_dest_syslog(f->syslogs.v[i], err, sizeof(err)),
		    FK_FMT_SYSLOG, err);
	for (i = 0; i < f->execs.n; i++)
		add_target(f, fk_dest_exec(f->execs.v[i], err, sizeof(err)),
		    f->f, err);
	if (f->decision_set && f->o.min_score >= 0)
		fk_usage("--decision and --min-score: give one");
	if (f->flush_only && f->spool_dir == NULL)
		fk_usage("--flush-spool: give the spool (--spool DIR)");
	if (f->spool_dir != NULL) {
		if ((f->spool = fk_spool_open(
		         f->spool_dir, err, sizeof(err))) == NULL)
			fk_errx(FK_EX_IOERR, "--spool: %s", err);
		/* What an earlier run could not deliver goes first; a file
		 * that cannot be read stays, and is said. */
		if (fk_spool_count(f->spool) > 0 &&
		    fk_spool_replay(f->spool, resend, f, err, sizeof(err)) ==
		        -1)
			fk_warnx("--spool: %s", err);
		if (f->elsewhere > 0)
			fk_warnx("--spool %s: %llu alerts for destinations "
			         "this run does not have, kept",
			    f->spool_dir, f->elsewhere);
		if (f->flush_only) {
			size_t left = fk_spool_count(f->spool);

			fk_info(FK_LOG_INFO, "spool: %llu sent, %zu left",
			    f->resent, left);
			exit(left > 0 ? FK_EX_TEMPFAIL : FK_EX_OK);
		}
	}
	f->a = fk_alerter_new(&f->o);
	if (f->spool != NULL)
		f->spool_start = fk_spool_count(f->spool);
	alert_metrics(f, rt);
}

/* One alert to stdout or Kafka and to every destination. */
static void
deliver(struct fkalert *f, struct fk_rt *rt, const char *text, size_t len)
{
	const struct fk_jobj *top;
	const struct fk_jmember *k;
	int64_t ts;
	const char *key = NULL;
	size_t keylen = 0, i;
	char err[1024], keybuf[256];

	/* One scan gives the key, the event time and what every format
	 * reads (json is the text as it is). */
	if (fk_format_rec_scan(f->rec, text, len, err, sizeof(err)) == -1)
		fk_errx(FK_EX_SOFTWARE, "alert record: %s", err);
	top = fk_format_rec_members(f->rec);
	k = fk_jobj_get(top, fk_rt_keyfield(rt));
	if (!fk_jmember_key(k, keybuf, sizeof(keybuf), &key, &keylen)) {
		key = NULL;
		keylen = 0;
	}
	if (!fk_jmember_int(fk_jobj_get(top, "ts_ms"), &ts))
		ts = 0;
	f->line.len = 0;
	fk_format_alert(f->f, &f->fo, f->rec, &f->line);
	fk_rt_emit(rt, f->line.p, f->line.len, key, keylen, ts);
	for (i = 0; i < f->nt; i++) {
		struct target *t = &f->t[i];
		int64_t now = fk_time_wall_ms();
		int tried = now >= t->down_until;

		f->line.len = 0;
		fk_format_alert(t->f, &f->fo, f->rec, &f->line);
		if (!tried)
			snprintf(err, sizeof(err),
			    "%s: failed within the last %ds",
			    fk_dest_name(t->d), DOWN_MS / 1000);
		else if (fk_dest_send(t->d, f->line.p, f->line.len, err,
		             sizeof(err)) == 0) {
			(*t->sent)++;
			continue;
		} else
			t->down_until = now + DOWN_MS;
		if (f->spool != NULL &&
		    fk_spool_add(f->spool, fk_dest_name(t->d), f->line.p,
		        f->line.len, err, sizeof(err)) == 0) {
			/* Said once a failure; the summary counts them all. */
			if (tried)
				fk_warnx("%s: alerts spooled for %ds", err,
				    DOWN_MS / 1000);
			f->spooled++;
			(*t->spooled)++;
			continue;
		}
		if (tried)
			fk_error("%s: alert undelivered", err);
		f->undelivered++;
		(*t->undelivered)++;
	}
}

static void
drain(struct fkalert *f, struct fk_rt *rt, int flush)
{
	const char *out;
	size_t len;
	int r;

	while ((r = fk_alerter_next(
	            f->a, flush, fk_time_wall_ms(), &out, &len)) != 0)
		if (r == 1)
			deliver(f, rt, out, len);
		else
			fk_rt_skip(rt, NULL);
}

static void
record(void *ctx, struct fk_rt *rt, const struct fk_rec *rec)
{
	struct fkalert *f = ctx;
	const char *out;
	size_t len;
	char err[512];

	if (rec->truncated) {
		fk_rt_reject(rt, rec, "line longer than --max-line");
		return;
	}
	switch (fk_alerter_record(f->a, rec->data, rec->len, rec->pos.partition,
	    rec->pos.offset, fk_time_wall_ms(), &out, &len, err, sizeof(err))) {
	case FK_ALERT_OUT:
		deliver(f, rt, out, len);
		break;
	case FK_ALERT_BAD:
		fk_rt_reject(rt, rec, "%s", err);
		break;
	case FK_ALERT_PENDING:
		break; /* counted when its window closes */
	default:
		fk_rt_skip(rt, rec);
		break;
	}
	if (f->o.suppress != NULL)
		drain(f, rt, 0);
}

/* Kafka: alerts waiting in open windows are not delivered yet, so the
 * commit stops at the first record they hold; after a crash that record
 * is read again and the window made again. */
static int
checkpoint(void *ctx, struct fk_rt *rt, const int32_t *parts, int64_t *offsets,
    size_t n)
{
	struct fkalert *f = ctx;
	int64_t o;

	(void)rt;
	for (size_t i = 0; i < n; i++)
		if ((o = fk_alerter_oldest(f->a, parts[i])) >= 0 &&
		    o < offsets[i])
			offsets[i] = o;
	return 0;
}

/* --from: the input ended (-e, e@): the windows close now, before the
 * last commit, so that it covers their alerts and the records they held
 * (with --eos, alerts written after it would not be committed).  Stopped
 * by a signal or -c, finish() closes them. */
static void
input_end(void *ctx, struct fk_rt *rt)
{
	if (fk_rt_running(rt))
		drain(ctx, rt, 1);
}

static void
finish(void *ctx, struct fk_rt *rt)
{
	struct fkalert *f = ctx;
	struct fk_alert_counts c;

	drain(f, rt, 1);
	alert_counts(f, rt);
	fk_alerter_counts(f->a, &c);
	fk_info(FK_LOG_INFO,
	    "%llu alerts (%llu folding repeats); %llu not selected, %llu "
	    "suppressed, %llu held back by --max-rate",
	    c.alerts, c.folded_out, c.dropped, c.suppressed, c.held);
	if (c.held > 0)
		fk_warnx("%llu alerts held back by --max-rate", c.held);
	if (f->nt > 0)
		fk_info(FK_LOG_INFO,
		    "destinations: %llu spooled, %llu undelivered, %llu sent "
		    "from the spool",
		    f->spooled, f->undelivered, f->resent);
	if (f->undelivered > 0)
		fk_rt_fail(rt, FK_EX_TEMPFAIL);
	if (f->spool != NULL && fk_spool_count(f->spool) > 0) {
		fk_warnx("--spool %s: %zu alerts wait for their destination",
		    f->spool_dir, fk_spool_count(f->spool));
		fk_rt_fail(rt, FK_EX_TEMPFAIL);
	}
}

int
main(int argc, char **argv)
{
	struct fkalert f;
	const struct fk_option options[] = {
		FK_OPT_CALL('f', "format", &f.f, opt_format, "F",
		    "json (default), cef, ecs, syslog or text"),
		FK_OPT_CALL(0, "clock", &f.o, opt_clock, "C",
		    "alert.time from the wall (default) or event time"),
		FK_OPT_CALL(0, "decision", &f, opt_decision, "LIST",
		    "alert on these decisions (default review,block)"),
		FK_OPT_LIST(0, "exec", &f.execs, "CMD",
		    "run CMD for each alert, the alert on its stdin"),
		FK_OPT_BOOL(0, "flush-spool", &f.flush_only,
		    "send what --spool holds, then exit"),
		FK_OPT_CALL(0, "header", &f.headers, opt_header, "H",
		    "add \"Name: value\" to webhook requests (repeatable)"),
		FK_OPT_CALL(0, "hostname", &f, opt_hostname, "NAME",
		    "the host named in syslog and CEF (default: this host)"),
		FK_OPT_CALL(0, "max-rate", &f.o, opt_rate, "N/U",
		    "at most N alerts per s, m, h or d; the rest held back"),
		FK_OPT_DOUBLE(0, "min-score", &f.o.min_score, 0, 1, "S",
		    "alert on risk.score >= S instead of decisions"),
		FK_OPT_INT(0, "retries", &f.wo.retries, 0, 100, "N",
		    "webhook retries after the first try (default 3)"),
		FK_OPT_STRING(0, "spool", &f.spool_dir, "DIR",
		    "keep undelivered alerts in DIR; sent first next run"),
		FK_OPT_CALL(0, "suppress", &f.o, opt_suppress, "F:W",
		    "fold repeats of field F within W of event time"),
		FK_OPT_LIST(0, "syslog", &f.syslogs, "URI",
		    "send RFC 5424 to udp://H:P, tcp://H:P or unix:PATH"),
		FK_OPT_DURATION(0, "timeout", &f.wo.timeout_ms, 1, 600000, "T",
		    "webhook request timeout (default 5s)"),
		FK_OPT_LIST(0, "webhook", &f.webhooks, "URL",
		    "POST each alert as JSON to URL"),
		FK_OPT_END(),
	};
	const struct fk_tool tool = {
		.name = "fk-alert",
		.synopsis =
		    "[-f format] [--clock wall | event] [--decision list]\n"
		    "                [--min-score s] [--suppress field:window] "
		    "[--max-rate n/unit]\n"
		    "                [--webhook url]... [--header h]... "
		    "[--timeout t] [--retries n]\n"
		    "                [--syslog uri]... [--exec cmd]... "
		    "[--spool dir] [--flush-spool]\n"
		    "                [--hostname name] [file ...]",
		.options = options,
		.start = start,
		.record = record,
		.finish = finish,
		.tick = alert_counts,
		.checkpoint = checkpoint,
		.drain = input_end,
	};
	size_t i;
	int rc;

	memset(&f, 0, sizeof(f));
	f.o.decisions = FK_ALERT_REVIEW | FK_ALERT_BLOCK;
	f.o.min_score = -1;
	f.wo.timeout_ms = 5000;
	f.wo.retries = 3;
	f.wo.backoff_ms = 200;
	fk_jbuf_init(&f.line);
	f.rec = fk_format_rec_new();
	rc = fk_main(&tool, &f, argc, argv);
	fk_alerter_free(f.a);
	for (i = 0; i < f.nt; i++)
		fk_dest_free(f.t[i].d);
	if (f.spool != NULL)
		fk_spool_close(f.spool);
	free(f.t);
	fk_strv_release(&f.webhooks);
	fk_strv_release(&f.syslogs);
	fk_strv_release(&f.execs);
	fk_strv_release(&f.headers);
	fk_jbuf_release(&f.line);
	fk_format_rec_free(f.rec);
	return rc;
}
