using Neurodecode.Models.Encoders.BrainModule;
using Neurodecode.Models.Encoders.CBraMod;
using TorchSharp;
using static TorchSharp.torch;

namespace Neurodecode.Models.Aligners;

/// <summary>
/// The transformer aligner's module: <c>subject_layers</c> (optional, on the input channels) → <c>backbone</c>
/// (<see cref="CBraModNet"/> without its reconstruction head; state names as a CBraMod fine-tuning model's
/// <c>backbone.*</c>) → mean over channels and patches → <c>clip_head</c> and <c>mse_head</c>.
/// </summary>
public sealed class CBraModAligner : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly SubjectLayers? subject_layers;
    private readonly CBraModNet backbone;
    private readonly ProjectionHead clip_head;
    private readonly ProjectionHead mse_head;

    public CBraModAligner(CBraModAlignerConfig config) : base(nameof(CBraModAligner))
    {
        config.Validate();
        Config = config;
        if (config.SubjectLayer) subject_layers = new SubjectLayers(config.NChans, config.NChans, config.NSubjects, identity: true);
        backbone = new CBraModNet(config.Backbone(), withReconstructionHead: false);
        clip_head = new ProjectionHead(config.DModel, config.NOutputs);
        mse_head = new ProjectionHead(config.DModel, config.NOutputs);
        RegisterComponents();
    }

    public CBraModAlignerConfig Config { get; }

    public CBraModNet Backbone => backbone;

    public bool HasSubjectLayers => subject_layers is not null;

    /// <summary>CLIP-head and MSE-head embeddings (B, F) for windows (B, n_chans, n_times) and subject ids (B).</summary>
    public (Tensor Clip, Tensor Mse) Align(Tensor windows, Tensor subjects)
    {
        using var scope = NewDisposeScope();
        var x = subject_layers is null ? windows : subject_layers.forward(windows, subjects);
        var pooled = backbone.forward(x);                                    // (B, d_model)
        return (clip_head.forward(pooled).MoveToOuterDisposeScope(), mse_head.forward(pooled).MoveToOuterDisposeScope());
    }

    public override Tensor forward(Tensor windows, Tensor subjects)
    {
        var (clip, mse) = Align(windows, subjects);
        mse.Dispose();
        return clip;
    }
}
