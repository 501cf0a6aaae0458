/* fk-sink's PostgreSQL loading against a real server: run through
 * scripts/pg-local, which gives the conninfo in FK_PG:
 *
 *   d=$(mktemp -d); FK_PG=$(scripts/pg-local start $d) test_pg
 *   scripts/pg-local stop $d; rm -rf $d
 *
 * Each test has tables of its own, so they can run in parallel. */
#include "pg.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <libpq-fe.h>

#include "banned.h"

#define ERRLEN 512

TestSuite(pg, .timeout = 120);

static const char *
conninfo(void)
{
	const char *s = getenv("FK_PG");

	if (s == NULL || *s == '\0')
		cr_assert_fail("FK_PG is not set: run this test through "
		               "scripts/pg-local, e.g. d=$(mktemp -d); "
		               "FK_PG=$(scripts/pg-local start $d) test_pg; "
		               "scripts/pg-local stop $d");
	return s;
}

static void
sql(PGconn *c, const char *q)
{
	PGresult *r = PQexec(c, q);
	ExecStatusType st = PQresultStatus(r);

	cr_assert(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "%s: %s", q,
	    PQresultErrorMessage(r));
	PQclear(r);
}

/* A second connection of the test's own, to look at what was loaded. */
static PGconn *
admin(void)
{
	PGconn *c = PQconnectdb(conninfo());

	cr_assert(
	    PQstatus(c) == CONNECTION_OK, "connect: %s", PQerrorMessage(c));
	sql(c, "SET client_min_messages = warning");
	return c;
}

/* The one value q gives, in buf; "<NULL>" for NULL. */
static const char *
value(PGconn *c, const char *q, char *buf, size_t len)
{
	PGresult *r = PQexec(c, q);

	cr_assert(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", q,
	    PQresultErrorMessage(r));
	cr_assert_eq(PQntuples(r), 1, "%s: %d rows", q, PQntuples(r));
	snprintf(buf, len, "%s",
	    PQgetisnull(r, 0, 0) ? "<NULL>" : PQgetvalue(r, 0, 0));
	PQclear(r);
	return buf;
}

static long
count(PGconn *c, const char *table)
{
	char q[256], buf[64];

	snprintf(q, sizeof(q), "SELECT count(*) FROM %s", table);
	return strtol(value(c, q, buf, sizeof(buf)), NULL, 10);
}

static struct fk_pg *
open_ok(const char *table)
{
	char err[ERRLEN] = "";
	struct fk_pg *p = fk_pg_open(conninfo(), table, err, sizeof(err));

	cr_assert_not_null(p, "fk_pg_open %s: %s", table, err);
	return p;
}

/* A row from NUL-terminated strings (NULL: SQL NULL). */
static struct fk_pgrow
row(const char *tx, int64_t ts, const char *user, const char *amount,
    const char *decision, const char *score, const char *record)
{
	struct fk_pgrow r;

	memset(&r, 0, sizeof(r));
	r.tx_id = tx;
	r.tx_id_len = tx != NULL ? strlen(tx) : 0;
	r.ts_ms = ts;
	r.user_id = user;
	r.user_id_len = user != NULL ? strlen(user) : 0;
	r.amount = amount;
	r.amount_len = amount != NULL ? strlen(amount) : 0;
	r.decision = decision;
	r.decision_len = decision != NULL ? strlen(decision) : 0;
	r.score = score;
	r.score_len = score != NULL ? strlen(score) : 0;
	r.record = record;
	r.record_len = record != NULL ? strlen(record) : 0;
	return r;
}

static void
add(struct fk_pg *p, const char *tx, int64_t ts, const char *user,
    const char *amount, const char *decision, const char *score,
    const char *record)
{
	struct fk_pgrow r = row(tx, ts, user, amount, decision, score, record);

	fk_pg_add(p, &r);
}

