using Neurodecode.Models.Baselines.Connectivity;

namespace Neurodecode.Tests.Models.Baselines;

/// <summary>The connectivity model's contract: config checks, fitting rules, logits that softmax to predict_proba,
/// and a strict load.</summary>
public class ConnectivityModelTests
{
    private const int NChans = 6, NTimes = 40;

    /// <summary>Windows whose regions 0 and 1 share a signal in class 1 only.</summary>
    private static (float[] X, long[] Y) Windows(int n, int seed)
    {
        var random = new Random(seed);
        var x = new float[n * NChans * NTimes];
        var y = new long[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = i % 2;
            for (int t = 0; t < NTimes; t++)
            {
                double shared = random.NextDouble() - 0.5;
                for (int c = 0; c < NChans; c++)
                    x[(i * NChans + c) * NTimes + t] = (float)(random.NextDouble() - 0.5 + (y[i] == 1 && c < 2 ? shared : 0));
            }
        }
        return (x, y);
    }

    [Theory]
    [InlineData("{\"n_chans\": 6, \"n_outputs\": 2, \"n_times\": 40, \"sfreq\": 1, \"kind\": \"tangent\"}", "kind ('tangent') must be 'correlation' or 'partial correlation'")]
    [InlineData("{\"n_chans\": 6, \"n_outputs\": 2, \"n_times\": 40, \"sfreq\": 1, \"covariance\": \"oas\"}", "covariance ('oas') must be 'ledoit_wolf' or 'empirical'")]
    [InlineData("{\"n_chans\": 6, \"n_outputs\": 2, \"n_times\": 40, \"sfreq\": 1, \"c\": 0}", "c (0) must be positive and finite")]
    [InlineData("{\"n_chans\": 60, \"n_outputs\": 2, \"n_times\": 40, \"sfreq\": 1, \"kind\": \"partial correlation\", \"covariance\": \"empirical\"}", "needs more time points (n_times 40) than regions (n_chans 60)")]
    [InlineData("{\"n_chans\": 6, \"n_outputs\": 2, \"n_times\": 40, \"sfreq\": 1, \"fisher\": true}", "fisher")]
    public void Impossible_configs_are_refused_by_name(string json, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => ConnectivityConfig.FromJson(json));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Forward_is_the_logit_of_predict_proba_and_fitting_needs_every_class()
    {
        var (x, y) = Windows(30, 1);
        var model = new ConnectivityModel(new ConnectivityConfig(NChans, 2, NTimes, 1));
        Assert.Throws<InvalidOperationException>(() => model.Forward(x.AsSpan(0, NChans * NTimes), 1));
        Assert.Contains("class 1 has no training sample",
            Assert.Throws<ArgumentException>(() => model.Fit(x, y.Select(_ => 0L).ToArray())).Message);
        model.Fit(x, y);
        var (xt, yt) = Windows(20, 2);
        var logits = model.Forward(xt, 20);
        var proba = model.PredictProba(xt, 20);
        for (int i = 0; i < 20; i++)
            Assert.Equal(proba[i * 2 + 1], 1 / (1 + Math.Exp(-(logits[i * 2 + 1] - logits[i * 2]))), 6);
        // The planted pair is found: held-out windows are classified well above chance.
        int correct = Enumerable.Range(0, 20).Count(i => (proba[i * 2 + 1] > 0.5 ? 1 : 0) == yt[i]);
        Assert.True(correct >= 16, $"{correct}/20");

        var three = new ConnectivityModel(new ConnectivityConfig(NChans, 3, NTimes, 1));
        three.Fit(x, y.Select((v, i) => (long)(i % 3)).ToArray());
        var p3 = three.PredictProba(xt, 20);
        var l3 = three.Forward(xt, 20);
        for (int i = 0; i < 20; i++)
        {
            double sum = Enumerable.Range(0, 3).Sum(k => Math.Exp(l3[i * 3 + k]));
            for (int k = 0; k < 3; k++) Assert.Equal(p3[i * 3 + k], Math.Exp(l3[i * 3 + k]) / sum, 6);
        }
    }

    [Fact]
    public void Load_refuses_another_config_a_wrong_shape_and_non_finite_numbers()
    {
        using var tmp = TestPaths.TempDir();
        var (x, y) = Windows(20, 3);
        var config = new ConnectivityConfig(NChans, 2, NTimes, 1);
        var model = new ConnectivityModel(config);
        model.Fit(x, y);
        string path = tmp.File("model.bin");
        model.Save(path);
        Assert.Equal(model.Forward(x, 20), ConnectivityModel.Load(config, path).Forward(x, 20));

        var other = Assert.Throws<InvalidDataException>(() => ConnectivityModel.Load(config with { Kind = "partial correlation" }, path));
        Assert.Contains("saved with a different config: kind (file \"correlation\", config \"partial correlation\")", other.Message);
        string text = File.ReadAllText(path);
        File.WriteAllText(tmp.File("short.bin"), text.Replace("\"intercept\": [", "\"intercept\": [1, "));
        Assert.Contains("logistic.intercept has 2 values, expected 1",
            Assert.Throws<InvalidDataException>(() => ConnectivityModel.Load(config, tmp.File("short.bin"))).Message);
        File.WriteAllText(tmp.File("extra.bin"), text.Replace("\"scaler\":", "\"weights\": 1, \"scaler\":"));
        Assert.Contains("weights", Assert.Throws<InvalidDataException>(() => ConnectivityModel.Load(config, tmp.File("extra.bin"))).Message);
    }
}
