using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Neurodecode.Pipeline.Worker.Batch;

namespace Neurodecode.Pipeline.Worker.Commands;

/// <summary><c>neurodecode evaluate --model MODELDIR --out DIR FILE...</c>: predictions and metrics on new recordings.</summary>
public static class EvaluateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "a model folder written by `neurodecode train`", Required = true };
        var output = new Option<string>("--out") { Description = "output folder for predictions.parquet and metrics.json", Required = true };
        var files = new Argument<string[]>("FILE") { Description = "recordings to decode", Arity = ArgumentArity.OneOrMore };
        var command = new Command("evaluate", "run a trained model on recordings through its saved pipeline") { model, output, files };
        command.SetAction((parse, ct) => CommandHost.RunAsync("evaluate", async (services, token) =>
        {
            if (AlignerDir.IsAlignerDir(parse.GetRequiredValue(model)))
                return await AlignCommands.EvaluateAsync(services, parse.GetRequiredValue(model), parse.GetRequiredValue(files), parse.GetRequiredValue(output), token);
            var m = await services.GetRequiredService<EvaluateJob>().RunAsync(parse.GetRequiredValue(model), parse.GetRequiredValue(files), parse.GetRequiredValue(output), token);
            Console.Out.WriteLine(string.Format(CultureInfo.InvariantCulture,
                "{0} labelled windows: balanced accuracy {1:0.0000}, kappa {2:0.0000}, weighted F1 {3:0.0000}",
                m.NSamples, m.BalancedAccuracy, m.CohenKappa, m.F1Weighted));
            return CommandHost.ExitOk;
        }, ct, services => services.AddSingleton<PreprocessJob>().AddSingleton<EvaluateJob>().AddSingleton<AlignJob>()));
        return command;
    }
}
