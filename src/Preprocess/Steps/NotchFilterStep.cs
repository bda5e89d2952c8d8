using System.Text.Json;
using System.Text.Json.Nodes;
using Neurodecode.Preprocess.Filters;

namespace Neurodecode.Preprocess.Steps;

/// <summary>
/// MNE's <c>raw.notch_filter(freqs)</c> (FIR, zero phase) on the data channels: one band-stop around every frequency,
/// widths freqs/200 unless <c>notch_widths</c> is given. <c>"harmonics": true</c> adds every multiple of the first
/// frequency below Nyquist (the usual <c>np.arange(60, sfreq / 2, 60)</c>).
/// </summary>
public sealed record NotchFilterStep(IReadOnlyList<double> Freqs, IReadOnlyList<double>? NotchWidths = null,
    bool Harmonics = false, double TransBandwidth = 1.0) : Step
{
    public override ResolvedStep Resolve(SignalInfo input)
    {
        var freqs = Frequencies(input.Sfreq);
        var design = FirFilter.DesignNotch(input.Sfreq, freqs, NotchWidths, TransBandwidth);
        return new FilterStep.Fir(this, input, input.DataChannels(), design);
    }

    /// <summary>The notched frequencies at <paramref name="sfreq"/> (harmonics expanded), each checked against Nyquist.</summary>
    public double[] Frequencies(double sfreq)
    {
        if (Freqs.Count == 0)
            throw new ArgumentException("freqs must contain at least one frequency");
        double nyq = sfreq / 2;
        var freqs = Harmonics
            ? Enumerable.Range(1, (int)Math.Ceiling(nyq / Freqs[0])).Select(k => k * Freqs[0]).Where(f => f < nyq).ToArray()
            : Freqs.ToArray();
        foreach (double f in freqs)
            if (!(f > 0) || f >= nyq)
                throw new ArgumentException($"notch frequency ({f}) must be between 0 and the Nyquist frequency {nyq}");
        return freqs;
    }
}
