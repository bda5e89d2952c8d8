namespace Neurodecode.Models.Encoders.BrainMAE;

/// <summary>Squared error summed over the masked volumes of some windows, for the model and each baseline, and the
/// number of those volumes: each MSE is its sum divided by <see cref="Volumes"/>.</summary>
public sealed class MaskedErrorSums
{
    public double Model { get; set; }
    public double Zero { get; set; }
    public double RegionMean { get; set; }
    public double Interpolation { get; set; }
    public long Volumes { get; set; }
}

/// <summary>
/// What a masked segment can be guessed from without learning, on exactly the model's masks, per window and region:
/// <list type="bullet">
/// <item><b>zero</b>: predict 0 (the mean of z-scored data; its MSE is the masked volumes' mean square);</item>
/// <item><b>region mean</b>: the mean of the region's visible volumes in the window;</item>
/// <item><b>interpolation</b>: linear in time between the nearest visible volumes before and after (the last volume
/// of the previous visible segment, the first of the next), the nearest visible value beyond the first or last
/// visible segment — <c>numpy.interp(t, t_visible, x_visible)</c>.</item>
/// </list>
/// Sums in double over float32 inputs.
/// </summary>
public static class MaskedSegmentBaselines
{
    /// <summary>Adds the baselines' squared errors over the masked volumes of windows <paramref name="x"/> (batch, R,
    /// T = S·L, row-major) with <paramref name="mask"/> (batch, R, S; true = masked) to <paramref name="sums"/>.</summary>
    public static void Accumulate(ReadOnlySpan<float> x, ReadOnlySpan<bool> mask, int batch, int nRegions, int nSegments,
        int segmentLen, MaskedErrorSums sums)
    {
        int t = nSegments * segmentLen;
        if (x.Length != batch * nRegions * t || mask.Length != batch * nRegions * nSegments)
            throw new ArgumentException($"x holds {x.Length} values and mask {mask.Length}; batch {batch} x {nRegions} regions x {nSegments} segments of {segmentLen} need {batch * nRegions * t} and {batch * nRegions * nSegments}");
        var mean = new double[t];
        var interp = new double[t];
        for (int row = 0; row < batch * nRegions; row++)
        {
            var series = x.Slice(row * t, t);
            var segments = mask.Slice(row * nSegments, nSegments);
            RegionMean(series, segments, segmentLen, mean);
            Interpolate(series, segments, segmentLen, interp);
            for (int i = 0; i < t; i++)
            {
                if (!segments[i / segmentLen]) continue;
                double v = series[i];
                sums.Zero += v * v;
                sums.RegionMean += (mean[i] - v) * (mean[i] - v);
                sums.Interpolation += (interp[i] - v) * (interp[i] - v);
                sums.Volumes++;
            }
        }
    }

    /// <summary>The mean of the visible volumes of one region's series, in every slot (0 when no segment is visible).</summary>
    public static void RegionMean(ReadOnlySpan<float> series, ReadOnlySpan<bool> masked, int segmentLen, Span<double> prediction)
    {
        double sum = 0;
        int n = 0;
        for (int i = 0; i < series.Length; i++)
            if (!masked[i / segmentLen]) { sum += series[i]; n++; }
        prediction[..series.Length].Fill(n > 0 ? sum / n : 0);
    }

    /// <summary>numpy.interp over the visible volumes of one region's series (visible slots keep their value; 0 when
    /// no segment is visible).</summary>
    public static void Interpolate(ReadOnlySpan<float> series, ReadOnlySpan<bool> masked, int segmentLen, Span<double> prediction)
    {
        int t = series.Length, previous = -1;
        for (int i = 0; i < t; i++)
        {
            if (!masked[i / segmentLen]) { prediction[i] = series[i]; previous = i; continue; }
            int next = i;
            while (next < t && masked[next / segmentLen]) next++;
            for (int j = i; j < next; j++)
                prediction[j] = (previous, next < t) switch
                {
                    (>= 0, true) => series[previous] + (series[next] - (double)series[previous]) * (j - previous) / (next - previous),
                    (>= 0, false) => series[previous],
                    (_, true) => series[next],
                    _ => 0,
                };
            i = next - 1;
        }
    }
}
