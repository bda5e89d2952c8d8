using System.Text.Json.Nodes;

namespace Neurodecode.Preprocess.Steps;

/// <summary>
/// Per-channel standardization of the data channels, (x − mean) / std. With <c>mean</c> and <c>std</c> given (one per
/// data channel, e.g. frozen from training data) it is a fixed affine map, usable live; without them the statistics
/// come from each whole recording (population std, as numpy's default), offline only.
/// </summary>
public sealed record ZScoreStep(IReadOnlyList<double>? Mean = null, IReadOnlyList<double>? Std = null) : Step
{
    public override ResolvedStep Resolve(SignalInfo input)
    {
        int[] picks = input.DataChannels();
        if ((Mean is null) != (Std is null))
            throw new ArgumentException("give both mean and std (frozen statistics) or neither (per recording)");
        if (Mean is null)
            return new PerRecording(this, input, picks);
        if (Mean.Count != picks.Length || Std!.Count != picks.Length)
            throw new ArgumentException($"mean ({Mean.Count}) and std ({Std!.Count}) need one value per data channel ({picks.Length})");
        if (Std.Any(s => !(s > 0)))
            throw new ArgumentException("std values must be positive");
        return new Frozen(this, input, picks, Mean.ToArray(), Std.ToArray());
    }

    private sealed class Frozen(Step spec, SignalInfo output, int[] picks, double[] mean, double[] std) : MemorylessStep(spec, output)
    {
        protected override double[] Map(double[] data, int nTimes)
        {
            for (int p = 0; p < picks.Length; p++)
                Standardize(data.AsSpan(picks[p] * nTimes, nTimes), mean[p], std[p]);
            return data;
        }
    }

    private sealed class PerRecording(Step spec, SignalInfo output, int[] picks) : ResolvedStep(spec, output), IOfflineStep
    {
        public override JsonNode? Design => new JsonObject { ["statistics"] = "per recording, per channel (population std)" };

        public RawData Apply(RawData raw)
        {
            foreach (int c in picks)
            {
                var x = raw.Channel(c);
                double mean = System.Numerics.Tensors.TensorPrimitives.Sum<double>(x) / x.Length;
                double ss = 0;
                foreach (double v in x) ss += (v - mean) * (v - mean);
                double std = Math.Sqrt(ss / x.Length);
                Standardize(x, mean, std > 0 ? std : 1);
            }
            return raw;
        }
    }

    private static void Standardize(Span<double> x, double mean, double std)
    {
        System.Numerics.Tensors.TensorPrimitives.Subtract(x, mean, x);
        System.Numerics.Tensors.TensorPrimitives.Divide(x, std, x);
    }
}
