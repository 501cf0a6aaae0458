/* Trained models: logistic regression (fraudkit's JSON) and XGBoost
 * boosted trees (Booster.save_model JSON, binary:logistic).  Prediction
 * and per-input contributions.  Library module: never prints, never
 * exits. */
#ifndef FK_MODEL_H
#define FK_MODEL_H

#include <stddef.h>

struct fk_model;

enum fk_model_kind { FK_MODEL_LOGISTIC, FK_MODEL_XGBOOST };

/* How tree contributions are computed (logistic ones are always exact). */
enum fk_explain {
	FK_EXPLAIN_PATH, /* Saabas: changes of the cover-weighted node mean
			  * along the path; = xgboost approx_contribs */
	FK_EXPLAIN_SHAP, /* TreeSHAP (exact): = xgboost pred_contribs */
};

/* Load a model file; the kind is told by its content.  NULL with a
 * message in err ("model.json: learner.objective: binary:hinge is not
 * supported; binary:logistic or reg:logistic").  fk_model_free frees. */
struct fk_model *fk_model_load(const char *file, char *err, size_t errlen);
/* The same from text in memory (tests); name is used in messages. */
struct fk_model *fk_model_parse(
    const char *name, const char *text, size_t len, char *err, size_t errlen);
void fk_model_free(struct fk_model *m);

enum fk_model_kind fk_model_kind(const struct fk_model *m);
/* Inputs in the model's order, named as the model names them (XGBoost
 * without feature_names: "f0", "f1", ...); borrowed. */
size_t fk_model_ninputs(const struct fk_model *m);
const char *fk_model_input(const struct fk_model *m, size_t i);
/* Whether input i is ever read: a forest's trees may split on only some
 * of its inputs, whose others then need not be looked up.  Their
 * contributions are 0. */
int fk_model_input_used(const struct fk_model *m, size_t i);
/* Whether the model file named its inputs. */
int fk_model_named(const struct fk_model *m);
/* SHA-256 of the file's bytes in hex; borrowed. */
const char *fk_model_hash(const struct fk_model *m);
/* "xgboost: 100 trees, depth 6, 37 inputs" or "logistic: 12 inputs". */
void fk_model_describe(const struct fk_model *m, char *buf, size_t len);

/* The margin (log-odds) for inputs x[ninputs]; NaN = missing.  Trees
 * compare in single precision as XGBoost does. */
double fk_model_margin(const struct fk_model *m, const double *x);
/* The probability: the logistic function of the margin. */
double fk_model_prob(double margin);

/* Contributions to the margin: c[i] for each input, *bias for the rest;
 * bias + sum(c) = margin (to rounding). */
void fk_model_explain(const struct fk_model *m, const double *x,
    enum fk_explain how, double *c, double *bias);

#endif
