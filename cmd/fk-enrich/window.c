/* Bucketed windows: a ring of buckets whose newest index is kept in head,
 * so that adding and reading cost a few slots whatever the event rate.
 *
 * head holds the bucket index + 1 in 32 bits: add returns -1 for a time
 * before the epoch or whose index does not fit, which for times up to 2106
 * means buckets of at least 1000 ms, windows of at least 8 s (4 s windows
 * last until 2038).
 *
 * fk_stat keeps, per bucket, the sum of squared deviations from the
 * bucket's mean (Welford), not the raw sum of squares: in float, sumsq/n -
 * mean^2 cancels to noise, e.g. an sd of 1.05 instead of 0.0094 for three
 * amounts near 10000.  Buckets are combined by Chan's formula. */
#include "window.h"

#include <math.h>
#include <string.h>

#include "banned.h"

#define MS_PER_DAY 86400000LL
#define WIN_MASK (FK_WIN_SLOTS - 1)

_Static_assert((FK_WIN_SLOTS & WIN_MASK) == 0, "FK_WIN_SLOTS: a power of 2");

/* b > 0 */
static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return q - (a % b < 0);
}

/* Make room for bucket idx in a ring of n buckets whose newest is
 * *head - 1.  Returns how many buckets up to idx must be cleared (0 when
 * idx is in the ring, at most n), or -1 when idx is older than the ring or
 * cannot be stored in head. */
static int64_t
ring_advance(uint32_t *head, int64_t idx, int64_t n)
{
	int64_t newest = (int64_t)*head - 1;

	if (idx < 0 || idx >= (int64_t)UINT32_MAX)
		return -1;
	if (idx <= newest)
		return idx > newest - n ? 0 : -1;
	*head = (uint32_t)(idx + 1);
	return idx - newest < n ? idx - newest : n;
}

/* The buckets read at idx(t) = it: lo < i <= hi, both in the window and in
 * the ring; never below 0, where nothing is stored.  Empty when lo >= hi. */
static void
ring_range(uint32_t head, int64_t it, int64_t n, int64_t *lo, int64_t *hi)
{
	int64_t newest = (int64_t)head - 1;

	*hi = it < newest ? it : newest;
	*lo = (it > newest ? it : newest) - n;
	if (*lo < -1)
		*lo = -1;
}

void
fk_winspec_set(struct fk_winspec *s, int64_t width_ms)
{
	int64_t b = width_ms / FK_WIN_SLOTS + (width_ms % FK_WIN_SLOTS != 0);

	s->width_ms = width_ms;
	s->bucket_ms = b > 0 ? b : 1;
}

int64_t
fk_win_index(const struct fk_winspec *s, int64_t t)
{
	return floor_div(t, s->bucket_ms);
}

int
fk_win_add(
    struct fk_win *w, const struct fk_winspec *s, int64_t t, double amount)
{
	return fk_win_add_idx(w, floor_div(t, s->bucket_ms), amount);
}

int
fk_win_add_idx(struct fk_win *w, int64_t idx, double amount)
{
	int64_t k = ring_advance(&w->head, idx, FK_WIN_SLOTS);
	unsigned i;

	if (k < 0)
		return -1;
	for (; k > 0; k--) {
		i = (unsigned)(idx - k + 1) & WIN_MASK;
		w->count[i] = 0;
		w->sum[i] = 0;
	}
	i = (unsigned)idx & WIN_MASK;
	w->count[i] += w->count[i] != UINT16_MAX;
	w->sum[i] = (float)((double)w->sum[i] + amount);
	return 0;
}

void
fk_win_get(const struct fk_win *w, const struct fk_winspec *s, int64_t t,
    uint32_t *count, double *sum)
{
	fk_win_get_idx(w, floor_div(t, s->bucket_ms), count, sum);
}

void
fk_win_get_idx(
    const struct fk_win *w, int64_t idx, uint32_t *count, double *sum)
{
	int64_t lo, hi, i;
	uint32_t n = 0;
	double sm = 0;

	ring_range(w->head, idx, FK_WIN_SLOTS, &lo, &hi);
	for (i = lo + 1; i <= hi; i++) {
		n += w->count[i & WIN_MASK];
		sm += w->sum[i & WIN_MASK];
	}
	*count = n;
	*sum = sm;
}

static int
add_get(
    struct fk_win *w, int64_t idx, double amount, uint32_t *count, double *sum)
{
	int64_t k = ring_advance(&w->head, idx, FK_WIN_SLOTS);
	unsigned i = (unsigned)idx & WIN_MASK;
	uint32_t n = 0;
	double sm = 0;
	float twice[2 * FK_WIN_SLOTS];
	const float *p;

	_Static_assert(FK_WIN_SLOTS == 8, "the sum below adds 8 buckets");
	if (k < 0) {
		fk_win_get_idx(w, idx, count, sum);
		return -1;
	}
	if (k == FK_WIN_SLOTS) {
		/* A ring of this event alone: the sum of fk_win_get_idx
		 * adds zeros to it, which change nothing. */
		memset(w->count, 0, sizeof(w->count));
		memset(w->sum, 0, sizeof(w->sum));
		w->count[i] = 1;
		w->sum[i] = (float)((double)w->sum[i] + amount);
		*count = 1;
		*sum = sm + w->sum[i];
		return 0;
	}
	for (; k > 0; k--) {
		unsigned j = (unsigned)(idx - k + 1) & WIN_MASK;

		w->count[j] = 0;
		w->sum[j] = 0;
	}
	w->count[i] += w->count[i] != UINT16_MAX;
	w->sum[i] = (float)((double)w->sum[i] + amount);
	/* Below SLOTS - 1 fk_win_get_idx leaves out the buckets before 0. */
	if (idx != (int64_t)w->head - 1 || idx < FK_WIN_SLOTS - 1) {
		fk_win_get_idx(w, idx, count, sum);
		return 0;
	}
	/* The whole ring; the sum oldest first, in fk_win_get_idx's order,
	 * from the ring laid out twice so that the 8 adds need no mask. */
	for (i = 0; i < FK_WIN_SLOTS; i++)
		n += w->count[i];
	memcpy(twice, w->sum, sizeof(w->sum));
	memcpy(twice + FK_WIN_SLOTS, w->sum, sizeof(w->sum));
	p = twice + (((unsigned)idx + 1) & WIN_MASK);
	sm = (((((((sm + p[0]) + p[1]) + p[2]) + p[3]) + p[4]) + p[5]) + p[6]) +
	    p[7];
	*count = n;
	*sum = sm;
	return 0;
}

