/* The scorer: paths that rules and model read are found in one walk of
 * the record; what does not change per record (rule ids, reasons, input
 * names) is rendered as JSON once at load. */
#include "score.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "jbuf.h"
#include "jpath.h"
#include "numbers.h"
#include "rules.h"
#include "xalloc.h"

#include "banned.h"

struct piece {
	char *s;
	size_t len;
};

struct fk_scorer {
	const struct fk_score_opts *o;
	enum fk_combine combine;
	struct fk_jpath *paths;
	struct fk_rules *rules;
	struct fk_model *model;
	size_t *inslot; /* per model input: its field */
	size_t nin;
	size_t *used; /* the inputs the model reads, the others NaN in x */
	size_t nused;
	double *x, *c;
	uint32_t *fired;
	struct piece *rule_json; /* {"rule":...,"tags":[...] without "}" */
	struct piece *in_json;   /* per input: "name" */
	struct piece *path_json; /* per field a rule reads: "path" */
	size_t npath_json;
	char member[16]; /* risk or risk_shadow */
	struct fk_fields f;
	struct fk_jbuf out;
	char keybuf[256];
	/* The members every record is asked for, found in the scan: ts_ms,
	 * and the key field, added at the first record (the runtime tells
	 * it then) and again should it change. */
	size_t ts_slot, key_slot;
	char *keyfield;
	unsigned long long records, decisions[3];
};

static struct piece
render(struct fk_jbuf *b)
{
	struct piece p;

	p.len = b->len;
	p.s = fk_xmalloc(b->len + 1);
	memcpy(p.s, b->p, b->len);
	p.s[b->len] = '\0';
	b->len = 0;
	return p;
}

static void
render_rules(struct fk_scorer *s)
{
	size_t n = fk_rules_count(s->rules), i, t;
	struct fk_jbuf b;

	fk_jbuf_init(&b);
	s->rule_json = fk_xcalloc(n + 1, sizeof(*s->rule_json));
	for (i = 0; i < n; i++) {
		const struct fk_rule_info *r = fk_rules_info(s->rules, i);

		FK_JBUF_PUTS(&b, "{\"rule\":");
		fk_jbuf_str(&b, r->id, strlen(r->id));
		FK_JBUF_PUTS(&b, ",\"weight\":");
		fk_jbuf_num(&b, r->weight);
		FK_JBUF_PUTS(&b, ",\"reason\":");
		fk_jbuf_str(&b, r->reason, strlen(r->reason));
		if (r->severity != NULL) {
			FK_JBUF_PUTS(&b, ",\"severity\":");
			fk_jbuf_str(&b, r->severity, strlen(r->severity));
		}
		if (r->ntags > 0) {
			FK_JBUF_PUTS(&b, ",\"tags\":[");
			for (t = 0; t < r->ntags; t++) {
				if (t > 0)
					FK_JBUF_PUTS(&b, ",");
				fk_jbuf_str(&b, r->tags[t], strlen(r->tags[t]));
			}
			FK_JBUF_PUTS(&b, "]");
		}
		s->rule_json[i] = render(&b);
	}
	fk_jbuf_release(&b);
}

/* NAME=PATH lines, or PATH lines taken in the model's input order. */
static int
read_features(struct fk_scorer *s, const char *file, char **path, char *err,
    size_t errlen)
{
	FILE *fp = fopen(file, "r");
	char *line = NULL, *p, *e, *eq;
	size_t cap = 0, k = 0, i;
	long lineno = 0;
	int named = -1, rc = -1;

	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, fp) != -1) {
		lineno++;
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		for (e = p + strlen(p); e > p &&
		     (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' ||
		         e[-1] == '\t');
		     e--)
			;
		*e = '\0';
		if (*p == '\0')
			continue;
		if ((eq = strchr(p, '=')) != NULL) {
			char *ne = eq, *v = eq + 1;

			while (ne > p && (ne[-1] == ' ' || ne[-1] == '\t'))
				ne--;
			*ne = '\0';
			while (*v == ' ' || *v == '\t')
				v++;
			if (named == 0)
				goto mixed;
			named = 1;
			for (i = 0; i < s->nin; i++)
				if (strcmp(fk_model_input(s->model, i), p) == 0)
					break;
			if (i == s->nin) {
				snprintf(err, errlen,
				    "%s:%ld: the model has no input '%s'", file,
				    lineno, p);
				goto out;
			}
			free(path[i]);
			path[i] = fk_xstrdup(v);
			continue;
		}
		if (named == 1)
			goto mixed;
		named = 0;
		if (k == s->nin) {
			snprintf(err, errlen,
			    "%s:%ld: more paths than the model's %zu inputs",
			    file, lineno, s->nin);
			goto out;
		}
		path[k++] = fk_xstrdup(p);
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		goto out;
	}
	if (named == 0 && k != s->nin) {
		snprintf(err, errlen,
		    "%s: %zu paths for the model's %zu inputs", file, k,
		    s->nin);
		goto out;
	}
	rc = 0;
	goto out;
