using System.Text.Json;

namespace Neurodecode.Models.Training;

/// <summary>One fold of a within-subject evaluation: the test fold scored by a model trained on that subject's
/// other folds (best epoch on the validation fold for trained networks, 0 for closed-form models).</summary>
public sealed record FoldResult(string Subject, string? Session, int Fold, int NTrain, int NVal, int NTest, int BestEpoch,
    ClassificationMetrics Test);

/// <summary>A subject's scores averaged over its folds; <see cref="Score"/> is the selection metric (AUROC for
/// binary tasks, as MOABB scores them, kappa otherwise).</summary>
public sealed record SubjectScore(string Subject, int NFolds, int NWindows, double BalancedAccuracy, double CohenKappa, double Score);

/// <summary>
/// MOABB-style within-subject results: every fold, each subject's mean over its folds, and the mean over subjects
/// (each subject weighs the same, whatever its number of windows). Round-trips to JSON (snake_case).
/// </summary>
public sealed record CrossValidationResult(int K, long Seed, string ScoreMetric, IReadOnlyList<FoldResult> Folds,
    IReadOnlyList<SubjectScore> Subjects, double MeanBalancedAccuracy, double MeanCohenKappa, double MeanScore)
{
    public string Evaluation => "within_subject";

    public static CrossValidationResult Summarise(int k, long seed, IReadOnlyList<FoldResult> folds)
    {
        if (folds.Count == 0) throw new ArgumentException("no folds to summarise");
        var subjects = folds.GroupBy(f => f.Subject).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new SubjectScore(g.Key, g.Count(), g.Sum(f => f.NTest), g.Average(f => f.Test.BalancedAccuracy),
                g.Average(f => f.Test.CohenKappa), g.Average(f => f.Test.SelectionScore)))
            .ToList();
        return new CrossValidationResult(k, seed, folds[0].Test.SelectionMetric, folds, subjects,
            subjects.Average(s => s.BalancedAccuracy), subjects.Average(s => s.CohenKappa), subjects.Average(s => s.Score));
    }

    public string ToJson() => JsonSerializer.Serialize(this, Metrics.Json);
}
