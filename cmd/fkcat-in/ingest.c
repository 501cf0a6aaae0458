#include "ingest.h"

#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fktime.h"
#include "hash.h"
#include "numbers.h"
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
	fk_jobj_init(&ig->jo);
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
	free(ig->mapvals);
	fk_csv_row_release(&ig->row);
	fk_jobj_release(&ig->jo);
	free(ig->out);
}

static const char *const type_name[] = { "", "int", "number", "bool",
	"string" };

/* A ":type" at the end of m->from, taken off it. */
static int
map_type(struct fk_ingest_map *m, char *err, size_t errlen)
{
	char *colon = strrchr(m->from, ':');

	if (colon == NULL)
		return 0;
	for (int t = FK_TYPE_INT; t <= FK_TYPE_STRING; t++)
		if (strcmp(colon + 1, type_name[t]) == 0) {
			if (colon == m->from)
				break;
			*colon = '\0';
			m->type = (enum fk_ingest_type)t;
			return 0;
		}
	snprintf(err, errlen,
	    "%s=%s: expected a type of int, number, bool or string after "
	    "the colon",
	    m->to, m->from);
	return -1;
}

int
fk_ingest_map_parse(
    struct fk_ingest *ig, const char *spec, char *err, size_t errlen)
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
		ig->map =
		    fk_xrealloc(ig->map, (ig->nmap + 1) * sizeof(*ig->map));
		ig->map[ig->nmap].to = fk_xstrndup(p, (size_t)(eq - p));
		ig->map[ig->nmap].from =
		    fk_xstrndup(eq + 1, n - (size_t)(eq - p) - 1);
		ig->map[ig->nmap].type = FK_TYPE_ASIS;
		if (map_type(&ig->map[ig->nmap], err, errlen) == -1) {
			free(ig->map[ig->nmap].to);
			free(ig->map[ig->nmap].from);
			return -1;
		}
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

/* Two columns that would give the same field: refused, as a record
 * could say only one of them, unless --map names one of them as the
 * source of the field, which then replaces the other (left out). */
static int
header_repeats(struct fk_ingest *ig, char *err, size_t errlen)
{
	for (size_t i = 0; i < ig->ncols; i++)
		for (size_t j = i + 1; j < ig->ncols; j++) {
			const char *a = ig->row.fields[i].s;
			const char *b = ig->row.fields[j].s;
			int ma, mb;

			if (ig->cols[i] == NULL || ig->cols[j] == NULL ||
			    strcmp(ig->cols[i], ig->cols[j]) != 0)
				continue;
			ma = strcmp(mapped_name(ig, a), a) != 0;
			mb = strcmp(mapped_name(ig, b), b) != 0;
			if (ma != mb) {
				size_t drop = ma ? j : i;

				free(ig->cols[drop]);
				ig->cols[drop] = NULL;
				continue;
			}
			snprintf(err, errlen,
			    "header: columns %zu (\"%s\") and %zu (\"%s\") both "
			    "give the field \"%s\"; %s",
			    i + 1, a, j + 1, b, ig->cols[i],
			    strcmp(a, b) == 0
			        ? "rename one of them"
			        : "say with --map which one gives it");
			fk_ingest_csv_reset(ig);
			return -1;
		}
	return 0;
}

