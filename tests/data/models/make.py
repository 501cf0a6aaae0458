#!/usr/bin/python3
"""Fixture models for tests/unit/test_model.c, saved by xgboost 1.7.

Run from anywhere: python3 tests/data/models/make.py.  Deterministic
(fixed seeds, one thread), so running it again rewrites the same bytes
with the same xgboost.  For each accepted model NAME.json it writes
NAME.csv: the test inputs (nan = missing) and what xgboost 1.7 says
about them, which the C tests compare against:

  x0..x{n-1}, margin, prob, shap0..shap{n-1}, shap_bias,
  path0..path{n-1}, path_bias

margin = predict(output_margin=True), prob = predict(), shap* =
predict(pred_contribs=True), path* = predict(pred_contribs=True,
approx_contribs=True); the bias is xgboost's last column.  xgboost's
outputs are float32, written exactly.  The refused models (dart,
gblinear, multi-class, categorical splits, other objectives, UBJSON) are
real files too, so the tests see what xgboost actually writes.
"""
import json
import os

import numpy as np
import xgboost as xgb

HERE = os.path.dirname(os.path.abspath(__file__))
assert xgb.__version__.startswith("1.7"), xgb.__version__


def data(seed, n, nfeat, missing):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, nfeat)) * 2.0
    x[:, 0] = np.round(np.exp(rng.normal(3, 1, size=n)), 2)  # an amount
    z = np.nan_to_num(x)
    logit = 0.03 * (z[:, 0] - 20) + 0.8 * z[:, 1] - 0.5 * z[:, 2]
    y = (logit + rng.logistic(size=n) > 0).astype(int)
    x[rng.random(x.shape) < missing] = np.nan
    return x, y


def save(name, booster):
    booster.save_model(os.path.join(HERE, name + ".json"))


def fmt(v):
    return "nan" if np.isnan(v) else repr(float(v))


def expect(name, booster, x):
    d = xgb.DMatrix(x, missing=np.nan)
    margin = booster.predict(d, output_margin=True)
    prob = booster.predict(d)
    shap = booster.predict(d, pred_contribs=True)
    path = booster.predict(d, pred_contribs=True, approx_contribs=True)
    n = x.shape[1]
    head = ["x%d" % i for i in range(n)] + ["margin", "prob"]
    head += ["shap%d" % i for i in range(n)] + ["shap_bias"]
    head += ["path%d" % i for i in range(n)] + ["path_bias"]
    with open(os.path.join(HERE, name + ".csv"), "w") as f:
        f.write(",".join(head) + "\n")
        for r in range(x.shape[0]):
            row = list(x[r]) + [margin[r], prob[r]] + list(shap[r])
            row += list(path[r])
            f.write(",".join(fmt(v) for v in row) + "\n")


def probes(booster, x, nrows, seed):
    """Test rows: held-out rows, a row of all missing, and rows that sit
    exactly on split conditions or next to them, where < and <= differ
    and where double inputs round to the float32 threshold."""
    rng = np.random.default_rng(seed)
    rows = [x[i] for i in rng.choice(len(x), nrows, replace=False)]
    rows.append(np.full(x.shape[1], np.nan))
    j = json.loads(booster.save_raw("json"))
    trees = j["learner"]["gradient_booster"]["model"]["trees"]
    for t in trees[:4]:
        for i, left in enumerate(t["left_children"]):
            if left == -1:
                continue
            f = t["split_indices"][i]
            c = float(np.float32(t["split_conditions"][i]))
            for v in (c, np.nextafter(c, -np.inf), np.nextafter(c, np.inf)):
                r = rows[len(rows) % nrows].copy()
                r[f] = v
                rows.append(r)
            break
    return np.array(rows)


def main():
    common = {"nthread": 1, "seed": 7, "eta": 0.3}

    # hist, named inputs, a base_score that is not 0.5, binary:logistic.
    names = ["amount", "features.user.amount_z", "features.user.count_10m",
             "hour", "is_new_device"]
    x, y = data(1, 600, 5, 0.2)
    d = xgb.DMatrix(x[:500], label=y[:500], feature_names=names)
    b = xgb.train(dict(common, objective="binary:logistic", max_depth=4,
                       tree_method="hist", base_score=0.2), d, 15)
    save("xgb-hist", b)
    b.feature_names = None
    expect("xgb-hist", b, probes(b, x[500:], 30, 11))

    # exact, no names, reg:logistic, default base_score.
    x, y = data(2, 400, 4, 0.15)
    d = xgb.DMatrix(x[:300], label=y[:300])
    b = xgb.train(dict(common, objective="reg:logistic", max_depth=3,
                       tree_method="exact"), d, 10)
    save("xgb-exact", b)
    expect("xgb-exact", b, probes(b, x[300:], 30, 12))

    # A forest of uneven trees: lossguide, no depth limit, two trees a
    # round, subsampled.
    x, y = data(3, 500, 6, 0.1)
    d = xgb.DMatrix(x[:400], label=y[:400],
                    feature_names=["a", "b", "c", "d", "e", "f"])
    b = xgb.train(dict(common, objective="binary:logistic", max_depth=0,
                       tree_method="hist", grow_policy="lossguide",
                       max_leaves=10, num_parallel_tree=2, subsample=0.7,
                       colsample_bynode=0.8, base_score=0.35), d, 4)
    save("xgb-forest", b)
    b.feature_names = None
    expect("xgb-forest", b, probes(b, x[400:], 20, 13))

    # Refused: each as small as it gets.
    x, y = data(4, 200, 3, 0.0)
    d = xgb.DMatrix(x, label=y)
    small = dict(common, max_depth=2)
    save("xgb-dart", xgb.train(dict(small, booster="dart",
                                    objective="binary:logistic"), d, 2))
    save("xgb-gblinear", xgb.train(dict(common, booster="gblinear",
                                        objective="binary:logistic"), d, 2))
    save("xgb-hinge", xgb.train(dict(small, objective="binary:hinge"), d, 1))
    save("xgb-squarederror",
         xgb.train(dict(small, objective="reg:squarederror"), d, 1))
    dm = xgb.DMatrix(x, label=np.arange(200) % 3)
    save("xgb-multiclass", xgb.train(dict(small, objective="multi:softprob",
                                          num_class=3), dm, 1))
    xc = x.copy()
    xc[:, 0] = np.arange(200) % 5
    dc = xgb.DMatrix(xc, label=(xc[:, 0] % 2 == 0).astype(int),
                     feature_types=["c", "q", "q"], enable_categorical=True)
    save("xgb-categorical", xgb.train(dict(small, tree_method="hist",
                                           max_cat_to_onehot=1,
                                           objective="binary:logistic"),
                                      dc, 1))
    b = xgb.train(dict(small, objective="binary:logistic"), d, 1)
    b.save_model(os.path.join(HERE, "xgb-tiny.ubj"))


if __name__ == "__main__":
    main()
