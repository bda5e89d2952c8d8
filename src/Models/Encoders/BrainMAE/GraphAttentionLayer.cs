using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Neurodecode.Models.Encoders.BrainMAE;

/// <summary>
/// One embedding-informed graph-attention block among the regions of one segment (pre-LN, as a transformer layer):
/// <code>
/// y      = norm1(x)                                           x: (B·S, R, d), one graph per (window, segment)
/// logits = (Q(y)·K(y)ᵀ + Qe(E)·Ke(E)ᵀ) / √(d/h)               E: the region embeddings (R, d), per head
/// logits[i, i] = −∞                                           no self-loops: a region is told only by the others
/// x      = x + dropout1(out_proj(softmax(logits) · V(y)))
/// x      = x + dropout2(linear2(dropout(gelu(linear1(norm2(x))))))
/// </code>
/// The region-embedding term makes the graph's edges depend on which regions they join, learned across all
/// windows, not only on the segment's content ("embedding-informed graph attention"; the exact form is ours).
/// State: <c>in_proj_weight</c>, <c>in_proj_bias</c> (content Q, K, V), <c>region_proj_weight</c> (2d, d: Qe, Ke,
/// no bias), <c>out_proj.*</c>, <c>linear1.*</c>, <c>linear2.*</c>, <c>norm1.*</c>, <c>norm2.*</c>.
/// </summary>
public sealed class GraphAttentionLayer : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Parameter in_proj_weight;
    private readonly Parameter in_proj_bias;
    private readonly Parameter region_proj_weight;
    private readonly Linear out_proj;
    private readonly Linear linear1;
    private readonly Linear linear2;
    private readonly LayerNorm norm1;
    private readonly LayerNorm norm2;
    private readonly Dropout dropout;
    private readonly Dropout dropout1;
    private readonly Dropout dropout2;
    private readonly GELU activation;
    private readonly long heads;
    private readonly double attentionDropout;

    public GraphAttentionLayer(BrainMAEConfig config) : base(nameof(GraphAttentionLayer))
    {
        long d = config.DModel;
        heads = config.NHeads;
        attentionDropout = config.Dropout;
        in_proj_weight = new Parameter(empty(3 * d, d));
        in_proj_bias = new Parameter(zeros(3 * d));
        region_proj_weight = new Parameter(empty(2 * d, d));
        out_proj = nn.Linear(d, d);
        linear1 = nn.Linear(d, config.DimFeedforward);
        linear2 = nn.Linear(config.DimFeedforward, d);
        norm1 = nn.LayerNorm(d, eps: 1e-5);
        norm2 = nn.LayerNorm(d, eps: 1e-5);
        dropout = nn.Dropout(config.Dropout);
        dropout1 = nn.Dropout(config.Dropout);
        dropout2 = nn.Dropout(config.Dropout);
        activation = nn.GELU();
        using (no_grad())
        {
            nn.init.xavier_uniform_(in_proj_weight);
            nn.init.xavier_uniform_(region_proj_weight);
        }
        RegisterComponents();
    }

    /// <summary>Tokens (N, R, d) of N graphs over the same R regions, region embeddings (R, d) → (N, R, d).</summary>
    public override Tensor forward(Tensor x, Tensor regions)
    {
        using var scope = NewDisposeScope();
        x = x + dropout1.forward(Attention(norm1.forward(x), regions));
        x = x + dropout2.forward(linear2.forward(dropout.forward(activation.forward(linear1.forward(norm2.forward(x))))));
        return x.MoveToOuterDisposeScope();
    }

    private Tensor Attention(Tensor y, Tensor regions)
    {
        long n = y.shape[0], r = y.shape[1], d = y.shape[2], hd = d / heads;
        var qkv = nn.functional.linear(y, in_proj_weight, in_proj_bias).view(n, r, 3, heads, hd).permute(2, 0, 3, 1, 4);
        var qe = nn.functional.linear(regions, region_proj_weight).view(r, 2, heads, hd).permute(1, 2, 0, 3);   // (2, h, R, hd)
        // The region term and the removed self-loops enter as an additive mask: (1, h, R, R), the same for every graph.
        var bias = qe[0].matmul(qe[1].transpose(1, 2)) / Math.Sqrt(hd);
        bias = bias.masked_fill(eye(r, dtype: ScalarType.Bool, device: y.device), double.NegativeInfinity).unsqueeze(0);
        var o = nn.functional.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], attn_mask: bias, p: training ? attentionDropout : 0.0);
        return out_proj.forward(o.transpose(1, 2).reshape(n, r, d));
    }
}
