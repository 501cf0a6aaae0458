/* fk-sink's record work: check once, store in the lake and PostgreSQL,
 * log each file and batch in the audit chain. */
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exitcode.h"
#include "fktime.h"
#include "jbuf.h"
#include "jpath.h"
#include "jscan.h"
#include "log.h"
#include "map.h"
#include "numbers.h"
#include "pg.h"
#include "errbuf.h"
#include "xalloc.h"
#include "banned.h"

/* The paths every record is read for; level fields follow. */
enum {
	P_TS_MS,
	P_TIMESTAMP,
	P_TX_ID,
	P_USER_ID,
	P_AMOUNT,
	P_DECISION,
	P_SCORE,
	P_LEVELS,
};

struct fk_sink {
	struct fk_sink_opts o;
	struct fk_jpath *paths;
	struct fk_jobj top;
	struct fk_jmember *vals;  /* per path */
	struct fk_jmember *lvals; /* per level */
	size_t *lslot;            /* a level's path, or SIZE_MAX */
	struct fk_lake *lake;
	struct fk_pg *pg;
	struct fk_audit *audit;
	struct fk_jbuf entry;
	char *scratch; /* decoded strings */
	size_t scratchcap;
	int64_t batch_since; /* the first queued row, monotonic ms */
	struct fk_sink_counts c;
	/* The paths the audit log lists, so that a file an earlier run made
	 * whole but did not log (a crash in between) is logged when found. */
	struct fk_map logged;
};

static int hash_file(const char *path, char hex[FK_SHA256_HEXLEN],
    int64_t *size, char *err, size_t errlen);

static void
add_logged(struct fk_sink *s, const char *path)
{
	fk_map_put(&s->logged, path, strlen(path), NULL);
}

/* The files the audit log lists: every "file" entry's path. */
static int
load_logged(struct fk_sink *s, char *err, size_t errlen)
{
	const struct fk_jmember *ev, *pm;
	struct fk_jobj o;
	char *line = NULL, *path = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *fp;

	if ((fp = fopen(s->o.audit, "r")) == NULL) {
		fk_seterr(err, errlen, "%s: %s", s->o.audit, strerror(errno));
		return -1;
	}
	fk_jobj_init(&o);
	while ((n = getline(&line, &cap, fp)) > 0) {
		if (fk_jscan(&o, line, (size_t)n, NULL, 0) == -1 ||
		    (ev = fk_jobj_get(&o, "event")) == NULL ||
		    ev->vallen != 6 || memcmp(ev->val, "\"file\"", 6) != 0 ||
		    (pm = fk_jobj_get(&o, "path")) == NULL ||
		    pm->type != FK_J_STRING)
			continue;
		path = fk_xrealloc(path, pm->vallen);
		path[fk_jstr_decode(pm->val + 1, pm->vallen - 2, path)] = '\0';
		add_logged(s, path);
	}
	fk_jobj_release(&o);
	free(line);
	free(path);
	fclose(fp);
	return 0;
}

static int
audit_append(struct fk_sink *s, const char *event, char *err, size_t errlen)
{
	char e[1024];

	if (fk_audit_append(s->audit, event, s->entry.p, s->entry.len,
	        fk_time_wall_ms(), e, sizeof(e)) == -1) {
		fk_seterr(err, errlen, "--audit %s: %s", s->o.audit, e);
		return -1;
	}
	return 0;
}

/* A file's audit entry; records and bytes are unknown for a file
 * recovered from an earlier run. */
