/* fk-eval: measure how well scores find fraud; a report, not records. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "exitcode.h"
#include "report.h"
#include "run.h"
#include "banned.h"

enum {
	OPT_BY = 256,
	OPT_JSON,
	OPT_LABEL,
	OPT_LABELS,
	OPT_PLOT,
	OPT_SCORE,
	OPT_SWEEP,
	OPT_THRESHOLD,
	OPT_TOP,
};

struct fkeval {
	struct fk_eval e;
	int json;
	const char *labels, *plot;
	FILE *plot_fp;
};

static const struct option longopts[] = {
	{ "by", required_argument, NULL, OPT_BY },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "labels", required_argument, NULL, OPT_LABELS },
	{ "plot", required_argument, NULL, OPT_PLOT },
	{ "score", required_argument, NULL, OPT_SCORE },
	{ "sweep", required_argument, NULL, OPT_SWEEP },
	{ "threshold", required_argument, NULL, OPT_THRESHOLD },
	{ "top", required_argument, NULL, OPT_TOP },
	{ NULL, 0, NULL, 0 },
};

static void
option(void *ctx, int opt, const char *arg)
{
	struct fkeval *f = ctx;
	struct fk_eval *e = &f->e;
	char err[256];
	int rc = 0;

	switch (opt) {
	case OPT_BY:
		rc = fk_eval_path_set(&e->by, arg, err, sizeof(err));
		break;
	case OPT_JSON:
		f->json = 1;
		break;
	case OPT_LABEL:
		rc = fk_eval_path_set(&e->label, arg, err, sizeof(err));
		break;
	case OPT_LABELS:
		f->labels = arg;
		break;
	case OPT_PLOT:
		f->plot = arg;
		break;
	case OPT_SCORE:
		rc = fk_eval_path_set(&e->score, arg, err, sizeof(err));
		break;
	case OPT_SWEEP:
		rc = fk_eval_set_sweep(e, arg, err, sizeof(err));
		break;
	case OPT_THRESHOLD:
		rc = fk_eval_set_thresholds(e, arg, err, sizeof(err));
		break;
	case OPT_TOP:
		rc = fk_eval_set_top(e, arg, err, sizeof(err));
		break;
	default:
		fk_usage("unknown option");
	}
	if (rc == -1)
		fk_usage("--%s: %s", longopts[opt - OPT_BY].name, err);
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
	static const struct fk_tool tool = {
		.name = "fk-eval",
		.flags = FK_TOOL_REPORT,
		.used = "evaluated",
		.synopsis = "[--json] [--by field] [--label field] "
		            "[--labels file]\n"
		            "               [--plot file] [--score field] "
		            "[--sweep from:to:step]\n"
		            "               [--threshold t[,...]] "
		            "[--top k[,...]] [file ...]",
		.options_help =
		    "  --by FIELD        recall by the values of FIELD\n"
		    "  --json            print the report as one JSON object\n"
		    "  --label FIELD     the label: FIELD (default fraud)\n"
		    "  --labels FILE     labels from FILE, joined by tx_id\n"
		    "  --plot FILE       write ROC and precision-recall "
		    "curves to FILE (SVG)\n"
		    "  --score FIELD     the score: FIELD (default "
		    "risk.score)\n"
		    "  --sweep F:T:S     a table of thresholds F, F+S, ... "
		    "up to T\n"
		    "  --threshold T,... report at thresholds T (default "
		    "0.5)\n"
		    "  --top K,...       precision@k for these k (default "
		    "100)\n",
		.shortopts = "",
		.longopts = longopts,
		.option = option,
		.start = start,
		.record = record,
		.finish = finish,
	};
	struct fkeval f;
	int rc;

	memset(&f, 0, sizeof(f));
	fk_eval_init(&f.e);
	rc = fk_main(&tool, &f, argc, argv);
	fk_eval_release(&f.e);
	return rc;
}