int
fk_ingest_csv_header(struct fk_ingest *ig, const char *line, size_t len,
    char *err, size_t errlen)
{
	char e[256];

	fk_ingest_csv_reset(ig);
	/* A UTF-8 byte order mark before the first name. */
	if (len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
		line += 3;
		len -= 3;
	}
	if (fk_csv_split(&ig->row, line, len, ',', e, sizeof(e)) == -1) {
		snprintf(err, errlen, "header: %s", e);
		return -1;
	}
	ig->cols = fk_xcalloc(ig->row.nfields, sizeof(*ig->cols));
	ig->ncols = ig->row.nfields;
	for (size_t i = 0; i < ig->ncols; i++) {
		const char *name = ig->row.fields[i].s;
		json_t *probe = json_string(name);

		if (*name == '\0' || probe == NULL ||
		    strlen(name) != ig->row.fields[i].len) {
			json_decref(probe);
			snprintf(err, errlen, "header: column %zu %s", i + 1,
			    *name == '\0'       ? "has no name"
			        : probe == NULL ? "is not valid UTF-8"
			                        : "has a NUL byte in its name");
			fk_ingest_csv_reset(ig);
			return -1;
		}
		json_decref(probe);
		ig->cols[i] = fk_xstrdup(mapped_name(ig, name));
	}
	return header_repeats(ig, err, errlen);
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
		snprintf(err, errlen,
		    "expected %zu fields as in the header, got %zu", ig->ncols,
		    ig->row.nfields);
		return NULL;
	}
	obj = json_object();
	for (size_t i = 0; i < ig->ncols; i++) {
		const struct fk_csv_field *f = &ig->row.fields[i];

		/* A column --map replaced with another. */
		if (ig->cols[i] == NULL)
			continue;
		if (f->len == 0 && is_optional(ig->cols[i]))
			continue;
		/* As NDJSON refuses \u0000: no stage after takes it. */
		if (memchr(f->s, '\0', f->len) != NULL) {
			snprintf(err, errlen, "%s: a NUL byte in the value",
			    ig->cols[i]);
			json_decref(obj);
			return NULL;
		}
		v = json_stringn(f->s, f->len);
		if (v == NULL) {
			snprintf(
			    err, errlen, "%s: not valid UTF-8", ig->cols[i]);
			json_decref(obj);
			return NULL;
		}
		json_object_set_new(obj, ig->cols[i], v);
	}
	return obj;
}

/* Rename mapped fields of a JSON object, all at once so that a=b,b=a
 * swaps. */
static void
apply_map(struct fk_ingest *ig, json_t *obj)
{
	size_t i;

	if (ig->mapvals == NULL)
		ig->mapvals = fk_xcalloc(ig->nmap, sizeof(*ig->mapvals));
	for (i = 0; i < ig->nmap; i++) {
		ig->mapvals[i] = json_object_get(obj, ig->map[i].from);
		json_incref(ig->mapvals[i]);
	}
	for (i = 0; i < ig->nmap; i++)
		if (ig->mapvals[i] != NULL)
			json_object_del(obj, ig->map[i].from);
	for (i = 0; i < ig->nmap; i++)
		if (ig->mapvals[i] != NULL)
			json_object_set_new(obj, ig->map[i].to, ig->mapvals[i]);
}

static json_t *
parse_object(
    const char *s, size_t len, const char *what, char *err, size_t errlen)
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
		    payload == NULL             ? "none"
		        : json_is_null(payload) ? "null"
		                                : "another type");
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
		json_object_set(
		    src, "partition", json_object_get(env, "partition"));
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
	case JSON_STRING: {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v), cut = n > 40 ? 40 : n;

		/* Cut at a character boundary: messages stay UTF-8. */
		while (cut > 0 && cut < n &&
		    ((unsigned char)s[cut] & 0xC0) == 0x80)
			cut--;
		snprintf(
		    buf, len, "\"%.*s%s\"", (int)cut, s, cut < n ? "..." : "");
		break;
	}
	case JSON_INTEGER:
		snprintf(
		    buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
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
get_number(json_t *obj, const char *name, int from_csv, double *out, char *err,
    size_t errlen)
{
	json_t *v = json_object_get(obj, name);
	char d[64];

	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	if (from_csv && json_is_string(v) &&
	    parse_number(json_string_value(v), json_string_length(v), out) ==
	        0) {
		/* Whole numbers stay integers, as they would in JSON. */
		if (strspn(json_string_value(v), "0123456789-") ==
		        json_string_length(v) &&
		    fabs(*out) < 9007199254740992.0)
			json_object_set_new(
			    obj, name, json_integer((json_int_t)*out));
		else
			json_object_set_new(obj, name, json_real(*out));
		return 0;
	}
	describe(v, d, sizeof(d));
	snprintf(err, errlen, "%s: expected a number, got %s", name, d);
	return -1;
}

static int
check_strings(
    const json_t *v, const char *name, size_t max, char *err, size_t errlen)
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
		json_object_foreach((json_t *)v, k,
		    e) if (check_strings(e, k, max, err, errlen) ==
		    -1) return -1;
		return 0;
	case JSON_ARRAY:
		json_array_foreach(v, i, e) if (check_strings(e, name, max, err,
		                                    errlen) == -1) return -1;
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
	snprintf(
	    err, errlen, "user_id: expected a non-empty string, got %s", buf);
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
		snprintf(
		    err, errlen, "amount: expected a number >= 0, got %g", a);
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
		rc =
		    fk_time_from_epoch(json_number_value(v), &ms, e, sizeof(e));
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
norm_coord(json_t *obj, const char *name, double lim, int from_csv, char *err,
    size_t errlen)
{
	double x;

	if (json_object_get(obj, name) == NULL)
		return 0;
	if (get_number(obj, name, from_csv, &x, err, errlen) == -1)
		return -1;
	if (x < -lim || x > lim) {
		snprintf(err, errlen,
		    "%s: expected a number from %g to %g, "
		    "got %g",
		    name, -lim, lim, x);
		return -1;
	}
	return 0;
}

/* The same line at the same position gets the same id on replay: "fk-" and
 * 16 hex digits into buf (at least 20 bytes). */
static void
derive_tx_id(const struct fk_rec *rec, char *buf)
{
	char pos[512];
	uint64_t seed, h;

	if (rec->pos.partition >= 0) {
		int n = fk_pos_format(&rec->pos, pos, sizeof(pos));

		if (n < 0)
			n = 0;
		if ((size_t)n >= sizeof(pos))
			n = sizeof(pos) - 1;
		seed = fk_hash64(pos, (size_t)n, 0);
	} else {
		seed = (uint64_t)rec->pos.line;
	}
	h = fk_hash64(rec->data, rec->len, seed);
	memcpy(buf, "fk-", 3);
	for (int i = 15; i >= 0; i--, h >>= 4)
		buf[3 + i] = "0123456789abcdef"[h & 15];
	buf[19] = '\0';
}

static int
norm_tx_id(json_t *obj, const struct fk_rec *rec, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, "tx_id");
	char buf[64];

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
	derive_tx_id(rec, buf);
	json_object_set_new(obj, "tx_id", json_string(buf));
	return 0;
}

