#!/usr/bin/python3
"""Times MNE 1.3's high-pass 0.3 Hz + notch 60 Hz + resample 160 -> 200 Hz on a whole EEGMMIDB run
(64 channels x 20000 samples), single-threaded (n_jobs=None), as the preprocess speed reference.

Prints the best and median of --repeat runs per stage (after one warm-up), in milliseconds, as JSON.
Compare with the C# side in the same session (machines are shared and noisy):
  NEURODECODE_BENCH=1 dotnet test tests/Neurodecode.Tests -c Release --filter FilterSpeed --logger "console;verbosity=detailed"

Usage: /usr/bin/python3 tools/bench_filters_mne.py [EDF] [--repeat 9]
"""
import argparse
import json
import os
import statistics
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT = os.path.join(ROOT, '..', 'shared', 'datasets', 'eegmmidb', 'S001', 'S001R04.edf')


def main():
    import mne
    mne.set_log_level('ERROR')
    ap = argparse.ArgumentParser()
    ap.add_argument('edf', nargs='?', default=DEFAULT)
    ap.add_argument('--repeat', type=int, default=9)
    args = ap.parse_args()
    raw = mne.io.read_raw_edf(args.edf, preload=True)
    data = raw.get_data()
    sf = raw.info['sfreq']
    times = {'highpass': [], 'notch': [], 'resample': [], 'total': []}
    for rep in range(args.repeat + 1):
        x = data.copy()
        t0 = time.perf_counter()
        x = mne.filter.filter_data(x, sf, 0.3, None)
        t1 = time.perf_counter()
        x = mne.filter.notch_filter(x, sf, 60.)
        t2 = time.perf_counter()
        x = mne.filter.resample(x, 200., sf, npad='auto')
        t3 = time.perf_counter()
        if rep == 0:
            continue  # warm-up
        for k, v in (('highpass', t1 - t0), ('notch', t2 - t1), ('resample', t3 - t2), ('total', t3 - t0)):
            times[k].append(v * 1e3)
    print(json.dumps({'input': '%d x %d @ %g Hz' % (data.shape + (sf,)),
                      'best_ms': {k: round(min(v), 2) for k, v in times.items()},
                      'median_ms': {k: round(statistics.median(v), 2) for k, v in times.items()}}))


if __name__ == '__main__':
    main()
