using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Signals;
using Neurodecode.Ingest.Stimuli;
using Neurodecode.Models.Aligners;
using Neurodecode.Models.Baselines;
using Neurodecode.Models.Native;
using Neurodecode.Models.Registry;
using Neurodecode.Models.Training;
using Neurodecode.Pipeline.Worker.Commands;
using Neurodecode.Preprocess.Steps;
using Neurodecode.Preprocess.Windows;
using Parquet;
using Parquet.Schema;
using TorchSharp;

namespace Neurodecode.Pipeline.Worker.Batch;

/// <summary>
/// Aligners through <c>train</c>, <c>evaluate</c> and <c>decode</c>: windows cut around the <c>stimulus/&lt;id&gt;</c>
/// annotations, each trial's target the stimulus table's embedding, an <see cref="IAlignerModel"/> fitted to map
/// windows to embeddings, and retrieval among candidate stimuli by cosine similarity. A model folder holds
/// <c>model.bin</c>, <c>config.json</c> (<c>"task": "align"</c>), <c>pipeline.json</c>, <c>stimuli.parquet</c> (a copy
/// of the table: the candidates and captions decode uses) and <c>metrics.json</c>.
/// </summary>
public sealed class AlignJob(PreprocessJob preprocess, ILogger<AlignJob> logger)
{
    public const string Task = "align", WeightsFile = "model.bin", StimuliFile = "stimuli.parquet";

    /// <summary>Windows with the stimulus each one shows (null for windows without one: sliding decode).</summary>
    private sealed record Trials(WindowDataset Data, string?[] StimulusIds, double Sfreq, SignalInfo Input);

    /// <summary>What training gave: the aligner, its config.json and metrics.json entries, and one line saying how it
    /// was fitted.</summary>
    private sealed record Fitted(TrainedAligner Aligner, JsonObject Config, JsonObject Metrics, string Summary);

    public sealed record TrainOutcome(string ModelDir, string ModelName, long Parameters, string Summary, int NTrain, int NTrainStimuli,
        RetrievalMetrics? Test, int NTest);

    /// <summary><c>train</c>: the config at <paramref name="configPath"/>, with <c>--epochs</c> overriding
    /// trainer.epochs and <c>--pretrained</c> naming a trained torch aligner to add the recordings' new subject to.</summary>
    public Task<TrainOutcome> TrainAsync(string configPath, string modelDir, string? pretrained, int? epochs, CancellationToken ct)
    {
        var config = AlignConfig.Load(configPath);
        if (config.Model.IsRidge && (pretrained is not null || epochs is not null))
            throw new UsageException("--pretrained and --epochs are for torch aligners; ridge is fitted in closed form");
        if (epochs is int n)
        {
            if (n < 1) throw new UsageException($"--epochs {n}: must be at least 1");
            config = config with { Model = config.Model with { Trainer = (config.Model.Trainer ?? new AlignerTrainerOptions()) with { Epochs = n } } };
        }
        return TrainAsync(config, configPath, modelDir, pretrained, ct);
    }