mixed:
	snprintf(err, errlen,
	    "%s:%ld: NAME=PATH and PATH lines mixed: use one form", file,
	    lineno);
out:
	free(line);
	fclose(fp);
	return rc;
}

static int
load_model(struct fk_scorer *s, char *err, size_t errlen)
{
	char **path, why[512];
	struct fk_jbuf b;
	size_t i;
	long slot;
	int rc = -1;

	if ((s->model = fk_model_load(s->o->model, err, errlen)) == NULL)
		return -1;
	s->nin = fk_model_ninputs(s->model);
	path = fk_xcalloc(s->nin + 1, sizeof(*path));
	if (s->o->features == NULL && !fk_model_named(s->model)) {
		snprintf(err, errlen,
		    "%s: the model does not name its inputs; map them to "
		    "record paths with --features",
		    s->o->model);
		goto out;
	}
	if (s->o->features != NULL &&
	    read_features(s, s->o->features, path, err, errlen) == -1)
		goto out;
	s->inslot = fk_xcalloc(s->nin + 1, sizeof(*s->inslot));
	s->in_json = fk_xcalloc(s->nin + 1, sizeof(*s->in_json));
	fk_jbuf_init(&b);
	for (i = 0; i < s->nin; i++) {
		const char *name = fk_model_input(s->model, i);
		const char *p = path[i] != NULL ? path[i] : name;

		fk_jbuf_str(&b, name, strlen(name));
		s->in_json[i] = render(&b);
		if ((slot = fk_jpath_add(s->paths, p, why, sizeof(why))) < 0) {
			snprintf(err, errlen, "%s: input %zu (%s): %s%s",
			    path[i] != NULL ? s->o->features : s->o->model, i,
			    name, why,
			    path[i] == NULL ? "; map it with --features" : "");
			fk_jbuf_release(&b);
			goto out;
		}
		s->inslot[i] = (size_t)slot;
	}
	fk_jbuf_release(&b);
	s->x = fk_xcalloc(s->nin + 1, sizeof(*s->x));
	s->c = fk_xcalloc(s->nin + 1, sizeof(*s->c));
	s->used = fk_xcalloc(s->nin + 1, sizeof(*s->used));
	for (i = 0; i < s->nin; i++) {
		s->x[i] = NAN;
		if (fk_model_input_used(s->model, i))
			s->used[s->nused++] = i;
	}
	rc = 0;
out:
	for (i = 0; i < s->nin; i++)
		free(path[i]);
	free(path);
	return rc;
}

/* The slot of the top-level member named name (any bytes, no dots
 * taken apart), as fk_jobj_get would find it. */
static size_t
top_slot(struct fk_jpath *paths, const char *name)
{
	size_t len = strlen(name);

	return fk_jpath_addv(paths, name, &name, &len, 1);
}

