/* Metrics over sorted samples.  Everything walks the samples in score
 * order a group of equal scores at a time: whatever is defined "at a
 * threshold" changes only between groups, which is how tied scores get
 * the treatment scikit-learn gives them. */
#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#include "banned.h"

/* Counting sort over days when their span is at most this (and not
 * much more than the samples); else a sort. */
#define MAX_DAY_SPAN (1L << 24)

static int
cmp_sample(const void *a, const void *b)
{
	const struct fk_sample *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->user != y->user)
		return x->user < y->user ? -1 : 1;
	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	if (x->label != y->label)
		return x->label < y->label ? -1 : 1;
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return 0;
}

void
fk_metrics_sort(struct fk_sample *s, size_t n)
{
	if (n > 1)
		qsort(s, n, sizeof(*s), cmp_sample);
}

size_t
fk_metrics_positives(const struct fk_sample *s, size_t n)
{
	size_t pos = 0;

	for (size_t i = 0; i < n; i++)
		pos += s[i].label;
	return pos;
}

/* The sample at place i of a sequence: s[idx[i]], or s[i] without idx. */
#define AT(s, idx, i) ((s)[(idx) != NULL ? (idx)[i] : (i)])

/* The end of the group of equal scores that starts at i. */
static size_t
group_end(const struct fk_sample *s, const uint32_t *idx, size_t n, size_t i,
    size_t *pos)
{
	double v = AT(s, idx, i).score;
	size_t j = i, p = 0;

	while (j < n && AT(s, idx, j).score == v)
		p += AT(s, idx, j++).label;
	*pos = p;
	return j;
}

double
fk_metrics_roc_auc(const struct fk_sample *s, size_t n)
{
	size_t pos = fk_metrics_positives(s, n), neg = n - pos, tp = 0;
	size_t i = 0, j, gp, gn;
	uint64_t area2 = 0; /* twice the area in units of one pos x one neg */

	if (pos == 0 || neg == 0)
		return NAN;
	while (i < n) {
		j = group_end(s, NULL, n, i, &gp);
		gn = j - i - gp;
		/* Each negative of the group is outranked by tp positives and
		 * tied with gp, which count one half. */
		area2 += (uint64_t)gn * (2 * (uint64_t)tp + gp);
		tp += gp;
		i = j;
	}
	return (double)area2 / (2.0 * (double)pos * (double)neg);
}

double
fk_metrics_average_precision(const struct fk_sample *s, size_t n)
{
	size_t pos = fk_metrics_positives(s, n), tp = 0, i = 0, j, gp;
	double ap = 0;

	if (pos == 0)
		return NAN;
	while (i < n && tp < pos) {
		j = group_end(s, NULL, n, i, &gp);
		tp += gp;
		if (gp > 0)
			ap += (double)gp / (double)pos * (double)tp / (double)j;
		i = j;
	}
	return ap;
}

/* Precision@k of a sequence sorted by score, in place i at s[idx[i]]. */
static double
patk(const struct fk_sample *s, const uint32_t *idx, size_t n, size_t k)
{
	size_t m = k < n ? k : n, i = 0, j, gp;
	double hits = 0;

	if (m == 0)
		return NAN;
	while (i < m) {
		j = group_end(s, idx, n, i, &gp);
		/* A group across the boundary: its m - i places inside hold
		 * gp / (j - i) positives each, on average over its orders. */
		if (j <= m)
			hits += (double)gp;
		else
			hits += (double)(m - i) * (double)gp / (double)(j - i);
		i = j;
	}
	return hits / (double)m;
}

double
fk_metrics_precision_at_k(const struct fk_sample *s, size_t n, size_t k)
{
	return patk(s, NULL, n, k);
}

static const double *sort_thr;

static int
cmp_thr_desc(const void *a, const void *b)
{
	double x = sort_thr[*(const size_t *)a],
	       y = sort_thr[*(const size_t *)b];

	return x > y ? -1 : x < y ? 1 : 0;
}

void
fk_metrics_confusion(const struct fk_sample *s, size_t n, const double *thr,
    size_t nthr, struct fk_confusion *out)
{
	size_t pos = fk_metrics_positives(s, n), neg = n - pos, i = 0, tp = 0;
	size_t *order = fk_xmalloc((nthr > 0 ? nthr : 1) * sizeof(*order));
	struct fk_confusion *c;

	for (size_t t = 0; t < nthr; t++)
		order[t] = t;
	sort_thr = thr;
	qsort(order, nthr, sizeof(*order), cmp_thr_desc);
	sort_thr = NULL;
	for (size_t t = 0; t < nthr; t++) {
		c = &out[order[t]];
		while (i < n && s[i].score >= thr[order[t]])
			tp += s[i++].label;
		c->threshold = thr[order[t]];
		c->alerts = i;
		c->tp = tp;
		c->fp = i - tp;
		c->fn = pos - tp;
		c->tn = neg - c->fp;
	}
	free(order);
}

