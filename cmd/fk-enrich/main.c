/* fk-enrich: per-user, per-merchant and per-device features on event
 * time, with state that survives restarts. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "changelog.h"
#include "enrich.h"
#include "exitcode.h"
#include "fktime.h"
#include "kafka.h"
#include "labels.h"
#include "lists.h"
#include "numbers.h"
#include "reorder.h"
#include "run.h"
#include "xalloc.h"
#include "banned.h"

/* A Kafka input partition in a chain of hops: the records held until
 * the watermarks pass them, and the watermark last sent for it. */
struct hop {
	struct fk_reorder ro;
	int on;   /* ro initialized */
	int sent; /* a watermark was sent */
	int sent_idle;
	int64_t sent_wm, sent_idle_at;
	long long end_since; /* monotonic ms first seen at its end; 0: not */
};

struct fkenrich {
	struct fk_enrich_opts o;
	struct fk_enrich *e;   /* files and stdin */
	struct fk_enrich **pe; /* Kafka: one per input partition */
	size_t npe;
	struct fk_lists lists;
	const char *state, *changelog, *labels_src;
	struct fk_labels labels;
	struct fk_place *places; /* --places, loaded once for every state */
	int state_reset;
	long long checkpoint_ms, last_save_ms, last_check_ms;
	unsigned long long n;
	int in_parts;      /* --from's partition count (0: unknown) */
	long long off_key; /* records whose key is not a computed id */
	struct hop *hop;   /* per input partition */
	size_t nhop;
	long long max_buffer;    /* records held per partition, at most */
	long long idle_after_ms; /* at its end this long: idle */
	long long dropped, behind, dups, forced, held_at_exit;
	size_t peak;
	/* Per partition, the counts of its state when it was taken away
	 * (a group member's partitions all are, before the summary). */
	struct fk_enrich_stats *gone;
	unsigned char *has_gone;
	size_t ngone;
	/* Metrics: entities in the state by kind; records held for
	 * watermarks; the hops' drops and late records. */
	double *entities[5], *held;
	uint64_t *m_dups, *m_behind, *m_dropped;
	uint64_t *m_labels[4]; /* by label: fraud, legit, missing, unusable */
	int bad_label_said;
};

static int
opt_entities(void *value, const char *arg, char *err, size_t errlen)
{
	return fk_enrich_entities_parse(value, arg, err, errlen);
}

static int
opt_label_delay(void *value, const char *arg, char *err, size_t errlen)
{
	long long v;

	if (fk_num_duration(arg, 86400000, 9LL * 86400000, &v, err, errlen) ==
	    -1)
		return -1;
	if (v % 86400000 != 0) {
		snprintf(err, errlen, "whole days, from 1d to 9d");
		return -1;
	}
	*(int64_t *)value = v;
	return 0;
}

static int
opt_labels(void *value, const char *arg, char *err, size_t errlen)
{
	struct fkenrich *f = value;

	(void)err, (void)errlen;
	f->labels_src = arg;
	f->o.ext_labels = 1;
	return 0;
}

static int
opt_list(void *value, const char *arg, char *err, size_t errlen)
{
	if (fk_lists_add(value, arg, err, errlen) == -1)
		fk_errx(FK_EX_CONFIG, "--list: %s", err);
	return 0;
}

static int
opt_places(void *value, const char *arg, char *err, size_t errlen)
{
	struct fkenrich *f = value;

	if (fk_places_load(arg, &f->places, &f->o.nplaces, err, errlen) == -1)
		fk_errx(FK_EX_CONFIG, "--places: %s", err);
	f->o.places = f->places;
	return 0;
}

static int
opt_tz(void *value, const char *arg, char *err, size_t errlen)
{
	return fk_enrich_tz_parse(value, arg, err, errlen);
}

static int
opt_windows(void *value, const char *arg, char *err, size_t errlen)
{
	return fk_enrich_windows_parse(value, arg, err, errlen);
}

/* The engine of an input partition (-1: files and standard input).  A
 * partition's records are a stream of their own, with their own
 * watermark and state, as Kafka keeps them in order only within a
 * partition. */
static struct fk_enrich **
slot(struct fkenrich *f, int32_t partition)
{
	if (partition < 0)
		return &f->e;
	if ((size_t)partition >= f->npe) {
		size_t n = (size_t)partition + 1;

		f->pe = fk_xrealloc(f->pe, n * sizeof(*f->pe));
		memset(f->pe + f->npe, 0, (n - f->npe) * sizeof(*f->pe));
		f->npe = n;
	}
	return &f->pe[partition];
}

static struct fk_enrich *
engine(struct fkenrich *f, int32_t partition)
{
	struct fk_enrich **p = slot(f, partition);

	if (*p == NULL) {
		*p = fk_enrich_new(&f->o);
		if (f->changelog != NULL)
			fk_enrich_track(*p);
		fk_enrich_labels(*p, f->labels.v, f->labels.n);
	}
	return *p;
}

/* An engine from the state file: files' one, or a partition's. */
static void send_watermarks(struct fkenrich *f, struct fk_rt *rt, int always);
static void enrich_metrics(struct fkenrich *f, struct fk_rt *rt);

