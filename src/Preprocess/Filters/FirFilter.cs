using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Neurodecode.Ingest.Numerics;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Preprocess.Filters;

/// <summary>
/// MNE-Python 1.3's default FIR filtering: <c>create_filter(..., method='fir', phase='zero', fir_window='hamming',
/// fir_design='firwin', filter_length='auto', *_trans_bandwidth='auto')</c> for the design and
/// <c>_overlap_add_filter(..., pad='reflect_limited')</c> for the application.
/// </summary>
/// <remarks>
/// Designs equal MNE's exactly in length, gain points and cut-offs and to rounding in the taps. Application is the
/// same linear convolution of the odd-reflection-padded signal, computed by FFT overlap-add with MNE's FFT length;
/// outputs agree with MNE to rounding (about 1e-15 relative), not bit for bit. Validation errors use MNE's wording.
/// </remarks>
public static class FirFilter
{
    /// <summary>
    /// Designs the filter MNE's <c>create_filter(None, sfreq, l_freq, h_freq)</c> builds: high-pass when only
    /// <paramref name="lFreq"/> is given, low-pass when only <paramref name="hFreq"/>, band-pass when l &lt; h,
    /// band-stop when l &gt; h. Null transition bandwidths and length mean MNE's 'auto'.
    /// </summary>
    /// <param name="filterLength">Taps (made odd, as MNE does for firwin), or null for 'auto'.</param>
    public static FirDesign Design(double sfreq, double? lFreq, double? hFreq,
        double? lTransBandwidth = null, double? hTransBandwidth = null, int? filterLength = null,
        FirWindow window = FirWindow.Hamming)
    {
        CheckSfreq(sfreq);
        double nyq = sfreq / 2.0;
        if (hFreq is { } hf0 && hf0 > nyq)
            throw new ArgumentException($"h_freq ({PyFormat.Repr(hf0)}) must be less than the Nyquist frequency {PyFormat.Repr(nyq)}");
        if (lFreq == 0) lFreq = null;

        if (lFreq is null && hFreq is null)
        {
            int n = ResolveLength(filterLength, sfreq, window, double.PositiveInfinity);
            var taps = FirwinDesign(n, [0, nyq], [1, 1], window, sfreq);
            return new FirDesign("allpass", sfreq, null, null, null, null, [], [0, nyq], [1, 1], n,
                window.MneName(), "zero", "firwin", "reflect_limited", taps);
        }
        if (lFreq is { } lb && hFreq is { } hb && lb > hb)
            return DesignBandStop(sfreq, [hb], [lb], hTransBandwidth, lTransBandwidth, filterLength, window, null, null);

        // _triage_filter_params, scalar bands
        double? lStop = null, hStop = null, lTrans = null, hTrans = null;
        if (lFreq is { } l)
        {
            if (l <= 0) throw new ArgumentException($"highpass frequency {PyFormat.Repr(l)} must be greater than zero");
        }
        if (hFreq is { } h)
        {
            if (h >= nyq) throw new ArgumentException($"lowpass frequency {PyFormat.Repr(h)} must be less than Nyquist ({PyFormat.Repr(nyq)})");
        }
        if (lFreq is { } l2)
        {
            double lt = lTransBandwidth ?? Math.Min(Math.Max(0.25 * l2, 2.0), l2);
            if (!(lt > 0)) throw new ArgumentException($"l_trans_bandwidth must be positive, got {PyFormat.Repr(lt)}");
            lTrans = lt;
            lStop = l2 - lt;
            if (lStop < 0)
                throw new ArgumentException($"Filter specification invalid: Lower stop frequency negative ({PyFormat.F2(lStop.Value)} Hz). Increase pass frequency or reduce the transition bandwidth (l_trans_bandwidth)");
        }
        if (hFreq is { } h2)
        {
            double ht = hTransBandwidth ?? Math.Min(Math.Max(0.25 * h2, 2.0), nyq - h2);
            if (!(ht > 0)) throw new ArgumentException($"h_trans_bandwidth must be positive, got {PyFormat.Repr(ht)}");
            hTrans = ht;
            hStop = h2 + ht;
            if (hStop > nyq)
                throw new ArgumentException($"Effective band-stop frequency ({PyFormat.Repr(hStop.Value)}) is too high (maximum based on Nyquist is {PyFormat.Repr(nyq)})");
        }
        int length = ResolveLength(filterLength, sfreq, window, Math.Min(hTrans ?? double.PositiveInfinity, lTrans ?? double.PositiveInfinity));

        List<double> freq, gain;
        string kind;
        if (lFreq is null)
        {
            kind = "lowpass";
            freq = [0, hFreq!.Value, hStop!.Value];
            gain = [1, 1, 0];
            if (hStop != nyq) { freq.Add(nyq); gain.Add(0); }
        }
        else if (hFreq is null)
        {
            kind = "highpass";
            freq = [lStop!.Value, lFreq.Value, nyq];
            gain = [0, 1, 1];
            if (lStop != 0) { freq.Insert(0, 0); gain.Insert(0, 0); }
        }
        else
        {
            kind = "bandpass";
            freq = [lStop!.Value, lFreq.Value, hFreq.Value, hStop!.Value];
            gain = [0, 1, 1, 0];
            if (hStop != nyq) { freq.Add(nyq); gain.Add(0); }
            if (lStop != 0) { freq.Insert(0, 0); gain.Insert(0, 0); }
        }
        var h0 = FirwinDesign(length, freq, gain, window, sfreq);
        return new FirDesign(kind, sfreq, lFreq, hFreq, lTrans, hTrans, Cutoffs(freq, gain), freq, gain, length,
            window.MneName(), "zero", "firwin", "reflect_limited", h0);
    }

