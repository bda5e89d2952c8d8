using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Neurodecode.Pipeline.Worker.Batch;

namespace Neurodecode.Pipeline.Worker.Commands;

/// <summary>
/// <c>neurodecode preprocess --pipeline SPEC.json --out DIR FILE...</c>: windows from recordings, as X.npy
/// (windows x channels x samples, float32), y.npy (int64 class ids), windows.parquet and pipeline.json.
/// </summary>
public static class PreprocessCommand
{
    public static Command Create()
    {
        var pipeline = new Option<string>("--pipeline") { Description = "pipeline spec (JSON), e.g. datasets/pipelines/cbramod-physionet-mi.json", Required = true };
        var output = new Option<string>("--out") { Description = "output folder", Required = true };
        var jobs = new Option<int>("--jobs") { Description = "files processed at once (MNE's n_jobs; each step also uses every core)", DefaultValueFactory = _ => 2 };
        var files = new Argument<string[]>("FILE") { Description = "recordings, processed in this order", Arity = ArgumentArity.OneOrMore };
        var command = new Command("preprocess", "filter, resample, reference and window recordings into model inputs") { pipeline, output, jobs, files };
        command.SetAction((parse, ct) => CommandHost.RunAsync("preprocess", async (services, token) =>
        {
            var job = services.GetRequiredService<PreprocessJob>();
            int n = parse.GetValue(jobs);
            if (n < 1) throw new UsageException($"--jobs {n}: must be at least 1");
            var s = await job.RunAsync(parse.GetRequiredValue(pipeline), parse.GetRequiredValue(files), parse.GetRequiredValue(output), token, n);
            var inv = CultureInfo.InvariantCulture;
            Console.Out.WriteLine(string.Format(inv, "{0} files -> {1} windows of {2} channels x {3} samples at {4:0.###} Hz ({5}); {6} dropped; {7:0.00} s ({8:0.0} M channel-samples/s)",
                s.Files, s.Windows, s.NChannels, s.NTimes, s.Sfreq,
                string.Join(", ", s.PerClass.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}: {p.Value}")),
                s.Dropped, s.Seconds, s.ChannelSamplesIn / s.Seconds / 1e6));
            Console.Out.WriteLine("time per stage, summed over files: " + string.Join(", ",
                s.StageSeconds.Select(p => string.Format(inv, "{0} {1:0.000} s", p.Key, p.Value))));
            return CommandHost.ExitOk;
        }, ct, services => services.AddSingleton<PreprocessJob>()));
        return command;
    }
}
