using System.Runtime.CompilerServices;
using Neurodecode.Models.Native;
using Neurodecode.Models.Registry;
using Neurodecode.Models.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace Neurodecode.Models.Encoders.BrainMAE;

/// <summary>
/// The BrainMAE-style model behind the registry's surface (<c>brainmae</c>). The module is a <see cref="BrainMAENet"/>:
/// with the embedding head it is the pretraining network (output: the pooled embedding; <see cref="BrainMAEPretraining"/>
/// trains its decoder), with the classification head a classifier (output: logits) that fine-tuning starts from a
/// pretraining checkpoint's encoder (<see cref="LoadEncoder"/>).
/// </summary>
public sealed class BrainMAEModel : ITorchModel, IEmbeddingModel
{
    private readonly BrainMAENet net;

    /// <summary>The registry row: reference config = the pretraining network (embedding head).</summary>
    public static ModelEntry Entry { get; } = new(
        BrainMAEConfig.Name,
        "BrainMAE-style region-aware masked autoencoder on ROI time series (after Yang et al. 2024), masked-segment pretraining",
        typeof(BrainMAEConfig),
        BrainMAEConfig.Reference,
        config => Create(Of(config)),
        (config, path) => Load(Of(config), path));

    private static BrainMAEConfig Of(ModelConfig config) => config as BrainMAEConfig
        ?? throw new ArgumentException($"brainmae needs a {nameof(BrainMAEConfig)}, got {config?.GetType().Name ?? "null"}");

    private BrainMAEModel(BrainMAEConfig config)
    {
        Config = config;
        net = new BrainMAENet(config);
        net.eval();
    }

    /// <summary>A freshly initialised model (seed with <c>torch.manual_seed</c> first for reproducible weights).</summary>
    public static BrainMAEModel Create(BrainMAEConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        TorchRuntime.EnsureLoaded();
        return Build(config);
    }

    /// <summary>A model with every weight from <paramref name="path"/> (strict: the same tensors and shapes).</summary>
    public static BrainMAEModel Load(BrainMAEConfig config, string path)
    {
        var model = Create(config);
        try
        {
            var (tensors, metadata) = ReadCheckpoint(path);
            StrictStateDict.Load(model.net, tensors, Describe(path, metadata, "a BrainMAE with this config"));
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
    private static BrainMAEModel Build(BrainMAEConfig config) => new(config);

    public BrainMAEConfig Config { get; }

    ModelConfig IDecoderModel.Config => Config;

    public nn.Module<Tensor, Tensor> Module => net;

    public BrainMAENet Net => net;

    public long ParameterCount => StrictStateDict.Count(net);

    public void Train() => net.train();

    public void Eval() => net.eval();

    public int EmbeddingSize => Config.DModel;

    /// <summary>Outputs (batch x n_outputs, row-major) in evaluation mode without gradients.</summary>
    public float[] Forward(ReadOnlySpan<float> windows, int batch) => Evaluate(windows, batch, net.forward);

    /// <summary>Pooled embeddings (batch x d_model, row-major) in evaluation mode without gradients.</summary>
    public float[] Embed(ReadOnlySpan<float> windows, int batch) => Evaluate(windows, batch, net.Embed);

    private float[] Evaluate(ReadOnlySpan<float> windows, int batch, Func<Tensor, Tensor> run)
    {
        long expected = (long)batch * Config.NChans * Config.NTimes;
        if (batch < 0 || windows.Length != expected)
            throw new ArgumentException(
                $"windows hold {windows.Length} values; batch {batch} x n_chans {Config.NChans} x n_times {Config.NTimes} needs {expected}");
        if (batch == 0) return [];
        bool wasTraining = net.training;
        net.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var x = tensor(windows.ToArray(), [batch, Config.NChans, Config.NTimes], dtype: ScalarType.Float32);
            return run(x).contiguous().data<float>().ToArray();
        }
        finally
        {
            net.train(wasTraining);
        }
    }

    /// <summary>Every tensor of the state dict (safetensors, float32), the config and the model name in the metadata.</summary>
    public void Save(string path)
    {
        var metadata = new Dictionary<string, string>
        {
            ["model"] = BrainMAEConfig.Name,
            ["config"] = Config.ToJson(),
            ["format"] = "pt",
        };
        SafeTensorsFile.Write(path, StrictStateDict.Export(net), metadata);
    }

    /// <summary>
    /// Starts from a pretrained (or fine-tuned) encoder: takes the encoder tensors of either head's checkpoint and
    /// leaves this model's decoder or head as it is (the checkpoint's <c>decoder.*</c> and <c>head.*</c> are dropped).
    /// Strict on the encoder: a missing, unexpected or mis-shaped encoder tensor (other regions, segments or sizes)
    /// is an error naming it, and nothing is changed.
    /// </summary>
    public void LoadEncoder(string path)
    {
        var (tensors, metadata) = ReadCheckpoint(path);
        StrictStateDict.Load(net, tensors, Describe(path, metadata, "a BrainMAE encoder with this config"),
            rename: name => BrainMAENet.IsEncoderTensor(name) ? name : null,
            required: BrainMAENet.IsEncoderTensor);
    }

    private static (IReadOnlyList<NamedTensor>, IReadOnlyDictionary<string, string>) ReadCheckpoint(string path)
    {
        try
        {
            return SafeTensorsFile.Read(path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"checkpoint {path} is not a BrainMAE checkpoint: {e.Message}", e);
        }
    }

    private static string Describe(string path, IReadOnlyDictionary<string, string> metadata, string what) =>
        metadata.TryGetValue("model", out var m) && m != BrainMAEConfig.Name
            ? $"checkpoint {path} (saved by model '{m}') is not {what}"
            : $"checkpoint {path} is not {what}";

    public void Dispose() => net.Dispose();
}
