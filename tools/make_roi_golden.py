#!/usr/bin/python3
"""Golden fixtures for ROI time-series tables (.1D, .csv, .tsv): the roi_table format.

MNE and nibabel have no reader for these, so the reference is NumPy: np.loadtxt
(comments '#', whitespace for .1D, ',' for .csv, tab for .tsv) gives the
time x ROI array, and the ROI names come from the header line as the C# reader
documents it:
  * a first line starting with '#' whose tokens (leading '#' removed, empty
    tokens dropped) are as many as the columns: the names (ABIDE: "#1 #2 ... #200");
  * else a first line with a cell that is not a number: the names (CSV/TSV header);
  * else the names are the 1-based column numbers "1", "2", ...
sfreq is 1/RepetitionTime (or SamplingFrequency) from a BIDS-style sidecar
<stem>.json when present, else 1.0 Hz. Channels are kind 'roi', unit 'NA'.

Writes tests/Neurodecode.Tests/Golden/<folder>/<file>.json in the shape of
tools/make_golden.py (the `inspect --json` keys plus one fingerprint per ROI).

Usage: /usr/bin/python3 tools/make_roi_golden.py ../shared/datasets/abide/rois_cc200/OHSU_0050143_rois_cc200.1D ...
"""
import hashlib
import importlib.util
import json
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spec = importlib.util.spec_from_file_location('make_golden', os.path.join(ROOT, 'tools', 'make_golden.py'))
mg = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mg)

DELIMITERS = {'.1d': None, '.csv': ',', '.tsv': '\t'}


def is_number(cell):
    try:
        float(cell)
        return True
    except ValueError:
        return False


def read_table(path):
    delimiter = DELIMITERS[os.path.splitext(path)[1].lower()]
    with open(path, encoding='utf-8-sig') as f:
        lines = [line.rstrip('\r\n') for line in f]
    first = next(line for line in lines if line.strip())
    skip = 0
    names = None
    if first.lstrip().startswith('#'):
        names = [t.lstrip('#').strip() for t in first.split(delimiter)]
        names = [t for t in names if t]
    else:
        cells = [c.strip() for c in first.split(delimiter)]
        if not all(is_number(c) for c in cells):
            names = [c.strip('"') for c in cells]
            skip = 1
    data = np.loadtxt(path, comments='#', delimiter=delimiter, skiprows=skip, ndmin=2,
                      encoding='utf-8-sig')
    if names is None or len(names) != data.shape[1]:
        names = [str(k + 1) for k in range(data.shape[1])]
    return names, data


def sidecar_sfreq(path):
    stem = os.path.splitext(path)[0]
    if not os.path.exists(stem + '.json'):
        return 1.0
    with open(stem + '.json') as f:
        meta = json.load(f)
    if 'SamplingFrequency' in meta:
        return float(meta['SamplingFrequency'])
    return 1.0 / float(meta['RepetitionTime'])


def golden(path):
    names, data = read_table(path)
    sfreq = sidecar_sfreq(path)
    rows = np.ascontiguousarray(data.T, dtype=np.float64)  # ROIs x time, as get_data() would be
    n = rows.shape[1]
    info = dict(
        path=os.path.relpath(os.path.abspath(path), mg.DATASETS), format='roi_table',
        n_channels=len(names), sfreq=sfreq, n_samples=n, duration_s=n / sfreq, meas_date=None,
        channels=[dict(name=name, kind='roi', unit='NA', orig_unit='NA', physical_min=None,
                       physical_max=None, sfreq=sfreq) for name in names],
        annotations=[],
        data_sha256_f64=hashlib.sha256(np.ascontiguousarray(rows, dtype='<f8').tobytes()).hexdigest(),
        data=mg.fingerprint(rows))
    return info['path'], info


def main(argv):
    for path in argv:
        rel, info = golden(path)
        print(mg.write_golden(rel, info))


if __name__ == '__main__':
    main(sys.argv[1:])
