#include "prom.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errbuf.h"
#include "xalloc.h"
#include "banned.h"

enum type { COUNTER, GAUGE, HISTOGRAM };

static const char *const type_name[] = { "counter", "gauge", "histogram" };

struct series {
	char *labels; /* name="value",... escaped; "" for none */
	uint64_t counter;
	double gauge;
	struct fk_prom_hist hist;
};

struct family {
	char *name, *help;
	enum type type;
	double *bounds;
	size_t nb;
	struct series **s;
	size_t n;
};

struct fk_prom {
	char *labels;       /* the registry's, rendered as a series' are */
	char **label_names; /* theirs, which a series may not use again */
	size_t nlabels;
	struct family **f;
	size_t n;
};

static int
name_ok(const char *s, int colon)
{
	if (*s == '\0' || (*s >= '0' && *s <= '9'))
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		        (*s >= '0' && *s <= '9') || *s == '_' ||
		        (colon && *s == ':')))
			return 0;
	return 1;
}

/* A label value as the format wants it: \ " and newline escaped. */
static void
put_escaped(struct fk_jbuf *b, const char *s, int quotes)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			FK_JBUF_PUTS(b, "\\\\");
		else if (*s == '\n')
			FK_JBUF_PUTS(b, "\\n");
		else if (*s == '"' && quotes)
			FK_JBUF_PUTS(b, "\\\"");
		else
			fk_jbuf_put(b, s, 1);
	}
}

/* labels (pairs) rendered into b, after the registry's names were
 * checked; -1 with a message for a bad or repeated name. */
static int
render_labels(const struct fk_prom *m, const char *const *labels, int hist,
    struct fk_jbuf *b, char *err, size_t errlen)
{
	for (size_t i = 0; labels != NULL && labels[i] != NULL; i += 2) {
		const char *name = labels[i], *v = labels[i + 1];
		int dup = strncmp(name, "__", 2) == 0 ||
		    (hist && strcmp(name, "le") == 0);

		for (size_t j = 0; m != NULL && j < m->nlabels; j++)
			dup |= strcmp(m->label_names[j], name) == 0;
		for (size_t j = 0; j < i; j += 2)
			dup |= strcmp(labels[j], name) == 0;
		if (!name_ok(name, 0) || dup || v == NULL) {
			fk_seterr(err, errlen, "label %s: %s", name,
			    v == NULL ? "no value"
			        : dup ? "reserved or given twice"
			              : "not a label name");
			return -1;
		}
		if (b->len > 0)
			FK_JBUF_PUTS(b, ",");
		fk_jbuf_put(b, name, strlen(name));
		FK_JBUF_PUTS(b, "=\"");
		put_escaped(b, v, 1);
		FK_JBUF_PUTS(b, "\"");
	}
	return 0;
}

static char *
jbuf_string(struct fk_jbuf *b)
{
	char *s = fk_xstrndup(b->p != NULL ? b->p : "", b->len);

	fk_jbuf_release(b);
	return s;
}

struct fk_prom *
fk_prom_new(const char *const *labels, char *err, size_t errlen)
{
	struct fk_prom *m = fk_xcalloc(1, sizeof(*m));
	struct fk_jbuf b;

	fk_jbuf_init(&b);
	if (render_labels(NULL, labels, 0, &b, err, errlen) == -1) {
		fk_jbuf_release(&b);
		free(m);
		return NULL;
	}
	m->labels = jbuf_string(&b);
	for (size_t i = 0; labels != NULL && labels[i] != NULL; i += 2) {
		m->label_names = fk_xrealloc(
		    m->label_names, (m->nlabels + 1) * sizeof(*m->label_names));
		m->label_names[m->nlabels++] = fk_xstrdup(labels[i]);
	}
	return m;
}

static void
series_free(struct series *s)
{
	free(s->labels);
	free(s->hist.buckets);
	free(s);
}

void
fk_prom_clear(struct fk_prom *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++) {
		struct family *f = m->f[i];

		if (strcmp(f->name, name) != 0)
			continue;
		for (size_t j = 0; j < f->n; j++)
			series_free(f->s[j]);
		f->n = 0;
	}
}

void
fk_prom_free(struct fk_prom *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++) {
		struct family *f = m->f[i];

		for (size_t j = 0; j < f->n; j++)
			series_free(f->s[j]);
		free(f->s);
		free(f->name);
		free(f->help);
		free(f->bounds);
		free(f);
	}
	for (size_t i = 0; i < m->nlabels; i++)
		free(m->label_names[i]);
	free(m->label_names);
	free(m->labels);
	free(m->f);
	free(m);
}

