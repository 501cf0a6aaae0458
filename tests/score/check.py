"""fk-score's model scores and explanations against XGBoost and numpy;
fk-train's own checks.

usage: check.py BINDIR FK_TRAIN WORKDIR [--train-only]

Generates three weeks of labelled traffic with fk-gen, enriches it with
fk-enrich, and trains on it with FK_TRAIN: an XGBoost model and a
logistic one.  fk-train is checked on its own (inputs, the files it
writes, its messages and exit statuses).  Then, unless --train-only,
every record goes through "fk-score -m MODEL --combine model
--contributions" (trees: with --explain path and with --explain shap)
and every row is compared:

  trees     the probability with Booster.predict on the saved model
            (1e-6); the margin with predict(output_margin=True) (1e-5,
            times |margin| past 1: XGBoost adds float32); contributions
            with pred_contribs, approx_contribs for path (1e-4 per
            input; the bias with the last column); their sum with the
            margin (1e-5); score with model_score
  logistic  the probability, margin, contributions w_i * z_i and bias
            computed with numpy from the model file
  9 digits  the numbers as written, against double-precision references
            (logistic; the trees walked here in double): relative
            difference 1e-8, relative to max(|want|, 1e-4)

and risk.model with the model file's SHA-256.  The model matrix is built
here, independently, with fk-score's conversion.  Prints one line per
failure (with the first rows that fail), a summary line "score: N rows
x M checks, max |diff| ..." (by kind of check) and "score: N passed, M
failed"; exits 1 on any failure.
"""

import hashlib
import json
import math
import os
import re
import subprocess
import sys
import time

import numpy as np
import xgboost as xgb

# fk-gen and fk-enrich: about 31000 records over three weeks.
GEN = ["--users", "700", "--days", "21", "--seed", "7"]
TREES, DEPTH = 100, 6
TOL_PROB = 1e-6
TOL_MARGIN = 1e-5
# ... times max(|margin|, 1) against XGBoost's margin, which it adds up in
# float32 over the trees: 9.5e-6 off the exact sum at margins near -12.
MARGIN_FLOOR = 1.0
TOL_CONTRIB = 1e-4
# fk-score writes numbers with 9 significant digits or more: against a
# double-precision reference (logistic; trees walked here in double) the
# relative difference stays under REL, relative to max(|want|, FLOOR).
# (Numbers rounded to 9 decimals instead would pass with FLOOR = 1.)
REL, FLOOR = 1e-8, 1e-4
SHOW = 5  # failing rows shown per check


def flatten(rec, prefix="", out=None):
    """Every leaf of a record (a value that is not an object) by its
    dotted path; a repeated key keeps the last value, as fk-score."""
    out = {} if out is None else out
    for k, v in rec.items():
        if isinstance(v, dict):
            flatten(v, prefix + k + ".", out)
        else:
            out[prefix + k] = v
    return out


def value(flat, path):
    """fk-score's model input: a number as a double, true 1, false 0,
    anything else (absent, null, a string, an array, an object) NaN."""
    v = flat.get(path)
    if isinstance(v, (bool, int, float)):  # bool: True 1.0, False 0.0
        return float(v)
    return math.nan


def discover(flats):
    """amount and every number or boolean leaf under features, sorted."""
    return sorted({p for f in flats for p, v in f.items()
                   if (p == "amount" or p.startswith("features."))
                   and isinstance(v, (bool, int, float))})