    /// <summary>Trains <paramref name="config"/> (read from <paramref name="configPath"/>, whose folder its paths are
    /// relative to) into <paramref name="modelDir"/>, grown from <paramref name="pretrained"/> when given; <c>bench</c>
    /// passes the config with the ridge baseline's model.</summary>
    public async Task<TrainOutcome> TrainAsync(AlignConfig config, string configPath, string modelDir, string? pretrained, CancellationToken ct)
    {
        string configDir = Path.GetDirectoryName(Path.GetFullPath(configPath))!;
        var spec = AlignerSpec(PipelineSpec.Load(Path.Combine(configDir, config.Data.Pipeline)), config.Data.Pipeline);
        string tablePath = Path.GetFullPath(Path.Combine(configDir, config.Stimuli.Table));
        if (!File.Exists(tablePath)) throw new UsageException($"stimuli.table: {config.Stimuli.Table}: no such file (looked for {tablePath})");
        var table = StimulusTable.Read(tablePath);
        var files = new TrainData(config.Data.Pipeline, config.Data.Files).ResolveFiles(configDir);
        var testFiles = config.Data.TestFiles is { } t ? new TrainData(config.Data.Pipeline, t).ResolveFiles(configDir) : [];

        var train = await TrialsAsync(spec, files, config.Stimuli.AnnotationPrefix, table, tablePath, ct);
        int nStimuli = train.StimulusIds.Distinct().Count();
        if (train.Data.Count < 2) throw new UsageException($"data.files: {train.Data.Count} trial window(s); an aligner needs at least 2");
        var clock = Stopwatch.StartNew();
        var fitted = config.Model.IsRidge ? FitRidge(config.Model, train, table) : FitTorch(config, train, table, pretrained, ct);
        using var aligner = fitted.Aligner;
        logger.LogInformation("{Summary} on {N} windows of {C} x {T} in {Seconds:0.0} s", fitted.Summary, train.Data.Count, train.Data.NChans,
            train.Data.NTimes, clock.Elapsed.TotalSeconds);

        RetrievalMetrics? test = null;
        int nTest = 0;
        if (testFiles.Count > 0)
        {
            var held = await TrialsAsync(spec, testFiles, config.Stimuli.AnnotationPrefix, table, tablePath, ct);
            CheckShape(held.Data, aligner.Model, "data.test_files");
            test = Score(aligner, held, table, config.Stimuli.TopK).Metrics;
            nTest = held.Data.Count;
        }

        var metrics = fitted.Metrics;
        metrics["n_train_windows"] = train.Data.Count;
        metrics["n_train_stimuli"] = nStimuli;
        metrics["test"] = test is null ? null : RetrievalJson(test);
        var configJson = new JsonObject
        {
            ["task"] = Task,
            ["model"] = aligner.Model.Name,
            ["weights"] = WeightsFile,
            ["n_chans"] = aligner.Model.NChans,
            ["n_times"] = aligner.Model.NTimes,
            ["sfreq"] = train.Sfreq,
            ["embedding_dim"] = aligner.Model.EmbeddingDim,
        };
        foreach (var (key, value) in fitted.Config) configJson[key] = value?.DeepClone();
        configJson["stimuli"] = StimuliFile;
        configJson["stimuli_source"] = tablePath;
        configJson["stimuli_sha256"] = FileSha256.Of(tablePath);
        configJson["annotation_prefix"] = config.Stimuli.AnnotationPrefix;
        configJson["top_k"] = config.Stimuli.TopK;
        configJson["input_channels"] = new JsonArray(train.Input.Channels.Select(c => (JsonNode)new JsonObject
            { ["name"] = c.Name, ["kind"] = c.Kind.MneName(), ["unit"] = c.Unit }).ToArray());
        configJson["training"] = JsonSerializer.SerializeToNode(config, PipelineJson.Options);
        await OutputFolder.WriteAsync(modelDir, async temp =>
        {
            aligner.Model.Save(Path.Combine(temp, WeightsFile));
            File.Copy(tablePath, Path.Combine(temp, StimuliFile));
            await File.WriteAllTextAsync(Path.Combine(temp, "config.json"), configJson.ToJsonString(PipelineJson.Options) + "\n", ct);
            await File.WriteAllTextAsync(Path.Combine(temp, "pipeline.json"), spec.ToJson() + "\n", ct);
            await File.WriteAllTextAsync(Path.Combine(temp, "metrics.json"), metrics.ToJsonString(PipelineJson.Options) + "\n", ct);
        });
        return new TrainOutcome(modelDir, aligner.Model.Name, aligner.Model.ParameterCount, fitted.Summary, train.Data.Count, nStimuli, test, nTest);
    }

