using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Neurodecode.Models.Torch;

/// <summary>
/// <c>nn.Conv1d(in, out, kernel, stride=1, padding, dilation)</c> computed as zero padding, <c>unfold</c> and one
/// matrix product, like <see cref="RowConv2d"/> and for the same reason: libtorch's oneDNN convolutions returned NaN in
/// whole output channels now and then on these machines (see RowConv2d). Same parameters (<c>weight</c> (out, in, k),
/// <c>bias</c> (out)) and initialisation as PyTorch's Conv1d (kaiming-uniform a=√5, bias uniform ±1/√(in·k)), so
/// checkpoints are interchangeable with <see cref="Conv1d"/>.
/// </summary>
public sealed class UnfoldConv1d : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter? bias;

    public UnfoldConv1d(long inChannels, long outChannels, long kernel, long padding = 0, long dilation = 1, bool hasBias = true)
        : base(nameof(UnfoldConv1d))
    {
        if (inChannels < 1 || outChannels < 1 || kernel < 1 || padding < 0 || dilation < 1)
            throw new ArgumentException(
                $"UnfoldConv1d({inChannels}, {outChannels}, kernel {kernel}, padding {padding}, dilation {dilation}) is not a convolution");
        InChannels = inChannels;
        OutChannels = outChannels;
        Kernel = kernel;
        Padding = padding;
        Dilation = dilation;
        weight = new Parameter(empty(outChannels, inChannels, kernel));
        if (hasBias) bias = new Parameter(empty(outChannels));
        using (no_grad())
        {
            nn.init.kaiming_uniform_(weight, a: Math.Sqrt(5));
            if (bias is not null)
            {
                double bound = 1 / Math.Sqrt(inChannels * kernel);
                nn.init.uniform_(bias, -bound, bound);
            }
        }
        RegisterComponents();
    }

    public long InChannels { get; }
    public long OutChannels { get; }
    public long Kernel { get; }
    public long Padding { get; }
    public long Dilation { get; }

    public Parameter Weight => weight;
    public Parameter? Bias => bias;

    /// <summary>(B, in, T) → (B, out, T + 2·padding − dilation·(k − 1)).</summary>
    public override Tensor forward(Tensor x)
    {
        if (x.dim() != 3 || x.shape[1] != InChannels)
            throw new ArgumentException($"UnfoldConv1d expects (batch, {InChannels}, time), got [{string.Join(", ", x.shape)}]");
        using var scope = NewDisposeScope();
        long b = x.shape[0];
        var padded = Padding > 0 ? nn.functional.pad(x, [Padding, Padding]) : x;
        long span = Dilation * (Kernel - 1) + 1;
        var taps = padded.unfold(2, span, 1);                                   // (B, in, T', span)
        if (Dilation > 1) taps = taps[TensorIndex.Ellipsis, TensorIndex.Slice(null, null, Dilation)];   // (B, in, T', k)
        long t = taps.shape[2];
        var cols = taps.permute(0, 2, 1, 3).reshape(b, t, InChannels * Kernel);   // element (cin, j) at cin·k + j
        var y = cols.matmul(weight.view(OutChannels, InChannels * Kernel).t());   // (B, T', out)
        if (bias is not null) y = y + bias;
        return y.permute(0, 2, 1).contiguous().MoveToOuterDisposeScope();
    }
}
