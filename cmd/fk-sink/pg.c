/* PostgreSQL loading through libpq: COPY into a session's staging table,
 * then one upsert per batch. */
#include "pg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "digest.h"
#include "fktime.h"
#include "jbuf.h"
#include "xalloc.h"

#include "banned.h"

#define COPY_CHUNK (256 * 1024)
#define UPSERT_STMT "fk_sink_upsert"
/* Always qualified with pg_temp, so that neither name can hide the other
 * whatever the user's table is called. */
#define STAGE "pg_temp.fk_sink_stage"
#define COLUMNS "tx_id, ts, user_id, amount, decision, score, record"

struct fk_pg {
	PGconn *conn;
	char *table;  /* as given, for messages */
	char *qtable; /* quoted, schema-qualified */
	char *upsert; /* the INSERT ... ON CONFLICT text */
	int ready;    /* staging table and statement made in this session */
	struct fk_jbuf copy; /* COPY text-format data of the queued rows */
	size_t nrows;
};

static void
quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* msg on one line: runs of white space (libpq's messages carry newlines
 * and tabs) become one space; no trailing space. */
static void
flatten(char *out, size_t outlen, const char *msg)
{
	size_t n = 0;
	int sp = 0;

	if (outlen == 0)
		return;
	for (; msg != NULL && *msg != '\0' && n + 1 < outlen; msg++) {
		if (*msg == ' ' || *msg == '\n' || *msg == '\t' ||
		    *msg == '\r') {
			sp = n > 0;
			continue;
		}
		if (sp && n + 2 < outlen)
			out[n++] = ' ';
		sp = 0;
		out[n++] = *msg;
	}
	out[n] = '\0';
}

/* The server's message for res (primary text, then its detail), or the
 * connection's when there is no result or no primary text. */
static void
pgmsg(char *out, size_t outlen, PGconn *conn, const PGresult *res)
{
	const char *prim = NULL, *detail = NULL;
	char tmp[1024];

	if (res != NULL) {
		prim = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	}
	if (prim != NULL && detail != NULL) {
		snprintf(tmp, sizeof(tmp), "%s (%s)", prim, detail);
		flatten(out, outlen, tmp);
	} else if (prim != NULL)
		flatten(out, outlen, prim);
	else if (res != NULL && *PQresultErrorMessage(res) != '\0')
		flatten(out, outlen, PQresultErrorMessage(res));
	else
		flatten(out, outlen, PQerrorMessage(conn));
	if (*out == '\0')
		snprintf(out, outlen, "unknown error");
}

