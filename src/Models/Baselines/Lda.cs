using MathNet.Numerics.LinearAlgebra;

namespace Neurodecode.Models.Baselines;

/// <summary>
/// Linear discriminant analysis as scikit-learn 1.2's <c>LinearDiscriminantAnalysis</c> fits and predicts with it
/// (priors = class proportions). Two solvers, MOABB's two CSP pipelines:
/// <list type="bullet">
/// <item><c>"svd"</c> (<see cref="FitSvd"/>, "CSP + LDA"): no covariance matrix is formed; the within-class centred
/// data, scaled by 1/√(n − K) and standardised per feature, is decomposed by SVD (rank: singular values &gt; tol), the
/// class means are projected and decomposed again (rank: &gt; tol·s₀), and coef/intercept follow from the scalings
/// (<c>_solve_svd</c>). No shrinkage is possible.</item>
/// <item><c>"lsqr"</c> with <c>shrinkage='auto'</c> (<see cref="FitLsqrAuto"/>, "DLCSPauto + shLDA"): Σ = Σₖ πₖ Σₖ
/// where each class covariance is Ledoit-Wolf-shrunk on standardised features and scaled back; coef = lstsq(Σ, μᵀ)ᵀ,
/// intercept = −½ diag(μ coefᵀ) + log π.</item>
/// </list>
/// With two classes the model keeps one row: coef₁ − coef₀ and intercept₁ − intercept₀ (scikit-learn's binary case);
/// <see cref="PredictProba"/> is then [1 − σ(d), σ(d)], otherwise softmax of the decision values.
/// </summary>
public sealed class Lda
{
    public string Solver { get; }

    /// <summary>Decision weights: 1 × F for two classes, K × F otherwise.</summary>
    public Matrix<double> Coef { get; }

    public double[] Intercept { get; }

    /// <summary>Class means of the features (K × F), as scikit-learn's <c>means_</c>.</summary>
    public Matrix<double> Means { get; }

    /// <summary>Class priors (the training proportions), as <c>priors_</c>.</summary>
    public double[] Priors { get; }

    public Lda(string solver, Matrix<double> coef, double[] intercept, Matrix<double> means, double[] priors)
    {
        int k = means.RowCount;
        int rows = k == 2 ? 1 : k;
        if (coef.RowCount != rows || intercept.Length != rows || priors.Length != k || coef.ColumnCount != means.ColumnCount)
            throw new ArgumentException($"LDA shapes disagree: coef {coef.RowCount} x {coef.ColumnCount}, intercept {intercept.Length}, means {means.RowCount} x {means.ColumnCount}, priors {priors.Length} (expected coef {rows} x {means.ColumnCount})");
        (Solver, Coef, Intercept, Means, Priors) = (solver, coef, intercept, means, priors);
    }

    public int NClasses => Means.RowCount;
    public int NFeatures => Means.ColumnCount;

    private static (Matrix<double> Means, double[] Priors, int[] Counts) ClassStats(Matrix<double> x, IReadOnlyList<int> y, int nClasses)
    {
        if (x.RowCount != y.Count) throw new ArgumentException($"{x.RowCount} samples but {y.Count} labels");
        if (x.RowCount <= nClasses)
            throw new ArgumentException($"the number of samples ({x.RowCount}) must be more than the number of classes ({nClasses})");
        var counts = new int[nClasses];
        var means = Matrix<double>.Build.Dense(nClasses, x.ColumnCount);
        for (int i = 0; i < y.Count; i++)
        {
            if (y[i] < 0 || y[i] >= nClasses)
                throw new ArgumentException($"label {y[i]} of sample {i} is not a class id in 0 .. {nClasses - 1}");
            counts[y[i]]++;
            means.SetRow(y[i], means.Row(y[i]) + x.Row(i));
        }
        var empty = Enumerable.Range(0, nClasses).Where(k => counts[k] == 0).ToList();
        if (empty.Count > 0)
            throw new ArgumentException($"class {string.Join(", ", empty)} has no training samples");
        for (int k = 0; k < nClasses; k++) means.SetRow(k, means.Row(k) / counts[k]);
        return (means, counts.Select(c => c / (double)y.Count).ToArray(), counts);
    }

