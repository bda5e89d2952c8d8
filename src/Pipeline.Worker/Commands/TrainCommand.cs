using System.CommandLine;
using System.Diagnostics;
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
        var pretrained = new Option<string?>("--pretrained") { Description = "start CBraMod from this pretraining folder or checkpoint (overrides model.pretrained); for an aligner config, the trained torch aligner to add the recordings' new subject to (reset-tuning)" };
        var epochs = new Option<int?>("--epochs") { Description = "override trainer.epochs (recorded in the model's config.json)" };
        var command = new Command("train", "train a model; writes weights, config, pipeline, split and metrics") { config, output, pretrained, epochs };
        command.SetAction((parse, ct) => CommandHost.RunAsync("train", async (services, token) =>
        {
            if (AlignConfig.IsAlignConfig(parse.GetRequiredValue(config)))
                return await AlignCommands.TrainAsync(services, parse.GetRequiredValue(config), parse.GetRequiredValue(output),
                    parse.GetValue(pretrained), parse.GetValue(epochs), token);
            var job = services.GetRequiredService<TrainJob>();
            TrainJob.Outcome outcome;
            using (var display = new ConsoleProgressDisplay())
                outcome = await job.RunAsync(parse.GetRequiredValue(config), parse.GetRequiredValue(output), new TrainingProgressBar(display), token,
                    parse.GetValue(pretrained), parse.GetValue(epochs));
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
        }, ct, services => services.AddSingleton<PreprocessJob>().AddSingleton<TrainJob>().AddSingleton<AlignJob>()));
        return command;
    }

    /// <summary>
    /// One bar over all of training's batches (epoch k/N, batch b/B, loss, windows/s, the last validation score) and
    /// one stderr line per epoch; without a terminal only the lines. stdout stays for the result.
    /// </summary>
    internal sealed class TrainingProgressBar(ConsoleProgressDisplay display) : IProgress<TrainingProgress>
    {
        private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
        private readonly Stopwatch _epochClock = new();
        private ConsoleProgressDisplay.Bar? _bar;
        private string _lastVal = "";
        private long _windowsAtClockStart;

        public void Report(TrainingProgress p)
        {
            if (p.EpochDone is { } e)
            {
                display.Line(string.Format(Inv,
                    "epoch {0}/{1}: train loss {2:0.0000}, val loss {3:0.0000}, val score {4:0.0000}{5} ({6:0.0} windows/s)",
                    e.Epoch, p.Epochs, e.TrainLoss, e.ValLoss, e.ValScore, e.Improved ? " *" : "", e.WindowsPerSecond));
                _lastVal = string.Format(Inv, ", val {0} {1:0.000}", e.Val.SelectionMetric, e.ValScore);
                _epochClock.Reset();
                return;
            }
            if (p.Batch == 1)
            {
                // Reports come after each batch, so the rate counts from the end of the first one.
                _epochClock.Restart();
                _windowsAtClockStart = p.Windows;
            }
            double seconds = _epochClock.Elapsed.TotalSeconds;
            string rate = p.Batch > 1 && seconds > 0
                ? string.Format(Inv, ", {0:0} windows/s", (p.Windows - _windowsAtClockStart) / seconds)
                : "";
            _bar ??= display.AddBar("training", (double)p.Epochs * p.Batches);
            _bar.Update((p.Epoch - 1) * (double)p.Batches + p.Batch, (double)p.Epochs * p.Batches, string.Format(Inv,
                "epoch {0}/{1}, batch {2}/{3}, loss {4:0.0000}{5}{6}", p.Epoch, p.Epochs, p.Batch, p.Batches, p.Loss, rate, _lastVal));
        }
    }
}
