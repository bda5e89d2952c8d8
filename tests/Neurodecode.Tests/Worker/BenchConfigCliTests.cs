using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Neurodecode.Tests.Worker;

/// <summary>
/// <c>bench --config</c> and <c>bench --verify</c> through the real executable: CSP + LDA on copies of real EEGMMIDB
/// runs (copies, so a test may corrupt one), a few seconds per run.
/// </summary>
public class BenchConfigCliTests
{
    /// <summary>A config beside copies of its pipeline and recordings, every path relative to it.</summary>
    private static string Config(TempDir tmp, string evaluation = "\"split\": {\"n_val\": 1, \"n_test\": 2, \"seed\": 3}")
    {
        File.Copy(Path.Combine(TestPaths.RepoRoot, "datasets", "pipelines", "moabb-mi-8-32.json"), tmp.File("pipeline.json"));
        var files = new List<string>();
        foreach (var s in new[] { "S001", "S002", "S003", "S004", "S005" })
        {
            Directory.CreateDirectory(tmp.File($"data/{s}"));
            foreach (var run in new[] { "R04", "R08" })
            {
                string rel = $"data/{s}/{s}{run}.edf";
                File.Copy(TestPaths.Shared($"eegmmidb/{s}/{s}{run}.edf"), tmp.File(rel));
                files.Add($"\"{rel}\"");
            }
        }
        string path = tmp.File("config.json");
        File.WriteAllText(path, $$"""
            {"name": "bench-test", "description": "CSP + LDA, left vs right fist, 5 subjects",
             "data": {"pipeline": "pipeline.json", "files": [{{string.Join(", ", files)}}], "classes": ["left_fist", "right_fist"]},
             "model": {"name": "csp_lda"}, {{evaluation}}}
            """);
        return path;
    }

    private static JsonObject Json(string path) => JsonNode.Parse(File.ReadAllText(path))!.AsObject();

    private static string WithoutTimings(string metricsPath)
    {
        var m = Json(metricsPath);
        Assert.True(m.Remove("timings"));
        return m.ToJsonString();
    }

    private static Cli.Result Bench(string config, string outDir)
    {
        var r = Cli.Run("bench", "--config", config, "--out", outDir);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return r;
    }

    [Fact]
    public void Bench_writes_the_report_with_its_plots_metrics_and_a_manifest_of_the_inputs_hashes()
    {
        using var tmp = TestPaths.TempDir();
        string config = Config(tmp);
        Bench(config, tmp.File("bench"));

        string report = File.ReadAllText(tmp.File("bench/report.md"));
        Assert.Contains("# Benchmark: bench-test", report);
        Assert.Contains("`csp_lda`, ", report);
        Assert.Contains("| split | windows | balanced accuracy | Cohen's kappa | weighted F1 | AUROC |", report);
        Assert.Contains("| validation | 30 |", report);
        Assert.Contains("| test | 60 |", report);
        Assert.Contains("| subject | windows | balanced accuracy |", report);
        Assert.Contains("windows/s", report);
        // CSP + LDA has no epochs, hence no learning curves; every linked image exists and is a PNG.
        var images = System.Text.RegularExpressions.Regex.Matches(report, @"!\[[^\]]+\]\(([^)]+)\)").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["confusion_matrix.png", "subject_accuracy.png"], images);
        foreach (var image in images)
            Assert.True(PlotsTests.PngSize(File.ReadAllBytes(tmp.File("bench/" + image))).Width > 0);
        Assert.True(File.Exists(tmp.File("bench/model/model.bin")));

        var metrics = Json(tmp.File("bench/metrics.json"));
        Assert.Equal("subject_split", metrics["evaluation"]!.GetValue<string>());
        Assert.Equal(60, metrics["test"]!["n_samples"]!.GetValue<int>());
        Assert.NotNull(metrics["test"]!["auroc"]);
        Assert.Equal(["001", "003"], metrics["test_subjects"]!.AsArray().Select(s => s!["subject"]!.GetValue<string>()));
        Assert.Equal(30, metrics["data"]!["windows"]!["val"]!.AsObject().Sum(c => c.Value!.GetValue<int>()));
        Assert.True(metrics["timings"]!["train_windows_per_second"]!.GetValue<double>() > 0);