    private static Fitted FitRidge(AlignModel spec, Trials train, StimulusTable table)
    {
        var targets = train.StimulusIds.SelectMany(id => table.Embeddings[table.IndexOf(id!)]).ToArray();
        var options = new RidgeAlignerOptions(spec.Standardize, spec.Alphas);
        RidgeAligner model;
        try { model = RidgeAligner.Train(train.Data.X, train.Data.NChans, train.Data.NTimes, targets, table.Dim, options); }
        catch (ArgumentException e) { throw new UsageException("model: " + e.Message); }
        var metrics = new JsonObject
        {
            ["model"] = model.Name,
            ["alpha"] = model.Alpha,
            ["alphas"] = new JsonArray(options.AlphaGrid.Select(a => (JsonNode)a).ToArray()),
            ["loo_neg_mse"] = new JsonArray(model.Fit!.AlphaScores.Select(s => (JsonNode)s).ToArray()),
        };
        var config = new JsonObject { ["standardize"] = model.Standardize, ["alpha"] = model.Alpha };
        return new Fitted(new TrainedAligner(model, null, null), config, metrics,
            string.Create(CultureInfo.InvariantCulture, $"ridge: alpha {model.Alpha:G4} by leave-one-out CV"));
    }

    /// <summary>
    /// A torch aligner: <c>model.val_stimuli</c> training stimuli (seeded) are held out and their trials select the
    /// epoch by retrieval among themselves (zero-shot, as the test); the rest train it. Windows are scaled per channel
    /// with the training windows' statistics; subjects are the training recordings' (or one shared layer). With
    /// <paramref name="pretrained"/>, the trained aligner there is grown by the recordings' new subject instead
    /// (<see cref="GrowByOneSubject"/>).
    /// </summary>
    private Fitted FitTorch(AlignConfig config, Trials train, StimulusTable table, string? pretrained, CancellationToken ct)
    {
        var spec = config.Model;
        var options = spec.Trainer ?? new AlignerTrainerOptions();
        var stimuli = train.StimulusIds.Distinct().Order(StringComparer.Ordinal).ToArray();
        if (spec.ValStimuli > stimuli.Length - 2)
            throw new UsageException($"model.val_stimuli ({spec.ValStimuli}) leaves fewer than 2 of the {stimuli.Length} training stimuli to train on");
        var order = new SplitMix64(SplitMix64.Derive(options.Seed, 0)).Permutation(stimuli.Length);
        var valStimuli = order.Take(spec.ValStimuli).Select(i => stimuli[i]).ToHashSet(StringComparer.Ordinal);
        var isVal = train.StimulusIds.Select(id => valStimuli.Contains(id!)).ToArray();
        var trainIdx = Enumerable.Range(0, train.Data.Count).Where(i => !isVal[i]).ToArray();
        var valIdx = Enumerable.Range(0, train.Data.Count).Where(i => isVal[i]).ToArray();

        string[]? subjects = null;
        if (spec.SubjectLayers)
        {
            if (train.Data.Windows.FirstOrDefault(w => w.Subject is null) is { } unnamed)
                throw new UsageException($"{unnamed.File}: the file name gives no subject; set model.subject_layers false to share one layer");
            subjects = train.Data.Windows.Select(w => w.Subject!).Distinct().Order(StringComparer.Ordinal).ToArray();
        }
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(options.Seed);
        ITorchAligner model;
        ChannelScaler? scaler;
        (string From, string Subject, IReadOnlyList<ParameterGroup> Groups)? reset = null;
        if (pretrained is null)
        {
            var trainPart = train.Data.Subset(trainIdx);
            scaler = spec.Standardize ? ChannelScaler.Fit(trainPart.X, trainPart.NChans, trainPart.NTimes) : null;
            var overrides = spec.Config?.DeepClone().AsObject() ?? [];
            overrides["n_subjects"] = subjects?.Length ?? 1;
            var entry = ModelRegistry.Get(spec.Name);
            model = (ITorchAligner)entry.Create(TrainJob.ModelConfigFor(entry, overrides, train.Data, table.Dim, train.Sfreq));
        }
        else
        {
            (model, scaler, subjects, string subject) = GrowByOneSubject(pretrained, spec, train, table.Dim, subjects);
            reset = (Path.GetFullPath(pretrained), subject, model.ResetTuning(subjects.Length - 1, options.Lr));
        }
        var modelConfig = model.Config;
        var aligner = new TrainedAligner(model, scaler, subjects);
        try
        {
            AlignmentSet Set(int[] idx)
            {
                var part = train.Data.Subset(idx);
                var x = scaler?.Apply(part.X, part.NTimes) ?? part.X;
                var subjectIds = part.Windows.Select(w => subjects is null ? 0L : Array.IndexOf(subjects, w.Subject)).ToArray();
                var targets = idx.SelectMany(i => table.Embeddings[table.IndexOf(train.StimulusIds[i]!)]).ToArray();
                return new AlignmentSet(x, part.NChans, part.NTimes, subjectIds, targets, table.Dim);
            }
            var progress = new Progress<AlignerEpoch>(e => logger.LogInformation(
                "epoch {Epoch}: train loss {Train:0.0000}, validation loss {Val:0.0000}, top-1 {Top1:0.000}, top-k {TopK:0.000}, temperature {Temp:0.0000}, {Seconds:0.0} s{Best}",
                e.Epoch, e.TrainLoss, e.ValLoss, e.ValTop1, e.ValTopK, e.Temperature, e.Seconds, e.Improved ? " (best)" : ""));
            AlignerResult result;
            try { result = new AlignerTrainer(options).Fit(model, Set(trainIdx), Set(valIdx), reset?.Groups, progress, ct); }
            catch (ArgumentException e) { throw new UsageException($"model ({spec.Name}): {e.Message}"); }

            var metrics = new JsonObject
            {
                ["model"] = spec.Name,
                ["parameters"] = ((IAlignerModel)model).ParameterCount,
                ["best_epoch"] = result.BestEpoch,
                ["val_stimuli"] = new JsonArray(valStimuli.Order(StringComparer.Ordinal).Select(s => (JsonNode)s!).ToArray()),
                ["n_val_windows"] = valIdx.Length,
                ["val_chance"] = new JsonObject { ["top1"] = result.ChanceTop1, [$"top{result.TopK}"] = result.ChanceTopK },
                ["curves"] = JsonSerializer.SerializeToNode(result.Curves, PipelineJson.Options),
                ["reset_tuning"] = reset is { } r ? new JsonObject { ["from"] = r.From, ["subject"] = r.Subject } : null,
            };
            var configJson = new JsonObject
            {
                ["model_config"] = JsonSerializer.SerializeToNode(modelConfig, modelConfig.GetType(), PipelineJson.Options),
                ["subjects"] = subjects is null ? null : new JsonArray(subjects.Select(s => (JsonNode)s).ToArray()),
                ["channel_scaler"] = scaler is null ? null : JsonSerializer.SerializeToNode(scaler, PipelineJson.Options),
            };
            string how = reset is { } t ? $"{spec.Name} reset-tuned for subject '{t.Subject}' (its layer and the head) from {t.From}" : spec.Name;
            return new Fitted(aligner, configJson, metrics, string.Create(CultureInfo.InvariantCulture,
                $"{how}: epoch {result.BestEpoch} of {options.Epochs} by validation top-{result.TopK} {result.BestValTopK:0.000} among {valStimuli.Count} held-out training stimuli (chance {result.ChanceTopK:0.000})"));
        }
        catch
        {
            aligner.Dispose();
            throw;
        }
    }