/* The value of s (len bytes) as a JSON value of type t: NULL when it is
 * not one. */
static json_t *
typed_text(enum fk_ingest_type t, const char *s, size_t len)
{
	char buf[64], why[128];
	long long i;
	double d;

	if (t == FK_TYPE_STRING)
		return json_stringn(s, len);
	if (len == 0 || len >= sizeof(buf))
		return NULL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (t == FK_TYPE_BOOL) {
		if (strcmp(buf, "true") == 0 || strcmp(buf, "1") == 0)
			return json_true();
		if (strcmp(buf, "false") == 0 || strcmp(buf, "0") == 0)
			return json_false();
		return NULL;
	}
	if (t == FK_TYPE_INT || strpbrk(buf, ".eE") == NULL)
		return fk_num_int(
		           buf, LLONG_MIN, LLONG_MAX, &i, why, sizeof(why)) == 0
		    ? json_integer(i)
		    : NULL;
	return fk_num_double(buf, -DBL_MAX, DBL_MAX, &d, why, sizeof(why)) == 0
	    ? json_real(d)
	    : NULL;
}

/* The members --map gives a type: made that type, or an error.  An empty
 * string (an empty CSV field) leaves the member out. */
static int
apply_types(struct fk_ingest *ig, json_t *obj, char *err, size_t errlen)
{
	for (size_t i = 0; i < ig->nmap; i++) {
		const struct fk_ingest_map *m = &ig->map[i];
		json_t *v = json_object_get(obj, m->to), *x;
		char num[32];

		if (m->type == FK_TYPE_ASIS || v == NULL || json_is_null(v))
			continue;
		if (json_is_string(v) && json_string_length(v) == 0 &&
		    m->type != FK_TYPE_STRING) {
			json_object_del(obj, m->to);
			continue;
		}
		if (json_is_string(v))
			x = typed_text(m->type, json_string_value(v),
			    json_string_length(v));
		else if (json_is_integer(v))
			x = typed_text(m->type, num,
			    (size_t)snprintf(num, sizeof(num), "%lld",
			        (long long)json_integer_value(v)));
		else if (json_is_boolean(v) && m->type == FK_TYPE_BOOL)
			x = json_incref(v);
		else if (json_is_real(v) && m->type == FK_TYPE_NUMBER)
			x = json_incref(v);
		else if (m->type == FK_TYPE_STRING && !json_is_object(v) &&
		    !json_is_array(v)) {
			char *text = json_dumps(v, JSON_ENCODE_ANY);

			x = text != NULL ? json_string(text) : NULL;
			free(text);
		} else
			x = NULL;
		if (x == NULL) {
			char *text = json_dumps(v, JSON_ENCODE_ANY);

			snprintf(err, errlen,
			    "%s: %.40s is not %s %s (--map %s=%s:%s)", m->to,
			    text != NULL ? text : "?",
			    m->type == FK_TYPE_INT ? "an" : "a",
			    type_name[m->type], m->to, m->from,
			    type_name[m->type]);
			free(text);
			return -1;
		}
		json_object_set_new(obj, m->to, x);
	}
	return 0;
}

