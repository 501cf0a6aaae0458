#include "survey.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "fktime.h"
#include "kafka.h"
#include "log.h"
#include "map.h"
#include "xalloc.h"
#include "banned.h"

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The groups to report on, sorted, each once: -G's, and those the
 * cluster lists that start with --prefix (all of them without -G).  A
 * new array of borrowed or owned strings: *owned says which to free. */
static const char **
groups(const struct fk_survey *s, struct fk_admin *ad, size_t *n, char ***owned,
    size_t *nowned, int *status)
{
	const char **g = fk_xcalloc(s->ngroups + 1, sizeof(*g));
	size_t plen = s->prefix != NULL ? strlen(s->prefix) : 0, m = 0;
	char err[1024], **ids = NULL;
	size_t nids = 0;

	for (size_t i = 0; i < s->ngroups; i++)
		g[m++] = s->groups[i];
	*owned = NULL;
	*nowned = 0;
	if (s->prefix != NULL || s->ngroups == 0) {
		if (fk_admin_groups(ad, &ids, &nids, err, sizeof(err)) == -1) {
			fk_error("%s", err);
			*status = FK_EX_UNAVAILABLE;
		}
		g = fk_xrealloc(g, (m + nids + 1) * sizeof(*g));
		for (size_t i = 0; i < nids; i++)
			if (strncmp(ids[i], s->prefix ? s->prefix : "", plen) ==
			    0)
				g[m++] = ids[i];
		if (m == s->ngroups && *status == 0) {
			if (s->prefix != NULL)
				fk_warnx("no consumer group starts with %s",
				    s->prefix);
			else
				fk_warnx("no consumer groups");
		}
		*owned = ids;
		*nowned = nids;
	}
	/* Sorted, each once. */
	qsort(g, m, sizeof(*g), cmp_str);
	*n = 0;
	for (size_t i = 0; i < m; i++)
		if (*n == 0 || strcmp(g[*n - 1], g[i]) != 0)
			g[(*n)++] = g[i];
	return g;
}

/* Whether group was named with -G. */
static int
named(const struct fk_survey *s, const char *group)
{
	for (size_t i = 0; i < s->ngroups; i++)
		if (strcmp(s->groups[i], group) == 0)
			return 1;
	return 0;
}

/* Partition counts by topic name: 0 for a topic that is gone, -1 not
 * known (said once). */
static int
partitions(
    struct fk_admin *ad, struct fk_map *counts, const char *topic, int *status)
{
	struct fk_map_entry *e;
	char err[1024];
	int added, n;

	e = fk_map_put(counts, topic, strlen(topic), &added);
	if (!added)
		return (int)(intptr_t)e->val;
	n = fk_admin_partitions(ad, topic, err, sizeof(err));
	if (n == 0) {
		fk_warnx("%s", err);
	} else if (n < 0) {
		fk_error("%s", err);
		*status = FK_EX_UNAVAILABLE;
	}
	e->val = (void *)(intptr_t)n;
	return n;
}

/* Rows for every partition of the topics group has committed on. */
static void
group_rows(const struct fk_survey *s, struct fk_admin *ad,
    struct fk_map *counts, const char *group, struct fk_lag_report *r,
    int *status)
{
	struct fk_offset *offs;
	size_t n, i, j, rows = 0;
	char err[1024];
	int np;

	if (fk_admin_committed(ad, group, &offs, &n, err, sizeof(err)) == -1) {
		fk_error("%s", err);
		*status = FK_EX_UNAVAILABLE;
		return;
	}
	for (i = 0; i < n; i++) {
		if (s->topic != NULL && strcmp(offs[i].topic, s->topic) != 0)
			continue;
		/* Each topic once, at its first offset. */
		for (j = 0; j < i; j++)
			if (strcmp(offs[j].topic, offs[i].topic) == 0)
				break;
		if (j < i)
			continue;
		np = partitions(ad, counts, offs[i].topic, status);
		for (int32_t p = 0; p < np; p++) {
			struct fk_lag_row *row =
			    fk_lag_report_add(r, group, offs[i].topic, p);

			for (j = i; j < n; j++)
				if (offs[j].partition == p &&
				    strcmp(offs[j].topic, offs[i].topic) == 0)
					row->committed = offs[j].offset;
			rows++;
		}
	}
	if (rows == 0 && named(s, group))
		fk_warnx("group %s has no committed offsets%s%s", group,
		    s->topic != NULL ? " on " : "",
		    s->topic != NULL ? s->topic : "");
	fk_offsets_free(offs, n);
}

/* Each row's partition's watermarks, asked once a partition; a row
 * whose are not known is dropped. */