    /// <summary>
    /// MindBridge's reset-tuning as a training run: the trained torch aligner in <paramref name="pretrained"/> grown by
    /// the one subject the training recordings bring that it has no layer for (every tensor copied); the caller trains
    /// only that layer and the head. The new layer starts as the mean of the trained subjects' layers, not at random as
    /// MindBridge's: with the few trials a new subject brings, random starts stayed near chance (generated data, 64
    /// trials: top-5 0.28 against 0.53). Windows go through the trained model's channel scaler, so the other subjects'
    /// inputs are unchanged.
    /// </summary>
    private static (ITorchAligner Model, ChannelScaler? Scaler, string[] Subjects, string Subject) GrowByOneSubject(
        string pretrained, AlignModel spec, Trials train, int dim, string[]? dataSubjects)
    {
        using var source = AlignerDir.Open(pretrained);
        if (source.Model is not AlignerModel trained || source.Aligner.Subjects is not { } known)
            throw new UsageException($"--pretrained {pretrained}: reset-tuning grows a torch aligner with subject layers; this {source.Model.Name} has none");
        if (source.Model.Name != spec.Name)
            throw new UsageException($"--pretrained {pretrained}: a {source.Model.Name}, the config trains {spec.Name}");
        if (dataSubjects is null)
            throw new UsageException("--pretrained: model.subject_layers is false; reset-tuning adds a subject layer");
        if (train.Data.NChans != trained.Config.NChans || train.Data.NTimes != trained.Config.NTimes || train.Sfreq != source.Sfreq || dim != trained.EmbeddingSize)
            throw new UsageException($"--pretrained {pretrained}: the model takes {trained.Config.NChans} x {trained.Config.NTimes} windows at {source.Sfreq} Hz " +
                $"into {trained.EmbeddingSize} values; the config gives {train.Data.NChans} x {train.Data.NTimes} at {train.Sfreq} Hz into {dim}");
        var fresh = dataSubjects.Where(s => !known.Contains(s)).ToList();
        if (fresh.Count != 1)
            throw new UsageException($"--pretrained {pretrained}: reset-tuning adds one subject at a time; the training recordings bring {fresh.Count} " +
                $"it has no layer for ({string.Join(", ", fresh.Take(8))}; it has {string.Join(", ", known.Take(8))})");
        var entry = ModelRegistry.Get(spec.Name);
        var overrides = JsonSerializer.SerializeToNode(trained.Config, entry.ConfigType, PipelineJson.Options)!.AsObject();
        overrides["n_subjects"] = known.Count + 1;
        var model = (AlignerModel)entry.Create(TrainJob.ModelConfigFor(entry, overrides, train.Data, dim, train.Sfreq));
        try { model.CopyFrom(trained); }
        catch (ArgumentException e)
        {
            model.Dispose();
            throw new UsageException($"--pretrained {pretrained}: {e.Message}");
        }
        using (torch.no_grad())
        {
            var state = model.Module.state_dict();
            using var mean = torch.stack(known.Select((_, i) => state[model.SubjectLayerName(i)]).ToArray()).mean([0]);
            state[model.SubjectLayerName(known.Count)].copy_(mean);
        }
        return (model, source.Aligner.Scaler, [.. known, fresh[0]], fresh[0]);
    }

