using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Neurodecode.Models.Encoders.CBraMod;
using Neurodecode.Pipeline.Worker.Batch;

namespace Neurodecode.Pipeline.Worker.Commands;

/// <summary><c>neurodecode pretrain --config CFG.json --out DIR</c>: CBraMod masked-patch or BrainMAE masked-segment pretraining.</summary>
public static class PretrainCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "pretraining config, e.g. datasets/benchmarks/physionet-mi-cbramod-pretrain.json", Required = true };
        var output = new Option<string>("--out") { Description = "checkpoint folder to write (train --pretrained takes it)", Required = true };
        var command = new Command("pretrain", "masked pretraining (CBraMod: patches, BrainMAE: segments) on unlabelled windows; writes a checkpoint folder") { config, output };
        command.SetAction((parse, ct) => CommandHost.RunAsync("pretrain", async (services, token) =>
        {
            var inv = CultureInfo.InvariantCulture;
            PretrainJob.Outcome outcome;
            using (var display = new ConsoleProgressDisplay())
            {
                var epochs = new SyncProgress<PretrainEpoch>(e => display.Line(string.Format(inv,
                    "epoch {0}: train loss {1:0.00000}, val masked MSE {2:0.00000}{3} ({4:0.0} windows/s)",
                    e.Epoch, e.TrainLoss, e.ValLoss, e.Improved ? " *" : "", e.WindowsPerSecond)));
                outcome = await services.GetRequiredService<PretrainJob>().RunAsync(parse.GetRequiredValue(config),
                    parse.GetRequiredValue(output), new TrainCommand.TrainingProgressBar(display), epochs, token);
            }
            Console.Out.WriteLine(string.Format(inv, "windows train/val {0}/{1} ({2} of test subjects left out); best epoch {3}: " +
                "val masked MSE {4:0.00000} ({5})", outcome.NTrain, outcome.NVal, outcome.NLeftOut, outcome.BestEpoch, outcome.BestValLoss,
                string.Join(", ", outcome.Baselines.Select(b => string.Format(inv, "{0}: {1:0.00000}", b.Name, b.Mse)))));
            Console.Out.WriteLine($"checkpoint written to {outcome.Dir}");
            return CommandHost.ExitOk;
        }, ct, services => services.AddSingleton<PreprocessJob>().AddSingleton<PretrainJob>()));
        return command;
    }

    /// <summary>Reports on the training thread, so lines appear in order (Progress&lt;T&gt; posts to the pool).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