    /// <summary>
    /// MNE's FIR notch (<c>notch_filter(x, sfreq, freqs)</c>, method 'fir'): one band-stop filter with a stop band
    /// of <c>notch_widths</c> (default freqs/200) around every frequency and transition bands of
    /// <paramref name="transBandwidth"/>/2 on each side; length from <c>3.3 / (trans_bandwidth/2)</c> seconds.
    /// </summary>
    /// <param name="notchWidths">One width for all frequencies, one per frequency, or null for freqs/200.</param>
    public static FirDesign DesignNotch(double sfreq, IReadOnlyList<double> freqs, IReadOnlyList<double>? notchWidths = null,
        double transBandwidth = 1.0, int? filterLength = null, FirWindow window = FirWindow.Hamming)
    {
        if (freqs.Count == 0) throw new ArgumentException("freqs must contain at least one frequency");
        double[] widths;
        if (notchWidths is null) widths = freqs.Select(f => f / 200.0).ToArray();
        else if (notchWidths.Any(w => w < 0)) throw new ArgumentException("notch_widths must be >= 0");
        else if (notchWidths.Count == 1) widths = freqs.Select(_ => notchWidths[0]).ToArray();
        else if (notchWidths.Count != freqs.Count) throw new ArgumentException("notch_widths must be None, scalar, or the same length as freqs");
        else widths = notchWidths.ToArray();
        double tb2 = transBandwidth / 2.0;
        var lows = freqs.Select((f, i) => f - widths[i] / 2.0 - tb2).ToArray();
        var highs = freqs.Select((f, i) => f + widths[i] / 2.0 + tb2).ToArray();
        // filter_data(x, sfreq, l_freq=highs, h_freq=lows, l_trans_bandwidth=tb_2, h_trans_bandwidth=tb_2)
        CheckSfreq(sfreq);
        double nyq = sfreq / 2.0;
        if (lows.Any(v => v > nyq))
            throw new ArgumentException($"h_freq ({PyFormat.List(lows)}) must be less than the Nyquist frequency {PyFormat.Repr(nyq)}");
        return DesignBandStop(sfreq, lows, highs, tb2, tb2, filterLength, window, freqs.ToArray(), widths);
    }