static struct hop *
hop_of(struct fkenrich *f, int32_t partition)
{
	struct hop *h;

	if ((size_t)partition >= f->nhop) {
		size_t n = (size_t)partition + 1;

		f->hop = fk_xrealloc(f->hop, n * sizeof(*f->hop));
		memset(f->hop + f->nhop, 0, (n - f->nhop) * sizeof(*f->hop));
		f->nhop = n;
	}
	h = &f->hop[partition];
	if (!h->on) {
		fk_reorder_init(&h->ro, (size_t)f->max_buffer);
		/* Its upstream tasks go idle and resume together: one
		 * still idle, or idle from an earlier pause, bounds the
		 * others, so that its records are not behind what they let
		 * go. */
		h->ro.idle_bounds = 1;
		h->on = 1;
	}
	return h;
}

/* The records a partition holds are dropped: whoever reads it next
 * re-reads them from the offset committed, which is no further. */
static void
hop_reset(struct fkenrich *f, int32_t partition)
{
	struct hop *h;

	if (partition < 0 || (size_t)partition >= f->nhop)
		return;
	h = &f->hop[partition];
	if (h->on) {
		f->held_at_exit += (long long)fk_heap_count(&h->ro.h);
		f->dropped += h->ro.dropped;
		f->behind += h->ro.behind;
		f->dups += h->ro.dups;
		f->forced += h->ro.forced;
		if (h->ro.peak > f->peak)
			f->peak = h->ro.peak;
		fk_reorder_release(&h->ro);
	}
	memset(h, 0, sizeof(*h));
}

/* A partition's release frontier and upstream watermarks, from the state
 * its engine was restored with. */
static void
hop_restore(struct fkenrich *f, int32_t partition, struct fk_enrich *e)
{
	size_t len;
	const void *x = fk_enrich_extra(e, &len);

	if (partition < 0 || x == NULL)
		return;
	hop_reset(f, partition);
	if (fk_reorder_load(&hop_of(f, partition)->ro, x, len) == -1)
		fk_errx(FK_EX_CONFIG,
		    "partition %d: the saved release frontier is corrupt",
		    (int)partition);
}

/* Before the state is saved: the frontiers and record numbers go with
 * it, for input read up to offset end (exclusive). */
static void
hop_save(
    struct fkenrich *f, int32_t partition, struct fk_enrich *e, int64_t end)
{
	size_t len;
	void *x;

	if (partition < 0 || (size_t)partition >= f->nhop ||
	    !f->hop[partition].on)
		return;
	x = fk_reorder_save(&f->hop[partition].ro, end, &len);
	fk_enrich_set_extra(e, x, len);
	free(x);
}

static void
adopt(void *arg, int32_t partition, struct fk_enrich *e)
{
	struct fk_enrich **p = slot(arg, partition);

	fk_enrich_free(*p);
	*p = e;
	hop_restore(arg, partition, e);
}

static void
start(void *ctx, struct fk_rt *rt)
{
	static const char *const hop_topic[] = { "retention.ms=-1" };
	struct fkenrich *f = ctx;
	char err[1024];
	int code;

	if (f->state_reset && f->state == NULL)
		fk_usage("--state-reset needs --state");
	if (f->checkpoint_ms > 0 && f->state == NULL)
		fk_usage("--checkpoint needs --state");
	if (f->changelog != NULL) {
		if (fk_rt_from(rt) == NULL)
			fk_usage("--changelog needs --from");
		if (f->state != NULL)
			fk_usage("--changelog and --state cannot be used "
			         "together");
		if (fk_changelog_create(fk_rt_config(rt), f->changelog,
		        fk_rt_from(rt), err, sizeof(err)) == -1)
			fk_errx(FK_EX_UNAVAILABLE, "--changelog: %s", err);
		fk_rt_want_producer(rt);
	}
	if (f->changelog == NULL)
		fk_rt_no_rewind(rt,
		    "without --changelog its state has no "
		    "checkpoint to go back to");
	f->o.lists = &f->lists;
	f->e = fk_enrich_new(&f->o);
	if (f->state != NULL && !f->state_reset &&
	    fk_enrich_load(&f->o, f->state, adopt, f, err, sizeof(err)) == -1)
		fk_errx(FK_EX_CONFIG, "--state: %s", err);
	if (f->labels_src != NULL) {
		if (f->o.label_field != NULL)
			fk_usage("--labels and --label-field cannot be used "
			         "together");
		fk_labels_init(&f->labels, f->labels_src);
		if (fk_labels_load(&f->labels, fk_rt_config(rt), f->e, &code,
		        err, sizeof(err)) == -1)
			fk_errx(code, "--labels: %s", err);
		fk_info(
		    FK_LOG_DEBUG, "--labels: %zu fraud labels", f->labels.n);
		fk_enrich_labels(f->e, f->labels.v, f->labels.n);
		for (size_t i = 0; i < f->npe; i++)
			if (f->pe[i] != NULL)
				fk_enrich_labels(
				    f->pe[i], f->labels.v, f->labels.n);
	}
	if (fk_rt_from(rt) != NULL) {
		f->in_parts = fk_kafka_partitions(
		    fk_rt_config(rt), fk_rt_from(rt), err, sizeof(err));
		if (f->in_parts < 0)
			f->in_parts = 0;
	}
	/* A hop's watermarks go to every partition of its output, which
	 * must exist before its first record: made like the input, keeping
	 * what it holds whatever its event times. */
	if (f->in_parts > 0 && fk_rt_to(rt) != NULL &&
	    fk_kafka_topic_make(fk_rt_config(rt), fk_rt_to(rt), f->in_parts,
	        hop_topic, 1, err, sizeof(err)) == -1)
		fk_errx(FK_EX_UNAVAILABLE, "--to: %s", err);
	f->last_save_ms = f->last_check_ms = fk_time_mono_ms();
	enrich_metrics(f, rt);
}

