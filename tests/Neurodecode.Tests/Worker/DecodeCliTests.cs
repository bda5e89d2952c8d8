using System.Security.Cryptography;
using DuckDB.NET.Data;
using Neurodecode.Ingest.Datasets;

namespace Neurodecode.Tests.Worker;

/// <summary>A CSP + LDA model trained once through the real executable on EEGMMIDB S001–S005 (runs 4 and 8).</summary>
public sealed class DecodeModelFixture : IDisposable
{
    private readonly TempDir dir = TestPaths.TempDir();

    public DecodeModelFixture()
    {
        string pipeline = System.IO.Path.Combine(TestPaths.RepoRoot, "datasets", "pipelines", "moabb-mi-8-32.json").Replace("\\", "/");
        var files = new[] { "S001", "S002", "S003", "S004", "S005" }.SelectMany(s => new[] { $"{s}/{s}R04.edf", $"{s}/{s}R08.edf" })
            .Select(f => $"\"{TestPaths.Shared("eegmmidb/" + f).Replace("\\", "/")}\"");
        string config = dir.File("config.json");
        File.WriteAllText(config, $$"""
            {"name": "decode-test", "data": {"pipeline": "{{pipeline}}", "files": [{{string.Join(", ", files)}}], "classes": ["left_fist", "right_fist"]},
             "model": {"name": "csp_lda"}, "split": {"n_val": 1, "n_test": 1, "seed": 3} }
            """);
        var train = Cli.Run("train", "--config", config, "--out", dir.File("model"));
        Assert.True(train.ExitCode == 0, train.Stderr);
        Path = dir.File("model");
    }

    public string Path { get; }

    public void Dispose() => dir.Dispose();
}

/// <summary>
/// <c>neurodecode decode</c> through the real executable on real EEGMMIDB runs (and damaged copies of them): outputs
/// equal <c>evaluate</c>'s predictions, reruns resume, bad recordings fail alone, shards partition, BIDS roots and
/// manifests are found.
/// </summary>
public class DecodeCliTests(DecodeModelFixture model) : IClassFixture<DecodeModelFixture>
{
    private static string Eeg(string name) => TestPaths.Shared($"eegmmidb/{name[..4]}/{name}");

