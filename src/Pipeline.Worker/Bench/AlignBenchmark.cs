using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Neurodecode.Models.Training;
using Neurodecode.Pipeline.Worker.Batch;
using Neurodecode.Pipeline.Worker.Commands;
using Neurodecode.Preprocess.Steps;

namespace Neurodecode.Pipeline.Worker.Bench;

/// <summary>
/// <c>bench --config CFG --out DIR</c> for an aligner config (one with <c>stimuli</c>): <see cref="AlignJob"/> trains
/// into <c>DIR/model</c>, then report.md (the held-out retrieval of each model next to chance), metrics.json (scores;
/// wall-clock numbers under <c>timings</c>) and manifest.json (every input with its SHA-256 and size, the config
/// verbatim, git commit, machine, command line). Rows are per model so the brain modules join the ridge baseline.
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
        var clock = Stopwatch.StartNew();
        await OutputFolder.WriteAsync(outDir, async temp =>
        {
            var outcome = await align.TrainAsync(configPath, Path.Combine(temp, ConfigBenchmark.ModelFolder), ct);
            double seconds = clock.Elapsed.TotalSeconds;
            var models = new JsonObject
            {
                [outcome.Model.Name] = new JsonObject
                {
                    ["parameters"] = outcome.Model.ParameterCount,
                    ["alpha"] = outcome.Model.Alpha,
                    ["test"] = outcome.Test is { } t ? AlignJob.RetrievalJson(t) : null,
                },
            };
            var metrics = new JsonObject
            {
                ["n_train_windows"] = outcome.NTrain,
                ["n_train_stimuli"] = outcome.NTrainStimuli,
                ["n_test_windows"] = outcome.NTest,
                ["models"] = models,
                [ConfigBenchmark.TimingsKey] = new JsonObject { ["total_s"] = seconds },
            };
            await File.WriteAllTextAsync(Path.Combine(temp, ConfigBenchmark.MetricsFile), metrics.ToJsonString(PipelineJson.Options) + "\n", ct);
            await File.WriteAllTextAsync(Path.Combine(temp, ConfigBenchmark.ManifestFile), manifest.ToJsonString(PipelineJson.Options) + "\n", ct);
            await File.WriteAllTextAsync(Path.Combine(temp, ConfigBenchmark.ReportFile), Report(config, outcome, seconds), ct);
        });
    }

    private static string Report(AlignConfig config, AlignJob.TrainOutcome o, double seconds)
    {
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine($"# {config.Name}").AppendLine();
        if (config.Description is { } d) md.AppendLine(d).AppendLine();
        md.AppendLine(string.Format(inv, "Trained on {0} windows of {1} stimuli; {2} parameters; alpha {3:G4} by leave-one-out CV; {4:0.0} s in all.",
            o.NTrain, o.NTrainStimuli, o.Model.ParameterCount, o.Model.Alpha, seconds)).AppendLine();
        if (o.Test is not { } t)
        {
            md.AppendLine("No `data.test_files`: no held-out retrieval.");
            return md.ToString();
        }
        md.AppendLine(string.Format(inv, "Held-out retrieval: {0} windows, each against the {1} test stimuli (cosine similarity).", t.NWindows, t.NCandidates)).AppendLine();
        md.AppendLine($"| model | top-1 | top-{t.K} | mean rank | median rank | cosine to the true embedding |");
        md.AppendLine("|---|---|---|---|---|---|");
        md.AppendLine(string.Format(inv, "| {0} | {1:0.0000} | {2:0.0000} | {3:0.00} | {4:0.0} | {5:0.0000} |", o.Model.Name, t.Top1, t.TopK, t.MeanRank, t.MedianRank, t.MeanCosine));
        md.AppendLine(string.Format(inv, "| chance | {0:0.0000} | {1:0.0000} | {2:0.00} | {2:0.0} | 0 (expected) |", t.ChanceTop1, t.ChanceTopK, t.ChanceMeanRank));
        return md.ToString();
    }
}
