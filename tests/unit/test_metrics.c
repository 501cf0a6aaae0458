/* Unit tests for fk-eval's metrics.c.  Expected AUC and AP values come
 * from scikit-learn 1.2 (roc_auc_score, average_precision_score), card
 * precision values from working the Fraud Detection Handbook's
 * definition by hand, not from the code under test. */
#include "metrics.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "testutil.h"
#include "banned.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define EPS 1e-12

/* Samples from parallel arrays, on no day and of no user, sorted. */
static struct fk_sample *
make(const double *score, const int *label, size_t n)
{
	struct fk_sample *s = calloc(n > 0 ? n : 1, sizeof(*s));

	cr_assert_not_null(s);
	for (size_t i = 0; i < n; i++) {
		s[i].score = score[i];
		s[i].label = (unsigned char)label[i];
		s[i].day = FK_NO_DAY;
		s[i].user = FK_NO_USER;
	}
	fk_metrics_sort(s, n);
	return s;
}

static void
near(double got, double want, const char *what)
{
	cr_assert(fabs(got - want) < EPS, "%s: got %.17g, want %.17g", what,
	    got, want);
}

Test(metrics, sklearn_simple)
{
	double sc[] = { 0.1, 0.4, 0.35, 0.8 };
	int lab[] = { 0, 0, 1, 1 };
	struct fk_sample *s = make(sc, lab, 4);

	near(fk_metrics_roc_auc(s, 4), 0.75, "auc");
	near(fk_metrics_average_precision(s, 4), 0.8333333333333333, "ap");
	free(s);
}

Test(metrics, sklearn_ties)
{
	double sc[] = { 0.5, 0.5, 0.2, 0.9, 0.2, 0.9, 0.1, 0.5 };
	int lab[] = { 0, 1, 0, 1, 1, 0, 0, 1 };
	struct fk_sample *s = make(sc, lab, 8);

	near(fk_metrics_roc_auc(s, 8), 0.625, "auc");
	near(fk_metrics_average_precision(s, 8), 0.5678571428571428, "ap");
	free(s);
}

Test(metrics, all_tied)
{
	double sc[] = { 0.3, 0.3, 0.3, 0.3, 0.3 };
	int lab[] = { 1, 0, 0, 1, 0 };
	struct fk_sample *s = make(sc, lab, 5);

	near(fk_metrics_roc_auc(s, 5), 0.5, "auc");
	near(fk_metrics_average_precision(s, 5), 0.4, "ap");
	/* One group across every boundary: the base rate at any k. */
	for (size_t k = 1; k <= 6; k++)
		near(fk_metrics_precision_at_k(s, 5, k), 0.4, "p@k");
	free(s);
}

Test(metrics, all_positive)
{
	double sc[] = { 0.9, 0.1, 0.5 };
	int lab[] = { 1, 1, 1 };
	struct fk_sample *s = make(sc, lab, 3);

	cr_assert(isnan(fk_metrics_roc_auc(s, 3)));
	near(fk_metrics_average_precision(s, 3), 1.0, "ap");
	near(fk_metrics_precision_at_k(s, 3, 2), 1.0, "p@2");
	free(s);
}

Test(metrics, all_negative)
{
	double sc[] = { 0.9, 0.1, 0.5 };
	int lab[] = { 0, 0, 0 };
	struct fk_sample *s = make(sc, lab, 3);

	cr_assert(isnan(fk_metrics_roc_auc(s, 3)));
	cr_assert(isnan(fk_metrics_average_precision(s, 3)));
	near(fk_metrics_precision_at_k(s, 3, 2), 0.0, "p@2");
	free(s);
}

Test(metrics, single_record)
{
	double sc[] = { 0.7 };
	int pos[] = { 1 }, neg[] = { 0 };
	struct fk_sample *s = make(sc, pos, 1), *t = make(sc, neg, 1);

	cr_assert(isnan(fk_metrics_roc_auc(s, 1)));
	near(fk_metrics_average_precision(s, 1), 1.0, "ap");
	near(fk_metrics_precision_at_k(s, 1, 100), 1.0, "p@100");
	cr_assert(isnan(fk_metrics_roc_auc(t, 1)));
	cr_assert(isnan(fk_metrics_average_precision(t, 1)));
	near(fk_metrics_precision_at_k(t, 1, 1), 0.0, "p@1");
	free(s);
	free(t);
}

