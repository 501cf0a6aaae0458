/* fk-sink: records into date-partitioned files and PostgreSQL, each
 * file and batch in an audit hash chain, with nothing stored twice when
 * Kafka input is read again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exitcode.h"
#include "fktime.h"
#include "numbers.h"
#include "run.h"
#include "sink.h"
#include "banned.h"

enum {
	OPT_AUDIT = 256,
	OPT_BATCH,
	OPT_CLOSE_AFTER,
	OPT_COMPRESS,
	OPT_DIR,
	OPT_MAX_AGE,
	OPT_MAX_BYTES,
	OPT_MAX_OPEN,
	OPT_MAX_RECORDS,
	OPT_PARTITION_BY,
	OPT_PG,
	OPT_TABLE,
	OPT_VERIFY,
};

struct fksink {
	struct fk_sink_opts o;
	struct fk_sink *s;
	const char *verify;
	const char *lake_opt; /* the last option only files take */
	int batch_set;
};

static const struct option longopts[] = {
	{ "audit", required_argument, NULL, OPT_AUDIT },
	{ "batch", required_argument, NULL, OPT_BATCH },
	{ "close-after", required_argument, NULL, OPT_CLOSE_AFTER },
	{ "compress", required_argument, NULL, OPT_COMPRESS },
	{ "dir", required_argument, NULL, OPT_DIR },
	{ "max-age", required_argument, NULL, OPT_MAX_AGE },
	{ "max-bytes", required_argument, NULL, OPT_MAX_BYTES },
	{ "max-open", required_argument, NULL, OPT_MAX_OPEN },
	{ "max-records", required_argument, NULL, OPT_MAX_RECORDS },
	{ "partition-by", required_argument, NULL, OPT_PARTITION_BY },
	{ "pg", required_argument, NULL, OPT_PG },
	{ "table", required_argument, NULL, OPT_TABLE },
	{ "verify", required_argument, NULL, OPT_VERIFY },
	{ NULL, 0, NULL, 0 },
};

static void
option(void *ctx, int opt, const char *arg)
{
	struct fksink *f = ctx;
	struct fk_lake_opts *l = &f->o.lake;
	char err[512];
	long long v;

	switch (opt) {
	case OPT_AUDIT:
		f->o.audit = arg;
		return;
	case OPT_BATCH:
		f->batch_set = 1;
		if (fk_num_int(arg, 1, 10000000, &v, err, sizeof(err)) == -1)
			fk_usage("--batch: %s", err);
		f->o.batch = (size_t)v;
		return;
	case OPT_CLOSE_AFTER:
		f->lake_opt = "--close-after";
		if (fk_num_duration(
		        arg, 0, 86400000LL * 365, &v, err, sizeof(err)) == -1)
			fk_usage("--close-after: %s", err);
		l->close_after_ms = v;
		return;
	case OPT_COMPRESS:
		f->lake_opt = "--compress";
		if (fk_compress_parse(
		        arg, &l->comp, &l->comp_level, err, sizeof(err)) == -1)
			fk_usage("--compress: %s", err);
		return;
	case OPT_DIR:
		l->root = arg;
		return;
	case OPT_MAX_AGE:
		f->lake_opt = "--max-age";
		if (fk_num_duration(
		        arg, 0, 86400000LL * 365, &v, err, sizeof(err)) == -1)
			fk_usage("--max-age: %s", err);
		l->max_age_ms = v;
		return;
	case OPT_MAX_BYTES:
		f->lake_opt = "--max-bytes";
		if (fk_num_size(arg, 0, 1LL << 50, &v, err, sizeof(err)) == -1)
			fk_usage("--max-bytes: %s", err);
		l->max_bytes = (uint64_t)v;
		return;
	case OPT_MAX_OPEN:
		f->lake_opt = "--max-open";
		if (fk_num_int(arg, 1, 100000, &v, err, sizeof(err)) == -1)
			fk_usage("--max-open: %s", err);
		l->max_open = (size_t)v;
		return;
	case OPT_MAX_RECORDS:
		f->lake_opt = "--max-records";
		if (fk_num_int(arg, 0, 1LL << 50, &v, err, sizeof(err)) == -1)
			fk_usage("--max-records: %s", err);
		l->max_records = (uint64_t)v;
		return;
	case OPT_PARTITION_BY:
		f->lake_opt = "--partition-by";
		if (fk_levels_parse(&f->o.levels, arg, err, sizeof(err)) == -1)
			fk_usage("--partition-by: %s", err);
		return;
	case OPT_PG:
		f->o.pg = arg;
		return;
	case OPT_TABLE:
		f->o.table = arg;
		return;
	case OPT_VERIFY:
		f->verify = arg;
		return;
	default:
		fk_usage("unknown option");
	}
}

