#include "lag.h"

#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jscan.h"
#include "numbers.h"
#include "xalloc.h"
#include "banned.h"

void
fk_lag_report_init(struct fk_lag_report *r)
{
	memset(r, 0, sizeof(*r));
}

void
fk_lag_report_release(struct fk_lag_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->rows[i].group);
		free(r->rows[i].topic);
	}
	free(r->rows);
	fk_lag_report_init(r);
}

struct fk_lag_row *
fk_lag_report_add(struct fk_lag_report *r, const char *group, const char *topic,
    int32_t partition)
{
	struct fk_lag_row *row;

	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 16;
		r->rows = fk_xrealloc(r->rows, r->cap * sizeof(*r->rows));
	}
	row = &r->rows[r->n++];
	memset(row, 0, sizeof(*row));
	row->group = fk_xstrdup(group);
	row->topic = fk_xstrdup(topic);
	row->partition = partition;
	row->committed = row->age_ms = -1;
	return row;
}

void
fk_lag_report_drop(struct fk_lag_report *r, size_t i)
{
	free(r->rows[i].group);
	free(r->rows[i].topic);
	memmove(
	    &r->rows[i], &r->rows[i + 1], (r->n - i - 1) * sizeof(*r->rows));
	r->n--;
}

static int
cmp_row(const void *a, const void *b)
{
	const struct fk_lag_row *x = a, *y = b;
	int c;

	if ((c = strcmp(x->group, y->group)) != 0)
		return c;
	if ((c = strcmp(x->topic, y->topic)) != 0)
		return c;
	return (x->partition > y->partition) - (x->partition < y->partition);
}

void
fk_lag_report_sort(struct fk_lag_report *r)
{
	if (r->n > 1)
		qsort(r->rows, r->n, sizeof(*r->rows), cmp_row);
}

int64_t
fk_lag_of(int64_t committed, int64_t low, int64_t end)
{
	int64_t from = committed >= 0 ? committed : low;

	return end > from ? end - from : 0;
}

int64_t
fk_lag_first(const struct fk_lag_row *row)
{
	if (row->lag <= 0)
		return -1;
	return row->committed >= row->low ? row->committed : row->low;
}

/* The number member ingest_ms of a JSON object value: 1 with *ms. */
static int
ingest_ms(const char *value, size_t len, int64_t *ms)
{
	const struct fk_jmember *m;
	struct fk_jobj o;
	char err[128];
	double d;
	int rc = 0;

	if (value == NULL || len == 0)
		return 0;
	fk_jobj_init(&o);
	if (fk_jscan(&o, value, len, err, sizeof(err)) == 0 &&
	    (m = fk_jobj_get(&o, "ingest_ms")) != NULL &&
	    m->type == FK_J_NUMBER) {
		d = fk_num_json(m->val, m->vallen);
		/* Years 0001 to 9999, as every time fraudkit takes. */
		if (isfinite(d) && d > -62135596800000.0 &&
		    d < 253402300800000.0) {
			*ms = (int64_t)d;
			rc = 1;
		}
	}
	fk_jobj_release(&o);
	return rc;
}

void
fk_lag_age(struct fk_lag_row *row, int64_t now_ms, const char *value,
    size_t len, int64_t ts_ms, int ts_append)
{
	int64_t at;

	if (ingest_ms(value, len, &at)) {
		row->from = FK_LAG_FROM_INGEST;
	} else if (ts_ms >= 0) {
		at = ts_ms;
		row->from = ts_append ? FK_LAG_FROM_APPEND : FK_LAG_FROM_EVENT;
	} else {
		row->from = FK_LAG_FROM_NONE;
		row->age_ms = -1;
		return;
	}
	row->age_ms = now_ms > at ? now_ms - at : 0;
}

unsigned
fk_lag_check(struct fk_lag_row *row, long long max_lag, long long max_age_ms)
{
	row->over = 0;
	if (max_lag >= 0 && row->lag > max_lag)
		row->over |= FK_LAG_OVER_LAG;
	if (max_age_ms >= 0 && row->age_ms > max_age_ms)
		row->over |= FK_LAG_OVER_AGE;
	return row->over;
}

void
fk_lag_age_format(int64_t ms, char *buf, size_t len)
{
	static const struct {
		int64_t ms;
		const char *unit;
	} units[] = {
		{ 86400000, "d" },
		{ 3600000, "h" },
		{ 60000, "m" },
		{ 1000, "s" },
	};
	size_t i;
	int64_t hi, lo;

	if (ms < 1000) {
		snprintf(buf, len, "%" PRId64 "ms", ms > 0 ? ms : 0);
		return;
	}
	for (i = 0; ms < units[i].ms; i++)
		;
	hi = ms / units[i].ms;
	lo = i + 1 < sizeof(units) / sizeof(units[0])
	    ? ms % units[i].ms / units[i + 1].ms
	    : 0;
	if (lo > 0)
		snprintf(buf, len, "%" PRId64 "%s%" PRId64 "%s", hi,
		    units[i].unit, lo, units[i + 1].unit);
	else
		snprintf(buf, len, "%" PRId64 "%s", hi, units[i].unit);
}

const char *
fk_lag_from_name(enum fk_lag_from from)
{
	switch (from) {
	case FK_LAG_FROM_EVENT:
		return "event";
	case FK_LAG_FROM_APPEND:
		return "append";
	case FK_LAG_FROM_INGEST:
		return "ingest";
	case FK_LAG_FROM_NONE:
		break;
	}
	return NULL;
}

