using Neurodecode.Models.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Neurodecode.Models.Encoders.BrainModule;

/// <summary>
/// brainmagick's <c>ConvSequence</c> as the released config uses it: <c>depth</c> layers, each Conv1d(kernel k,
/// dilation 2^(layer mod period), padding k/2·dilation) + BatchNorm1d + GELU, with a residual add whenever the layer
/// keeps the shape (all but the first, which maps the merged channels to <c>hidden</c>); after every
/// <c>glu_every</c>-th layer a GLU block, Conv1d(hidden → 2·hidden, 3, padding 1) + GLU over channels. State names
/// as brainmagick's: <c>sequence.{i}.0</c> (conv), <c>sequence.{i}.1</c> (batch norm), <c>glus.{i}.0</c>.
/// </summary>
public sealed class DilatedConvStack : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<Sequential> sequence;
    private readonly ModuleDict<Sequential> glus;

    public DilatedConvStack(MegBrainModuleConfig config) : base(nameof(DilatedConvStack))
    {
        sequence = new ModuleList<Sequential>();
        glus = new ModuleDict<Sequential>();
        for (int k = 0; k < config.Depth; k++)
        {
            int chin = k == 0 ? config.MergerChannels : config.Hidden, d = config.Dilation(k);
            sequence.Add(nn.Sequential(
                ("0", new UnfoldConv1d(chin, config.Hidden, config.Kernel, padding: config.Kernel / 2 * d, dilation: d)),
                ("1", nn.BatchNorm1d(config.Hidden)),
                ("2", nn.GELU())));
            if (config.GluEvery > 0 && (k + 1) % config.GluEvery == 0)
                glus.Add((k.ToString(System.Globalization.CultureInfo.InvariantCulture), nn.Sequential(
                    ("0", new UnfoldConv1d(config.Hidden, 2 * config.Hidden, 3, padding: 1)),
                    ("1", nn.GLU(dim: 1)))));
        }
        RegisterComponents();
    }

    /// <summary>(B, merger_channels, T) → (B, hidden, T).</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input;
        for (int k = 0; k < sequence.Count; k++)
        {
            var y = sequence[k].forward(x);
            x = y.shape.SequenceEqual(x.shape) ? y + x : y;
            if (glus.TryGetValue(k.ToString(System.Globalization.CultureInfo.InvariantCulture), out var glu))
                x = glu.forward(x);
        }
        return x.MoveToOuterDisposeScope();
    }
}