/* A kind computed from a topic spread over partitions by another key
 * sees only its partitions' share of an entity: said once, counted. */
static void
check_key(struct fkenrich *f, const struct fk_rec *rec)
{
	unsigned off;
	char pos[256];

	if (rec->pos.partition < 0 || f->in_parts == 1)
		return;
	off = fk_enrich_off_key(
	    engine(f, rec->pos.partition), rec->key, rec->keylen);
	if (off == 0)
		return;
	if (f->off_key++ == 0) {
		fk_pos_format(&rec->pos, pos, sizeof(pos));
		fk_warnx("%s: the message key is not the %s's id: %s features "
		         "come from this partition's share of its records "
		         "only; compute them in a hop keyed by it "
		         "(--entities, fk(7))",
		    pos, fk_enrich_kind_name(off), fk_enrich_kind_name(off));
	}
}

static void
save(struct fkenrich *f)
{
	struct fk_enrich_part *parts = fk_xcalloc(f->npe + 1, sizeof(*parts));
	char err[1024];
	size_t n = 0;

	parts[n++] = (struct fk_enrich_part){ -1, f->e };
	for (size_t i = 0; i < f->npe; i++)
		if (f->pe[i] != NULL) {
			/* Offsets are not committed with it. */
			hop_save(f, (int32_t)i, f->pe[i], INT64_MAX);
			parts[n++] =
			    (struct fk_enrich_part){ (int32_t)i, f->pe[i] };
		}
	if (fk_enrich_save(parts, n, f->state, err, sizeof(err)) == -1)
		fk_errx(FK_EX_IOERR, "--state: %s", err);
	free(parts);
	f->last_save_ms = fk_time_mono_ms();
}

static void
reload(void *ctx, struct fk_rt *rt, int force)
{
	struct fkenrich *f = ctx;
	char err[1024];
	int n = 0;

	(void)rt;
	if (fk_lists_reload(&f->lists, force, &n, err, sizeof(err)) == -1)
		fk_warnx("%s (the old content stays in use)", err);
	if (n > 0)
		fk_info(
		    FK_LOG_INFO, "%d list%s reloaded", n, n == 1 ? "" : "s");
}

static void
on_hup(void *ctx, struct fk_rt *rt)
{
	reload(ctx, rt, 1);
}

/* New partitions: their state from the changelog, and the offset it
 * covers, where reading resumes.  Without a changelog, state is in
 * memory or the --state file: kept as it is. */
static void
assigned(
    void *ctx, struct fk_rt *rt, const int32_t *parts, int64_t *start, size_t n)
{
	struct fkenrich *f = ctx;
	struct fk_changelog_restored r;
	char err[1024];

	if (f->changelog == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		struct fk_enrich **p = slot(f, parts[i]);

		fk_enrich_free(*p);
		*p = NULL;
		if (fk_changelog_restore(fk_rt_config(rt), f->changelog,
		        parts[i], engine(f, parts[i]), &r, err,
		        sizeof(err)) == -1)
			fk_errx(FK_EX_UNAVAILABLE, "--changelog: %s", err);
		if (r.left > 0)
			fk_warnx("%s[%d]: %zu changelog messages of an "
			         "unfinished checkpoint left out",
			    f->changelog, (int)parts[i], r.left);
		start[i] = r.offset;
		hop_restore(f, parts[i], *p);
		fk_info(FK_LOG_DEBUG,
		    "%s[%d]: state restored from %lld changelog messages, "
		    "resuming at offset %lld",
		    fk_rt_from(rt), (int)parts[i], r.n, (long long)r.offset);
	}
}

static void
revoked(void *ctx, struct fk_rt *rt, const int32_t *parts, size_t n)
{
	struct fkenrich *f = ctx;

	(void)rt;
	for (size_t i = 0; i < n; i++)
		hop_reset(f, parts[i]);
	if (f->changelog == NULL)
		return;
	/* Its state is in the changelog, for whoever reads it next; its
	 * counts stay for the summary. */
	for (size_t i = 0; i < n; i++) {
		struct fk_enrich **p = slot(f, parts[i]);

		if (*p != NULL) {
			if ((size_t)parts[i] >= f->ngone) {
				size_t m = (size_t)parts[i] + 1;

				f->gone =
				    fk_xrealloc(f->gone, m * sizeof(*f->gone));
				f->has_gone = fk_xrealloc(f->has_gone, m);
				memset(f->has_gone + f->ngone, 0, m - f->ngone);
				f->ngone = m;
			}
			fk_enrich_stats(*p, &f->gone[parts[i]]);
			f->has_gone[parts[i]] = 1;
		}
		fk_enrich_free(*p);
		*p = NULL;
	}
}

