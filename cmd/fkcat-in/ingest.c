#include "ingest.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fktime.h"
#include "hash.h"
#include "xalloc.h"
#include "banned.h"

/* Fields whose empty CSV value means "absent". */
static const char *const optional_fields[] = { "currency", "lat", "lon",
	"location", "country", "device_id", "merchant_id", "terminal_id", "ip",
	"channel", "tx_id", NULL };

void
fk_ingest_init(struct fk_ingest *ig)
{
	memset(ig, 0, sizeof(*ig));
	ig->max_field = FK_INGEST_MAX_FIELD;
	fk_csv_row_init(&ig->row);
}

void
fk_ingest_csv_reset(struct fk_ingest *ig)
{
	for (size_t i = 0; i < ig->ncols; i++)
		free(ig->cols[i]);
	free(ig->cols);
	ig->cols = NULL;
	ig->ncols = 0;
}

void
fk_ingest_release(struct fk_ingest *ig)
{
	fk_ingest_csv_reset(ig);
	for (size_t i = 0; i < ig->nmap; i++) {
		free(ig->map[i].to);
		free(ig->map[i].from);
	}
	free(ig->map);
	fk_csv_row_release(&ig->row);
}

int
fk_ingest_map_parse(struct fk_ingest *ig, const char *spec, char *err,
    size_t errlen)
{
	const char *p = spec, *comma, *eq;
	size_t n;

	while (*p != '\0') {
		comma = strchr(p, ',');
		n = comma ? (size_t)(comma - p) : strlen(p);
		eq = memchr(p, '=', n);
		if (eq == NULL || eq == p || eq == p + n - 1) {
			snprintf(err, errlen,
			    "expected field=INPUT_NAME[,...], got \"%.*s\"",
			    (int)n, p);
			return -1;
		}
		ig->map = fk_xrealloc(ig->map, (ig->nmap + 1) * sizeof(*ig->map));
		ig->map[ig->nmap].to = fk_xstrndup(p, (size_t)(eq - p));
		ig->map[ig->nmap].from = fk_xstrndup(eq + 1,
		    n - (size_t)(eq - p) - 1);
		ig->nmap++;
		p += n + (comma != NULL);
	}
	return 0;
}

static const char *
mapped_name(const struct fk_ingest *ig, const char *name)
{
	for (size_t i = 0; i < ig->nmap; i++)
		if (strcmp(ig->map[i].from, name) == 0)
			return ig->map[i].to;
	return name;
}

int
fk_ingest_csv_header(struct fk_ingest *ig, const char *line, size_t len,
    char *err, size_t errlen)
{
	char e[256];

	fk_ingest_csv_reset(ig);
	if (fk_csv_split(&ig->row, line, len, ',', e, sizeof(e)) == -1) {
		snprintf(err, errlen, "header: %s", e);
		return -1;
	}
	ig->cols = fk_xcalloc(ig->row.nfields, sizeof(*ig->cols));
	ig->ncols = ig->row.nfields;
	for (size_t i = 0; i < ig->ncols; i++) {
		const char *name = ig->row.fields[i].s;

		/* A UTF-8 byte order mark before the first name. */
		if (i == 0 && strncmp(name, "\xef\xbb\xbf", 3) == 0)
			name += 3;
		if (*name == '\0') {
			snprintf(err, errlen, "header: column %zu has no name",
			    i + 1);
			fk_ingest_csv_reset(ig);
			return -1;
		}
		ig->cols[i] = fk_xstrdup(mapped_name(ig, name));
	}
	return 0;
}

static int
is_optional(const char *name)
{
	for (size_t i = 0; optional_fields[i] != NULL; i++)
		if (strcmp(optional_fields[i], name) == 0)
			return 1;
	return 0;
}

json_t *
fk_ingest_from_csv(struct fk_ingest *ig, const char *line, size_t len,
    char *err, size_t errlen)
{
	json_t *obj, *v;

	if (fk_csv_split(&ig->row, line, len, ',', err, errlen) == -1)
		return NULL;
	if (ig->row.nfields != ig->ncols) {
		snprintf(err, errlen, "expected %zu fields as in the header, got %zu",
		    ig->ncols, ig->row.nfields);
		return NULL;
	}
	obj = json_object();
	for (size_t i = 0; i < ig->ncols; i++) {
		const struct fk_csv_field *f = &ig->row.fields[i];

		if (f->len == 0 && is_optional(ig->cols[i]))
			continue;
		v = json_stringn(f->s, f->len);
		if (v == NULL) {
			snprintf(err, errlen, "%s: not valid UTF-8", ig->cols[i]);
			json_decref(obj);
			return NULL;
		}
		json_object_set_new(obj, ig->cols[i], v);
	}
	return obj;
}

/* Rename mapped fields of a JSON object. */
static void
apply_map(const struct fk_ingest *ig, json_t *obj)
{
	json_t *v;

	for (size_t i = 0; i < ig->nmap; i++) {
		v = json_object_get(obj, ig->map[i].from);
		if (v == NULL)
			continue;
		json_incref(v);
		json_object_del(obj, ig->map[i].from);
		json_object_set_new(obj, ig->map[i].to, v);
	}
}