/* fk-sink --verify FILE [--dir PATH]: a report, then exit. */
static void
verify(struct fksink *f)
{
	struct fk_audit_report r;
	char err[1024];

	switch (
	    fk_sink_verify(f->verify, f->o.lake.root, &r, err, sizeof(err))) {
	case 0:
		printf("%s: intact, %llu entries%s, head %s\n", f->verify,
		    (unsigned long long)r.entries,
		    f->o.lake.root != NULL ? ", every file as logged" : "",
		    r.head);
		exit(fflush(stdout) == 0 ? FK_EX_OK : FK_EX_IOERR);
	case 1:
		fk_errx(FK_EX_DATAERR, "%s: %s", f->verify, err);
	default:
		fk_errx(FK_EX_NOINPUT, "%s", err);
	}
}

static void
start(void *ctx, struct fk_rt *rt)
{
	struct fksink *f = ctx;
	char err[1024];
	size_t cut;
	int code;

	if (f->verify != NULL && (f->o.pg != NULL || f->o.audit != NULL))
		fk_usage(
		    "--verify: give only the log, and --dir for its files");
	if (f->verify != NULL)
		verify(f);
	if (f->o.lake.root == NULL && f->o.pg == NULL)
		fk_usage("store somewhere: --dir PATH, --pg CONNINFO, or both");
	if ((f->o.pg != NULL) != (f->o.table != NULL))
		fk_usage("--pg and --table go together");
	if (f->o.lake.root == NULL && f->lake_opt != NULL)
		fk_usage("%s: files need --dir", f->lake_opt);
	if (f->o.pg == NULL && f->batch_set)
		fk_usage("--batch: PostgreSQL needs --pg");
	fk_levels_finish(&f->o.levels);
	f->o.lake.topic = fk_rt_from(rt);
	f->s = fk_sink_new(
	    &f->o, fk_time_wall_ms(), &cut, &code, err, sizeof(err));
	if (f->s == NULL)
		fk_errx(code, "%s", err);
	if (cut > 0)
		fk_warnx("--audit %s: cut off %zu bytes of a last line without "
		         "its newline (a crash in mid-append)",
		    f->o.audit, cut);
}

static void
record(void *ctx, struct fk_rt *rt, const struct fk_rec *rec)
{
	struct fksink *f = ctx;
	char err[1024];
	int code;

	if (rec->truncated) {
		fk_rt_reject(rt, rec, "line longer than --max-line");
		return;
	}
	switch (fk_sink_put(f->s, rec->data, rec->len, rec->pos.partition,
	    rec->pos.offset, fk_time_mono_ms(), &code, err, sizeof(err))) {
	case FK_SINK_STORED:
		fk_rt_consume(rt);
		break;
	case FK_SINK_DUP:
		fk_rt_skip(rt, rec); /* stored by an earlier run */
		break;
	case FK_SINK_BAD:
		fk_rt_reject(rt, rec, "%s", err);
		break;
	default:
		fk_errx(code, "%s", err);
	}
}

static void
tick(void *ctx, struct fk_rt *rt)
{
	struct fksink *f = ctx;
	char err[1024];
	int code;

	(void)rt;
	if (fk_sink_tick(f->s, fk_time_mono_ms(), &code, err, sizeof(err)) ==
	    -1)
		fk_errx(code, "%s", err);
}

static void
flush(struct fksink *f, int32_t part)
{
	char err[1024];
	int code;

	if (fk_sink_flush(f->s, part, &code, err, sizeof(err)) == -1)
		fk_errx(code, "%s", err);
}

/* Rows go into PostgreSQL before the offsets are committed; offsets go
 * no further than the first record of a file not yet whole. */
