#!/usr/bin/python3
"""Golden fixtures for the FIF reader and find_events, from MNE 1.3.

For every FIF raw file under ../shared/datasets/meg (fif/*raw.fif, ctf/*raw.fif) writes, in
tests/Neurodecode.Tests/Golden/meg_<folder>/:
  <file>.json          `inspect` facts + per-channel fingerprint (tools/make_golden.py, read by
                       GoldenConformanceTests like every other reader's fixture)
  <file>.head.npy      raw.get_data()[:, :HEAD] (float64, SI units): the first samples of every channel
  <file>.extra.json    first_samp, bads, highpass, lowpass, CTF comp grade and count, maxshield, and the
                       float64 sum of raw.get_data() over all samples (MANIFEST.tsv's data_sum)
  <file>.events.npy    mne.find_events(raw) with every default (int64, n x 3, absolute samples), or
  <file>.events-error.txt  MNE's message when find_events raises (no stim channel, too-short events)

and, for the find_events preprocess step, Golden/meg_epochs/ (datasets/pipelines/meg-elekta-triggers.json):
  events.npy           find_events(raw, 'STI101') rows with ids 1 and 2 kept by Epochs (int64, absolute samples)
  X_head.npy           the first EPOCHS_KEPT epochs of Epochs(raw.pick(['mag', 'grad']).filter(1, 40), events,
                       {'one': 1, 'two': 2}, tmin=-0.1, tmax=0.4, baseline=(None, 0)) (float64, T and T/m)

and Golden/meg_written/: elekta_skip_int_raw.fif, written here with MNE's own FIF writer from the first 1.5 s of
test_elekta_3ch_raw.fif (int32 buffers of 500 samples, a FIFF_DATA_SKIP of one buffer in place of the second, and an
annotations block with a ':' in a description) — the paths no shared file takes — with <file>.json (inspect facts,
MNE's annotations incl. BAD_ACQ_SKIP) and <file>.npy (raw.get_data(), float64).

Usage: /usr/bin/python3 tools/make_fif_golden.py     (apt-get install python3-mne)
"""
import glob
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_golden  # noqa: E402  (also patches the reference reader for MaxShield files)

HEAD = 40
PATTERNS = ['meg/fif/*raw.fif', 'meg/ctf/*raw.fif']


def main():
    import mne
    from mne.io.compensator import get_current_comp
    mne.set_log_level('ERROR')
    files = sorted(f for p in PATTERNS for f in glob.glob(os.path.join(make_golden.DATASETS, p)))
    for path in files:
        rel, info = make_golden.golden(path)
        out = make_golden.write_golden(rel, info)
        stem = out[:-len('.json')]
        raw = mne.io.read_raw_fif(path, allow_maxshield=True, preload=True)
        data = raw.get_data()
        np.save(stem + '.head.npy', np.ascontiguousarray(data[:, :HEAD], dtype=np.float64))
        extra = dict(first_samp=int(raw.first_samp), bads=list(raw.info['bads']),
                     highpass=float(raw.info['highpass']), lowpass=float(raw.info['lowpass']),
                     comp_grade=get_current_comp(raw.info), n_comps=len(raw.info['comps']),
                     maxshield=bool(raw.info.get('maxshield', False)), data_sum=float(data.sum()))
        with open(stem + '.extra.json', 'w') as f:
            json.dump(extra, f, indent=1)
            f.write('\n')
        for old in (stem + '.events.npy', stem + '.events-error.txt'):
            if os.path.exists(old):
                os.remove(old)
        try:
            events = mne.find_events(raw)
            np.save(stem + '.events.npy', np.asarray(events, dtype=np.int64))
            what = f'{len(events)} events'
        except ValueError as e:
            with open(stem + '.events-error.txt', 'w') as f:
                f.write(str(e) + '\n')
            what = f'find_events: {e}'
        print(out, what[:80])
    epochs_golden()
    skip_golden()


EPOCHS_KEPT = 6


def epochs_golden():
    """MNE's MEG epochs from triggers, as the meg-elekta-triggers pipeline cuts them."""
    import mne
    raw = mne.io.read_raw_fif(os.path.join(make_golden.DATASETS, 'meg/fif/test_elekta_3ch_raw.fif'), preload=True)
    events = mne.find_events(raw, stim_channel='STI101')
    raw.pick(['mag', 'grad']).filter(1.0, 40.0)
    epochs = mne.Epochs(raw, events, {'one': 1, 'two': 2}, tmin=-0.1, tmax=0.4, baseline=(None, 0), preload=True)
    out = os.path.join(make_golden.GOLDEN, 'meg_epochs')
    os.makedirs(out, exist_ok=True)
    np.save(os.path.join(out, 'events.npy'), np.asarray(epochs.events, dtype=np.int64))
    np.save(os.path.join(out, 'X_head.npy'), np.ascontiguousarray(epochs.get_data()[:EPOCHS_KEPT], dtype=np.float64))
    print(out, f'{len(epochs)} epochs of {epochs.get_data().shape[1:]}, channels {epochs.ch_names}')


def skip_golden():
    """A FIF raw with int32 buffers, a data skip and annotations, written by MNE's writer and read back by MNE."""
    import contextlib
    import io
    import mne
    from mne.io.base import _start_writing_raw, _write_raw_buffer
    from mne.io.constants import FIFF
    from mne.io.write import start_and_end_file, end_block, write_int
    src = mne.io.read_raw_fif(os.path.join(make_golden.DATASETS, 'meg/fif/test_elekta_3ch_raw.fif'), preload=True)
    data = src.get_data()
    first_time = src.first_samp / src.info['sfreq']
    annotations = mne.Annotations([first_time + 0.2, first_time + 1.1], [0.1, 0.0], ['stim:a', 'resp'],
                                  orig_time=src.info['meas_date'])
    out = os.path.join(make_golden.GOLDEN, 'meg_written')
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, 'elekta_skip_int_raw.fif')
    with start_and_end_file(path) as fid:
        cals = _start_writing_raw(fid, src.info, None, FIFF.FIFFT_INT, False, annotations)
        write_int(fid, FIFF.FIFF_FIRST_SAMPLE, src.first_samp)
        _write_raw_buffer(fid, data[:, 0:500], np.array(cals)[:, None], 'int')
        write_int(fid, FIFF.FIFF_DATA_SKIP, 1)
        _write_raw_buffer(fid, data[:, 1000:1500], np.array(cals)[:, None], 'int')
        end_block(fid, FIFF.FIFFB_RAW_DATA)
        end_block(fid, FIFF.FIFFB_MEAS)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        make_golden.ref.cmd_inspect(type('A', (), dict(file=path)))
    info = json.loads(buf.getvalue())
    info['path'] = os.path.basename(path)
    with open(path + '.json', 'w') as f:  # nested: GoldenConformanceTests takes top-level "format" files as shared ones
        json.dump(dict(mne_inspect=info), f, indent=1, ensure_ascii=False)
        f.write('\n')
    raw = mne.io.read_raw_fif(path, preload=True)
    np.save(path + '.npy', raw.get_data())
    print(path, raw, raw.annotations)


if __name__ == '__main__':
    main()
