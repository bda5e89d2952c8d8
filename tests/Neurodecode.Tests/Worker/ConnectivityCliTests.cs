using System.Text.Json;
using DuckDB.NET.Data;
using Xunit.Abstractions;

namespace Neurodecode.Tests.Worker;

/// <summary>
/// Recording-level labels, the connectivity baseline and <c>simulate roi-connectivity</c> through the real executable.
/// Datasets named "Generated_..." are made by the simulator: real ABIDE CC200 backgrounds with planted correlation
/// patterns per class; the others use the real ABIDE series and subjects.tsv.
/// </summary>
public class ConnectivityCliTests(ITestOutputHelper output)
{
    private static readonly string Backgrounds = TestPaths.Shared("abide/rois_cc200");

    private static string Json(string path) => path.Replace("\\", "/");

    /// <summary>Generates a small planted dataset (20 regions, planted sets of 5) into <paramref name="dir"/>.</summary>
    private static void Simulate(string dir, int subjects, double strength, long seed = 0)
    {
        var run = Cli.Run("simulate", "roi-connectivity", "--backgrounds", Backgrounds, "--subjects", $"{subjects}",
            "--strength", strength.ToString(System.Globalization.CultureInfo.InvariantCulture), "--seed", $"{seed}",
            "--rois", "20", "--planted", "5", "-o", dir);
        Assert.True(run.ExitCode == 0, run.Stderr);
    }

    /// <summary>A config for the generated folder: one 78-volume window per subject, connectivity + logistic regression.</summary>
    private static string Config(TempDir tmp, string data, string labels = "", string split = "\"n_val\": 4, \"n_test\": 16",
        string pipeline = "roi-first-78-volumes-tr2.json", string name = "config.json")
    {
        string spec = Json(Path.Combine(TestPaths.RepoRoot, "datasets", "pipelines", pipeline));
        labels = labels.Length > 0 ? labels : $$"""{"table": "{{Json(Path.Combine(data, "participants.tsv"))}}", "key": "participant_id", "column": "group"}""";
        string path = tmp.File(name);
        File.WriteAllText(path, $$"""
            {"name": "test", "data": {"pipeline": "{{spec}}", "files": ["{{Json(data)}}/sub-*_rois.tsv"], "labels": {{labels}}},
             "model": {"name": "connectivity"}, "split": {{{split}}, "seed": 1} }
            """);
        return path;
    }

    private static JsonElement Metrics(string modelDir) => JsonDocument.Parse(File.ReadAllText(Path.Combine(modelDir, "metrics.json"))).RootElement;

