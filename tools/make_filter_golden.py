#!/usr/bin/python3
"""Golden fixtures for the Preprocess filter/resample tests, from MNE 1.3 / SciPy 1.10.

Writes tests/Neurodecode.Tests/Golden/filters/:
  input_S001R04.npy   float64 volts, 3 channels (C3.., Cz.., C4..) x 20000 samples of
                      EEGMMIDB S001R04 read with mne.io.read_raw_edf (the test input,
                      so tests need no EDF reader)
  designs.json        FIR designs from mne.filter.create_filter (taps in full when
                      short, otherwise sums and sampled taps), MNE's log lines, and the
                      validation messages MNE raises for bad parameters
  iir.json            scipy.signal.iirfilter(..., ftype='butter', output='sos') designs
                      and MNE's padlen (estimate_ringing_samples)
  outputs.json        filter / notch / IIR / resample / resample_poly outputs on the
                      input, as fingerprints: per channel the first and last 48 samples,
                      every 211th sample, sum, sum of squares, and a sha256 of
                      the whole float64 output (for debugging only; tests use tolerances)

Usage (Debian's interpreter; apt-get install python3-mne python3-scipy):
  /usr/bin/python3 tools/make_filter_golden.py
"""
import contextlib
import hashlib
import io
import json
import logging
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATASETS = os.path.normpath(os.path.join(ROOT, '..', 'shared', 'datasets'))
OUT = os.path.join(ROOT, 'tests', 'Neurodecode.Tests', 'Golden', 'filters')
EDF = os.path.join(DATASETS, 'eegmmidb', 'S001', 'S001R04.edf')
PICKS = ['C3..', 'Cz..', 'C4..']
FULL_TAPS_MAX = 401


def mne_logged(fun):
    """Run fun() and return (result, MNE's log text at debug level)."""
    import mne
    logger = logging.getLogger('mne')
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    others = list(logger.handlers)
    for h in others:  # capture only: keep MNE's own console handler quiet
        logger.removeHandler(h)
    logger.addHandler(handler)
    mne.set_log_level('DEBUG')
    try:
        res = fun()
    finally:
        logger.removeHandler(handler)
        for h in others:
            logger.addHandler(h)
        mne.set_log_level('ERROR')
    return res, buf.getvalue()


def sha256(a):
    return hashlib.sha256(np.ascontiguousarray(a, dtype='<f8').tobytes()).hexdigest()


EDGE, STEP = 48, 211


def sample_idx(n, edge=EDGE, step=STEP):
    idx = set(range(min(edge, n))) | set(range(max(n - edge, 0), n)) | set(range(0, n, step))
    return sorted(idx)


def fingerprint(y):
    y = np.atleast_2d(y)
    idx = sample_idx(y.shape[1])
    return dict(shape=list(y.shape), edge=EDGE, step=STEP,
                values=[[float(v) for v in row[idx]] for row in y],
                sum=[float(row.sum()) for row in y],
                sumsq=[float((row * row).sum()) for row in y],
                sha256=sha256(y))


