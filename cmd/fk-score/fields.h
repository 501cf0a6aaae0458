/* The values a rule set and a model read from one record: the record is
 * scanned once, every path's value found in one walk (common/jpath), and
 * each value converted on first use. */
#ifndef FK_FIELDS_H
#define FK_FIELDS_H

#include <math.h>
#include <stddef.h>

#include "jpath.h"
#include "jscan.h"

enum fk_vtype {
	FK_V_MISSING, /* the path is not in the record */
	FK_V_NULL,
	FK_V_BOOL,
	FK_V_NUM,
	FK_V_STR,
	FK_V_OTHER, /* an object or an array */
};

struct fk_val {
	enum fk_vtype type;
	int b;           /* FK_V_BOOL */
	double num;      /* FK_V_NUM */
	const char *str; /* FK_V_STR: decoded, not NUL-terminated; borrowed
			  * until the next fk_fields_scan */
	size_t len;
};

struct fk_fields {
	struct fk_jpath *paths; /* borrowed */
	struct fk_jobj top;
	struct fk_jmember *span; /* per slot: as written in the record */
	struct fk_val *val;      /* per slot: converted */
	unsigned char *done;     /* per slot: val is set */
	char *buf;               /* decoded strings */
	size_t nslots, buflen, bufcap;
};

/* Set up f for the paths in t (borrowed: must not change while f is in
 * use; call again after adding paths).  fk_fields_release frees. */
void fk_fields_init(struct fk_fields *f, struct fk_jpath *t);
void fk_fields_release(struct fk_fields *f);

/* Scan one record (validating it) and find every path: 0, or -1 with
 * "column N: ..." in err.  The text is borrowed until the next scan. */
int fk_fields_scan(struct fk_fields *f, const char *text, size_t len, char *err,
    size_t errlen);

void fk_fields_convert(struct fk_fields *f, size_t slot);

/* The value of slot, converted once per record.  Borrowed until the next
 * scan.  Numbers are read exactly (correctly rounded). */
static inline const struct fk_val *
fk_fields_get(struct fk_fields *f, size_t slot)
{
	if (!f->done[slot]) {
		fk_fields_convert(f, slot);
		f->done[slot] = 1;
	}
	return &f->val[slot];
}

/* The value as written in the record (with quotes for a string), or
 * NULL when missing. */
const struct fk_jmember *fk_fields_span(const struct fk_fields *f, size_t slot);

/* A model input: a number as it is, a boolean as 1 or 0, NaN for
 * anything else (missing). */
static inline double
fk_fields_num(struct fk_fields *f, size_t slot)
{
	const struct fk_val *v = fk_fields_get(f, slot);

	if (v->type == FK_V_NUM)
		return v->num;
	if (v->type == FK_V_BOOL)
		return v->b;
	return NAN;
}

#endif
