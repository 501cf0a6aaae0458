/* The fast path must agree with the full parse on every line it takes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "ingest.h"

static struct fk_rec
file_rec(const char *line, long long lineno)
{
	struct fk_rec r;

	memset(&r, 0, sizeof(r));
	r.data = line;
	r.len = strlen(line);
	r.pos.source = "t.ndjson";
	r.pos.line = lineno;
	r.pos.partition = -1;
	r.pos.offset = -1;
	r.ts_ms = -1;
	return r;
}

/* 1 if the full path accepts; its output as a new object in *out. */
static int
slow(struct fk_ingest *ig, const struct fk_rec *r, json_t **out)
{
	char err[512];
	json_t *o = fk_ingest_from_json(ig, r->data, r->len, err, sizeof(err));

	*out = NULL;
	if (o == NULL)
		return 0;
	if (fk_ingest_normalize(ig, o, 0, r, err, sizeof(err)) == -1) {
		json_decref(o);
		return 0;
	}
	*out = o;
	return 1;
}

static const char *const lines[] = {
	"{\"user_id\":\"U1\",\"amount\":1500.75,\"timestamp\":\"2024-11-16T14:02:00Z\"}",
	"{\"user_id\":42,\"amount\":19.99,\"timestamp\":1731765720,\"lat\":51.5,\"lon\":-0.12}",
	"{\"user_id\":\"U2\",\"amount\":0,\"timestamp\":1731765720123,\"currency\":\"eur\"}",
	"{\"tx_id\":\"t1\",\"user_id\":\"U3\",\"amount\":1.0,\"timestamp\":\"2024-11-16 14:02:00.5\",\"x\":{\"a\":[1,2,{\"b\":null}]}}",
	"{\"tx_id\":7,\"user_id\":\"U4\",\"amount\":2,\"timestamp\":\"2024-11-16T15:02:00+01:00\",\"ts_ms\":1}",
	"{\"tx_id\":null,\"user_id\":\"U5\",\"amount\":3,\"timestamp\":\"2024-11-16T14:02:00.123456Z\"}",
	"{\"tx_id\":\"\",\"user_id\":\"U\\u00e9\",\"amount\":4,\"timestamp\":\"2024-11-16T14:02:00Z\"}",
	"  { \"user_id\" : \"U6\" , \"amount\" : 5e2 , \"timestamp\" : \"2024-11-16t14:02:00z\" }  ",
	"{\"user_id\":\"U7\",\"amount\":5,\"timestamp\":\"2024-11-16T14:02:00Z\",\"note\":\"caf\xc3\xa9 \\\"q\\\"\"}",
	/* each of these must be declined or rejected by both */
	"{\"user_id\":\"\",\"amount\":1,\"timestamp\":1}",
	"{\"user_id\":1.5,\"amount\":1,\"timestamp\":1}",
	"{\"user_id\":\"U\",\"amount\":-1,\"timestamp\":1}",
	"{\"user_id\":\"U\",\"amount\":\"1\",\"timestamp\":1}",
	"{\"user_id\":\"U\",\"amount\":1,\"timestamp\":\"yesterday\"}",
	"{\"user_id\":\"U\",\"amount\":1,\"timestamp\":1,\"currency\":\"EU1\"}",
	"{\"user_id\":\"U\",\"amount\":1,\"timestamp\":1,\"lat\":90.5}",
	"{\"user_id\":\"U\",\"amount\":1,\"timestamp\":1,\"lon\":null}",
	"{\"user_id\":\"U\",\"amount\":1,\"timestamp\":1,\"tx_id\":true}",
	"{\"user_id\":\"U\",\"user_id\":\"V\",\"amount\":1,\"timestamp\":1}",
	"{\"amount\":1,\"timestamp\":1}",
	"{\"user_id\":\"U\",\"amount\":1,\"timestamp\":1",
	"[1]",
	"{\"user_id\":\"U\",\"amount\":1,\"timestamp\":1,\"s\":\"\xff\"}",
};

