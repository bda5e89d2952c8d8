using System.Buffers.Binary;
using Neurodecode.Models.Training;
using Neurodecode.Pipeline.Worker.Reports;

namespace Neurodecode.Tests.Worker;

/// <summary>The figures of Reports/Plots: real PNGs of the stated size, drawn from the data (and its text), and no
/// chart at all for empty input.</summary>
public class PlotsTests
{
    private static readonly string[] Classes = ["left_fist", "right_fist", "both_fists", "feet"];

    /// <summary>Width and height from the IHDR chunk, after checking the PNG signature and that IHDR comes first.</summary>
    public static (int Width, int Height) PngSize(byte[] png)
    {
        byte[] signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        Assert.True(png.Length > 33, $"{png.Length} bytes is too short for a PNG");
        Assert.Equal(signature, png[..8]);
        Assert.Equal(13, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(8)));
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        return (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }

    /// <summary>How many pixels are within a small distance of <paramref name="colour"/> (antialiased edges count).</summary>
    private static int PixelsNear(byte[] png, ScottPlot.Color colour)
    {
        using var bitmap = SkiaSharp.SKBitmap.Decode(png);
        int n = 0;
        foreach (var p in bitmap.Pixels)
            if (Math.Abs(p.Red - colour.R) + Math.Abs(p.Green - colour.G) + Math.Abs(p.Blue - colour.B) < 60)
                n++;
        return n;
    }

    private static long[][] Matrix(params long[][] rows) => rows;

    [Fact]
    public void Confusion_matrix_is_a_png_that_follows_the_counts_and_the_class_names()
    {
        var a = Matrix([5, 1, 0, 0], [0, 4, 2, 0], [1, 0, 6, 0], [0, 0, 1, 7]);
        var b = Matrix([5, 1, 0, 0], [0, 4, 2, 0], [1, 0, 6, 0], [0, 0, 2, 6]);  // one window moved in the last row
        byte[] pngA = Plots.ConfusionMatrix(a, Classes, "test");

        var (width, height) = PngSize(pngA);
        Assert.Equal((Plots.Height + 100, Plots.Height), (width, height));
        Assert.Equal(pngA, Plots.ConfusionMatrix(a, Classes, "test"));  // same input, same bytes: differences below are real
        Assert.NotEqual(pngA, Plots.ConfusionMatrix(b, Classes, "test"));
        // Only the text differs here: a renamed class changes the image only if text is actually drawn.
        Assert.NotEqual(pngA, Plots.ConfusionMatrix(a, ["left_fist", "right_fist", "both_fists", "both_feet"], "test"));
    }

    [Fact]
    public void Confusion_matrix_from_metrics_uses_their_counts_and_class_names()
    {
        var metrics = Metrics.Compute([0, 0, 1, 1, 1], [0, 1, 1, 1, 0], null, 2, ["left_fist", "right_fist"]);
        byte[] png = Plots.ConfusionMatrix(metrics, "validation");
        Assert.Equal((Plots.Height + 100, Plots.Height), PngSize(png));
        Assert.Equal(png, Plots.ConfusionMatrix(metrics.ConfusionMatrix, ["left_fist", "right_fist"],
            "validation: 5 windows, balanced accuracy 0.583, kappa 0.167"));
    }

    [Fact]
    public void Learning_curves_and_subject_bars_are_pngs_that_follow_the_data()
    {
        var val = Metrics.Compute([0, 1], [0, 1], null, 2);
        var curves = Enumerable.Range(1, 5).Select(e => new EpochRecord(e, 1.0 / e, 0.8 + 0.01 * e, 0.5 + 0.05 * e, e <= 3,
            new Dictionary<string, double> { ["all"] = 1e-3 }, 1.0, 100.0, val)).ToList();
        byte[] png = Plots.LearningCurves(curves, 3, "cohen_kappa");
        Assert.Equal((Plots.Width, Plots.Height), PngSize(png));
        Assert.NotEqual(png, Plots.LearningCurves(curves, 5, "cohen_kappa"));  // the best-epoch marker moves

        // Epochs with an undefined score (NaN) leave the defined ones drawn (ScottPlot alone drops the whole line): far
        // more pixels of the score's colour (about 400 here) than its legend sample and one marker give (about 40).
        var someUndefined = curves.Select(e => e.Epoch is 1 or 3 ? e with { ValScore = double.NaN } : e).ToList();
        Assert.True(PixelsNear(Plots.LearningCurves(someUndefined, 4, "cohen_kappa"), ScottPlot.Colors.Category10[2]) > 150);
        Assert.Equal((Plots.Width, Plots.Height), PngSize(Plots.LearningCurves(curves.Take(1).ToList(), 1, "cohen_kappa")));

        byte[] bars = Plots.SubjectAccuracy([("S001", 0.8), ("S002", 0.55), ("S003", 0.62)], chance: 0.5);
        Assert.Equal((Plots.Width, Plots.Height), PngSize(bars));
        Assert.NotEqual(bars, Plots.SubjectAccuracy([("S001", 0.8), ("S002", 0.75), ("S003", 0.62)], chance: 0.5));
    }

    [Fact]
    public void Empty_input_is_refused_with_an_argument_exception_naming_what_is_missing()
    {
        var noEpochs = Assert.Throws<ArgumentException>(() => Plots.LearningCurves([], 0, "auroc"));
        Assert.Contains("no epochs", noEpochs.Message);
        var noClasses = Assert.Throws<ArgumentException>(() => Plots.ConfusionMatrix([], [], "test"));
        Assert.Contains("no classes", noClasses.Message);
        var zeros = Assert.Throws<ArgumentException>(() => Plots.ConfusionMatrix(Matrix([0, 0], [0, 0]), ["a", "b"], "test"));
        Assert.Contains("no windows", zeros.Message);
        var ragged = Assert.Throws<ArgumentException>(() => Plots.ConfusionMatrix(Matrix([1, 0], [0]), ["a", "b"], "test"));
        Assert.Contains("2 x 2", ragged.Message);
        var noSubjects = Assert.Throws<ArgumentException>(() => Plots.SubjectAccuracy([]));
        Assert.Contains("no subjects", noSubjects.Message);
    }
}
