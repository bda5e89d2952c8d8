using System.Numerics;

namespace Neurodecode.Preprocess.Filters;

/// <summary>Band type of an IIR design, as scipy.signal.iirfilter's <c>btype</c>.</summary>
public enum IirBandType
{
    Lowpass,
    Highpass,
    Bandpass,
    Bandstop,
}

/// <summary>
/// Butterworth design as <c>scipy.signal.iirfilter(N, Wn, btype=…, ftype='butter', output='sos')</c> (SciPy 1.10):
/// analog prototype (buttap), frequency transform (lp2lp/lp2hp/lp2bp/lp2bs_zpk) with pre-warping, bilinear
/// transform at fs = 2, then zpk2sos with 'nearest' pairing — same steps, same order, same complex arithmetic
/// (numpy's division algorithm), so sections agree with SciPy's to rounding and pair the same poles and zeros.
/// </summary>
public static class Iir
{
    /// <summary>
    /// A digital Butterworth filter of order <paramref name="order"/> with critical frequencies
    /// <paramref name="freqs"/> in Hz (one for low/high-pass, two for band-pass/stop) at sampling rate
    /// <paramref name="sfreq"/>; Wn = f / (sfreq/2) as MNE computes it.
    /// </summary>
    public static Sos Butter(int order, IReadOnlyList<double> freqs, IirBandType btype, double sfreq)
    {
        if (!(sfreq > 0)) throw new ArgumentException("sfreq must be positive");
        if (order < 1) throw new ArgumentException($"Filter order must be a positive integer, got {order}");
        bool band = btype is IirBandType.Bandpass or IirBandType.Bandstop;
        if (band && freqs.Count != 2)
            throw new ArgumentException("Wn must specify start and stop frequencies for bandpass or bandstop filter");
        if (!band && freqs.Count != 1)
            throw new ArgumentException("Must specify a single critical frequency Wn for lowpass or highpass filter");
        var wn = freqs.Select(f => f / (sfreq / 2.0)).ToArray();
        if (wn.Any(w => w <= 0)) throw new ArgumentException("filter critical frequencies must be greater than 0");
        if (wn.Length > 1 && !(wn[0] < wn[1])) throw new ArgumentException("Wn[0] must be less than Wn[1]");
        if (wn.Any(w => w >= 1))
            throw new ArgumentException($"Digital filter critical frequencies must be 0 < Wn < fs/2 (fs={PyFormat.Repr(sfreq)} -> fs/2={PyFormat.Repr(sfreq / 2)})");

        // buttap: p = −exp(1j·π·m/(2N)), m = −N+1, −N+3, …, N−1
        var p = new Complex[order];
        double inv2n = 1.0 / (2 * order); // numpy divides a complex by a real through its reciprocal
        for (int i = 0; i < order; i++)
        {
            int m = -order + 1 + 2 * i;
            double theta = Math.PI * m * inv2n;
            p[i] = new Complex(-Math.Cos(theta), -Math.Sin(theta));
        }
        var z = Array.Empty<Complex>();
        double k = 1.0;

        const double fs = 2.0;
        var warped = wn.Select(w => 2 * fs * Math.Tan(Math.PI * w / fs)).ToArray();
        switch (btype)
        {
            case IirBandType.Lowpass:
                {
                    double wo = warped[0];
                    p = p.Select(v => Mul(wo, v)).ToArray();
                    k *= Math.Pow(wo, order - z.Length);
                    break;
                }
            case IirBandType.Highpass:
                {
                    double wo = warped[0];
                    int degree = p.Length - z.Length;
                    var kk = Div(Prod(z.Select(v => -v)), Prod(p.Select(v => -v))).Real;
                    p = p.Select(v => Div(new Complex(wo, 0), v)).ToArray();
                    z = z.Select(v => Div(new Complex(wo, 0), v)).Concat(Enumerable.Repeat(Complex.Zero, degree)).ToArray();
                    k *= kk;
                    break;
                }
            case IirBandType.Bandpass:
                {
                    double bw = warped[1] - warped[0], wo = Math.Sqrt(warped[0] * warped[1]);
                    int degree = p.Length - z.Length;
                    var pl = p.Select(v => Half(Mul(bw, v))).ToArray();
                    var zl = z.Select(v => Half(Mul(bw, v))).ToArray();
                    p = Transform(pl, wo);
                    z = Transform(zl, wo).Concat(Enumerable.Repeat(Complex.Zero, degree)).ToArray();
                    k *= Math.Pow(bw, degree);
                    break;
                }
            case IirBandType.Bandstop:
                {
                    double bw = warped[1] - warped[0], wo = Math.Sqrt(warped[0] * warped[1]);
                    int degree = p.Length - z.Length;
                    var kk = Div(Prod(z.Select(v => -v)), Prod(p.Select(v => -v))).Real;
                    var ph = p.Select(v => Div(new Complex(bw / 2, 0), v)).ToArray();
                    var zh = z.Select(v => Div(new Complex(bw / 2, 0), v)).ToArray();
                    p = Transform(ph, wo);
                    z = Transform(zh, wo)
                        .Concat(Enumerable.Repeat(new Complex(0, wo), degree))
                        .Concat(Enumerable.Repeat(new Complex(0, -wo), degree)).ToArray();
                    k *= kk;
                    break;
                }
        }

        // bilinear_zpk(z, p, k, fs=2)
        {
            double fs2 = 2.0 * fs;
            int degree = p.Length - z.Length;
            var kz = Div(Prod(z.Select(v => new Complex(fs2 - v.Real, -v.Imaginary))),
                         Prod(p.Select(v => new Complex(fs2 - v.Real, -v.Imaginary)))).Real;
            z = z.Select(v => Div(new Complex(fs2 + v.Real, v.Imaginary), new Complex(fs2 - v.Real, -v.Imaginary)))
                 .Concat(Enumerable.Repeat(new Complex(-1, 0), degree)).ToArray();
            p = p.Select(v => Div(new Complex(fs2 + v.Real, v.Imaginary), new Complex(fs2 - v.Real, -v.Imaginary))).ToArray();
            k *= kz;
        }
        return ZpkToSos(z, p, k);
    }