static uint64_t
flush_ok(struct fk_pg *p, char hex[FK_SHA256_HEXLEN])
{
	char err[ERRLEN] = "";
	uint64_t changed = 99;
	int rc = fk_pg_flush(p, &changed, hex, err, sizeof(err));

	cr_assert_eq(rc, 0, "fk_pg_flush: %s", err);
	cr_assert_eq(fk_pg_pending(p), 0);
	return changed;
}

/* The standard three rows. */
static void
add_three(struct fk_pg *p)
{
	add(p, "t1", 1731765720000, "u1", "10.50", "allow", "0.1",
	    "{\"tx_id\":\"t1\",\"amount\":10.50}");
	add(p, "t2", 1731765721234, "u2", "200", "review", "0.5",
	    "{\"tx_id\":\"t2\",\"amount\":200}");
	add(p, "t3", 1731765722999, "u1", "9999.99", "block", "0.97",
	    "{\"tx_id\":\"t3\",\"amount\":9999.99}");
}

Test(pg, creates_table_with_columns)
{
	PGconn *c = admin();
	struct fk_pg *p;
	PGresult *r;
	char err[ERRLEN], hex[FK_SHA256_HEXLEN], buf[128];
	uint64_t changed = 99;
	static const char *const want[][2] = { { "tx_id", "text" },
		{ "ts", "timestamp with time zone" }, { "user_id", "text" },
		{ "amount", "numeric" }, { "decision", "text" },
		{ "score", "double precision" }, { "record", "jsonb" } };

	sql(c, "DROP TABLE IF EXISTS t_create");
	p = open_ok("t_create");
	r = PQexec(c,
	    "SELECT column_name, data_type, is_nullable "
	    "FROM information_schema.columns "
	    "WHERE table_schema = 'public' AND "
	    "table_name = 't_create' ORDER BY ordinal_position");
	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK);
	cr_assert_eq(PQntuples(r), 7);
	for (int i = 0; i < 7; i++) {
		cr_expect_str_eq(PQgetvalue(r, i, 0), want[i][0]);
		cr_expect_str_eq(PQgetvalue(r, i, 1), want[i][1]);
	}
	cr_expect_str_eq(PQgetvalue(r, 0, 2), "NO");
	cr_expect_str_eq(PQgetvalue(r, 6, 2), "NO");
	PQclear(r);
	cr_expect_str_eq(value(c,
	                     "SELECT a.attname FROM pg_index i JOIN "
	                     "pg_attribute a ON a.attrelid = i.indrelid AND "
	                     "a.attnum = ANY(i.indkey) WHERE i.indisprimary "
	                     "AND i.indrelid = 't_create'::regclass",
	                     buf, sizeof(buf)),
	    "tx_id");
	/* Nothing queued: 0 at once. */
	cr_expect_eq(fk_pg_pending(p), 0);
	cr_expect_eq(fk_pg_flush(p, &changed, hex, err, sizeof(err)), 0);
	cr_expect_eq(changed, 0);
	fk_pg_free(p);
	/* Opening again keeps the table. */
	p = open_ok("t_create");
	fk_pg_free(p);
	sql(c, "DROP TABLE t_create");
	PQfinish(c);
}

Test(pg, loads_rows)
{
	PGconn *c = admin();
	struct fk_pg *p;
	char hex[FK_SHA256_HEXLEN], buf[256];

	sql(c, "DROP TABLE IF EXISTS t_load");
	p = open_ok("t_load");
	add_three(p);
	cr_assert_eq(fk_pg_pending(p), 3);
	cr_expect_eq(flush_ok(p, hex), 3);
	cr_expect_eq(strlen(hex), 64);
	cr_expect_eq(count(c, "t_load"), 3);
	cr_expect_str_eq(value(c,
	                     "SELECT tx_id || '|' || user_id || '|' || "
	                     "amount::text || '|' || decision || '|' || "
	                     "score::text || '|' || "
	                     "(extract(epoch FROM ts) * 1000)::bigint || '|' "
	                     "|| (record->>'tx_id') FROM t_load "
	                     "WHERE tx_id = 't3'",
	                     buf, sizeof(buf)),
	    "t3|u1|9999.99|block|0.97|1731765722999|t3");
	cr_expect_str_eq(value(c,
	                     "SELECT to_char(ts AT TIME ZONE 'UTC', "
	                     "'YYYY-MM-DD HH24:MI:SS.MS') FROM t_load "
	                     "WHERE tx_id = 't2'",
	                     buf, sizeof(buf)),
	    "2024-11-16 14:02:01.234");
	/* numeric keeps the digits as written. */
	cr_expect_str_eq(value(c, "SELECT amount FROM t_load WHERE tx_id='t1'",
	                     buf, sizeof(buf)),
	    "10.50");
	fk_pg_free(p);
	sql(c, "DROP TABLE t_load");
	PQfinish(c);
}