    /// <summary>
    /// <c>evaluate</c>: retrieval among the stimuli the recordings show (each window against those N candidates);
    /// writes predictions.parquet (per window: the true stimulus, its rank and cosine, the top-k ids and scores) and
    /// metrics.json (the scores next to chance).
    /// </summary>
    public async Task<RetrievalMetrics> EvaluateAsync(string modelDir, IReadOnlyList<string> files, string outDir, CancellationToken ct)
    {
        using var dir = AlignerDir.Open(modelDir);
        var model = dir.Model;
        foreach (var file in files)
            using (var recording = SignalFormats.OpenRecording(file)) dir.CheckChannels(file, SignalInfo.Of(recording.Info));
        var trials = await TrialsAsync(dir.Pipeline, files, dir.AnnotationPrefix, dir.Table, Path.Combine(modelDir, StimuliFile), ct);
        CheckShape(trials.Data, model, "FILE");
        var (metrics, candidates, similarity, truth, ranks) = Score(dir.Aligner, trials, dir.Table, dir.TopK);
        await OutputFolder.WriteAsync(outDir, async temp =>
        {
            await WriteRowsAsync(Path.Combine(temp, "predictions.parquet"), trials, candidates, similarity, dir.TopK, model.Name, dir.WeightsSha256, truth, ranks, null, ct);
            var json = RetrievalJson(metrics);
            json["model"] = Path.GetFullPath(modelDir);
            json["weights_sha256"] = dir.WeightsSha256;
            json["candidates"] = new JsonArray(candidates.Ids.Select(i => (JsonNode)i).ToArray());
            json["files"] = new JsonArray(files.Select(f => (JsonNode)f).ToArray());
            await File.WriteAllTextAsync(Path.Combine(temp, "metrics.json"), json.ToJsonString(PipelineJson.Options) + "\n", ct);
        });
        return metrics;
    }

