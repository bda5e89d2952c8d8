#!/usr/bin/python3
"""Golden values for the tokenizer tests (src/Preprocess/Tokenizers), from NumPy 1.24 / SciPy 1.10.

Writes tests/Neurodecode.Tests/Golden/tokenizers/tokenizers_golden.json:
  input       EEGMMIDB S001R04 channels C3, Cz, C4, samples 4800 .. 5199 (30 s in) as read by
              mne.io.read_raw_edf, in volts, rounded to float32 as preprocess writes X; cut into
              two 200-sample patches per channel (6 patches, channel-major)
  magnitude   per patch |rfft(x, norm='forward')| (101 bins): CBraMod's spectral branch
  periodogram for the first two patches and each taper, scipy.signal.periodogram(x, fs=160, window, detrend='constant',
              scaling='density') (the one-sided PSD in V^2/Hz)
  band_power  per patch and taper, sum of that PSD times df over bins f_k = k*fs/n with
              l_freq <= f_k < h_freq, for the default bands
  lpc         order 16 on each mean-removed patch: biased autocorrelation r, the predictor
              a = solve_toeplitz(r[:p], r[1:p+1]) (x[t] ~ sum a_k x[t-k]), the reflection
              (partial autocorrelation) coefficients k_m = last coefficient of the order-m
              solve_toeplitz solution (independent of Levinson-Durbin), and the prediction-error
              variance r[0] - a.r[1:p+1]
Numbers are written with 12 significant digits; the tests' tolerances are far above that.

Usage (Debian's interpreter; apt-get install python3-mne python3-scipy):
  /usr/bin/python3 tools/make_tokenizer_golden.py
"""
import json
import os

import mne
import numpy as np
import scipy
from scipy.linalg import solve_toeplitz
from scipy.signal import periodogram

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EDF = os.path.normpath(os.path.join(ROOT, '..', 'shared', 'datasets', 'eegmmidb', 'S001', 'S001R04.edf'))
OUT = os.path.join(ROOT, 'tests', 'Neurodecode.Tests', 'Golden', 'tokenizers', 'tokenizers_golden.json')
PICKS = ['C3..', 'Cz..', 'C4..']
START, PATCH_LEN, N_PATCHES, ORDER = 4800, 200, 2, 16
BANDS = [('delta', 0.5, 4), ('theta', 4, 8), ('alpha', 8, 13), ('beta', 13, 30), ('gamma', 30, 45)]


def g12(values):
    return [float('%.12g' % v) for v in np.ravel(values)]


def main():
    raw = mne.io.read_raw_edf(EDF, preload=True, verbose='error')
    sfreq = raw.info['sfreq']
    data = raw.get_data(picks=PICKS, start=START, stop=START + N_PATCHES * PATCH_LEN)
    x32 = data.astype(np.float32)
    patches = x32.astype(np.float64).reshape(len(PICKS) * N_PATCHES, PATCH_LEN)
    n = PATCH_LEN
    freqs = np.arange(n // 2 + 1) * sfreq / n

    magnitude = [g12(np.abs(np.fft.rfft(p, norm='forward'))) for p in patches]
    pxx = {w: [periodogram(p, fs=sfreq, window=w, detrend='constant', scaling='density')[1] for p in patches]
           for w in ('hann', 'boxcar')}
    band_power = {w: [g12([ps[(freqs >= lo) & (freqs < hi)].sum() * sfreq / n for _, lo, hi in BANDS]) for ps in pxx[w]]
                  for w in pxx}

    lpc = []
    for p in patches:
        x = p - p.mean()
        r = np.correlate(x, x, mode='full')[n - 1:n + ORDER] / n
        a = solve_toeplitz(r[:ORDER], r[1:ORDER + 1])
        refl = [solve_toeplitz(r[:m], r[1:m + 1])[-1] for m in range(1, ORDER + 1)]
        lpc.append({'r': g12(r), 'a': g12(a), 'reflection': g12(refl), 'error_variance': g12([r[0] - a @ r[1:]])[0]})

    doc = {
        'source': 'tools/make_tokenizer_golden.py',
        'versions': {'mne': mne.__version__, 'numpy': np.__version__, 'scipy': scipy.__version__},
        'input': {
            'file': 'eegmmidb/S001/S001R04.edf', 'channels': PICKS, 'start': START, 'sfreq': sfreq,
            'patch_len': PATCH_LEN, 'n_patches': N_PATCHES, 'unit': 'V',
            # shortest float32 decimal: parse as float32 to get the exact input back
            'values': [[float(repr(np.float32(v))) for v in ch] for ch in x32],
        },
        'bands': [{'name': nm, 'l_freq': lo, 'h_freq': hi} for nm, lo, hi in BANDS],
        'magnitude': magnitude,
        'periodogram': {w: [g12(ps) for ps in pxx[w][:2]] for w in pxx},
        'band_power': band_power,
        'lpc_order': ORDER,
        'lpc': lpc,
    }
    with open(OUT, 'w') as f:
        json.dump(doc, f, separators=(',', ':'))
        f.write('\n')
    print(f'wrote {OUT} ({os.path.getsize(OUT)} bytes)')


if __name__ == '__main__':
    main()
