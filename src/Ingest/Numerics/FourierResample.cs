using System.Buffers;
using System.Runtime.CompilerServices;

namespace Neurodecode.Ingest.Numerics;

/// <summary>
/// The core of MNE's FFT resampling, <c>mne.filter.resample(x, up, down, npad=0, window='boxcar')</c> (MNE 1.3,
/// <c>mne/cuda.py:_fft_resample</c>): <c>rfft</c> of the old length; for the shorter of the two lengths, when even,
/// its Nyquist bin doubled (downsampling) or halved (upsampling); everything scaled by <c>new_len / old_len</c>;
/// <c>irfft</c> to the new length (spectrum truncated or zero-filled). No anti-alias filter beyond the spectral
/// truncation, no padding: the EDF and GDF readers use it per data record as MNE does, and
/// <c>Preprocess.Resampling.Resample</c> pads and trims around it.
/// </summary>
public static class FourierResample
{
    /// <summary>MNE's output length: <c>max(round(up / down * n), 1)</c> with Python's half-even rounding.</summary>
    public static int OutputLength(int n, double up, double down) =>
        Math.Max((int)Math.Round(up / down * n, MidpointRounding.ToEven), 1);

    /// <summary>Resamples <paramref name="x"/> by <paramref name="up"/>/<paramref name="down"/> into a new array.</summary>
    public static double[] Resample(ReadOnlySpan<double> x, double up, double down)
    {
        if (!(up > 0) || !(down > 0) || double.IsInfinity(up) || double.IsInfinity(down))
            throw new ArgumentOutOfRangeException(nameof(up), $"up = {up}, down = {down} (expected positive finite)");
        var y = new double[OutputLength(x.Length, up, down)];
        Resample(x, y);
        return y;
    }

    /// <summary>
    /// Resamples <paramref name="x"/> to the length of <paramref name="y"/>:
    /// <c>mne.filter.resample(x, up=len(y), down=len(x), npad=0)</c>.
    /// </summary>
    public static void Resample(ReadOnlySpan<double> x, Span<double> y)
    {
        if (x.IsEmpty)
            throw new ArgumentException("cannot resample an empty signal", nameof(x));
        if (y.IsEmpty)
            throw new ArgumentException("cannot resample to an empty signal", nameof(y));
        using var ws = new Workspace();
        ws.Prepare(x.Length, y.Length);
        x.CopyTo(ws.InputA);
        ws.InputB.Clear();
        ResamplePair(ws);
        ws.OutputA.CopyTo(y);
    }

    /// <summary>
    /// Resamples the two real signals a = <see cref="Workspace.InputA"/> and b = <see cref="Workspace.InputB"/>
    /// (filled by the caller after <see cref="Workspace.Prepare"/>) into <see cref="Workspace.OutputA"/> and
    /// <see cref="Workspace.OutputB"/>, with one complex FFT each way: z = a + i·b, Z = FFT_L(z); the new spectrum
    /// W (length M) takes, for every bin k the real transform keeps, W[k] = Z[k] and W[M−k] = Z[L−k]; an even
    /// output Nyquist bin that is not beyond the input's gets Re A + i·Re B = (Z[k] + Z[L−k])/2. The real part of
    /// IFFT_M(W) is a's output, the imaginary part b's. The inputs are overwritten.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ResamplePair(Workspace ws)
    {
        int l = ws.OldLength, m = ws.NewLength;
        if (l < 1 || m < 1)
            throw new InvalidOperationException("Workspace.Prepare(oldLength, newLength) first");
        var re = ws.InputA; var im = ws.InputB;
        FftPlan.Get(l).Forward(re, im, ws.ScratchRe, ws.ScratchIm);

        var wr = ws.SpectrumRe; var wi = ws.SpectrumIm;
        wr.Clear();
        wi.Clear();
        bool shorter = m < l;
        int useLen = shorter ? m : l;
        int nyqBin = useLen % 2 == 0 ? useLen / 2 : -1;
        double nyqFactor = shorter ? 2.0 : 0.5;
        double scale = (double)m / l / m; // boxcar window W = new_len/old_len, then irfft's 1/new_len

        wr[0] = re[0] * scale;
        wi[0] = im[0] * scale;
        int kMax = Math.Min((m + 1) / 2 - 1, l / 2);
        for (int k = 1; k <= kMax; k++)
        {
            double f = k == nyqBin ? nyqFactor * scale : scale;
            wr[k] = re[k] * f; wi[k] = im[k] * f;
            wr[m - k] = re[l - k] * f; wi[m - k] = im[l - k] * f;
        }
        if (m % 2 == 0 && m <= l)
        {
            int k = m / 2;
            double f = (k == nyqBin ? nyqFactor : 1.0) * scale * 0.5;
            wr[k] = (re[k] + re[l - k]) * f;
            wi[k] = (im[k] + im[l - k]) * f;
        }
        FftPlan.Get(m).Inverse(wr, wi, ws.ScratchRe, ws.ScratchIm);
    }

