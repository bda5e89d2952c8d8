using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Neurodecode.Models.Training;
using Neurodecode.Pipeline.Worker.Batch;

namespace Neurodecode.Pipeline.Worker.Bench;

/// <summary>report.md of a benchmark folder: what was run, on which data, the results, throughput and the plots.</summary>
public static class BenchReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Markdown(TrainConfig config, TrainJob.Outcome outcome, JsonObject metrics, JsonObject manifest,
        IReadOnlyList<(string File, string Caption)> plots)
    {
        var md = new StringBuilder();
        md.AppendLine($"# Benchmark: {config.Name}").AppendLine();
        if (config.Description is { } d) md.AppendLine(d).AppendLine();

        var git = manifest["git"];
        md.AppendLine("| run | |").AppendLine("|---|---|");
        md.AppendLine($"| config | `{manifest["config"]!["path"]}` (SHA-256 `{manifest["config"]!["sha256"]}`) |");
        md.AppendLine($"| model | `{config.Model.Name}`, {outcome.ParameterCount.ToString("N0", Inv)} parameters |");
        md.AppendLine($"| evaluation | {Evaluation(config, outcome)} |");
        md.AppendLine($"| epochs | {(manifest["epochs"] is { } e ? $"{e} (--epochs)" : (config.Trainer?.Epochs ?? new TrainerOptions().Epochs).ToString(Inv))}{(outcome.Result is { Curves.Count: 0 } ? " (not used: fitted once)" : "")} |");
        md.AppendLine($"| pipeline | `{manifest["pipeline"]!["path"]}` |");
        md.AppendLine($"| code | {(git?["commit"] is { } c ? $"`{c}`{(git["dirty"]?.GetValue<bool>() == true ? " (with uncommitted changes)" : "")}" : "unknown (no git work tree)")} |");
        md.AppendLine($"| machine | {manifest["machine"]}, {manifest["runtime"]?["processor_count"]} cores, {manifest["runtime"]?["torch_threads"]} torch threads, {manifest["runtime"]?["dotnet"]} |");
        md.AppendLine($"| started | {manifest["started_at"]} |").AppendLine();

        md.AppendLine("## Data").AppendLine();
        md.AppendLine($"{outcome.Files.Count} recordings, classes {string.Join(", ", outcome.Classes)}; windows per class:").AppendLine();
        md.AppendLine($"| split | subjects | windows | {string.Join(" | ", outcome.Classes)} |");
        md.AppendLine($"|---|---|---:|{string.Concat(outcome.Classes.Select(_ => "---:|"))}");
        foreach (var (split, windows) in outcome.Windows)
        {
            var subjects = windows.Select(w => w.Subject ?? "?").Distinct().Order(StringComparer.Ordinal).ToList();
            md.AppendLine($"| {split} | {subjects.Count}: {string.Join(", ", subjects)} | {windows.Count} | {string.Join(" | ", outcome.Classes.Select(c => windows.Count(w => w.Label == c)))} |");
        }
        md.AppendLine();

        md.AppendLine("## Results").AppendLine();
        if (outcome.WithinSubject is { } cv)
            WithinSubject(md, cv);
        else
            SubjectSplit(md, outcome);

        var timings = metrics[ConfigBenchmark.TimingsKey]!;
        md.AppendLine("## Throughput").AppendLine();
        md.AppendLine(string.Format(Inv, "Training: {0:0.0} windows/s{1}; the whole run (reading, preprocessing, training, scoring) took {2:0.0} s.",
            timings["train_windows_per_second"]!.GetValue<double>(),
            timings["train_seconds"] is { } t ? string.Format(Inv, " ({0:0.00} s of training)", t.GetValue<double>()) : " (over the whole run)",
            timings["total_seconds"]!.GetValue<double>())).AppendLine();

        md.AppendLine("## Plots").AppendLine();
        foreach (var (file, caption) in plots)
            md.AppendLine($"![{caption}]({file})").AppendLine();
        md.AppendLine("Rerun and compare: `neurodecode bench --verify <this folder>`.");
        return md.ToString();
    }

    private static string Evaluation(TrainConfig config, TrainJob.Outcome outcome) => outcome.WithinSubject is { } cv
        ? $"within-subject {cv.K}-fold (seed {cv.Seed}), scored by {cv.ScoreMetric}"
        : $"subject-wise split (seed {config.Split?.Seed}), model selection on validation by {outcome.Result!.SelectionMetric}";

    private static string F(double? v) => v is { } x ? x.ToString("0.0000", Inv) : "–";

    private static void SubjectSplit(StringBuilder md, TrainJob.Outcome outcome)
    {
        var r = outcome.Result!;
        md.AppendLine("| split | windows | balanced accuracy | Cohen's kappa | weighted F1 | AUROC |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|");
        void Row(string name, ClassificationMetrics? m)
        {
            if (m is null) return;
            md.AppendLine($"| {name} | {m.NSamples} | {F(m.BalancedAccuracy)} | {F(m.CohenKappa)} | {F(m.F1Weighted)} | {F(m.Auroc)} |");
        }
        Row("validation", r.Val);
        Row("test", r.Test);
        md.AppendLine();
        if (r.Curves.Count > 0)
            md.AppendLine($"Selected epoch {r.BestEpoch} of {r.Curves.Count} ({r.SelectionMetric} {F(r.BestValScore)} on validation).").AppendLine();
        var subjects = ConfigBenchmark.TestSubjects(outcome);
        if (subjects.Count == 0) return;
        md.AppendLine("Test subjects:").AppendLine();
        md.AppendLine("| subject | windows | balanced accuracy |").AppendLine("|---|---:|---:|");
        foreach (var s in subjects) md.AppendLine($"| {s.Subject} | {s.NWindows} | {F(s.BalancedAccuracy)} |");
        md.AppendLine();
    }

    private static void WithinSubject(StringBuilder md, CrossValidationResult cv)
    {
        md.AppendLine($"| subject | folds | windows | balanced accuracy | Cohen's kappa | {cv.ScoreMetric} |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var s in cv.Subjects)
            md.AppendLine($"| {s.Subject} | {s.NFolds} | {s.NWindows} | {F(s.BalancedAccuracy)} | {F(s.CohenKappa)} | {F(s.Score)} |");
        md.AppendLine($"| **mean** | | {cv.Subjects.Sum(s => s.NWindows)} | {F(cv.MeanBalancedAccuracy)} | {F(cv.MeanCohenKappa)} | {F(cv.MeanScore)} |");
        md.AppendLine();
    }
}
