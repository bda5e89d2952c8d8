using System.Text.Json.Nodes;
using MathNet.Numerics.LinearAlgebra;
using Neurodecode.Models.Baselines;

namespace Neurodecode.Tests.Models.Baselines;

/// <summary>
/// The ridge baseline against scikit-learn 1.2.1 on windows of real EEG (EEGMMIDB S001R04 read by MNE; golden from
/// tools/make_ridge_golden.py): Ridge(alpha) and RidgeCV's leave-one-out choice of alpha, its best score, coef and
/// intercept, on raw and on standardized features.
/// </summary>
public class RidgeGoldenTests
{
    private static readonly JsonObject Golden = JsonNode.Parse(File.ReadAllText(Path.Combine(TestPaths.Golden, "ridge", "ridge.json")))!.AsObject();

    private static double[][] Rows(JsonNode node) => node.AsArray().Select(r => r!.AsArray().Select(v => v!.GetValue<double>()).ToArray()).ToArray();
    private static double[] Values(JsonNode node) => node.AsArray().Select(v => v!.GetValue<double>()).ToArray();
    private static Matrix<double> X => Matrix<double>.Build.DenseOfRowArrays(Rows(Golden["x"]!));
    private static Matrix<double> Y => Matrix<double>.Build.DenseOfRowArrays(Rows(Golden["y"]!));
    private static double[] Alphas => Values(Golden["alphas"]!);

    /// <summary>Largest |a - b| relative to the largest |b|: coefficients near 0 are judged on the matrix's scale.</summary>
    private static void Close(double[] expected, double[] actual, double tol = 1e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(Math.Abs), err = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(err <= tol * scale, $"max error {err:E3} over scale {scale:E3}");
    }

    private static double[] Flat(Matrix<double> m) => m.ToRowArrays().SelectMany(r => r).ToArray();
    private static double[] Flat(JsonNode node) => Rows(node).SelectMany(r => r).ToArray();

    [Fact]
    public void Ridge_with_a_fixed_alpha_equals_sklearn_Ridge()
    {
        var fit = RidgeCv.Fit(X, Y, [10.0]);
        Close(Flat(Golden["ridge_alpha10"]!["coef"]!), Flat(fit.Coef));
        Close(Values(Golden["ridge_alpha10"]!["intercept"]!), fit.Intercept);
    }

    [Fact]
    public void RidgeCv_chooses_sklearns_alpha_with_its_leave_one_out_score()
    {
        var fit = RidgeCv.Fit(X, Y, Alphas);
        var g = Golden["ridgecv_raw"]!;
        Assert.Equal(g["alpha"]!.GetValue<double>(), fit.Alpha);
        Assert.Equal(g["best_score"]!.GetValue<double>(), fit.BestScore, 1e-6 * Math.Abs(fit.BestScore));
        Close(Flat(g["coef"]!), Flat(fit.Coef));
        Close(Values(g["intercept"]!), fit.Intercept);
    }

    [Fact]
    public void RidgeAligner_standardized_equals_StandardScaler_then_RidgeCV()
    {
        var x = X;
        var windows = x.ToRowArrays().SelectMany(r => r).Select(v => (float)v).ToArray();   // float32 in the fixture
        var targets = Y.ToRowArrays().SelectMany(r => r).Select(v => (float)v).ToArray();
        var model = RidgeAligner.Train(windows, 8, 20, targets, 6, new RidgeAlignerOptions(Standardize: true, Alphas));
        var g = Golden["ridgecv_std"]!;
        Close(Values(g["mean"]!), model.Mean, 1e-9);
        Close(Values(g["scale"]!), model.Scale, 1e-9);
        Assert.Equal(g["alpha"]!.GetValue<double>(), model.Alpha);
        // The targets pass through float32 here (embeddings are float32): sklearn fitted the float64 ones.
        Assert.Equal(g["best_score"]!.GetValue<double>(), model.Fit!.BestScore, 1e-6 * Math.Abs(model.Fit.BestScore));
        Close(Flat(g["coef"]!), Flat(model.Coef), 1e-6);
        Close(Values(g["intercept"]!), model.Intercept, 1e-6);
        Close(Flat(g["predict_first5"]!), model.PredictEmbeddings(windows.AsSpan(0, 5 * 160), 5).Select(v => (double)v).ToArray(), 1e-6);
    }

    [Fact]
    public void A_saved_ridge_reads_back_equal_and_a_truncated_one_is_refused()
    {
        var windows = Flat(X).Select(v => (float)v).ToArray();
        var targets = Flat(Y).Select(v => (float)v).ToArray();
        var model = RidgeAligner.Train(windows, 8, 20, targets, 6, new RidgeAlignerOptions());
        using var dir = TestPaths.TempDir();
        string path = dir.File("model.bin");
        model.Save(path);
        var back = RidgeAligner.Load(path);
        Assert.Equal(model.PredictEmbeddings(windows, 40), back.PredictEmbeddings(windows, 40));
        Assert.Equal(model.Alpha, back.Alpha);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^8]);
        var e = Assert.Throws<InvalidDataException>(() => RidgeAligner.Load(path));
        Assert.Contains("file size does not match", e.Message);
    }
}
