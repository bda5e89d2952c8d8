using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Neurodecode.Models.Encoders.CBraMod;

/// <summary>
/// The reference <c>CBraMod</c> module: <c>patch_embedding</c> → <c>encoder</c> (criss-cross layers, no final norm) →
/// <c>proj_out</c> (Linear(d_model → patch_len), the masked-patch reconstruction head). Without <c>proj_out</c> it is
/// the fine-tuning backbone (the reference sets <c>proj_out = nn.Identity()</c>). State names equal the reference's
/// (<c>patch_embedding.proj_in.0.weight</c>, <c>encoder.layers.0.self_attn_s.in_proj_weight</c>, <c>proj_out.0.weight</c> …).
/// </summary>
/// <remarks>
/// Initialisation as the reference's <c>_weights_init</c>: kaiming-normal (fan_out, ReLU gain) on the weight of every
/// Linear in this module — spectral_proj, both attention out_proj, linear1, linear2, proj_out — biases left at
/// PyTorch's defaults; attention in-projections xavier-uniform with zero biases; convolutions and norms PyTorch's
/// defaults. A task head built after this (as the reference's fine-tuning models do) keeps nn.Linear's default.
/// </remarks>
public sealed class CBraModNet : nn.Module<Tensor, Tensor>
{
    private readonly PatchEmbedding patch_embedding;
    private readonly CrissCrossEncoder encoder;
    private readonly Sequential? proj_out;

    public CBraModNet(CBraModConfig config, bool withReconstructionHead) : base(nameof(CBraModNet))
    {
        config.Validate();
        Config = config;
        patch_embedding = new PatchEmbedding(config);
        encoder = new CrissCrossEncoder(config);
        if (withReconstructionHead)
            proj_out = nn.Sequential(nn.Linear(config.DModel, config.PatchLen));
        RegisterComponents();

        using var _ = no_grad();
        foreach (var (_, m) in named_modules())
            if (m is Linear linear)
                nn.init.kaiming_normal_(linear.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
    }

    public CBraModConfig Config { get; }

    public bool HasReconstructionHead => proj_out is not null;

    public PatchEmbedding PatchEmbedding => patch_embedding;

    /// <summary>
    /// Windows (B, n_chans, n_times) or patches (B, n_chans, N, patch_len) of the config's shape → pooled features
    /// (B, d_model): the encoder's output averaged over channels and patches (the registry's embedding output).
    /// </summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return Features(Patches(input, Config)).mean([1, 2]).MoveToOuterDisposeScope();
    }

    /// <summary>The encoder's output (B, C, N, d_model) for patches (B, C, N, patch_len) of any C and N, optionally
    /// with a mask (B, C, N) whose nonzero cells enter as <c>mask_encoding</c>.</summary>
    public Tensor Features(Tensor patches, Tensor? mask = null)
    {
        CheckPatches(patches);
        using var scope = NewDisposeScope();
        return encoder.forward(patch_embedding.forward(patches, mask)).MoveToOuterDisposeScope();
    }

    /// <summary>The reference's <c>CBraMod.forward(x, mask)</c>: <c>proj_out</c> on the features, (B, C, N, patch_len).</summary>
    public Tensor Reconstruct(Tensor patches, Tensor? mask = null)
    {
        if (proj_out is null)
            throw new InvalidOperationException("this CBraMod network has no reconstruction head (proj_out); build it with the embedding head");
        using var scope = NewDisposeScope();
        return proj_out.forward(Features(patches, mask)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Windows (B, n_chans, n_times) → patches (B, n_chans, N, patch_len); patches (B, n_chans, N, patch_len), as the
    /// trainer feeds them with <c>patch_len</c>, pass through. Any other shape is an error naming both.
    /// </summary>
    public static Tensor Patches(Tensor input, CBraModConfig config)
    {
        long[] s = input.shape;
        bool windows = s.Length == 3 && s[1] == config.NChans && s[2] == config.NTimes;
        bool patches = s.Length == 4 && s[1] == config.NChans && s[2] == config.NPatches && s[3] == config.PatchLen;
        if (!windows && !patches)
            throw new ArgumentException(
                $"windows are [{string.Join(", ", s)}]; this CBraMod takes (batch, n_chans {config.NChans}, n_times {config.NTimes}) " +
                $"or patches (batch, {config.NChans}, {config.NPatches}, {config.PatchLen})");
        if (input.dtype != ScalarType.Float32)
            throw new ArgumentException($"windows are {input.dtype}; CBraMod takes float32");
        return windows ? input.reshape(s[0], config.NChans, config.NPatches, config.PatchLen) : input.alias();
    }

    private void CheckPatches(Tensor patches)
    {
        if (patches.dim() != 4 || patches.shape[3] != Config.PatchLen)
            throw new ArgumentException(
                $"CBraMod expects patches (batch, channels, patches, {Config.PatchLen}), got [{string.Join(", ", patches.shape)}]");
    }
}

/// <summary>
/// The fine-tuning model (reference <c>model_for_physio.Model</c>): <c>backbone</c> (<see cref="CBraModNet"/> without
/// <c>proj_out</c>) and <c>classifier</c>. State names: <c>backbone.*</c> and, for <c>all_patch_reps</c>,
/// <c>classifier.{1,4,7}.*</c> (index 0 is the reference's flattening Rearrange), for <c>avg_pool</c>
/// <c>classifier.3.*</c> (after Rearrange, AdaptiveAvgPool2d and Flatten).
/// </summary>
public sealed class CBraModClassifier : nn.Module<Tensor, Tensor>
{
    private readonly CBraModNet backbone;
    private readonly Sequential classifier;

    public CBraModClassifier(CBraModConfig config) : base(nameof(CBraModClassifier))
    {
        config.Validate();
        Config = config;
        backbone = new CBraModNet(config, withReconstructionHead: false);
        long c = config.NChans, n = config.NPatches, d = config.DModel;
        classifier = config.Head switch
        {
            CBraModHead.AllPatchReps => nn.Sequential(
                nn.Flatten(),
                nn.Linear(c * n * d, n * d),
                nn.ELU(),
                nn.Dropout(config.HeadDropout),
                nn.Linear(n * d, d),
                nn.ELU(),
                nn.Dropout(config.HeadDropout),
                nn.Linear(d, config.NOutputs)),
            CBraModHead.AvgPool => nn.Sequential(
                ("0", new MeanOverTokens()),
                ("3", nn.Linear(d, config.NOutputs))),
            _ => throw new ArgumentException($"head {config.Head} has no classifier"),
        };
        RegisterComponents();
    }

    public CBraModConfig Config { get; }

    public CBraModNet Backbone => backbone;

    public Sequential Classifier => classifier;

    /// <summary>Windows (B, n_chans, n_times) or patches (B, n_chans, N, patch_len) → logits (B, n_outputs).</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return classifier.forward(backbone.Features(CBraModNet.Patches(input, Config))).MoveToOuterDisposeScope();
    }
}

/// <summary>(B, C, N, d) → (B, d): the mean over channels and patches (the reference's Rearrange + AdaptiveAvgPool2d + Flatten).</summary>
public sealed class MeanOverTokens : nn.Module<Tensor, Tensor>
{
    public MeanOverTokens() : base(nameof(MeanOverTokens)) { }

    public override Tensor forward(Tensor features) => features.mean([1, 2]);
}