    /// <summary>
    /// create_filter's band-stop branch: stop bands between <paramref name="lows"/>[i] + trans and
    /// <paramref name="highs"/>[i] − trans (MNE's l_freq = highs, h_freq = lows).
    /// </summary>
    private static FirDesign DesignBandStop(double sfreq, double[] lows, double[] highs, double? lowTrans, double? highTrans,
        int? filterLength, FirWindow window, double[]? notchFreqs, double[]? notchWidths)
    {
        double nyq = sfreq / 2.0;
        int nb = lows.Length;
        // _triage_filter_params(h_freq=lows → its l_freq, l_freq=highs → its h_freq, reverse=True)
        if (lows.Any(v => v <= 0)) throw new ArgumentException($"highpass frequency {PyFormat.List(lows)} must be greater than zero");
        if (highs.Any(v => v >= nyq)) throw new ArgumentException($"lowpass frequency {PyFormat.List(highs)} must be less than Nyquist ({PyFormat.Repr(nyq)})");
        if ((lowTrans is null || highTrans is null) && nb > 1)
            throw new ArgumentException("transition bandwidths must be given (not 'auto') for several stop bands");
        double lt = lowTrans ?? Math.Min(Math.Max(0.25 * lows[0], 2.0), lows[0]);
        if (!(lt > 0)) throw new ArgumentException($"l_trans_bandwidth must be positive, got {PyFormat.Repr(lt)}");
        double ht = highTrans ?? Math.Min(Math.Max(0.25 * highs[0], 2.0), nyq - highs[0]);
        if (!(ht > 0)) throw new ArgumentException($"h_trans_bandwidth must be positive, got {PyFormat.Repr(ht)}");
        var passLow = new double[nb]; var stopLow = new double[nb]; var stopHigh = new double[nb]; var passHigh = new double[nb];
        for (int i = 0; i < nb; i++)
        {
            double lStop = lows[i] - lt;
            lStop += lt;                 // reverse: band-stop style (kept in MNE's floating-point order)
            double lF = lows[i] + lt;
            double hStop = highs[i] + ht;
            hStop -= ht;
            double hF = highs[i] - ht;
            passLow[i] = lStop; stopLow[i] = lF; stopHigh[i] = hF; passHigh[i] = hStop;
        }
        if (passLow.Any(v => v < 0))
            throw new ArgumentException($"Filter specification invalid: Lower stop frequency negative ({PyFormat.F2(passLow.Min())} Hz). Increase pass frequency or reduce the transition bandwidth (l_trans_bandwidth)");
        if (passHigh.Any(v => v > nyq))
            throw new ArgumentException($"Effective band-stop frequency ({PyFormat.List(passHigh)}) is too high (maximum based on Nyquist is {PyFormat.Repr(nyq)})");
        int length = ResolveLength(filterLength, sfreq, window, Math.Min(ht, lt));

        // freq = r_[f_p1, f_s1, f_s2, f_p2], gains 1, 0, 0, 1, sorted by frequency (stable for ties)
        var pts = new List<(double F, double G)>();
        foreach (var v in passLow) pts.Add((v, 1));
        foreach (var v in stopLow) pts.Add((v, 0));
        foreach (var v in stopHigh) pts.Add((v, 0));
        foreach (var v in passHigh) pts.Add((v, 1));
        var sorted = pts.Select((p, i) => (p, i)).OrderBy(t => t.p.F).ThenBy(t => t.i).Select(t => t.p).ToList();
        var freq = sorted.Select(p => p.F).ToList();
        var gain = sorted.Select(p => p.G).ToList();
        if (freq[0] != 0) { freq.Insert(0, 0); gain.Insert(0, 1); }
        if (freq[^1] != nyq) { freq.Add(nyq); gain.Add(1); }
        for (int i = 2; i < gain.Count; i++)
            if (Math.Abs(gain[i] - 2 * gain[i - 1] + gain[i - 2]) > 1)
                throw new ArgumentException("Stop bands are not sufficiently separated.");
        var taps = FirwinDesign(length, freq, gain, window, sfreq);
        double? lFreq = null, hFreq = null;
        if (notchFreqs is null && nb == 1) { lFreq = highs[0]; hFreq = lows[0]; }
        return new FirDesign("bandstop", sfreq, lFreq, hFreq, lt, ht, Cutoffs(freq, gain), freq, gain, length,
            window.MneName(), "zero", "firwin", "reflect_limited", taps)
        {
            NotchFreqs = notchFreqs,
            NotchWidths = notchWidths,
        };
    }

    private static void CheckSfreq(double sfreq)
    {
        if (!(sfreq > 0) || double.IsInfinity(sfreq)) throw new ArgumentException("sfreq must be positive");
    }

