using System.CommandLine;
using Neurodecode.Pipeline.Worker.Batch;

namespace Neurodecode.Pipeline.Worker.Commands;

/// <summary>
/// <c>neurodecode simulate roi-connectivity --subjects 60 --strength 0.5 --seed 0 -o DIR</c>: a BIDS-like labelled
/// ROI dataset with planted correlation patterns per class on real ABIDE backgrounds (<see cref="PlantedRoiConnectivity"/>).
/// </summary>
public static class SimulateCommand
{
    public static Command Create()
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
        return new Command("simulate", "generate labelled datasets with a known answer") { roi };
    }
}
