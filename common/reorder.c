#include "reorder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"
#include "banned.h"

/* The heap's element: the time first, as fk_heap wants its key. */
struct held {
	int64_t t;
	struct fk_reorder_rec *r;
};

/* tx_id bytes, then arrival: ties never depend on the partition count. */
static int
tx_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return (alen > blen) - (alen < blen);
}

static int
tie(const void *a, const void *b)
{
	const struct fk_reorder_rec *x = ((const struct held *)a)->r;
	const struct fk_reorder_rec *y = ((const struct held *)b)->r;
	int c =
	    tx_cmp(x->data + x->txoff, x->txlen, y->data + y->txoff, y->txlen);

	return c != 0 ? c < 0 : x->seq < y->seq;
}

void
fk_reorder_init(struct fk_reorder *r, size_t max)
{
	memset(r, 0, sizeof(*r));
	fk_heap_init(&r->h, sizeof(struct held), tie);
	r->max = max;
}

void
fk_reorder_release(struct fk_reorder *r)
{
	struct held h;

	while (fk_heap_pop(&r->h, &h)) {
		free(h.r->data);
		free(h.r);
	}
	fk_heap_release(&r->h);
	free(r->wm);
	free(r->status);
	free(r->idle_at);
	free(r->done_tx);
	free(r->applied_tx);
	free(r->undo);
	free(r->src);
	memset(r, 0, sizeof(*r));
}

static void
set_tasks(struct fk_reorder *r, int32_t tasks)
{
	if (tasks <= r->tasks)
		return;
	r->wm = fk_xrealloc(r->wm, (size_t)tasks * sizeof(*r->wm));
	r->status = fk_xrealloc(r->status, (size_t)tasks);
	r->idle_at =
	    fk_xrealloc(r->idle_at, (size_t)tasks * sizeof(*r->idle_at));
	for (int32_t i = r->tasks; i < tasks; i++) {
		r->wm[i] = 0;
		r->status[i] = 0;
		r->idle_at[i] = 0;
	}
	r->tasks = tasks;
}

void
fk_reorder_watermark(
    struct fk_reorder *r, const struct fk_watermark *w, int64_t offset)
{
	struct fk_reorder_undo *u;

	r->active = 1;
	set_tasks(r, w->tasks);
	if (offset < 0) {
		r->wm[w->task] = w->wm;
		r->status[w->task] = w->idle ? 2 : 1;
		r->idle_at[w->task] = w->idle ? w->idle_at : 0;
		return;
	}
	if (r->nundo == r->capundo) {
		r->capundo = r->capundo ? r->capundo * 2 : 64;
		r->undo = fk_xrealloc(r->undo, r->capundo * sizeof(*r->undo));
	}
	u = &r->undo[r->nundo++];
	u->offset = offset;
	u->task = w->task;
	u->status = r->status[w->task];
	u->wm = r->wm[w->task];
	u->idle_at = r->idle_at[w->task];
	r->wm[w->task] = w->wm;
	r->status[w->task] = w->idle ? 2 : 1;
	r->idle_at[w->task] = w->idle ? w->idle_at : 0;
}

/* "TASK EPOCH SEQ", each a decimal number. */
static int
parse_seq(const char *s, size_t len, int64_t v[3])
{
	size_t i = 0;

	for (int k = 0; k < 3; k++) {
		size_t start;

		if (k > 0) {
			if (i >= len || s[i] != ' ')
				return -1;
			i++;
		}
		start = i;
		v[k] = 0;
		while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 18)
			v[k] = v[k] * 10 + (s[i++] - '0');
		if (i == start)
			return -1;
	}
	return i == len ? 0 : -1;
}

int
fk_reorder_dup(struct fk_reorder *r, const char *seq, size_t len)
{
	struct fk_reorder_src *src;
	int64_t v[3];

	if (parse_seq(seq, len, v) == -1 || v[0] >= 100000)
		return 0;
	if (v[0] >= r->nsrc) {
		int32_t n = (int32_t)v[0] + 1;

		r->src = fk_xrealloc(r->src, (size_t)n * sizeof(*r->src));
		memset(r->src + r->nsrc, 0,
		    (size_t)(n - r->nsrc) * sizeof(*r->src));
		r->nsrc = n;
	}
	src = &r->src[v[0]];
	/* Another epoch: the task's state began again, numbering too. */
	if (src->epoch == v[1] && v[2] <= src->seq)
		return 1;
	src->epoch = v[1];
	src->seq = v[2];
	return 0;
}