void
fk_win_add_get(struct fk_win *w, const int64_t *idx, int n, double amount,
    uint32_t *count, double *sum)
{
	for (int i = 0; i < n; i++)
		if (add_get(&w[i], idx[i], amount, &count[i], &sum[i]) == -1) {
			count[i]++;
			sum[i] += amount;
		}
}

/* Past 65535 events a bucket keeps its max but no more sums, so that mean
 * and sd stay those of the events it counts. */
int
fk_stat_add(
    struct fk_stat *w, const struct fk_winspec *s, int64_t t, double amount)
{
	return fk_stat_add_idx(w, floor_div(t, s->bucket_ms), amount);
}

int
fk_stat_add_idx(struct fk_stat *w, int64_t idx, double amount)
{
	int64_t k = ring_advance(&w->head, idx, FK_WIN_SLOTS);
	unsigned i, n;
	double d;

	if (k < 0)
		return -1;
	for (; k > 0; k--) {
		i = (unsigned)(idx - k + 1) & WIN_MASK;
		w->count[i] = 0;
		w->sum[i] = w->sumsq[i] = w->max[i] = 0;
	}
	i = (unsigned)idx & WIN_MASK;
	n = w->count[i];
	if (n == 0 || amount > w->max[i])
		w->max[i] = (float)amount;
	if (n == UINT16_MAX)
		return 0;
	d = n > 0 ? amount - (double)w->sum[i] / n : 0;
	w->sumsq[i] = (float)((double)w->sumsq[i] + d * d * n / (n + 1));
	w->sum[i] = (float)((double)w->sum[i] + amount);
	w->count[i] = (uint16_t)(n + 1);
	return 0;
}

void
fk_stat_get(const struct fk_stat *w, const struct fk_winspec *s, int64_t t,
    uint32_t *count, double *mean, double *sd, double *max)
{
	fk_stat_get_idx(w, floor_div(t, s->bucket_ms), count, mean, sd, max);
}

void
fk_stat_get_idx(const struct fk_stat *w, int64_t idx, uint32_t *count,
    double *mean, double *sd, double *max)
{
	int64_t lo, hi, i;
	uint32_t n = 0;
	double sm = 0, m, m2 = 0, d, mx = 0;
	unsigned j;

	ring_range(w->head, idx, FK_WIN_SLOTS, &lo, &hi);
	for (i = lo + 1; i <= hi; i++) {
		j = (unsigned)i & WIN_MASK;
		if (w->count[j] == 0)
			continue;
		if (n == 0 || w->max[j] > mx)
			mx = w->max[j];
		n += w->count[j];
		sm += w->sum[j];
	}
	*count = n;
	if (n == 0) {
		*mean = *sd = *max = 0;
		return;
	}
	m = sm / n;
	for (i = lo + 1; i <= hi; i++) {
		j = (unsigned)i & WIN_MASK;
		if (w->count[j] == 0)
			continue;
		d = (double)w->sum[j] / w->count[j] - m;
		m2 += (double)w->sumsq[j] + w->count[j] * d * d;
	}
	*mean = m;
	*sd = m2 > 0 ? sqrt(m2 / n) : 0;
	*max = mx;
}

int
fk_lab_add(struct fk_lab *l, int64_t t, int fraud)
{
	return fk_lab_count(l, t, 1, fraud != 0);
}

int
fk_lab_count(struct fk_lab *l, int64_t t, int tx, int fraud)
{
	int64_t idx = floor_div(t, MS_PER_DAY);
	int64_t k = ring_advance(&l->head, idx, FK_LAB_DAYS);
	unsigned i;

	if (k < 0)
		return -1;
	for (; k > 0; k--) {
		i = (unsigned)((idx - k + 1) % FK_LAB_DAYS);
		l->tx[i] = l->fraud[i] = 0;
	}
	i = (unsigned)(idx % FK_LAB_DAYS);
	l->tx[i] += tx && l->tx[i] != UINT16_MAX;
	l->fraud[i] += fraud && l->fraud[i] != UINT16_MAX;
	return 0;
}

void
fk_lab_get(const struct fk_lab *l, int64_t t, int64_t delay_ms, int64_t w_ms,
    uint32_t *tx, uint32_t *fraud)
{
	int64_t lo, hi, i, d = floor_div(t - delay_ms, MS_PER_DAY);
	uint32_t ntx = 0, nfr = 0;
	unsigned j;

	ring_range(l->head, d, FK_LAB_DAYS, &lo, &hi);
	if (lo < d - w_ms / MS_PER_DAY)
		lo = d - w_ms / MS_PER_DAY;
	for (i = lo + 1; i <= hi; i++) {
		j = (unsigned)(i % FK_LAB_DAYS);
		ntx += l->tx[j];
		nfr += l->fraud[j];
	}
	*tx = ntx;
	*fraud = nfr;
}
