using System.Globalization;
using Neurodecode.Models.Training;
using ScottPlot;
using SkiaSharp;

namespace Neurodecode.Pipeline.Worker.Reports;

/// <summary>
/// The figures a model folder and a benchmark report carry, as PNG bytes: learning curves, a confusion matrix and
/// balanced accuracy per subject. Empty input is refused rather than drawn as an empty chart.
/// </summary>
public static class Plots
{
    public const int Width = 800, Height = 500;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Skia finds no typeface on a machine without system fonts and then draws no text at all, so every
    /// label uses the DejaVu Sans embedded in this assembly (Reports/Fonts, license beside it).</summary>
    public const string FontName = "DejaVu Sans";

    static Plots()
    {
        Fonts.FontResolvers.Insert(0, new EmbeddedFont());
        Fonts.Default = FontName;
    }

    /// <summary>Training and validation loss (left axis) and the validation selection score (right axis) per epoch,
    /// with the selected epoch marked.</summary>
    public static byte[] LearningCurves(IReadOnlyList<EpochRecord> curves, int bestEpoch, string selectionMetric)
    {
        if (curves.Count == 0)
            throw new ArgumentException("no epochs to plot (a model without epochs, such as csp_lda, has no learning curves)", nameof(curves));
        var plot = NewPlot();
        double[] epochs = curves.Select(e => (double)e.Epoch).ToArray();

        var train = plot.Add.Scatter(epochs, curves.Select(e => e.TrainLoss).ToArray());
        train.LegendText = "train loss";
        var val = plot.Add.Scatter(epochs, curves.Select(e => e.ValLoss).ToArray());
        val.LegendText = "validation loss";
        train.LineWidth = val.LineWidth = 2;
        train.MarkerSize = val.MarkerSize = 5;  // markers keep a one-epoch run (a single point) visible
        // The score lives on its own scale (kappa in [-1, 1], AUROC in [0, 1]), so it gets the right axis. Epochs
        // where it is undefined (NaN) are left out: ScottPlot would drop the whole line.
        var scored = curves.Where(e => double.IsFinite(e.ValScore)).ToArray();
        if (scored.Length > 0)
        {
            var score = plot.Add.Scatter(scored.Select(e => (double)e.Epoch).ToArray(), scored.Select(e => e.ValScore).ToArray());
            score.LegendText = $"validation {selectionMetric}";
            score.LinePattern = LinePattern.Dashed;
            score.LineWidth = 2;
            score.MarkerSize = 5;
            score.Axes.YAxis = plot.Axes.Right;
        }

        var best = plot.Add.VerticalLine(bestEpoch);
        best.Color = Colors.Gray;
        best.LinePattern = LinePattern.Dotted;
        best.LegendText = $"selected epoch {bestEpoch}";

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };  // epochs
        plot.Title("learning curves");
        plot.XLabel("epoch");
        plot.YLabel("loss");
        plot.Axes.Right.Label.Text = $"validation {selectionMetric}";
        plot.ShowLegend(Edge.Bottom);
        return Png(plot);
    }

    /// <summary>The confusion matrix of <paramref name="metrics"/>; <paramref name="split"/> names the windows
    /// ("test", "validation") in the title.</summary>
    public static byte[] ConfusionMatrix(ClassificationMetrics metrics, string split) =>
        ConfusionMatrix(metrics.ConfusionMatrix, metrics.PerClass.Select(c => c.ClassName).ToArray(),
            string.Format(Inv, "{0}: {1} windows, balanced accuracy {2:0.000}, kappa {3:0.000}",
                split, metrics.NSamples, metrics.BalancedAccuracy, metrics.CohenKappa));

    /// <summary>
    /// A heatmap of <paramref name="counts"/> ([true][predicted], as sklearn's <c>confusion_matrix</c>): true classes
    /// on y (first class at the top), predicted on x. Each cell shows its count and its share of the true class, and
    /// is shaded by that share (recall per row), so rare classes read as clearly as common ones.
    /// </summary>
    public static byte[] ConfusionMatrix(long[][] counts, IReadOnlyList<string> classNames, string title)
    {
        int k = classNames.Count;
        if (k == 0)
            throw new ArgumentException("no classes to plot", nameof(classNames));
        if (counts.Length != k || counts.Any(row => row.Length != k))
            throw new ArgumentException($"confusion matrix is not {k} x {k} (one row and column per class)", nameof(counts));
        if (counts.Sum(row => row.Sum()) == 0)
            throw new ArgumentException("confusion matrix holds no windows", nameof(counts));

        var plot = NewPlot();
        IColormap colormap = new ScottPlot.Colormaps.Blues();  // dark at 0, white at 1: shaded by 1 - share
        double[] positions = Enumerable.Range(0, k).Select(i => (double)i).ToArray();
        for (int t = 0; t < k; t++)
        {
            long support = counts[t].Sum();
            double y = k - 1 - t;  // first class on top, as sklearn's ConfusionMatrixDisplay
            for (int p = 0; p < k; p++)
            {
                double share = support == 0 ? 0 : (double)counts[t][p] / support;
                var cell = plot.Add.Rectangle(p - 0.5, p + 0.5, y - 0.5, y + 0.5);
                cell.FillColor = colormap.GetColor(1 - share);
                cell.LineWidth = 0;
                var text = plot.Add.Text(string.Format(Inv, "{0}\n{1:0%}", counts[t][p], share), p, y);
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontSize = k <= 6 ? 18 : 12;
                text.LabelFontColor = share > 0.5 ? Colors.White : Colors.Black;
            }
        }
        plot.Axes.Bottom.SetTicks(positions, classNames.ToArray());
        plot.Axes.Left.SetTicks(positions, classNames.Reverse().ToArray());
        plot.Axes.SetLimits(-0.5, k - 0.5, -0.5, k - 0.5);
        plot.Grid.IsVisible = false;
        plot.Title(title, size: 14);
        plot.XLabel("predicted class");
        plot.YLabel("true class");
        return Png(plot, Height + 100, Height);
    }

    /// <summary>Balanced accuracy per subject as labelled bars, with chance level (1 / n_classes) when given.</summary>
    public static byte[] SubjectAccuracy(IReadOnlyList<(string Subject, double BalancedAccuracy)> subjects, double? chance = null,
        string title = "balanced accuracy per subject")
    {
        if (subjects.Count == 0)
            throw new ArgumentException("no subjects to plot", nameof(subjects));
        var plot = NewPlot();
        bool crowded = subjects.Count > 12;  // then values and names no longer fit side by side
        var bars = subjects.Select((s, i) => new Bar
        {
            Position = i,
            Value = s.BalancedAccuracy,
            Label = crowded ? "" : s.BalancedAccuracy.ToString("0.00", Inv),
            FillColor = Colors.SteelBlue,
        }).ToArray();
        plot.Add.Bars(bars);
        if (chance is { } c)
        {
            var line = plot.Add.HorizontalLine(c);
            line.Color = Colors.Gray;
            line.LinePattern = LinePattern.Dashed;
            line.LegendText = string.Format(Inv, "chance {0:0.00}", c);
            plot.ShowLegend(Edge.Bottom);
        }
        plot.Axes.Bottom.SetTicks(subjects.Select((_, i) => (double)i).ToArray(), subjects.Select(s => s.Subject).ToArray());
        if (crowded)
        {
            plot.Axes.Bottom.TickLabelStyle.Rotation = 90;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
            plot.Axes.Bottom.MinimumSize = 60;
        }
        plot.Axes.SetLimitsY(0, 1.08);
        plot.Axes.SetLimitsX(-0.6, subjects.Count - 0.4);
        plot.Title(title);
        plot.XLabel("subject");
        plot.YLabel("balanced accuracy");
        return Png(plot);
    }

    private static Plot NewPlot()
    {
        var plot = new Plot();
        plot.Font.Set(FontName);
        return plot;
    }

    private static byte[] Png(Plot plot, int width = Width, int height = Height) =>
        plot.GetImage(width, height).GetImageBytes(ImageFormat.Png);

    /// <summary>The embedded DejaVu Sans for every weight and slant (bold is synthesised from the regular face).</summary>
    private sealed class EmbeddedFont : IFontResolver
    {
        private static readonly SKTypeface Typeface = SKTypeface.FromStream(
            typeof(Plots).Assembly.GetManifestResourceStream("Neurodecode.Pipeline.Worker.Reports.Fonts.DejaVuSans.ttf")
            ?? throw new InvalidOperationException("DejaVuSans.ttf is not embedded in the Worker assembly"));

        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
            fontName == FontName ? Typeface : null;

        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing spacing) =>
            fontName == FontName ? Typeface : null;
    }
}
