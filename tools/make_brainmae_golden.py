#!/usr/bin/python3
"""Golden fixtures for BrainMAE's input windows and its masked-segment baselines, from NumPy.

Windows: datasets/pipelines/abide-roi-windows.json on two real ABIDE CC200 tables — np.loadtxt, z-score of each
region over the whole recording (population std, numpy's default; a region with std 0 is divided by 1), windows
of 64 volumes every 32 volumes (the file is read at 1 Hz) — stored as float32, the dtype the windows have in C#.

Baselines: for every window, 4 of the 8 segments (8 volumes each) of every region are masked, chosen with
numpy.random.default_rng(0); on the masked volumes:
  * zero: mean of x**2;
  * region mean: mean of (mean of the region's visible volumes - x)**2;
  * interpolation: mean of (numpy.interp(t, t_visible, x_visible) - x)**2,
all computed in float64 from the float32 windows, over all masked volumes of all windows.

Writes tests/Neurodecode.Tests/Golden/brainmae/{windows.npy (float32, windows x 200 x 64), mask.npy (int64,
windows x 200 x 8, 1 = masked), baselines.json}.

Usage: /usr/bin/python3 tools/make_brainmae_golden.py
"""
import json
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(ROOT, '..', 'shared', 'datasets')
FILES = ['abide/rois_cc200/OHSU_0050142_rois_cc200.1D', 'abide/rois_cc200/MaxMun_a_0051318_rois_cc200.1D']
LENGTH, HOP, SEGMENT, MASKED = 64, 32, 8, 4
OUT = os.path.join(ROOT, 'tests', 'Neurodecode.Tests', 'Golden', 'brainmae')


def windows(path):
    x = np.loadtxt(path, comments='#').T                    # regions x volumes
    std = x.std(axis=1, keepdims=True)
    z = (x - x.mean(axis=1, keepdims=True)) / np.where(std > 0, std, 1)
    starts = range(0, z.shape[1] - LENGTH + 1, HOP)
    return [z[:, s:s + LENGTH] for s in starts]


def main():
    w = np.array([win for f in FILES for win in windows(os.path.join(SHARED, f))], dtype=np.float32)
    n, r, t = w.shape
    s = t // SEGMENT
    rng = np.random.default_rng(0)
    mask = np.zeros((n, r, s), dtype=np.int64)
    for i in range(n):
        for j in range(r):
            mask[i, j, rng.choice(s, MASKED, replace=False)] = 1

    sums = {'zero': 0.0, 'region_mean': 0.0, 'interpolation': 0.0}
    volumes = 0
    times = np.arange(t)
    for i in range(n):
        for j in range(r):
            x = w[i, j].astype(np.float64)
            masked = np.repeat(mask[i, j], SEGMENT).astype(bool)
            visible = ~masked
            mean = x[visible].mean()
            interp = np.interp(times, times[visible], x[visible])
            sums['zero'] += np.sum(x[masked] ** 2)
            sums['region_mean'] += np.sum((mean - x[masked]) ** 2)
            sums['interpolation'] += np.sum((interp[masked] - x[masked]) ** 2)
            volumes += int(masked.sum())

    os.makedirs(OUT, exist_ok=True)
    np.save(os.path.join(OUT, 'windows.npy'), w)
    np.save(os.path.join(OUT, 'mask.npy'), mask)
    result = {
        'files': FILES, 'length': LENGTH, 'hop': HOP, 'segment_len': SEGMENT, 'masked_per_region': MASKED,
        'masked_volumes': volumes,
        'mse': {k: v / volumes for k, v in sums.items()},
        'generator': f'numpy {np.__version__}: loadtxt, z-score, default_rng(0).choice, interp',
    }
    with open(os.path.join(OUT, 'baselines.json'), 'w') as f:
        json.dump(result, f, indent=1)
        f.write('\n')
    print(json.dumps(result['mse']), volumes, 'masked volumes in', n, 'windows')


if __name__ == '__main__':
    main()