    public sealed record DecodeSummary(int Files, long Windows, double Seconds, double InferenceSeconds, int Candidates);

    /// <summary>
    /// <c>decode</c>: per recording <c>OUT/&lt;file name&gt;.parquet</c>, one row per window (the stimulus-annotated
    /// trials, or <paramref name="slidingHopS"/> sliding windows): the top-k candidate stimuli with their cosine
    /// scores, the best match's caption, and the predicted embedding. Candidates: the model's stimulus table, or
    /// <paramref name="candidatesPath"/>.
    /// </summary>
    public async Task<DecodeSummary> DecodeAsync(string modelDir, IReadOnlyList<string> files, string outDir, double? slidingHopS,
        string? candidatesPath, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var dir = AlignerDir.Open(modelDir);
        var model = dir.Model;
        var candidates = candidatesPath is null ? dir.Table : StimulusTable.Read(candidatesPath);
        if (candidates.Dim != model.EmbeddingDim)
            throw new UsageException($"--candidates {candidatesPath}: embeddings of {candidates.Dim} values, the model predicts {model.EmbeddingDim}");
        if (slidingHopS is { } hop && !(hop > 0)) throw new UsageException($"--sliding {hop}: the hop must be a positive number of seconds");
        string full = Path.GetFullPath(outDir);
        if (!Directory.Exists(Path.GetDirectoryName(full))) throw new UsageException($"{outDir}: parent folder does not exist");
        Directory.CreateDirectory(full);
        var names = files.GroupBy(Path.GetFileName).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (names.Count > 0) throw new UsageException($"two inputs share the output name {names[0]}.parquet");
        long windows = 0;
        double inference = 0;
        foreach (var file in files)
        {
            using (var recording = SignalFormats.OpenRecording(file)) dir.CheckChannels(file, SignalInfo.Of(recording.Info));
            var spec = dir.Pipeline;
            if (slidingHopS is { } h)
                spec = spec with { Epochs = null, Windows = new SlidingWindowsSpec(model.NTimes / dir.Sfreq, h) };
            var trials = slidingHopS is null
                ? await TrialsAsync(spec, [file], dir.AnnotationPrefix, null, null, ct)
                : await SlidingAsync(spec, file, ct);
            CheckShape(trials.Data, model, file);
            long t = Stopwatch.GetTimestamp();
            var predicted = dir.Aligner.Predict(trials.Data);
            var similarity = RetrievalMetrics.CosineSimilarity(predicted, model.EmbeddingDim, candidates.Embeddings);
            inference += Stopwatch.GetElapsedTime(t).TotalSeconds;
            string output = Path.Combine(full, Path.GetFileName(file) + ".parquet");
            await AtomicFile.WriteAsync(output, temp => WriteRowsAsync(temp, trials, candidates, similarity, dir.TopK, model.Name, dir.WeightsSha256,
                null, null, predicted, ct));
            windows += trials.Data.Count;
        }
        return new DecodeSummary(files.Count, windows, clock.Elapsed.TotalSeconds, inference, candidates.Count);
    }

    /// <summary>The spec must cut epochs and leave their events to the stimulus annotations.</summary>
    private static PipelineSpec AlignerSpec(PipelineSpec spec, string path)
    {
        if (spec.Epochs is not { } epochs)
            throw new UsageException($"data.pipeline: {path}: an aligner's pipeline cuts epochs around the stimulus annotations; give 'epochs', not 'windows'");
        if (epochs.Events.Count > 0 || epochs.Classes.Count > 0)
            throw new UsageException($"data.pipeline: {path}: leave epochs.events and epochs.classes empty ([]); an aligner takes its events from the stimulus annotations");
        return spec;
    }

