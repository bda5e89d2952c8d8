using System.Numerics;
using MathNet.Numerics.IntegralTransforms;
using Neurodecode.Ingest.Numerics;

namespace Neurodecode.Tests.Ingest.Numerics;

/// <summary>Our FFT against a direct DFT and MathNet.Numerics' transform.</summary>
public class FftPlanTests
{
    [Theory]
    [InlineData(1)] [InlineData(2)] [InlineData(3)] [InlineData(4)] [InlineData(5)] [InlineData(6)] [InlineData(7)]
    [InlineData(8)] [InlineData(12)] [InlineData(15)] [InlineData(30)] [InlineData(49)] [InlineData(64)] [InlineData(97)]
    [InlineData(32)] [InlineData(256)] [InlineData(2048)] [InlineData(120)] [InlineData(143)] [InlineData(250)] [InlineData(1000)] [InlineData(1080)] [InlineData(1021)]
    public void Equals_direct_dft(int n)
    {
        var rng = new Random(n);
        var re = Enumerable.Range(0, n).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var im = Enumerable.Range(0, n).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var xr = (double[])re.Clone(); var xi = (double[])im.Clone();
        FftPlan.Get(n).Forward(xr, xi, new double[n], new double[n]);
        double err = 0, norm = 0;
        for (int k = 0; k < n; k++)
        {
            double sr = 0, si = 0;
            for (int t = 0; t < n; t++)
            {
                double a = -2 * Math.PI * ((long)k * t % n) / n;
                sr += re[t] * Math.Cos(a) - im[t] * Math.Sin(a);
                si += re[t] * Math.Sin(a) + im[t] * Math.Cos(a);
            }
            err = Math.Max(err, Math.Abs(sr - xr[k]) + Math.Abs(si - xi[k]));
            norm = Math.Max(norm, Math.Sqrt(sr * sr + si * si));
        }
        Assert.True(err <= 1e-13 * norm, $"n={n}: {err / norm:E2}");
        FftPlan.Get(n).Inverse(xr, xi, new double[n], new double[n]);
        for (int t = 0; t < n; t++)
        {
            Assert.Equal(re[t], xr[t] / n, 1e-14);
            Assert.Equal(im[t], xi[t] / n, 1e-14);
        }
    }

    [Theory]
    [InlineData(4096)] [InlineData(8192)] [InlineData(16384)] [InlineData(32768)] [InlineData(40960)] [InlineData(65536)]
    public void Equals_MathNet(int n)
    {
        var rng = new Random(1);
        var c = Enumerable.Range(0, n).Select(_ => new Complex(rng.NextDouble() - 0.5, rng.NextDouble() - 0.5)).ToArray();
        var xr = c.Select(v => v.Real).ToArray();
        var xi = c.Select(v => v.Imaginary).ToArray();
        FftPlan.Get(n).Forward(xr, xi, new double[n], new double[n]);
        Fourier.Forward(c, FourierOptions.NoScaling);
        double err = 0, norm = 0;
        for (int k = 0; k < n; k++)
        {
            err = Math.Max(err, (new Complex(xr[k], xi[k]) - c[k]).Magnitude);
            norm = Math.Max(norm, c[k].Magnitude);
        }
        // MathNet's Bluestein path (non-powers of two) is itself only good to ~1e-11
        Assert.True(err <= (BitOperations.IsPow2(n) ? 1e-14 : 1e-10) * norm, $"n={n}: {err / norm:E2}");
    }
}
