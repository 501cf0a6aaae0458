/* fk-enrich: per-user, per-merchant and per-device features on event
 * time, with state that survives restarts. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "enrich.h"
#include "exitcode.h"
#include "fktime.h"
#include "lists.h"
#include "numbers.h"
#include "run.h"
#include "xalloc.h"
#include "banned.h"

enum {
	OPT_ALLOWED_LATENESS = 256,
	OPT_CHANGELOG,
	OPT_CHECKPOINT,
	OPT_DEVICE_MEMORY,
	OPT_LABEL_DELAY,
	OPT_LABEL_FIELD,
	OPT_LABELS,
	OPT_LIST,
	OPT_MAX_ENTITIES,
	OPT_MAX_SPEED,
	OPT_PLACES,
	OPT_STATE,
	OPT_STATE_RESET,
	OPT_TZ,
	OPT_WINDOWS,
};

struct fkenrich {
	struct fk_enrich_opts o;
	struct fk_enrich *e;   /* files and stdin */
	struct fk_enrich **pe; /* Kafka: one per input partition */
	size_t npe;
	struct fk_lists lists;
	const char *state, *changelog, *labels_src;
	struct fk_follow *follow; /* --labels kafka:TOPIC, as they come */
	struct fk_enrich_label *labels;
	struct fk_place *places; /* --places, loaded once for every state */
	size_t nlabels, caplabels;
	int state_reset;
	long long checkpoint_ms, last_save_ms, last_check_ms;
	unsigned long long n;
};

static const struct option longopts[] = {
	{ "allowed-lateness", required_argument, NULL, OPT_ALLOWED_LATENESS },
	{ "changelog", required_argument, NULL, OPT_CHANGELOG },
	{ "checkpoint", required_argument, NULL, OPT_CHECKPOINT },
	{ "device-memory", required_argument, NULL, OPT_DEVICE_MEMORY },
	{ "label-delay", required_argument, NULL, OPT_LABEL_DELAY },
	{ "label-field", required_argument, NULL, OPT_LABEL_FIELD },
	{ "labels", required_argument, NULL, OPT_LABELS },
	{ "list", required_argument, NULL, OPT_LIST },
	{ "max-entities", required_argument, NULL, OPT_MAX_ENTITIES },
	{ "max-speed", required_argument, NULL, OPT_MAX_SPEED },
	{ "places", required_argument, NULL, OPT_PLACES },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "state-reset", no_argument, NULL, OPT_STATE_RESET },
	{ "tz", required_argument, NULL, OPT_TZ },
	{ "windows", required_argument, NULL, OPT_WINDOWS },
	{ NULL, 0, NULL, 0 },
};

static void
option(void *ctx, int opt, const char *arg)
{
	struct fkenrich *f = ctx;
	char err[1024];
	long long v;
	int rc = 0;

	switch (opt) {
	case OPT_ALLOWED_LATENESS:
		rc = fk_num_duration(arg, 0, 86400000, &v, err, sizeof(err));
		f->o.lateness = v;
		break;
	case OPT_CHANGELOG:
		f->changelog = arg;
		break;
	case OPT_CHECKPOINT:
		rc = fk_num_duration(arg, 1000, 86400000, &v, err, sizeof(err));
		f->checkpoint_ms = v;
		break;
	case OPT_DEVICE_MEMORY:
		rc = fk_num_duration(
		    arg, 60000, 3650LL * 86400000, &v, err, sizeof(err));
		f->o.device_memory = v;
		break;
	case OPT_LABEL_DELAY:
		rc = fk_num_duration(
		    arg, 86400000, 9LL * 86400000, &v, err, sizeof(err));
		if (rc == 0 && v % 86400000 != 0) {
			snprintf(err, sizeof(err), "whole days, from 1d to 9d");
			rc = -1;
		}
		f->o.label_delay = v;
		break;
	case OPT_LABEL_FIELD:
		f->o.label_field = arg;
		break;
	case OPT_LABELS:
		f->labels_src = arg;
		f->o.ext_labels = 1;
		break;
	case OPT_LIST:
		if (fk_lists_add(&f->lists, arg, err, sizeof(err)) == -1)
			fk_errx(FK_EX_CONFIG, "--list: %s", err);
		break;
	case OPT_MAX_ENTITIES:
		rc = fk_num_int(arg, 1, 1LL << 31, &v, err, sizeof(err));
		f->o.max_entities = (size_t)v;
		break;
	case OPT_MAX_SPEED:
		rc = fk_num_int(arg, 1, 1000000, &v, err, sizeof(err));
		f->o.max_speed = (double)v;
		break;
	case OPT_PLACES:
		if (fk_places_load(
		        arg, &f->places, &f->o.nplaces, err, sizeof(err)) == -1)
			fk_errx(FK_EX_CONFIG, "--places: %s", err);
		f->o.places = f->places;
		break;
	case OPT_STATE:
		f->state = arg;
		break;
	case OPT_STATE_RESET:
		f->state_reset = 1;
		break;
	case OPT_TZ:
		rc = fk_enrich_tz_parse(&f->o, arg, err, sizeof(err));
		break;
	case OPT_WINDOWS:
		rc = fk_enrich_windows_parse(&f->o, arg, err, sizeof(err));
		break;
	default:
		fk_usage("unknown option");
	}
	if (rc == -1)
		fk_usage(
		    "--%s: %s", longopts[opt - OPT_ALLOWED_LATENESS].name, err);
}

