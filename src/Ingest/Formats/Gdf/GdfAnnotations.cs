using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Formats.Gdf;

/// <summary>
/// What MNE 1.3 does to the event table's annotations on their way into the Raw (<c>Annotations.__init__</c>,
/// <c>set_annotations</c> with <c>orig_time=None</c>, <c>Annotations.crop</c>): sort by (onset, duration, file
/// order), drop those outside [0, last sample + 1/sfreq], clip those that stick out, and round onsets to whole
/// microseconds (the crop goes through <c>datetime</c>). A position of 0 wraps to 2³² − 1 (uint32 arithmetic)
/// and so is dropped, as in MNE.
/// </summary>
internal static class GdfAnnotations
{
    public static IReadOnlyList<Annotation> OnRecording(
        IReadOnlyList<(double Onset, double Duration, string Description)> raw, double sfreq, long nSamples)
    {
        if (raw.Count == 0)
            return [];
        var order = Enumerable.Range(0, raw.Count)
            .OrderBy(i => raw[i].Onset).ThenBy(i => raw[i].Duration).ThenBy(i => i);
        long tmax = Microseconds((nSamples - 1) / sfreq + 1.0 / sfreq);
        var kept = new List<Annotation>(raw.Count);
        foreach (int i in order)
        {
            var (onset, duration, description) = raw[i];
            if (double.IsNaN(duration))
                duration = 0;
            if (Math.Abs(onset) >= 1e13 || Math.Abs(duration) >= 1e13)
                continue;
            long start = Microseconds(onset), stop = start + Microseconds(duration);
            if (start > tmax || stop < 0)
                continue;
            bool clip = false;
            if (start < 0) { start = 0; clip = true; }
            if (stop > tmax) { stop = tmax; clip = true; }
            kept.Add(new Annotation(start / 1e6, clip ? (stop - start) / 1e6 : duration, description));
        }
        return kept;
    }

    /// <summary><c>timedelta(seconds=x)</c>: whole seconds exact, the fraction times 1e6 rounded half to even.</summary>
    private static long Microseconds(double seconds)
    {
        double whole = Math.Truncate(seconds);
        return (long)whole * 1_000_000 + (long)Math.Round((seconds - whole) * 1e6, MidpointRounding.ToEven);
    }
}
