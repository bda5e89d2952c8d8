using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Neurodecode.Models.Baselines;
using Neurodecode.Models.Native;
using Neurodecode.Models.Registry;
using Neurodecode.Models.Training;
using Neurodecode.Pipeline.Worker.Commands;
using Neurodecode.Ingest.Signals;
using Neurodecode.Preprocess.Steps;
using Neurodecode.Preprocess.Windows;

namespace Neurodecode.Pipeline.Worker.Batch;

/// <summary>
/// <c>neurodecode train</c>: windows from the configured recordings, a deterministic subject-wise split, the model from
/// the registry, training with model selection on validation and one scoring of the test subjects, and a model folder
/// holding everything needed to decode new data: weights, config.json (model config, classes, the training config),
/// pipeline.json (the preprocess spec), split.json and metrics.json (validation, test, learning curves).
/// </summary>
public sealed class TrainJob(PreprocessJob preprocess, ILogger<TrainJob> logger)
{
    public const string WeightsFile = "model.bin";

    public sealed record Outcome(string ModelDir, TrainingResult Result, SubjectSplit Split, int NTrain, int NVal, int NTest);

    public async Task<Outcome> RunAsync(string configPath, string modelDir, IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        var config = TrainConfig.Load(configPath);
        string configDir = Path.GetDirectoryName(Path.GetFullPath(configPath))!;
        var entry = Lookup(config.Model.Name);
        var spec = PipelineSpec.Load(Path.Combine(configDir, config.Data.Pipeline));
        var files = config.Data.ResolveFiles(configDir);

        var windowed = await preprocess.WindowAsync(spec, files, jobs: 2, ct);
        var (data, classes) = Dataset(windowed.Sets, spec, config.Data.Classes);
        var split = config.Split.Resolve(data.Windows.Select(w => w.Subject ?? "").Distinct());
        var idx = split.Assign(data.Windows);
        var training = new TrainingData(data.Subset(idx.Train), data.Subset(idx.Val), idx.Test.Length > 0 ? data.Subset(idx.Test) : null, classes);
        logger.LogInformation("{Train}/{Val}/{Test} windows for subjects {Subjects}", idx.Train.Length, idx.Val.Length, idx.Test.Length, split.ToJson());

        var modelConfig = ModelConfigFor(entry, config.Model.Config, data, classes.Count, windowed.Resolved[0].Output.Sfreq);
        var options = config.Trainer ?? new TrainerOptions();
        TrainingResult result;
        using (var model = entry.Create(modelConfig))
        {
            result = model switch
            {
                ITorchModel torchModel => TrainTorch(torchModel, config.Model, configDir, training, options, progress, ct),
                CspLdaModel csp => FitCspLda(csp, training),
                _ => throw new UsageException($"model '{entry.Name}' has no training path"),
            };
            await WriteModelDirAsync(modelDir, model, modelConfig, config, spec, windowed.Resolved[0].Input, classes, split, result, ct);
        }
        return new Outcome(modelDir, result, split, idx.Train.Length, idx.Val.Length, idx.Test.Length);
    }

    private static ModelEntry Lookup(string name)
    {
        try { return ModelRegistry.Get(name); }
        catch (ArgumentException e) { throw new UsageException("model.name: " + e.Message); }
    }

