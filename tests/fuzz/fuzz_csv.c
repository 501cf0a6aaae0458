/* libFuzzer: fkcat-in --csv on any file: lines joined while a quoted
 * field is open (as run.c does), the first record the header, the others
 * rows through the renames of --map, validation and normalization
 * (ingest.c), as fkcat-in's record() takes them.  A first line
 * "#map SPEC" is --map SPEC.  No crash, no sanitizer report, and every
 * row that splits splits again the same once written back, each field
 * quoted. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "ingest.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/* Fields of row written back as one record, each quoted. */
static char *
requote(const struct fk_csv_row *row, size_t *len)
{
	size_t n = 0, i, j;
	char *out, *w;

	for (i = 0; i < row->nfields; i++)
		n += 2 * row->fields[i].len + 3;
	w = out = malloc(n + 1);
	if (out == NULL)
		abort();
	for (i = 0; i < row->nfields; i++) {
		if (i > 0)
			*w++ = ',';
		*w++ = '"';
		for (j = 0; j < row->fields[i].len; j++) {
			if (row->fields[i].s[j] == '"')
				*w++ = '"';
			*w++ = row->fields[i].s[j];
		}
		*w++ = '"';
	}
	*len = (size_t)(w - out);
	return out;
}

static void
check_split(const char *line, size_t len)
{
	struct fk_csv_row a, b;
	char err[256], *again;
	size_t n;

	fk_csv_row_init(&a);
	fk_csv_row_init(&b);
	if (fk_csv_split(&a, line, len, ',', err, sizeof(err)) == 0) {
		again = requote(&a, &n);
		if (!fk_csv_complete(again, n) ||
		    fk_csv_split(&b, again, n, ',', err, sizeof(err)) != 0 ||
		    b.nfields != a.nfields)
			abort();
		for (size_t i = 0; i < a.nfields; i++)
			if (a.fields[i].len != b.fields[i].len ||
			    memcmp(a.fields[i].s, b.fields[i].s,
			        a.fields[i].len) != 0 ||
			    a.fields[i].s[a.fields[i].len] != '\0')
				abort();
		free(again);
	} else if (a.nfields != 0) {
		abort();
	}
	fk_csv_row_release(&a);
	fk_csv_row_release(&b);
}

/* One record as fkcat-in's record() takes it after its header. */
static void
row(struct fk_ingest *ig, const char *line, size_t len, long long lineno)
{
	struct fk_rec rec;
	const char *key;
	size_t keylen;
	char err[512];
	json_t *obj;

	memset(&rec, 0, sizeof(rec));
	rec.data = line;
	rec.len = len;
	rec.ts_ms = -1;
	rec.pos.source = "in.csv";
	rec.pos.line = lineno;
	rec.pos.partition = -1;
	rec.pos.offset = -1;
	obj = fk_ingest_from_csv(ig, line, len, err, sizeof(err));
	if (obj == NULL)
		return;
	if (fk_ingest_normalize(ig, obj, 1, &rec, err, sizeof(err)) == 0)
		fk_ingest_dump(ig, obj, "user_id", &key, &keylen);
	json_decref(obj);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const char *p = (const char *)data, *end = p + len, *nl;
	struct fk_ingest ig;
	char err[512], *join = NULL, *spec;
	size_t joinlen = 0, n;
	long long lineno = 0;
	int header = 1;

	fk_ingest_init(&ig);
	if (len > 5 && memcmp(p, "#map ", 5) == 0) {
		nl = memchr(p, '\n', len);
		n = (size_t)((nl != NULL ? nl : end) - p) - 5;
		spec = malloc(n + 1);
		if (spec == NULL)
			abort();
		memcpy(spec, p + 5, n);
		spec[n] = '\0';
		if (fk_ingest_map_parse(&ig, spec, err, sizeof(err)) == -1) {
			free(spec);
			goto out;
		}
		free(spec);
		p = nl != NULL ? nl + 1 : end;
	}
	while (p < end) {
		const char *line;
		size_t linelen;

		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl != NULL ? nl : end) - p);
		lineno++;
		/* A line of its own, in a buffer of its own size. */
		joinlen = 0;
		free(join);
		join = malloc(n > 0 ? n : 1);
		if (join == NULL)
			abort();
		memcpy(join, p, n);
		joinlen = n;
		p = nl != NULL ? nl + 1 : end;
		while (!fk_csv_complete(join, joinlen) && p < end) {
			nl = memchr(p, '\n', (size_t)(end - p));
			n = (size_t)((nl != NULL ? nl : end) - p);
			join = realloc(join, joinlen + 1 + n);
			if (join == NULL)
				abort();
			join[joinlen++] = '\n';
			memcpy(join + joinlen, p, n);
			joinlen += n;
			p = nl != NULL ? nl + 1 : end;
			lineno++;
		}
		line = join;
		linelen = joinlen;
		if (linelen == 0)
			continue;
		check_split(line, linelen);
		if (header) {
			header = 0;
			if (fk_ingest_csv_header(
			        &ig, line, linelen, err, sizeof(err)) == -1)
				break;
			continue;
		}
		row(&ig, line, linelen, lineno);
	}
out:
	free(join);
	fk_ingest_release(&ig);
	return 0;
}