    /// <summary>z ± sqrt(z² − wo²) for every z (lp2bp/lp2bs): all '+' roots first, then all '−'.</summary>
    private static Complex[] Transform(Complex[] v, double wo)
    {
        var r = new Complex[2 * v.Length];
        double wo2 = wo * wo;
        for (int i = 0; i < v.Length; i++)
        {
            var sq = Sqrt(Square(v[i]) - wo2);
            r[i] = v[i] + sq;
            r[v.Length + i] = v[i] - sq;
        }
        return r;
    }

    // ---- numpy's complex arithmetic --------------------------------------------------------------

    private static Complex Mul(double a, Complex b) => new(a * b.Real - 0.0 * b.Imaginary, a * b.Imaginary + 0.0 * b.Real);

    private static Complex Half(Complex a) => new(a.Real * 0.5, a.Imaginary * 0.5);

    private static Complex Square(Complex a) => new(a.Real * a.Real - a.Imaginary * a.Imaginary, a.Real * a.Imaginary + a.Imaginary * a.Real);

    private static Complex CMul(Complex a, Complex b) => new(a.Real * b.Real - a.Imaginary * b.Imaginary, a.Real * b.Imaginary + a.Imaginary * b.Real);

    /// <summary>numpy's complex division (Smith's algorithm through the reciprocal of the scaled denominator).</summary>
    internal static Complex Div(Complex a, Complex b)
    {
        double ar = a.Real, ai = a.Imaginary, br = b.Real, bi = b.Imaginary;
        if (Math.Abs(br) >= Math.Abs(bi))
        {
            if (br == 0 && bi == 0) return new Complex(ar / Math.Abs(br), ai / Math.Abs(br));
            double rat = bi / br, scl = 1.0 / (br + bi * rat);
            return new Complex((ar + ai * rat) * scl, (ai - ar * rat) * scl);
        }
        else
        {
            double rat = br / bi, scl = 1.0 / (bi + br * rat);
            return new Complex((ar * rat + ai) * scl, (ai * rat - ar) * scl);
        }
    }

    /// <summary>C99 csqrt as glibc computes it (no scaling needed in the ranges filters use).</summary>
    private static Complex Sqrt(Complex x)
    {
        double re = x.Real, im = x.Imaginary;
        if (im == 0)
        {
            if (re >= 0) return new Complex(Math.Sqrt(re), im);
            return new Complex(0, Math.CopySign(Math.Sqrt(-re), im));
        }
        if (re == 0)
        {
            double r0 = Math.Sqrt(0.5 * Math.Abs(im));
            return new Complex(r0, Math.CopySign(r0, im));
        }
        double d = double.Hypot(re, im);
        double r, s;
        if (re > 0)
        {
            r = Math.Sqrt(0.5 * (d + re));
            s = 0.5 * (im / r);
        }
        else
        {
            s = Math.Sqrt(0.5 * (d - re));
            r = Math.Abs(0.5 * (im / s));
        }
        return new Complex(r, Math.CopySign(s, im));
    }