static void seterr(char *err, size_t errlen, PGconn *conn, const PGresult *res,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* err = fmt's text, ": ", the server's message. */
static void
seterr(char *err, size_t errlen, PGconn *conn, const PGresult *res,
    const char *fmt, ...)
{
	char what[512], msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	pgmsg(msg, sizeof(msg), conn, res);
	snprintf(err, errlen, "%s: %s", what, msg);
}

/* Run sql, which must end with status want; results freed.  -1 with
 * "step: message" otherwise. */
static int
run(struct fk_pg *p, const char *sql, ExecStatusType want, const char *step,
    char *err, size_t errlen)
{
	PGresult *res = PQexec(p->conn, sql);
	int rc = 0;

	if (res == NULL || PQresultStatus(res) != want) {
		seterr(err, errlen, p->conn, res, "%s", step);
		rc = -1;
	}
	PQclear(res);
	return rc;
}

/* The quoted form of s[0..n), in our memory; NULL with a message. */
static char *
quote(PGconn *conn, const char *s, size_t n, char *err, size_t errlen)
{
	char *q = PQescapeIdentifier(conn, s, n), *r;

	if (q == NULL) {
		seterr(err, errlen, conn, NULL, "table name");
		return NULL;
	}
	r = fk_xstrdup(q);
	PQfreemem(q);
	return r;
}

static char *xprintf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static char *
xprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = fk_xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* Per-session state: lost with the session, made again after a reset. */
static int
setup_session(struct fk_pg *p, const char *step, char *err, size_t errlen)
{
	PGresult *res;
	char what[64];

	p->ready = 0;
	if (PQsetClientEncoding(p->conn, "UTF8") != 0) {
		seterr(err, errlen, p->conn, NULL, "%s: client encoding", step);
		return -1;
	}
	/* A batch's sort (DISTINCT ON tx_id) in memory, not on disk: 10,000
	 * rows of 1.5 KB are 15 MB. */
	snprintf(what, sizeof(what), "%s: work_mem", step);
	if (run(p, "SET work_mem = '64MB'", PGRES_COMMAND_OK, what, err,
	        errlen) == -1)
		return -1;
	snprintf(what, sizeof(what), "%s: staging table", step);
	if (run(p,
	        "CREATE TEMP TABLE IF NOT EXISTS " STAGE " (ord bigint, "
	        "tx_id text, ts text, user_id text, amount text, "
	        "decision text, score text, record text) "
	        "ON COMMIT DELETE ROWS",
	        PGRES_COMMAND_OK, what, err, errlen) == -1)
		return -1;
	/* Prepared and planned now so that a table we cannot upsert into
	 * (a column of the wrong type, no unique tx_id: found only by the
	 * planner) is refused at once. */
	res = PQprepare(p->conn, UPSERT_STMT, p->upsert, 0, NULL);
	if (res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK) {
		PQclear(res);
		res = PQexec(p->conn, "EXPLAIN EXECUTE " UPSERT_STMT);
	}
	if (res == NULL ||
	    (PQresultStatus(res) != PGRES_COMMAND_OK &&
	        PQresultStatus(res) != PGRES_TUPLES_OK)) {
		seterr(err, errlen, p->conn, res, "%s: cannot load into %s",
		    step, p->table);
		PQclear(res);
		PQclear(PQexec(p->conn, "DEALLOCATE ALL"));
		return -1;
	}
	PQclear(res);
	p->ready = 1;
	return 0;
}

/* The table's schema-qualified quoted name: an unqualified name is looked
 * up now, before our temporary table exists to shadow it. */
static int
qualify(struct fk_pg *p, const char *qname, char *err, size_t errlen)
{
	const char *param[1] = { qname };
	PGresult *res;
	char *qs;

	res = PQexecParams(p->conn,
	    "SELECT n.nspname FROM pg_catalog.pg_class c "
	    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
	    "WHERE c.oid = $1::pg_catalog.regclass",
	    1, NULL, param, NULL, NULL, 0);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK ||
	    PQntuples(res) != 1) {
		seterr(err, errlen, p->conn, res, "table %s", p->table);
		PQclear(res);
		return -1;
	}
	qs = quote(p->conn, PQgetvalue(res, 0, 0),
	    (size_t)PQgetlength(res, 0, 0), err, errlen);
	PQclear(res);
	if (qs == NULL)
		return -1;
	p->qtable = xprintf("%s.%s", qs, qname);
	free(qs);
	return 0;
}

static int
open_table(struct fk_pg *p, char *err, size_t errlen)
{
	const char *dot = strchr(p->table, '.');
	char *qs = NULL, *qn = NULL, *sql, what[512];
	const char *name = dot != NULL ? dot + 1 : p->table;
	int rc = -1;

	if (*p->table == '\0' || *name == '\0' || dot == p->table) {
		snprintf(err, errlen,
		    "table \"%s\": expected NAME or SCHEMA.NAME", p->table);
		return -1;
	}
	if (dot != NULL &&
	    (qs = quote(p->conn, p->table, (size_t)(dot - p->table), err,
	         errlen)) == NULL)
		goto out;
	if ((qn = quote(p->conn, name, strlen(name), err, errlen)) == NULL)
		goto out;
	if (qs != NULL)
		sql = xprintf("%s.%s", qs, qn);
	else
		sql = fk_xstrdup(qn);
	free(p->qtable);
	p->qtable = sql;

	sql = xprintf("CREATE TABLE IF NOT EXISTS %s (tx_id text PRIMARY KEY, "
	              "ts timestamptz, user_id text, amount numeric, "
	              "decision text, score double precision, "
	              "record jsonb NOT NULL)",
	    p->qtable);
	snprintf(what, sizeof(what), "table %s", p->table);
	rc = run(p, sql, PGRES_COMMAND_OK, what, err, errlen);
	free(sql);
	if (rc == -1)
		goto out;

	sql = xprintf("SELECT " COLUMNS " FROM %s LIMIT 0", p->qtable);
	snprintf(what, sizeof(what), "table %s: expected columns " COLUMNS,
	    p->table);
	rc = run(p, sql, PGRES_TUPLES_OK, what, err, errlen);
	free(sql);
	if (rc == -1)
		goto out;

	if (qs == NULL) {
		sql = p->qtable;
		p->qtable = NULL;
		rc = qualify(p, sql, err, errlen);
		free(sql);
		if (rc == -1)
			goto out;
	}
	p->upsert = xprintf("INSERT INTO %s AS d (" COLUMNS ") "
	                    "SELECT DISTINCT ON (tx_id) tx_id, "
	                    "ts::timestamptz, user_id, amount::numeric, "
	                    "decision, score::float8, record::jsonb "
	                    "FROM " STAGE " ORDER BY tx_id, ord DESC "
	                    "ON CONFLICT (tx_id) DO UPDATE SET "
	                    "ts = EXCLUDED.ts, user_id = EXCLUDED.user_id, "
	                    "amount = EXCLUDED.amount, "
	                    "decision = EXCLUDED.decision, "
	                    "score = EXCLUDED.score, "
	                    "record = EXCLUDED.record "
	                    "WHERE d.record IS DISTINCT FROM EXCLUDED.record",
	    p->qtable);
	rc = setup_session(p, "postgresql", err, errlen);
out:
	free(qs);
	free(qn);
	return rc;
}

