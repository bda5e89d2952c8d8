#!/usr/bin/python3
"""Golden values for the connectivity baseline (src/Models/Baselines/Connectivity).

The reference chain is nilearn's ConnectivityMeasure(kind='correlation' | 'partial correlation', vectorize=True,
discard_diagonal=True) with its default estimator sklearn LedoitWolf(store_precision=False) (or EmpiricalCovariance),
then np.arctanh (Fisher z), sklearn StandardScaler and LogisticRegression(C, solver='lbfgs'). nilearn is not packaged
for Debian 12, so its few lines are re-implemented below following nilearn/connectome/connectivity_matrices.py:
'correlation' fits the estimator on the z-scored series (signal.standardize_signal: mean removed, std < eps left at 1)
and applies cov_to_corr; 'partial correlation' fits it on the raw series and applies prec_to_partial(inv(cov));
sym_matrix_to_vec(discard_diagonal=True) keeps the strict lower triangle row by row (np.tril(k=-1) mask).

Inputs are real ABIDE CC200 series from ../shared/datasets/abide (first 78 volumes, so OHSU fits; first 20 regions),
rounded to float32 as the preprocess pipeline hands windows to models.

Writes tests/Neurodecode.Tests/Golden/connectivity/abide_cc200.json:
  "matrices": six subjects: for each estimator (ledoit_wolf, empirical) and kind, the 20 x 20 matrix, and the Fisher-z
              vector of the LedoitWolf ones.
  "logistic": 24 subjects (8 per site of MAX_MUN, OHSU, UCLA_1): Fisher-z correlation vectors (LedoitWolf) ->
              StandardScaler -> LogisticRegression(C=1, tol 1e-12 (lbfgs) or 1e-8 (newton-cg), max_iter 10000); "binary/<solver>" on DX_GROUP
              (1 autism, 2 control), "ovr/<solver>" (multi_class='ovr') on SITE_ID: coef, intercept,
              decision_function, predict_proba. Solvers: 'lbfgs' (the default; SciPy's L-BFGS-B stops on its own
              ftol, leaving a gradient near 1e-5 here) and 'newton-cg' (same objective, converged to tol 1e-8).
Numbers are written with 17 significant digits.

Usage (Debian's interpreter; apt-get install python3-scipy python3-sklearn):
  /usr/bin/python3 tools/make_connectivity_golden.py
"""
import csv
import json
import os

import numpy as np
import sklearn
from sklearn.covariance import EmpiricalCovariance, LedoitWolf
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ABIDE = os.path.join(ROOT, "..", "shared", "datasets", "abide")
OUT = os.path.join(ROOT, "tests", "Neurodecode.Tests", "Golden", "connectivity")
N_TIMES, N_ROIS = 78, 20


def subjects():
    with open(os.path.join(ABIDE, "subjects.tsv")) as f:
        return list(csv.DictReader(f, delimiter="\t"))


def series(row):
    x = np.loadtxt(os.path.join(ABIDE, row["file"]), comments="#")
    return x[:N_TIMES, :N_ROIS].astype(np.float32).astype(np.float64)  # (time, region)


def standardize(x):
    # nilearn signal.standardize_signal(detrend=False, standardize=True): z-score per column, std < eps left at 1.
    # Its ddof does not matter here: one common factor on every column cancels in cov_to_corr.
    x = x - x.mean(axis=0)
    std = x.std(axis=0)
    std[std < np.finfo(np.float64).eps] = 1.0
    return x / std


def cov_to_corr(cov):
    d = np.atleast_2d(1.0 / np.sqrt(np.diag(cov)))
    corr = cov * d * d.T
    np.fill_diagonal(corr, 1.0)
    return corr


def connectivity(x, kind, estimator):
    est = LedoitWolf(store_precision=False) if estimator == "ledoit_wolf" else EmpiricalCovariance(store_precision=False)
    if kind == "correlation":
        return cov_to_corr(est.fit(standardize(x)).covariance_)
    partial = -cov_to_corr(np.linalg.inv(est.fit(x).covariance_))
    np.fill_diagonal(partial, 1.0)
    return partial


def vectorize(m):
    return m[np.tril(np.ones(m.shape), k=-1).astype(bool)]


def fisher_z(x, kind="correlation"):
    return np.arctanh(vectorize(connectivity(x, kind, "ledoit_wolf")))


def fit(features, labels, multi_class, solver):
    scaler = StandardScaler().fit(features)
    z = scaler.transform(features)
    clf = LogisticRegression(C=1.0, solver=solver, tol=1e-12 if solver == "lbfgs" else 1e-8, max_iter=10000, multi_class=multi_class).fit(z, labels)
    return {
        "classes": [str(c) for c in clf.classes_],
        "labels": [str(v) for v in labels],
        "coef": clf.coef_.tolist(),
        "intercept": clf.intercept_.tolist(),
        "decision": np.atleast_2d(clf.decision_function(z).T).T.tolist(),
        "predict_proba": clf.predict_proba(z).tolist(),
        "n_iter": int(np.max(clf.n_iter_)),
    }


def main():
    rows = subjects()
    picked = [r for s in ("MAX_MUN", "OHSU", "UCLA_1") for r in [r for r in rows if r["SITE_ID"] == s][:2]]
    matrices = []
    for r in picked:
        x = series(r)
        entry = {"file": r["file"]}
        for estimator in ("ledoit_wolf", "empirical"):
            for kind in ("correlation", "partial correlation"):
                entry[f"{estimator}/{kind}"] = connectivity(x, kind, estimator).tolist()
        entry["fisher_z/correlation"] = fisher_z(x, "correlation").tolist()
        entry["fisher_z/partial correlation"] = fisher_z(x, "partial correlation").tolist()
        matrices.append(entry)

    group = [r for s in ("MAX_MUN", "OHSU", "UCLA_1") for r in [r for r in rows if r["SITE_ID"] == s][:8]]
    features = np.array([fisher_z(series(r)) for r in group])
    logistic = {
        "files": [r["file"] for r in group],
    }
    for solver in ("lbfgs", "newton-cg"):
        logistic[f"binary/{solver}"] = fit(features, np.array([r["DX_GROUP"] for r in group]), "auto", solver)
        logistic[f"ovr/{solver}"] = fit(features, np.array([r["SITE_ID"] for r in group]), "ovr", solver)
    os.makedirs(OUT, exist_ok=True)
    doc = {"sklearn": sklearn.__version__, "numpy": np.__version__, "n_times": N_TIMES, "n_rois": N_ROIS,
           "matrices": matrices, "logistic": logistic}
    with open(os.path.join(OUT, "abide_cc200.json"), "w") as f:
        f.write(json.dumps(doc, default=float, allow_nan=False).replace(", ", ","))
        f.write("\n")
    print("wrote", os.path.join(OUT, "abide_cc200.json"), "iterations:",
          {k: v["n_iter"] for k, v in logistic.items() if k != "files"})


if __name__ == "__main__":
    main()
