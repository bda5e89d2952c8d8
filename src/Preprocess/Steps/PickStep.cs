using Neurodecode.Ingest.Signals;

namespace Neurodecode.Preprocess.Steps;

/// <summary>
/// MNE's <c>pick</c>: keep channels by kind (<c>"kinds": ["eeg"]</c>) and/or by name (<c>"names": ["C3", "Cz", "C4"]</c>,
/// in that order). Names are matched as the signal has them at this point (after <c>standardize_channel_names</c>).
/// </summary>
public sealed record PickStep(IReadOnlyList<string>? Kinds = null, IReadOnlyList<string>? Names = null) : Step
{
    public override ResolvedStep Resolve(SignalInfo input)
    {
        if (Kinds is null && Names is null)
            throw new ArgumentException("give kinds and/or names to pick");
        var kinds = Kinds?.Select(ChannelKinds.Parse).ToHashSet();
        IEnumerable<int> picks = Enumerable.Range(0, input.NChannels);
        if (kinds is not null)
            picks = picks.Where(i => kinds.Contains(input.Channels[i].Kind));
        if (Names is not null)
        {
            var byName = input.Channels.Select((c, i) => (c.Name, i)).ToDictionary(p => p.Name, p => p.i);
            var missing = Names.Where(n => !byName.ContainsKey(n)).ToList();
            if (missing.Count > 0)
                throw new ArgumentException($"channel(s) {string.Join(", ", missing.Select(m => $"'{m}'"))} not found (have: {string.Join(", ", input.Channels.Select(c => c.Name))})");
            var allowed = picks.ToHashSet();
            picks = Names.Select(n => byName[n]).Where(allowed.Contains);
        }
        int[] chosen = picks.ToArray();
        if (chosen.Length == 0)
            throw new ArgumentException("picks yielded no channels");
        return new Picked(this, input with { Channels = chosen.Select(i => input.Channels[i]).ToArray() }, chosen);
    }

    private sealed class Picked(Step spec, SignalInfo output, int[] picks) : MemorylessStep(spec, output)
    {
        protected override double[] Map(double[] input, int nTimes)
        {
            if (picks.Length * nTimes == input.Length && picks.Select((p, i) => p == i).All(same => same))
                return input; // every channel, in order: nothing to copy
            var output = GC.AllocateUninitializedArray<double>(picks.Length * nTimes);
            for (int p = 0; p < picks.Length; p++)
                input.AsSpan(picks[p] * nTimes, nTimes).CopyTo(output.AsSpan(p * nTimes, nTimes));
            return output;
        }
    }
}
