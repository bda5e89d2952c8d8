using System.Text.Json;
using Neurodecode.Models.Training;

namespace Neurodecode.Tests.Models.Training;

/// <summary>Metrics against scikit-learn 1.2 (golden files written by tools/make_metrics_golden.py), to 1e-12.</summary>
public class MetricsTests
{
    private const double Tol = 1e-12;

    private static string[] CaseNames() =>
        Directory.GetFiles(Path.Combine(TestPaths.Golden, "metrics"), "*.json").Select(f => Path.GetFileNameWithoutExtension(f)).Order().ToArray();

    public static TheoryData<string> Cases() => new(CaseNames());

    private sealed record Case(int NClasses, long[] YTrue, long[] YPred, double[,]? Probs, JsonElement Expected);

    private static Case Load(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.Golden, "metrics", name + ".json")));
        var root = doc.RootElement;
        long[] Longs(string key) => root.GetProperty(key).EnumerateArray().Select(e => e.GetInt64()).ToArray();
        double[,]? probs = null;
        if (root.GetProperty("probs").ValueKind == JsonValueKind.Array)
        {
            var rows = root.GetProperty("probs").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetDouble()).ToArray()).ToArray();
            probs = new double[rows.Length, rows[0].Length];
            for (int i = 0; i < rows.Length; i++)
                for (int k = 0; k < rows[i].Length; k++)
                    probs[i, k] = rows[i][k];
        }
        return new Case(root.GetProperty("n_classes").GetInt32(), Longs("y_true"), Longs("y_pred"), probs,
            root.GetProperty("expected").Clone());
    }

    private static double? Num(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetDouble();

    private static void Close(double? want, double? got, string what)
    {
        if (want is null)
        {
            Assert.True(got is null || double.IsNaN(got.Value), $"{what}: sklearn leaves it undefined, got {got}");
            return;
        }
        Assert.True(got is not null, $"{what}: got nothing, sklearn says {want}");
        Assert.True(Math.Abs(want.Value - got!.Value) <= Tol, $"{what}: {got:R} vs sklearn {want:R}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Equal_sklearn(string name)
    {
        var c = Load(name);
        var m = Metrics.Compute(c.YTrue, c.YPred, c.Probs, c.NClasses);
        var e = c.Expected;

        Close(Num(e.GetProperty("balanced_accuracy")), m.BalancedAccuracy, "balanced_accuracy");
        Close(Num(e.GetProperty("cohen_kappa")), m.CohenKappa, "cohen_kappa");
        Close(Num(e.GetProperty("f1_weighted")), m.F1Weighted, "f1_weighted");
        Close(Num(e.GetProperty("auroc")), m.Auroc, "auroc");
        Close(Num(e.GetProperty("average_precision")), m.AucPr, "average_precision");

        var cm = e.GetProperty("confusion_matrix").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt64()).ToArray()).ToArray();
        Assert.Equal(cm, m.ConfusionMatrix);
        for (int k = 0; k < c.NClasses; k++)
        {
            Close(e.GetProperty("precision")[k].GetDouble(), m.PerClass[k].Precision, $"precision[{k}]");
            Close(e.GetProperty("recall")[k].GetDouble(), m.PerClass[k].Recall, $"recall[{k}]");
            Close(e.GetProperty("f1")[k].GetDouble(), m.PerClass[k].F1, $"f1[{k}]");
            Assert.Equal(e.GetProperty("support")[k].GetInt64(), m.PerClass[k].Support);
            Assert.Equal(cm.Sum(row => row[k]), m.PerClass[k].Predicted);
        }
    }

    [Fact]
    public void Golden_cases_cover_the_edges()
    {
        var names = CaseNames().ToHashSet();
        Assert.Superset(new HashSet<string> { "binary_ties", "class_never_predicted", "class_absent_from_y_true",
            "perfect_multiclass", "perfect_binary", "binary_one_class", "one_class_perfect", "multiclass_random" }, names);
    }

    [Fact]
    public void Json_is_snake_case_and_round_trips()
    {
        var m = Metrics.Compute(new long[] { 0, 1, 1, 0, 1 }, new long[] { 0, 1, 0, 0, 1 },
            new double[,] { { 0.9, 0.1 }, { 0.2, 0.8 }, { 0.6, 0.4 }, { 0.7, 0.3 }, { 0.4, 0.6 } }, 2, ["left_fist", "right_fist"]);
        string json = m.ToJson();
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal(5, root.GetProperty("n_samples").GetInt32());
        Assert.Equal(m.BalancedAccuracy, root.GetProperty("balanced_accuracy").GetDouble());
        Assert.Equal(m.CohenKappa, root.GetProperty("cohen_kappa").GetDouble());
        Assert.Equal(m.F1Weighted, root.GetProperty("f1_weighted").GetDouble());
        Assert.Equal(1.0, root.GetProperty("auroc").GetDouble());
        Assert.True(root.TryGetProperty("auc_pr", out _));
        Assert.Equal(["n_samples", "n_classes", "balanced_accuracy", "cohen_kappa", "f1_weighted", "auroc", "auc_pr",
            "class_counts", "per_class", "confusion_matrix"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(2, root.GetProperty("class_counts").GetProperty("left_fist").GetInt64());
        Assert.Equal(3, root.GetProperty("class_counts").GetProperty("right_fist").GetInt64());
        Assert.Equal("right_fist", root.GetProperty("per_class")[1].GetProperty("class_name").GetString());
        Assert.Equal(2, root.GetProperty("confusion_matrix")[1][1].GetInt64());

        var back = ClassificationMetrics.FromJson(json);
        Assert.Equal(json, back.ToJson());
        Assert.Equal("auroc", m.SelectionMetric);
        Assert.Equal(m.Auroc, m.SelectionScore);
    }

    [Fact]
    public void Multiclass_json_has_no_binary_metrics_and_selects_on_kappa()
    {
        var m = Metrics.Compute(new long[] { 0, 1, 2, 3, 2 }, new long[] { 0, 1, 2, 2, 2 }, null, 4);
        using var doc = JsonDocument.Parse(m.ToJson());
        Assert.False(doc.RootElement.TryGetProperty("auroc", out _));
        Assert.False(doc.RootElement.TryGetProperty("auc_pr", out _));
        Assert.Equal("cohen_kappa", m.SelectionMetric);
        Assert.Equal(m.CohenKappa, m.SelectionScore);
        Assert.Equal(new[] { "0", "1", "2", "3" }, m.ClassCounts.Keys);
    }

    [Fact]
    public void Undefined_kappa_is_written_as_NaN()
    {
        var m = Metrics.Compute(new long[] { 1, 1 }, new long[] { 1, 1 }, null, 2);
        Assert.True(double.IsNaN(m.CohenKappa));
        Assert.Contains("\"cohen_kappa\": \"NaN\"", m.ToJson());
        Assert.True(double.IsNaN(ClassificationMetrics.FromJson(m.ToJson()).CohenKappa));
    }

    [Fact]
    public void Bad_input_names_the_problem()
    {
        Assert.Contains("y_pred[1] = 4", Assert.Throws<ArgumentException>(() => Metrics.Compute(new long[] { 0, 1 }, new long[] { 0, 4 }, null, 4)).Message);
        Assert.Contains("y_true[0] = -1", Assert.Throws<ArgumentException>(() => Metrics.Compute(new long[] { -1, 1 }, new long[] { 0, 1 }, null, 4)).Message);
        Assert.Contains("y_pred has 3", Assert.Throws<ArgumentException>(() => Metrics.Compute(new long[] { 0, 1 }, new long[] { 0, 1, 1 }, null, 2)).Message);
        Assert.Contains("probs is 2 x 3", Assert.Throws<ArgumentException>(() => Metrics.Compute(new long[] { 0, 1 }, new long[] { 0, 1 }, new double[2, 3], 2)).Message);
        Assert.Contains("not finite", Assert.Throws<ArgumentException>(() => Metrics.Compute(new long[] { 0, 1 }, new long[] { 0, 1 }, new double[,] { { 0.5, double.NaN }, { 0.5, 0.5 } }, 2)).Message);
        Assert.Contains("1 class names", Assert.Throws<ArgumentException>(() => Metrics.Compute(new long[] { 0, 1 }, new long[] { 0, 1 }, null, 2, ["a"])).Message);
    }
}
