#include "labels.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "exitcode.h"
#include "kafka.h"
#include "xalloc.h"
#include "banned.h"

void
fk_labels_init(struct fk_labels *l, const char *src)
{
	memset(l, 0, sizeof(*l));
	l->src = src;
}

void
fk_labels_release(struct fk_labels *l)
{
	free(l->v);
	fk_follow_close(l->follow);
	memset(l, 0, sizeof(*l));
}

struct reading {
	struct fk_labels *l;
	struct fk_enrich *e;
	const char *name; /* file or topic, for messages */
	long long n;
	char err[512];
};

static int
add(struct reading *r, const void *data, size_t len)
{
	struct fk_labels *l = r->l;
	struct fk_enrich_label one;
	char why[256];
	int rc;

	r->n++;
	if ((rc = fk_enrich_label_parse(
	         r->e, data, len, &one, why, sizeof(why))) == -1) {
		snprintf(
		    r->err, sizeof(r->err), "%s:%lld: %s", r->name, r->n, why);
		return -1;
	}
	if (rc == 0)
		return 0;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 1024;
		l->v = fk_xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = one;
	return 0;
}

static int
message(
    void *arg, const void *key, size_t keylen, const void *value, size_t len)
{
	(void)key;
	(void)keylen;
	return value != NULL ? add(arg, value, len) : 0;
}

static int
by_time(const void *a, const void *b)
{
	const struct fk_enrich_label *x = a, *y = b;

	return (x->t > y->t) - (x->t < y->t);
}

/* Every partition to its end, then follow from there. */
static int
load_topic(struct reading *r, const struct fk_config *cfg, const char *topic,
    int *code, char *err, size_t errlen)
{
	int n = fk_kafka_partitions(cfg, topic, err, errlen), rc = 0;
	int64_t *end;

	*code = FK_EX_UNAVAILABLE;
	if (n == -1)
		return -1;
	end = fk_xcalloc((size_t)n, sizeof(*end));
	r->name = topic;
	for (int p = 0; p < n && rc == 0; p++) {
		if ((rc = fk_kafka_read_partition(cfg, topic, p, &end[p],
		         message, r, err, errlen)) == -1 &&
		    r->err[0] != '\0') {
			snprintf(err, errlen, "%s", r->err);
			*code = FK_EX_DATAERR;
		}
	}
	if (rc == 0 &&
	    (r->l->follow = fk_follow_open(
	         cfg, topic, end, (size_t)n, err, errlen)) == NULL)
		rc = -1;
	free(end);
	return rc;
}

static int
load_file(struct reading *r, int *code, char *err, size_t errlen)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *fp;
	int rc = 0;

	if ((fp = fopen(r->name, "r")) == NULL) {
		*code = FK_EX_NOINPUT;
		fk_seterr(err, errlen, "%s: %s", r->name, strerror(errno));
		return -1;
	}
	while (rc == 0 && (len = getline(&line, &cap, fp)) != -1) {
		while (
		    len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (len == 0) {
			r->n++;
			continue;
		}
		if ((rc = add(r, line, (size_t)len)) == -1) {
			*code = FK_EX_DATAERR;
			snprintf(err, errlen, "%s", r->err);
		}
	}
	free(line);
	fclose(fp);
	return rc;
}

int
fk_labels_load(struct fk_labels *l, const struct fk_config *cfg,
    struct fk_enrich *e, int *code, char *err, size_t errlen)
{
	struct reading r = { .l = l, .e = e, .name = l->src };
	int rc;

	if (strncmp(l->src, "kafka:", 6) == 0)
		rc = load_topic(&r, cfg, l->src + 6, code, err, errlen);
	else
		rc = load_file(&r, code, err, errlen);
	if (rc == 0)
		qsort(l->v, l->n, sizeof(*l->v), by_time);
	return rc;
}

int
fk_labels_next(struct fk_labels *l, struct fk_enrich *e,
    struct fk_enrich_label *out, char *err, size_t errlen)
{
	const void *data;
	size_t len;
	int rc;

	if (l->follow == NULL)
		return 0;
	while (
	    (rc = fk_follow_next(l->follow, &data, &len, err, errlen)) == 1) {
		if (data == NULL)
			continue;
		if ((rc = fk_enrich_label_parse(
		         e, data, len, out, err, errlen)) == -1)
			return -2;
		if (rc == 1)
			return 1;
	}
	return rc;
}
