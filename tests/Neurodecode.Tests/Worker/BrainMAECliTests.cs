using System.Text.Json;

namespace Neurodecode.Tests.Worker;

/// <summary>brainmae through the real executable: pretrain on ABIDE ROI windows, and — switching modality by config
/// only — pretrain on EEG windows, then train from that checkpoint and refuse one of another shape.</summary>
public class BrainMAECliTests
{
    private const string Small = "\"segment_len\": 200, \"d_model\": 16, \"n_heads\": 2, \"graph_layers\": 1, \"temporal_layers\": 1, \"dim_feedforward\": 32";

    private static string Json(string path) => $"\"{path.Replace("\\", "/")}\"";

    [Fact]
    public void Pretrain_on_abide_reports_the_model_next_to_three_baselines()
    {
        using var tmp = TestPaths.TempDir();
        var files = new[] { "MaxMun_a_0051318", "MaxMun_a_0051319", "OHSU_0050142" }
            .Select(f => Json(TestPaths.Shared($"abide/rois_cc200/{f}_rois_cc200.1D")));
        string config = tmp.File("pretrain.json");
        File.WriteAllText(config, $$"""
            {"name": "test-abide", "data": {"pipeline": {{Json(Path.Combine(TestPaths.RepoRoot, "datasets", "pipelines", "abide-roi-windows.json"))}},
              "files": [{{string.Join(", ", files)}}]},
             "model": {"name": "brainmae", "config": {"segment_len": 8, "d_model": 16, "n_heads": 2, "graph_layers": 1, "temporal_layers": 1, "dim_feedforward": 32} },
             "split": {"n_val": 1, "n_test": 1, "seed": 0}, "pretrainer": {"epochs": 1, "batch_size": 2} }
            """);
        var run = Cli.Run("pretrain", "--config", config, "--out", tmp.File("pre"));
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("predicting zeros: ", run.Stdout);
        Assert.Contains("region mean: ", run.Stdout);
        Assert.Contains("interpolation: ", run.Stdout);
        using var metrics = JsonDocument.Parse(File.ReadAllText(tmp.File("pre/metrics.json")));
        var m = metrics.RootElement;
        foreach (var key in new[] { "best_val_masked_mse", "zero_baseline_val_mse", "region_mean_baseline_val_mse", "interpolation_baseline_val_mse" })
            Assert.True(m.GetProperty(key).GetDouble() > 0, key);
        using var saved = JsonDocument.Parse(File.ReadAllText(tmp.File("pre/config.json")));
        Assert.Equal("brainmae", saved.RootElement.GetProperty("model").GetString());
        Assert.Equal(200, saved.RootElement.GetProperty("model_config").GetProperty("n_chans").GetInt32());
        Assert.Equal("embedding", saved.RootElement.GetProperty("model_config").GetProperty("head").GetString());

        File.WriteAllText(config, File.ReadAllText(config).Replace("\"batch_size\": 2", "\"batch_size\": 2, \"mask_ratio\": 0.3"));
        var refused = Cli.Run("pretrain", "--config", config, "--out", tmp.File("p2"));
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("pretrainer.mask_ratio: brainmae's mask ratio is its model config's mask_ratio", refused.Stderr);
    }

    [Fact]
    public void The_same_model_pretrains_and_fine_tunes_on_eeg_by_config_and_a_mismatched_encoder_is_refused()
    {
        using var tmp = TestPaths.TempDir();
        string pipelines = Path.Combine(TestPaths.RepoRoot, "datasets", "pipelines");
        var pre = new[] { "S001/S001R03.edf", "S002/S002R04.edf", "S003/S003R04.edf" }.Select(f => Json(TestPaths.Shared("eegmmidb/" + f)));
        File.WriteAllText(tmp.File("pretrain.json"), $$"""
            {"name": "test-eeg-pretrain", "data": {"pipeline": {{Json(Path.Combine(pipelines, "cbramod-pretrain.json"))}}, "files": [{{string.Join(", ", pre)}}]},
             "model": {"name": "brainmae", "config": { {{Small}} } }, "split": {"n_val": 1, "n_test": 1, "seed": 0},
             "pretrainer": {"epochs": 1, "batch_size": 16} }
            """);
        var p = Cli.Run("pretrain", "--config", tmp.File("pretrain.json"), "--out", tmp.File("pre"));
        Assert.True(p.ExitCode == 0, p.Stderr);

        string FineTune(string model)
        {
            var files = new[] { "S001", "S002", "S003" }.Select(s => Json(TestPaths.Shared($"eegmmidb/{s}/{s}R04.edf")));
            string path = tmp.File("finetune.json");
            File.WriteAllText(path, $$"""
                {"name": "test-eeg-finetune", "data": {"pipeline": {{Json(Path.Combine(pipelines, "cbramod-physionet-mi.json"))}}, "files": [{{string.Join(", ", files)}}],
                  "classes": ["left_fist", "right_fist"]},
                 "model": {"name": "brainmae", "config": { {{model}}, "head": "classification" }, "head_lr": 1e-3}, "split": {"n_val": 1, "n_test": 1, "seed": 0},
                 "trainer": {"epochs": 1, "batch_size": 16} }
                """);
            return path;
        }
        var scratch = Cli.Run("train", "--config", FineTune(Small), "--out", tmp.File("scratch"));
        Assert.True(scratch.ExitCode == 0, scratch.Stderr);
        var tuned = Cli.Run("train", "--config", FineTune(Small), "--out", tmp.File("tuned"), "--pretrained", tmp.File("pre"));
        Assert.True(tuned.ExitCode == 0, tuned.Stderr);
        double FirstLoss(string dir)
        {
            using var m = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "metrics.json")));
            return m.RootElement.GetProperty("curves")[0].GetProperty("train_loss").GetDouble();
        }
        Assert.NotEqual(FirstLoss(tmp.File("scratch")), FirstLoss(tmp.File("tuned")));   // only the starting encoder differs

        var other = Cli.Run("train", "--config", FineTune(Small.Replace("\"graph_layers\": 1", "\"graph_layers\": 2")), "--out", tmp.File("other"),
            "--pretrained", tmp.File("pre"));
        Assert.Equal(2, other.ExitCode);
        string error = other.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.StartsWith("neurodecode train: error: model.pretrained:", error);
        Assert.Contains("missing graph_layers.1.", error);
        Assert.False(Directory.Exists(tmp.File("other")));
    }
}
