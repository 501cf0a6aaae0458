/* Trained models: logistic regression and XGBoost boosted trees.
 *
 * Logistic regression, fraudkit's own JSON (fk-score's man page has it
 * for users):
 *
 *   {"fraudkit_model": "logistic", "version": 1,
 *    "inputs": ["amount", "features.user.amount_z"],
 *    "weights": [0.004, 1.3], "intercept": -4.1,
 *    "mean": [52.0, 0.0], "scale": [80.5, 1.0],
 *    "meta": {"trained": "2024-05-01", "auc": 0.91}}
 *
 * - fraudkit_model: "logistic".  version: 1 (others are refused).
 * - inputs: one or more distinct non-empty strings, record paths.
 * - weights: finite numbers, one per input.  intercept: a finite number.
 * - mean, scale: optional, both or neither, one finite number per input,
 *   every scale > 0.  With them z = (x - mean) / scale, else z = x.
 * - meta: optional, any value, ignored.  Any other member is an error,
 *   so that a misspelt "scale" cannot silently switch scaling off.
 * - A missing (NaN) or infinite input has z = 0: the mean is imputed.
 * - margin = intercept + sum(weights[i] * z[i]); the contribution of
 *   input i is weights[i] * z[i] and the bias is the intercept.
 *
 * XGBoost: the JSON that Booster.save_model("model.json") writes (1.x to
 * 3.x; tested with 1.7), gbtree with objective binary:logistic or
 * reg:logistic, one output, numeric splits only.  margin = logit(
 * base_score) + the sum of one leaf per tree; leaf values are in
 * split_conditions (base_weights holds unscaled weights).  Inputs are
 * rounded to float and go left when x < split_condition, NaN the
 * default way, as XGBoost's CPU predictor does.  Leaves are summed in
 * double where XGBoost sums in float: margins differ by ~1e-5 at 100
 * trees, probabilities by ~1e-7.
 *
 * All trees are flattened into one array of 12-byte nodes (struct
 * node), each tree's in breadth-first order so that the children of a
 * node are adjacent (right = left + 1).  A step is a load, a compare and
 * an add, with no branch on the data; a leaf points at itself, so 16
 * trees are walked side by side, as deep as the deepest of them.
 *
 * Contributions: FK_EXPLAIN_PATH follows Saabas (XGBoost's
 * approx_contribs), FK_EXPLAIN_SHAP is TreeSHAP (Lundberg, Erion and Lee
 * 2018, algorithm 2; XGBoost's pred_contribs).  Both take the expected
 * value of a node from covers (sum_hessian) and the bias is the base
 * margin plus each tree's expected value. */
#include "model.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "numbers.h"
#include "map.h"
#include "xalloc.h"

#include "banned.h"

#define PRINTFLIKE(f, a) __attribute__((format(printf, f, a)))

/* Deeper trees are refused: TreeSHAP's scratch grows with depth^2. */
#define MAX_DEPTH 256
#define MAX_INPUTS (1L << 24)
#define MAX_NODES (1UL << 31)

/* Trees walked side by side in fk_model_margin: their chains of loads
 * overlap where one tree at a time waits on each load in turn.  Sixteen
 * did best on x86-64 with gcc and clang, twice as fast as one. */
#define LANES 16
/* Inputs converted to float on the stack up to this many. */
#define STACK_INPUTS 512

#define BOOSTER "learner.gradient_booster"
#define TREES BOOSTER ".model.trees"

/* A split sends x right when xs[in] >= thr, where xs holds the inputs
 * as floats and then their negations.  NaN compares false, so a missing
 * value goes left.  Where XGBoost sends it right, the children are
 * swapped and the test turned round: x < s becomes -x >= -prev(s),
 * prev(s) being the float below s.  A leaf's in is 2 * ninputs, where
 * xs holds a NaN: it never sends anything right, and its left is
 * itself; its thr is its value, read with the node just reached. */
struct node {
	float thr;
	uint32_t in;
	uint32_t left; /* right is left + 1 */
};

/* The walk's copy of a node in 8 bytes, when the inputs and the
 * distance from each node to its left child fit 16 bits: a forest of
 * 100 trees of depth 6 (3,400 nodes) then fits a 32 KB L1 cache, which
 * its 12-byte nodes do not. */
struct cnode {
	float thr;
	uint16_t in;
	uint16_t off; /* left is this node + off */
};

struct tree {
	uint32_t root;
	uint32_t depth; /* steps from the root to the deepest leaf */
};

struct fk_model {
	enum fk_model_kind kind;
	size_t ninputs;
	char **input;
	int named;
	char hash[FK_SHA256_HEXLEN];

	/* logistic */
	double intercept;
	double *w, *mean, *scale; /* mean, scale: NULL when not scaled */

	/* xgboost */
	double base;       /* logit(base_score), rounded to float as XGBoost */
	struct tree *tree; /* padded with empty trees to whole LANES */
	size_t ntrees;
	struct node *node;
	float *leaf; /* a leaf's value, by node */
	size_t nnodes, nodecap;
	double *frac;  /* a node's cover over its parent's: TreeSHAP's zero
			* fraction; 1 at a root */
	double *nmean; /* cover-weighted mean of the leaves below a node */
	unsigned maxdepth;
	struct cnode *cnode; /* or NULL when the nodes do not fit it */
	unsigned char *used; /* per input: a split reads it (all: logistic) */
	uint32_t *uses;      /* those inputs in order */
	size_t nuses;
};

/* Where load errors go. */
struct ld {
	const char *name;
	char *err;
	size_t errlen;
};

