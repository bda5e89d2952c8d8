using Neurodecode.Models.Native;
using Neurodecode.Models.Registry;
using TorchSharp;
using static TorchSharp.torch;

namespace Neurodecode.Models.Encoders.EEGNet;

/// <summary>
/// EEGNet behind the registry surface: <see cref="Module"/> for training loops, <see cref="Forward"/> for inference
/// (evaluation mode, no gradients), safetensors weights loaded strictly.
/// </summary>
public sealed class EEGNetModel : ITorchModel
{
    /// <summary>braindecode's state-dict names → ours: its max-norm parametrizations store the free tensor as
    /// <c>parametrizations.weight.original</c>, and checkpoints from before its final_layer refactor name the
    /// classifier at the top level (braindecode's own <c>mapping</c>).</summary>
    public static IReadOnlyDictionary<string, string> BraindecodeRenames { get; } = new Dictionary<string, string>
    {
        ["conv_spatial.parametrizations.weight.original"] = "conv_spatial.weight",
        ["final_layer.linearconstraint.parametrizations.weight.original"] = "final_layer.linearconstraint.weight",
        ["conv_classifier.weight"] = "final_layer.conv_classifier.weight",
        ["conv_classifier.bias"] = "final_layer.conv_classifier.bias",
    };

    /// <summary>The registry row: name "eegnet", reference config <see cref="EEGNetConfig.Reference"/> (3,732 parameters).</summary>
    public static ModelEntry Entry { get; } = new(
        EEGNetConfig.Name,
        "EEGNet-8,2 (Lawhern 2018) as braindecode's EEGNet: temporal conv, max-norm depthwise spatial conv, separable conv, conv head",
        typeof(EEGNetConfig),
        () => EEGNetConfig.Reference,
        config => new EEGNetModel(Expect(config)),
        (config, path) => Load(Expect(config), path));

    private static EEGNetConfig Expect(ModelConfig config) => config as EEGNetConfig
        ?? throw new ArgumentException($"model 'eegnet' needs an EEGNetConfig, got a {config.GetType().Name} (for '{config.Model}')");

    private readonly EEGNetModule _module;

    public EEGNetModel(EEGNetConfig config)
    {
        TorchRuntime.EnsureLoaded();
        _module = new EEGNetModule(config);
        _module.eval();
    }

    public EEGNetConfig Config => _module.Config;
    ModelConfig IDecoderModel.Config => Config;

    public nn.Module<Tensor, Tensor> Module => _module;

    /// <summary>The module's parameters (trainable weights, BatchNorm affine terms); BatchNorm running statistics are
    /// buffers and not counted, as braindecode and the paper count. Equals <see cref="EEGNetConfig.ParameterCount"/>.</summary>
    public long ParameterCount => _module.parameters().Sum(p => p.numel());

    public void Train() => _module.train();

    public void Eval() => _module.eval();

    /// <summary>The spatial filters as applied (after max-norm).</summary>
    public float[] EffectiveSpatialWeights()
    {
        using var _ = torch.no_grad();
        using var w = _module.EffectiveSpatialWeight();
        return w.data<float>().ToArray();
    }

    /// <summary>Logits (batch × n_outputs, row-major) in evaluation mode without gradients; the module's mode is
    /// restored afterwards.</summary>
    public float[] Forward(ReadOnlySpan<float> windows, int batch)
    {
        var c = Config;
        long expected = (long)batch * c.NChans * c.NTimes;
        if (batch < 1 || windows.Length != expected)
            throw new ArgumentException($"windows hold {windows.Length} values, expected batch ({batch}) x n_chans ({c.NChans}) x n_times ({c.NTimes}) = {expected}");
        bool wasTraining = _module.training;
        _module.eval();
        try
        {
            using var scope = torch.NewDisposeScope();
            using var _ = torch.no_grad();
            var x = torch.tensor(windows.ToArray(), new long[] { batch, c.NChans, c.NTimes });
            return _module.forward(x).data<float>().ToArray();
        }
        finally
        {
            if (wasTraining) _module.train();
        }
    }

    public void Save(string path) => SafeTensorsCheckpoint.Save(_module, path, EEGNetConfig.Name, Config.ToJson());

    /// <summary>Builds the model for <paramref name="config"/> and loads <paramref name="path"/> strictly (braindecode
    /// names accepted through <see cref="BraindecodeRenames"/>); a checkpoint of another model, a missing, unexpected
    /// or mis-shaped tensor is an <see cref="InvalidDataException"/> naming each.</summary>
    public static EEGNetModel Load(EEGNetConfig config, string path)
    {
        var model = new EEGNetModel(config);
        try
        {
            SafeTensorsCheckpoint.Load(model._module, path, EEGNetConfig.Name, BraindecodeRenames);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }

    public void Dispose() => _module.Dispose();
}
