using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace Neurodecode.Models.Baselines;

/// <summary>
/// Multi-output ridge regression with an intercept, the regularization chosen by efficient leave-one-out
/// cross-validation: sklearn's <c>RidgeCV(alphas, fit_intercept=True, gcv_mode='eigen')</c> (1.2.1,
/// <c>_RidgeGCV</c>). One eigendecomposition of the Gram matrix K = X̃X̃ᵀ + 11ᵀ (X̃ centred; the 11ᵀ term stands for
/// the unpenalised intercept) gives every alpha's dual coefficients c = Q diag(w) Qᵀỹ with w = 1/(λ + α) (0 on the
/// intercept's eigenvector) and the leave-one-out residuals c / diag(G⁻¹); the alpha with the smallest mean squared
/// residual over all windows and targets wins (the first on ties), and coef = cᵀX̃.
/// </summary>
public sealed record RidgeFit(Matrix<double> Coef, double[] Intercept, double Alpha, double BestScore, double[] AlphaScores)
{
    /// <summary>Predictions for the rows of <paramref name="x"/>: X coefᵀ + intercept (rows × targets).</summary>
    public Matrix<double> Predict(Matrix<double> x)
    {
        var y = x.TransposeAndMultiply(Coef);
        for (int i = 0; i < y.RowCount; i++)
            for (int j = 0; j < y.ColumnCount; j++) y[i, j] += Intercept[j];
        return y;
    }
}

public static class RidgeCv
{
    /// <summary>
    /// Fits on windows × features <paramref name="x"/> and windows × targets <paramref name="y"/>; <see cref="RidgeFit.BestScore"/>
    /// is sklearn's <c>best_score_</c> (minus the mean squared leave-one-out error) and <see cref="RidgeFit.AlphaScores"/>
    /// the same for every alpha, in order. One alpha is sklearn's <c>Ridge(alpha)</c> (the same solution).
    /// </summary>
    public static RidgeFit Fit(Matrix<double> x, Matrix<double> y, IReadOnlyList<double> alphas)
    {
        int n = x.RowCount;
        if (y.RowCount != n) throw new ArgumentException($"{n} windows but {y.RowCount} targets");
        if (n < 2) throw new ArgumentException($"ridge needs at least 2 windows (got {n})");
        if (alphas.Count == 0 || alphas.Any(a => !(a > 0) || double.IsInfinity(a)))
            throw new ArgumentException($"alphas ({string.Join(", ", alphas)}) must be positive and finite, at least one");
        var xMean = x.ColumnSums() / n;
        var yMean = y.ColumnSums() / n;
        var xc = x.Clone();
        var yc = y.Clone();
        for (int i = 0; i < n; i++)
        {
            xc.SetRow(i, xc.Row(i) - xMean);
            yc.SetRow(i, yc.Row(i) - yMean);
        }
        var k = xc.TransposeAndMultiply(xc);
        k.MapInplace(v => v + 1.0);   // + 11ᵀ
        var evd = k.Evd(Symmetricity.Symmetric);
        var q = evd.EigenVectors;
        var eig = evd.EigenValues.Select(c => c.Real).ToArray();
        var qty = q.TransposeThisAndMultiply(yc);
        // The intercept's eigenvector: the one most aligned with 1/√n (sklearn's _find_smallest_angle).
        var ones = Vector<double>.Build.Dense(n, 1.0 / Math.Sqrt(n));
        var aligned = q.TransposeThisAndMultiply(ones);
        int interceptDim = aligned.AbsoluteMaximumIndex();
        var q2 = q.PointwiseMultiply(q);

        Matrix<double>? best = null;
        double bestScore = double.NegativeInfinity, bestAlpha = double.NaN;
        var scores = new double[alphas.Count];
        for (int a = 0; a < alphas.Count; a++)
        {
            var w = Vector<double>.Build.Dense(n, j => 1.0 / (eig[j] + alphas[a]));
            w[interceptDim] = 0;
            var c = q * Matrix<double>.Build.DenseOfDiagonalVector(w) * qty;
            var gInvDiag = q2 * w;
            double sum = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < c.ColumnCount; j++)
                {
                    double e = c[i, j] / gInvDiag[i];
                    sum += e * e;
                }
            scores[a] = -sum / (n * (double)c.ColumnCount);
            if (best is null || scores[a] > bestScore)
                (best, bestScore, bestAlpha) = (c, scores[a], alphas[a]);
        }
        var coef = best!.TransposeThisAndMultiply(xc);   // targets × features
        var intercept = (yMean - coef * xMean).ToArray();
        return new RidgeFit(coef, intercept, bestAlpha, bestScore, scores);
    }

    /// <summary>A log grid: <paramref name="count"/> values from 10^<paramref name="fromExp"/> to 10^<paramref name="toExp"/> (numpy's logspace).</summary>
    public static double[] LogSpace(double fromExp, double toExp, int count) => count == 1
        ? [Math.Pow(10, fromExp)]
        : Enumerable.Range(0, count).Select(i => Math.Pow(10, fromExp + (toExp - fromExp) * i / (count - 1))).ToArray();
}