PRINTFLIKE(2, 3) static int bad(struct ld *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(l->err, l->errlen, "%s: ", l->name);
	if (n >= 0 && (size_t)n < l->errlen) {
		va_start(ap, fmt);
		vsnprintf(l->err + n, l->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* A number, or a string XGBoost's NaN and Infinity became (see
 * quote_nonfinite).  0, or -1 when v is neither. */
static int
num(const json_t *v, double *out)
{
	const char *s;

	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	if (strcmp(s, "NaN") == 0)
		*out = NAN;
	else if (strcmp(s, "Infinity") == 0)
		*out = INFINITY;
	else if (strcmp(s, "-Infinity") == 0)
		*out = -INFINITY;
	else
		return -1;
	return 0;
}

static int
finite_num(
    struct ld *l, const json_t *v, const char *path, size_t i, double *out)
{
	char idx[32] = "";

	if (i != SIZE_MAX)
		snprintf(idx, sizeof(idx), "[%zu]", i);
	if (num(v, out) == -1)
		return bad(l, "%s%s: expected a number", path, idx);
	if (!isfinite(*out))
		return bad(l, "%s%s: %s is not a finite number", path, idx,
		    json_string_value(v));
	return 0;
}

/* The bare NaN, Infinity and -Infinity in s: their count, and when out
 * is not NULL, s copied there with them quoted. */
static size_t
quote_tokens(const char *s, size_t len, char *out)
{
	static const char *const tok[] = { "NaN", "Infinity", "-Infinity" };
	size_t i, k, n = 0, found = 0, tl = 0;
	int instr = 0;

	for (i = 0; i < len; i++) {
		if (instr) {
			if (s[i] == '\\' && i + 1 < len) {
				if (out != NULL)
					out[n++] = s[i];
				i++;
			} else if (s[i] == '"') {
				instr = 0;
			}
		} else if (s[i] == '"') {
			instr = 1;
		} else if (s[i] == 'N' || s[i] == 'I' || s[i] == '-') {
			for (k = 0; k < 3; k++) {
				tl = strlen(tok[k]);
				if (len - i >= tl &&
				    memcmp(s + i, tok[k], tl) == 0)
					break;
			}
			if (k < 3) {
				if (out != NULL) {
					out[n++] = '"';
					memcpy(out + n, tok[k], tl);
					n += tl;
					out[n++] = '"';
				}
				found++;
				i += tl - 1;
				continue;
			}
		}
		if (out != NULL)
			out[n++] = s[i];
	}
	return found;
}

/* XGBoost writes NaN, Infinity and -Infinity bare, which is not JSON.
 * Quote them, so that they fail only where we read them (and only where
 * a finite number is needed).  NULL when there are none. */
static char *
quote_nonfinite(const char *s, size_t len, size_t *outlen)
{
	size_t found = quote_tokens(s, len, NULL);
	char *out;

	if (found == 0)
		return NULL;
	*outlen = len + 2 * found;
	out = fk_xmalloc(*outlen + 1);
	quote_tokens(s, len, out);
	out[*outlen] = '\0';
	return out;
}

/* A member that must be an array of n elements (any number: SIZE_MAX). */
static const json_t *
array(struct ld *l, const json_t *obj, const char *path, const char *key,
    size_t n)
{
	const json_t *a = json_object_get(obj, key);
	const char *dot = path[0] != '\0' ? "." : "";

	if (a == NULL) {
		bad(l, "%s%s%s: missing", path, dot, key);
		return NULL;
	}
	if (!json_is_array(a)) {
		bad(l, "%s%s%s: expected an array", path, dot, key);
		return NULL;
	}
	if (n != SIZE_MAX && json_array_size(a) != n) {
		bad(l, "%s%s%s: %zu entries where %zu are needed", path, dot,
		    key, json_array_size(a), n);
		return NULL;
	}
	return a;
}

/* Input names: distinct non-empty strings. */
static int
names(struct ld *l, struct fk_model *m, const json_t *a, const char *path)
{
	struct fk_map seen; /* name -> its index + 1 */
	struct fk_map_entry *e;
	const char *s;
	size_t i;
	int added, rc = 0;

	m->input = fk_xcalloc(m->ninputs, sizeof(*m->input));
	fk_map_init(&seen);
	for (i = 0; i < m->ninputs && rc == 0; i++) {
		s = json_string_value(json_array_get(a, i));
		if (s == NULL || *s == '\0') {
			rc = bad(
			    l, "%s[%zu]: expected a non-empty string", path, i);
			break;
		}
		/* A table, not a search of those before: a million inputs
		 * load in linear time. */
		e = fk_map_put(&seen, s, strlen(s), &added);
		if (!added) {
			rc = bad(l, "%s[%zu]: \"%s\" repeats %s[%zu]", path, i,
			    s, path, (size_t)(uintptr_t)e->val - 1);
			break;
		}
		e->val = (void *)(uintptr_t)(i + 1);
		m->input[i] = fk_xstrdup(s);
	}
	fk_map_release(&seen);
	return rc;
}

static int
vector(struct ld *l, const json_t *obj, const char *key, size_t n, double **out)
{
	const json_t *a = array(l, obj, "", key, n);

	if (a == NULL)
		return -1;
	*out = fk_xcalloc(n, sizeof(**out));
	for (size_t i = 0; i < n; i++)
		if (finite_num(l, json_array_get(a, i), key, i, &(*out)[i]) ==
		    -1)
			return -1;
	return 0;
}

static int
load_logistic(struct ld *l, struct fk_model *m, const json_t *root)
{
	static const char *const known[] = { "fraudkit_model", "version",
		"inputs", "weights", "intercept", "mean", "scale", "meta" };
	const json_t *v, *a;
	const char *key, *kind;
	size_t i, k;

	m->kind = FK_MODEL_LOGISTIC;
	m->named = 1;
	kind = json_string_value(json_object_get(root, "fraudkit_model"));
	if (kind == NULL)
		return bad(l, "fraudkit_model: expected a string");
	if (strcmp(kind, "logistic") != 0)
		return bad(l,
		    "fraudkit_model: \"%s\" is not supported; logistic", kind);
	json_object_foreach((json_t *)root, key, v)
	{
		for (k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			if (strcmp(key, known[k]) == 0)
				break;
		if (k == sizeof(known) / sizeof(known[0]))
			return bad(l, "unknown member \"%s\"", key);
	}
	v = json_object_get(root, "version");
	if (v == NULL)
		return bad(l, "version: missing");
	if (!json_is_integer(v))
		return bad(l, "version: expected an integer");
	if (json_integer_value(v) != 1)
		return bad(l, "version: %lld is not supported; 1",
		    (long long)json_integer_value(v));

	if ((a = array(l, root, "", "inputs", SIZE_MAX)) == NULL)
		return -1;
	if ((m->ninputs = json_array_size(a)) == 0)
		return bad(l, "inputs: empty");
	if (m->ninputs > MAX_INPUTS)
		return bad(l, "inputs: %zu inputs, at most %ld", m->ninputs,
		    MAX_INPUTS);
	if (names(l, m, a, "inputs") == -1)
		return -1;
	if (vector(l, root, "weights", m->ninputs, &m->w) == -1)
		return -1;
	v = json_object_get(root, "intercept");
	if (v == NULL)
		return bad(l, "intercept: missing");
	if (finite_num(l, v, "intercept", SIZE_MAX, &m->intercept) == -1)
		return -1;

	if ((json_object_get(root, "mean") == NULL) !=
	    (json_object_get(root, "scale") == NULL))
		return bad(l, "%s: missing (mean and scale come together)",
		    json_object_get(root, "mean") == NULL ? "mean" : "scale");
	if (json_object_get(root, "mean") == NULL)
		return 0;
	if (vector(l, root, "mean", m->ninputs, &m->mean) == -1 ||
	    vector(l, root, "scale", m->ninputs, &m->scale) == -1)
		return -1;
	for (i = 0; i < m->ninputs; i++)
		if (!(m->scale[i] > 0))
			return bad(l, "scale[%zu]: %g is not positive", i,
			    m->scale[i]);
	return 0;
}

/* An XGBoost parameter: a string ("5E-1"), as XGBoost writes them. */
static const char *
param(struct ld *l, const json_t *obj, const char *path, const char *key,
    int need)
{
	const json_t *v = json_object_get(obj, key);

	if (v == NULL) {
		if (need)
			bad(l, "%s.%s: missing", path, key);
		return NULL;
	}
	if (!json_is_string(v)) {
		bad(l, "%s.%s: expected a string", path, key);
		return NULL;
	}
	return json_string_value(v);
}

static int
int_param(struct ld *l, const json_t *obj, const char *path, const char *key,
    long long min, long long max, long long *out)
{
	char msg[128];
	const char *s;

	if ((s = param(l, obj, path, key, 1)) == NULL)
		return -1;
	if (fk_num_int(s, min, max, out, msg, sizeof(msg)) == -1)
		return bad(l, "%s.%s: %s", path, key, msg);
	return 0;
}

/* base_score: "5E-1"; "[5E-1]" since XGBoost 3.1. */
static int
base_score(struct ld *l, struct fk_model *m, const json_t *lmp)
{
	const char *path = "learner.learner_model_param.base_score";
	const json_t *v = json_object_get(lmp, "base_score");
	const char *s, *p;
	char *end;
	double bs;
	float f;

	if (v == NULL)
		return bad(l, "%s: missing", path);
	if (json_is_number(v)) {
		bs = json_number_value(v);
	} else if ((s = json_string_value(v)) != NULL) {
		p = s + (*s == '[');
		errno = 0;
		bs = strtod(p, &end);
		if (end == p || errno != 0 ||
		    strcmp(end, *s == '[' ? "]" : "") != 0)
			return bad(
			    l, "%s: expected a number, got \"%s\"", path, s);
	} else {
		return bad(l, "%s: expected a number", path);
	}
	if (!(bs > 0 && bs < 1))
		return bad(
		    l, "%s: %g is not a probability in (0, 1)", path, bs);
	/* XGBoost keeps base_score as a float and turns it into a margin
	 * in float arithmetic; so do we, for the same bias. */
	f = (float)bs;
	m->base = -logf(1.0f / f - 1.0f);
	return 0;
}

/* One member array of a tree, n entries. */
static const json_t *
tree_array(struct ld *l, const json_t *t, size_t ti, const char *key, size_t n)
{
	char path[64];

	snprintf(path, sizeof(path), TREES "[%zu]", ti);
	return array(l, t, path, key, n);
}

static int
tree_int(const json_t *a, size_t i, long long *out)
{
	const json_t *v = json_array_get(a, i);

	if (!json_is_integer(v))
		return -1;
	*out = json_integer_value(v);
	return 0;
}

/* default_left: 0 or 1 (XGBoost 1.7), or a boolean (the schema). */
static int
tree_bool(const json_t *a, size_t i, long long *out)
{
	const json_t *v = json_array_get(a, i);

	if (json_is_boolean(v))
		*out = json_is_true(v);
	else if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 1)
		return -1;
	else
		*out = json_integer_value(v);
	return 0;
}

static struct node *
new_nodes(struct fk_model *m, size_t n)
{
	size_t cap = m->nodecap;

	if (m->nnodes + n > cap) {
		while (m->nnodes + n > cap)
			cap = cap > 0 ? cap * 2 : 1024;
		m->node = fk_xrealloc(m->node, cap * sizeof(*m->node));
		m->leaf = fk_xrealloc(m->leaf, cap * sizeof(*m->leaf));
		m->frac = fk_xrealloc(m->frac, cap * sizeof(*m->frac));
		m->nmean = fk_xrealloc(m->nmean, cap * sizeof(*m->nmean));
		m->nodecap = cap;
	}
	m->nnodes += n;
	return m->node + m->nnodes - n;
}

/* Scratch for flattening one tree of n nodes. */
struct flat {
	uint32_t *order; /* original ids in breadth-first order */
	uint32_t *pos;   /* original id -> place in order */
	uint16_t *level;
	unsigned char *seen;
	size_t cap;
};

static int
load_tree(struct ld *l, struct fk_model *m, const json_t *t, size_t ti,
    struct flat *fl)
{
	const json_t *lc, *rc, *si, *sc, *dl, *sh, *st, *v;
	char path[64];
	struct node *nd;
	long long a = 0, b = 0, f = 0, d = 0, typ = 0;
	double cond, cover;
	size_t n, i, head, tail, base;
	uint32_t o, depth = 0;

	snprintf(path, sizeof(path), TREES "[%zu]", ti);
	if (!json_is_object(t))
		return bad(l, "%s: expected an object", path);
	if ((lc = tree_array(l, t, ti, "left_children", SIZE_MAX)) == NULL)
		return -1;
	if ((n = json_array_size(lc)) == 0)
		return bad(l, "%s.left_children: empty", path);
	if (n > MAX_NODES - m->nnodes)
		return bad(l, "%s: too many nodes", path);
	if ((rc = tree_array(l, t, ti, "right_children", n)) == NULL ||
	    (si = tree_array(l, t, ti, "split_indices", n)) == NULL ||
	    (sc = tree_array(l, t, ti, "split_conditions", n)) == NULL ||
	    (dl = tree_array(l, t, ti, "default_left", n)) == NULL ||
	    (sh = tree_array(l, t, ti, "sum_hessian", n)) == NULL)
		return -1;
	st = json_object_get(t, "split_type");
	if (st != NULL && (st = tree_array(l, t, ti, "split_type", n)) == NULL)
		return -1;
	v = json_object_get(t, "categories_nodes");
	if (json_array_size(v) > 0)
		return bad(l, "%s: categorical splits are not supported", path);
	v = json_object_get(t, "tree_param");
	if (v != NULL) {
		const char *s = param(l, v, path, "num_nodes", 0);
		char unused[64];

		if (s != NULL &&
		    fk_num_int(s, 0, LLONG_MAX, &a, unused, sizeof(unused)) ==
		        0 &&
		    (size_t)a != n)
			return bad(l,
			    "%s.tree_param.num_nodes: %s, but %zu nodes", path,
			    s, n);
		s = param(l, v, path, "size_leaf_vector", 0);
		if (s != NULL && strcmp(s, "0") != 0)
			return bad(
			    l, "%s: vector leaves are not supported", path);
	}

	if (n > fl->cap) {
		fl->cap = n;
		fl->order = fk_xrealloc(fl->order, n * sizeof(*fl->order));
		fl->pos = fk_xrealloc(fl->pos, n * sizeof(*fl->pos));
		fl->level = fk_xrealloc(fl->level, n * sizeof(*fl->level));
		fl->seen = fk_xrealloc(fl->seen, n);
	}
	memset(fl->seen, 0, n);

	/* Breadth first from the root, both children of a node at once,
	 * which makes them adjacent.  A node reached twice is a cycle or a
	 * shared subtree; nodes never reached (pruned) are left out. */
	fl->order[0] = 0;
	fl->pos[0] = 0;
	fl->level[0] = 0;
	fl->seen[0] = 1;
	for (head = 0, tail = 1; head < tail; head++) {
		o = fl->order[head];
		if (tree_int(lc, o, &a) == -1)
			return bad(l,
			    "%s.left_children[%u]: expected an integer", path,
			    o);
		if (tree_int(rc, o, &b) == -1)
			return bad(l,
			    "%s.right_children[%u]: expected an integer", path,
			    o);
		if (a == -1 && b == -1)
			continue;
		if (a == -1 || b == -1 || a == b)
			return bad(l, "%s: node %u has children %lld and %lld",
			    path, o, a, b);
		if (fl->level[head] + 1 > MAX_DEPTH)
			return bad(
			    l, "%s: deeper than %d levels", path, MAX_DEPTH);
		if (tree_bool(dl, o, &d) == -1)
			return bad(
			    l, "%s.default_left[%u]: expected 0 or 1", path, o);
		/* The way a missing value goes comes first (see node). */
		for (int k = 0; k < 2; k++) {
			int right = k == (int)d;
			long long c = right ? b : a;
			const char *side = right ? "right" : "left";

			if (c < 0 || (size_t)c >= n)
				return bad(l,
				    "%s.%s_children[%u]: node %lld is out of "
				    "range (%zu nodes)",
				    path, side, o, c, n);
			if (fl->seen[c])
				return bad(l,
				    "%s.%s_children[%u]: node %lld is reached "
				    "twice (a cycle or a shared node)",
				    path, side, o, c);
			fl->seen[c] = 1;
			fl->order[tail] = (uint32_t)c;
			fl->pos[c] = (uint32_t)tail;
			fl->level[tail] = (uint16_t)(fl->level[head] + 1);
			if (fl->level[tail] > depth)
				depth = fl->level[tail];
			tail++;
		}
	}

	base = m->nnodes;
	nd = new_nodes(m, tail);
	for (i = 0; i < tail; i++) {
		o = fl->order[i];
		tree_int(lc, o, &a);
		tree_int(rc, o, &b);
		if (num(json_array_get(sc, o), &cond) == -1)
			return bad(l,
			    "%s.split_conditions[%u]: expected a number", path,
			    o);
		if (num(json_array_get(sh, o), &cover) == -1 || !(cover >= 0) ||
		    isinf(cover))
			return bad(l,
			    "%s.sum_hessian[%u]: expected a finite number >= 0",
			    path, o);
		if (st != NULL && (tree_int(st, o, &typ) == -1 || typ != 0))
			return bad(l,
			    "%s.split_type[%u]: categorical splits are not "
			    "supported",
			    path, o);
		m->frac[base + i] = cover; /* divided below */
		if (a == -1) {
			if (!isfinite(cond))
				return bad(l,
				    "%s.split_conditions[%u]: leaf value %g is "
				    "not finite",
				    path, o, cond);
			nd[i].thr = (float)cond;
			nd[i].in = (uint32_t)(2 * m->ninputs);
			nd[i].left = (uint32_t)(base + i);
			m->leaf[base + i] = (float)cond;
			continue;
		}
		if (tree_int(si, o, &f) == -1)
			return bad(l,
			    "%s.split_indices[%u]: expected an integer", path,
			    o);
		if (f < 0 || (size_t)f >= m->ninputs)
			return bad(l,
			    "%s.split_indices[%u]: input %lld is out of range "
			    "(%zu inputs)",
			    path, o, f, m->ninputs);
		/* An infinite threshold still compares as XGBoost does. */
		if (isnan(cond))
			return bad(l,
			    "%s.split_conditions[%u]: NaN is not a threshold",
			    path, o);
		tree_bool(dl, o, &d);
		m->leaf[base + i] = 0;
		if (d) {
			nd[i].thr = (float)cond;
			nd[i].in = (uint32_t)f;
			nd[i].left = (uint32_t)(base + fl->pos[a]);
		} else {
			/* Nothing is < -inf: a NaN threshold, never right. */
			nd[i].thr = -nextafterf((float)cond, -INFINITY);
			if (isinf(cond) && cond < 0)
				nd[i].thr = NAN;
			nd[i].in = (uint32_t)((size_t)f + m->ninputs);
			nd[i].left = (uint32_t)(base + fl->pos[b]);
		}
	}

	/* Children follow their parents: a backward pass sees children
	 * first.  frac holds covers until their parent divides them. */
	for (i = tail; i-- > 0;) {
		struct node *p = &m->node[base + i];
		size_t lft = p->left, rgt = p->left + 1;
		double pc = m->frac[base + i], wl, wr;

		if (p->left == base + i) {
			m->nmean[base + i] = m->leaf[base + i];
			continue;
		}
		/* No cover to share out (rows of weight 0): halves. */
		wl = pc > 0 ? m->frac[lft] / pc : 0.5;
		wr = pc > 0 ? m->frac[rgt] / pc : 0.5;
		m->frac[lft] = wl;
		m->frac[rgt] = wr;
		m->nmean[base + i] = wl * m->nmean[lft] + wr * m->nmean[rgt];
	}
	m->frac[base] = 1;
	m->tree[ti].root = (uint32_t)base;
	m->tree[ti].depth = depth;
	if (depth > m->maxdepth)
		m->maxdepth = depth;
	return 0;
}

#define LMP "learner.learner_model_param"

static int
load_xgboost(struct ld *l, struct fk_model *m, const json_t *root)
{
	const json_t *v, *lrn, *lmp, *gb, *mod, *trees, *info;
	struct flat fl = { 0 };
	const char *s;
	long long k, nf;
	size_t i, n;
	int rc = -1;
	char unused[64];

	m->kind = FK_MODEL_XGBOOST;
	v = json_object_get(root, "version");
	if (v == NULL)
		return bad(l, "version: missing");
	if (!json_is_integer(json_array_get(v, 0)))
		return bad(l, "version: expected [major, minor, patch]");
	k = json_integer_value(json_array_get(v, 0));
	if (k < 1 || k > 3)
		return bad(
		    l, "version: xgboost %lld is not supported; 1 to 3", k);
	if (!json_is_object(lrn = json_object_get(root, "learner")))
		return bad(l, "learner: expected an object");

	gb = json_object_get(lrn, "gradient_booster");
	if ((s = json_string_value(json_object_get(gb, "name"))) == NULL)
		return bad(l, BOOSTER ".name: expected a string");
	if (strcmp(s, "gbtree") != 0)
		return bad(l, BOOSTER ": %s is not supported; gbtree", s);
	v = json_object_get(lrn, "objective");
	if ((s = json_string_value(json_object_get(v, "name"))) == NULL)
		return bad(l, "learner.objective.name: expected a string");
	if (strcmp(s, "binary:logistic") != 0 && strcmp(s, "reg:logistic") != 0)
		return bad(l,
		    "learner.objective: %s is not supported; binary:logistic "
		    "or reg:logistic",
		    s);

	if (!json_is_object(lmp = json_object_get(lrn, "learner_model_param")))
		return bad(l, LMP ": expected an object");
	s = param(l, lmp, LMP, "num_class", 0);
	if (s != NULL && strcmp(s, "0") != 0 && strcmp(s, "1") != 0)
		return bad(l,
		    LMP ".num_class: %s classes are not supported; binary "
		        "models only",
		    s);
	s = param(l, lmp, LMP, "num_target", 0);
	if (s != NULL && strcmp(s, "1") != 0)
		return bad(
		    l, LMP ".num_target: %s targets are not supported; 1", s);
	if (int_param(l, lmp, LMP, "num_feature", 1, MAX_INPUTS, &nf) == -1 ||
	    base_score(l, m, lmp) == -1)
		return -1;

	m->ninputs = (size_t)nf;
	v = json_object_get(lrn, "feature_names");
	if (v != NULL && !json_is_array(v))
		return bad(l, "learner.feature_names: expected an array");
	if (json_array_size(v) > 0) {
		if (json_array_size(v) != m->ninputs)
			return bad(l,
			    "learner.feature_names: %zu names for %zu inputs",
			    json_array_size(v), m->ninputs);
		if (names(l, m, v, "learner.feature_names") == -1)
			return -1;
		m->named = 1;
	} else {
		char name[32];

		m->input = fk_xcalloc(m->ninputs, sizeof(*m->input));
		for (i = 0; i < m->ninputs; i++) {
			snprintf(name, sizeof(name), "f%zu", i);
			m->input[i] = fk_xstrdup(name);
		}
	}
	v = json_object_get(lrn, "feature_types");
	for (i = 0; i < json_array_size(v); i++) {
		s = json_string_value(json_array_get(v, i));
		if (s != NULL && strcmp(s, "c") == 0)
			return bad(l,
			    "learner.feature_types[%zu]: %s is categorical; "
			    "categorical inputs are not supported",
			    i, m->input[i < m->ninputs ? i : 0]);
	}

	if (!json_is_object(mod = json_object_get(gb, "model")))
		return bad(l, BOOSTER ".model: expected an object");
	v = json_object_get(mod, "gbtree_model_param");
	s = param(
	    l, v, BOOSTER ".model.gbtree_model_param", "size_leaf_vector", 0);
	if (s != NULL && strcmp(s, "0") != 0)
		return bad(l,
		    BOOSTER
		    ".model.gbtree_model_param.size_leaf_vector: %s: vector "
		    "leaves are not supported",
		    s);
	if ((trees = array(l, mod, BOOSTER ".model", "trees", SIZE_MAX)) ==
	    NULL)
		return -1;
	n = json_array_size(trees);
	s = param(l, v, BOOSTER ".model.gbtree_model_param", "num_trees", 0);
	if (s != NULL &&
	    fk_num_int(s, 0, LLONG_MAX, &k, unused, sizeof(unused)) == 0 &&
	    (size_t)k != n)
		return bad(l,
		    BOOSTER ".model.gbtree_model_param.num_trees: %s, but %zu "
		            "trees",
		    s, n);
	if ((info = json_object_get(mod, "tree_info")) != NULL) {
		if ((info = array(l, mod, BOOSTER ".model", "tree_info", n)) ==
		    NULL)
			return -1;
		for (i = 0; i < n; i++)
			if (tree_int(info, i, &k) == -1 || k != 0)
				return bad(l,
				    BOOSTER ".model.tree_info[%zu]: a tree of "
				            "another output; one output only",
				    i);
	}

	m->tree = fk_xcalloc(n + LANES, sizeof(*m->tree));
	m->ntrees = n;
	for (i = 0; i < n; i++)
		if (load_tree(l, m, json_array_get(trees, i), i, &fl) == -1)
			goto out;
	/* The padding: trees of one leaf of 0, which sum + 0 leaves. */
	new_nodes(m, 1);
	k = (long long)m->nnodes - 1;
	m->node[k].thr = 0;
	m->node[k].in = (uint32_t)(2 * m->ninputs);
	m->node[k].left = (uint32_t)k;
	m->leaf[k] = 0;
	m->frac[k] = 1;
	m->nmean[k] = 0;
	for (; i % LANES != 0; i++)
		m->tree[i].root = (uint32_t)k;
	rc = 0;
out:
	free(fl.order);
	free(fl.pos);
	free(fl.level);
	free(fl.seen);
	return rc;
}

/* What XGBoost writes for a .ubj name: an object whose keys carry a
 * length marker. */
static int
is_ubjson(const char *s, size_t len)
{
	return len >= 2 && s[0] == '{' && s[1] != '\0' &&
	    strchr("iUIlL$#", s[1]) != NULL;
}

/* The input a node splits on. */
static inline uint32_t
split_input(const struct fk_model *m, const struct node *n)
{
	return n->in < m->ninputs ? n->in : n->in - (uint32_t)m->ninputs;
}

/* The inputs that can move a margin or a contribution: a logistic
 * model's all, a forest's those its splits read. */
static void
mark_used(struct fk_model *m)
{
	size_t i;

	m->used = fk_xcalloc(m->ninputs + 1, 1);
	m->uses = fk_xcalloc(m->ninputs + 1, sizeof(*m->uses));
	if (m->kind == FK_MODEL_LOGISTIC)
		memset(m->used, 1, m->ninputs);
	for (i = 0; m->kind == FK_MODEL_XGBOOST && i < m->nnodes; i++)
		if (m->node[i].left != i)
			m->used[split_input(m, &m->node[i])] = 1;
	for (i = 0; i < m->ninputs; i++)
		if (m->used[i])
			m->uses[m->nuses++] = (uint32_t)i;
}

/* The nodes in 8 bytes for the walk, if they fit. */
static void
compact(struct fk_model *m)
{
	size_t i;

	if (m->kind != FK_MODEL_XGBOOST || 2 * m->ninputs > UINT16_MAX)
		return;
	for (i = 0; i < m->nnodes; i++)
		if (m->node[i].left - i > UINT16_MAX)
			return;
	m->cnode = fk_xcalloc(m->nnodes + 1, sizeof(*m->cnode));
	for (i = 0; i < m->nnodes; i++) {
		m->cnode[i].thr = m->node[i].thr;
		m->cnode[i].in = (uint16_t)m->node[i].in;
		m->cnode[i].off = (uint16_t)(m->node[i].left - i);
	}
}

struct fk_model *
fk_model_parse(
    const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	struct ld l = { name, err, errlen };
	struct fk_model *m = fk_xcalloc(1, sizeof(*m));
	json_error_t je;
	json_t *root;
	size_t qlen = 0;
	char *q;
	int rc = -1;

	fk_sha256_hex(text, len, m->hash);
	q = quote_nonfinite(text, len, &qlen);
	root = json_loadb(q != NULL ? q : text, q != NULL ? qlen : len,
	    JSON_REJECT_DUPLICATES, &je);
	free(q);
	if (root == NULL) {
		if (is_ubjson(text, len))
			bad(&l,
			    "UBJSON is not supported; save the model as "
			    "JSON (Booster.save_model(\"model.json\"))");
		else
			snprintf(err, errlen, "%s:%d:%d: %s", name, je.line,
			    je.column, je.text);
	} else if (!json_is_object(root)) {
		bad(&l, "expected a JSON object");
	} else if (json_object_get(root, "fraudkit_model") != NULL) {
		rc = load_logistic(&l, m, root);
	} else if (json_object_get(root, "learner") != NULL) {
		rc = load_xgboost(&l, m, root);
	} else {
		bad(&l,
		    "not a model: no \"fraudkit_model\" (fraudkit) or "
		    "\"learner\" (xgboost) member");
	}
	json_decref(root);
	if (rc == -1) {
		fk_model_free(m);
		return NULL;
	}
	mark_used(m);
	compact(m);
	return m;
}

struct fk_model *
fk_model_load(const char *file, char *err, size_t errlen)
{
	struct fk_model *m;
	size_t len = 0, cap = 0, n;
	char *buf = NULL;
	FILE *fp;
	int e;

	if ((fp = fopen(file, "rb")) == NULL) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return NULL;
	}
	do {
		if (len == cap) {
			cap = cap > 0 ? cap * 2 : 1 << 16;
			buf = fk_xrealloc(buf, cap);
		}
		n = fread(buf + len, 1, cap - len, fp);
		len += n;
	} while (n > 0);
	e = errno;
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: %s", file, strerror(e));
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	m = fk_model_parse(file, buf, len, err, errlen);
	free(buf);
	return m;
}

void
fk_model_free(struct fk_model *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->ninputs && m->input != NULL; i++)
		free(m->input[i]);
	free(m->input);
	free(m->w);
	free(m->mean);
	free(m->scale);
	free(m->tree);
	free(m->node);
	free(m->leaf);
	free(m->frac);
	free(m->nmean);
	free(m->used);
	free(m->uses);
	free(m->cnode);
	free(m);
}

