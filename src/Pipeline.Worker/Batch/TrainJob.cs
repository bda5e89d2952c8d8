using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Neurodecode.Models.Baselines;
using Neurodecode.Models.Native;
using Neurodecode.Models.Registry;
using Neurodecode.Models.Training;
using Neurodecode.Pipeline.Worker.Commands;
using Neurodecode.Pipeline.Worker.Reports;
using Neurodecode.Ingest.Signals;
using Neurodecode.Preprocess.Steps;
using Neurodecode.Preprocess.Windows;

namespace Neurodecode.Pipeline.Worker.Batch;

/// <summary>
/// <c>neurodecode train</c>: windows from the configured recordings, a deterministic subject-wise split, the model from
/// the registry, training with model selection on validation and one scoring of the test subjects, and a model folder
/// holding everything needed to decode new data: weights, config.json (model config, classes, the training config),
/// pipeline.json (the preprocess spec), split.json, metrics.json (validation, test, learning curves), and the figures
/// learning_curves.png (models trained in epochs) and confusion_matrix.png (test windows, else validation).
/// </summary>
public sealed class TrainJob(PreprocessJob preprocess, ILogger<TrainJob> logger)
{
    public const string WeightsFile = "model.bin";

    /// <summary>What a run produced: a model with its subject-wise split and scores, or (within_subject) the folds'
    /// scores and no model. <see cref="Windows"/> holds the windows per split ("train", "val", "test"; "all" for
    /// within_subject) and <see cref="TestPredicted"/> the selected model's class ids for the test windows, so a
    /// report can count classes and score each test subject.</summary>
    public sealed record Outcome(string ModelDir, TrainingResult? Result, SubjectSplit? Split, int NTrain, int NVal, int NTest,
        CrossValidationResult? WithinSubject = null)
    {
        public IReadOnlyList<string> Files { get; init; } = [];
        public IReadOnlyList<string> Classes { get; init; } = [];
        public long ParameterCount { get; init; }
        public IReadOnlyDictionary<string, IReadOnlyList<WindowInfo>> Windows { get; init; } = new Dictionary<string, IReadOnlyList<WindowInfo>>();
        public long[]? TestPredicted { get; init; }
    }

    /// <param name="pretrained">Overrides the config's <c>model.pretrained</c> (relative to the working folder).</param>
    /// <param name="epochs">Overrides <c>trainer.epochs</c> (the run's config.json records the value used).</param>
    public async Task<Outcome> RunAsync(string configPath, string modelDir, IProgress<TrainingProgress>? progress, CancellationToken ct,
        string? pretrained = null, int? epochs = null)
    {
        var config = TrainConfig.Load(configPath);
        string configDir = Path.GetDirectoryName(Path.GetFullPath(configPath))!;
        if (pretrained is not null)
            config = config with { Model = config.Model with { Pretrained = Path.GetFullPath(pretrained) } };
        if (epochs is int n)
        {
            if (n < 1) throw new UsageException($"--epochs ({n}) must be at least 1");
            config = config with { Trainer = (config.Trainer ?? new TrainerOptions()) with { Epochs = n } };
        }
        var entry = Lookup(config.Model.Name);
        var spec = PipelineSpec.Load(Path.Combine(configDir, config.Data.Pipeline));
        var files = config.Data.ResolveFiles(configDir);

        var labels = config.Data.Labels?.Resolve(configDir);
        if (labels is not null)  // every recording listed, with a known class, before any is read
            RecordingLabels.Load(labels).CheckListed(files);
        var windowed = await preprocess.WindowAsync(spec, files, jobs: 2, ct);
        var (data, classes) = Dataset(windowed.Sets, spec, config.Data.Classes, labels);
        var modelConfig = ModelConfigFor(entry, config.Model.Config, data, classes.Count, windowed.Resolved[0].Output.Sfreq);
        var options = config.Trainer ?? new TrainerOptions();
        TorchRuntime.EnsureLoaded();
        if (config.WithinSubject is { } within)
            return await RunWithinSubjectAsync(within, entry, modelConfig, config, configDir, spec, data, classes, options, modelDir, ct) with { Files = files };

        SubjectSplit split;
        SplitIndices idx;
        try
        {
            split = config.Split!.Resolve(data.Windows.Select(w => w.Subject ?? "").Distinct());
            idx = split.Assign(data.Windows);
        }
        catch (ArgumentException e) { throw new UsageException("split: " + e.Message); }
        var training = new TrainingData(data.Subset(idx.Train), data.Subset(idx.Val), idx.Test.Length > 0 ? data.Subset(idx.Test) : null, classes);
        logger.LogInformation("{Train}/{Val}/{Test} windows for subjects {Subjects}", idx.Train.Length, idx.Val.Length, idx.Test.Length, split.ToJson());

        TrainingResult result;
        long parameters;
        long[]? testPredicted = null;
        using (var model = Create(entry, modelConfig, options))
        {
            result = Fit(model, entry, config.Model, configDir, training, options, progress, ct);
            parameters = model.ParameterCount;
            if (training.Test is { } test) testPredicted = Predict(model, test);
            await WriteModelDirAsync(modelDir, model, modelConfig, config, spec, windowed.Resolved[0].Input, classes, labels, split, result, ct);
        }
        return new Outcome(modelDir, result, split, idx.Train.Length, idx.Val.Length, idx.Test.Length)
        {
            Files = files, Classes = classes, ParameterCount = parameters, TestPredicted = testPredicted,
            Windows = new Dictionary<string, IReadOnlyList<WindowInfo>>
            {
                ["train"] = training.Train.Windows, ["val"] = training.Val.Windows, ["test"] = training.Test?.Windows ?? [],
            },
        };
    }