static void
watermarks(struct fk_admin *ad, struct fk_lag_report *r, int *status)
{
	struct fk_map seen;
	int64_t *lo = fk_xcalloc(r->n + 1, sizeof(*lo));
	int64_t *hi = fk_xcalloc(r->n + 1, sizeof(*hi));
	char key[512], err[1024];
	size_t i = 0;

	fk_map_init(&seen);
	while (i < r->n) {
		struct fk_lag_row *row = &r->rows[i];
		struct fk_map_entry *e;
		int len, added;
		size_t k;

		len = snprintf(key, sizeof(key), "%s%c%d", row->topic, '\0',
		    (int)row->partition);
		e = fk_map_put(&seen, key, (size_t)len, &added);
		k = fk_map_index(&seen, e);
		if (added) {
			e->val = row; /* asked: lo[k], hi[k]; NULL: failed */
			if (fk_admin_watermarks(ad, row->topic, row->partition,
			        &lo[k], &hi[k], err, sizeof(err)) == -1) {
				fk_error("%s", err);
				*status = FK_EX_UNAVAILABLE;
				e->val = NULL;
			}
		}
		if (e->val == NULL) {
			fk_lag_report_drop(r, i);
			continue;
		}
		row->low = lo[k];
		row->end = hi[k];
		row->lag = fk_lag_of(row->committed, row->low, row->end);
		i++;
	}
	fk_map_release(&seen);
	free(lo);
	free(hi);
}

/* The age of each row with lag: one read a partition and offset. */
static void
ages(const struct fk_survey *s, struct fk_lag_report *r, int *status)
{
	struct fk_peek *pk = fk_xcalloc(r->n + 1, sizeof(*pk));
	size_t *of = fk_xcalloc(r->n + 1, sizeof(*of)), npk = 0;
	struct fk_map seen;
	char key[512], err[1024];
	int64_t now;

	fk_map_init(&seen);
	for (size_t i = 0; i < r->n; i++) {
		const struct fk_lag_row *row = &r->rows[i];
		int64_t at = fk_lag_first(row);
		struct fk_map_entry *e;
		int len, added;

		if (at < 0)
			continue;
		len = snprintf(key, sizeof(key), "%s%c%d@%lld", row->topic,
		    '\0', (int)row->partition, (long long)at);
		e = fk_map_put(&seen, key, (size_t)len, &added);
		if (added) {
			pk[npk].topic = row->topic;
			pk[npk].partition = row->partition;
			pk[npk].offset = at;
			pk[npk++].end = row->end;
		}
		of[i] = fk_map_index(&seen, e) + 1;
	}
	if (fk_kafka_peek(s->cfg, pk, npk, s->timeout_ms, err, sizeof(err)) ==
	    -1) {
		fk_error("%s", err);
		*status = FK_EX_UNAVAILABLE;
	}
	now = fk_time_wall_ms();
	for (size_t i = 0; i < r->n; i++) {
		const struct fk_peek *p = of[i] ? &pk[of[i] - 1] : NULL;

		if (p != NULL && p->found)
			fk_lag_age(&r->rows[i], now, p->value, p->len, p->ts_ms,
			    p->ts_append);
	}
	for (size_t i = 0; i < npk; i++)
		free(pk[i].value);
	fk_map_release(&seen);
	free(pk);
	free(of);
}

int
fk_survey_run(const struct fk_survey *s, struct fk_lag_report *r)
{
	const char **g;
	char **owned, err[1024];
	size_t n, nowned;
	struct fk_admin *ad;
	struct fk_map counts;
	int status = 0, code;

	ad = fk_admin_new(s->cfg, s->timeout_ms, &code, err, sizeof(err));
	if (ad == NULL) {
		fk_error("%s: %s", s->brokers, err);
		return code;
	}
	fk_map_init(&counts);
	g = groups(s, ad, &n, &owned, &nowned, &status);
	for (size_t i = 0; i < n; i++)
		group_rows(s, ad, &counts, g[i], r, &status);
	/* -G's say so each (group_rows); the groups listed, here. */
	if (s->topic != NULL && r->n == 0 && n > s->ngroups && status == 0)
		fk_warnx("no consumer group%s%s has committed offsets on %s",
		    s->prefix != NULL ? " that starts with " : "",
		    s->prefix != NULL ? s->prefix : "", s->topic);
	watermarks(ad, r, &status);
	fk_admin_free(ad);
	ages(s, r, &status);
	fk_map_release(&counts);
	for (size_t i = 0; i < nowned; i++)
		free(owned[i]);
	free(owned);
	free(g);
	return status;
}