def matrix(flats, paths):
    return np.array([[value(f, p) for p in paths] for f in flats],
                    dtype=np.float64).reshape(len(flats), len(paths))


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.rows = 0
        self.row_checks = 0
        self.maxdiff = {}

    def count(self, ok, what, got="", want=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL score/%s: got %s, want %s" % (what, got, want))
        return ok

    def eq(self, what, got, want):
        return self.count(got == want, what, repr(got), repr(want))

    def true(self, what, ok, detail=""):
        return self.count(ok, what, detail or "false", "true")

    def near(self, key, what, ids, got, want, tol, cols=None, rel=None):
        """Every entry of got (rows x cols, or rows) within tol of want,
        or with rel, within tol * max(|want|, rel); NaN on either side
        fails.  Keeps the largest difference (relative with rel) under
        key and reports the first failing rows."""
        got = np.asarray(got, dtype=np.float64)
        want = np.asarray(want, dtype=np.float64)
        diff = np.abs(got - want)
        if rel:
            diff /= np.maximum(np.abs(want), rel)
        bad = ~(diff <= tol)
        self.row_checks += got.size
        d = float(np.nanmax(diff)) if got.size and not np.isnan(diff).all() \
            else 0.0
        self.maxdiff[key] = max(self.maxdiff.get(key, 0.0), d)
        if not bad.any():
            self.passed += 1
            return
        self.failed += 1
        rows = np.flatnonzero(bad.reshape(len(got), -1).any(axis=1))
        print("FAIL score/%s: %d of %d rows differ by more than %g%s "
              "(max %.3g)" % (what, len(rows), len(got), tol,
                              " relative" if rel else "", d))
        for i in rows[:SHOW]:
            if got.ndim == 1:
                print("  row %d %s: got %r, want %r"
                      % (i, ids[i], float(got[i]), float(want[i])))
                continue
            for j in np.flatnonzero(bad[i])[:SHOW]:
                print("  row %d %s %s: got %r, want %r"
                      % (i, ids[i], cols[j], float(got[i, j]),
                         float(want[i, j])))


def run(cmd, stdin=None, stdout=subprocess.PIPE):
    if stdin is None:
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=stdout,
                              stderr=subprocess.PIPE)
    with open(stdin, "rb") as f:
        return subprocess.run(cmd, stdin=f, stdout=stdout,
                              stderr=subprocess.PIPE)


def data(bindir, work):
    """The enriched records, written to WORK/enriched.ndjson."""
    path = os.path.join(work, "enriched.ndjson")
    with open(path, "wb") as out:
        gen = subprocess.Popen([bindir + "/fk-gen"] + GEN,
                               stdout=subprocess.PIPE)
        enr = subprocess.run([bindir + "/fk-enrich"], stdin=gen.stdout,
                             stdout=out)
        gen.stdout.close()
        if gen.wait() != 0 or enr.returncode != 0:
            sys.exit("score: fk-gen | fk-enrich failed")
    with open(path) as f:
        return path, [json.loads(line) for line in f]


def slurp(path):
    with open(path, "rb") as f:
        return f.read()


def train(fk_train, kind, src, out, extra=()):
    """Run fk-train; (status, stderr)."""
    p = run([fk_train, "-m", kind, "-o", out] + list(extra) + [src])
    return p.returncode, p.stderr.decode()


def holdout_metrics(what, c, err):
    m = re.search(r"ROC AUC ([0-9.]+), average precision ([0-9.]+)", err)
    if not c.true("%s: holdout line on stderr" % what, m is not None,
                  repr(err)):
        return None
    return float(m.group(1)), float(m.group(2))


def check_train_xgboost(c, path, paths, err, t):
    bst = xgb.Booster(model_file=path)
    c.eq("fk-train xgboost: feature_names are the record paths",
         bst.feature_names, paths)
    c.eq("fk-train xgboost: rounds", bst.num_boosted_rounds(), TREES)
    with open(path) as f:
        learner = json.load(f)["learner"]
    c.eq("fk-train xgboost: objective", learner["objective"]["name"],
         "binary:logistic")
    trees = learner["gradient_booster"]["model"]["trees"]
    c.true("fk-train xgboost: depth <= %d" % DEPTH,
           all(int(tr["tree_param"]["num_nodes"]) < 2 ** (DEPTH + 1)
               for tr in trees))
    auc = holdout_metrics("fk-train xgboost", c, err)
    if auc:
        c.true("fk-train xgboost: holdout ROC AUC > 0.9", auc[0] > 0.9,
               str(auc[0]))
        print("score: fk-train xgboost: %d trees, depth %d, %.1f s; "
              "holdout ROC AUC %.4f, AP %.4f" % (TREES, DEPTH, t, *auc))
    return bst


