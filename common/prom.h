/* Metrics for Prometheus: a registry of counters, gauges and histograms
 * and its text exposition (format 0.0.4).  A metric is a family (name,
 * help text, type; a histogram's bucket bounds) of series told apart by
 * their labels; every sample also carries the registry's own labels
 * (tool="fk-score").  Registering returns a pointer the caller keeps, so
 * that an update is a store through it and nothing is looked up per
 * record.  Not thread-safe: one thread registers, updates and renders.
 * Library module: never prints, never exits (out of memory aside).
 *
 * (fk-eval's cmd/fk-eval/metrics.h, fk_metrics_*, measures detection
 * quality; this is the runtime's, for every tool.) */
#ifndef FK_PROM_H
#define FK_PROM_H

#include <stddef.h>
#include <stdint.h>

#include "jbuf.h"

struct fk_prom;

/* One histogram series: bucket i counts the values in (bounds[i-1],
 * bounds[i]], bucket nb those above the last bound (rendered cumulative,
 * as le="..." and le="+Inf"). */
struct fk_prom_hist {
	const double *bounds; /* the family's, borrowed */
	size_t nb;
	uint64_t *buckets; /* nb + 1 */
	uint64_t count;
	double sum;
};

/* A new registry whose samples all carry labels (NULL-ended name, value
 * pairs, copied; NULL: none).  NULL with a message for a bad label name.
 * fk_prom_free frees it and every series. */
struct fk_prom *fk_prom_new(
    const char *const *labels, char *err, size_t errlen);
void fk_prom_free(struct fk_prom *m);

/* The counter name{labels}, made at 0 the first time (help and labels
 * copied; labels NULL-ended name, value pairs or NULL), the same one
 * after: a pointer owned by the registry, valid until fk_prom_clear of
 * name or fk_prom_free; add to it.  NULL with a message for a bad name
 * or label, or a name registered as another type or with other help. */
uint64_t *fk_prom_counter(struct fk_prom *m, const char *name, const char *help,
    const char *const *labels, char *err, size_t errlen);

/* A gauge, as fk_prom_counter; set it. */
double *fk_prom_gauge(struct fk_prom *m, const char *name, const char *help,
    const char *const *labels, char *err, size_t errlen);

/* A histogram with nb bucket bounds (finite, increasing, copied; +Inf is
 * implied), as fk_prom_counter; the bounds must be those the name was
 * registered with.  Record values with fk_prom_observe. */
struct fk_prom_hist *fk_prom_histogram(struct fk_prom *m, const char *name,
    const char *help, const char *const *labels, const double *bounds,
    size_t nb, char *err, size_t errlen);

static inline void
fk_prom_observe(struct fk_prom_hist *h, double v)
{
	size_t i = 0;

	while (i < h->nb && v > h->bounds[i])
		i++;
	h->buckets[i]++;
	h->count++;
	h->sum += v;
}

/* Drop every series of name (the family stays, empty): for series that
 * come and go, such as a consumer's partitions.  Their pointers are
 * freed. */
void fk_prom_clear(struct fk_prom *m, const char *name);

/* Append the exposition to b: # HELP, # TYPE and the samples of each
 * family with series, in the order registered. */
void fk_prom_render(const struct fk_prom *m, struct fk_jbuf *b);

/* Write the exposition to path atomically: path.tmp in the same folder,
 * then renamed over path (node_exporter's textfile collector reads such
 * files).  0, or -1 with a message. */
int fk_prom_write_file(
    const struct fk_prom *m, const char *path, char *err, size_t errlen);

#endif
