using System.Text.Json;
using System.Text.Json.Serialization;
using Neurodecode.Preprocess.Steps;

namespace Neurodecode.Models.Training;

/// <summary>One class's row of the report: how many windows carry it, how many were predicted as it, and its
/// precision, recall and F1 (sklearn's <c>precision_recall_fscore_support(labels=range(n_classes),
/// zero_division=0)</c>: 0 where the denominator is 0).</summary>
public sealed record ClassMetrics(int ClassId, string ClassName, long Support, long Predicted, double Precision,
    double Recall, double F1);

/// <summary>
/// What <c>metrics.json</c> holds for one set of windows. Every number equals scikit-learn 1.2 on the same inputs
/// (golden-tested to 1e-12 by tools/make_metrics_golden.py). <see cref="Auroc"/> and <see cref="AucPr"/> exist for
/// binary tasks only and are left out of the JSON otherwise; <see cref="Auroc"/> is also absent when the true
/// labels hold one class (sklearn raises there). <see cref="CohenKappa"/> is NaN (written <c>"NaN"</c>) when both
/// label sets hold the same single class, as sklearn returns.
/// </summary>
public sealed record ClassificationMetrics(
    int NSamples,
    int NClasses,
    double BalancedAccuracy,
    double CohenKappa,
    double F1Weighted,
    [property: JsonPropertyOrder(1)] IReadOnlyDictionary<string, long> ClassCounts,
    [property: JsonPropertyOrder(1)] IReadOnlyList<ClassMetrics> PerClass,
    [property: JsonPropertyOrder(1)] long[][] ConfusionMatrix,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Auroc = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? AucPr = null)
{
    /// <summary>The number model selection maximises (CBraMod's protocol): AUROC for binary tasks, Cohen's kappa
    /// otherwise; NaN when undefined.</summary>
    [JsonIgnore]
    public double SelectionScore => NClasses == 2 ? Auroc ?? double.NaN : CohenKappa;

    /// <summary>"auroc" or "cohen_kappa": the JSON name of <see cref="SelectionScore"/>.</summary>
    [JsonIgnore]
    public string SelectionMetric => Metrics.SelectionMetricName(NClasses);

    public string ToJson() => JsonSerializer.Serialize(this, Metrics.Json);

    public static ClassificationMetrics FromJson(string json) =>
        JsonSerializer.Deserialize<ClassificationMetrics>(json, Metrics.Json)
        ?? throw new JsonException("metrics JSON is null");
}

/// <summary>
/// Classification metrics as scikit-learn 1.2 computes them (<c>sklearn.metrics</c>), on class ids
/// 0 .. n_classes−1. Rows of the confusion matrix are true classes, columns predicted ones.
/// </summary>
public static class Metrics
{
    /// <summary>snake_case, unknown keys refused, NaN written as "NaN" (the pipeline specs' conventions).</summary>
    public static JsonSerializerOptions Json => PipelineJson.Options;

    public static string SelectionMetricName(int nClasses) => nClasses == 2 ? "auroc" : "cohen_kappa";

