using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Neurodecode.Models.Torch;

/// <summary>
/// <c>nn.ConvTranspose1d(in, out, kernel_size=1)</c> (stride 1, no padding): a per-time-step linear map, computed as
/// one matrix product (see <see cref="UnfoldConv1d"/> for why not libtorch's convolution). Parameters as PyTorch's:
/// <c>weight</c> (in, out, 1), <c>bias</c> (out), initialised as PyTorch does for transposed convolutions
/// (kaiming-uniform a=√5 with fan-in taken from dimension 1, i.e. bound 1/√out; bias uniform ±1/√out).
/// </summary>
public sealed class PointwiseConvTranspose1d : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;

    public PointwiseConvTranspose1d(long inChannels, long outChannels) : base(nameof(PointwiseConvTranspose1d))
    {
        if (inChannels < 1 || outChannels < 1)
            throw new ArgumentException($"PointwiseConvTranspose1d({inChannels}, {outChannels}) needs positive channel counts");
        InChannels = inChannels;
        OutChannels = outChannels;
        weight = new Parameter(empty(inChannels, outChannels, 1));
        bias = new Parameter(empty(outChannels));
        using (no_grad())
        {
            double bound = 1 / Math.Sqrt(outChannels);   // kaiming_uniform(a=√5) on fan-in = out·1 gives the same bound
            nn.init.uniform_(weight, -bound, bound);
            nn.init.uniform_(bias, -bound, bound);
        }
        RegisterComponents();
    }

    public long InChannels { get; }
    public long OutChannels { get; }

    /// <summary>(B, in, T) → (B, out, T).</summary>
    public override Tensor forward(Tensor x)
    {
        if (x.dim() != 3 || x.shape[1] != InChannels)
            throw new ArgumentException($"PointwiseConvTranspose1d expects (batch, {InChannels}, time), got [{string.Join(", ", x.shape)}]");
        using var scope = NewDisposeScope();
        var y = x.transpose(1, 2).matmul(weight.view(InChannels, OutChannels)) + bias;   // (B, T, out)
        return y.transpose(1, 2).contiguous().MoveToOuterDisposeScope();
    }
}
