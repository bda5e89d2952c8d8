namespace Neurodecode.Preprocess.Filters;

/// <summary>
/// MNE's <c>_smart_pad(x, (left, right), 'reflect_limited')</c>: odd (point) reflection about the end samples,
/// <c>2·x[0] − x[j]</c> j samples before the start and <c>2·x[−1] − x[−1−j]</c> j samples after the end, and zeros
/// where the reflection would run past the other end of the signal (j ≥ n).
/// </summary>
public static class Padding
{
    /// <summary>Returns the padded signal (length left + n + right).</summary>
    public static double[] ReflectLimited(ReadOnlySpan<double> x, int left, int right)
    {
        if (left < 0 || right < 0) throw new ArgumentOutOfRangeException(nameof(left), "n_pad must be non-negative");
        var ext = new double[left + x.Length + right];
        Read(x, left, right, 0, ext);
        return ext;
    }

    /// <summary>
    /// Writes ext[start … start + dst.Length) of the padded signal into <paramref name="dst"/>, with zeros outside
    /// [0, left + n + right). The padded signal itself is never built.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void Read(ReadOnlySpan<double> x, int left, int right, long start, Span<double> dst)
    {
        int n = x.Length;
        long total = (long)left + n + right;
        double x0 = n > 0 ? x[0] : 0, x1 = n > 0 ? x[n - 1] : 0;
        int k = 0, len = dst.Length;
        // before the extension
        for (; k < len && start + k < 0; k++) dst[k] = 0;
        // left reflection: t in [0, left): j = left − t
        for (; k < len && start + k < left; k++)
        {
            long j = left - (start + k);
            dst[k] = j <= n - 1 ? 2 * x0 - x[(int)j] : 0;
        }
        // the signal itself
        if (k < len && start + k < (long)left + n)
        {
            int from = (int)(start + k - left);
            int count = (int)Math.Min(len - k, n - from);
            x.Slice(from, count).CopyTo(dst.Slice(k, count));
            k += count;
        }
        // right reflection: j = t − (left + n) + 1
        for (; k < len && start + k < total; k++)
        {
            long j = start + k - ((long)left + n) + 1;
            dst[k] = j <= n - 1 ? 2 * x1 - x[(int)(n - 1 - j)] : 0;
        }
        for (; k < len; k++) dst[k] = 0;
    }

    /// <summary>Read with equal padding each side (what FIR filtering uses: n_edge = min(N, n) − 1).</summary>
    internal static void ReadReflectLimited(ReadOnlySpan<double> x, int nEdge, long start, Span<double> dst)
        => Read(x, nEdge, nEdge, start, dst);
}