    /// <summary>
    /// 'auto' → <c>'%ss' % (factor / min_trans)</c> → <c>ceil(seconds·sfreq)</c>; then made odd (firwin), as
    /// <c>_to_samples</c> and <c>_triage_filter_params</c> do.
    /// </summary>
    private static int ResolveLength(int? filterLength, double sfreq, FirWindow window, double minTrans)
    {
        long n;
        if (filterLength is { } given)
        {
            n = given;
        }
        else
        {
            if (double.IsPositiveInfinity(minTrans))
                n = 1; // MNE: '0.0s' → max(ceil(0), 1)
            else
            {
                double seconds = window.LengthFactor() * 1.0 / minTrans;
                n = Math.Max((long)Math.Ceiling(seconds * sfreq), 1);
            }
        }
        n += (n - 1) % 2 == 0 ? 0 : 1;
        if (n <= 0) throw new ArgumentException($"filter_length must be positive, got {n}");
        if (n > int.MaxValue / 4) throw new ArgumentException($"filter_length ({n}) is too long");
        return (int)n;
    }

    /// <summary>The −6 dB points: middle of each transition (gain change) in Hz.</summary>
    private static double[] Cutoffs(IReadOnlyList<double> freq, IReadOnlyList<double> gain)
    {
        var c = new List<double>();
        for (int i = 1; i < freq.Count; i++)
            if (gain[i] != gain[i - 1]) c.Add((freq[i - 1] + freq[i]) / 2.0);
        return c.ToArray();
    }

    /// <summary>
    /// MNE's <c>_firwin_design</c>: starting from δ (gain 1 at Nyquist) or 0, walk the gain points down from
    /// Nyquist; at every 0↔1 change add or subtract a firwin low-pass at the middle of that transition, with the
    /// length the transition needs, centred.
    /// </summary>
    private static double[] FirwinDesign(int n, IReadOnlyList<double> freqHz, IReadOnlyList<double> gain, FirWindow window, double sfreq)
    {
        if (n % 2 == 0) throw new InvalidOperationException($"filter_length must be odd if phase=\"zero\", got {n}");
        double nyq = sfreq / 2.0;
        var f = freqHz.Select(v => v / nyq).ToArray();
        if (f[0] != 0 || f[^1] != 1)
            throw new ArgumentException($"freq must start at 0 and end an Nyquist ({PyFormat.Repr(nyq)}), got {PyFormat.List(freqHz)}");
        var h = new double[n];
        double prevF = f[^1], prevG = gain[^1];
        if (prevG == 1) h[n / 2] = 1;
        for (int i = f.Length - 2; i >= 0; i--)
        {
            double thisF = f[i], thisG = gain[i];
            if (thisG != prevG)
            {
                double transition = (prevF - thisF) / 2.0;
                int thisN = (int)Math.Round(window.LengthFactor() / transition, MidpointRounding.ToEven);
                thisN += 1 - thisN % 2;
                if (thisN > n)
                    throw new ArgumentException($"The requested filter length {n} is too short for the requested {PyFormat.F2(transition * sfreq / 2.0)} Hz transition band, which requires {thisN} samples");
                var lp = FirWindows.FirwinLowpass(thisN, (prevF + thisF) / 2.0, window);
                int offset = (n - thisN) / 2;
                if (thisG == 0)
                    for (int k = 0; k < thisN; k++) h[offset + k] -= lp[k];
                else
                    for (int k = 0; k < thisN; k++) h[offset + k] += lp[k];
            }
            prevG = thisG;
            prevF = thisF;
        }
        return h;
    }

    // ------------------------------------------------------------------ application

    /// <summary>Filters one signal in place (zero phase, reflect_limited padding), as MNE's <c>filter_data</c> does one row.</summary>
    public static void Apply(FirDesign design, Span<double> x)
    {
        var kernel = FirKernel.For(design.Taps);
        using var ws = new Workspace();
        FilterPair(kernel, x, Span<double>.Empty, ws);
    }

    /// <summary>
    /// Filters every channel of a channel-major array (<paramref name="nChannels"/> rows of
    /// <paramref name="nTimes"/>) in place, two channels per complex FFT, channels in parallel.
    /// </summary>
    public static void ApplyChannels(FirDesign design, double[] data, int nChannels, int nTimes, int maxDegreeOfParallelism = -1)
    {
        if ((long)nChannels * nTimes > data.Length)
            throw new ArgumentException($"data holds {data.Length} values, expected {nChannels}x{nTimes}");
        var kernel = FirKernel.For(design.Taps);
        int pairs = (nChannels + 1) / 2;
        var po = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
        Parallel.For(0, pairs, po, () => new Workspace(), (p, _, ws) =>
        {
            int c = 2 * p;
            var a = data.AsSpan(c * nTimes, nTimes);
            var b = c + 1 < nChannels ? data.AsSpan((c + 1) * nTimes, nTimes) : Span<double>.Empty;
            FilterPair(kernel, a, b, ws);
            return ws;
        }, ws => ws.Dispose());
    }

