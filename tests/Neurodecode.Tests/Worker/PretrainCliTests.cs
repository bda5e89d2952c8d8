using System.Text.Json;

namespace Neurodecode.Tests.Worker;

/// <summary>pretrain, then train from its checkpoint, through the real executable on real EEGMMIDB runs (a 2-layer
/// CBraMod keeps it to seconds).</summary>
public class PretrainCliTests
{
    private const string SmallCBraMod = """{"n_layers": 2, "n_heads": 4, "dim_feedforward": 100}""";
    private const string SmallClassifier = """{"n_layers": 2, "n_heads": 4, "dim_feedforward": 100, "head": "all_patch_reps"}""";

    private static string PretrainConfig(TempDir tmp, string model = "cbramod", string modelConfig = SmallCBraMod)
    {
        string pipeline = Path.Combine(TestPaths.RepoRoot, "datasets", "pipelines", "cbramod-pretrain.json").Replace("\\", "/");
        var files = new[] { "S001/S001R03.edf", "S002/S002R04.edf", "S003/S003R04.edf", "S004/S004R04.edf" }
            .Select(f => $"\"{TestPaths.Shared("eegmmidb/" + f).Replace("\\", "/")}\"");
        string path = tmp.File("pretrain.json");
        File.WriteAllText(path, $$"""
            {"name": "test-pretrain", "data": {"pipeline": "{{pipeline}}", "files": [{{string.Join(", ", files)}}]},
             "model": {"name": "{{model}}", "config": {{modelConfig}} }, "split": {"n_val": 1, "n_test": 1, "seed": 0},
             "pretrainer": {"epochs": 2, "batch_size": 16} }
            """);
        return path;
    }

    private static string FineTuneConfig(TempDir tmp, string modelConfig)
    {
        string pipeline = Path.Combine(TestPaths.RepoRoot, "datasets", "pipelines", "cbramod-physionet-mi.json").Replace("\\", "/");
        var files = new[] { "S001", "S002", "S003", "S004" }.Select(s => $"\"{TestPaths.Shared($"eegmmidb/{s}/{s}R04.edf").Replace("\\", "/")}\"");
        string path = tmp.File("finetune.json");
        File.WriteAllText(path, $$"""
            {"name": "test-finetune", "data": {"pipeline": "{{pipeline}}", "files": [{{string.Join(", ", files)}}], "classes": ["left_fist", "right_fist"]},
             "model": {"name": "cbramod", "config": {{modelConfig}}, "head_lr": 5e-4}, "split": {"n_val": 1, "n_test": 1, "seed": 0},
             "trainer": {"epochs": 1, "batch_size": 16} }
            """);
        return path;
    }

    [Fact]
    public void Pretrain_writes_a_checkpoint_that_train_fine_tunes_from_and_refuses_another_architecture()
    {
        using var tmp = TestPaths.TempDir();
        var pre = Cli.Run("pretrain", "--config", PretrainConfig(tmp), "--out", tmp.File("pre"));
        Assert.True(pre.ExitCode == 0, pre.Stderr);
        Assert.Equal(["config.json", "metrics.json", "model.bin", "pipeline.json", "split.json"],
            Directory.GetFiles(tmp.File("pre")).Select(Path.GetFileName).Order());
        using (var metrics = JsonDocument.Parse(File.ReadAllText(tmp.File("pre/metrics.json"))))
        {
            var m = metrics.RootElement;
            Assert.Equal(2, m.GetProperty("curves").GetArrayLength());
            Assert.True(m.GetProperty("best_val_loss").GetDouble() > 0);
            Assert.InRange(m.GetProperty("zero_baseline_val_loss").GetDouble(), 0.001, 1);
        }
        using (var split = JsonDocument.Parse(File.ReadAllText(tmp.File("pre/split.json"))))
            Assert.Equal(1, split.RootElement.GetProperty("test").GetArrayLength());
        Assert.Contains("left out", pre.Stdout);

        var scratch = Cli.Run("train", "--config", FineTuneConfig(tmp, SmallClassifier), "--out", tmp.File("scratch"));
        Assert.True(scratch.ExitCode == 0, scratch.Stderr);
        var tuned = Cli.Run("train", "--config", FineTuneConfig(tmp, SmallClassifier), "--out", tmp.File("tuned"), "--pretrained", tmp.File("pre"));
        Assert.True(tuned.ExitCode == 0, tuned.Stderr);
        // Same seed, same data: only the starting backbone differs, so the first epoch's loss must too.
        double FirstLoss(string dir)
        {
            using var m = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "metrics.json")));
            return m.RootElement.GetProperty("curves")[0].GetProperty("train_loss").GetDouble();
        }
        Assert.NotEqual(FirstLoss(tmp.File("scratch")), FirstLoss(tmp.File("tuned")));

        var other = Cli.Run("train", "--config", FineTuneConfig(tmp, """{"n_layers": 3, "n_heads": 4, "dim_feedforward": 100, "head": "all_patch_reps"}"""),
            "--out", tmp.File("other"), "--pretrained", tmp.File("pre"));
        Assert.Equal(2, other.ExitCode);
        string error = other.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];   // after the info log lines
        Assert.StartsWith("neurodecode train: error: model.pretrained:", error);
        Assert.Contains("encoder.layers.2", error);
        Assert.False(Directory.Exists(tmp.File("other")));
    }

    [Fact]
    public void Pretraining_a_model_without_a_masked_objective_or_with_labels_is_refused()
    {
        using var tmp = TestPaths.TempDir();
        var eegnet = Cli.Run("pretrain", "--config", PretrainConfig(tmp, model: "eegnet", modelConfig: "{}"), "--out", tmp.File("p"));
        Assert.Equal(2, eegnet.ExitCode);
        Assert.Contains("'eegnet' has none", eegnet.Stderr);
        Assert.False(Directory.Exists(tmp.File("p")));

        var missing = Cli.Run("train", "--config", FineTuneConfig(tmp, SmallClassifier), "--out", tmp.File("t"), "--pretrained", tmp.File("nowhere"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("no such checkpoint", missing.Stderr);
    }
}
