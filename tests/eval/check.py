"""fk-eval against scikit-learn and independent implementations.

usage: check.py FK_EVAL WORKDIR

Each case writes a file of scored records (random.Random with a fixed
seed: the same files on every host and Python), runs
"FK_EVAL --json --top ... --threshold ... --sweep ... FILE" and compares
every number to 1e-9.  Prints one line per failure and
"eval: N passed, M failed"; exits 1 on any failure.

Then fk-eval --metrics-file on the pipeline's output (fk-gen | fkcat-in
| fk-enrich | fk-score, the tools beside FK_EVAL): the gauges against
the text report, to the digits it prints, and promtool check metrics.
"""

import datetime
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    confusion_matrix,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)

TOL = 1e-9
DAY_MS = 86400000
T0_MS = 1731715200000  # 2024-11-16T00:00:00Z

# name, seed, records, base rate, decimals, days, users, options:
#   signal   how far positives' scores are pushed up (0: pure noise)
#   scale    scores are "unit" (0..1), "logit" (any sign) or "int" (0..10)
#   ts       "ms" (ts_ms), "rfc" (timestamp with offsets) or "epoch"
#   labels   "int", "bool" or "str"
#   uid      "str" or "int"
#   nouser   share of records without user_id (left out of daily)
CASES = [
    ("uniform-2dp", 1, 1000, 0.10, 2, 7, 50, {}),
    ("heavy-ties-1dp", 2, 5000, 0.02, 1, 30, 300, {"signal": 0.3}),
    ("balanced-3dp", 3, 200, 0.50, 3, 3, 10, {"signal": 0.1}),
    ("rare-4dp", 4, 20000, 0.005, 4, 60, 2000, {"signal": 0.4}),
    ("binary-scores", 5, 50, 0.30, 0, 1, 8, {}),
    ("int-scores-bool-labels", 6, 3000, 0.08, 0, 10, 400,
     {"scale": "int", "labels": "bool", "ts": "rfc", "uid": "int",
      "signal": 0.2}),
    ("logit-str-labels", 7, 4000, 0.15, 1, 14, 120,
     {"scale": "logit", "labels": "str", "ts": "epoch", "signal": 1.0,
      "nouser": 0.05}),
    ("few-users-many-days", 8, 2500, 0.2, 2, 90, 5, {"signal": 0.2}),
]
TOPS = [1, 7, 10, 100, 1000]
THRESHOLDS = [0.25, 0.5, 0.9]
SWEEP = (0.1, 0.95, 0.05)


def generate(name, seed, n, rate, dec, days, users, opt, path):
    """Write the records; return (score, label, day, user) tuples, day
    and user None where fk-eval must leave the record out of daily."""
    rnd = random.Random(seed)
    scale = opt.get("scale", "unit")
    signal = opt.get("signal", 0.0)
    rows = []
    with open(path, "w") as f:
        for i in range(n):
            y = 1 if rnd.random() < rate else 0
            if scale == "unit":
                s = min(1.0, max(0.0, rnd.random() + signal * y))
                s = round(s, dec)
            elif scale == "logit":
                s = round(rnd.gauss(2.0 * signal * y - 1.0, 1.5), dec)
            else:
                s = min(10, rnd.randrange(11) + round(10 * signal * y))
            day = rnd.randrange(days)
            ms = T0_MS + day * DAY_MS + rnd.randrange(DAY_MS)
            rec = {"tx_id": "%s-%d" % (name, i)}
            has_user = rnd.random() >= opt.get("nouser", 0.0)
            u = rnd.randrange(users)
            uid = u if opt.get("uid") == "int" else "u%d" % u
            if has_user:
                rec["user_id"] = uid
            ts = opt.get("ts", "ms")
            if ts == "ms":
                rec["ts_ms"] = ms
            elif ts == "epoch":
                rec["timestamp"] = ms // 1000
                ms = ms // 1000 * 1000
            else:
                off = rnd.choice([-11, -5, 0, 2, 9])
                tz = datetime.timezone(datetime.timedelta(hours=off))
                t = datetime.datetime.fromtimestamp(ms / 1000, tz)
                rec["timestamp"] = t.isoformat(timespec="milliseconds")
            rec["risk"] = {"score": s, "decision": "x"}
            lab = opt.get("labels", "int")
            rec["fraud"] = (bool(y) if lab == "bool"
                            else str(y) if lab == "str" else y)
            f.write(json.dumps(rec, separators=(",", ":")) + "\n")
            rows.append((float(s), y, ms // DAY_MS,
                         str(uid) if has_user else None))
    return rows