Test(metrics, empty)
{
	struct fk_sample *s = make(NULL, NULL, 0);
	struct fk_confusion c;
	struct fk_curves cv;
	double thr = 0.5, p, cp;
	size_t k = 10, days = 9, recs = 9;

	cr_assert(isnan(fk_metrics_roc_auc(s, 0)));
	cr_assert(isnan(fk_metrics_average_precision(s, 0)));
	cr_assert(isnan(fk_metrics_precision_at_k(s, 0, 10)));
	fk_metrics_confusion(s, 0, &thr, 1, &c);
	cr_assert_eq(c.alerts + c.tp + c.fp + c.fn + c.tn, 0);
	cr_assert(isnan(fk_confusion_precision(&c)));
	cr_assert(isnan(fk_confusion_recall(&c)));
	cr_assert(isnan(fk_confusion_f1(&c)));
	fk_metrics_daily(s, 0, 0, &k, 1, &days, &recs, &p, &cp);
	cr_assert_eq(days, 0);
	cr_assert_eq(recs, 0);
	cr_assert(isnan(p) && isnan(cp));
	fk_metrics_curves(s, 0, &cv);
	cr_assert_eq(cv.roc_n + cv.pr_n, 0);
	fk_metrics_curves_release(&cv);
	free(s);
}

/* A group of three tied scores (one positive) across the k boundary
 * shares its places: r * p / g for the r places inside. */
Test(metrics, precision_at_k_boundary_ties)
{
	double sc[] = { 0.9, 0.5, 0.5, 0.5, 0.1 };
	int lab[] = { 1, 0, 1, 0, 1 };
	struct fk_sample *s = make(sc, lab, 5);

	near(fk_metrics_precision_at_k(s, 5, 1), 1.0, "p@1");
	near(fk_metrics_precision_at_k(s, 5, 2), (1 + 1.0 / 3) / 2, "p@2");
	near(fk_metrics_precision_at_k(s, 5, 3), (1 + 2.0 / 3) / 3, "p@3");
	near(fk_metrics_precision_at_k(s, 5, 4), 2.0 / 4, "p@4");
	near(fk_metrics_precision_at_k(s, 5, 5), 3.0 / 5, "p@5");
	/* Fewer records than k: over all of them. */
	near(fk_metrics_precision_at_k(s, 5, 100), 3.0 / 5, "p@100");
	cr_assert(isnan(fk_metrics_precision_at_k(s, 5, 0)));
	free(s);
}

Test(metrics, confusion_at_thresholds)
{
	double sc[] = { 0.9, 0.5, 0.5, 0.3, 0.1 };
	int lab[] = { 1, 0, 1, 0, 1 };
	/* Out of order on purpose; 0.5 equals scores: they alert. */
	double thr[] = { 0.5, 2.0, 0.0, 0.9 };
	struct fk_sample *s = make(sc, lab, 5);
	struct fk_confusion c[4];

	fk_metrics_confusion(s, 5, thr, 4, c);
	cr_assert_eq(c[0].threshold, 0.5);
	cr_assert_eq(c[0].alerts, 3);
	cr_assert_eq(c[0].tp, 2);
	cr_assert_eq(c[0].fp, 1);
	cr_assert_eq(c[0].fn, 1);
	cr_assert_eq(c[0].tn, 1);
	near(fk_confusion_precision(&c[0]), 2.0 / 3, "precision");
	near(fk_confusion_recall(&c[0]), 2.0 / 3, "recall");
	near(fk_confusion_f1(&c[0]), 2.0 / 3, "f1");
	/* No alerts: precision undefined, F1 0 since positives exist. */
	cr_assert_eq(c[1].alerts, 0);
	cr_assert_eq(c[1].fn, 3);
	cr_assert(isnan(fk_confusion_precision(&c[1])));
	near(fk_confusion_recall(&c[1]), 0, "recall");
	near(fk_confusion_f1(&c[1]), 0, "f1");
	cr_assert_eq(c[2].alerts, 5);
	cr_assert_eq(c[2].tn, 0);
	near(fk_confusion_recall(&c[2]), 1, "recall");
	cr_assert_eq(c[3].alerts, 1);
	cr_assert_eq(c[3].tp, 1);
	free(s);
}

