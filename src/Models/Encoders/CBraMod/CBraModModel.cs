using System.Runtime.CompilerServices;
using Neurodecode.Models.Native;
using Neurodecode.Models.Registry;
using Neurodecode.Models.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace Neurodecode.Models.Encoders.CBraMod;

/// <summary>
/// CBraMod behind the registry's surface. With the <c>all_patch_reps</c> or <c>avg_pool</c> head the module is a
/// <see cref="CBraModClassifier"/> (state <c>backbone.*</c>, <c>classifier.*</c>) and the output is logits. With the
/// <c>embedding</c> head the module is the pretraining network <see cref="CBraModNet"/> with its reconstruction
/// head (state <c>patch_embedding.*</c>, <c>encoder.*</c>, <c>proj_out.*</c>, the names of the reference's
/// <c>pretrained_weights.pth</c>): the output is the pooled features, and
/// <see cref="MaskedPatchPretraining"/> trains it; its checkpoint is what fine-tuning starts from
/// (<see cref="LoadBackbone"/>). The module takes windows (batch, n_chans, n_times) or, as the trainer feeds them with
/// <c>patch_len</c> 200, patches (batch, n_chans, n_times/200, 200). For the reference's two learning rates use
/// <c>ParameterGroup.BackboneAndHead(model.Module, CBraModModel.IsHeadParameter, 1e-4, 5e-4)</c>.
/// </summary>
public sealed class CBraModModel : ITorchModel, IEmbeddingModel
{
    private readonly CBraModNet? net;                 // embedding head: the pretraining network
    private readonly CBraModClassifier? classifier;   // classification heads

    /// <summary>The registry row: reference config = the pretraining configuration (4,924,000 parameters).</summary>
    public static ModelEntry Entry { get; } = new(
        CBraModConfig.Name,
        "CBraMod criss-cross transformer (Wang et al., ICLR 2025) with masked-patch pretraining",
        typeof(CBraModConfig),
        CBraModConfig.Reference,
        config => Create(Of(config)),
        (config, path) => Load(Of(config), path));

    private static CBraModConfig Of(ModelConfig config) => config as CBraModConfig
        ?? throw new ArgumentException($"cbramod needs a {nameof(CBraModConfig)}, got {config?.GetType().Name ?? "null"}");

    private CBraModModel(CBraModConfig config)
    {
        Config = config;
        if (config.Head == CBraModHead.Embedding)
            net = new CBraModNet(config, withReconstructionHead: true);
        else
            classifier = new CBraModClassifier(config);
        Module.eval();
    }

    /// <summary>The head's parameters (<c>classifier.*</c>); everything else is the backbone (the reference's
    /// <c>multi_lr</c> split).</summary>
    public static bool IsHeadParameter(string name) => name.StartsWith("classifier.", StringComparison.Ordinal);

    /// <summary>A freshly initialised model (seed with <c>torch.manual_seed</c> first for reproducible weights).</summary>
    public static CBraModModel Create(CBraModConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        TorchRuntime.EnsureLoaded();
        return Build(config);
    }

