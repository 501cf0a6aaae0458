/* fkcat-in: validate and normalize transactions into NDJSON or Kafka. */
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "fktime.h"
#include "ingest.h"
#include "kafka.h"
#include "reorder.h"
#include "run.h"
#include "wmark.h"
#include "xalloc.h"
#include "banned.h"

struct fkcat {
	struct fk_ingest ig;
	int csv;
	int need_header;
	int bad_header;           /* this file's header was refused */
	int create;               /* --create-topic N, or 0 */
	struct fk_strv topic_cfg; /* --topic-config NAME=VALUE */
	long nparts; /* --from's partitions: 0 not asked yet, -1 unknown */
	long owned;  /* of them, this group member's */
	int partial_said;
	int watermarks;          /* --watermarks */
	long long idle_after_ms; /* --idle-after, or -1 */
	struct fk_wmark wm;
	/* --merge: the partitions read, merged by event time. */
	int merge;
	int ingest_time; /* --ingest-time */
	struct fk_reorder ro;
	long long *end_since; /* per partition: monotonic ms at its end, 0 */
	unsigned char *mine;  /* per partition: assigned */
	size_t nmine;
	char *buf; /* a held record: key length, key, record */
	size_t bufcap;
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
/* --- --merge: each partition a task of an fk_reorder, whose watermark
 * is the time of its last record (a partition written in event-time
 * order, as fkcat-in writes one), or what watermarks on it say; one at
 * its end for --idle-after is idle.  Partitions of other group members
 * are idle too. */

static void
merge_grow(struct fkcat *f, size_t n)
{
	if (n <= f->nmine)
		return;
	f->mine = fk_xrealloc(f->mine, n);
	f->end_since = fk_xrealloc(f->end_since, n * sizeof(*f->end_since));
	memset(f->mine + f->nmine, 0, n - f->nmine);
	memset(
	    f->end_since + f->nmine, 0, (n - f->nmine) * sizeof(*f->end_since));
	f->nmine = n;
}

/* Partition p's watermark: wm, or idle (its wm kept). */
static void
merge_mark(struct fkcat *f, int32_t p, int64_t wm, int idle)
{
	struct fk_watermark w;

	merge_grow(f, (size_t)p + 1);
	memset(&w, 0, sizeof(w));
	w.task = p;
	w.tasks = (int32_t)f->nmine;
	w.wm = wm;
	if (p < f->ro.tasks && f->ro.status[p] != 0 && f->ro.wm[p] > wm)
		w.wm = f->ro.wm[p];
	w.idle = idle;
	fk_reorder_watermark(&f->ro, &w, -1);
}

static void
merge_assigned(struct fkcat *f, const int32_t *parts, size_t n, int on)
{
	size_t i;

	for (i = 0; i < n; i++) {
		merge_grow(f, (size_t)parts[i] + 1);
		f->mine[parts[i]] = (unsigned char)on;
		f->end_since[parts[i]] = 0;
		if (!on)
			fk_reorder_drop(&f->ro, parts[i]);
	}
	/* Heard from once a record or watermark comes; the others' are
	 * never waited for. */
	for (i = 0; i < f->nmine; i++)
		if (!f->mine[i])
			merge_mark(f, (int32_t)i, 0, 1);
		else if (i < (size_t)f->ro.tasks)
			f->ro.status[i] = 0;
}

/* Write what the partitions' watermarks let go (all of it with all). */
static void
merge_flow(struct fkcat *f, struct fk_rt *rt, int all)
{
	struct fk_reorder_rec x;
	uint32_t klen;

	while (fk_reorder_next(&f->ro, all, &x) != 0) {
		memcpy(&klen, x.data, sizeof(klen));
		fk_rt_emit(rt, x.data + sizeof(klen) + klen,
		    x.len - sizeof(klen) - klen,
		    klen > 0 ? x.data + sizeof(klen) : NULL, klen, x.t);
		free(x.data);
	}
}

/* tx_id's value in a record fkcat-in wrote, for ties at equal times;
 * one with escapes goes by arrival. */
static void
find_tx(const char *s, size_t len, size_t *off, size_t *txlen)
{
	static const char pat[] = "\"tx_id\":\"";
	size_t n = sizeof(pat) - 1, i, j;

	*off = *txlen = 0;
	for (i = 0; i + n <= len; i++)
		if (memcmp(s + i, pat, n) == 0)
			break;
	if (i + n > len)
		return;
	for (j = i + n; j < len && s[j] != '"' && s[j] != '\\'; j++)
		;
	if (j >= len || s[j] != '"')
		return;
	*off = i + n;
	*txlen = j - *off;
}

static void
merge_hold(struct fkcat *f, struct fk_rt *rt, const struct fk_rec *rec,
    const char *key, size_t keylen, int64_t ts)
{
	uint32_t klen = key != NULL ? (uint32_t)keylen : 0;
	size_t need = sizeof(klen) + klen + f->ig.outlen, txoff, txlen;

	if (need > f->bufcap) {
		f->bufcap = need * 2;
		f->buf = fk_xrealloc(f->buf, f->bufcap);
	}
	memcpy(f->buf, &klen, sizeof(klen));
	if (klen > 0)
		memcpy(f->buf + sizeof(klen), key, klen);
	memcpy(f->buf + sizeof(klen) + klen, f->ig.out, f->ig.outlen);
	find_tx(f->ig.out, f->ig.outlen, &txoff, &txlen);
	merge_mark(f, rec->pos.partition, ts, 0);
	f->end_since[rec->pos.partition] = 0;
	fk_reorder_push(&f->ro, ts, f->buf, need,
	    txlen > 0 ? sizeof(klen) + klen + txoff : 0, txlen,
	    rec->pos.partition, rec->pos.offset);
	merge_flow(f, rt, 0);
}

static void
watermark(void *ctx, struct fk_rt *rt, const struct fk_rec *msg,
    const struct fk_watermark *w)
{
	struct fkcat *f = ctx;

	if (!f->merge)
		return;
	merge_mark(f, msg->pos.partition, w->wm, w->idle);
	merge_flow(f, rt, 0);
}

/* Partitions caught up for --idle-after are idle. */
static void
merge_tick(struct fkcat *f, struct fk_rt *rt)
{
	long long now = fk_time_mono_ms();

	for (size_t i = 0; i < f->nmine; i++) {
		int32_t p = (int32_t)i;

		if (!f->mine[i] || !fk_rt_at_end(rt, p)) {
			f->end_since[i] = 0;
			continue;
		}
		if (f->end_since[i] == 0)
			f->end_since[i] = now;
		if (now - f->end_since[i] >= f->idle_after_ms &&
		    (p >= f->ro.tasks || f->ro.status[p] != 2))
			merge_mark(f, p, 0, 1);
	}
	merge_flow(f, rt, 0);
}

static int
checkpoint(void *ctx, struct fk_rt *rt, const int32_t *parts, int64_t *offsets,
    size_t n)
{
	struct fkcat *f = ctx;

	(void)rt;
	for (size_t i = 0; f->merge && i < n; i++) {
		int64_t first = fk_reorder_first_offset(&f->ro, parts[i]);

		if (first >= 0 && first < offsets[i])
			offsets[i] = first;
	}
	return 0;
}

static void
drain(void *ctx, struct fk_rt *rt)
{
	struct fkcat *f = ctx;

	if (f->merge && fk_rt_running(rt))
		merge_flow(f, rt, 1);
}

static void
assigned(
    void *ctx, struct fk_rt *rt, const int32_t *parts, int64_t *start, size_t n)
{
	struct fkcat *f = ctx;
	char err[512];

	(void)start;
	f->owned += (long)n;
	if (f->merge)
		merge_assigned(f, parts, n, 1);
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
	f->owned -= (long)n;
	/* What is held of them is read again by their next reader: the
	 * offsets committed were no further. */
	if (f->merge)
		merge_assigned(f, parts, n, 0);
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
	if (f->merge && fk_rt_from(rt) == NULL)
		fk_usage("--merge requires --from");
	if (f->idle_after_ms >= 0 && !f->watermarks && !f->merge)
		fk_usage("--idle-after requires --watermarks or --merge");
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
	if (f->idle_after_ms < 0)
		f->idle_after_ms = 1000;
	fk_wmark_init(&f->wm, f->idle_after_ms);
	fk_reorder_init(&f->ro, 0);
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
	f->bad_header = 0;
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

/* The record in f->ig.out, behind the watermark it needs, or held for
 * --merge. */
static void
emit(struct fkcat *f, struct fk_rt *rt, const struct fk_rec *rec,
    const char *key, size_t keylen)
{
	int64_t ts = f->ig.ts_ms > 0 ? f->ig.ts_ms : 0;
	struct fk_watermark w;

	if (f->merge && rec->pos.partition >= 0) {
		merge_hold(f, rt, rec, key, keylen, ts);
		return;
	}
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

	if (f->ingest_time)
		f->ig.stamp = fk_time_wall_ms();
	if (!f->csv &&
	    fk_ingest_fast(&f->ig, rec, fk_rt_keyfield(rt), &key, &keylen)) {
		emit(f, rt, rec, key, keylen);
		return;
	}
	if (rec->truncated) {
		fk_rt_reject(rt, rec, "line longer than --max-line");
		return;
	}
	/* Without its header a file's rows mean nothing: each is
	 * rejected, rather than the next line taken for a header. */
	if (f->bad_header) {
		fk_rt_reject(rt, rec, "the file's CSV header was refused");
		return;
	}
	if (f->need_header) {
		f->need_header = 0;
		if (fk_ingest_csv_header(
		        &f->ig, rec->data, rec->len, err, sizeof(err)) == -1) {
			f->bad_header = 1;
			fk_rt_reject(rt, rec, "%s", err);
			return;
		}
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
		emit(f, rt, rec, key, keylen);
	}
	json_decref(obj);
}

/* A reader learns wm moved, or that nothing comes for now. */
static void
watermarks(struct fkcat *f, struct fk_rt *rt)
{
	struct fk_watermark w;

	if (f->watermarks && fk_wmark_tick(&f->wm, fk_time_mono_ms(), &w))
		send_wm(f, rt, &w);
}

/* Also while stdin is blocked. */
static void
tick(void *ctx, struct fk_rt *rt)
{
	struct fkcat *f = ctx;

	watermarks(f, rt);
	if (f->merge)
		merge_tick(f, rt);
}

/* Input would block: the readers holding records by our watermark get it
 * with the records, not up to 100 ms later. */
static void
idle(void *ctx, struct fk_rt *rt)
{
	watermarks(ctx, rt);
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
	if (f->merge && fk_heap_count(&f->ro.h) > 0)
		fk_info(FK_LOG_INFO,
		    "--merge: %zu records held at exit, to be read again from "
		    "the offsets committed",
		    fk_heap_count(&f->ro.h));
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
		FK_OPT_BOOL(0, "ingest-time", &f.ingest_time,
		    "stamp each record's ingest_ms, the wall clock's now"),
		FK_OPT_CALL(0, "map", &f.ig, opt_map, "F=NAME[:TYPE],...",
		    "take field F from input field NAME, as TYPE"),
		FK_OPT_SIZE(0, "max-field", &f.ig.max_field, 1, 1LL << 30,
		    "SIZE", "reject strings longer than SIZE (default 8k)"),
		FK_OPT_BOOL(0, "merge", &f.merge,
		    "--from: write its partitions merged by event time"),
		FK_OPT_LIST(0, "topic-config", &f.topic_cfg, "NAME=VALUE",
		    "a setting of the topic --create-topic makes"),
		FK_OPT_BOOL(0, "watermarks", &f.watermarks,
		    "send watermarks to --to for the hops reading it"),
		FK_OPT_END(),
	};
	const struct fk_tool tool = {
		.name = "fkcat-in",
		.synopsis =
		    "[--watermarks] [--create-topic n] "
		    "[--csv | --envelope]\n"
		    "                [--idle-after time] [--ingest-time] "
		    "[--map spec]\n"
		    "                [--max-field size] [--merge] "
		    "[--topic-config name=value]...\n"
		    "                [file ...]",
		.options = options,
		.start = start,
		.source = source,
		.record = record,
		.finish = finish,
		.tick = tick,
		.idle = idle,
		.assigned = assigned,
		.revoked = revoked,
		.checkpoint = checkpoint,
		.drain = drain,
		.watermark = watermark,
	};
	int rc;

	memset(&f, 0, sizeof(f));
	f.idle_after_ms = -1;
	fk_ingest_init(&f.ig);
	rc = fk_main(&tool, &f, argc, argv);
	fk_ingest_release(&f.ig);
	fk_reorder_release(&f.ro);
	free(f.mine);
	free(f.end_since);
	free(f.buf);
	fk_strv_release(&f.topic_cfg);
	return rc;
}
