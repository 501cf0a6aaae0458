/* Unit tests for record.c: positions in messages. */
#include "record.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "banned.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct pos_case {
	char source[32];
	long long line;
	int32_t partition;
	int64_t offset;
	char want[64];
};

ParameterizedTestParameters(record, pos_format_table)
{
	static struct pos_case cases[] = {
		/* files: partition and offset -1 */
		{ "tx.ndjson", 42, -1, -1, "tx.ndjson:42" },
		{ "<stdin>", 1, -1, -1, "<stdin>:1" },
		{ "dir/a b.csv", 1000000, -1, -1, "dir/a b.csv:1000000" },
		{ "big.ndjson", 9223372036854775807LL, -1, -1,
		    "big.ndjson:9223372036854775807" },
		{ "", 7, -1, -1, ":7" },
		/* an offset without a partition is still a file position */
		{ "f", 3, -1, 99, "f:3" },
		/* Kafka: line 0, partition and offset set */
		{ "transactions", 0, 3, 1234, "transactions[3]@1234" },
		{ "t", 0, 0, 0, "t[0]@0" },
		{ "t", 5, 1, 2, "t[1]@2" },
		{ "tx.in", 0, 2147483647, INT64_MAX,
		    "tx.in[2147483647]@9223372036854775807" },
	};

	return cr_make_param_array(struct pos_case, cases, NELEM(cases));
}

ParameterizedTest(struct pos_case *c, record, pos_format_table)
{
	struct fk_pos pos = { c->source, c->line, c->partition, c->offset };
	char buf[128];
	int n;

	memset(buf, 'X', sizeof(buf));
	n = fk_pos_format(&pos, buf, sizeof(buf));
	cr_assert_str_eq(buf, c->want);
	cr_assert_eq(n, (int)strlen(c->want));
}

Test(record, pos_format_truncates)
{
	struct fk_pos file = { "tx.ndjson", 42, -1, -1 };
	struct fk_pos kafka = { "transactions", 0, 3, 1234 };
	char buf[8];

	memset(buf, 'X', sizeof(buf));
	cr_assert_eq(fk_pos_format(&file, buf, sizeof(buf)), 12);
	cr_assert_str_eq(buf, "tx.ndjs");
	cr_assert_eq(fk_pos_format(&kafka, buf, sizeof(buf)), 20);
	cr_assert_str_eq(buf, "transac");
	/* measuring only */
	cr_assert_eq(fk_pos_format(&kafka, NULL, 0), 20);
	cr_assert_eq(fk_pos_format(&file, NULL, 0), 12);
}

Test(record, pos_from_rec)
{
	struct fk_rec rec;
	char buf[64];

	memset(&rec, 0, sizeof(rec));
	rec.data = "{}";
	rec.len = 2;
	rec.ts_ms = -1;
	rec.pos.source = "payments";
	rec.pos.partition = 11;
	rec.pos.offset = 5;
	fk_pos_format(&rec.pos, buf, sizeof(buf));
	cr_assert_str_eq(buf, "payments[11]@5");
	rec.pos.source = "x.csv";
	rec.pos.line = 2;
	rec.pos.partition = -1;
	rec.pos.offset = -1;
	fk_pos_format(&rec.pos, buf, sizeof(buf));
	cr_assert_str_eq(buf, "x.csv:2");
}
