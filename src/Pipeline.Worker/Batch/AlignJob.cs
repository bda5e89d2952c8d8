using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Signals;
using Neurodecode.Ingest.Stimuli;
using Neurodecode.Models.Baselines;
using Neurodecode.Models.Registry;
using Neurodecode.Models.Training;
using Neurodecode.Pipeline.Worker.Commands;
using Neurodecode.Preprocess.Steps;
using Neurodecode.Preprocess.Windows;
using Parquet;
using Parquet.Schema;

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

    public sealed record TrainOutcome(string ModelDir, RidgeAligner Model, int NTrain, int NTrainStimuli, RetrievalMetrics? Test, int NTest);

    public static bool IsAlignerDir(string dir)
    {
        string path = Path.Combine(dir, "config.json");
        try { return File.Exists(path) && JsonNode.Parse(File.ReadAllText(path)) is JsonObject o && o["task"]?.GetValue<string>() == Task; }
        catch (Exception e) when (e is JsonException or IOException or InvalidOperationException) { return false; }
    }

    public async Task<TrainOutcome> TrainAsync(string configPath, string modelDir, CancellationToken ct)
    {
        var config = AlignConfig.Load(configPath);
        string configDir = Path.GetDirectoryName(Path.GetFullPath(configPath))!;
        var spec = AlignerSpec(PipelineSpec.Load(Path.Combine(configDir, config.Data.Pipeline)), config.Data.Pipeline);
        string tablePath = Path.GetFullPath(Path.Combine(configDir, config.Stimuli.Table));
        if (!File.Exists(tablePath)) throw new UsageException($"stimuli.table: {config.Stimuli.Table}: no such file (looked for {tablePath})");
        var table = StimulusTable.Read(tablePath);
        var files = new TrainData(config.Data.Pipeline, config.Data.Files).ResolveFiles(configDir);
        var testFiles = config.Data.TestFiles is { } t ? new TrainData(config.Data.Pipeline, t).ResolveFiles(configDir) : [];

        var train = await TrialsAsync(spec, files, config.Stimuli.AnnotationPrefix, table, tablePath, ct);
        var rows = train.StimulusIds.Select(id => table.IndexOf(id!)).ToArray();
        if (train.Data.Count < 2) throw new UsageException($"data.files: {train.Data.Count} trial window(s); ridge needs at least 2");
        var targets = rows.SelectMany(r => table.Embeddings[r]).ToArray();
        var clock = Stopwatch.StartNew();
        RidgeAligner model;
        try
        {
            model = RidgeAligner.Train(train.Data.X, train.Data.NChans, train.Data.NTimes, targets, table.Dim,
                new RidgeAlignerOptions(config.Model.Standardize, config.Model.Alphas));
        }
        catch (ArgumentException e) { throw new UsageException("model: " + e.Message); }
        logger.LogInformation("ridge on {N} windows of {C} x {T}: alpha {Alpha} chosen by leave-one-out CV in {Seconds:0.0} s",
            train.Data.Count, train.Data.NChans, train.Data.NTimes, model.Alpha, clock.Elapsed.TotalSeconds);

        RetrievalMetrics? test = null;
        int nTest = 0;
        if (testFiles.Count > 0)
        {
            var held = await TrialsAsync(spec, testFiles, config.Stimuli.AnnotationPrefix, table, tablePath, ct);
            CheckShape(held.Data, model, "data.test_files");
            test = Score(model, held, table, config.Stimuli.TopK).Metrics;
            nTest = held.Data.Count;
        }

        var metrics = new JsonObject
        {
            ["model"] = model.Name,
            ["alpha"] = model.Alpha,
            ["alphas"] = new JsonArray(new RidgeAlignerOptions(config.Model.Standardize, config.Model.Alphas).AlphaGrid.Select(a => (JsonNode)a).ToArray()),
            ["loo_neg_mse"] = new JsonArray(model.Fit!.AlphaScores.Select(s => (JsonNode)s).ToArray()),
            ["n_train_windows"] = train.Data.Count,
            ["n_train_stimuli"] = rows.Distinct().Count(),
            ["test"] = test is null ? null : RetrievalJson(test),
        };
        var configJson = new JsonObject
        {
            ["task"] = Task,
            ["model"] = model.Name,
            ["weights"] = WeightsFile,
            ["n_chans"] = model.NChans,
            ["n_times"] = model.NTimes,
            ["sfreq"] = train.Sfreq,
            ["embedding_dim"] = model.EmbeddingDim,
            ["standardize"] = model.Standardize,
            ["alpha"] = model.Alpha,
            ["stimuli"] = StimuliFile,
            ["stimuli_source"] = tablePath,
            ["stimuli_sha256"] = FileSha256.Of(tablePath),
            ["annotation_prefix"] = config.Stimuli.AnnotationPrefix,
            ["top_k"] = config.Stimuli.TopK,
            ["input_channels"] = new JsonArray(train.Input.Channels.Select(c => (JsonNode)new JsonObject
                { ["name"] = c.Name, ["kind"] = c.Kind.MneName(), ["unit"] = c.Unit }).ToArray()),
            ["training"] = JsonSerializer.SerializeToNode(config, PipelineJson.Options),
        };
        await OutputFolder.WriteAsync(modelDir, async temp =>
        {
            model.Save(Path.Combine(temp, WeightsFile));
            File.Copy(tablePath, Path.Combine(temp, StimuliFile));
            await File.WriteAllTextAsync(Path.Combine(temp, "config.json"), configJson.ToJsonString(PipelineJson.Options) + "\n", ct);
            await File.WriteAllTextAsync(Path.Combine(temp, "pipeline.json"), spec.ToJson() + "\n", ct);
            await File.WriteAllTextAsync(Path.Combine(temp, "metrics.json"), metrics.ToJsonString(PipelineJson.Options) + "\n", ct);
        });
        return new TrainOutcome(modelDir, model, train.Data.Count, rows.Distinct().Count(), test, nTest);
    }

    /// <summary>
    /// <c>evaluate</c>: retrieval among the stimuli the recordings show (each window against those N candidates);
    /// writes predictions.parquet (per window: the true stimulus, its rank and cosine, the top-k ids and scores) and
    /// metrics.json (the scores next to chance).
    /// </summary>
    public async Task<RetrievalMetrics> EvaluateAsync(string modelDir, IReadOnlyList<string> files, string outDir, CancellationToken ct)
    {
        var dir = AlignerDir.Open(modelDir);
        using var model = dir.Model;
        foreach (var file in files)
            using (var recording = SignalFormats.OpenRecording(file)) dir.CheckChannels(file, SignalInfo.Of(recording.Info));
        var trials = await TrialsAsync(dir.Pipeline, files, dir.AnnotationPrefix, dir.Table, Path.Combine(modelDir, StimuliFile), ct);
        CheckShape(trials.Data, model, "FILE");
        var (metrics, candidates, similarity, truth, ranks) = Score(model, trials, dir.Table, dir.TopK);
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
        var dir = AlignerDir.Open(modelDir);
        using var model = dir.Model;
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
            var predicted = Predict(model, trials.Data);
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

    private static float[] Predict(IAlignerModel model, WindowDataset data)
    {
        const int batch = 64;
        int size = data.NChans * data.NTimes, d = model.EmbeddingDim;
        var output = new float[data.Count * d];
        for (int start = 0; start < data.Count; start += batch)
        {
            int b = Math.Min(batch, data.Count - start);
            model.PredictEmbeddings(data.X.AsSpan(start * size, b * size), b).CopyTo(output, start * d);
        }
        return output;
    }

    /// <summary>Retrieval among the stimuli the windows show (table order): the zero-shot test of the papers when those
    /// stimuli were never trained on.</summary>
    private static (RetrievalMetrics Metrics, StimulusTable Candidates, double[] Similarity, int[] Truth, int[] Ranks) Score(
        IAlignerModel model, Trials trials, StimulusTable table, int k)
    {
        var rows = trials.StimulusIds.Select(id => table.IndexOf(id!)).Distinct().Order().ToList();
        var candidates = table.Subset(rows);
        var truth = trials.StimulusIds.Select(id => candidates.IndexOf(id!)).ToArray();
        var predicted = Predict(model, trials.Data);
        var metrics = RetrievalMetrics.Compute(predicted, model.EmbeddingDim, candidates.Embeddings, truth, k);
        var similarity = RetrievalMetrics.CosineSimilarity(predicted, model.EmbeddingDim, candidates.Embeddings);
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

    /// <summary>An aligner's model folder read back.</summary>
    private sealed record AlignerDir(IAlignerModel Model, PipelineSpec Pipeline, StimulusTable Table, string AnnotationPrefix, int TopK,
        double Sfreq, string WeightsSha256, IReadOnlyList<string> InputChannels)
    {
        /// <summary>A recording must bring the channels the model was trained on, in any order (the pipeline picks them).</summary>
        public void CheckChannels(string file, SignalInfo input)
        {
            var have = input.Channels.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
            var missing = InputChannels.Where(c => !have.Contains(c)).ToList();
            if (missing.Count > 0)
                throw new InvalidRecordingException(file, $"lacks {missing.Count} channel(s) the model was trained on ({string.Join(", ", missing.Take(8))})");
        }

        public static AlignerDir Open(string dir)
        {
            if (!IsAlignerDir(dir)) throw new UsageException($"{dir}: not an aligner's model folder (config.json without \"task\": \"align\")");
            try
            {
                var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!.AsObject();
                string name = config["model"]!.GetValue<string>();
                string weights = Path.Combine(dir, config["weights"]!.GetValue<string>());
                IAlignerModel model = name == RidgeAligner.ModelName ? RidgeAligner.Load(weights)
                    : throw new InvalidDataException($"model '{name}' is not an aligner this build knows (ridge)");
                var table = StimulusTable.Read(Path.Combine(dir, config["stimuli"]!.GetValue<string>()));
                return new AlignerDir(model, PipelineSpec.Load(Path.Combine(dir, "pipeline.json")), table,
                    config["annotation_prefix"]!.GetValue<string>(), config["top_k"]!.GetValue<int>(), config["sfreq"]!.GetValue<double>(), FileSha256.Of(weights),
                    config["input_channels"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()).ToList());
            }
            catch (Exception e) when (e is JsonException or InvalidDataException or NullReferenceException or InvalidOperationException or IOException)
            {
                throw new UsageException($"{dir}: cannot load the aligner: {e.Message.Split('\n')[0]}");
            }
        }
    }
}
