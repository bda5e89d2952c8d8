using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Neurodecode.Models.Torch;

/// <summary>
/// <c>nn.Conv2d(in, out, kernel_size=(1, k), stride=(1, s), padding=(0, p))</c> — a convolution along the last axis
/// only — computed as zero padding, <c>unfold</c> and one matrix product instead of libtorch's convolution kernels.
/// Same parameters (<c>weight</c> (out, in, 1, k), <c>bias</c> (out)), same initialisation (PyTorch's
/// kaiming-uniform a=√5, bias uniform ±1/√(in·k)) and the same result up to float rounding, so checkpoints are
/// interchangeable with <see cref="Conv2d"/>.
/// </summary>
/// <remarks>
/// Why: on this project's machines (AMD EPYC, libtorch 2.10 CPU from TorchSharp 0.107) libtorch's oneDNN path for
/// Conv2d(25→25, (1, 3), padding (0, 1)) on a batch of more than one sometimes returns NaN in whole output channels
/// (about 1 call in 1,000–5,000, more often while other threads run torch work; the single-sample path is not
/// affected). CBraMod's patch embedding runs three such convolutions. A test compares this module with
/// <c>nn.functional.conv2d</c> on the single-sample path.
/// </remarks>
public sealed class RowConv2d : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter? bias;

    public RowConv2d(long inChannels, long outChannels, long kernel, long stride = 1, long padding = 0, bool hasBias = true)
        : base(nameof(RowConv2d))
    {
        if (inChannels < 1 || outChannels < 1 || kernel < 1 || stride < 1 || padding < 0)
            throw new ArgumentException($"RowConv2d({inChannels}, {outChannels}, kernel {kernel}, stride {stride}, padding {padding}) is not a convolution");
        InChannels = inChannels;
        OutChannels = outChannels;
        Kernel = kernel;
        Stride = stride;
        Padding = padding;
        weight = new Parameter(empty(outChannels, inChannels, 1, kernel));
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
    public long Stride { get; }
    public long Padding { get; }

    public Parameter Weight => weight;
    public Parameter? Bias => bias;

    /// <summary>(B, in, H, W) → (B, out, H, ⌊(W + 2·padding − k)/stride⌋ + 1).</summary>
    public override Tensor forward(Tensor x)
    {
        if (x.dim() != 4 || x.shape[1] != InChannels)
            throw new ArgumentException($"RowConv2d expects (batch, {InChannels}, H, W), got [{string.Join(", ", x.shape)}]");
        using var scope = NewDisposeScope();
        long b = x.shape[0], h = x.shape[2];
        var padded = Padding > 0 ? nn.functional.pad(x, [Padding, Padding]) : x;
        var windows = padded.unfold(3, Kernel, Stride);                 // (B, in, H, W', k)
        long w = windows.shape[3];
        var cols = windows.permute(0, 2, 3, 1, 4).reshape(b, h, w, InChannels * Kernel);   // element (cin, j) at cin·k + j
        var y = cols.matmul(weight.view(OutChannels, InChannels * Kernel).t());            // (B, H, W', out)
        if (bias is not null) y = y + bias;
        return y.permute(0, 3, 1, 2).contiguous().MoveToOuterDisposeScope();
    }
}
