using MathNet.Numerics.LinearAlgebra;

namespace Neurodecode.Models.Baselines.Connectivity;

/// <summary>
/// scikit-learn 1.2's <c>LogisticRegression(penalty='l2', C)</c>: for each decision row minimise
/// C·Σᵢ log(1 + exp(−yᵢ(xᵢ·w + b))) + ½‖w‖² (the intercept is not penalised), y = ±1. Two classes give one row (class 1
/// positive, scikit-learn's binary case); more give one row per class against the rest (<c>multi_class='ovr'</c>).
/// The minimiser is found exactly, not to a solver tolerance: w lies in the span of the samples (setting the gradient
/// to zero gives w = −C·Σ ℓ′ᵢ xᵢ), so with Xᵀ = QR (thin) w = Qβ and the problem becomes the same logistic regression
/// on the n x n features Rᵀ, which Newton's method with a backtracking line search solves to machine precision in a
/// few steps even when features far outnumber samples (19 900 connections, ~100 subjects).
/// </summary>
public sealed class LogisticRegression
{
    public LogisticRegression(Matrix<double> coef, double[] intercept)
    {
        if (coef.RowCount != intercept.Length)
            throw new ArgumentException($"coef has {coef.RowCount} rows but intercept {intercept.Length} values");
        (Coef, Intercept) = (coef, intercept);
    }

    /// <summary>R x F: one row for two classes, one per class otherwise.</summary>
    public Matrix<double> Coef { get; }

    public double[] Intercept { get; }

    /// <summary>Fits on features (n x F) and class ids 0 .. nClasses − 1 (every class present).</summary>
    public static LogisticRegression Fit(Matrix<double> x, IReadOnlyList<int> y, int nClasses, double c)
    {
        for (int k = 0; k < nClasses; k++)
            if (!y.Contains(k)) throw new ArgumentException($"class {k} has no training sample");
        // With more features than samples, x = zQᵀ (Xᵀ = QR, thin): the samples in an orthonormal basis of their span.
        var qr = x.ColumnCount > x.RowCount ? x.Transpose().QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin) : null;
        var z = qr is null ? x : qr.R.Transpose();
        int rows = nClasses == 2 ? 1 : nClasses;
        var coef = Matrix<double>.Build.Dense(rows, x.ColumnCount);
        var intercept = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            int positive = nClasses == 2 ? 1 : r;
            var sign = y.Select(v => v == positive ? 1.0 : -1.0).ToArray();
            var (beta, b) = FitBinary(z, sign, c);
            coef.SetRow(r, qr is null ? beta : qr.Q * beta);
            intercept[r] = b;
        }
        return new LogisticRegression(coef, intercept);
    }

    /// <summary>Newton's method on (β, b) for C·Σ log(1 + exp(−yᵢ(zᵢ·β + b))) + ½‖β‖².</summary>
    private static (Vector<double> Beta, double B) FitBinary(Matrix<double> z, double[] y, double c)
    {
        int n = z.RowCount, p = z.ColumnCount;
        var zt = Matrix<double>.Build.Dense(n, p + 1, (i, j) => j < p ? z[i, j] : 1.0);  // [z 1]
        var theta = Vector<double>.Build.Dense(p + 1);
        double Objective(Vector<double> t)
        {
            var f = zt * t;
            double loss = 0;
            for (int i = 0; i < n; i++) loss += Log1pExp(-y[i] * f[i]);
            double norm = 0;
            for (int j = 0; j < p; j++) norm += t[j] * t[j];
            return c * loss + 0.5 * norm;
        }
        double value = Objective(theta);
        for (int iteration = 0; iteration < 100; iteration++)
        {
            var f = zt * theta;
            var g = Vector<double>.Build.Dense(n);
            var d = Vector<double>.Build.Dense(n);
            for (int i = 0; i < n; i++)
            {
                double s = Sigmoid(f[i]);
                g[i] = -y[i] * Sigmoid(-y[i] * f[i]);
                d[i] = s * (1 - s);
            }
            var grad = zt.TransposeThisAndMultiply(g) * c;
            for (int j = 0; j < p; j++) grad[j] += theta[j];
            var hessian = zt.TransposeThisAndMultiply(Matrix<double>.Build.DenseOfDiagonalVector(d * c) * zt);
            for (int j = 0; j < p; j++) hessian[j, j] += 1.0;
            var step = hessian.Cholesky().Solve(-grad);
            double decrement = -grad.DotProduct(step);  // Newton decrement²: the predicted decrease, twice over
            if (decrement <= 1e-24 * Math.Max(1.0, Math.Abs(value))) break;
            double t = 1.0, next;
            while ((next = Objective(theta + step * t)) > value - 1e-4 * t * decrement && t > 1e-10) t /= 2;
            theta += step * t;
            value = next;
        }
        return (theta.SubVector(0, p), theta[p]);
    }

    /// <summary>Decision values xᵢ·w + b, one per row.</summary>
    public double[] DecisionFunction(ReadOnlySpan<double> features)
    {
        var d = new double[Coef.RowCount];
        for (int r = 0; r < d.Length; r++)
        {
            double sum = Intercept[r];
            for (int j = 0; j < features.Length; j++) sum += Coef[r, j] * features[j];
            d[r] = sum;
        }
        return d;
    }

    /// <summary>scikit-learn's <c>predict_proba</c>: [1 − σ(d), σ(d)] for two classes; for one-vs-rest σ(d_k)
    /// normalised to sum 1.</summary>
    public double[] PredictProba(ReadOnlySpan<double> features)
    {
        var d = DecisionFunction(features);
        if (d.Length == 1) return [Sigmoid(-d[0]), Sigmoid(d[0])];
        var p = d.Select(Sigmoid).ToArray();
        double sum = p.Sum();
        return p.Select(v => v / sum).ToArray();
    }

    public static double Sigmoid(double v) => v >= 0 ? 1 / (1 + Math.Exp(-v)) : Math.Exp(v) / (1 + Math.Exp(v));

    /// <summary>log(1 + eᵛ) without overflow.</summary>
    public static double Log1pExp(double v) => v > 0 ? v + Math.Log(1 + Math.Exp(-v)) : Math.Log(1 + Math.Exp(v));
}
