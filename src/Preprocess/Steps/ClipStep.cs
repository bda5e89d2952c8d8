namespace Neurodecode.Preprocess.Steps;

/// <summary>Limits the data channels to [min, max] (in the units the signal has at this step).</summary>
public sealed record ClipStep(double Min, double Max) : Step
{
    public override ResolvedStep Resolve(SignalInfo input)
    {
        if (!(Min < Max))
            throw new ArgumentException($"min ({Min}) must be less than max ({Max})");
        return new Clipped(this, input, input.DataChannels(), Min, Max);
    }

    private sealed class Clipped(Step spec, SignalInfo output, int[] picks, double min, double max) : MemorylessStep(spec, output)
    {
        protected override double[] Map(double[] data, int nTimes)
        {
            foreach (int c in picks)
            {
                var x = data.AsSpan(c * nTimes, nTimes);
                System.Numerics.Tensors.TensorPrimitives.Max(x, min, x);
                System.Numerics.Tensors.TensorPrimitives.Min(x, max, x);
            }
            return data;
        }
    }
}