int
fk_ingest_normalize(struct fk_ingest *ig, json_t *obj, int from_csv,
    const struct fk_rec *rec, char *err, size_t errlen)
{
	if (apply_types(ig, obj, err, errlen) == -1 ||
	    check_strings(obj, "record", ig->max_field, err, errlen) == -1 ||
	    norm_user_id(obj, err, errlen) == -1 ||
	    norm_amount(obj, from_csv, err, errlen) == -1 ||
	    norm_timestamp(obj, err, errlen) == -1 ||
	    norm_currency(obj, err, errlen) == -1 ||
	    norm_coord(obj, "lat", 90, from_csv, err, errlen) == -1 ||
	    norm_coord(obj, "lon", 180, from_csv, err, errlen) == -1 ||
	    norm_tx_id(obj, rec, err, errlen) == -1)
		return -1;
	if (ig->stamp > 0)
		json_object_set_new(obj, "ingest_ms", json_integer(ig->stamp));
	return 0;
}

/* --- fast path ------------------------------------------------------- */

static void
out_put(struct fk_ingest *ig, const char *s, size_t n)
{
	if (ig->outlen + n + 1 > ig->outcap) {
		ig->outcap = 2 * (ig->outlen + n) + 256;
		ig->out = fk_xrealloc(ig->out, ig->outcap);
	}
	memcpy(ig->out + ig->outlen, s, n);
	ig->outlen += n;
}

/* Decimal digits of v into buf (at least 21 bytes); returns the length. */
static size_t
fmt_i64(int64_t v, char *buf)
{
	char tmp[24];
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t n = 0, len = 0;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		buf[len++] = '-';
	while (n > 0)
		buf[len++] = tmp[--n];
	return len;
}

/* The value of a JSON number span, for range checks: exact enough (within
 * an ulp or two) without strtod for the plain forms. */
static int
span_number(const struct fk_jmember *m, double *out)
{
	const char *p = m->val, *end = m->val + m->vallen;
	double v = 0, scale = 1;
	int neg = 0;
	char buf[64];

	if (m->type != FK_J_NUMBER)
		return -1;
	if (memchr(p, 'e', m->vallen) || memchr(p, 'E', m->vallen) ||
	    m->vallen > 18) {
		if (m->vallen >= sizeof(buf))
			return -1;
		memcpy(buf, m->val, m->vallen);
		buf[m->vallen] = '\0';
		*out = strtod(buf, NULL);
		return isfinite(*out) ? 0 : -1;
	}
	if (*p == '-') {
		neg = 1;
		p++;
	}
	for (; p < end && *p != '.'; p++)
		v = v * 10 + (*p - '0');
	if (p < end)
		for (p++; p < end; p++) {
			scale /= 10;
			v += (*p - '0') * scale;
		}
	*out = neg ? -v : v;
	return 0;
}

static int
key_is(const struct fk_jmember *m, const char *key, size_t len)
{
	return m->keylen == len && memcmp(m->key, key, len) == 0;
}

#define KEY_IS(m, lit) key_is((m), (lit), sizeof(lit) - 1)

/* An integer whose digits, quoted, are the string the full parse makes of
 * it: any but -0, which it writes "0". */
static int
int_as_written(const struct fk_jmember *m, size_t max)
{
	return m->type == FK_J_NUMBER && m->integer && m->vallen < max &&
	    !(m->vallen == 2 && memcmp(m->val, "-0", 2) == 0);
}

/* A value to write over a member's value span. */
struct splice {
	const struct fk_jmember *m;
	const char *v;
	size_t len;
};

