using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Neurodecode.Models.Training;
using Neurodecode.Pipeline.Worker.Batch;

namespace Neurodecode.Pipeline.Worker.Commands;

/// <summary><c>neurodecode train --config CFG.json --out MODELDIR</c>: train a registered model on preprocessed windows.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "training config, e.g. datasets/benchmarks/physionet-mi-lr-csp-lda.json", Required = true };
        var output = new Option<string>("--out") { Description = "model folder to write", Required = true };
        var pretrained = new Option<string?>("--pretrained") { Description = "start CBraMod from this pretraining folder or checkpoint (overrides model.pretrained)" };
        var command = new Command("train", "train a model; writes weights, config, pipeline, split and metrics") { config, output, pretrained };
        command.SetAction((parse, ct) => CommandHost.RunAsync("train", async (services, token) =>
        {
            var job = services.GetRequiredService<TrainJob>();
            var outcome = await job.RunAsync(parse.GetRequiredValue(config), parse.GetRequiredValue(output), new ConsoleProgress(), token,
                parse.GetValue(pretrained));
            var inv = CultureInfo.InvariantCulture;
            if (outcome.WithinSubject is { } cv)
            {
                foreach (var s in cv.Subjects)
                    Console.Out.WriteLine(string.Format(inv, "subject {0}: balanced accuracy {1:0.0000}, kappa {2:0.0000}, {3} {4:0.0000} ({5} folds, {6} windows)",
                        s.Subject, s.BalancedAccuracy, s.CohenKappa, cv.ScoreMetric, s.Score, s.NFolds, s.NWindows));
                Console.Out.WriteLine(string.Format(inv, "within-subject {0}-fold, mean over {1} subjects: balanced accuracy {2:0.0000}, kappa {3:0.0000}, {4} {5:0.0000}",
                    cv.K, cv.Subjects.Count, cv.MeanBalancedAccuracy, cv.MeanCohenKappa, cv.ScoreMetric, cv.MeanScore));
                Console.Out.WriteLine($"results written to {outcome.ModelDir}");
                return CommandHost.ExitOk;
            }
            var r = outcome.Result!;
            Console.Out.WriteLine(string.Format(inv, "windows train/val/test {0}/{1}/{2}; best epoch {3} ({4} {5:0.0000} on validation)",
                outcome.NTrain, outcome.NVal, outcome.NTest, r.BestEpoch, r.SelectionMetric, r.BestValScore));
            if (r.Test is { } test)
                Console.Out.WriteLine(string.Format(inv, "test: balanced accuracy {0:0.0000}, kappa {1:0.0000}, weighted F1 {2:0.0000} ({3} windows)",
                    test.BalancedAccuracy, test.CohenKappa, test.F1Weighted, test.NSamples));
            Console.Out.WriteLine($"model written to {outcome.ModelDir}");
            return CommandHost.ExitOk;
        }, ct, services => services.AddSingleton<PreprocessJob>().AddSingleton<TrainJob>()));
        return command;
    }

    /// <summary>One stderr line per epoch; stdout stays for the result.</summary>
    private sealed class ConsoleProgress : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            if (p.EpochDone is { } e)
                Console.Error.WriteLine(string.Format(CultureInfo.InvariantCulture,
                    "epoch {0}/{1}: train loss {2:0.0000}, val loss {3:0.0000}, val score {4:0.0000}{5} ({6:0.0} windows/s)",
                    e.Epoch, p.Epochs, e.TrainLoss, e.ValLoss, e.ValScore, e.Improved ? " *" : "", e.WindowsPerSecond));
        }
    }
}
