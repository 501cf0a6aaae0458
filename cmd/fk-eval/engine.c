/* Records in, report out.  A record is scanned once with fk_jscan and its
 * few members read from the spans (nested ones by scanning the enclosing
 * object's span); jansson is used only for records the scanner refuses
 * (the exact message, or nesting deeper than it goes) and to write the
 * JSON report.  Per record only a
 * struct fk_sample is kept; user ids and --by values are interned. */
#include "engine.h"

#include <errno.h>
#include <float.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "fktime.h"
#include "numbers.h"
#include "plot.h"
#include "xalloc.h"

#include "banned.h"

#define MS_PER_DAY 86400000LL
#define MIN_MS (-62135596800000LL) /* 0001-01-01T00:00:00.000Z */
#define MAX_MS 253402300799999LL   /* 9999-12-31T23:59:59.999Z */
#define MAX_PATH_SEGS 16
#define JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

/* --- interned strings: fk_maps whose indices are ids */

static const char *
id_str(const struct fk_map *t, size_t id)
{
	return fk_map_at(t, id)->key;
}

static size_t
intern(struct fk_map *t, const char *s, size_t len)
{
	return fk_map_index(t, fk_map_put(t, s, len, NULL));
}

/* The id of s, or -1. */
static long long
find_id(const struct fk_map *t, const char *s, size_t len)
{
	const struct fk_map_entry *m = fk_map_get(t, s, len);

	return m != NULL ? (long long)fk_map_index(t, m) : -1;
}

/* ids sorted by their strings in byte order */
static const struct fk_map *sort_tab;

static int
cmp_ids(const void *a, const void *b)
{
	const size_t *x = a, *y = b;

	return strcmp(id_str(sort_tab, *x), id_str(sort_tab, *y));
}

static size_t *
sorted_ids(const struct fk_map *t)
{
	size_t n = fk_map_count(t),
	       *ids = fk_xmalloc((n > 0 ? n : 1) * sizeof(*ids));

	for (size_t i = 0; i < n; i++)
		ids[i] = i;
	sort_tab = t;
	qsort(ids, n, sizeof(*ids), cmp_ids);
	sort_tab = NULL;
	return ids;
}

/* --- setup and options */

static void
path_release(struct fk_eval_path *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->seg[i]);
	free(p->seg);
	free(p->text);
	memset(p, 0, sizeof(*p));
}

int
fk_eval_path_set(
    struct fk_eval_path *p, const char *s, char *err, size_t errlen)
{
	struct fk_eval_path np;
	const char *b = s, *dot;
	size_t n = 1;

	for (const char *q = s; *q != '\0'; q++)
		n += *q == '.';
	if (*s == '\0' || n > MAX_PATH_SEGS) {
		snprintf(err, errlen,
		    "expected a field name or a dot path of "
		    "at most %d names, got \"%s\"",
		    MAX_PATH_SEGS, s);
		return -1;
	}
	memset(&np, 0, sizeof(np));
	np.seg = fk_xcalloc(n, sizeof(*np.seg));
	for (;;) {
		dot = strchr(b, '.');
		if ((dot != NULL ? (size_t)(dot - b) : strlen(b)) == 0) {
			snprintf(err, errlen, "empty name in \"%s\"", s);
			path_release(&np);
			return -1;
		}
		np.seg[np.n++] = dot != NULL ? fk_xstrndup(b, (size_t)(dot - b))
		                             : fk_xstrdup(b);
		if (dot == NULL)
			break;
		b = dot + 1;
	}
	np.text = fk_xstrdup(s);
	path_release(p);
	*p = np;
	return 0;
}