    /// <summary>scikit-learn's <c>solver='svd'</c> (default <c>tol</c> 1e-4).</summary>
    public static Lda FitSvd(Matrix<double> x, IReadOnlyList<int> y, int nClasses, double tol = 1e-4)
    {
        var (means, priors, counts) = ClassStats(x, y, nClasses);
        int n = x.RowCount, f = x.ColumnCount;
        // Within-class centred data, stacked class by class (as sklearn concatenates them).
        var xc = Matrix<double>.Build.Dense(n, f);
        int row = 0;
        for (int k = 0; k < nClasses; k++)
            for (int i = 0; i < n; i++)
                if (y[i] == k) xc.SetRow(row++, x.Row(i) - means.Row(k));
        var std = new double[f];
        for (int j = 0; j < f; j++)
        {
            var col = xc.Column(j);
            double mean = col.Sum() / n;
            double var = col.Sum(v => (v - mean) * (v - mean)) / n;
            std[j] = Math.Sqrt(var);
            if (std[j] == 0) std[j] = 1.0;
        }
        double fac = 1.0 / (n - nClasses);
        var scaled = Matrix<double>.Build.Dense(n, f, (i, j) => Math.Sqrt(fac) * (xc[i, j] / std[j]));
        var svd = scaled.Svd(computeVectors: true);
        var s = svd.S;
        int rank = s.Count(v => v > tol);
        // scalings = (Vt[:rank] / std).T / S[:rank]  → F × rank
        var scalings = Matrix<double>.Build.Dense(f, rank, (j, r) => svd.VT[r, j] / std[j] / s[r]);
        var xbar = Vector<double>.Build.Dense(f);
        for (int k = 0; k < nClasses; k++) xbar += means.Row(k) * priors[k];
        double fac2 = nClasses == 1 ? 1.0 : 1.0 / (nClasses - 1);
        var centredMeans = Matrix<double>.Build.Dense(nClasses, f, (k, j) => means[k, j] - xbar[j]);
        var weighted = Matrix<double>.Build.Dense(nClasses, f, (k, j) => Math.Sqrt(n * priors[k] * fac2) * centredMeans[k, j]);
        var projected = weighted * scalings;  // K × rank
        var svd2 = projected.Svd(computeVectors: true);
        var s2 = svd2.S;
        int rank2 = s2.Count(v => v > tol * s2[0]);
        // scalings_ = scalings @ Vt.T[:, :rank2]
        var v2 = Matrix<double>.Build.Dense(rank, rank2, (r, c) => svd2.VT[c, r]);
        var scalingsFinal = scalings * v2;  // F × rank2
        var coefProjected = centredMeans * scalingsFinal;  // K × rank2
        var intercept = new double[nClasses];
        for (int k = 0; k < nClasses; k++)
            intercept[k] = -0.5 * coefProjected.Row(k).Sum(v => v * v) + Math.Log(priors[k]);
        var coef = coefProjected * scalingsFinal.Transpose();  // K × F
        for (int k = 0; k < nClasses; k++)
            intercept[k] -= xbar * coef.Row(k);
        return Binary("svd", coef, intercept, means, priors);
    }

    /// <summary>scikit-learn's <c>solver='lsqr', shrinkage='auto'</c>.</summary>
    public static Lda FitLsqrAuto(Matrix<double> x, IReadOnlyList<int> y, int nClasses)
    {
        var (means, priors, _) = ClassStats(x, y, nClasses);
        int f = x.ColumnCount;
        var cov = Matrix<double>.Build.Dense(f, f);
        for (int k = 0; k < nClasses; k++)
        {
            var rows = Enumerable.Range(0, y.Count).Where(i => y[i] == k).Select(i => x.Row(i)).ToArray();
            cov += LedoitWolf.ShrunkOnStandardized(Matrix<double>.Build.DenseOfRowVectors(rows)) * priors[k];
        }
        var coef = LeastSquares(cov, means.Transpose()).Transpose();  // K × F
        var intercept = new double[nClasses];
        for (int k = 0; k < nClasses; k++)
            intercept[k] = -0.5 * (means.Row(k) * coef.Row(k)) + Math.Log(priors[k]);
        return Binary("lsqr", coef, intercept, means, priors);
    }

    private static Lda Binary(string solver, Matrix<double> coef, double[] intercept, Matrix<double> means, double[] priors)
    {
        if (means.RowCount != 2)
            return new Lda(solver, coef, intercept, means, priors);
        var c = Matrix<double>.Build.DenseOfRowVectors(coef.Row(1) - coef.Row(0));
        return new Lda(solver, c, [intercept[1] - intercept[0]], means, priors);
    }

    /// <summary>scipy.linalg.lstsq (LAPACK gelsd): the minimum-norm least-squares solution, singular values below
    /// eps·s_max treated as zero.</summary>
    private static Matrix<double> LeastSquares(Matrix<double> a, Matrix<double> b)
    {
        var svd = a.Svd(computeVectors: true);
        double cutoff = svd.S[0] * 2.220446049250313e-16;
        var sInv = Matrix<double>.Build.Dense(a.ColumnCount, a.RowCount);
        for (int i = 0; i < svd.S.Count; i++)
            if (svd.S[i] > cutoff) sInv[i, i] = 1.0 / svd.S[i];
        return svd.VT.Transpose() * sInv * svd.U.Transpose() * b;
    }

