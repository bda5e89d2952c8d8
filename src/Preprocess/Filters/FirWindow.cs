namespace Neurodecode.Preprocess.Filters;

/// <summary>The window of a firwin design (MNE's <c>fir_window</c>).</summary>
public enum FirWindow
{
    Hamming,
    Hann,
    Blackman,
}

/// <summary>Window shapes, MNE's length factors, and scipy.signal.firwin for a single low-pass cut-off.</summary>
public static class FirWindows
{
    /// <summary>MNE's name for the window, as in <c>fir_window='hamming'</c>.</summary>
    public static string MneName(this FirWindow window) => window switch
    {
        FirWindow.Hamming => "hamming",
        FirWindow.Hann => "hann",
        FirWindow.Blackman => "blackman",
        _ => throw new ArgumentOutOfRangeException(nameof(window), window, null),
    };

    /// <summary>Parses MNE's <c>fir_window</c> string.</summary>
    public static FirWindow Parse(string name) => name switch
    {
        "hamming" => FirWindow.Hamming,
        "hann" => FirWindow.Hann,
        "blackman" => FirWindow.Blackman,
        _ => throw new ArgumentException($"Invalid value for the 'fir_window' parameter. Allowed values are 'blackman', 'hamming', and 'hann', but got '{name}' instead."),
    };

    /// <summary>
    /// MNE's <c>_length_factors</c>: filter length in samples ≈ factor / (transition bandwidth / sfreq).
    /// </summary>
    public static double LengthFactor(this FirWindow window) => window switch
    {
        FirWindow.Hamming => 3.3,
        FirWindow.Hann => 3.1,
        FirWindow.Blackman => 5.0,
        _ => throw new ArgumentOutOfRangeException(nameof(window), window, null),
    };

    /// <summary>Display name, passband ripple and stopband attenuation MNE logs for the window.</summary>
    public static (string Name, double Ripple, int AttenuationDb) Properties(this FirWindow window) => window switch
    {
        FirWindow.Hamming => ("Hamming", 0.0194, 53),
        FirWindow.Hann => ("Hann", 0.0546, 44),
        FirWindow.Blackman => ("Blackman", 0.0017, 74),
        _ => throw new ArgumentOutOfRangeException(nameof(window), window, null),
    };

    /// <summary>
    /// The symmetric window of length <paramref name="m"/> as scipy.signal.get_window(…, fftbins=False) builds it:
    /// <c>Σ a_k·cos(k·fac)</c> with <c>fac = linspace(−π, π, m)</c> (general_cosine).
    /// </summary>
    public static double[] Symmetric(FirWindow window, int m)
    {
        if (m < 0) throw new ArgumentOutOfRangeException(nameof(m), m, "Window length M must be a non-negative integer");
        var w = new double[m];
        if (m <= 1)
        {
            w.AsSpan().Fill(1.0);
            return w;
        }
        double[] a = window switch
        {
            FirWindow.Hamming => [0.54, 1.0 - 0.54],
            FirWindow.Hann => [0.5, 1.0 - 0.5],
            FirWindow.Blackman => [0.42, 0.50, 0.08],
            _ => throw new ArgumentOutOfRangeException(nameof(window), window, null),
        };
        // numpy.linspace: step = (stop − start)/(num − 1); y = i·step + start; y[−1] = stop.
        double start = -Math.PI, stop = Math.PI, step = (stop - start) / (m - 1);
        for (int i = 0; i < m; i++)
        {
            double fac = i == m - 1 ? stop : i * step + start;
            double v = 0.0;
            for (int k = 0; k < a.Length; k++)
                v += a[k] * Math.Cos(k * fac);
            w[i] = v;
        }
        return w;
    }

    /// <summary>
    /// scipy.signal.firwin(numtaps, cutoff, window, pass_zero=True, scale=True) for one cut-off in units of the
    /// Nyquist frequency: a windowed-sinc low-pass normalised to unit gain at DC.
    /// </summary>
    public static double[] FirwinLowpass(int numtaps, double cutoff, FirWindow window)
        => FirwinLowpass(numtaps, cutoff, Symmetric(window, numtaps));

    /// <summary>firwin with a window given as values (e.g. a Kaiser window), length <paramref name="numtaps"/>.</summary>
    public static double[] FirwinLowpass(int numtaps, double cutoff, ReadOnlySpan<double> win)
    {
        if (numtaps < 1) throw new ArgumentOutOfRangeException(nameof(numtaps), numtaps, "numtaps must be at least 1");
        if (cutoff <= 0 || cutoff >= 1)
            throw new ArgumentOutOfRangeException(nameof(cutoff), cutoff, "Invalid cutoff frequency: frequencies must be greater than 0 and less than fs/2.");
        if (win.Length != numtaps) throw new ArgumentException("window length must equal numtaps");
        var h = new double[numtaps];
        double alpha = 0.5 * (numtaps - 1);
        for (int k = 0; k < numtaps; k++)
        {
            double m = k - alpha;
            h[k] = cutoff * Sinc(cutoff * m) * win[k];
        }
        // scale so that the gain at DC is 1: numpy's pairwise sum, as np.sum does.
        double s = PairwiseSum(h);
        for (int k = 0; k < numtaps; k++) h[k] /= s;
        return h;
    }

    /// <summary>numpy.sinc: sin(πx)/(πx) with x = 0 replaced by 1e-20.</summary>
    internal static double Sinc(double x)
    {
        double y = Math.PI * (x == 0 ? 1.0e-20 : x);
        return Math.Sin(y) / y;
    }

    /// <summary>numpy's pairwise summation (what <c>np.sum</c> does on a contiguous float64 array), so sums agree bit for bit.</summary>
    internal static double PairwiseSum(ReadOnlySpan<double> a)
    {
        int n = a.Length;
        if (n < 8)
        {
            double res = 0.0;
            for (int i = 0; i < n; i++) res += a[i];
            return res;
        }
        if (n <= 128)
        {
            double r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], r4 = a[4], r5 = a[5], r6 = a[6], r7 = a[7];
            int i = 8;
            for (; i < n - n % 8; i += 8)
            {
                r0 += a[i]; r1 += a[i + 1]; r2 += a[i + 2]; r3 += a[i + 3];
                r4 += a[i + 4]; r5 += a[i + 5]; r6 += a[i + 6]; r7 += a[i + 7];
            }
            double res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
            for (; i < n; i++) res += a[i];
            return res;
        }
        int n2 = n / 2;
        n2 -= n2 % 8;
        return PairwiseSum(a[..n2]) + PairwiseSum(a[n2..]);
    }
}
