using Neurodecode.Models.Torch;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Neurodecode.Models.Encoders.CBraMod;

/// <summary>
/// Asymmetric conditional positional encoding (ACPE): a depthwise Conv2d over the (channel, patch) grid of each
/// feature, kernel (19, 7), padding (9, 3), so its output has the input's size for any C and N. Returns the
/// positional term only; <see cref="PatchEmbedding"/> adds it. State: <c>0.weight</c> (d, 1, 19, 7), <c>0.bias</c> (d),
/// as the reference's <c>nn.Sequential(Conv2d)</c>.
/// </summary>
public sealed class AsymmetricPositionalEncoding : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "0")]   // the reference wraps the conv in nn.Sequential
    private readonly Conv2d conv;

    public AsymmetricPositionalEncoding(int dModel, int kernelChans, int kernelPatches) : base(nameof(AsymmetricPositionalEncoding))
    {
        conv = nn.Conv2d(dModel, dModel, (kernelChans, kernelPatches), stride: (1, 1),
            padding: (kernelChans / 2, kernelPatches / 2), groups: dModel);
        RegisterComponents();
    }

    /// <summary>(B, C, N, d) → (B, C, N, d).</summary>
    public override Tensor forward(Tensor emb)
    {
        using var grid = emb.permute(0, 3, 1, 2);   // (B, d, C, N)
        using var pos = conv.forward(grid);
        return pos.permute(0, 2, 3, 1);
    }
}

/// <summary>
/// CBraMod's patch embedding (reference <c>PatchEmbedding</c>): masked patches become <c>mask_encoding</c> (zeros,
/// frozen); a time branch of three Conv2d + GroupNorm + GELU blocks over each patch's samples whose
/// (25 conv channels × 8 steps) output is read channel-major into the d_model vector (index = conv_channel·8 + t);
/// a spectral branch |rfft(patch)/patch_len| → Linear(patch_len/2+1 → d_model) → Dropout; their sum plus ACPE.
/// </summary>
public sealed class PatchEmbedding : nn.Module<Tensor, Tensor?, Tensor>
{
    private readonly AsymmetricPositionalEncoding positional_encoding;
    private readonly Parameter mask_encoding;
    private readonly Sequential proj_in;
    private readonly Sequential spectral_proj;
    private readonly int dModel;

    public PatchEmbedding(CBraModConfig config) : base(nameof(PatchEmbedding))
    {
        dModel = config.DModel;
        int ch = config.TimeConvChannels, groups = config.TimeConvGroups;
        positional_encoding = new AsymmetricPositionalEncoding(config.DModel, config.AcpeKernelChans, config.AcpeKernelPatches);
        mask_encoding = new Parameter(zeros(config.PatchLen), requires_grad: false);
        // Conv2d with (1, k) kernels, computed by RowConv2d (same parameters and result) because libtorch's
        // oneDNN convolution sometimes returns NaN for the 25→25 (1, 3) case on our machines (see RowConv2d).
        proj_in = nn.Sequential(
            new RowConv2d(1, ch, CBraModConfig.TimeConvKernel, stride: CBraModConfig.TimeConvStride, padding: CBraModConfig.TimeConvPadding),
            nn.GroupNorm(groups, ch),
            nn.GELU(),
            new RowConv2d(ch, ch, 3, stride: 1, padding: 1),
            nn.GroupNorm(groups, ch),
            nn.GELU(),
            new RowConv2d(ch, ch, 3, stride: 1, padding: 1),
            nn.GroupNorm(groups, ch),
            nn.GELU());
        spectral_proj = nn.Sequential(
            nn.Linear(config.SpectralBins, config.DModel),
            nn.Dropout(config.Dropout));
        RegisterComponents();

        // PyTorch's GroupNorm starts at weight 1, bias 0. TorchSharp 0.107's nn.GroupNorm leaves both uninitialised
        // (whatever the allocator returns, often NaN), so set them here.
        using var _ = no_grad();
        foreach (var norm in proj_in.children().OfType<GroupNorm>())
        {
            norm.weight!.fill_(1);
            norm.bias!.zero_();
        }
    }

    /// <summary>
    /// Patches (B, C, N, patch_len) and an optional mask (B, C, N) whose nonzero cells are replaced by
    /// <c>mask_encoding</c> → tokens (B, C, N, d_model), positional encoding included.
    /// </summary>
    public override Tensor forward(Tensor x, Tensor? mask)
    {
        using var scope = NewDisposeScope();
        var emb = Embed(x, mask);
        var pos = positional_encoding.forward(emb);
        return (emb + pos).MoveToOuterDisposeScope();
    }

    /// <summary>Time branch + spectral branch, before the positional encoding.</summary>
    public Tensor Embed(Tensor x, Tensor? mask)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], c = x.shape[1], n = x.shape[2], p = x.shape[3];
        var masked = mask is null ? x : where(mask.ne(0).unsqueeze(-1), mask_encoding, x);

        var time = TokensFromTimeConv(proj_in.forward(masked.reshape(b, 1, c * n, p)), c, n);

        var spectral = spectral_proj.forward(Spectrum(masked));
        return (time + spectral).MoveToOuterDisposeScope();
    }

    /// <summary>The positional term ACPE adds to embedded tokens (B, C, N, d) (exposed for tests).</summary>
    public Tensor PositionalEncoding(Tensor emb) => positional_encoding.forward(emb);

    /// <summary>|rfft| of each patch with norm='forward' (divided by patch_len): (…, patch_len) → (…, patch_len/2 + 1).</summary>
    public static Tensor Spectrum(Tensor patches)
    {
        using var spectrum = fft.rfft(patches, dim: -1, norm: FFTNormType.Forward);
        return spectrum.abs();
    }

    /// <summary>
    /// The time convolutions' output (B, K, C·N, W) read as tokens (B, C, N, K·W): token element k·W + t is conv
    /// channel k at step t (channel-major), the order pretrained weights depend on.
    /// </summary>
    public static Tensor TokensFromTimeConv(Tensor conv, long nChans, long nPatches)
    {
        long b = conv.shape[0], k = conv.shape[1], w = conv.shape[3];
        using var perm = conv.permute(0, 2, 1, 3);   // (B, C·N, K, W)
        return perm.reshape(b, nChans, nPatches, k * w);
    }
}
