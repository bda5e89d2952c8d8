namespace Neurodecode.Ingest.Parcellation;

/// <summary>4x4 voxel-to-world affines (row-major, as <see cref="Signals.VolumeInfo.Affine"/>): the little algebra
/// resampling needs.</summary>
internal static class Affine
{
    /// <summary>a · b.</summary>
    public static double[] Multiply(double[] a, double[] b)
    {
        var c = new double[16];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
            {
                double s = 0;
                for (int k = 0; k < 4; k++)
                    s += a[4 * i + k] * b[4 * k + j];
                c[4 * i + j] = s;
            }
        return c;
    }

    /// <summary>The inverse by Gauss-Jordan elimination with partial pivoting (LAPACK's getrf/getri pivots the same way);
    /// null when the 3x3 part is singular (a zero or non-finite pivot).</summary>
    public static double[]? Invert(double[] m)
    {
        var a = (double[])m.Clone();
        var inv = new double[16];
        for (int i = 0; i < 4; i++) inv[5 * i] = 1;
        for (int col = 0; col < 4; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < 4; r++)
                if (Math.Abs(a[4 * r + col]) > Math.Abs(a[4 * pivot + col])) pivot = r;
            double p = a[4 * pivot + col];
            if (p == 0 || !double.IsFinite(p))
                return null;
            if (pivot != col)
                for (int j = 0; j < 4; j++)
                {
                    (a[4 * col + j], a[4 * pivot + j]) = (a[4 * pivot + j], a[4 * col + j]);
                    (inv[4 * col + j], inv[4 * pivot + j]) = (inv[4 * pivot + j], inv[4 * col + j]);
                }
            for (int j = 0; j < 4; j++)
            {
                a[4 * col + j] /= p;
                inv[4 * col + j] /= p;
            }
            for (int r = 0; r < 4; r++)
            {
                if (r == col) continue;
                double f = a[4 * r + col];
                if (f == 0) continue;
                for (int j = 0; j < 4; j++)
                {
                    a[4 * r + j] -= f * a[4 * col + j];
                    inv[4 * r + j] -= f * inv[4 * col + j];
                }
            }
        }
        return inv;
    }

    /// <summary>The 3x3 part's determinant is (relatively) zero: voxels collapse onto a plane or line.</summary>
    public static bool IsSingular(double[] m)
    {
        double det = m[0] * (m[5] * m[10] - m[6] * m[9]) - m[1] * (m[4] * m[10] - m[6] * m[8]) + m[2] * (m[4] * m[9] - m[5] * m[8]);
        double scale = 1;
        for (int r = 0; r < 3; r++)
            scale *= Math.Sqrt(m[4 * r] * m[4 * r] + m[4 * r + 1] * m[4 * r + 1] + m[4 * r + 2] * m[4 * r + 2]);
        return !double.IsFinite(det) || scale == 0 || Math.Abs(det) <= 1e-12 * scale;
    }

    /// <summary>numpy's <c>allclose(a, b)</c>: |a − b| ≤ 1e-8 + 1e-5·|b| element-wise.</summary>
    public static bool AllClose(double[] a, double[] b)
    {
        for (int i = 0; i < 16; i++)
            if (!(Math.Abs(a[i] - b[i]) <= 1e-8 + 1e-5 * Math.Abs(b[i])))
                return false;
        return true;
    }

    public static string Show(double[] m) =>
        "[" + string.Join("; ", Enumerable.Range(0, 3).Select(r =>
            string.Join(" ", m.Skip(4 * r).Take(4).Select(v => v.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture))))) + "]";
}
