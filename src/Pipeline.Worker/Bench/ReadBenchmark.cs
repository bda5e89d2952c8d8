using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Pipeline.Worker.Bench;

/// <summary>
/// Times what MNE's <c>read_raw_*(preload=True)</c> does (header + every sample into memory as float64) for our
/// readers and, in the same run, for MNE itself through <c>shared/tools/mne_reference.py time-read</c>.
/// Both report the median of <c>repeat</c> reads per file, summed over files.
/// </summary>
public sealed class ReadBenchmark(IReadOnlyList<string> files, int repeat)
{
    public sealed record Result(int Files, long Bytes, long ChannelSamples, double SerialSeconds, double ParallelSeconds,
        int Threads, double? MneSeconds, string? MneNote);

    public Result Run(string? referenceScript, CancellationToken ct)
    {
        long bytes = files.Sum(DataBytes), channelSamples = 0;
        foreach (var f in files) // warm-up: JIT and page cache, as the reference warms its imports
            channelSamples += ReadWhole(f);
        double serial = files.Sum(f => Median(() => ReadWhole(f)));

        // Both cores: files are independent, so read them side by side (wall time of each whole pass).
        double parallel = Median(() => Parallel.ForEach(files,
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = ct },
            f => ReadWhole(f)));

        var (mne, note) = referenceScript is null ? (null, "not run") : TimeMne(referenceScript);
        return new Result(files.Count, bytes, channelSamples, serial, parallel, Environment.ProcessorCount, mne, note);
    }

    /// <summary>Opens the file and reads every sample into one channels x samples buffer, like preload=True.</summary>
    private static long ReadWhole(string path)
    {
        using var recording = SignalFormats.OpenRecording(path);
        var all = recording.ReadAll();
        return (long)all.NChannels * all.NSamples;
    }

    private double Median(Action action)
    {
        var times = new double[repeat];
        for (int i = 0; i < repeat; i++)
        {
            long t = Stopwatch.GetTimestamp();
            action();
            times[i] = Stopwatch.GetElapsedTime(t).TotalSeconds;
        }
        Array.Sort(times);
        return repeat % 2 == 1 ? times[repeat / 2] : (times[repeat / 2 - 1] + times[repeat / 2]) / 2;
    }

    private double Median(Func<long> read) => Median(() => { read(); });

    /// <summary>The bytes MNE counts (<c>raw.filenames</c>): the data file (.eeg for BrainVision), else the file.</summary>
    private static long DataBytes(string path)
    {
        string eeg = Path.ChangeExtension(path, ".eeg");
        return new FileInfo(path.EndsWith(".vhdr", StringComparison.OrdinalIgnoreCase) && File.Exists(eeg) ? eeg : path).Length;
    }

    private (double?, string?) TimeMne(string script)
    {
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add("time-read");
        foreach (var f in files) psi.ArgumentList.Add(f);
        psi.ArgumentList.Add("--repeat");
        psi.ArgumentList.Add(repeat.ToString(CultureInfo.InvariantCulture));
        try
        {
            using var p = Process.Start(psi)!;
            string stdout = p.StandardOutput.ReadToEnd();
            string stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
                return (null, "MNE reference failed: " + stderr.Trim().Split('\n').LastOrDefault());
            var json = JsonNode.Parse(stdout)!;
            return (json["total_median_s"]!.GetValue<double>(), null);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (null, "no /usr/bin/python3: " + e.Message);
        }
    }

    public static JsonObject ToJson(Result r) => JsonSerializer.SerializeToNode(r, new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    })!.AsObject();
}
