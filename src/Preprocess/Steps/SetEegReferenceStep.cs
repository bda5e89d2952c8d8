using System.Text.Json.Serialization;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Preprocess.Steps;

/// <summary>
/// MNE's <c>set_eeg_reference(ref_channels, projection=False)</c>: <c>"average"</c> subtracts the mean of all EEG
/// channels from each EEG channel; a list of channel names subtracts the mean of those channels. Other kinds are
/// untouched. The mean adds channels in order, then divides, as numpy does along axis 0.
/// </summary>
public sealed record SetEegReferenceStep(
    [property: JsonConverter(typeof(StringOrListConverter))] IReadOnlyList<string> RefChannels) : Step
{
    public override ResolvedStep Resolve(SignalInfo input)
    {
        int[] eeg = Enumerable.Range(0, input.NChannels).Where(i => input.Channels[i].Kind == ChannelKind.Eeg).ToArray();
        if (eeg.Length == 0)
            throw new ArgumentException("no EEG channels to re-reference");
        int[] refs;
        if (RefChannels is ["average"])
            refs = eeg;
        else
        {
            var index = input.Channels.Select((c, i) => (c.Name, i)).ToDictionary(p => p.Name, p => p.i);
            var missing = RefChannels.Where(n => !index.ContainsKey(n)).ToList();
            if (RefChannels.Count == 0 || missing.Count > 0)
                throw new ArgumentException(RefChannels.Count == 0 ? "ref_channels is empty"
                    : $"ref_channels {string.Join(", ", missing.Select(m => $"'{m}'"))} not found");
            refs = RefChannels.Select(n => index[n]).ToArray();
        }
        return new Referenced(this, input, eeg, refs);
    }

    private sealed class Referenced(Step spec, SignalInfo output, int[] eeg, int[] refs) : MemorylessStep(spec, output)
    {
        protected override double[] Map(double[] data, int nTimes)
        {
            var reference = new double[nTimes];
            foreach (int r in refs)
                System.Numerics.Tensors.TensorPrimitives.Add(reference, data.AsSpan(r * nTimes, nTimes), reference);
            System.Numerics.Tensors.TensorPrimitives.Divide(reference, refs.Length, reference);
            foreach (int c in eeg)
            {
                var channel = data.AsSpan(c * nTimes, nTimes);
                System.Numerics.Tensors.TensorPrimitives.Subtract(channel, reference, channel);
            }
            return data;
        }
    }
}

/// <summary>
/// MNE's <c>set_bipolar_reference(anode, cathode)</c>: a channel <c>anode-cathode</c> for each pair, appended after
/// the others, and the anodes and cathodes dropped (<c>drop_refs=True</c>).
/// </summary>
public sealed record SetBipolarReferenceStep(IReadOnlyList<string> Anode, IReadOnlyList<string> Cathode) : Step
{
    public override ResolvedStep Resolve(SignalInfo input)
    {
        if (Anode.Count != Cathode.Count || Anode.Count == 0)
            throw new ArgumentException($"anode ({Anode.Count} channels) and cathode ({Cathode.Count} channels) must pair up one to one");
        var index = input.Channels.Select((c, i) => (c.Name, i)).ToDictionary(p => p.Name, p => p.i);
        var missing = Anode.Concat(Cathode).Where(n => !index.ContainsKey(n)).Distinct().ToList();
        if (missing.Count > 0)
            throw new ArgumentException($"channel(s) {string.Join(", ", missing.Select(m => $"'{m}'"))} not found");
        var pairs = Anode.Select((a, k) => (A: index[a], C: index[Cathode[k]])).ToArray();
        var used = pairs.SelectMany(p => new[] { p.A, p.C }).ToHashSet();
        int[] keep = Enumerable.Range(0, input.NChannels).Where(i => !used.Contains(i)).ToArray();
        var channels = keep.Select(i => input.Channels[i])
            .Concat(pairs.Select(p => input.Channels[p.A] with { Name = $"{input.Channels[p.A].Name}-{input.Channels[p.C].Name}" }))
            .ToArray();
        return new Bipolar(this, input with { Channels = channels }, keep, pairs);
    }

    private sealed class Bipolar(Step spec, SignalInfo output, int[] keep, (int A, int C)[] pairs) : MemorylessStep(spec, output)
    {
        protected override double[] Map(double[] data, int nTimes)
        {
            var output = GC.AllocateUninitializedArray<double>((keep.Length + pairs.Length) * nTimes);
            for (int k = 0; k < keep.Length; k++)
                data.AsSpan(keep[k] * nTimes, nTimes).CopyTo(output.AsSpan(k * nTimes, nTimes));
            for (int p = 0; p < pairs.Length; p++)
                System.Numerics.Tensors.TensorPrimitives.Subtract(data.AsSpan(pairs[p].A * nTimes, nTimes),
                    data.AsSpan(pairs[p].C * nTimes, nTimes), output.AsSpan((keep.Length + p) * nTimes, nTimes));
            return output;
        }
    }
}