struct fk_scorer *
fk_scorer_load(const struct fk_score_opts *o, char *err, size_t errlen)
{
	struct fk_scorer *s = fk_xcalloc(1, sizeof(*s));
	struct fk_jbuf b;
	size_t i, n;

	s->o = o;
	s->paths = fk_jpath_new();
	snprintf(s->member, sizeof(s->member), "%s",
	    o->shadow ? "risk_shadow" : "risk");
	if (o->nrules > 0) {
		s->rules = fk_rules_new(s->paths);
		for (i = 0; i < o->nrules; i++)
			if (fk_rules_load(s->rules, o->rules[i], err, errlen) ==
			    -1)
				goto fail;
		render_rules(s);
		s->fired =
		    fk_xcalloc(fk_rules_count(s->rules) + 1, sizeof(*s->fired));
	}
	if (o->model != NULL && load_model(s, err, errlen) == -1)
		goto fail;
	s->combine = o->combine;
	if (s->combine == FK_COMBINE_DEFAULT)
		s->combine = s->model == NULL ? FK_COMBINE_RULES
		    : s->rules == NULL        ? FK_COMBINE_MODEL
		                              : FK_COMBINE_MAX;
	if (s->combine != FK_COMBINE_RULES && s->model == NULL) {
		snprintf(err, errlen, "--combine needs a model (-m)");
		goto fail;
	}
	if (s->combine != FK_COMBINE_MODEL && s->rules == NULL) {
		snprintf(err, errlen, "--combine needs rules (-r)");
		goto fail;
	}
	n = fk_jpath_count(s->paths);
	s->path_json = fk_xcalloc(n + 1, sizeof(*s->path_json));
	s->npath_json = n;
	fk_jbuf_init(&b);
	for (i = 0; i < n; i++) {
		const char *name = fk_jpath_name(s->paths, i);

		fk_jbuf_str(&b, name, strlen(name));
		s->path_json[i] = render(&b);
	}
	fk_jbuf_release(&b);
	s->ts_slot = top_slot(s->paths, "ts_ms");
	fk_fields_init(&s->f, s->paths);
	fk_jbuf_init(&s->out);
	return s;
fail:
	fk_scorer_free(s);
	return NULL;
}

static void
free_pieces(struct piece *p, size_t n)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(p[i].s);
	free(p);
}

void
fk_scorer_free(struct fk_scorer *s)
{
	if (s == NULL)
		return;
	if (s->rules != NULL)
		free_pieces(s->rule_json, fk_rules_count(s->rules));
	free_pieces(s->in_json, s->nin);
	free_pieces(s->path_json, s->npath_json);
	fk_rules_free(s->rules);
	fk_model_free(s->model);
	fk_jpath_free(s->paths);
	fk_fields_release(&s->f);
	fk_jbuf_release(&s->out);
	free(s->inslot);
	free(s->used);
	free(s->x);
	free(s->c);
	free(s->fired);
	free(s->keyfield);
	free(s);
}

void
fk_scorer_describe(struct fk_scorer *s, char *buf, size_t len)
{
	char model[256] = "";
	int n = 0;

	buf[0] = '\0';
	if (s->rules != NULL)
		n = snprintf(buf, len, "%zu rule%s (ruleset %.12s)",
		    fk_rules_count(s->rules),
		    fk_rules_count(s->rules) == 1 ? "" : "s",
		    fk_rules_hash(s->rules));
	if (s->model != NULL) {
		fk_model_describe(s->model, model, sizeof(model));
		snprintf(buf + n, len - (size_t)n, "%s%s (model %.12s)",
		    n > 0 ? "; " : "", model, fk_model_hash(s->model));
	}
}

static const char *const decision_name[] = { "allow", "review", "block" };

static double
clamp01(double v)
{
	return v < 0 ? 0 : v > 1 ? 1 : v;
}

/* Weights are decimals: 0.3 + 0.6 is 0.8999999999999999 in binary, and
 * must block at --block 0.9 as the 0.9 written does. */
static double
round9(double v)
{
	return round(v * 1e9) / 1e9;
}

/* "values":{"path":value,...} of the fields a fired rule read. */
static void
rule_values(struct fk_scorer *s, const struct fk_rule_info *r)
{
	const struct fk_jmember *m;
	int first = 1;

	FK_JBUF_PUTS(&s->out, ",\"values\":{");
	for (size_t i = 0; i < r->nslots; i++) {
		if ((m = fk_fields_span(&s->f, r->slots[i])) == NULL)
			continue;
		if (!first)
			FK_JBUF_PUTS(&s->out, ",");
		first = 0;
		fk_jbuf_put(&s->out, s->path_json[r->slots[i]].s,
		    s->path_json[r->slots[i]].len);
		FK_JBUF_PUTS(&s->out, ":");
		fk_jbuf_put(&s->out, m->val, m->vallen);
	}
	FK_JBUF_PUTS(&s->out, "}}");
}