    /// <summary>
    /// Buffers for <see cref="ResamplePair"/>, rented from the shared array pool and returned on
    /// <see cref="Dispose"/>; reusable for any lengths (one per thread).
    /// </summary>
    public sealed class Workspace : IDisposable
    {
        private double[] _a = [], _b = [], _outA = [], _outB = [], _scratchA = [], _scratchB = [];

        /// <summary>The input length L (the forward FFT's).</summary>
        public int OldLength { get; private set; }

        /// <summary>The output length M (the inverse FFT's).</summary>
        public int NewLength { get; private set; }

        /// <summary>Sizes the buffers for resampling <paramref name="oldLength"/> samples to <paramref name="newLength"/>.</summary>
        public void Prepare(int oldLength, int newLength)
        {
            if (oldLength < 1 || newLength < 1)
                throw new ArgumentOutOfRangeException(nameof(oldLength), $"lengths {oldLength} -> {newLength} (expected positive)");
            int len = Math.Max(oldLength, newLength);
            if (_a.Length < len)
            {
                Dispose();
                var pool = ArrayPool<double>.Shared;
                _a = pool.Rent(len); _b = pool.Rent(len); _outA = pool.Rent(len); _outB = pool.Rent(len);
                _scratchA = pool.Rent(len); _scratchB = pool.Rent(len);
            }
            OldLength = oldLength;
            NewLength = newLength;
        }

        /// <summary>Signal a, <see cref="OldLength"/> samples: fill before <see cref="ResamplePair"/>.</summary>
        public Span<double> InputA => _a.AsSpan(0, OldLength);

        /// <summary>Signal b (zeros if there is none).</summary>
        public Span<double> InputB => _b.AsSpan(0, OldLength);

        /// <summary>a resampled, <see cref="NewLength"/> samples.</summary>
        public ReadOnlySpan<double> OutputA => _outA.AsSpan(0, NewLength);

        /// <summary>b resampled.</summary>
        public ReadOnlySpan<double> OutputB => _outB.AsSpan(0, NewLength);

        internal Span<double> SpectrumRe => _outA.AsSpan(0, NewLength);
        internal Span<double> SpectrumIm => _outB.AsSpan(0, NewLength);
        internal Span<double> ScratchRe => _scratchA.AsSpan(0, Math.Max(OldLength, NewLength));
        internal Span<double> ScratchIm => _scratchB.AsSpan(0, Math.Max(OldLength, NewLength));

        /// <summary>Returns the buffers to the pool.</summary>
        public void Dispose()
        {
            if (_a.Length > 0)
            {
                var pool = ArrayPool<double>.Shared;
                pool.Return(_a); pool.Return(_b); pool.Return(_outA); pool.Return(_outB);
                pool.Return(_scratchA); pool.Return(_scratchB);
                _a = _b = _outA = _outB = _scratchA = _scratchB = [];
            }
            OldLength = NewLength = 0;
        }
    }
}
