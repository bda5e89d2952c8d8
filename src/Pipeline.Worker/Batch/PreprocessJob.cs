using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Formats.Npy;
using Neurodecode.Ingest.Signals;
using Neurodecode.Pipeline.Worker.Commands;
using Neurodecode.Preprocess.Steps;
using Neurodecode.Preprocess.Windows;
using System.Text.Json.Serialization;
using Parquet.Serialization;

namespace Neurodecode.Pipeline.Worker.Batch;

/// <summary>
/// <c>neurodecode preprocess</c>: resolves the spec against every file first (all errors before any work), then reads,
/// processes and windows the files (<c>jobs</c> in flight, each step using every core), and writes <c>X.npy</c>, <c>y.npy</c>,
/// <c>windows.parquet</c> and <c>pipeline.json</c> into the output folder only when everything succeeded.
/// </summary>
public sealed class PreprocessJob(ILogger<PreprocessJob> logger)
{
    /// <summary>What ran: counts, and <see cref="StageSeconds"/>, the time in each stage summed over files (thread time,
    /// so with two files in flight the stages add up to about twice the wall time <see cref="Seconds"/>).</summary>
    public sealed record Summary(int Files, int Windows, int Dropped, IReadOnlyDictionary<string, int> PerClass,
        int NChannels, int NTimes, double Sfreq, double Seconds, long ChannelSamplesIn,
        IReadOnlyDictionary<string, double> StageSeconds);

    /// <summary>Windows of every file, in file order, with each file's resolved pipeline and the time per stage.</summary>
    public sealed record Windowed(PipelineSpec Spec, IReadOnlyList<ResolvedPipeline> Resolved, IReadOnlyList<WindowSet> Sets,
        long ChannelSamplesIn, IReadOnlyDictionary<string, double> StageSeconds);

    public async Task<Summary> RunAsync(string specPath, IReadOnlyList<string> files, string outDir, CancellationToken ct,
        int jobs = 2)
    {
        var clock = Stopwatch.StartNew();
        var w = await WindowAsync(PipelineSpec.Load(specPath), files, jobs, ct);
        var stages = new Dictionary<string, double>(w.StageSeconds);
        long write = Stopwatch.GetTimestamp();
        await WriteOutputsAsync(outDir, w.Spec, w.Resolved, w.Sets, ct);
        stages["write"] = Stopwatch.GetElapsedTime(write).TotalSeconds;

        var output = w.Resolved[0].Output;
        var perClass = w.Sets.SelectMany(s => s.Windows).GroupBy(x => x.Label ?? "(none)").ToDictionary(g => g.Key, g => g.Count());
        return new Summary(files.Count, w.Sets.Sum(s => s.Count), w.Sets.Sum(s => s.Dropped.Count), perClass,
            output.NChannels, w.Sets.FirstOrDefault(s => s.Count > 0)?.NTimes ?? 0, output.Sfreq, clock.Elapsed.TotalSeconds,
            w.ChannelSamplesIn, stages);
    }

