using System.Text.Json.Nodes;
using Neurodecode.Models.Baselines;

namespace Neurodecode.Tests.Models.Baselines;

public class CspLdaModelTests
{
    private const int NCh = 6, NT = 64;

    /// <summary>Small labelled windows whose class k has more variance on channel k.</summary>
    private static (float[] X, long[] Y) Windows(int nClasses, int perClass, int seed)
    {
        var rng = new Random(seed);
        int n = nClasses * perClass;
        var x = new float[n * NCh * NT];
        var y = new long[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = i % nClasses;
            for (int c = 0; c < NCh; c++)
                for (int t = 0; t < NT; t++)
                    x[(i * NCh + c) * NT + t] = (float)((rng.NextDouble() - 0.5) * (c == y[i] ? 3 : 1));
        }
        return (x, y);
    }

    private static CspLdaConfig Config(int nClasses = 2, string? shrinkage = null) => new(NCh, nClasses, NT, 160, NFilters: 4, Shrinkage: shrinkage);

    [Fact]
    public void Reference_config_stores_405_values()
    {
        Assert.Equal(405, CspLdaConfig.Reference.ParameterCount);  // 6x64 filters + 6 coef + 1 intercept + 2x6 means + 2 priors
        Assert.Equal(6 * 64 + 4 * 6 + 4 + 4 * 6 + 4, (CspLdaConfig.Reference with { NOutputs = 4 }).ParameterCount);
    }

    [Theory]
    [InlineData(2, null)]
    [InlineData(2, "auto")]
    [InlineData(3, null)]
    [InlineData(3, "auto")]
    public void Fit_then_predict_separates_the_classes_and_forward_gives_logits_of_the_probabilities(int nClasses, string? shrinkage)
    {
        var (x, y) = Windows(nClasses, 20, 1);
        var (xt, yt) = Windows(nClasses, 10, 2);
        using var model = new CspLdaModel(Config(nClasses, shrinkage));
        model.Fit(x, y);
        var p = model.PredictProba(xt, yt.Length);
        Assert.Equal(yt.Length * nClasses, p.Length);
        int correct = 0;
        for (int i = 0; i < yt.Length; i++)
        {
            var row = p.AsSpan(i * nClasses, nClasses).ToArray();
            Assert.Equal(1.0, row.Sum(), 12);
            if (Array.IndexOf(row, row.Max()) == yt[i]) correct++;
        }
        Assert.True(correct >= 0.8 * yt.Length, $"{correct}/{yt.Length}");
        var logits = model.Forward(xt, yt.Length);
        for (int i = 0; i < yt.Length; i++)
        {
            var z = logits.AsSpan(i * nClasses, nClasses).ToArray();
            double max = z.Max();
            double total = z.Sum(v => Math.Exp(v - max));
            for (int k = 0; k < nClasses; k++)
                Assert.Equal(p[i * nClasses + k], Math.Exp(z[k] - max) / total, 5);
        }
    }

    [Fact]
    public void Config_round_trips_through_snake_case_json()
    {
        var config = CspLdaConfig.Reference with { NFilters = 4, Shrinkage = "auto" };
        string json = config.ToJson();
        Assert.Contains("\"n_filters\": 4", json);
        Assert.Contains("\"shrinkage\": \"auto\"", json);
        Assert.Equal(config, CspLdaConfig.FromJson(json));
        Assert.Equal(CspLdaConfig.Reference, CspLdaConfig.FromJson("""{"n_chans": 64, "n_outputs": 2, "n_times": 481, "sfreq": 160}"""));
    }

