using System.Text.Json;
using System.Text.Json.Nodes;
using Neurodecode.Ingest.Signals;
using Neurodecode.Models.Registry;
using Neurodecode.Pipeline.Worker.Commands;
using Neurodecode.Preprocess.Steps;

namespace Neurodecode.Pipeline.Worker.Batch;

/// <summary>
/// A trained model folder as <c>train</c> writes it, read back: the registry entry, its config, the classes, the
/// preprocess spec it was trained with, and the weights loaded strictly.
/// </summary>
public sealed class ModelDir : IDisposable
{
    private ModelDir(string path, IDecoderModel model, IReadOnlyList<string> classes, PipelineSpec pipeline, string weightsSha256,
        IReadOnlyList<ChannelInfo>? inputChannels, LabelsSpec? labels)
    {
        (Path, Model, Classes, Pipeline, WeightsSha256, InputChannels, Labels) = (path, model, classes, pipeline, weightsSha256, inputChannels, labels);
    }

    public string Path { get; }
    public IDecoderModel Model { get; }
    public IReadOnlyList<string> Classes { get; }
    public PipelineSpec Pipeline { get; }
    public string WeightsSha256 { get; }

    /// <summary>The channels the pipeline was fed in training (name, kind, unit); null for folders written before train
    /// recorded them.</summary>
    public IReadOnlyList<ChannelInfo>? InputChannels { get; }

    /// <summary>The recording-level labels the model was trained with (table path absolute), or null when its windows
    /// took their labels from events.</summary>
    public LabelsSpec? Labels { get; }

    public static ModelDir Open(string dir)
    {
        string configPath = System.IO.Path.Combine(dir, "config.json");
        if (!File.Exists(configPath))
            throw new UsageException($"{dir}: not a model folder (no config.json; `neurodecode train` writes one)");
        try
        {
            var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
            if (config["evaluation"] is { } evaluation)
                throw new UsageException($"{dir}: holds {evaluation} cross-validation results, not a model to decode with");
            var entry = ModelRegistry.Get(config["model"]!.GetValue<string>());
            var modelConfig = (ModelConfig)config["model_config"]!.Deserialize(entry.ConfigType, PipelineJson.Options)!;
            modelConfig.Validate();
            var classes = config["classes"]!.AsArray().Select(c => c!.GetValue<string>()).ToList();
            string weights = System.IO.Path.Combine(dir, config["weights"]!.GetValue<string>());
            var pipeline = PipelineSpec.Load(System.IO.Path.Combine(dir, "pipeline.json"));
            string sha = FileSha256.Of(weights);
            double inputSfreq = config["input_sfreq"]?.GetValue<double>() ?? 0;
            var inputChannels = config["input_channels"]?.AsArray().Select(c => new ChannelInfo(c!["name"]!.GetValue<string>(),
                ChannelKinds.Parse(c["kind"]!.GetValue<string>()), c["unit"]!.GetValue<string>(), inputSfreq)).ToList();
            var labels = config["labels"]?.Deserialize<LabelsSpec>(PipelineJson.Options);
            return new ModelDir(dir, entry.Load(modelConfig, weights), classes, pipeline, sha, inputChannels, labels);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or FormatException or InvalidDataException or NullReferenceException
                                      or InvalidOperationException or IOException)
        {
            throw new UsageException($"{dir}: cannot load the model: {e.Message.Split('\n')[0]}");
        }
    }

    /// <summary>
    /// Refuses a recording whose channels differ from those the model was trained on: a missing channel, or an
    /// extra one of a kind the model takes (it would enter the pipeline's pick by kind), named in one line. Folders
    /// written before <c>input_channels</c> existed are only checked by window shape.
    /// </summary>
    public void CheckChannels(string file, IReadOnlyList<ChannelInfo> channels)
    {
        if (InputChannels is null) return;
        var kinds = InputChannels.Select(c => c.Kind).ToHashSet();
        var trained = InputChannels.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var have = channels.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var missing = InputChannels.Where(c => !have.Contains(c.Name)).Select(c => c.Name).ToList();
        var extra = channels.Where(c => kinds.Contains(c.Kind) && !trained.Contains(c.Name)).Select(c => c.Name).ToList();
        if (missing.Count == 0 && extra.Count == 0) return;
        static string List(List<string> names) => string.Join(", ", names.Take(8)) + (names.Count > 8 ? $" and {names.Count - 8} more" : "");
        var parts = new List<string>();
        if (missing.Count > 0) parts.Add($"lacks {missing.Count} channel(s) the model was trained on ({List(missing)})");
        if (extra.Count > 0) parts.Add($"has {extra.Count} channel(s) the model was not trained on ({List(extra)})");
        throw new InvalidRecordingException(file, string.Join(" and ", parts));
    }

    public void Dispose() => Model.Dispose();
}
