using System.Text.Json.Nodes;

namespace Neurodecode.Preprocess.Steps;

/// <summary>
/// nilearn's <c>standardize="psc"</c> on every data channel: 100 · (x − mean) / |mean| over the whole recording, the
/// BOLD percent signal change; a channel whose mean is (numerically) 0 becomes 0, as in nilearn. Use it on raw ROI
/// means (before detrending or high-pass filtering moves the mean to 0). Offline.
/// </summary>
public sealed record PercentSignalChangeStep : Step
{
    public override ResolvedStep Resolve(SignalInfo input) => new Psc(this, input, input.DataChannels());

    private sealed class Psc(Step spec, SignalInfo output, int[] picks) : ResolvedStep(spec, output), IOfflineStep
    {
        public override JsonNode? Design => new JsonObject { ["statistics"] = "per recording, per channel mean" };

        public RawData Apply(RawData raw)
        {
            foreach (int c in picks)
            {
                var x = raw.Channel(c);
                double mean = System.Numerics.Tensors.TensorPrimitives.Sum<double>(x) / x.Length;
                if (Math.Abs(mean) < Projection.MachineEpsilon)
                {
                    x.Clear();
                    continue;
                }
                for (int i = 0; i < x.Length; i++)
                    x[i] = (x[i] - mean) / Math.Abs(mean) * 100;
            }
            return raw;
        }
    }
}
