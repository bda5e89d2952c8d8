namespace Neurodecode.Preprocess.Tokenizers;

/// <summary>
/// Linear prediction by the autocorrelation method: the order-p predictor x[t] ≈ Σ_{k=1..p} a_k·x[t−k] whose
/// coefficients solve the Yule–Walker (Toeplitz) equations R·a = r, found by the Levinson–Durbin recursion.
/// </summary>
/// <remarks>
/// Sign convention: a_k are the AR coefficients φ_k of x[t] = Σ φ_k·x[t−k] + e[t] (what
/// <c>scipy.linalg.solve_toeplitz(r[:p], r[1:p+1])</c> returns); the prediction-error filter is
/// A(z) = 1 − Σ a_k z^−k, so <c>librosa.lpc</c>/MATLAB <c>lpc</c> give [1, −a_1, …, −a_p]. The reflection
/// coefficients k_m are the partial autocorrelations (the last coefficient of the order-m predictor); in the
/// A(z) = 1 + Σ c_k z^−k convention they change sign.
/// </remarks>
public static class Lpc
{
    /// <summary>
    /// Below this fraction of the signal power the prediction is already exact and further reflection coefficients
    /// would be ratios of rounding noise; the recursion stops there and the rest are zero.
    /// </summary>
    public const double ExactPredictionTolerance = 1e-12;

    /// <summary>
    /// Biased autocorrelation r[k] = (1/n)·Σ_{t=0}^{n−1−k} x[t]·x[t+k] for k = 0 … r.Length − 1 (a positive
    /// semi-definite sequence, which is what keeps every |k_m| ≤ 1).
    /// </summary>
    public static void Autocorrelation(ReadOnlySpan<double> x, Span<double> r)
    {
        int n = x.Length;
        if (r.Length > n) throw new ArgumentException($"lag {r.Length - 1} needs at least {r.Length} samples, got {n}");
        for (int k = 0; k < r.Length; k++)
        {
            double s = 0;
            for (int t = 0; t + k < n; t++) s += x[t] * x[t + k];
            r[k] = s / n;
        }
    }

    /// <summary>
    /// Levinson–Durbin: from r[0 … p] the predictor <paramref name="a"/> (a_1 … a_p) and the reflection
    /// coefficients <paramref name="reflection"/> (k_1 … k_p; pass an empty span to skip them). Returns the
    /// prediction-error variance σ² = r[0]·Π(1 − k_m²). A zero signal (r[0] = 0) gives zeros.
    /// </summary>
    public static double LevinsonDurbin(ReadOnlySpan<double> r, Span<double> a, Span<double> reflection)
    {
        int p = a.Length;
        if (r.Length < p + 1) throw new ArgumentException($"order {p} needs autocorrelation lags 0 … {p}, got {r.Length} values");
        if (reflection.Length != 0 && reflection.Length != p)
            throw new ArgumentException($"reflection holds {reflection.Length} values, order {p} needs {p} (or none)");
        if (!(r[0] >= 0) || !double.IsFinite(r[0])) throw new ArgumentException($"r[0] ({r[0]}) must be a finite power ≥ 0");
        a.Clear();
        reflection.Clear();
        double err = r[0];
        Span<double> prev = p <= 64 ? stackalloc double[p] : new double[p];
        for (int m = 1; m <= p; m++)
        {
            if (err <= ExactPredictionTolerance * r[0]) break;
            double acc = r[m];
            for (int j = 1; j < m; j++) acc -= a[j - 1] * r[m - j];
            double k = acc / err;
            a[..(m - 1)].CopyTo(prev);
            for (int j = 1; j < m; j++) a[j - 1] = prev[j - 1] - k * prev[m - j - 1];
            a[m - 1] = k;
            if (reflection.Length != 0) reflection[m - 1] = k;
            err *= 1 - k * k;
        }
        return Math.Max(err, 0);
    }
}
