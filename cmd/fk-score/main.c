/* fk-score: rules and a trained model score each record; the score, a
 * decision and the reasons go into its risk member. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "numbers.h"
#include "run.h"
#include "score.h"
#include "xalloc.h"
#include "banned.h"

enum {
	OPT_BLOCK = 256,
	OPT_CHECK,
	OPT_COMBINE,
	OPT_CONTRIBUTIONS,
	OPT_EXPLAIN,
	OPT_FEATURES,
	OPT_REASONS,
	OPT_REVIEW,
	OPT_SHADOW,
};

struct fkscore {
	struct fk_score_opts o;
	struct fk_scorer *s;
	int check;
};

static const struct option longopts[] = {
	{ "block", required_argument, NULL, OPT_BLOCK },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "combine", required_argument, NULL, OPT_COMBINE },
	{ "contributions", no_argument, NULL, OPT_CONTRIBUTIONS },
	{ "explain", required_argument, NULL, OPT_EXPLAIN },
	{ "features", required_argument, NULL, OPT_FEATURES },
	{ "model", required_argument, NULL, 'm' },
	{ "reasons", required_argument, NULL, OPT_REASONS },
	{ "review", required_argument, NULL, OPT_REVIEW },
	{ "rules", required_argument, NULL, 'r' },
	{ "shadow", no_argument, NULL, OPT_SHADOW },
	{ NULL, 0, NULL, 0 },
};

static double
threshold(const char *opt, const char *arg)
{
	char *end;
	double v = strtod(arg, &end);

	if (end == arg || *end != '\0' || !(v >= 0 && v <= 1))
		fk_usage("--%s: expected a number from 0 to 1, got \"%s\"", opt,
		    arg);
	return v;
}

static void
option(void *ctx, int opt, const char *arg)
{
	static const char *const combine[] = { "max", "sum", "model", "rules" };
	struct fkscore *f = ctx;
	char err[256];
	long long v;
	size_t i;

	switch (opt) {
	case 'm':
		if (f->o.model != NULL)
			fk_usage("one model (-m) at a time");
		f->o.model = arg;
		break;
	case 'r':
		f->o.rules = fk_xrealloc(
		    f->o.rules, (f->o.nrules + 1) * sizeof(*f->o.rules));
		f->o.rules[f->o.nrules++] = arg;
		break;
	case OPT_BLOCK:
		f->o.block = threshold("block", arg);
		break;
	case OPT_CHECK:
		f->check = 1;
		break;
	case OPT_COMBINE:
		for (i = 0; i < 4 && strcmp(arg, combine[i]) != 0; i++)
			;
		if (i == 4)
			fk_usage("--combine: expected max, sum, model or "
			         "rules, got \"%s\"",
			    arg);
		f->o.combine = (enum fk_combine)(FK_COMBINE_MAX + (int)i);
		break;
	case OPT_CONTRIBUTIONS:
		f->o.contributions = 1;
		break;
	case OPT_EXPLAIN:
		if (strcmp(arg, "path") == 0)
			f->o.explain = FK_EXPLAIN_PATH;
		else if (strcmp(arg, "shap") == 0)
			f->o.explain = FK_EXPLAIN_SHAP;
		else
			fk_usage("--explain: expected path or shap, got "
			         "\"%s\"",
			    arg);
		break;
	case OPT_FEATURES:
		f->o.features = arg;
		break;
	case OPT_REASONS:
		if (fk_num_int(arg, 0, 16, &v, err, sizeof(err)) == -1)
			fk_usage("--reasons: %s", err);
		f->o.nreasons = (int)v;
		break;
	case OPT_REVIEW:
		f->o.review = threshold("review", arg);
		break;
	case OPT_SHADOW:
		f->o.shadow = 1;
		break;
	default:
		fk_usage("unknown option");
	}
}

/* A rule error ends with its caret line: no newline after it. */
static char *
chomp(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == '\n')
		s[--n] = '\0';
	return s;
}

