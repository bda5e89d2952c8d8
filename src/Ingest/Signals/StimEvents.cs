using System.Globalization;

namespace Neurodecode.Ingest.Signals;

/// <summary>One row of MNE's events array: the sample (absolute, counting <c>first_samp</c>), the value before, the value.</summary>
public readonly record struct StimEvent(long Sample, long Before, long Value);

/// <summary>
/// <c>mne.find_events</c> 1.3 with its defaults (<c>output='onset'</c>, <c>consecutive='increasing'</c>,
/// <c>min_duration=0</c>, <c>mask=None</c>, <c>uint_cast=False</c>): on each stim channel, values are truncated to
/// int64 (made absolute when any is negative), every change is a step (a final return to 0 is added), an event is a
/// step up, and a step up with no later step down or to zero is dropped. Events closer than <c>shortest_event</c>
/// samples are an error, as in MNE. Several channels give the union of their events, duplicates removed, by sample.
/// </summary>
public static class StimEvents
{
    /// <summary>
    /// MNE's <c>_get_stim_channel(None)</c> (without the MNE_STIM_CHANNEL config): STI101 if present, else STI 014,
    /// else every channel of kind stim. Throws when there is none.
    /// </summary>
    public static IReadOnlyList<string> DefaultStimChannels(IReadOnlyList<ChannelInfo> channels, string path)
    {
        if (channels.Any(c => c.Name == "STI101"))
            return ["STI101"];
        if (channels.Any(c => c.Name == "STI 014"))
            return ["STI 014"];
        var stim = channels.Where(c => c.Kind == ChannelKind.Stim).Select(c => c.Name).ToList();
        return stim.Count > 0 ? stim
            : throw new InvalidRecordingException(path, "no stim channels found (none named STI101 or STI 014, none of kind stim); name one with stim_channel");
    }

    /// <summary>
    /// Events of one recording, reading only the stim channels, block by block (MNE's <c>find_events(raw)</c>); samples
    /// count from the recording's <see cref="RecordingInfo.FirstSamp"/> as MNE's do.
    /// </summary>
    public static IReadOnlyList<StimEvent> Find(Recording recording, IReadOnlyList<string>? stimChannels = null,
        int shortestEvent = 2, bool initialEvent = false)
    {
        var info = recording.Info;
        long firstSamp = info.FirstSamp;
        var picks = Picks(info.Channels, stimChannels ?? DefaultStimChannels(info.Channels, info.SourcePath), info.SourcePath);
        var finders = picks.Select(_ => new StepFinder(firstSamp)).ToArray();
        foreach (var block in recording.Blocks(picks: picks))
            for (int i = 0; i < picks.Length; i++)
                finders[i].Add(block.Channel(i));
        if (finders.Any(f => f.Negative))
        {
            // MNE takes |value| of the whole channel when any value is negative: read again with that known.
            finders = picks.Select(_ => new StepFinder(firstSamp, absolute: true)).ToArray();
            foreach (var block in recording.Blocks(picks: picks))
                for (int i = 0; i < picks.Length; i++)
                    finders[i].Add(block.Channel(i));
        }
        return Combine(finders, picks.Select(p => info.Channels[p].Name).ToArray(), shortestEvent, initialEvent, info.SourcePath);
    }

    /// <summary>Events from channels already in memory (<paramref name="channels"/>[i] is stim channel i's samples).</summary>
    public static IReadOnlyList<StimEvent> Find(IReadOnlyList<ReadOnlyMemory<double>> channels, IReadOnlyList<string> names,
        long firstSamp, string source, int shortestEvent = 2, bool initialEvent = false)
    {
        var finders = channels.Select(c =>
        {
            var f = new StepFinder(firstSamp);
            f.Add(c.Span);
            if (!f.Negative)
                return f;
            f = new StepFinder(firstSamp, absolute: true);
            f.Add(c.Span);
            return f;
        }).ToArray();
        return Combine(finders, names, shortestEvent, initialEvent, source);
    }

