namespace Neurodecode.Ingest.Signals;

/// <summary>
/// What MNE 1.3 does to annotations on their way into a Raw, whatever the format (<c>Annotations.__init__</c>,
/// <c>raw.set_annotations</c> with <c>orig_time=None</c>, <c>Annotations.crop</c>): sort by (onset, duration, file
/// order), then crop to [0, last sample + 1/sfreq] through Python <c>datetime</c>/<c>timedelta</c> arithmetic, which
/// leaves onsets in whole microseconds. Readers call <see cref="Set"/> so every format agrees with MNE.
/// </summary>
public static class RawAnnotations
{
    /// <summary>
    /// What <c>raw.annotations</c> holds after <c>set_annotations</c> on a recording of <paramref name="nSamples"/>
    /// samples at <paramref name="sfreq"/>: sorted by onset then duration (stable), annotations entirely outside
    /// [0, (n − 1)/sfreq + 1/sfreq] dropped, the others clipped to it, onsets in whole microseconds.
    /// </summary>
    public static List<Annotation> Set(IEnumerable<Annotation> events, long nSamples, double sfreq)
    {
        var sorted = events.Select((a, i) => (a, i))
            .OrderBy(t => t.a.Onset).ThenBy(t => t.a.Duration).ThenBy(t => t.i)
            .Select(t => t.a).ToList();
        if (sorted.Count == 0)
            return sorted;

        double tmaxSeconds = (nSamples - 1) / sfreq + 1.0 / sfreq;
        long tmax = StampMicroseconds(tmaxSeconds);
        const long tmin = 0;
        var kept = new List<Annotation>(sorted.Count);
        foreach (var a in sorted)
        {
            double duration = double.IsNaN(a.Duration) ? 0 : a.Duration;
            long onset = TimedeltaMicroseconds(a.Onset);
            long end = onset + TimedeltaMicroseconds(duration);
            if (onset > tmax || end < tmin)
                continue;
            bool clipLeft = onset < tmin, clipRight = end > tmax;
            if (clipLeft) onset = tmin;
            if (clipRight) end = tmax;
            double newDuration = clipLeft || clipRight ? (end - onset) / 1e6 : duration;
            kept.Add(a with { Onset = onset / 1e6, Duration = newDuration });
        }
        return kept;
    }

    /// <summary>
    /// Microseconds of Python's <c>timedelta(seconds=x)</c>: whole seconds exactly, the fraction times 1e6 in float64,
    /// its integer part exactly, and what is left rounded half to even on the total.
    /// </summary>
    public static long TimedeltaMicroseconds(double seconds)
    {
        if (double.IsNaN(seconds) || Math.Abs(seconds) > 9e12)
            throw new OverflowException($"annotation time {seconds} s is out of range");
        double intPart = Math.Truncate(seconds);
        double frac = seconds - intPart;
        long us = (long)intPart * 1_000_000;
        if (frac == 0)
            return us;
        double d = frac * 1e6;
        double ip = Math.Truncate(d);
        double leftover = d - ip;
        us += (long)ip;
        if (leftover != 0)
        {
            double whole = Math.Round(leftover, MidpointRounding.AwayFromZero);
            if (Math.Abs(whole - leftover) == 0.5)
            {
                int odd = (int)(us & 1);
                whole = 2.0 * Math.Round((leftover + odd) * 0.5, MidpointRounding.AwayFromZero) - odd;
            }
            us += (long)whole;
        }
        return us;
    }

    /// <summary>MNE's <c>_handle_meas_date(float)</c>: <c>modf</c>, microseconds rounded half to even.</summary>
    private static long StampMicroseconds(double seconds)
    {
        seconds = Math.Min(seconds, 9e12); // beyond any annotation time TimedeltaMicroseconds accepts
        double intPart = Math.Truncate(seconds);
        double frac = seconds - intPart;
        return (long)intPart * 1_000_000 + (long)Math.Round(frac * 1e6, MidpointRounding.ToEven);
    }
}