    /// <summary>The fitted model's class ids (argmax of its outputs) for every window.</summary>
    private static long[] Predict(IDecoderModel model, WindowDataset data)
    {
        const int batch = 64;
        int k = model.Config.NOutputs, size = data.NChans * data.NTimes;
        var predicted = new long[data.Count];
        for (int start = 0; start < data.Count; start += batch)
        {
            int b = Math.Min(batch, data.Count - start);
            var outputs = model.Forward(data.X.AsSpan(start * size, b * size), b);
            for (int i = 0; i < b; i++)
                predicted[start + i] = Enumerable.Range(0, k).MaxBy(c => outputs[i * k + c]);
        }
        return predicted;
    }

    /// <summary>A fresh model whose initial weights follow the trainer's seed, not the process's history.</summary>
    private static IDecoderModel Create(ModelEntry entry, ModelConfig modelConfig, TrainerOptions options)
    {
        TorchSharp.torch.manual_seed(options.Seed);
        return entry.Create(modelConfig);
    }

    private static TrainingResult Fit(IDecoderModel model, ModelEntry entry, TrainModel spec, string configDir, TrainingData data,
        TrainerOptions options, IProgress<TrainingProgress>? progress, CancellationToken ct) => model switch
        {
            ITorchModel torchModel => TrainTorch(torchModel, spec, configDir, data, options, progress, ct),
            IClassicalModel classical => FitClassical(classical, data),
            _ => throw new UsageException($"model '{entry.Name}' has no training path"),
        };

