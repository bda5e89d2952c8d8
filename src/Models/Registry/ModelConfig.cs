using System.Text.Json;
using System.Text.Json.Serialization;
using Neurodecode.Preprocess.Steps;

namespace Neurodecode.Models.Registry;

/// <summary>
/// What every model's config starts with (braindecode's signal parameters): input channels, outputs (classes, or
/// the embedding size), samples per window and sampling rate. Each model's config record derives from this, adds its
/// own sizes, round-trips to JSON (snake_case, unknown keys refused) and checks itself in <see cref="Validate"/>.
/// </summary>
public abstract record ModelConfig(int NChans, int NOutputs, int NTimes, double Sfreq)
{
    /// <summary>The registry name of the model this config builds ("cbramod", "eegnet", "csp_lda" ...).</summary>
    [JsonIgnore]
    public abstract string Model { get; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first impossible value (e.g. "n_times (801) is not a
    /// multiple of patch_len (200)").</summary>
    public virtual void Validate()
    {
        if (NChans < 1) throw new ArgumentException($"n_chans ({NChans}) must be at least 1");
        if (NOutputs < 1) throw new ArgumentException($"n_outputs ({NOutputs}) must be at least 1");
        if (NTimes < 1) throw new ArgumentException($"n_times ({NTimes}) must be at least 1");
        if (!(Sfreq > 0)) throw new ArgumentException($"sfreq ({Sfreq}) must be positive");
    }

    /// <summary>The config as JSON (snake_case), with every key of the concrete model's record.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, GetType(), PipelineJson.Options);

    /// <summary>Reads a <typeparamref name="T"/> (snake_case keys, unknown keys refused) and validates it; errors are
    /// <see cref="ArgumentException"/>s starting with <paramref name="source"/> and naming the key or value.</summary>
    protected static T Parse<T>(string json, string source) where T : ModelConfig
    {
        T? config;
        try
        {
            config = JsonSerializer.Deserialize<T>(json, PipelineJson.Options);
        }
        catch (JsonException e)
        {
            string where = e.Path is { Length: > 0 } p ? $" at {p}" : "";
            throw new ArgumentException($"{source}{where}: {e.Message.Split('\n')[0].Trim()}", e);
        }
        if (config is null)
            throw new ArgumentException($"{source}: empty config");
        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{source}: {e.Message}", e);
        }
        return config;
    }
}

/// <summary>
/// A model that decodes windows (batch x channels x samples, float32): a TorchSharp module or a classical pipeline
/// such as CSP + LDA, behind one surface so training, evaluation and the registry test treat them alike.
/// </summary>
public interface IDecoderModel : IDisposable
{
    ModelConfig Config { get; }

    /// <summary>Trainable and fixed parameters (every tensor the model saves).</summary>
    long ParameterCount { get; }

    /// <summary>Outputs for a batch: (batch, n_outputs) logits or scores, row-major.</summary>
    float[] Forward(ReadOnlySpan<float> windows, int batch);

    /// <summary>Writes the weights; <see cref="ModelEntry.Load"/> reads them back strictly.</summary>
    void Save(string path);
}

/// <summary>One registry row: a name, what the model is, its reference configuration and how to build or load it.</summary>
public sealed record ModelEntry(
    string Name,
    string Summary,
    Type ConfigType,
    Func<ModelConfig> ReferenceConfig,
    Func<ModelConfig, IDecoderModel> Create,
    Func<ModelConfig, string, IDecoderModel> Load);
