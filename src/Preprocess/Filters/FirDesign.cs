using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;

namespace Neurodecode.Preprocess.Filters;

/// <summary>
/// A FIR filter as MNE-Python 1.3 designs it (<c>mne.filter.create_filter</c>, method 'fir', firwin design),
/// with every number that went into it: what to log, store in the resolved pipeline, and golden-test.
/// </summary>
/// <param name="Kind">'highpass', 'lowpass', 'bandpass', 'bandstop' or 'allpass'.</param>
/// <param name="Sfreq">Sampling frequency (Hz).</param>
/// <param name="LFreq">Lower pass-band edge (Hz) of a high-/band-pass; MNE's l_freq. Null for low-pass and notch.</param>
/// <param name="HFreq">Upper pass-band edge (Hz) of a low-/band-pass; MNE's h_freq. Null for high-pass and notch.</param>
/// <param name="LTransBandwidth">Lower transition bandwidth (Hz), resolved from 'auto' when it was.</param>
/// <param name="HTransBandwidth">Upper transition bandwidth (Hz), resolved from 'auto' when it was.</param>
/// <param name="Cutoffs">The −6 dB frequencies (Hz): the middle of every transition band, in ascending order.</param>
/// <param name="Freq">Gain points (Hz), 0 … Nyquist, as create_filter passes them to the designer.</param>
/// <param name="Gain">Gain (0 or 1) at each of <paramref name="Freq"/>.</param>
/// <param name="FilterLength">Number of taps (odd).</param>
/// <param name="Window">'hamming', 'hann' or 'blackman'.</param>
/// <param name="Phase">'zero': applied once, delay compensated (non-causal).</param>
/// <param name="FirDesignMethod">'firwin'.</param>
/// <param name="Pad">How signals are extended before filtering: 'reflect_limited' (MNE's default for Raw).</param>
/// <param name="Taps">The impulse response (symmetric). Not serialised: it is rebuilt from the parameters.</param>
public sealed record FirDesign(
    string Kind,
    double Sfreq,
    double? LFreq,
    double? HFreq,
    double? LTransBandwidth,
    double? HTransBandwidth,
    IReadOnlyList<double> Cutoffs,
    IReadOnlyList<double> Freq,
    IReadOnlyList<double> Gain,
    int FilterLength,
    string Window,
    string Phase,
    string FirDesignMethod,
    string Pad,
    [property: JsonIgnore] double[] Taps)
{
    /// <summary>Notch frequencies (Hz) when this is a notch filter (a band-stop around each).</summary>
    public IReadOnlyList<double>? NotchFreqs { get; init; }

    /// <summary>Stop-band width (Hz) around each notch frequency (MNE default freqs/200).</summary>
    public IReadOnlyList<double>? NotchWidths { get; init; }

    /// <summary>Filter length in seconds.</summary>
    public double FilterLengthSeconds => FilterLength / Sfreq;

    /// <summary>Samples added at each end before filtering a signal of <paramref name="nTimes"/> samples: min(N, n) − 1.</summary>
    public int EdgePadding(int nTimes) => Math.Max(Math.Min(FilterLength, nTimes) - 1, 0);

    /// <summary>
    /// The FFT length MNE's overlap-add uses for a signal of <paramref name="nTimes"/> samples
    /// (<c>_overlap_add_filter</c>: the cheapest power of two by its cost model, or next_fast_len(2N−1) for short signals).
    /// </summary>
    public int FftLength(int nTimes) => FirFilter.MneFftLength(FilterLength, nTimes + 2 * EdgePadding(nTimes));

    /// <summary>MNE's warning when the filter is longer than the signal, or null.</summary>
    public string? LengthWarning(int nTimes) => Kind != "allpass" && FilterLength > nTimes
        ? $"filter_length ({FilterLength}) is longer than the signal ({nTimes}), distortion is likely. Reduce filter length or filter a longer signal."
        : null;

    /// <summary>The design as MNE logs it ("FIR filter parameters" …), one line per entry.</summary>
    public string Describe()
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        string Hz(double v) => v.ToString("0.##", ci);
        switch (Kind)
        {
            case "highpass": sb.AppendLine($"Setting up high-pass filter at {Hz(LFreq!.Value)} Hz"); break;
            case "lowpass": sb.AppendLine($"Setting up low-pass filter at {Hz(HFreq!.Value)} Hz"); break;
            case "bandpass": sb.AppendLine($"Setting up band-pass filter from {Hz(LFreq!.Value)} - {Hz(HFreq!.Value)} Hz"); break;
            case "bandstop":
                sb.AppendLine(NotchFreqs != null
                    ? $"Setting up band-stop filter (notch at {string.Join(", ", NotchFreqs.Select(Hz))} Hz)"
                    : "Setting up band-stop filter");
                break;
        }
        var (name, ripple, att) = FirWindows.Parse(Window).Properties();
        sb.AppendLine();
        sb.AppendLine("FIR filter parameters");
        sb.AppendLine("---------------------");
        sb.AppendLine($"Designing a one-pass, zero-phase, non-causal {Kind} filter:");
        sb.AppendLine("- Windowed time-domain design (firwin) method");
        sb.AppendLine($"- {name} window with {ripple.ToString("0.0000", ci)} passband ripple and {att} dB stopband attenuation");
        if (LTransBandwidth is { } lt && Kind is "highpass" or "bandpass")
        {
            sb.AppendLine($"- Lower passband edge: {LFreq!.Value.ToString("0.00", ci)}");
            sb.AppendLine($"- Lower transition bandwidth: {lt.ToString("0.00", ci)} Hz (-6 dB cutoff frequency: {(LFreq.Value - lt / 2).ToString("0.00", ci)} Hz)");
        }
        if (HTransBandwidth is { } ht && Kind is "lowpass" or "bandpass")
        {
            sb.AppendLine($"- Upper passband edge: {HFreq!.Value.ToString("0.00", ci)} Hz");
            sb.AppendLine($"- Upper transition bandwidth: {ht.ToString("0.00", ci)} Hz (-6 dB cutoff frequency: {(HFreq.Value + ht / 2).ToString("0.00", ci)} Hz)");
        }
        if (Kind == "bandstop")
        {
            sb.AppendLine($"- Transition bandwidth: {LTransBandwidth!.Value.ToString("0.00", ci)} Hz");
            sb.AppendLine($"- -6 dB cutoff frequencies: {string.Join(", ", Cutoffs.Select(c => c.ToString("0.00", ci)))} Hz");
        }
        sb.AppendLine($"- Filter length: {FilterLength} samples ({FilterLengthSeconds.ToString("0.000", ci)} sec)");
        return sb.ToString();
    }
}
