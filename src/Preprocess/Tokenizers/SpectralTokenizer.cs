using Neurodecode.Ingest.Numerics;

namespace Neurodecode.Preprocess.Tokenizers;

/// <summary>A named frequency band [l_freq, h_freq) in Hz.</summary>
public sealed record FrequencyBand(string Name, double LFreq, double HFreq);

/// <summary>The taper applied to a patch before its periodogram.</summary>
public enum SpectralWindow
{
    /// <summary>Periodic Hann, 0.5 − 0.5·cos(2πt/n): SciPy's <c>get_window('hann', n)</c>, welch's default.</summary>
    Hann,
    /// <summary>No taper: SciPy's <c>periodogram</c> default.</summary>
    Boxcar,
}

/// <summary>
/// Settings of the spectral tokens.
/// </summary>
/// <param name="Sfreq">Sampling frequency of the patches (Hz); CBraMod: 200.</param>
/// <param name="Bands">Bands whose power is summed; null means <see cref="DefaultBands"/>.</param>
/// <param name="Window">Taper for the band-power periodogram (the rFFT magnitude never has one, as in CBraMod).</param>
public sealed record SpectralTokenizerConfig(double Sfreq, IReadOnlyList<FrequencyBand>? Bands = null,
    SpectralWindow Window = SpectralWindow.Hann)
{
    /// <summary>delta 0.5–4, theta 4–8, alpha 8–13, beta 13–30, gamma 30–45 Hz (gamma stops below 50/60 Hz mains).</summary>
    public static IReadOnlyList<FrequencyBand> DefaultBands { get; } =
    [
        new("delta", 0.5, 4), new("theta", 4, 8), new("alpha", 8, 13), new("beta", 13, 30), new("gamma", 30, 45),
    ];

    public IReadOnlyList<FrequencyBand> Bands { get; init; } = Bands ?? DefaultBands;

    public void Validate()
    {
        if (!(Sfreq > 0) || !double.IsFinite(Sfreq)) throw new ArgumentException($"sfreq ({Sfreq}) must be a positive number");
        if (Bands.Count == 0) throw new ArgumentException("bands is empty: give at least one band");
        double nyquist = Sfreq / 2;
        foreach (var b in Bands)
        {
            if (string.IsNullOrWhiteSpace(b.Name)) throw new ArgumentException($"band [{b.LFreq}, {b.HFreq}) Hz has no name");
            if (!(b.LFreq >= 0) || !(b.HFreq > b.LFreq))
                throw new ArgumentException($"band '{b.Name}': l_freq ({b.LFreq}) must be ≥ 0 and below h_freq ({b.HFreq})");
            if (b.HFreq > nyquist)
                throw new ArgumentException($"band '{b.Name}': h_freq ({b.HFreq}) must be at most the Nyquist frequency {nyquist}");
        }
        var duplicate = Bands.GroupBy(b => b.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate != null) throw new ArgumentException($"band name '{duplicate.Key}' is used {duplicate.Count()} times");
    }

    public string ToJson() => TokenizerJson.Serialize(this);

    public static SpectralTokenizerConfig FromJson(string json, string source = "spectral tokenizer config")
    {
        var config = TokenizerJson.Deserialize<SpectralTokenizerConfig>(json, source);
        config.Validate();
        return config;
    }
}

/// <summary>
/// Per-patch spectral tokens:
/// <list type="bullet">
/// <item><see cref="Magnitude"/>: |rfft(patch)|/patch_len, patch_len/2 + 1 bins: CBraMod's spectral branch,
/// <c>torch.abs(torch.fft.rfft(x, norm='forward'))</c>, no taper, no detrending.</item>
/// <item><see cref="BandPower"/>: the patch's one-sided periodogram (mean removed, tapered by
/// <see cref="SpectralTokenizerConfig.Window"/>, density scaling: <c>scipy.signal.periodogram(x, fs, window,
/// detrend='constant', scaling='density')</c>) integrated over each band as Σ P(f_k)·Δf for the bins
/// f_k = k·sfreq/patch_len with l_freq ≤ f_k &lt; h_freq. Units: input unit² (V² for volts).</item>
/// </list>
/// Outputs are float32 arrays (n, channels, n_patches, bins or bands), computed in float64.
/// </summary>
public sealed class SpectralTokenizer
{
    public SpectralTokenizer(SpectralTokenizerConfig config)
    {
        config.Validate();
        Config = config;
    }

    public SpectralTokenizerConfig Config { get; }

    public static int NBins(int patchLen) => patchLen / 2 + 1;

    /// <summary>|rfft|/patch_len of every patch: shape (n, channels, n_patches, patch_len/2 + 1).</summary>
    public static float[] Magnitude(PatchView patches)
    {
        int n = patches.Shape.PatchLen, bins = NBins(n);
        var result = new float[(long)patches.Shape.NSegments * bins];
        var work = new FftWork(n);
        for (int i = 0; i < patches.Shape.NSegments; i++)
        {
            var seg = patches.Segment(i);
            for (int t = 0; t < n; t++) work.Re[t] = seg[t];
            work.Forward();
            var dst = result.AsSpan(i * bins, bins);
            for (int k = 0; k < bins; k++) dst[k] = (float)(Math.Sqrt(work.Re[k] * work.Re[k] + work.Im[k] * work.Im[k]) / n);
        }
        return result;
    }

