/* fk-sink: records into date-partitioned files and PostgreSQL, each
 * file and batch in an audit hash chain, with nothing stored twice when
 * Kafka input is read again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exitcode.h"
#include "fktime.h"
#include "run.h"
#include "sink.h"
#include "banned.h"

struct fksink {
	struct fk_sink_opts o;
	struct fk_sink *s;
	const char *verify;
	/* The last option given that only files take, and --batch. */
	const struct fk_option *lake_opt, *batch_opt;
	/* fk_sink_files_total, fk_sink_rows_total, fk_sink_batches_total */
	uint64_t *files, *rows, *batches;
};

/* The sink's counts into the metrics: on the clock and at the end. */
static void
sink_counts(struct fksink *f)
{
	struct fk_sink_counts c;

	if (f->s == NULL)
		return;
	fk_sink_counts(f->s, &c);
	if (f->files != NULL)
		*f->files = c.files;
	if (f->rows != NULL) {
		*f->rows = c.rows;
		*f->batches = c.batches;
	}
}

static int
opt_compress(void *value, const char *arg, char *err, size_t errlen)
{
	struct fk_lake_opts *l = value;

	return fk_compress_parse(arg, &l->comp, &l->comp_level, err, errlen);
}

static int
opt_partition_by(void *value, const char *arg, char *err, size_t errlen)
{
	return fk_levels_parse(value, arg, err, errlen);
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
	/* PostgreSQL would cut a longer name short (NAMEDATALEN), and the
	 * audit log would name a table that is not there. */
	if (f->o.table != NULL) {
		const char *dot = strchr(f->o.table, '.');
		size_t schema = dot != NULL ? (size_t)(dot - f->o.table) : 0;
		size_t name = strlen(dot != NULL ? dot + 1 : f->o.table);

		if (schema > 63 || name > 63)
			fk_usage(
			    "--table %s: PostgreSQL takes names of at most "
			    "63 bytes",
			    f->o.table);
	}
	if (f->o.lake.root == NULL && f->lake_opt != NULL)
		fk_usage("--%s: files need --dir", f->lake_opt->name);
	if (f->o.pg == NULL && f->batch_opt != NULL)
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
	if (f->o.lake.root != NULL)
		f->files = fk_rt_counter(rt, "fk_sink_files_total",
		    "Files written to the lake and closed", NULL);
	if (f->o.pg != NULL) {
		f->rows = fk_rt_counter(rt, "fk_sink_rows_total",
		    "Rows written to PostgreSQL", NULL);
		f->batches = fk_rt_counter(rt, "fk_sink_batches_total",
		    "PostgreSQL batches committed", NULL);
	}
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
	sink_counts(f);
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
	sink_counts(f);
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
	struct fksink f;
	struct fk_lake_opts *l = &f.o.lake;
	const struct fk_option options[] = {
		FK_OPT_STRING(0, "audit", &f.o.audit, "FILE",
		    "log each file and batch in FILE, a hash chain"),
		{ .kind = FK_OPTION_INT,
		    .name = "batch",
		    .arg = "N",
		    .help = "rows per PostgreSQL transaction (default 10000)",
		    .value = &f.o.batch,
		    .ctype = FK_OPT_CTYPE(&f.o.batch),
		    .min = 1,
		    .max = 10000000,
		    .given = &f.batch_opt },
		{ .kind = FK_OPTION_DURATION,
		    .name = "close-after",
		    .arg = "T",
		    .help = "close a file idle for T (default 1m; 0: never)",
		    .value = &l->close_after_ms,
		    .ctype = FK_OPT_CTYPE(&l->close_after_ms),
		    .min = 0,
		    .max = 86400000LL * 365,
		    .given = &f.lake_opt },
		{ .kind = FK_OPTION_CALL,
		    .name = "compress",
		    .arg = "ALG",
		    .help = "none (default), gzip or zstd, with :LEVEL",
		    .value = l,
		    .call = opt_compress,
		    .given = &f.lake_opt },
		FK_OPT_STRING(0, "dir", &l->root, "PATH",
		    "write files under PATH/dt=YYYY-MM-DD/hr=HH/"),
		{ .kind = FK_OPTION_DURATION,
		    .name = "max-age",
		    .arg = "T",
		    .help = "close a file open for T (default: no limit)",
		    .value = &l->max_age_ms,
		    .ctype = FK_OPT_CTYPE(&l->max_age_ms),
		    .min = 0,
		    .max = 86400000LL * 365,
		    .given = &f.lake_opt },
		{ .kind = FK_OPTION_SIZE,
		    .name = "max-bytes",
		    .arg = "SIZE",
		    .help = "close a file at SIZE before compression (128M)",
		    .value = &l->max_bytes,
		    .ctype = FK_OPT_CTYPE(&l->max_bytes),
		    .min = 0,
		    .max = 1LL << 50,
		    .given = &f.lake_opt },
		{ .kind = FK_OPTION_INT,
		    .name = "max-open",
		    .arg = "N",
		    .help = "files open at once (default 100)",
		    .value = &l->max_open,
		    .ctype = FK_OPT_CTYPE(&l->max_open),
		    .min = 1,
		    .max = 100000,
		    .given = &f.lake_opt },
		{ .kind = FK_OPTION_INT,
		    .name = "max-records",
		    .arg = "N",
		    .help = "close a file at N records (default: no limit)",
		    .value = &l->max_records,
		    .ctype = FK_OPT_CTYPE(&l->max_records),
		    .min = 0,
		    .max = 1LL << 50,
		    .given = &f.lake_opt },
		{ .kind = FK_OPTION_CALL,
		    .name = "partition-by",
		    .arg = "L",
		    .help = "folder levels, comma-separated: dt, hr, FIELD,\n"
		            "NAME=FIELD (repeatable)",
		    .value = &f.o.levels,
		    .call = opt_partition_by,
		    .given = &f.lake_opt },
		FK_OPT_STRING(0, "pg", &f.o.pg, "CONNINFO",
		    "load into PostgreSQL (libpq string or URI)"),
		FK_OPT_STRING(0, "table", &f.o.table, "NAME",
		    "the table, NAME or SCHEMA.NAME; made if absent"),
		FK_OPT_STRING(0, "verify", &f.verify, "FILE",
		    "check FILE's audit chain (and --dir's files)"),
		FK_OPT_END(),
	};
	const struct fk_tool tool = {
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
		.options = options,
		.start = start,
		.record = record,
		.finish = finish,
		.checkpoint = checkpoint,
		.assigned = assigned,
		.revoked = revoked,
		.tick = tick,
		.drain = drain,
	};
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
