#!/usr/bin/python3
"""Golden windows of the CBraMod PhysioNet-MI pipeline from MNE 1.3.

Runs ../shared/tools/mne_reference.py's reference pipeline (guide section 8) on a
few EEGMMIDB runs and writes tests/Neurodecode.Tests/Golden/pipelines/
cbramod-physionet-mi.json: per window its label, root-mean-square and the values of
every channel at 9 evenly spaced samples. Tests compare the preprocess verb's X.npy
with it to 1e-4 of each window's RMS (the issue's tolerance).

  /usr/bin/python3 tools/make_pipeline_golden.py
"""
import importlib.util
import json
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATASETS = os.path.normpath(os.path.join(ROOT, '..', 'shared', 'datasets'))
FILES = ['eegmmidb/S001/S001R04.edf', 'eegmmidb/S001/S001R06.edf']
OUT = os.path.join(ROOT, 'tests', 'Neurodecode.Tests', 'Golden', 'pipelines', 'cbramod-physionet-mi.json')

spec = importlib.util.spec_from_file_location(
    'mne_reference', os.path.join(ROOT, '..', 'shared', 'tools', 'mne_reference.py'))
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)


def main():
    import mne
    mne.set_log_level('ERROR')
    timings = dict.fromkeys(['read', 'reference', 'highpass', 'notch', 'resample', 'epoch'], 0.0)
    windows = []
    for rel in FILES:
        x, y, subject, run, ch_names = ref.run_mi_file(os.path.join(DATASETS, rel), timings)
        idx = np.round(np.linspace(0, x.shape[2] - 1, 9)).astype(int)
        for w in range(x.shape[0]):
            xw = x[w].astype(np.float64)
            windows.append(dict(file=rel, y=int(y[w]), rms=float(np.sqrt((xw ** 2).mean())),
                                values=xw[:, idx].tolist()))
    out = dict(pipeline='cbramod-physionet-mi', mne=mne.__version__, files=FILES,
               ch_names=list(ch_names), shape=[len(windows), x.shape[1], x.shape[2]],
               indices=idx.tolist(), windows=windows)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(out, f)
        f.write('\n')
    print(OUT)


if __name__ == '__main__':
    main()