    /// <summary>
    /// Resolves <paramref name="spec"/> against every file (all errors before any work), then reads, processes and
    /// windows them, <paramref name="jobs"/> files at a time.
    /// </summary>
    public async Task<Windowed> WindowAsync(PipelineSpec spec, IReadOnlyList<string> files, int jobs, CancellationToken ct)
    {
        if (files.Count == 0)
            throw new UsageException("no input files");
        var resolved = files.Select(f => ResolveFile(spec, f)).ToArray();
        CheckSameOutput(resolved);
        LogDesigns(resolved[0]);

        var sets = new WindowSet[files.Count];
        long samplesIn = 0;
        var stages = new System.Collections.Concurrent.ConcurrentDictionary<string, double>();
        void Timed(string stage, TimeSpan t) => stages.AddOrUpdate(stage, t.TotalSeconds, (_, s) => s + t.TotalSeconds);
        await Parallel.ForAsync(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = jobs, CancellationToken = ct }, (i, token) =>
        {
            long t = Stopwatch.GetTimestamp();
            using var recording = SignalFormats.OpenRecording(files[i]);
            var raw = RawData.Read(recording);
            Timed("read", Stopwatch.GetElapsedTime(t));
            Interlocked.Add(ref samplesIn, (long)raw.Info.NChannels * raw.NTimes);
            sets[i] = resolved[i].Run(raw, Timed);
            token.ThrowIfCancellationRequested();
            return ValueTask.CompletedTask;
        });
        foreach (var line in sets.SelectMany(s => s.Dropped))
            logger.LogInformation("{Dropped}", line);
        return new Windowed(spec, resolved, sets, samplesIn, stages);
    }

    private static ResolvedPipeline ResolveFile(PipelineSpec spec, string file)
    {
        using var recording = SignalFormats.OpenRecording(file);
        return ResolvedPipeline.Resolve(spec, recording.Info, recording.Annotations);
    }

    /// <summary>All files must end up with the same channels and rate, or their windows cannot share one array.</summary>
    private static void CheckSameOutput(IReadOnlyList<ResolvedPipeline> resolved)
    {
        var first = resolved[0];
        var names = first.Output.Channels.Select(c => c.Name).ToArray();
        foreach (var other in resolved.Skip(1))
        {
            var theirs = other.Output.Channels.Select(c => c.Name).ToArray();
            if (!names.SequenceEqual(theirs))
            {
                var onlyFirst = names.Except(theirs).ToList();
                var onlyOther = theirs.Except(names).ToList();
                string what = onlyFirst.Count + onlyOther.Count == 0 ? "the same channels in another order"
                    : $"only in {Path.GetFileName(first.File)}: {Show(onlyFirst)}; only in {Path.GetFileName(other.File)}: {Show(onlyOther)}";
                throw new PipelineSpecException($"{other.File}: channel set differs from {first.File} after the steps ({what}); add a 'pick' step with the channel names");
            }
            if (other.Output.Sfreq != first.Output.Sfreq)
                throw new PipelineSpecException($"{other.File}: sfreq {other.Output.Sfreq} after the steps differs from {first.File} ({first.Output.Sfreq}); add a 'resample' step");
        }
    }

    private static string Show(IEnumerable<string> names) => names.Any() ? string.Join(", ", names.Select(n => $"'{n}'")) : "none";

    private void LogDesigns(ResolvedPipeline pipeline)
    {
        foreach (var step in pipeline.Steps)
            if (step is FilterStep.Fir fir)
                logger.LogInformation("{Step}: {Design}", step.Spec.Name, fir.FirDesign.Describe());
            else if (step.Design is { } design)
                logger.LogInformation("{Step}: {Design}", step.Spec.Name, design.ToJsonString());
    }

    private static async Task WriteOutputsAsync(string outDir, PipelineSpec spec, IReadOnlyList<ResolvedPipeline> resolved,
        IReadOnlyList<WindowSet> sets, CancellationToken ct)
    {
        int nCh = resolved[0].Output.NChannels;
        int len = sets.FirstOrDefault(s => s.Count > 0)?.NTimes ?? 0;
        int n = sets.Sum(s => s.Count);
        var x = new float[(long)n * nCh * len];
        var y = new long[n];
        int k = 0;
        foreach (var set in sets)
        {
            set.X.CopyTo(x, (long)k * nCh * len);
            set.Y.CopyTo(y, k);
            k += set.Count;
        }
        var pipeline = new JsonObject
        {
            ["spec"] = JsonNode.Parse(spec.ToJson()),
            ["classes"] = new JsonArray((spec.Epochs?.Classes ?? (spec.Windows?.Label is { } l ? [l] : [])).Select(c => (JsonNode)c!).ToArray()),
            ["channels"] = new JsonArray(resolved[0].Output.Channels.Select(c => (JsonNode)c.Name).ToArray()),
            ["sfreq"] = resolved[0].Output.Sfreq,
            ["resolved"] = new JsonArray(resolved.Select(r => (JsonNode)r.Describe()).ToArray()),
            ["dropped"] = new JsonArray(sets.SelectMany(s => s.Dropped).Select(d => (JsonNode)d).ToArray()),
        };

        await OutputFolder.WriteAsync(outDir, async temp =>
        {
            NpyWriter.Write<float>(Path.Combine(temp, "X.npy"), [n, nCh, len], x);
            NpyWriter.Write<long>(Path.Combine(temp, "y.npy"), [n], y);
            await File.WriteAllTextAsync(Path.Combine(temp, "pipeline.json"), pipeline.ToJsonString(PipelineJson.Options) + "\n", ct);
            await WriteWindowsAsync(Path.Combine(temp, "windows.parquet"), sets.SelectMany(s => s.Windows).ToList(), ct);
        });
    }

    /// <summary>One row per window: source file, subject, session, run, onset (s), label name and class id.</summary>
    private static async Task WriteWindowsAsync(string path, IReadOnlyList<WindowInfo> rows, CancellationToken ct) =>
        await ParquetSerializer.SerializeAsync(rows.Select(r => new WindowRow
        {
            File = r.File, Subject = r.Subject, Session = r.Session, Run = r.Run, OnsetS = r.OnsetS, Label = r.Label, ClassId = r.ClassId,
        }), path, cancellationToken: ct);

    private sealed class WindowRow
    {
        [JsonPropertyName("file")] public string File { get; set; } = "";
        [JsonPropertyName("subject")] public string? Subject { get; set; }
        [JsonPropertyName("session")] public string? Session { get; set; }
        [JsonPropertyName("run")] public int? Run { get; set; }
        [JsonPropertyName("onset_s")] public double OnsetS { get; set; }
        [JsonPropertyName("label")] public string? Label { get; set; }
        [JsonPropertyName("class_id")] public long ClassId { get; set; }
    }
}
