using Neurodecode.Ingest.Numerics;
using Neurodecode.Preprocess.Filters;

namespace Neurodecode.Preprocess.Resampling;

/// <summary>
/// The numbers of one MNE FFT resampling (<c>mne.filter.resample</c>): how much is padded, the lengths before
/// and after the spectral resize, and how much is trimmed again.
/// </summary>
/// <param name="Ratio">up / down as a float.</param>
/// <param name="NTimes">Input length n.</param>
/// <param name="FinalLen">Output length, max(round(ratio·n), 1).</param>
/// <param name="PadLeft">Samples of reflect_limited padding before the signal.</param>
/// <param name="PadRight">Samples after.</param>
/// <param name="PaddedLen">n + pads: the forward FFT length.</param>
/// <param name="NewLen">round(ratio·PaddedLen): the inverse FFT length.</param>
/// <param name="TrimLeft">round(ratio·PadLeft) samples removed at the start.</param>
/// <param name="TrimRight">NewLen − FinalLen − TrimLeft removed at the end.</param>
public sealed record FftResamplePlan(
    double Ratio, int NTimes, int FinalLen, int PadLeft, int PadRight, int PaddedLen, int NewLen, int TrimLeft, int TrimRight);

/// <summary>
/// Resampling as MNE-Python 1.3 does it (<c>mne.filter.resample</c>, <c>Raw.resample</c>: FFT method, boxcar
/// window, reflect_limited padding) and SciPy's polyphase <c>resample_poly</c>.
/// </summary>
/// <remarks>
/// The FFT method pads each channel by odd reflection, takes its spectrum, keeps the bins the new length can hold
/// (halving a split Nyquist bin when upsampling, doubling the new Nyquist bin when downsampling, as MNE does),
/// scales by new/old length, inverse transforms to the new length and trims the padding. Here two channels share
/// one complex FFT; results equal MNE's to rounding (~1e-15 relative).
/// </remarks>
public static class Resample
{
    /// <summary>
    /// The plan MNE makes for <paramref name="nTimes"/> samples. <paramref name="npad"/> null means 'auto'
    /// (pad to the next power of two, with at least min(n/8, 100)·2 extra samples), as Raw.resample uses;
    /// an integer pads that many samples at each end (mne.filter.resample's default is 100).
    /// </summary>
    public static FftResamplePlan PlanFft(int nTimes, double up, double down, int? npad = null)
    {
        if (!(up > 0) || !(down > 0) || double.IsInfinity(up) || double.IsInfinity(down))
            throw new ArgumentException($"up ({PyFormat.Repr(up)}) and down ({PyFormat.Repr(down)}) must be positive");
        if (nTimes < 1) throw new ArgumentException("x has zero length along last axis");
        double ratio = up / down;
        int finalLen = Math.Max(RoundToInt(ratio * nTimes), 1);
        int padL, padR;
        if (npad is null)
        {
            int minAdd = Math.Min(nTimes / 8, 100) * 2;
            long target = (long)nTimes + minAdd;
            long pow2 = 1;
            while (pow2 < target) pow2 <<= 1;
            long total = pow2 - nTimes;
            padL = (int)(total / 2);
            padR = (int)(total / 2 + total % 2);
        }
        else
        {
            if (npad < 0) throw new ArgumentException("n_pad must be non-negative");
            padL = padR = npad.Value;
        }
        int padded = checked(nTimes + padL + padR);
        int newLen = Math.Max(RoundToInt(ratio * padded), 1);
        int trimL = RoundToInt(ratio * padL);
        int trimR = newLen - finalLen - trimL;
        if (trimL < 0 || trimR < 0 || trimL + trimR >= newLen)
            throw new ArgumentException($"cannot resample {nTimes} samples by {PyFormat.Repr(ratio)} with npad {padL}/{padR}: trims {trimL}/{trimR} of {newLen}");
        return new FftResamplePlan(ratio, nTimes, finalLen, padL, padR, padded, newLen, trimL, trimR);
    }