/* The inputs that raise the margin most, largest first. */
static void
model_reasons(struct fk_scorer *s, int *first)
{
	size_t top[16], n = 0, i, j, k;
	size_t want = (size_t)s->o->nreasons;

	if (want > sizeof(top) / sizeof(top[0]))
		want = sizeof(top) / sizeof(top[0]);
	for (i = 0; i < s->nin; i++) {
		if (!(s->c[i] > 0))
			continue;
		for (j = 0; j < n && s->c[top[j]] >= s->c[i]; j++)
			;
		if (j >= want)
			continue;
		if (n < want)
			n++;
		for (k = n - 1; k > j; k--)
			top[k] = top[k - 1];
		top[j] = i;
	}
	for (i = 0; i < n; i++) {
		const struct fk_jmember *m =
		    fk_fields_span(&s->f, s->inslot[top[i]]);

		if (!*first)
			FK_JBUF_PUTS(&s->out, ",");
		*first = 0;
		FK_JBUF_PUTS(&s->out, "{\"feature\":");
		fk_jbuf_put(
		    &s->out, s->in_json[top[i]].s, s->in_json[top[i]].len);
		FK_JBUF_PUTS(&s->out, ",\"value\":");
		if (m != NULL)
			fk_jbuf_put(&s->out, m->val, m->vallen);
		else
			FK_JBUF_PUTS(&s->out, "null");
		FK_JBUF_PUTS(&s->out, ",\"contribution\":");
		fk_jbuf_num(&s->out, s->c[top[i]]);
		FK_JBUF_PUTS(&s->out, "}");
	}
}

/* The key field's slot, for the scan to come. */
static void
key_slot(struct fk_scorer *s, const char *keyfield)
{
	if (s->keyfield != NULL && strcmp(s->keyfield, keyfield) == 0)
		return;
	free(s->keyfield);
	s->keyfield = fk_xstrdup(keyfield);
	s->key_slot = top_slot(s->paths, keyfield);
	fk_fields_release(&s->f);
	fk_fields_init(&s->f, s->paths);
}

static void
record_key(struct fk_scorer *s, const char **key, size_t *keylen)
{
	if (!fk_jmember_key(fk_fields_span(&s->f, s->key_slot), s->keybuf,
	        sizeof(s->keybuf), key, keylen)) {
		*key = NULL;
		*keylen = 0;
	}
}

/* What one record came to. */
struct verdict {
	double score, rules, model, margin, bias;
	enum fk_decision d;
	size_t nfired;
	int explained;
};

/* The record without its old member, then the new one. */
static void
write_risk(
    struct fk_scorer *s, const char *data, size_t len, const struct verdict *v)
{
	struct fk_jbuf *b = &s->out;
	int first = 1;
	size_t i;

	fk_jbuf_open_record(b, data, len, &s->f.top, s->member);
	FK_JBUF_PUTS(b, "\"");
	fk_jbuf_put(b, s->member, strlen(s->member));
	FK_JBUF_PUTS(b, "\":{\"score\":");
	fk_jbuf_num(b, v->score);
	FK_JBUF_PUTS(b, ",\"decision\":\"");
	fk_jbuf_put(b, decision_name[v->d], strlen(decision_name[v->d]));
	FK_JBUF_PUTS(b, "\"");
	if (s->rules != NULL) {
		FK_JBUF_PUTS(b, ",\"rules_score\":");
		fk_jbuf_num(b, v->rules);
	}
	if (s->model != NULL) {
		FK_JBUF_PUTS(b, ",\"model_score\":");
		fk_jbuf_num(b, v->model);
	}
	FK_JBUF_PUTS(b, ",\"reasons\":[");
	for (i = 0; i < v->nfired; i++) {
		const struct piece *p = &s->rule_json[s->fired[i]];

		if (!first)
			FK_JBUF_PUTS(b, ",");
		first = 0;
		fk_jbuf_put(b, p->s, p->len);
		rule_values(s, fk_rules_info(s->rules, s->fired[i]));
	}
	if (v->explained && s->o->nreasons > 0)
		model_reasons(s, &first);
	FK_JBUF_PUTS(b, "]");
	if (s->rules != NULL) {
		FK_JBUF_PUTS(b, ",\"ruleset\":\"");
		fk_jbuf_put(b, fk_rules_hash(s->rules), 64);
		FK_JBUF_PUTS(b, "\"");
	}
	if (s->model != NULL) {
		FK_JBUF_PUTS(b, ",\"model\":\"");
		fk_jbuf_put(b, fk_model_hash(s->model), 64);
		FK_JBUF_PUTS(b, "\"");
	}
	if (s->model != NULL && s->o->contributions) {
		FK_JBUF_PUTS(b, ",\"margin\":");
		fk_jbuf_num(b, v->margin);
		FK_JBUF_PUTS(b, ",\"bias\":");
		fk_jbuf_num(b, v->bias);
		FK_JBUF_PUTS(b, ",\"contributions\":{");
		for (i = 0; i < s->nin; i++) {
			if (i > 0)
				FK_JBUF_PUTS(b, ",");
			fk_jbuf_put(b, s->in_json[i].s, s->in_json[i].len);
			FK_JBUF_PUTS(b, ":");
			fk_jbuf_num(b, s->c[i]);
		}
		FK_JBUF_PUTS(b, "}");
	}
	FK_JBUF_PUTS(b, "}}");
}

