using MathNet.Numerics.LinearAlgebra;

namespace Neurodecode.Models.Baselines;

/// <summary>
/// Pham's approximate joint diagonalization of symmetric positive definite matrices (D.-T. Pham, "Joint approximate
/// diagonalization of positive definite Hermitian matrices", SIAM J. Matrix Anal. Appl. 22(4), 2000), as pyRiemann's
/// <c>ajd_pham</c> computes it with uniform weights: sweeps over pairs (i, j), i &gt; j, each applying a 2 × 2
/// transform to rows/columns i and j of every matrix and to the diagonalizer, until the sweep's decrease of the
/// criterion is below n(n − 1)·eps. pyRiemann's CSP calls it through <c>ajd()</c>, so eps = 1e-6 and at most 100 sweeps.
/// For real input the complex arithmetic of the reference reduces to: τ = 1 + √max(0, 1 − h₁₂h₂₁).
/// </summary>
public static class AjdPham
{
    /// <summary>Returns V (n × n) with V·Xₖ·Vᵀ close to diagonal for every k; <paramref name="converged"/> is false
    /// when <paramref name="maxSweeps"/> ran out first (pyRiemann warns "Convergence not reached" and goes on).</summary>
    public static Matrix<double> Diagonalize(IReadOnlyList<Matrix<double>> matrices, out bool converged,
        double eps = 1e-6, int maxSweeps = 100)
    {
        int k = matrices.Count;
        if (k == 0) throw new ArgumentException("no matrices to diagonalize");
        int n = matrices[0].RowCount;
        var a = matrices.Select(m =>
        {
            if (m.RowCount != n || m.ColumnCount != n)
                throw new ArgumentException($"matrices must all be {n} x {n}, got {m.RowCount} x {m.ColumnCount}");
            return m.ToArray();
        }).ToArray();
        var v = Matrix<double>.Build.DenseIdentity(n).ToArray();
        double epsilon = n * (n - 1) * eps;
        converged = false;
        for (int sweep = 0; sweep < maxSweeps; sweep++)
        {
            double decrease = 0;
            for (int i = 1; i < n; i++)
            {
                for (int j = 0; j < i; j++)
                {
                    double g12 = 0, g21 = 0, omega21 = 0, omega12 = 0;
                    foreach (var m in a)
                    {
                        double c1 = m[i, i], c2 = m[j, j], off = m[j, i];  // the reference's A[ii, Ij]
                        g12 += off / c1;
                        g21 += off / c2;
                        omega21 += c1 / c2;
                        omega12 += c2 / c1;
                    }
                    g12 /= k; g21 /= k; omega21 /= k; omega12 /= k;
                    double omega = Math.Sqrt(omega12 * omega21);
                    double ratio = Math.Sqrt(omega21 / omega12);
                    double tmp1 = (ratio * g12 + g21) / (omega + 1);
                    double tmp2 = (ratio * g12 - g21) / Math.Max(omega - 1, 1e-9);
                    double h12 = tmp1 + tmp2;
                    double h21 = (tmp1 - tmp2) / ratio;
                    decrease += k * (g12 * h12 + g21 * h21) / 2.0;
                    double tau = 1 + Math.Sqrt(Math.Max(0, 1 - h12 * h21));
                    double t12 = -h12 / tau, t21 = -h21 / tau;
                    foreach (var m in a)
                    {
                        // Columns i, j (the reference's row update of its transposed stack) ...
                        for (int r = 0; r < n; r++)
                        {
                            double mi = m[r, i], mj = m[r, j];
                            m[r, i] = mi + t12 * mj;
                            m[r, j] = t21 * mi + mj;
                        }
                        // ... then rows i, j.
                        for (int c = 0; c < n; c++)
                        {
                            double mi = m[i, c], mj = m[j, c];
                            m[i, c] = mi + t12 * mj;
                            m[j, c] = t21 * mi + mj;
                        }
                    }
                    for (int c = 0; c < n; c++)
                    {
                        double vi = v[i, c], vj = v[j, c];
                        v[i, c] = vi + t12 * vj;
                        v[j, c] = t21 * vi + vj;
                    }
                }
            }
            if (decrease < epsilon)
            {
                converged = true;
                break;
            }
        }
        return Matrix<double>.Build.DenseOfArray(v);
    }
}
