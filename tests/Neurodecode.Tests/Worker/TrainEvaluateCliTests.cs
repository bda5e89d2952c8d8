using System.Text.Json;
using DuckDB.NET.Data;
using Neurodecode.Models.Training;
using Neurodecode.Pipeline.Worker.Reports;

namespace Neurodecode.Tests.Worker;

/// <summary>train and evaluate through the real executable on real EEGMMIDB runs (CSP + LDA keeps it fast).</summary>
public class TrainEvaluateCliTests
{
    private static string Config(TempDir tmp, string model = "csp_lda", string extra = "",
        string evaluation = "\"split\": {\"n_val\": 1, \"n_test\": 1, \"seed\": 3}")
    {
        string pipeline = Path.Combine(TestPaths.RepoRoot, "datasets", "pipelines", "moabb-mi-8-32.json").Replace("\\", "/");
        var files = new[] { "S001", "S002", "S003", "S004", "S005" }.SelectMany(s => new[] { $"{s}/{s}R04.edf", $"{s}/{s}R08.edf" })
            .Select(f => $"\"{TestPaths.Shared("eegmmidb/" + f).Replace("\\", "/")}\"");
        string path = tmp.File("config.json");
        File.WriteAllText(path, $$"""
            {"name": "test", "data": {"pipeline": "{{pipeline}}", "files": [{{string.Join(", ", files)}}], "classes": ["left_fist", "right_fist"]},
             "model": {"name": "{{model}}"}, {{evaluation}}{{extra}}}
            """);
        return path;
    }

    [Fact]
    public void Train_then_evaluate_writes_the_model_folder_predictions_and_metrics_reproducibly()
    {
        using var tmp = TestPaths.TempDir();
        string config = Config(tmp);
        var first = Cli.Run("train", "--config", config, "--out", tmp.File("model"));
        Assert.True(first.ExitCode == 0, first.Stderr);
        // CSP + LDA has no epochs: a confusion matrix but no learning curves.
        Assert.Equal(["config.json", "confusion_matrix.png", "metrics.json", "model.bin", "pipeline.json", "split.json"],
            Directory.GetFiles(tmp.File("model")).Select(Path.GetFileName).Order());
        PlotsTests.PngSize(File.ReadAllBytes(tmp.File("model/confusion_matrix.png")));
        using var split = JsonDocument.Parse(File.ReadAllText(tmp.File("model/split.json")));
        Assert.Equal(3, split.RootElement.GetProperty("train").GetArrayLength());

        var second = Cli.Run("train", "--config", config, "--out", tmp.File("model2"));
        Assert.Equal(0, second.ExitCode);
        using var m1 = JsonDocument.Parse(File.ReadAllText(tmp.File("model/metrics.json")));
        using var m2 = JsonDocument.Parse(File.ReadAllText(tmp.File("model2/metrics.json")));
        foreach (var key in new[] { "val", "test", "best_val_score" }) // timings differ run to run; results must not
            Assert.Equal(m1.RootElement.GetProperty(key).GetRawText(), m2.RootElement.GetProperty(key).GetRawText());
        Assert.Equal(File.ReadAllBytes(tmp.File("model/model.bin")), File.ReadAllBytes(tmp.File("model2/model.bin")));

        string s006 = TestPaths.Shared("eegmmidb/S006/S006R12.edf");
        var eval = Cli.Run("evaluate", "--model", tmp.File("model"), "--out", tmp.File("eval"), s006);
        Assert.True(eval.ExitCode == 0, eval.Stderr);
        using var metrics = JsonDocument.Parse(File.ReadAllText(tmp.File("eval/metrics.json")));
        Assert.Equal(15, metrics.RootElement.GetProperty("n_samples").GetInt32());
        Assert.True(metrics.RootElement.TryGetProperty("auroc", out _));
        Assert.True(PlotsTests.PngSize(File.ReadAllBytes(tmp.File("eval/confusion_matrix.png"))).Width > 0);

        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT count(*), count(true_label), min(prob_left_fist + prob_right_fist), max(prob_left_fist + prob_right_fist), count(DISTINCT predicted_label) <= 2 FROM '{tmp.File("eval/predictions.parquet")}'";
        using var r = cmd.ExecuteReader();
        Assert.True(r.Read());
        Assert.Equal(15, Convert.ToInt32(r.GetValue(0)));
        Assert.Equal(15, Convert.ToInt32(r.GetValue(1)));
        Assert.Equal(1.0, Convert.ToDouble(r.GetValue(2)), 9);
        Assert.Equal(1.0, Convert.ToDouble(r.GetValue(3)), 9);
        Assert.True(Convert.ToBoolean(r.GetValue(4)));
    }