double
fk_confusion_precision(const struct fk_confusion *c)
{
	return c->alerts == 0 ? NAN : (double)c->tp / (double)c->alerts;
}

double
fk_confusion_recall(const struct fk_confusion *c)
{
	size_t pos = c->tp + c->fn;

	return pos == 0 ? NAN : (double)c->tp / (double)pos;
}

double
fk_confusion_f1(const struct fk_confusion *c)
{
	size_t d = 2 * c->tp + c->fp + c->fn;

	return d == 0 ? NAN : 2.0 * (double)c->tp / (double)d;
}

static int
usable(const struct fk_sample *x)
{
	return x->day != FK_NO_DAY && x->user != FK_NO_USER;
}

static const struct fk_sample *sort_s;

static int
cmp_day_place(const void *a, const void *b)
{
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;

	if (sort_s[i].day != sort_s[j].day)
		return sort_s[i].day < sort_s[j].day ? -1 : 1;
	return i < j ? -1 : i > j;
}

/* The places of the usable samples, by day, in score order within a day
 * (a stable sort of sorted samples): into *idx, nd of them; the start of
 * each day's run into *start, ndays + 1 of them. */
static size_t
by_day(const struct fk_sample *s, size_t n, uint32_t **idx, size_t *nd,
    size_t **start)
{
	int32_t lo = INT32_MAX, hi = INT32_MIN;
	size_t m = 0, ndays = 0, i, span;
	uint32_t *ix;
	size_t *st, *cnt;

	for (i = 0; i < n; i++)
		if (usable(&s[i])) {
			m++;
			if (s[i].day < lo)
				lo = s[i].day;
			if (s[i].day > hi)
				hi = s[i].day;
		}
	*nd = m;
	*idx = ix = fk_xmalloc((m > 0 ? m : 1) * sizeof(*ix));
	if (m == 0) {
		*start = fk_xmalloc(sizeof(**start));
		(*start)[0] = 0;
		return 0;
	}
	span = (size_t)((int64_t)hi - lo) + 1;
	if (span <= MAX_DAY_SPAN && span <= 4 * m + 4096) {
		/* Counting sort: stable, O(n + span). */
		cnt = fk_xcalloc(span + 1, sizeof(*cnt));
		for (i = 0; i < n; i++)
			if (usable(&s[i]))
				cnt[(size_t)(s[i].day - lo) + 1]++;
		for (i = 0; i < span; i++) {
			ndays += cnt[i + 1] > 0;
			cnt[i + 1] += cnt[i];
		}
		for (i = 0; i < n; i++)
			if (usable(&s[i]))
				ix[cnt[(size_t)(s[i].day - lo)]++] =
				    (uint32_t)i;
		free(cnt);
	} else {
		for (i = 0, m = 0; i < n; i++)
			if (usable(&s[i]))
				ix[m++] = (uint32_t)i;
		sort_s = s;
		qsort(ix, m, sizeof(*ix), cmp_day_place);
		sort_s = NULL;
		for (i = 0; i < m; i++)
			ndays += i == 0 || s[ix[i]].day != s[ix[i - 1]].day;
	}
	*start = st = fk_xmalloc((ndays + 1) * sizeof(*st));
	ndays = 0;
	for (i = 0; i < *nd; i++)
		if (i == 0 || s[ix[i]].day != s[ix[i - 1]].day)
			st[ndays++] = i;
	st[ndays] = *nd;
	return ndays;
}

/* The mean over days of the card precision@k: see metrics.h. */
static double
card_patk(const struct fk_sample *s, const uint32_t *idx, const size_t *start,
    size_t ndays, size_t nusers, size_t k, uint32_t *seen, uint32_t *list)
{
	unsigned char *found = fk_xcalloc(nusers > 0 ? nusers : 1, 1);
	unsigned char *fraud = fk_xcalloc(nusers > 0 ? nusers : 1, 1);
	size_t d, i, m, top, hits;
	double sum = 0;
	uint32_t u;

	memset(seen, 0, (nusers > 0 ? nusers : 1) * sizeof(*seen));
	for (d = 0; d < ndays; d++) {
		/* The day's users not found yet, by highest score: the first
		 * sample of a user is its highest. */
		m = 0;
		for (i = start[d]; i < start[d + 1]; i++) {
			u = s[idx[i]].user;
			if (found[u])
				continue;
			if (seen[u] != d + 1) {
				seen[u] = (uint32_t)(d + 1);
				fraud[u] = s[idx[i]].label;
				list[m++] = u;
			} else {
				fraud[u] |= s[idx[i]].label;
			}
		}
		top = k < m ? k : m;
		hits = 0;
		for (i = 0; i < top; i++)
			if (fraud[list[i]]) {
				hits++;
				found[list[i]] = 1;
			}
		sum += (double)hits / (double)k;
	}
	free(found);
	free(fraud);
	return sum / (double)ndays;
}