Test(pg, replay_changes_nothing)
{
	PGconn *c = admin();
	struct fk_pg *p;
	char hex1[FK_SHA256_HEXLEN], hex2[FK_SHA256_HEXLEN], buf[64];

	sql(c, "DROP TABLE IF EXISTS t_replay");
	p = open_ok("t_replay");
	add_three(p);
	cr_expect_eq(flush_ok(p, hex1), 3);
	value(c, "SELECT xmin::text FROM t_replay WHERE tx_id = 't1'", buf,
	    sizeof(buf));
	add_three(p);
	cr_expect_eq(flush_ok(p, hex2), 0);
	cr_expect_eq(count(c, "t_replay"), 3);
	/* The same batch, the same bytes. */
	cr_expect_str_eq(hex1, hex2);
	/* Not even rewritten. */
	{
		char buf2[64];

		cr_expect_str_eq(value(c,
		                     "SELECT xmin::text FROM t_replay "
		                     "WHERE tx_id = 't1'",
		                     buf2, sizeof(buf2)),
		    buf);
	}
	/* A fresh connection replaying: still nothing. */
	fk_pg_free(p);
	p = open_ok("t_replay");
	add_three(p);
	cr_expect_eq(flush_ok(p, NULL), 0);
	cr_expect_eq(count(c, "t_replay"), 3);
	fk_pg_free(p);
	sql(c, "DROP TABLE t_replay");
	PQfinish(c);
}

Test(pg, changed_record_updates)
{
	PGconn *c = admin();
	struct fk_pg *p;
	char buf[256];

	sql(c, "DROP TABLE IF EXISTS t_update");
	p = open_ok("t_update");
	add_three(p);
	cr_expect_eq(flush_ok(p, NULL), 3);
	/* t2 changed, t1 and t3 as before. */
	add(p, "t1", 1731765720000, "u1", "10.50", "allow", "0.1",
	    "{\"tx_id\":\"t1\",\"amount\":10.50}");
	add(p, "t2", 1731765721234, "u2", "200", "block", "0.9",
	    "{\"tx_id\":\"t2\",\"amount\":200,\"rescored\":true}");
	add(p, "t3", 1731765722999, "u1", "9999.99", "block", "0.97",
	    "{\"tx_id\":\"t3\",\"amount\":9999.99}");
	cr_expect_eq(flush_ok(p, NULL), 1);
	cr_expect_eq(count(c, "t_update"), 3);
	cr_expect_str_eq(value(c,
	                     "SELECT decision || '|' || score || '|' || "
	                     "(record->>'rescored') FROM t_update "
	                     "WHERE tx_id = 't2'",
	                     buf, sizeof(buf)),
	    "block|0.9|true");
	/* A new one and a changed one together. */
	add(p, "t4", 1731765729000, "u4", "1", "allow", "0", "{\"n\":4}");
	add(p, "t1", 1731765720000, "u1", "11", "allow", "0.1",
	    "{\"tx_id\":\"t1\",\"amount\":11}");
	cr_expect_eq(flush_ok(p, NULL), 2);
	cr_expect_eq(count(c, "t_update"), 4);
	cr_expect_str_eq(value(c,
	                     "SELECT amount FROM t_update WHERE "
	                     "tx_id = 't1'",
	                     buf, sizeof(buf)),
	    "11");
	fk_pg_free(p);
	sql(c, "DROP TABLE t_update");
	PQfinish(c);
}