/* Before offsets are committed: the state changes they cover. */
static int
checkpoint(void *ctx, struct fk_rt *rt, const int32_t *parts, int64_t *offsets,
    size_t n)
{
	struct fkenrich *f = ctx;
	int rc = 0;

	int64_t *end = fk_xmalloc(n * sizeof(*end) + 1);

	for (size_t i = 0; i < n; i++) {
		int64_t first =
		    (size_t)parts[i] < f->nhop && f->hop[parts[i]].on
		    ? fk_reorder_first_offset(&f->hop[parts[i]].ro, -1)
		    : -1;

		/* Held records are read again after a restart. */
		end[i] = offsets[i];
		if (first >= 0 && first < offsets[i])
			offsets[i] = first;
	}
	send_watermarks(f, rt, 1);
	for (size_t i = 0; f->changelog != NULL && i < n; i++)
		if ((size_t)parts[i] < f->npe && f->pe[parts[i]] != NULL) {
			hop_save(f, parts[i], f->pe[parts[i]], end[i]);
			if (fk_changelog_write(rt, f->changelog, parts[i],
			        f->pe[parts[i]], offsets[i]) == -1)
				rc = -1;
		}
	free(end);
	return rc;
}

/* Labels that came in on the topic: counted at once, in every state
 * (a label is for a transaction the records have passed). */
static void
new_labels(struct fkenrich *f)
{
	struct fk_enrich_label l;
	char err[512];
	int rc;

	while ((rc = fk_labels_next(&f->labels, f->e, &l, err, sizeof(err))) !=
	    0) {
		if (rc == -1) {
			fk_warnx("--labels: %s", err);
			break;
		}
		if (rc == -2) {
			fk_warnx("--labels: %s: %s (label skipped)",
			    f->labels_src, err);
			continue;
		}
		fk_enrich_count_label(f->e, &l);
		for (size_t i = 0; i < f->npe; i++)
			if (f->pe[i] != NULL)
				fk_enrich_count_label(f->pe[i], &l);
	}
}

/* Send a watermark for input partition p: every record written from it
 * from now on has an event time of at least wm; idle, in the source's
 * pause idle_at (0: unknown). */
static void
send_one(struct fkenrich *f, struct fk_rt *rt, int32_t p, int64_t wm, int idle,
    int64_t idle_at)
{
	struct hop *h = hop_of(f, p);
	struct fk_watermark w;

	memset(&w, 0, sizeof(w));
	snprintf(w.topic, sizeof(w.topic), "%s", fk_rt_from(rt));
	w.task = p;
	w.tasks = f->in_parts;
	w.wm = wm;
	w.idle = idle;
	w.idle_at = idle ? idle_at : 0;
	/* Not sent: tried again with the next record or tick. */
	if (f->in_parts <= 0 || fk_rt_send_watermark(rt, &w) == 0) {
		h->sent = 1;
		h->sent_wm = wm;
		h->sent_idle = idle;
		h->sent_idle_at = w.idle_at;
	}
}

/* Each assigned partition's watermark, when it changed (or always). */
static void
send_watermarks(struct fkenrich *f, struct fk_rt *rt, int always)
{
	if (fk_rt_from(rt) == NULL)
		return;
	for (size_t i = 0; i < f->npe; i++) {
		int32_t p = (int32_t)i;
		struct hop *h;
		int64_t wm = 0, at = 0;
		int idle = fk_rt_at_end(rt, p), rc;
		long long now;

		if (f->pe[i] == NULL)
			continue;
		h = hop_of(f, p);
		/* Caught up for a moment while its producer is still writing
		 * is not idle: downstream would release past what comes. */
		now = fk_time_mono_ms();
		if (!idle)
			h->end_since = 0;
		else if (h->end_since == 0)
			h->end_since = now;
		idle = idle && now - h->end_since >= f->idle_after_ms;
		if (h->ro.active) {
			if ((rc = fk_reorder_out(&h->ro, &wm)) == 0)
				continue;
			/* Idle in the pause all its upstream tasks are in. */
			idle = idle && rc == 2;
			at = idle ? fk_reorder_idle_at(&h->ro) : 0;
		} else if (!fk_enrich_watermark(f->pe[i], &wm)) {
			/* Nothing read yet, not even a watermark: the hop
			 * before may not have begun, so it is not idle. */
			continue;
		}
		if (always || !h->sent || wm != h->sent_wm ||
		    idle != h->sent_idle || at != h->sent_idle_at)
			send_one(f, rt, p, wm, idle, at);
	}
}

/* A --label-field that is not a label: said once, with where; all are
 * counted (-v, metrics), and the record goes on unlabelled. */
