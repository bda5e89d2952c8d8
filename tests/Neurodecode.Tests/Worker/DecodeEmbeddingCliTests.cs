using DuckDB.NET.Data;
using Neurodecode.Models.Registry;
using Neurodecode.Pipeline.Worker.Batch;

namespace Neurodecode.Tests.Worker;

/// <summary><c>decode --embedding</c> with a tiny CBraMod (one layer, one epoch) trained through the real executable.</summary>
public class DecodeEmbeddingCliTests
{
    [Fact]
    public void Embedding_columns_equal_the_models_pooled_features_on_the_pipelines_windows()
    {
        using var tmp = TestPaths.TempDir();
        string pipeline = Path.Combine(TestPaths.RepoRoot, "datasets", "pipelines", "cbramod-physionet-mi.json").Replace("\\", "/");
        var files = new[] { "S001", "S002", "S003" }.Select(s => $"\"{TestPaths.Shared($"eegmmidb/{s}/{s}R04.edf").Replace("\\", "/")}\"");
        File.WriteAllText(tmp.File("config.json"), $$"""
            {"name": "tiny-cbramod", "data": {"pipeline": "{{pipeline}}", "files": [{{string.Join(", ", files)}}], "classes": ["left_fist", "right_fist"]},
             "model": {"name": "cbramod", "config": {"head": "avg_pool", "n_layers": 1, "n_heads": 2, "dim_feedforward": 32} },
             "split": {"n_val": 1, "n_test": 1, "seed": 0}, "trainer": {"epochs": 1, "batch_size": 16, "seed": 1} }
            """);
        var train = Cli.Run("train", "--config", tmp.File("config.json"), "--out", tmp.File("model"));
        Assert.True(train.ExitCode == 0, train.Stderr);

        string recording = TestPaths.Shared("eegmmidb/S006/S006R04.edf");
        var decode = Cli.Run("decode", "--model", tmp.File("model"), "--out", tmp.File("out"), "--embedding", recording);
        Assert.True(decode.ExitCode == 0, decode.Stderr);
        Assert.Equal(0, Cli.Run("preprocess", "--pipeline", tmp.File("model/pipeline.json"), "--out", tmp.File("pre"), recording).ExitCode);

        var (shape, x) = Npy.Read(tmp.File("pre/X.npy"));
        int n = (int)shape[0];
        float[] expected;
        using (var model = ModelDir.Open(tmp.File("model")))
            expected = ((IEmbeddingModel)model.Model).Embed(x.Select(v => (float)v).ToArray(), n);
        int d = expected.Length / n;
        Assert.Equal(200, d);

        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT * FROM '{tmp.File("out/S006R04.edf.parquet")}' ORDER BY onset_s";
        using var r = cmd.ExecuteReader();
        int first = r.GetOrdinal("emb_0");
        Assert.Equal(first + d, r.FieldCount); // emb_0 .. emb_199 and nothing after
        Assert.DoesNotContain("predicted_label", Enumerable.Range(0, r.FieldCount).Select(r.GetName));
        int row = 0;
        while (r.Read())
        {
            for (int j = 0; j < d; j++)
                Assert.Equal(expected[row * d + j], r.GetFloat(first + j), 1e-5f);
            row++;
        }
        Assert.Equal(n, row);
        Assert.True(expected.Distinct().Count() > d); // not a constant vector

        // A rerun for labels is another output kind: the embedding file is not taken for it.
        var labels = Cli.Run("decode", "--model", tmp.File("model"), "--out", tmp.File("out"), recording);
        Assert.Contains("1 decoded", labels.Stdout);
    }

    [Fact]
    public void Embedding_is_refused_for_a_model_without_one()
    {
        using var tmp = TestPaths.TempDir();
        string pipeline = Path.Combine(TestPaths.RepoRoot, "datasets", "pipelines", "moabb-mi-8-32.json").Replace("\\", "/");
        var files = new[] { "S001", "S002", "S003" }.Select(s => $"\"{TestPaths.Shared($"eegmmidb/{s}/{s}R04.edf").Replace("\\", "/")}\"");
        File.WriteAllText(tmp.File("config.json"), $$"""
            {"name": "csp", "data": {"pipeline": "{{pipeline}}", "files": [{{string.Join(", ", files)}}], "classes": ["left_fist", "right_fist"]},
             "model": {"name": "csp_lda"}, "split": {"n_val": 1, "n_test": 1, "seed": 0} }
            """);
        Assert.Equal(0, Cli.Run("train", "--config", tmp.File("config.json"), "--out", tmp.File("model")).ExitCode);
        var run = Cli.Run("decode", "--model", tmp.File("model"), "--out", tmp.File("out"), "--embedding", TestPaths.Shared("eegmmidb/S006/S006R04.edf"));
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("neurodecode decode: error: --embedding: model 'csp_lda' has no embedding (cbramod has)", run.Stderr.Trim());
        Assert.False(Directory.Exists(tmp.File("out")));
    }
}
