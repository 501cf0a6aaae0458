#include "follow.h"

#include <stdlib.h>
#include <string.h>

#include "kafka.h"
#include "record.h"
#include "xalloc.h"
#include "banned.h"

struct fk_follow {
	struct fk_consumer *c;
	int64_t *start;
	size_t nstart;
};

static void
follow_assign(void *arg, const int32_t *parts, int64_t *start, size_t n)
{
	struct fk_follow *f = arg;

	for (size_t i = 0; i < n; i++)
		if (parts[i] >= 0 && (size_t)parts[i] < f->nstart)
			start[i] = f->start[parts[i]];
}

struct fk_follow *
fk_follow_open(const struct fk_config *cfg, const char *topic,
    const int64_t *start, size_t nstart, char *err, size_t errlen)
{
	struct fk_follow *f = fk_xcalloc(1, sizeof(*f));
	struct fk_consumer_opts o = {
		.topic = topic,
		.start = { .kind = FK_OFF_BEGINNING },
		.on_assign = follow_assign,
		.arg = f,
	};
	int code;

	f->start = fk_xcalloc(nstart + 1, sizeof(*f->start));
	memcpy(f->start, start, nstart * sizeof(*start));
	f->nstart = nstart;
	if ((f->c = fk_consumer_new(cfg, &o, &code, err, errlen)) == NULL) {
		free(f->start);
		free(f);
		return NULL;
	}
	return f;
}

int
fk_follow_next(struct fk_follow *f, const void **data, size_t *len, char *err,
    size_t errlen)
{
	struct fk_rec rec;
	int rc;

	memset(&rec, 0, sizeof(rec));
	rc = fk_consumer_next(f->c, &rec, 0, err, errlen);
	if (rc == 1) {
		*data = rec.data;
		*len = rec.len;
		return 1;
	}
	return rc == -2 ? -1 : 0;
}

void
fk_follow_close(struct fk_follow *f)
{
	if (f == NULL)
		return;
	fk_consumer_close(f->c);
	free(f->start);
	free(f);
}
