using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Neurodecode.Pipeline.Worker.Batch;

namespace Neurodecode.Pipeline.Worker.Bench;

/// <summary>
/// The preprocess verb (read, steps, epochs and writing the outputs) against <c>mne_reference.py pipeline
/// cbramod-physionet-mi</c> (read, steps, epochs; single-threaded MNE defaults) on the same files in the same run.
/// Both sides get one untimed warm-up run; ours reports the median wall time of <c>repeat</c> runs.
/// </summary>
public sealed partial class PreprocessBenchmark(PreprocessJob job, string spec, IReadOnlyList<string> files, int repeat, int jobs)
{
    public static bool IsImageryRun(string path) => ImageryRun().IsMatch(Path.GetFileName(path));

    [GeneratedRegex(@"S\d{3}R(04|06|08|10|12|14)\.edf$", RegexOptions.IgnoreCase)]
    private static partial Regex ImageryRun();

    public async Task<string> RunAsync(string? referenceScript, CancellationToken ct)
    {
        var inv = CultureInfo.InvariantCulture;
        string outDir = Path.Combine(Path.GetTempPath(), $"neurodecode-bench-{Guid.NewGuid():N}");
        try
        {
            await job.RunAsync(spec, files, outDir, ct, jobs); // warm-up: JIT, FFT plans, page cache
            var runs = new List<PreprocessJob.Summary>();
            for (int i = 0; i < repeat; i++)
                runs.Add(await job.RunAsync(spec, files, outDir, ct, jobs));
            var median = runs.OrderBy(r => r.Seconds).ElementAt(runs.Count / 2);
            var sb = new StringBuilder();
            double channelSamples = median.ChannelSamplesIn;
            sb.AppendLine(string.Format(inv, "{0} files, {1:0.0} M channel-samples in, {2} windows out", median.Files, channelSamples / 1e6, median.Windows));
            sb.AppendLine(string.Format(inv, "neurodecode ({0} cores, {4} files in flight): {1:0.000} s wall, {2:0.0} M channel-samples/s (median of {3})",
                Environment.ProcessorCount, median.Seconds, channelSamples / median.Seconds / 1e6, repeat, jobs));
            sb.AppendLine("  thread time per stage: " + string.Join(", ", median.StageSeconds.OrderByDescending(p => p.Value)
                .Select(p => string.Format(inv, "{0} {1:0.000} s", p.Key, p.Value))));
            if (referenceScript is null)
            {
                sb.Append("MNE: not run (no reference script)");
                return sb.ToString();
            }
            var (mne, stages) = RunMne(referenceScript, outDir);
            sb.AppendLine(string.Format(inv, "MNE 1.3 (1 thread): {0:0.000} s, {1:0.0} M channel-samples/s", mne, channelSamples / mne / 1e6));
            sb.AppendLine("  time per stage: " + stages);
            sb.Append(string.Format(inv, "speed-up vs MNE: {0:0.0}x", mne / median.Seconds));
            return sb.ToString();
        }
        finally
        {
            if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        }
    }

    private (double Seconds, string Stages) RunMne(string script, string outDir)
    {
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { script, "pipeline", "cbramod-physionet-mi" }.Concat(files).Concat(["--out", Path.Combine(outDir, "mne.npz")]))
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start /usr/bin/python3");
        string stdout = p.StandardOutput.ReadToEnd();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException("MNE reference failed: " + stderr.Trim().Split('\n').LastOrDefault());
        var json = JsonNode.Parse(stdout)!;
        var stages = json["seconds"]!.AsObject().Select(kv => string.Format(CultureInfo.InvariantCulture, "{0} {1:0.000} s", kv.Key, kv.Value!.GetValue<double>()));
        return (json["total_s"]!.GetValue<double>(), string.Join(", ", stages));
    }
}
