#!/usr/bin/python3
"""Golden fixtures for the reader conformance tests, from MNE 1.3 / nibabel 5.0.

For each FILE (a path under ../shared/datasets) writes
tests/Neurodecode.Tests/Golden/<folder>/<file name>.json holding what
../shared/tools/mne_reference.py inspect prints (the `neurodecode inspect --json`
contract) plus a data fingerprint: for every channel (EEG) or for the flattened
Fortran-order array (NIfTI) its sum, sum of squares, min, max and the values at
33 evenly spaced sample indices. The fingerprint is small enough to commit and
catches wrong scaling, order or offsets anywhere in the file; tests compare it
with a stated tolerance.

Usage (Debian's interpreter, apt-get install python3-mne python3-nibabel python3-scipy):
  /usr/bin/python3 tools/make_golden.py ../shared/datasets/formats/edf/*.edf ...
  /usr/bin/python3 tools/make_golden.py --all     # every readable file we test
"""
import contextlib
import glob
import importlib.util
import io
import json
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATASETS = os.path.normpath(os.path.join(ROOT, '..', 'shared', 'datasets'))
GOLDEN = os.path.join(ROOT, 'tests', 'Neurodecode.Tests', 'Golden')
N_POINTS = 33

spec = importlib.util.spec_from_file_location(
    'mne_reference', os.path.join(ROOT, '..', 'shared', 'tools', 'mne_reference.py'))
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)
_read_raw = ref.read_raw


def read_raw(path):
    """The reference's reader, but MaxShield (IAS) FIF raw files open too (allow_maxshield=True), as ours do."""
    if path.lower().endswith('.fif'):
        import mne
        mne.set_log_level('ERROR')
        return mne.io.read_raw_fif(path, allow_maxshield=True, preload=True)
    return _read_raw(path)


ref.read_raw = read_raw  # cmd_inspect looks it up at call time

# Files MNE/nibabel read that the project reads too (invalid/ is tested apart).
ALL = ['formats/edf/*.edf', 'formats/bdf/*.bdf', 'formats/brainvision/*.vhdr',
       'formats/brainvision/*.ahdr', 'formats/gdf/*.gdf', 'eegmmidb/S*/*.edf',
       'nifti/*/*.nii', 'nifti/*/*.nii.gz', 'nifti/*/*.hdr',
       'bold/haxby2001_25mm/sub001/BOLD/task001_run001/bold_25mm.nii.gz',
       'bold/haxby2001_25mm/sub001/masks/25mm/hoc.nii.gz', 'bold/pymvpa_example_1slice/*.nii.gz',
       'bold/atlases/*/*.nii.gz', 'meg/fif/*raw.fif', 'meg/ctf/*raw.fif']
# ROI tables (.1D/.csv/.tsv) have no MNE/nibabel reader: tools/make_roi_golden.py writes theirs with NumPy.
# NIfTI header paths no shared file reaches: tools/make_nifti_variants.py.


def fingerprint(rows):
    """rows: 2-D array (channels x samples) -> list of per-row stats.

    JSON has no NaN/inf: the stats cover the finite values, non-finite ones are
    counted in "n_nonfinite" (written only when > 0) and show as null in "values".
    """
    out = []
    for row in rows:
        idx = np.unique(np.round(np.linspace(0, len(row) - 1, N_POINTS)).astype(int)) \
            if len(row) else np.array([], int)
        finite = row[np.isfinite(row)]
        stats = dict(sum=float(finite.sum()), sumsq=float((finite * finite).sum()),
                     min=float(finite.min()) if len(finite) else None,
                     max=float(finite.max()) if len(finite) else None,
                     indices=idx.tolist(),
                     values=[float(v) if np.isfinite(v) else None for v in row[idx]])
        if len(finite) < len(row):
            stats['n_nonfinite'] = int(len(row) - len(finite))
        out.append(stats)
    return out


def golden(path):
    fmt = ref.file_format(path)
    args = type('A', (), dict(file=path))
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        ref.cmd_inspect(args)
    info = json.loads(buf.getvalue())
    rel = os.path.relpath(os.path.abspath(path), DATASETS)
    info['path'] = rel
    if fmt == 'nifti':
        import nibabel as nib
        img = nib.load(path)
        if not isinstance(img, nib.analyze.AnalyzeImage):
            img = nib.Nifti2Image.from_filename(path)
        data = np.asarray(img.get_fdata(), np.float64).ravel(order='F')
        info['data'] = fingerprint(data[None, :])
    else:
        data = ref.read_raw(path).get_data()
        info['data'] = fingerprint(np.asarray(data, np.float64))
    return rel, info


def main(argv):
    files = argv
    if argv == ['--all']:
        files = sorted(f for pat in ALL for f in glob.glob(os.path.join(DATASETS, pat)))
    for path in files:
        try:
            rel, info = golden(path)
        except Exception as e:  # noqa: BLE001 - report and go on
            print(f'skip {path}: {type(e).__name__}: {e}', file=sys.stderr)
            continue
        print(write_golden(rel, info))


def write_golden(rel, info):
    """Writes Golden/<folder>/<name>.json for the file at `rel` (under DATASETS); returns its path."""
    out = os.path.join(GOLDEN, os.path.dirname(rel).replace(os.sep, '_'),
                       os.path.basename(rel) + '.json')
    os.makedirs(os.path.dirname(out), exist_ok=True)
    info = dict(info)
    data = info.pop('data')
    text = json.dumps(info, indent=1, ensure_ascii=False)
    # One line per channel fingerprint keeps 64-channel files readable in a diff.
    rows = ',\n  '.join(json.dumps(r, ensure_ascii=False) for r in data)
    with open(out, 'w') as f:
        f.write(text[:-2] + ',\n "data": [\n  ' + rows + '\n ]\n}\n')
    return out


if __name__ == '__main__':
    main(sys.argv[1:])
