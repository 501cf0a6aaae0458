/* fkcat-in: validate and normalize transactions into NDJSON or Kafka. */
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "run.h"
#include "banned.h"

struct fkcat {
	struct fk_ingest ig;
	int csv;
	int need_header;
};

static int
opt_map(void *value, const char *arg, char *err, size_t errlen)
{
	return fk_ingest_map_parse(value, arg, err, errlen);
}

static void
start(void *ctx, struct fk_rt *rt)
{
	struct fkcat *f = ctx;

	if (f->csv && f->ig.envelope)
		fk_usage("--csv and --envelope cannot be used together");
	fk_rt_set_csv_framing(rt, f->csv);
}

static void
source(void *ctx, struct fk_rt *rt, const char *name)
{
	struct fkcat *f = ctx;

	(void)rt;
	(void)name;
	f->need_header = f->csv;
}

static void
record(void *ctx, struct fk_rt *rt, const struct fk_rec *rec)
{
	struct fkcat *f = ctx;
	const char *key;
	size_t keylen;
	char err[512];
	json_t *obj;

	if (!f->csv &&
	    fk_ingest_fast(&f->ig, rec, fk_rt_keyfield(rt), &key, &keylen)) {
		fk_rt_emit(rt, f->ig.out, f->ig.outlen, key, keylen,
		    f->ig.ts_ms > 0 ? f->ig.ts_ms : 0);
		return;
	}
	if (rec->truncated) {
		fk_rt_reject(rt, rec, "line longer than --max-line");
		return;
	}
	if (f->need_header) {
		if (fk_ingest_csv_header(
		        &f->ig, rec->data, rec->len, err, sizeof(err)) == -1) {
			fk_rt_reject(rt, rec, "%s", err);
			return;
		}
		f->need_header = 0;
		fk_rt_skip(rt, rec);
		return;
	}
	if (f->csv)
		obj = fk_ingest_from_csv(
		    &f->ig, rec->data, rec->len, err, sizeof(err));
	else
		obj = fk_ingest_from_json(
		    &f->ig, rec->data, rec->len, err, sizeof(err));
	if (obj == NULL) {
		fk_rt_reject(rt, rec, "%s", err);
		return;
	}
	if (fk_ingest_normalize(&f->ig, obj, f->csv, rec, err, sizeof(err)) ==
	    -1)
		fk_rt_reject(rt, rec, "%s", err);
	else {
		fk_ingest_dump(&f->ig, obj, fk_rt_keyfield(rt), &key, &keylen);
		fk_rt_emit(
		    rt, f->ig.out, f->ig.outlen, key, keylen, f->ig.ts_ms);
	}
	json_decref(obj);
}

int
main(int argc, char **argv)
{
	struct fkcat f;
	const struct fk_option options[] = {
		FK_OPT_BOOL(
		    0, "csv", &f.csv, "input is CSV with a header line"),
		FK_OPT_BOOL(0, "envelope", &f.ig.envelope,
		    "input is kcat -J envelopes"),
		FK_OPT_CALL(0, "map", &f.ig, opt_map, "F=NAME,...",
		    "take field F from input field NAME"),
		FK_OPT_SIZE(0, "max-field", &f.ig.max_field, 1, 1LL << 30,
		    "SIZE", "reject strings longer than SIZE (default 8k)"),
		FK_OPT_END(),
	};
	const struct fk_tool tool = {
		.name = "fkcat-in",
		.synopsis = "[--csv | --envelope] [--map spec] "
		            "[--max-field size] [file ...]",
		.options = options,
		.start = start,
		.source = source,
		.record = record,
	};
	int rc;

	memset(&f, 0, sizeof(f));
	fk_ingest_init(&f.ig);
	rc = fk_main(&tool, &f, argc, argv);
	fk_ingest_release(&f.ig);
	return rc;
}
