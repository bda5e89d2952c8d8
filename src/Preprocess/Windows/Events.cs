using Neurodecode.Ingest.Signals;

namespace Neurodecode.Preprocess.Windows;

/// <summary>An event as MNE's events array holds it: sample index, integer id, and the annotation it came from.</summary>
public readonly record struct Event(long Sample, int Id, string Description);

public static class Events
{
    /// <summary>
    /// MNE's <c>events_from_annotations(raw, event_id)</c>: one event per annotation whose description is in
    /// <paramref name="eventId"/>, at sample <c>round(onset·sfreq)</c> (half to even, as numpy), in onset order.
    /// Annotations that start outside 0 .. nSamples-1 are skipped, as MNE crops annotations to the data.
    /// </summary>
    public static IReadOnlyList<Event> FromAnnotations(IEnumerable<Annotation> annotations, double sfreq,
        IReadOnlyDictionary<string, int> eventId, long nSamples)
    {
        var events = new List<Event>();
        foreach (var a in annotations)
        {
            if (!eventId.TryGetValue(a.Description, out int id))
                continue;
            long sample = (long)Math.Round(a.Onset * sfreq, MidpointRounding.ToEven);
            if (sample >= 0 && sample < nSamples)
                events.Add(new Event(sample, id, a.Description));
        }
        // A stable sort keeps annotation order for events on the same sample, as MNE does.
        return events.OrderBy(e => e.Sample).ToList();
    }

    /// <summary>
    /// MNE's <c>event_id='auto'</c>: ids 1, 2, 3 ... in sorted description order, skipping descriptions that
    /// start with "bad" or "edge" (case-insensitive).
    /// </summary>
    public static IReadOnlyDictionary<string, int> AutoEventId(IEnumerable<Annotation> annotations) =>
        annotations.Select(a => a.Description)
            .Where(d => !d.StartsWith("bad", StringComparison.OrdinalIgnoreCase) && !d.StartsWith("edge", StringComparison.OrdinalIgnoreCase))
            .Distinct().Order(StringComparer.Ordinal)
            .Select((d, i) => (d, i)).ToDictionary(p => p.d, p => p.i + 1);
}