    /// <summary>Decision values: one (the log-odds of class 1) for two classes, else one per class.</summary>
    public double[] DecisionFunction(ReadOnlySpan<double> features)
    {
        if (features.Length != NFeatures)
            throw new ArgumentException($"{features.Length} features, the LDA was fitted on {NFeatures}");
        var d = new double[Coef.RowCount];
        for (int r = 0; r < d.Length; r++)
        {
            double sum = 0;
            for (int j = 0; j < features.Length; j++) sum += features[j] * Coef[r, j];
            d[r] = sum + Intercept[r];
        }
        return d;
    }

    /// <summary>Class probabilities (K values), as scikit-learn's <c>predict_proba</c>.</summary>
    public double[] PredictProba(ReadOnlySpan<double> features)
    {
        var d = DecisionFunction(features);
        if (NClasses == 2)
        {
            double p = 1.0 / (1.0 + Math.Exp(-d[0]));  // scipy.special.expit
            return [1 - p, p];
        }
        double max = d.Max();
        var e = d.Select(v => Math.Exp(v - max)).ToArray();
        double total = e.Sum();
        return e.Select(v => v / total).ToArray();
    }
}

/// <summary>
/// scikit-learn's Ledoit-Wolf estimate as LDA's <c>shrinkage='auto'</c> uses it (<c>discriminant_analysis._cov</c>):
/// standardise the features (StandardScaler: mean, population std, constant features scale 1), Ledoit-Wolf
/// (<c>ledoit_wolf_shrinkage</c> + shrunk empirical covariance), then scale back by the stds on both sides.
/// </summary>
public static class LedoitWolf
{
    public static Matrix<double> ShrunkOnStandardized(Matrix<double> x)
    {
        int n = x.RowCount, p = x.ColumnCount;
        var scale = new double[p];
        var z = Matrix<double>.Build.Dense(n, p);
        for (int j = 0; j < p; j++)
        {
            var col = x.Column(j);
            double mean = col.Sum() / n;
            double var = col.Sum(v => (v - mean) * (v - mean)) / n;
            // sklearn.preprocessing._data._is_constant_feature: var <= n·eps·var + (n·mean·eps)²
            const double eps = 2.220446049250313e-16;
            bool constant = var <= n * eps * var + (n * mean * eps) * (n * mean * eps);
            scale[j] = constant ? 1.0 : Math.Sqrt(var);
            for (int i = 0; i < n; i++) z[i, j] = (x[i, j] - mean) / scale[j];
        }
        var s = Shrunk(z, out _);
        return Matrix<double>.Build.Dense(p, p, (i, j) => scale[i] * s[i, j] * scale[j]);
    }

    /// <summary><c>sklearn.covariance.ledoit_wolf(X)</c>: the shrunk covariance and its shrinkage.</summary>
    public static Matrix<double> Shrunk(Matrix<double> x, out double shrinkage)
    {
        int n = x.RowCount, p = x.ColumnCount;
        var xc = x.Clone();
        for (int j = 0; j < p; j++)
        {
            double mean = xc.Column(j).Sum() / n;
            for (int i = 0; i < n; i++) xc[i, j] -= mean;
        }
        var emp = xc.TransposeThisAndMultiply(xc) / n;
        if (p == 1)
        {
            shrinkage = 0;
            return emp;
        }
        var x2 = xc.PointwiseMultiply(xc);
        var empTrace = new double[p];
        for (int j = 0; j < p; j++) empTrace[j] = x2.Column(j).Sum() / n;
        double mu = empTrace.Sum() / p;
        double betaSum = x2.TransposeThisAndMultiply(x2).Enumerate().Sum();
        double deltaSum = xc.TransposeThisAndMultiply(xc).Enumerate().Sum(v => v * v) / ((double)n * n);
        double beta = 1.0 / (p * n) * (betaSum / n - deltaSum);
        double delta = (deltaSum - 2.0 * mu * empTrace.Sum() + p * mu * mu) / p;
        beta = Math.Min(beta, delta);
        shrinkage = beta == 0 ? 0 : beta / delta;
        double muEmp = emp.Trace() / p;
        var shrunk = emp * (1.0 - shrinkage);
        for (int i = 0; i < p; i++) shrunk[i, i] += shrinkage * muEmp;
        return shrunk;
    }
}