Test(pg, last_in_batch_wins)
{
	PGconn *c = admin();
	struct fk_pg *p;
	char buf[256];

	sql(c, "DROP TABLE IF EXISTS t_dup");
	p = open_ok("t_dup");
	add(p, "d1", 1000, "first", "1", "allow", "0.1", "{\"v\":1}");
	add(p, "d2", 1000, "other", "1", "allow", "0.1", "{\"v\":0}");
	add(p, "d1", 2000, "second", "2", "review", "0.2", "{\"v\":2}");
	add(p, "d1", 3000, "third", "3", "block", "0.3", "{\"v\":3}");
	cr_expect_eq(flush_ok(p, NULL), 2);
	cr_expect_eq(count(c, "t_dup"), 2);
	cr_expect_str_eq(value(c,
	                     "SELECT user_id || '|' || amount || '|' || "
	                     "decision || '|' || record::text FROM t_dup "
	                     "WHERE tx_id = 'd1'",
	                     buf, sizeof(buf)),
	    "third|3|block|{\"v\": 3}");
	/* Repeated within a batch over an existing row: the last wins. */
	add(p, "d1", 4000, "fourth", "4", "allow", "0.4", "{\"v\":4}");
	add(p, "d1", 3000, "third", "3", "block", "0.3", "{\"v\":3}");
	cr_expect_eq(flush_ok(p, NULL), 0);
	cr_expect_str_eq(value(c,
	                     "SELECT user_id FROM t_dup WHERE "
	                     "tx_id = 'd1'",
	                     buf, sizeof(buf)),
	    "third");
	fk_pg_free(p);
	sql(c, "DROP TABLE t_dup");
	PQfinish(c);
}

Test(pg, nulls)
{
	PGconn *c = admin();
	struct fk_pg *p;
	PGresult *r;

	sql(c, "DROP TABLE IF EXISTS t_null");
	p = open_ok("t_null");
	add(p, "n1", INT64_MIN, NULL, NULL, NULL, NULL, "{}");
	/* Empty strings are not NULL. */
	add(p, "n2", 0, "", NULL, "", NULL, "{\"a\":null}");
	cr_expect_eq(flush_ok(p, NULL), 2);
	r = PQexec(c,
	    "SELECT ts, user_id, amount, decision, score, "
	    "record::text FROM t_null ORDER BY tx_id");
	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK);
	cr_assert_eq(PQntuples(r), 2);
	for (int i = 0; i < 5; i++)
		cr_expect(PQgetisnull(r, 0, i), "column %d not NULL", i);
	cr_expect_str_eq(PQgetvalue(r, 0, 5), "{}");
	cr_expect(!PQgetisnull(r, 1, 0));
	cr_expect(!PQgetisnull(r, 1, 1));
	cr_expect_str_eq(PQgetvalue(r, 1, 1), "");
	cr_expect(PQgetisnull(r, 1, 2));
	cr_expect_str_eq(PQgetvalue(r, 1, 3), "");
	cr_expect_str_eq(PQgetvalue(r, 1, 5), "{\"a\": null}");
	PQclear(r);
	fk_pg_free(p);
	sql(c, "DROP TABLE t_null");
	PQfinish(c);
}

