namespace Neurodecode.Ingest.Formats.Gdf;

/// <summary>
/// MNE's per-record rate matching for channels stored with fewer (or more) samples per record than the recording
/// rate (<c>mne/io/edf/edf.py:_read_segment_file</c>). Each record is handled alone, so edges show the same
/// artefacts as in MNE.
/// </summary>
internal static class GdfResampling
{
    /// <summary>
    /// <c>mne.filter.resample(x, up=len(y), down=len(x), npad=0)</c> with the boxcar window: the real FFT of x,
    /// the Nyquist bin of the shorter length halved (up) or doubled (down), scaled by len(y)/len(x), inverse real
    /// FFT of length len(y) (spectrum zero-padded or truncated). Computed as a direct DFT.
    /// </summary>
    public static void FftResample(ReadOnlySpan<double> x, Span<double> y)
    {
        int n = x.Length, big = y.Length;
        int bins = n / 2;                          // rfft(x) has bins 0..n/2
        var (cosN, sinN) = Twiddles(n);
        var re = new double[bins + 1];
        var im = new double[bins + 1];
        for (int k = 0; k <= bins; k++)
        {
            double sr = 0, si = 0;
            for (int m = 0; m < n; m++)
            {
                int t = (int)((long)k * m % n);
                sr += x[m] * cosN[t];
                si -= x[m] * sinN[t];
            }
            re[k] = sr;
            im[k] = si;
        }
        bool shorter = big < n;
        int useLen = shorter ? big : n;
        if (useLen % 2 == 0 && useLen / 2 <= bins)
        {
            double f = shorter ? 2 : 0.5;
            re[useLen / 2] *= f;
            im[useLen / 2] *= f;
        }
        double w = (double)big / n;
        for (int k = 0; k <= bins; k++)
        {
            re[k] *= w;
            im[k] *= w;
        }
        // irfft(X, big): bins 0..big/2 of X (missing ones zero); DC and an even length's Nyquist bin count once, real part only.
        var (cosB, sinB) = Twiddles(big);
        int top = Math.Min(bins, big / 2);
        bool nyquist = big % 2 == 0 && top == big / 2;
        for (int j = 0; j < big; j++)
        {
            double s = re[0];
            int last = nyquist ? top - 1 : top;
            for (int k = 1; k <= last; k++)
            {
                int t = (int)((long)k * j % big);
                s += 2 * (re[k] * cosB[t] - im[k] * sinB[t]);
            }
            if (nyquist)
                s += (j % 2 == 0 ? 1 : -1) * re[top];
            y[j] = s / big;
        }
    }

    /// <summary>cos and sin of 2πt/n for t = 0..n−1.</summary>
    private static (double[] Cos, double[] Sin) Twiddles(int n)
    {
        var cos = new double[n];
        var sin = new double[n];
        for (int t = 0; t < n; t++)
        {
            double angle = 2 * Math.PI * t / n;
            cos[t] = Math.Cos(angle);
            sin[t] = Math.Sin(angle);
        }
        return (cos, sin);
    }

    /// <summary>
    /// Stim channels: <c>interp1d(linspace(0, 1, n + 1), [x, 0], kind='zero')(linspace(0, 1, len(y), endpoint=False))</c>,
    /// i.e. y[j] = x[i] for the last i with i/n ≤ j/len(y), with numpy's floating-point grid.
    /// </summary>
    public static void ZeroOrderHold(ReadOnlySpan<double> x, Span<double> y)
    {
        int n = x.Length, big = y.Length;
        double oldStep = 1.0 / n, newStep = 1.0 / big;
        int i = 0;
        for (int j = 0; j < big; j++)
        {
            double t = j * newStep;
            while (i + 1 < n && (i + 1) * oldStep <= t)
                i++;
            y[j] = x[i];
        }
    }
}
