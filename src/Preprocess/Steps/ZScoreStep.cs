using System.Text.Json.Nodes;

namespace Neurodecode.Preprocess.Steps;

/// <summary>
/// Per-channel standardization of the data channels, (x − mean) / std. With <c>mean</c> and <c>std</c> given (one per
/// data channel, e.g. frozen from training data) it is a fixed affine map, usable live; without them the statistics
/// come from each whole recording, offline only: population std (<c>ddof</c> 0, numpy's default and nilearn's
/// <c>standardize="zscore"</c>) or sample std (<c>ddof</c> 1, nilearn's <c>standardize="zscore_sample"</c>).
/// </summary>
public sealed record ZScoreStep(IReadOnlyList<double>? Mean = null, IReadOnlyList<double>? Std = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)] int Ddof = 0) : Step
{
    public override ResolvedStep Resolve(SignalInfo input)
    {
        int[] picks = input.DataChannels();
        if ((Mean is null) != (Std is null))
            throw new ArgumentException("give both mean and std (frozen statistics) or neither (per recording)");
        if (Ddof is not (0 or 1))
            throw new ArgumentException($"ddof ({Ddof}) must be 0 (population std) or 1 (sample std)");
        if (Mean is not null && Ddof != 0)
            throw new ArgumentException("ddof applies to statistics computed per recording, not to frozen mean and std");
        if (Mean is null)
        {
            if (Ddof == 1 && input.NTimes < 2)
                throw new ArgumentException($"ddof 1 needs at least 2 samples (the recording has {input.NTimes} here)");
            return new PerRecording(this, input, picks, Ddof);
        }
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

    private sealed class PerRecording(Step spec, SignalInfo output, int[] picks, int ddof) : ResolvedStep(spec, output), IOfflineStep
    {
        public override JsonNode? Design => new JsonObject { ["statistics"] = $"per recording, per channel ({(ddof == 0 ? "population" : "sample")} std)" };

        public RawData Apply(RawData raw)
        {
            foreach (int c in picks)
            {
                var x = raw.Channel(c);
                double mean = System.Numerics.Tensors.TensorPrimitives.Sum<double>(x) / x.Length;
                double ss = 0;
                foreach (double v in x) ss += (v - mean) * (v - mean);
                double std = Math.Sqrt(ss / (x.Length - ddof));
                // nilearn's zscore_sample: a std below eps counts as 1
                Standardize(x, mean, ddof == 1 ? (std < Projection.MachineEpsilon ? 1 : std) : std > 0 ? std : 1);
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
