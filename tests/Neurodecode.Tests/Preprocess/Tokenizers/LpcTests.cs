using Neurodecode.Preprocess.Tokenizers;

namespace Neurodecode.Tests.Preprocess.Tokenizers;

/// <summary>Levinson–Durbin against a direct Toeplitz solve, a known AR(2) process, and SciPy's solve_toeplitz on EEG.</summary>
public class LpcTests
{
    /// <summary>Standard normal draws (Box–Muller) from a seeded generator.</summary>
    private static double[] Gaussian(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n)
            .Select(_ => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble())).ToArray();
    }

    /// <summary>Solves the p×p system T·a = r[1..p], T[i,j] = r[|i−j|], by Gaussian elimination with partial pivoting.</summary>
    private static double[] ToeplitzSolve(double[] r, int p)
    {
        var m = new double[p, p + 1];
        for (int i = 0; i < p; i++)
        {
            for (int j = 0; j < p; j++) m[i, j] = r[Math.Abs(i - j)];
            m[i, p] = r[i + 1];
        }
        for (int c = 0; c < p; c++)
        {
            int piv = c;
            for (int i = c + 1; i < p; i++) if (Math.Abs(m[i, c]) > Math.Abs(m[piv, c])) piv = i;
            for (int j = 0; j <= p; j++) (m[c, j], m[piv, j]) = (m[piv, j], m[c, j]);
            for (int i = c + 1; i < p; i++)
            {
                double f = m[i, c] / m[c, c];
                for (int j = c; j <= p; j++) m[i, j] -= f * m[c, j];
            }
        }
        var a = new double[p];
        for (int i = p - 1; i >= 0; i--)
        {
            double s = m[i, p];
            for (int j = i + 1; j < p; j++) s -= m[i, j] * a[j];
            a[i] = s / m[i, i];
        }
        return a;
    }

    [Theory]
    [InlineData(1)] [InlineData(2)] [InlineData(5)] [InlineData(16)] [InlineData(24)]
    public void Levinson_equals_a_direct_toeplitz_solve(int order)
    {
        // Coloured noise (a moving average) so the system is far from diagonal.
        var e = Gaussian(2000, order);
        var x = Enumerable.Range(0, e.Length).Select(t => e[t] + (t > 0 ? 0.8 * e[t - 1] : 0) + (t > 1 ? 0.5 * e[t - 2] : 0)).ToArray();
        var r = new double[order + 1];
        Lpc.Autocorrelation(x, r);
        var a = new double[order];
        var k = new double[order];
        double err = Lpc.LevinsonDurbin(r, a, k);

        var direct = ToeplitzSolve(r, order);
        for (int i = 0; i < order; i++) Assert.Equal(direct[i], a[i], 1e-12);
        // The reflection coefficient k_m is the last coefficient of the order-m predictor.
        for (int m = 1; m <= order; m++) Assert.Equal(ToeplitzSolve(r, m)[m - 1], k[m - 1], 1e-12);
        double expectErr = r[0];
        for (int i = 0; i < order; i++) expectErr -= direct[i] * r[i + 1];
        Assert.Equal(expectErr, err, 1e-12 * r[0]);
    }

    [Fact]
    public void Recovers_a_known_ar2_process()
    {
        // x[t] = 1.5·x[t−1] − 0.75·x[t−2] + e[t], e ~ N(0, 1): poles at radius √0.75, a 30 Hz resonance at 200 Hz.
        const double Phi1 = 1.5, Phi2 = -0.75;
        var e = Gaussian(200_000, 7);
        var x = new double[e.Length];
        for (int t = 0; t < x.Length; t++) x[t] = e[t] + (t > 0 ? Phi1 * x[t - 1] : 0) + (t > 1 ? Phi2 * x[t - 2] : 0);
        var r = new double[5];
        Lpc.Autocorrelation(x, r);
        var a = new double[4];
        var k = new double[4];
        double err = Lpc.LevinsonDurbin(r, a, k);

        Assert.Equal(Phi1, a[0], 0.01);
        Assert.Equal(Phi2, a[1], 0.01);
        Assert.Equal(0, a[2], 0.01);
        Assert.Equal(0, a[3], 0.01);
        Assert.Equal(1.0, err, 0.02);              // the innovation variance
        Assert.Equal(Phi1 / (1 - Phi2), k[0], 0.01); // lag-1 autocorrelation of an AR(2)
        Assert.Equal(Phi2, k[1], 0.01);              // partial autocorrelation at lag p is φ_p
    }

    [Fact]
    public void Equals_scipy_solve_toeplitz_on_real_eeg()
    {
        var golden = TokenizerData.Golden;
        int order = golden.GetProperty("lpc_order").GetInt32();
        var (x, _) = TokenizerData.GoldenInput();
        var cases = golden.GetProperty("lpc").EnumerateArray().ToArray();
        Assert.Equal(6, cases.Length);
        for (int i = 0; i < cases.Length; i++)
        {
            var seg = x.AsSpan(i * 200, 200).ToArray().Select(v => (double)v).ToArray();
            double mean = seg.Average();
            var centred = seg.Select(v => v - mean).ToArray();
            var r = new double[order + 1];
            Lpc.Autocorrelation(centred, r);
            var a = new double[order];
            var k = new double[order];
            double err = Lpc.LevinsonDurbin(r, a, k);

            Assert.True(TokenizerData.RelMaxError(r, TokenizerData.Doubles(cases[i].GetProperty("r"))) < 1e-11, $"patch {i} r");
            double aErr = TokenizerData.RelMaxError(a, TokenizerData.Doubles(cases[i].GetProperty("a")));
            Assert.True(aErr < 1e-9, $"patch {i} a: {aErr:E2}");
            double kErr = TokenizerData.RelMaxError(k, TokenizerData.Doubles(cases[i].GetProperty("reflection")));
            Assert.True(kErr < 1e-9, $"patch {i} reflection: {kErr:E2}");
            double expectErr = cases[i].GetProperty("error_variance").GetDouble();
            Assert.True(Math.Abs(err - expectErr) < 1e-9 * expectErr, $"patch {i} error variance {err:E6} vs {expectErr:E6}");
            Assert.All(k, v => Assert.InRange(v, -1, 1));
            Assert.True(err < r[0], "prediction must explain some of the variance of real EEG");
        }
    }

    [Fact]
    public void Degenerate_signals_give_finite_coefficients()
    {
        var a = new double[8];
        var k = new double[8];
        Assert.Equal(0, Lpc.LevinsonDurbin(new double[9], a, k));
        Assert.All(a, v => Assert.Equal(0, v));

        // r[k] = cos(ωk) is a sinusoid's autocorrelation: order 2 predicts it exactly (x[t] = 2cos ω·x[t−1] − x[t−2]),
        // and the recursion stops there instead of dividing rounding noise by rounding noise.
        var r = Enumerable.Range(0, 9).Select(lag => Math.Cos(0.3 * lag)).ToArray();
        double err = Lpc.LevinsonDurbin(r, a, k);
        Assert.Equal(2 * Math.Cos(0.3), a[0], 1e-9);
        Assert.Equal(-1, a[1], 1e-9);
        Assert.All(a[2..], v => Assert.Equal(0, v));
        Assert.All(k[2..], v => Assert.Equal(0, v));
        Assert.InRange(err, 0, 1e-12);

        // A finite sampled sinusoid is nearly as predictable: everything stays finite and |k| ≤ 1.
        var x = Enumerable.Range(0, 400).Select(t => Math.Sin(2 * Math.PI * 0.05 * t)).ToArray();
        Lpc.Autocorrelation(x, r);
        err = Lpc.LevinsonDurbin(r, a, k);
        Assert.All(a, v => Assert.True(double.IsFinite(v)));
        Assert.All(k, v => Assert.InRange(v, -1, 1));
        Assert.InRange(err, 0, 1e-2 * r[0]);
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Equal("order 4 needs autocorrelation lags 0 … 4, got 3 values",
            Assert.Throws<ArgumentException>(() => Lpc.LevinsonDurbin(new double[3], new double[4], [])).Message);
        Assert.Equal("r[0] (-1) must be a finite power ≥ 0",
            Assert.Throws<ArgumentException>(() => Lpc.LevinsonDurbin([-1.0, 0, 0], new double[2], [])).Message);
        Assert.Equal("lag 4 needs at least 5 samples, got 3",
            Assert.Throws<ArgumentException>(() => Lpc.Autocorrelation(new double[3], new double[5])).Message);
    }
}