Test(ingest_fast, agrees_with_full_parse)
{
	struct fk_ingest ig;
	const char *key;
	size_t keylen;
	size_t taken = 0;

	fk_ingest_init(&ig);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct fk_rec r = file_rec(lines[i], (long long)i + 1);
		json_t *want, *got;
		json_error_t je;
		int ok_slow = slow(&ig, &r, &want);

		if (!fk_ingest_fast(&ig, &r, "user_id", &key, &keylen)) {
			json_decref(want);
			continue;
		}
		taken++;
		cr_assert(ok_slow,
		    "fast path took a line the full parse "
		    "rejects: %s",
		    lines[i]);
		got = json_loadb(ig.out, ig.outlen, 0, &je);
		cr_assert_not_null(got, "fast output is not JSON: %.*s: %s",
		    (int)ig.outlen, ig.out, je.text);
		cr_assert(json_equal(got, want), "line %zu: fast %.*s", i + 1,
		    (int)ig.outlen, ig.out);
		/* The key is the user_id string either way. */
		cr_assert_eq(keylen,
		    json_string_length(json_object_get(want, "user_id")));
		json_decref(got);
		json_decref(want);
	}
	cr_assert_eq(taken, 8, "fast path took %zu lines", taken);
	fk_ingest_release(&ig);
}

Test(ingest_fast, output_keeps_unknown_members_as_written)
{
	struct fk_ingest ig;
	struct fk_rec r = file_rec("{\"user_id\":\"U\",\"amount\":1.50,"
	                           "\"timestamp\":1731765720,\"x\":[1, 2]}",
	    3);
	const char *key;
	size_t keylen;

	fk_ingest_init(&ig);
	cr_assert(fk_ingest_fast(&ig, &r, "user_id", &key, &keylen));
	cr_assert_eq(ig.outlen,
	    strlen("{\"user_id\":\"U\",\"amount\":1.50,"
	           "\"timestamp\":\"2024-11-16T14:02:00.000Z\","
	           "\"x\":[1, 2],\"ts_ms\":1731765720000,"
	           "\"tx_id\":\"fk-0000000000000000\"}"));
	cr_assert(memcmp(ig.out,
	              "{\"user_id\":\"U\",\"amount\":1.50,\"timestamp\":"
	              "\"2024-11-16T14:02:00.000Z\",\"x\":[1, 2],"
	              "\"ts_ms\":1731765720000,\"tx_id\":\"fk-",
	              ig.outlen - 18) == 0,
	    "%.*s", (int)ig.outlen, ig.out);
	cr_assert_eq(keylen, 1);
	cr_assert_eq(key[0], 'U');
	fk_ingest_release(&ig);
}

Test(ingest_fast, tx_id_same_as_full_parse)
{
	struct fk_ingest ig;
	struct fk_rec r = file_rec(
	    "{\"user_id\":\"U\",\"amount\":1,\"timestamp\":1731765720}", 9);
	const char *key;
	size_t keylen;
	json_t *want;

	fk_ingest_init(&ig);
	cr_assert(slow(&ig, &r, &want));
	cr_assert(fk_ingest_fast(&ig, &r, "user_id", &key, &keylen));
	ig.out[ig.outlen] = '\0'; /* outcap always leaves room */
	cr_assert(
	    strstr(ig.out, json_string_value(json_object_get(want, "tx_id"))) !=
	    NULL);
	json_decref(want);
	fk_ingest_release(&ig);
}

/* --ingest-time: both paths write the stamp, replacing one the input
 * had. */
