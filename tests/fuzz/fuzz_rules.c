/* libFuzzer: fk-score's rules (fk-rules(5): rules_*.c) on any text, then
 * evaluated against a few records: no crash, no sanitizer report, a set
 * that parses has a normal form that parses to itself, and evaluation
 * counts each rule once per record. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "jpath.h"
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/* Records with the fields rules commonly read, and some odd types. */
static const char *const records[] = {
	("{\"tx_id\":\"t-1\",\"user_id\":\"U123\",\"amount\":1500.75,"
	 "\"currency\":\"GBP\",\"country\":\"GB\",\"ip\":\"10.0.0.1\","
	 "\"channel\":\"web\",\"ts_ms\":1731765720000,"
	 "\"features\":{\"user\":{\"count_10m\":5,\"count_30d\":21,"
	 "\"amount_z\":3.5,\"impossible_travel\":true,\"new_device\":false},"
	 "\"lists\":[{\"list\":\"blocked_ips\",\"field\":\"ip\"}]}}"),
	("{\"user_id\":7,\"amount\":\"12\",\"features\":null,\"ip\":null,"
	 "\"x\":[1,2],\"y\":{\"z\":\"\\u00e9\\n\"},\"amount_z\":-1e308}"),
	"{}",
};

struct set {
	struct fk_jpath *jp;
	struct fk_rules *rs;
};

static int
parse(struct set *s, const char *text, size_t len)
{
	char err[1024];

	s->jp = fk_jpath_new();
	s->rs = fk_rules_new(s->jp);
	err[0] = '\0';
	if (fk_rules_parse(s->rs, "fuzz.conf", text, len, err, sizeof(err)) ==
	    0)
		return 0;
	if (err[0] == '\0')
		abort();
	return -1;
}

static void
release(struct set *s)
{
	fk_rules_free(s->rs);
	fk_jpath_free(s->jp);
}

static void
eval(struct set *s)
{
	size_t n = fk_rules_count(s->rs), nfired;
	struct fk_rule_counts c;
	struct fk_fields f;
	uint32_t *fired = calloc(n + 1, sizeof(*fired));
	char err[256];

	if (fired == NULL)
		abort();
	for (size_t i = 0; i < n; i++) {
		const struct fk_rule_info *ri = fk_rules_info(s->rs, i);

		if (ri->id == NULL || ri->reason == NULL || ri->weight < -1 ||
		    ri->weight > 1)
			abort();
		for (size_t k = 0; k < ri->nslots; k++)
			if (ri->slots[k] >= fk_jpath_count(s->jp))
				abort();
	}
	fk_fields_init(&f, s->jp);
	for (size_t r = 0; r < sizeof(records) / sizeof(records[0]); r++) {
		if (fk_fields_scan(&f, records[r], strlen(records[r]), err,
		        sizeof(err)) != 0)
			abort();
		nfired = fk_rules_eval(s->rs, &f, fired);
		if (nfired > n)
			abort();
		for (size_t i = 0; i < nfired; i++)
			if (fired[i] >= n ||
			    (i > 0 && fired[i] <= fired[i - 1]))
				abort();
	}
	for (size_t i = 0; i < n; i++) {
		fk_rules_counts(s->rs, i, &c);
		if (c.evaluated != sizeof(records) / sizeof(records[0]) ||
		    c.fired > c.evaluated)
			abort();
	}
	fk_fields_release(&f);
	free(fired);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct set a, b;
	const char *text;
	char *copy = malloc(len > 0 ? len : 1);

	/* An exact copy: the parser must not read past len. */
	if (copy == NULL)
		abort();
	if (len > 0)
		memcpy(copy, data, len);
	if (parse(&a, copy, len) == 0) {
		text = fk_rules_text(a.rs);
		if (strlen(fk_rules_hash(a.rs)) != 64)
			abort();
		if (parse(&b, text, strlen(text)) != 0 ||
		    fk_rules_count(b.rs) != fk_rules_count(a.rs) ||
		    strcmp(fk_rules_text(b.rs), text) != 0 ||
		    strcmp(fk_rules_hash(b.rs), fk_rules_hash(a.rs)) != 0)
			abort();
		release(&b);
		eval(&a);
	}
	release(&a);
	free(copy);
	return 0;
}
