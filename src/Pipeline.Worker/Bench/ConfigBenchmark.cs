using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Neurodecode.Models.Training;
using Neurodecode.Pipeline.Worker.Batch;
using Neurodecode.Pipeline.Worker.Commands;
using Neurodecode.Pipeline.Worker.Reports;
using Neurodecode.Preprocess.Steps;
using Neurodecode.Preprocess.Windows;

namespace Neurodecode.Pipeline.Worker.Bench;

/// <summary>
/// <c>neurodecode bench --config CFG --out DIR</c>: one training config through <see cref="TrainJob"/>, written as a
/// benchmark folder: report.md with its plots, metrics.json (results, then timings apart so reruns compare equal),
/// manifest.json (everything needed to rerun and compare: inputs with SHA-256, config, pipeline, seeds, versions,
/// machine) and model/ (what train writes). <c>bench --verify DIR</c> checks the inputs, reruns and compares.
/// </summary>
public sealed class ConfigBenchmark(TrainJob train)
{
    public const string ManifestFile = "manifest.json", MetricsFile = "metrics.json", ReportFile = "report.md", ModelFolder = "model";

    /// <summary>The key of metrics.json that holds wall-clock numbers; --verify ignores it.</summary>
    public const string TimingsKey = "timings";

    public async Task RunAsync(string configPath, string outDir, int? epochs, IReadOnlyList<string> commandLine,
        IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        if (!File.Exists(configPath)) throw new UsageException($"--config {configPath}: no such file");
        var started = DateTimeOffset.Now;
        var config = TrainConfig.Load(configPath);
        // Hashed before the run: the manifest records what was read.
        var manifest = await BenchManifest.CreateAsync(configPath, config, epochs, started, commandLine, ct);
        var clock = Stopwatch.StartNew();
        await OutputFolder.WriteAsync(outDir, async temp =>
        {
            var outcome = await train.RunAsync(configPath, Path.Combine(temp, ModelFolder), progress, ct, epochs: epochs);
            double seconds = clock.Elapsed.TotalSeconds;
            BenchManifest.AddRuntime(manifest);  // after training: torch is loaded and its thread count is the one used
            var metrics = Metrics(config, outcome, seconds);
            var plots = await WritePlotsAsync(temp, outcome, ct);
            await File.WriteAllTextAsync(Path.Combine(temp, MetricsFile), metrics.ToJsonString(PipelineJson.Options) + "\n", ct);
            await File.WriteAllTextAsync(Path.Combine(temp, ManifestFile), manifest.ToJsonString(PipelineJson.Options) + "\n", ct);
            await File.WriteAllTextAsync(Path.Combine(temp, ReportFile), BenchReport.Markdown(config, outcome, metrics, manifest, plots), ct);
        });
    }

