namespace Neurodecode.Models.Aligners;

/// <summary>
/// Per-channel standardization of the windows a torch aligner takes, fitted on its training windows and clamped to
/// ±<see cref="Clamp"/> (brainmagick scales each channel and clamps at 20 so an artefact cannot dominate a batch).
/// Stored with the model, so decode and the daemon scale windows exactly as training did.
/// </summary>
public sealed record ChannelScaler(double[] Mean, double[] Std, double Clamp = 20)
{
    public int NChans => Mean.Length;

    /// <summary>Mean and (population) standard deviation of each channel over every sample of every window; a flat
    /// channel gets a standard deviation of 1 (it stays zero after centring).</summary>
    public static ChannelScaler Fit(ReadOnlySpan<float> x, int nChans, int nTimes)
    {
        int n = x.Length / (nChans * nTimes);
        if (n < 1) throw new ArgumentException("fitting the channel scaler needs at least one window");
        var mean = new double[nChans];
        var std = new double[nChans];
        for (int c = 0; c < nChans; c++)
        {
            double sum = 0, sq = 0;
            for (int w = 0; w < n; w++)
                foreach (float v in x.Slice((w * nChans + c) * nTimes, nTimes))
                {
                    sum += v;
                    sq += (double)v * v;
                }
            long count = (long)n * nTimes;
            mean[c] = sum / count;
            double variance = Math.Max(0, sq / count - mean[c] * mean[c]);
            std[c] = variance > 0 ? Math.Sqrt(variance) : 1;
        }
        return new ChannelScaler(mean, std);
    }

    /// <summary>A scaled copy of windows (n, C, T) row-major.</summary>
    public float[] Apply(ReadOnlySpan<float> x, int nTimes)
    {
        var y = new float[x.Length];
        int nChans = NChans;
        for (int start = 0; start < x.Length; start += nTimes)
        {
            int c = start / nTimes % nChans;
            float m = (float)Mean[c], s = (float)(1 / Std[c]), lim = (float)Clamp;
            var src = x.Slice(start, nTimes);
            var dst = y.AsSpan(start, nTimes);
            for (int t = 0; t < nTimes; t++) dst[t] = Math.Clamp((src[t] - m) * s, -lim, lim);
        }
        return y;
    }
}