enum fk_model_kind
fk_model_kind(const struct fk_model *m)
{
	return m->kind;
}

size_t
fk_model_ninputs(const struct fk_model *m)
{
	return m->ninputs;
}

const char *
fk_model_input(const struct fk_model *m, size_t i)
{
	return i < m->ninputs ? m->input[i] : NULL;
}

int
fk_model_input_used(const struct fk_model *m, size_t i)
{
	return i < m->ninputs && m->used[i];
}

int
fk_model_named(const struct fk_model *m)
{
	return m->named;
}

const char *
fk_model_hash(const struct fk_model *m)
{
	return m->hash;
}

void
fk_model_describe(const struct fk_model *m, char *buf, size_t len)
{
	const char *in = m->ninputs == 1 ? "input" : "inputs";

	if (m->kind == FK_MODEL_LOGISTIC)
		snprintf(buf, len, "logistic: %zu %s", m->ninputs, in);
	else
		snprintf(buf, len, "xgboost: %zu %s, depth %u, %zu %s",
		    m->ntrees, m->ntrees == 1 ? "tree" : "trees", m->maxdepth,
		    m->ninputs, in);
}

static double
zval(const struct fk_model *m, const double *x, size_t i)
{
	if (!isfinite(x[i]))
		return 0;
	return m->mean != NULL ? (x[i] - m->mean[i]) / m->scale[i] : x[i];
}

