using Neurodecode.Models.Aligners;
using Neurodecode.Models.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Neurodecode.Models.Encoders.BrainModule;

/// <summary>
/// The brain module as a TorchSharp module: <c>merger</c> (spatial attention onto virtual channels) →
/// <c>initial_linear.0</c> (1×1 conv) → <c>subject_layers</c> (one matrix per subject) → <c>encoder</c> (dilated
/// residual conv stack with GLUs) → <c>final</c> (1×1 conv to 2·hidden, GELU, 1×1 transposed conv to F) → with
/// <c>affine</c> aggregation <c>temporal_aggregation</c> (Linear(T → 1)) and the heads <c>clip_head</c> and
/// <c>mse_head</c>. State names follow brainmagick's <c>SimpleConv</c> (its <c>encoders.meg</c> is our <c>encoder</c>).
/// </summary>
public sealed class MegBrainModule : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly ChannelMerger merger;
    private readonly Sequential initial_linear;
    private readonly SubjectLayers subject_layers;
    private readonly DilatedConvStack encoder;
    private readonly Sequential final;
    private readonly Linear? temporal_aggregation;
    private readonly ProjectionHead? clip_head;
    private readonly ProjectionHead? mse_head;

    public MegBrainModule(MegBrainModuleConfig config) : base(nameof(MegBrainModule))
    {
        config.Validate();
        Config = config;
        var layout = SensorLayout.Get(config.Layout);
        merger = new ChannelMerger(layout.X, layout.Y, config.MergerChannels, config.FourierFreqs, config.SpatialDropout);
        initial_linear = nn.Sequential(("0", new UnfoldConv1d(config.MergerChannels, config.MergerChannels, 1)));
        subject_layers = new SubjectLayers(config.MergerChannels, config.MergerChannels, config.NSubjects);
        encoder = new DilatedConvStack(config);
        final = nn.Sequential(
            ("0", new UnfoldConv1d(config.Hidden, 2 * config.Hidden, 1)),
            ("1", nn.GELU()),
            ("2", new PointwiseConvTranspose1d(2 * config.Hidden, config.NOutputs)));
        if (config.Aggregation == TemporalAggregation.Affine)
        {
            temporal_aggregation = nn.Linear(config.NTimes, 1);
            clip_head = new ProjectionHead(config.NOutputs, config.NOutputs);
            mse_head = new ProjectionHead(config.NOutputs, config.NOutputs);
        }
        RegisterComponents();
    }

    public MegBrainModuleConfig Config { get; }

    public ChannelMerger Merger => merger;

    public SubjectLayers SubjectLayers => subject_layers;

    /// <summary>The time-resolved output (B, F, T) for windows (B, n_chans, n_times) float32 and subject ids (B) int64.</summary>
    public Tensor TimeResolved(Tensor windows, Tensor subjects)
    {
        var c = Config;
        if (windows.dim() != 3 || windows.shape[1] != c.NChans || windows.shape[2] != c.NTimes)
            throw new ArgumentException(
                $"windows are [{string.Join(", ", windows.shape)}]; this brain module takes (batch, n_chans {c.NChans}, n_times {c.NTimes})");
        if (windows.dtype != ScalarType.Float32) throw new ArgumentException($"windows are {windows.dtype}; the brain module takes float32");
        using var scope = NewDisposeScope();
        var x = merger.forward(windows);
        x = initial_linear.forward(x);
        x = subject_layers.forward(x, subjects);
        x = encoder.forward(x);
        return final.forward(x).MoveToOuterDisposeScope();
    }

    /// <summary>The CLIP-head and MSE-head embeddings, each (B, embedding size): with <c>affine</c> aggregation the
    /// heads on the aggregated latent; with <c>none</c> both are the time-resolved output flattened (B, F·T).</summary>
    public (Tensor Clip, Tensor Mse) Align(Tensor windows, Tensor subjects)
    {
        using var scope = NewDisposeScope();
        var y = TimeResolved(windows, subjects);
        if (temporal_aggregation is null)
        {
            var flat = y.flatten(1);
            return (flat.MoveToOuterDisposeScope(), flat.alias().MoveToOuterDisposeScope());
        }
        var latent = temporal_aggregation.forward(y).squeeze(2);          // (B, F): Linear over the time axis
        return (clip_head!.forward(latent).MoveToOuterDisposeScope(), mse_head!.forward(latent).MoveToOuterDisposeScope());
    }

    /// <summary>The CLIP-head embedding (what retrieval compares).</summary>
    public override Tensor forward(Tensor windows, Tensor subjects)
    {
        var (clip, mse) = Align(windows, subjects);
        if (!ReferenceEquals(clip, mse)) mse.Dispose();
        return clip;
    }
}
