using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Preprocess.Steps;

/// <summary>
/// MNE's <c>mne.find_events(raw, stim_channel)</c> (defaults: onsets of increasing steps, shortest_event 2), kept as
/// annotations: onset = event sample / sfreq from the first sample, duration 0, description the trigger value
/// (<c>"5"</c>), so an <c>epochs</c> event map naming "5" cuts epochs from triggers. <c>stim_channel</c> is a name or
/// a list; without it MNE's choice: STI101, else STI 014, else every stim channel. Events are found on the signal as
/// it is at this step (put it before a resample, as MNE advises). Offline only.
/// </summary>
public sealed record FindEventsStep(
    [property: JsonConverter(typeof(StringOrListConverter))] IReadOnlyList<string>? StimChannel = null,
    int ShortestEvent = 2,
    bool InitialEvent = false) : Step
{
    public override ResolvedStep Resolve(SignalInfo input)
    {
        if (ShortestEvent < 0)
            throw new ArgumentException($"shortest_event must be >= 0 (got {ShortestEvent})");
        try
        {
            var names = StimChannel ?? StimEvents.DefaultStimChannels(input.Channels, "signal");
            int[] picks = StimEvents.Picks(input.Channels, names, "signal");
            return new Found(this, input, picks);
        }
        catch (InvalidRecordingException e)
        {
            throw new ArgumentException(e.Problem, e);
        }
    }

    /// <summary>The annotations this step adds: the windows are planned after the steps have run.</summary>
    private sealed class Found(FindEventsStep spec, SignalInfo output, int[] picks) : ResolvedStep(spec, output), IOfflineStep, IAnnotatingStep
    {
        public override JsonNode? Design => new JsonObject
        {
            ["stim_channel"] = new JsonArray(picks.Select(p => (JsonNode)Output.Channels[p].Name).ToArray()),
            ["output"] = "onset",
            ["consecutive"] = "increasing",
        };

        public RawData Apply(RawData raw)
        {
            var channels = picks.Select(p => (ReadOnlyMemory<double>)raw.Data.AsMemory(p * raw.NTimes, raw.NTimes)).ToArray();
            var events = StimEvents.Find(channels, picks.Select(p => raw.Info.Channels[p].Name).ToArray(), firstSamp: 0,
                "signal", spec.ShortestEvent, spec.InitialEvent);
            var added = StimEvents.ToAnnotations(events, 0, raw.Info.Sfreq);
            // Keep annotations sorted by onset (stable), as MNE's Annotations are.
            var all = raw.Annotations.Concat(added).Select((a, i) => (a, i)).OrderBy(t => t.a.Onset).ThenBy(t => t.i).Select(t => t.a).ToList();
            return new RawData(raw.Info, raw.Data, all);
        }
    }
}

/// <summary>A step whose output annotations come from the samples (find_events): windows are planned after the steps run.</summary>
public interface IAnnotatingStep;