static void
bad_label(struct fkenrich *f, struct fk_enrich *e, const struct fk_rec *rec)
{
	const char *v;
	size_t len;
	char pos[256];

	if (f->bad_label_said || (v = fk_enrich_bad_label(e, &len)) == NULL)
		return;
	f->bad_label_said = 1;
	fk_pos_format(&rec->pos, pos, sizeof(pos));
	fk_warnx("%s: --label-field %s: %.*s%s is not a label (1, 0, true, "
	         "false, \"1\" or \"0\"): the record goes on unlabelled; "
	         "such labels are counted (-v), this is said once",
	    pos, f->o.label_field, len > 40 ? 40 : (int)len, v,
	    len > 40 ? "..." : "");
}

/* Enrich and write one record, now. */
static void
apply(struct fkenrich *f, struct fk_rt *rt, const struct fk_rec *rec, int check)
{
	struct fk_enrich *e = engine(f, rec->pos.partition);
	const char *out, *key;
	size_t outlen, keylen;
	int64_t ts;
	char err[512];

	if (rec->truncated) {
		fk_rt_reject(rt, rec, "line longer than --max-line");
		return;
	}
	if (fk_enrich_record(e, rec->data, rec->len, &out, &outlen, &key,
	        &keylen, &ts, err, sizeof(err)) == -1) {
		fk_rt_reject(rt, rec, "%s", err);
		return;
	}
	if (check)
		check_key(f, rec);
	bad_label(f, e, rec);
	/* -k: the hops of a chain key their output by the next one's id;
	 * a record without one by its tx_id (else its user's id), so that
	 * the partition it goes to is always the same: a member that writes
	 * it again after a restart sends it where the first copy went. */
	if (strcmp(fk_rt_keyfield(rt), "user_id") != 0) {
		const char *k;
		size_t kl;

		if ((fk_enrich_key(e, fk_rt_keyfield(rt), &k, &kl) == 0 &&
		        kl > 0) ||
		    (fk_enrich_key(e, "tx_id", &k, &kl) == 0 && kl > 0)) {
			key = k;
			keylen = kl;
		}
	}
	/* A partition's first record (or the first after it was idle):
	 * its watermark goes first, so that a reader holds its records
	 * from the start. */
	if (rec->pos.partition >= 0) {
		struct hop *h = hop_of(f, rec->pos.partition);
		char seq[64];
		struct fk_header hd = { FK_SEQ_HEADER, seq, 0 };

		if (!h->sent || h->sent_idle)
			send_one(f, rt, rec->pos.partition, ts, 0, 0);
		if (h->ro.out_epoch != 0) {
			hd.len = fk_reorder_number(
			    &h->ro, rec->pos.partition, seq, sizeof(seq));
			fk_rt_emit_h(rt, out, outlen, key, keylen, ts, &hd);
			return;
		}
	}
	fk_rt_emit(rt, out, outlen, key, keylen, ts);
}

/* Release what the watermarks of partition p's upstream tasks let go
 * (all of it at the end of the input). */
static void
flow(struct fkenrich *f, struct fk_rt *rt, int32_t p, int all)
{
	struct hop *h = hop_of(f, p);
	struct fk_reorder_rec x;
	struct fk_rec r;
	int rc;

	while ((rc = fk_reorder_next(&h->ro, all, &x)) != 0) {
		if (rc == 2) {
			fk_rt_skip(rt, NULL);
			free(x.data);
			continue;
		}
		memset(&r, 0, sizeof(r));
		r.data = x.data;
		r.len = x.len;
		r.ts_ms = -1;
		r.pos.source = fk_rt_from(rt);
		r.pos.partition = p;
		r.pos.offset = x.offset;
		apply(f, rt, &r, 0);
		free(x.data);
	}
}

/* A record of a partition that carries watermarks: held in order. */
static void
hold(struct fkenrich *f, struct fk_rt *rt, const struct fk_rec *rec,
    struct hop *h, int seen)
{
	const char *tx;
	size_t txlen;
	int64_t t;
	int behind;

	if (rec->truncated ||
	    fk_enrich_peek(engine(f, rec->pos.partition), rec->data, rec->len,
	        &t, &tx, &txlen) == -1) {
		apply(f, rt, rec, 0); /* rejected there */
		return;
	}
	check_key(f, rec);
	/* Read again after a restart: what the checkpoint had applied. */
	if (rec->pos.offset < h->ro.end &&
	    fk_reorder_applied(&h->ro, t, tx, txlen)) {
		h->ro.dropped++;
		fk_rt_skip(rt, rec);
		return;
	}
	/* Behind what was released: a copy an upstream member wrote again
	 * (its number seen), dropped; or a record that came late (its
	 * upstream task was idle, then brought older records), applied
	 * now.  A copy not behind is held: next to its first, still held,
	 * it is dropped when they come out. */
	behind = fk_reorder_behind(&h->ro, t, tx, txlen);
	if (behind && seen) {
		h->ro.dups++;
		fk_rt_skip(rt, rec);
		return;
	}
	if (behind) {
		if (h->ro.behind < 5)
			fk_info(FK_LOG_DEBUG,
			    "%s[%d]@%lld: %.*s (%lld, seq %.*s) came behind "
			    "%.*s (%lld); frontier %lld",
			    fk_rt_from(rt), (int)rec->pos.partition,
			    (long long)rec->pos.offset, (int)txlen, tx,
			    (long long)t, (int)rec->seqlen,
			    rec->seq ? rec->seq : "", (int)h->ro.done_txlen,
			    h->ro.done_tx, (long long)h->ro.done_t,
			    (long long)fk_reorder_frontier(&h->ro));
		h->ro.behind++;
		apply(f, rt, rec, 0);
		return;
	}
	fk_reorder_push(&h->ro, t, rec->data, rec->len,
	    txlen > 0 ? (size_t)(tx - rec->data) : 0, txlen, rec->pos.partition,
	    rec->pos.offset);
	flow(f, rt, rec->pos.partition, 0);
}