/* The family name, made if new; NULL with a message when it exists with
 * another type, help or bounds. */
static struct family *
family(struct fk_prom *m, const char *name, const char *help, enum type type,
    const double *bounds, size_t nb, char *err, size_t errlen)
{
	struct family *f;
	size_t i;

	for (i = 0; i < m->n; i++) {
		f = m->f[i];
		if (strcmp(f->name, name) != 0)
			continue;
		if (f->type != type || strcmp(f->help, help) != 0 ||
		    f->nb != nb ||
		    (nb > 0 && memcmp(f->bounds, bounds, nb * sizeof(*bounds))))
			goto clash;
		return f;
	}
	if (!name_ok(name, 1)) {
		fk_seterr(err, errlen, "%s: not a metric name", name);
		return NULL;
	}
	for (i = 0; i < nb; i++)
		if (!isfinite(bounds[i]) ||
		    (i > 0 && bounds[i] <= bounds[i - 1])) {
			fk_seterr(err, errlen,
			    "%s: bucket bounds must be finite and increasing",
			    name);
			return NULL;
		}
	f = fk_xcalloc(1, sizeof(*f));
	f->name = fk_xstrdup(name);
	f->help = fk_xstrdup(help);
	f->type = type;
	f->nb = nb;
	f->bounds = fk_xcalloc(nb + 1, sizeof(*f->bounds));
	if (nb > 0)
		memcpy(f->bounds, bounds, nb * sizeof(*bounds));
	m->f = fk_xrealloc(m->f, (m->n + 1) * sizeof(*m->f));
	m->f[m->n++] = f;
	return f;
clash:
	if (f->type != type)
		fk_seterr(err, errlen, "%s: registered before as a %s", name,
		    type_name[f->type]);
	else
		fk_seterr(err, errlen,
		    "%s: registered before with other help or buckets", name);
	return NULL;
}

static struct series *
series(struct fk_prom *m, const char *name, const char *help, enum type type,
    const char *const *labels, const double *bounds, size_t nb, char *err,
    size_t errlen)
{
	struct family *f;
	struct series *s;
	struct fk_jbuf b;
	char *ls;

	if ((f = family(m, name, help, type, bounds, nb, err, errlen)) == NULL)
		return NULL;
	fk_jbuf_init(&b);
	if (render_labels(m, labels, type == HISTOGRAM, &b, err, errlen) ==
	    -1) {
		fk_jbuf_release(&b);
		return NULL;
	}
	ls = jbuf_string(&b);
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->s[i]->labels, ls) == 0) {
			free(ls);
			return f->s[i];
		}
	s = fk_xcalloc(1, sizeof(*s));
	s->labels = ls;
	if (type == HISTOGRAM) {
		s->hist.bounds = f->bounds;
		s->hist.nb = f->nb;
		s->hist.buckets = fk_xcalloc(f->nb + 1, sizeof(uint64_t));
	}
	f->s = fk_xrealloc(f->s, (f->n + 1) * sizeof(*f->s));
	f->s[f->n++] = s;
	return s;
}

uint64_t *
fk_prom_counter(struct fk_prom *m, const char *name, const char *help,
    const char *const *labels, char *err, size_t errlen)
{
	struct series *s =
	    series(m, name, help, COUNTER, labels, NULL, 0, err, errlen);

	return s != NULL ? &s->counter : NULL;
}

double *
fk_prom_gauge(struct fk_prom *m, const char *name, const char *help,
    const char *const *labels, char *err, size_t errlen)
{
	struct series *s =
	    series(m, name, help, GAUGE, labels, NULL, 0, err, errlen);

	return s != NULL ? &s->gauge : NULL;
}

struct fk_prom_hist *
fk_prom_histogram(struct fk_prom *m, const char *name, const char *help,
    const char *const *labels, const double *bounds, size_t nb, char *err,
    size_t errlen)
{
	struct series *s =
	    series(m, name, help, HISTOGRAM, labels, bounds, nb, err, errlen);

	return s != NULL ? &s->hist : NULL;
}

/* The shortest decimal that reads back as v; the format's words for the
 * infinities and NaN. */
