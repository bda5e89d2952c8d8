using System.Globalization;
using System.Text;

namespace Neurodecode.Preprocess.Filters;

/// <summary>
/// An IIR filter as MNE-Python 1.3 builds it for <c>method='iir'</c> with the default
/// <c>iir_params=dict(order=4, ftype='butter', output='sos')</c>: a Butterworth design in second-order
/// sections, applied forward and backward (zero phase, so the effective order doubles and the gain at the
/// cut-offs is −6 dB), padded by <see cref="PadLen"/> samples of odd reflection.
/// </summary>
/// <param name="Kind">'lowpass', 'highpass', 'bandpass' or 'bandstop'.</param>
/// <param name="Sfreq">Sampling frequency (Hz).</param>
/// <param name="LFreq">MNE's l_freq (Hz) or null.</param>
/// <param name="HFreq">MNE's h_freq (Hz) or null.</param>
/// <param name="Order">Butterworth order of one pass.</param>
/// <param name="FType">'butter'.</param>
/// <param name="Sos">The sections.</param>
/// <param name="PadLen">MNE's padlen: <c>estimate_ringing_samples(sos)</c>.</param>
/// <param name="CutoffGainsDb">Gain of the forward-backward filter at each critical frequency (dB), as MNE logs it.</param>
public sealed record IirDesign(
    string Kind,
    double Sfreq,
    double? LFreq,
    double? HFreq,
    int Order,
    string FType,
    Sos Sos,
    int PadLen,
    IReadOnlyList<double> CutoffGainsDb)
{
    /// <summary>Critical frequencies (Hz) in ascending order.</summary>
    public IReadOnlyList<double> CriticalFreqs => Kind switch
    {
        "lowpass" => [HFreq!.Value],
        "highpass" => [LFreq!.Value],
        "bandpass" => [LFreq!.Value, HFreq!.Value],
        _ => [HFreq!.Value, LFreq!.Value],
    };

    /// <summary>The design as MNE logs it ("IIR filter parameters" …).</summary>
    public string Describe()
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("IIR filter parameters");
        sb.AppendLine("---------------------");
        sb.AppendLine($"Butterworth {Kind} zero-phase (two-pass forward and reverse) non-causal filter:");
        sb.AppendLine($"- Filter order {2 * Order * CriticalFreqs.Count} (effective, after forward-backward)");
        string plural = CriticalFreqs.Count > 1 ? "s" : "";
        sb.AppendLine($"- Cutoff{plural} at {string.Join(", ", CriticalFreqs.Select(f => f.ToString("0.00", ci)))} Hz: " +
                      $"{string.Join(", ", CutoffGainsDb.Select(g => g.ToString("0.00", ci)))} dB");
        sb.AppendLine($"- Padding: {PadLen} samples of odd reflection each side");
        return sb.ToString();
    }
}

/// <summary>MNE's IIR path: <c>create_filter(..., method='iir')</c> and <c>filter_data(..., method='iir')</c>.</summary>
public static class IirFilter
{
    /// <summary>
    /// Designs MNE's default IIR filter (Butterworth, <paramref name="order"/> 4, sos) for l_freq/h_freq with the
    /// same validation and band logic as the FIR path (l &gt; h gives a band-stop).
    /// </summary>
    public static IirDesign Design(double sfreq, double? lFreq, double? hFreq, int order = 4)
    {
        if (!(sfreq > 0)) throw new ArgumentException("sfreq must be positive");
        double nyq = sfreq / 2.0;
        if (hFreq is { } hf0 && hf0 > nyq)
            throw new ArgumentException($"h_freq ({PyFormat.Repr(hf0)}) must be less than the Nyquist frequency {PyFormat.Repr(nyq)}");
        if (lFreq == 0) lFreq = null;
        if (lFreq is null && hFreq is null)
            throw new ArgumentException("l_freq and h_freq are both None: an IIR all-pass filter is not supported");
        // _triage_filter_params (its l_freq is the lower edge, its h_freq the upper, also for band-stop)
        double? lo = lFreq, hi = hFreq;
        if (lFreq is { } a && hFreq is { } b && a > b) { lo = b; hi = a; }
        if (lo is { } l && l <= 0) throw new ArgumentException($"highpass frequency {PyFormat.Repr(l)} must be greater than zero");
        if (hi is { } h && h >= nyq) throw new ArgumentException($"lowpass frequency {PyFormat.Repr(h)} must be less than Nyquist ({PyFormat.Repr(nyq)})");

        (string kind, IirBandType btype, double[] f) = (lFreq, hFreq) switch
        {
            (null, { } h1) => ("lowpass", IirBandType.Lowpass, new[] { h1 }),
            ({ } l1, null) => ("highpass", IirBandType.Highpass, new[] { l1 }),
            ({ } l1, { } h1) when l1 < h1 => ("bandpass", IirBandType.Bandpass, new[] { l1, h1 }),
            ({ } l1, { } h1) => ("bandstop", IirBandType.Bandstop, new[] { h1, l1 }),
            _ => throw new InvalidOperationException(),
        };
        var sos = Iir.Butter(order, f, btype, sfreq);
        var gains = f.Select(fr => 40 * Math.Log10(sos.Magnitude(Math.PI * fr / nyq))).ToArray();
        return new IirDesign(kind, sfreq, lFreq, hFreq, order, "butter", sos, sos.EstimateRingingSamples(), gains);
    }

    /// <summary>MNE's <c>_filtfilt</c> on one signal in place: sosfiltfilt with padlen = min(PadLen, n − 1).</summary>
    public static void Apply(IirDesign design, Span<double> x)
    {
        if (x.Length == 0) return;
        design.Sos.FiltFilt(x, Math.Min(design.PadLen, x.Length - 1));
    }

    /// <summary>Every channel of a channel-major array in place, channels in parallel.</summary>
    public static void ApplyChannels(IirDesign design, double[] data, int nChannels, int nTimes, int maxDegreeOfParallelism = -1)
    {
        if ((long)nChannels * nTimes > data.Length)
            throw new ArgumentException($"data holds {data.Length} values, expected {nChannels}x{nTimes}");
        Parallel.For(0, nChannels, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism },
            c => Apply(design, data.AsSpan(c * nTimes, nTimes)));
    }
}