int
fk_scorer_record(struct fk_scorer *s, const char *data, size_t len,
    const char *keyfield, const char **out, size_t *outlen, const char **key,
    size_t *keylen, long long *ts, char *err, size_t errlen)
{
	struct verdict v;
	int64_t t;
	size_t i;

	key_slot(s, keyfield);
	if (fk_fields_scan(&s->f, data, len, err, errlen) == -1)
		return -1;
	memset(&v, 0, sizeof(v));
	if (s->rules != NULL) {
		v.nfired = fk_rules_eval(s->rules, &s->f, s->fired);
		for (i = 0; i < v.nfired; i++)
			v.rules += fk_rules_info(s->rules, s->fired[i])->weight;
		v.rules = clamp01(round9(v.rules));
	}
	if (s->model != NULL) {
		for (i = 0; i < s->nused; i++)
			s->x[s->used[i]] =
			    fk_fields_num(&s->f, s->inslot[s->used[i]]);
		v.margin = fk_model_margin(s->model, s->x);
		v.model = fk_model_prob(v.margin);
	}
	switch (s->combine) {
	case FK_COMBINE_SUM:
		v.score = clamp01(v.rules + v.model);
		break;
	case FK_COMBINE_MODEL:
		v.score = v.model;
		break;
	case FK_COMBINE_RULES:
		v.score = v.rules;
		break;
	default:
		v.score = v.rules > v.model ? v.rules : v.model;
		break;
	}
	v.d = v.score >= s->o->block  ? FK_BLOCK
	    : v.score >= s->o->review ? FK_REVIEW
	                              : FK_ALLOW;
	s->records++;
	s->decisions[v.d]++;
	/* Contributions cost a few predictions: reasons for the records a
	 * person will look at (review, block), every input on request. */
	if (s->model != NULL &&
	    (s->o->contributions || (s->o->nreasons > 0 && v.d != FK_ALLOW))) {
		v.explained = 1;
		fk_model_explain(s->model, s->x, s->o->explain, s->c, &v.bias);
	}
	write_risk(s, data, len, &v);
	*out = s->out.p;
	*outlen = s->out.len;
	record_key(s, key, keylen);
	if (!fk_jmember_int(fk_fields_span(&s->f, s->ts_slot), &t))
		t = 0;
	*ts = t;
	return 0;
}

unsigned long long
fk_scorer_decisions(const struct fk_scorer *s, enum fk_decision d)
{
	return s->decisions[d];
}

void
fk_scorer_carry(struct fk_scorer *to, const struct fk_scorer *from)
{
	to->records = from->records;
	memcpy(to->decisions, from->decisions, sizeof(to->decisions));
}

size_t
fk_scorer_rules(const struct fk_scorer *s)
{
	return s->rules != NULL ? fk_rules_count(s->rules) : 0;
}

const char *
fk_scorer_rule_id(const struct fk_scorer *s, size_t i)
{
	return fk_rules_info(s->rules, i)->id;
}

unsigned long long
fk_scorer_rule_fired(const struct fk_scorer *s, size_t i)
{
	struct fk_rule_counts c;

	fk_rules_counts(s->rules, i, &c);
	return c.fired;
}

void
fk_scorer_summary(const struct fk_scorer *s,
    void (*fn)(void *arg, const char *line), void *arg)
{
	char line[512];
	size_t i;

	snprintf(line, sizeof(line),
	    "%llu scored: %llu allow, %llu review, "
	    "%llu block",
	    s->records, s->decisions[FK_ALLOW], s->decisions[FK_REVIEW],
	    s->decisions[FK_BLOCK]);
	fn(arg, line);
	for (i = 0; s->rules != NULL && i < fk_rules_count(s->rules); i++) {
		struct fk_rule_counts c;

		fk_rules_counts(s->rules, i, &c);
		snprintf(line, sizeof(line),
		    "rule %s: fired %llu, missing %llu, mistyped %llu",
		    fk_rules_info(s->rules, i)->id, c.fired, c.missing,
		    c.mistyped);
		fn(arg, line);
	}
}