int
fk_reorder_seen(
    struct fk_reorder *r, int64_t offset, const char *seq, size_t len)
{
	return offset >= r->end && fk_reorder_dup(r, seq, len);
}

size_t
fk_reorder_number(struct fk_reorder *r, int32_t task, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%d %lld %lld", (int)task,
	    (long long)r->out_epoch, (long long)++r->out_seq);

	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

static int
key_le(int64_t t, const char *tx, size_t txlen, int64_t ft, const char *ftx,
    size_t ftxlen)
{
	/* Without a tx_id, only an earlier time tells. */
	if (t != ft || txlen == 0)
		return t < ft;
	return tx_cmp(tx, txlen, ftx != NULL ? ftx : "", ftxlen) <= 0;
}

int
fk_reorder_applied(
    const struct fk_reorder *r, int64_t t, const char *tx, size_t txlen)
{
	return r->has_applied &&
	    key_le(t, tx, txlen, r->applied_t, r->applied_tx, r->applied_txlen);
}

int
fk_reorder_behind(
    const struct fk_reorder *r, int64_t t, const char *tx, size_t txlen)
{
	return r->has_done &&
	    key_le(t, tx, txlen, r->done_t, r->done_tx, r->done_txlen);
}

void
fk_reorder_push(struct fk_reorder *r, int64_t t, const char *data, size_t len,
    size_t txoff, size_t txlen, int32_t part, int64_t offset)
{
	struct fk_reorder_rec *x = fk_xmalloc(sizeof(*x));
	struct held h = { t, x };

	x->t = t;
	x->data = fk_xmalloc(len + 1);
	memcpy(x->data, data, len);
	x->data[len] = '\0';
	x->len = len;
	x->txoff = txoff;
	x->txlen = txlen;
	x->offset = offset;
	x->part = part;
	x->seq = r->seq++;
	fk_heap_push(&r->h, &h);
	if (fk_heap_count(&r->h) > r->peak)
		r->peak = fk_heap_count(&r->h);
}

int64_t
fk_reorder_frontier(const struct fk_reorder *r)
{
	int64_t f = INT64_MAX, idle = INT64_MAX, at = -1;
	int busy = 0, apart = 0;

	for (int32_t i = 0; i < r->tasks; i++) {
		if (r->status[i] == 0)
			return INT64_MIN;
		if (r->status[i] == 1) {
			busy = 1;
			if (r->wm[i] < f)
				f = r->wm[i];
			continue;
		}
		if (r->wm[i] < idle)
			idle = r->wm[i];
		if (at >= 0 && r->idle_at[i] != at)
			apart = 1;
		at = r->idle_at[i];
	}
	return r->idle_bounds && (busy || apart) && idle < f ? idle : f;
}

int64_t
fk_reorder_idle_at(const struct fk_reorder *r)
{
	int64_t at = 0;

	for (int32_t i = 0; i < r->tasks; i++)
		if (r->status[i] == 2 && r->idle_at[i] > at)
			at = r->idle_at[i];
	return at;
}

static void
set_key(char **tx, size_t *txlen, const char *s, size_t len)
{
	*tx = fk_xrealloc(*tx, len + 1);
	memcpy(*tx, s, len);
	(*tx)[len] = '\0';
	*txlen = len;
}

int
fk_reorder_next(struct fk_reorder *r, int all, struct fk_reorder_rec *out)
{
	const struct held *top = fk_heap_top(&r->h);
	struct held h;

	if (top == NULL)
		return 0;
	if (!all && top->t >= fk_reorder_frontier(r)) {
		if (r->max == 0 || fk_heap_count(&r->h) <= r->max)
			return 0;
		r->forced++;
	}
	fk_heap_pop(&r->h, &h);
	*out = *h.r;
	free(h.r);
	/* The same transaction twice: held copies of a record come out one
	 * after the other. */
	if (r->has_done && out->txlen > 0 && out->txlen == r->done_txlen &&
	    out->t == r->done_t &&
	    tx_cmp(out->data + out->txoff, out->txlen, r->done_tx,
	        r->done_txlen) == 0) {
		r->dups++;
		return 2;
	}
	/* One that came late (behind what was released) goes out now: the
	 * frontier stays where it is. */
	if (fk_reorder_behind(r, out->t, out->data + out->txoff, out->txlen))
		return 1;
	r->has_done = 1;
	r->done_t = out->t;
	set_key(
	    &r->done_tx, &r->done_txlen, out->data + out->txoff, out->txlen);
	return 1;
}