/* The inputs as XGBoost sees them, floats, then their negations, then
 * the NaN of leaves (see node).  A double beyond float's range becomes
 * an infinity (C11 Annex F), as it does in XGBoost's float matrix.  Only
 * those a split reads. */
static float *
inputs(const struct fk_model *m, const double *x, float *stack)
{
	size_t n = m->ninputs;
	float *xs =
	    n <= STACK_INPUTS ? stack : fk_xmalloc((2 * n + 1) * sizeof(*xs));
	uint32_t k;

	xs[2 * n] = NAN;
	for (size_t i = 0; i < m->nuses; i++) {
		k = m->uses[i];
		xs[k] = (float)x[k];
		xs[n + k] = -xs[k];
	}
	return xs;
}

/* 1 when x goes right at n; 0 when it goes left or n is a leaf. */
static inline uint32_t
step(const struct node *n, const float *xs)
{
	return xs[n->in] >= n->thr;
}

/* Trees are walked LANES at a time (see LANES), each group as deep as
 * its deepest tree (a leaf stays put).  The lanes are named variables so
 * that they stay in registers. */
_Static_assert(LANES == 16, "EACH_LANE names 16 lanes");
/* clang-format off */
#define EACH_LANE(X) \
	X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) \
	X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)
#define EACH_QUARTER_LANE(X) X(0) X(1) X(2) X(3)
/* clang-format on */
#define LANE_ROOT(k) uint32_t a##k = t[k].root;
#define LANE_DEPTH(k) d = t[k].depth > d ? t[k].depth : d;
#define LANE_STEP(k) a##k = nd[a##k].left + step(&nd[a##k], xs);
#define LANE_LEAF(k) sum += nd[a##k].thr;
#define LANE_CSTEP(k)                                                          \
	a##k += cn[a##k].off + (uint32_t)(xs[cn[a##k].in] >= cn[a##k].thr);
