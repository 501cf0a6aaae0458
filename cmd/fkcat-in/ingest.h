/* fkcat-in's record work: parsing NDJSON, CSV rows and kcat envelopes,
 * renaming fields, validating and normalizing the fk(7) record. */
#ifndef FK_INGEST_H
#define FK_INGEST_H

#include <jansson.h>
#include <stddef.h>

#include "csv.h"
#include "jscan.h"
#include "record.h"

#define FK_INGEST_MAX_FIELD 8192

/* The type a --map makes its value (":int" and so on); FK_TYPE_ASIS
 * keeps it as it comes (a CSV column's string). */
enum fk_ingest_type {
	FK_TYPE_ASIS,
	FK_TYPE_INT,
	FK_TYPE_NUMBER,
	FK_TYPE_BOOL,
	FK_TYPE_STRING
};

struct fk_ingest_map {
	char *to;   /* fk(7) name */
	char *from; /* name in the input */
	enum fk_ingest_type type;
};

struct fk_ingest {
	size_t max_field;
	int envelope;
	struct fk_ingest_map *map;
	size_t nmap;
	json_t **mapvals; /* scratch for apply_map */
	/* CSV: the current file's header, after renames */
	char **cols;
	size_t ncols;
	struct fk_csv_row row;
	/* the fast path's scan and output */
	struct fk_jobj jo;
	char *out;
	size_t outcap, outlen;
	int64_t ts_ms;   /* the record's ts_ms */
	int64_t stamp;   /* ingest_ms to write (--ingest-time), or 0 */
	char keynum[32]; /* an integer key, written */
};

void fk_ingest_init(struct fk_ingest *ig);
void fk_ingest_release(struct fk_ingest *ig);

/* Add renames from "to=from[:type],..." (type int, number, bool or
 * string).  -1 with a message on bad syntax. */
int fk_ingest_map_parse(
    struct fk_ingest *ig, const char *spec, char *err, size_t errlen);

/* Take a CSV header line as the column names; -1 with a message. */
int fk_ingest_csv_header(struct fk_ingest *ig, const char *line, size_t len,
    char *err, size_t errlen);
/* Forget the header (a new file begins). */
void fk_ingest_csv_reset(struct fk_ingest *ig);

/* A record as a new object: from a CSV row (strings, renamed) or from
 * JSON (an envelope's payload with --envelope).  NULL with a message. */
json_t *fk_ingest_from_csv(struct fk_ingest *ig, const char *line, size_t len,
    char *err, size_t errlen);
json_t *fk_ingest_from_json(struct fk_ingest *ig, const char *line, size_t len,
    char *err, size_t errlen);

/* Validate and normalize obj in place (see fk(7)); from_csv allows numeric
 * strings.  A missing tx_id is derived from the raw input and its
 * position, so a replay assigns the same ids.  -1 with a message. */
int fk_ingest_normalize(struct fk_ingest *ig, json_t *obj, int from_csv,
    const struct fk_rec *rec, char *err, size_t errlen);

/* The fast path for an NDJSON line in the usual shape: validate and
 * normalize without building a tree, copying members through as written.
 * Returns 1 with the record in ig->out/outlen and its key (the member
 * keyfield, borrowed from rec or ig) in *key and *keylen, or 0 when the line
 * needs fk_ingest_from_json() and fk_ingest_normalize(): anything
 * unusual, and every line that is to be rejected, so that messages come
 * from one place. */
int fk_ingest_fast(struct fk_ingest *ig, const struct fk_rec *rec,
    const char *keyfield, const char **key, size_t *keylen);

/* The slow path's output: obj (borrowed) written compactly into
 * ig->out/outlen, its member keyfield (a string or an integer) as the key
 * in *key and *keylen (borrowed from obj or ig; NULL when absent), and
 * its ts_ms in ig->ts_ms (0 when absent). */
void fk_ingest_dump(struct fk_ingest *ig, json_t *obj, const char *keyfield,
    const char **key, size_t *keylen);

#endif