static int
log_file(struct fk_sink *s, const struct fk_lake_file *f, int recovered,
    char *err, size_t errlen)
{
	struct fk_jbuf *b = &s->entry;

	add_logged(s, f->path);
	b->len = 0;
	FK_JBUF_PUTS(b, "\"path\":");
	fk_jbuf_str(b, f->path, strlen(f->path));
	if (!recovered) {
		FK_JBUF_PUTS(b, ",\"records\":");
		fk_jbuf_u64(b, f->records);
		FK_JBUF_PUTS(b, ",\"bytes\":");
		fk_jbuf_u64(b, f->bytes);
	}
	FK_JBUF_PUTS(b, ",\"size\":");
	fk_jbuf_u64(b, f->disk);
	FK_JBUF_PUTS(b, ",\"sha256\":\"");
	fk_jbuf_put(b, f->sha256, strlen(f->sha256));
	FK_JBUF_PUTS(b, "\"");
	if (f->partition >= 0) {
		FK_JBUF_PUTS(b, ",\"topic\":");
		fk_jbuf_str(b, s->o.lake.topic, strlen(s->o.lake.topic));
		FK_JBUF_PUTS(b, ",\"partition\":");
		fk_jbuf_u64(b, (uint64_t)f->partition);
		FK_JBUF_PUTS(b, ",\"first\":");
		fk_jbuf_u64(b, (uint64_t)f->first);
		FK_JBUF_PUTS(b, ",\"last\":");
		fk_jbuf_u64(b, (uint64_t)f->last);
	}
	if (recovered)
		FK_JBUF_PUTS(b, ",\"recovered\":true");
	return audit_append(s, "file", err, errlen);
}

static int
file_done(void *arg, const struct fk_lake_file *f, char *err, size_t errlen)
{
	struct fk_sink *s = arg;

	return s->audit != NULL ? log_file(s, f, 0, err, errlen) : 0;
}

/* A whole file of an earlier run, found when its folder is first used:
 * logged now if the log lacks it, as when that run crashed between
 * making it whole and logging it. */
static int
file_found(void *arg, const struct fk_lake_file *f, char *err, size_t errlen)
{
	struct fk_sink *s = arg;
	struct fk_lake_file g = *f;
	char path[8192], hex[FK_SHA256_HEXLEN];
	int64_t size;

	if (fk_map_get(&s->logged, f->path, strlen(f->path)) != NULL)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", s->o.lake.root, f->path);
	if (hash_file(path, hex, &size, err, errlen) == -1)
		return -1;
	g.sha256 = hex;
	g.disk = (uint64_t)size;
	s->c.recovered++;
	return log_file(s, &g, 1, err, errlen);
}

struct fk_sink *
fk_sink_new(const struct fk_sink_opts *o, int64_t wall, size_t *audit_cut,
    int *code, char *err, size_t errlen)
{
	struct fk_sink *s = fk_xcalloc(1, sizeof(*s));
	static const char *const base[] = { "ts_ms", "timestamp", "tx_id",
		"user_id", "amount", "risk.decision", "risk.score" };
	char e[1024];
	size_t i;
	long slot;

	s->o = *o;
	fk_map_init(&s->logged);
	s->paths = fk_jpath_new();
	for (i = 0; i < P_LEVELS; i++)
		fk_jpath_add(s->paths, base[i], e, sizeof(e));
	s->lslot = fk_xcalloc(o->levels.n + 1, sizeof(*s->lslot));
	for (i = 0; i < o->levels.n; i++) {
		s->lslot[i] = SIZE_MAX;
		if (o->levels.v[i].kind != FK_LEVEL_FIELD)
			continue;
		if ((slot = fk_jpath_add(
		         s->paths, o->levels.v[i].field, e, sizeof(e))) == -1) {
			fk_seterr(err, errlen, "--partition-by %s: %s",
			    o->levels.v[i].field, e);
			*code = FK_EX_USAGE;
			goto fail;
		}
		s->lslot[i] = (size_t)slot;
	}
	s->vals = fk_xcalloc(fk_jpath_count(s->paths), sizeof(*s->vals));
	s->lvals = fk_xcalloc(o->levels.n + 1, sizeof(*s->lvals));
	fk_jobj_init(&s->top);
	fk_jbuf_init(&s->entry);
	*audit_cut = 0;
	if (o->audit != NULL &&
	    (s->audit = fk_audit_open(o->audit, audit_cut, e, sizeof(e))) ==
	        NULL) {
		fk_seterr(err, errlen, "--audit %s", e);
		*code = FK_EX_IOERR;
		goto fail;
	}
	if (o->lake.root != NULL) {
		s->o.lake.levels = &s->o.levels;
		s->o.lake.committed = file_done;
		s->o.lake.hash = s->audit != NULL;
		if (s->audit != NULL) {
			s->o.lake.found = file_found;
			if (load_logged(s, e, sizeof(e)) == -1) {
				fk_seterr(err, errlen, "--audit %s", e);
				*code = FK_EX_IOERR;
				goto fail;
			}
		}
		s->o.lake.arg = s;
		if ((s->lake = fk_lake_new(&s->o.lake, wall, e, sizeof(e))) ==
		    NULL) {
			fk_seterr(err, errlen, "--dir %s", e);
			*code = FK_EX_IOERR;
			goto fail;
		}
	}
	if (o->pg != NULL &&
	    (s->pg = fk_pg_open(o->pg, o->table, e, sizeof(e))) == NULL) {
		fk_seterr(err, errlen, "--pg: %s", e);
		/* The server away is unavailable; a table we cannot load,
		 * a configuration error. */
		*code = strncmp(e, "postgresql: connect", 19) == 0
		    ? FK_EX_UNAVAILABLE
		    : FK_EX_CONFIG;
		goto fail;
	}
	return s;
fail:
	fk_sink_free(s);
	return NULL;
}