/* Whether an upstream member sent a record of this number already
 * (fk_reorder_dup), unless read again after a restart: then the
 * checkpoint had seen it. */
static int
duplicate(struct fkenrich *f, const struct fk_rec *rec)
{
	struct hop *h;

	if (rec->seq == NULL || rec->pos.partition < 0)
		return 0;
	h = hop_of(f, rec->pos.partition);
	return fk_reorder_seen(&h->ro, rec->pos.offset, rec->seq, rec->seqlen);
}

static void
record(void *ctx, struct fk_rt *rt, const struct fk_rec *rec)
{
	struct fkenrich *f = ctx;
	int seen;

	/* Once a second at most, before the record: changed list files,
	 * labels, checkpoints. */
	if ((++f->n & 1023) == 0 || f->lists.n > 0 ||
	    f->labels.follow != NULL) {
		long long now = fk_time_mono_ms();

		if (now - f->last_check_ms >= 1000) {
			f->last_check_ms = now;
			if (f->lists.n > 0)
				reload(f, rt, 0);
			if (f->labels.follow != NULL)
				new_labels(f);
			if (f->checkpoint_ms > 0 &&
			    now - f->last_save_ms >= f->checkpoint_ms)
				save(f);
		}
	}
	/* With a changelog, what a partition writes is numbered, so that
	 * the next hop drops what a member that takes over from a failed one
	 * writes again.  The numbers go on from a checkpoint; from an empty
	 * state they begin again in an epoch named by the offset they begin
	 * at, so that a member that began there too and failed before its
	 * first checkpoint wrote the same records under the same numbers. */
	if (f->changelog != NULL && fk_rt_to(rt) != NULL &&
	    rec->pos.partition >= 0) {
		struct hop *h = hop_of(f, rec->pos.partition);

		if (h->ro.out_epoch == 0)
			h->ro.out_epoch = rec->pos.offset + 1;
	}
	seen = duplicate(f, rec);
	if (rec->pos.partition >= 0 && (size_t)rec->pos.partition < f->nhop &&
	    f->hop[rec->pos.partition].on &&
	    f->hop[rec->pos.partition].ro.active) {
		hold(f, rt, rec, &f->hop[rec->pos.partition], seen);
		return;
	}
	/* No watermarks here, so nothing to hold it by: a copy goes. */
	if (seen) {
		f->hop[rec->pos.partition].ro.dups++;
		fk_rt_skip(rt, rec);
		return;
	}
	apply(f, rt, rec, 1);
}

static void
watermark(void *ctx, struct fk_rt *rt, const struct fk_rec *msg,
    const struct fk_watermark *w)
{
	struct fkenrich *f = ctx;
	int32_t partition = msg->pos.partition;

	engine(f, partition);
	fk_reorder_watermark(&hop_of(f, partition)->ro, w, msg->pos.offset);
	flow(f, rt, partition, 0);
}

/* The counts of every state this process holds or last held. */
static void
sum_stats(struct fkenrich *f, struct fk_enrich_stats *st)
{
	fk_enrich_stats(f->e, st);
	for (size_t i = 0; i < f->npe || i < f->ngone; i++) {
		struct fk_enrich_stats p;

		if (i < f->npe && f->pe[i] != NULL)
			fk_enrich_stats(f->pe[i], &p);
		else if (i < f->ngone && f->has_gone[i])
			p = f->gone[i];
		else
			continue;
		st->late += p.late;
		st->labels_fraud += p.labels_fraud;
		st->labels_legit += p.labels_legit;
		st->labels_missing += p.labels_missing;
		st->labels_unusable += p.labels_unusable;
		st->evicted_idle += p.evicted_idle;
		st->evicted_lru += p.evicted_lru;
		st->users += p.users;
		st->merchants += p.merchants;
		st->terminals += p.terminals;
		st->devices += p.devices;
		st->ips += p.ips;
	}
}