    [Fact]
    public void Decode_writes_one_parquet_per_recording_with_the_pipelines_windows_and_evaluates_predictions()
    {
        using var tmp = TestPaths.TempDir();
        string[] files = [Eeg("S006R04.edf"), Eeg("S006R08.edf"), Eeg("S006R12.edf"), Eeg("S007R04.edf")];
        var decode = Cli.Run(["decode", "--model", model.Path, "--out", tmp.File("out"), .. files]);
        Assert.True(decode.ExitCode == 0, decode.Stderr);
        Assert.Equal(files.Select(f => Path.GetFileName(f) + ".parquet").Order(), Directory.GetFiles(tmp.File("out")).Select(Path.GetFileName).Order());
        Assert.Contains("4 recordings: 4 decoded", decode.Stdout);
        Assert.Contains("windows/s", decode.Stderr);

        Assert.Equal(0, Cli.Run(["evaluate", "--model", model.Path, "--out", tmp.File("eval"), .. files]).ExitCode);
        Assert.Equal(0, Cli.Run(["preprocess", "--pipeline", Path.Combine(model.Path, "pipeline.json"), "--out", tmp.File("pre"), .. files]).ExitCode);

        using var db = Db();
        string sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(model.Path, "model.bin"))));
        foreach (var f in files)
        {
            string name = Path.GetFileName(f), output = tmp.File($"out/{name}.parquet");
            long pipelineWindows = Scalar<long>(db, $"SELECT count(*) FROM '{tmp.File("pre/windows.parquet")}' WHERE file = '{f}'");
            Assert.True(pipelineWindows > 0);
            Assert.Equal(pipelineWindows, Scalar<long>(db, $"SELECT count(*) FROM '{output}'"));
            // Provenance: a loose file has no dataset; the name gives subject and run; windows are 481 samples at 160 Hz.
            Assert.Equal(pipelineWindows, Scalar<long>(db, $"""
                SELECT count(*) FROM '{output}' WHERE dataset IS NULL AND file = '{name}' AND subject = '{name[1..4]}' AND session IS NULL
                AND run = {int.Parse(name[5..7])} AND abs(offset_s - onset_s - 481 / 160.0) < 1e-12
                AND model = 'csp_lda' AND checkpoint_sha256 = '{sha}' AND abs(prob_left_fist + prob_right_fist - 1) < 1e-9
                """));
        }

        // Row for row the same windows, labels and probabilities as evaluate on the same files.
        long total = Scalar<long>(db, $"SELECT count(*) FROM '{tmp.File("eval/predictions.parquet")}'");
        Assert.Equal(total, Scalar<long>(db, $"SELECT count(*) FROM '{tmp.File("out")}/*.parquet'"));
        Assert.Equal(total, Scalar<long>(db, $"""
            SELECT count(*) FROM '{tmp.File("out")}/*.parquet' d JOIN '{tmp.File("eval/predictions.parquet")}' e
              ON e.file LIKE '%/' || d.file AND e.onset_s = d.onset_s
            WHERE e.predicted_label = d.predicted_label AND abs(e.prob_left_fist - d.prob_left_fist) < 1e-12
              AND abs(e.prob_right_fist - d.prob_right_fist) < 1e-12
            """));

        // Sliding windows over the whole recording: floor((n_times - 481) / hop) + 1 of them, every 1.5 s.
        var sliding = Cli.Run("decode", "--model", model.Path, "--out", tmp.File("sliding"), "--sliding", "1.5", files[0]);
        Assert.True(sliding.ExitCode == 0, sliding.Stderr);
        string slid = tmp.File($"sliding/{Path.GetFileName(files[0])}.parquet");
        long nTimes;
        using (var recording = Neurodecode.Ingest.Formats.SignalFormats.OpenRecording(files[0]))
            nTimes = recording.Info.NSamples;
        Assert.Equal((nTimes - 481) / 240 + 1, Scalar<long>(db, $"SELECT count(*) FROM '{slid}'"));
        Assert.Equal(0.0, Scalar<double>(db, $"SELECT min(onset_s) FROM '{slid}'"));
        Assert.Equal((nTimes - 481) / 240 * 1.5, Scalar<double>(db, $"SELECT max(onset_s) FROM '{slid}'"), 9);
    }

    [Fact]
    public void Rerun_after_an_interrupted_run_skips_complete_outputs_and_redoes_the_rest_without_lost_or_duplicated_rows()
    {
        using var tmp = TestPaths.TempDir();
        string[] files = [Eeg("S006R04.edf"), Eeg("S006R08.edf"), Eeg("S006R12.edf")];
        string[] args = ["decode", "--model", model.Path, "--out", tmp.File("out"), .. files];
        Assert.Equal(0, Cli.Run(args).ExitCode);
        string Out(string name) => tmp.File($"out/{name}.parquet");
        using var db = Db();
        long rows = Scalar<long>(db, $"SELECT count(*) FROM '{tmp.File("out")}/*.parquet'");
        var kept = File.GetLastWriteTimeUtc(Out("S006R04.edf"));

        // What a killed run leaves: one output never renamed (its temp file only), one damaged final file, and a stale temp.
        File.Delete(Out("S006R08.edf"));
        File.WriteAllText(tmp.File("out/.S006R08.edf.parquet.tmp"), "half a parquet");
        using (var s = File.OpenWrite(Out("S006R12.edf")))
            s.SetLength(s.Length / 2);
        File.WriteAllText(tmp.File("out/.S006R04.edf.parquet.tmp"), "stale");

        var rerun = Cli.Run(args);
        Assert.True(rerun.ExitCode == 0, rerun.Stderr);
        Assert.Contains("2 decoded", rerun.Stdout);
        Assert.Contains("1 skipped", rerun.Stdout);
        Assert.Equal(kept, File.GetLastWriteTimeUtc(Out("S006R04.edf")));
        Assert.Equal(files.Select(f => Path.GetFileName(f) + ".parquet").Order(), Directory.GetFiles(tmp.File("out")).Select(Path.GetFileName).Order());
        Assert.Equal(rows, Scalar<long>(db, $"SELECT count(*) FROM '{tmp.File("out")}/*.parquet'"));
        Assert.Equal(rows, Scalar<long>(db, $"SELECT count(DISTINCT (file, onset_s)) FROM '{tmp.File("out")}/*.parquet'"));

        // Other windows (sliding) make every output stale: none is skipped.
        var other = Cli.Run(["decode", "--model", model.Path, "--out", tmp.File("out"), "--sliding", "2", .. files]);
        Assert.True(other.ExitCode == 0, other.Stderr);
        Assert.Contains("3 decoded", other.Stdout);
        Assert.Contains("0 skipped", other.Stdout);
    }

    [Fact]
    public void A_run_killed_midway_resumes_keeping_the_outputs_it_finished()
    {
        using var tmp = TestPaths.TempDir();
        string[] files = new[] { "S006", "S007", "S008" }.SelectMany(s => new[] { "R04", "R08", "R12" }.Select(r => Eeg($"{s}{r}.edf"))).ToArray();
        string[] args = ["decode", "--model", model.Path, "--out", tmp.File("out"), "--jobs", "1", .. files];
        using (var process = Cli.Start(args))
        {
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (!process.HasExited && DateTime.UtcNow < deadline
                   && !(Directory.Exists(tmp.File("out")) && Directory.GetFiles(tmp.File("out"), "*.parquet").Length >= 1))
                Thread.Sleep(20);
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        var before = Directory.GetFiles(tmp.File("out"), "*.parquet").ToDictionary(f => f, File.GetLastWriteTimeUtc);
        Assert.NotEmpty(before);

        var rerun = Cli.Run(args);
        Assert.True(rerun.ExitCode == 0, rerun.Stderr);
        Assert.Contains($"{before.Count} skipped", rerun.Stdout);
        foreach (var (path, mtime) in before)
            Assert.Equal(mtime, File.GetLastWriteTimeUtc(path));
        Assert.Equal(files.Length, Directory.GetFiles(tmp.File("out")).Length); // no temp files left
        using var db = Db();
        Assert.Equal(15L * files.Length, Scalar<long>(db, $"SELECT count(*) FROM '{tmp.File("out")}/*.parquet'"));
        Assert.Equal(15L * files.Length, Scalar<long>(db, $"SELECT count(DISTINCT (file, onset_s)) FROM '{tmp.File("out")}/*.parquet'"));
    }

    [Fact]
    public void A_corrupt_recording_fails_alone_with_a_one_line_reason_and_exit_1()
    {
        using var tmp = TestPaths.TempDir();
        string data = Directory.CreateDirectory(tmp.File("data")).FullName;
        File.Copy(Eeg("S006R04.edf"), Path.Combine(data, "S006R04.edf"));
        File.Copy(Eeg("S007R04.edf"), Path.Combine(data, "S007R04.edf"));
        File.WriteAllBytes(Path.Combine(data, "S008R04.edf"), File.ReadAllBytes(Eeg("S008R04.edf"))[..3000]); // truncated
        var garbled = File.ReadAllBytes(Eeg("S009R04.edf"));
        "abcd"u8.CopyTo(garbled.AsSpan(252)); // number of signals
        File.WriteAllBytes(Path.Combine(data, "S009R04.edf"), garbled);

        var run = Cli.Run("decode", "--model", model.Path, "--out", tmp.File("out"), data);
        Assert.Equal(1, run.ExitCode);
        var failed = run.Stdout.Split('\n').Where(l => l.StartsWith("failed: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, failed.Count);
        Assert.StartsWith("failed: S008R04.edf: ", failed[0]);
        Assert.StartsWith("failed: S009R04.edf: ", failed[1]);
        Assert.Contains("truncated", failed[0]);
        Assert.Contains("4 recordings: 2 decoded", run.Stdout);
        Assert.Contains("2 of 4 recordings failed", run.Stderr);
        Assert.DoesNotContain("   at ", run.Stderr + run.Stdout);
        Assert.Equal(["S006R04.edf.parquet", "S007R04.edf.parquet"], Directory.GetFiles(tmp.File("out")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Shards_partition_the_inputs_exactly()
    {
        var all = DatasetFiles.Discover([TestPaths.Shared("eegmmidb")]);
        Assert.Equal(57, all.Count); // the README of ../shared/datasets: 57 runs
        foreach (int n in new[] { 1, 2, 3, 7 })
        {
            var shards = Enumerable.Range(0, n).Select(k => Shards.Select(all, k, n).Select(f => f.RelativePath).ToList()).ToList();
            Assert.Equal(all.Count, shards.Sum(s => s.Count)); // disjoint ...
            Assert.Equal(all.Select(f => f.RelativePath).Order(), shards.SelectMany(s => s).Order()); // ... and complete
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => Shards.Select(all, 3, 3));

        // Through the CLI: two shards into one folder give exactly the unsharded outputs; equal file names in
        // different folders get different outputs.
        using var tmp = TestPaths.TempDir();
        foreach (var (dir, name) in new[] { ("a", "S006R04.edf"), ("b", "S006R04.edf"), ("b", "S007R08.edf"), ("c/d", "S008R12.edf") })
        {
            Directory.CreateDirectory(tmp.File($"data/{dir}"));
            File.Copy(Eeg(name), tmp.File($"data/{dir}/{name}"));
        }
        var first = Cli.Run("decode", "--model", model.Path, "--out", tmp.File("out"), "--shard", "0/2", tmp.File("data"));
        var second = Cli.Run("decode", "--model", model.Path, "--out", tmp.File("out"), "--shard", "1/2", tmp.File("data"));
        Assert.True(first.ExitCode == 0 && second.ExitCode == 0, first.Stderr + second.Stderr);
        Assert.Contains("0 skipped", first.Stdout);
        Assert.Contains("0 skipped", second.Stdout); // the second shard decoded none of the first's
        Assert.Equal(["a__S006R04.edf.parquet", "b__S006R04.edf.parquet", "b__S007R08.edf.parquet", "c__d__S008R12.edf.parquet"],
            Directory.GetFiles(tmp.File("out")).Select(Path.GetFileName).Order());

        var bad = Cli.Run("decode", "--model", model.Path, "--out", tmp.File("out2"), "--shard", "2/2", tmp.File("data"));
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--shard 2/2", bad.Stderr);
    }

    [Fact]
    public void A_BIDS_root_is_searched_by_subject_session_and_datatype()
    {
        using var tmp = TestPaths.TempDir();
        string root = tmp.File("bids");
        void Put(string relative, string? source = null)
        {
            string path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (source is null) File.WriteAllText(path, "{}\n");
            else File.Copy(source, path);
        }
        Put("dataset_description.json");
        File.WriteAllText(Path.Combine(root, "dataset_description.json"), """{"Name": "MI test", "BIDSVersion": "1.8.0"}""");
        Put("sub-01/ses-01/eeg/sub-01_ses-01_task-mi_run-04_eeg.edf", Eeg("S006R04.edf"));
        Put("sub-01/ses-01/eeg/sub-01_ses-01_task-mi_run-04_eeg.json");
        Put("sub-01/ses-01/eeg/sub-01_ses-01_task-mi_run-04_events.tsv");
        Put("sub-02/eeg/sub-02_task-mi_run-08_eeg.edf", Eeg("S007R08.edf"));
        Put("sub-02/eeg/sub-02_task-mi_run-08_channels.tsv");
        Put("derivatives/filtered/sub-01/eeg/sub-01_task-mi_run-04_eeg.edf", Eeg("S006R04.edf")); // not raw data
        Put("sourcedata/S006R04.edf", Eeg("S006R04.edf"));

        var found = DatasetFiles.Discover([root]);
        Assert.Equal(
            [new DatasetFile(Path.Combine(root, "sub-01/ses-01/eeg/sub-01_ses-01_task-mi_run-04_eeg.edf"), "sub-01/ses-01/eeg/sub-01_ses-01_task-mi_run-04_eeg.edf", "MI test"),
             new DatasetFile(Path.Combine(root, "sub-02/eeg/sub-02_task-mi_run-08_eeg.edf"), "sub-02/eeg/sub-02_task-mi_run-08_eeg.edf", "MI test")],
            found);

        var run = Cli.Run("decode", "--model", model.Path, "--out", tmp.File("out"), root);
        Assert.True(run.ExitCode == 0, run.Stderr);
        using var db = Db();
        string output = tmp.File("out/sub-01__ses-01__eeg__sub-01_ses-01_task-mi_run-04_eeg.edf.parquet");
        Assert.Equal(15L, Scalar<long>(db, $"""
            SELECT count(*) FROM '{output}' WHERE dataset = 'MI test' AND subject = '01' AND session = '01' AND run = 4
              AND file = 'sub-01/ses-01/eeg/sub-01_ses-01_task-mi_run-04_eeg.edf'
            """));
        Assert.Equal(15L, Scalar<long>(db, $"SELECT count(*) FROM '{tmp.File("out/sub-02__eeg__sub-02_task-mi_run-08_eeg.edf.parquet")}' WHERE subject = '02' AND session IS NULL AND run = 8"));
        Assert.Equal(2, Directory.GetFiles(tmp.File("out")).Length);
    }

    [Fact]
    public void A_manifest_names_the_dataset_and_a_hash_mismatch_fails_that_recording()
    {
        using var tmp = TestPaths.TempDir();
        Directory.CreateDirectory(tmp.File("data/S006"));
        string[] names = ["S006/S006R04.edf", "S006/S006R08.edf", "S006/S006R12.edf"];
        foreach (var n in names)
            File.Copy(Eeg(Path.GetFileName(n)), tmp.File("data/" + n));
        string Sha(string n) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(tmp.File("data/" + n))));
        string wrong = Sha(names[0]); // R12 listed with R04's hash
        File.WriteAllText(tmp.File("data/manifest.json"), $$"""
            {"name": "eegmmidb-s006", "files": [
              {"path": "{{names[0]}}", "sha256": "{{Sha(names[0])}}"},
              {"path": "{{names[1]}}", "sha256": "{{Sha(names[1]).ToUpperInvariant()}}"},
              {"path": "{{names[2]}}", "sha256": "{{wrong}}"}]}
            """);

        var run = Cli.Run("decode", "--model", model.Path, "--out", tmp.File("out"), tmp.File("data/manifest.json"));
        Assert.Equal(1, run.ExitCode);
        var failed = Assert.Single(run.Stdout.Split('\n').Where(l => l.StartsWith("failed: ", StringComparison.Ordinal)));
        Assert.Equal($"failed: S006/S006R12.edf: SHA-256 {Sha(names[2])} does not match the manifest's {wrong} (changed or damaged copy)", failed);
        Assert.Equal(["S006__S006R04.edf.parquet", "S006__S006R08.edf.parquet"], Directory.GetFiles(tmp.File("out")).Select(Path.GetFileName).Order());
        using var db = Db();
        Assert.Equal(30L, Scalar<long>(db, $"SELECT count(*) FROM '{tmp.File("out")}/*.parquet' WHERE dataset = 'eegmmidb-s006' AND file LIKE 'S006/%'"));

        File.WriteAllText(tmp.File("data/broken.json"), """{"name": "x", "files": [{"path": "../S006R04.edf", "sha256": "00"}]}""");
        var broken = Cli.Run("decode", "--model", model.Path, "--out", tmp.File("out3"), tmp.File("data/broken.json"));
        Assert.Equal(1, broken.ExitCode);
        Assert.Single(broken.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("files[0]", broken.Stderr);
    }

    private static DuckDBConnection Db()
    {
        var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        return db;
    }

    private static T Scalar<T>(DuckDBConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        return (T)Convert.ChangeType(cmd.ExecuteScalar()!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }
}
