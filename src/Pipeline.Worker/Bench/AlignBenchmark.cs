using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Neurodecode.Models.Baselines;
using Neurodecode.Models.Training;
using Neurodecode.Pipeline.Worker.Batch;
using Neurodecode.Pipeline.Worker.Commands;
using Neurodecode.Preprocess.Steps;

namespace Neurodecode.Pipeline.Worker.Bench;

/// <summary>
/// <c>bench --config CFG --out DIR</c> for an aligner config (one with <c>stimuli</c>): <see cref="AlignJob"/> trains
/// into <c>DIR/model</c>, then report.md (the held-out retrieval of each model next to chance), metrics.json (scores;
/// wall-clock numbers under <c>timings</c>) and manifest.json (every input with its SHA-256 and size, the config
/// verbatim, git commit, machine, command line). A torch aligner's config also trains the ridge baseline on the same
/// windows into <c>DIR/ridge</c>: the report has a row for each, and chance.
/// </summary>
public sealed class AlignBenchmark(AlignJob align)
{
    public async Task RunAsync(string configPath, string outDir, IReadOnlyList<string> commandLine, CancellationToken ct)
    {
        if (!File.Exists(configPath)) throw new UsageException($"--config {configPath}: no such file");
        var started = DateTimeOffset.Now;
        var config = AlignConfig.Load(configPath);
        string configFull = Path.GetFullPath(configPath), configDir = Path.GetDirectoryName(configFull)!;
        var inputs = new List<(string Role, string Path)>
        {
            ("config", configFull),
            ("pipeline", Path.GetFullPath(Path.Combine(configDir, config.Data.Pipeline))),
            ("stimuli", Path.GetFullPath(Path.Combine(configDir, config.Stimuli.Table))),
        };
        inputs.AddRange(new TrainData(config.Data.Pipeline, config.Data.Files).ResolveFiles(configDir).Select(f => ("recording", f)));
        if (config.Data.TestFiles is { } test)
            inputs.AddRange(new TrainData(config.Data.Pipeline, test).ResolveFiles(configDir).Select(f => ("test_recording", f)));
        var inputNodes = new JsonArray();
        foreach (var (role, path) in inputs)
        {
            if (!File.Exists(path)) throw new UsageException($"{role}: {path}: no such file");
            inputNodes.Add(new JsonObject { ["role"] = role, ["path"] = path, ["sha256"] = await FileSha256.OfAsync(path, ct), ["size"] = new FileInfo(path).Length });
        }
        var manifest = new JsonObject
        {
            ["started_at"] = started.ToString("O"),
            ["command_line"] = new JsonArray(commandLine.Select(a => (JsonNode)a).ToArray()),
            ["machine"] = Environment.MachineName,
            ["git"] = BenchManifest.Git(configDir) ?? BenchManifest.Git(AppContext.BaseDirectory) ?? new JsonObject { ["commit"] = null, ["dirty"] = null },
            ["config"] = new JsonObject { ["path"] = configFull, ["name"] = config.Name, ["json"] = JsonNode.Parse(await File.ReadAllTextAsync(configFull, ct)) },
            ["inputs"] = inputNodes,
            ["dotnet"] = Environment.Version.ToString(),
            ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            ["cores"] = Environment.ProcessorCount,
        };
        await OutputFolder.WriteAsync(outDir, async temp =>
        {
            // The ridge baseline beside every torch aligner, on the same windows (the papers' linear decoder).
            var runs = new List<(AlignJob.TrainOutcome Outcome, double Seconds)>();
            foreach (var (model, folder) in config.Model.IsRidge
                         ? [(config.Model, ConfigBenchmark.ModelFolder)]
                         : new[] { (config.Model, ConfigBenchmark.ModelFolder), (new AlignModel(RidgeAligner.ModelName), BaselineFolder) })
            {
                var clock = Stopwatch.StartNew();
                var outcome = await align.TrainAsync(config with { Model = model }, configFull, Path.Combine(temp, folder), null, ct);
                runs.Add((outcome, clock.Elapsed.TotalSeconds));
            }
            var models = new JsonObject();
            foreach (var (o, seconds) in runs)
                models[o.ModelName] = new JsonObject
                {
                    ["parameters"] = o.Parameters,
                    ["fit"] = o.Summary,
                    ["test"] = o.Test is { } t ? AlignJob.RetrievalJson(t) : null,
                };
            var metrics = new JsonObject
            {
                ["n_train_windows"] = runs[0].Outcome.NTrain,
                ["n_train_stimuli"] = runs[0].Outcome.NTrainStimuli,
                ["n_test_windows"] = runs[0].Outcome.NTest,
                ["models"] = models,
                [ConfigBenchmark.TimingsKey] = new JsonObject(runs.Select(r => KeyValuePair.Create(r.Outcome.ModelName + "_train_s", (JsonNode?)r.Seconds))),
            };
            await File.WriteAllTextAsync(Path.Combine(temp, ConfigBenchmark.MetricsFile), metrics.ToJsonString(PipelineJson.Options) + "\n", ct);
            await File.WriteAllTextAsync(Path.Combine(temp, ConfigBenchmark.ManifestFile), manifest.ToJsonString(PipelineJson.Options) + "\n", ct);
            await File.WriteAllTextAsync(Path.Combine(temp, ConfigBenchmark.ReportFile), Report(config, runs), ct);
        });
    }

    /// <summary>The ridge baseline's folder next to a torch aligner's <c>model/</c>.</summary>
    public const string BaselineFolder = "ridge";

    private static string Report(AlignConfig config, IReadOnlyList<(AlignJob.TrainOutcome Outcome, double Seconds)> runs)
    {
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine($"# {config.Name}").AppendLine();
        if (config.Description is { } d) md.AppendLine(d).AppendLine();
        var first = runs[0].Outcome;
        md.AppendLine(string.Format(inv, "Trained on {0} windows of {1} stimuli.", first.NTrain, first.NTrainStimuli)).AppendLine();
        foreach (var (o, seconds) in runs)
            md.AppendLine(string.Format(inv, "- {0} ({1:N0} parameters, {2:0.0} s): {3}", o.ModelName, o.Parameters, seconds, o.Summary));
        md.AppendLine();
        if (first.Test is not { } t)
        {
            md.AppendLine("No `data.test_files`: no held-out retrieval.");
            return md.ToString();
        }
        md.AppendLine(string.Format(inv, "Held-out retrieval: {0} windows, each against the {1} test stimuli (cosine similarity).", t.NWindows, t.NCandidates)).AppendLine();
        md.AppendLine($"| model | top-1 | top-{t.K} | mean rank | median rank | cosine to the true embedding |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var (o, _) in runs)
            if (o.Test is { } r)
                md.AppendLine(string.Format(inv, "| {0} | {1:0.0000} | {2:0.0000} | {3:0.00} | {4:0.0} | {5:0.0000} |", o.ModelName, r.Top1, r.TopK, r.MeanRank, r.MedianRank, r.MeanCosine));
        md.AppendLine(string.Format(inv, "| chance | {0:0.0000} | {1:0.0000} | {2:0.00} | {2:0.0} | 0 (expected) |", t.ChanceTop1, t.ChanceTopK, t.ChanceMeanRank));
        return md.ToString();
    }
}