def check_train_logistic(c, path, x, y, paths, err, t):
    with open(path) as f:
        m = json.load(f)
    if not c.eq("fk-train logistic: members", sorted(m), sorted(
            ["fraudkit_model", "version", "inputs", "weights", "intercept",
             "mean", "scale"])):
        return None
    c.eq("fk-train logistic: kind", (m["fraudkit_model"], m["version"]),
         ("logistic", 1))
    c.eq("fk-train logistic: inputs are the record paths", m["inputs"], paths)
    k = len(paths)
    if not c.eq("fk-train logistic: lengths",
                [len(m["weights"]), len(m["mean"]), len(m["scale"])],
                [k, k, k]):
        return None
    w, mean, scale = (np.array(m[a]) for a in ("weights", "mean", "scale"))
    want_mean = np.nanmean(x, axis=0)
    filled = np.where(np.isnan(x), want_mean, x)
    sd = filled.std(axis=0)
    want_scale = np.where(sd == 0, 1.0, sd)
    c.true("fk-train logistic: mean is the inputs' mean where present",
           np.allclose(mean, want_mean, rtol=1e-12, atol=1e-12))
    c.true("fk-train logistic: scale is the std of the mean-imputed input",
           np.allclose(scale, want_scale, rtol=1e-9, atol=0))
    # The weights must be the optimum of scikit-learn's objective,
    # 0.5 |w|^2 + sum log-loss, over z computed from this file with
    # missing => 0: its gradient is near zero (lbfgs stops at its
    # tolerance: about 0.03 here; mean-imputing after scaling, or
    # imputing 0, gives tens to 1e5).
    z = np.where(np.isnan(x), 0.0, (x - mean) / scale)
    p = 1 / (1 + np.exp(-(m["intercept"] + z @ w)))
    grad = np.abs(np.append(w + z.T @ (p - y), np.sum(p - y))).max()
    c.true("fk-train logistic: gradient at the weights ~ 0", grad < 0.5,
           "max |grad| %.3g" % grad)
    auc = holdout_metrics("fk-train logistic", c, err)
    if auc:
        c.true("fk-train logistic: holdout ROC AUC > 0.9", auc[0] > 0.9,
               str(auc[0]))
        print("score: fk-train logistic: %.1f s; holdout ROC AUC %.4f, "
              "AP %.4f" % (t, *auc))
    return m


def check_gap(c, records, err):
    """The holdout is the last 20% by ts_ms; the model checked on it was
    trained on the records at least 7 days before its first, and fk-eval
    reported on its scores."""
    m = re.search(r"holdout: last ([0-9]+) of ([0-9]+) records by ts_ms, "
                  r"([0-9]+) before it left out \(--gap 7d\): train "
                  r"([0-9]+) ", err)
    if not c.true("fk-train: holdout after a 7-day gap", m is not None,
                  repr(err[:300])):
        return
    k, n, gap, tr = (int(g) for g in m.groups())
    ts = sorted(r["ts_ms"] for r in records)
    want = sum(1 for t in ts[:n - k] if t < ts[n - k] - 7 * 86400000)
    c.eq("fk-train: holdout: n, k", (n, k),
         (len(records), int(len(records) * 0.2)))
    c.eq("fk-train: trained on the records 7 days before the holdout",
         (tr, gap), (want, n - k - want))
    c.true("fk-train: fk-eval's report of the holdout, card precision@100",
           re.search(r"holdout: 100 +[0-9.]+ +[0-9.]+ +[0-9.]+", err)
           is not None, repr(err[-600:]))