    [Fact]
    public void Train_in_epochs_writes_learning_curves_and_the_test_confusion_matrix_and_keeps_plain_epoch_lines()
    {
        using var tmp = TestPaths.TempDir();
        // EEGNet for two short epochs on CBraMod's windows of three subjects (one each for train, val and test).
        string pipeline = Path.Combine(TestPaths.RepoRoot, "datasets", "pipelines", "cbramod-physionet-mi.json").Replace("\\", "/");
        var files = new[] { "S001", "S002", "S003" }.Select(s => $"\"{TestPaths.Shared($"eegmmidb/{s}/{s}R04.edf").Replace("\\", "/")}\"");
        string config = tmp.File("config.json");
        File.WriteAllText(config, $$"""
            {"name": "test", "data": {"pipeline": "{{pipeline}}", "files": [{{string.Join(", ", files)}}], "classes": ["left_fist", "right_fist"]},
             "model": {"name": "eegnet"}, "split": {"n_val": 1, "n_test": 1, "seed": 3},
             "trainer": {"epochs": 2, "batch_size": 8, "lr": 1e-3} }
            """);
        var run = Cli.Run("train", "--config", config, "--out", tmp.File("model"));
        Assert.True(run.ExitCode == 0, run.Stderr);

        var curves = File.ReadAllBytes(tmp.File("model/learning_curves.png"));
        var matrix = File.ReadAllBytes(tmp.File("model/confusion_matrix.png"));
        Assert.Equal((Plots.Width, Plots.Height), PlotsTests.PngSize(curves));
        Assert.Equal((Plots.Height + 100, Plots.Height), PlotsTests.PngSize(matrix));
        // The figure is the test split's matrix, drawn from the metrics the same run wrote.
        var result = TrainingResult.FromJson(File.ReadAllText(tmp.File("model/metrics.json")));
        Assert.Equal(Plots.ConfusionMatrix(result.Test!, "test"), matrix);

        // Redirected stderr (as here, in CI and in logs): no progress bar, one plain line per epoch; stdout unchanged.
        var epochLines = run.Stderr.Split('\n').Where(l => l.StartsWith("epoch ")).ToList();
        Assert.Equal(2, epochLines.Count);
        Assert.StartsWith("epoch 1/2: train loss ", epochLines[0]);
        Assert.DoesNotContain("\u001b[", run.Stderr);
        Assert.Equal(3, run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.StartsWith("windows train/val/test ", run.Stdout);
    }

    [Fact]
    public void Bad_configs_and_foreign_checkpoints_are_refused_by_name()
    {
        using var tmp = TestPaths.TempDir();
        var unknownKey = Cli.Run("train", "--config", Config(tmp, extra: ", \"epochz\": 3"), "--out", tmp.File("m"));
        Assert.Equal(2, unknownKey.ExitCode);
        Assert.Contains("epochz", unknownKey.Stderr);

        var unknownModel = Cli.Run("train", "--config", Config(tmp, model: "resnet"), "--out", tmp.File("m"));
        Assert.Equal(2, unknownModel.ExitCode);
        Assert.Contains("unknown model 'resnet'", unknownModel.Stderr);
        Assert.False(Directory.Exists(tmp.File("m")));

        // A CSP + LDA folder whose config claims EEGNet: the weights are not an EEGNet checkpoint.
        Assert.Equal(0, Cli.Run("train", "--config", Config(tmp), "--out", tmp.File("csp")).ExitCode);

        // A real recording with one EEG channel relabelled (EDF labels: 16 bytes each from byte 256).
        string renamed = tmp.File("S006R12-renamed.edf");
        var bytes = File.ReadAllBytes(TestPaths.Shared("eegmmidb/S006/S006R12.edf"));
        System.Text.Encoding.ASCII.GetBytes("Xx5.".PadRight(16)).CopyTo(bytes, 256);
        File.WriteAllBytes(renamed, bytes);
        var mismatch = Cli.Run("evaluate", "--model", tmp.File("csp"), "--out", tmp.File("e"), renamed);
        Assert.Equal(1, mismatch.ExitCode);
        string line = mismatch.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.Contains("lacks 1 channel(s) the model was trained on (Fc5.) and has 1 channel(s) the model was not trained on (Xx5.)", line);
        Assert.False(Directory.Exists(tmp.File("e")));
        string configPath = tmp.File("csp/config.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        json["model"] = "eegnet";
        json["model_config"] = System.Text.Json.Nodes.JsonNode.Parse("""{"n_chans": 64, "n_outputs": 2, "n_times": 481, "sfreq": 160}""");
        File.WriteAllText(configPath, json.ToJsonString());
        var foreign = Cli.Run("evaluate", "--model", tmp.File("csp"), "--out", tmp.File("e"), TestPaths.Shared("eegmmidb/S006/S006R12.edf"));
        Assert.Equal(2, foreign.ExitCode);
        Assert.Contains("cannot load the model", foreign.Stderr);
        Assert.Single(foreign.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Within_subject_k_fold_scores_every_subject_reproducibly_and_writes_no_model()
    {
        using var tmp = TestPaths.TempDir();
        string config = Config(tmp, evaluation: "\"within_subject\": {\"k\": 5, \"seed\": 42}");
        var run = Cli.Run("train", "--config", config, "--out", tmp.File("cv"));
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal(["config.json", "folds.json", "metrics.json", "pipeline.json", "subject_accuracy.png"],
            Directory.GetFiles(tmp.File("cv")).Select(Path.GetFileName).Order());
        using var metrics = JsonDocument.Parse(File.ReadAllText(tmp.File("cv/metrics.json")));
        var m = metrics.RootElement;
        Assert.Equal("within_subject", m.GetProperty("evaluation").GetString());
        Assert.Equal("auroc", m.GetProperty("score_metric").GetString());
        Assert.Equal(25, m.GetProperty("folds").GetArrayLength());   // 5 subjects x 5 folds
        var subjects = m.GetProperty("subjects").EnumerateArray().ToList();
        Assert.Equal(["001", "002", "003", "004", "005"], subjects.Select(s => s.GetProperty("subject").GetString()));
        // R04 + R08 give each subject 15 left and 15 right windows: every window is tested exactly once, 6 per fold.
        Assert.All(subjects, s => Assert.Equal(30, s.GetProperty("n_windows").GetInt32()));
        Assert.All(m.GetProperty("folds").EnumerateArray(), f => Assert.Equal(6, f.GetProperty("n_test").GetInt32()));
        Assert.Equal(subjects.Average(s => s.GetProperty("balanced_accuracy").GetDouble()), m.GetProperty("mean_balanced_accuracy").GetDouble(), 12);
        Assert.Contains("within-subject 5-fold, mean over 5 subjects", run.Stdout);

        var again = Cli.Run("train", "--config", config, "--out", tmp.File("cv2"));
        Assert.Equal(0, again.ExitCode);
        Assert.Equal(File.ReadAllText(tmp.File("cv/metrics.json")), File.ReadAllText(tmp.File("cv2/metrics.json")));

        var eval = Cli.Run("evaluate", "--model", tmp.File("cv"), "--out", tmp.File("e"), TestPaths.Shared("eegmmidb/S006/S006R12.edf"));
        Assert.Equal(2, eval.ExitCode);
        Assert.Contains("cross-validation results, not a model", eval.Stderr);

        var both = Cli.Run("train", "--config", Config(tmp, extra: ", \"within_subject\": {\"k\": 5}"), "--out", tmp.File("x"));
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("not both or neither", both.Stderr);
        var tooMany = Cli.Run("train", "--config", Config(tmp, evaluation: "\"within_subject\": {\"k\": 40}"), "--out", tmp.File("x"));
        Assert.Equal(2, tooMany.ExitCode);
        Assert.Contains("within_subject: subject 001: k (40) is more than its 30 windows", tooMany.Stderr);
    }

    [Fact]
    public void A_diverging_run_stops_with_one_line_naming_the_batch_and_writes_nothing()
    {
        using var tmp = TestPaths.TempDir();
        string config = Config(tmp, model: "eegnet", extra: ", \"trainer\": {\"epochs\": 1, \"batch_size\": 8, \"lr\": 1e30, \"max_grad_norm\": null}");
        var run = Cli.Run("train", "--config", config, "--out", tmp.File("m"));
        Assert.Equal(1, run.ExitCode);
        string line = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.Matches(@"^neurodecode train: error: epoch 1 batch \d+: training loss is (NaN|∞|-∞|Infinity) \(lower the learning rate", line);
        Assert.DoesNotContain("   at ", run.Stderr);
        Assert.False(Directory.Exists(tmp.File("m")));
    }
}