Test(pg, strings_round_trip)
{
	/* Literal tab, newline, CR, backslash, "\N", "\." and UTF-8. */
	static const char user[] = "a\tb\\c\nd\re\\N\\.f \xc3\xa9 "
	                           "\xe6\x9d\xb1\xe4\xba\xac "
	                           "\xf0\x9f\x99\x82";
	static const char decision[] = "\\N";
	static const char record[] =
	    "{\"note\":\"tab\\there\\\\back\\nline \\\"q\\\" \\u00e9 "
	    "\xc3\xa9\xe6\x9d\xb1\",\"raw\":\"\xf0\x9f\x99\x82\"}";
	/* What record->>'note' must be. */
	static const char note[] = "tab\there\\back\nline \"q\" \xc3\xa9 "
	                           "\xc3\xa9\xe6\x9d\xb1";
	const char *param[2];
	PGconn *c = admin();
	struct fk_pg *p;
	PGresult *r;

	sql(c, "DROP TABLE IF EXISTS t_strings");
	p = open_ok("t_strings");
	add(p, "s\t1\\", 5, user, "-0.000000000000000000001", decision,
	    "1e-300", record);
	add(p, "\\.", 6, "\\.", "0", "\\", "0", "{}");
	cr_expect_eq(flush_ok(p, NULL), 2);
	param[0] = "s\t1\\";
	param[1] = record;
	r = PQexecParams(c,
	    "SELECT tx_id, user_id, decision, record->>'note', "
	    "record->>'raw', record = $2::jsonb, amount::text, "
	    "score = 1e-300::float8 FROM t_strings WHERE tx_id = $1",
	    2, NULL, param, NULL, NULL, 0);
	cr_assert_eq(
	    PQresultStatus(r), PGRES_TUPLES_OK, "%s", PQresultErrorMessage(r));
	cr_assert_eq(PQntuples(r), 1);
	cr_expect_str_eq(PQgetvalue(r, 0, 0), "s\t1\\");
	cr_expect_str_eq(PQgetvalue(r, 0, 1), user);
	cr_expect_str_eq(PQgetvalue(r, 0, 2), decision);
	cr_expect_str_eq(PQgetvalue(r, 0, 3), note);
	cr_expect_str_eq(PQgetvalue(r, 0, 4), "\xf0\x9f\x99\x82");
	cr_expect_str_eq(PQgetvalue(r, 0, 5), "t");
	cr_expect_str_eq(PQgetvalue(r, 0, 6), "-0.000000000000000000001");
	cr_expect_str_eq(PQgetvalue(r, 0, 7), "t");
	PQclear(r);
	param[0] = "\\.";
	r = PQexecParams(c,
	    "SELECT user_id, decision FROM t_strings WHERE tx_id = $1", 1, NULL,
	    param, NULL, NULL, 0);
	cr_assert_eq(PQntuples(r), 1);
	cr_expect_str_eq(PQgetvalue(r, 0, 0), "\\.");
	cr_expect_str_eq(PQgetvalue(r, 0, 1), "\\");
	PQclear(r);
	fk_pg_free(p);
	sql(c, "DROP TABLE t_strings");
	PQfinish(c);
}

Test(pg, quoted_table_names)
{
	PGconn *c = admin();
	struct fk_pg *p;
	char buf[64];

	sql(c, "DROP TABLE IF EXISTS \"Tx Store\"");
	sql(c, "DROP SCHEMA IF EXISTS \"fk test\" CASCADE");
	sql(c, "CREATE SCHEMA \"fk test\"");
	p = open_ok("Tx Store");
	add_three(p);
	cr_expect_eq(flush_ok(p, NULL), 3);
	fk_pg_free(p);
	cr_expect_eq(count(c, "\"Tx Store\""), 3);

	p = open_ok("fk test.Tx Store");
	add(p, "q1", 0, "u", "1", "allow", "0", "{}");
	cr_expect_eq(flush_ok(p, NULL), 1);
	add(p, "q1", 0, "u", "1", "allow", "0", "{}");
	cr_expect_eq(flush_ok(p, NULL), 0);
	fk_pg_free(p);
	cr_expect_eq(count(c, "\"fk test\".\"Tx Store\""), 1);
	cr_expect_eq(count(c, "\"Tx Store\""), 3);
	/* The case is kept: tx store is another table. */
	cr_expect_str_eq(value(c, "SELECT to_regclass('tx_store') IS NULL", buf,
	                     sizeof(buf)),
	    "t");
	sql(c, "DROP TABLE \"Tx Store\"");
	sql(c, "DROP SCHEMA \"fk test\" CASCADE");
	PQfinish(c);
}

