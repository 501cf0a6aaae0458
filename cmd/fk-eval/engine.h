/* fk-eval's engine, everything but the command line: the options'
 * values, a sample read out of each record (score, label, day, user,
 * --by value), the --labels file, and the report as aligned text or one
 * line of JSON.  Library module: never prints to stderr, never exits
 * (out of memory aside); it writes the report only to the stream it is
 * given. */
#ifndef FK_EVAL_ENGINE_H
#define FK_EVAL_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "jscan.h"
#include "map.h"
#include "metrics.h"
#include "prom.h"

/* Distinct --by values kept; the rest are counted as "(other)". */
#define FK_EVAL_MAX_BY 1000
/* Values in a --threshold or --top list, thresholds in a --sweep. */
#define FK_EVAL_MAX_LIST 64
#define FK_EVAL_MAX_SWEEP 10001

/* A dot path into nested objects: "risk.score". */
struct fk_eval_path {
	char *text; /* as given; owned */
	char **seg; /* the names between the dots; owned */
	size_t n;   /* 0: not set */
};

/* Group ids of --by: values are FK_EVAL_BY_FIRST + their id. */
enum { FK_EVAL_BY_NONE, FK_EVAL_BY_OTHER, FK_EVAL_BY_FIRST };

struct fk_eval {
	/* Options: set them before the first record. */
	struct fk_eval_path score, label, by;
	double *thr; /* --threshold, increasing; owned */
	size_t nthr;
	size_t *top; /* --top, increasing; owned */
	size_t ntop;
	double *sweep; /* --sweep thresholds, increasing; owned */
	size_t nsweep;
	const char *labels_name; /* --labels FILE, borrowed; NULL: none */

	/* Input: what fk_eval_add and fk_eval_labels_load keep. */
	struct fk_sample *s;
	size_t n, cap;
	size_t rejected; /* counted by the caller */
	/* Interned strings: an entry's index is its id, in the order they
	 * came (none is ever deleted). */
	struct fk_map users, byvals, labels;
	unsigned char *lab; /* labels id -> label */
	uint32_t *labline;  /* labels id -> line of the labels file */
	size_t labcap;

	/* Results, from fk_eval_compute. */
	int computed;
	size_t pos, neg;
	double auc, ap;
	struct fk_confusion *at_thr;   /* nthr */
	double *patk;                  /* ntop */
	size_t days, day_records;      /* records with a day and a user */
	double *day_patk, *day_card;   /* ntop */
	struct fk_confusion *at_sweep; /* nsweep */
	size_t ngroups;                /* FK_EVAL_BY_FIRST + values */
	size_t *by_records, *by_pos, *by_caught; /* caught: ngroups x nthr */

	/* Scratch. */
	struct fk_jobj jo, sub;
	char *tmp; /* a record rewritten by jansson */
	size_t tmpcap;
	char *str; /* a string decoded */
	size_t strcap;
};

/* Defaults: --score risk.score, --label fraud, --threshold 0.5, --top
 * 100. */
void fk_eval_init(struct fk_eval *e);
void fk_eval_release(struct fk_eval *e);

/* Option values; each returns 0, or -1 with a message in err and the
 * old value kept.  Lists are sorted and duplicates dropped. */
int fk_eval_path_set(
    struct fk_eval_path *p, const char *s, char *err, size_t errlen);
int fk_eval_set_thresholds(
    struct fk_eval *e, const char *s, char *err, size_t errlen);
int fk_eval_set_top(struct fk_eval *e, const char *s, char *err, size_t errlen);
/* "FROM:TO:STEP": FROM + i * STEP up to TO (within 1e-9), each rounded
 * to 12 significant digits. */
int fk_eval_set_sweep(
    struct fk_eval *e, const char *s, char *err, size_t errlen);

/* Read the labels file path (one {"tx_id":..,"<label>":0|1} a line) and
 * keep it as e->labels_name.  Returns 0, or -1 with a message in err
 * ("labels.ndjson:3: fraud: expected 0 or 1, got 2") and in *code the
 * exit status: FK_EX_NOINPUT when the file cannot be read, else
 * FK_EX_DATAERR. */
int fk_eval_labels_load(
    struct fk_eval *e, const char *path, char *err, size_t errlen, int *code);

/* Read one record of len bytes and keep its sample.  Returns 0, or -1
 * with the reason in err ("risk.score: expected a number, got \"x\""). */
int fk_eval_add(
    struct fk_eval *e, const char *data, size_t len, char *err, size_t errlen);

/* Compute every metric over the samples kept (at least one); sorts
 * them. */
void fk_eval_compute(struct fk_eval *e);

/* Write the report (fk_eval_compute first).  Returns 0, or -1 when
 * writing failed. */
int fk_eval_write_text(const struct fk_eval *e, FILE *fp);
int fk_eval_write_json(const struct fk_eval *e, FILE *fp);
/* Set the overall figures of the report (fk_eval_compute first) as
 * gauges fk_eval_* of m (borrowed): counts, ROC AUC, average precision,
 * per --threshold and per --top value; an undefined figure is left out,
 * as are --sweep and --by.  0, or -1 with a message. */
int fk_eval_export(
    const struct fk_eval *e, struct fk_prom *m, char *err, size_t errlen);

/* The ROC and precision-recall curves as an SVG document. */
int fk_eval_write_plot(const struct fk_eval *e, FILE *fp);

#endif