struct fk_pg *
fk_pg_open(const char *conninfo, const char *table, char *err, size_t errlen)
{
	struct fk_pg *p = fk_xcalloc(1, sizeof(*p));

	p->table = fk_xstrdup(table);
	p->conn = PQconnectdb(conninfo);
	if (p->conn == NULL) {
		snprintf(err, errlen, "postgresql: connect: out of memory");
		goto fail;
	}
	if (PQstatus(p->conn) != CONNECTION_OK) {
		seterr(err, errlen, p->conn, NULL, "postgresql: connect");
		goto fail;
	}
	PQsetNoticeProcessor(p->conn, quiet, NULL);
	if (open_table(p, err, errlen) == -1)
		goto fail;
	return p;
fail:
	fk_pg_free(p);
	return NULL;
}

/* One field in COPY text format: \N for NULL; backslash, tab, newline
 * and carriage return escaped.  Room for 2 * n bytes is there. */
static char *
put_field(char *o, const char *s, size_t n)
{
	if (s == NULL) {
		*o++ = '\\';
		*o++ = 'N';
		return o;
	}
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		switch (c) {
		case '\\':
			*o++ = '\\';
			*o++ = '\\';
			break;
		case '\t':
			*o++ = '\\';
			*o++ = 't';
			break;
		case '\n':
			*o++ = '\\';
			*o++ = 'n';
			break;
		case '\r':
			*o++ = '\\';
			*o++ = 'r';
			break;
		default:
			*o++ = c;
		}
	}
	return o;
}

void
fk_pg_add(struct fk_pg *p, const struct fk_pgrow *r)
{
	size_t strs = r->tx_id_len + r->user_id_len + r->amount_len +
	    r->decision_len + r->score_len + r->record_len;
	char *o;

	/* Every byte may double; 20 ord digits, the time, \N or two bytes
	 * per empty field, separators: well under 64. */
	fk_jbuf_u64(&p->copy, (uint64_t)p->nrows + 1);
	fk_jbuf_reserve(&p->copy, 2 * strs + 64 + FK_TIME_BUFSZ);
	o = p->copy.p + p->copy.len;
	*o++ = '\t';
	o = put_field(o, r->tx_id, r->tx_id_len);
	*o++ = '\t';
	if (r->ts_ms == INT64_MIN) {
		*o++ = '\\';
		*o++ = 'N';
	} else
		o += fk_time_format(r->ts_ms, o);
	*o++ = '\t';
	o = put_field(o, r->user_id, r->user_id_len);
	*o++ = '\t';
	o = put_field(o, r->amount, r->amount_len);
	*o++ = '\t';
	o = put_field(o, r->decision, r->decision_len);
	*o++ = '\t';
	o = put_field(o, r->score, r->score_len);
	*o++ = '\t';
	o = put_field(o, r->record, r->record_len);
	*o++ = '\n';
	p->copy.len = (size_t)(o - p->copy.p);
	p->nrows++;
}