static struct fk_enrich **slot(struct fkenrich *f, int32_t partition);

/* An engine from the state file: files' one, or a partition's. */
static void
adopt(void *arg, int32_t partition, struct fk_enrich *e)
{
	struct fk_enrich **p = slot(arg, partition);

	fk_enrich_free(*p);
	*p = e;
}

struct label_src {
	struct fkenrich *f;
	const char *name;
	long long n;
	char err[512];
};

static int
add_label(struct label_src *src, const void *data, size_t len)
{
	struct fkenrich *f = src->f;
	struct fk_enrich_label l;
	char why[256];
	int rc;

	src->n++;
	if ((rc = fk_enrich_label_parse(
	         f->e, data, len, &l, why, sizeof(why))) == -1) {
		snprintf(src->err, sizeof(src->err), "%s:%lld: %s", src->name,
		    src->n, why);
		return -1;
	}
	if (rc == 0)
		return 0;
	if (f->nlabels == f->caplabels) {
		f->caplabels = f->caplabels ? f->caplabels * 2 : 1024;
		f->labels =
		    fk_xrealloc(f->labels, f->caplabels * sizeof(*f->labels));
	}
	f->labels[f->nlabels++] = l;
	return 0;
}

static int
label_message(
    void *arg, const void *key, size_t keylen, const void *value, size_t len)
{
	(void)key;
	(void)keylen;
	return value != NULL ? add_label(arg, value, len) : 0;
}

static int
cmp_label(const void *a, const void *b)
{
	const struct fk_enrich_label *x = a, *y = b;

	return (x->t > y->t) - (x->t < y->t);
}

/* --labels: every fraud label, sorted by time (mergesort-stable enough:
 * equal times count the same). */
static void
load_labels(struct fkenrich *f, struct fk_rt *rt)
{
	struct label_src src = { .f = f, .name = f->labels_src };
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *fp;

	if (strncmp(f->labels_src, "kafka:", 6) == 0) {
		const char *topic = f->labels_src + 6;
		char err[512];
		int n = fk_rt_partitions(rt, topic, err, sizeof(err));

		if (n == -1)
			fk_errx(FK_EX_UNAVAILABLE, "--labels: %s", err);
		int64_t *end = fk_xcalloc((size_t)n, sizeof(*end));

		src.name = topic;
		for (int p = 0; p < n; p++)
			if (fk_rt_read_partition(rt, topic, p, &end[p],
			        label_message, &src, err, sizeof(err)) == -1)
				fk_errx(src.err[0] ? FK_EX_DATAERR
				                   : FK_EX_UNAVAILABLE,
				    "--labels: %s", src.err[0] ? src.err : err);
		/* Then the labels that come in while we run. */
		if ((f->follow = fk_rt_follow(
		         rt, topic, end, (size_t)n, err, sizeof(err))) == NULL)
			fk_errx(FK_EX_UNAVAILABLE, "--labels: %s", err);
		free(end);
	} else {
		if ((fp = fopen(f->labels_src, "r")) == NULL)
			fk_err(FK_EX_NOINPUT, "--labels: %s", f->labels_src);
		while ((len = getline(&line, &cap, fp)) != -1) {
			while (len > 0 &&
			    (line[len - 1] == '\n' || line[len - 1] == '\r'))
				len--;
			if (len == 0) {
				src.n++;
				continue;
			}
			if (add_label(&src, line, (size_t)len) == -1)
				fk_errx(FK_EX_DATAERR, "--labels: %s", src.err);
		}
		free(line);
		fclose(fp);
	}
	qsort(f->labels, f->nlabels, sizeof(*f->labels), cmp_label);
	fk_info(FK_LOG_DEBUG, "--labels: %zu fraud labels", f->nlabels);
}