    /// <summary>Filters every channel of a block in place.</summary>
    public static void ApplyChannels(FirDesign design, SignalBlock block, int maxDegreeOfParallelism = -1)
        => ApplyChannels(design, block.Data, block.NChannels, block.NSamples, maxDegreeOfParallelism);

    /// <summary>
    /// MNE's n_fft for overlap-add (<c>_overlap_add_filter</c>): powers of two from 2^⌈log2(2N−1)⌉ to 2^⌈log2(n_x)⌉
    /// minimising <c>⌈n_x/(M−N+1)⌉·M·(log2 M + 1) + 4e-5·M·n_x</c>; next_fast_len(2N−1) when n_x &lt; 2N−1.
    /// </summary>
    public static int MneFftLength(int filterLength, int nX)
    {
        int minFft = 2 * filterLength - 1;
        if (nX < minFft) return NextFastLen(minFft);
        int lo = (int)Math.Ceiling(Math.Log2(minFft)), hi = (int)Math.Ceiling(Math.Log2(nX));
        double best = double.PositiveInfinity;
        int bestN = 1 << lo;
        for (int e = lo; e <= hi; e++)
        {
            long m = 1L << e;
            double cost = Math.Ceiling(nX / (double)(m - filterLength + 1)) * m * (Math.Log2(m) + 1);
            cost += 4e-5 * m * nX;
            if (cost < best) { best = cost; bestN = (int)m; }
        }
        return bestN;
    }

    /// <summary>The smallest 5-smooth number ≥ target (MNE's / SciPy's next_fast_len).</summary>
    public static int NextFastLen(int target)
    {
        if (target <= 6) return target;
        long best = long.MaxValue;
        for (long p5 = 1; p5 < 2L * target; p5 *= 5)
            for (long p35 = p5; p35 < 2L * target; p35 *= 3)
            {
                long v = p35;
                while (v < target) v *= 2;
                if (v < best) best = v;
            }
        return (int)best;
    }

