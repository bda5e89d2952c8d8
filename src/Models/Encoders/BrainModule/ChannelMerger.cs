using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Neurodecode.Models.Encoders.BrainModule;

/// <summary>
/// Spatial attention onto virtual channels (Défossez et al. 2023, brainmagick's <c>ChannelMerger</c>): each sensor's
/// 2-D position becomes Fourier features; each of the <c>merger_channels</c> heads scores every sensor by a dot
/// product with those features; a softmax over the sensors gives the weights of that virtual channel. Sensors without
/// a position, and during training the sensors inside a random disc (spatial dropout), score −∞. State: <c>heads</c>
/// (merger_channels, 2·fourier_freqs²), initialised randn / √(2·fourier_freqs²).
/// </summary>
public sealed class ChannelMerger : nn.Module<Tensor, Tensor>
{
    /// <summary>brainmagick's margin: the Fourier basis is periodic over [−0.2, 1.2], wider than the [0, 1] layout.</summary>
    public const double Margin = 0.2;

    private readonly Parameter heads;
    private readonly float[] features;   // (C, D) Fourier features of the sensor positions, fixed
    private readonly double[] x, y;
    private readonly bool[] known;

    public ChannelMerger(IReadOnlyList<double> x, IReadOnlyList<double> y, int mergerChannels, int fourierFreqs, double dropoutRadius)
        : base(nameof(ChannelMerger))
    {
        if (x.Count != y.Count || x.Count == 0) throw new ArgumentException($"positions: {x.Count} x and {y.Count} y values");
        this.x = x.ToArray();
        this.y = y.ToArray();
        known = this.x.Select((v, c) => double.IsFinite(v) && double.IsFinite(this.y[c])).ToArray();
        if (!known.Any(k => k)) throw new ArgumentException("no sensor has a position");
        NChans = x.Count;
        FourierDim = 2 * fourierFreqs * fourierFreqs;
        DropoutRadius = dropoutRadius;
        features = FourierFeatures(this.x, this.y, fourierFreqs);
        heads = new Parameter(randn(mergerChannels, FourierDim).div_(Math.Sqrt(FourierDim)));
        RegisterComponents();
    }

    public int NChans { get; }
    public int FourierDim { get; }
    public double DropoutRadius { get; }
    public Parameter Heads => heads;

    /// <summary>
    /// Features of positions (C of them) as brainmagick's <c>FourierEmb</c>: for frequency pairs (k, l), k major,
    /// φ = 2π(k·(x + 0.2) + l·(y + 0.2)) / 1.4; the row is [cos φ (n²), sin φ (n²)]. Unknown positions get zeros
    /// (their score is −∞ anyway).
    /// </summary>
    public static float[] FourierFeatures(IReadOnlyList<double> x, IReadOnlyList<double> y, int nFreqs)
    {
        int c = x.Count, half = nFreqs * nFreqs;
        double width = 1 + 2 * Margin;
        var f = new float[c * 2 * half];
        for (int s = 0; s < c; s++)
        {
            if (!double.IsFinite(x[s]) || !double.IsFinite(y[s])) continue;
            for (int k = 0; k < nFreqs; k++)
                for (int l = 0; l < nFreqs; l++)
                {
                    double phase = 2 * Math.PI * (k * (x[s] + Margin) + l * (y[s] + Margin)) / width;
                    f[s * 2 * half + k * nFreqs + l] = (float)Math.Cos(phase);
                    f[s * 2 * half + half + k * nFreqs + l] = (float)Math.Sin(phase);
                }
        }
        return f;
    }

    /// <summary>(B, C, T) → (B, merger_channels, T); in training mode a disc of radius <see cref="DropoutRadius"/> around a
    /// uniform random centre in [0, 1]² (torch's generator) is dropped.</summary>
    public override Tensor forward(Tensor input)
    {
        (double, double)? centre = null;
        if (training && DropoutRadius > 0)
        {
            using var c = rand(2, dtype: ScalarType.Float64);
            double[] xy = c.data<double>().ToArray();
            centre = (xy[0], xy[1]);
        }
        return Merge(input, centre);
    }

    /// <summary>The merge with the sensors within <see cref="DropoutRadius"/> of <paramref name="bannedCentre"/> dropped
    /// (none when null), in any mode.</summary>
    public Tensor Merge(Tensor input, (double X, double Y)? bannedCentre)
    {
        if (input.dim() != 3 || input.shape[1] != NChans)
            throw new ArgumentException($"the channel merger expects (batch, {NChans} sensors, time), got [{string.Join(", ", input.shape)}]");
        var offset = new float[NChans];
        for (int c = 0; c < NChans; c++)
        {
            bool banned = bannedCentre is var (bx, by) && known[c] && Math.Sqrt((x[c] - bx) * (x[c] - bx) + (y[c] - by) * (y[c] - by)) <= DropoutRadius;
            if (!known[c] || banned) offset[c] = float.NegativeInfinity;
        }
        if (offset.All(float.IsNegativeInfinity))
            throw new InvalidOperationException("spatial dropout removed every sensor");
        using var scope = NewDisposeScope();
        var scores = heads.matmul(tensor(features, [NChans, FourierDim]).t()) + tensor(offset);   // (O, C)
        var weights = scores.softmax(1);
        return weights.matmul(input).MoveToOuterDisposeScope();                                     // (O, C) @ (B, C, T)
    }
}