static void
enrich_metrics(struct fkenrich *f, struct fk_rt *rt)
{
	static const char *const kind[] = { "user", "merchant", "terminal",
		"device", "ip" };

	for (int k = 0; k < 5; k++) {
		const char *const labels[] = { "kind", kind[k], NULL };

		f->entities[k] = fk_rt_gauge(rt, "fk_enrich_entities",
		    "Entities in the state, by kind", labels);
	}
	f->held = fk_rt_gauge(rt, "fk_enrich_held_records",
	    "Records held until the watermarks pass them", NULL);
	f->m_dups = fk_rt_counter(rt, "fk_enrich_duplicates_dropped_total",
	    "Records an upstream member wrote again, dropped by number", NULL);
	f->m_behind = fk_rt_counter(rt, "fk_enrich_late_applied_total",
	    "Records that came behind the release frontier, applied at once",
	    NULL);
	f->m_dropped = fk_rt_counter(rt, "fk_enrich_reread_dropped_total",
	    "Records read again after a restart, applied before it", NULL);
	for (int i = 0; f->o.label_field != NULL && i < 4; i++) {
		static const char *const what[] = { "fraud", "legit", "missing",
			"unusable" };
		const char *const labels[] = { "label", what[i], NULL };

		f->m_labels[i] = fk_rt_counter(rt, "fk_enrich_labels_total",
		    "Records by their --label-field: fraud, legit, missing "
		    "(absent or null), unusable (not a label)",
		    labels);
	}
}

static void
enrich_counts(struct fkenrich *f)
{
	struct fk_enrich_stats st;
	long long dups = f->dups, behind = f->behind, dropped = f->dropped;
	size_t held = 0;

	if (f->held == NULL)
		return;
	sum_stats(f, &st);
	*f->entities[0] = (double)st.users;
	*f->entities[1] = (double)st.merchants;
	*f->entities[2] = (double)st.terminals;
	*f->entities[3] = (double)st.devices;
	*f->entities[4] = (double)st.ips;
	for (size_t i = 0; i < f->nhop; i++)
		if (f->hop[i].on) {
			dups += f->hop[i].ro.dups;
			behind += f->hop[i].ro.behind;
			dropped += f->hop[i].ro.dropped;
			held += fk_heap_count(&f->hop[i].ro.h);
		}
	*f->held = (double)held;
	*f->m_dups = (uint64_t)dups;
	*f->m_behind = (uint64_t)behind;
	*f->m_dropped = (uint64_t)dropped;
	if (f->m_labels[0] != NULL) {
		*f->m_labels[0] = (uint64_t)st.labels_fraud;
		*f->m_labels[1] = (uint64_t)st.labels_legit;
		*f->m_labels[2] = (uint64_t)st.labels_missing;
		*f->m_labels[3] = (uint64_t)st.labels_unusable;
	}
}

static void
tick(void *ctx, struct fk_rt *rt)
{
	send_watermarks(ctx, rt, 0);
	enrich_counts(ctx);
}

/* Input would block: the next hop holds what we wrote until our
 * watermarks pass it, so they go with the records. */
static void
idle(void *ctx, struct fk_rt *rt)
{
	send_watermarks(ctx, rt, 0);
}

/* The end of the input (-e, -c): what is held goes, and the partitions
 * are idle.  After a signal, what is held stays unapplied: it is read
 * again, from the offset committed, by whoever reads on. */
static void
drain(void *ctx, struct fk_rt *rt)
{
	struct fkenrich *f = ctx;

	if (!fk_rt_running(rt))
		return;
	for (size_t i = 0; i < f->nhop; i++)
		if (f->hop[i].on)
			flow(f, rt, (int32_t)i, 1);
	for (size_t i = 0; i < f->npe; i++) {
		int64_t wm = 0, at = 0;

		if (f->pe[i] == NULL)
			continue;
		fk_enrich_watermark(f->pe[i], &wm);
		if ((size_t)i < f->nhop && f->hop[i].on &&
		    f->hop[i].ro.active) {
			fk_reorder_out(&f->hop[i].ro, &wm);
			at = fk_reorder_idle_at(&f->hop[i].ro);
		}
		send_one(f, rt, (int32_t)i, wm, 1, at);
	}
}

static void
finish(void *ctx, struct fk_rt *rt)
{
	struct fkenrich *f = ctx;
	struct fk_enrich_stats st;

	if (f->state != NULL)
		save(f);
	enrich_counts(f);
	sum_stats(f, &st);
	fk_info(FK_LOG_INFO,
	    "%zu users, %zu merchants, %zu terminals, %zu devices, %zu ips; "
	    "%lld late; evicted %lld idle, %lld by --max-entities",
	    st.users, st.merchants, st.terminals, st.devices, st.ips, st.late,
	    st.evicted_idle, st.evicted_lru);
	for (size_t i = 0; i < f->nhop; i++)
		hop_reset(f, (int32_t)i);
	if (f->peak > 0 || f->dropped > 0)
		fk_info(FK_LOG_INFO,
		    "watermarks: %zu records held at most, %lld released "
		    "early by --max-buffer, %lld dropped as applied before a "
		    "restart, %lld duplicates dropped, %lld applied late "
		    "(behind the frontier), %lld held at exit",
		    f->peak, f->forced, f->dropped, f->dups, f->behind,
		    f->held_at_exit);
	if (f->off_key > 0)
		fk_info(FK_LOG_INFO,
		    "%lld records keyed by another id than a kind computed: "
		    "features from a partial view",
		    f->off_key);
	if (f->o.label_field == NULL)
		return;
	fk_info(FK_LOG_INFO,
	    "--label-field %s: %lld fraud, %lld not, %lld missing, %lld "
	    "unusable",
	    f->o.label_field, st.labels_fraud, st.labels_legit,
	    st.labels_missing, st.labels_unusable);
	/* Label features from no label at all: a wrong name or type, not
	 * a result. */
	if (st.labels_fraud + st.labels_legit == 0 &&
	    st.labels_missing + st.labels_unusable > 0) {
		fk_error("--label-field %s: no record had a usable label "
		         "(%lld missing, %lld not a label): the label features "
		         "are all empty",
		    f->o.label_field, st.labels_missing, st.labels_unusable);
		fk_rt_fail(rt, FK_EX_DATAERR);
	}
}

