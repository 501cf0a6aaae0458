/* libFuzzer: fk-score's model files (model.c: fraudkit's logistic JSON,
 * XGBoost's JSON) on any bytes, and a model that loads asked for margins
 * and both kinds of contributions: no crash, no sanitizer report, no
 * endless walk, and the inputs a model names are distinct. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static void
use(const struct fk_model *m)
{
	size_t n = fk_model_ninputs(m);
	double *x = malloc((n + 1) * sizeof(*x));
	double *c = malloc((n + 1) * sizeof(*c));
	double bias;
	char buf[256];

	if (x == NULL || c == NULL)
		abort();
	if (n == 0 || strlen(fk_model_hash(m)) != 64)
		abort();
	for (size_t i = 0; i < n; i++) {
		const char *name = fk_model_input(m, i);

		if (name == NULL || name[0] == '\0')
			abort();
		for (size_t j = 0; j < i; j++)
			if (strcmp(fk_model_input(m, j), name) == 0)
				abort();
	}
	fk_model_describe(m, buf, sizeof(buf));
	/* Missing inputs, zeros, and values either side of usual splits. */
	for (int k = 0; k < 4; k++) {
		for (size_t i = 0; i < n; i++)
			x[i] = k == 0 ? NAN
			    : k == 1  ? 0
			    : k == 2  ? (i % 2 ? -1e30 : 0.5)
			              : (i % 3 ? 1e30 : -0.5);
		(void)fk_model_prob(fk_model_margin(m, x));
		fk_model_explain(m, x, FK_EXPLAIN_PATH, c, &bias);
		fk_model_explain(m, x, FK_EXPLAIN_SHAP, c, &bias);
	}
	free(x);
	free(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct fk_model *m;
	char err[1024];
	/* An exact copy: the loader must not read past len. */
	char *copy = malloc(len > 0 ? len : 1);

	if (copy == NULL)
		abort();
	if (len > 0)
		memcpy(copy, data, len);
	err[0] = '\0';
	m = fk_model_parse("fuzz.json", copy, len, err, sizeof(err));
	if (m != NULL)
		use(m);
	else if (err[0] == '\0')
		abort();
	fk_model_free(m);
	free(copy);
	return 0;
}
