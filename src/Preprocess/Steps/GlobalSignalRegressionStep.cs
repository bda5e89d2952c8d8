using System.Text.Json.Nodes;

namespace Neurodecode.Preprocess.Steps;

/// <summary>
/// Global signal regression: the global signal g(t), the mean over all data channels (ROIs) at each time point, is
/// regressed out of every data channel, as <c>nilearn.signal.clean(confounds=g, detrend=False, standardize=False)</c>
/// does it: g is standardized (mean removed), so each channel x becomes x − β·(g − ḡ) with β its least-squares
/// slope. This is the regression on [1, g] with each channel's mean put back. Offline: β uses the whole recording.
/// </summary>
public sealed record GlobalSignalRegressionStep : Step
{
    public override ResolvedStep Resolve(SignalInfo input)
    {
        int[] picks = input.DataChannels();
        if (picks.Length < 2)
            throw new ArgumentException($"the global signal needs at least 2 data channels (here {picks.Length})");
        return new Regressed(this, input, picks);
    }

    private sealed class Regressed(Step spec, SignalInfo output, int[] picks) : ResolvedStep(spec, output), IOfflineStep
    {
        public override JsonNode? Design => new JsonObject
        {
            ["confound"] = $"mean of the {picks.Length} data channels, standardized",
            ["fit"] = "least squares over the whole recording; channel means kept",
        };

        public RawData Apply(RawData raw)
        {
            int n = raw.NTimes;
            var global = new double[n];
            foreach (int c in picks)
                System.Numerics.Tensors.TensorPrimitives.Add(global, raw.Channel(c), global);
            System.Numerics.Tensors.TensorPrimitives.Divide(global, picks.Length, global);
            var projection = new Projection([Projection.Standardized(global)]);
            Parallel.ForEach(picks, c => projection.Remove(raw.Channel(c)));
            return raw;
        }
    }
}
