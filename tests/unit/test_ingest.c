/* Unit tests for fkcat-in's ingest.c: parsing NDJSON, CSV rows and kcat
 * envelopes, renames, validation and normalization.  Expected epoch values
 * come from Python's datetime, not from the code under test. */
#include "ingest.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "banned.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15)) /* as run.c */
#define TS "\"timestamp\":\"2024-11-16T14:02:00Z\""
#define TS_NORM "\"timestamp\":\"2024-11-16T14:02:00.000Z\""
#define TS_MS "\"ts_ms\":1731765720000"
/* timestamp last in the input: ts_ms is appended right after it */
#define TS_OUT TS_NORM "," TS_MS
#define CSV_HEADER "tx_id,user_id,amount,currency,timestamp,lat,lon,note"

/* --- helpers */

/* A heap copy of exactly len bytes, so ASan catches reads past the end
 * (a reader's line has no NUL after it). */
static char *
exact(const char *s, size_t len)
{
	char *p = malloc(len > 0 ? len : 1);

	cr_assert_not_null(p);
	if (len > 0)
		memcpy(p, s, len);
	return p;
}

static json_t *
from_json(struct fk_ingest *ig, const char *line, char *err, size_t errlen)
{
	size_t len = strlen(line);
	char *copy = exact(line, len);
	json_t *obj = fk_ingest_from_json(ig, copy, len, err, errlen);

	free(copy);
	return obj;
}

static json_t *
from_csv(struct fk_ingest *ig, const char *line, char *err, size_t errlen)
{
	size_t len = strlen(line);
	char *copy = exact(line, len);
	json_t *obj = fk_ingest_from_csv(ig, copy, len, err, errlen);

	free(copy);
	return obj;
}

static int
csv_header(struct fk_ingest *ig, const char *line, char *err, size_t errlen)
{
	size_t len = strlen(line);
	char *copy = exact(line, len);
	int rc = fk_ingest_csv_header(ig, copy, len, err, errlen);

	free(copy);
	return rc;
}

static struct fk_rec
file_rec(const char *source, const char *data, long long line)
{
	struct fk_rec rec;

	memset(&rec, 0, sizeof(rec));
	rec.data = data;
	rec.len = strlen(data);
	rec.ts_ms = -1;
	rec.pos.source = source;
	rec.pos.line = line;
	rec.pos.partition = -1;
	rec.pos.offset = -1;
	return rec;
}

static struct fk_rec
kafka_rec(
    const char *topic, int32_t partition, int64_t offset, const char *data)
{
	struct fk_rec rec;

	memset(&rec, 0, sizeof(rec));
	rec.data = data;
	rec.len = strlen(data);
	rec.ts_ms = 1731765720000;
	rec.pos.source = topic;
	rec.pos.line = 0;
	rec.pos.partition = partition;
	rec.pos.offset = offset;
	return rec;
}

static void
check_json(const json_t *obj, const char *want)
{
	char *s = json_dumps(obj, DUMP_FLAGS);

	cr_assert_not_null(s);
	cr_assert_str_eq(s, want);
	free(s);
}

/* Parse one NDJSON line and normalize it as line 1 of tx.ndjson.
 * Returns the record or NULL with err set. */
