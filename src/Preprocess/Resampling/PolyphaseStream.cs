using Neurodecode.Preprocess.Filters;

namespace Neurodecode.Preprocess.Resampling;

/// <summary>
/// Causal polyphase resampling by up/down with state, for live streams: SciPy's <c>resample_poly</c> filter (firwin
/// low-pass, Kaiser β 5, 2·10·max(up, down)+1 taps, gain up) applied forward only, without resample_poly's shift by
/// half the filter. Output sample j is y[j] = Σ_i h[j·down − i·up]·x[i], so it needs inputs up to ⌊j·down/up⌋ only:
/// after n inputs exactly ⌈n·up/down⌉ outputs exist, whatever the block sizes (the stream starts from rest, zeros
/// before the first sample). The price is the filter's group delay, 10·max(up, down)/up input samples.
/// </summary>
public sealed class PolyphaseStream
{
    private readonly double[] _h;
    private readonly int _up, _down, _nChannels, _history;
    private readonly double[] _tail;   // channels x _history: the last inputs (zeros before the start)
    private long _nIn, _nOut;

    public PolyphaseStream(int up, int down, int nChannels, double kaiserBeta = 5.0)
    {
        if (up < 1 || down < 1) throw new ArgumentException("up and down must be >= 1");
        int g = (int)System.Numerics.BigInteger.GreatestCommonDivisor(up, down);
        (_up, _down, _nChannels) = (up / g, down / g, nChannels);
        int halfLen = 10 * Math.Max(_up, _down);
        var h = FirWindows.FirwinLowpass(2 * halfLen + 1, 1.0 / Math.Max(_up, _down), Resample.Kaiser(2 * halfLen + 1, kaiserBeta));
        _h = h.Select(v => v * _up).ToArray();
        _history = (_h.Length - 1) / _up + 2;
        _tail = new double[nChannels * _history];
    }

    public int Up => _up;
    public int Down => _down;

    /// <summary>Outputs that exist after <paramref name="nIn"/> inputs: ⌈n·up/down⌉.</summary>
    public long OutputsAfter(long nIn) => (nIn * _up + _down - 1) / _down;

    /// <summary>Inputs needed before output sample <paramref name="j"/> exists: ⌊j·down/up⌋ + 1.</summary>
    public long InputsFor(long j) => j * _down / _up + 1;

    /// <summary>Takes the next <paramref name="nTimes"/> samples of every channel (channel-major) and returns the
    /// outputs they complete (channel-major, <paramref name="nOut"/> per channel).</summary>
    public double[] Process(ReadOnlySpan<double> data, int nTimes, out int nOut)
    {
        long nInNew = _nIn + nTimes;
        nOut = (int)(OutputsAfter(nInNew) - _nOut);
        var y = new double[_nChannels * nOut];
        var ext = new double[_history + nTimes];
        long first = _nIn - _history; // input index of ext[0]
        for (int c = 0; c < _nChannels; c++)
        {
            var tail = _tail.AsSpan(c * _history, _history);
            tail.CopyTo(ext);
            data.Slice(c * nTimes, nTimes).CopyTo(ext.AsSpan(_history));
            for (int o = 0; o < nOut; o++)
            {
                long t = (_nOut + o) * _down;
                long iHi = t / _up;
                long iLo = Math.Max(Math.Max(0, first), t - (_h.Length - 1) <= 0 ? 0 : (t - (_h.Length - 1) + _up - 1) / _up);
                double acc = 0;
                for (long i = iLo; i <= iHi; i++)
                    acc += _h[t - i * _up] * ext[i - first];
                y[c * nOut + o] = acc;
            }
            ext.AsSpan(nTimes, _history).CopyTo(tail);
        }
        _nIn = nInNew;
        _nOut += nOut;
        return y;
    }
}
