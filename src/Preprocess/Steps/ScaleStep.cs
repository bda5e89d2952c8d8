namespace Neurodecode.Preprocess.Steps;

/// <summary>
/// Rescales the data channels: from volts to <c>unit</c> ("mV", "uV"/"µV", "nV"; omitted = stay in volts), then by
/// <c>factor</c>. CBraMod's inputs are in units of 100 µV: <c>{"step": "scale", "unit": "uV", "factor": 0.01}</c>, the same
/// two multiplications in the same order as the reference's <c>(data · 1e6) / 100</c>.
/// </summary>
public sealed record ScaleStep(string? Unit = null, double Factor = 1.0) : Step
{
    public override ResolvedStep Resolve(SignalInfo input)
    {
        double toUnit = Unit switch
        {
            null or "V" => 1,
            "mV" => 1e3,
            "uV" or "µV" => 1e6,
            "nV" => 1e9,
            _ => throw new ArgumentException($"unit ('{Unit}') must be V, mV, uV or nV"),
        };
        if (!double.IsFinite(Factor) || Factor == 0)
            throw new ArgumentException($"factor ({Factor}) must be finite and non-zero");
        int[] picks = input.DataChannels();
        string label = (Unit ?? "V") + (Factor == 1 ? "" : $" x {Factor:R}");
        var channels = input.Channels.Select((c, i) => picks.Contains(i) ? c with { Unit = label } : c).ToArray();
        return new Scaled(this, input with { Channels = channels }, picks, toUnit, Factor);
    }

    private sealed class Scaled(Step spec, SignalInfo output, int[] picks, double toUnit, double factor) : MemorylessStep(spec, output)
    {
        protected override double[] Map(double[] data, int nTimes)
        {
            foreach (int c in picks)
            {
                var x = data.AsSpan(c * nTimes, nTimes);
                if (toUnit != 1)
                    System.Numerics.Tensors.TensorPrimitives.Multiply(x, toUnit, x);
                if (factor != 1)
                    System.Numerics.Tensors.TensorPrimitives.Multiply(x, factor, x);
            }
            return data;
        }
    }
}
