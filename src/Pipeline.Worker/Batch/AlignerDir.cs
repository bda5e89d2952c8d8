using System.Text.Json;
using System.Text.Json.Nodes;
using Neurodecode.Ingest.Signals;
using Neurodecode.Ingest.Stimuli;
using Neurodecode.Models.Aligners;
using Neurodecode.Models.Baselines;
using Neurodecode.Models.Registry;
using Neurodecode.Pipeline.Worker.Commands;
using Neurodecode.Preprocess.Steps;

namespace Neurodecode.Pipeline.Worker.Batch;

/// <summary>
/// An aligner's model folder (<c>config.json</c> with <c>"task": "align"</c>) read back: the trained aligner, the
/// pipeline, the stimulus table (candidates and captions), the annotation prefix, k, the output rate and the channels
/// it was trained on.
/// </summary>
public sealed class AlignerDir(string path, TrainedAligner aligner, PipelineSpec pipeline, StimulusTable table, string annotationPrefix, int topK,
    double sfreq, string weightsSha256, IReadOnlyList<ChannelInfo> inputChannels) : IDisposable
{
    public string Path => path;
    public TrainedAligner Aligner => aligner;
    public IAlignerModel Model => aligner.Model;
    public PipelineSpec Pipeline => pipeline;
    public StimulusTable Table => table;
    public string AnnotationPrefix => annotationPrefix;
    public int TopK => topK;
    public double Sfreq => sfreq;
    public string WeightsSha256 => weightsSha256;
    public IReadOnlyList<ChannelInfo> InputChannels => inputChannels;

    public static bool IsAlignerDir(string dir)
    {
        string config = System.IO.Path.Combine(dir, "config.json");
        try { return File.Exists(config) && JsonNode.Parse(File.ReadAllText(config)) is JsonObject o && o["task"]?.GetValue<string>() == AlignJob.Task; }
        catch (Exception e) when (e is JsonException or IOException or InvalidOperationException) { return false; }
    }

    /// <summary>A recording must bring the channels the model was trained on, in any order (the pipeline picks them).</summary>
    public void CheckChannels(string file, SignalInfo input)
    {
        var have = input.Channels.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var missing = inputChannels.Where(c => !have.Contains(c.Name)).Select(c => c.Name).ToList();
        if (missing.Count > 0)
            throw new InvalidRecordingException(file, $"lacks {missing.Count} channel(s) the model was trained on ({string.Join(", ", missing.Take(8))})");
    }

    public static AlignerDir Open(string dir)
    {
        if (!IsAlignerDir(dir)) throw new UsageException($"{dir}: not an aligner's model folder (config.json without \"task\": \"align\")");
        IAlignerModel? model = null;
        try
        {
            var config = JsonNode.Parse(File.ReadAllText(System.IO.Path.Combine(dir, "config.json")))!.AsObject();
            string name = config["model"]!.GetValue<string>();
            string weights = System.IO.Path.Combine(dir, config["weights"]!.GetValue<string>());
            model = Load(name, config, weights);
            var scaler = config["channel_scaler"]?.Deserialize<ChannelScaler>(PipelineJson.Options);
            if (scaler is not null && scaler.NChans != model.NChans)
                throw new InvalidDataException($"channel_scaler has {scaler.NChans} channels, the model takes {model.NChans}");
            var subjects = config["subjects"]?.AsArray().Select(s => s!.GetValue<string>()).ToArray();
            var table = StimulusTable.Read(System.IO.Path.Combine(dir, config["stimuli"]!.GetValue<string>()));
            double sfreq = config["sfreq"]!.GetValue<double>();
            var channels = config["input_channels"]!.AsArray().Select(c => new ChannelInfo(c!["name"]!.GetValue<string>(),
                ChannelKinds.Parse(c["kind"]!.GetValue<string>()), c["unit"]!.GetValue<string>(), sfreq)).ToList();
            return new AlignerDir(dir, new TrainedAligner(model, scaler, subjects), PipelineSpec.Load(System.IO.Path.Combine(dir, "pipeline.json")), table,
                config["annotation_prefix"]!.GetValue<string>(), config["top_k"]!.GetValue<int>(), sfreq, FileSha256.Of(weights), channels);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or NullReferenceException or InvalidOperationException or IOException
                                      or ArgumentException or FormatException)
        {
            model?.Dispose();
            throw new UsageException($"{dir}: cannot load the aligner: {e.Message.Split('\n')[0]}");
        }
    }

    /// <summary>Ridge from its own file; a torch aligner from the registry, its config under <c>model_config</c>.</summary>
    private static IAlignerModel Load(string name, JsonObject config, string weights)
    {
        if (name == RidgeAligner.ModelName) return RidgeAligner.Load(weights);
        if (!AlignModel.TorchAligners.Contains(name))
            throw new InvalidDataException($"model '{name}' is not an aligner this build knows ({RidgeAligner.ModelName}, {string.Join(", ", AlignModel.TorchAligners)})");
        var entry = ModelRegistry.Get(name);
        var modelConfig = (ModelConfig)config["model_config"]!.Deserialize(entry.ConfigType, PipelineJson.Options)!;
        modelConfig.Validate();
        return (IAlignerModel)entry.Load(modelConfig, weights);
    }

    public void Dispose() => aligner.Dispose();
}