    private static string LastLine(Cli.Result r) => r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];

    /// <summary>Four trainings (~30 s): one seed cannot tell chance from a weak signal on 16 test subjects (balanced
    /// accuracy's sd is ~0.125 there), so strength 0 is judged on the mean of three generated datasets.</summary>
    [Fact]
    public void Generated_planted_correlation_is_near_chance_at_strength_0_and_decoded_at_strength_2()
    {
        using var tmp = TestPaths.TempDir();
        (double Ba, double Auroc) Score(double strength, long seed)
        {
            string data = tmp.File($"planted-{strength}-{seed}");
            Simulate(data, subjects: 40, strength, seed);
            string model = tmp.File($"model-{strength}-{seed}");
            var run = Cli.Run("train", "--config", Config(tmp, data, name: $"config-{strength}-{seed}.json"), "--out", model);
            Assert.True(run.ExitCode == 0, run.Stderr);
            var test = Metrics(model).GetProperty("test");
            Assert.Equal(16, test.GetProperty("n_samples").GetInt32());
            return (test.GetProperty("balanced_accuracy").GetDouble(), test.GetProperty("auroc").GetDouble());
        }
        var chance = new[] { 0L, 1, 2 }.Select(seed => Score(0.0, seed)).ToList();
        var planted = Score(2.0, 0);
        output.WriteLine($"test balanced accuracy / AUROC: strength 0 {string.Join(", ", chance)}; strength 2 {planted}");
        Assert.InRange(chance.Average(s => s.Ba), 0.3, 0.7);
        Assert.InRange(chance.Average(s => s.Auroc), 0.3, 0.7);
        Assert.True(planted.Ba >= 0.9 && planted.Auroc >= 0.95, $"strength 2: {planted}");
    }

    [Fact]
    public void Generated_planted_dataset_trains_with_recording_labels_then_evaluates_and_decodes()
    {
        using var tmp = TestPaths.TempDir();
        string data = tmp.File("planted");
        Simulate(data, subjects: 16, strength: 2.0);
        Assert.True(File.Exists(Path.Combine(data, "sub-001_rois.json")));
        var train = Cli.Run("train", "--config", Config(tmp, data, split: "\"n_val\": 2, \"n_test\": 4"), "--out", tmp.File("model"));
        Assert.True(train.ExitCode == 0, train.Stderr);
        using var config = JsonDocument.Parse(File.ReadAllText(tmp.File("model/config.json")));
        Assert.Equal(["pattern_1", "pattern_2"], config.RootElement.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
        // Subjects come from the BIDS names (sub-001 -> "001"), the split is over them.
        using var split = JsonDocument.Parse(File.ReadAllText(tmp.File("model/split.json")));
        var testSubjects = split.RootElement.GetProperty("test").EnumerateArray().Select(s => s.GetString()!).ToList();
        Assert.Equal(4, testSubjects.Count);

        // evaluate labels the recordings from the training table; every window carries its subject's group.
        var groups = File.ReadAllLines(Path.Combine(data, "participants.tsv")).Skip(1).Select(l => l.Split('\t'))
            .ToDictionary(c => c[0], c => c[1]);
        var files = testSubjects.Select(s => Path.Combine(data, $"sub-{s}_rois.tsv")).ToArray();
        var eval = Cli.Run(["evaluate", "--model", tmp.File("model"), "--out", tmp.File("eval"), .. files]);
        Assert.True(eval.ExitCode == 0, eval.Stderr);
        Assert.Equal(4, Metrics(tmp.File("eval")).GetProperty("n_samples").GetInt32());
        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        using (var cmd = db.CreateCommand())
        {
            cmd.CommandText = $"SELECT file, true_label FROM '{tmp.File("eval/predictions.parquet")}' ORDER BY file";
            using var r = cmd.ExecuteReader();
            int rows = 0;
            while (r.Read())
            {
                string subject = "sub-" + testSubjects[rows++];
                Assert.Contains(subject, r.GetString(0));
                Assert.Equal(groups[subject], r.GetString(1));
            }
            Assert.Equal(4, rows);
        }

        // decode needs no labels: one window per recording.
        var decode = Cli.Run("decode", "--model", tmp.File("model"), "--out", tmp.File("decoded"), files[0]);
        Assert.True(decode.ExitCode == 0, decode.Stderr);
        using var cmd2 = db.CreateCommand();
        cmd2.CommandText = $"SELECT count(*), min(prob_pattern_1 + prob_pattern_2) FROM '{tmp.File($"decoded/{Path.GetFileName(files[0])}.parquet")}'";
        using var d = cmd2.ExecuteReader();
        Assert.True(d.Read());
        Assert.Equal(1L, d.GetInt64(0));
        Assert.Equal(1.0, d.GetDouble(1), 6);
    }

    [Fact]
    public void Generated_planted_dataset_is_deterministic_by_seed()
    {
        using var tmp = TestPaths.TempDir();
        Simulate(tmp.File("a"), subjects: 4, strength: 0.5, seed: 7);
        Simulate(tmp.File("b"), subjects: 4, strength: 0.5, seed: 7);
        Simulate(tmp.File("c"), subjects: 4, strength: 0.5, seed: 8);
        foreach (var file in Directory.GetFiles(tmp.File("a")).Select(Path.GetFileName))
            Assert.Equal(File.ReadAllBytes(Path.Combine(tmp.File("a"), file!)), File.ReadAllBytes(Path.Combine(tmp.File("b"), file!)));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(tmp.File("a"), "sub-001_rois.tsv")), File.ReadAllBytes(Path.Combine(tmp.File("c"), "sub-001_rois.tsv")));
        // Strength 0 writes the backgrounds themselves (first 78 volumes, first 20 regions).
        Simulate(tmp.File("zero"), subjects: 2, strength: 0);
        var background = File.ReadLines(Path.Combine(Backgrounds, "MaxMun_a_0051318_rois_cc200.1D")).Skip(1).First().Split('\t').Take(20).Select(double.Parse);
        var written = File.ReadLines(Path.Combine(tmp.File("zero"), "sub-001_rois.tsv")).Skip(1).First().Split('\t').Select(double.Parse);
        Assert.Equal(background, written);
    }

    [Fact]
    public void Real_ABIDE_labels_by_file_path_train_on_the_table_subjects()
    {
        using var tmp = TestPaths.TempDir();
        var rows = File.ReadAllLines(TestPaths.Shared("abide/subjects.tsv")).Skip(1).Select(l => l.Split('\t')).ToList();
        // 6 autism + 6 control subjects of two sites
        var picked = rows.Where(r => r[3] == "1").Take(6).Concat(rows.Where(r => r[3] == "2").Take(6)).ToList();
        string files = string.Join(", ", picked.Select(r => $"\"{Json(TestPaths.Shared("abide/" + r[9]))}\""));
        string spec = Json(Path.Combine(TestPaths.RepoRoot, "datasets", "pipelines", "abide-cc200-first-78-volumes.json"));
        string path = tmp.File("abide.json");
        File.WriteAllText(path, $$"""
            {"name": "abide", "data": {"pipeline": "{{spec}}", "files": [{{files}}],
              "labels": {"table": "{{Json(TestPaths.Shared("abide/subjects.tsv"))}}", "key": "file", "match": "file", "column": "DX_GROUP",
                         "map": {"1": "autism", "2": "control"}, "subject": "SUB_ID"}, "classes": ["autism", "control"]},
             "model": {"name": "connectivity"}, "split": {"n_val": 2, "n_test": 2, "seed": 0} }
            """);
        var run = Cli.Run("train", "--config", path, "--out", tmp.File("model"));
        Assert.True(run.ExitCode == 0, run.Stderr);
        using var split = JsonDocument.Parse(File.ReadAllText(tmp.File("model/split.json")));
        var subjects = new[] { "train", "val", "test" }.SelectMany(p => split.RootElement.GetProperty(p).EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(picked.Select(r => r[1]).Order(), subjects.Order());
        using var config = JsonDocument.Parse(File.ReadAllText(tmp.File("model/config.json")));
        var modelConfig = config.RootElement.GetProperty("model_config");
        Assert.Equal(200, modelConfig.GetProperty("n_chans").GetInt32());
        Assert.Equal(78, modelConfig.GetProperty("n_times").GetInt32());
    }

    [Fact]
    public void Bad_labels_and_windows_are_one_line_errors_naming_the_file()
    {
        using var tmp = TestPaths.TempDir();
        string data = tmp.File("planted");
        Simulate(data, subjects: 6, strength: 0.5);
        string table = Path.Combine(data, "participants.tsv");
        var lines = File.ReadAllLines(table);
        string Labels(string t, string map = "") =>
            $$"""{"table": "{{Json(t)}}", "key": "participant_id", "column": "group"{{map}}}""";
        Cli.Result Train(string config) => Cli.Run("train", "--config", config, "--out", tmp.File("model"));
        const string split = "\"n_val\": 1, \"n_test\": 1";

        // A recording the table does not list.
        string missing = tmp.File("missing.tsv");
        File.WriteAllLines(missing, lines.Where(l => !l.StartsWith("sub-003")));
        var r = Train(Config(tmp, data, Labels(missing), split, name: "missing.json"));
        Assert.Equal(1, r.ExitCode);
        Assert.Matches(@"sub-003_rois\.tsv: subject '003' is not in .*missing\.tsv", LastLine(r));
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        // A class value the map does not know.
        string unknown = tmp.File("unknown.tsv");
        File.WriteAllLines(unknown, lines.Select(l => l.StartsWith("sub-002") ? l.Replace("pattern_", "pattern_9") : l));
        r = Train(Config(tmp, data, Labels(unknown, ", \"map\": {\"pattern_1\": \"a\", \"pattern_2\": \"b\"}"), split, name: "unknown.json"));
        Assert.Equal(1, r.ExitCode);
        Assert.Matches(@"sub-002_rois\.tsv: group 'pattern_9\d' in .*unknown\.tsv is not in labels\.map \(pattern_1, pattern_2\)", LastLine(r));

        // A column the table lacks (a call error, exit 2).
        r = Train(Config(tmp, data, $$"""{"table": "{{Json(table)}}", "column": "diagnosis"}""", split, name: "column.json"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("labels.column: ", LastLine(r));
        Assert.Contains("has no column 'diagnosis' (columns: participant_id, group, background)", LastLine(r));

        // No window fits: the recordings hold 156 s, the ABIDE spec asks 78 s windows at 1 Hz — fine — so shorten one
        // recording to 10 volumes: the window count of that file would be zero.
        string shortData = tmp.File("short");
        Directory.CreateDirectory(shortData);
        foreach (var f in Directory.GetFiles(data)) File.Copy(f, Path.Combine(shortData, Path.GetFileName(f)));
        File.WriteAllLines(Path.Combine(shortData, "sub-004_rois.tsv"), File.ReadLines(Path.Combine(data, "sub-004_rois.tsv")).Take(11));
        r = Train(Config(tmp, shortData, split: split, name: "short.json"));
        Assert.NotEqual(0, r.ExitCode);
        Assert.Matches(@"sub-004_rois\.tsv.*windows\.length_s \(156 s = 78 samples\) is longer than the recording \(10 samples\)", LastLine(r));
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        // Recordings with different ROI counts.
        string fewer = tmp.File("fewer");
        Directory.CreateDirectory(fewer);
        foreach (var f in Directory.GetFiles(data)) File.Copy(f, Path.Combine(fewer, Path.GetFileName(f)));
        File.WriteAllLines(Path.Combine(fewer, "sub-005_rois.tsv"),
            File.ReadLines(Path.Combine(data, "sub-005_rois.tsv")).Select(l => string.Join('\t', l.Split('\t').Take(19))));
        r = Train(Config(tmp, fewer, split: split, name: "fewer.json"));
        Assert.NotEqual(0, r.ExitCode);
        Assert.Matches(@"sub-005_rois\.tsv: channel set differs from .*sub-001_rois\.tsv.*only in sub-001_rois\.tsv: '20'", LastLine(r));
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        // Labels with an epochs pipeline.
        r = Train(Config(tmp, data, split: split, pipeline: "moabb-mi-8-32.json", name: "epochs.json"));
        Assert.NotEqual(0, r.ExitCode);
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