void
fk_metrics_daily(const struct fk_sample *s, size_t n, size_t nusers,
    const size_t *k, size_t nk, size_t *days, size_t *records, double *patk_out,
    double *card)
{
	uint32_t *idx, *seen, *list;
	size_t nd, *start, ndays, d, j, longest = 0;
	double sum;

	ndays = by_day(s, n, &idx, &nd, &start);
	*days = ndays;
	*records = nd;
	for (j = 0; j < nk; j++) {
		if (ndays == 0 || k[j] == 0) {
			patk_out[j] = card[j] = NAN;
			continue;
		}
		sum = 0;
		for (d = 0; d < ndays; d++)
			sum += patk(
			    s, idx + start[d], start[d + 1] - start[d], k[j]);
		patk_out[j] = sum / (double)ndays;
	}
	for (d = 0; d < ndays; d++)
		if (start[d + 1] - start[d] > longest)
			longest = start[d + 1] - start[d];
	seen = fk_xmalloc((nusers > 0 ? nusers : 1) * sizeof(*seen));
	list = fk_xmalloc((longest > 0 ? longest : 1) * sizeof(*list));
	for (j = 0; j < nk; j++)
		if (ndays > 0 && k[j] > 0)
			card[j] = card_patk(
			    s, idx, start, ndays, nusers, k[j], seen, list);
	free(seen);
	free(list);
	free(idx);
	free(start);
}

void
fk_metrics_by(const struct fk_sample *s, size_t n, size_t ngroups,
    const double *thr, size_t nthr, size_t *records, size_t *positives,
    size_t *caught)
{
	size_t i, t, g;

	memset(records, 0, ngroups * sizeof(*records));
	memset(positives, 0, ngroups * sizeof(*positives));
	memset(caught, 0, ngroups * nthr * sizeof(*caught));
	for (i = 0; i < n; i++) {
		g = s[i].group;
		if (g >= ngroups)
			continue;
		records[g]++;
		if (!s[i].label)
			continue;
		positives[g]++;
		for (t = 0; t < nthr; t++)
			caught[g * nthr + t] += s[i].score >= thr[t];
	}
}

void
fk_metrics_curves(const struct fk_sample *s, size_t n, struct fk_curves *c)
{
	size_t pos = fk_metrics_positives(s, n), neg = n - pos, groups = 0;
	size_t i, j, gp, tp = 0;
	double r0 = 0, p;

	memset(c, 0, sizeof(*c));
	if (pos == 0)
		return;
	for (i = 0; i < n; i = j) {
		j = group_end(s, NULL, n, i, &gp);
		groups++;
	}
	c->pr_x = fk_xmalloc(2 * groups * sizeof(double));
	c->pr_y = fk_xmalloc(2 * groups * sizeof(double));
	if (neg > 0) {
		c->roc_x = fk_xmalloc((groups + 1) * sizeof(double));
		c->roc_y = fk_xmalloc((groups + 1) * sizeof(double));
		c->roc_x[0] = c->roc_y[0] = 0;
		c->roc_n = 1;
	}
	for (i = 0; i < n; i = j) {
		j = group_end(s, NULL, n, i, &gp);
		tp += gp;
		if (neg > 0) {
			c->roc_x[c->roc_n] = (double)(j - tp) / (double)neg;
			c->roc_y[c->roc_n++] = (double)tp / (double)pos;
		}
		/* Like scikit-learn, the curve ends at the first threshold
		 * with full recall. */
		if (r0 < 1) {
			p = (double)tp / (double)j;
			c->pr_x[c->pr_n] = r0;
			c->pr_y[c->pr_n++] = p;
			r0 = (double)tp / (double)pos;
			c->pr_x[c->pr_n] = r0;
			c->pr_y[c->pr_n++] = p;
		}
	}
}

void
fk_metrics_curves_release(struct fk_curves *c)
{
	free(c->roc_x);
	free(c->roc_y);
	free(c->pr_x);
	free(c->pr_y);
	memset(c, 0, sizeof(*c));
}
