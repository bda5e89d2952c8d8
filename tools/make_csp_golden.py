#!/usr/bin/python3
"""Golden values for CSP + LDA (src/Models/Baselines), MOABB's "CSP + LDA" and "DLCSPauto + shLDA" pipelines.

The reference chain is pyRiemann Covariances(estimator='oas') -> pyRiemann CSP(nfilter=6, metric='euclid', log=True)
-> scikit-learn LinearDiscriminantAnalysis(solver='svd'), or (solver='lsqr', shrinkage='auto'). pyRiemann is not
packaged for Debian 12, so its three pieces are re-implemented below following pyriemann/utils/covariance.py
(covariances: sklearn.covariance.oas on each trial's (n_times, n_channels) data), pyriemann/spatialfilters.py (CSP.fit
and BilinearFilter.transform) and pyriemann/utils/ajd.py (ajd_pham, as CSP calls it through ajd(): eps 1e-6,
n_iter_max 100); OAS and LDA are scikit-learn's own.

Writes tests/Neurodecode.Tests/Golden/csp_lda/:
  synthetic.json  inputs built from an integer LCG the C# test reproduces bit for bit (no stored signal), float32 as
                  the model reads windows: a 2-class and a 3-class set, each with train and test trials. For each:
                  OAS covariance and shrinkage of trial 0, shrinkage of every train trial, CSP eigenvalues (2 classes)
                  or mutual-information scores (3 classes) in pyRiemann's order, log-variance features of every train
                  and test trial, LDA (svd, and lsqr + 'auto') coef/intercept and predict_proba on the test trials.
  eegmmidb_S001.json  real windows: EEGMMIDB S001 read by mne.io.read_raw_edf, as datasets/pipelines/moabb-mi-8-32.json
                  (MOABB: raw.filter(8, 32, method='iir', picks='eeg'), Epochs(tmin=0, tmax=3, baseline=None,
                  proj=False), data in uV), rounded to float32 as the preprocess pipeline writes X.
                  "lr": left vs right fist, train runs 4 + 8, test run 12. "mi4": the four classes, train runs 4, 6, 8,
                  10, test runs 12, 14. Stored: OAS covariance of train trial 0 (full), shrinkage and trace of every
                  train trial, CSP eigenvalues / MI scores, features, LDA coefs and test predict_proba, test accuracy.
Numbers are written with 15 significant digits.

Usage (Debian's interpreter; apt-get install python3-mne python3-scipy python3-sklearn):
  /usr/bin/python3 tools/make_csp_golden.py
"""
import json
import os
import re

import mne
import numpy as np
import scipy
import scipy.linalg
import sklearn
from sklearn.covariance import oas
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.normpath(os.path.join(ROOT, '..', 'shared', 'datasets', 'eegmmidb'))
OUT = os.path.join(ROOT, 'tests', 'Neurodecode.Tests', 'Golden', 'csp_lda')
N_FILTERS = 6


def dump(obj, path):
    """JSON with one line per number list (rows of matrices stay on their own lines)."""
    text = json.dumps(obj, indent=1)
    text = re.sub(r'\[\s*(-?[0-9][^\[\]{}]*?)\s*\]', lambda m: '[' + re.sub(r'\s+', ' ', m.group(1)) + ']', text)
    with open(path, 'w') as f:
        f.write(text + '\n')


def g15(values):
    return [float('%.15g' % v) for v in np.ravel(values)]


# ---------------------------------------------------------------- pyRiemann, re-implemented

def covariances_oas(X):
    """pyriemann.utils.covariance.covariances(X, estimator='oas'): sklearn's oas on each trial's (times, channels)."""
    covs, shrink = [], []
    for x in X:
        c, s = oas(x.T)
        covs.append(c)
        shrink.append(s)
    return np.array(covs), np.array(shrink)


