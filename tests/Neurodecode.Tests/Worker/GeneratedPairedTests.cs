using System.Text.Json;
using System.Text.Json.Serialization;
using DuckDB.NET.Data;
using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Formats.Parquet;
using Neurodecode.Ingest.Signals;
using Neurodecode.Ingest.Stimuli;
using Parquet.Serialization;

namespace Neurodecode.Tests.Worker;

/// <summary>
/// Paired data generated from real EEGMMIDB runs (S001 runs 4, 8, 12 as backgrounds): 60 stimuli of dimension 16, 20
/// held out for the zero-shot test, training stimuli shown twice, test stimuli three times; once with a planted
/// response (snr 1) and once without (snr 0). Trained once each through the real executable with the repository's
/// paired-planted pipeline: ridge, and a small brain module (the repository's brain-module config, shrunk to train in
/// seconds).
/// </summary>
public sealed class GeneratedPairedFixture : IDisposable
{
    private readonly TempDir _dir = TestPaths.TempDir();

    public static readonly string[] Backgrounds = ["S001/S001R04.edf", "S001/S001R08.edf", "S001/S001R12.edf"];

    public GeneratedPairedFixture()
    {
        foreach (var (name, snr) in new[] { ("snr1", 1.0), ("snr0", 0.0) })
        {
            var options = new PairedDataOptions(Backgrounds.Select(b => TestPaths.Shared("eegmmidb/" + b)).ToList(),
                Stimuli: 60, TestStimuli: 20, TrainRepetitions: 2, TestRepetitions: 3, Dim: 16, Snr: snr, Seed: 7);
            Directory.CreateDirectory(Data(name));
            new PairedDataGenerator(options).WriteAsync(Data(name)).GetAwaiter().GetResult();
            var train = Cli.Run("train", "--config", Config(name), "--out", Model(name));
            Assert.True(train.ExitCode == 0, train.Stderr);
            TrainStdout[name] = train.Stdout;
            train = Cli.Run("train", "--config", BrainModuleConfig(name), "--out", Model("bm-" + name));
            Assert.True(train.ExitCode == 0, train.Stderr);
            TrainStdout["bm-" + name] = train.Stdout;
        }
    }

    /// <summary>The repository's brain-module config on a generated folder, shrunk: 32 virtual channels, 4 Fourier
    /// frequencies, two conv layers of 32, 20 epochs; 8 of the 40 training stimuli select the epoch.</summary>
    public string BrainModuleConfig(string name)
    {
        var config = System.Text.Json.Nodes.JsonNode.Parse(ConfigText("paired-planted-brain-module.json", name, null))!;
        config["model"]!["config"] = System.Text.Json.Nodes.JsonNode.Parse(
            """{"merger_channels": 32, "fourier_freqs": 4, "hidden": 32, "depth": 2, "dilation_period": 2}""");
        config["model"]!["subject_layers"] = true;
        config["model"]!["val_stimuli"] = 8;
        config["model"]!["trainer"] = System.Text.Json.Nodes.JsonNode.Parse("""{"epochs": 20, "batch_size": 16, "lr": 1e-3, "seed": 0}""");
        string path = _dir.File($"config-bm-{name}.json");
        System.IO.File.WriteAllText(path, config.ToJsonString());
        return path;
    }

    public Dictionary<string, string> TrainStdout { get; } = [];
    public string Data(string name) => _dir.File(name);
    public string Model(string name) => _dir.File("model-" + name);
    public string File(string name) => _dir.File(name);

    /// <summary>The repository's benchmark config pointed at a generated folder (and optionally another table).</summary>
    public string Config(string name, string? table = null)
    {
        string path = _dir.File($"config-{name}-{Guid.NewGuid():N}.json");
        System.IO.File.WriteAllText(path, ConfigText("paired-planted-ridge.json", name, table));
        return path;
    }

    private string ConfigText(string benchmark, string name, string? table) =>
        System.IO.File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "datasets", "benchmarks", benchmark))
            .Replace("../pipelines/", Path.Combine(TestPaths.RepoRoot, "datasets", "pipelines") + "/")
            .Replace("../../paired/stimuli.parquet", table ?? Data(name) + "/stimuli.parquet")
            .Replace("../../paired", Data(name));

    public void Dispose() => _dir.Dispose();
}

