/* fk-score: rules and a trained model score each record; the score, a
 * decision and the reasons go into its risk member. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "prom.h"
#include "run.h"
#include "score.h"
#include "xalloc.h"
#include "banned.h"

struct fkscore {
	struct fk_score_opts o;
	struct fk_scorer *s;
	int check;
	/* fk_score_rule_fired_total{rule=...} of each rule of s, and its
	 * value when s was loaded: the counts go on over reloads. */
	uint64_t **fired, *base;
	uint64_t *decided[3]; /* fk_score_decisions_total{decision=...} */
};

/* The counters of the rules of f->s, made or found again. */
static void
rule_metrics(struct fkscore *f, struct fk_rt *rt)
{
	size_t n = fk_scorer_rules(f->s);
	char err[512];

	f->fired = fk_xrealloc(f->fired, (n + 1) * sizeof(*f->fired));
	f->base = fk_xrealloc(f->base, (n + 1) * sizeof(*f->base));
	for (size_t i = 0; i < n; i++) {
		const char *const labels[] = { "rule",
			fk_scorer_rule_id(f->s, i), NULL };

		f->fired[i] = fk_prom_counter(fk_rt_metrics(rt),
		    "fk_score_rule_fired_total", "Records a rule fired on",
		    labels, err, sizeof(err));
		if (f->fired[i] == NULL)
			fk_errx(FK_EX_SOFTWARE, "%s", err);
		f->base[i] = *f->fired[i];
	}
}

/* The scorer's counts into the counters: now and then, and at the end. */
static void
rule_counts(void *ctx, struct fk_rt *rt)
{
	struct fkscore *f = ctx;

	(void)rt;
	for (size_t i = 0; i < fk_scorer_rules(f->s); i++)
		*f->fired[i] = f->base[i] + fk_scorer_rule_fired(f->s, i);
	for (int d = FK_ALLOW; d <= FK_BLOCK; d++)
		*f->decided[d] = fk_scorer_decisions(f->s, (enum fk_decision)d);
}

/* fk_score_decisions_total{decision}: the scorer counts them on over
 * reloads itself. */
static void
decision_metrics(struct fkscore *f, struct fk_rt *rt)
{
	static const char *const name[] = { "allow", "review", "block" };
	char err[512];

	for (int d = FK_ALLOW; d <= FK_BLOCK; d++) {
		const char *const labels[] = { "decision", name[d], NULL };

		f->decided[d] = fk_prom_counter(fk_rt_metrics(rt),
		    "fk_score_decisions_total", "Records scored, by decision",
		    labels, err, sizeof(err));
		if (f->decided[d] == NULL)
			fk_errx(FK_EX_SOFTWARE, "%s", err);
	}
}

static int
opt_model(void *value, const char *arg, char *err, size_t errlen)
{
	struct fk_score_opts *o = value;

	(void)err, (void)errlen;
	if (o->model != NULL)
		fk_usage("one model (-m) at a time");
	o->model = arg;
	return 0;
}

static int
opt_rules(void *value, const char *arg, char *err, size_t errlen)
{
	struct fk_score_opts *o = value;

	(void)err, (void)errlen;
	o->rules = fk_xrealloc(o->rules, (o->nrules + 1) * sizeof(*o->rules));
	o->rules[o->nrules++] = arg;
	return 0;
}

static int
opt_combine(void *value, const char *arg, char *err, size_t errlen)
{
	static const char *const combine[] = { "max", "sum", "model", "rules" };

	for (int i = 0; i < 4; i++) {
		if (strcmp(arg, combine[i]) == 0) {
			*(enum fk_combine *)value =
			    (enum fk_combine)(FK_COMBINE_MAX + i);
			return 0;
		}
	}
	snprintf(
	    err, errlen, "expected max, sum, model or rules, got \"%s\"", arg);
	return -1;
}

static int
opt_explain(void *value, const char *arg, char *err, size_t errlen)
{
	if (strcmp(arg, "path") == 0)
		*(enum fk_explain *)value = FK_EXPLAIN_PATH;
	else if (strcmp(arg, "shap") == 0)
		*(enum fk_explain *)value = FK_EXPLAIN_SHAP;
	else {
		snprintf(err, errlen, "expected path or shap, got \"%s\"", arg);
		return -1;
	}
	return 0;
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
	rule_metrics(f, rt);
	decision_metrics(f, rt);
}

/* SIGHUP: the same files again, swapped in whole or not at all. */
static void
reload(void *ctx, struct fk_rt *rt)
{
	struct fkscore *f = ctx;
	struct fk_scorer *s;
	char err[4096], what[1024];

	if ((s = fk_scorer_load(&f->o, err, sizeof(err))) == NULL) {
		fk_error(
		    "reload failed, still scoring with the old set: %s", err);
		return;
	}
	rule_counts(f, rt);
	fk_scorer_free(f->s);
	f->s = s;
	rule_metrics(f, rt);
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

	rule_counts(f, rt);
	fk_scorer_summary(f->s, summary_line, NULL);
}

int
main(int argc, char **argv)
{
	struct fkscore f;
	const struct fk_option options[] = {
		FK_OPT_CALL('m', "model", &f.o, opt_model, "FILE",
		    "score with a trained model (XGBoost JSON or logistic)"),
		FK_OPT_CALL('r', "rules", &f.o, opt_rules, "FILE",
		    "score with the rules in FILE (repeatable; fk-rules(5))"),
		FK_OPT_DOUBLE(0, "block", &f.o.block, 0, 1, "T",
		    "decision block at score >= T (default 0.9)"),
		FK_OPT_BOOL(0, "check", &f.check,
		    "load the rules and model, print what they are, exit"),
		FK_OPT_CALL(0, "combine", &f.o.combine, opt_combine, "HOW",
		    "score = max|sum of rules and model, or model|rules alone"),
		FK_OPT_BOOL(0, "contributions", &f.o.contributions,
		    "write every model input's contribution, margin and bias"),
		FK_OPT_CALL(0, "explain", &f.o.explain, opt_explain, "HOW",
		    "tree contributions by path (default) or shap (exact)"),
		FK_OPT_STRING(0, "features", &f.o.features, "FILE",
		    "map model inputs to record paths (NAME=PATH or PATH "
		    "lines)"),
		FK_OPT_INT(0, "reasons", &f.o.nreasons, 0, 16, "N",
		    "model inputs in the reasons (default 3; 0 to 16)"),
		FK_OPT_DOUBLE(0, "review", &f.o.review, 0, 1, "T",
		    "decision review at score >= T (default 0.5)"),
		FK_OPT_BOOL(0, "shadow", &f.o.shadow,
		    "write risk_shadow, leave risk as it is"),
		FK_OPT_END(),
	};
	const struct fk_tool tool = {
		.name = "fk-score",
		.synopsis =
		    "[-r rules]... [-m model] [--block t] [--check]\n"
		    "                [--combine max|sum|model|rules] "
		    "[--contributions]\n"
		    "                [--explain path|shap] [--features file] "
		    "[--reasons n]\n"
		    "                [--review t] [--shadow] [file ...]",
		.options = options,
		.start = start,
		.record = record,
		.finish = finish,
		.reload = reload,
		.tick = rule_counts,
	};
	int rc;

	memset(&f, 0, sizeof(f));
	f.o.review = 0.5;
	f.o.block = 0.9;
	f.o.nreasons = 3;
	f.o.explain = FK_EXPLAIN_PATH;
	rc = fk_main(&tool, &f, argc, argv);
	fk_scorer_free(f.s);
	free(f.o.rules);
	free(f.fired);
	free(f.base);
	return rc;
}
