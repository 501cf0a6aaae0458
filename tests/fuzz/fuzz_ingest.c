/* libFuzzer: fkcat-in's record path for an NDJSON line (ingest.c), any
 * bytes as one line: the fast path (fk_ingest_fast) and the full parse
 * (fk_ingest_from_json, fk_ingest_normalize, fk_ingest_dump).  No crash,
 * no sanitizer report, and what test_ingest_fast asks of its examples:
 * a line the fast path takes, the full parse takes too, to the same
 * record and the same key.  Only jansson's own limits (numbers too big
 * for a double or an int64) may make the full parse refuse a line the
 * fast path copied through. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/* jansson's numbers are C's: one too large for them is still JSON. */
static int
jansson_limit(const char *msg)
{
	return strstr(msg, "too big") != NULL ||
	    strstr(msg, "overflow") != NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct fk_ingest ig;
	static int ready;
	struct fk_rec rec;
	const char *key, *skey;
	size_t keylen, skeylen;
	char err[512];
	json_t *obj, *fast;
	json_error_t je;
	int took;
	/* An exact copy, as the reader's line: no NUL after it. */
	char *line = malloc(len > 0 ? len : 1);

	if (line == NULL)
		abort();
	if (len > 0)
		memcpy(line, data, len);
	/* One fk_ingest for every line, as fkcat-in keeps it. */
	if (!ready) {
		fk_ingest_init(&ig);
		ready = 1;
	}
	memset(&rec, 0, sizeof(rec));
	rec.data = line;
	rec.len = len;
	rec.ts_ms = -1;
	rec.pos.source = "in.ndjson";
	rec.pos.line = 7;
	rec.pos.partition = -1;
	rec.pos.offset = -1;
	took = fk_ingest_fast(&ig, &rec, "user_id", &key, &keylen);
	fast = took ? json_loadb(ig.out, ig.outlen, 0, &je) : NULL;
	if (took && fast == NULL) {
		if (!jansson_limit(je.text))
			abort();
		took = 0;
	}
	obj = fk_ingest_from_json(&ig, line, len, err, sizeof(err));
	if (obj == NULL) {
		if (took && !jansson_limit(err))
			abort();
		json_decref(fast);
		free(line);
		return 0;
	}
	if (fk_ingest_normalize(&ig, obj, 0, &rec, err, sizeof(err)) == 0) {
		if (took && !json_equal(fast, obj))
			abort();
		fk_ingest_dump(&ig, obj, "user_id", &skey, &skeylen);
		if (took && (keylen != skeylen || memcmp(key, skey, keylen)))
			abort();
		/* -k FIELD: a string or an integer too. */
		if (took &&
		    fk_ingest_fast(&ig, &rec, "merchant_id", &key, &keylen)) {
			fk_ingest_dump(
			    &ig, obj, "merchant_id", &skey, &skeylen);
			if (keylen != skeylen ||
			    (keylen > 0 && memcmp(key, skey, keylen) != 0))
				abort();
		}
	} else if (took) {
		abort();
	}
	json_decref(obj);
	json_decref(fast);
	free(line);
	return 0;
}