/// <summary>In the torch collection: the serve test sets torch's thread count in this process.</summary>
[Collection(nameof(Models.Training.TorchRngCollection))]
public class GeneratedPairedTests(GeneratedPairedFixture paired) : IClassFixture<GeneratedPairedFixture>
{
    private static JsonElement Test(string modelDir) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(modelDir, "metrics.json"))).RootElement.GetProperty("test");

    [Fact]
    public void Generated_paired_ridge_retrieves_the_held_out_stimuli_far_above_chance_at_snr_1()
    {
        var test = Test(paired.Model("snr1"));
        Assert.Equal(60, test.GetProperty("n_windows").GetInt32());
        Assert.Equal(20, test.GetProperty("n_candidates").GetInt32());
        Assert.Equal(0.25, test.GetProperty("chance").GetProperty("top5").GetDouble());
        Assert.True(test.GetProperty("top5").GetDouble() >= 0.9, test.ToString());
        Assert.True(test.GetProperty("top1").GetDouble() >= 0.5, test.ToString());
        Assert.True(test.GetProperty("mean_cosine").GetDouble() > 0.5, test.ToString());
        Assert.Contains("test: 60 windows among 20 candidates", paired.TrainStdout["snr1"]);
    }

    [Fact]
    public void Generated_paired_ridge_falls_to_chance_without_the_planted_signal()
    {
        var test = Test(paired.Model("snr0"));
        static void InBand(double share, double p, string what) =>
            Assert.True(Math.Abs(share - p) <= Band(p), $"{what} {share} outside chance {p} ± {Band(p):0.000}");
        InBand(test.GetProperty("top1").GetDouble(), 0.05, "top-1");
        InBand(test.GetProperty("top5").GetDouble(), 0.25, "top-5");
        // The mean rank of 60 uniform ranks in 1..20: sd sqrt((20² - 1)/12 / 60).
        Assert.True(Math.Abs(test.GetProperty("mean_rank").GetDouble() - 10.5) <= 3.29 * Math.Sqrt(399.0 / 12 / 60), test.ToString());
    }

    /// <summary>60 windows, chance p: the binomial 99.9 % band (±3.29 sd) around chance.</summary>
    private static double Band(double p) => 3.29 * Math.Sqrt(p * (1 - p) / 60);

    [Fact]
    public void Generated_paired_brain_module_trains_through_the_cli_and_retrieves_above_chance_at_snr_1()
    {
        var test = Test(paired.Model("bm-snr1"));
        Assert.Equal(20, test.GetProperty("n_candidates").GetInt32());
        Assert.True(test.GetProperty("top5").GetDouble() > 0.25 + Band(0.25), test.ToString());
        Assert.True(test.GetProperty("mean_rank").GetDouble() < 10.5 - 3.29 * Math.Sqrt(399.0 / 12 / 60), test.ToString());
        Assert.Contains("meg_brain_module: epoch ", paired.TrainStdout["bm-snr1"]);
        Assert.Contains("among 8 held-out training stimuli", paired.TrainStdout["bm-snr1"]);

        var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(paired.Model("bm-snr1"), "config.json"))).RootElement;
        Assert.Equal("meg_brain_module", config.GetProperty("model").GetString());
        Assert.Equal(["001"], config.GetProperty("subjects").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(64, config.GetProperty("channel_scaler").GetProperty("mean").GetArrayLength());
        Assert.Equal(16, config.GetProperty("model_config").GetProperty("n_outputs").GetInt32());
        var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(paired.Model("bm-snr1"), "metrics.json"))).RootElement;
        Assert.Equal(20, metrics.GetProperty("curves").GetArrayLength());
        Assert.Equal(8, metrics.GetProperty("val_stimuli").GetArrayLength());

        // evaluate reloads the folder (weights, scaler, subjects) and scores the same windows the same way.
        var eval = Cli.Run("evaluate", "--model", paired.Model("bm-snr1"), "--out", paired.File("eval-bm"),
            Directory.GetFiles(Path.Combine(paired.Data("snr1"), "test")).Single());
        Assert.True(eval.ExitCode == 0, eval.Stderr);
        var scored = JsonDocument.Parse(File.ReadAllText(paired.File("eval-bm/metrics.json"))).RootElement;
        foreach (var key in new[] { "top1", "top5", "mean_rank", "mean_cosine" })
            Assert.Equal(test.GetProperty(key).GetDouble(), scored.GetProperty(key).GetDouble(), 1e-6);
    }

    [Fact]
    public void Generated_paired_brain_module_falls_to_chance_without_the_planted_signal()
    {
        var test = Test(paired.Model("bm-snr0"));
        Assert.True(Math.Abs(test.GetProperty("top5").GetDouble() - 0.25) <= Band(0.25), test.ToString());
        Assert.True(Math.Abs(test.GetProperty("mean_rank").GetDouble() - 10.5) <= 3.29 * Math.Sqrt(399.0 / 12 / 60), test.ToString());
    }

    [Fact]
    public async Task Generated_paired_brain_module_refuses_recordings_of_a_subject_it_has_no_layer_for()
    {
        // A recording's subject is in its Parquet metadata (here the background's): generate one on S002's run.
        var options = new PairedDataOptions([TestPaths.Shared("eegmmidb/S002/S002R04.edf"), TestPaths.Shared("eegmmidb/S002/S002R08.edf")],
            Stimuli: 60, TestStimuli: 20, TrainRepetitions: 1, TestRepetitions: 1, Dim: 16, Snr: 1, Seed: 7);
        await new PairedDataGenerator(options).WriteAsync(paired.File("s002"));
        string other = Path.Combine(paired.File("s002"), "train", "S002R04.edf.parquet");
        var result = Cli.Run("decode", "--model", paired.Model("bm-snr1"), "--out", paired.File("decoded-s002"), other);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"neurodecode decode: error: {other}: subject '002' has no subject layer in this model (trained on 001)", result.Stderr);
        Assert.False(Directory.Exists(paired.File("decoded-s002")) && Directory.EnumerateFileSystemEntries(paired.File("decoded-s002")).Any());
    }

    [Fact]
    public void Generated_paired_train_epochs_override_reaches_a_torch_aligner_and_is_refused_for_ridge()
    {
        var bm = Cli.Run("train", "--config", paired.BrainModuleConfig("snr1"), "--out", paired.File("model-bm-2epochs"), "--epochs", "2");
        Assert.True(bm.ExitCode == 0, bm.Stderr);
        var metrics = JsonDocument.Parse(File.ReadAllText(paired.File("model-bm-2epochs/metrics.json"))).RootElement;
        Assert.Equal(2, metrics.GetProperty("curves").GetArrayLength());
        var ridge = Cli.Run("train", "--config", paired.Config("snr1"), "--out", paired.File("model-ridge-epochs"), "--epochs", "2");
        Assert.Equal(2, ridge.ExitCode);
        Assert.Equal("neurodecode train: error: --pretrained and --epochs are for torch aligners; ridge is fitted in closed form", ridge.Stderr.Trim());
        Assert.False(Directory.Exists(paired.File("model-ridge-epochs")));
    }

    /// <summary>
    /// MindBridge's reset-tuning through <c>train --pretrained</c>: S002's recordings (the same stimuli and planted map,
    /// seed 7) add a subject layer to the S001 brain module, training only it and the head; the grown model retrieves
    /// S002's held-out stimuli above chance and still decodes S001.
    /// </summary>
    [Fact]
    public async Task Generated_paired_brain_module_adds_a_subject_by_reset_tuning_its_layer_and_the_head()
    {
        var options = new PairedDataOptions(GeneratedPairedFixture.Backgrounds.Select(b => TestPaths.Shared("eegmmidb/" + b.Replace("S001", "S002"))).ToList(),
            Stimuli: 60, TestStimuli: 20, TrainRepetitions: 2, TestRepetitions: 3, Dim: 16, Snr: 1, Seed: 7);
        await new PairedDataGenerator(options).WriteAsync(paired.Data("s002-tune"));
        string tuned = paired.File("model-bm-s002");
        var train = Cli.Run("train", "--config", paired.BrainModuleConfig("s002-tune"), "--out", tuned, "--pretrained", paired.Model("bm-snr1"));
        Assert.True(train.ExitCode == 0, train.Stderr);
        Assert.Contains("reset-tuned for subject '002' (its layer and the head)", train.Stdout);
        var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(tuned, "config.json"))).RootElement;
        Assert.Equal(["001", "002"], config.GetProperty("subjects").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal("002", JsonDocument.Parse(File.ReadAllText(Path.Combine(tuned, "metrics.json"))).RootElement
            .GetProperty("reset_tuning").GetProperty("subject").GetString());
        Assert.True(Test(tuned).GetProperty("top5").GetDouble() > 0.25 + Band(0.25), Test(tuned).ToString());

        string s001 = Directory.GetFiles(Path.Combine(paired.Data("snr1"), "test")).Single();
        var old = Cli.Run("evaluate", "--model", tuned, "--out", paired.File("eval-tuned-s001"), s001);
        Assert.True(old.ExitCode == 0, old.Stderr);

        // No new subject in the recordings, or a model without subject layers: one line each, nothing written.
        var none = Cli.Run("train", "--config", paired.BrainModuleConfig("snr1"), "--out", paired.File("model-none"), "--pretrained", paired.Model("bm-snr1"));
        Assert.Equal(2, none.ExitCode);
        Assert.Contains($"--pretrained {paired.Model("bm-snr1")}: reset-tuning adds one subject at a time; the training recordings bring 0", none.Stderr);
        var ridge = Cli.Run("train", "--config", paired.BrainModuleConfig("s002-tune"), "--out", paired.File("model-none"), "--pretrained", paired.Model("snr1"));
        Assert.Equal(2, ridge.ExitCode);
        Assert.Contains("reset-tuning grows a torch aligner with subject layers; this ridge has none", ridge.Stderr);
        Assert.False(Directory.Exists(paired.File("model-none")));
    }

    [Fact]
    public void Generated_paired_recordings_hold_exactly_the_planted_response_at_the_stated_snr()
    {
        // The generated recording minus its EDF background is, at each trial, snr * rms_bg(c) / rms_W(c) * (W e)_c.
        using var background = SignalFormats.OpenRecording(TestPaths.Shared("eegmmidb/S001/S001R04.edf"));
        using var generated = ParquetRecording.Open(Path.Combine(paired.Data("snr1"), "train", "S001R04.edf.parquet"));
        var table = StimulusTable.Read(Path.Combine(paired.Data("snr1"), "stimuli.parquet"));
        var (shape, w) = Npy.Read(Path.Combine(paired.Data("snr1"), "response_map.npy"));
        Assert.Equal([16L, 64, 80], shape);
        var bg = background.ReadAll().Data;
        var gen = generated.ReadAll().Data;
        int n = (int)background.Info.NSamples;
        Assert.Equal(n, generated.Info.NSamples);
        Assert.All(generated.Annotations, a => Assert.StartsWith("stimulus/", a.Description));
        var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(paired.Data("snr1"), "manifest.json"))).RootElement;
        Assert.Equal(manifest.GetProperty("recordings")[0].GetProperty("trials").GetInt32(), generated.Annotations.Count);
        foreach (int c in new[] { 0, 31, 63 })
        {
            var x = bg.AsSpan(c * n, n).ToArray();
            double mean = x.Average(), rmsBg = Math.Sqrt(x.Sum(v => (v - mean) * (v - mean)) / n);
            double ss = 0;
            foreach (var e in table.Embeddings)
                for (int t = 0; t < 80; t++)
                {
                    double r = 0;
                    for (int k = 0; k < 16; k++) r += w[(k * 64 + c) * 80 + t] * e[k];
                    ss += r * r;
                }
            double rmsW = Math.Sqrt(ss / (60 * 80));
            foreach (var a in generated.Annotations.Take(5))
            {
                var e = table.Embeddings[table.IndexOf(a.Description["stimulus/".Length..])];
                int onset = (int)Math.Round(a.Onset * 160);
                for (int t = 0; t < 80; t++)
                {
                    double r = 0;
                    for (int k = 0; k < 16; k++) r += w[(k * 64 + c) * 80 + t] * e[k];
                    double expected = 1.0 * rmsBg / rmsW * r, planted = gen[c * n + onset + t] - bg[c * n + onset + t];
                    Assert.True(Math.Abs(planted - expected) <= 1e-9 * rmsBg, $"channel {c} trial at {a.Onset} s sample {t}: {planted} vs {expected}");
                }
            }
            // Outside the trials the background is untouched.
            Assert.Equal(bg[c * n + 10], gen[c * n + 10]);
        }
    }

    [Fact]
    public void Generated_paired_evaluate_and_decode_give_topk_ids_scores_captions_and_embeddings()
    {
        string testFile = Path.Combine(paired.Data("snr1"), "test", "S001R12.edf.parquet");
        var eval = Cli.Run("evaluate", "--model", paired.Model("snr1"), "--out", paired.File("eval"), testFile);
        Assert.True(eval.ExitCode == 0, eval.Stderr);
        Assert.StartsWith("60 windows among 20 candidates: top-1", eval.Stdout);
        var metrics = JsonDocument.Parse(File.ReadAllText(paired.File("eval/metrics.json"))).RootElement;
        Assert.Equal(Test(paired.Model("snr1")).GetProperty("top5").GetDouble(), metrics.GetProperty("top5").GetDouble());

        var decode = Cli.Run("decode", "--model", paired.Model("snr1"), "--out", paired.File("decoded"), testFile);
        Assert.True(decode.ExitCode == 0, decode.Stderr);
        var table = StimulusTable.Read(Path.Combine(paired.Data("snr1"), "stimuli.parquet"));
        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        using var cmd = db.CreateCommand();
        // Candidates are the model's whole table (60): the best match is still mostly the shown stimulus.
        cmd.CommandText = $"SELECT stimulus, top1_id, top1_score, top5_score, caption, emb_0, emb_15 FROM '{paired.File("decoded/S001R12.edf.parquet.parquet")}' ORDER BY onset_s";
        using var r = cmd.ExecuteReader();
        int rows = 0, hits = 0;
        while (r.Read())
        {
            rows++;
            if (r.GetString(0) == r.GetString(1)) hits++;
            Assert.True(r.GetDouble(2) >= r.GetDouble(3));
            Assert.Equal(table.Caption(table.IndexOf(r.GetString(1))), r.GetString(4));
            Assert.True(float.IsFinite(r.GetFloat(5)) && float.IsFinite(r.GetFloat(6)));
        }
        Assert.Equal(60, rows);
        Assert.True(hits >= 30, $"{hits} of 60 best matches are the shown stimulus");
    }

    [Fact]
    public void Generated_paired_bench_reports_ridge_next_to_chance_with_a_manifest_of_its_inputs()
    {
        var bench = Cli.Run("bench", "--config", paired.Config("snr1"), "--out", paired.File("bench"));
        Assert.True(bench.ExitCode == 0, bench.Stderr);
        var metrics = JsonDocument.Parse(File.ReadAllText(paired.File("bench/metrics.json"))).RootElement;
        var ridge = metrics.GetProperty("models").GetProperty("ridge").GetProperty("test");
        // The same data and config as the fixture's train: the same scores.
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(Test(paired.Model("snr1")).GetRawText()),
            System.Text.Json.Nodes.JsonNode.Parse(ridge.GetRawText())), ridge.ToString());
        string report = File.ReadAllText(paired.File("bench/report.md"));
        Assert.Contains("| ridge | ", report);
        Assert.Contains("| chance | 0.0500 | 0.2500 | 10.50 |", report);
        var manifest = JsonDocument.Parse(File.ReadAllText(paired.File("bench/manifest.json"))).RootElement;
        var roles = manifest.GetProperty("inputs").EnumerateArray().Select(i => i.GetProperty("role").GetString()).ToList();
        Assert.Equal(1, roles.Count(r => r == "stimuli"));
        Assert.Equal(2, roles.Count(r => r == "recording"));
        Assert.Equal(1, roles.Count(r => r == "test_recording"));
        Assert.True(Directory.Exists(paired.File("bench/model")));
    }

    [Fact]
    public void Generated_paired_bench_of_a_brain_module_trains_the_ridge_baseline_beside_it_and_verifies()
    {
        var bench = Cli.Run("bench", "--config", paired.BrainModuleConfig("snr1"), "--out", paired.File("bench-bm"));
        Assert.True(bench.ExitCode == 0, bench.Stderr);
        var models = JsonDocument.Parse(File.ReadAllText(paired.File("bench-bm/metrics.json"))).RootElement.GetProperty("models");
        // The baseline is ridge with its defaults on the same windows: the fixture's ridge, score for score.
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(Test(paired.Model("snr1")).GetRawText()),
            System.Text.Json.Nodes.JsonNode.Parse(models.GetProperty("ridge").GetProperty("test").GetRawText())));
        Assert.True(models.GetProperty("meg_brain_module").GetProperty("test").GetProperty("top5").GetDouble() > 0.25 + Band(0.25));
        string report = File.ReadAllText(paired.File("bench-bm/report.md"));
        Assert.Contains("| meg_brain_module | ", report);
        Assert.Contains("| ridge | ", report);
        Assert.Contains("| chance | 0.0500 | 0.2500 | 10.50 |", report);
        Assert.True(File.Exists(paired.File("bench-bm/model/model.bin")) && File.Exists(paired.File("bench-bm/ridge/model.bin")));
        // Seeded training on two threads: a rerun of both models gives every metric again.
        var verify = Cli.Run("bench", "--verify", paired.File("bench-bm"));
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        Assert.Equal("identical", verify.Stdout.Trim());
    }

    /// <summary>
    /// The daemon serving an aligner: a test recording replayed window by window (hop one sample) is answered with
    /// the top-5 stimuli, the best match's caption and the embedding; the windows that are exactly a trial's (the
    /// pipeline's causal form, not the zero-phase filter the model trained through) retrieve the shown stimulus far
    /// above chance.
    /// </summary>
    [Theory]
    [InlineData("snr1")]
    [InlineData("bm-snr1")]
    public async Task Generated_paired_aligners_serve_top_k_stimuli_captions_and_embeddings_live(string model)
    {
        string file = Directory.GetFiles(Path.Combine(paired.Data("snr1"), "test")).Single();
        var options = new Neurodecode.Pipeline.Worker.Live.ServeOptions
            { Model = paired.Model(model), Listen = "127.0.0.1:0", Workers = 2, PendingWindows = 1_000_000, HopS = 1 / 160.0 };
        await using var daemon = new Live.RunningDaemon(options);
        var result = await Neurodecode.Pipeline.Worker.Live.ReplayClient.RunAsync(file, daemon.Endpoint, 0, 0.0625, null, CancellationToken.None, maxSeconds: 60);
        Assert.Null(result.Error);
        var first = System.Text.Json.Nodes.JsonNode.Parse(result.Lines[0])!["model"]!;
        Assert.Equal("align", first["task"]!.GetValue<string>());
        Assert.Equal(60, first["candidates"]!.GetValue<int>());   // the whole table: training and test stimuli

        var table = StimulusTable.Read(Path.Combine(paired.Model(model), "stimuli.parquet"));
        var answers = result.Lines.Skip(1).Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!)
            .ToDictionary(a => a["window_end_sample"]!.GetValue<long>());
        Assert.True(answers.Count > 9000, $"{answers.Count} windows");
        using var recording = SignalFormats.OpenRecording(file);
        int hits = 0, trials = 0;
        foreach (var a in recording.Annotations.Where(a => a.Onset + 0.5 <= 60))
        {
            var answer = answers[(long)Math.Round(a.Onset * 160) + 80];
            var top = answer["top"]!.AsArray().Select(t => (Id: t!["stimulus_id"]!.GetValue<string>(), Score: t["score"]!.GetValue<double>())).ToList();
            Assert.Equal(5, top.Count);
            Assert.Equal(top.Select(t => t.Score).OrderDescending(), top.Select(t => t.Score));
            Assert.Equal(top[0].Id, answer["stimulus_id"]!.GetValue<string>());
            Assert.Equal(table.Caption(table.IndexOf(top[0].Id)), answer["caption"]?.GetValue<string>());
            Assert.Equal(16, answer["embedding"]!.AsArray().Count);
            trials++;
            if (top.Any(t => "stimulus/" + t.Id == a.Description)) hits++;
        }
        Assert.True(trials >= 30, $"{trials} trials");
        double chance = 5 / 60.0;
        Assert.True(hits > trials * (chance + 3.29 * Math.Sqrt(chance * (1 - chance) / trials)), $"{hits} of {trials} trial windows have the shown stimulus in their top 5");
    }

    [Fact]
    public void Generated_paired_decode_refuses_a_recording_without_the_trained_channels()
    {
        string other = TestPaths.Shared("formats/brainvision/test.vhdr");
        var result = Cli.Run("decode", "--model", paired.Model("snr1"), "--out", paired.File("decoded-other"), "--sliding", "0.5", other);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"neurodecode decode: error: {other}: lacks 64 channel(s) the model was trained on (Fc5., Fc3.", result.Stderr);
    }

    [Fact]
    public void Generated_paired_annotations_naming_unknown_stimuli_are_a_one_line_error()
    {
        // A corrupted copy of the table without stim-0000, which the training recordings show.
        var table = StimulusTable.Read(Path.Combine(paired.Data("snr1"), "stimuli.parquet"));
        string cut = paired.File("cut.parquet");
        table.Subset(Enumerable.Range(1, table.Count - 1).ToList()).WriteAsync(cut).GetAwaiter().GetResult();
        var result = Cli.Run("train", "--config", paired.Config("snr1", cut), "--out", paired.File("never"));
        Assert.Equal(1, result.ExitCode);
        Assert.Matches(@"^neurodecode train: error: .*S001R04\.edf\.parquet: annotation 'stimulus/stim-0000' at [0-9.]+ s names stimulus 'stim-0000', which is not in .*cut\.parquet \(59 stimuli\)\n$",
            result.Stderr.Split('\n').Where(l => !l.StartsWith("info:") && !l.StartsWith("      ")).Aggregate("", (a, l) => a + (l.Length > 0 ? l + "\n" : "")));
        Assert.False(Directory.Exists(paired.File("never")));
    }

    private sealed class LooseRow
    {
        [JsonPropertyName("stimulus_id")] public string? StimulusId { get; set; }
        [JsonPropertyName("embedding")] public float[]? Embedding { get; set; }
        [JsonPropertyName("caption")] public string? Caption { get; set; }
    }

    private sealed class NoEmbeddingRow
    {
        [JsonPropertyName("stimulus_id")] public string? StimulusId { get; set; }
        [JsonPropertyName("caption")] public string? Caption { get; set; }
    }

    public static TheoryData<string, string> BadTables => new()
    {
        { "duplicate", "rows 0 and 3 have the same stimulus_id 'stim-0000'" },
        { "ragged", "row 2 ('stim-0002'): embedding has 15 values, row 0 has 16 (embeddings must all have the same length)" },
        { "nan", "row 1 ('stim-0001'): embedding[4] is NaN (values must be finite)" },
        { "missing", "no 'embedding' column (columns: stimulus_id, caption; a stimulus table has stimulus_id, embedding and optionally caption)" },
        { "truncated", "not a readable stimulus table" },
    };

    [Theory]
    [MemberData(nameof(BadTables))]
    public async Task Generated_paired_stimulus_table_corruptions_are_one_line_errors_naming_the_file(string corruption, string message)
    {
        string source = Path.Combine(paired.Data("snr1"), "stimuli.parquet");
        var table = StimulusTable.Read(source);
        using var tmp = TestPaths.TempDir();
        string path = tmp.File(corruption + ".parquet");
        var rows = table.Ids.Select((id, i) => new LooseRow { StimulusId = id, Embedding = (float[])table.Embeddings[i].Clone(), Caption = table.Caption(i) }).ToList();
        switch (corruption)
        {
            case "duplicate": rows[3].StimulusId = "stim-0000"; break;
            case "ragged": rows[2].Embedding = rows[2].Embedding![..15]; break;
            case "nan": rows[1].Embedding![4] = float.NaN; break;
        }
        if (corruption == "missing")
            await ParquetSerializer.SerializeAsync(rows.Select(r => new NoEmbeddingRow { StimulusId = r.StimulusId, Caption = r.Caption }), path);
        else if (corruption == "truncated")
            File.WriteAllBytes(path, File.ReadAllBytes(source)[..^100]);
        else
            await ParquetSerializer.SerializeAsync(rows, path);
        var e = Assert.Throws<InvalidRecordingException>(() => StimulusTable.Read(path));
        Assert.Equal(path, e.FilePath);
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Generated_paired_stimulus_table_round_trips_and_duckdb_reads_it()
    {
        string source = Path.Combine(paired.Data("snr1"), "stimuli.parquet");
        var table = StimulusTable.Read(source);
        Assert.Equal((60, 16), (table.Count, table.Dim));
        Assert.Equal("stimulus 7", table.Caption(7));
        Assert.All(table.Embeddings, e => Assert.Equal(1.0, Math.Sqrt(e.Sum(v => (double)v * v)), 1e-6));
        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT stimulus_id, len(embedding), embedding[3], caption FROM '{source}' WHERE stimulus_id = 'stim-0042'";
        using var r = cmd.ExecuteReader();
        Assert.True(r.Read());
        Assert.Equal(16L, r.GetInt64(1));
        Assert.Equal(table.Embeddings[42][2], r.GetFloat(2));
        Assert.Equal("stimulus 42", r.GetString(3));
    }
}
