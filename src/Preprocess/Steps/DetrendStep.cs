using System.Text.Json.Nodes;

namespace Neurodecode.Preprocess.Steps;

/// <summary>
/// Removes a polynomial trend of degree <see cref="Order"/> from every data channel: the least-squares fit of
/// 1, t, …, t^order (over the whole recording) is subtracted. Order 0 removes the mean, order 1 is
/// <c>scipy.signal.detrend(type="linear")</c> and nilearn's <c>detrend=True</c>, higher orders are SPM/AFNI's
/// polynomial drift (AFNI's <c>-polort</c>). Offline: the fit needs the whole signal.
/// </summary>
public sealed record DetrendStep(int Order = 1) : Step
{
    public override ResolvedStep Resolve(SignalInfo input)
    {
        if (Order < 0)
            throw new ArgumentException($"order ({Order}) must be 0 (mean), 1 (linear) or higher");
        if (Order >= input.NTimes)
            throw new ArgumentException($"order {Order} needs more than {Order} samples (the recording has {input.NTimes} here)");
        return new Detrended(this, input, input.DataChannels(), Order);
    }

    private sealed class Detrended(Step spec, SignalInfo output, int[] picks, int order) : ResolvedStep(spec, output), IOfflineStep
    {
        public override JsonNode? Design => new JsonObject { ["regressors"] = order switch { 0 => "1", 1 => "1, t", _ => $"1, t ... t^{order}" }, ["fit"] = "least squares over the whole recording" };

        public RawData Apply(RawData raw)
        {
            int n = raw.NTimes;
            // Powers of t scaled to [-1, 1] keep the fit well conditioned; the fitted trend does not depend on the scale.
            var columns = Enumerable.Range(0, order + 1).Select(k =>
            {
                var c = new double[n];
                for (int i = 0; i < n; i++)
                    c[i] = Math.Pow(n > 1 ? 2.0 * i / (n - 1) - 1 : 0, k);
                return c;
            });
            var projection = new Projection(columns);
            Parallel.ForEach(picks, c => projection.Remove(raw.Channel(c)));
            return raw;
        }
    }
}