static void
start(void *ctx, struct fk_rt *rt)
{
	struct fkenrich *f = ctx;
	char err[1024];

	if (f->state_reset && f->state == NULL)
		fk_usage("--state-reset needs --state");
	if (f->checkpoint_ms > 0 && f->state == NULL)
		fk_usage("--checkpoint needs --state");
	if (f->changelog != NULL) {
		int n;

		if (fk_rt_from(rt) == NULL)
			fk_usage("--changelog needs --from");
		if (f->state != NULL)
			fk_usage("--changelog and --state cannot be used "
			         "together");
		/* As many partitions as the input: partition p's state in
		 * partition p. */
		if ((n = fk_rt_partitions(
		         rt, fk_rt_from(rt), err, sizeof(err))) == -1 ||
		    fk_rt_create_compacted(
		        rt, f->changelog, n, err, sizeof(err)) == -1)
			fk_errx(FK_EX_UNAVAILABLE, "--changelog: %s", err);
		fk_rt_want_producer(rt);
	}
	f->o.lists = &f->lists;
	f->e = fk_enrich_new(&f->o);
	if (f->state != NULL && !f->state_reset &&
	    fk_enrich_load(&f->o, f->state, adopt, f, err, sizeof(err)) == -1)
		fk_errx(FK_EX_CONFIG, "--state: %s", err);
	if (f->labels_src != NULL) {
		if (f->o.label_field != NULL)
			fk_usage("--labels and --label-field cannot be used "
			         "together");
		load_labels(f, rt);
		fk_enrich_labels(f->e, f->labels, f->nlabels);
		for (size_t i = 0; i < f->npe; i++)
			if (f->pe[i] != NULL)
				fk_enrich_labels(
				    f->pe[i], f->labels, f->nlabels);
	}
	f->last_save_ms = f->last_check_ms = fk_time_mono_ms();
}