int
main(int argc, char **argv)
{
	struct fkenrich f;
	const struct fk_option options[] = {
		FK_OPT_DURATION(0, "allowed-lateness", &f.o.lateness, 0,
		    86400000, "TIME",
		    "place records up to TIME late correctly (default 5m)"),
		FK_OPT_STRING(0, "changelog", &f.changelog, "TOPIC",
		    "keep each partition's state in compacted TOPIC too"),
		FK_OPT_DURATION(0, "checkpoint", &f.checkpoint_ms, 1000,
		    86400000, "TIME", "save --state every TIME"),
		FK_OPT_DURATION(0, "device-memory", &f.o.device_memory, 60000,
		    3650LL * 86400000, "TIME",
		    "a device unseen for TIME is new again (default 90d)"),
		FK_OPT_CALL(0, "entities", &f.o, opt_entities, "LIST",
		    "compute these kinds' features only (default all)"),
		FK_OPT_CALL(0, "label-delay", &f.o.label_delay, opt_label_delay,
		    "TIME",
		    "labels are known TIME after a transaction (default 7d)"),
		FK_OPT_STRING(0, "label-field", &f.o.label_field, "FIELD",
		    "the record's fraud label (default: no label features)"),
		FK_OPT_CALL(0, "labels", &f, opt_labels, "SRC",
		    "fraud labels from a file or kafka:TOPIC (followed)"),
		FK_OPT_CALL(0, "list", &f.lists, opt_list,
		    "NAME[:FIELD]=FILE[#COLUMN]",
		    "a list of values to look up (repeatable)"),
		FK_OPT_DURATION(0, "idle-after", &f.idle_after_ms, 0, 86400000,
		    "TIME", "a partition at its end TIME is idle (default 1s)"),
		FK_OPT_INT(0, "max-buffer", &f.max_buffer, 1, 1LL << 40, "N",
		    "hold at most N records a partition (default 1000000)"),
		FK_OPT_INT(0, "max-entities", &f.o.max_entities, 1, 1LL << 31,
		    "N",
		    "keep at most N of each kind, least recently used out"),
		FK_OPT_INT(0, "max-speed", &f.o.max_speed, 1, 1000000, "KMH",
		    "impossible travel above KMH (default 900)"),
		FK_OPT_CALL(0, "places", &f, opt_places, "FILE",
		    "gazetteer CSV instead of the bundled one"),
		FK_OPT_STRING(0, "state", &f.state, "FILE",
		    "load state from FILE, save it at exit"),
		FK_OPT_BOOL(0, "state-reset", &f.state_reset,
		    "start with an empty state"),
		FK_OPT_CALL(0, "tz", &f.o, opt_tz, "OFFSET",
		    "local time for night and weekend (default UTC)"),
		FK_OPT_CALL(0, "windows", &f.o, opt_windows, "LIST",
		    "velocity windows (default 1m,10m,1h,24h,7d,30d)"),
		FK_OPT_END(),
	};
	const struct fk_tool tool = {
		.name = "fk-enrich",
		.synopsis =
		    "[--state-reset] [--allowed-lateness time] "
		    "[--changelog topic]\n"
		    "                 [--checkpoint time] "
		    "[--device-memory time] [--entities list]\n"
		    "                 [--idle-after time] [--label-delay time] "
		    "[--label-field field]\n"
		    "                 [--labels src] [--list name=file] "
		    "[--max-buffer n]\n"
		    "                 [--max-entities n] [--max-speed kmh] "
		    "[--places file]\n"
		    "                 [--state file] [--tz offset] "
		    "[--windows list] [file ...]",
		.options = options,
		.help_col = 23,
		.start = start,
		.record = record,
		.finish = finish,
		.reload = on_hup,
		.assigned = assigned,
		.revoked = revoked,
		.checkpoint = checkpoint,
		.watermark = watermark,
		.tick = tick,
		.idle = idle,
		.drain = drain,
	};
	int rc;

	memset(&f, 0, sizeof(f));
	fk_enrich_opts_init(&f.o);
	fk_lists_init(&f.lists);
	f.max_buffer = 1000000;
	f.idle_after_ms = 1000;
	rc = fk_main(&tool, &f, argc, argv);
	fk_enrich_free(f.e);
	for (size_t i = 0; i < f.npe; i++)
		fk_enrich_free(f.pe[i]);
	free(f.pe);
	for (size_t i = 0; i < f.nhop; i++)
		hop_reset(&f, (int32_t)i);
	free(f.hop);
	free(f.gone);
	free(f.has_gone);
	fk_labels_release(&f.labels);
	fk_places_free(f.places, f.o.nplaces);
	fk_lists_release(&f.lists);
	return rc;
}