def check_train_cli(c, fk_train, work, lines):
    """Statuses, messages and files of fk-train on small inputs."""
    d = os.path.join(work, "cli")
    os.mkdir(d)

    def write(name, rows):
        path = os.path.join(d, name)
        with open(path, "w") as f:
            f.write("".join(r + "\n" for r in rows))
        return path

    good = write("good.ndjson", lines[:4000])
    model = os.path.join(d, "m.json")

    for args, what in ((["-m", "forest", "-o", model], "-m forest"),
                       ([good], "no -o"),
                       (["-o", model, "--holdout", "1"], "--holdout 1"),
                       (["-o", model, "--trees", "0"], "--trees 0"),
                       (["-o", model, "--gap", "7x"], "--gap 7x")):
        p = run([fk_train] + args + [good])
        c.eq("fk-train %s: status" % what, p.returncode, 64)
    c.true("fk-train usage errors: no model", not os.path.exists(model))

    p = run([fk_train, "--help"])
    c.true("fk-train --help", p.returncode == 0 and b"--holdout" in p.stdout)

    bad = write("bad.ndjson", lines[:100] + ["not json", "[1]",
                                             '{"amount": NaN}']
                + lines[100:2000] + ['{"amount": 1}', '{"fraud": 2}'])
    st, err = train(fk_train, "logistic", bad, model, ["--holdout", "0"])
    c.eq("fk-train bad lines: status", st, 65)
    for no in (101, 102, 103):
        c.true("fk-train bad lines: names %s:%d" % (bad, no),
               "%s:%d:" % (bad, no) in err, repr(err))
    c.true("fk-train bad lines: counts records without a label",
           "skipped 2 records" in err, repr(err))
    c.true("fk-train bad lines: model written", os.path.exists(model))

    os.unlink(model)
    st, err = train(fk_train, "logistic", good, model,
                    [os.path.join(d, "nonexistent")])
    c.eq("fk-train missing file: status", st, 66)
    c.true("fk-train missing file: no model", not os.path.exists(model))

    legit = write("legit.ndjson", [x for x in lines[:3000]
                                   if json.loads(x)["fraud"] == 0])
    st, err = train(fk_train, "xgboost", legit, model)
    c.eq("fk-train one class: status", st, 78)
    c.true("fk-train one class: no model", not os.path.exists(model))

    # --features, read from a file and from stdin: the same bytes.
    feats = os.path.join(d, "features.txt")
    with open(feats, "w") as f:
        f.write("# velocity\nfeatures.user.count_10m\n\namount  # money\n"
                "features.user.no_such\n")
    opts = ["--features", feats, "--trees", "10", "--holdout", "0", "-q"]
    st, err = train(fk_train, "xgboost", good, model, opts)
    c.eq("fk-train --features: status", st, 0)
    if st == 0:
        c.eq("fk-train --features: inputs in the file's order",
             xgb.Booster(model_file=model).feature_names,
             ["features.user.count_10m", "amount", "features.user.no_such"])
    c.true("fk-train --features: warns of an input never present",
           "features.user.no_such" in err, repr(err))
    c.true("fk-train -q: only the warning", err.count("\n") == 1, repr(err))
    again = os.path.join(d, "again.json")
    p = run([fk_train, "-o", again] + opts + ["-"], stdin=good)
    c.true("fk-train: the same model again, from stdin",
           st == 0 and p.returncode == 0 and slurp(model) == slurp(again))
    with open(feats, "w") as f:
        f.write("velocity=features.user.count_10m\n")
    st, err = train(fk_train, "xgboost", good, model,
                    ["--features", feats])
    c.eq("fk-train --features NAME=PATH: status", st, 78)
    c.true("fk-train --features NAME=PATH: says why",
           "NAME=PATH is not supported" in err and feats + ":1:" in err,
           repr(err))
    left = [n for n in os.listdir(d) if n.startswith(".")]
    c.eq("fk-train: no temporary files left", left, [])


def score(c, bindir, args, src, out):
    cmd = [bindir + "/fk-score"] + args + [src]
    t = time.monotonic()
    with open(out, "wb") as f:
        p = run(cmd, stdout=f)
    t = time.monotonic() - t
    if not c.eq("%s: status" % " ".join(args), p.returncode, 0):
        print(p.stderr.decode())
        return None, t
    with open(out) as f:
        return [json.loads(line) for line in f], t


def risks(c, what, records, out):
    """The risk members, after checking the records around them."""
    if not c.eq("%s: records" % what, len(out), len(records)):
        return None
    rs = [r.pop("risk", None) for r in out]
    same = [i for i, (a, b) in enumerate(zip(out, records)) if a != b]
    c.true("%s: records written as read" % what, not same,
           "rows %s" % same[:SHOW])
    if not c.true("%s: every record has risk" % what,
                  all(isinstance(r, dict) for r in rs)):
        return None
    decisions = {r.get("decision") for r in rs}
    c.true("%s: decisions" % what,
           decisions <= {"allow", "review", "block"}, repr(decisions))
    c.true("%s: reasons are lists" % what,
           all(isinstance(r.get("reasons"), list) for r in rs))
    return rs


def number(v):
    """A JSON number as a float, anything else NaN."""
    ok = isinstance(v, (int, float)) and not isinstance(v, bool)
    return float(v) if ok else math.nan


def numbers(rs, key):
    return np.array([number(r.get(key)) for r in rs], dtype=np.float64)


def contributions(c, what, ids, rs, inputs):
    """rows x inputs: a missing one (or not a number) NaN and a failure;
    names that are not inputs fail."""
    extra = set()
    cm = np.full((len(rs), len(inputs)), math.nan)
    index = {p: j for j, p in enumerate(inputs)}
    for i, r in enumerate(rs):
        con = r.get("contributions")
        if not isinstance(con, dict):
            continue
        for k, v in con.items():
            if k in index:
                cm[i, index[k]] = number(v)
            else:
                extra.add(k)
    c.true("%s: contributions name only the inputs" % what, not extra,
           repr(sorted(extra)[:SHOW]))
    lack = np.flatnonzero(np.isnan(cm).any(axis=1))
    c.true("%s: a number for every input in contributions" % what,
           not len(lack), "%d rows lack some, first %s"
           % (len(lack), [ids[i] for i in lack[:SHOW]]))
    return cm


