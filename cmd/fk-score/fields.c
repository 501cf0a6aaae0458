/* One record's fields: scanned once, found in one walk, converted lazily
 * (most rules stop at their first comparison, so most values are never
 * read). */
#include "fields.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "numbers.h"
#include "xalloc.h"

#include "banned.h"

void
fk_fields_init(struct fk_fields *f, struct fk_jpath *t)
{
	size_t n = fk_jpath_count(t);

	memset(f, 0, sizeof(*f));
	fk_jobj_init(&f->top);
	f->paths = t;
	f->nslots = n;
	/* Never zero bytes, so that every pointer is a real allocation. */
	f->span = fk_xcalloc(n + 1, sizeof(*f->span));
	f->val = fk_xcalloc(n + 1, sizeof(*f->val));
	f->done = fk_xcalloc(n + 1, 1);
}

void
fk_fields_release(struct fk_fields *f)
{
	fk_jobj_release(&f->top);
	free(f->span);
	free(f->val);
	free(f->done);
	free(f->buf);
	memset(f, 0, sizeof(*f));
}

int
fk_fields_scan(
    struct fk_fields *f, const char *text, size_t len, char *err, size_t errlen)
{
	if (fk_jscan_paths(
	        f->paths, &f->top, text, len, f->span, err, errlen) == -1)
		return -1;
	memset(f->done, 0, f->nslots);
	/* Decoded strings are never longer than the record. */
	if (f->bufcap < len) {
		free(f->buf);
		f->bufcap = len;
		f->buf = fk_xmalloc(f->bufcap);
	}
	f->buflen = 0;
	return 0;
}

const struct fk_jmember *
fk_fields_span(const struct fk_fields *f, size_t slot)
{
	return f->span[slot].val != NULL ? &f->span[slot] : NULL;
}

void
fk_fields_convert(struct fk_fields *f, size_t slot)
{
	const struct fk_jmember *m = &f->span[slot];
	struct fk_val *v = &f->val[slot];

	if (m->val == NULL) {
		v->type = FK_V_MISSING;
		return;
	}
	/* Most values read are numbers: no jump through the switch. */
	if (m->type == FK_J_NUMBER) {
		v->type = FK_V_NUM;
		v->num = fk_num_json(m->val, m->vallen);
		return;
	}
	switch (m->type) {
	case FK_J_STRING:
		v->type = FK_V_STR;
		if (!m->escaped) {
			v->str = m->val + 1;
			v->len = m->vallen - 2;
			break;
		}
		v->str = f->buf + f->buflen;
		v->len = fk_jstr_decode(
		    m->val + 1, m->vallen - 2, f->buf + f->buflen);
		f->buflen += v->len;
		break;
	case FK_J_TRUE:
	case FK_J_FALSE:
		v->type = FK_V_BOOL;
		v->b = m->type == FK_J_TRUE;
		break;
	case FK_J_NULL:
		v->type = FK_V_NULL;
		break;
	default:
		v->type = FK_V_OTHER;
		break;
	}
}