    /// <summary>np.prod: sequential products starting from 1 (1.0 for an empty list).</summary>
    private static Complex Prod(IEnumerable<Complex> v)
    {
        var acc = new Complex(1, 0);
        foreach (var c in v) acc = CMul(acc, c);
        return acc;
    }

    private static double Abs(Complex c) => double.Hypot(c.Real, c.Imaginary);

    private static bool IsReal(Complex c) => c.Imaginary == 0;

    // ---- zpk2sos ---------------------------------------------------------------------------------

    /// <summary>scipy.signal.zpk2sos(z, p, k, pairing='nearest') for a digital filter.</summary>
    internal static Sos ZpkToSos(Complex[] z, Complex[] p, double k)
    {
        var zl = z.ToList();
        var pl = p.ToList();
        if (zl.Count == 0 && pl.Count == 0)
            return new Sos([[k, 0, 0, 1, 0, 0]]);
        while (pl.Count < zl.Count) pl.Add(Complex.Zero);
        while (zl.Count < pl.Count) zl.Add(Complex.Zero);
        int nSections = (Math.Max(pl.Count, zl.Count) + 1) / 2;
        if (pl.Count % 2 == 1)
        {
            pl.Add(Complex.Zero);
            zl.Add(Complex.Zero);
        }
        var zs = CplxReal(zl);
        var ps = CplxReal(pl);
        var sos = new double[nSections][];
        for (int si = nSections - 1; si >= 0; si--)
        {
            int p1Idx = IdxWorst(ps);
            var p1 = ps[p1Idx];
            ps.RemoveAt(p1Idx);
            if (IsReal(p1) && ps.Count(IsReal) == 0)
            {
                int z1Idx = NearestIdx(zs, p1, Which.Real);
                var z1 = zs[z1Idx];
                zs.RemoveAt(z1Idx);
                sos[si] = SingleSos([z1, Complex.Zero], [p1, Complex.Zero]);
            }
            else if (ps.Count + 1 == zs.Count && !IsReal(p1) && ps.Count(IsReal) == 1 && zs.Count(IsReal) == 1)
            {
                int z1Idx = NearestIdx(zs, p1, Which.Complex);
                var z1 = zs[z1Idx];
                zs.RemoveAt(z1Idx);
                sos[si] = SingleSos([z1, Complex.Conjugate(z1)], [p1, Complex.Conjugate(p1)]);
            }
            else
            {
                Complex p2;
                if (IsReal(p1))
                {
                    var realIdx = Enumerable.Range(0, ps.Count).Where(i => IsReal(ps[i])).ToList();
                    int p2Idx = realIdx[IdxWorst(realIdx.Select(i => ps[i]).ToList())];
                    p2 = ps[p2Idx];
                    ps.RemoveAt(p2Idx);
                }
                else
                {
                    p2 = Complex.Conjugate(p1);
                }
                if (zs.Count > 0)
                {
                    int z1Idx = NearestIdx(zs, p1, Which.Any);
                    var z1 = zs[z1Idx];
                    zs.RemoveAt(z1Idx);
                    if (!IsReal(z1))
                        sos[si] = SingleSos([z1, Complex.Conjugate(z1)], [p1, p2]);
                    else if (zs.Count > 0)
                    {
                        int z2Idx = NearestIdx(zs, p1, Which.Real);
                        var z2 = zs[z2Idx];
                        zs.RemoveAt(z2Idx);
                        sos[si] = SingleSos([z1, z2], [p1, p2]);
                    }
                    else
                        sos[si] = SingleSos([z1], [p1, p2]);
                }
                else
                {
                    sos[si] = SingleSos([], [p1, p2]);
                }
            }
        }
        for (int j = 0; j < 3; j++) sos[0][j] *= k;
        return new Sos(sos);
    }

    private enum Which { Real, Complex, Any }

    /// <summary>argmin |1 − |p|| (first of ties): the pole closest to the unit circle.</summary>
    private static int IdxWorst(List<Complex> p)
    {
        int best = 0;
        double bv = double.PositiveInfinity;
        for (int i = 0; i < p.Count; i++)
        {
            double v = Math.Abs(1 - Abs(p[i]));
            if (v < bv) { bv = v; best = i; }
        }
        return best;
    }

