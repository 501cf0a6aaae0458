/* fkcat-in: validate and normalize transactions into NDJSON or Kafka. */
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "fktime.h"
#include "ingest.h"
#include "kafka.h"
#include "run.h"
#include "wmark.h"
#include "banned.h"

struct fkcat {
	struct fk_ingest ig;
	int csv;
	int need_header;
	int create;               /* --create-topic N, or 0 */
	struct fk_strv topic_cfg; /* --topic-config NAME=VALUE */
	long nparts; /* --from's partitions: 0 not asked yet, -1 unknown */
	long owned;  /* of them, this group member's */
	int partial_said;
	int watermarks;          /* --watermarks */
	long long idle_after_ms; /* --idle-after, or -1 */
	struct fk_wmark wm;
};

static int
opt_map(void *value, const char *arg, char *err, size_t errlen)
{
	return fk_ingest_map_parse(value, arg, err, errlen);
}

/* --create-topic: make --to's topic unless it exists; an existing one
 * whose settings differ from --topic-config is only warned about, as the
 * records would still go there. */
static void
create_topic(struct fkcat *f, struct fk_rt *rt)
{
	const struct fk_config *cfg = fk_rt_config(rt);
	const char *topic = fk_rt_to(rt);
	char err[1024], have[256], name[256];
	size_t i, len;
	int rc;

	rc = fk_kafka_topic_make(cfg, topic, f->create, f->topic_cfg.v,
	    f->topic_cfg.n, err, sizeof(err));
	if (rc == -1)
		fk_errx(FK_EX_UNAVAILABLE, "--create-topic: %s", err);
	fk_info(
	    1, "%s: %s", topic, rc == 1 ? "created" : "exists, left as it is");
	for (i = 0; rc == 0 && i < f->topic_cfg.n; i++) {
		const char *kv = f->topic_cfg.v[i], *eq = strchr(kv, '=');

		len = (size_t)(eq - kv);
		memcpy(name, kv, len);
		name[len] = '\0';
		if (fk_kafka_topic_config(cfg, topic, name, have, sizeof(have),
		        err, sizeof(err)) == -1)
			fk_warnx("--create-topic: %s", err);
		else if (strcmp(have, eq + 1) != 0)
			fk_warnx(
			    "%s: %s is %s, not %s", topic, name, have, eq + 1);
	}
}

/* --watermarks: the first goes to every partition of --to before the
 * first record, so the topic must be there already; one the broker makes
 * on that record's write would get none until after it. */
static void
need_topic(struct fk_rt *rt)
{
	char err[512];

	if (fk_kafka_partitions(
	        fk_rt_config(rt), fk_rt_to(rt), err, sizeof(err)) < 0)
		fk_errx(FK_EX_UNAVAILABLE,
		    "--watermarks: %s (make the topic first, or with "
		    "--create-topic)",
		    err);
}

/* A group member writing to stdout hands a pipe only its partitions'
 * share of every entity but the message key's: a fk-enrich after it
 * would count a merchant's traffic on these partitions alone.  Say so
 * once, when it reads fewer than all. */
static void
assigned(
    void *ctx, struct fk_rt *rt, const int32_t *parts, int64_t *start, size_t n)
{
	struct fkcat *f = ctx;
	char err[512];

	(void)parts;
	(void)start;
	f->owned += (long)n;
	if (fk_rt_to(rt) != NULL || f->partial_said)
		return;
	if (f->nparts == 0)
		f->nparts = fk_kafka_partitions(
		    fk_rt_config(rt), fk_rt_from(rt), err, sizeof(err));
	if (f->nparts > 0 && f->owned < f->nparts) {
		f->partial_said = 1;
		fk_warnx(
		    "this group member reads %ld of the %ld partitions "
		    "of %s: a stage after it that keeps state by "
		    "anything but the message key (fk-enrich's merchant, "
		    "terminal, device and ip features) sees only their "
		    "share; fk(7)'s Hops section says how to compute them right",
		    f->owned, f->nparts, fk_rt_from(rt));
	}
}

static void
revoked(void *ctx, struct fk_rt *rt, const int32_t *parts, size_t n)
{
	struct fkcat *f = ctx;

	(void)rt;
	(void)parts;
	f->owned -= (long)n;
}

static void
start(void *ctx, struct fk_rt *rt)
{
	struct fkcat *f = ctx;

	if (f->csv && f->ig.envelope)
		fk_usage("--csv and --envelope cannot be used together");
	if (f->watermarks && fk_rt_to(rt) == NULL)
		fk_usage("--watermarks requires --to");
	/* A topic's partitions are in no one event-time order, and a
	 * group's members would each speak as the only writer. */
	if (f->watermarks && fk_rt_from(rt) != NULL)
		fk_usage("--watermarks takes files or standard input, not "
		         "--from");
	if (f->idle_after_ms >= 0 && !f->watermarks)
		fk_usage("--idle-after requires --watermarks");
	if (f->topic_cfg.n > 0 && f->create == 0)
		fk_usage("--topic-config requires --create-topic");
	if (f->create > 0 && fk_rt_to(rt) == NULL)
		fk_usage("--create-topic requires --to");
	for (size_t i = 0; i < f->topic_cfg.n; i++) {
		const char *kv = f->topic_cfg.v[i], *eq = strchr(kv, '=');

		if (eq == NULL || eq == kv || eq - kv >= 256)
			fk_usage("--topic-config: expected NAME=VALUE, got "
			         "\"%s\"",
			    kv);
	}
	fk_wmark_init(&f->wm, f->idle_after_ms >= 0 ? f->idle_after_ms : 1000);
	if (f->create > 0)
		create_topic(f, rt);
	if (f->watermarks)
		need_topic(rt);
	fk_rt_set_csv_framing(rt, f->csv);
}