/* A string member's bytes, decoded, or an integer as written (Kafka
 * keys and ids are either).  1 with *p, *n; 0 for anything else. */
static int
text_of(struct fk_sink *s, const struct fk_jmember *m, size_t *at,
    const char **p, size_t *n)
{
	size_t len;

	if (m->type == FK_J_NUMBER && m->integer) {
		*p = m->val;
		*n = m->vallen;
		return 1;
	}
	if (m->type != FK_J_STRING)
		return 0;
	len = m->vallen - 2;
	if (!m->escaped) {
		*p = m->val + 1;
		*n = len;
		return 1;
	}
	/* pg_row made room for every escaped string first: growing here
	 * would move the ones decoded before. */
	*n = fk_jstr_decode(m->val + 1, len, s->scratch + *at);
	*p = s->scratch + *at;
	*at += *n;
	return 1;
}

/* A number the columns take: 1e400 and 1e-400 are JSON, but not a
 * double precision (PostgreSQL refuses what overflows or underflows to
 * zero). */
static int
db_number(const struct fk_jmember *m)
{
	double d;
	size_t i;

	if (m->type != FK_J_NUMBER)
		return 0;
	d = fk_num_json(m->val, m->vallen);
	if (!isfinite(d))
		return 0;
	for (i = 0; d == 0 && i < m->vallen && (m->val[i] | 0x20) != 'e'; i++)
		if (m->val[i] >= '1' && m->val[i] <= '9')
			return 0;
	return 1;
}

/* "amount: expected a number, got "12,5"", the value as written, cut. */
static int
bad_value(const char *name, const char *what, const struct fk_jmember *m,
    char *err, size_t errlen)
{
	int n = m->vallen > 40 ? 40 : (int)m->vallen;

	fk_seterr(err, errlen, "%s: expected %s, got %.*s%s", name, what, n,
	    m->val, m->vallen > 40 ? "..." : "");
	return -1;
}

static int
present(const struct fk_jmember *m)
{
	return m->val != NULL && m->type != FK_J_NULL;
}

/* The table's columns from the record; a value of the wrong type is
 * refused rather than stored as NULL. */
static int
pg_row(
    struct fk_sink *s, int64_t ts, struct fk_pgrow *r, char *err, size_t errlen)
{
	const struct fk_jmember *v = s->vals;
	size_t at = 0, need = 0;