static void
put_double(struct fk_jbuf *b, double v)
{
	char buf[40];
	int n = 0;

	if (isnan(v)) {
		FK_JBUF_PUTS(b, "NaN");
		return;
	}
	if (isinf(v)) {
		if (v > 0)
			FK_JBUF_PUTS(b, "+Inf");
		else
			FK_JBUF_PUTS(b, "-Inf");
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		n = snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	fk_jbuf_put(b, buf, (size_t)n);
}

/* name{registry's labels,series' labels[,le="le"]} and a space. */
static void
put_sample(struct fk_jbuf *b, const struct fk_prom *m, const char *name,
    const char *suffix, const struct series *s, const double *le)
{
	int any = m->labels[0] != '\0' || s->labels[0] != '\0' || le != NULL;

	fk_jbuf_put(b, name, strlen(name));
	fk_jbuf_put(b, suffix, strlen(suffix));
	if (any)
		FK_JBUF_PUTS(b, "{");
	fk_jbuf_put(b, m->labels, strlen(m->labels));
	if (m->labels[0] != '\0' && s->labels[0] != '\0')
		FK_JBUF_PUTS(b, ",");
	fk_jbuf_put(b, s->labels, strlen(s->labels));
	if (le != NULL) {
		if (m->labels[0] != '\0' || s->labels[0] != '\0')
			FK_JBUF_PUTS(b, ",");
		FK_JBUF_PUTS(b, "le=\"");
		put_double(b, *le);
		FK_JBUF_PUTS(b, "\"");
	}
	if (any)
		FK_JBUF_PUTS(b, "}");
	FK_JBUF_PUTS(b, " ");
}

static void
render_hist(struct fk_jbuf *b, const struct fk_prom *m, const struct family *f,
    const struct series *s)
{
	const double inf = INFINITY;
	uint64_t cum = 0;

	for (size_t i = 0; i <= f->nb; i++) {
		cum += s->hist.buckets[i];
		put_sample(b, m, f->name, "_bucket", s,
		    i < f->nb ? &f->bounds[i] : &inf);
		fk_jbuf_u64(b, cum);
		FK_JBUF_PUTS(b, "\n");
	}
	put_sample(b, m, f->name, "_sum", s, NULL);
	put_double(b, s->hist.sum);
	FK_JBUF_PUTS(b, "\n");
	put_sample(b, m, f->name, "_count", s, NULL);
	fk_jbuf_u64(b, s->hist.count);
	FK_JBUF_PUTS(b, "\n");
}

void
fk_prom_render(const struct fk_prom *m, struct fk_jbuf *b)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct family *f = m->f[i];

		if (f->n == 0)
			continue;
		FK_JBUF_PUTS(b, "# HELP ");
		fk_jbuf_put(b, f->name, strlen(f->name));
		FK_JBUF_PUTS(b, " ");
		put_escaped(b, f->help, 0);
		FK_JBUF_PUTS(b, "\n# TYPE ");
		fk_jbuf_put(b, f->name, strlen(f->name));
		FK_JBUF_PUTS(b, " ");
		fk_jbuf_put(b, type_name[f->type], strlen(type_name[f->type]));
		FK_JBUF_PUTS(b, "\n");
		for (size_t j = 0; j < f->n; j++) {
			const struct series *s = f->s[j];

			if (f->type == HISTOGRAM) {
				render_hist(b, m, f, s);
				continue;
			}
			put_sample(b, m, f->name, "", s, NULL);
			if (f->type == COUNTER)
				fk_jbuf_u64(b, s->counter);
			else
				put_double(b, s->gauge);
			FK_JBUF_PUTS(b, "\n");
		}
	}
}

int
fk_prom_write_file(
    const struct fk_prom *m, const char *path, char *err, size_t errlen)
{
	size_t plen = strlen(path);
	char *tmp = fk_xmalloc(plen + 5);
	struct fk_jbuf b;
	FILE *fp;
	int rc = -1;

	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".tmp", 5);
	fk_jbuf_init(&b);
	fk_prom_render(m, &b);
	if ((fp = fopen(tmp, "w")) == NULL) {
		fk_seterr(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (b.len > 0)
		fwrite(b.p, 1, b.len, fp);
	if (ferror(fp)) {
		fk_seterr(err, errlen, "%s: %s", tmp, strerror(errno));
		fclose(fp);
		unlink(tmp);
		goto out;
	}
	if (fclose(fp) == EOF) {
		fk_seterr(err, errlen, "%s: %s", tmp, strerror(errno));
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path) == -1) {
		fk_seterr(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	fk_jbuf_release(&b);
	free(tmp);
	return rc;
}
