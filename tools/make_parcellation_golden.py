#!/usr/bin/python3
"""Golden fixtures for `neurodecode parcellate`: nilearn's NiftiLabelsMasker, rebuilt from nibabel + numpy + scipy.

nilearn is not packaged for Debian 12, so this script reproduces what
NiftiLabelsMasker(labels_img, resampling_target="data", strategy="mean", background_label=0)
does (nilearn/maskers/nifti_labels_masker.py, nilearn/image/resampling.py::resample_img,
nilearn/regions/signal_extraction.py::img_to_signals_labels):

  1. the atlas is resampled onto the BOLD grid with interpolation="nearest":
     nothing is done when the shapes are equal and np.allclose(affines); otherwise
     A, b = inv(atlas_affine) @ bold_affine, A passed as its diagonal when diagonal, and
     scipy.ndimage.affine_transform(atlas, A, offset=b, output_shape=bold.shape[:3], order=0, cval=0)
     (a BOLD voxel whose atlas coordinate falls outside [0, n-1] on an axis gets label 0);
  2. the regions are np.unique(resampled atlas) without 0, in increasing label value: labels
     with no voxel on the BOLD grid are not regions (they do not appear in the unique values);
  3. each volume's region signal is scipy.ndimage.mean(volume, labels=resampled, index=labels)
     on nibabel's get_fdata() (float64, scaling applied).

An independent check of step 1 (voxel -> world -> atlas voxel, round half up, in bounds) is
asserted for every case, so the fixture does not rest on scipy alone.

Writes tests/Neurodecode.Tests/Golden/parcellation/<case>.json (bold, atlas, labels, names, voxel
counts, sfreq) and <case>.npy (float64, regions x volumes).

Usage: /usr/bin/python3 tools/make_parcellation_golden.py
"""
import json
import os
import warnings

import nibabel as nib
import numpy as np
from scipy import linalg, ndimage

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), 'shared', 'datasets')
OUT = os.path.join(ROOT, 'tests', 'Neurodecode.Tests', 'Golden', 'parcellation')

CASES = [
    # (case, bold, atlas, label table or None)
    ('haxby_run001_hoc', 'bold/haxby2001_25mm/sub001/BOLD/task001_run001/bold_25mm.nii.gz',
     'bold/haxby2001_25mm/sub001/masks/25mm/hoc.nii.gz', None),
    ('pymvpa_1slice_mask', 'bold/pymvpa_example_1slice/bold.nii.gz', 'bold/pymvpa_example_1slice/mask.nii.gz', None),
    ('pymvpa_1slice_hoc', 'bold/pymvpa_example_1slice/bold.nii.gz', 'bold/haxby2001_25mm/sub001/masks/25mm/hoc.nii.gz',
     None),
    ('rsn10_cc200', 'bold/atlases/abide_pcp/PNAS_Smith09_rsn10.nii.gz', 'bold/atlases/abide_pcp/CC200.nii.gz', None),
    ('rsn10_ho_mask_pad', 'bold/atlases/abide_pcp/PNAS_Smith09_rsn10.nii.gz',
     'bold/atlases/abide_pcp/ho_mask_pad.nii.gz', None),
    ('rsn10_aal_mricron', 'bold/atlases/abide_pcp/PNAS_Smith09_rsn10.nii.gz', 'bold/atlases/mricron/aal.nii.gz',
     'bold/atlases/mricron/aal.nii.txt'),
]


def resample_labels(atlas, bold):
    """nilearn's resample_img(atlas, bold.affine, bold.shape[:3], interpolation='nearest')."""
    data = np.asanyarray(atlas.dataobj)
    shape = bold.shape[:3]
    if data.shape == shape and np.allclose(bold.affine, atlas.affine):
        return data
    transform = np.dot(linalg.inv(atlas.affine), bold.affine)
    A, b = transform[:3, :3], transform[:3, 3]
    if np.all(np.diag(np.diag(A)) == A):
        A = np.diag(A)
    out = np.zeros(shape, dtype=data.dtype, order='F')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        ndimage.affine_transform(data, A, offset=b, output_shape=shape, output=out, cval=0, order=0)
    return out


def nearest_by_hand(atlas, bold):
    """The same resampling written out: BOLD voxel -> world -> atlas voxel, floor(c + 0.5), inside [0, n-1]."""
    data = np.asanyarray(atlas.dataobj)
    ijk = np.indices(bold.shape[:3]).reshape(3, -1)
    world = bold.affine[:3, :3] @ ijk + bold.affine[:3, 3:4]
    inv = np.linalg.inv(atlas.affine)
    c = inv[:3, :3] @ world + inv[:3, 3:4]
    inside = np.all((c >= -1e-9) & (c <= np.array(data.shape)[:, None] - 1 + 1e-9), axis=0)
    idx = np.floor(np.clip(c, 0, np.array(data.shape)[:, None] - 1) + 0.5).astype(int)
    out = np.where(inside, data[idx[0], idx[1], idx[2]], 0)
    return out.reshape(bold.shape[:3])


def label_names(table, labels):
    names = {}
    with open(os.path.join(SHARED, table), encoding='utf-8') as f:
        for line in f:
            cells = line.split()
            if len(cells) >= 2:
                names[int(cells[0])] = cells[1]
    return [names[int(v)] for v in labels]


def main():
    os.makedirs(OUT, exist_ok=True)
    for case, bold_rel, atlas_rel, table in CASES:
        bold = nib.load(os.path.join(SHARED, bold_rel))
        atlas = nib.load(os.path.join(SHARED, atlas_rel))
        resampled = resample_labels(atlas, bold)
        assert np.array_equal(resampled, nearest_by_hand(atlas, bold)), case
        labels = [v for v in np.unique(resampled) if v != 0]
        atlas_labels = [v for v in np.unique(np.asanyarray(atlas.dataobj)) if v != 0]
        data = bold.get_fdata()
        signals = np.empty((len(labels), data.shape[3]))
        for t in range(data.shape[3]):
            signals[:, t] = ndimage.mean(data[..., t], labels=resampled, index=labels)
        counts = [int(np.count_nonzero(resampled == v)) for v in labels]
        values = [int(v) if float(v).is_integer() else float(v) for v in labels]
        golden = {
            'bold': bold_rel,
            'atlas': atlas_rel,
            'labels_table': table,
            'tr_s': float(bold.header.get_zooms()[3]),
            'labels': values,
            'names': label_names(table, labels) if table else [str(v) for v in values],
            'voxel_counts': counts,
            'atlas_labels_outside_image': [int(v) for v in atlas_labels if v not in labels],
            'resampled': not (np.asanyarray(atlas.dataobj).shape == bold.shape[:3]
                              and np.allclose(bold.affine, atlas.affine)),
        }
        with open(os.path.join(OUT, case + '.json'), 'w') as f:
            json.dump(golden, f, indent=1)
            f.write('\n')
        np.save(os.path.join(OUT, case + '.npy'), signals)
        print(case, signals.shape, 'outside:', golden['atlas_labels_outside_image'])


if __name__ == '__main__':
    main()
