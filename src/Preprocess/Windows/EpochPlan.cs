namespace Neurodecode.Preprocess.Windows;

/// <summary>One window of a recording: samples [Start, Start + Length), with the event that made it (if any).</summary>
public readonly record struct Window(long Start, int Length, Event? Event)
{
    public long Stop => Start + Length;
}

/// <summary>Why an epoch was dropped, in MNE's drop-log words.</summary>
public sealed record DroppedEpoch(Event Event, string Reason);

/// <summary>
/// Where epochs and sliding windows fall: index arithmetic only, no samples, so it is tested without I/O.
/// </summary>
public static class EpochPlan
{
    /// <summary>
    /// MNE's <c>Epochs(raw, events, tmin, tmax)</c> sample range: <c>round(tmin·sfreq) .. round(tmax·sfreq)</c> inclusive
    /// around each event. Epochs that run past either end are dropped ("NO_DATA" before the start, "TOO_SHORT"
    /// past the end), as are epochs overlapping a <c>bad*</c> span given in <paramref name="badSpans"/>.
    /// </summary>
    public static (IReadOnlyList<Window> Kept, IReadOnlyList<DroppedEpoch> Dropped) Epochs(
        IEnumerable<Event> events, double tmin, double tmax, double sfreq, long nSamples,
        IEnumerable<(long Start, long Stop)>? badSpans = null)
    {
        if (tmax < tmin)
            throw new ArgumentException($"tmax ({tmax}) must be greater than or equal to tmin ({tmin})");
        long first = (long)Math.Round(tmin * sfreq, MidpointRounding.ToEven);
        long last = (long)Math.Round(tmax * sfreq, MidpointRounding.ToEven);
        int length = checked((int)(last - first + 1));
        var bad = badSpans?.ToList() ?? [];
        var kept = new List<Window>();
        var dropped = new List<DroppedEpoch>();
        foreach (var e in events)
        {
            long start = e.Sample + first;
            string? reason = start < 0 ? "NO_DATA"
                : start + length > nSamples ? "TOO_SHORT"
                : bad.Any(b => b.Start < start + length && b.Stop > start) ? "BAD_ANNOTATION"
                : null;
            if (reason is null)
                kept.Add(new Window(start, length, e));
            else
                dropped.Add(new DroppedEpoch(e, reason));
        }
        return (kept, dropped);
    }

    /// <summary>Sliding windows of <paramref name="length"/> samples every <paramref name="hop"/> samples that fit entirely.</summary>
    public static IReadOnlyList<Window> Sliding(long nSamples, int length, int hop, long start = 0)
    {
        if (length <= 0 || hop <= 0)
            throw new ArgumentException($"window length ({length}) and hop ({hop}) must be positive");
        var windows = new List<Window>();
        for (long s = start; s + length <= nSamples; s += hop)
            windows.Add(new Window(s, length, null));
        return windows;
    }
}
