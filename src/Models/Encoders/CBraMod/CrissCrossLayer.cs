using Neurodecode.Models.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Neurodecode.Models.Encoders.CBraMod;

/// <summary>
/// One criss-cross transformer layer (reference <c>TransformerEncoderLayer</c>, always pre-LN):
/// <code>
/// y  = norm1(x)
/// ys = self_attn_s over channels, per (window, patch), on y[..., :d/2]     (n_heads/2 heads)
/// yt = self_attn_t over patches, per (window, channel), on y[..., d/2:]    (n_heads/2 heads)
/// x  = x + dropout1(concat(ys, yt))
/// x  = x + dropout2(linear2(dropout(gelu(linear1(norm2(x))))))
/// </code>
/// GELU is exact (erf); LayerNorm eps 1e-5; no attention masks.
/// </summary>
public sealed class CrissCrossLayer : nn.Module<Tensor, Tensor>
{
    private readonly MultiheadSelfAttention self_attn_s;
    private readonly MultiheadSelfAttention self_attn_t;
    private readonly Linear linear1;
    private readonly Dropout dropout;
    private readonly Linear linear2;
    private readonly LayerNorm norm1;
    private readonly LayerNorm norm2;
    private readonly Dropout dropout1;
    private readonly Dropout dropout2;
    private readonly GELU activation;

    public CrissCrossLayer(CBraModConfig config) : base(nameof(CrissCrossLayer))
    {
        int half = config.DModel / 2, heads = config.NHeads / 2;
        self_attn_s = new MultiheadSelfAttention(half, heads, config.Dropout);
        self_attn_t = new MultiheadSelfAttention(half, heads, config.Dropout);
        linear1 = nn.Linear(config.DModel, config.DimFeedforward);
        dropout = nn.Dropout(config.Dropout);
        linear2 = nn.Linear(config.DimFeedforward, config.DModel);
        norm1 = nn.LayerNorm(config.DModel, eps: 1e-5);
        norm2 = nn.LayerNorm(config.DModel, eps: 1e-5);
        dropout1 = nn.Dropout(config.Dropout);
        dropout2 = nn.Dropout(config.Dropout);
        activation = nn.GELU();
        RegisterComponents();
    }

    /// <summary>(B, C, N, d) → (B, C, N, d).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        x = x + dropout1.forward(Attention(norm1.forward(x)));
        x = x + dropout2.forward(linear2.forward(dropout.forward(activation.forward(linear1.forward(norm2.forward(x))))));
        return x.MoveToOuterDisposeScope();
    }

    private Tensor Attention(Tensor y)
    {
        long b = y.shape[0], c = y.shape[1], n = y.shape[2], d = y.shape[3], half = d / 2;
        // Spatial: over the C channels of each (window, patch).
        var ys = y.narrow(3, 0, half).transpose(1, 2).reshape(b * n, c, half);
        ys = self_attn_s.forward(ys).view(b, n, c, half).transpose(1, 2);
        // Temporal: over the N patches of each (window, channel).
        var yt = y.narrow(3, half, half).reshape(b * c, n, half);
        yt = self_attn_t.forward(yt).view(b, c, n, half);
        return cat([ys, yt], dim: 3);
    }
}

/// <summary>The stack of criss-cross layers (reference <c>TransformerEncoder</c> with <c>norm=None</c>: no final LayerNorm).</summary>
public sealed class CrissCrossEncoder : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<CrissCrossLayer> layers;

    public CrissCrossEncoder(CBraModConfig config) : base(nameof(CrissCrossEncoder))
    {
        layers = nn.ModuleList(Enumerable.Range(0, config.NLayers).Select(_ => new CrissCrossLayer(config)).ToArray());
        RegisterComponents();
    }

    public int Count => layers.Count;

    public override Tensor forward(Tensor x)
    {
        if (layers.Count == 0) return x.alias();
        using var scope = NewDisposeScope();
        foreach (var layer in layers)
            x = layer.forward(x);
        return x.MoveToOuterDisposeScope();
    }
}