    /// <summary>_nearest_real_complex_idx: nearest element of the wanted kind (stable order on ties).</summary>
    private static int NearestIdx(List<Complex> fro, Complex to, Which which)
    {
        var order = Enumerable.Range(0, fro.Count).OrderBy(i => Abs(fro[i] - to)).ToList();
        if (which == Which.Any) return order[0];
        foreach (int i in order)
            if (IsReal(fro[i]) == (which == Which.Real)) return i;
        throw new InvalidOperationException("no zero of the requested kind left to pair");
    }

    /// <summary>
    /// _cplxreal: complex values (one of each conjugate pair, the average of the pair, positive imaginary part)
    /// sorted by real part, then the real values sorted; returned concatenated as zpk2sos does.
    /// </summary>
    private static List<Complex> CplxReal(List<Complex> zin)
    {
        if (zin.Count == 0) return [];
        const double tol = 100 * 2.220446049250313e-16;
        // lexsort((abs(imag), real)): by real part, then |imag|
        var z = zin.OrderBy(c => c.Real).ThenBy(c => Math.Abs(c.Imaginary)).ToList();
        var realMask = z.Select(c => Math.Abs(c.Imaginary) <= tol * Abs(c)).ToList();
        var zr = z.Where((c, i) => realMask[i]).Select(c => new Complex(c.Real, 0)).ToList();
        if (zr.Count == z.Count) return zr;
        var zc = z.Where((c, i) => !realMask[i]).ToList();
        var zp = zc.Where(c => c.Imaginary > 0).ToList();
        var zn = zc.Where(c => c.Imaginary < 0).ToList();
        if (zp.Count != zn.Count) throw new ArgumentException("Array contains complex value with no matching conjugate.");
        // runs of equal real parts are sorted by |imag| (already the secondary key)
        var sameReal = new bool[zp.Count + 1];
        for (int i = 0; i + 1 < zp.Count; i++) sameReal[i + 1] = zp[i + 1].Real - zp[i].Real <= tol * Abs(zp[i]);
        int start = 0;
        while (start < zp.Count)
        {
            int stop = start + 1;
            while (stop < zp.Count && sameReal[stop]) stop++;
            if (stop - start > 1)
            {
                var a = zp.GetRange(start, stop - start).OrderBy(c => Math.Abs(c.Imaginary)).ToList();
                var b = zn.GetRange(start, stop - start).OrderBy(c => Math.Abs(c.Imaginary)).ToList();
                for (int i = 0; i < a.Count; i++) { zp[start + i] = a[i]; zn[start + i] = b[i]; }
            }
            start = stop;
        }
        for (int i = 0; i < zp.Count; i++)
            if (Abs(zp[i] - Complex.Conjugate(zn[i])) > tol * Abs(zn[i]))
                throw new ArgumentException("Array contains complex value with no matching conjugate.");
        var res = new List<Complex>(zp.Count + zr.Count);
        for (int i = 0; i < zp.Count; i++)
        {
            var sum = zp[i] + Complex.Conjugate(zn[i]);
            res.Add(new Complex(sum.Real / 2, sum.Imaginary / 2));
        }
        res.AddRange(zr);
        return res;
    }

    /// <summary>_single_zpksos: b = poly(z), a = poly(p) (real parts when the roots are conjugate), right-aligned.</summary>
    private static double[] SingleSos(Complex[] z, Complex[] p)
    {
        var row = new double[6];
        var b = Poly(z);
        var a = Poly(p);
        for (int i = 0; i < b.Length; i++) row[3 - b.Length + i] = b[i];
        for (int i = 0; i < a.Length; i++) row[6 - a.Length + i] = a[i];
        return row;
    }

    /// <summary>numpy.poly for one or two roots: [1, −(r1+r2), r1·r2], real parts.</summary>
    private static double[] Poly(Complex[] r)
    {
        if (r.Length == 0) return [1.0];
        var c = new[] { Complex.One };
        foreach (var root in r)
        {
            var next = new Complex[c.Length + 1];
            var nr = new Complex(-root.Real, -root.Imaginary);
            for (int i = 0; i < next.Length; i++)
            {
                // convolve(c, [1, −root]) : next[i] = c[i]·1 + c[i−1]·(−root)
                Complex acc = Complex.Zero;
                bool any = false;
                if (i - 1 >= 0) { acc = CMul(c[i - 1], nr); any = true; }
                if (i < c.Length) acc = any ? CMul(c[i], Complex.One) + acc : CMul(c[i], Complex.One);
                next[i] = acc;
            }
            c = next;
        }
        return c.Select(v => v.Real).ToArray();
    }
}
