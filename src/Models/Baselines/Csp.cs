using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace Neurodecode.Models.Baselines;

/// <summary>
/// Common spatial patterns on covariance matrices as pyRiemann's <c>CSP(nfilter, metric='euclid', log=True)</c>
/// computes them (pyriemann/spatialfilters.py). Class means are arithmetic means of the trials' covariances.
/// <list type="bullet">
/// <item>Two classes: generalized eigenvectors of (C₁, C₀ + C₁) — normalised as LAPACK's <c>sygvd</c> does,
/// vᵀ(C₀ + C₁)v = 1 — sorted by |λ − 0.5| descending (both ends of the spectrum: the filters whose variance differs
/// most between the classes). Here: Cholesky C₀ + C₁ = LLᵀ, symmetric eigen-decomposition of L⁻¹C₁L⁻ᵀ, v = L⁻ᵀu;
/// the sort is stable (the reference's quicksort order among exactly equal |λ − 0.5| is unspecified).</item>
/// <item>More classes: pyRiemann's multiclass CSP (Grosse-Wentrup &amp; Buss 2008): Pham's approximate joint
/// diagonalization of the class means (<see cref="AjdPham"/>), each filter scaled to unit variance under the
/// unweighted mean of the class means, ranked by the information-theoretic criterion
/// −(Σₖ Pₖ log √(wᵀCₖw) + 3/16 (Σₖ Pₖ ((wᵀCₖw)² − 1))²) with Pₖ the class proportions, descending.</item>
/// </list>
/// Features are the log of the diagonal of W·C·Wᵀ (log-variance of each filtered component, not normalised by the
/// trace). Filters are defined up to sign (eigenvectors), which the features do not see.
/// </summary>
public sealed class Csp
{
    /// <summary>The spatial filters, one per row (n_filters × n_chans).</summary>
    public Matrix<double> Filters { get; }

    /// <summary>What the filters were ranked by, in rank order: the generalized eigenvalues (2 classes) or the
    /// mutual-information scores (more classes); empty for filters loaded from a file.</summary>
    public IReadOnlyList<double> SortKeys { get; }

    /// <summary>False only when the joint diagonalization (more than 2 classes) ran out of sweeps.</summary>
    public bool Converged { get; }

    public Csp(Matrix<double> filters, IReadOnlyList<double>? sortKeys = null, bool converged = true)
    {
        Filters = filters;
        SortKeys = sortKeys ?? [];
        Converged = converged;
    }

    public int NFilters => Filters.RowCount;
    public int NChans => Filters.ColumnCount;

    /// <summary>Fits the filters on per-trial covariances with class ids 0 .. <paramref name="nClasses"/> − 1
    /// (every class must occur).</summary>
    public static Csp Fit(IReadOnlyList<Matrix<double>> covariances, IReadOnlyList<int> labels, int nClasses, int nFilters)
    {
        if (covariances.Count != labels.Count)
            throw new ArgumentException($"{covariances.Count} covariances but {labels.Count} labels");
        if (nClasses < 2)
            throw new ArgumentException($"CSP needs at least 2 classes, got {nClasses}");
        int n = covariances[0].RowCount;
        if (nFilters < 1 || nFilters > n)
            throw new ArgumentException($"n_filters ({nFilters}) must be between 1 and the number of channels ({n})");
        var means = new Matrix<double>[nClasses];
        var counts = new int[nClasses];
        for (int k = 0; k < nClasses; k++) means[k] = Matrix<double>.Build.Dense(n, n);
        for (int i = 0; i < labels.Count; i++)
        {
            int k = labels[i];
            if (k < 0 || k >= nClasses)
                throw new ArgumentException($"label {k} of trial {i} is not a class id in 0 .. {nClasses - 1}");
            means[k] += covariances[i];
            counts[k]++;
        }
        var empty = Enumerable.Range(0, nClasses).Where(k => counts[k] == 0).ToList();
        if (empty.Count > 0)
            throw new ArgumentException($"class {string.Join(", ", empty)} has no training trials");
        for (int k = 0; k < nClasses; k++) means[k] /= counts[k];

        Matrix<double> evecs;  // filters as columns
        double[] keys;
        bool converged = true;
        if (nClasses == 2)
        {
            (var evals, evecs) = GeneralizedEigen(means[1], means[0] + means[1]);
            keys = evals;
        }
        else
        {
            var v = AjdPham.Diagonalize(means, out converged);
            evecs = v.Transpose();
            var total = means.Aggregate((a, b) => a + b) / nClasses;
            for (int c = 0; c < n; c++)
            {
                var w = evecs.Column(c);
                evecs.SetColumn(c, w / Math.Sqrt(w * (total * w)));
            }
            keys = new double[n];
            for (int c = 0; c < n; c++)
            {
                var w = evecs.Column(c);
                double a = 0, b = 0;
                for (int k = 0; k < nClasses; k++)
                {
                    double p = counts[k] / (double)labels.Count;
                    double var = w * (means[k] * w);
                    a += p * Math.Log(Math.Sqrt(var));
                    b += p * (var * var - 1);
                }
                keys[c] = -(a + 3.0 / 16 * (b * b));
            }
        }
        // pyRiemann: argsort(|λ − 0.5|)[::-1] for 2 classes, argsort(mutual_info)[::-1] otherwise.
        Func<double, double> rank = nClasses == 2 ? l => Math.Abs(l - 0.5) : mi => mi;
        int[] order = Enumerable.Range(0, n).OrderByDescending(c => rank(keys[c])).ToArray();
        var filters = Matrix<double>.Build.Dense(nFilters, n, (f, c) => evecs[c, order[f]]);
        return new Csp(filters, order.Select(c => keys[c]).ToArray(), converged);
    }

    /// <summary>Solves A v = λ B v for symmetric A and symmetric positive definite B; eigenvalues ascending,
    /// eigenvectors as columns with vᵀBv = 1.</summary>
    public static (double[] Values, Matrix<double> Vectors) GeneralizedEigen(Matrix<double> a, Matrix<double> b)
    {
        Cholesky<double> chol;
        try
        {
            chol = b.Cholesky();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException("the summed class covariance is not positive definite (constant or duplicated channels?)", e);
        }
        var lInv = chol.Factor.Inverse();
        var m = lInv * a * lInv.Transpose();
        m = (m + m.Transpose()) / 2;
        var evd = m.Evd(Symmetricity.Symmetric);
        var values = evd.EigenValues.Select(z => z.Real).ToArray();
        var vectors = lInv.Transpose() * evd.EigenVectors;
        int[] asc = Enumerable.Range(0, values.Length).OrderBy(i => values[i]).ToArray();
        return (asc.Select(i => values[i]).ToArray(), Matrix<double>.Build.Dense(vectors.RowCount, asc.Length, (r, c) => vectors[r, asc[c]]));
    }

    /// <summary>log diag(W C Wᵀ): one log-variance per filter.</summary>
    public double[] LogVariance(Matrix<double> covariance)
    {
        if (covariance.RowCount != NChans || covariance.ColumnCount != NChans)
            throw new ArgumentException($"covariance is {covariance.RowCount} x {covariance.ColumnCount}, the filters expect {NChans} channels");
        var features = new double[NFilters];
        for (int f = 0; f < NFilters; f++)
        {
            var w = Filters.Row(f);
            features[f] = Math.Log(w * (covariance * w));
        }
        return features;
    }
}