/* Days 0, 1, 2 and users a..f (0..5); see the file comment.  Worked by
 * hand: for k = 2, day 0 ranks a (0.9, fraud), then b and c tied at 0.8
 * where b's lower id wins: 1/2, a found.  Day 1 leaves a out; c's best
 * is 0.7 and it is fraud by its other record: c, e: 2/2, c and e found.
 * Day 2 leaves c and e out: b, f: 1/2.  Mean 2/3. */
static const struct {
	int day;
	unsigned user;
	double score;
	int label;
} cards[] = {
	{ 0, 0, 0.9, 1 },
	{ 0, 1, 0.8, 0 },
	{ 0, 2, 0.8, 1 },
	{ 0, 3, 0.1, 0 },
	{ 1, 0, 0.99, 1 },
	{ 1, 2, 0.7, 0 },
	{ 1, 2, 0.2, 1 },
	{ 1, 4, 0.65, 1 },
	{ 1, 1, 0.6, 0 },
	{ 2, 2, 0.9, 1 },
	{ 2, 4, 0.3, 1 },
	{ 2, 1, 0.5, 0 },
	{ 2, 5, 0.4, 1 },
	/* left out of the daily metrics: no user, no day */
	{ 2, FK_NO_USER, 0.95, 1 },
	{ FK_NO_DAY, 3, 0.97, 1 },
};

static struct fk_sample *
make_cards(size_t *n)
{
	struct fk_sample *s = calloc(NELEM(cards), sizeof(*s));

	cr_assert_not_null(s);
	/* backwards, so that the sort has work to do */
	for (size_t i = 0; i < NELEM(cards); i++) {
		size_t j = NELEM(cards) - 1 - i;

		s[i].day = cards[j].day == FK_NO_DAY ? FK_NO_DAY
		                                     : 20000 + cards[j].day;
		s[i].user = cards[j].user;
		s[i].score = cards[j].score;
		s[i].label = (unsigned char)cards[j].label;
	}
	fk_metrics_sort(s, NELEM(cards));
	*n = NELEM(cards);
	return s;
}

Test(metrics, card_precision_users_found_earlier)
{
	size_t n, days, recs, k[] = { 1, 2, 10 };
	double p[3], cp[3];
	struct fk_sample *s = make_cards(&n);

	fk_metrics_daily(s, n, 6, k, 3, &days, &recs, p, cp);
	cr_assert_eq(days, 3);
	cr_assert_eq(recs, 13);
	/* k = 1: a; c (a found); b (a, c found; b 0.5 beats f 0.4). */
	near(cp[0], 2.0 / 3, "card p@1");
	near(cp[1], 2.0 / 3, "card p@2");
	/* k = 10, always divided by 10: a, c of 4; e of e, b; f of b, f. */
	near(cp[2], (0.2 + 0.1 + 0.1) / 3, "card p@10");
	/* Transactions, k = 2: day 0 0.9 (1) and half of the 0.8 pair;
	 * day 1 0.99 (1), 0.7 (0); day 2 0.9 (1), 0.5 (0). */
	near(p[1], (0.75 + 0.5 + 0.5) / 3, "p@2");
	near(p[0], 1.0, "p@1");
	/* k = 10: all of each day: 2/4, 3/5, 3/4. */
	near(p[2], (0.5 + 0.6 + 0.75) / 3, "p@10");
	free(s);
}

/* Equal highest scores: the lower user id ranks first, whatever the
 * order of the input. */
Test(metrics, card_ties_by_user_id)
{
	struct fk_sample s[3] = {
		{ .score = 0.5, .day = 1, .user = 7, .label = 1 },
		{ .score = 0.5, .day = 1, .user = 3, .label = 0 },
		{ .score = 0.5, .day = 1, .user = 9, .label = 1 },
	};
	size_t days, recs, k = 1;
	double p, cp;

	fk_metrics_sort(s, 3);
	fk_metrics_daily(s, 3, 10, &k, 1, &days, &recs, &p, &cp);
	near(cp, 0.0, "user 3 first");
	near(p, 2.0 / 3, "transactions share the tie");
	s[0].user = s[1].user = 8; /* now 8 (fraud via its other record) */
	fk_metrics_sort(s, 3);
	fk_metrics_daily(s, 3, 10, &k, 1, &days, &recs, &p, &cp);
	near(cp, 1.0, "user 8 first, fraud");
}

