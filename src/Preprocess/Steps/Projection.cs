namespace Neurodecode.Preprocess.Steps;

/// <summary>
/// Least-squares removal of regressors from channels (nilearn's confound removal, <c>signals -= Q·Qᵀ·signals</c>):
/// the regressors are orthonormalised once (modified Gram-Schmidt, twice for accuracy) and each channel loses its
/// projection on them. A regressor that is (numerically) a combination of the previous ones is dropped, as nilearn
/// drops the columns of its pivoted QR whose |R_ii| ≤ 100·eps.
/// </summary>
internal sealed class Projection
{
    /// <summary>numpy's <c>np.finfo(np.float64).eps</c> (.NET's double.Epsilon is the smallest subnormal instead).</summary>
    public const double MachineEpsilon = 2.220446049250313e-16;

    private readonly double[][] _q;

    /// <param name="regressors">columns of length n, already scaled as the reference scales them (the drop
    /// threshold is absolute, as nilearn's).</param>
    public Projection(IEnumerable<double[]> regressors)
    {
        var q = new List<double[]>();
        foreach (var column in regressors)
        {
            var v = (double[])column.Clone();
            for (int pass = 0; pass < 2; pass++)
                foreach (var u in q)
                    Axpy(-Dot(u, v), u, v);
            double norm = Math.Sqrt(Dot(v, v));
            if (!(norm > 100 * MachineEpsilon))
                continue;
            for (int i = 0; i < v.Length; i++) v[i] /= norm;
            q.Add(v);
        }
        _q = q.ToArray();
    }

    /// <summary>Regressors kept (the rank of the design).</summary>
    public int Rank => _q.Length;

    /// <summary>x minus its least-squares fit on the regressors, in place.</summary>
    public void Remove(Span<double> x)
    {
        var beta = new double[_q.Length];
        for (int k = 0; k < _q.Length; k++)
            beta[k] = Dot(_q[k], x);
        for (int k = 0; k < _q.Length; k++)
            Axpy(-beta[k], _q[k], x);
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b) => System.Numerics.Tensors.TensorPrimitives.Dot(a, b);

    private static void Axpy(double alpha, ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] += alpha * x[i];
    }

    /// <summary>nilearn's <c>standardize_signal(confound, standardize=True)</c>: mean removed, divided by the
    /// population std (1 when the std is below eps).</summary>
    public static double[] Standardized(double[] column)
    {
        var c = (double[])column.Clone();
        double mean = c.Average();
        double ss = 0;
        for (int i = 0; i < c.Length; i++)
        {
            c[i] -= mean;
            ss += c[i] * c[i];
        }
        double std = Math.Sqrt(ss / c.Length);
        if (std < MachineEpsilon) std = 1;
        for (int i = 0; i < c.Length; i++) c[i] /= std;
        return c;
    }
}