def check_common(c, what, ids, rs, model_path):
    digest = hashlib.sha256(slurp(model_path)).hexdigest()
    c.true("%s: risk.model is the file's SHA-256" % what,
           all(r.get("model") == digest for r in rs),
           repr(next((r.get("model") for r in rs
                      if r.get("model") != digest), None)))
    score, prob = numbers(rs, "score"), numbers(rs, "model_score")
    c.near("prob", "%s: score == model_score" % what, ids, score, prob,
           TOL_PROB)
    return prob, numbers(rs, "margin"), numbers(rs, "bias")


def tree_margin(model, x):
    """The margin of every row, from the model file alone: each tree
    walked with XGBoost's rule (float32 value < float32 condition goes
    left, missing goes the default way), the leaves added in double."""
    with open(model) as f:
        learner = json.load(f)["learner"]
    base = float(learner["learner_model_param"]["base_score"])
    total = np.full(len(x), math.log(base / (1 - base)))
    x32 = x.astype(np.float32)
    for t in learner["gradient_booster"]["model"]["trees"]:
        left, right, feat = (np.array(t[k]) for k in (
            "left_children", "right_children", "split_indices"))
        cond = np.array(t["split_conditions"], dtype=np.float32)
        dflt = np.array(t["default_left"], dtype=bool)
        node = np.zeros(len(x), dtype=np.int64)
        inner = np.flatnonzero(left[node] != -1)
        while len(inner):
            nd = node[inner]
            v = x32[inner, feat[nd]]
            go_left = np.where(np.isnan(v), dflt[nd], v < cond[nd])
            node[inner] = np.where(go_left, left[nd], right[nd])
            inner = inner[left[node[inner]] != -1]
        total += cond[node].astype(np.float64)
    return total


def check_xgboost(c, bindir, work, src, records, ids, x, bst, model):
    dm = xgb.DMatrix(x, missing=np.nan, feature_names=bst.feature_names)
    want_p = bst.predict(dm)
    want_m = bst.predict(dm, output_margin=True)
    # XGBoost adds the trees in float32; this reference does not.
    ref_m = tree_margin(model, x)
    c.near("ref", "reference margin vs predict(output_margin)", ids, ref_m,
           want_m, TOL_MARGIN, rel=MARGIN_FLOOR)
    ref_p = 1 / (1 + np.exp(-ref_m))
    inputs = bst.feature_names
    times = []
    for how, kw in (("path", {"approx_contribs": True}), ("shap", {})):
        what = "xgboost --explain %s" % how
        out, t = score(c, bindir, ["-m", model, "--combine", "model",
                                   "--contributions", "--explain", how],
                       src, os.path.join(work, "scored-%s.ndjson" % how))
        times.append(t)
        rs = out and risks(c, what, records, out)
        if not rs:
            continue
        prob, margin, bias = check_common(c, what, ids, rs, model)
        c.near("prob", "%s: model_score vs Booster.predict" % what, ids,
               prob, want_p, TOL_PROB)
        c.near("margin", "%s: margin vs predict(output_margin)" % what,
               ids, margin, want_m, TOL_MARGIN, rel=MARGIN_FLOOR)
        c.near("rel", "%s: model_score to 9 digits (vs the margin of the "
               "trees in double)" % what, ids, prob, ref_p, REL, rel=FLOOR)
        c.near("rel", "%s: margin to 9 digits (vs the trees in double)"
               % what, ids, margin, ref_m, REL, rel=FLOOR)
        want_c = bst.predict(dm, pred_contribs=True, **kw)
        cm = contributions(c, what, ids, rs, inputs)
        c.near(how, "%s: contributions vs pred_contribs" % what, ids, cm,
               want_c[:, :-1], TOL_CONTRIB, inputs)
        c.near(how, "%s: bias vs pred_contribs' last column" % what, ids,
               bias, want_c[:, -1], TOL_CONTRIB)
        c.near("sum", "%s: sum(contributions) + bias == margin" % what,
               ids, cm.sum(axis=1) + bias, margin, TOL_MARGIN)
    return times