/* Days far apart use the sort instead of counting. */
Test(metrics, daily_days_far_apart)
{
	struct fk_sample s[4] = {
		{ .score = 0.9, .day = -700000, .user = 0, .label = 1 },
		{ .score = 0.8, .day = 2000000, .user = 0, .label = 0 },
		{ .score = 0.7, .day = -700000, .user = 1, .label = 0 },
		{ .score = 0.6, .day = 2000000, .user = 1, .label = 1 },
	};
	size_t days, recs, k = 1;
	double p, cp;

	fk_metrics_sort(s, 4);
	fk_metrics_daily(s, 4, 2, &k, 1, &days, &recs, &p, &cp);
	cr_assert_eq(days, 2);
	near(p, 0.5, "p@1");
	/* day 1: user 0 found; day 2: user 1 only. */
	near(cp, 1.0, "card p@1");
}

Test(metrics, by_groups)
{
	struct fk_sample s[5] = {
		{ .score = 0.9, .group = 2, .label = 1 },
		{ .score = 0.4, .group = 2, .label = 1 },
		{ .score = 0.6, .group = 3, .label = 1 },
		{ .score = 0.7, .group = 0, .label = 0 },
		{ .score = 0.5, .group = 3, .label = 0 },
	};
	double thr[] = { 0.5, 0.8 };
	size_t rec[4], pos[4], caught[8];

	fk_metrics_by(s, 5, 4, thr, 2, rec, pos, caught);
	cr_assert_eq(rec[0], 1);
	cr_assert_eq(rec[1], 0);
	cr_assert_eq(rec[2], 2);
	cr_assert_eq(rec[3], 2);
	cr_assert_eq(pos[0], 0);
	cr_assert_eq(pos[2], 2);
	cr_assert_eq(pos[3], 1);
	cr_assert_eq(caught[2 * 2 + 0], 1);
	cr_assert_eq(caught[2 * 2 + 1], 1);
	cr_assert_eq(caught[3 * 2 + 0], 1);
	cr_assert_eq(caught[3 * 2 + 1], 0);
}

/* The area under the ROC points is the AUC; the steps of the PR curve
 * add up to the AP. */
Test(metrics, curves_match_areas)
{
	double sc[] = { 0.5, 0.5, 0.2, 0.9, 0.2, 0.9, 0.1, 0.5 };
	int lab[] = { 0, 1, 0, 1, 1, 0, 0, 1 };
	struct fk_sample *s = make(sc, lab, 8);
	struct fk_curves c;
	double auc = 0, ap = 0;
	size_t i;

	fk_metrics_curves(s, 8, &c);
	cr_assert_eq(c.roc_n, 5); /* (0,0) and 4 distinct scores */
	cr_assert_eq(c.roc_x[0], 0);
	cr_assert_eq(c.roc_x[c.roc_n - 1], 1);
	cr_assert_eq(c.roc_y[c.roc_n - 1], 1);
	for (i = 1; i < c.roc_n; i++)
		auc += (c.roc_x[i] - c.roc_x[i - 1]) *
		    (c.roc_y[i] + c.roc_y[i - 1]) / 2;
	for (i = 1; i < c.pr_n; i++)
		ap += (c.pr_x[i] - c.pr_x[i - 1]) * c.pr_y[i];
	near(auc, fk_metrics_roc_auc(s, 8), "roc area");
	near(ap, fk_metrics_average_precision(s, 8), "pr area");
	cr_assert_eq(c.pr_x[c.pr_n - 1], 1);
	fk_metrics_curves_release(&c);
	free(s);
}

/* Against brute force on random data with many ties: AUC as the share
 * of (positive, negative) pairs ranked right, ties one half; AP from its
 * definition; and the results do not depend on the input order. */