Test(pg, bad_table_names)
{
	static const char *const bad[] = { "", ".", "x.", ".x" };
	char err[ERRLEN];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		cr_expect_null(fk_pg_open(conninfo(), bad[i], err, sizeof(err)),
		    "\"%s\" accepted", bad[i]);
		cr_expect(strstr(err, "expected NAME or SCHEMA.NAME") != NULL,
		    "\"%s\": %s", bad[i], err);
	}
	/* A schema that is not there. */
	err[0] = '\0';
	cr_expect_null(
	    fk_pg_open(conninfo(), "no_such_schema.t", err, sizeof(err)));
	cr_expect(strstr(err, "no_such_schema") != NULL, "%s", err);
	/* Nothing to connect to (port 1 on loopback). */
	err[0] = '\0';
	cr_expect_null(fk_pg_open(
	    "host=127.0.0.1 port=1 connect_timeout=5", "t", err, sizeof(err)));
	cr_expect(strncmp(err, "postgresql: connect: ", 21) == 0, "%s", err);
	cr_expect(strchr(err, '\n') == NULL, "%s", err);
}

/* The user's table may be called like our staging table. */
Test(pg, staging_name_does_not_clash)
{
	PGconn *c = admin();
	struct fk_pg *p;

	sql(c, "DROP TABLE IF EXISTS fk_sink_stage");
	p = open_ok("fk_sink_stage");
	add_three(p);
	cr_expect_eq(flush_ok(p, NULL), 3);
	add_three(p);
	cr_expect_eq(flush_ok(p, NULL), 0);
	fk_pg_free(p);
	cr_expect_eq(count(c, "public.fk_sink_stage"), 3);
	sql(c, "DROP TABLE fk_sink_stage");
	PQfinish(c);
}

Test(pg, injection_is_harmless)
{
	static const char evil_table[] = "t_inj\"; DROP TABLE t_victim; --";
	static const char evil[] = "x'); DROP TABLE t_victim; --";
	PGconn *c = admin();
	struct fk_pg *p;
	char buf[128];

	sql(c, "DROP TABLE IF EXISTS t_victim");
	sql(c, "DROP TABLE IF EXISTS \"t_inj\"\"; DROP TABLE t_victim; --\"");
	sql(c, "CREATE TABLE t_victim (x int)");
	p = open_ok(evil_table);
	add(p, evil, 0, evil, "1", evil, "0",
	    "{\"x\":\"'); DROP TABLE t_victim; --\"}");
	cr_expect_eq(flush_ok(p, NULL), 1);
	fk_pg_free(p);
	cr_expect_str_eq(value(c, "SELECT to_regclass('t_victim') IS NOT NULL",
	                     buf, sizeof(buf)),
	    "t");
	cr_expect_str_eq(value(c,
	                     "SELECT user_id FROM "
	                     "\"t_inj\"\"; DROP TABLE t_victim; --\"",
	                     buf, sizeof(buf)),
	    evil);
	/* A bad value in a number column is refused, not run. */
	p = open_ok(evil_table);
	add(p, "i2", 0, "u", "1); DROP TABLE t_victim; --", "allow", "0", "{}");
	{
		char err[ERRLEN] = "";

		cr_expect_eq(fk_pg_flush(p, NULL, NULL, err, sizeof(err)), -1);
		cr_expect(strstr(err,
		              "invalid input syntax for type numeric") != NULL,
		    "%s", err);
	}
	fk_pg_free(p);
	cr_expect_str_eq(value(c, "SELECT to_regclass('t_victim') IS NOT NULL",
	                     buf, sizeof(buf)),
	    "t");
	sql(c, "DROP TABLE \"t_inj\"\"; DROP TABLE t_victim; --\"");
	sql(c, "DROP TABLE t_victim");
	PQfinish(c);
}