def patk(scores, labels, k):
    """Expected precision of the first min(k, n) over all orders of tied
    scores: the boundary score's group shares the places left."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(labels, dtype=float)
    m = min(k, len(s))
    t = np.sort(s)[::-1][m - 1]
    above = s > t
    tied = s == t
    left = m - above.sum()
    return (y[above].sum() + left * y[tied].sum() / tied.sum()) / m


def no_tie_at_boundary(scores, k):
    s = np.sort(np.asarray(scores, dtype=float))[::-1]
    return k >= len(s) or s[k - 1] != s[k]


def daily(rows, k):
    """Mean over days of precision@k of the day's records, and of card
    precision@k as the Fraud Detection Handbook computes it: per day,
    users not already detected, each with its highest score and its
    labels' maximum, ranked by that score (ties by user id, bytes), the
    frauds among the first k are detected; divided by k."""
    rows = [r for r in rows if r[2] is not None and r[3] is not None]
    days = sorted({r[2] for r in rows})
    detected = set()
    p, cp = [], []
    for d in days:
        day = [r for r in rows if r[2] == d]
        p.append(patk([r[0] for r in day], [r[1] for r in day], k))
        users = {}
        for s, y, _, u in day:
            if u in detected:
                continue
            best, fraud = users.get(u, (-math.inf, 0))
            users[u] = (max(best, s), max(fraud, y))
        ranked = sorted(users.items(),
                        key=lambda kv: (-kv[1][0], kv[0].encode()))
        found = [u for u, (_, fraud) in ranked[:k] if fraud]
        detected.update(found)
        cp.append(len(found) / k)
    return (sum(p) / len(p), sum(cp) / len(cp), len(days), len(rows))


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def num(self, case, what, got, want):
        ok = got is not None and abs(got - want) <= TOL
        self.count(ok, case, what, got, want)

    def eq(self, case, what, got, want):
        self.count(got == want, case, what, got, want)

    def count(self, ok, case, what, got, want):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL eval/%s: %s: got %r, want %r" % (case, what, got,
                                                         want))


def check_case(fk_eval, work, case, c):
    name, seed, n, rate, dec, days, users, opt = case
    path = "%s/%s.ndjson" % (work, name)
    rows = generate(name, seed, n, rate, dec, days, users, opt, path)
    cmd = [fk_eval, "--json", "--top", ",".join(map(str, TOPS)),
           "--threshold", ",".join(map(str, THRESHOLDS)),
           "--sweep", "%g:%g:%g" % SWEEP, path]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        c.count(False, name, "exit status", p.returncode,
                "0 (%s)" % p.stderr.strip())
        return
    r = json.loads(p.stdout)
    s = np.array([x[0] for x in rows])
    y = np.array([x[1] for x in rows])

    c.eq(name, "records", r["counts"]["records"], n)
    c.eq(name, "positives", r["counts"]["positives"], int(y.sum()))
    c.num(name, "base_rate", r["base_rate"], y.mean())
    c.num(name, "roc_auc", r["roc_auc"], roc_auc_score(y, s))
    c.num(name, "average_precision", r["average_precision"],
          average_precision_score(y, s))

    for k in TOPS:
        got = r["precision_at_k"][str(k)]
        c.num(name, "precision@%d" % k, got, patk(s, y, k))
        if no_tie_at_boundary(s, k):
            # Without a tie across the boundary any stable order of the
            # first k is the set of the k highest scores.
            top = np.zeros(len(s), dtype=bool)
            top[np.argsort(-s, kind="stable")[:min(k, len(s))]] = True
            c.num(name, "precision@%d (sklearn)" % k, got,
                  precision_score(y, top))
        want_p, want_cp, ndays, nrec = daily(rows, k)
        c.num(name, "daily precision@%d" % k,
              r["daily"]["precision_at_k"][str(k)], want_p)
        c.num(name, "card precision@%d" % k,
              r["daily"]["card_precision_at_k"][str(k)], want_cp)
    c.eq(name, "days", r["daily"]["days"], ndays)
    c.eq(name, "daily records", r["daily"]["records"], nrec)

    for t, got in zip(THRESHOLDS, r["thresholds"]):
        pred = s >= t
        tn, fp, fn, tp = confusion_matrix(y, pred, labels=[0, 1]).ravel()
        c.eq(name, "counts at %g" % t,
             (got["tp"], got["fp"], got["fn"], got["tn"]),
             (int(tp), int(fp), int(fn), int(tn)))
        if pred.any():
            c.num(name, "precision at %g" % t, got["precision"],
                  precision_score(y, pred))
        c.num(name, "recall at %g" % t, got["recall"],
              recall_score(y, pred))
        c.num(name, "f1 at %g" % t, got["f1"], f1_score(y, pred))

    frm, to, step = SWEEP
    want = [round(frm + i * step, 12)
            for i in range(int((to - frm) / step + 1e-9) + 1)]
    c.eq(name, "sweep thresholds", [x["threshold"] for x in r["sweep"]],
         want)
    c.eq(name, "sweep alerts", [x["alerts"] for x in r["sweep"]],
         [int((s >= t).sum()) for t in want])


SAMPLE = re.compile(r'^([a-z_]+)\{tool="fk-eval"(?:,([a-z]+)="([^"]*)")?\} '
                    r'(\S+)$')


def gauges(path):
    """{(name, label value or None): value} of the fk_eval_ samples."""
    out = {}
    with open(path) as f:
        for line in f:
            m = SAMPLE.match(line.rstrip("\n"))
            if m and m.group(1).startswith("fk_eval_"):
                out[(m.group(1), m.group(3))] = float(m.group(4))
    return out


def promtool(c, name, path):
    if shutil.which("promtool") is None:
        print("eval/%s: promtool not installed, not checked" % name)
        return
    with open(path) as f:
        p = subprocess.run(["promtool", "check", "metrics"], stdin=f,
                           capture_output=True, text=True)
    c.count(p.returncode == 0, name, "promtool check metrics",
            p.returncode, "0")


def check_metrics_file(fk_eval, work, c):
    name = "metrics-file"
    bindir = os.path.dirname(fk_eval)
    root = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    scored = "%s/scored.ndjson" % work
    prom = "%s/fk-eval.prom" % work
    pipe = ("{b}/fk-gen --days 2 --seed 7 | {b}/fkcat-in | {b}/fk-enrich | "
            "{b}/fk-score -r {r}/examples/rules.conf > {o}").format(
                b=bindir, r=root, o=scored)
    p = subprocess.run(["bash", "-o", "pipefail", "-c", pipe],
                       capture_output=True, text=True)
    if p.returncode != 0:
        c.count(False, name, "pipeline", p.stderr.strip(), "exit 0")
        return
    thr = ["0.3", "0.5", "0.95"]
    tops = ["10", "100"]
    p = subprocess.run([fk_eval, "--threshold", ",".join(thr), "--top",
                        ",".join(tops), "--metrics-file", prom, scored],
                       capture_output=True, text=True)
    if p.returncode != 0:
        c.count(False, name, "exit status", p.returncode,
                "0 (%s)" % p.stderr.strip())
        return
    head = dict(re.findall(r"^(\S.*?)  +(\S+)$", p.stdout, re.M))
    rows = {}
    for line in p.stdout.splitlines():
        f = line.split()
        if len(f) == 9 and f[0] in thr:
            rows[f[0]] = f
        elif len(f) == 4 and f[0] in tops:
            rows["k" + f[0]] = f
    g = gauges(prom)

    def printed(key, dec=6):
        v = g.get(key)
        return None if v is None else "%.*f" % (dec, v)

    c.eq(name, "records", g.get(("fk_eval_records", None)),
         float(head["records"]))
    c.eq(name, "positives", g.get(("fk_eval_positives", None)),
         float(head["positives"]))
    c.eq(name, "roc_auc", printed(("fk_eval_roc_auc", None)),
         head["ROC AUC"])
    c.eq(name, "average_precision",
         printed(("fk_eval_average_precision", None)),
         head["average precision"])
    c.eq(name, "threshold rows", sorted(rows), sorted(thr + ["k10", "k100"]))
    for t in thr:
        if t not in rows:
            continue
        _, _, _, fp, fn, _, prec, rec, _ = rows[t]
        c.eq(name, "false_positives at " + t,
             g.get(("fk_eval_false_positives", t)), float(fp))
        c.eq(name, "false_negatives at " + t,
             g.get(("fk_eval_false_negatives", t)), float(fn))
        c.eq(name, "precision at " + t,
             printed(("fk_eval_precision", t)) or "-", prec)
        c.eq(name, "recall at " + t, printed(("fk_eval_recall", t)), rec)
    for k in tops:
        if "k" + k in rows:
            c.eq(name, "precision_at_k " + k,
                 printed(("fk_eval_precision_at_k", k)), rows["k" + k][1])
    promtool(c, name, prom)

    # No positives: ROC AUC, average precision and recall undefined, and
    # left out rather than written as NaN.
    neg = "%s/negatives.ndjson" % work
    with open(neg, "w") as f:
        f.write('{"risk":{"score":0.2},"fraud":0}\n'
                '{"risk":{"score":0.7},"fraud":0}\n')
    p = subprocess.run([fk_eval, "--metrics-file", prom, neg],
                       capture_output=True, text=True)
    g = gauges(prom)
    c.eq(name + "/no-positives", "exit status", p.returncode, 0)
    c.eq(name + "/no-positives", "undefined gauges",
         sorted(k[0] for k in g if k[0] in ("fk_eval_roc_auc",
                                            "fk_eval_average_precision",
                                            "fk_eval_recall")), [])
    c.eq(name + "/no-positives", "records", g.get(("fk_eval_records", None)),
         2.0)
    with open(prom) as f:
        c.eq(name + "/no-positives", "NaN in file", "NaN" in f.read(), False)
    promtool(c, name + "/no-positives", prom)

    # No usable label: fails as before, and exports no figures.
    with open(neg, "w") as f:
        f.write('{"risk":{"score":0.2}}\n')
    p = subprocess.run([fk_eval, "--metrics-file", prom, neg],
                       capture_output=True, text=True)
    c.eq(name + "/no-labels", "exit status", p.returncode, 65)
    c.eq(name + "/no-labels", "gauges", gauges(prom), {})


def main():
    fk_eval, work = sys.argv[1], sys.argv[2]
    c = Checker()
    for case in CASES:
        check_case(fk_eval, work, case, c)
    check_metrics_file(fk_eval, work, c)
    print("eval: %d passed, %d failed" % (c.passed, c.failed))
    sys.exit(1 if c.failed else 0)


if __name__ == "__main__":
    main()
