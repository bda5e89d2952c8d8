namespace Neurodecode.Preprocess.Filters;

/// <summary>How a causal IIR filter starts.</summary>
public enum SosInitialState
{
    /// <summary>From rest (zero state), as <c>scipy.signal.sosfilt(sos, x)</c>.</summary>
    Zero,

    /// <summary>
    /// In steady state for the first sample of each channel, <c>zi = sosfilt_zi(sos)·x[0]</c>, which removes the
    /// start-up transient of a DC offset.
    /// </summary>
    SteadyState,
}

/// <summary>
/// A causal IIR filter with its state, for live use: blocks of any size are filtered one after the other and the
/// concatenated output equals filtering the whole signal at once (<c>scipy.signal.sosfilt</c>).
/// One state per channel; not thread-safe (one instance per stream).
/// </summary>
public sealed class SosState
{
    private readonly double[] _zi;   // [channel][section][2]
    private readonly double[] _zi0;  // sosfilt_zi, for SteadyState
    private bool _started;

    public SosState(Sos sos, int nChannels = 1, SosInitialState initial = SosInitialState.Zero)
    {
        if (nChannels < 1) throw new ArgumentOutOfRangeException(nameof(nChannels), nChannels, "need at least one channel");
        Sos = sos;
        NChannels = nChannels;
        Initial = initial;
        _zi = new double[nChannels * 2 * sos.NSections];
        _zi0 = initial == SosInitialState.SteadyState ? sos.StepResponseState() : [];
    }

    public Sos Sos { get; }
    public int NChannels { get; }
    public SosInitialState Initial { get; }

    /// <summary>Samples filtered so far (per channel).</summary>
    public long SamplesSeen { get; private set; }

    /// <summary>
    /// Filters one block of <see cref="NChannels"/> x <paramref name="nTimes"/> samples (channel-major) in place
    /// and carries the state to the next block.
    /// </summary>
    public void Process(Span<double> data, int nTimes)
    {
        if (data.Length != NChannels * nTimes)
            throw new ArgumentException($"block holds {data.Length} values, expected {NChannels}x{nTimes}");
        if (nTimes == 0) return;
        int w = 2 * Sos.NSections;
        if (!_started)
        {
            if (Initial == SosInitialState.SteadyState)
                for (int c = 0; c < NChannels; c++)
                {
                    double x0 = data[c * nTimes];
                    for (int i = 0; i < w; i++) _zi[c * w + i] = _zi0[i] * x0;
                }
            _started = true;
        }
        for (int c = 0; c < NChannels; c++)
        {
            var ch = data.Slice(c * nTimes, nTimes);
            Sos.Filter(ch, ch, _zi.AsSpan(c * w, w));
        }
        SamplesSeen += nTimes;
    }

    /// <summary>Filters one channel's block of a single-channel state in place.</summary>
    public void Process(Span<double> samples) => Process(samples, samples.Length / NChannels);

    /// <summary>Back to the initial state.</summary>
    public void Reset()
    {
        Array.Clear(_zi);
        _started = false;
        SamplesSeen = 0;
    }
}