#define LANE_CLEAF(k) sum += cn[a##k].thr;
/* One group of trees: EACH its lanes, with STEP and LEAF. */
#define WALK(EACH, STEP, LEAF)                                                 \
	do {                                                                   \
		EACH(LANE_ROOT)                                                \
		d = 0;                                                         \
		EACH(LANE_DEPTH)                                               \
		for (; d > 0; d--) {                                           \
			EACH(STEP)                                             \
		}                                                              \
		EACH(LEAF)                                                     \
	} while (0)

/* Whole groups of sixteen, then the trees left over four at a time
 * rather than sixteen with empty ones (100 trees: 4 in the last group,
 * not 16); the sum takes the leaves in the same order. */
static double
trees_margin(const struct fk_model *m, const float *xs)
{
	const struct node *nd = m->node;
	const struct cnode *cn = m->cnode;
	const struct tree *t = m->tree, *end = m->tree + m->ntrees;
	double sum = m->base;
	uint32_t d;

	if (cn != NULL) {
		for (; end - t >= LANES; t += LANES)
			WALK(EACH_LANE, LANE_CSTEP, LANE_CLEAF);
		for (; t < end; t += LANES / 4)
			WALK(EACH_QUARTER_LANE, LANE_CSTEP, LANE_CLEAF);
		return sum;
	}
	for (; end - t >= LANES; t += LANES)
		WALK(EACH_LANE, LANE_STEP, LANE_LEAF);
	for (; t < end; t += LANES / 4)
		WALK(EACH_QUARTER_LANE, LANE_STEP, LANE_LEAF);
	return sum;
}