Test(metrics, random_against_brute_force)
{
	uint64_t seed = 42;
	struct fk_sample s[200], t[200];

	for (int round = 0; round < 50; round++) {
		size_t n = 2 + fk_test_rand(&seed) % 199, pos = 0;
		double pairs = 0, right = 0, ap = 0;

		for (size_t i = 0; i < n; i++) {
			memset(&s[i], 0, sizeof(s[i]));
			s[i].score = (double)(fk_test_rand(&seed) % 11) / 10;
			s[i].label = fk_test_rand(&seed) % 3 == 0;
			s[i].day = FK_NO_DAY;
			s[i].user = FK_NO_USER;
			pos += s[i].label;
		}
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++)
				if (s[i].label && !s[j].label) {
					pairs++;
					right += s[i].score > s[j].score ? 1
					    : s[i].score == s[j].score   ? 0.5
					                                 : 0;
				}
		/* AP: each positive contributes the precision at its own
		 * score (its whole tie group counted in). */
		for (size_t i = 0; i < n; i++) {
			size_t above = 0, tp = 0;

			if (!s[i].label)
				continue;
			for (size_t j = 0; j < n; j++)
				if (s[j].score >= s[i].score) {
					above++;
					tp += s[j].label;
				}
			ap += (double)tp / (double)above / (double)pos;
		}
		memcpy(t, s, n * sizeof(*s));
		for (size_t i = n - 1; i > 0; i--) { /* shuffle t */
			size_t j = fk_test_rand(&seed) % (i + 1);
			struct fk_sample x = t[i];

			t[i] = t[j];
			t[j] = x;
		}
		fk_metrics_sort(s, n);
		fk_metrics_sort(t, n);
		cr_assert(memcmp(s, t, n * sizeof(*s)) == 0, "order");
		if (pos == 0 || pos == n)
			continue;
		near(fk_metrics_roc_auc(s, n), right / pairs, "auc");
		near(fk_metrics_average_precision(s, n), ap, "ap");
	}
}

/* --sweep: FROM + i * STEP up to TO within 1e-9, no drift. */
Test(metrics, sweep_boundaries)
{
	struct fk_eval e;
	char err[256];

	fk_eval_init(&e);
	cr_assert_eq(fk_eval_set_sweep(&e, "0.1:0.95:0.05", err, sizeof(err)),
	    0, "%s", err);
	cr_assert_eq(e.nsweep, 18);
	cr_assert_eq(e.sweep[0], 0.1);
	cr_assert_eq(e.sweep[2], 0.2); /* 0.1 + 2 * 0.05 rounds to 0.2 */
	cr_assert_eq(e.sweep[17], 0.95);
	cr_assert_eq(fk_eval_set_sweep(&e, "0:1:0.1", err, sizeof(err)), 0);
	cr_assert_eq(e.nsweep, 11);
	cr_assert_eq(e.sweep[3], 0.3);
	cr_assert_eq(e.sweep[10], 1.0);
	cr_assert_eq(fk_eval_set_sweep(&e, "0:1:0.3", err, sizeof(err)), 0);
	cr_assert_eq(e.nsweep, 4);
	cr_assert_eq(e.sweep[3], 0.9);
	cr_assert_eq(fk_eval_set_sweep(&e, "0.5:0.5:1", err, sizeof(err)), 0);
	cr_assert_eq(e.nsweep, 1);
	cr_assert_eq(fk_eval_set_sweep(&e, "0:1:0", err, sizeof(err)), -1);
	cr_assert_str_eq(err, "STEP must be greater than 0, got \"0:1:0\"");
	cr_assert_eq(fk_eval_set_sweep(&e, "1:0:0.1", err, sizeof(err)), -1);
	cr_assert_str_eq(
	    err, "FROM must not be greater than TO, got \"1:0:0.1\"");
	cr_assert_eq(fk_eval_set_sweep(&e, "0:1", err, sizeof(err)), -1);
	cr_assert_str_eq(
	    err, "expected FROM:TO:STEP, three numbers, got \"0:1\"");
	cr_assert_eq(fk_eval_set_sweep(&e, "0:1:1e-9", err, sizeof(err)), -1);
	cr_assert_str_eq(err, "more than 10001 thresholds in \"0:1:1e-9\"");
	cr_assert_eq(e.nsweep, 1, "kept on error");
	fk_eval_release(&e);
}