int
fk_reorder_out(const struct fk_reorder *r, int64_t *wm)
{
	const struct held *top = fk_heap_top(&r->h);
	int64_t f = fk_reorder_frontier(r);

	if (top != NULL && top->t < f)
		f = top->t;
	if (f == INT64_MIN)
		return 0;
	if (f == INT64_MAX) {
		/* All idle, nothing held: what was released last. */
		*wm = r->has_done ? r->done_t : 0;
		for (int32_t i = 0; i < r->tasks; i++)
			if (r->wm[i] > *wm)
				*wm = r->wm[i];
		return 2;
	}
	*wm = f;
	return 1;
}

int64_t
fk_reorder_first_offset(const struct fk_reorder *r, int32_t part)
{
	int64_t first = -1;

	for (size_t i = 0; i < r->h.n; i++) {
		const struct held *h =
		    (const struct held *)(r->h.v + i * r->h.size);

		if ((part < 0 || h->r->part == part) &&
		    (first < 0 || h->r->offset < first))
			first = h->r->offset;
	}
	return first;
}

void
fk_reorder_drop(struct fk_reorder *r, int32_t part)
{
	struct fk_heap keep;
	struct held h;

	fk_heap_init(&keep, sizeof(struct held), tie);
	while (fk_heap_pop(&r->h, &h)) {
		if (h.r->part != part) {
			fk_heap_push(&keep, &h);
			continue;
		}
		free(h.r->data);
		free(h.r);
	}
	fk_heap_release(&r->h);
	r->h = keep;
}

/* --- saved with the state: little-endian, as the changelog's --------- */

static void
put64(unsigned char **p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		*(*p)++ = (unsigned char)(v >> (8 * i));
}

static uint64_t
get64(const unsigned char **p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | (*p)[i];
	*p += 8;
	return v;
}

#define REORDER_MAGIC 0x52454f52u  /* "REOR": before record numbers */
#define REORDER_MAGIC2 0x52454f32u /* "REO2": before idle pauses */
#define REORDER_MAGIC3 0x52454f33u /* "REO3" */

void *
fk_reorder_save(struct fk_reorder *r, int64_t end, size_t *len)
{
	int64_t first = fk_reorder_first_offset(r, -1);
	size_t n = 8 * 4 + r->done_txlen + 8 * 4 + (size_t)r->tasks * 9 + 8 +
	    (size_t)r->nsrc * 16 + (size_t)r->tasks * 8;
	unsigned char *buf = fk_xmalloc(n), *p = buf;
	int64_t *wm = fk_xmalloc((size_t)r->tasks * sizeof(*wm) + 1);
	int64_t *at = fk_xmalloc((size_t)r->tasks * sizeof(*at) + 1);
	unsigned char *status = fk_xmalloc((size_t)r->tasks + 1);
	size_t keep = 0;

	/* The watermarks as they were at the first record held: undone
	 * back to it, newest first. */
	if (r->tasks > 0) {
		memcpy(wm, r->wm, (size_t)r->tasks * sizeof(*wm));
		memcpy(at, r->idle_at, (size_t)r->tasks * sizeof(*at));
		memcpy(status, r->status, (size_t)r->tasks);
	}
	for (size_t i = r->nundo; first >= 0 && i-- > 0;) {
		const struct fk_reorder_undo *u = &r->undo[i];

		if (u->offset < first)
			break;
		wm[u->task] = u->wm;
		at[u->task] = u->idle_at;
		status[u->task] = u->status;
	}
	/* Only changes from there on can be undone again. */
	if (first >= 0)
		while (keep < r->nundo && r->undo[keep].offset < first)
			keep++;
	else
		keep = r->nundo;
	if (keep > 0) {
		memmove(r->undo, r->undo + keep,
		    (r->nundo - keep) * sizeof(*r->undo));
		r->nundo -= keep;
	}

	put64(&p, REORDER_MAGIC3);
	put64(&p, (uint64_t)r->has_done);
	put64(&p, (uint64_t)r->done_t);
	put64(&p, r->done_txlen);
	if (r->done_txlen > 0)
		memcpy(p, r->done_tx, r->done_txlen);
	p += r->done_txlen;
	/* The numbers seen go as far as was ever read: a member that
	 * restored a checkpoint and has not read back to its end yet has
	 * them up to that end, not up to where it is. */
	put64(&p, (uint64_t)(end > r->end ? end : r->end));
	put64(&p, (uint64_t)r->out_epoch);
	put64(&p, (uint64_t)r->out_seq);
	put64(&p, (uint64_t)r->tasks);
	for (int32_t i = 0; i < r->tasks; i++) {
		put64(&p, (uint64_t)wm[i]);
		*p++ = status[i];
	}
	put64(&p, (uint64_t)r->nsrc);
	for (int32_t i = 0; i < r->nsrc; i++) {
		put64(&p, (uint64_t)r->src[i].epoch);
		put64(&p, (uint64_t)r->src[i].seq);
	}
	for (int32_t i = 0; i < r->tasks; i++)
		put64(&p, (uint64_t)at[i]);
	free(wm);
	free(at);
	free(status);
	*len = n;
	return buf;
}

