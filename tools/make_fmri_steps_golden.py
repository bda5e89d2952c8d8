#!/usr/bin/python3
"""Golden fixtures for the fMRI preprocess steps (detrend, high_pass, zscore ddof=1, psc, global_signal_regression).

nilearn is not packaged for Debian 12; each operation below is nilearn 0.10's definition (nilearn/signal.py and
nilearn/glm/first_level/design_matrix.py::create_cosine_drift) written out with numpy/scipy, or scipy itself:

  detrend_1                    scipy.signal.detrend(x, axis=0, type="linear")  (= nilearn _detrend)
  detrend_0, detrend_2/3       residual of np.linalg.lstsq on the Vandermonde matrix of np.arange(n)
  zscore_sample                nilearn standardize_signal(standardize="zscore_sample")
  psc                          nilearn standardize_signal(standardize="psc")
  high_pass_cosine             nilearn clean(detrend=False, standardize=False, filter="cosine", high_pass=f, t_r=TR)
  high_pass_butterworth        nilearn butterworth(high_pass=f, order=5, padtype="odd", padlen=None):
                               scipy.signal.butter(5, f, "high", output="ba", fs=1/TR) + filtfilt
  high_pass_butterworth_sos    the same filter as second-order sections: scipy.signal.sosfiltfilt(padtype="odd", padlen=18),
                               which is what the C# step computes (ba and sos differ by ~1e-7 relative on raw BOLD means:
                               the ba polynomial of an order-5 high-pass at Wn = 0.05 rounds visibly)
  global_signal_regression     nilearn clean(confounds=mean over ROIs, detrend=False, standardize=False, filter=False)

Inputs (time x ROI in nilearn's orientation; fixtures are stored ROI x time, float64):
  abide   the first 20 ROIs of ../shared/datasets/abide/rois_cc200/OHSU_0050143_rois_cc200.1D (TR 2.5 s)
  haxby   Golden/parcellation/haxby_run001_hoc.npy (21 ROIs x 121 volumes, TR 2.5 s)

Writes tests/Neurodecode.Tests/Golden/fmri_steps/<input>__<op>.npy and cases.json.
Usage: /usr/bin/python3 tools/make_fmri_steps_golden.py  (after tools/make_parcellation_golden.py)
"""
import json
import os

import numpy as np
from scipy import linalg, signal as sp_signal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), 'shared', 'datasets')
GOLDEN = os.path.join(ROOT, 'tests', 'Neurodecode.Tests', 'Golden')
OUT = os.path.join(GOLDEN, 'fmri_steps')
EPS = np.finfo(np.float64).eps
TR = 2.5
HIGH_PASS = 0.01


def standardize_confounds(c):
    """nilearn standardize_signal(confounds, standardize=True, detrend=False): zscore with population std."""
    c = c - c.mean(axis=0)
    std = c.std(axis=0)
    std[std < EPS] = 1.0
    return c / std


def remove_confounds(signals, confounds):
    """nilearn clean's confound removal."""
    confounds = standardize_confounds(confounds)
    Q, R, _ = linalg.qr(confounds, mode='economic', pivoting=True)
    Q = Q[:, np.abs(np.diag(R)) > EPS * 100.0]
    return signals - Q.dot(Q.T).dot(signals)


def create_cosine_drift(high_pass, frame_times):
    n_frames = len(frame_times)
    n_times = np.arange(n_frames)
    dt = (frame_times[-1] - frame_times[0]) / (n_frames - 1)
    order = np.minimum(n_frames - 1, int(np.floor(2 * n_frames * high_pass * dt)))
    drift = np.zeros((n_frames, order + 1))
    normalizer = np.sqrt(2.0 / n_frames)
    for k in range(1, order + 1):
        drift[:, k - 1] = normalizer * np.cos((np.pi / n_frames) * (n_times + 0.5) * k)
    drift[:, -1] = 1.0
    return drift


def polynomial_detrend(x, order):
    t = np.arange(x.shape[0], dtype=float)
    V = np.vander(t, order + 1, increasing=True)
    beta = np.linalg.lstsq(V, x, rcond=None)[0]
    return x - V @ beta


def zscore_sample(x):
    x = x - x.mean(axis=0)
    std = x.std(axis=0, ddof=1)
    std[std < EPS] = 1.0
    return x / std


def psc(x):
    mean = x.mean(axis=0)
    invalid = np.abs(mean) < EPS
    out = (x - mean) / np.abs(mean) * 100
    out[:, invalid] = 0
    return out


def butterworth_high_pass(x, fs):
    b, a = sp_signal.butter(5, HIGH_PASS, btype='high', output='ba', fs=fs)
    return np.column_stack([sp_signal.filtfilt(b, a, x[:, j], padtype='odd', padlen=None) for j in range(x.shape[1])])


def butterworth_high_pass_sos(x, fs):
    sos = sp_signal.butter(5, HIGH_PASS, btype='high', output='sos', fs=fs)
    return sp_signal.sosfiltfilt(sos, x, axis=0, padtype='odd', padlen=3 * (5 + 1))


def operations(x):
    n = x.shape[0]
    frame_times = np.arange(n) * TR
    cosines = create_cosine_drift(HIGH_PASS, frame_times)[:, :-1]
    return {
        'detrend_0': polynomial_detrend(x, 0),
        'detrend_1': sp_signal.detrend(x, axis=0, type='linear'),
        'detrend_2': polynomial_detrend(x, 2),
        'detrend_3': polynomial_detrend(x, 3),
        'zscore_sample': zscore_sample(x),
        'psc': psc(x),
        'high_pass_cosine': remove_confounds(x, cosines),
        'high_pass_butterworth': butterworth_high_pass(x, 1.0 / TR),
        'high_pass_butterworth_sos': butterworth_high_pass_sos(x, 1.0 / TR),
        'global_signal_regression': remove_confounds(x, x.mean(axis=1, keepdims=True)),
    }, cosines.shape[1]


def main():
    os.makedirs(OUT, exist_ok=True)
    abide = np.loadtxt(os.path.join(SHARED, 'abide/rois_cc200/OHSU_0050143_rois_cc200.1D'), comments='#')[:, :20]
    haxby = np.load(os.path.join(GOLDEN, 'parcellation', 'haxby_run001_hoc.npy')).T
    cases = {'tr_s': TR, 'high_pass_hz': HIGH_PASS, 'inputs': {}}
    for name, x in [('abide', abide), ('haxby', haxby)]:
        ops, n_cosines = operations(x)
        cases['inputs'][name] = {'n_rois': x.shape[1], 'n_times': x.shape[0], 'n_cosines': n_cosines,
                                 'operations': sorted(ops)}
        for op, y in ops.items():
            np.save(os.path.join(OUT, f'{name}__{op}.npy'), np.ascontiguousarray(y.T))
        print(name, x.shape, 'cosines', n_cosines)
    with open(os.path.join(OUT, 'cases.json'), 'w') as f:
        json.dump(cases, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