size_t
fk_pg_pending(const struct fk_pg *p)
{
	return p->nrows;
}

/* Send the queued rows into the staging table. */
static int
copy_rows(struct fk_pg *p, char *err, size_t errlen)
{
	PGresult *res;
	int rc = 0, guard = 0;
	size_t off;

	res = PQexec(p->conn, "COPY " STAGE " FROM STDIN");
	if (res == NULL || PQresultStatus(res) != PGRES_COPY_IN) {
		seterr(err, errlen, p->conn, res, "postgresql: copy");
		PQclear(res);
		return -1;
	}
	PQclear(res);
	for (off = 0; off < p->copy.len; off += COPY_CHUNK) {
		size_t n = p->copy.len - off < COPY_CHUNK ? p->copy.len - off
		                                          : COPY_CHUNK;

		if (PQputCopyData(p->conn, p->copy.p + off, (int)n) != 1) {
			seterr(err, errlen, p->conn, NULL, "postgresql: copy");
			rc = -1;
			break;
		}
	}
	if (PQputCopyEnd(p->conn, rc == 0 ? NULL : "aborted") != 1 && rc == 0) {
		seterr(err, errlen, p->conn, NULL, "postgresql: copy");
		rc = -1;
	}
	/* Every result until NULL, so the connection is idle again; one
	 * still in COPY IN means the end could not be sent. */
	while ((res = PQgetResult(p->conn)) != NULL) {
		ExecStatusType st = PQresultStatus(res);

		if (st != PGRES_COMMAND_OK && rc == 0) {
			seterr(err, errlen, p->conn, res, "postgresql: copy");
			rc = -1;
		}
		PQclear(res);
		if (st == PGRES_COPY_IN &&
		    (++guard > 3 || PQputCopyEnd(p->conn, "aborted") != 1))
			break;
	}
	return rc;
}

static int
load(struct fk_pg *p, uint64_t *changed, char *err, size_t errlen)
{
	PGresult *res;

	if (run(p, "BEGIN", PGRES_COMMAND_OK, "postgresql: begin", err,
	        errlen) == -1)
		return -1;
	if (copy_rows(p, err, errlen) == -1)
		return -1;
	res = PQexecPrepared(p->conn, UPSERT_STMT, 0, NULL, NULL, NULL, 0);
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		seterr(err, errlen, p->conn, res, "postgresql: insert");
		PQclear(res);
		return -1;
	}
	*changed = strtoull(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	res = PQexec(p->conn, "COMMIT");
	/* COMMIT of a failed transaction answers ROLLBACK. */
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK ||
	    strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		seterr(err, errlen, p->conn, res, "postgresql: commit");
		PQclear(res);
		return -1;
	}
	PQclear(res);
	return 0;
}

int
fk_pg_flush(struct fk_pg *p, uint64_t *changed, char hex[FK_SHA256_HEXLEN],
    char *err, size_t errlen)
{
	uint64_t n = 0;

	if (changed != NULL)
		*changed = 0;
	if (p->nrows == 0) {
		if (hex != NULL)
			fk_sha256_hex("", 0, hex);
		return 0;
	}
	if (PQstatus(p->conn) != CONNECTION_OK) {
		PQreset(p->conn);
		if (PQstatus(p->conn) != CONNECTION_OK) {
			seterr(err, errlen, p->conn, NULL,
			    "postgresql: reconnect");
			return -1;
		}
		p->ready = 0;
	}
	if (!p->ready &&
	    setup_session(p, "postgresql: reconnect", err, errlen) == -1)
		return -1;
	if (load(p, &n, err, errlen) == -1) {
		if (PQstatus(p->conn) == CONNECTION_OK &&
		    PQtransactionStatus(p->conn) != PQTRANS_IDLE)
			PQclear(PQexec(p->conn, "ROLLBACK"));
		return -1;
	}
	if (hex != NULL)
		fk_sha256_hex(p->copy.p, p->copy.len, hex);
	if (changed != NULL)
		*changed = n;
	p->copy.len = 0;
	p->nrows = 0;
	return 0;
}

void
fk_pg_free(struct fk_pg *p)
{
	if (p == NULL)
		return;
	PQfinish(p->conn);
	free(p->table);
	free(p->qtable);
	free(p->upsert);
	fk_jbuf_release(&p->copy);
	free(p);
}