    [Theory]
    [InlineData("""{"n_chans": 64, "n_outputs": 2, "n_times": 481, "sfreq": 160, "band": [8, 32]}""", "band")]
    [InlineData("""{"n_chans": 64, "n_outputs": 1, "n_times": 481, "sfreq": 160}""", "n_outputs (1)")]
    [InlineData("""{"n_chans": 4, "n_outputs": 2, "n_times": 481, "sfreq": 160}""", "n_filters (6) must be between 1 and n_chans (4)")]
    [InlineData("""{"n_chans": 64, "n_outputs": 2, "n_times": 481, "sfreq": 160, "shrinkage": "oas"}""", "shrinkage ('oas')")]
    [InlineData("""{"n_chans": 64, "n_outputs": 2, "n_times": 481, "sfreq": 160, "shrinkage": 0.5}""", "shrinkage")]
    [InlineData("""{"n_chans": 64, "n_outputs": 2, "n_times": 1, "sfreq": 160}""", "n_times (1)")]
    [InlineData("""{"n_chans": 64, "n_outputs": 2, "n_times": 481, "sfreq": 0}""", "sfreq (0)")]
    public void Bad_configs_are_named(string json, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => CspLdaConfig.FromJson(json));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Fit_names_bad_labels_and_missing_classes()
    {
        var (x, y) = Windows(2, 5, 3);
        using var model = new CspLdaModel(Config(3));
        var e = Assert.Throws<ArgumentException>(() => model.Fit(x, y));
        Assert.Contains("class 2 has no training trials", e.Message);
        y[4] = -1;
        var e2 = Assert.Throws<ArgumentException>(() => new CspLdaModel(Config()).Fit(x, y));
        Assert.Contains("label -1 of window 4", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => new CspLdaModel(Config()).Fit(x.AsSpan(1).ToArray(), y));
        Assert.Contains("n_chans (6) x n_times (64)", e3.Message);
    }

    [Fact]
    public void Forward_before_fit_says_so()
    {
        using var model = new CspLdaModel(Config());
        var e = Assert.Throws<InvalidOperationException>(() => model.Forward(new float[NCh * NT], 1));
        Assert.Contains("not fitted", e.Message);
    }

    [Theory]
    [InlineData(2, null)]
    [InlineData(3, "auto")]
    public void Save_then_load_gives_identical_outputs(int nClasses, string? shrinkage)
    {
        var (x, y) = Windows(nClasses, 10, 4);
        var config = Config(nClasses, shrinkage);
        using var model = new CspLdaModel(config);
        model.Fit(x, y);
        using var tmp = TestPaths.TempDir();
        string path = tmp.File("csp_lda.json");
        model.Save(path);
        using var loaded = CspLdaModel.Load(config, path);
        Assert.Equal(model.PredictProba(x, y.Length), loaded.PredictProba(x, y.Length));
        Assert.Equal(model.Forward(x, y.Length), loaded.Forward(x, y.Length));
    }

    [Fact]
    public void Load_names_what_does_not_fit()
    {
        var (x, y) = Windows(2, 10, 5);
        var config = Config();
        using var model = new CspLdaModel(config);
        model.Fit(x, y);
        using var tmp = TestPaths.TempDir();
        string path = tmp.File("csp_lda.json");
        model.Save(path);

        var e = Assert.Throws<InvalidDataException>(() => CspLdaModel.Load(config with { NFilters = 3 }, path));
        Assert.Contains("different config: n_filters (file 4, config 3)", e.Message);

        var node = JsonNode.Parse(File.ReadAllText(path))!;
        node["csp"]!["filters"]!.AsArray().RemoveAt(0);
        node["lda"]!["priors"]!.AsArray().Add(0.5);
        File.WriteAllText(path, node.ToJsonString());
        var e2 = Assert.Throws<InvalidDataException>(() => CspLdaModel.Load(config, path));
        Assert.Contains("csp.filters is 3 x 6, expected 4 x 6", e2.Message);
        Assert.Contains("lda.priors has 3 values, expected 2", e2.Message);

        node["extra"] = 1;
        File.WriteAllText(path, node.ToJsonString());
        var e3 = Assert.Throws<InvalidDataException>(() => CspLdaModel.Load(config, path));
        Assert.Contains("extra", e3.Message);

        node.AsObject().Remove("extra");
        node["model"] = "eegnet";
        File.WriteAllText(path, node.ToJsonString());
        var e4 = Assert.Throws<InvalidDataException>(() => CspLdaModel.Load(config, path));
        Assert.Contains("saved model is 'eegnet', not 'csp_lda'", e4.Message);
    }

    [Fact]
    public void Generalized_eigenvectors_are_normalised_like_lapack()
    {
        var rng = new Random(9);
        var a0 = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(5, 5, (_, _) => rng.NextDouble());
        var a = a0 * a0.Transpose();
        var b = a0.Transpose() * a0 + MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseIdentity(5);
        var (values, vectors) = Csp.GeneralizedEigen(a, b);
        var vbv = vectors.Transpose() * b * vectors;
        var vav = vectors.Transpose() * a * vectors;
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 5; j++)
            {
                Assert.Equal(i == j ? 1.0 : 0.0, vbv[i, j], 10);
                Assert.Equal(i == j ? values[i] : 0.0, vav[i, j], 10);
            }
        Assert.True(values.Zip(values.Skip(1)).All(p => p.First <= p.Second));
    }
}