    /// <summary>A model with the weights of <paramref name="path"/>, loaded strictly (see <see cref="LoadWeights"/>).</summary>
    public static CBraModModel Load(CBraModConfig config, string path)
    {
        var model = Create(config);
        try
        {
            model.LoadWeights(path);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    // Kept apart so no TorchSharp type is touched before TorchRuntime.EnsureLoaded has patched the native library.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static CBraModModel Build(CBraModConfig config) => new(config);

    public CBraModConfig Config { get; }

    ModelConfig IDecoderModel.Config => Config;

    public nn.Module<Tensor, Tensor> Module => (nn.Module<Tensor, Tensor>?)net ?? classifier!;

    /// <summary>The CBraMod network: the pretraining network (embedding head) or the classifier's backbone.</summary>
    public CBraModNet Net => net ?? classifier!.Backbone;

    public long ParameterCount => StrictStateDict.Count(Module);

    /// <summary>Parameters with requires_grad (all but the frozen <c>patch_embedding.mask_encoding</c>).</summary>
    public long TrainableParameterCount => Module.parameters().Where(p => p.requires_grad).Sum(p => p.numel());

    public bool Training => Module.training;

    public void Train() => Module.train();

    public void Eval() => Module.eval();

    /// <summary>Windows (batch, n_chans, n_times) or patches → logits (batch, n_outputs), or pooled features
    /// (batch, d_model) for the embedding head; with autograd, in the module's current mode.</summary>
    public Tensor Forward(Tensor windows) => Module.forward(windows);

    /// <summary>Pooled features (batch, d_model): the backbone's output averaged over channels and patches.</summary>
    public Tensor Embed(Tensor windows)
    {
        using var scope = NewDisposeScope();
        return Net.Features(CBraModNet.Patches(windows, Config)).mean([1, 2]).MoveToOuterDisposeScope();
    }

    public int EmbeddingSize => Config.DModel;

    /// <summary>Outputs (batch x n_outputs, row-major) in evaluation mode without gradients; the module's mode is
    /// restored afterwards.</summary>
    public float[] Forward(ReadOnlySpan<float> windows, int batch) => Evaluate(windows, batch, Module.forward);

    /// <summary><see cref="Embed(Tensor)"/> for a batch (batch x d_model, row-major), in evaluation mode without gradients.</summary>
    public float[] Embed(ReadOnlySpan<float> windows, int batch) => Evaluate(windows, batch, Embed);

    private float[] Evaluate(ReadOnlySpan<float> windows, int batch, Func<Tensor, Tensor> run)
    {
        long expected = (long)batch * Config.NChans * Config.NTimes;
        if (batch < 0 || windows.Length != expected)
            throw new ArgumentException(
                $"windows hold {windows.Length} values; batch {batch} x n_chans {Config.NChans} x n_times {Config.NTimes} needs {expected}");
        if (batch == 0) return [];
        bool wasTraining = Module.training;
        Module.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var x = tensor(windows.ToArray(), [batch, Config.NChans, Config.NTimes], dtype: ScalarType.Float32);
            return run(x).contiguous().data<float>().ToArray();
        }
        finally
        {
            Module.train(wasTraining);
        }
    }

    /// <summary>
    /// Writes every tensor of the state dict (safetensors, float32) with the config and the model name in the
    /// metadata.
    /// </summary>
    public void Save(string path)
    {
        var metadata = new Dictionary<string, string>
        {
            ["model"] = CBraModConfig.Name,
            ["config"] = Config.ToJson(),
            ["format"] = "pt",   // what Hugging Face's safetensors expects for PyTorch state dicts
        };
        SafeTensorsFile.Write(path, StrictStateDict.Export(Module), metadata);
    }

    /// <summary>
    /// Replaces every weight with the checkpoint's. The checkpoint must hold exactly this model's tensors with these
    /// shapes; otherwise nothing is changed and <see cref="InvalidDataException"/> names every missing and unexpected
    /// tensor and every shape mismatch.
    /// </summary>
    public void LoadWeights(string path)
    {
        var (tensors, metadata) = ReadCheckpoint(path);
        StrictStateDict.Load(Module, tensors, Describe(path, metadata, "a CBraMod with this config"));
    }

    /// <summary>
    /// Starts from a pretrained (or fine-tuned) backbone: takes the CBraMod backbone tensors of either checkpoint
    /// kind — the pretraining network's (<c>patch_embedding.*</c>, <c>encoder.*</c>; <c>proj_out.*</c> is dropped
    /// unless this model has it) or a classifier's (<c>backbone.*</c>; <c>classifier.*</c> is dropped) — and leaves the
    /// head as it is. Strict on the backbone: a missing, unexpected or mis-shaped backbone tensor is an error.
    /// </summary>
    public void LoadBackbone(string path)
    {
        var (tensors, metadata) = ReadCheckpoint(path);
        bool stored = tensors.Any(t => t.Name.StartsWith("backbone.", StringComparison.Ordinal));
        bool target = classifier is not null;
        string? Rename(string name)
        {
            if (stored)
            {
                if (name.StartsWith("classifier.", StringComparison.Ordinal)) return null;
                if (name.StartsWith("backbone.", StringComparison.Ordinal)) name = name["backbone.".Length..];
            }
            else if (name.StartsWith("proj_out.", StringComparison.Ordinal) && (target || !net!.HasReconstructionHead))
            {
                return null;
            }
            return target ? "backbone." + name : name;
        }
        bool Required(string name) => target
            ? name.StartsWith("backbone.", StringComparison.Ordinal)
            : !(stored && name.StartsWith("proj_out.", StringComparison.Ordinal));
        StrictStateDict.Load(Module, tensors, Describe(path, metadata, "a CBraMod backbone with this config"), Rename, Required);
    }

    private static (IReadOnlyList<NamedTensor>, IReadOnlyDictionary<string, string>) ReadCheckpoint(string path)
    {
        try
        {
            return SafeTensorsFile.Read(path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"checkpoint {path} is not a CBraMod checkpoint: {e.Message}", e);
        }
    }

    private static string Describe(string path, IReadOnlyDictionary<string, string> metadata, string what) =>
        metadata.TryGetValue("model", out var m) && m != CBraModConfig.Name
            ? $"checkpoint {path} (saved by model '{m}') is not {what}"
            : $"checkpoint {path} is not {what}";

    public void Dispose() => Module.Dispose();
}