        var manifest = Json(tmp.File("bench/manifest.json"));
        var inputs = manifest["inputs"]!.AsArray();
        Assert.Equal(12, inputs.Count); // config, pipeline, 10 recordings
        foreach (var input in inputs)
        {
            string path = input!["path"]!.GetValue<string>();
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))), input["sha256"]!.GetValue<string>());
            Assert.Equal(new FileInfo(path).Length, input["size"]!.GetValue<long>());
        }
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(config))), manifest["config"]!["sha256"]!.GetValue<string>());
        Assert.Equal("bench-test", manifest["config"]!["json"]!["name"]!.GetValue<string>());
        Assert.Equal(3, manifest["seeds"]!["split"]!.GetValue<int>());
        Assert.Equal(Environment.ProcessorCount, manifest["runtime"]!["processor_count"]!.GetValue<int>());
        Assert.Equal("0.107.0", manifest["packages"]!["TorchSharp"]!.GetValue<string>());
        Assert.NotNull(manifest["git"]!["commit"]); // the tests run from the repository's work tree
    }

    [Fact]
    public void Two_runs_give_identical_metrics_and_verify_says_identical()
    {
        using var tmp = TestPaths.TempDir();
        string config = Config(tmp);
        Bench(config, tmp.File("a"));
        Bench(config, tmp.File("b"));
        Assert.Equal(WithoutTimings(tmp.File("a/metrics.json")), WithoutTimings(tmp.File("b/metrics.json")));

        var verify = Cli.Run("bench", "--verify", tmp.File("a"));
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        Assert.Equal("identical", verify.Stdout.Trim());
    }

    [Fact]
    public void Verify_lists_a_changed_input_file_and_exits_1()
    {
        using var tmp = TestPaths.TempDir();
        Bench(Config(tmp), tmp.File("bench"));
        string edf = tmp.File("data/S003/S003R08.edf");
        var bytes = File.ReadAllBytes(edf);
        bytes[^1] ^= 0xFF; // one sample's low byte
        File.WriteAllBytes(edf, bytes);

        var verify = Cli.Run("bench", "--verify", tmp.File("bench"));
        Assert.Equal(1, verify.ExitCode);
        Assert.Contains($"input {edf}: SHA-256", verify.Stdout);
        Assert.DoesNotContain("identical", verify.Stdout);
    }

    [Fact]
    public void Verify_lists_an_edited_metric_with_both_values_and_exits_1()
    {
        using var tmp = TestPaths.TempDir();
        Bench(Config(tmp), tmp.File("bench"));
        var metrics = Json(tmp.File("bench/metrics.json"));
        double original = metrics["test"]!["balanced_accuracy"]!.GetValue<double>();
        metrics["test"]!["balanced_accuracy"] = 0.125;
        metrics["timings"]!["total_seconds"] = 1e6; // timings are not compared
        File.WriteAllText(tmp.File("bench/metrics.json"), metrics.ToJsonString());

        var verify = Cli.Run("bench", "--verify", tmp.File("bench"));
        Assert.Equal(1, verify.ExitCode);
        var lines = verify.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(["different (1):", $"test.balanced_accuracy: recorded 0.125, rerun {original.ToString(System.Globalization.CultureInfo.InvariantCulture)}"], lines);
    }

    [Fact]
    public void Within_subject_bench_reports_each_subject_and_the_mean()
    {
        using var tmp = TestPaths.TempDir();
        Bench(Config(tmp, "\"within_subject\": {\"k\": 3, \"seed\": 1}"), tmp.File("bench"));
        string report = File.ReadAllText(tmp.File("bench/report.md"));
        Assert.Contains("within-subject 3-fold", report);
        Assert.Contains("| 005 | 3 | 30 |", report);
        Assert.Contains("| **mean** |", report);
        Assert.Contains("![per-subject accuracy](subject_accuracy.png)", report);
        var metrics = Json(tmp.File("bench/metrics.json"));
        Assert.Equal(5, metrics["subjects"]!.AsArray().Count);
        Assert.NotNull(metrics["mean"]!["balanced_accuracy"]);
    }

    [Fact]
    public void Usage_errors_are_one_line_and_exit_2()
    {
        using var tmp = TestPaths.TempDir();
        var missing = Cli.Run("bench", "--verify", tmp.Path);
        Assert.Equal(2, missing.ExitCode);
        Assert.Equal($"neurodecode bench: error: --verify {tmp.Path}: no manifest.json (not a folder written by bench --config)", missing.Stderr.Trim());

        var neither = Cli.Run("bench", "--out", tmp.File("x"));
        Assert.Equal(2, neither.ExitCode);
        Assert.Single(neither.Stderr.Trim().Split('\n'));
        Assert.False(Directory.Exists(tmp.File("x")));
    }
}