    /// <summary>
    /// MOABB's within-session evaluation: per subject (and session) stratified k-fold, a fresh model per fold (the
    /// same seed each time), each test fold scored once. Networks select their epoch on the next fold
    /// (<see cref="WithinSubjectKFold"/>); CSP + LDA fits on all other folds. Writes config.json, pipeline.json,
    /// folds.json, metrics.json and subject_accuracy.png — no weights: k·subjects models answer the question "how decodable is each
    /// subject", none of them is the model to deploy.
    /// </summary>
    private async Task<Outcome> RunWithinSubjectAsync(WithinSubjectSpec within, ModelEntry entry, ModelConfig modelConfig,
        TrainConfig config, string configDir, PipelineSpec spec, WindowDataset data, IReadOnlyList<string> classes,
        TrainerOptions options, string outDir, CancellationToken ct)
    {
        bool network;
        long parameters;
        using (var probe = entry.Create(modelConfig)) (network, parameters) = (probe is ITorchModel, probe.ParameterCount);
        IReadOnlyList<WithinSubjectFold> folds;
        try { folds = WithinSubjectKFold.Split(data.Windows, within.K, within.Seed, validationFold: network); }
        catch (ArgumentException e) { throw new UsageException("within_subject: " + e.Message); }

        var results = new List<FoldResult>(folds.Count);
        foreach (var fold in folds)
        {
            ct.ThrowIfCancellationRequested();
            // CSP + LDA needs no validation windows; it is scored on the test fold in their place.
            var test = data.Subset(fold.Test);
            var training = new TrainingData(data.Subset(fold.Train), network ? data.Subset(fold.Val) : test, test, classes);
            using var model = Create(entry, modelConfig, options);
            TrainingResult r;
            try { r = Fit(model, entry, config.Model, configDir, training, options, null, ct); }
            catch (ArgumentException e) { throw new UsageException($"subject {fold.Subject} fold {fold.Fold}: {e.Message}"); }
            results.Add(new FoldResult(fold.Subject, fold.Session, fold.Fold, fold.Train.Length, fold.Val.Length, fold.Test.Length,
                r.BestEpoch, r.Test!));
            logger.LogInformation("subject {Subject} fold {Fold}: balanced accuracy {BalancedAccuracy:0.0000} on {N} windows",
                fold.Subject, fold.Fold, r.Test!.BalancedAccuracy, fold.Test.Length);
        }
        var cv = CrossValidationResult.Summarise(within.K, within.Seed, results);
        var configJson = new JsonObject
        {
            ["model"] = modelConfig.Model,
            ["model_config"] = JsonSerializer.SerializeToNode(modelConfig, modelConfig.GetType(), PipelineJson.Options),
            ["classes"] = new JsonArray(classes.Select(c => (JsonNode)c).ToArray()),
            ["evaluation"] = cv.Evaluation,
            ["training"] = JsonSerializer.SerializeToNode(config, PipelineJson.Options),
        };
        await OutputFolder.WriteAsync(outDir, async temp =>
        {
            await File.WriteAllTextAsync(Path.Combine(temp, "config.json"), configJson.ToJsonString(PipelineJson.Options) + "\n", ct);
            await File.WriteAllTextAsync(Path.Combine(temp, "pipeline.json"), spec.ToJson() + "\n", ct);
            await File.WriteAllTextAsync(Path.Combine(temp, "folds.json"), WithinSubjectKFold.ToJson(folds) + "\n", ct);
            await File.WriteAllTextAsync(Path.Combine(temp, "metrics.json"), cv.ToJson() + "\n", ct);
            await File.WriteAllBytesAsync(Path.Combine(temp, "subject_accuracy.png"),
                Plots.SubjectAccuracy(cv.Subjects.Select(s => (s.Subject, s.BalancedAccuracy)).ToList(), chance: 1.0 / classes.Count), ct);
        });
        return new Outcome(outDir, null, null, 0, 0, results.Sum(r => r.NTest), cv)
        {
            Classes = classes, ParameterCount = parameters,
            Windows = new Dictionary<string, IReadOnlyList<WindowInfo>> { ["all"] = data.Windows },
        };
    }

    private static ModelEntry Lookup(string name)
    {
        try { return ModelRegistry.Get(name); }
        catch (ArgumentException e) { throw new UsageException("model.name: " + e.Message); }
    }