static const char *
over_name(unsigned over)
{
	switch (over & (FK_LAG_OVER_LAG | FK_LAG_OVER_AGE)) {
	case FK_LAG_OVER_LAG:
		return "lag";
	case FK_LAG_OVER_AGE:
		return "age";
	case FK_LAG_OVER_LAG | FK_LAG_OVER_AGE:
		return "lag,age";
	}
	return "";
}

enum {
	C_GROUP,
	C_TOPIC,
	C_PART,
	C_COMMITTED,
	C_END,
	C_LAG,
	C_AGE,
	C_FROM,
	C_OVER,
	NCOLS
};

static const char *const heads[NCOLS] = { "GROUP", "TOPIC", "PARTITION",
	"COMMITTED", "END", "LAG", "AGE", "AGE_FROM", "OVER" };
/* Numbers to the right. */
static const int right[NCOLS] = { 0, 0, 1, 1, 1, 1, 1, 0, 0 };

/* The cells of a row other than group and topic, each of 32 bytes. */
static void
cells(const struct fk_lag_row *row, char c[NCOLS][32])
{
	const char *from = fk_lag_from_name(row->from);

	snprintf(c[C_PART], 32, "%d", (int)row->partition);
	if (row->committed >= 0)
		snprintf(c[C_COMMITTED], 32, "%" PRId64, row->committed);
	else
		snprintf(c[C_COMMITTED], 32, "-");
	snprintf(c[C_END], 32, "%" PRId64, row->end);
	snprintf(c[C_LAG], 32, "%" PRId64, row->lag);
	if (row->age_ms >= 0)
		fk_lag_age_format(row->age_ms, c[C_AGE], 32);
	else
		snprintf(c[C_AGE], 32, "-");
	snprintf(c[C_FROM], 32, "%s", from != NULL ? from : "-");
	snprintf(c[C_OVER], 32, "%s", over_name(row->over));
}

/* One line: each cell padded to its column's width, two spaces apart,
 * nothing after the last cell that is not empty. */
static void
line(FILE *fp, const char *const *cell, const size_t *width)
{
	int last = NCOLS - 1;

	while (last > 0 && cell[last][0] == '\0')
		last--;
	for (int i = 0; i <= last; i++) {
		int w = (int)width[i], pad = i < last || right[i];

		if (i > 0)
			fputs("  ", fp);
		if (right[i])
			fprintf(fp, "%*s", w, cell[i]);
		else
			fprintf(fp, "%-*s", pad ? w : 0, cell[i]);
	}
	fputc('\n', fp);
}

int
fk_lag_write_text(const struct fk_lag_report *r, FILE *fp)
{
	size_t width[NCOLS];
	char c[NCOLS][32];
	const char *cell[NCOLS];

	if (r->n == 0)
		return 0;
	for (int i = 0; i < NCOLS; i++)
		width[i] = strlen(heads[i]);
	for (size_t j = 0; j < r->n; j++) {
		cells(&r->rows[j], c);
		c[C_GROUP][0] = c[C_TOPIC][0] = '\0';
		if (strlen(r->rows[j].group) > width[C_GROUP])
			width[C_GROUP] = strlen(r->rows[j].group);
		if (strlen(r->rows[j].topic) > width[C_TOPIC])
			width[C_TOPIC] = strlen(r->rows[j].topic);
		for (int i = C_PART; i < NCOLS; i++)
			if (strlen(c[i]) > width[i])
				width[i] = strlen(c[i]);
	}
	line(fp, heads, width);
	for (size_t j = 0; j < r->n; j++) {
		cells(&r->rows[j], c);
		for (int i = C_PART; i < NCOLS; i++)
			cell[i] = c[i];
		cell[C_GROUP] = r->rows[j].group;
		cell[C_TOPIC] = r->rows[j].topic;
		line(fp, cell, width);
	}
	return ferror(fp) ? -1 : 0;
}

/* One row as a JSON object: new reference. */
static json_t *
row_json(const struct fk_lag_row *row)
{
	const char *from = fk_lag_from_name(row->from);
	json_t *over = json_array();

	if (row->over & FK_LAG_OVER_LAG)
		json_array_append_new(over, json_string("lag"));
	if (row->over & FK_LAG_OVER_AGE)
		json_array_append_new(over, json_string("age"));
	return json_pack("{s:s, s:s, s:i, s:o, s:I, s:I, s:o, s:o, s:o}",
	    "group", row->group, "topic", row->topic, "partition",
	    (int)row->partition, "committed",
	    row->committed >= 0 ? json_integer(row->committed) : json_null(),
	    "end", (json_int_t)row->end, "lag", (json_int_t)row->lag, "age_ms",
	    row->age_ms >= 0 ? json_integer(row->age_ms) : json_null(),
	    "age_from", from != NULL ? json_string(from) : json_null(), "over",
	    over);
}

int
fk_lag_write_json(const struct fk_lag_report *r, FILE *fp)
{
	for (size_t j = 0; j < r->n; j++) {
		json_t *o = row_json(&r->rows[j]);

		/* Strings that are not UTF-8 make no object: a topic or
		 * group name always is. */
		if (o == NULL)
			continue;
		json_dumpf(o, fp, JSON_COMPACT);
		fputc('\n', fp);
		json_decref(o);
	}
	return ferror(fp) ? -1 : 0;
}