int
fk_reorder_load(struct fk_reorder *r, const void *data, size_t len)
{
	const unsigned char *p = data, *end = p + len;
	uint64_t magic, txlen, tasks, nsrc = 0;
	int64_t t, upto = INT64_MAX, epoch = 0, seq = 0;
	int has, v2;

	if (len < 40)
		return -1;
	magic = get64(&p);
	if (magic != REORDER_MAGIC && magic != REORDER_MAGIC2 &&
	    magic != REORDER_MAGIC3)
		return -1;
	v2 = magic != REORDER_MAGIC;
	has = get64(&p) != 0;
	t = (int64_t)get64(&p);
	txlen = get64(&p);
	if (txlen > (size_t)(end - p) || (size_t)(end - p) - txlen < 8)
		return -1;
	if (has) {
		r->has_done = r->has_applied = 1;
		r->done_t = r->applied_t = t;
		set_key(&r->done_tx, &r->done_txlen, (const char *)p, txlen);
		set_key(
		    &r->applied_tx, &r->applied_txlen, (const char *)p, txlen);
	}
	p += txlen;
	if (v2) {
		if ((size_t)(end - p) < 32)
			return -1;
		upto = (int64_t)get64(&p);
		epoch = (int64_t)get64(&p);
		seq = (int64_t)get64(&p);
	}
	tasks = get64(&p);
	if (tasks > 100000 || (size_t)(end - p) < tasks * 9)
		return -1;
	set_tasks(r, (int32_t)tasks);
	for (uint64_t i = 0; i < tasks; i++) {
		r->wm[i] = (int64_t)get64(&p);
		r->status[i] = *p++;
	}
	if (v2) {
		size_t rest = magic == REORDER_MAGIC3 ? tasks * 8 : 0;

		if ((size_t)(end - p) < 8)
			return -1;
		nsrc = get64(&p);
		if (nsrc > 100000 || (size_t)(end - p) != nsrc * 16 + rest)
			return -1;
		r->src =
		    fk_xrealloc(r->src, (size_t)nsrc * sizeof(*r->src) + 1);
		for (uint64_t i = 0; i < nsrc; i++) {
			r->src[i].epoch = (int64_t)get64(&p);
			r->src[i].seq = (int64_t)get64(&p);
		}
		r->nsrc = (int32_t)nsrc;
		for (uint64_t i = 0; rest > 0 && i < tasks; i++)
			r->idle_at[i] = (int64_t)get64(&p);
	} else if (p != end) {
		return -1;
	}
	r->end = upto;
	r->out_epoch = epoch;
	r->out_seq = seq;
	if (tasks > 0)
		r->active = 1;
	return 0;
}