Test(pg, existing_table_checked)
{
	PGconn *c = admin();
	char err[ERRLEN] = "";

	sql(c, "DROP TABLE IF EXISTS t_missing");
	sql(c,
	    "CREATE TABLE t_missing (tx_id text PRIMARY KEY, "
	    "ts timestamptz, user_id text, amount numeric, "
	    "decision text, score float8)");
	cr_expect_null(fk_pg_open(conninfo(), "t_missing", err, sizeof(err)));
	cr_expect_str_eq(err,
	    "table t_missing: expected columns tx_id, ts, user_id, amount, "
	    "decision, score, record: column \"record\" does not exist");
	/* All the columns but no unique tx_id: refused at open too. */
	sql(c, "DROP TABLE IF EXISTS t_nokey");
	sql(c,
	    "CREATE TABLE t_nokey (tx_id text, ts timestamptz, "
	    "user_id text, amount numeric, decision text, score float8, "
	    "record jsonb)");
	err[0] = '\0';
	cr_expect_null(fk_pg_open(conninfo(), "t_nokey", err, sizeof(err)));
	cr_expect(strstr(err, "cannot load into t_nokey") != NULL &&
	        strstr(err, "ON CONFLICT") != NULL,
	    "%s", err);
	sql(c, "DROP TABLE t_missing");
	sql(c, "DROP TABLE t_nokey");
	PQfinish(c);
}

Test(pg, failed_batch_is_kept)
{
	PGconn *c = admin();
	struct fk_pg *p;
	char err[ERRLEN] = "";

	sql(c, "DROP TABLE IF EXISTS t_fail");
	p = open_ok("t_fail");
	add_three(p);
	add(p, "bad", 0, "u", "1", "allow", "not a number", "{}");
	cr_expect_eq(fk_pg_flush(p, NULL, NULL, err, sizeof(err)), -1);
	cr_expect(strncmp(err, "postgresql: insert: ", 20) == 0, "%s", err);
	cr_expect_eq(fk_pg_pending(p), 4);
	/* All or nothing. */
	cr_expect_eq(count(c, "t_fail"), 0);
	/* The session is still fit for work: a second try fails the same
	 * way, not with "current transaction is aborted". */
	err[0] = '\0';
	cr_expect_eq(fk_pg_flush(p, NULL, NULL, err, sizeof(err)), -1);
	cr_expect(strncmp(err, "postgresql: insert: ", 20) == 0, "%s", err);
	cr_expect_eq(fk_pg_pending(p), 4);
	fk_pg_free(p);
	sql(c, "DROP TABLE t_fail");
	PQfinish(c);
}

Test(pg, reconnects_after_kill)
{
	char info[1024], err[ERRLEN] = "", buf[64];
	const char *ci = conninfo();
	PGconn *c = admin();
	struct fk_pg *p;
	uint64_t changed = 99;

	if (strstr(ci, "://") != NULL)
		snprintf(info, sizeof(info),
		    "%s%sapplication_name=fk_test_kill", ci,
		    strchr(ci, '?') != NULL ? "&" : "?");
	else
		snprintf(
		    info, sizeof(info), "%s application_name=fk_test_kill", ci);
	sql(c, "DROP TABLE IF EXISTS t_kill");
	p = fk_pg_open(info, "t_kill", err, sizeof(err));
	cr_assert_not_null(p, "%s", err);
	add_three(p);
	cr_expect_eq(flush_ok(p, NULL), 3);
	add(p, "k4", 0, "u", "4", "allow", "0", "{\"k\":4}");
	add(p, "k5", 0, "u", "5", "allow", "0", "{\"k\":5}");
	/* Waits (up to 5 s) for the backend to be gone. */
	cr_assert_str_eq(value(c,
	                     "SELECT bool_and(pg_terminate_backend(pid, 5000)) "
	                     "FROM pg_stat_activity "
	                     "WHERE application_name = 'fk_test_kill'",
	                     buf, sizeof(buf)),
	    "t");
	cr_expect_eq(fk_pg_flush(p, &changed, NULL, err, sizeof(err)), -1);
	cr_expect(strncmp(err, "postgresql: ", 12) == 0, "%s", err);
	cr_expect(strchr(err, '\n') == NULL, "%s", err);
	cr_log_info("after the kill: %s", err);
	cr_expect_eq(fk_pg_pending(p), 2);
	cr_expect_eq(changed, 0);
	cr_expect_eq(count(c, "t_kill"), 3);
	/* The next flush reconnects, makes the staging table again. */
	cr_expect_eq(flush_ok(p, NULL), 2);
	cr_expect_eq(count(c, "t_kill"), 5);
	add_three(p);
	cr_expect_eq(flush_ok(p, NULL), 0);
	fk_pg_free(p);
	sql(c, "DROP TABLE t_kill");
	PQfinish(c);
}