static json_t *
ingest_json(struct fk_ingest *ig, const char *line, char *err, size_t errlen)
{
	struct fk_rec rec = file_rec("tx.ndjson", line, 1);
	json_t *obj = from_json(ig, line, err, errlen);

	if (obj == NULL)
		return NULL;
	if (fk_ingest_normalize(ig, obj, 0, &rec, err, errlen) == -1) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

/* Same for a CSV row under the header already taken, as line 2. */
static json_t *
ingest_csv(struct fk_ingest *ig, const char *line, char *err, size_t errlen)
{
	struct fk_rec rec = file_rec("tx.csv", line, 2);
	json_t *obj = from_csv(ig, line, err, errlen);

	if (obj == NULL)
		return NULL;
	if (fk_ingest_normalize(ig, obj, 1, &rec, err, errlen) == -1) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

/* The tx_id an NDJSON line gets at rec's position. */
static void
assigned_id(
    const char *line, const struct fk_rec *rec, char *out, size_t outlen)
{
	struct fk_ingest ig;
	char err[256] = "";
	json_t *obj, *id;

	fk_ingest_init(&ig);
	obj = from_json(&ig, line, err, sizeof(err));
	cr_assert_not_null(obj, "%s", err);
	cr_assert_eq(fk_ingest_normalize(&ig, obj, 0, rec, err, sizeof(err)), 0,
	    "%s", err);
	id = json_object_get(obj, "tx_id");
	cr_assert(json_is_string(id));
	snprintf(out, outlen, "%s", json_string_value(id));
	json_decref(obj);
	fk_ingest_release(&ig);
}

static int
is_assigned_id(const char *s)
{
	if (strlen(s) != 19 || strncmp(s, "fk-", 3) != 0)
		return 0;
	for (s += 3; *s != '\0'; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

static size_t
count_substr(const char *s, const char *sub)
{
	size_t n = 0;

	while ((s = strstr(s, sub)) != NULL) {
		n++;
		s += strlen(sub);
	}
	return n;
}

/* --- valid NDJSON records, whole output compared */

struct good_case {
	char in[300];
	char want[400];
};

ParameterizedTestParameters(ingest, json_good)
{
	static struct good_case cases[] = {
		/* already normal: only ts_ms added */
		{ "{\"tx_id\":\"t1\",\"user_id\":\"u1\",\"amount\":12.5," TS
		  "}",
		    "{\"tx_id\":\"t1\",\"user_id\":\"u1\",\"amount\":12.5," TS_OUT
		    "}" },
		/* offset to UTC, currency upper-cased */
		{ "{\"tx_id\":\"t1\",\"user_id\":\"u1\",\"amount\":12.5,"
		  "\"currency\":\"eur\","
		  "\"timestamp\":\"2024-11-16T14:02:00.123+01:00\"}",
		    "{\"tx_id\":\"t1\",\"user_id\":\"u1\",\"amount\":12.5,"
		    "\"currency\":\"EUR\","
		    "\"timestamp\":\"2024-11-16T13:02:00.123Z\","
		    "\"ts_ms\":1731762120123}" },
		{ "{\"tx_id\":\"t\",\"user_id\":\"u\",\"amount\":1,"
		  "\"currency\":\"Usd\"," TS "}",
		    "{\"tx_id\":\"t\",\"user_id\":\"u\",\"amount\":1,"
		    "\"currency\":\"USD\"," TS_OUT "}" },
		{ "{\"tx_id\":\"t\",\"user_id\":\"u\",\"amount\":1,"
		  "\"currency\":\"GBP\"," TS "}",
		    "{\"tx_id\":\"t\",\"user_id\":\"u\",\"amount\":1,"
		    "\"currency\":\"GBP\"," TS_OUT "}" },
		/* numbers to strings for user_id and tx_id */
		{ "{\"tx_id\":123,\"user_id\":42,\"amount\":0," TS "}",
		    "{\"tx_id\":\"123\",\"user_id\":\"42\",\"amount\":0," TS_OUT
		    "}" },
		{ "{\"tx_id\":0,\"user_id\":-7,\"amount\":0.01," TS "}",
		    "{\"tx_id\":\"0\",\"user_id\":\"-7\",\"amount\":0.01," TS_OUT
		    "}" },
		{ "{\"tx_id\":\"t\",\"user_id\":9007199254740993,\"amount\":1," TS
		  "}",
		    "{\"tx_id\":\"t\",\"user_id\":\"9007199254740993\","
		    "\"amount\":1," TS_OUT "}" },
		/* coordinates at their limits */
		{ "{\"tx_id\":\"t\",\"user_id\":\"u\",\"amount\":1," TS
		  ",\"lat\":90,\"lon\":-180}",
		    "{\"tx_id\":\"t\",\"user_id\":\"u\",\"amount\":1," TS_NORM
		    ",\"lat\":90,\"lon\":-180," TS_MS "}" },
		{ "{\"tx_id\":\"t\",\"user_id\":\"u\",\"amount\":1," TS
		  ",\"lat\":-90.0,\"lon\":180.0}",
		    "{\"tx_id\":\"t\",\"user_id\":\"u\",\"amount\":1," TS_NORM
		    ",\"lat\":-90.0,\"lon\":180.0," TS_MS "}" },
		{ "{\"tx_id\":\"t\",\"user_id\":\"u\",\"amount\":1," TS
		  ",\"lat\":48.8566,\"lon\":2.3522}",
		    "{\"tx_id\":\"t\",\"user_id\":\"u\",\"amount\":1," TS_NORM
		    ",\"lat\":48.8566,\"lon\":2.3522," TS_MS "}" },
		/* a stale ts_ms is replaced where it stands */
		{ "{\"ts_ms\":\"junk\",\"tx_id\":\"t\",\"user_id\":\"u\","
		  "\"amount\":1,\"timestamp\":0}",
		    "{\"ts_ms\":0,\"tx_id\":\"t\",\"user_id\":\"u\",\"amount\":1,"
		    "\"timestamp\":\"1970-01-01T00:00:00.000Z\"}" },
		/* unknown fields untouched and in order, other stages' too */
		{ "{\"z\":1,\"tx_id\":\"t\",\"user_id\":\"u\","
		  "\"meta\":{\"b\":[1,2.5,\"x\",null],\"a\":{}},\"amount\":3,"
		  "\"note\":\"h\\u00e9 \\\"q\\\"\"," TS ",\"flag\":false,"
		  "\"big\":12345678901234567,\"risk\":{\"score\":0.5},"
		  "\"empty\":\"\",\"nil\":null,\"device_id\":\"d1\"}",
		    "{\"z\":1,\"tx_id\":\"t\",\"user_id\":\"u\","
		    "\"meta\":{\"b\":[1,2.5,\"x\",null],\"a\":{}},\"amount\":3,"
		    "\"note\":\"h\xc3\xa9 \\\"q\\\"\","
		    "\"timestamp\":\"2024-11-16T14:02:00.000Z\",\"flag\":false,"
		    "\"big\":12345678901234567,\"risk\":{\"score\":0.5},"
		    "\"empty\":\"\",\"nil\":null,\"device_id\":\"d1\","
		    "\"ts_ms\":1731765720000}" },
	};

	return cr_make_param_array(struct good_case, cases, NELEM(cases));
}

ParameterizedTest(struct good_case *c, ingest, json_good)
{
	struct fk_ingest ig;
	char err[512] = "";
	json_t *obj;

	fk_ingest_init(&ig);
	obj = ingest_json(&ig, c->in, err, sizeof(err));
	cr_assert_not_null(obj, "%s: %s", c->in, err);
	check_json(obj, c->want);
	json_decref(obj);
	fk_ingest_release(&ig);
}

/* --- invalid NDJSON records: exact messages */

struct bad_case {
	char in[200];
	char msg[160];
};

ParameterizedTestParameters(ingest, json_bad)
{
	static struct bad_case cases[] = {
		/* required fields, checked in this order */
		{ "{}", "user_id: missing" },
		{ "{\"amount\":-1,\"timestamp\":\"x\"}", "user_id: missing" },
		{ "{\"user_id\":\"u\"}", "amount: missing" },
		{ "{\"user_id\":\"u\",\"timestamp\":\"x\"}",
		    "amount: missing" },
		{ "{\"user_id\":\"u\",\"amount\":5}", "timestamp: missing" },
		{ "{\"user_id\":\"u\",\"amount\":5,\"currency\":\"x\"}",
		    "timestamp: missing" },
		/* user_id */
		{ "{\"user_id\":\"\",\"amount\":5," TS "}",
		    "user_id: expected a non-empty string, got \"\"" },
		{ "{\"user_id\":null,\"amount\":5," TS "}",
		    "user_id: expected a non-empty string, got null" },
		{ "{\"user_id\":true,\"amount\":5," TS "}",
		    "user_id: expected a non-empty string, got a boolean" },
		{ "{\"user_id\":1.5,\"amount\":5," TS "}",
		    "user_id: expected a non-empty string, got 1.5" },
		{ "{\"user_id\":[\"u\"],\"amount\":5," TS "}",
		    "user_id: expected a non-empty string, got an array" },
		{ "{\"user_id\":{},\"amount\":5," TS "}",
		    "user_id: expected a non-empty string, got an object" },
		{ "{\"user_id\":\"\",\"amount\":-1}",
		    "user_id: expected a non-empty string, got \"\"" },
		/* amount: JSON numbers only, >= 0 */
		{ "{\"user_id\":\"u\",\"amount\":\"12,5\"," TS "}",
		    "amount: expected a number, got \"12,5\"" },
		{ "{\"user_id\":\"u\",\"amount\":\"12.5\"," TS "}",
		    "amount: expected a number, got \"12.5\"" },
		{ "{\"user_id\":\"u\",\"amount\":\"\"," TS "}",
		    "amount: expected a number, got \"\"" },
		{ "{\"user_id\":\"u\",\"amount\":null," TS "}",
		    "amount: expected a number, got null" },
		{ "{\"user_id\":\"u\",\"amount\":false," TS "}",
		    "amount: expected a number, got a boolean" },
		{ "{\"user_id\":\"u\",\"amount\":{}," TS "}",
		    "amount: expected a number, got an object" },
		{ "{\"user_id\":\"u\",\"amount\":[1]," TS "}",
		    "amount: expected a number, got an array" },
		{ "{\"user_id\":\"u\",\"amount\":-1," TS "}",
		    "amount: expected a number >= 0, got -1" },
		{ "{\"user_id\":\"u\",\"amount\":-0.01," TS "}",
		    "amount: expected a number >= 0, got -0.01" },
		{ "{\"user_id\":\"u\",\"amount\":-1,\"timestamp\":true}",
		    "amount: expected a number >= 0, got -1" },
		/* timestamp types */
		{ "{\"user_id\":\"u\",\"amount\":5,\"timestamp\":true}",
		    "timestamp: expected RFC 3339 or epoch time, got a boolean" },
		{ "{\"user_id\":\"u\",\"amount\":5,\"timestamp\":null}",
		    "timestamp: expected RFC 3339 or epoch time, got null" },
		{ "{\"user_id\":\"u\",\"amount\":5,\"timestamp\":{}}",
		    "timestamp: expected RFC 3339 or epoch time, got an object" },
		{ "{\"user_id\":\"u\",\"amount\":5,\"timestamp\":[0]}",
		    "timestamp: expected RFC 3339 or epoch time, got an array" },
		/* timestamp fields out of range: the reason, then the value */
		{ "{\"user_id\":\"u\",\"amount\":5,"
		  "\"timestamp\":\"2024-13-01T00:00:00Z\"}",
		    "timestamp: invalid month 13, got \"2024-13-01T00:00:00Z\"" },
		{ "{\"user_id\":\"u\",\"amount\":5,"
		  "\"timestamp\":\"2023-02-29T00:00:00Z\"}",
		    "timestamp: invalid day 29 for 2023-02, got "
		    "\"2023-02-29T00:00:00Z\"" },
		{ "{\"user_id\":\"u\",\"amount\":5,"
		  "\"timestamp\":\"2024-11-16T24:00:00Z\"}",
		    "timestamp: invalid hour 24, got \"2024-11-16T24:00:00Z\"" },
		{ "{\"user_id\":\"u\",\"amount\":5,"
		  "\"timestamp\":\"2024-11-16T14:02:00+24:00\"}",
		    "timestamp: invalid offset +24:00, got "
		    "\"2024-11-16T14:02:00+24:00\"" },
		/* timestamp before currency */
		{ "{\"user_id\":\"u\",\"amount\":5,\"currency\":\"x\","
		  "\"timestamp\":false}",
		    "timestamp: expected RFC 3339 or epoch time, got a boolean" },
		/* currency */
		{ "{\"user_id\":\"u\",\"amount\":5," TS ",\"currency\":\"US\"}",
		    "currency: expected three letters (ISO 4217), got \"US\"" },
		{ "{\"user_id\":\"u\",\"amount\":5," TS
		  ",\"currency\":\"EURO\"}",
		    "currency: expected three letters (ISO 4217), got \"EURO\"" },
		{ "{\"user_id\":\"u\",\"amount\":5," TS
		  ",\"currency\":\"U$D\"}",
		    "currency: expected three letters (ISO 4217), got \"U$D\"" },
		{ "{\"user_id\":\"u\",\"amount\":5," TS
		  ",\"currency\":\"e1r\"}",
		    "currency: expected three letters (ISO 4217), got \"e1r\"" },
		{ "{\"user_id\":\"u\",\"amount\":5," TS
		  ",\"currency\":\"\\u00c9U\"}",
		    "currency: expected three letters (ISO 4217), got "
		    "\"\xc3\x89U\"" },
		{ "{\"user_id\":\"u\",\"amount\":5," TS ",\"currency\":\"\"}",
		    "currency: expected three letters (ISO 4217), got \"\"" },
		{ "{\"user_id\":\"u\",\"amount\":5," TS ",\"currency\":978}",
		    "currency: expected three letters (ISO 4217), got 978" },
		{ "{\"user_id\":\"u\",\"amount\":5," TS ",\"currency\":null}",
		    "currency: expected three letters (ISO 4217), got null" },
		/* currency before lat, lat before lon */
		{ "{\"user_id\":\"u\",\"amount\":5," TS
		  ",\"lon\":999,\"lat\":99,\"currency\":\"x\"}",
		    "currency: expected three letters (ISO 4217), got \"x\"" },
		{ "{\"user_id\":\"u\",\"amount\":5," TS
		  ",\"lon\":999,\"lat\":99}",
		    "lat: expected a number from -90 to 90, got 99" },
		/* lat and lon: numbers in range, no strings from JSON */
		{ "{\"user_id\":\"u\",\"amount\":5," TS ",\"lat\":\"45\"}",
		    "lat: expected a number, got \"45\"" },
		{ "{\"user_id\":\"u\",\"amount\":5," TS ",\"lon\":\"7\"}",
		    "lon: expected a number, got \"7\"" },
		{ "{\"user_id\":\"u\",\"amount\":5," TS ",\"lat\":90.5}",
		    "lat: expected a number from -90 to 90, got 90.5" },
		{ "{\"user_id\":\"u\",\"amount\":5," TS ",\"lat\":-91}",
		    "lat: expected a number from -90 to 90, got -91" },
		{ "{\"user_id\":\"u\",\"amount\":5," TS ",\"lon\":180.001}",
		    "lon: expected a number from -180 to 180, got 180.001" },
		{ "{\"user_id\":\"u\",\"amount\":5," TS ",\"lon\":-181}",
		    "lon: expected a number from -180 to 180, got -181" },
		{ "{\"user_id\":\"u\",\"amount\":5," TS ",\"lat\":true}",
		    "lat: expected a number, got a boolean" },
		/* lon before tx_id */
		{ "{\"user_id\":\"u\",\"amount\":5," TS
		  ",\"tx_id\":1.5,\"lon\":200}",
		    "lon: expected a number from -180 to 180, got 200" },
		/* tx_id */
		{ "{\"user_id\":\"u\",\"amount\":5," TS ",\"tx_id\":1.5}",
		    "tx_id: expected a string, got 1.5" },
		{ "{\"user_id\":\"u\",\"amount\":5," TS ",\"tx_id\":true}",
		    "tx_id: expected a string, got a boolean" },
		{ "{\"user_id\":\"u\",\"amount\":5," TS ",\"tx_id\":[]}",
		    "tx_id: expected a string, got an array" },
		{ "{\"user_id\":\"u\",\"amount\":5," TS ",\"tx_id\":{}}",
		    "tx_id: expected a string, got an object" },
		/* long strings in messages are cut at 40 bytes */
		{ "{\"user_id\":\"u\",\"amount\":"
		  "\"0123456789012345678901234567890123456789\"," TS "}",
		    "amount: expected a number, got "
		    "\"0123456789012345678901234567890123456789\"" },
		{ "{\"user_id\":\"u\",\"amount\":"
		  "\"0123456789012345678901234567890123456789X\"," TS "}",
		    "amount: expected a number, got "
		    "\"0123456789012345678901234567890123456789...\"" },
	};

	return cr_make_param_array(struct bad_case, cases, NELEM(cases));
}

ParameterizedTest(struct bad_case *c, ingest, json_bad)
{
	struct fk_ingest ig;
	char err[512] = "";
	json_t *obj;

	fk_ingest_init(&ig);
	obj = ingest_json(&ig, c->in, err, sizeof(err));
	cr_assert_null(obj, "%s: accepted", c->in);
	cr_assert_str_eq(err, c->msg, "%s", c->in);
	fk_ingest_release(&ig);
}

/* An unparsable timestamp string: the reason, then the value once. */
Test(ingest, timestamp_syntax_message)
{
	struct fk_ingest ig;
	char err[512] = "";

	fk_ingest_init(&ig);
	cr_assert_null(ingest_json(&ig,
	    "{\"user_id\":\"u\",\"amount\":5,\"timestamp\":\"yesterday\"}", err,
	    sizeof(err)));
	cr_assert_str_eq(err,
	    "timestamp: expected RFC 3339 or epoch time, got \"yesterday\"");
	fk_ingest_release(&ig);
}

/* Whatever the reason, the message names the value once. */
Test(ingest, timestamp_value_named_once)
{
	static const char *const cases[][2] = {
		{ "\"2024-11-16T14:02:00\"", "\"2024-11-16T14:02:00\"" },
		{ "\"2024-11-16\"", "\"2024-11-16\"" },
		{ "\"2024-11-16T14:02:00Zjunk\"",
		    "\"2024-11-16T14:02:00Zjunk\"" },
		{ "\"99999999999999999\"", "\"99999999999999999\"" },
		{ "\"\"", "\"\"" },
		{ "1e300", "1e+300" },
		{ "-1e15", "-1e+15" },
	};
	struct fk_ingest ig;
	char line[256], err[512];
	size_t i;

	fk_ingest_init(&ig);
	for (i = 0; i < NELEM(cases); i++) {
		snprintf(line, sizeof(line),
		    "{\"user_id\":\"u\",\"amount\":5,\"timestamp\":%s}",
		    cases[i][0]);
		err[0] = '\0';
		cr_assert_null(
		    ingest_json(&ig, line, err, sizeof(err)), "%s", line);
		cr_assert_eq(strncmp(err, "timestamp: ", 11), 0, "%s", err);
		cr_assert_eq(count_substr(err, cases[i][1]), 1,
		    "%s: \"%s\" named %zu times in \"%s\"", line, cases[i][1],
		    count_substr(err, cases[i][1]), err);
	}
	fk_ingest_release(&ig);
}

/* A message is written into the reject record as a JSON string: a value
 * cut at 40 bytes must not be cut inside a UTF-8 character. */
Test(ingest, message_cut_stays_utf8)
{
	static const char *const fields[] = { "amount", "currency", "lat",
		"lon", "timestamp" };
	char line[512], val[128], err[512];
	struct fk_ingest ig;
	json_t *s;
	size_t i, len = 0;

	/* "a" then 20 two-byte characters: byte 40 is inside one */
	val[len++] = 'a';
	for (i = 0; i < 20; i++) {
		val[len++] = '\xc3';
		val[len++] = '\xa9';
	}
	val[len] = '\0';
	fk_ingest_init(&ig);
	for (i = 0; i < NELEM(fields); i++) {
		snprintf(line, sizeof(line),
		    "{\"tx_id\":\"t\",\"user_id\":\"u\",\"amount\":5,"
		    "\"timestamp\":0,\"%s\":\"%s\"}",
		    fields[i], val);
		err[0] = '\0';
		cr_assert_null(
		    ingest_json(&ig, line, err, sizeof(err)), "%s", line);
		cr_assert_eq(
		    strncmp(err, fields[i], strlen(fields[i])), 0, "%s", err);
		s = json_string(err);
		cr_expect_not_null(s, "%s: message not valid UTF-8", fields[i]);
		json_decref(s);
	}
	fk_ingest_release(&ig);
}

/* --- timestamps: every accepted form, normalized */

struct ts_case {
	char ts[48]; /* JSON text of the value */
	char want[32];
	long long ms;
};

ParameterizedTestParameters(ingest, timestamp_forms)
{
	static struct ts_case cases[] = {
		{ "\"2024-11-16T14:02:00Z\"", "2024-11-16T14:02:00.000Z",
		    1731765720000LL },
		{ "\"2024-11-16t14:02:00z\"", "2024-11-16T14:02:00.000Z",
		    1731765720000LL },
		{ "\"2024-11-16 14:02:00Z\"", "2024-11-16T14:02:00.000Z",
		    1731765720000LL },
		{ "\"2024-11-16T14:02:00.123+01:00\"",
		    "2024-11-16T13:02:00.123Z", 1731762120123LL },
		{ "\"2024-11-16T23:30:00-01:00\"", "2024-11-17T00:30:00.000Z",
		    1731803400000LL },
		{ "\"2024-02-29T12:00:00+05:30\"", "2024-02-29T06:30:00.000Z",
		    1709188200000LL },
		{ "\"2024-11-16T14:02:00.5Z\"", "2024-11-16T14:02:00.500Z",
		    1731765720500LL },
		{ "\"2024-11-16T14:02:00.123456789Z\"",
		    "2024-11-16T14:02:00.123Z", 1731765720123LL },
		{ "\"2024-11-16T14:02:00.999999Z\"", "2024-11-16T14:02:00.999Z",
		    1731765720999LL },
		/* no offset after a space: UTC */
		{ "\"2024-11-16 14:02:00\"", "2024-11-16T14:02:00.000Z",
		    1731765720000LL },
		{ "\"2024-11-16 14:02:00.25\"", "2024-11-16T14:02:00.250Z",
		    1731765720250LL },
		/* leap second */
		{ "\"2016-12-31T23:59:60Z\"", "2016-12-31T23:59:59.999Z",
		    1483228799999LL },
		/* epoch numbers: seconds below 1e11, else milliseconds */
		{ "1731765720", "2024-11-16T14:02:00.000Z", 1731765720000LL },
		{ "1731765720123", "2024-11-16T14:02:00.123Z",
		    1731765720123LL },
		{ "1731765720.5", "2024-11-16T14:02:00.500Z", 1731765720500LL },
		{ "1731765720.123", "2024-11-16T14:02:00.123Z",
		    1731765720123LL },
		{ "0", "1970-01-01T00:00:00.000Z", 0LL },
		{ "-1", "1969-12-31T23:59:59.000Z", -1000LL },
		{ "1e3", "1970-01-01T00:16:40.000Z", 1000000LL },
		/* epoch strings */
		{ "\"1731765720\"", "2024-11-16T14:02:00.000Z",
		    1731765720000LL },
		{ "\"1731765720123\"", "2024-11-16T14:02:00.123Z",
		    1731765720123LL },
		{ "\"1731765720.25\"", "2024-11-16T14:02:00.250Z",
		    1731765720250LL },
	};

	return cr_make_param_array(struct ts_case, cases, NELEM(cases));
}

ParameterizedTest(struct ts_case *c, ingest, timestamp_forms)
{
	struct fk_ingest ig;
	char line[256], err[512] = "";
	json_t *obj, *ts, *ms;

	snprintf(line, sizeof(line),
	    "{\"tx_id\":\"t\",\"user_id\":\"u\",\"amount\":1,\"timestamp\":%s}",
	    c->ts);
	fk_ingest_init(&ig);
	obj = ingest_json(&ig, line, err, sizeof(err));
	cr_assert_not_null(obj, "%s: %s", c->ts, err);
	ts = json_object_get(obj, "timestamp");
	ms = json_object_get(obj, "ts_ms");
	cr_assert(json_is_string(ts), "%s", c->ts);
	cr_assert_str_eq(json_string_value(ts), c->want, "%s", c->ts);
	cr_assert(json_is_integer(ms), "%s", c->ts);
	cr_assert_eq(json_integer_value(ms), c->ms, "%s: ts_ms %lld", c->ts,
	    (long long)json_integer_value(ms));
	json_decref(obj);
	fk_ingest_release(&ig);
}

/* --- --max-field */

#define MAXF 24

struct maxf_case {
	char in[200];
	char msg[100]; /* "" when accepted */
};

ParameterizedTestParameters(ingest, max_field)
{
	static struct maxf_case cases[] = {
		{ "{\"tx_id\":\"t\",\"user_id\":\"123456789012345678901234\","
		  "\"amount\":1," TS "}",
		    "" },
		{ "{\"tx_id\":\"t\",\"user_id\":\"1234567890123456789012345\","
		  "\"amount\":1," TS "}",
		    "user_id: string of 25 bytes, longer than --max-field 24" },
		/* unknown fields too, and before the required ones */
		{ "{\"note\":\"1234567890123456789012345\"}",
		    "note: string of 25 bytes, longer than --max-field 24" },
		/* nested: the innermost name */
		{ "{\"tx_id\":\"t\",\"user_id\":\"u\",\"amount\":1," TS
		  ",\"meta\":{\"deep\":{\"memo\":"
		  "\"1234567890123456789012345\"}}}",
		    "memo: string of 25 bytes, longer than --max-field 24" },
		{ "{\"tx_id\":\"t\",\"user_id\":\"u\",\"amount\":1," TS
		  ",\"tags\":[\"a\",\"1234567890123456789012345678\"]}",
		    "tags: string of 28 bytes, longer than --max-field 24" },
		{ "{\"tx_id\":\"t\",\"user_id\":\"u\",\"amount\":1," TS
		  ",\"items\":[{\"sku\":\"ok\"},"
		  "{\"sku\":\"1234567890123456789012345\"}]}",
		    "sku: string of 25 bytes, longer than --max-field 24" },
		{ "{\"tx_id\":\"t\",\"user_id\":\"u\",\"amount\":1," TS
		  ",\"m\":[[[\"1234567890123456789012345\"]]]}",
		    "m: string of 25 bytes, longer than --max-field 24" },
		{ "{\"tx_id\":\"t\",\"user_id\":\"u\",\"amount\":1," TS
		  ",\"m\":[[[\"123456789012345678901234\"]]]}",
		    "" },
		/* bytes, not characters: 13 x 2 bytes */
		{ "{\"tx_id\":\"t\",\"user_id\":\"u\",\"amount\":1," TS
		  ",\"city\":\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
		  "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"}",
		    "city: string of 26 bytes, longer than --max-field 24" },
	};

	return cr_make_param_array(struct maxf_case, cases, NELEM(cases));
}

ParameterizedTest(struct maxf_case *c, ingest, max_field)
{
	struct fk_ingest ig;
	char err[512] = "";
	json_t *obj;

	fk_ingest_init(&ig);
	ig.max_field = MAXF;
	obj = ingest_json(&ig, c->in, err, sizeof(err));
	if (c->msg[0] == '\0') {
		cr_assert_not_null(obj, "%s: %s", c->in, err);
		json_decref(obj);
	} else {
		cr_assert_null(obj, "%s: accepted", c->in);
		cr_assert_str_eq(err, c->msg);
	}
	fk_ingest_release(&ig);
}

Test(ingest, max_field_default)
{
	struct fk_ingest ig;
	char *note = malloc(FK_INGEST_MAX_FIELD + 2);
	char *line = malloc(FK_INGEST_MAX_FIELD + 200);
	char err[512] = "";
	json_t *obj;

	cr_assert_not_null(note);
	cr_assert_not_null(line);
	fk_ingest_init(&ig);
	cr_assert_eq(ig.max_field, 8192);
	memset(note, 'n', FK_INGEST_MAX_FIELD);
	note[FK_INGEST_MAX_FIELD] = '\0';
	snprintf(line, FK_INGEST_MAX_FIELD + 200,
	    "{\"tx_id\":\"t\",\"user_id\":\"u\",\"amount\":1," TS
	    ",\"note\":\"%s\"}",
	    note);
	obj = ingest_json(&ig, line, err, sizeof(err));
	cr_assert_not_null(obj, "%s", err);
	json_decref(obj);

	note[FK_INGEST_MAX_FIELD] = 'n';
	note[FK_INGEST_MAX_FIELD + 1] = '\0';
	snprintf(line, FK_INGEST_MAX_FIELD + 200,
	    "{\"tx_id\":\"t\",\"user_id\":\"u\",\"amount\":1," TS
	    ",\"note\":\"%s\"}",
	    note);
	cr_assert_null(ingest_json(&ig, line, err, sizeof(err)));
	cr_assert_str_eq(
	    err, "note: string of 8193 bytes, longer than --max-field 8192");
	fk_ingest_release(&ig);
	free(note);
	free(line);
}

/* --- tx_id */

Test(ingest, tx_id_kept)
{
	struct fk_ingest ig;
	char err[256] = "";
	json_t *obj;

	fk_ingest_init(&ig);
	obj = ingest_json(&ig,
	    "{\"user_id\":\"u\",\"amount\":1," TS ",\"tx_id\":\"abc-1\"}", err,
	    sizeof(err));
	cr_assert_not_null(obj, "%s", err);
	cr_assert_str_eq(
	    json_string_value(json_object_get(obj, "tx_id")), "abc-1");
	json_decref(obj);
	fk_ingest_release(&ig);
}

/* Missing, null and "" all get an id: in place when the member exists. */
Test(ingest, tx_id_assigned)
{
	static const char *const lines[] = {
		"{\"user_id\":\"u\",\"amount\":1," TS "}",
		"{\"tx_id\":null,\"user_id\":\"u\",\"amount\":1," TS "}",
		"{\"tx_id\":\"\",\"user_id\":\"u\",\"amount\":1," TS "}",
	};
	struct fk_ingest ig;
	char err[256] = "";
	const char *id, *first;
	json_t *obj;
	size_t i;

	fk_ingest_init(&ig);
	for (i = 0; i < NELEM(lines); i++) {
		obj = ingest_json(&ig, lines[i], err, sizeof(err));
		cr_assert_not_null(obj, "%s", err);
		cr_assert(json_is_string(json_object_get(obj, "tx_id")));
		id = json_string_value(json_object_get(obj, "tx_id"));
		cr_assert(is_assigned_id(id), "\"%s\"", id);
		first = json_object_iter_key(json_object_iter(obj));
		cr_assert_str_eq(first, i == 0 ? "user_id" : "tx_id",
		    "%s: member order", lines[i]);
		json_decref(obj);
	}
	fk_ingest_release(&ig);
}

Test(ingest, tx_id_deterministic_files)
{
	static const char line[] = "{\"user_id\":\"u\",\"amount\":1," TS "}";
	static const char other[] = "{\"user_id\":\"u\",\"amount\":2," TS "}";
	struct fk_rec rec;
	char a[64], b[64];

	rec = file_rec("tx.ndjson", line, 7);
	assigned_id(line, &rec, a, sizeof(a));
	cr_assert(is_assigned_id(a), "\"%s\"", a);
	/* same line, same position: same id (a replay) */
	assigned_id(line, &rec, b, sizeof(b));
	cr_assert_str_eq(a, b);
	/* the name does not count: a file and the same file on stdin agree */
	rec = file_rec("<stdin>", line, 7);
	assigned_id(line, &rec, b, sizeof(b));
	cr_assert_str_eq(a, b);
	/* another line number */
	rec = file_rec("tx.ndjson", line, 8);
	assigned_id(line, &rec, b, sizeof(b));
	cr_assert(is_assigned_id(b), "\"%s\"", b);
	cr_assert_str_neq(a, b);
	/* other bytes at the same line number */
	rec = file_rec("tx.ndjson", other, 7);
	assigned_id(other, &rec, b, sizeof(b));
	cr_assert_str_neq(a, b);
}

/* The id hashes the raw input, not the parsed record. */
Test(ingest, tx_id_from_raw_bytes)
{
	static const char line[] = "{\"user_id\":\"u\",\"amount\":1," TS "}";
	static const char spaced[] =
	    "{\"user_id\": \"u\", \"amount\": 1, " TS "}";
	struct fk_rec rec;
	char a[64], b[64];

	rec = file_rec("tx.ndjson", line, 3);
	assigned_id(line, &rec, a, sizeof(a));
	rec = file_rec("tx.ndjson", spaced, 3);
	assigned_id(spaced, &rec, b, sizeof(b));
	cr_assert_str_neq(a, b);
}

Test(ingest, tx_id_deterministic_kafka)
{
	static const char line[] = "{\"user_id\":\"u\",\"amount\":1," TS "}";
	struct fk_rec rec;
	char a[64], b[64];

	rec = kafka_rec("transactions", 3, 1234, line);
	assigned_id(line, &rec, a, sizeof(a));
	cr_assert(is_assigned_id(a), "\"%s\"", a);
	assigned_id(line, &rec, b, sizeof(b));
	cr_assert_str_eq(a, b);
	/* the line field means nothing in Kafka */
	rec.pos.line = 99;
	assigned_id(line, &rec, b, sizeof(b));
	cr_assert_str_eq(a, b);
	rec = kafka_rec("transactions", 3, 1235, line);
	assigned_id(line, &rec, b, sizeof(b));
	cr_assert_str_neq(a, b);
	rec = kafka_rec("transactions", 4, 1234, line);
	assigned_id(line, &rec, b, sizeof(b));
	cr_assert_str_neq(a, b);
	rec = kafka_rec("payments", 3, 1234, line);
	assigned_id(line, &rec, b, sizeof(b));
	cr_assert_str_neq(a, b);
	/* a file line numbered like the offset is another position */
	rec = file_rec("transactions", line, 1234);
	assigned_id(line, &rec, b, sizeof(b));
	cr_assert_str_neq(a, b);
}

/* Kafka topic names may be 249 characters long. */
Test(ingest, tx_id_long_topic)
{
	static const char line[] = "{\"user_id\":\"u\",\"amount\":1," TS "}";
	char topic[250], a[64], b[64], c[64];
	struct fk_rec rec;

	memset(topic, 't', sizeof(topic) - 1);
	topic[sizeof(topic) - 1] = '\0';
	rec = kafka_rec(topic, 0, 1, line);
	assigned_id(line, &rec, a, sizeof(a));
	assigned_id(line, &rec, c, sizeof(c));
	cr_assert_str_eq(a, c);
	rec = kafka_rec(topic, 0, 2, line);
	assigned_id(line, &rec, b, sizeof(b));
	cr_assert_str_neq(a, b, "offsets 1 and 2 of a long topic: same id");
	rec = kafka_rec(topic, 1, 1, line);
	assigned_id(line, &rec, b, sizeof(b));
	cr_assert_str_neq(a, b, "partitions 0 and 1 of a long topic: same id");
}

/* --- NDJSON parsing */

Test(ingest, from_json_errors)
{
	struct fk_ingest ig;
	char err[256];

	fk_ingest_init(&ig);
	err[0] = '\0';
	cr_assert_null(from_json(&ig, "[1,2]", err, sizeof(err)));
	cr_assert_str_eq(err, "expected a JSON object");
	cr_assert_null(from_json(&ig, "not json", err, sizeof(err)));
	cr_assert_eq(
	    strncmp(err, "invalid JSON at column 3: ", 26), 0, "%s", err);
	cr_assert_null(from_json(&ig, "{\"a\":}", err, sizeof(err)));
	cr_assert_eq(
	    strncmp(err, "invalid JSON at column 6: ", 26), 0, "%s", err);
	cr_assert_null(from_json(&ig, "{} x", err, sizeof(err)));
	cr_assert_eq(strncmp(err, "invalid JSON at column ", 23), 0, "%s", err);
	cr_assert_null(from_json(&ig, "", err, sizeof(err)));
	cr_assert_eq(strncmp(err, "invalid JSON at column ", 23), 0, "%s", err);
	cr_assert_null(from_json(&ig, "42", err, sizeof(err)));
	cr_assert_eq(strncmp(err, "invalid JSON at column ", 23), 0, "%s", err);
	fk_ingest_release(&ig);
}

/* Only len bytes are read: a reader's line is not NUL-terminated. */
Test(ingest, from_json_uses_len)
{
	static const char buf[] = "{\"a\":1}{\"b\":2}";
	struct fk_ingest ig;
	char err[256] = "";
	json_t *obj;

	fk_ingest_init(&ig);
	obj = fk_ingest_from_json(&ig, buf, 7, err, sizeof(err));
	cr_assert_not_null(obj, "%s", err);
	check_json(obj, "{\"a\":1}");
	json_decref(obj);
	fk_ingest_release(&ig);
}

/* --- --map */

Test(ingest, map_parse)
{
	struct fk_ingest ig;
	char err[256] = "";

	fk_ingest_init(&ig);
	cr_assert_eq(fk_ingest_map_parse(
	                 &ig, "user_id=customer,amount=amt", err, sizeof(err)),
	    0, "%s", err);
	cr_assert_eq(fk_ingest_map_parse(
	                 &ig, "timestamp=ts,tx_id=a=b", err, sizeof(err)),
	    0, "%s", err);
	cr_assert_eq(ig.nmap, 4);
	cr_assert_str_eq(ig.map[0].to, "user_id");
	cr_assert_str_eq(ig.map[0].from, "customer");
	cr_assert_str_eq(ig.map[1].to, "amount");
	cr_assert_str_eq(ig.map[1].from, "amt");
	cr_assert_str_eq(ig.map[2].to, "timestamp");
	cr_assert_str_eq(ig.map[2].from, "ts");
	cr_assert_str_eq(ig.map[3].to, "tx_id");
	cr_assert_str_eq(ig.map[3].from, "a=b");
	fk_ingest_release(&ig);
}

struct map_err_case {
	char spec[40];
	char msg[96];
};

ParameterizedTestParameters(ingest, map_parse_errors)
{
	static struct map_err_case cases[] = {
		{ "user_id",
		    "expected field=INPUT_NAME[,...], got \"user_id\"" },
		{ "=customer",
		    "expected field=INPUT_NAME[,...], got \"=customer\"" },
		{ "user_id=",
		    "expected field=INPUT_NAME[,...], got \"user_id=\"" },
		{ "=", "expected field=INPUT_NAME[,...], got \"=\"" },
		{ "a=b,,c=d", "expected field=INPUT_NAME[,...], got \"\"" },
		{ ",a=b", "expected field=INPUT_NAME[,...], got \"\"" },
		{ "a=b,c", "expected field=INPUT_NAME[,...], got \"c\"" },
		{ "a=b,c=,d=e", "expected field=INPUT_NAME[,...], got \"c=\"" },
		{ "f=F:integer",
		    "f=F:integer: expected a type of int, number, "
		    "bool or string after the colon" },
		{ "f=:int",
		    "f=:int: expected a type of int, number, bool or "
		    "string after the colon" },
	};

	return cr_make_param_array(struct map_err_case, cases, NELEM(cases));
}

ParameterizedTest(struct map_err_case *c, ingest, map_parse_errors)
{
	struct fk_ingest ig;
	char err[256] = "";

	fk_ingest_init(&ig);
	cr_assert_eq(fk_ingest_map_parse(&ig, c->spec, err, sizeof(err)), -1,
	    "\"%s\" accepted", c->spec);
	cr_assert_str_eq(err, c->msg);
	fk_ingest_release(&ig);
}

Test(ingest, map_renames_json)
{
	struct fk_ingest ig;
	char err[256] = "";
	json_t *obj;

	fk_ingest_init(&ig);
	cr_assert_eq(
	    fk_ingest_map_parse(&ig,
	        "user_id=customer,amount=amt,timestamp=ts,lat=latitude", err,
	        sizeof(err)),
	    0);
	obj = ingest_json(&ig,
	    "{\"tx_id\":\"t\",\"customer\":\"c1\",\"x\":1,\"amt\":3,"
	    "\"ts\":\"2024-11-16T14:02:00Z\",\"y\":[2]}",
	    err, sizeof(err));
	cr_assert_not_null(obj, "%s", err);
	/* renamed members move to the end, in map order; others stay */
	check_json(obj,
	    "{\"tx_id\":\"t\",\"x\":1,\"y\":[2],\"user_id\":\"c1\","
	    "\"amount\":3,\"timestamp\":\"2024-11-16T14:02:00.000Z\","
	    "\"ts_ms\":1731765720000}");
	json_decref(obj);

	/* the mapped input wins over a member already named so */
	obj = ingest_json(&ig,
	    "{\"tx_id\":\"t\",\"user_id\":\"old\",\"customer\":\"new\","
	    "\"amount\":1," TS "}",
	    err, sizeof(err));
	cr_assert_not_null(obj, "%s", err);
	cr_assert_str_eq(
	    json_string_value(json_object_get(obj, "user_id")), "new");
	cr_assert_null(json_object_get(obj, "customer"));
	json_decref(obj);

	/* a mapped name absent from the record changes nothing */
	obj = ingest_json(&ig,
	    "{\"tx_id\":\"t\",\"user_id\":\"u\",\"amount\":1," TS "}", err,
	    sizeof(err));
	cr_assert_not_null(obj, "%s", err);
	check_json(
	    obj, "{\"tx_id\":\"t\",\"user_id\":\"u\",\"amount\":1," TS_OUT "}");
	json_decref(obj);

	/* renamed fields are validated under their new names */
	cr_assert_null(ingest_json(
	    &ig, "{\"customer\":\"u\",\"amt\":-2,\"ts\":0}", err, sizeof(err)));
	cr_assert_str_eq(err, "amount: expected a number >= 0, got -2");
	cr_assert_null(ingest_json(&ig,
	    "{\"customer\":\"u\",\"amt\":2,\"ts\":0,\"latitude\":\"1\"}", err,
	    sizeof(err)));
	cr_assert_str_eq(err, "lat: expected a number, got \"1\"");
	fk_ingest_release(&ig);
}

/* --- CSV */

Test(ingest, csv_header_columns)
{
	struct fk_ingest ig;
	char err[256] = "";

	fk_ingest_init(&ig);
	cr_assert_eq(csv_header(&ig, "user_id,amount,\"time stamp\",x\r", err,
	                 sizeof(err)),
	    0, "%s", err);
	cr_assert_eq(ig.ncols, 4);
	cr_assert_str_eq(ig.cols[0], "user_id");
	cr_assert_str_eq(ig.cols[1], "amount");
	cr_assert_str_eq(ig.cols[2], "time stamp");
	cr_assert_str_eq(ig.cols[3], "x");
	/* a new header replaces the old one */
	cr_assert_eq(csv_header(&ig, "a,b", err, sizeof(err)), 0);
	cr_assert_eq(ig.ncols, 2);
	cr_assert_str_eq(ig.cols[1], "b");
	fk_ingest_csv_reset(&ig);
	cr_assert_eq(ig.ncols, 0);
	cr_assert_null(ig.cols);
	fk_ingest_release(&ig);
}

Test(ingest, csv_header_bom)
{
	struct fk_ingest ig;
	char err[256] = "";

	fk_ingest_init(&ig);
	cr_assert_eq(csv_header(&ig, "\xef\xbb\xbfuser_id,amount,timestamp",
	                 err, sizeof(err)),
	    0, "%s", err);
	cr_assert_eq(ig.ncols, 3);
	cr_assert_str_eq(ig.cols[0], "user_id");
	/* only before the first name */
	cr_assert_eq(csv_header(&ig,
	                 "a,\xef\xbb\xbf"
	                 "b",
	                 err, sizeof(err)),
	    0);
	cr_assert_str_eq(ig.cols[1],
	    "\xef\xbb\xbf"
	    "b");
	fk_ingest_release(&ig);
}

/* Spreadsheets write a BOM and then quote every name. */
Test(ingest, csv_header_bom_quoted)
{
	struct fk_ingest ig;
	char err[256] = "";
	int rc;

	fk_ingest_init(&ig);
	rc = csv_header(&ig, "\xef\xbb\xbf\"user_id\",\"amount\",\"timestamp\"",
	    err, sizeof(err));
	cr_expect_eq(rc, 0, "%s", err);
	if (rc == 0) {
		cr_expect_eq(ig.ncols, 3);
		cr_expect_str_eq(ig.cols[0], "user_id");
		cr_expect_str_eq(ig.cols[2], "timestamp");
	}
	fk_ingest_release(&ig);
}

struct header_err_case {
	char line[48];
	char msg[160];
};

ParameterizedTestParameters(ingest, csv_header_errors)
{
	static struct header_err_case cases[] = {
		{ "user_id,,amount", "header: column 2 has no name" },
		{ "user_id,amount,", "header: column 3 has no name" },
		{ ",user_id", "header: column 1 has no name" },
		{ "", "header: column 1 has no name" },
		{ "\xef\xbb\xbf", "header: column 1 has no name" },
		{ "\xef\xbb\xbf,a", "header: column 1 has no name" },
		{ "a,\"\",b", "header: column 2 has no name" },
		{ "a,\"b", "header: column 2: unterminated quoted field" },
		{ "a,b\"c",
		    "header: column 2: unexpected quote in unquoted "
		    "field" },
		{ "user_id,amount,timestamp,amount",
		    "header: columns 2 (\"amount\") and 4 (\"amount\") both "
		    "give the field \"amount\"; rename one of them" },
	};

	return cr_make_param_array(struct header_err_case, cases, NELEM(cases));
}

ParameterizedTest(struct header_err_case *c, ingest, csv_header_errors)
{
	struct fk_ingest ig;
	char err[256] = "";

	fk_ingest_init(&ig);
	cr_assert_eq(csv_header(&ig, c->line, err, sizeof(err)), -1,
	    "\"%s\" accepted", c->line);
	cr_assert_str_eq(err, c->msg);
	cr_assert_eq(ig.ncols, 0);
	cr_assert_null(ig.cols);
	fk_ingest_release(&ig);
}

/* A name that is not UTF-8 cannot be a JSON member: the header must be
 * rejected, or the column kept; never dropped without a word. */
Test(ingest, csv_header_not_utf8)
{
	struct fk_ingest ig;
	char err[256] = "";
	json_t *obj;
	int rc;

	fk_ingest_init(&ig);
	rc = csv_header(
	    &ig, "user_id,amount,timestamp,caf\xe9", err, sizeof(err));
	if (rc == 0) {
		obj = from_csv(&ig, "u,1,0,x", err, sizeof(err));
		cr_assert_not_null(obj, "%s", err);
		cr_expect_eq(json_object_size(obj), 4,
		    "column \"caf\\xe9\" dropped silently");
		json_decref(obj);
	}
	fk_ingest_release(&ig);
}

struct csv_case {
	char row[120];
	char want[400]; /* output, or the message when reject is set */
	int reject;
};

ParameterizedTestParameters(ingest, csv_rows)
{
	static struct csv_case cases[] = {
		/* numeric strings become numbers for amount, lat, lon only;
		 * whole ones stay integers */
		{ "t1,007,12.50,usd,2024-11-16T14:02:00Z,48.85,2.35,n",
		    "{\"tx_id\":\"t1\",\"user_id\":\"007\",\"amount\":12.5,"
		    "\"currency\":\"USD\"," TS_NORM ","
		    "\"lat\":48.85,\"lon\":2.35,\"note\":\"n\"," TS_MS "}",
		    0 },
		{ "123,42,12,EUR,1731765720,-90,180,7",
		    "{\"tx_id\":\"123\",\"user_id\":\"42\",\"amount\":12,"
		    "\"currency\":\"EUR\"," TS_NORM ","
		    "\"lat\":-90,\"lon\":180,\"note\":\"7\"," TS_MS "}",
		    0 },
		{ "t,u,1e3,,1731765720123,-0.5,1E1,",
		    "{\"tx_id\":\"t\",\"user_id\":\"u\",\"amount\":1000.0,"
		    "\"timestamp\":\"2024-11-16T14:02:00.123Z\","
		    "\"lat\":-0.5,\"lon\":10.0,\"note\":\"\","
		    "\"ts_ms\":1731765720123}",
		    0 },
		/* quoted fields, CRLF line end */
		{ "\"t,1\",\"u \"\"x\"\"\",\"0\",\"gbp\","
		  "\"2024-11-16 14:02:00\",,,\"a,b\"\r",
		    "{\"tx_id\":\"t,1\",\"user_id\":\"u \\\"x\\\"\","
		    "\"amount\":0,\"currency\":\"GBP\"," TS_NORM
		    ",\"note\":\"a,b\"," TS_MS "}",
		    0 },
		/* empty optional fields are absent, empty others stay */
		{ "t,u,5,,2024-11-16T14:02:00Z,,,",
		    "{\"tx_id\":\"t\",\"user_id\":\"u\",\"amount\":5," TS_NORM
		    ",\"note\":\"\"," TS_MS "}",
		    0 },
		/* rejected */
		{ "t,u,\"12,5\",,0,,,",
		    "amount: expected a number, got \"12,5\"", 1 },
		{ "t,u,-1,,0,,,", "amount: expected a number >= 0, got -1", 1 },
		{ "t,u,,,0,,,", "amount: expected a number, got \"\"", 1 },
		{ "t,u, 5,,0,,,", "amount: expected a number, got \" 5\"", 1 },
		{ "t,u,5 ,,0,,,", "amount: expected a number, got \"5 \"", 1 },
		{ "t,u,0x10,,0,,,", "amount: expected a number, got \"0x10\"",
		    1 },
		{ "t,u,inf,,0,,,", "amount: expected a number, got \"inf\"",
		    1 },
		{ "t,u,nan,,0,,,", "amount: expected a number, got \"nan\"",
		    1 },
		{ "t,u,1e999,,0,,,", "amount: expected a number, got \"1e999\"",
		    1 },
		{ "t,u,1-2,,0,,,", "amount: expected a number, got \"1-2\"",
		    1 },
		{ "t,u,\xe2\x82\xac"
		  "5,,0,,,",
		    "amount: expected a number, got \"\xe2\x82\xac"
		    "5\"",
		    1 },
		{ "t,,5,,0,,,",
		    "user_id: expected a non-empty string, got \"\"", 1 },
		{ "t,u,5,us,0,,,",
		    "currency: expected three letters (ISO 4217), got \"us\"",
		    1 },
		{ "t,u,5,,0,91,,",
		    "lat: expected a number from -90 to 90, got 91", 1 },
		{ "t,u,5,,0,,-180.5,",
		    "lon: expected a number from -180 to 180, got -180.5", 1 },
		{ "t,u,5,,0,north,,", "lat: expected a number, got \"north\"",
		    1 },
		{ "t,u,5,,0,,,x,y", "expected 8 fields as in the header, got 9",
		    1 },
		{ "t,u,5", "expected 8 fields as in the header, got 3", 1 },
		{ "", "expected 8 fields as in the header, got 1", 1 },
		{ "t,u,\"5,,0,,,", "column 3: unterminated quoted field", 1 },
		{ "t,u,5,,0,,,\xff", "note: not valid UTF-8", 1 },
	};

	return cr_make_param_array(struct csv_case, cases, NELEM(cases));
}

ParameterizedTest(struct csv_case *c, ingest, csv_rows)
{
	struct fk_ingest ig;
	char err[512] = "";
	json_t *obj;

	fk_ingest_init(&ig);
	cr_assert_eq(
	    csv_header(&ig, CSV_HEADER, err, sizeof(err)), 0, "%s", err);
	obj = ingest_csv(&ig, c->row, err, sizeof(err));
	if (c->reject) {
		cr_assert_null(obj, "\"%s\" accepted", c->row);
		cr_assert_str_eq(err, c->want, "\"%s\"", c->row);
	} else {
		cr_assert_not_null(obj, "\"%s\": %s", c->row, err);
		check_json(obj, c->want);
		json_decref(obj);
	}
	fk_ingest_release(&ig);
}

/* An empty timestamp is not optional: rejected with a message. */
Test(ingest, csv_empty_timestamp)
{
	struct fk_ingest ig;
	char err[512] = "";

	fk_ingest_init(&ig);
	cr_assert_eq(csv_header(&ig, CSV_HEADER, err, sizeof(err)), 0);
	cr_assert_null(ingest_csv(&ig, "t,u,5,,,,,", err, sizeof(err)));
	cr_assert_eq(
	    strncmp(err, "timestamp: expected RFC 3339 or epoch time", 42), 0,
	    "%s", err);
	fk_ingest_release(&ig);
}

Test(ingest, csv_tx_id_assigned_from_line)
{
	static const char row[] = ",u,5,,2024-11-16T14:02:00Z,,,";
	struct fk_ingest ig;
	struct fk_rec rec;
	char err[256] = "", first[64];
	json_t *obj;

	fk_ingest_init(&ig);
	cr_assert_eq(csv_header(&ig, CSV_HEADER, err, sizeof(err)), 0);
	obj = from_csv(&ig, row, err, sizeof(err));
	cr_assert_not_null(obj, "%s", err);
	cr_assert_null(json_object_get(obj, "tx_id"), "empty tx_id dropped");
	rec = file_rec("tx.csv", row, 2);
	cr_assert_eq(fk_ingest_normalize(&ig, obj, 1, &rec, err, sizeof(err)),
	    0, "%s", err);
	snprintf(first, sizeof(first), "%s",
	    json_string_value(json_object_get(obj, "tx_id")));
	cr_assert(is_assigned_id(first), "\"%s\"", first);
	json_decref(obj);

	/* the same row on another line: another id */
	obj = from_csv(&ig, row, err, sizeof(err));
	cr_assert_not_null(obj, "%s", err);
	rec = file_rec("tx.csv", row, 3);
	cr_assert_eq(fk_ingest_normalize(&ig, obj, 1, &rec, err, sizeof(err)),
	    0, "%s", err);
	cr_assert_str_neq(
	    json_string_value(json_object_get(obj, "tx_id")), first);
	json_decref(obj);
	fk_ingest_release(&ig);
}

Test(ingest, csv_no_header)
{
	struct fk_ingest ig;
	char err[256] = "";

	fk_ingest_init(&ig);
	cr_assert_null(from_csv(&ig, "a,b", err, sizeof(err)));
	cr_assert_str_eq(err, "expected 0 fields as in the header, got 2");
	fk_ingest_release(&ig);
}

Test(ingest, csv_header_renames)
{
	struct fk_ingest ig;
	char err[256] = "";
	json_t *obj;

	fk_ingest_init(&ig);
	cr_assert_eq(fk_ingest_map_parse(&ig,
	                 "user_id=Customer,amount=Amount (EUR),timestamp=When",
	                 err, sizeof(err)),
	    0);
	cr_assert_eq(csv_header(&ig,
	                 "\xef\xbb\xbf"
	                 "Customer,Amount (EUR),When,Shop",
	                 err, sizeof(err)),
	    0, "%s", err);
	cr_assert_eq(ig.ncols, 4);
	cr_assert_str_eq(ig.cols[0], "user_id");
	cr_assert_str_eq(ig.cols[1], "amount");
	cr_assert_str_eq(ig.cols[2], "timestamp");
	cr_assert_str_eq(ig.cols[3], "Shop");
	obj = ingest_csv(
	    &ig, "c9,\"19.99\",2024-11-16T14:02:00Z,s1", err, sizeof(err));
	cr_assert_not_null(obj, "%s", err);
	cr_assert_str_eq(
	    json_string_value(json_object_get(obj, "user_id")), "c9");
	cr_assert(json_is_real(json_object_get(obj, "amount")));
	cr_assert_float_eq(
	    json_real_value(json_object_get(obj, "amount")), 19.99, 1e-12);
	cr_assert_str_eq(json_string_value(json_object_get(obj, "timestamp")),
	    "2024-11-16T14:02:00.000Z");
	cr_assert_str_eq(json_string_value(json_object_get(obj, "Shop")), "s1");
	cr_assert_null(json_object_get(obj, "Customer"));
	json_decref(obj);
	fk_ingest_release(&ig);
}

/* Typed columns: a CSV label becomes a number, an empty field is left
 * out, a value that is not of the type is rejected, naming it. */
Test(ingest, csv_typed_columns)
{
	struct fk_ingest ig;
	char err[256] = "";
	json_t *obj;

	fk_ingest_init(&ig);
	cr_assert_eq(fk_ingest_map_parse(&ig,
	                 "fraud=TX_FRAUD:int,risk=R:number,vip=V:bool,"
	                 "acct=A:string,keep=K",
	                 err, sizeof(err)),
	    0, "%s", err);
	cr_assert_str_eq(ig.map[0].from, "TX_FRAUD");
	cr_assert_eq(ig.map[0].type, FK_TYPE_INT);
	cr_assert_eq(ig.map[4].type, FK_TYPE_ASIS);
	cr_assert_eq(
	    csv_header(&ig, "user_id,amount,timestamp,TX_FRAUD,R,V,A,K", err,
	        sizeof(err)),
	    0, "%s", err);
	obj = ingest_csv(
	    &ig, "u,1,2024-11-16T14:02:00Z,1,2.5,true,007,1", err, sizeof(err));
	cr_assert_not_null(obj, "%s", err);
	cr_assert(json_is_integer(json_object_get(obj, "fraud")));
	cr_assert_eq(json_integer_value(json_object_get(obj, "fraud")), 1);
	cr_assert_float_eq(
	    json_real_value(json_object_get(obj, "risk")), 2.5, 1e-12);
	cr_assert(json_is_true(json_object_get(obj, "vip")));
	cr_assert_str_eq(
	    json_string_value(json_object_get(obj, "acct")), "007");
	cr_assert_str_eq(json_string_value(json_object_get(obj, "keep")), "1");
	json_decref(obj);
	obj = ingest_csv(
	    &ig, "u,1,2024-11-16T14:02:00Z,,3,0,,x", err, sizeof(err));
	cr_assert_not_null(obj, "%s", err);
	cr_assert_null(json_object_get(obj, "fraud"), "empty: left out");
	cr_assert_eq(json_integer_value(json_object_get(obj, "risk")), 3);
	cr_assert(json_is_false(json_object_get(obj, "vip")));
	cr_assert_str_eq(json_string_value(json_object_get(obj, "acct")), "");
	json_decref(obj);
	cr_assert_null(ingest_csv(
	    &ig, "u,1,2024-11-16T14:02:00Z,yes,3,0,a,x", err, sizeof(err)));
	cr_assert_str_eq(
	    err, "fraud: \"yes\" is not an int (--map fraud=TX_FRAUD:int)");
	cr_assert_null(ingest_csv(
	    &ig, "u,1,2024-11-16T14:02:00Z,1,1.5x,0,a,x", err, sizeof(err)));
	cr_assert_str_eq(
	    err, "risk: \"1.5x\" is not a number (--map risk=R:number)");
	cr_assert_null(ingest_csv(
	    &ig, "u,1,2024-11-16T14:02:00Z,1,1,Y,a,x", err, sizeof(err)));
	cr_assert_str_eq(err, "vip: \"Y\" is not a bool (--map vip=V:bool)");
	fk_ingest_release(&ig);
}

Test(ingest, csv_max_field)
{
	struct fk_ingest ig;
	char err[256] = "";

	fk_ingest_init(&ig);
	ig.max_field = MAXF;
	cr_assert_eq(csv_header(&ig, CSV_HEADER, err, sizeof(err)), 0);
	cr_assert_null(ingest_csv(&ig,
	    "t,u,5,,2024-11-16T14:02:00Z,,,1234567890123456789012345", err,
	    sizeof(err)));
	cr_assert_str_eq(
	    err, "note: string of 25 bytes, longer than --max-field 24");
	fk_ingest_release(&ig);
}

/* --- kcat -J envelopes */

#define PAYLOAD                                                                \
	"\"{\\\"tx_id\\\":\\\"t\\\",\\\"user_id\\\":\\\"u1\\\","               \
	"\\\"amount\\\":5,\\\"timestamp\\\":1731765720}\""

Test(ingest, envelope_payload)
{
	static const char line[] =
	    "{\"topic\":\"tx\",\"partition\":2,\"offset\":17,"
	    "\"tstype\":\"create\",\"ts\":1731765720000,\"broker\":1,"
	    "\"key\":\"u1\",\"payload\":" PAYLOAD "}";
	struct fk_ingest ig;
	struct fk_rec rec = file_rec("env.ndjson", line, 1);
	char err[256] = "";
	json_t *obj;

	fk_ingest_init(&ig);
	ig.envelope = 1;
	obj = from_json(&ig, line, err, sizeof(err));
	cr_assert_not_null(obj, "%s", err);
	check_json(obj,
	    "{\"tx_id\":\"t\",\"user_id\":\"u1\",\"amount\":5,"
	    "\"timestamp\":1731765720,"
	    "\"_src\":{\"topic\":\"tx\",\"partition\":2,\"offset\":17}}");
	cr_assert_eq(fk_ingest_normalize(&ig, obj, 0, &rec, err, sizeof(err)),
	    0, "%s", err);
	check_json(obj,
	    "{\"tx_id\":\"t\",\"user_id\":\"u1\",\"amount\":5," TS_NORM
	    ",\"_src\":{\"topic\":\"tx\",\"partition\":2,\"offset\":17}," TS_MS
	    "}");
	json_decref(obj);
	fk_ingest_release(&ig);
}

struct env_err_case {
	char line[120];
	char msg[80];
	int prefix; /* msg is only the start: jansson's own words follow */
};

ParameterizedTestParameters(ingest, envelope_errors)
{
	static struct env_err_case cases[] = {
		{ "{\"topic\":\"tx\",\"partition\":0,\"offset\":1,\"payload\":null}",
		    "payload: expected a string, got null", 0 },
		{ "{\"topic\":\"tx\",\"partition\":0,\"offset\":1}",
		    "payload: expected a string, got none", 0 },
		{ "{\"payload\":5}",
		    "payload: expected a string, got another type", 0 },
		{ "{\"payload\":{\"user_id\":\"u\"}}",
		    "payload: expected a string, got another type", 0 },
		{ "{\"payload\":\"not json\"}",
		    "payload: invalid JSON at column 3: ", 1 },
		{ "{\"payload\":\"\"}", "payload: invalid JSON at column ", 1 },
		{ "{\"payload\":\"null\"}", "payload: invalid JSON at column ",
		    1 },
		{ "{\"payload\":\"{\\\"a\\\":1} x\"}",
		    "payload: invalid JSON at column ", 1 },
		{ "{\"payload\":\"[1,2]\"}", "payload: expected a JSON object",
		    0 },
		{ "not json", "envelope: invalid JSON at column 3: ", 1 },
		{ "[]", "envelope: expected a JSON object", 0 },
		/* a bare record is not an envelope */
		{ "{\"user_id\":\"u\",\"amount\":1,\"timestamp\":0}",
		    "payload: expected a string, got none", 0 },
	};

	return cr_make_param_array(struct env_err_case, cases, NELEM(cases));
}

ParameterizedTest(struct env_err_case *c, ingest, envelope_errors)
{
	struct fk_ingest ig;
	char err[256] = "";

	fk_ingest_init(&ig);
	ig.envelope = 1;
	cr_assert_null(
	    from_json(&ig, c->line, err, sizeof(err)), "%s accepted", c->line);
	if (c->prefix)
		cr_assert_eq(strncmp(err, c->msg, strlen(c->msg)), 0,
		    "\"%s\" does not start with \"%s\"", err, c->msg);
	else
		cr_assert_str_eq(err, c->msg);
	fk_ingest_release(&ig);
}

/* _src has what the envelope has; a payload's own _src is replaced. */
Test(ingest, envelope_src)
{
	struct fk_ingest ig;
	char err[256] = "";
	json_t *obj;

	fk_ingest_init(&ig);
	ig.envelope = 1;
	obj =
	    from_json(&ig, "{\"payload\":\"{\\\"a\\\":1}\"}", err, sizeof(err));
	cr_assert_not_null(obj, "%s", err);
	check_json(obj, "{\"a\":1,\"_src\":{}}");
	json_decref(obj);

	obj = from_json(&ig,
	    "{\"offset\":9,\"topic\":\"p\",\"payload\":"
	    "\"{\\\"_src\\\":\\\"forged\\\",\\\"a\\\":1}\",\"partition\":0}",
	    err, sizeof(err));
	cr_assert_not_null(obj, "%s", err);
	check_json(obj,
	    "{\"_src\":{\"topic\":\"p\",\"partition\":0,\"offset\":9},"
	    "\"a\":1}");
	json_decref(obj);
	fk_ingest_release(&ig);
}

Test(ingest, envelope_with_map)
{
	static const char line[] =
	    "{\"topic\":\"tx\",\"partition\":0,\"offset\":3,\"payload\":"
	    "\"{\\\"cust\\\":\\\"c\\\",\\\"amount\\\":2,"
	    "\\\"timestamp\\\":\\\"2024-11-16T14:02:00Z\\\"}\"}";
	struct fk_ingest ig;
	struct fk_rec rec = kafka_rec("tx", 0, 3, line);
	char err[256] = "";
	json_t *obj;

	fk_ingest_init(&ig);
	ig.envelope = 1;
	cr_assert_eq(
	    fk_ingest_map_parse(&ig, "user_id=cust", err, sizeof(err)), 0);
	obj = from_json(&ig, line, err, sizeof(err));
	cr_assert_not_null(obj, "%s", err);
	cr_assert_eq(fk_ingest_normalize(&ig, obj, 0, &rec, err, sizeof(err)),
	    0, "%s", err);
	cr_assert_str_eq(
	    json_string_value(json_object_get(obj, "user_id")), "c");
	cr_assert_null(json_object_get(obj, "cust"));
	cr_assert(
	    is_assigned_id(json_string_value(json_object_get(obj, "tx_id"))));
	json_decref(obj);
	fk_ingest_release(&ig);
}

/* Numeric strings stay strings in a payload: it is JSON, not CSV. */
Test(ingest, envelope_payload_is_json)
{
	static const char line[] =
	    "{\"payload\":\"{\\\"user_id\\\":\\\"u\\\","
	    "\\\"amount\\\":\\\"5\\\",\\\"timestamp\\\":0}\"}";
	struct fk_ingest ig;
	struct fk_rec rec = kafka_rec("tx", 0, 0, line);
	char err[256] = "";
	json_t *obj;

	fk_ingest_init(&ig);
	ig.envelope = 1;
	obj = from_json(&ig, line, err, sizeof(err));
	cr_assert_not_null(obj, "%s", err);
	cr_assert_eq(
	    fk_ingest_normalize(&ig, obj, 0, &rec, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "amount: expected a number, got \"5\"");
	json_decref(obj);
	fk_ingest_release(&ig);
}

/* The same record object normalized as CSV takes numeric strings. */
Test(ingest, numeric_strings_only_from_csv)
{
	static const char line[] =
	    "{\"tx_id\":\"t\",\"user_id\":\"u\",\"amount\":\"5.5\","
	    "\"timestamp\":0,\"lat\":\"-1.5\",\"lon\":\"2\"}";
	struct fk_ingest ig;
	struct fk_rec rec = file_rec("x", line, 1);
	char err[256] = "";
	json_t *obj;

	fk_ingest_init(&ig);
	obj = from_json(&ig, line, err, sizeof(err));
	cr_assert_not_null(obj);
	cr_assert_eq(
	    fk_ingest_normalize(&ig, obj, 0, &rec, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "amount: expected a number, got \"5.5\"");
	json_decref(obj);

	obj = from_json(&ig, line, err, sizeof(err));
	cr_assert_not_null(obj);
	cr_assert_eq(fk_ingest_normalize(&ig, obj, 1, &rec, err, sizeof(err)),
	    0, "%s", err);
	check_json(obj,
	    "{\"tx_id\":\"t\",\"user_id\":\"u\",\"amount\":5.5,"
	    "\"timestamp\":\"1970-01-01T00:00:00.000Z\",\"lat\":-1.5,"
	    "\"lon\":2,\"ts_ms\":0}");
	json_decref(obj);
	fk_ingest_release(&ig);
}

Test(ingest, release_twice_and_reuse)
{
	struct fk_ingest ig;
	char err[256] = "";

	fk_ingest_init(&ig);
	cr_assert_eq(fk_ingest_map_parse(&ig, "a=b", err, sizeof(err)), 0);
	cr_assert_eq(csv_header(&ig, "x,y", err, sizeof(err)), 0);
	fk_ingest_release(&ig);
	fk_ingest_init(&ig);
	cr_assert_eq(ig.nmap, 0);
	cr_assert_eq(ig.ncols, 0);
	cr_assert_eq(ig.envelope, 0);
	cr_assert_eq(ig.max_field, FK_INGEST_MAX_FIELD);
	fk_ingest_release(&ig);
}

/* A column --map takes a field from replaces the column of that name; a
 * NUL byte in a value is refused, as NDJSON refuses \u0000. */
Test(ingest, csv_map_replaces_a_column_and_nul_refused)
{
	struct fk_ingest ig;
	char err[256] = "";
	json_t *o;

	fk_ingest_init(&ig);
	cr_assert_eq(fk_ingest_map_parse(&ig, "amount=amt", err, sizeof(err)),
	    0, "%s", err);
	cr_assert_eq(
	    csv_header(&ig, "user_id,amount,timestamp,amt", err, sizeof(err)),
	    0, "%s", err);
	o = from_csv(&ig, "U1,3,2026-12-01T00:00:00Z,4", err, sizeof(err));
	cr_assert_not_null(o, "%s", err);
	cr_assert_str_eq(json_string_value(json_object_get(o, "amount")), "4");
	json_decref(o);
	fk_ingest_release(&ig);

	fk_ingest_init(&ig);
	cr_assert_eq(fk_ingest_map_parse(
	                 &ig, "amount=amt,amount=x", err, sizeof(err)) == -1 ||
	        csv_header(&ig, "user_id,amt,x,timestamp", err, sizeof(err)) ==
	            -1,
	    1, "two sources of one field accepted");
	fk_ingest_release(&ig);

	fk_ingest_init(&ig);
	cr_assert_eq(
	    csv_header(&ig, "user_id,amount,timestamp", err, sizeof(err)), 0,
	    "%s", err);
	{
		static const char row[] = "U\0001,3,2026-12-01T00:00:00Z";
		o = fk_ingest_from_csv(
		    &ig, row, sizeof(row) - 1, err, sizeof(err));
	}
	cr_assert_null(o);
	cr_assert_str_eq(err, "user_id: a NUL byte in the value");
	fk_ingest_release(&ig);
}