    /// <summary>All windows as one dataset, keeping only <paramref name="keep"/> classes (renumbered in that order);
    /// with <paramref name="labels"/>, each window labelled by its recording.</summary>
    private static (WindowDataset, IReadOnlyList<string>) Dataset(IReadOnlyList<WindowSet> sets, PipelineSpec spec, IReadOnlyList<string>? keep,
        LabelsSpec? labels)
    {
        if (sets.Sum(s => s.Count) == 0)
            throw new UsageException("the pipeline cut no windows from any recording");
        var all = WindowDataset.Concat(sets.Where(s => s.Count > 0).ToList());
        if (labels is not null)
        {
            if (spec.Windows is null)
                throw new UsageException("data.labels: needs a pipeline with sliding 'windows' (epochs take their labels from events)");
            var table = RecordingLabels.Load(labels);
            var notLabels = keep?.Where(k => !table.Classes.Contains(k)).ToList() ?? [];
            if (notLabels.Count > 0)
                throw new UsageException($"data.classes: {string.Join(", ", notLabels.Select(u => $"'{u}'"))} not among the labels' classes ({string.Join(", ", table.Classes)})");
            var order = keep ?? table.Classes;
            return (table.Apply(all, order), order);
        }
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

    /// <summary>The reference config, overridden by the config file's keys, sized to the data (and to the classes when
    /// <paramref name="nOutputs"/> is given; an embedding keeps its own width).</summary>
    internal static ModelConfig ModelConfigFor(ModelEntry entry, JsonObject? overrides, WindowDataset data, int? nOutputs, double sfreq)
    {
        var reference = entry.ReferenceConfig();
        var node = JsonSerializer.SerializeToNode(reference, entry.ConfigType, PipelineJson.Options)!.AsObject();
        foreach (var (key, value) in overrides ?? [])
            node[key] = value?.DeepClone();
        node["n_chans"] = data.NChans;
        node["n_times"] = data.NTimes;
        if (nOutputs is int n) node["n_outputs"] = n;
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
        // Models with a pretraining checkpoint to start from, and which of their tensors form the head.
        (Action<string> load, Func<string, bool> isHead)? pretrainable = model switch
        {
            Neurodecode.Models.Encoders.CBraMod.CBraModModel c => (c.LoadBackbone, Neurodecode.Models.Encoders.CBraMod.CBraModModel.IsHeadParameter),
            Neurodecode.Models.Encoders.BrainMAE.BrainMAEModel b => (b.LoadEncoder, name => !Neurodecode.Models.Encoders.BrainMAE.BrainMAENet.IsEncoderTensor(name)),
            _ => null,
        };
        if ((spec.Pretrained is not null || spec.HeadLr is not null) && pretrainable is null)
            throw new UsageException($"model.pretrained and model.head_lr apply to cbramod and brainmae only, not '{spec.Name}'");
        if (spec.Pretrained is { } pretrained)
        {
            // A pretraining folder (what `neurodecode pretrain` writes) or a checkpoint file.
            string path = Path.GetFullPath(Path.Combine(configDir, pretrained));
            if (Directory.Exists(path)) path = Path.Combine(path, WeightsFile);
            if (!File.Exists(path)) throw new UsageException($"model.pretrained: {pretrained}: no such checkpoint (looked for {path})");
            try { pretrainable!.Value.load(path); }
            catch (InvalidDataException e) { throw new UsageException($"model.pretrained: {path}: {e.Message.Split('\n')[0]}"); }
        }
        var groups = spec.HeadLr is { } headLr
            ? ParameterGroup.BackboneAndHead(model.Module, pretrainable!.Value.isHead, options.Lr, headLr)
            : null;
        return new Trainer(options).Fit(model.Module, data, groups, progress, ct);
    }

    /// <summary>Classical models (CSP + LDA, connectivity) have no epochs: fit on the training windows, report
    /// validation and test once.</summary>
    private static TrainingResult FitClassical(IClassicalModel model, TrainingData data)
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
        PipelineSpec spec, SignalInfo input, IReadOnlyList<string> classes, LabelsSpec? labels, SubjectSplit split, TrainingResult result,
        CancellationToken ct)
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
        if (labels is not null)  // evaluate labels new recordings from the same table (its absolute path)
            configJson["labels"] = JsonSerializer.SerializeToNode(labels, PipelineJson.Options);
        await OutputFolder.WriteAsync(dir, async temp =>
        {
            model.Save(Path.Combine(temp, WeightsFile));
            await File.WriteAllTextAsync(Path.Combine(temp, "config.json"), configJson.ToJsonString(PipelineJson.Options) + "\n", ct);
            await File.WriteAllTextAsync(Path.Combine(temp, "pipeline.json"), spec.ToJson() + "\n", ct);
            await File.WriteAllTextAsync(Path.Combine(temp, "split.json"), split.ToJson() + "\n", ct);
            await File.WriteAllTextAsync(Path.Combine(temp, "metrics.json"), result.ToJson() + "\n", ct);
            if (result.Curves.Count > 0)  // CSP + LDA is fitted once: no epochs, no curves to draw
                await File.WriteAllBytesAsync(Path.Combine(temp, "learning_curves.png"),
                    Plots.LearningCurves(result.Curves, result.BestEpoch, result.SelectionMetric), ct);
            var (scored, name) = result.Test is { } test ? (test, "test") : (result.Val, "validation");
            await File.WriteAllBytesAsync(Path.Combine(temp, "confusion_matrix.png"), Plots.ConfusionMatrix(scored, name), ct);
        });
    }
}