double
fk_model_margin(const struct fk_model *m, const double *x)
{
	float stack[2 * STACK_INPUTS + 1], *xs;
	double sum;

	if (m->kind == FK_MODEL_LOGISTIC) {
		sum = m->intercept;
		for (size_t k = 0; k < m->ninputs; k++)
			sum += m->w[k] * zval(m, x, k);
		return sum;
	}
	xs = inputs(m, x, stack);
	sum = trees_margin(m, xs);
	if (xs != stack)
		free(xs);
	return sum;
}

double
fk_model_prob(double margin)
{
	/* Far below 0, exp overflows to inf and the quotient is 0. */
	return 1 / (1 + exp(-margin));
}

/* Saabas: each split on the way to the leaf moves the expected value
 * from the node's mean to the child's; the move is the split input's. */
static void
explain_path(const struct fk_model *m, uint32_t i, const float *xs, double *c)
{
	const struct node *nd = m->node;
	uint32_t child;

	while (nd[i].left != i) {
		child = nd[i].left + step(&nd[i], xs);
		c[split_input(m, &nd[i])] += m->nmean[child] - m->nmean[i];
		i = child;
	}
}

/* TreeSHAP (Lundberg, Erion and Lee 2018, algorithm 2).  The path holds
 * the unique inputs split on from the root down, each with the share of
 * covers that agrees with its value in x being unknown (zero) or known
 * (one), and w: the weights of the subsets of the path by size. */