    /// <summary>mne.filter.resample(x, up, down, npad) for one signal (npad null = 'auto').</summary>
    public static double[] Fft(ReadOnlySpan<double> x, double up, double down, int? npad = null)
    {
        var plan = PlanFft(x.Length, up, down, npad);
        var y = new double[plan.FinalLen];
        using var ws = new FourierResample.Workspace();
        ResamplePair(plan, x, ReadOnlySpan<double>.Empty, y, Span<double>.Empty, ws);
        return y;
    }

    /// <summary>
    /// Resamples every channel of a channel-major array (<paramref name="nChannels"/> x <paramref name="nTimes"/>),
    /// returning a new channel-major array of nChannels x <see cref="FftResamplePlan.FinalLen"/>; channels in parallel.
    /// </summary>
    public static double[] FftChannels(double[] data, int nChannels, int nTimes, double up, double down, int? npad = null,
        int maxDegreeOfParallelism = -1)
    {
        if ((long)nChannels * nTimes > data.Length)
            throw new ArgumentException($"data holds {data.Length} values, expected {nChannels}x{nTimes}");
        var plan = PlanFft(nTimes, up, down, npad);
        int outLen = plan.FinalLen;
        var y = new double[(long)nChannels * outLen];
        int pairs = (nChannels + 1) / 2;
        Parallel.For(0, pairs, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism },
            () => new FourierResample.Workspace(),
            (p, _, ws) =>
            {
                int c = 2 * p;
                bool two = c + 1 < nChannels;
                ResamplePair(plan, data.AsSpan(c * nTimes, nTimes),
                    two ? data.AsSpan((c + 1) * nTimes, nTimes) : ReadOnlySpan<double>.Empty,
                    y.AsSpan(c * outLen, outLen), two ? y.AsSpan((c + 1) * outLen, outLen) : Span<double>.Empty, ws);
                return ws;
            }, ws => ws.Dispose());
        return y;
    }

    /// <summary>
    /// Two channels at once (b may be empty): both padded into the workspace, resampled together by the shared
    /// core (<see cref="FourierResample.ResamplePair"/>: one complex FFT each way), then trimmed.
    /// </summary>
    private static void ResamplePair(FftResamplePlan plan, ReadOnlySpan<double> a, ReadOnlySpan<double> b,
        Span<double> ya, Span<double> yb, FourierResample.Workspace ws)
    {
        ws.Prepare(plan.PaddedLen, plan.NewLen);
        Padding.Read(a, plan.PadLeft, plan.PadRight, 0, ws.InputA);
        if (b.IsEmpty) ws.InputB.Clear();
        else Padding.Read(b, plan.PadLeft, plan.PadRight, 0, ws.InputB);
        FourierResample.ResamplePair(ws);
        ws.OutputA.Slice(plan.TrimLeft, plan.FinalLen).CopyTo(ya);
        if (!yb.IsEmpty) ws.OutputB.Slice(plan.TrimLeft, plan.FinalLen).CopyTo(yb);
    }

    /// <summary>Python's round() to an int (half to even).</summary>
    private static int RoundToInt(double v) => checked((int)Math.Round(v, MidpointRounding.ToEven));

    // ------------------------------------------------------------------ polyphase

    /// <summary>
    /// scipy.signal.resample_poly(x, up, down) with its defaults (window=('kaiser', 5.0), padtype='constant',
    /// i.e. zeros beyond the ends): up and down reduced by their gcd; a firwin low-pass of 2·10·max(up, down)+1
    /// taps at cut-off 1/max(up, down), gain up; upfirdn; output ⌈n·up/down⌉ samples aligned as SciPy aligns them.
    /// MNE 1.3 has no polyphase resampling; this is SciPy's, offered as an option.
    /// </summary>
    public static double[] Poly(ReadOnlySpan<double> x, int up, int down, double kaiserBeta = 5.0)
    {
        var k = PolyKernel.Get(up, down, kaiserBeta);
        var y = new double[k.OutputLength(x.Length)];
        k.Apply(x, y);
        return y;
    }

    /// <summary><see cref="Poly"/> on every channel of a channel-major array; channels in parallel.</summary>
    public static double[] PolyChannels(double[] data, int nChannels, int nTimes, int up, int down, double kaiserBeta = 5.0,
        int maxDegreeOfParallelism = -1)
    {
        if ((long)nChannels * nTimes > data.Length)
            throw new ArgumentException($"data holds {data.Length} values, expected {nChannels}x{nTimes}");
        var k = PolyKernel.Get(up, down, kaiserBeta);
        int outLen = k.OutputLength(nTimes);
        var y = new double[(long)nChannels * outLen];
        Parallel.For(0, nChannels, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism },
            c => k.Apply(data.AsSpan(c * nTimes, nTimes), y.AsSpan(c * outLen, outLen)));
        return y;
    }

    /// <summary>The polyphase filter of one (up, down, beta), as resample_poly builds it.</summary>
    private sealed class PolyKernel
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<(int, int, double), PolyKernel> Cache = new();
        private readonly double[] _h;     // padded: n_pre_pad zeros, taps·up (n_post_pad zeros are implicit)
        private readonly int _up, _down, _preRemove;

        private PolyKernel(int up, int down, double beta)
        {
            int g = Gcd(up, down);
            _up = up / g;
            _down = down / g;
            if (_up == 1 && _down == 1)
            {
                _h = [];
                return; // resample_poly returns a copy
            }
            int maxRate = Math.Max(_up, _down);
            int halfLen = 10 * maxRate;
            var win = Kaiser(2 * halfLen + 1, beta);
            var h = FirWindows.FirwinLowpass(2 * halfLen + 1, 1.0 / maxRate, win);
            int nPrePad = _down - halfLen % _down;
            _preRemove = (halfLen + nPrePad) / _down;
            _h = new double[nPrePad + h.Length];
            for (int i = 0; i < h.Length; i++) _h[nPrePad + i] = h[i] * _up;
        }

        public static PolyKernel Get(int up, int down, double beta)
        {
            if (up < 1 || down < 1) throw new ArgumentException("up and down must be >= 1");
            return Cache.GetOrAdd((up, down, beta), static key => new PolyKernel(key.Item1, key.Item2, key.Item3));
        }

        public int OutputLength(int n)
        {
            if (_up == 1 && _down == 1) return n;
            long nOut = (long)n * _up;
            return checked((int)(nOut / _down + (nOut % _down != 0 ? 1 : 0)));
        }

        /// <summary>y[o] = Σ_i h[t − i·up]·x[i] with t = (o + n_pre_remove)·down (upfirdn of the zero-stuffed signal).</summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        public void Apply(ReadOnlySpan<double> x, Span<double> y)
        {
            int n = x.Length;
            if (_up == 1 && _down == 1) { x.CopyTo(y); return; }
            var h = _h;
            int lh = h.Length, up = _up;
            for (int o = 0; o < y.Length; o++)
            {
                long t = (long)(o + _preRemove) * _down;
                long iHi = Math.Min(t / up, n - 1);
                long iLo = Math.Max(0, (t - (lh - 1) + up - 1) / up);
                if (t - (lh - 1) < 0) iLo = 0;
                double acc = 0;
                for (long i = iLo; i <= iHi; i++)
                    acc += h[t - i * up] * x[(int)i];
                y[o] = acc;
            }
        }

        private static int Gcd(int a, int b)
        {
            while (b != 0) (a, b) = (b, a % b);
            return a;
        }
    }

    /// <summary>scipy.signal.windows.kaiser(m, beta, sym=True): I0(β·sqrt(1 − ((n − α)/α)²)) / I0(β).</summary>
    internal static double[] Kaiser(int m, double beta)
    {
        var w = new double[m];
        if (m <= 1) { w.AsSpan().Fill(1); return w; }
        double alpha = (m - 1) / 2.0, i0b = BesselI0(beta);
        for (int n = 0; n < m; n++)
        {
            double r = (n - alpha) / alpha;
            w[n] = BesselI0(beta * Math.Sqrt(1 - r * r)) / i0b;
        }
        return w;
    }

    /// <summary>Modified Bessel function I0 by its power series Σ ((x/2)^k / k!)², to full double precision for |x| ≤ 30.</summary>
    internal static double BesselI0(double x)
    {
        double q = x * x / 4, term = 1, sum = 1;
        for (int k = 1; k < 500; k++)
        {
            term *= q / ((double)k * k);
            sum += term;
            if (term < sum * 1e-17) break;
        }
        return sum;
    }
}