    /// <summary>
    /// Zero-phase filtering of one or two equally long signals (b may be empty): the output is
    /// <c>convolve(ext, h)[n_edge + (N−1)/2 :][:n]</c> with ext the reflect_limited extension by n_edge = min(N, n) − 1.
    /// Only ext[n_edge − (N−1)/2 …] is ever needed; it is read straight from the signal, block by block.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal static void FilterPair(FirKernel kernel, Span<double> a, Span<double> b, Workspace ws)
    {
        int n = a.Length, nh = kernel.Length;
        if (n == 0) return;
        if (nh == 1)
        {
            double g = kernel.Taps[0];
            for (int i = 0; i < n; i++) a[i] *= g;
            for (int i = 0; i < b.Length; i++) b[i] *= g;
            return;
        }
        int nEdge = Math.Max(Math.Min(nh, n) - 1, 0);
        int nX = n + 2 * nEdge;
        int m = MneFftLength(nh, nX);
        int blockLen = m - nh + 1;
        int half = (nh - 1) / 2;
        long off = nEdge - half;        // u[k] = ext[k + off]
        int uLen = n + nh - 1;          // out[i] = (u * h)[i + N − 1]
        var (hr, hi) = kernel.Spectrum(m);
        ws.Ensure(m, n);
        var re = ws.Re.AsSpan(0, m); var im = ws.Im.AsSpan(0, m);
        var sr = ws.ScratchRe.AsSpan(0, m); var si = ws.ScratchIm.AsSpan(0, m);
        var outA = ws.OutA.AsSpan(0, n); var outB = ws.OutB.AsSpan(0, n);
        outA.Clear();
        outB.Clear();
        bool hasB = !b.IsEmpty;
        var plan = FftPlan.Get(m);
        for (int start = 0; start < uLen; start += blockLen)
        {
            int segLen = Math.Min(blockLen, uLen - start);
            Padding.ReadReflectLimited(a, nEdge, start + off, re[..segLen]);
            re[segLen..].Clear();
            if (hasB) Padding.ReadReflectLimited(b, nEdge, start + off, im[..segLen]);
            else im[..segLen].Clear();
            im[segLen..].Clear();
            plan.Forward(re, im, sr, si);
            MultiplySpectrum(re, im, hr, hi);
            plan.Inverse(re, im, sr, si);
            // y[t] → (u*h)[start + t] → out[start + t − (N − 1)]
            int t0 = Math.Max(0, nh - 1 - start);
            int t1 = Math.Min(m, n + nh - 1 - start);
            int o = start + t0 - (nh - 1);
            if (t1 > t0)
            {
                Accumulate(outA.Slice(o, t1 - t0), re[t0..t1]);
                if (hasB) Accumulate(outB.Slice(o, t1 - t0), im[t0..t1]);
            }
        }
        outA.CopyTo(a);
        if (hasB) outB.CopyTo(b);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void MultiplySpectrum(Span<double> re, Span<double> im, ReadOnlySpan<double> hr, ReadOnlySpan<double> hi)
    {
        int n = re.Length, i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            int w = System.Numerics.Vector<double>.Count;
            for (; i + w <= n; i += w)
            {
                var xr = new System.Numerics.Vector<double>(re[i..]);
                var xi = new System.Numerics.Vector<double>(im[i..]);
                var vr = new System.Numerics.Vector<double>(hr[i..]);
                var vi = new System.Numerics.Vector<double>(hi[i..]);
                (xr * vr - xi * vi).CopyTo(re[i..]);
                (xr * vi + xi * vr).CopyTo(im[i..]);
            }
        }
        for (; i < n; i++)
        {
            double xr = re[i], xi = im[i];
            re[i] = xr * hr[i] - xi * hi[i];
            im[i] = xr * hi[i] + xi * hr[i];
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void Accumulate(Span<double> dst, ReadOnlySpan<double> src)
    {
        int i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            int w = System.Numerics.Vector<double>.Count;
            for (; i + w <= dst.Length; i += w)
                (new System.Numerics.Vector<double>(dst[i..]) + new System.Numerics.Vector<double>(src[i..])).CopyTo(dst[i..]);
        }
        for (; i < dst.Length; i++) dst[i] += src[i];
    }

    /// <summary>Per-thread buffers for overlap-add (pooled).</summary>
    internal sealed class Workspace : IDisposable
    {
        public double[] Re = [], Im = [], ScratchRe = [], ScratchIm = [], OutA = [], OutB = [];

        public void Ensure(int m, int n)
        {
            var pool = ArrayPool<double>.Shared;
            if (Re.Length < m)
            {
                ReturnFft();
                Re = pool.Rent(m); Im = pool.Rent(m); ScratchRe = pool.Rent(m); ScratchIm = pool.Rent(m);
            }
            if (OutA.Length < n)
            {
                ReturnOut();
                OutA = pool.Rent(n); OutB = pool.Rent(n);
            }
        }

        private void ReturnFft()
        {
            var pool = ArrayPool<double>.Shared;
            if (Re.Length > 0) { pool.Return(Re); pool.Return(Im); pool.Return(ScratchRe); pool.Return(ScratchIm); }
            Re = Im = ScratchRe = ScratchIm = [];
        }

        private void ReturnOut()
        {
            var pool = ArrayPool<double>.Shared;
            if (OutA.Length > 0) { pool.Return(OutA); pool.Return(OutB); }
            OutA = OutB = [];
        }

        public void Dispose()
        {
            ReturnFft();
            ReturnOut();
        }
    }
}

/// <summary>FIR taps with their FFT spectra cached per FFT length (the 1/M of the inverse folded in).</summary>
internal sealed class FirKernel
{
    private static readonly ConditionalWeakTable<double[], FirKernel> Kernels = new();
    private readonly ConcurrentDictionary<int, (double[] Re, double[] Im)> _spectra = new();

    private FirKernel(double[] taps) => Taps = taps;

    public double[] Taps { get; }
    public int Length => Taps.Length;

    public static FirKernel For(double[] taps) => Kernels.GetValue(taps, t => new FirKernel(t));

    public (double[] Re, double[] Im) Spectrum(int m) => _spectra.GetOrAdd(m, static (len, taps) =>
    {
        var re = new double[len];
        var im = new double[len];
        taps.AsSpan().CopyTo(re);
        FftPlan.Get(len).Forward(re, im, new double[len], new double[len]);
        double s = 1.0 / len;
        for (int i = 0; i < len; i++) { re[i] *= s; im[i] *= s; }
        return (re, im);
    }, Taps);
}