static void
start(void *ctx, struct fk_rt *rt)
{
	struct fkscore *f = ctx;
	char err[4096], what[1024];

	(void)rt;
	if (f->o.nrules == 0 && f->o.model == NULL)
		fk_usage("nothing to score with: give rules (-r) or a model "
		         "(-m)");
	if (f->o.review > f->o.block)
		fk_usage(
		    "--review %g is above --block %g", f->o.review, f->o.block);
	if (f->o.features != NULL && f->o.model == NULL)
		fk_usage("--features maps model inputs: give a model (-m)");
	if (f->o.combine != FK_COMBINE_DEFAULT &&
	    f->o.combine != FK_COMBINE_RULES && f->o.model == NULL)
		fk_usage("--combine: give a model (-m)");
	if (f->o.combine != FK_COMBINE_DEFAULT &&
	    f->o.combine != FK_COMBINE_MODEL && f->o.nrules == 0)
		fk_usage("--combine: give rules (-r)");
	if ((f->s = fk_scorer_load(&f->o, err, sizeof(err))) == NULL)
		fk_errx(FK_EX_CONFIG, "%s", chomp(err));
	fk_scorer_describe(f->s, what, sizeof(what));
	if (f->check) {
		printf("%s\n", what);
		fk_scorer_free(f->s);
		free(f->o.rules);
		exit(fflush(stdout) == 0 ? FK_EX_OK : FK_EX_IOERR);
	}
	fk_info(FK_LOG_INFO, "%s", what);
}

/* SIGHUP: the same files again, swapped in whole or not at all. */
static void
reload(void *ctx, struct fk_rt *rt)
{
	struct fkscore *f = ctx;
	struct fk_scorer *s;
	char err[4096], what[1024];

	(void)rt;
	if ((s = fk_scorer_load(&f->o, err, sizeof(err))) == NULL) {
		fk_error(
		    "reload failed, still scoring with the old set: %s", err);
		return;
	}
	fk_scorer_free(f->s);
	f->s = s;
	fk_scorer_describe(f->s, what, sizeof(what));
	fk_info(FK_LOG_WARN, "reloaded: %s", what);
}

static void
record(void *ctx, struct fk_rt *rt, const struct fk_rec *rec)
{
	struct fkscore *f = ctx;
	const char *out, *key;
	size_t outlen, keylen;
	long long ts;
	char err[512];

	if (rec->truncated) {
		fk_rt_reject(rt, rec, "line longer than --max-line");
		return;
	}
	if (fk_scorer_record(f->s, rec->data, rec->len, fk_rt_keyfield(rt),
	        &out, &outlen, &key, &keylen, &ts, err, sizeof(err)) == -1) {
		fk_rt_reject(rt, rec, "invalid JSON: %s", err);
		return;
	}
	fk_rt_emit(rt, out, outlen, key, keylen, ts);
}

static void
summary_line(void *arg, const char *line)
{
	(void)arg;
	fk_info(FK_LOG_INFO, "%s", line);
}

static void
finish(void *ctx, struct fk_rt *rt)
{
	struct fkscore *f = ctx;

	(void)rt;
	fk_scorer_summary(f->s, summary_line, NULL);
}

int
main(int argc, char **argv)
{
	static const struct fk_tool tool = {
		.name = "fk-score",
		.synopsis =
		    "[-r rules]... [-m model] [--block t] [--check]\n"
		    "                [--combine max|sum|model|rules] "
		    "[--contributions]\n"
		    "                [--explain path|shap] [--features file] "
		    "[--reasons n]\n"
		    "                [--review t] [--shadow] [file ...]",
		.options_help =
		    "  -m, --model FILE  score with a trained model "
		    "(XGBoost JSON or logistic)\n"
		    "  -r, --rules FILE  score with the rules in FILE "
		    "(repeatable; fk-rules(5))\n"
		    "  --block T         decision block at score >= T "
		    "(default 0.9)\n"
		    "  --check           load the rules and model, print "
		    "what they are, exit\n"
		    "  --combine HOW     score = max|sum of rules and model, "
		    "or model|rules alone\n"
		    "  --contributions   write every model input's "
		    "contribution, margin and bias\n"
		    "  --explain HOW     tree contributions by path "
		    "(default) or shap (exact)\n"
		    "  --features FILE   map model inputs to record paths "
		    "(NAME=PATH or PATH lines)\n"
		    "  --reasons N       model inputs in the reasons "
		    "(default 3; 0 to 16)\n"
		    "  --review T        decision review at score >= T "
		    "(default 0.5)\n"
		    "  --shadow          write risk_shadow, leave risk as "
		    "it is\n",
		.shortopts = "m:r:",
		.longopts = longopts,
		.option = option,
		.start = start,
		.record = record,
		.finish = finish,
		.reload = reload,
	};
	struct fkscore f;
	int rc;

	memset(&f, 0, sizeof(f));
	f.o.review = 0.5;
	f.o.block = 0.9;
	f.o.nreasons = 3;
	f.o.explain = FK_EXPLAIN_PATH;
	rc = fk_main(&tool, &f, argc, argv);
	fk_scorer_free(f.s);
	free(f.o.rules);
	return rc;
}