static int
checkpoint(void *ctx, struct fk_rt *rt, const int32_t *parts, int64_t *offsets,
    size_t n)
{
	struct fksink *f = ctx;
	int64_t o;

	(void)rt;
	flush(f, -1);
	for (size_t i = 0; i < n; i++)
		if ((o = fk_sink_oldest(f->s, parts[i])) >= 0 && o < offsets[i])
			offsets[i] = o;
	return 0;
}

static void
assigned(
    void *ctx, struct fk_rt *rt, const int32_t *parts, int64_t *start, size_t n)
{
	struct fksink *f = ctx;

	(void)rt;
	(void)start;
	for (size_t i = 0; i < n; i++)
		fk_sink_assigned(f->s, parts[i]);
}

/* Another member reads them now: their files are made whole (it skips
 * what they hold). */
static void
revoked(void *ctx, struct fk_rt *rt, const int32_t *parts, size_t n)
{
	(void)rt;
	for (size_t i = 0; i < n; i++)
		flush(ctx, parts[i]);
}

static void
drain(void *ctx, struct fk_rt *rt)
{
	(void)rt;
	flush(ctx, FK_LAKE_ALL);
}

static void
finish(void *ctx, struct fk_rt *rt)
{
	struct fksink *f = ctx;
	struct fk_sink_counts c;

	drain(ctx, rt);
	fk_sink_counts(f->s, &c);
	if (f->o.lake.root != NULL)
		fk_info(FK_LOG_INFO, "%llu files", (unsigned long long)c.files);
	if (c.recovered > 0)
		fk_warnx("--audit %s: %llu whole files of an earlier run were "
		         "not in the log (a crash before their entries): "
		         "logged now",
		    f->o.audit, (unsigned long long)c.recovered);
	if (f->o.pg != NULL)
		fk_info(FK_LOG_INFO,
		    "%llu rows in %llu PostgreSQL batches, %llu new or "
		    "changed",
		    (unsigned long long)c.rows, (unsigned long long)c.batches,
		    (unsigned long long)c.changed);
}

int
main(int argc, char **argv)
{
	static const struct fk_tool tool = {
		.name = "fk-sink",
		.flags = FK_TOOL_REPORT,
		.used = "stored",
		.synopsis =
		    "[--dir path] [--partition-by list]... [--compress alg]\n"
		    "               [--max-records n] [--max-bytes size] "
		    "[--max-age t]\n"
		    "               [--close-after t] [--max-open n] "
		    "[--pg conninfo --table name]\n"
		    "               [--batch n] [--audit file] [file ...]\n"
		    "       fk-sink --verify file [--dir path]",
		.options_help =
		    "  --audit FILE      log each file and batch in FILE, a hash chain\n"
		    "  --batch N         rows per PostgreSQL transaction (default 10000)\n"
		    "  --close-after T   close a file idle for T (default 1m; 0: never)\n"
		    "  --compress ALG    none (default), gzip or zstd, with :LEVEL\n"
		    "  --dir PATH        write files under PATH/dt=YYYY-MM-DD/hr=HH/\n"
		    "  --max-age T       close a file open for T (default: no limit)\n"
		    "  --max-bytes SIZE  close a file at SIZE before compression (128M)\n"
		    "  --max-open N      files open at once (default 100)\n"
		    "  --max-records N   close a file at N records (default: no limit)\n"
		    "  --partition-by L  folder levels, comma-separated: dt, hr, FIELD,\n"
		    "                    NAME=FIELD (repeatable)\n"
		    "  --pg CONNINFO     load into PostgreSQL (libpq string or URI)\n"
		    "  --table NAME      the table, NAME or SCHEMA.NAME; made if absent\n"
		    "  --verify FILE     check FILE's audit chain (and --dir's files)\n",
		.shortopts = "",
		.longopts = longopts,
		.option = option,
		.start = start,
		.record = record,
		.finish = finish,
		.checkpoint = checkpoint,
		.assigned = assigned,
		.revoked = revoked,
		.tick = tick,
		.drain = drain,
	};
	struct fksink f;
	int rc;

	memset(&f, 0, sizeof(f));
	f.o.batch = 10000;
	f.o.lake.max_bytes = 128ULL << 20;
	f.o.lake.close_after_ms = 60000;
	f.o.lake.max_open = 100;
	rc = fk_main(&tool, &f, argc, argv);
	fk_sink_free(f.s);
	fk_levels_release(&f.o.levels);
	return rc;
}
