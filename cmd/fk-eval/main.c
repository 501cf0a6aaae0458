/* fk-eval: measure how well scores find fraud; a report, not records. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "exitcode.h"
#include "engine.h"
#include "run.h"
#include "banned.h"

struct fkeval {
	struct fk_eval e;
	int json;
	const char *labels, *plot;
	FILE *plot_fp;
};

static int
opt_path(void *value, const char *arg, char *err, size_t errlen)
{
	return fk_eval_path_set(value, arg, err, errlen);
}

static int
opt_sweep(void *value, const char *arg, char *err, size_t errlen)
{
	return fk_eval_set_sweep(value, arg, err, errlen);
}

static int
opt_thresholds(void *value, const char *arg, char *err, size_t errlen)
{
	return fk_eval_set_thresholds(value, arg, err, errlen);
}

static int
opt_top(void *value, const char *arg, char *err, size_t errlen)
{
	return fk_eval_set_top(value, arg, err, errlen);
}

static void
start(void *ctx, struct fk_rt *rt)
{
	struct fkeval *f = ctx;
	char err[1024];
	int code;

	(void)rt;
	if (f->plot != NULL && strcmp(f->plot, "-") == 0)
		fk_usage("--plot: give a file name: standard output carries "
		         "the report");
	if (f->labels != NULL &&
	    fk_eval_labels_load(&f->e, f->labels, err, sizeof(err), &code) ==
	        -1)
		fk_errx(code, "%s", err);
	/* Before the input is read: a bad path fails at once. */
	if (f->plot != NULL && (f->plot_fp = fopen(f->plot, "w")) == NULL)
		fk_err(FK_EX_IOERR, "%s", f->plot);
}

static void
record(void *ctx, struct fk_rt *rt, const struct fk_rec *rec)
{
	struct fkeval *f = ctx;
	char err[1024];

	if (rec->truncated) {
		f->e.rejected++;
		fk_rt_reject(rt, rec, "line longer than --max-line");
	} else if (fk_eval_add(&f->e, rec->data, rec->len, err, sizeof(err)) ==
	    -1) {
		f->e.rejected++;
		fk_rt_reject(rt, rec, "%s", err);
	} else {
		fk_rt_consume(rt);
	}
}

static void
finish(void *ctx, struct fk_rt *rt)
{
	struct fkeval *f = ctx;
	struct fk_eval *e = &f->e;
	char err[512];

	if (e->n == 0) {
		if (f->plot_fp != NULL) {
			fclose(f->plot_fp);
			unlink(f->plot);
		}
		if (e->rejected > 0)
			fk_error("no records to evaluate: %zu rejected",
			    e->rejected);
		else
			fk_error("no records to evaluate");
		fk_rt_fail(rt, FK_EX_DATAERR);
		return;
	}
	fk_eval_compute(e);
	if (isnan(e->auc))
		fk_warnx("ROC AUC is undefined: no %s",
		    e->pos == 0 ? "positives" : "negatives");
	if (isnan(e->ap))
		fk_warnx("average precision is undefined: no positives");
	/* The runtime writes --metrics-file after finish(). */
	if (fk_eval_export(e, fk_rt_metrics(rt), err, sizeof(err)) == -1)
		fk_errx(FK_EX_SOFTWARE, "%s", err);
	if (f->json)
		fk_eval_write_json(e, stdout);
	else
		fk_eval_write_text(e, stdout);
	if (f->plot_fp != NULL &&
	    (fk_eval_write_plot(e, f->plot_fp) == -1 ||
	        fclose(f->plot_fp) == EOF))
		fk_err(FK_EX_IOERR, "%s", f->plot);
}

int
main(int argc, char **argv)
{
	struct fkeval f;
	const struct fk_option options[] = {
		FK_OPT_CALL(0, "by", &f.e.by, opt_path, "FIELD",
		    "recall by the values of FIELD"),
		FK_OPT_BOOL(
		    0, "json", &f.json, "print the report as one JSON object"),
		FK_OPT_CALL(0, "label", &f.e.label, opt_path, "FIELD",
		    "the label: FIELD (default fraud)"),
		FK_OPT_STRING(0, "labels", &f.labels, "FILE",
		    "labels from FILE, joined by tx_id"),
		FK_OPT_STRING(0, "plot", &f.plot, "FILE",
		    "write ROC and precision-recall curves to FILE (SVG)"),
		FK_OPT_CALL(0, "score", &f.e.score, opt_path, "FIELD",
		    "the score: FIELD (default risk.score)"),
		FK_OPT_CALL(0, "sweep", &f.e, opt_sweep, "F:T:S",
		    "a table of thresholds F, F+S, ... up to T"),
		FK_OPT_CALL(0, "threshold", &f.e, opt_thresholds, "T,...",
		    "report at thresholds T (default 0.5)"),
		FK_OPT_CALL(0, "top", &f.e, opt_top, "K,...",
		    "precision@k for these k (default 100)"),
		FK_OPT_END(),
	};
	const struct fk_tool tool = {
		.name = "fk-eval",
		.flags = FK_TOOL_REPORT,
		.used = "evaluated",
		.synopsis = "[--json] [--by field] [--label field] "
		            "[--labels file]\n"
		            "               [--plot file] [--score field] "
		            "[--sweep from:to:step]\n"
		            "               [--threshold t[,...]] "
		            "[--top k[,...]] [file ...]",
		.options = options,
		.start = start,
		.record = record,
		.finish = finish,
	};
	int rc;

	memset(&f, 0, sizeof(f));
	fk_eval_init(&f.e);
	rc = fk_main(&tool, &f, argc, argv);
	fk_eval_release(&f.e);
	return rc;
}
