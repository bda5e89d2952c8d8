namespace Neurodecode.Preprocess.Filters;

/// <summary>
/// A digital IIR filter in second-order sections, rows <c>[b0, b1, b2, a0, a1, a2]</c> with a0 = 1, as
/// <c>scipy.signal</c>'s <c>output='sos'</c>. Filtering is direct form II transposed per section, as
/// <c>scipy.signal.sosfilt</c> computes it.
/// </summary>
public sealed record Sos
{
    private readonly double[] _c; // flat, 6 per section

    public Sos(double[][] sections)
    {
        if (sections.Length == 0) throw new ArgumentException("sos must have at least one section");
        _c = new double[sections.Length * 6];
        for (int s = 0; s < sections.Length; s++)
        {
            if (sections[s].Length != 6) throw new ArgumentException("sos array must be shape (n_sections, 6)");
            if (sections[s][3] != 1.0) throw new ArgumentException("sos[:, 3] should be all ones");
            sections[s].CopyTo(_c, s * 6);
        }
        Sections = sections.Select(r => (double[])r.Clone()).ToArray();
    }

    /// <summary>The sections, one row of six coefficients each.</summary>
    public double[][] Sections { get; }

    public int NSections => Sections.Length;

    /// <summary>
    /// Causal filtering with state: <paramref name="zi"/> (2 per section) is the state before the first sample
    /// and is updated to the state after the last, so consecutive blocks continue seamlessly.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Filter(ReadOnlySpan<double> x, Span<double> y, Span<double> zi)
    {
        int ns = NSections;
        if (zi.Length != 2 * ns) throw new ArgumentException($"zi must hold 2 values per section ({2 * ns}), got {zi.Length}");
        if (y.Length < x.Length) throw new ArgumentException("output shorter than input");
        var c = _c;
        if (ns == 1)
        {
            Filter1(c, x, y, zi);
            return;
        }
        for (int i = 0; i < x.Length; i++)
        {
            double xc = x[i];
            for (int s = 0, o = 0; s < ns; s++, o += 6)
            {
                double z0 = zi[2 * s], z1 = zi[2 * s + 1];
                double xn = c[o] * xc + z0;
                zi[2 * s] = c[o + 1] * xc - c[o + 4] * xn + z1;
                zi[2 * s + 1] = c[o + 2] * xc - c[o + 5] * xn;
                xc = xn;
            }
            y[i] = xc;
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void Filter1(double[] c, ReadOnlySpan<double> x, Span<double> y, Span<double> zi)
    {
        double b0 = c[0], b1 = c[1], b2 = c[2], a1 = c[4], a2 = c[5], z0 = zi[0], z1 = zi[1];
        for (int i = 0; i < x.Length; i++)
        {
            double xc = x[i];
            double xn = b0 * xc + z0;
            z0 = b1 * xc - a1 * xn + z1;
            z1 = b2 * xc - a2 * xn;
            y[i] = xn;
        }
        zi[0] = z0;
        zi[1] = z1;
    }

    /// <summary>scipy.signal.sosfilt(sos, x) from rest (zero state).</summary>
    public double[] Filter(ReadOnlySpan<double> x)
    {
        var y = new double[x.Length];
        Filter(x, y, new double[2 * NSections]);
        return y;
    }

    /// <summary>
    /// scipy.signal.sosfilt_zi: the state (2 per section) of the filter at rest after a unit step, so
    /// <c>zi · x[0]</c> starts filtering without a transient.
    /// </summary>
    public double[] StepResponseState()
    {
        int ns = NSections;
        var zi = new double[2 * ns];
        double scale = 1.0;
        for (int s = 0; s < ns; s++)
        {
            double[] r = Sections[s];
            double b0 = r[0], b1 = r[1], b2 = r[2], a1 = r[4], a2 = r[5];
            // lfilter_zi: solve (I − companion(a)ᵀ)·zi = b[1:] − a[1:]·b[0]
            //   [1 + a1, −1; a2, 1]·zi = [b1 − a1·b0, b2 − a2·b0]
            double B0 = b1 - a1 * b0, B1 = b2 - a2 * b0;
            double z0 = (B0 + B1) / (1 + a1 + a2);
            double z1 = B1 - a2 * z0;
            zi[2 * s] = scale * z0;
            zi[2 * s + 1] = scale * z1;
            scale *= (b0 + b1 + b2) / (1.0 + a1 + a2);
        }
        return zi;
    }

    /// <summary>
    /// scipy.signal.sosfiltfilt(sos, x, padtype='odd', padlen): forward-backward (zero phase) in place. The signal is
    /// extended by odd reflection of <paramref name="padlen"/> samples each side; each pass starts from
    /// <see cref="StepResponseState"/> scaled by its first sample.
    /// </summary>
    public void FiltFilt(Span<double> x, int padlen)
    {
        int n = x.Length;
        if (padlen < 0) throw new ArgumentOutOfRangeException(nameof(padlen), padlen, "padlen must be non-negative");
        if (n <= padlen)
            throw new ArgumentException($"The length of the input vector x must be greater than padlen, which is {padlen}.");
        int len = n + 2 * padlen;
        var ext = System.Buffers.ArrayPool<double>.Shared.Rent(len);
        try
        {
            var e = ext.AsSpan(0, len);
            Padding.Read(x, padlen, padlen, 0, e); // odd_ext ≡ reflect_limited when padlen < n
            var zi0 = StepResponseState();
            var zi = new double[zi0.Length];
            double x0 = e[0];
            for (int i = 0; i < zi.Length; i++) zi[i] = zi0[i] * x0;
            Filter(e, e, zi);
            e.Reverse();
            double y0 = e[0];
            for (int i = 0; i < zi.Length; i++) zi[i] = zi0[i] * y0;
            Filter(e, e, zi);
            e.Reverse();
            e.Slice(padlen, n).CopyTo(x);
        }
        finally
        {
            System.Buffers.ArrayPool<double>.Shared.Return(ext);
        }
    }

    /// <summary>
    /// MNE's <c>estimate_ringing_samples</c>: the impulse response is run in chunks of 1000 samples until a chunk
    /// has no value above 0.001·(largest so far); the index of the last one that had is the ringing length.
    /// </summary>
    public int EstimateRingingSamples(int maxTry = 100000)
    {
        const int nPerChunk = 1000;
        int nChunksMax = (int)Math.Ceiling(maxTry / (double)nPerChunk);
        var x = new double[nPerChunk];
        var h = new double[nPerChunk];
        x[0] = 1;
        var zi = new double[2 * NSections];
        int lastGood = nPerChunk;
        double thresh = 0;
        for (int ii = 0; ii < nChunksMax; ii++)
        {
            Filter(x, h, zi);
            x[0] = 0;
            double max = 0;
            for (int i = 0; i < nPerChunk; i++) max = Math.Max(max, Math.Abs(h[i]));
            thresh = Math.Max(0.001 * max, thresh);
            int idx = -1;
            for (int i = nPerChunk - 1; i >= 0; i--)
                if (Math.Abs(h[i]) > thresh) { idx = i; break; }
            if (idx >= 0) lastGood = idx;
            else return (ii - 1) * nPerChunk + lastGood;
        }
        return nPerChunk * nChunksMax; // MNE warns: 'Could not properly estimate ringing for the filter'
    }

    /// <summary>|H| at a normalised frequency w (radians/sample), as scipy.signal.sosfreqz evaluates it.</summary>
    public double Magnitude(double w)
    {
        var z = System.Numerics.Complex.FromPolarCoordinates(1.0, -w); // z^-1
        var z2 = z * z;
        var h = System.Numerics.Complex.One;
        foreach (var r in Sections)
            h *= (r[0] + r[1] * z + r[2] * z2) / (r[3] + r[4] * z + r[5] * z2);
        return h.Magnitude;
    }

    public bool Equals(Sos? other) => other is not null && _c.AsSpan().SequenceEqual(other._c);

    public override int GetHashCode() => _c.Length;
}