    /// <summary>
    /// Windows around every <c>PREFIX&lt;id&gt;</c> annotation of each file, through the spec's steps. With a
    /// <paramref name="table"/>, every annotated id must be in it (else a one-line error naming the file, the onset and
    /// the id) and each file must have trials.
    /// </summary>
    private async Task<Trials> TrialsAsync(PipelineSpec spec, IReadOnlyList<string> files, string prefix, StimulusTable? table, string? tablePath,
        CancellationToken ct)
    {
        var sets = new List<WindowSet>();
        PreprocessJob.Windowed? first = null;
        foreach (var file in files)
        {
            List<string> present;
            using (var recording = SignalFormats.OpenRecording(file))
            {
                var trials = recording.Annotations.Where(a => a.Description.StartsWith(prefix, StringComparison.Ordinal)).ToList();
                if (trials.Count == 0)
                    throw new InvalidRecordingException(file, $"no '{prefix}<stimulus_id>' annotations: nothing marks the trials");
                if (table is not null && trials.FirstOrDefault(a => table.IndexOf(a.Description[prefix.Length..]) < 0) is { } unknown)
                    throw new InvalidRecordingException(file, string.Create(CultureInfo.InvariantCulture,
                        $"annotation '{unknown.Description}' at {unknown.Onset:0.###} s names stimulus '{unknown.Description[prefix.Length..]}', which is not in {tablePath} ({table.Count} stimuli)"));
                present = trials.Select(a => a.Description).Distinct().Order(StringComparer.Ordinal).ToList();
            }
            var fileSpec = spec with
            {
                Epochs = spec.Epochs! with { Events = [new EventRule(present.ToDictionary(d => d, d => d))], Classes = present },
            };
            var windowed = await preprocess.WindowAsync(fileSpec, [file], jobs: 1, ct);
            first ??= windowed;
            sets.Add(windowed.Sets[0]);
        }
        var data = WindowDataset.Concat(sets);
        var ids = data.Windows.Select(w => w.Label![prefix.Length..]).ToArray();
        return new Trials(data, ids, first!.Resolved[0].Output.Sfreq, first.Resolved[0].Input);
    }

    private async Task<Trials> SlidingAsync(PipelineSpec spec, string file, CancellationToken ct)
    {
        var windowed = await preprocess.WindowAsync(spec, [file], jobs: 1, ct);
        var data = WindowDataset.Concat(windowed.Sets);
        return new Trials(data, new string?[data.Count], windowed.Resolved[0].Output.Sfreq, windowed.Resolved[0].Input);
    }

    private static void CheckShape(WindowDataset data, IAlignerModel model, string what)
    {
        if (data.Count == 0) throw new UsageException($"{what}: no windows (every epoch was dropped)");
        if (data.NChans != model.NChans || data.NTimes != model.NTimes)
            throw new UsageException($"{what}: windows are {data.NChans} channels x {data.NTimes} samples, the model expects {model.NChans} x {model.NTimes}");
    }

    /// <summary>Retrieval among the stimuli the windows show (table order): the zero-shot test of the papers when those
    /// stimuli were never trained on.</summary>
    private static (RetrievalMetrics Metrics, StimulusTable Candidates, double[] Similarity, int[] Truth, int[] Ranks) Score(
        TrainedAligner aligner, Trials trials, StimulusTable table, int k)
    {
        var rows = trials.StimulusIds.Select(id => table.IndexOf(id!)).Distinct().Order().ToList();
        var candidates = table.Subset(rows);
        var truth = trials.StimulusIds.Select(id => candidates.IndexOf(id!)).ToArray();
        var predicted = aligner.Predict(trials.Data);
        int d = aligner.Model.EmbeddingDim;
        var metrics = RetrievalMetrics.Compute(predicted, d, candidates.Embeddings, truth, k);
        var similarity = RetrievalMetrics.CosineSimilarity(predicted, d, candidates.Embeddings);
        return (metrics, candidates, similarity, truth, RetrievalMetrics.Ranks(similarity, truth));
    }

    public static JsonObject RetrievalJson(RetrievalMetrics m) => new()
    {
        ["n_windows"] = m.NWindows,
        ["n_candidates"] = m.NCandidates,
        ["k"] = m.K,
        ["top1"] = m.Top1,
        [$"top{m.K}"] = m.TopK,
        ["mean_rank"] = m.MeanRank,
        ["median_rank"] = m.MedianRank,
        ["mean_cosine"] = m.MeanCosine,
        ["chance"] = new JsonObject { ["top1"] = m.ChanceTop1, [$"top{m.K}"] = m.ChanceTopK, ["mean_rank"] = m.ChanceMeanRank },
    };