	for (int i = P_TX_ID; i <= P_DECISION; i++)
		if (v[i].val != NULL && v[i].escaped)
			need += v[i].vallen;
	if (need > s->scratchcap) {
		s->scratchcap = need + 4096;
		s->scratch = fk_xrealloc(s->scratch, s->scratchcap);
	}
	memset(r, 0, sizeof(*r));
	r->ts_ms = ts;
	if (!present(&v[P_TX_ID])) {
		fk_seterr(err, errlen, "no tx_id: the table's key");
		return -1;
	}
	if (!text_of(s, &v[P_TX_ID], &at, &r->tx_id, &r->tx_id_len) ||
	    r->tx_id_len == 0)
		return bad_value("tx_id", "a non-empty string or an integer",
		    &v[P_TX_ID], err, errlen);
	if (present(&v[P_USER_ID]) &&
	    !text_of(s, &v[P_USER_ID], &at, &r->user_id, &r->user_id_len))
		return bad_value("user_id", "a string or an integer",
		    &v[P_USER_ID], err, errlen);
	if (present(&v[P_AMOUNT])) {
		if (!db_number(&v[P_AMOUNT]))
			return bad_value(
			    "amount", "a number", &v[P_AMOUNT], err, errlen);
		r->amount = v[P_AMOUNT].val;
		r->amount_len = v[P_AMOUNT].vallen;
	}
	if (present(&v[P_DECISION]) &&
	    (v[P_DECISION].type != FK_J_STRING ||
	        !text_of(
	            s, &v[P_DECISION], &at, &r->decision, &r->decision_len)))
		return bad_value(
		    "risk.decision", "a string", &v[P_DECISION], err, errlen);
	if (present(&v[P_SCORE])) {
		if (!db_number(&v[P_SCORE]))
			return bad_value("risk.score",
			    "a number a double precision holds", &v[P_SCORE],
			    err, errlen);
		r->score = v[P_SCORE].val;
		r->score_len = v[P_SCORE].vallen;
	}
	/* Anywhere in the record: jsonb holds numbers as numeric. */
	if (s->top.bigexp) {
		fk_seterr(err, errlen,
		    "a number with an exponent of 5 digits or more, more than "
		    "PostgreSQL's jsonb holds");
		return -1;
	}
	return 0;
}

/* ts_ms (an integer), else timestamp (RFC 3339 or epoch); INT64_MIN
 * when neither is there. */
static int
event_time(struct fk_sink *s, int64_t *ts, char *err, size_t errlen)
{
	const struct fk_jmember *m = &s->vals[P_TIMESTAMP];
	char e[256];

	*ts = INT64_MIN;
	if (present(&s->vals[P_TS_MS])) {
		if (!fk_jmember_int(&s->vals[P_TS_MS], ts))
			return bad_value("ts_ms", "an integer",
			    &s->vals[P_TS_MS], err, errlen);
		return 0;
	}
	if (m->val == NULL || m->type == FK_J_NULL)
		return 0;
	if (m->type == FK_J_STRING &&
	    fk_time_parse(m->val + 1, m->vallen - 2, ts, e, sizeof(e)) == 0)
		return 0;
	if (m->type == FK_J_NUMBER &&
	    fk_time_from_epoch(strtod(m->val, NULL), ts, e, sizeof(e)) == 0)
		return 0;
	if (m->type != FK_J_STRING && m->type != FK_J_NUMBER)
		return bad_value(
		    "timestamp", "a string or a number", m, err, errlen);
	fk_seterr(err, errlen, "timestamp: %s", e);
	return -1;
}

static int
pg_flush(struct fk_sink *s, int *code, char *err, size_t errlen)
{
	char hex[FK_SHA256_HEXLEN], e[1024];
	uint64_t changed;
	size_t rows = fk_pg_pending(s->pg);
	int attempt;

	if (rows == 0)
		return 0;
	/* A lost connection is made again by the next try. */
	for (attempt = 0; fk_pg_flush(s->pg, &changed, hex, e, sizeof(e)) == -1;
	     attempt++) {
		if (attempt == 2) {
			fk_seterr(
			    err, errlen, "%s: %zu rows not loaded", e, rows);
			*code = FK_EX_TEMPFAIL;
			return -1;
		}
		sleep(1u << attempt);
	}
	s->c.batches++;
	s->c.rows += rows;
	s->c.changed += changed;
	if (s->audit != NULL) {
		struct fk_jbuf *b = &s->entry;

		b->len = 0;
		FK_JBUF_PUTS(b, "\"table\":");
		fk_jbuf_str(b, s->o.table, strlen(s->o.table));
		FK_JBUF_PUTS(b, ",\"rows\":");
		fk_jbuf_u64(b, rows);
		FK_JBUF_PUTS(b, ",\"changed\":");
		fk_jbuf_u64(b, changed);
		FK_JBUF_PUTS(b, ",\"sha256\":\"");
		fk_jbuf_put(b, hex, 64);
		FK_JBUF_PUTS(b, "\"");
		if (audit_append(s, "pg", err, errlen) == -1) {
			*code = FK_EX_IOERR;
			return -1;
		}
	}
	return 0;
}