def ajd_pham(X, eps=1e-6, n_iter_max=100):
    """pyriemann.utils.ajd.ajd_pham with uniform weights (real symmetric positive definite input)."""
    n_matrices, _, _ = X.shape
    A = np.concatenate(X, axis=0).T
    n, nmn = A.shape
    V = np.eye(n)
    epsilon = n * (n - 1) * eps
    w = np.full(n_matrices, 1.0 / n_matrices)
    converged = False
    for _ in range(n_iter_max):
        decr = 0
        for ii in range(1, n):
            for jj in range(ii):
                Ii = np.arange(ii, nmn, n)
                Ij = np.arange(jj, nmn, n)
                c1 = A[ii, Ii]
                c2 = A[jj, Ij]
                g12 = np.average(A[ii, Ij] / c1, weights=w)
                g21 = np.average(A[ii, Ij] / c2, weights=w)
                omega21 = np.average(c1 / c2, weights=w)
                omega12 = np.average(c2 / c1, weights=w)
                omega = np.sqrt(omega12 * omega21)
                tmp = np.sqrt(omega21 / omega12)
                tmp1 = (tmp * g12 + g21) / (omega + 1)
                tmp2 = (tmp * g12 - g21) / max(omega - 1, 1e-9)
                h12 = tmp1 + tmp2
                h21 = np.conj((tmp1 - tmp2) / tmp)
                decr += n_matrices * (g12 * np.conj(h12) + g21 * h21) / 2.0
                tmp = 1 + 0.5j * np.imag(h12 * h21)
                tmp = np.real(tmp + np.sqrt(tmp ** 2 - h12 * h21))
                tau = np.array([[1, -h12 / tmp], [-h21 / tmp, 1]])
                A[[ii, jj], :] = tau @ A[[ii, jj], :]
                tmp = np.c_[A[:, Ii], A[:, Ij]]
                tmp = np.reshape(tmp, (n * n_matrices, 2), order='F')
                tmp = tmp @ tau.T
                tmp = np.reshape(tmp, (n, n_matrices * 2), order='F')
                A[:, Ii] = tmp[:, :n_matrices]
                A[:, Ij] = tmp[:, n_matrices:]
                V[[ii, jj], :] = tau @ V[[ii, jj], :]
        if decr < epsilon:
            converged = True
            break
    return V, converged


def csp_fit(covs, y, nfilter):
    """pyriemann.spatialfilters.CSP(nfilter, metric='euclid').fit: returns filters (nfilter, C) and the sort keys."""
    classes = np.unique(y)
    C = np.array([covs[y == c].mean(axis=0) for c in classes])  # mean_covariance(metric='euclid')
    if len(classes) == 2:
        evals, evecs = scipy.linalg.eigh(C[1], C[0] + C[1])
        ix = np.argsort(np.abs(evals - 0.5))[::-1]
        keys = evals[ix]
        info = {}
    else:
        V, converged = ajd_pham(C)
        Ctot = C.mean(axis=0)
        evecs = V.T
        for i in range(evecs.shape[1]):
            evecs[:, i] /= np.sqrt(evecs[:, i].T @ Ctot @ evecs[:, i])
        Pc = [np.mean(y == c) for c in classes]
        mutual_info = []
        for j in range(evecs.shape[1]):
            a = b = 0
            for i in range(len(classes)):
                tmp = evecs[:, j].T @ C[i] @ evecs[:, j]
                a += Pc[i] * np.log(np.sqrt(tmp))
                b += Pc[i] * (tmp ** 2 - 1)
            mutual_info.append(-(a + (3.0 / 16) * (b ** 2)))
        ix = np.argsort(mutual_info)[::-1]
        keys = np.array(mutual_info)[ix]
        info = {'ajd_converged': bool(converged)}
    evecs = evecs[:, ix]
    return evecs[:, :nfilter].T, keys, info


def csp_transform(filters, covs):
    """BilinearFilter.transform with log=True: log of the diagonal of W C W^T."""
    return np.array([np.log(np.diag(filters @ c @ filters.T)) for c in covs])


# ---------------------------------------------------------------- one CSP + LDA run

def run(x_train, y_train, x_test, y_test, full_cov_trials):
    covs, shrink = covariances_oas(x_train.astype(np.float64))
    covs_test, _ = covariances_oas(x_test.astype(np.float64))
    filters, keys, info = csp_fit(covs, y_train, N_FILTERS)
    f_train = csp_transform(filters, covs)
    f_test = csp_transform(filters, covs_test)
    out = {
        'n_train': int(len(y_train)), 'n_test': int(len(y_test)),
        'y_train': [int(v) for v in y_train], 'y_test': [int(v) for v in y_test],
        'cov': {str(i): [g15(r) for r in covs[i]] for i in full_cov_trials},
        'cov_shrinkage': g15(shrink), 'cov_trace': g15(np.trace(covs, axis1=1, axis2=2)),
        'csp_keys': g15(keys), 'features_train': [g15(r) for r in f_train], 'features_test': [g15(r) for r in f_test],
        **info,
    }
    for name, lda in (('svd', LinearDiscriminantAnalysis(solver='svd')),
                      ('lsqr_auto', LinearDiscriminantAnalysis(solver='lsqr', shrinkage='auto'))):
        lda.fit(f_train, y_train)
        proba = lda.predict_proba(f_test)
        out['lda_' + name] = {
            'coef': [g15(r) for r in lda.coef_], 'intercept': g15(lda.intercept_),
            'means': [g15(r) for r in lda.means_], 'priors': g15(lda.priors_),
            'proba_test': [g15(r) for r in proba],
            'accuracy': float(np.mean(lda.predict(f_test) == y_test)),
        }
    return out


# ---------------------------------------------------------------- synthetic inputs (reproduced in C#)

MASK = (1 << 64) - 1


