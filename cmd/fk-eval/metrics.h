/* Detection-quality metrics over scored, labelled samples: ROC AUC and
 * average precision as scikit-learn defines them, confusion counts at
 * thresholds, precision@k with tied scores shared, and per day the
 * precision@k of transactions and of cards (users).  Library module:
 * never prints, never exits (out of memory aside, which is fatal).
 *
 * Most functions want the samples sorted by fk_metrics_sort(); they are
 * then O(n), or O(n + days) for the daily ones.  Sample counts must be
 * below 2^32. */
#ifndef FK_METRICS_H
#define FK_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define FK_NO_DAY INT32_MIN
#define FK_NO_USER UINT32_MAX

/* One scored record: 24 bytes, nothing else is kept. */
struct fk_sample {
	double score;        /* finite */
	int32_t day;         /* days since 1970-01-01 UTC, or FK_NO_DAY */
	uint32_t user;       /* user rank in byte order of ids, or FK_NO_USER */
	uint32_t group;      /* index of the --by value; 0 when unused */
	unsigned char label; /* 0 or 1 */
};

/* Sort by score, highest first; equal scores by user, day, label and
 * group, so that the order never depends on qsort and, within a day,
 * users with equal scores come in the order of their ids. */
void fk_metrics_sort(struct fk_sample *s, size_t n);

/* Positives among n samples (any order). */
size_t fk_metrics_positives(const struct fk_sample *s, size_t n);

/* ROC AUC of sorted samples, tied scores counting one half: NAN without
 * positives or without negatives. */
double fk_metrics_roc_auc(const struct fk_sample *s, size_t n);

/* Average precision of sorted samples: the sum over distinct scores t,
 * highest first, of (R(t) - R(t')) * P(t), where t' is the score before
 * t; NAN without positives. */
double fk_metrics_average_precision(const struct fk_sample *s, size_t n);

/* Precision@k of sorted samples: the expected share of positives among
 * the first min(k, n) over all orders of tied scores; NAN when n or k is
 * 0. */
double fk_metrics_precision_at_k(const struct fk_sample *s, size_t n, size_t k);

/* Counts at a threshold: predicted positive when score >= threshold. */
struct fk_confusion {
	double threshold;
	size_t alerts, tp, fp, fn, tn;
};

/* Fill out[i] for thr[i], i < nthr, over sorted samples: O(n + nthr log
 * nthr). */
void fk_metrics_confusion(const struct fk_sample *s, size_t n,
    const double *thr, size_t nthr, struct fk_confusion *out);

/* tp / alerts, tp / (tp + fn), 2 tp / (2 tp + fp + fn): NAN when the
 * denominator is 0. */
double fk_confusion_precision(const struct fk_confusion *c);
double fk_confusion_recall(const struct fk_confusion *c);
double fk_confusion_f1(const struct fk_confusion *c);

/* Per-day metrics over the sorted samples that have both a day and a
 * user; the others are left out.  For each k[j], j < nk:
 *   patk[j]  the mean over days of the day's precision@k (as
 *            fk_metrics_precision_at_k over that day's samples);
 *   card[j]  the mean over days of the day's card precision@k: the
 *            users not found on an earlier day, each with its highest
 *            score of the day and labelled 1 if any of its samples that
 *            day is, ranked by that score (equal scores by user, lowest
 *            first); the positives among the first k, divided by k, are
 *            found.
 * Users are below nusers.  *days and *records say how many days and
 * samples were used; with no days, the means are NAN. */
void fk_metrics_daily(const struct fk_sample *s, size_t n, size_t nusers,
    const size_t *k, size_t nk, size_t *days, size_t *records, double *patk,
    double *card);

/* Per group g < ngroups (any order of samples): records[g], positives[g]
 * and, for each threshold t < nthr, caught[g * nthr + t], the positives
 * with score >= thr[t].  The arrays are filled, not added to. */
void fk_metrics_by(const struct fk_sample *s, size_t n, size_t ngroups,
    const double *thr, size_t nthr, size_t *records, size_t *positives,
    size_t *caught);

/* Curves of sorted samples, one point per distinct score: ROC (false
 * positive rate, true positive rate) from (0, 0), and precision-recall
 * as the steps whose area is the average precision, from (0, P1).  A
 * curve that is undefined (no positives; for ROC also no negatives) has
 * no points. */
struct fk_curves {
	double *roc_x, *roc_y, *pr_x, *pr_y; /* owned */
	size_t roc_n, pr_n;
};

void fk_metrics_curves(
    const struct fk_sample *s, size_t n, struct fk_curves *c);
void fk_metrics_curves_release(struct fk_curves *c);

#endif