static json_t *
parse_object(const char *s, size_t len, const char *what, char *err,
    size_t errlen)
{
	json_error_t je;
	json_t *obj = json_loadb(s, len, 0, &je);

	if (obj == NULL) {
		snprintf(err, errlen, "%sinvalid JSON at column %d: %s", what,
		    je.column, je.text);
		return NULL;
	}
	if (!json_is_object(obj)) {
		snprintf(err, errlen, "%sexpected a JSON object", what);
		json_decref(obj);
		return NULL;
	}
	return obj;
}

json_t *
fk_ingest_from_json(struct fk_ingest *ig, const char *line, size_t len,
    char *err, size_t errlen)
{
	json_t *env, *payload, *obj, *src;

	if (!ig->envelope) {
		obj = parse_object(line, len, "", err, errlen);
		if (obj != NULL && ig->nmap > 0)
			apply_map(ig, obj);
		return obj;
	}
	env = parse_object(line, len, "envelope: ", err, errlen);
	if (env == NULL)
		return NULL;
	payload = json_object_get(env, "payload");
	if (!json_is_string(payload)) {
		snprintf(err, errlen, "payload: expected a string, got %s",
		    payload == NULL ? "none" :
		    json_is_null(payload) ? "null" : "another type");
		json_decref(env);
		return NULL;
	}
	obj = parse_object(json_string_value(payload),
	    json_string_length(payload), "payload: ", err, errlen);
	if (obj != NULL) {
		if (ig->nmap > 0)
			apply_map(ig, obj);
		src = json_object();
		json_object_set(src, "topic", json_object_get(env, "topic"));
		json_object_set(src, "partition",
		    json_object_get(env, "partition"));
		json_object_set(src, "offset", json_object_get(env, "offset"));
		json_object_set_new(obj, "_src", src);
	}
	json_decref(env);
	return obj;
}

/* Describe v for messages: a string quoted, others by type. */
static void
describe(const json_t *v, char *buf, size_t len)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		snprintf(buf, len, "\"%.40s%s\"", json_string_value(v),
		    json_string_length(v) > 40 ? "..." : "");
		break;
	case JSON_INTEGER:
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(buf, len, "%g", json_real_value(v));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		snprintf(buf, len, "a boolean");
		break;
	case JSON_NULL:
		snprintf(buf, len, "null");
		break;
	case JSON_OBJECT:
		snprintf(buf, len, "an object");
		break;
	case JSON_ARRAY:
		snprintf(buf, len, "an array");
		break;
	}
}

/* A whole decimal number in s, as JSON would have it (and "1e3"). */
static int
parse_number(const char *s, size_t len, double *out)
{
	char buf[64], *end;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	/* strtod also takes hex, inf, nan and spaces: JSON numbers only. */
	for (size_t i = 0; i < len; i++)
		if (strchr("0123456789+-.eE", buf[i]) == NULL)
			return -1;
	*out = strtod(buf, &end);
	return *end == '\0' && isfinite(*out) ? 0 : -1;
}

/* The field as a number: JSON numbers, and numeric strings from CSV. */
static int
get_number(json_t *obj, const char *name, int from_csv, double *out,
    char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, name);
	char d[64];

	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	if (from_csv && json_is_string(v) &&
	    parse_number(json_string_value(v), json_string_length(v), out) == 0) {
		/* Whole numbers stay integers, as they would in JSON. */
		if (strspn(json_string_value(v), "0123456789-") ==
			json_string_length(v) &&
		    fabs(*out) < 9007199254740992.0)
			json_object_set_new(obj, name,
			    json_integer((json_int_t)*out));
		else
			json_object_set_new(obj, name, json_real(*out));
		return 0;
	}
	describe(v, d, sizeof(d));
	snprintf(err, errlen, "%s: expected a number, got %s", name, d);
	return -1;
}

static int
check_strings(const json_t *v, const char *name, size_t max, char *err,
    size_t errlen)
{
	const char *k;
	json_t *e;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		if (json_string_length(v) > max) {
			snprintf(err, errlen,
			    "%s: string of %zu bytes, longer than --max-field %zu",
			    name, json_string_length(v), max);
			return -1;
		}
		return 0;
	case JSON_OBJECT:
		json_object_foreach((json_t *)v, k, e)
			if (check_strings(e, k, max, err, errlen) == -1)
				return -1;
		return 0;
	case JSON_ARRAY:
		json_array_foreach(v, i, e)
			if (check_strings(e, name, max, err, errlen) == -1)
				return -1;
		return 0;
	default:
		return 0;
	}
}

static int
norm_user_id(json_t *obj, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, "user_id");
	char buf[64];

	if (v == NULL) {
		snprintf(err, errlen, "user_id: missing");
		return -1;
	}
	if (json_is_integer(v)) {
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		json_object_set_new(obj, "user_id", json_string(buf));
		return 0;
	}
	if (json_is_string(v) && json_string_length(v) > 0)
		return 0;
	describe(v, buf, sizeof(buf));
	snprintf(err, errlen, "user_id: expected a non-empty string, got %s",
	    buf);
	return -1;
}

