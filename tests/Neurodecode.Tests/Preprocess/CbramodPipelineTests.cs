using System.Text.Json;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging.Abstractions;
using Neurodecode.Pipeline.Worker.Batch;

namespace Neurodecode.Tests.Preprocess;

/// <summary>
/// The shipped CBraMod PhysioNet-MI pipeline against MNE 1.3 on real EEGMMIDB runs (golden windows written by
/// tools/make_pipeline_golden.py): same labels, values within 1e-4 of each window's RMS.
/// </summary>
public class CbramodPipelineTests
{
    private static readonly string Spec = Path.Combine(TestPaths.RepoRoot, "datasets", "pipelines", "cbramod-physionet-mi.json");

    [Fact]
    public async Task Windows_equal_mne_and_outputs_are_complete()
    {
        using var golden = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.Golden, "pipelines", "cbramod-physionet-mi.json")));
        var root = golden.RootElement;
        var files = root.GetProperty("files").EnumerateArray().Select(f => TestPaths.Shared(f.GetString()!)).ToList();
        using var tmp = TestPaths.TempDir();
        string outDir = tmp.File("out");

        var summary = await new PreprocessJob(NullLogger<PreprocessJob>.Instance).RunAsync(Spec, files, outDir, CancellationToken.None);

        var (shape, x) = Npy.Read(Path.Combine(outDir, "X.npy"));
        var (_, y) = Npy.Read(Path.Combine(outDir, "y.npy"));
        Assert.Equal(root.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()), shape);
        Assert.Equal(summary.Windows, (int)shape[0]);
        int nCh = (int)shape[1], len = (int)shape[2];
        var indices = root.GetProperty("indices").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var windows = root.GetProperty("windows").EnumerateArray().ToArray();
        for (int w = 0; w < windows.Length; w++)
        {
            Assert.Equal(windows[w].GetProperty("y").GetInt64(), (long)y[w]);
            double rms = windows[w].GetProperty("rms").GetDouble();
            var values = windows[w].GetProperty("values").EnumerateArray().ToArray();
            for (int c = 0; c < nCh; c++)
            {
                var want = values[c].EnumerateArray().Select(e => e.GetDouble()).ToArray();
                for (int k = 0; k < indices.Length; k++)
                {
                    double got = x[((long)w * nCh + c) * len + indices[k]];
                    Assert.True(Math.Abs(got - want[k]) <= 1e-4 * rms, $"window {w} channel {c} sample {indices[k]}: {got} vs MNE {want[k]}");
                }
            }
        }

        using var pipeline = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "pipeline.json")));
        var steps = pipeline.RootElement.GetProperty("resolved")[0].GetProperty("steps");
        Assert.Equal(1761, steps[2].GetProperty("design").GetProperty("filter_length").GetInt32());
        Assert.Equal(1057, steps[3].GetProperty("design").GetProperty("filter_length").GetInt32());
        Assert.Equal(25000, steps[4].GetProperty("design").GetProperty("final_len").GetInt32());

        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT count(*), count(DISTINCT file), min(run), max(run), sum(class_id)::BIGINT, min(onset_s) FROM '{Path.Combine(outDir, "windows.parquet")}'";
        using var reader = cmd.ExecuteReader();
        Assert.True(reader.Read());
        Assert.Equal(windows.Length, Convert.ToInt32(reader.GetValue(0)));
        Assert.Equal(2, Convert.ToInt32(reader.GetValue(1)));
        Assert.Equal((4, 6), (Convert.ToInt32(reader.GetValue(2)), Convert.ToInt32(reader.GetValue(3))));
        Assert.Equal((long)y.Sum(), Convert.ToInt64(reader.GetValue(4)));
        Assert.Equal(4.2, Convert.ToDouble(reader.GetValue(5)), 9); // the first T2 cue of S001R04
        Assert.Equal(["X.npy", "pipeline.json", "windows.parquet", "y.npy"], Directory.GetFiles(outDir).Select(Path.GetFileName).Order());
        Assert.Single(Directory.GetFileSystemEntries(tmp.Path));
    }
}
