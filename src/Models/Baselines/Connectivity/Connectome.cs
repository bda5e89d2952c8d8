using MathNet.Numerics.LinearAlgebra;

namespace Neurodecode.Models.Baselines.Connectivity;

/// <summary>
/// nilearn's <c>ConnectivityMeasure</c> on one window (regions x time points): "correlation" fits the covariance
/// estimator on the z-scored series and normalises it (<c>cov_to_corr</c>); "partial correlation" fits it on the raw
/// series and normalises the negated precision (<c>prec_to_partial</c>). <see cref="Vectorize"/> is
/// <c>sym_matrix_to_vec(discard_diagonal=True)</c>.
/// </summary>
public static class Connectome
{
    /// <summary>The connectivity matrix (regions x regions) of one window stored channel-major, as windows are.</summary>
    public static Matrix<double> Matrix(ReadOnlySpan<float> window, int nRegions, int nTimes, string kind, string covariance)
    {
        var x = Matrix<double>.Build.Dense(nTimes, nRegions);
        for (int r = 0; r < nRegions; r++)
            for (int t = 0; t < nTimes; t++)
                x[t, r] = window[r * nTimes + t];
        if (kind == "correlation")
            return CovToCorr(Covariance(Standardize(x), covariance));
        var partial = -CovToCorr(Covariance(x, covariance).Inverse());
        for (int i = 0; i < nRegions; i++) partial[i, i] = 1.0;
        return partial;
    }

    /// <summary>sklearn's <c>LedoitWolf().fit(x).covariance_</c> or <c>EmpiricalCovariance().fit(x).covariance_</c>
    /// (both centre the columns and divide by n).</summary>
    public static Matrix<double> Covariance(Matrix<double> x, string estimator)
    {
        if (estimator == "ledoit_wolf") return LedoitWolf.Shrunk(x, out _);
        var centred = x.Clone();
        for (int j = 0; j < x.ColumnCount; j++)
        {
            double mean = x.Column(j).Sum() / x.RowCount;
            for (int i = 0; i < x.RowCount; i++) centred[i, j] -= mean;
        }
        return centred.TransposeThisAndMultiply(centred) / x.RowCount;
    }

    /// <summary>nilearn's <c>standardize_signal(detrend=False, standardize=True)</c>: each region z-scored, a
    /// (near-)constant one (std &lt; eps) only centred. The std's ddof does not matter: one common factor cancels in
    /// <see cref="CovToCorr"/>, and Ledoit-Wolf's shrinkage is unchanged by it.</summary>
    private static Matrix<double> Standardize(Matrix<double> x)
    {
        var z = x.Clone();
        for (int j = 0; j < x.ColumnCount; j++)
        {
            var col = x.Column(j);
            double mean = col.Sum() / x.RowCount;
            double std = Math.Sqrt(col.Sum(v => (v - mean) * (v - mean)) / x.RowCount);
            if (std < 2.220446049250313e-16) std = 1.0;  // np.finfo(float64).eps
            for (int i = 0; i < x.RowCount; i++) z[i, j] = (x[i, j] - mean) / std;
        }
        return z;
    }

    /// <summary>nilearn's <c>cov_to_corr</c>: C_ij / √(C_ii C_jj), diagonal forced to 1.</summary>
    private static Matrix<double> CovToCorr(Matrix<double> c)
    {
        int n = c.RowCount;
        var d = Enumerable.Range(0, n).Select(i => 1.0 / Math.Sqrt(c[i, i])).ToArray();
        return Matrix<double>.Build.Dense(n, n, (i, j) => i == j ? 1.0 : c[i, j] * d[i] * d[j]);
    }

    /// <summary>The strict lower triangle row by row, (1,0), (2,0), (2,1), (3,0) ... as nilearn's
    /// <c>sym_matrix_to_vec(discard_diagonal=True)</c> (an <c>np.tril(k=-1)</c> mask).</summary>
    public static double[] Vectorize(Matrix<double> m)
    {
        int n = m.RowCount;
        var v = new double[n * (n - 1) / 2];
        int k = 0;
        for (int i = 1; i < n; i++)
            for (int j = 0; j < i; j++)
                v[k++] = m[i, j];
        return v;
    }
}