    /// <summary>
    /// Every metric for one set of windows. <paramref name="probs"/> (n × n_classes class probabilities, optional)
    /// feeds AUROC and average precision when <paramref name="nClasses"/> is 2, scored on the probability of
    /// class 1. <paramref name="classNames"/> name the classes in the report (their ids when null).
    /// </summary>
    public static ClassificationMetrics Compute(ReadOnlySpan<long> yTrue, ReadOnlySpan<long> yPred, double[,]? probs,
        int nClasses, IReadOnlyList<string>? classNames = null)
    {
        var cm = ConfusionMatrix(yTrue, yPred, nClasses);
        if (probs is not null && (probs.GetLength(0) != yTrue.Length || probs.GetLength(1) != nClasses))
            throw new ArgumentException($"probs is {probs.GetLength(0)} x {probs.GetLength(1)} (expected {yTrue.Length} x {nClasses})");
        if (classNames is not null && classNames.Count != nClasses)
            throw new ArgumentException($"{classNames.Count} class names for {nClasses} classes");
        var names = classNames ?? Enumerable.Range(0, nClasses).Select(k => k.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        if (names.Distinct().Count() != nClasses)
            throw new ArgumentException($"class names are not unique: {string.Join(", ", names)}");

        double? auroc = null, aucPr = null;
        if (nClasses == 2 && probs is not null)
        {
            var positive = new bool[yTrue.Length];
            var score = new double[yTrue.Length];
            for (int i = 0; i < positive.Length; i++)
            {
                positive[i] = yTrue[i] == 1;
                score[i] = probs[i, 1];
            }
            auroc = RocAuc(positive, score);
            aucPr = AveragePrecision(positive, score);
        }

        var (precision, recall, f1, support, predicted) = PerClass(cm);
        var perClass = new ClassMetrics[nClasses];
        var counts = new Dictionary<string, long>();
        for (int k = 0; k < nClasses; k++)
        {
            perClass[k] = new ClassMetrics(k, names[k], support[k], predicted[k], precision[k], recall[k], f1[k]);
            counts[names[k]] = support[k];
        }
        return new ClassificationMetrics(yTrue.Length, nClasses, BalancedAccuracy(cm), CohenKappa(cm), F1Weighted(cm),
            counts, perClass, cm, auroc, aucPr);
    }

    /// <summary><c>confusion_matrix(y_true, y_pred, labels=range(n_classes))</c>: [true][predicted] counts.</summary>
    public static long[][] ConfusionMatrix(ReadOnlySpan<long> yTrue, ReadOnlySpan<long> yPred, int nClasses)
    {
        if (nClasses < 2) throw new ArgumentException($"n_classes ({nClasses}) must be at least 2");
        if (yTrue.Length != yPred.Length)
            throw new ArgumentException($"y_true has {yTrue.Length} labels but y_pred has {yPred.Length}");
        if (yTrue.Length == 0) throw new ArgumentException("no samples to score");
        var cm = new long[nClasses][];
        for (int k = 0; k < nClasses; k++) cm[k] = new long[nClasses];
        for (int i = 0; i < yTrue.Length; i++)
        {
            long t = yTrue[i], p = yPred[i];
            if ((ulong)t >= (ulong)nClasses) throw new ArgumentException($"y_true[{i}] = {t} is not a class id in 0..{nClasses - 1}");
            if ((ulong)p >= (ulong)nClasses) throw new ArgumentException($"y_pred[{i}] = {p} is not a class id in 0..{nClasses - 1}");
            cm[t][p]++;
        }
        return cm;
    }

    /// <summary><c>balanced_accuracy_score</c>: mean recall over the classes that occur in y_true (sklearn drops
    /// classes only predicted, with a warning).</summary>
    public static double BalancedAccuracy(long[][] cm)
    {
        double sum = 0;
        int present = 0;
        for (int k = 0; k < cm.Length; k++)
        {
            long support = cm[k].Sum();
            if (support == 0) continue;
            sum += (double)cm[k][k] / support;
            present++;
        }
        return sum / present;
    }

    /// <summary><c>cohen_kappa_score</c> (unweighted): 1 − observed disagreement / disagreement expected from the
    /// marginals; NaN when that expectation is 0 (one class in both label sets).</summary>
    public static double CohenKappa(long[][] cm)
    {
        int n = cm.Length;
        var sum0 = new long[n];  // predicted counts (column sums)
        var sum1 = new long[n];  // true counts (row sums)
        long total = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                sum0[j] += cm[i][j];
                sum1[i] += cm[i][j];
                total += cm[i][j];
            }
        double observed = 0, expected = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                if (i == j) continue;
                observed += cm[i][j];
                expected += (double)(sum0[i] * sum1[j]) / total;
            }
        return 1 - observed / expected;
    }

    /// <summary><c>f1_score(average='weighted')</c>: per-class F1 averaged with the true counts as weights.</summary>
    public static double F1Weighted(long[][] cm)
    {
        var (_, _, f1, support, _) = PerClass(cm);
        double num = 0;
        long den = 0;
        for (int k = 0; k < f1.Length; k++)
        {
            num += f1[k] * support[k];
            den += support[k];
        }
        return num / den;
    }

    private static (double[] Precision, double[] Recall, double[] F1, long[] Support, long[] Predicted) PerClass(long[][] cm)
    {
        int n = cm.Length;
        var precision = new double[n];
        var recall = new double[n];
        var f1 = new double[n];
        var support = new long[n];
        var predicted = new long[n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                support[i] += cm[i][j];
                predicted[j] += cm[i][j];
            }
        for (int k = 0; k < n; k++)
        {
            long tp = cm[k][k];
            precision[k] = predicted[k] == 0 ? 0 : (double)tp / predicted[k];
            recall[k] = support[k] == 0 ? 0 : (double)tp / support[k];
            double denom = precision[k] + recall[k];
            if (denom == 0) denom = 1;
            f1[k] = 2 * precision[k] * recall[k] / denom;  // sklearn: (1 + beta^2) * p * r / (beta^2 * p + r)
        }
        return (precision, recall, f1, support, predicted);
    }

    /// <summary><c>roc_auc_score</c> for a binary task: trapezoidal area under the ROC curve, tied scores forming
    /// one threshold. Null when <paramref name="positive"/> holds one class (sklearn raises).</summary>
    public static double? RocAuc(ReadOnlySpan<bool> positive, ReadOnlySpan<double> score)
    {
        var (fps, tps) = BinaryCurve(positive, score);
        if (tps[^1] == 0 || fps[^1] == 0) return null;

        // roc_curve(drop_intermediate=True): drop points collinear with their neighbours (this changes the sum's
        // rounding only), then start the curve at (0, 0).
        var keep = new List<int>(fps.Length);
        for (int i = 0; i < fps.Length; i++)
        {
            if (i == 0 || i == fps.Length - 1
                || fps[i + 1] - 2 * fps[i] + fps[i - 1] != 0 || tps[i + 1] - 2 * tps[i] + tps[i - 1] != 0)
                keep.Add(i);
        }
        var fpr = new double[keep.Count + 1];
        var tpr = new double[keep.Count + 1];
        for (int i = 0; i < keep.Count; i++)
        {
            fpr[i + 1] = fps[keep[i]] / fps[^1];
            tpr[i + 1] = tps[keep[i]] / tps[^1];
        }
        double area = 0;  // np.trapz(tpr, fpr)
        for (int i = 0; i + 1 < fpr.Length; i++)
            area += (fpr[i + 1] - fpr[i]) * (tpr[i + 1] + tpr[i]) / 2.0;
        return area;
    }

    /// <summary><c>average_precision_score</c> for a binary task: Σ (R_n − R_{n−1}) P_n over the thresholds, no
    /// interpolation. With no positive in <paramref name="positive"/> sklearn sets recall to 1 everywhere and
    /// returns 0; so does this.</summary>
    public static double AveragePrecision(ReadOnlySpan<bool> positive, ReadOnlySpan<double> score)
    {
        var (fps, tps) = BinaryCurve(positive, score);
        int m = fps.Length;
        // precision_recall_curve: thresholds reversed so recall decreases, then (precision 1, recall 0) appended.
        var precision = new double[m + 1];
        var recall = new double[m + 1];
        for (int i = 0; i < m; i++)
        {
            double ps = tps[i] + fps[i];
            precision[m - 1 - i] = ps != 0 ? tps[i] / ps : 0;
            recall[m - 1 - i] = tps[^1] == 0 ? 1 : tps[i] / tps[^1];
        }
        precision[m] = 1;
        recall[m] = 0;
        double sum = 0;
        for (int j = 0; j < m; j++)
            sum += (recall[j + 1] - recall[j]) * precision[j];
        return -sum;
    }

    /// <summary>sklearn's <c>_binary_clf_curve</c>: false and true positives at each distinct score, highest first.</summary>
    private static (double[] Fps, double[] Tps) BinaryCurve(ReadOnlySpan<bool> positive, ReadOnlySpan<double> score)
    {
        if (positive.Length != score.Length)
            throw new ArgumentException($"{positive.Length} labels but {score.Length} scores");
        if (positive.Length == 0) throw new ArgumentException("no samples to score");
        for (int i = 0; i < score.Length; i++)
            if (!double.IsFinite(score[i])) throw new ArgumentException($"score[{i}] = {score[i]} is not finite");

        var order = new int[score.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        var s = score.ToArray();
        Array.Sort(s, order);  // ascending; the order within ties does not matter, only cumulative sums at their ends
        Array.Reverse(s);
        Array.Reverse(order);

        var fps = new List<double>();
        var tps = new List<double>();
        long tp = 0;
        for (int i = 0; i < s.Length; i++)
        {
            if (positive[order[i]]) tp++;
            if (i == s.Length - 1 || s[i] != s[i + 1])
            {
                tps.Add(tp);
                fps.Add(1 + i - tp);
            }
        }
        return (fps.ToArray(), tps.ToArray());
    }
}