static void
save(struct fkenrich *f)
{
	char err[1024];

	struct fk_enrich_part *parts = fk_xcalloc(f->npe + 1, sizeof(*parts));
	size_t n = 0;

	parts[n++] = (struct fk_enrich_part){ -1, f->e };
	for (size_t i = 0; i < f->npe; i++)
		if (f->pe[i] != NULL)
			parts[n++] =
			    (struct fk_enrich_part){ (int32_t)i, f->pe[i] };
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

/* A partition's records are a stream of their own, with their own
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

/* A partition's records are a stream of their own, with their own
 * watermark and state, as Kafka keeps them in order only within a
 * partition. */
static struct fk_enrich *
engine(struct fkenrich *f, int32_t partition)
{
	struct fk_enrich **p = slot(f, partition);

	if (*p == NULL) {
		*p = fk_enrich_new(&f->o);
		if (f->changelog != NULL)
			fk_enrich_track(*p);
		fk_enrich_labels(*p, f->labels, f->nlabels);
	}
	return *p;
}

/* A changelog message held until the watermark message that ends its
 * checkpoint: changes after the last one belong to a checkpoint that
 * never finished, and its offsets were never committed. */
struct held {
	unsigned char *key, *value; /* value NULL: gone */
	size_t keylen, len;
};

struct restore {
	struct fk_enrich *e;
	int64_t offset;
	long long n;
	struct held *held;
	size_t nheld, capheld;
};

static int
restore_one(
    void *arg, const void *key, size_t keylen, const void *value, size_t len)
{
	struct restore *r = arg;
	struct held *h;
	int rc = 0;

	if (!(keylen == 1 && *(const unsigned char *)key == 0xff)) {
		if (r->nheld == r->capheld) {
			r->capheld = r->capheld ? r->capheld * 2 : 64;
			r->held =
			    fk_xrealloc(r->held, r->capheld * sizeof(*r->held));
		}
		h = &r->held[r->nheld++];
		h->key = fk_xmalloc(keylen);
		memcpy(h->key, key, keylen);
		h->keylen = keylen;
		h->value = NULL;
		h->len = len;
		if (value != NULL) {
			h->value = fk_xmalloc(len > 0 ? len : 1);
			memcpy(h->value, value, len);
		}
		return 0;
	}
	for (size_t i = 0; i < r->nheld; i++) {
		h = &r->held[i];
		if (rc == 0)
			rc = fk_enrich_apply(r->e, h->key, h->keylen, h->value,
			    h->len, &r->offset);
		r->n++;
		free(h->key);
		free(h->value);
	}
	r->nheld = 0;
	if (rc == 0)
		rc = fk_enrich_apply(r->e, key, keylen, value, len, &r->offset);
	return rc;
}

static void
restore_release(struct restore *r)
{
	for (size_t i = 0; i < r->nheld; i++) {
		free(r->held[i].key);
		free(r->held[i].value);
	}
	free(r->held);
}

/* New partitions: their state from the changelog, and the offset it
 * covers, where reading resumes. */
static void
assigned(
    void *ctx, struct fk_rt *rt, const int32_t *parts, int64_t *start, size_t n)
{
	struct fkenrich *f = ctx;
	char err[1024];

	for (size_t i = 0; i < n; i++) {
		struct fk_enrich **p = slot(f, parts[i]);
		struct restore r = { .offset = -1 };

		/* Without a changelog, state is in memory or the --state
		 * file: kept as it is. */
		if (f->changelog == NULL)
			continue;
		fk_enrich_free(*p);
		*p = NULL;
		r.e = engine(f, parts[i]);
		if (fk_rt_read_partition(rt, f->changelog, parts[i], NULL,
		        restore_one, &r, err, sizeof(err)) == -1)
			fk_errx(FK_EX_UNAVAILABLE, "--changelog: %s", err);
		if (r.nheld > 0)
			fk_warnx("%s[%d]: %zu changelog messages of an "
			         "unfinished checkpoint left out",
			    f->changelog, (int)parts[i], r.nheld);
		restore_release(&r);
		start[i] = r.offset;
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
	if (f->changelog == NULL)
		return;
	/* Its state is in the changelog, for whoever reads it next. */
	for (size_t i = 0; i < n; i++) {
		struct fk_enrich **p = slot(f, parts[i]);

		fk_enrich_free(*p);
		*p = NULL;
	}
}

struct sender {
	struct fk_rt *rt;
	const char *topic;
	int32_t partition;
	int failed;
};

static void
send_change(
    void *arg, const void *key, size_t keylen, const void *value, size_t len)
{
	struct sender *s = arg;

	if (fk_rt_send_to(
	        s->rt, s->topic, s->partition, value, len, key, keylen) == -1)
		s->failed = 1;
}

/* Before offsets are committed: the state changes they cover. */
static int
checkpoint(void *ctx, struct fk_rt *rt, const int32_t *parts, int64_t *offsets,
    size_t n)
{
	struct fkenrich *f = ctx;
	struct sender s = { .rt = rt, .topic = f->changelog };

	if (f->changelog == NULL)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if ((size_t)parts[i] >= f->npe || f->pe[parts[i]] == NULL)
			continue;
		s.partition = parts[i];
		fk_enrich_changes(f->pe[parts[i]], offsets[i], send_change, &s);
	}
	return s.failed ? -1 : 0;
}

/* Labels that came in on the topic: counted at once, in every state
 * (a label is for a transaction the records have passed). */
static void
new_labels(struct fkenrich *f)
{
	struct fk_enrich_label l;
	const void *data;
	size_t len;
	char err[512];
	int rc;

	while ((rc = fk_follow_next(
	            f->follow, &data, &len, err, sizeof(err))) == 1) {
		if (data == NULL)
			continue;
		if ((rc = fk_enrich_label_parse(
		         f->e, data, len, &l, err, sizeof(err))) == -1) {
			fk_warnx("--labels: %s: %s (label skipped)",
			    f->labels_src, err);
			continue;
		}
		if (rc == 0)
			continue;
		fk_enrich_count_label(f->e, &l);
		for (size_t i = 0; i < f->npe; i++)
			if (f->pe[i] != NULL)
				fk_enrich_count_label(f->pe[i], &l);
	}
	if (rc == -1)
		fk_warnx("--labels: %s", err);
}

static void
record(void *ctx, struct fk_rt *rt, const struct fk_rec *rec)
{
	struct fkenrich *f = ctx;
	const char *out, *key;
	size_t outlen, keylen;
	int64_t ts;
	char err[512];

	/* Once a second at most, before the record: changed list files,
	 * checkpoints. */
	if ((++f->n & 1023) == 0 || f->lists.n > 0 || f->follow != NULL) {
		long long now = fk_time_mono_ms();

		if (now - f->last_check_ms >= 1000) {
			f->last_check_ms = now;
			if (f->lists.n > 0)
				reload(f, rt, 0);
			if (f->follow != NULL)
				new_labels(f);
			if (f->checkpoint_ms > 0 &&
			    now - f->last_save_ms >= f->checkpoint_ms)
				save(f);
		}
	}
	if (rec->truncated) {
		fk_rt_reject(rt, rec, "line longer than --max-line");
		return;
	}
	if (fk_enrich_record(engine(f, rec->pos.partition), rec->data, rec->len,
	        &out, &outlen, &key, &keylen, &ts, err, sizeof(err)) == -1) {
		fk_rt_reject(rt, rec, "%s", err);
		return;
	}
	fk_rt_emit(rt, out, outlen, key, keylen, ts);
}

static void
finish(void *ctx, struct fk_rt *rt)
{
	struct fkenrich *f = ctx;
	struct fk_enrich_stats st;

	(void)rt;
	if (f->state != NULL)
		save(f);
	fk_enrich_stats(f->e, &st);
	for (size_t i = 0; i < f->npe; i++) {
		struct fk_enrich_stats p;

		if (f->pe[i] == NULL)
			continue;
		fk_enrich_stats(f->pe[i], &p);
		st.late += p.late;
		st.evicted_idle += p.evicted_idle;
		st.evicted_lru += p.evicted_lru;
		st.users += p.users;
		st.merchants += p.merchants;
		st.terminals += p.terminals;
		st.devices += p.devices;
		st.ips += p.ips;
	}
	fk_info(FK_LOG_INFO,
	    "%zu users, %zu merchants, %zu terminals, %zu devices, %zu ips; "
	    "%lld late; evicted %lld idle, %lld by --max-entities",
	    st.users, st.merchants, st.terminals, st.devices, st.ips, st.late,
	    st.evicted_idle, st.evicted_lru);
}

int
main(int argc, char **argv)
{
	static const struct fk_tool tool = {
		.name = "fk-enrich",
		.synopsis =
		    "[--state-reset] [--allowed-lateness time] "
		    "[--changelog topic]\n"
		    "                 [--checkpoint time] "
		    "[--device-memory time] [--label-delay time]\n"
		    "                 [--label-field field] "
		    "[--labels src] [--list name=file]\n"
		    "                 [--max-entities n] [--max-speed kmh] "
		    "[--places file]\n"
		    "                 [--state file] [--tz offset] "
		    "[--windows list] [file ...]",
		.options_help =
		    "  --allowed-lateness TIME  place records up to TIME "
		    "late correctly (default 5m)\n"
		    "  --changelog TOPIC    keep each partition's state in "
		    "compacted TOPIC too\n"
		    "  --checkpoint TIME    save --state every TIME\n"
		    "  --device-memory TIME a device unseen for TIME is new "
		    "again (default 90d)\n"
		    "  --label-delay TIME   labels are known TIME after "
		    "their transaction (default 7d)\n"
		    "  --label-field FIELD  the record's fraud label "
		    "(default: no label features)\n"
		    "  --labels SRC         fraud labels from a file or "
		    "kafka:TOPIC (followed)\n"
		    "  --list NAME[:FIELD]=FILE[#COLUMN]  a list of values "
		    "to look up (repeatable)\n"
		    "  --max-entities N     keep at most N of each kind, "
		    "least recently used out\n"
		    "  --max-speed KMH      impossible travel above KMH "
		    "(default 900)\n"
		    "  --places FILE        gazetteer CSV instead of the "
		    "bundled one\n"
		    "  --state FILE         load state from FILE, save it at "
		    "exit\n"
		    "  --state-reset        start with an empty state\n"
		    "  --tz OFFSET          local time for night and weekend "
		    "(default UTC)\n"
		    "  --windows LIST       velocity windows (default "
		    "1m,10m,1h,24h,7d,30d)\n",
		.shortopts = "",
		.longopts = longopts,
		.option = option,
		.start = start,
		.record = record,
		.finish = finish,
		.reload = on_hup,
		.assigned = assigned,
		.revoked = revoked,
		.checkpoint = checkpoint,
	};
	struct fkenrich f;
	int rc;

	memset(&f, 0, sizeof(f));
	fk_enrich_opts_init(&f.o);
	fk_lists_init(&f.lists);
	rc = fk_main(&tool, &f, argc, argv);
	fk_enrich_free(f.e);
	for (size_t i = 0; i < f.npe; i++)
		fk_enrich_free(f.pe[i]);
	free(f.pe);
	free(f.labels);
	fk_places_free(f.places, f.o.nplaces);
	fk_follow_close(f.follow);
	fk_lists_release(&f.lists);
	return rc;
}