int
fk_ingest_fast(struct fk_ingest *ig, const struct fk_rec *rec,
    const char *keyfield, const char **key, size_t *keylen)
{
	const struct fk_jobj *o = &ig->jo;
	const struct fk_jmember *m, *uid = NULL, *amt = NULL, *ts = NULL,
	                            *cur = NULL, *txid = NULL, *tsms = NULL,
	                            *ing = NULL;
	char tsbuf[FK_TIME_BUFSZ + 2], msbuf[24], idbuf[24], curbuf[5];
	char uidbuf[48], txbuf[48], ingbuf[24];
	struct splice sp[6];
	const char *p, *close;
	size_t i, nsp = 0, mslen, inglen, kflen = strlen(keyfield);
	int64_t ms;
	double x;
	int derive;

	if (rec->truncated || ig->envelope || ig->nmap > 0 ||
	    fk_jscan(&ig->jo, rec->data, rec->len, NULL, 0) == -1 ||
	    o->duplicates || o->longest > ig->max_field)
		return 0;
	for (i = 0; i < o->n; i++) {
		m = &o->m[i];
		if (m->key_escaped)
			return 0;
		if (KEY_IS(m, "user_id"))
			uid = m;
		else if (KEY_IS(m, "amount"))
			amt = m;
		else if (KEY_IS(m, "timestamp"))
			ts = m;
		else if (KEY_IS(m, "currency"))
			cur = m;
		else if (KEY_IS(m, "tx_id"))
			txid = m;
		else if (KEY_IS(m, "ts_ms"))
			tsms = m;
		else if (KEY_IS(m, "ingest_ms"))
			ing = m;
		else if (KEY_IS(m, "lat") || KEY_IS(m, "lon")) {
			double lim = m->key[1] == 'a' ? 90 : 180;

			if (span_number(m, &x) == -1 || x < -lim || x > lim)
				return 0;
		}
	}
	/* user_id: a non-empty string, or an integer made one. */
	if (uid == NULL ||
	    !((uid->type == FK_J_STRING && uid->vallen > 2) ||
	        int_as_written(uid, sizeof(uidbuf) - 2)))
		return 0;
	if (amt == NULL || span_number(amt, &x) == -1 || !(x >= 0) ||
	    amt->val[0] == '-')
		return 0;
	if (ts == NULL)
		return 0;
	if (ts->type == FK_J_STRING && !ts->escaped) {
		if (fk_time_parse(ts->val + 1, ts->vallen - 2, &ms, NULL, 0) ==
		    -1)
			return 0;
	} else if (ts->type != FK_J_NUMBER ||
	    fk_time_from_epoch(
	        fk_num_json(ts->val, ts->vallen), &ms, NULL, 0) == -1) {
		/* Read exactly, as the full parse reads it: span_number()
		 * is near enough for range checks, but an ulp can move a
		 * time to the next millisecond. */
		return 0;
	}
	if (cur != NULL) {
		if (cur->type != FK_J_STRING || cur->vallen != 5)
			return 0;
		curbuf[0] = curbuf[4] = '"';
		for (i = 1; i < 4; i++) {
			char c = cur->val[i];

			if (c >= 'a' && c <= 'z')
				c = (char)(c - 'a' + 'A');
			else if (c < 'A' || c > 'Z')
				return 0;
			curbuf[i] = c;
		}
	}
	if (txid != NULL &&
	    !(txid->type == FK_J_NULL || txid->type == FK_J_STRING ||
	        int_as_written(txid, sizeof(txbuf) - 2)))
		return 0;

	/* The new values, in the order of the members they replace. */
	ig->ts_ms = ms;
	tsbuf[0] = '"';
	fk_time_format(ms, tsbuf + 1);
	tsbuf[FK_TIME_BUFSZ] = '"';
	mslen = fmt_i64(ms, msbuf);
	inglen = ig->stamp > 0 ? fmt_i64(ig->stamp, ingbuf) : 0;
	derive = txid == NULL || txid->type == FK_J_NULL ||
	    (txid->type == FK_J_STRING && txid->vallen == 2);
	if (derive) {
		idbuf[0] = '"';
		derive_tx_id(rec, idbuf + 1);
		idbuf[20] = '"';
	}
	for (i = 0; i < o->n; i++) {
		m = &o->m[i];
		if (m == uid && uid->type == FK_J_NUMBER) {
			uidbuf[0] = '"';
			memcpy(uidbuf + 1, uid->val, uid->vallen);
			uidbuf[uid->vallen + 1] = '"';
			sp[nsp++] =
			    (struct splice){ m, uidbuf, uid->vallen + 2 };
		} else if (m == ts) {
			sp[nsp++] =
			    (struct splice){ m, tsbuf, FK_TIME_BUFSZ + 1 };
		} else if (m == cur && memcmp(curbuf, cur->val, 5) != 0) {
			sp[nsp++] = (struct splice){ m, curbuf, 5 };
		} else if (m == tsms) {
			sp[nsp++] = (struct splice){ m, msbuf, mslen };
		} else if (m == ing && inglen > 0) {
			sp[nsp++] = (struct splice){ m, ingbuf, inglen };
		} else if (m == txid && derive) {
			sp[nsp++] = (struct splice){ m, idbuf, 21 };
		} else if (m == txid && m->type == FK_J_NUMBER) {
			txbuf[0] = '"';
			memcpy(txbuf + 1, m->val, m->vallen);
			txbuf[m->vallen + 1] = '"';
			sp[nsp++] = (struct splice){ m, txbuf, m->vallen + 2 };
		}
	}

	/* Copy the line through from its '{' to its '}', the new values
	 * spliced in, the new members added before the '}'. */
	p = memchr(rec->data, '{', rec->len);
	close = rec->data + rec->len;
	while (*--close != '}')
		;
	ig->outlen = 0;
	for (i = 0; i < nsp; i++) {
		out_put(ig, p, (size_t)(sp[i].m->val - p));
		out_put(ig, sp[i].v, sp[i].len);
		p = sp[i].m->val + sp[i].m->vallen;
	}
	out_put(ig, p, (size_t)(close - p));
	if (tsms == NULL) {
		out_put(ig, ",\"ts_ms\":", 9);
		out_put(ig, msbuf, mslen);
	}
	if (txid == NULL) {
		out_put(ig, ",\"tx_id\":", 9);
		out_put(ig, idbuf, 21);
	}
	if (ing == NULL && inglen > 0) {
		out_put(ig, ",\"ingest_ms\":", 13);
		out_put(ig, ingbuf, inglen);
	}
	out_put(ig, "}", 1);

	/* The message key: the keyfield member's string or number. */
	*key = NULL;
	*keylen = 0;
	if (kflen == 7 && memcmp(keyfield, "user_id", 7) == 0 &&
	    uid->type == FK_J_NUMBER) {
		*key = uid->val;
		*keylen = uid->vallen;
	} else if ((m = fk_jobj_get(o, keyfield)) != NULL) {
		if (m->type == FK_J_STRING && !m->escaped) {
			*key = m->val + 1;
			*keylen = m->vallen - 2;
		} else if (m->type == FK_J_NUMBER && m->integer) {
			if (!int_as_written(m, SIZE_MAX))
				return 0;
			*key = m->val;
			*keylen = m->vallen;
		} else if (m->type == FK_J_STRING) {
			return 0; /* an escaped key needs decoding */
		}
	}
	return 1;
}

void
fk_ingest_dump(struct fk_ingest *ig, json_t *obj, const char *keyfield,
    const char **key, size_t *keylen)
{
	size_t flags = JSON_COMPACT | JSON_REAL_PRECISION(15);
	size_t n = json_dumpb(obj, ig->out, ig->outcap, flags);
	json_t *k;

	if (n > ig->outcap) {
		ig->outcap = n + n / 2;
		ig->out = fk_xrealloc(ig->out, ig->outcap);
		n = json_dumpb(obj, ig->out, ig->outcap, flags);
	}
	ig->outlen = n;
	*key = NULL;
	*keylen = 0;
	if ((k = json_object_get(obj, keyfield)) != NULL) {
		if (json_is_string(k)) {
			*key = json_string_value(k);
			*keylen = json_string_length(k);
		} else if (json_is_integer(k)) {
			*keylen =
			    (size_t)snprintf(ig->keynum, sizeof(ig->keynum),
			        "%" JSON_INTEGER_FORMAT, json_integer_value(k));
			*key = ig->keynum;
		}
	}
	k = json_object_get(obj, "ts_ms");
	ig->ts_ms = json_is_integer(k) && json_integer_value(k) > 0
	    ? json_integer_value(k)
	    : 0;
}