struct pel {
	double zero, one, w;
	uint32_t input;
};

#define NO_INPUT UINT32_MAX

/* The weights below are counted with divisions by small integers; rcp[k]
 * is 1/k, to multiply by instead (divisions were most of the time). */

/* Append an input to the path p[0..len). */
static void
extend(struct pel *p, int len, double zero, double one, uint32_t input,
    const double *rcp)
{
	double r = rcp[len + 1];

	p[len].zero = zero;
	p[len].one = one;
	p[len].input = input;
	p[len].w = len == 0 ? 1 : 0;
	for (int i = len - 1; i >= 0; i--) {
		p[i + 1].w += one * p[i].w * (i + 1) * r;
		p[i].w = zero * p[i].w * (len - i) * r;
	}
}

/* Undo the extension by p[k] (the same input split on again below). */
static void
unwind(struct pel *p, int len, int k, const double *rcp)
{
	int l = len - 1;
	double n = p[l].w, one = p[k].one, zero = p[k].zero, t;

	if (one != 0) {
		one = (l + 1) / one;
		zero *= rcp[l + 1];
		for (int j = l - 1; j >= 0; j--) {
			t = p[j].w;
			p[j].w = n * (one * rcp[j + 1]);
			n = t - p[j].w * (zero * (l - j));
		}
	} else {
		zero = 1 / zero;
		for (int j = l - 1; j >= 0; j--)
			p[j].w *= (l + 1) * rcp[l - j] * zero;
	}
	for (int j = k; j < l; j++) {
		p[j].zero = p[j + 1].zero;
		p[j].one = p[j + 1].one;
		p[j].input = p[j + 1].input;
	}
}

