/* Loading records into a PostgreSQL table: rows are gathered in memory,
 * then each batch is COPY'd into a temporary staging table and upserted
 * on tx_id in one transaction, so that loading the same records again
 * (a replay) never duplicates a row.  Identifiers are quoted; values
 * travel only as COPY data, never spliced into SQL.  Library module:
 * never prints, never exits (libpq's notices are silenced). */
#ifndef FK_SINK_PG_H
#define FK_SINK_PG_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"

/* One row.  Strings are byte spans (not NUL-terminated), valid UTF-8
 * without NUL bytes; NULL pointer: SQL NULL.  Borrowed during
 * fk_pg_add, which copies them. */
struct fk_pgrow {
	const char *tx_id; /* required */
	size_t tx_id_len;
	int64_t ts_ms; /* event time; INT64_MIN: NULL */
	const char *user_id;
	size_t user_id_len;
	const char *amount; /* a JSON number as written */
	size_t amount_len;
	const char *decision;
	size_t decision_len;
	const char *score; /* a JSON number as written */
	size_t score_len;
	const char *record; /* the whole record: one JSON object */
	size_t record_len;
};

struct fk_pg;

/* Connect with conninfo (a libpq connection string or URI) and make the
 * table unless it exists:
 *
 *   tx_id text PRIMARY KEY, ts timestamptz, user_id text,
 *   amount numeric, decision text, score double precision,
 *   record jsonb NOT NULL
 *
 * table is NAME or SCHEMA.NAME, each part quoted as an identifier (so
 * case and any character are kept).  An existing table must have those
 * columns (checked: a clear message otherwise).  NULL with a message. */
struct fk_pg *fk_pg_open(
    const char *conninfo, const char *table, char *err, size_t errlen);

/* Queue one row for the next flush (copied). */
void fk_pg_add(struct fk_pg *p, const struct fk_pgrow *r);

/* Rows queued. */
size_t fk_pg_pending(const struct fk_pg *p);

/* Load the queued rows: BEGIN, COPY into the staging table, INSERT ...
 * ON CONFLICT (tx_id) DO UPDATE (only rows whose record changed; the
 * last of a tx_id repeated within the batch wins), COMMIT.  On success
 * the queue is emptied, *changed (if not NULL) gets the rows inserted or
 * updated, and hex (if not NULL) the SHA-256 of the batch's COPY data.
 * On failure the transaction is rolled back, the rows stay queued, and
 * -1 comes with a message; a lost connection is reset by the next call.
 * Nothing queued: 0 at once. */
int fk_pg_flush(struct fk_pg *p, uint64_t *changed, char hex[FK_SHA256_HEXLEN],
    char *err, size_t errlen);

/* Close the connection and free (queued rows are dropped).  NULL is
 * allowed. */
void fk_pg_free(struct fk_pg *p);

#endif