def taps_record(h):
    h = np.asarray(h, float)
    rec = dict(n=len(h), sum=float(h.sum()), sumsq=float((h * h).sum()), sha256=sha256(h))
    if len(h) <= FULL_TAPS_MAX:
        rec['taps'] = [float(v) for v in h]
    else:
        c = len(h) // 2
        idx = sorted(set(range(0, len(h), max(len(h) // 60, 1))) | set(range(c - 20, c + 21))
                     | set(range(0, 10)) | set(range(len(h) - 10, len(h))))
        rec['idx'] = idx
        rec['values'] = [float(h[i]) for i in idx]
    return rec


FIR_CASES = [
    # name, sfreq, l_freq, h_freq, kwargs
    ('highpass_0.3_160', 160., 0.3, None, {}),
    ('highpass_0.3_200', 200., 0.3, None, {}),
    ('lowpass_75_200', 200., None, 75., {}),
    ('bandpass_0.3_75_200', 200., 0.3, 75., {}),
    ('bandpass_1_40_160', 160., 1., 40., {}),
    ('bandpass_1_40_160_hann', 160., 1., 40., dict(fir_window='hann')),
    ('lowpass_30_160_blackman', 160., None, 30., dict(fir_window='blackman')),
    ('highpass_1_250_ltrans_0.5', 250., 1., None, dict(l_trans_bandwidth=0.5)),
    ('lowpass_40_1000_len_501', 1000., None, 40., dict(filter_length=501)),
    ('lowpass_40_1000_len_500', 1000., None, 40., dict(filter_length=500)),
    ('highpass_7.5_160', 160., 7.5, None, {}),
    ('lowpass_79_160', 160., None, 79., {}),
    ('bandstop_20_10_160', 160., 20., 10., {}),
    ('bandpass_8_30_250', 250., 8., 30., {}),
]

NOTCH_CASES = [
    # name, sfreq, freqs, kwargs for notch_filter
    ('notch_60_160', 160., [60.], {}),
    ('notch_60_200', 200., [60.], {}),
    ('notch_50_100_150_500', 500., [50., 100., 150.], {}),
    ('notch_60_120_500_width_2', 500., [60., 120.], dict(notch_widths=2.0)),
    ('notch_50_250_trans_2', 250., [50.], dict(trans_bandwidth=2.0)),
]

ERROR_CASES = [
    # name, sfreq, l_freq, h_freq, kwargs
    ('h_freq_above_nyquist', 160., None, 90., {}),
    ('h_freq_at_nyquist', 160., None, 80., {}),
    ('l_freq_negative', 160., -1., None, {}),
    ('l_trans_too_wide', 160., 1., None, dict(l_trans_bandwidth=2.)),
    ('h_trans_too_wide', 160., None, 70., dict(h_trans_bandwidth=20.)),
    ('length_too_short', 160., 1., None, dict(filter_length=101)),
    ('h_trans_zero', 160., None, 40., dict(h_trans_bandwidth=0.)),
]

IIR_CASES = [
    # name, order, freqs (Hz), btype, sfreq
    ('butter4_bandpass_1_40_160', 4, [1., 40.], 'bandpass', 160.),
    ('butter4_highpass_0.3_160', 4, [0.3], 'highpass', 160.),
    ('butter4_lowpass_30_160', 4, [30.], 'lowpass', 160.),
    ('butter4_bandstop_58_62_250', 4, [58., 62.], 'bandstop', 250.),
    ('butter3_lowpass_40_200', 3, [40.], 'lowpass', 200.),
    ('butter5_highpass_1_250', 5, [1.], 'highpass', 250.),
    ('butter2_bandpass_8_30_250', 2, [8., 30.], 'bandpass', 250.),
    ('butter1_lowpass_10_100', 1, [10.], 'lowpass', 100.),
    ('butter8_bandpass_0.5_45_160', 8, [0.5, 45.], 'bandpass', 160.),
]


def design_fir(case):
    import mne
    name, sfreq, l_freq, h_freq, kw = case
    h, log = mne_logged(lambda: mne.filter.create_filter(
        None, sfreq, l_freq, h_freq, **kw))
    lines = [ln for ln in log.splitlines() if ln.startswith('- ') or ln.startswith('Setting up')]
    return dict(name=name, kind='fir', sfreq=sfreq, l_freq=l_freq, h_freq=h_freq,
                params={k: v for k, v in kw.items()}, log=lines, **taps_record(h))


def design_notch(case):
    """The design notch_filter builds: create_filter(l_freq=highs, h_freq=lows, trans=tb/2)."""
    import mne
    name, sfreq, freqs, kw = case
    freqs = np.atleast_1d(freqs)
    widths = kw.get('notch_widths')
    widths = freqs / 200. if widths is None else np.atleast_1d(widths) * np.ones_like(freqs)
    tb2 = kw.get('trans_bandwidth', 1.) / 2.
    lows = [f - w / 2. - tb2 for f, w in zip(freqs, widths)]
    highs = [f + w / 2. + tb2 for f, w in zip(freqs, widths)]
    h, log = mne_logged(lambda: mne.filter.create_filter(
        None, sfreq, highs, lows, l_trans_bandwidth=tb2, h_trans_bandwidth=tb2))
    # and check it is the filter notch_filter really applies: impulse response
    n = 4 * len(h) + 1
    imp = np.zeros(n)
    imp[n // 2] = 1.
    resp = mne.filter.notch_filter(imp, sfreq, freqs, **kw)
    c = n // 2
    assert np.allclose(resp[c - len(h) // 2:c + len(h) // 2 + 1], h[::-1], atol=1e-12), name
    lines = [ln for ln in log.splitlines() if ln.startswith('- ') or ln.startswith('Setting up')]
    return dict(name=name, kind='notch', sfreq=sfreq, freqs=[float(f) for f in freqs],
                params={k: v for k, v in kw.items()}, log=lines,
                stop_edges=[[float(lo + tb2), float(hi - tb2)] for lo, hi in zip(lows, highs)],
                **taps_record(h))


def error_message(case):
    import mne
    name, sfreq, l_freq, h_freq, kw = case
    try:
        mne.filter.create_filter(None, sfreq, l_freq, h_freq, **kw)
    except Exception as exc:  # noqa: BLE001 - we record whatever MNE raises
        return dict(name=name, sfreq=sfreq, l_freq=l_freq, h_freq=h_freq, params=kw,
                    error=type(exc).__name__, message=str(exc))
    raise AssertionError(f'{name}: MNE did not raise')


def design_iir(case):
    import mne
    from scipy.signal import iirfilter
    name, order, freqs, btype, sfreq = case
    wn = np.asarray(freqs) / (sfreq / 2.)
    sos = iirfilter(order, wn if len(freqs) > 1 else wn[0], btype=btype, ftype='butter', output='sos')
    padlen = int(mne.filter.estimate_ringing_samples(sos))
    return dict(name=name, order=order, freqs=freqs, btype=btype, sfreq=sfreq,
                sos=[[float(v) for v in row] for row in sos], padlen=padlen)


def main():
    import mne
    import scipy.signal as ss
    mne.set_log_level('ERROR')
    os.makedirs(OUT, exist_ok=True)
    raw = mne.io.read_raw_edf(EDF, preload=True)
    x = raw.get_data(picks=PICKS)
    assert x.shape == (3, 20000), x.shape
    np.save(os.path.join(OUT, 'input_S001R04.npy'), x)

    designs = dict(
        source='mne.filter.create_filter (MNE %s, SciPy %s)' % (mne.__version__, __import__('scipy').__version__),
        fir=[design_fir(c) for c in FIR_CASES],
        notch=[design_notch(c) for c in NOTCH_CASES],
        errors=[error_message(c) for c in ERROR_CASES])
    with open(os.path.join(OUT, 'designs.json'), 'w') as f:
        json.dump(designs, f, indent=1)

    iir = dict(source='scipy.signal.iirfilter(N, Wn, btype, ftype="butter", output="sos"); '
                      'padlen = mne.filter.estimate_ringing_samples(sos)',
               cases=[design_iir(c) for c in IIR_CASES])
    with open(os.path.join(OUT, 'iir.json'), 'w') as f:
        json.dump(iir, f, indent=1)

    sf = 160.
    outputs = []

    def add(name, call, fun, data, **extra):
        y, log = mne_logged(lambda: fun(data.copy()))
        rec = dict(name=name, call=call, n_times=int(data.shape[-1]), **extra)
        nfft = [int(ln.split(':')[1]) for ln in log.splitlines() if ln.startswith('FFT block length')]
        if nfft:
            rec['n_fft'] = nfft
        rec['output'] = fingerprint(y)
        outputs.append(rec)

    fd = mne.filter.filter_data
    add('fir_highpass_0.3', 'filter_data(x, 160, 0.3, None)', lambda d: fd(d, sf, 0.3, None), x)
    add('fir_notch_60', 'notch_filter(x, 160, 60)', lambda d: mne.filter.notch_filter(d, sf, 60.), x)
    add('fir_notch_20_40_60', 'notch_filter(x, 160, [20, 40, 60])',
        lambda d: mne.filter.notch_filter(d, sf, [20., 40., 60.]), x)
    add('fir_bandpass_1_40', 'filter_data(x, 160, 1, 40)', lambda d: fd(d, sf, 1., 40.), x)
    add('fir_lowpass_30_blackman', "filter_data(x, 160, None, 30, fir_window='blackman')",
        lambda d: fd(d, sf, None, 30., fir_window='blackman'), x)
    add('fir_bandstop_20_10_hann', "filter_data(x, 160, 20, 10, fir_window='hann')",
        lambda d: fd(d, sf, 20., 10., fir_window='hann'), x)
    add('fir_highpass_1_short', 'filter_data(x[:, :300], 160, 1, None)  (signal shorter than the filter)',
        lambda d: fd(d, sf, 1., None), x[:, :300])
    add('fir_highpass_0.3_19680', 'filter_data(x[:, :19680], 160, 0.3, None)',
        lambda d: fd(d, sf, 0.3, None), x[:, :19680])
    # IIR: MNE's forward-backward sosfiltfilt with padlen from estimate_ringing_samples
    add('iir_bandpass_1_40', "filter_data(x, 160, 1, 40, method='iir')",
        lambda d: fd(d, sf, 1., 40., method='iir'), x)
    add('iir_highpass_0.3', "filter_data(x, 160, 0.3, None, method='iir')",
        lambda d: fd(d, sf, 0.3, None, method='iir'), x)
    add('iir_lowpass_30_order_3', "filter_data(x, 160, None, 30, method='iir', iir_params=dict(order=3, ftype='butter'))",
        lambda d: fd(d, sf, None, 30., method='iir', iir_params=dict(order=3, ftype='butter')), x)
    add('iir_bandstop_62_58', "filter_data(x, 160, 62, 58, method='iir')",
        lambda d: fd(d, sf, 62., 58., method='iir'), x)
    add('iir_bandpass_1_40_short', "filter_data(x[:, :200], 160, 1, 40, method='iir')  (padlen clipped to n-1)",
        lambda d: fd(d, sf, 1., 40., method='iir'), x[:, :200])
    # causal sosfilt (what the live filter must reproduce block by block)
    sos_bp = ss.iirfilter(4, np.array([1., 40.]) / (sf / 2.), btype='bandpass', ftype='butter', output='sos')
    add('sosfilt_bandpass_1_40', "scipy.signal.sosfilt(butter4 bandpass 1-40 @160 sos, x)",
        lambda d: ss.sosfilt(sos_bp, d, axis=-1), x)
    add('sosfilt_bandpass_1_40_zi', "sosfilt(sos, x, zi=sosfilt_zi(sos)[:, None, :] * x[:, 0])  (steady-state start)",
        lambda d: ss.sosfilt(sos_bp, d, axis=-1,
                             zi=ss.sosfilt_zi(sos_bp)[:, None, :] * d[None, :, 0:1])[0], x)
    # resampling
    rs = mne.filter.resample
    add('resample_160_200', "resample(x, up=200., down=160., npad='auto')",
        lambda d: rs(d, 200., 160., npad='auto'), x)
    add('resample_160_200_19680', "resample(x[:, :19680], up=200., down=160., npad='auto')",
        lambda d: rs(d, 200., 160., npad='auto'), x[:, :19680])
    add('resample_160_100', "resample(x, up=100., down=160., npad='auto')",
        lambda d: rs(d, 100., 160., npad='auto'), x)
    add('resample_160_128_npad_100', "resample(x, up=128., down=160., npad=100)",
        lambda d: rs(d, 128., 160., npad=100), x)
    add('resample_160_200_npad_0', "resample(x, up=200., down=160., npad=0)",
        lambda d: rs(d, 200., 160., npad=0), x)
    add('resample_odd_19999_160_250', "resample(x[:, :19999], up=250., down=160., npad='auto')",
        lambda d: rs(d, 250., 160., npad='auto'), x[:, :19999])
    add('resample_short_160_200_pad_exceeds', "resample(x[:, :50], up=200., down=160., npad=80)  (zero-extended padding)",
        lambda d: rs(d, 200., 160., npad=80), x[:, :50])

    def raw_resample(d):
        info = mne.create_info(PICKS, sf, 'eeg')
        r = mne.io.RawArray(d, info)
        return r.resample(200.).get_data()
    add('raw_resample_200', 'RawArray(x, 160 Hz).resample(200)', raw_resample, x)
    add('resample_poly_5_4', 'scipy.signal.resample_poly(x, 5, 4, axis=-1)',
        lambda d: ss.resample_poly(d, 5, 4, axis=-1), x)
    add('resample_poly_5_8', 'scipy.signal.resample_poly(x, 5, 8, axis=-1)',
        lambda d: ss.resample_poly(d, 5, 8, axis=-1), x)
    add('resample_poly_200_160_short', 'scipy.signal.resample_poly(x[:, :37], 200, 160, axis=-1)',
        lambda d: ss.resample_poly(d, 200, 160, axis=-1), x[:, :37])

    with open(os.path.join(OUT, 'outputs.json'), 'w') as f:
        json.dump(dict(source='MNE %s / SciPy %s on %s channels %s' % (
            mne.__version__, __import__('scipy').__version__, 'eegmmidb/S001/S001R04.edf', PICKS),
            input='input_S001R04.npy', outputs=outputs), f)
    for name in sorted(os.listdir(OUT)):
        print(f'{os.path.getsize(os.path.join(OUT, name)):>9} {name}')


if __name__ == '__main__':
    with contextlib.suppress(BrokenPipeError):
        main()
