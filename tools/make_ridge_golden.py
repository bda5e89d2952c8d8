#!/usr/bin/python3
"""Golden values for the ridge baseline (src/Models/Baselines/RidgeCv.cs, RidgeAligner.cs), from scikit-learn 1.2.

Data (real, read by MNE 1.3): EEGMMIDB S001R04, 8 EEG channels in uV, 20-sample windows (125 ms) starting at the
30 annotation onsets and 2 s after the first 10 (40 windows), flattened to 160 features and rounded to float32 (the C# side takes float32 windows).
Targets: 6 columns = the standardized windows times a fixed random matrix (numpy seed 0) plus noise, so the
regression has something to find and cross-validation a clear optimum.

Writes tests/Neurodecode.Tests/Golden/ridge/ridge.json:
  x (40 x 160), y (40 x 6), alphas (numpy logspace(-2, 6, 17))
  ridge_alpha10     Ridge(alpha=10) on the raw features: coef (6 x 160), intercept
  ridgecv_raw       RidgeCV(alphas) on the raw features: alpha_, best_score_, coef, intercept
  ridgecv_std       make_pipeline(StandardScaler(), RidgeCV(alphas)): scaler mean_/scale_, alpha_, best_score_,
                    coef (on standardized features), intercept
Floats are Python reprs (shortest round-trip).

Usage: /usr/bin/python3 tools/make_ridge_golden.py
"""
import json
import os

import mne
import numpy as np
import sklearn
from sklearn.linear_model import Ridge, RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'tests', 'Neurodecode.Tests', 'Golden', 'ridge')
EDF = os.path.join(ROOT, '..', 'shared', 'datasets', 'eegmmidb', 'S001', 'S001R04.edf')


def rows(a):
    return [[float(v) for v in r] for r in np.atleast_2d(a)]


def main():
    raw = mne.io.read_raw_edf(EDF, preload=True, verbose='error')
    data = raw.get_data(picks=raw.ch_names[:8]) * 1e6
    cues = np.round(raw.annotations.onset * raw.info['sfreq']).astype(int)
    onsets = np.concatenate([cues, cues + 320])[:40]   # the 30 cues, then 2 s after the first 10
    x = np.stack([data[:, s:s + 20].ravel() for s in onsets]).astype(np.float32).astype(np.float64)
    rng = np.random.RandomState(0)
    xs = (x - x.mean(0)) / x.std(0)
    y = xs @ rng.randn(160, 6) / np.sqrt(160) + 0.5 * rng.randn(40, 6)
    alphas = np.logspace(-2, 6, 17)

    r10 = Ridge(alpha=10.0).fit(x, y)
    cv_raw = RidgeCV(alphas=alphas).fit(x, y)
    pipe = make_pipeline(StandardScaler(), RidgeCV(alphas=alphas)).fit(x, y)
    scaler, cv_std = pipe.steps[0][1], pipe.steps[1][1]
    out = {
        'source': 'EEGMMIDB S001R04 via MNE %s, sklearn %s, numpy %s' % (mne.__version__, sklearn.__version__, np.__version__),
        'x': rows(x), 'y': rows(y), 'alphas': [float(a) for a in alphas],
        'ridge_alpha10': {'coef': rows(r10.coef_), 'intercept': [float(v) for v in r10.intercept_]},
        'ridgecv_raw': {'alpha': float(cv_raw.alpha_), 'best_score': float(cv_raw.best_score_),
                        'coef': rows(cv_raw.coef_), 'intercept': [float(v) for v in cv_raw.intercept_]},
        'ridgecv_std': {'mean': [float(v) for v in scaler.mean_], 'scale': [float(v) for v in scaler.scale_],
                        'alpha': float(cv_std.alpha_), 'best_score': float(cv_std.best_score_),
                        'coef': rows(cv_std.coef_), 'intercept': [float(v) for v in cv_std.intercept_],
                        'predict_first5': rows(pipe.predict(x[:5]))},
    }
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, 'ridge.json'), 'w') as f:
        json.dump(out, f)
    print('alpha raw %g (score %g), std %g (score %g)' % (cv_raw.alpha_, cv_raw.best_score_, cv_std.alpha_, cv_std.best_score_))


if __name__ == '__main__':
    main()