def lcg(seed, n):
    """Uniform numbers in [-0.5, 0.5) from a 64-bit LCG (Knuth's MMIX constants), top 53 bits."""
    out = np.empty(n)
    state = seed & MASK
    for i in range(n):
        state = (state * 6364136223846793005 + 1442695040888963407) & MASK
        out[i] = (state >> 11) / 9007199254740992.0 - 0.5
    return out


def synthetic(n_classes, n_per_class, n_chans, n_times, first_seed):
    """Trials x = M (s * g_k): sources s from the LCG, source k (and k + n_classes) amplified 3x for class k,
    mixed by M = I + 0.3 * LCG(7); rounded to float32. Trial i has class i % n_classes and seed first_seed + i."""
    mix = np.eye(n_chans) + 0.3 * lcg(7, n_chans * n_chans).reshape(n_chans, n_chans)
    xs, ys = [], []
    for i in range(n_classes * n_per_class):
        k = i % n_classes
        s = lcg(first_seed + i, n_chans * n_times).reshape(n_chans, n_times)
        gain = np.ones(n_chans)
        gain[k] = 3.0
        if k + n_classes < n_chans:
            gain[k + n_classes] = 3.0
        x = np.zeros((n_chans, n_times))
        for c in range(n_chans):  # plain sums in channel order, as the C# test computes them
            for j in range(n_chans):
                x[c] += mix[c, j] * (gain[j] * s[j])
        xs.append(x.astype(np.float32))
        ys.append(k)
    return np.array(xs), np.array(ys)


# ---------------------------------------------------------------- real windows as moabb-mi-8-32.json

def mne_windows(subject, runs):
    xs, ys = [], []
    for run_id in runs:
        path = os.path.join(DATA, 'S%03d' % subject, 'S%03dR%02d.edf' % (subject, run_id))
        raw = mne.io.read_raw_edf(path, preload=True, verbose='error')
        raw.pick('eeg')
        raw.filter(8, 32, method='iir', picks='eeg', verbose='error')
        first = 0 if run_id in (4, 8, 12) else 2
        events, _ = mne.events_from_annotations(raw, event_id={'T1': first + 1, 'T2': first + 2}, verbose='error')
        epochs = mne.Epochs(raw, events, tmin=0.0, tmax=3.0, baseline=None, proj=False, preload=True, verbose='error')
        xs.append((epochs.get_data() * 1e6).astype(np.float32))
        ys.append(epochs.events[:, 2] - 1)
    return np.concatenate(xs), np.concatenate(ys)


def main():
    os.makedirs(OUT, exist_ok=True)
    versions = {'numpy': np.__version__, 'scipy': scipy.__version__, 'sklearn': sklearn.__version__, 'mne': mne.__version__}

    syn = {'versions': versions, 'lcg': 'state = state * 6364136223846793005 + 1442695040888963407 (mod 2^64); u = (state >> 11) / 2^53 - 0.5'}
    for name, k, per, nch, nt, seed_train, seed_test in (('two_class', 2, 12, 8, 100, 1000, 5000),
                                                           ('three_class', 3, 10, 8, 100, 2000, 6000)):
        x_tr, y_tr = synthetic(k, per, nch, nt, seed_train)
        x_te, y_te = synthetic(k, 4, nch, nt, seed_test)
        syn[name] = {'n_classes': k, 'n_per_class': per, 'n_chans': nch, 'n_times': nt,
                     'seed_train': seed_train, 'seed_test': seed_test, 'n_per_class_test': 4,
                     **run(x_tr, y_tr, x_te, y_te, (0,))}
    dump(syn, os.path.join(OUT, 'synthetic.json'))

    real = {'versions': versions, 'spec': 'datasets/pipelines/moabb-mi-8-32.json',
            'mne_calls': "read_raw_edf; pick('eeg'); filter(8, 32, method='iir', picks='eeg'); "
                         "Epochs(tmin=0, tmax=3, baseline=None, proj=False); get_data() * 1e6 -> float32"}
    for name, train_runs, test_runs in (('lr', (4, 8), (12,)), ('mi4', (4, 6, 8, 10), (12, 14))):
        x_tr, y_tr = mne_windows(1, train_runs)
        x_te, y_te = mne_windows(1, test_runs)
        real[name] = {'subject': 1, 'train_runs': list(train_runs), 'test_runs': list(test_runs),
                      'shape_train': list(x_tr.shape),
                      **run(x_tr, y_tr, x_te, y_te, (0,) if name == 'lr' else ())}
        print(name, 'train', x_tr.shape, 'test', x_te.shape,
              'accuracy svd %.3f lsqr_auto %.3f' % (real[name]['lda_svd']['accuracy'], real[name]['lda_lsqr_auto']['accuracy']))
    dump(real, os.path.join(OUT, 'eegmmidb_S001.json'))


if __name__ == '__main__':
    main()
