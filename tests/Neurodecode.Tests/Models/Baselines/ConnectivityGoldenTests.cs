using System.Text.Json;
using Neurodecode.Ingest.Formats;
using Neurodecode.Models.Baselines.Connectivity;
using Neurodecode.Preprocess.Steps;
using Xunit.Abstractions;

namespace Neurodecode.Tests.Models.Baselines;

/// <summary>
/// The connectivity baseline against tools/make_connectivity_golden.py (nilearn's ConnectivityMeasure re-implemented
/// on scikit-learn 1.2.1's LedoitWolf / EmpiricalCovariance, StandardScaler and LogisticRegression) on real ABIDE CC200
/// series read by this project's ROI table reader: first 78 volumes, first 20 regions, rounded to float32 as windows are.
/// </summary>
public class ConnectivityGoldenTests(ITestOutputHelper output)
{
    private static readonly JsonElement Golden =
        JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.Golden, "connectivity", "abide_cc200.json"))).RootElement;

    private const int NTimes = 78, NRois = 20;

    private static double[] Flat(JsonElement e) => e.ValueKind == JsonValueKind.Array
        ? e.EnumerateArray().SelectMany(Flat).ToArray()
        : [e.GetDouble()];

    /// <summary>max |a − b| / max |b|.</summary>
    private static double RelErr(IReadOnlyList<double> actual, IReadOnlyList<double> expected)
    {
        Assert.Equal(expected.Count, actual.Count);
        return Enumerable.Range(0, expected.Count).Max(i => Math.Abs(actual[i] - expected[i])) / expected.Max(Math.Abs);
    }

    /// <summary>One window (regions x time, float32) of a shared ABIDE file.</summary>
    private static float[] Window(string relative)
    {
        using var recording = SignalFormats.OpenRecording(TestPaths.Shared(Path.Combine("abide", relative)));
        var raw = RawData.Read(recording);
        var w = new float[NRois * NTimes];
        for (int r = 0; r < NRois; r++)
            for (int t = 0; t < NTimes; t++)
                w[r * NTimes + t] = (float)raw.Channel(r)[t];
        return w;
    }

    private static ConnectivityConfig Config(string kind, string covariance, int nOutputs = 2) =>
        new(NRois, nOutputs, NTimes, 0.5, Kind: kind, Covariance: covariance);

    [Fact]
    public void Matrices_and_fisher_z_vectors_equal_nilearn_on_six_ABIDE_subjects()
    {
        double worst = 0;
        foreach (var subject in Golden.GetProperty("matrices").EnumerateArray())
        {
            var w = Window(subject.GetProperty("file").GetString()!);
            foreach (var estimator in new[] { "ledoit_wolf", "empirical" })
                foreach (var kind in new[] { "correlation", "partial correlation" })
                {
                    var m = Connectome.Matrix(w, NRois, NTimes, kind, estimator);
                    worst = Math.Max(worst, RelErr(m.ToRowMajorArray(), Flat(subject.GetProperty($"{estimator}/{kind}"))));
                }
            foreach (var kind in new[] { "correlation", "partial correlation" })
            {
                var model = new ConnectivityModel(Config(kind, "ledoit_wolf"));
                worst = Math.Max(worst, RelErr(model.Connectivity(w, 1)[0], Flat(subject.GetProperty($"fisher_z/{kind}"))));
            }
        }
        output.WriteLine($"matrices and Fisher-z vectors: max relative error {worst:E2}");
        Assert.True(worst < 1e-12, $"relative error {worst:E2}");
    }

    [Theory]
    [InlineData("binary", 2)]
    [InlineData("ovr", 3)]
    public void Logistic_regression_equals_scikit_learn_on_24_ABIDE_subjects(string task, int nClasses)
    {
        var logistic = Golden.GetProperty("logistic");
        var files = logistic.GetProperty("files").EnumerateArray().Select(f => f.GetString()!).ToList();
        var x = files.SelectMany(Window).ToArray();
        var newton = logistic.GetProperty($"{task}/newton-cg");
        var classes = newton.GetProperty("classes").EnumerateArray().Select(c => c.GetString()!).ToList();
        var y = newton.GetProperty("labels").EnumerateArray().Select(l => (long)classes.IndexOf(l.GetString()!)).ToArray();
        var model = new ConnectivityModel(Config("correlation", "ledoit_wolf", nClasses));
        model.Fit(x, y);

        var decision = model.Features(x, y.Length).SelectMany(f => model.Classifier!.DecisionFunction(f)).ToArray();
        var proba = model.PredictProba(x, y.Length);
        foreach (var solver in new[] { "newton-cg", "lbfgs" })
        {
            var g = logistic.GetProperty($"{task}/{solver}");
            double coef = Math.Max(RelErr(model.Classifier!.Coef.ToRowMajorArray(), Flat(g.GetProperty("coef"))),
                RelErr(model.Classifier.Intercept, Flat(g.GetProperty("intercept"))));
            double dec = RelErr(decision, Flat(g.GetProperty("decision")));
            double p = Enumerable.Range(0, proba.Length).Max(i => Math.Abs(proba[i] - Flat(g.GetProperty("predict_proba"))[i]));
            output.WriteLine($"{task} vs {solver}: coef/intercept {coef:E2}, decision {dec:E2} relative, predict_proba {p:E2} absolute");
            // newton-cg converged to a gradient of ~2e-9: 1e-6 holds with room. lbfgs stops on SciPy's ftol with a
            // gradient near 2e-5 (tools/make_connectivity_golden.py), so it is only that close to the optimum.
            double tolerance = solver == "newton-cg" ? 1e-6 : 5e-4;
            Assert.True(coef < tolerance && dec < tolerance && p < tolerance, $"{solver}: coef {coef:E2}, decision {dec:E2}, proba {p:E2}");
        }
    }
}