    /// <summary>All windows as one dataset, keeping only <paramref name="keep"/> classes (renumbered in that order).</summary>
    private static (WindowDataset, IReadOnlyList<string>) Dataset(IReadOnlyList<WindowSet> sets, PipelineSpec spec, IReadOnlyList<string>? keep)
    {
        var all = WindowDataset.Concat(sets);
        var classes = spec.Epochs?.Classes ?? throw new UsageException("training needs a pipeline with epochs (labelled windows)");
        if (keep is null)
            return (all, classes);
        var unknown = keep.Where(k => !classes.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new UsageException($"data.classes: {string.Join(", ", unknown.Select(u => $"'{u}'"))} not in the pipeline's classes ({string.Join(", ", classes)})");
        var map = classes.Select(c => keep.ToList().IndexOf(c)).ToArray();
        var indices = Enumerable.Range(0, all.Count).Where(i => map[all.Y[i]] >= 0).ToArray();
        var subset = all.Subset(indices);
        var y = subset.Y.Select(v => (long)map[v]).ToArray();
        return (new WindowDataset(subset.X, y, subset.NChans, subset.NTimes,
            subset.Windows.Select((w, i) => w with { ClassId = y[i], Label = keep[(int)y[i]] }).ToList()), keep);
    }

    /// <summary>The reference config, overridden by the config file's keys, sized to the data.</summary>
    private static ModelConfig ModelConfigFor(ModelEntry entry, JsonObject? overrides, WindowDataset data, int nClasses, double sfreq)
    {
        var reference = entry.ReferenceConfig();
        var node = JsonSerializer.SerializeToNode(reference, entry.ConfigType, PipelineJson.Options)!.AsObject();
        foreach (var (key, value) in overrides ?? [])
            node[key] = value?.DeepClone();
        node["n_chans"] = data.NChans;
        node["n_times"] = data.NTimes;
        node["n_outputs"] = nClasses;
        node["sfreq"] = sfreq;
        try
        {
            var config = (ModelConfig)node.Deserialize(entry.ConfigType, PipelineJson.Options)!;
            config.Validate();
            return config;
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new UsageException($"model.config ({entry.Name}): {e.Message.Split('\n')[0]}");
        }
    }

    private static TrainingResult TrainTorch(ITorchModel model, TrainModel spec, string configDir, TrainingData data,
        TrainerOptions options, IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        TorchRuntime.EnsureLoaded();
        var cbramod = model as Neurodecode.Models.Encoders.CBraMod.CBraModModel;
        if ((spec.Pretrained is not null || spec.HeadLr is not null) && cbramod is null)
            throw new UsageException($"model.pretrained and model.head_lr apply to cbramod only, not '{spec.Name}'");
        if (spec.Pretrained is { } pretrained)
            cbramod!.LoadBackbone(Path.GetFullPath(Path.Combine(configDir, pretrained)));
        var groups = spec.HeadLr is { } headLr
            ? ParameterGroup.BackboneAndHead(model.Module, Neurodecode.Models.Encoders.CBraMod.CBraModModel.IsHeadParameter, options.Lr, headLr)
            : null;
        return new Trainer(options).Fit(model.Module, data, groups, progress, ct);
    }

    /// <summary>CSP + LDA has no epochs: fit on the training windows, report validation and test once.</summary>
    private static TrainingResult FitCspLda(CspLdaModel model, TrainingData data)
    {
        var clock = Stopwatch.StartNew();
        model.Fit(data.Train.X, data.Train.Y);
        double seconds = clock.Elapsed.TotalSeconds;
        ClassificationMetrics Score(WindowDataset set)
        {
            var p = model.PredictProba(set.X, set.Count);
            int k = data.NClasses;
            var probs = new double[set.Count, k];
            var predicted = new long[set.Count];
            for (int i = 0; i < set.Count; i++)
            {
                for (int c = 0; c < k; c++) probs[i, c] = p[i * k + c];
                predicted[i] = Enumerable.Range(0, k).MaxBy(c => probs[i, c]);
            }
            return Metrics.Compute(set.Y, predicted, probs, k, data.ClassNames);
        }
        var val = Score(data.Val);
        return new TrainingResult(Metrics.SelectionMetricName(data.NClasses), 0, val.SelectionScore, val,
            data.Test is { } test ? Score(test) : null, [], 0, 0, seconds, data.Train.Count / Math.Max(seconds, 1e-9));
    }

    private static async Task WriteModelDirAsync(string dir, IDecoderModel model, ModelConfig modelConfig, TrainConfig config,
        PipelineSpec spec, SignalInfo input, IReadOnlyList<string> classes, SubjectSplit split, TrainingResult result, CancellationToken ct)
    {
        var configJson = new JsonObject
        {
            ["model"] = modelConfig.Model,
            ["model_config"] = JsonSerializer.SerializeToNode(modelConfig, modelConfig.GetType(), PipelineJson.Options),
            ["classes"] = new JsonArray(classes.Select(c => (JsonNode)c).ToArray()),
            ["weights"] = WeightsFile,
            // What the pipeline was fed: a live stream must bring these channels (serve matches them by name).
            ["input_channels"] = new JsonArray(input.Channels.Select(c => (JsonNode)new JsonObject
                { ["name"] = c.Name, ["kind"] = c.Kind.MneName(), ["unit"] = c.Unit }).ToArray()),
            ["input_sfreq"] = input.Sfreq,
            ["training"] = JsonSerializer.SerializeToNode(config, PipelineJson.Options),
        };
        await OutputFolder.WriteAsync(dir, async temp =>
        {
            model.Save(Path.Combine(temp, WeightsFile));
            await File.WriteAllTextAsync(Path.Combine(temp, "config.json"), configJson.ToJsonString(PipelineJson.Options) + "\n", ct);
            await File.WriteAllTextAsync(Path.Combine(temp, "pipeline.json"), spec.ToJson() + "\n", ct);
            await File.WriteAllTextAsync(Path.Combine(temp, "split.json"), split.ToJson() + "\n", ct);
            await File.WriteAllTextAsync(Path.Combine(temp, "metrics.json"), result.ToJson() + "\n", ct);
        });
    }
}
