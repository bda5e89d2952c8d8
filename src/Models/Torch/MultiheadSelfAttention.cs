using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Neurodecode.Models.Torch;

/// <summary>
/// Self-attention over (batch, sequence, embed) — PyTorch's <c>nn.MultiheadAttention(E, H, dropout,
/// batch_first=True)</c> called as <c>attn(x, x, x, need_weights=False)[0]</c>, with the same parameter names
/// (<c>in_proj_weight</c> (3E, E), <c>in_proj_bias</c> (3E), <c>out_proj.weight</c>, <c>out_proj.bias</c>) and the
/// same initialisation (xavier-uniform in-projection, zero biases; out_proj keeps nn.Linear's default weight).
/// </summary>
/// <remarks>
/// Why not TorchSharp's <c>nn.MultiheadAttention</c>: it has no batch_first (inputs are (S, B, E), which costs a
/// transpose copy each way), and it is a native module whose <c>out_proj</c> is not a visible <see cref="Linear"/>, so
/// "initialise every Linear" misses it. Here the attention itself is libtorch's
/// <c>scaled_dot_product_attention</c> (softmax(QKᵀ/√d)·V, dropout on the attention weights in training only).
/// A test checks equality with TorchSharp's module given the same weights.
/// </remarks>
public sealed class MultiheadSelfAttention : nn.Module<Tensor, Tensor>
{
    private readonly Parameter in_proj_weight;
    private readonly Parameter in_proj_bias;
    private readonly Linear out_proj;

    public MultiheadSelfAttention(long embedDim, long numHeads, double dropout = 0.0) : base(nameof(MultiheadSelfAttention))
    {
        if (numHeads < 1 || embedDim % numHeads != 0)
            throw new ArgumentException($"embed_dim ({embedDim}) must be divisible by num_heads ({numHeads})");
        EmbedDim = embedDim;
        NumHeads = numHeads;
        DropoutP = dropout;
        in_proj_weight = new Parameter(empty(3 * embedDim, embedDim));
        in_proj_bias = new Parameter(zeros(3 * embedDim));
        out_proj = nn.Linear(embedDim, embedDim);
        using (no_grad())
        {
            nn.init.xavier_uniform_(in_proj_weight);
            out_proj.bias!.zero_();
        }
        RegisterComponents();
    }

    public long EmbedDim { get; }
    public long NumHeads { get; }
    public double DropoutP { get; }

    /// <summary>(B, S, E) → (B, S, E).</summary>
    public override Tensor forward(Tensor x)
    {
        long b = x.shape[0], s = x.shape[1], e = x.shape[2];
        long h = NumHeads, hd = e / h;
        using var qkv = nn.functional.linear(x, in_proj_weight, in_proj_bias)   // (B, S, 3E)
            .view(b, s, 3, h, hd).permute(2, 0, 3, 1, 4);                       // (3, B, H, S, hd)
        using var q = qkv[0];
        using var k = qkv[1];
        using var v = qkv[2];
        using var o = nn.functional.scaled_dot_product_attention(q, k, v, p: training ? DropoutP : 0.0);  // (B, H, S, hd)
        using var merged = o.transpose(1, 2).reshape(b, s, e);
        return out_proj.forward(merged);
    }
}
