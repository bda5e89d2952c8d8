using MathNet.Numerics.IntegralTransforms;

namespace Neurodecode.Ingest.Signals;

/// <summary>
/// FFT resampling as <c>mne.filter.resample(x, up, down, npad, window='boxcar', pad='reflect_limited')</c>
/// computes it for one channel (MNE 1.3, <c>mne/cuda.py:_fft_resample</c>): pad, <c>rfft</c>, keep or zero-fill
/// the spectrum (the bin at half the shorter length is doubled when downsampling and halved when upsampling),
/// scale by <c>new_len / len</c>, <c>irfft</c> to the new length, trim the padding. No anti-alias filter
/// beyond the spectral truncation. Used by the EDF reader (per data record, no padding) and by resampling steps.
/// </summary>
public static class FourierResample
{
    /// <summary>MNE's output length: <c>max(round(up / down * n), 1)</c> with Python's half-even rounding.</summary>
    public static int OutputLength(int n, double up, double down) =>
        Math.Max((int)Math.Round(up / down * n, MidpointRounding.ToEven), 1);

    /// <summary>
    /// MNE's <c>npad='auto'</c>: pad to the next power of two of <c>n + 2·min(n // 8, 100)</c>, split as
    /// <c>[npad // 2, npad // 2 + npad % 2]</c>.
    /// </summary>
    public static (int Left, int Right) AutoPad(int n)
    {
        int minAdd = Math.Min(n / 8, 100) * 2;
        int total = (int)(1L << (int)Math.Ceiling(Math.Log2(n + minAdd))) - n;
        return (total / 2, total / 2 + total % 2);
    }

    /// <summary>Resamples <paramref name="x"/> by <paramref name="up"/>/<paramref name="down"/> into a new array.</summary>
    public static double[] Resample(ReadOnlySpan<double> x, double up, double down, int padLeft = 0, int padRight = 0)
    {
        var y = new double[OutputLength(x.Length, up, down)];
        Resample(x, up, down, y, padLeft, padRight);
        return y;
    }

    /// <summary>
    /// Resamples <paramref name="x"/> by <paramref name="up"/>/<paramref name="down"/> into <paramref name="dest"/>,
    /// which must hold <see cref="OutputLength"/> values. Padding (odd reflection, MNE's <c>reflect_limited</c>) of
    /// <paramref name="padLeft"/> and <paramref name="padRight"/> samples is added before and trimmed after.
    /// </summary>
    public static void Resample(ReadOnlySpan<double> x, double up, double down, Span<double> dest,
        int padLeft = 0, int padRight = 0)
    {
        if (x.Length == 0)
            throw new ArgumentException("cannot resample an empty signal", nameof(x));
        if (padLeft < 0 || padRight < 0)
            throw new ArgumentOutOfRangeException(nameof(padLeft), "padding must be non-negative");
        if (!(up > 0) || !(down > 0) || double.IsInfinity(up) || double.IsInfinity(down))
            throw new ArgumentOutOfRangeException(nameof(up), $"up = {up}, down = {down} (expected positive finite)");
        double ratio = up / down;
        int finalLen = OutputLength(x.Length, up, down);
        if (dest.Length != finalLen)
            throw new ArgumentException($"destination holds {dest.Length} values, resampling gives {finalLen}", nameof(dest));

        int oldLen = x.Length + padLeft + padRight;
        int newLen = Math.Max((int)Math.Round(ratio * oldLen, MidpointRounding.ToEven), 1);
        int removeLeft = (int)Math.Round(ratio * padLeft, MidpointRounding.ToEven);

        // Packed real spectrum layout (MathNet): re0, im0, re1, im1, ... (length n + 2 for even n, n + 1 for odd).
        var spectrum = new double[PackedLength(Math.Max(oldLen, newLen))];
        Pad(x, padLeft, padRight, spectrum.AsSpan(0, oldLen));
        Fourier.ForwardReal(spectrum, oldLen, FourierOptions.NoScaling);

        bool shorter = newLen < oldLen;
        int useLen = shorter ? newLen : oldLen;
        if (useLen % 2 == 0)
        {
            int nyq = useLen / 2;
            double factor = shorter ? 2.0 : 0.5;
            spectrum[2 * nyq] *= factor;
            spectrum[2 * nyq + 1] *= factor;
        }

        // Keep the bins irfft(X, newLen) uses; zero the rest (zero-fill when upsampling).
        int keepBins = Math.Min(oldLen / 2 + 1, newLen / 2 + 1);
        double scale = (double)newLen / oldLen;
        for (int i = 0; i < 2 * keepBins; i++)
            spectrum[i] *= scale;
        spectrum.AsSpan(2 * keepBins).Clear();
        // irfft ignores the imaginary parts of the DC bin and, for even lengths, of the Nyquist bin.
        spectrum[1] = 0;
        if (newLen % 2 == 0)
            spectrum[newLen + 1] = 0;
        Fourier.InverseReal(spectrum, newLen, FourierOptions.NoScaling);

        double inv = 1.0 / newLen;
        var kept = spectrum.AsSpan(removeLeft, finalLen);
        for (int i = 0; i < finalLen; i++)
            dest[i] = kept[i] * inv;
    }

    private static int PackedLength(int n) => n % 2 == 0 ? n + 2 : n + 1;

    /// <summary>MNE's <c>_smart_pad(x, (left, right), 'reflect_limited')</c>: odd reflection, zeros beyond the signal.</summary>
    private static void Pad(ReadOnlySpan<double> x, int left, int right, Span<double> dest)
    {
        int n = x.Length;
        if (left == 0 && right == 0)
        {
            x.CopyTo(dest);
            return;
        }
        int lz = Math.Max(left - n + 1, 0), rz = Math.Max(right - n + 1, 0);
        int pos = 0;
        dest.Slice(pos, lz).Clear();
        pos += lz;
        // 2*x[0] - x[left:0:-1]
        for (int i = left - lz; i >= 1; i--)
            dest[pos++] = 2 * x[0] - x[i];
        x.CopyTo(dest.Slice(pos));
        pos += n;
        // 2*x[-1] - x[-2:-right-2:-1]
        for (int k = 0; k < right - rz; k++)
            dest[pos++] = 2 * x[n - 1] - x[n - 2 - k];
        dest.Slice(pos, rz).Clear();
    }
}