    /// <summary>Band power of every patch: shape (n, channels, n_patches, bands), bands in config order.</summary>
    public float[] BandPower(PatchView patches)
    {
        int n = patches.Shape.PatchLen, nBands = Config.Bands.Count;
        var bins = BandBins(n);
        double df = Config.Sfreq / n;
        var result = new float[(long)patches.Shape.NSegments * nBands];
        var work = new FftWork(n);
        var window = Taper(Config.Window, n);
        var pxx = new double[NBins(n)];
        var x = new double[n];
        for (int i = 0; i < patches.Shape.NSegments; i++)
        {
            var seg = patches.Segment(i);
            for (int t = 0; t < n; t++) x[t] = seg[t];
            Periodogram(x, Config.Sfreq, window, pxx, work);
            for (int b = 0; b < nBands; b++)
            {
                double sum = 0;
                for (int k = bins[b].Start; k < bins[b].End; k++) sum += pxx[k];
                result[i * nBands + b] = (float)(sum * df);
            }
        }
        return result;
    }

    /// <summary>
    /// The bins k (0 … patch_len/2) of each band: l_freq ≤ k·sfreq/patch_len &lt; h_freq. Throws, naming the band,
    /// if one holds no bin at this patch length.
    /// </summary>
    public (int Start, int End)[] BandBins(int patchLen)
    {
        if (patchLen < 2) throw new ArgumentException($"patch_len ({patchLen}) must be at least 2 for a spectrum");
        int nBins = NBins(patchLen);
        return Config.Bands.Select(b =>
        {
            int start = 0;
            while (start < nBins && Freq(start) < b.LFreq) start++;
            int end = start;
            while (end < nBins && Freq(end) < b.HFreq) end++;
            if (end == start)
                throw new ArgumentException(
                    $"band '{b.Name}' [{b.LFreq}, {b.HFreq}) Hz holds no frequency bin of a {patchLen}-sample patch at " +
                    $"{Config.Sfreq} Hz (bins every {Config.Sfreq / patchLen:G4} Hz)");
            return (start, end);
        }).ToArray();

        double Freq(int k) => k * Config.Sfreq / patchLen;
    }

    /// <summary>The taper values for <paramref name="n"/> samples (periodic Hann, or ones).</summary>
    public static double[] Taper(SpectralWindow window, int n)
    {
        var w = new double[n];
        for (int t = 0; t < n; t++)
            w[t] = window == SpectralWindow.Hann ? 0.5 - 0.5 * Math.Cos(2 * Math.PI * t / n) : 1.0;
        return w;
    }

    /// <summary>
    /// One-sided power spectral density of <paramref name="x"/> into <paramref name="pxx"/> (n/2 + 1 bins), as
    /// <c>scipy.signal.periodogram(x, sfreq, window, detrend='constant', scaling='density')</c>.
    /// </summary>
    public static void Periodogram(ReadOnlySpan<double> x, double sfreq, ReadOnlySpan<double> window, Span<double> pxx) =>
        Periodogram(x, sfreq, window, pxx, new FftWork(x.Length));

    private static void Periodogram(ReadOnlySpan<double> x, double sfreq, ReadOnlySpan<double> window, Span<double> pxx,
        FftWork work)
    {
        int n = x.Length;
        if (window.Length != n || pxx.Length != NBins(n))
            throw new ArgumentException($"a {n}-sample periodogram needs {n} taper values and {NBins(n)} output bins");
        double mean = 0, wss = 0;
        for (int t = 0; t < n; t++) mean += x[t];
        mean /= n;
        for (int t = 0; t < n; t++)
        {
            work.Re[t] = (x[t] - mean) * window[t];
            wss += window[t] * window[t];
        }
        work.Forward();
        double scale = 1 / (sfreq * wss);
        for (int k = 0; k < pxx.Length; k++)
        {
            double p = (work.Re[k] * work.Re[k] + work.Im[k] * work.Im[k]) * scale;
            // One-sided: every bin but DC and (for even n) Nyquist stands for itself and its negative twin.
            bool single = k == 0 || 2 * k == n;
            pxx[k] = single ? p : 2 * p;
        }
    }

    /// <summary>
    /// Buffers for real-input transforms of one length through <see cref="FftPlan"/>: a complex FFT with a zero
    /// imaginary part. Packing two patches per transform would halve the FFT work, but a patch's tokens cost a few
    /// microseconds either way.
    /// </summary>
    private sealed class FftWork(int n)
    {
        private readonly FftPlan _plan = FftPlan.Get(n);
        private readonly double[] _scratchRe = new double[n], _scratchIm = new double[n];
        public double[] Re { get; } = new double[n];
        public double[] Im { get; } = new double[n];

        /// <summary>Transforms <see cref="Re"/> (the real input) in place; <see cref="Im"/> is cleared first.</summary>
        public void Forward()
        {
            Array.Clear(Im);
            _plan.Forward(Re, Im, _scratchRe, _scratchIm);
        }
    }
}
