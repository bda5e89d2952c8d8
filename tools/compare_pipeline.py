#!/usr/bin/python3
"""Compare `neurodecode preprocess` with MNE 1.3 on EEGMMIDB imagery runs, window by window.

Runs the project's CLI with datasets/pipelines/cbramod-physionet-mi.json and
../shared/tools/mne_reference.py's reference pipeline on the same files, then
prints, per file, the number of windows, whether labels agree, and the largest
relative RMS difference of a window (|X_ours - X_mne| RMS / X_mne RMS). The issue's
bar is 1e-4.

  /usr/bin/python3 tools/compare_pipeline.py [EDF ...]   # default: every imagery run in ../shared/datasets/eegmmidb
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.normpath(os.path.join(ROOT, '..', 'shared'))
SPEC = os.path.join(ROOT, 'datasets', 'pipelines', 'cbramod-physionet-mi.json')


def main(files):
    if not files:
        files = sorted(f for f in glob.glob(os.path.join(SHARED, 'datasets', 'eegmmidb', 'S*', '*.edf'))
                       if re.search(r'R(04|06|08|10|12|14)\.edf$', f))
    with tempfile.TemporaryDirectory() as tmp:
        ours = os.path.join(tmp, 'ours')
        subprocess.run(['dotnet', 'run', '--project', os.path.join(ROOT, 'src', 'Pipeline.Worker'), '-c', 'Release', '--',
                        'preprocess', '--pipeline', SPEC, '--out', ours, *files], check=True)
        mne_out = os.path.join(tmp, 'mne.npz')
        subprocess.run(['/usr/bin/python3', os.path.join(SHARED, 'tools', 'mne_reference.py'), 'pipeline',
                        'cbramod-physionet-mi', *files, '--out', mne_out], check=True, stdout=subprocess.DEVNULL)
        x, y = np.load(os.path.join(ours, 'X.npy')), np.load(os.path.join(ours, 'y.npy'))
        ref = np.load(mne_out)
        if x.shape != ref['X'].shape:
            sys.exit(f'shapes differ: ours {x.shape}, MNE {ref["X"].shape}')
        d = x.astype(np.float64) - ref['X']
        rel = np.sqrt((d ** 2).mean(axis=(1, 2))) / np.sqrt((ref['X'].astype(np.float64) ** 2).mean(axis=(1, 2)))
        print(f'{len(files)} files, {x.shape[0]} windows {x.shape[1:]}; labels equal: {bool((y == ref["y"]).all())}; '
              f'windows bit-identical: {int((d == 0).all(axis=(1, 2)).sum())}; '
              f'relative RMS difference max {rel.max():.3g}, median {np.median(rel):.3g} (bar 1e-4)')
        if rel.max() > 1e-4 or not (y == ref['y']).all():
            sys.exit(1)


if __name__ == '__main__':
    main(sys.argv[1:])