Test(pg, big_batch)
{
	enum { N = 100000 };
	PGconn *c = admin();
	struct fk_pg *p;
	struct timespec t0, t1, t2;
	char tx[32], user[32], amount[32], rec[256], hex[FK_SHA256_HEXLEN];
	char hex2[FK_SHA256_HEXLEN];
	double add_s, flush_s;

	sql(c, "DROP TABLE IF EXISTS t_big");
	p = open_ok("t_big");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < N; i++) {
		struct fk_pgrow r;

		snprintf(tx, sizeof(tx), "tx-%08d", i);
		snprintf(user, sizeof(user), "user-%d", i % 977);
		snprintf(amount, sizeof(amount), "%d.%02d", i % 5000, i % 100);
		snprintf(rec, sizeof(rec),
		    "{\"tx_id\":\"%s\",\"user_id\":\"%s\",\"amount\":%s,"
		    "\"merchant\":\"shop\\t%d\",\"country\":\"FR\","
		    "\"decision\":\"allow\",\"score\":0.%03d}",
		    tx, user, amount, i % 313, i % 1000);
		r = row(
		    tx, 1731765720000 + i, user, amount, "allow", "0.5", rec);
		fk_pg_add(p, &r);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_expect_eq(fk_pg_pending(p), N);
	cr_expect_eq(flush_ok(p, hex), N);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	add_s = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	flush_s = (double)(t2.tv_sec - t1.tv_sec) +
	    (double)(t2.tv_nsec - t1.tv_nsec) / 1e9;
	fprintf(stderr,
	    "test_pg: %d rows: add %.3f s, flush %.3f s, %.0f rows/s\n", N,
	    add_s, flush_s, N / flush_s);
	cr_expect_eq(count(c, "t_big"), N);
	/* The same again: a replay, nothing written. */
	for (int i = 0; i < N; i++) {
		struct fk_pgrow r;

		snprintf(tx, sizeof(tx), "tx-%08d", i);
		snprintf(user, sizeof(user), "user-%d", i % 977);
		snprintf(amount, sizeof(amount), "%d.%02d", i % 5000, i % 100);
		snprintf(rec, sizeof(rec),
		    "{\"tx_id\":\"%s\",\"user_id\":\"%s\",\"amount\":%s,"
		    "\"merchant\":\"shop\\t%d\",\"country\":\"FR\","
		    "\"decision\":\"allow\",\"score\":0.%03d}",
		    tx, user, amount, i % 313, i % 1000);
		r = row(
		    tx, 1731765720000 + i, user, amount, "allow", "0.5", rec);
		fk_pg_add(p, &r);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_expect_eq(flush_ok(p, hex2), 0);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	cr_expect_str_eq(hex, hex2);
	fprintf(stderr, "test_pg: %d rows again (replay): flush %.3f s\n", N,
	    (double)(t2.tv_sec - t1.tv_sec) +
	        (double)(t2.tv_nsec - t1.tv_nsec) / 1e9);
	cr_expect_eq(count(c, "t_big"), N);
	fk_pg_free(p);
	sql(c, "DROP TABLE t_big");
	PQfinish(c);
}