int
fk_sink_put(struct fk_sink *s, const char *rec, size_t len, int32_t part,
    int64_t off, int64_t now, int *code, char *err, size_t errlen)
{
	struct fk_pgrow row;
	int64_t ts;
	size_t i;
	int rc = FK_SINK_DUP;

	if (fk_jscan_paths(s->paths, &s->top, rec, len, s->vals, err, errlen) ==
	    -1)
		return FK_SINK_BAD;
	if (event_time(s, &ts, err, errlen) == -1)
		return FK_SINK_BAD;
	/* Checked for both stores before either is written. */
	if (s->pg != NULL && pg_row(s, ts, &row, err, errlen) == -1)
		return FK_SINK_BAD;
	if (s->lake != NULL) {
		for (i = 0; i < s->o.levels.n; i++)
			if (s->lslot[i] != SIZE_MAX)
				s->lvals[i] = s->vals[s->lslot[i]];
		switch (fk_lake_put(s->lake, rec, len, ts, s->lvals, part, off,
		    now, err, errlen)) {
		case FK_LAKE_STORED:
			rc = FK_SINK_STORED;
			break;
		case FK_LAKE_DUP:
			break;
		case FK_LAKE_BAD:
			return FK_SINK_BAD;
		default:
			*code = FK_EX_IOERR;
			return FK_SINK_FAIL;
		}
	}
	if (s->pg != NULL) {
		row.record = rec;
		row.record_len = len;
		if (fk_pg_pending(s->pg) == 0)
			s->batch_since = now;
		fk_pg_add(s->pg, &row);
		rc = FK_SINK_STORED;
		if (fk_pg_pending(s->pg) >= s->o.batch &&
		    pg_flush(s, code, err, errlen) == -1)
			return FK_SINK_FAIL;
	}
	return rc;
}

int
fk_sink_tick(
    struct fk_sink *s, int64_t now, int *code, char *err, size_t errlen)
{
	if (s->lake != NULL && fk_lake_tick(s->lake, now, err, errlen) == -1) {
		*code = FK_EX_IOERR;
		return -1;
	}
	if (s->pg != NULL && fk_pg_pending(s->pg) > 0 &&
	    now - s->batch_since >= 1000)
		return pg_flush(s, code, err, errlen);
	return 0;
}

int
fk_sink_flush(
    struct fk_sink *s, int32_t part, int *code, char *err, size_t errlen)
{
	if (s->pg != NULL && pg_flush(s, code, err, errlen) == -1)
		return -1;
	if (s->lake != NULL && part != -1 &&
	    fk_lake_close(s->lake, part, err, errlen) == -1) {
		*code = FK_EX_IOERR;
		return -1;
	}
	return 0;
}

int64_t
fk_sink_oldest(const struct fk_sink *s, int32_t part)
{
	return s->lake != NULL ? fk_lake_oldest(s->lake, part) : -1;
}

void
fk_sink_assigned(struct fk_sink *s, int32_t part)
{
	if (s->lake != NULL)
		fk_lake_forget(s->lake, part);
}

void
fk_sink_counts(const struct fk_sink *s, struct fk_sink_counts *c)
{
	*c = s->c;
	c->files = s->lake != NULL ? fk_lake_nfiles(s->lake) : 0;
}

