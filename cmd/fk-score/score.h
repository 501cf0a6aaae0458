/* fk-score's engine: rules and a model loaded together, one record in,
 * the record with its risk member out.  Library module: never prints,
 * never exits. */
#ifndef FK_SCORE_H
#define FK_SCORE_H

#include <stddef.h>

#include "model.h"

enum fk_combine {
	FK_COMBINE_DEFAULT, /* max with both, else whichever is loaded */
	FK_COMBINE_MAX,
	FK_COMBINE_SUM,
	FK_COMBINE_MODEL,
	FK_COMBINE_RULES,
};

struct fk_score_opts {
	const char **rules; /* rule files, borrowed */
	size_t nrules;
	const char *model;    /* or NULL */
	const char *features; /* model input -> record path map, or NULL */
	enum fk_combine combine;
	double review, block; /* decision thresholds */
	int shadow;           /* write risk_shadow, not risk */
	int contributions;    /* every input's contribution into the output */
	int nreasons;         /* model reasons per record */
	enum fk_explain explain;
};

enum fk_decision { FK_ALLOW, FK_REVIEW, FK_BLOCK };

struct fk_scorer;

/* Load the rules and the model of o (borrowed; must outlive the scorer).
 * NULL with the first error in err (file, line, column and caret for a
 * rule).  fk_scorer_free frees. */
struct fk_scorer *fk_scorer_load(
    const struct fk_score_opts *o, char *err, size_t errlen);
void fk_scorer_free(struct fk_scorer *s);

/* "12 rules (ruleset 3fa4...); xgboost: 100 trees, ..." */
void fk_scorer_describe(struct fk_scorer *s, char *buf, size_t len);

/* Score one record: *out, *outlen the record with the risk member
 * (borrowed until the next call), *key and *keylen the keyfield's value as
 * written (NULL if absent), *ts the ts_ms member (0 if absent).  -1 with
 * why in err (not a JSON object). */
int fk_scorer_record(struct fk_scorer *s, const char *data, size_t len,
    const char *keyfield, const char **out, size_t *outlen, const char **key,
    size_t *keylen, long long *ts, char *err, size_t errlen);

/* How many records got decision d so far. */
unsigned long long fk_scorer_decisions(
    const struct fk_scorer *s, enum fk_decision d);

/* A reloaded scorer goes on counting decisions where the old one was. */
void fk_scorer_carry(struct fk_scorer *to, const struct fk_scorer *from);

/* The rules loaded; rule i's id (borrowed) and the records it fired on
 * since the scorer was loaded. */
size_t fk_scorer_rules(const struct fk_scorer *s);
const char *fk_scorer_rule_id(const struct fk_scorer *s, size_t i);
unsigned long long fk_scorer_rule_fired(const struct fk_scorer *s, size_t i);

/* Per-decision counts, and a line per rule (fired, missing, mistyped),
 * for the -v summary: call fn for each line. */
void fk_scorer_summary(const struct fk_scorer *s,
    void (*fn)(void *arg, const char *line), void *arg);

#endif
