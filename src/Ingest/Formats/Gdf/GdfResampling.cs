namespace Neurodecode.Ingest.Formats.Gdf;

/// <summary>
/// MNE's per-record rate matching for stim channels stored with fewer (or more) samples per record than the
/// recording rate (<c>mne/io/edf/edf.py:_read_segment_file</c>); other channels go through
/// <see cref="Numerics.FourierResample"/>. Each record is handled alone, so edges show the same artefacts as in MNE.
/// </summary>
internal static class GdfResampling
{
    /// <summary>
    /// Stim channels: <c>interp1d(linspace(0, 1, n + 1), [x, 0], kind='zero')(linspace(0, 1, len(y), endpoint=False))</c>,
    /// i.e. y[j] = x[i] for the last i with i/n ≤ j/len(y), with numpy's floating-point grid.
    /// </summary>
    public static void ZeroOrderHold(ReadOnlySpan<double> x, Span<double> y)
    {
        int n = x.Length, big = y.Length;
        double oldStep = 1.0 / n, newStep = 1.0 / big;
        int i = 0;
        for (int j = 0; j < big; j++)
        {
            double t = j * newStep;
            while (i + 1 < n && (i + 1) * oldStep <= t)
                i++;
            y[j] = x[i];
        }
    }
}
