using System.Runtime.CompilerServices;
using Neurodecode.Models.Aligners;
using Neurodecode.Models.Native;
using Neurodecode.Models.Registry;
using TorchSharp;
using static TorchSharp.torch;

namespace Neurodecode.Models.Encoders.BrainModule;

/// <summary>
/// The brain module behind the registry (<c>meg_brain_module</c>) and the aligner surface. The head, for
/// reset-tuning, is everything after the conv stack: <c>final.*</c>, <c>temporal_aggregation.*</c>,
/// <c>clip_head.*</c>, <c>mse_head.*</c>.
/// </summary>
public sealed class MegBrainModuleModel : AlignerModel
{
    private readonly MegBrainModule module;

    /// <summary>The registry row; reference config <see cref="MegBrainModuleConfig.Reference"/>.</summary>
    public static ModelEntry Entry { get; } = new(
        MegBrainModuleConfig.Name,
        "Meta brain module (Défossez 2023 / Benchetrit 2024): spatial attention over sensor positions, subject layers, dilated conv stack, CLIP + MSE heads",
        typeof(MegBrainModuleConfig),
        MegBrainModuleConfig.Reference,
        config => Create(Of(config)),
        (config, path) => Load(Of(config), path));

    private static MegBrainModuleConfig Of(ModelConfig config) => config as MegBrainModuleConfig
        ?? throw new ArgumentException($"{MegBrainModuleConfig.Name} needs a {nameof(MegBrainModuleConfig)}, got {config?.GetType().Name ?? "null"}");

    private MegBrainModuleModel(MegBrainModuleConfig config) : base(config)
    {
        module = new MegBrainModule(config);
        module.eval();
    }

    /// <summary>A freshly initialised model (seed with <c>torch.manual_seed</c> first for reproducible weights).</summary>
    public static MegBrainModuleModel Create(MegBrainModuleConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        TorchRuntime.EnsureLoaded();
        return Build(config);
    }

    /// <summary>A model with the weights of <paramref name="path"/>, loaded strictly.</summary>
    public static MegBrainModuleModel Load(MegBrainModuleConfig config, string path) => Loaded(Create(config), path);

    // Kept apart so no TorchSharp type is touched before TorchRuntime.EnsureLoaded has patched the native library.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static MegBrainModuleModel Build(MegBrainModuleConfig config) => new(config);

    public new MegBrainModuleConfig Config => module.Config;

    public MegBrainModule Net => module;

    public override nn.Module Module => module;

    public override int NSubjects => Config.NSubjects;

    public override int EmbeddingSize => Config.EmbeddingSize;

    protected override string ModelName => MegBrainModuleConfig.Name;

    public override (Tensor Clip, Tensor Mse) Align(Tensor windows, Tensor subjects) => module.Align(windows, subjects);

    public override bool IsHeadParameter(string name) =>
        name.StartsWith("final.", StringComparison.Ordinal) || name.StartsWith("temporal_aggregation.", StringComparison.Ordinal)
        || name.StartsWith("clip_head.", StringComparison.Ordinal) || name.StartsWith("mse_head.", StringComparison.Ordinal);

    public override string SubjectLayerName(int subject) => "subject_layers." + SubjectLayers.WeightName(subject);
}
