using System.CommandLine;
using Neurodecode.Ingest.Stimuli;
using Neurodecode.Pipeline.Worker.Batch;

namespace Neurodecode.Pipeline.Worker.Commands;

/// <summary>
/// <c>neurodecode simulate</c>: datasets with a known answer on real backgrounds.
/// <c>roi-connectivity</c> plants correlation patterns per class in real ABIDE ROI series (<see cref="PlantedRoiConnectivity"/>);
/// <c>paired</c> plants stimulus-locked responses, a fixed linear map of each stimulus embedding, in real recordings
/// (<see cref="PairedDataGenerator"/>).
/// </summary>
public static class SimulateCommand
{
    public static Command Create() =>
        new("simulate", "generate datasets with a known answer on real backgrounds") { RoiConnectivity(), Paired() };

    private static Command RoiConnectivity()
    {
        var output = new Option<string>("--out", "-o") { Description = "output folder (sub-XXX_rois.tsv + .json, participants.tsv, planted.json)", Required = true };
        var backgrounds = new Option<string>("--backgrounds") { Description = "folder of real ROI tables cycled as backgrounds", DefaultValueFactory = _ => "../shared/datasets/abide/rois_cc200" };
        var subjects = new Option<int>("--subjects") { Description = "subjects to generate (classes balanced)", DefaultValueFactory = _ => 60 };
        var strength = new Option<double>("--strength") { Description = "latent signal amplitude, in units of each planted region's std (0 = no signal)", DefaultValueFactory = _ => 0.5 };
        var seed = new Option<long>("--seed") { Description = "seed of the class order, planted sets and latent signals", DefaultValueFactory = _ => 0 };
        var rois = new Option<int>("--rois") { Description = "first regions of each background kept", DefaultValueFactory = _ => 50 };
        var volumes = new Option<int>("--volumes") { Description = "first volumes of each background kept (78: every ABIDE site has them)", DefaultValueFactory = _ => 78 };
        var classes = new Option<int>("--classes") { Description = "classes, each with its own planted set", DefaultValueFactory = _ => 2 };
        var planted = new Option<int>("--planted") { Description = "regions in each planted set", DefaultValueFactory = _ => 8 };
        var phi = new Option<double>("--phi") { Description = "AR(1) coefficient of the latent signal", DefaultValueFactory = _ => 0.8 };
        var tr = new Option<double>("--tr") { Description = "RepetitionTime written to the sidecars (s)", DefaultValueFactory = _ => 2.0 };
        var roi = new Command("roi-connectivity", "ROI series with planted correlation patterns per class, on real backgrounds")
            { output, backgrounds, subjects, strength, seed, rois, volumes, classes, planted, phi, tr };
        roi.SetAction((parse, ct) => CommandHost.RunAsync("simulate", async (_, token) =>
        {
            string folder = parse.GetRequiredValue(backgrounds);
            if (!Directory.Exists(folder)) throw new UsageException($"--backgrounds {folder}: no such folder");
            var files = Directory.EnumerateFiles(folder)
                .Where(f => Path.GetExtension(f).ToLowerInvariant() is ".1d" or ".tsv" or ".csv" && !Path.GetFileName(f).StartsWith('.'))
                .Order(StringComparer.Ordinal).ToList();
            var options = new PlantedRoiConnectivity.Options(files, parse.GetValue(subjects), parse.GetValue(strength), parse.GetValue(seed),
                parse.GetValue(rois), parse.GetValue(volumes), parse.GetValue(classes), parse.GetValue(planted), parse.GetValue(phi), parse.GetValue(tr));
            string dir = parse.GetRequiredValue(output);
            await PlantedRoiConnectivity.WriteAsync(options, dir, token);
            Console.Out.WriteLine($"{options.Subjects} subjects ({options.Classes} classes, strength {options.Strength}) on {Math.Min(options.Subjects, files.Count)} backgrounds -> {dir}");
            return CommandHost.ExitOk;
        }, ct));
        return roi;
    }

    private static Command Paired()
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
        return paired;
    }
}
