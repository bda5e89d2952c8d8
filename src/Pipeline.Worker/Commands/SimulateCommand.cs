using System.CommandLine;
using Neurodecode.Ingest.Stimuli;

namespace Neurodecode.Pipeline.Worker.Commands;

/// <summary>
/// <c>neurodecode simulate paired --background F ... -o DIR</c>: paired brain/stimulus data with a known answer, real
/// recordings plus planted stimulus-locked responses (<see cref="PairedDataGenerator"/>), written atomically.
/// </summary>
public static class SimulateCommand
{
    public static Command Create()
    {
        var backgrounds = new Option<string[]>("--background") { Description = "real recordings used as backgrounds, in order (same channels and rate)", Required = true, AllowMultipleArgumentsPerToken = true, Arity = ArgumentArity.OneOrMore };
        var stimuli = new Option<int>("--stimuli") { Description = "stimuli in the table (training + test)", DefaultValueFactory = _ => 200 };
        var testStimuli = new Option<int>("--test-stimuli") { Description = "held-out stimuli shown only in the test recordings", DefaultValueFactory = _ => 40 };
        var trainReps = new Option<int>("--train-reps") { Description = "presentations of each training stimulus", DefaultValueFactory = _ => 2 };
        var testReps = new Option<int>("--test-reps") { Description = "presentations of each test stimulus", DefaultValueFactory = _ => 4 };
        var dim = new Option<int>("--dim") { Description = "embedding length", DefaultValueFactory = _ => 64 };
        var snr = new Option<double>("--snr") { Description = "per channel: response RMS / background RMS (0 = no planted signal)", DefaultValueFactory = _ => 1.0 };
        var seed = new Option<long>("--seed") { Description = "seed of the embeddings, the map, the orders and the ISIs", DefaultValueFactory = _ => 0 };
        var clusters = new Option<int>("--clusters") { Description = "0: independent random unit embeddings; K: K clusters of them", DefaultValueFactory = _ => 0 };
        var response = new Option<double>("--response") { Description = "response length, s", DefaultValueFactory = _ => 0.5 };
        var output = new Option<string>("--out", "-o") { Description = "output folder", Required = true };
        var paired = new Command("paired", "paired recordings and a stimulus embedding table with planted responses")
        {
            backgrounds, stimuli, testStimuli, trainReps, testReps, dim, snr, seed, clusters, response, output,
        };
        paired.SetAction((parse, ct) => CommandHost.RunAsync("simulate paired", async (_, token) =>
        {
            var options = new PairedDataOptions(parse.GetRequiredValue(backgrounds), parse.GetValue(stimuli), parse.GetValue(testStimuli),
                parse.GetValue(trainReps), parse.GetValue(testReps), parse.GetValue(dim), parse.GetValue(snr), parse.GetValue(seed),
                parse.GetValue(clusters), ResponseS: parse.GetValue(response));
            try { options.Validate(); }
            catch (ArgumentException e) { throw new UsageException(e.Message); }
            foreach (var b in options.Backgrounds)
                if (!File.Exists(b)) throw new UsageException($"--background {b}: no such file");
            IReadOnlyList<PairedDataGenerator.Output> outputs = [];
            await OutputFolder.WriteAsync(parse.GetRequiredValue(output), async temp =>
            {
                try { outputs = await new PairedDataGenerator(options).WriteAsync(temp, token); }
                catch (ArgumentException e) { throw new UsageException(e.Message); }
            });
            foreach (var o in outputs)
                Console.Out.WriteLine($"{o.File}: {o.Trials} trials ({o.Split})");
            Console.Out.WriteLine($"{options.Stimuli} stimuli ({options.TestStimuli} held out for test) written to {parse.GetRequiredValue(output)}");
            return CommandHost.ExitOk;
        }, ct));
        return new Command("simulate", "generate data with a known answer") { paired };
    }
}
