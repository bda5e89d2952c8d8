using System.Numerics.Tensors;
using MathNet.Numerics.LinearAlgebra;

namespace Neurodecode.Models.Baselines;

/// <summary>
/// Oracle Approximating Shrinkage covariance of one window, as scikit-learn 1.2's <c>sklearn.covariance.oas</c>
/// computes it on the window's (n_times, n_channels) data — which is what pyRiemann's
/// <c>Covariances(estimator='oas')</c> calls per trial. With S the empirical covariance (channel means removed, divided
/// by n = n_times), p channels, μ = tr(S)/p and α = mean(S²) over all p² entries:
/// <code>
/// shrinkage = min((α + μ²) / ((n + 1)(α − μ²/p)), 1)     (1 when the denominator is 0)
/// Σ = (1 − shrinkage)·S + shrinkage·μ·I
/// </code>
/// This is the formula of Chen et al.'s implementation that scikit-learn ≤ 1.2 uses (its docstring says "slightly
/// modified compared to the one given in the article"); later scikit-learn releases changed it, so the golden values
/// pin 1.2.1.
/// </summary>
public static class OasCovariance
{
    /// <summary>The OAS covariance (p × p) of one window laid out channel-major (<paramref name="nChans"/> rows of
    /// <paramref name="nTimes"/> samples), computed in float64.</summary>
    public static Matrix<double> Estimate(ReadOnlySpan<float> window, int nChans, int nTimes, out double shrinkage)
    {
        if (window.Length != nChans * nTimes)
            throw new ArgumentException($"window holds {window.Length} values, expected n_chans ({nChans}) x n_times ({nTimes})");
        var centered = new double[nChans * nTimes];
        for (int c = 0; c < nChans; c++)
        {
            var src = window.Slice(c * nTimes, nTimes);
            var dst = centered.AsSpan(c * nTimes, nTimes);
            double sum = 0;
            for (int t = 0; t < nTimes; t++) sum += dst[t] = src[t];
            double mean = sum / nTimes;
            for (int t = 0; t < nTimes; t++) dst[t] -= mean;
        }
        var s = Matrix<double>.Build.Dense(nChans, nChans);
        for (int i = 0; i < nChans; i++)
        {
            var xi = centered.AsSpan(i * nTimes, nTimes);
            for (int j = 0; j <= i; j++)
            {
                double v = TensorPrimitives.Dot<double>(xi, centered.AsSpan(j * nTimes, nTimes)) / nTimes;
                s[i, j] = v;
                s[j, i] = v;
            }
        }
        return Shrink(s, nTimes, out shrinkage);
    }

    /// <summary>OAS shrinkage of an empirical (biased) covariance <paramref name="s"/> estimated from
    /// <paramref name="nSamples"/> samples.</summary>
    public static Matrix<double> Shrink(Matrix<double> s, int nSamples, out double shrinkage)
    {
        int p = s.RowCount;
        if (p == 1)
        {
            // scikit-learn: "for only one feature, the result is the same whatever the shrinkage" (returns 0).
            shrinkage = 0;
            return s.Clone();
        }
        double mu = s.Trace() / p;
        double alpha = 0;
        foreach (double v in s.Enumerate()) alpha += v * v;
        alpha /= (double)p * p;
        double num = alpha + mu * mu;
        double den = (nSamples + 1.0) * (alpha - mu * mu / p);
        shrinkage = den == 0 ? 1.0 : Math.Min(num / den, 1.0);
        var shrunk = s * (1.0 - shrinkage);
        for (int i = 0; i < p; i++) shrunk[i, i] += shrinkage * mu;
        return shrunk;
    }
}
