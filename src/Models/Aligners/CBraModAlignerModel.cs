using System.Runtime.CompilerServices;
using Neurodecode.Models.Encoders.BrainModule;
using Neurodecode.Models.Native;
using Neurodecode.Models.Registry;
using Neurodecode.Models.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace Neurodecode.Models.Aligners;

/// <summary>
/// The transformer aligner behind the registry (<c>cbramod_aligner</c>). The head, for reset-tuning, is
/// <c>clip_head.*</c> and <c>mse_head.*</c>; <see cref="LoadBackbone"/> starts the backbone from a CBraMod checkpoint
/// (pretraining or fine-tuning).
/// </summary>
public sealed class CBraModAlignerModel : AlignerModel
{
    private readonly CBraModAligner module;

    public static ModelEntry Entry { get; } = new(
        CBraModAlignerConfig.Name,
        "CBraMod backbone with optional subject layers and CLIP + MSE projection heads (contrastive aligner)",
        typeof(CBraModAlignerConfig),
        CBraModAlignerConfig.Reference,
        config => Create(Of(config)),
        (config, path) => Load(Of(config), path));

    private static CBraModAlignerConfig Of(ModelConfig config) => config as CBraModAlignerConfig
        ?? throw new ArgumentException($"{CBraModAlignerConfig.Name} needs a {nameof(CBraModAlignerConfig)}, got {config?.GetType().Name ?? "null"}");

    private CBraModAlignerModel(CBraModAlignerConfig config) : base(config)
    {
        module = new CBraModAligner(config);
        module.eval();
    }

    public static CBraModAlignerModel Create(CBraModAlignerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        TorchRuntime.EnsureLoaded();
        return Build(config);
    }

    public static CBraModAlignerModel Load(CBraModAlignerConfig config, string path) => Loaded(Create(config), path);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static CBraModAlignerModel Build(CBraModAlignerConfig config) => new(config);

    public new CBraModAlignerConfig Config => module.Config;

    public CBraModAligner Net => module;

    public override nn.Module Module => module;

    public override int NSubjects => Config.NSubjects;

    public override int EmbeddingSize => Config.NOutputs;

    protected override string ModelName => CBraModAlignerConfig.Name;

    public override (Tensor Clip, Tensor Mse) Align(Tensor windows, Tensor subjects) => module.Align(windows, subjects);

    public override bool IsHeadParameter(string name) =>
        name.StartsWith("clip_head.", StringComparison.Ordinal) || name.StartsWith("mse_head.", StringComparison.Ordinal);

    public override string SubjectLayerName(int subject) => module.HasSubjectLayers
        ? "subject_layers." + SubjectLayers.WeightName(subject)
        : throw new InvalidOperationException("this cbramod_aligner has no subject layers (subject_layer false); reset-tuning needs them");

    /// <summary>
    /// Takes the backbone from a CBraMod checkpoint — the pretraining network's tensors (<c>patch_embedding.*</c>,
    /// <c>encoder.*</c>; <c>proj_out.*</c> dropped) or a fine-tuned classifier's (<c>backbone.*</c>;
    /// <c>classifier.*</c> dropped) — strictly; subject layers and heads keep their initialisation.
    /// </summary>
    public void LoadBackbone(string path)
    {
        IReadOnlyList<NamedTensor> tensors;
        try
        {
            (tensors, _) = SafeTensorsFile.Read(path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"checkpoint {path} is not a CBraMod checkpoint: {e.Message}", e);
        }
        static string? Rename(string name) =>
            name.StartsWith("proj_out.", StringComparison.Ordinal) || name.StartsWith("classifier.", StringComparison.Ordinal) ? null
            : name.StartsWith("backbone.", StringComparison.Ordinal) ? name : "backbone." + name;
        StrictStateDict.Load(module, tensors, $"checkpoint {path} is not a CBraMod backbone with this config", Rename,
            name => name.StartsWith("backbone.", StringComparison.Ordinal));
    }
}
