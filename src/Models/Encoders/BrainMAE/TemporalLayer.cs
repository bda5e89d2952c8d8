using Neurodecode.Models.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Neurodecode.Models.Encoders.BrainMAE;

/// <summary>
/// One pre-LN transformer layer over the segments of each region (the "transformer over segment tokens"):
/// <code>
/// x = x + dropout1(self_attn(norm1(x)))                       x: (B·R, S, d)
/// x = x + dropout2(linear2(dropout(gelu(linear1(norm2(x))))))
/// </code>
/// Full attention among segments (no causal mask): a masked segment is filled in from both sides in time.
/// </summary>
public sealed class TemporalLayer : nn.Module<Tensor, Tensor>
{
    private readonly MultiheadSelfAttention self_attn;
    private readonly Linear linear1;
    private readonly Linear linear2;
    private readonly LayerNorm norm1;
    private readonly LayerNorm norm2;
    private readonly Dropout dropout;
    private readonly Dropout dropout1;
    private readonly Dropout dropout2;
    private readonly GELU activation;

    public TemporalLayer(BrainMAEConfig config) : base(nameof(TemporalLayer))
    {
        self_attn = new MultiheadSelfAttention(config.DModel, config.NHeads, config.Dropout);
        linear1 = nn.Linear(config.DModel, config.DimFeedforward);
        linear2 = nn.Linear(config.DimFeedforward, config.DModel);
        norm1 = nn.LayerNorm(config.DModel, eps: 1e-5);
        norm2 = nn.LayerNorm(config.DModel, eps: 1e-5);
        dropout = nn.Dropout(config.Dropout);
        dropout1 = nn.Dropout(config.Dropout);
        dropout2 = nn.Dropout(config.Dropout);
        activation = nn.GELU();
        RegisterComponents();
    }

    /// <summary>(N, S, d) → (N, S, d).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        x = x + dropout1.forward(self_attn.forward(norm1.forward(x)));
        x = x + dropout2.forward(linear2.forward(dropout.forward(activation.forward(linear1.forward(norm2.forward(x))))));
        return x.MoveToOuterDisposeScope();
    }
}