Test(ingest_fast, ingest_time_stamp)
{
	static const char *const in[] = {
		"{\"user_id\":\"U\",\"amount\":1,\"timestamp\":1731765720}",
		"{\"user_id\":\"U\",\"ingest_ms\":7,\"amount\":1,"
		"\"timestamp\":1731765720}",
	};
	struct fk_ingest ig;
	const char *key;
	size_t keylen;

	fk_ingest_init(&ig);
	ig.stamp = 1800000000123LL;
	for (size_t i = 0; i < 2; i++) {
		struct fk_rec r = file_rec(in[i], 1);
		json_t *want, *got;

		cr_assert(slow(&ig, &r, &want));
		cr_assert(fk_ingest_fast(&ig, &r, "user_id", &key, &keylen));
		got = json_loadb(ig.out, ig.outlen, 0, NULL);
		cr_assert_not_null(got, "%.*s", (int)ig.outlen, ig.out);
		cr_assert(
		    json_equal(got, want), "%.*s", (int)ig.outlen, ig.out);
		cr_assert_eq(
		    json_integer_value(json_object_get(got, "ingest_ms")),
		    1800000000123LL);
		json_decref(got);
		json_decref(want);
	}
	fk_ingest_release(&ig);
}

/* make fuzz (fuzz_ingest, seed-ingest/epoch-fraction): the fast path
 * read a fractional epoch time an ulp low and wrote ts_ms ...001 where
 * the full parse (and the same time as a string) gives ...002. */
Test(ingest_fast, epoch_fraction_as_the_full_parse_reads_it)
{
	struct fk_ingest ig;
	struct fk_rec r = file_rec("{\"user_id\":42,\"amount\":19.99,"
	                           "\"timestamp\":1731765720.0019995,"
	                           "\"lat\":51.5,\"lon\":-0.12}",
	    1);
	const char *key;
	size_t keylen;
	json_t *want, *got;
	json_error_t je;

	fk_ingest_init(&ig);
	cr_assert(slow(&ig, &r, &want));
	cr_assert_eq(
	    json_integer_value(json_object_get(want, "ts_ms")), 1731765720002);
	cr_assert(fk_ingest_fast(&ig, &r, "user_id", &key, &keylen));
	cr_assert_eq(ig.ts_ms, 1731765720002);
	got = json_loadb(ig.out, ig.outlen, 0, &je);
	cr_assert_not_null(got);
	cr_assert(json_equal(got, want), "fast %.*s", (int)ig.outlen, ig.out);
	json_decref(got);
	json_decref(want);
	fk_ingest_release(&ig);
}

/* make fuzz (fuzz_ingest, seed-ingest/minus-zero): an integer user_id,
 * tx_id or -k field written -0 went out quoted as "-0" where the full
 * parse writes "0" (and keys by 0); the fast path leaves it to that. */
Test(ingest_fast, minus_zero_as_the_full_parse_writes_it)
{
	static const char *const cases[] = {
		"{\"user_id\":-0,\"amount\":1,\"timestamp\":1}",
		"{\"user_id\":\"U\",\"tx_id\":-0,\"amount\":1,\"timestamp\":1}",
	};
	struct fk_ingest ig;
	const char *key;
	size_t keylen;
	json_t *want;

	fk_ingest_init(&ig);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fk_rec r = file_rec(cases[i], 1);

		cr_assert(slow(&ig, &r, &want));
		cr_assert_str_eq(json_string_value(json_object_get(
		                     want, i == 0 ? "user_id" : "tx_id")),
		    "0");
		cr_assert_not(fk_ingest_fast(&ig, &r, "user_id", &key, &keylen),
		    "%s", cases[i]);
		json_decref(want);
	}
	{
		struct fk_rec r =
		    file_rec("{\"user_id\":\"U\",\"merchant_id\":-0,"
		             "\"amount\":1,\"timestamp\":1}",
		        1);

		cr_assert_not(
		    fk_ingest_fast(&ig, &r, "merchant_id", &key, &keylen));
		cr_assert(fk_ingest_fast(&ig, &r, "user_id", &key, &keylen));
	}
	fk_ingest_release(&ig);
}