    /// <summary>Channel indices of <paramref name="names"/>, in the recording's channel order (MNE's pick_channels).</summary>
    public static int[] Picks(IReadOnlyList<ChannelInfo> channels, IReadOnlyList<string> names, string path)
    {
        var missing = names.Where(n => channels.All(c => c.Name != n)).ToList();
        if (names.Count == 0 || missing.Count > 0)
            throw new InvalidRecordingException(path, names.Count == 0 ? "stim_channel names no channel"
                : $"stim channel {string.Join(", ", missing.Select(m => $"'{m}'"))} not found");
        return Enumerable.Range(0, channels.Count).Where(i => names.Contains(channels[i].Name)).ToArray();
    }

    /// <summary>Events as annotations: onset (sample − first_samp) / sfreq, duration 0, the value as text ("5").</summary>
    public static IEnumerable<Annotation> ToAnnotations(IEnumerable<StimEvent> events, long firstSamp, double sfreq) =>
        events.Select(e => new Annotation((e.Sample - firstSamp) / sfreq, 0, e.Value.ToString(CultureInfo.InvariantCulture)));

    private static IReadOnlyList<StimEvent> Combine(StepFinder[] finders, IReadOnlyList<string> names, int shortestEvent,
        bool initialEvent, string source)
    {
        var all = new List<StimEvent>();
        for (int i = 0; i < finders.Length; i++)
        {
            var events = finders[i].Onsets(initialEvent);
            int tooShort = events.Zip(events.Skip(1), (a, b) => b.Sample - a.Sample < shortestEvent ? 1 : 0).Sum();
            if (tooShort > 0)
                throw new InvalidRecordingException(source,
                    $"stim channel '{names[i]}': {tooShort} events shorter than shortest_event ({shortestEvent} samples); MNE refuses these too (raise min_duration there)");
            all.AddRange(events);
        }
        // np.unique over rows, then a sort by sample; ties (equal samples from different channels) keep value order.
        return all.Distinct().OrderBy(e => e.Sample).ThenBy(e => e.Before).ThenBy(e => e.Value).ToList();
    }

    /// <summary>MNE's <c>_find_stim_steps(pad_stop=0)</c> and <c>_find_events</c> for one channel, fed block by block.</summary>
    private sealed class StepFinder(long firstSamp, bool absolute = false)
    {
        private readonly List<StimEvent> _steps = [];
        private long _n, _previous, _initial;

        public bool Negative { get; private set; }

        public void Add(ReadOnlySpan<double> values)
        {
            foreach (double v in values)
            {
                long x = ToInt64(v);
                if (x < 0)
                {
                    Negative = true;
                    if (absolute)
                        x = x == long.MinValue ? long.MinValue : Math.Abs(x); // numpy's abs leaves INT64_MIN as is
                }
                if (_n == 0)
                    _initial = x;
                else if (x != _previous)
                    _steps.Add(new StimEvent(firstSamp + _n, _previous, x));
                _previous = x;
                _n++;
            }
        }

        /// <summary>numpy's <c>astype(np.int64)</c>: truncation; NaN and out-of-range values become INT64_MIN.</summary>
        private static long ToInt64(double v) => v is >= -9.2233720368547758e18 and < 9.2233720368547758e18 ? (long)v : long.MinValue;

        public List<StimEvent> Onsets(bool initialEvent)
        {
            var steps = new List<StimEvent>(_steps);
            if (steps.Count > 0 && steps[^1].Value != 0)
                steps.Add(new StimEvent(firstSamp + _n, steps[^1].Value, 0)); // pad_stop=0
            if (initialEvent && _initial != 0)
                steps.Insert(0, new StimEvent(firstSamp, 0, _initial));
            var onsets = Enumerable.Range(0, steps.Count).Where(i => steps[i].Value > steps[i].Before).ToList();
            var offsets = Enumerable.Range(0, steps.Count)
                .Where(i => (steps[i].Value > steps[i].Before || steps[i].Value == 0) && steps[i].Before > 0).ToList();
            if (onsets.Count == 0 || offsets.Count == 0)
                return [];
            if (onsets[0] > offsets[0])
                offsets.RemoveAt(0); // orphaned offset at the beginning
            if (offsets.Count > 0 && onsets[^1] > offsets[^1])
                onsets.RemoveAt(onsets.Count - 1); // orphaned onset at the end
            return onsets.Select(i => steps[i]).ToList();
        }
    }
}