def check_logistic(c, bindir, work, src, records, ids, x, m, model):
    w, mean, scale = (np.array(m[a]) for a in ("weights", "mean", "scale"))
    z = np.where(np.isnan(x), 0.0, (x - mean) / scale)
    want_c = z * w
    want_m = m["intercept"] + want_c.sum(axis=1)
    want_p = 1 / (1 + np.exp(-want_m))
    what = "logistic"
    out, t = score(c, bindir, ["-m", model, "--combine", "model",
                               "--contributions"], src,
                   os.path.join(work, "scored-logistic.ndjson"))
    rs = out and risks(c, what, records, out)
    if not rs:
        return t
    prob, margin, bias = check_common(c, what, ids, rs, model)
    c.near("logistic", "logistic: model_score vs numpy", ids, prob, want_p,
           TOL_PROB)
    c.near("logistic", "logistic: margin vs numpy", ids, margin, want_m,
           TOL_MARGIN)
    c.near("rel", "logistic: model_score to 9 digits", ids, prob, want_p,
           REL, rel=FLOOR)
    c.near("rel", "logistic: margin to 9 digits", ids, margin, want_m, REL,
           rel=FLOOR)
    cm = contributions(c, what, ids, rs, m["inputs"])
    c.near("rel", "logistic: contributions (w * z) to 9 digits", ids, cm,
           want_c, REL, m["inputs"], rel=FLOOR)
    c.near("rel", "logistic: bias (intercept) to 9 digits", ids, bias,
           np.full(len(rs), m["intercept"]), REL, rel=FLOOR)
    c.near("sum", "logistic: sum(contributions) + bias == margin", ids,
           cm.sum(axis=1) + bias, margin, TOL_MARGIN)
    return t


def main():
    bindir, fk_train, work = sys.argv[1:4]
    train_only = "--train-only" in sys.argv[4:]
    c = Checker()
    t0 = time.monotonic()
    src, records = data(bindir, work)
    with open(src) as f:
        lines = f.read().splitlines()
    flats = [flatten(r) for r in records]
    paths = discover(flats)
    x = matrix(flats, paths)
    y = np.array([r["fraud"] for r in records], dtype=np.float64)
    ids = [r.get("tx_id") for r in records]
    print("score: %d records, %d fraud, %d inputs (%.1f s)"
          % (len(records), y.sum(), len(paths), time.monotonic() - t0))

    t = time.monotonic()
    check_train_cli(c, fk_train, work, lines)
    print("score: fk-train on small inputs: %.1f s" % (time.monotonic() - t))
    xmodel = os.path.join(work, "xgboost.json")
    lmodel = os.path.join(work, "logistic.json")
    t = time.monotonic()
    st, err = train(fk_train, "xgboost", src, xmodel,
                    ["--trees", str(TREES), "--depth", str(DEPTH)])
    t = time.monotonic() - t
    bst = m = None
    if c.eq("fk-train xgboost: status", st, 0):
        bst = check_train_xgboost(c, xmodel, paths, err, t)
        check_gap(c, records, err)
    else:
        print(err)
    t = time.monotonic()
    st, err = train(fk_train, "logistic", src, lmodel)
    t = time.monotonic() - t
    if c.eq("fk-train logistic: status", st, 0):
        m = check_train_logistic(c, lmodel, x, y, paths, err, t)
    else:
        print(err)

    if not train_only:
        if not os.access(bindir + "/fk-score", os.X_OK):
            c.true("fk-score: %s/fk-score is built" % bindir, False)
        else:
            if bst is not None:
                t = check_xgboost(c, bindir, work, src, records, ids, x,
                                  bst, xmodel)
                print("score: fk-score xgboost: %s s (path, shap)"
                      % ", ".join("%.1f" % s for s in t))
            if m is not None:
                t = check_logistic(c, bindir, work, src, records, ids, x,
                                   m, lmodel)
                print("score: fk-score logistic: %.1f s" % t)
            print("score: %d rows x %d checks, max |diff| %s; max relative "
                  "diff %.3g" % (len(records),
                                 c.row_checks // max(1, len(records)),
                                 ", ".join("%s %.3g" % kv for kv in sorted(
                                     c.maxdiff.items()) if kv[0] != "rel"),
                                 c.maxdiff.get("rel", 0.0)))
    print("score: %d passed, %d failed (%.1f s)"
          % (c.passed, c.failed, time.monotonic() - t0))
    sys.exit(1 if c.failed else 0)


if __name__ == "__main__":
    main()