static int
norm_amount(json_t *obj, int from_csv, char *err, size_t errlen)
{
	double a;

	if (json_object_get(obj, "amount") == NULL) {
		snprintf(err, errlen, "amount: missing");
		return -1;
	}
	if (get_number(obj, "amount", from_csv, &a, err, errlen) == -1)
		return -1;
	if (!(a >= 0)) {
		snprintf(err, errlen, "amount: expected a number >= 0, got %g",
		    a);
		return -1;
	}
	return 0;
}

static int
norm_timestamp(json_t *obj, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, "timestamp");
	char e[200], d[64], buf[FK_TIME_BUFSZ];
	int64_t ms;
	int rc;

	if (v == NULL) {
		snprintf(err, errlen, "timestamp: missing");
		return -1;
	}
	if (json_is_string(v))
		rc = fk_time_parse(json_string_value(v), json_string_length(v),
		    &ms, e, sizeof(e));
	else if (json_is_number(v))
		rc = fk_time_from_epoch(json_number_value(v), &ms, e, sizeof(e));
	else {
		rc = -1;
		snprintf(e, sizeof(e), "expected RFC 3339 or epoch time");
	}
	if (rc == -1) {
		describe(v, d, sizeof(d));
		snprintf(err, errlen, "timestamp: %s, got %s", e, d);
		return -1;
	}
	fk_time_format(ms, buf);
	json_object_set_new(obj, "timestamp", json_string(buf));
	json_object_set_new(obj, "ts_ms", json_integer(ms));
	return 0;
}

static int
norm_currency(json_t *obj, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, "currency");
	char c[4], d[64];
	const char *s;

	if (v == NULL)
		return 0;
	if (json_is_string(v) && json_string_length(v) == 3) {
		s = json_string_value(v);
		for (int i = 0; i < 3; i++) {
			if (s[i] >= 'a' && s[i] <= 'z')
				c[i] = (char)(s[i] - 'a' + 'A');
			else if (s[i] >= 'A' && s[i] <= 'Z')
				c[i] = s[i];
			else
				goto bad;
		}
		c[3] = '\0';
		if (memcmp(c, s, 3) != 0)
			json_object_set_new(obj, "currency", json_string(c));
		return 0;
	}
bad:
	describe(v, d, sizeof(d));
	snprintf(err, errlen,
	    "currency: expected three letters (ISO 4217), got %s", d);
	return -1;
}

static int
norm_coord(json_t *obj, const char *name, double lim, int from_csv,
    char *err, size_t errlen)
{
	double x;

	if (json_object_get(obj, name) == NULL)
		return 0;
	if (get_number(obj, name, from_csv, &x, err, errlen) == -1)
		return -1;
	if (x < -lim || x > lim) {
		snprintf(err, errlen, "%s: expected a number from %g to %g, "
		    "got %g", name, -lim, lim, x);
		return -1;
	}
	return 0;
}

static int
norm_tx_id(json_t *obj, const struct fk_rec *rec, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, "tx_id");
	char buf[64];
	uint64_t seed, h;

	if (json_is_string(v) && json_string_length(v) > 0)
		return 0;
	if (json_is_integer(v)) {
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		json_object_set_new(obj, "tx_id", json_string(buf));
		return 0;
	}
	if (v != NULL && !json_is_null(v) &&
	    !(json_is_string(v) && json_string_length(v) == 0)) {
		describe(v, buf, sizeof(buf));
		snprintf(err, errlen, "tx_id: expected a string, got %s", buf);
		return -1;
	}
	/* The same line at the same position gets the same id on replay. */
	if (rec->pos.partition >= 0) {
		int n = fk_pos_format(&rec->pos, buf, sizeof(buf));

		seed = fk_hash64(buf, n > 0 ? (size_t)n : 0, 0);
	} else {
		seed = (uint64_t)rec->pos.line;
	}
	h = fk_hash64(rec->data, rec->len, seed);
	snprintf(buf, sizeof(buf), "fk-%016" PRIx64, h);
	json_object_set_new(obj, "tx_id", json_string(buf));
	return 0;
}

int
fk_ingest_normalize(struct fk_ingest *ig, json_t *obj, int from_csv,
    const struct fk_rec *rec, char *err, size_t errlen)
{
	if (check_strings(obj, "record", ig->max_field, err, errlen) == -1 ||
	    norm_user_id(obj, err, errlen) == -1 ||
	    norm_amount(obj, from_csv, err, errlen) == -1 ||
	    norm_timestamp(obj, err, errlen) == -1 ||
	    norm_currency(obj, err, errlen) == -1 ||
	    norm_coord(obj, "lat", 90, from_csv, err, errlen) == -1 ||
	    norm_coord(obj, "lon", 180, from_csv, err, errlen) == -1 ||
	    norm_tx_id(obj, rec, err, errlen) == -1)
		return -1;
	return 0;
}