    /// <summary>
    /// The differences between a benchmark folder and now: inputs whose SHA-256 or size changed (then no rerun), else
    /// every metrics.json value (timings aside) that <paramref name="rerun"/> (config path, epochs override, output
    /// folder) gives differently in a temporary folder. Empty = identical. Training and aligner benches share it.
    /// </summary>
    public static async Task<IReadOnlyList<string>> VerifyAsync(string dir, Func<string, int?, string, Task> rerun, CancellationToken ct)
    {
        string manifestPath = Path.Combine(dir, ManifestFile), metricsPath = Path.Combine(dir, MetricsFile);
        if (!File.Exists(manifestPath)) throw new UsageException($"--verify {dir}: no {ManifestFile} (not a folder written by bench --config)");
        if (!File.Exists(metricsPath)) throw new UsageException($"--verify {dir}: no {MetricsFile}");
        var manifest = ReadObject(manifestPath);
        var recorded = ReadObject(metricsPath);
        string configPath = manifest["config"]?["path"]?.GetValue<string>() ?? throw new UsageException($"{manifestPath}: no config.path");
        int? epochs = manifest["epochs"]?.GetValue<int>();

        var differences = await BenchManifest.CheckInputsAsync(manifest, ct);
        if (differences.Count > 0)
            return [.. differences, "not rerun: the inputs differ from the manifest's"];

        string temp = Path.Combine(Path.GetTempPath(), $"neurodecode-verify-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            string rerunDir = Path.Combine(temp, "bench");
            await rerun(configPath, epochs, rerunDir);
            // The glob may now match other recordings, all with unchanged hashes: the rerun's inputs say so.
            var rerunManifest = ReadObject(Path.Combine(rerunDir, ManifestFile));
            differences.AddRange(BenchManifest.CompareInputLists(manifest, rerunManifest));
            differences.AddRange(Compare(recorded, ReadObject(Path.Combine(rerunDir, MetricsFile))));
            return differences;
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    private static JsonObject ReadObject(string path)
    {
        try { return JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new UsageException($"{path}: empty"); }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new UsageException($"{path}: not a JSON object: {e.Message.Split('\n')[0]}");
        }
    }

    /// <summary>Every leaf that differs (timings aside), as <c>key: recorded X, rerun Y</c>, keys in dotted form.</summary>
    internal static List<string> Compare(JsonObject recorded, JsonObject rerun)
    {
        var a = Flatten(recorded);
        var b = Flatten(rerun);
        return a.Keys.Union(b.Keys).Where(k => !(k == TimingsKey || k.StartsWith(TimingsKey + ".", StringComparison.Ordinal)))
            .Where(k => a.GetValueOrDefault(k) != b.GetValueOrDefault(k))
            .Select(k => $"{k}: recorded {a.GetValueOrDefault(k) ?? "(absent)"}, rerun {b.GetValueOrDefault(k) ?? "(absent)"}")
            .ToList();
    }

    private static Dictionary<string, string> Flatten(JsonNode? node, string prefix = "", Dictionary<string, string>? into = null)
    {
        into ??= new Dictionary<string, string>(StringComparer.Ordinal);
        switch (node)
        {
            case JsonObject o:
                foreach (var (k, v) in o) Flatten(v, prefix.Length == 0 ? k : $"{prefix}.{k}", into);
                break;
            case JsonArray arr:
                for (int i = 0; i < arr.Count; i++) Flatten(arr[i], $"{prefix}[{i}]", into);
                break;
            default:
                into[prefix] = node?.ToJsonString(PipelineJson.Options) ?? "null";
                break;
        }
        return into;
    }

    /// <summary>metrics.json: what was run and every score; wall-clock numbers only under <see cref="TimingsKey"/>.</summary>
    internal static JsonObject Metrics(TrainConfig config, TrainJob.Outcome outcome, double totalSeconds)
    {
        JsonNode? Node(object? value) => value is null ? null : JsonSerializer.SerializeToNode(value, value.GetType(), PipelineJson.Options);
        var json = new JsonObject
        {
            ["config"] = config.Name,
            ["model"] = config.Model.Name,
            ["parameters"] = outcome.ParameterCount,
            ["classes"] = Node(outcome.Classes),
            ["data"] = new JsonObject
            {
                ["files"] = outcome.Files.Count,
                ["subjects"] = new JsonObject(outcome.Windows.Select(s => KeyValuePair.Create(s.Key,
                    Node(s.Value.Select(w => w.Subject ?? "").Distinct().Order(StringComparer.Ordinal).ToList())))),
                ["windows"] = new JsonObject(outcome.Windows.Select(s => KeyValuePair.Create(s.Key,
                    (JsonNode?)new JsonObject(outcome.Classes.Select(c => KeyValuePair.Create(c, (JsonNode?)s.Value.Count(w => w.Label == c))))))),
            },
        };
        if (outcome.WithinSubject is { } cv)
        {
            json["evaluation"] = "within_subject";
            json["k"] = cv.K;
            json["seed"] = cv.Seed;
            json["score_metric"] = cv.ScoreMetric;
            json["subjects"] = Node(cv.Subjects);
            json["mean"] = new JsonObject
            {
                ["balanced_accuracy"] = cv.MeanBalancedAccuracy, ["cohen_kappa"] = cv.MeanCohenKappa, [cv.ScoreMetric] = cv.MeanScore,
            };
            json["folds"] = Node(cv.Folds);
            long trained = cv.Folds.Sum(f => (long)f.NTrain);
            json[TimingsKey] = new JsonObject
            {
                ["total_seconds"] = totalSeconds,
                // Folds train one after another; the whole run (preprocessing included) is the honest denominator.
                ["train_windows_per_second"] = trained / Math.Max(totalSeconds, 1e-9),
            };
            return json;
        }
        var r = outcome.Result!;
        json["evaluation"] = "subject_split";
        json["selection_metric"] = r.SelectionMetric;
        json["best_epoch"] = r.BestEpoch;
        json["best_val_score"] = r.BestValScore;
        json["val"] = Node(r.Val);
        json["test"] = Node(r.Test);
        json["test_subjects"] = Node(TestSubjects(outcome));
        json["learning_curves"] = Node(r.Curves.Select(e => new { e.Epoch, e.TrainLoss, e.ValLoss, e.ValScore }).ToList());
        json[TimingsKey] = new JsonObject
        {
            ["total_seconds"] = totalSeconds,
            ["train_seconds"] = r.TrainSeconds,
            ["train_windows_per_second"] = r.TrainWindowsPerSecond,
        };
        return json;
    }

    public sealed record SubjectAccuracy(string Subject, int NWindows, double BalancedAccuracy);

    /// <summary>Balanced accuracy of the selected model on each test subject's windows.</summary>
    internal static List<SubjectAccuracy> TestSubjects(TrainJob.Outcome outcome)
    {
        if (outcome.TestPredicted is not { } predicted || !outcome.Windows.TryGetValue("test", out var windows)) return [];
        return Enumerable.Range(0, windows.Count).GroupBy(i => windows[i].Subject ?? "").OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var cm = Models.Training.Metrics.ConfusionMatrix(g.Select(i => windows[i].ClassId).ToArray(),
                    g.Select(i => predicted[i]).ToArray(), outcome.Classes.Count);
                return new SubjectAccuracy(g.Key, g.Count(), Models.Training.Metrics.BalancedAccuracy(cm));
            })
            .ToList();
    }

    /// <summary>Writes the figures the report embeds; returns (file, caption) in report order.</summary>
    private static async Task<List<(string File, string Caption)>> WritePlotsAsync(string dir, TrainJob.Outcome outcome, CancellationToken ct)
    {
        var plots = new List<(string, string)>();
        async Task Write(string file, string caption, byte[] png)
        {
            await File.WriteAllBytesAsync(Path.Combine(dir, file), png, ct);
            plots.Add((file, caption));
        }
        double chance = 1.0 / outcome.Classes.Count;
        if (outcome.WithinSubject is { } cv)
        {
            // The test folds together cover every window once: their summed matrix is the whole run's.
            var counts = cv.Folds.Select(f => f.Test.ConfusionMatrix).Aggregate((a, b) =>
                a.Select((row, i) => row.Select((v, j) => v + b[i][j]).ToArray()).ToArray());
            await Write("confusion_matrix.png", "confusion matrix", Plots.ConfusionMatrix(counts, outcome.Classes, "test folds"));
            await Write("subject_accuracy.png", "per-subject accuracy",
                Plots.SubjectAccuracy(cv.Subjects.Select(s => (s.Subject, s.BalancedAccuracy)).ToList(), chance));
            return plots;
        }
        var r = outcome.Result!;
        if (r.Curves.Count > 0)
            await Write("learning_curves.png", "learning curves", Plots.LearningCurves(r.Curves, r.BestEpoch, r.SelectionMetric));
        var (scored, name) = r.Test is { } test ? (test, "test") : (r.Val, "validation");
        await Write("confusion_matrix.png", "confusion matrix", Plots.ConfusionMatrix(scored, name));
        var subjects = TestSubjects(outcome);
        if (subjects.Count > 0)
            await Write("subject_accuracy.png", "per-subject accuracy",
                Plots.SubjectAccuracy(subjects.Select(s => (s.Subject, s.BalancedAccuracy)).ToList(), chance, "balanced accuracy per test subject"));
        return plots;
    }
}