static void
source(void *ctx, struct fk_rt *rt, const char *name)
{
	struct fkcat *f = ctx;

	(void)rt;
	(void)name;
	f->need_header = f->csv;
}

/* Not sent: still due, at a later record or tick. */
static void
send_wm(struct fkcat *f, struct fk_rt *rt, const struct fk_watermark *w)
{
	if (fk_rt_send_watermark(rt, w) == 0)
		fk_wmark_sent(&f->wm, w);
	else
		fk_wmark_failed(&f->wm, fk_time_mono_ms());
}

/* The record in f->ig.out, behind the watermark it needs. */
static void
emit(struct fkcat *f, struct fk_rt *rt, const char *key, size_t keylen)
{
	int64_t ts = f->ig.ts_ms > 0 ? f->ig.ts_ms : 0;
	struct fk_watermark w;

	if (f->watermarks && fk_wmark_record(&f->wm, ts, fk_time_mono_ms(), &w))
		send_wm(f, rt, &w);
	fk_rt_emit(rt, f->ig.out, f->ig.outlen, key, keylen, ts);
}

static void
record(void *ctx, struct fk_rt *rt, const struct fk_rec *rec)
{
	struct fkcat *f = ctx;
	const char *key;
	size_t keylen;
	char err[512];
	json_t *obj;

	if (!f->csv &&
	    fk_ingest_fast(&f->ig, rec, fk_rt_keyfield(rt), &key, &keylen)) {
		emit(f, rt, key, keylen);
		return;
	}
	if (rec->truncated) {
		fk_rt_reject(rt, rec, "line longer than --max-line");
		return;
	}
	if (f->need_header) {
		if (fk_ingest_csv_header(
		        &f->ig, rec->data, rec->len, err, sizeof(err)) == -1) {
			fk_rt_reject(rt, rec, "%s", err);
			return;
		}
		f->need_header = 0;
		fk_rt_skip(rt, rec);
		return;
	}
	if (f->csv)
		obj = fk_ingest_from_csv(
		    &f->ig, rec->data, rec->len, err, sizeof(err));
	else
		obj = fk_ingest_from_json(
		    &f->ig, rec->data, rec->len, err, sizeof(err));
	if (obj == NULL) {
		fk_rt_reject(rt, rec, "%s", err);
		return;
	}
	if (fk_ingest_normalize(&f->ig, obj, f->csv, rec, err, sizeof(err)) ==
	    -1)
		fk_rt_reject(rt, rec, "%s", err);
	else {
		fk_ingest_dump(&f->ig, obj, fk_rt_keyfield(rt), &key, &keylen);
		emit(f, rt, key, keylen);
	}
	json_decref(obj);
}

/* Also while stdin is blocked: a reader learns wm moved, or that nothing
 * comes for now. */
static void
tick(void *ctx, struct fk_rt *rt)
{
	struct fkcat *f = ctx;
	struct fk_watermark w;

	if (f->watermarks && fk_wmark_tick(&f->wm, fk_time_mono_ms(), &w))
		send_wm(f, rt, &w);
}

/* The producer is still open: the last watermark is delivered with the
 * records. */
static void
finish(void *ctx, struct fk_rt *rt)
{
	struct fkcat *f = ctx;
	struct fk_watermark w;

	if (f->watermarks && fk_wmark_end(&f->wm, &w))
		send_wm(f, rt, &w);
}

int
main(int argc, char **argv)
{
	struct fkcat f;
	const struct fk_option options[] = {
		FK_OPT_INT(0, "create-topic", &f.create, 1, 100000, "N",
		    "create --to's topic with N partitions if missing"),
		FK_OPT_BOOL(
		    0, "csv", &f.csv, "input is CSV with a header line"),
		FK_OPT_BOOL(0, "envelope", &f.ig.envelope,
		    "input is kcat -J envelopes"),
		FK_OPT_DURATION(0, "idle-after", &f.idle_after_ms, 0, 86400000,
		    "TIME",
		    "say idle after TIME without a record (default 1s)"),
		FK_OPT_CALL(0, "map", &f.ig, opt_map, "F=NAME,...",
		    "take field F from input field NAME"),
		FK_OPT_SIZE(0, "max-field", &f.ig.max_field, 1, 1LL << 30,
		    "SIZE", "reject strings longer than SIZE (default 8k)"),
		FK_OPT_LIST(0, "topic-config", &f.topic_cfg, "NAME=VALUE",
		    "a setting of the topic --create-topic makes"),
		FK_OPT_BOOL(0, "watermarks", &f.watermarks,
		    "send watermarks to --to for the hops reading it"),
		FK_OPT_END(),
	};
	const struct fk_tool tool = {
		.name = "fkcat-in",
		.synopsis = "[--watermarks] [--create-topic n] "
		            "[--csv | --envelope]\n"
		            "                [--idle-after time] [--map spec] "
		            "[--max-field size]\n"
		            "                [--topic-config name=value]... "
		            "[file ...]",
		.options = options,
		.start = start,
		.source = source,
		.record = record,
		.finish = finish,
		.tick = tick,
		.assigned = assigned,
		.revoked = revoked,
	};
	int rc;

	memset(&f, 0, sizeof(f));
	f.idle_after_ms = -1;
	fk_ingest_init(&f.ig);
	rc = fk_main(&tool, &f, argc, argv);
	fk_ingest_release(&f.ig);
	fk_strv_release(&f.topic_cfg);
	return rc;
}