/* The total weight of the path with p[k] unwound, leaving p alone; for
 * a one fraction of 1. */
static double
unwound_sum(const struct pel *p, int len, int k, const double *rcp)
{
	int l = len - 1;
	double n = p[l].w, zero = p[k].zero * rcp[l + 1], t, sum = 0;

	/* Factors apart from n, so that the chain through n is two
	 * multiplications and a subtraction long. */
	for (int j = l - 1; j >= 0; j--) {
		t = n * ((l + 1) * rcp[j + 1]);
		sum += t;
		n = p[j].w - t * (zero * (l - j));
	}
	return sum;
}

struct shap {
	const struct fk_model *m;
	const float *xs;
	double *c;
	double rcp[MAX_DEPTH + 3];
};

/* At a leaf of value v, each input on the path gets its share.  One
 * fractions are 1 or 0 (x went that way or not).  Where 0, the unwound
 * sum is one sum over the path divided by the zero fraction, which the
 * share then multiplies by: one sum for them all. */
static void
leaf(struct shap *s, const struct pel *p, int len, double v)
{
	int l = len - 1;
	double cold = 0;

	for (int j = l - 1; j >= 0; j--)
		cold += p[j].w * s->rcp[l - j];
	cold *= l + 1;
	for (int k = 1; k < len; k++) {
		if (p[k].one == 0)
			s->c[p[k].input] -= cold * v;
		else
			s->c[p[k].input] += unwound_sum(p, len, k, s->rcp) *
			    (p[k].one - p[k].zero) * v;
	}
}

/* Node i, reached by a split on input with fractions zero and one.
 * parent[0..plen) is the path above; this node's copy goes after it. */
static void
shap(struct shap *s, uint32_t i, struct pel *parent, int plen, double zero,
    double one, uint32_t input)
{
	const struct node *n = &s->m->node[i];
	struct pel *p = parent + plen;
	double iz = 1, io = 1;
	uint32_t hot, cold, f;
	int len = plen + 1, k;

	memcpy(p, parent, (size_t)plen * sizeof(*p));
	extend(p, plen, zero, one, input, s->rcp);
	if (n->left == i) {
		leaf(s, p, len, s->m->leaf[i]);
		return;
	}
	f = split_input(s->m, n);
	hot = n->left + step(n, s->xs);
	cold = hot == n->left ? n->left + 1 : n->left;
	for (k = 1; k < len && p[k].input != f; k++)
		;
	if (k < len) {
		iz = p[k].zero;
		io = p[k].one;
		unwind(p, len, k, s->rcp);
		len--;
	}
	/* A branch no training row and no value of x reaches adds nothing
	 * (and would divide zero by zero). */
	if (iz * s->m->frac[hot] != 0 || io != 0)
		shap(s, hot, p, len, iz * s->m->frac[hot], io, f);
	if (iz * s->m->frac[cold] != 0)
		shap(s, cold, p, len, iz * s->m->frac[cold], 0, f);
}

/* Path elements on the stack for trees this deep; deeper ones get the
 * heap.  A level's path is at most its depth + 1 long and each level
 * keeps its own copy. */
#define STACK_DEPTH 24
#define PATH_LEN(d) (((size_t)(d) + 2) * ((size_t)(d) + 3) / 2)

void
fk_model_explain(const struct fk_model *m, const double *x, enum fk_explain how,
    double *c, double *bias)
{
	struct pel stack[PATH_LEN(STACK_DEPTH)], *path = stack;
	float xstack[2 * STACK_INPUTS + 1];
	struct shap s;
	size_t i;

	if (m->kind == FK_MODEL_LOGISTIC) {
		for (i = 0; i < m->ninputs; i++)
			c[i] = m->w[i] * zval(m, x, i);
		*bias = m->intercept;
		return;
	}
	for (i = 0; i < m->ninputs; i++)
		c[i] = 0;
	*bias = m->base;
	s.m = m;
	s.c = c;
	s.xs = inputs(m, x, xstack);
	if (how == FK_EXPLAIN_SHAP) {
		for (i = 1; i < m->maxdepth + 3; i++)
			s.rcp[i] = 1.0 / (double)i;
		if (m->maxdepth > STACK_DEPTH)
			path =
			    fk_xmalloc(PATH_LEN(m->maxdepth) * sizeof(*path));
	}
	for (i = 0; i < m->ntrees; i++) {
		*bias += m->nmean[m->tree[i].root];
		if (how == FK_EXPLAIN_PATH)
			explain_path(m, m->tree[i].root, s.xs, c);
		else
			shap(&s, m->tree[i].root, path, 0, 1, 1, NO_INPUT);
	}
	if (path != stack)
		free(path);
	if (s.xs != xstack)
		free((float *)s.xs);
}