    /// <summary>One row per window: file, onset_s, offset_s, model, checkpoint_sha256, then (evaluate) true_stimulus,
    /// rank, cosine_true, then top1_id, top1_score … topk, caption (the best match's), then (decode) emb_0 … emb_(d-1).</summary>
    private static async Task WriteRowsAsync(string path, Trials trials, StimulusTable candidates, double[] similarity, int k, string modelName,
        string sha256, int[]? truth, int[]? ranks, float[]? embeddings, CancellationToken ct)
    {
        int n = trials.Data.Count, m = candidates.Count, kk = Math.Min(k, m);
        var top = Enumerable.Range(0, n).Select(i => RetrievalMetrics.TopCandidates(similarity.AsSpan(i * m, m), kk)).ToArray();
        var file = new DataField<string>("file");
        var onset = new DataField<double>("onset_s");
        var offset = new DataField<double>("offset_s");
        var model = new DataField<string>("model");
        var checkpoint = new DataField<string>("checkpoint_sha256");
        var stimulus = new DataField<string>("stimulus", nullable: true);
        var rank = new DataField<int>("rank");
        var cosine = new DataField<double>("cosine_true");
        var topIds = Enumerable.Range(1, kk).Select(j => new DataField<string>($"top{j}_id")).ToArray();
        var topScores = Enumerable.Range(1, kk).Select(j => new DataField<double>($"top{j}_score")).ToArray();
        var caption = new DataField<string>("caption", nullable: true);
        int d = embeddings is null ? 0 : embeddings.Length / Math.Max(n, 1);
        var emb = Enumerable.Range(0, d).Select(j => new DataField<float>($"emb_{j}")).ToArray();
        var fields = new List<Field> { file, onset, offset, model, checkpoint, stimulus };
        if (truth is not null) fields.AddRange([rank, cosine]);
        for (int j = 0; j < kk; j++) fields.AddRange([topIds[j], topScores[j]]);
        fields.Add(caption);
        fields.AddRange(emb);

        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream, cancellationToken: ct);
        using var group = writer.CreateRowGroup();
        var w = trials.Data.Windows;
        double length = trials.Data.NTimes / trials.Sfreq;
        await group.WriteAsync(file, w.Select(x => Path.GetFileName(x.File)).ToArray());
        await group.WriteAsync<double>(onset, w.Select(x => x.OnsetS).ToArray(), cancellationToken: ct);
        await group.WriteAsync<double>(offset, w.Select(x => x.OnsetS + length).ToArray(), cancellationToken: ct);
        await group.WriteAsync(model, Enumerable.Repeat(modelName, n).ToArray());
        await group.WriteAsync(checkpoint, Enumerable.Repeat(sha256, n).ToArray());
        await group.WriteAsync(stimulus, trials.StimulusIds!);
        if (truth is not null)
        {
            await group.WriteAsync<int>(rank, ranks!, cancellationToken: ct);
            await group.WriteAsync<double>(cosine, Enumerable.Range(0, n).Select(i => similarity[i * m + truth[i]]).ToArray(), cancellationToken: ct);
        }
        for (int j = 0; j < kk; j++)
        {
            await group.WriteAsync(topIds[j], top.Select(t => candidates.Ids[t[j].Index]).ToArray());
            await group.WriteAsync<double>(topScores[j], top.Select(t => t[j].Score).ToArray(), cancellationToken: ct);
        }
        await group.WriteAsync(caption, top.Select(t => candidates.Caption(t[0].Index)).ToArray());
        for (int j = 0; j < d; j++)
            await group.WriteAsync<float>(emb[j], Enumerable.Range(0, n).Select(i => embeddings![i * d + j]).ToArray(), cancellationToken: ct);
        group.CompleteValidate();
    }
}