/* A decimal number as JSON writes it, and finite. */
static int
parse_double(const char *s, size_t len, double *v)
{
	char buf[64], err[128];

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return fk_num_double(buf, -DBL_MAX, DBL_MAX, v, err, sizeof(err));
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* Split a comma list; at most FK_EVAL_MAX_LIST items.  Returns their
 * number, or -1 with a message. */
static int
split_list(
    const char *s, const char **item, size_t *len, char *err, size_t errlen)
{
	size_t n = 0;
	const char *c;

	for (;;) {
		if (n == FK_EVAL_MAX_LIST) {
			snprintf(err, errlen, "more than %d values",
			    FK_EVAL_MAX_LIST);
			return -1;
		}
		c = strchr(s, ',');
		item[n] = s;
		len[n] = c != NULL ? (size_t)(c - s) : strlen(s);
		n++;
		if (c == NULL)
			return (int)n;
		s = c + 1;
	}
}

/* The k values of v (each size bytes), sorted, without repeats, into a
 * new array *dst (the old one freed): how many. */
static size_t
sorted_set(void **dst, void *v, size_t k, size_t size,
    int (*cmp)(const void *, const void *))
{
	char *p = v;
	size_t n = 0;

	qsort(v, k, size, cmp);
	for (size_t i = 0; i < k; i++)
		if (n == 0 || cmp(p + i * size, p + (n - 1) * size) != 0)
			memmove(p + n++ * size, p + i * size, size);
	free(*dst);
	*dst = fk_xmalloc(n * size + 1);
	memcpy(*dst, v, n * size);
	return n;
}

int
fk_eval_set_thresholds(
    struct fk_eval *e, const char *s, char *err, size_t errlen)
{
	const char *item[FK_EVAL_MAX_LIST];
	size_t len[FK_EVAL_MAX_LIST], i;
	double v[FK_EVAL_MAX_LIST] = { 0 };
	int k = split_list(s, item, len, err, errlen);

	if (k < 0)
		return -1;
	for (i = 0; i < (size_t)k; i++)
		if (parse_double(item[i], len[i], &v[i]) == -1) {
			snprintf(err, errlen, "expected a number, got \"%.*s\"",
			    (int)len[i], item[i]);
			return -1;
		}
	e->nthr =
	    sorted_set((void **)&e->thr, v, (size_t)k, sizeof(*v), cmp_double);
	return 0;
}

int
fk_eval_set_top(struct fk_eval *e, const char *s, char *err, size_t errlen)
{
	const char *item[FK_EVAL_MAX_LIST];
	size_t len[FK_EVAL_MAX_LIST], v[FK_EVAL_MAX_LIST] = { 0 }, i;
	char buf[32];
	long long x;
	int k = split_list(s, item, len, err, errlen);

	if (k < 0)
		return -1;
	for (i = 0; i < (size_t)k; i++) {
		snprintf(buf, sizeof(buf), "%.*s", (int)len[i], item[i]);
		if (len[i] >= sizeof(buf) ||
		    fk_num_int(buf, 1, 1000000000, &x, err, errlen) == -1) {
			if (len[i] >= sizeof(buf))
				snprintf(err, errlen,
				    "expected an integer from 1 to 1000000000, "
				    "got \"%.*s\"",
				    (int)len[i], item[i]);
			return -1;
		}
		v[i] = (size_t)x;
	}
	e->ntop =
	    sorted_set((void **)&e->top, v, (size_t)k, sizeof(*v), cmp_size);
	return 0;
}

int
fk_eval_set_sweep(struct fk_eval *e, const char *s, char *err, size_t errlen)
{
	const char *c1 = strchr(s, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	double from, to, step, t, *v;
	char buf[32];
	size_t n = 0;

	if (c2 == NULL || strchr(c2 + 1, ':') != NULL ||
	    parse_double(s, (size_t)(c1 - s), &from) == -1 ||
	    parse_double(c1 + 1, (size_t)(c2 - c1 - 1), &to) == -1 ||
	    parse_double(c2 + 1, strlen(c2 + 1), &step) == -1) {
		snprintf(err, errlen,
		    "expected FROM:TO:STEP, three numbers, got \"%s\"", s);
		return -1;
	}
	if (!(step > 0)) {
		snprintf(
		    err, errlen, "STEP must be greater than 0, got \"%s\"", s);
		return -1;
	}
	if (from > to) {
		snprintf(err, errlen,
		    "FROM must not be greater than TO, got "
		    "\"%s\"",
		    s);
		return -1;
	}
	if ((to - from) / step > FK_EVAL_MAX_SWEEP) {
		snprintf(err, errlen, "more than %d thresholds in \"%s\"",
		    FK_EVAL_MAX_SWEEP, s);
		return -1;
	}
	v = fk_xmalloc((FK_EVAL_MAX_SWEEP + 1) * sizeof(*v));
	/* FROM + i * STEP rounded to 12 digits, as if typed: 0.1 + 2 * 0.05
	 * must be the 0.2 that a score of 0.2 reaches. */
	for (size_t i = 0; n <= FK_EVAL_MAX_SWEEP; i++) {
		t = from + (double)i * step;
		if (t > to + 1e-9)
			break;
		snprintf(buf, sizeof(buf), "%.12g", t);
		v[n++] = strtod(buf, NULL);
	}
	if (n > FK_EVAL_MAX_SWEEP) {
		snprintf(err, errlen, "more than %d thresholds in \"%s\"",
		    FK_EVAL_MAX_SWEEP, s);
		free(v);
		return -1;
	}
	free(e->sweep);
	e->sweep = v;
	e->nsweep = n;
	return 0;
}

void
fk_eval_init(struct fk_eval *e)
{
	char err[128];

	memset(e, 0, sizeof(*e));
	fk_eval_path_set(&e->score, "risk.score", err, sizeof(err));
	fk_eval_path_set(&e->label, "fraud", err, sizeof(err));
	fk_eval_set_thresholds(e, "0.5", err, sizeof(err));
	fk_eval_set_top(e, "100", err, sizeof(err));
	fk_map_init(&e->users);
	fk_map_init(&e->byvals);
	fk_map_init(&e->labels);
	fk_jobj_init(&e->jo);
	fk_jobj_init(&e->sub);
}

void
fk_eval_release(struct fk_eval *e)
{
	path_release(&e->score);
	path_release(&e->label);
	path_release(&e->by);
	free(e->thr);
	free(e->top);
	free(e->sweep);
	free(e->s);
	fk_map_release(&e->users);
	fk_map_release(&e->byvals);
	fk_map_release(&e->labels);
	free(e->lab);
	free(e->labline);
	free(e->at_thr);
	free(e->patk);
	free(e->day_patk);
	free(e->day_card);
	free(e->at_sweep);
	free(e->by_records);
	free(e->by_pos);
	free(e->by_caught);
	fk_jobj_release(&e->jo);
	fk_jobj_release(&e->sub);
	free(e->tmp);
	free(e->str);
	memset(e, 0, sizeof(*e));
}

/* --- reading records */

/* The value at path p in root, borrowed; NULL when missing. */
static json_t *
pick(json_t *root, const struct fk_eval_path *p)
{
	for (size_t i = 0; i < p->n && root != NULL; i++)
		root = json_is_object(root) ? json_object_get(root, p->seg[i])
		                            : NULL;
	return root;
}

/* Set v at path p in dst, making the objects on the way. */
static void
put(json_t *dst, const struct fk_eval_path *p, json_t *v)
{
	json_t *o;

	if (v == NULL)
		return;
	for (size_t i = 0; i + 1 < p->n; i++) {
		if ((o = json_object_get(dst, p->seg[i])) == NULL) {
			o = json_object();
			json_object_set_new(dst, p->seg[i], o);
		}
		if (!json_is_object(o))
			return;
		dst = o;
	}
	json_object_set(dst, p->seg[p->n - 1], v);
}

/* Scan a record into e->jo.  What the scanner refuses but jansson takes
 * (nesting deeper than the scanner goes) is cut down to the members
 * fk-eval reads, written by jansson into e->tmp and scanned again. */
static int
scan(struct fk_eval *e, const char *data, size_t len, char *err, size_t errlen)
{
	static const char *const top[] = { "tx_id", "ts_ms", "timestamp",
		"user_id" };
	char serr[128];
	json_error_t je;
	json_t *j, *o;
	size_t n, i;

	if (fk_jscan(&e->jo, data, len, NULL, 0) == 0)
		return 0;
	j = json_loadb(data, len, 0, &je);
	if (j == NULL) {
		snprintf(err, errlen, "invalid JSON at column %d: %s",
		    je.column, je.text);
		return -1;
	}
	if (!json_is_object(j)) {
		snprintf(err, errlen, "expected a JSON object");
		json_decref(j);
		return -1;
	}
	o = json_object();
	for (i = 0; i < sizeof(top) / sizeof(top[0]); i++)
		if (json_object_get(j, top[i]) != NULL)
			json_object_set(o, top[i], json_object_get(j, top[i]));
	put(o, &e->score, pick(j, &e->score));
	put(o, &e->label, pick(j, &e->label));
	if (e->by.n > 0)
		put(o, &e->by, pick(j, &e->by));
	n = json_dumpb(o, NULL, 0, JSON_COMPACT | JSON_REAL_PRECISION(17));
	if (n + 1 > e->tmpcap) {
		e->tmpcap = n + 1;
		e->tmp = fk_xrealloc(e->tmp, e->tmpcap);
	}
	json_dumpb(o, e->tmp, n, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_decref(o);
	json_decref(j);
	if (fk_jscan(&e->jo, e->tmp, n, serr, sizeof(serr)) == -1) {
		snprintf(err, errlen, "invalid JSON at %s", serr);
		return -1;
	}
	return 0;
}

/* The member at path p of the record scanned, copied into *out; NULL
 * when it is missing.  Valid until the next record. */
static const struct fk_jmember *
lookup(struct fk_eval *e, const struct fk_eval_path *p, struct fk_jmember *out)
{
	const struct fk_jmember *m = fk_jobj_get(&e->jo, p->seg[0]);
	struct fk_jmember cur;

	for (size_t i = 1; i < p->n && m != NULL; i++) {
		if (m->type != FK_J_OBJECT)
			return NULL;
		cur = *m;
		if (fk_jscan(&e->sub, cur.val, cur.vallen, NULL, 0) == -1)
			return NULL;
		m = fk_jobj_get(&e->sub, p->seg[i]);
	}
	if (m == NULL)
		return NULL;
	*out = *m;
	return out;
}

/* Describe a value for messages: strings and numbers as written (cut to
 * about 40 bytes), others by type. */
static void
describe(const struct fk_jmember *m, char *buf, size_t len)
{
	size_t n = m->vallen, cut = n > 40 ? 40 : n;

	switch (m->type) {
	case FK_J_STRING:
	case FK_J_NUMBER:
		while (cut > 0 && cut < n &&
		    ((unsigned char)m->val[cut] & 0xC0) == 0x80)
			cut--;
		snprintf(buf, len, "%.*s%s%s", (int)cut, m->val,
		    cut < n ? "..." : "",
		    cut < n && m->type == FK_J_STRING ? "\"" : "");
		break;
	case FK_J_TRUE:
	case FK_J_FALSE:
		snprintf(buf, len, "a boolean");
		break;
	case FK_J_NULL:
		snprintf(buf, len, "null");
		break;
	case FK_J_OBJECT:
		snprintf(buf, len, "an object");
		break;
	case FK_J_ARRAY:
		snprintf(buf, len, "an array");
		break;
	}
}

static int
member_number(const struct fk_jmember *m, double *v)
{
	char buf[64], *p = buf, *end;
	int rc;

	if (m->type != FK_J_NUMBER)
		return -1;
	if (m->vallen < sizeof(buf)) {
		memcpy(buf, m->val, m->vallen);
		buf[m->vallen] = '\0';
	} else {
		p = fk_xstrndup(m->val, m->vallen);
	}
	*v = strtod(p, &end);
	rc = isfinite(*v) ? 0 : -1;
	if (p != buf)
		free(p);
	return rc;
}

/* The text of a string member, decoded; borrowed until the next call. */
static void
member_string(
    struct fk_eval *e, const struct fk_jmember *m, const char **s, size_t *len)
{
	size_t n = m->vallen - 2;

	if (!m->escaped) {
		*s = m->val + 1;
		*len = n;
		return;
	}
	/* Decoding never lengthens, and the scanner refuses \u0000. */
	if (n + 1 > e->strcap) {
		e->strcap = n + 1;
		e->str = fk_xrealloc(e->str, e->strcap);
	}
	n = fk_jstr_decode(m->val + 1, n, e->str);
	e->str[n] = '\0';
	*s = e->str;
	*len = n;
}

/* The text of an id: a string, or an integer as written. */
static int
member_id(
    struct fk_eval *e, const struct fk_jmember *m, const char **s, size_t *len)
{
	if (m->type == FK_J_STRING) {
		member_string(e, m, s, len);
		return 0;
	}
	if (m->type == FK_J_NUMBER && m->integer) {
		*s = m->val;
		*len = m->vallen;
		return 0;
	}
	return -1;
}

/* The UTC day of the record: ts_ms when it is an integer in range, else
 * timestamp (a string fk_time_parse takes, or epoch seconds or
 * milliseconds); FK_NO_DAY when neither is usable. */
static int32_t
record_day(struct fk_eval *e)
{
	const struct fk_jmember *m = fk_jobj_get(&e->jo, "ts_ms");
	const char *s;
	int64_t ms;
	size_t len;
	double v;

	if (m != NULL && m->type == FK_J_NUMBER && m->integer &&
	    member_number(m, &v) == 0 && v >= (double)MIN_MS &&
	    v <= (double)MAX_MS) {
		ms = (int64_t)v;
	} else if ((m = fk_jobj_get(&e->jo, "timestamp")) == NULL) {
		return FK_NO_DAY;
	} else if (m->type == FK_J_STRING) {
		member_string(e, m, &s, &len);
		if (fk_time_parse(s, len, &ms, NULL, 0) == -1)
			return FK_NO_DAY;
	} else if (m->type != FK_J_NUMBER || member_number(m, &v) == -1 ||
	    fk_time_from_epoch(v, &ms, NULL, 0) == -1) {
		return FK_NO_DAY;
	}
	/* Floor division: the day before 1970 starts at -86400000. */
	return (int32_t)(ms >= 0 ? ms / MS_PER_DAY
	                         : -((-ms + MS_PER_DAY - 1) / MS_PER_DAY));
}

/* The --by group of the record. */
static uint32_t
record_group(struct fk_eval *e)
{
	struct fk_jmember mb;
	const struct fk_jmember *m = lookup(e, &e->by, &mb);
	const char *s;
	long long id;
	size_t len;

	if (m == NULL || m->type == FK_J_NULL)
		return FK_EVAL_BY_NONE;
	if (m->type == FK_J_STRING) {
		member_string(e, m, &s, &len);
	} else {
		s = m->val; /* numbers, true, false, objects as written */
		len = m->vallen;
	}
	if ((id = find_id(&e->byvals, s, len)) < 0) {
		if (fk_map_count(&e->byvals) >= FK_EVAL_MAX_BY)
			return FK_EVAL_BY_OTHER;
		id = (long long)intern(&e->byvals, s, len);
	}
	return (uint32_t)(FK_EVAL_BY_FIRST + (size_t)id);
}

/* Cut a string for a message at about 40 bytes, on a character. */
static int
cut40(const char *s, size_t len)
{
	size_t cut = len > 40 ? 40 : len;

	while (cut > 0 && cut < len && ((unsigned char)s[cut] & 0xC0) == 0x80)
		cut--;
	return (int)cut;
}

int
fk_eval_add(
    struct fk_eval *e, const char *data, size_t len, char *err, size_t errlen)
{
	struct fk_jmember mb;
	const struct fk_jmember *m;
	struct fk_sample x;
	const char *s;
	char d[64];
	long long id;
	size_t n;
	int lab;

	if (e->n >= UINT32_MAX - 1) {
		snprintf(err, errlen,
		    "more than %lu records: too many to "
		    "evaluate in one run",
		    (unsigned long)UINT32_MAX - 2);
		return -1;
	}
	if (scan(e, data, len, err, errlen) == -1)
		return -1;
	memset(&x, 0, sizeof(x));
	if ((m = lookup(e, &e->score, &mb)) == NULL) {
		snprintf(err, errlen, "%s: missing", e->score.text);
		return -1;
	}
	if (member_number(m, &x.score) == -1) {
		describe(m, d, sizeof(d));
		snprintf(err, errlen, "%s: expected a number, got %s",
		    e->score.text, d);
		return -1;
	}
	if (e->labels_name != NULL) {
		if ((m = fk_jobj_get(&e->jo, "tx_id")) == NULL) {
			snprintf(err, errlen, "tx_id: missing");
			return -1;
		}
		if (member_id(e, m, &s, &n) == -1) {
			describe(m, d, sizeof(d));
			snprintf(
			    err, errlen, "tx_id: expected a string, got %s", d);
			return -1;
		}
		if ((id = find_id(&e->labels, s, n)) < 0) {
			snprintf(err, errlen,
			    "tx_id \"%.*s%s\": no label in %s", cut40(s, n), s,
			    (size_t)cut40(s, n) < n ? "..." : "",
			    e->labels_name);
			return -1;
		}
		x.label = e->lab[id];
	} else {
		if ((m = lookup(e, &e->label, &mb)) == NULL) {
			snprintf(err, errlen, "%s: missing", e->label.text);
			return -1;
		}
		if ((lab = fk_jmember_label(m)) == -1) {
			describe(m, d, sizeof(d));
			snprintf(err, errlen, "%s: expected 0 or 1, got %s",
			    e->label.text, d);
			return -1;
		}
		x.label = (unsigned char)lab;
	}
	x.day = record_day(e);
	x.user = FK_NO_USER;
	if ((m = fk_jobj_get(&e->jo, "user_id")) != NULL &&
	    member_id(e, m, &s, &n) == 0 && n > 0)
		x.user = (uint32_t)intern(&e->users, s, n);
	if (e->by.n > 0)
		x.group = record_group(e);
	if (e->n == e->cap) {
		e->cap = e->cap > 0 ? e->cap + e->cap / 2 : 1024;
		e->s = fk_xrealloc(e->s, e->cap * sizeof(*e->s));
	}
	e->s[e->n++] = x;
	return 0;
}

/* One line of the labels file. */
static int
label_line(struct fk_eval *e, const char *line, size_t len, long long lineno,
    char *err, size_t errlen)
{
	struct fk_jmember mb;
	const struct fk_jmember *m;
	const char *s;
	char d[64];
	long long id;
	size_t n;
	int lab;

	if (scan(e, line, len, err, errlen) == -1)
		return -1;
	if ((m = lookup(e, &e->label, &mb)) == NULL) {
		snprintf(err, errlen, "%s: missing", e->label.text);
		return -1;
	}
	if ((lab = fk_jmember_label(m)) == -1) {
		describe(m, d, sizeof(d));
		snprintf(err, errlen, "%s: expected 0 or 1, got %s",
		    e->label.text, d);
		return -1;
	}
	if ((m = fk_jobj_get(&e->jo, "tx_id")) == NULL) {
		snprintf(err, errlen, "tx_id: missing");
		return -1;
	}
	if (member_id(e, m, &s, &n) == -1 || n == 0) {
		describe(m, d, sizeof(d));
		snprintf(err, errlen,
		    "tx_id: expected a non-empty string, got %s", d);
		return -1;
	}
	if ((id = find_id(&e->labels, s, n)) >= 0) {
		if (e->lab[id] != lab) {
			snprintf(err, errlen,
			    "tx_id \"%.*s%s\": labelled %d here and %d on line "
			    "%lu",
			    cut40(s, n), s,
			    (size_t)cut40(s, n) < n ? "..." : "", lab,
			    e->lab[id], (unsigned long)e->labline[id]);
			return -1;
		}
		return 0;
	}
	id = (long long)intern(&e->labels, s, n);
	if ((size_t)id >= e->labcap) {
		e->labcap = e->labcap > 0 ? e->labcap * 2 : 1024;
		e->lab = fk_xrealloc(e->lab, e->labcap);
		e->labline =
		    fk_xrealloc(e->labline, e->labcap * sizeof(*e->labline));
	}
	e->lab[id] = (unsigned char)lab;
	e->labline[id] = lineno > UINT32_MAX ? UINT32_MAX : (uint32_t)lineno;
	return 0;
}

int
fk_eval_labels_load(
    struct fk_eval *e, const char *path, char *err, size_t errlen, int *code)
{
	FILE *fp = fopen(path, "r");
	char why[1024], *line = NULL;
	long long lineno = 0;
	size_t cap = 0;
	ssize_t len;
	int rc = 0;

	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		*code = FK_EX_NOINPUT;
		return -1;
	}
	while ((len = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			len--;
		if (len == 0)
			continue;
		if (label_line(
		        e, line, (size_t)len, lineno, why, sizeof(why)) == -1) {
			snprintf(err, errlen, "%s:%lld: %s", path, lineno, why);
			*code = FK_EX_DATAERR;
			rc = -1;
			break;
		}
	}
	if (rc == 0 && ferror(fp)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		*code = FK_EX_NOINPUT;
		rc = -1;
	}
	free(line);
	fclose(fp);
	if (rc == 0)
		e->labels_name = path;
	return rc;
}

/* --- the metrics */

void
fk_eval_compute(struct fk_eval *e)
{
	size_t *ids, i, ng, nusers;
	uint32_t *rank;

	if (e->computed)
		return;
	e->computed = 1;
	/* Users ranked by id in byte order: equal scores in the card
	 * ranking go to the lowest id. */
	nusers = fk_map_count(&e->users);
	ids = sorted_ids(&e->users);
	rank = fk_xmalloc((nusers > 0 ? nusers : 1) * sizeof(*rank));
	for (i = 0; i < nusers; i++)
		rank[ids[i]] = (uint32_t)i;
	for (i = 0; i < e->n; i++)
		if (e->s[i].user != FK_NO_USER)
			e->s[i].user = rank[e->s[i].user];
	free(ids);
	free(rank);

	fk_metrics_sort(e->s, e->n);
	e->pos = fk_metrics_positives(e->s, e->n);
	e->neg = e->n - e->pos;
	e->auc = fk_metrics_roc_auc(e->s, e->n);
	e->ap = fk_metrics_average_precision(e->s, e->n);
	e->at_thr = fk_xcalloc(e->nthr + 1, sizeof(*e->at_thr));
	fk_metrics_confusion(e->s, e->n, e->thr, e->nthr, e->at_thr);
	e->patk = fk_xcalloc(e->ntop + 1, sizeof(*e->patk));
	e->day_patk = fk_xcalloc(e->ntop + 1, sizeof(*e->day_patk));
	e->day_card = fk_xcalloc(e->ntop + 1, sizeof(*e->day_card));
	for (i = 0; i < e->ntop; i++)
		e->patk[i] = fk_metrics_precision_at_k(e->s, e->n, e->top[i]);
	fk_metrics_daily(e->s, e->n, nusers, e->top, e->ntop, &e->days,
	    &e->day_records, e->day_patk, e->day_card);
	e->at_sweep = fk_xcalloc(e->nsweep + 1, sizeof(*e->at_sweep));
	fk_metrics_confusion(e->s, e->n, e->sweep, e->nsweep, e->at_sweep);
	if (e->by.n > 0) {
		ng = e->ngroups = FK_EVAL_BY_FIRST + fk_map_count(&e->byvals);
		e->by_records = fk_xcalloc(ng, sizeof(*e->by_records));
		e->by_pos = fk_xcalloc(ng, sizeof(*e->by_pos));
		e->by_caught =
		    fk_xcalloc(ng * e->nthr + 1, sizeof(*e->by_caught));
		fk_metrics_by(e->s, e->n, ng, e->thr, e->nthr, e->by_records,
		    e->by_pos, e->by_caught);
	}
}

/* The --by groups in report order: values in byte order, then (none),
 * then (other); groups without records left out.  Returns the count. */
static size_t
by_order(const struct fk_eval *e, size_t **order)
{
	size_t *ids = sorted_ids(&e->byvals), n = 0, i;
	size_t *o = fk_xmalloc(e->ngroups * sizeof(*o));

	for (i = 0; i < fk_map_count(&e->byvals); i++)
		if (e->by_records[FK_EVAL_BY_FIRST + ids[i]] > 0)
			o[n++] = FK_EVAL_BY_FIRST + ids[i];
	if (e->by_records[FK_EVAL_BY_NONE] > 0)
		o[n++] = FK_EVAL_BY_NONE;
	if (e->by_records[FK_EVAL_BY_OTHER] > 0)
		o[n++] = FK_EVAL_BY_OTHER;
	free(ids);
	*order = o;
	return n;
}

static const char *
group_name(const struct fk_eval *e, size_t g)
{
	return g == FK_EVAL_BY_NONE ? "(none)"
	    : g == FK_EVAL_BY_OTHER ? "(other)"
	                            : id_str(&e->byvals, g - FK_EVAL_BY_FIRST);
}

/* --- the text report */

/* A table of cells, row by row, written with its columns aligned. */
struct table {
	char **cell;
	size_t n, cap, ncol;
	const char *align; /* 'l' or 'r' per column */
};

static void
table_init(struct table *t, size_t ncol, const char *align)
{
	memset(t, 0, sizeof(*t));
	t->ncol = ncol;
	t->align = align;
}

__attribute__((format(printf, 2, 3))) static void
cell(struct table *t, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (t->n == t->cap) {
		t->cap = t->cap > 0 ? t->cap * 2 : 32;
		t->cell = fk_xrealloc(t->cell, t->cap * sizeof(*t->cell));
	}
	t->cell[t->n] = fk_xmalloc((size_t)(len > 0 ? len : 0) + 1);
	va_start(ap, fmt);
	vsnprintf(t->cell[t->n], (size_t)(len > 0 ? len : 0) + 1, fmt, ap);
	va_end(ap);
	t->n++;
}

/* A rate with 6 decimals, or "-" when undefined. */
static void
rate_cell(struct table *t, double v)
{
	if (isnan(v))
		cell(t, "-");
	else
		cell(t, "%.6f", v);
}

/* The terminal columns s takes: one per UTF-8 code point (a --by value
 * may be "été"), two for the East Asian wide ranges, as wcwidth would
 * say without needing a locale. */
static size_t
columns(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;
	uint32_t c;

	while (*p != '\0') {
		if (*p < 0x80) {
			c = *p++;
		} else if ((*p & 0xe0) == 0xc0 && p[1] != '\0') {
			c = (uint32_t)(*p & 0x1f) << 6 | (p[1] & 0x3f);
			p += 2;
		} else if ((*p & 0xf0) == 0xe0 && p[1] != '\0' &&
		    p[2] != '\0') {
			c = (uint32_t)(*p & 0x0f) << 12 |
			    (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
			p += 3;
		} else if ((*p & 0xf8) == 0xf0 && p[1] != '\0' &&
		    p[2] != '\0' && p[3] != '\0') {
			c = (uint32_t)(*p & 0x07) << 18 |
			    (uint32_t)(p[1] & 0x3f) << 12 |
			    (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
			p += 4;
		} else {
			c = '?';
			p++;
		}
		n += (c >= 0x1100 && c <= 0x115f) ||
		        (c >= 0x2e80 && c <= 0xa4cf && c != 0x303f) ||
		        (c >= 0xac00 && c <= 0xd7a3) ||
		        (c >= 0xf900 && c <= 0xfaff) ||
		        (c >= 0xfe30 && c <= 0xfe4f) ||
		        (c >= 0xff00 && c <= 0xff60) ||
		        (c >= 0xffe0 && c <= 0xffe6) ||
		        (c >= 0x1f300 && c <= 0x1f64f) ||
		        (c >= 0x20000 && c <= 0x3fffd)
		    ? 2
		    : 1;
	}
	return n;
}

static void
table_write(struct table *t, FILE *fp)
{
	size_t *w = fk_xcalloc(t->ncol, sizeof(*w)), i, c, len;

	for (i = 0; i < t->n; i++) {
		len = columns(t->cell[i]);
		if (len > w[i % t->ncol])
			w[i % t->ncol] = len;
	}
	for (i = 0; i < t->n; i++) {
		c = i % t->ncol;
		len = columns(t->cell[i]);
		if (c > 0)
			fputs("  ", fp);
		if (t->align[c] == 'r')
			fprintf(fp, "%*s", (int)(w[c] - len), "");
		fputs(t->cell[i], fp);
		if (t->align[c] == 'l' && c + 1 < t->ncol)
			fprintf(fp, "%*s", (int)(w[c] - len), "");
		if (c + 1 == t->ncol)
			fputc('\n', fp);
		free(t->cell[i]);
	}
	free(t->cell);
	free(w);
	t->cell = NULL;
	t->n = t->cap = 0;
}

static void
undefined_cell(struct table *t, double v, size_t pos)
{
	if (!isnan(v))
		cell(t, "%.6f", v);
	else
		cell(t, "undefined (no %s)",
		    pos == 0 ? "positives" : "negatives");
}

int
fk_eval_write_text(const struct fk_eval *e, FILE *fp)
{
	struct fk_confusion c;
	struct table t;
	size_t i, j, ng, *order;

	table_init(&t, 2, "ll");
	cell(&t, "records");
	cell(&t, "%zu", e->n);
	cell(&t, "positives");
	cell(&t, "%zu", e->pos);
	cell(&t, "negatives");
	cell(&t, "%zu", e->neg);
	cell(&t, "rejected");
	cell(&t, "%zu", e->rejected);
	cell(&t, "base rate");
	cell(&t, "%.6f", (double)e->pos / (double)e->n);
	cell(&t, "ROC AUC");
	undefined_cell(&t, e->auc, e->pos);
	cell(&t, "average precision");
	undefined_cell(&t, e->ap, e->pos);
	table_write(&t, fp);

	fputc('\n', fp);
	table_init(&t, 9, "rrrrrrrrr");
	cell(&t, "threshold");
	cell(&t, "alerts");
	cell(&t, "TP");
	cell(&t, "FP");
	cell(&t, "FN");
	cell(&t, "TN");
	cell(&t, "precision");
	cell(&t, "recall");
	cell(&t, "F1");
	for (i = 0; i < e->nthr; i++) {
		c = e->at_thr[i];
		cell(&t, "%.10g", c.threshold);
		cell(&t, "%zu", c.alerts);
		cell(&t, "%zu", c.tp);
		cell(&t, "%zu", c.fp);
		cell(&t, "%zu", c.fn);
		cell(&t, "%zu", c.tn);
		rate_cell(&t, fk_confusion_precision(&c));
		rate_cell(&t, fk_confusion_recall(&c));
		rate_cell(&t, fk_confusion_f1(&c));
	}
	table_write(&t, fp);

	fputc('\n', fp);
	table_init(&t, 4, "rrrr");
	cell(&t, "k");
	cell(&t, "precision@k");
	cell(&t, "daily precision@k");
	cell(&t, "daily card precision@k");
	for (i = 0; i < e->ntop; i++) {
		cell(&t, "%zu", e->top[i]);
		rate_cell(&t, e->patk[i]);
		rate_cell(&t, e->day_patk[i]);
		rate_cell(&t, e->day_card[i]);
	}
	table_write(&t, fp);
	for (i = 0; i < e->ntop; i++)
		if (e->top[i] > e->n) {
			fprintf(fp,
			    "precision@k for k > %zu is over all %zu records\n",
			    e->n, e->n);
			break;
		}
	fprintf(fp,
	    "daily: %zu day%s, %zu record%s; %zu without a day or a "
	    "user left out\n",
	    e->days, e->days == 1 ? "" : "s", e->day_records,
	    e->day_records == 1 ? "" : "s", e->n - e->day_records);

	if (e->nsweep > 0) {
		fputc('\n', fp);
		table_init(&t, 4, "rrrr");
		cell(&t, "sweep");
		cell(&t, "alerts");
		cell(&t, "precision");
		cell(&t, "recall");
		for (i = 0; i < e->nsweep; i++) {
			c = e->at_sweep[i];
			cell(&t, "%.10g", c.threshold);
			cell(&t, "%zu", c.alerts);
			rate_cell(&t, fk_confusion_precision(&c));
			rate_cell(&t, fk_confusion_recall(&c));
		}
		table_write(&t, fp);
	}

	if (e->by.n > 0) {
		char align[3 + 2 * FK_EVAL_MAX_LIST + 1];

		memset(align, 'r', sizeof(align) - 1);
		align[0] = 'l';
		align[sizeof(align) - 1] = '\0';
		fputc('\n', fp);
		table_init(&t, 3 + 2 * e->nthr, align);
		cell(&t, "%s", e->by.text);
		cell(&t, "records");
		cell(&t, "positives");
		for (j = 0; j < e->nthr; j++) {
			cell(&t, "caught@%.10g", e->thr[j]);
			cell(&t, "recall@%.10g", e->thr[j]);
		}
		ng = by_order(e, &order);
		for (i = 0; i < ng; i++) {
			size_t g = order[i];

			cell(&t, "%s", group_name(e, g));
			cell(&t, "%zu", e->by_records[g]);
			cell(&t, "%zu", e->by_pos[g]);
			for (j = 0; j < e->nthr; j++) {
				cell(&t, "%zu", e->by_caught[g * e->nthr + j]);
				rate_cell(&t,
				    e->by_pos[g] == 0
				        ? NAN
				        : (double)
				                e->by_caught[g * e->nthr + j] /
				            (double)e->by_pos[g]);
			}
		}
		table_write(&t, fp);
		if (fk_map_count(&e->byvals) >= FK_EVAL_MAX_BY &&
		    e->by_records[FK_EVAL_BY_OTHER] > 0)
			fprintf(fp,
			    "(other): the values of %s after the first %d "
			    "distinct ones\n",
			    e->by.text, FK_EVAL_MAX_BY);
		free(order);
	}
	return ferror(fp) ? -1 : 0;
}

/* --- the JSON report */

static json_t *
jrate(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

static json_t *
jcount(size_t v)
{
	return json_integer((json_int_t)v);
}

/* {"k": value, ...} for the --top values. */
static json_t *
jper_k(const struct fk_eval *e, const double *v)
{
	json_t *o = json_object();
	char k[32];

	for (size_t i = 0; i < e->ntop; i++) {
		snprintf(k, sizeof(k), "%zu", e->top[i]);
		json_object_set_new(o, k, jrate(v[i]));
	}
	return o;
}

static json_t *
jby(const struct fk_eval *e)
{
	json_t *o = json_object(), *vals = json_array(), *t, *v, *ca, *re;
	size_t i, j, ng, g, *order;

	json_object_set_new(o, "field", json_string(e->by.text));
	t = json_array();
	for (j = 0; j < e->nthr; j++)
		json_array_append_new(t, json_real(e->thr[j]));
	json_object_set_new(o, "thresholds", t);
	ng = by_order(e, &order);
	for (i = 0; i < ng; i++) {
		g = order[i];
		v = json_object();
		json_object_set_new(v, "value", json_string(group_name(e, g)));
		json_object_set_new(v, "records", jcount(e->by_records[g]));
		json_object_set_new(v, "positives", jcount(e->by_pos[g]));
		ca = json_array();
		re = json_array();
		for (j = 0; j < e->nthr; j++) {
			json_array_append_new(
			    ca, jcount(e->by_caught[g * e->nthr + j]));
			json_array_append_new(re,
			    jrate(e->by_pos[g] == 0
			            ? NAN
			            : (double)e->by_caught[g * e->nthr + j] /
			                (double)e->by_pos[g]));
		}
		json_object_set_new(v, "caught", ca);
		json_object_set_new(v, "recall", re);
		json_array_append_new(vals, v);
	}
	free(order);
	json_object_set_new(o, "values", vals);
	return o;
}

int
fk_eval_write_json(const struct fk_eval *e, FILE *fp)
{
	json_t *o = json_object(), *a, *x;
	const struct fk_confusion *c;
	char *s;
	size_t i;
	int rc;

	x = json_object();
	json_object_set_new(x, "records", jcount(e->n));
	json_object_set_new(x, "positives", jcount(e->pos));
	json_object_set_new(x, "negatives", jcount(e->neg));
	json_object_set_new(x, "rejected", jcount(e->rejected));
	json_object_set_new(o, "counts", x);
	json_object_set_new(
	    o, "base_rate", jrate((double)e->pos / (double)e->n));
	json_object_set_new(o, "roc_auc", jrate(e->auc));
	json_object_set_new(o, "average_precision", jrate(e->ap));
	a = json_array();
	for (i = 0; i < e->nthr; i++) {
		c = &e->at_thr[i];
		x = json_object();
		json_object_set_new(x, "threshold", json_real(c->threshold));
		json_object_set_new(x, "alerts", jcount(c->alerts));
		json_object_set_new(x, "tp", jcount(c->tp));
		json_object_set_new(x, "fp", jcount(c->fp));
		json_object_set_new(x, "fn", jcount(c->fn));
		json_object_set_new(x, "tn", jcount(c->tn));
		json_object_set_new(
		    x, "precision", jrate(fk_confusion_precision(c)));
		json_object_set_new(x, "recall", jrate(fk_confusion_recall(c)));
		json_object_set_new(x, "f1", jrate(fk_confusion_f1(c)));
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "thresholds", a);
	json_object_set_new(o, "precision_at_k", jper_k(e, e->patk));
	x = json_object();
	json_object_set_new(x, "days", jcount(e->days));
	json_object_set_new(x, "records", jcount(e->day_records));
	json_object_set_new(x, "left_out", jcount(e->n - e->day_records));
	json_object_set_new(x, "precision_at_k", jper_k(e, e->day_patk));
	json_object_set_new(x, "card_precision_at_k", jper_k(e, e->day_card));
	json_object_set_new(o, "daily", x);
	a = json_array();
	for (i = 0; i < e->nsweep; i++) {
		c = &e->at_sweep[i];
		x = json_object();
		json_object_set_new(x, "threshold", json_real(c->threshold));
		json_object_set_new(x, "alerts", jcount(c->alerts));
		json_object_set_new(
		    x, "precision", jrate(fk_confusion_precision(c)));
		json_object_set_new(x, "recall", jrate(fk_confusion_recall(c)));
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "sweep", a);
	json_object_set_new(o, "by", e->by.n > 0 ? jby(e) : json_null());
	s = json_dumps(o, JSON_FLAGS);
	json_decref(o);
	rc = fputs(s, fp) == EOF || fputc('\n', fp) == EOF ? -1 : 0;
	free(s);
	return rc;
}

/* --- the figures as Prometheus gauges */

/* name{label=value} set to v; an undefined v (NAN) is left out, as a
 * NaN sample would only break the dashboards' arithmetic. */
static int
gauge(struct fk_prom *m, const char *name, const char *help, const char *label,
    const char *value, double v, char *err, size_t errlen)
{
	const char *const labels[] = { label, value, NULL };
	double *g;

	if (isnan(v))
		return 0;
	g = fk_prom_gauge(
	    m, name, help, label != NULL ? labels : NULL, err, errlen);
	if (g == NULL)
		return -1;
	*g = v;
	return 0;
}

int
fk_eval_export(
    const struct fk_eval *e, struct fk_prom *m, char *err, size_t errlen)
{
	const struct fk_confusion *c;
	char v[32];
	size_t i;
	int rc = 0;

	rc |= gauge(m, "fk_eval_records",
	    "Records evaluated: scored, with a usable label", NULL, NULL,
	    (double)e->n, err, errlen);
	rc |= gauge(m, "fk_eval_positives", "Records evaluated labelled fraud",
	    NULL, NULL, (double)e->pos, err, errlen);
	rc |= gauge(m, "fk_eval_roc_auc", "Area under the ROC curve", NULL,
	    NULL, e->auc, err, errlen);
	rc |= gauge(m, "fk_eval_average_precision",
	    "Average precision (area under the precision-recall steps)", NULL,
	    NULL, e->ap, err, errlen);
	for (i = 0; i < e->nthr && rc == 0; i++) {
		c = &e->at_thr[i];
		snprintf(v, sizeof(v), "%.10g", c->threshold);
		rc |= gauge(m, "fk_eval_precision",
		    "Share of fraud among the records scored at or above "
		    "the threshold",
		    "threshold", v, fk_confusion_precision(c), err, errlen);
		rc |= gauge(m, "fk_eval_recall",
		    "Share of the fraud scored at or above the threshold",
		    "threshold", v, fk_confusion_recall(c), err, errlen);
		rc |= gauge(m, "fk_eval_false_positives",
		    "Legitimate records scored at or above the threshold",
		    "threshold", v, (double)c->fp, err, errlen);
		rc |= gauge(m, "fk_eval_false_negatives",
		    "Fraudulent records scored below the threshold",
		    "threshold", v, (double)c->fn, err, errlen);
	}
	for (i = 0; i < e->ntop && rc == 0; i++) {
		snprintf(v, sizeof(v), "%zu", e->top[i]);
		rc |= gauge(m, "fk_eval_precision_at_k",
		    "Share of fraud among the k highest-scored records", "k", v,
		    e->patk[i], err, errlen);
		rc |= gauge(m, "fk_eval_daily_precision_at_k",
		    "Mean over days of the day's precision at k", "k", v,
		    e->day_patk[i], err, errlen);
		rc |= gauge(m, "fk_eval_daily_card_precision_at_k",
		    "Mean over days of the day's card precision at k", "k", v,
		    e->day_card[i], err, errlen);
	}
	return rc == 0 ? 0 : -1;
}

/* --- the curves */

int
fk_eval_write_plot(const struct fk_eval *e, FILE *fp)
{
	struct fk_curves c;
	struct fk_curve roc, pr;
	char title[512];
	int rc;

	fk_metrics_curves(e->s, e->n, &c);
	roc = (struct fk_curve){ c.roc_x, c.roc_y, c.roc_n };
	pr = (struct fk_curve){ c.pr_x, c.pr_y, c.pr_n };
	snprintf(title, sizeof(title), "%s: %zu records, %zu positives",
	    e->score.text, e->n, e->pos);
	rc = fk_plot_svg(
	    fp, &roc, &pr, e->auc, e->ap, (double)e->pos / (double)e->n, title);
	fk_metrics_curves_release(&c);
	return rc;
}