void
fk_sink_free(struct fk_sink *s)
{
	if (s == NULL)
		return;
	fk_lake_free(s->lake);
	fk_pg_free(s->pg);
	fk_audit_free(s->audit);
	fk_jpath_free(s->paths);
	fk_jobj_release(&s->top);
	fk_jbuf_release(&s->entry);
	free(s->vals);
	free(s->lvals);
	free(s->lslot);
	free(s->scratch);
	fk_map_release(&s->logged);
	free(s);
}

struct verify {
	const char *root;
	struct fk_jobj o;
};

/* Whether a path has a ".." component (a name with two dots in it is
 * fine: a%2E..b). */
static int
has_dotdot(const char *p)
{
	for (;;) {
		if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || p[2] == '\0'))
			return 1;
		if ((p = strchr(p, '/')) == NULL)
			return 0;
		p++;
	}
}

/* The SHA-256 and size of the file at path.  0, or -1 with a message. */
static int
hash_file(const char *path, char hex[FK_SHA256_HEXLEN], int64_t *size,
    char *err, size_t errlen)
{
	unsigned char buf[65536];
	struct fk_sha256 c;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		fk_seterr(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	*size = 0;
	fk_sha256_init(&c);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		fk_sha256_update(&c, buf, (size_t)n);
		*size += n;
	}
	close(fd);
	if (n == -1) {
		fk_seterr(err, errlen, "%s: %s", path, strerror(errno));
		fk_sha256_release(&c);
		return -1;
	}
	fk_sha256_final_hex(&c, hex);
	return 0;
}

/* A "file" entry's file: there, of its size and SHA-256. */
static int
check_file(void *arg, long line, const char *text, size_t len, char *err,
    size_t errlen)
{
	struct verify *v = arg;
	const struct fk_jmember *ev, *pm, *hm, *zm;
	char e[256], path[4096], rel[2048], hex[FK_SHA256_HEXLEN];
	int64_t size, got;
	size_t rl;

	(void)line;
	if (fk_jscan(&v->o, text, len, e, sizeof(e)) == -1 ||
	    (ev = fk_jobj_get(&v->o, "event")) == NULL || ev->vallen != 6 ||
	    memcmp(ev->val, "\"file\"", 6) != 0)
		return 0;
	pm = fk_jobj_get(&v->o, "path");
	hm = fk_jobj_get(&v->o, "sha256");
	zm = fk_jobj_get(&v->o, "size");
	if (pm == NULL || pm->type != FK_J_STRING ||
	    pm->vallen - 2 >= sizeof(rel) || hm == NULL ||
	    hm->type != FK_J_STRING || hm->vallen != 66 || zm == NULL ||
	    !fk_jmember_int(zm, &size)) {
		fk_seterr(
		    err, errlen, "a file entry without path, size or sha256");
		return -1;
	}
	rl = fk_jstr_decode(pm->val + 1, pm->vallen - 2, rel);
	rel[rl] = '\0';
	/* A changed entry must not send the check outside the folder. */
	if (rel[0] == '/' || has_dotdot(rel) || strlen(rel) != rl) {
		fk_seterr(
		    err, errlen, "path \"%.100s\" leaves the folder", rel);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", v->root, rel);
	if (hash_file(path, hex, &got, err, errlen) == -1)
		return -1;
	if (got != size || memcmp(hex, hm->val + 1, 64) != 0) {
		fk_seterr(err, errlen,
		    "%s: changed since it was written (%" PRId64 " bytes, "
		    "sha256 %.12s...; logged %" PRId64 " bytes, %.12s...)",
		    path, got, hex, size, hm->val + 1);
		return -1;
	}
	return 0;
}

int
fk_sink_verify(const char *path, const char *root, struct fk_audit_report *r,
    char *err, size_t errlen)
{
	struct verify v = { .root = root };
	int rc;

	fk_jobj_init(&v.o);
	rc = fk_audit_verify(
	    path, root != NULL ? check_file : NULL, &v, r, err, errlen);
	fk_jobj_release(&v.o);
	return rc;
}
