using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Neurodecode.Ingest.Datasets;
using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Signals;
using Neurodecode.Models.Registry;
using Neurodecode.Pipeline.Worker.Commands;
using Neurodecode.Preprocess.Steps;
using Neurodecode.Preprocess.Windows;

namespace Neurodecode.Pipeline.Worker.Batch;

/// <summary>
/// <c>neurodecode decode</c>: a trained model over whole datasets, one Parquet file per recording. Recordings are read
/// and preprocessed <c>jobs</c> at a time and handed through a bounded channel to one inference loop (the model has a
/// single owner); each output is written under a fixed temporary name and renamed when complete, and a rerun skips
/// recordings whose output is complete for the same checkpoint and input. A recording that cannot be decoded fails
/// alone, with its reason in the summary.
/// </summary>
public sealed class DecodeJob(ILogger<DecodeJob> logger)
{
    /// <summary>What to decode: <see cref="SlidingHopS"/> null = the model's epochs; shard <c>K</c> of <c>N</c> (0-based).</summary>
    public sealed record Request(string ModelDir, string OutDir, IReadOnlyList<string> Inputs, double? SlidingHopS = null,
        int ShardK = 0, int ShardN = 1, int Jobs = 2, bool Embedding = false);

    public sealed record Failure(string File, string Reason);

    /// <summary>Counts and where the time went: the stage times are summed over recordings (thread time), the wall
    /// time is <see cref="Seconds"/>.</summary>
    public sealed record Summary(int Files, int Decoded, int Skipped, long Windows, IReadOnlyList<Failure> Failures,
        double Seconds, double PrepareSeconds, double InferenceSeconds, double WriteSeconds);

    private sealed record Prepared(DatasetFile File, string Output, WindowSet Windows, double Sfreq, DecodeProvenance Provenance);

    private const int Batch = 64;

    public async Task<Summary> RunAsync(Request request, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        if (request.SlidingHopS is { } hop && !(hop > 0))
            throw new UsageException($"--sliding {hop.ToString(CultureInfo.InvariantCulture)}: the hop must be a positive number of seconds");
        if (request.Jobs < 1)
            throw new UsageException($"--jobs {request.Jobs}: must be at least 1");
        string outDir = Path.GetFullPath(request.OutDir);
        if (!Directory.Exists(Path.GetDirectoryName(outDir)))
            throw new UsageException($"{request.OutDir}: parent folder {Path.GetDirectoryName(outDir)} does not exist");
        if (File.Exists(outDir))
            throw new UsageException($"{request.OutDir}: is a file, not a folder");

        using var model = ModelDir.Open(request.ModelDir);
        if (request.Embedding && model.Model is not IEmbeddingModel)
            throw new UsageException($"--embedding: model '{model.Model.Config.Model}' has no embedding (cbramod has)");
        string outputKind = request.Embedding ? "embedding" : "predictions";
        var spec = WindowsSpec(model, request.SlidingHopS);
        string windowsMode = request.SlidingHopS is { } h ? "sliding hop_s=" + h.ToString("R", CultureInfo.InvariantCulture) : "epochs";
        var files = Shards.Select(Discover(request.Inputs, outDir), request.ShardK, request.ShardN);
        Directory.CreateDirectory(outDir);

        var progress = new DecodeProgress(files.Count, clock);
        var channel = Channel.CreateBounded<Prepared>(new BoundedChannelOptions(request.Jobs) { SingleReader = true });
        long prepareTicks = 0;

        // Reading and preprocessing, `jobs` recordings at a time; the bounded channel holds back readers while
        // inference is behind, so at most 2 x jobs + 1 recordings' windows are in memory.
        var producer = Task.Run(async () =>
        {
            try
            {
                await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = request.Jobs, CancellationToken = ct }, async (file, token) =>
                {
                    long t = Stopwatch.GetTimestamp();
                    Prepared? prepared;
                    try
                    {
                        prepared = await PrepareAsync(file, outDir, spec, model, windowsMode, outputKind, token);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        progress.Failed(file, e);
                        return;
                    }
                    finally
                    {
                        Interlocked.Add(ref prepareTicks, Stopwatch.GetTimestamp() - t);
                    }
                    if (prepared is null)
                        progress.Skipped();
                    else
                        await channel.Writer.WriteAsync(prepared, token);
                });
            }
            finally
            {
                channel.Writer.Complete();
            }
        }, ct);

        // Inference: this loop is the model's only user.
        double inferenceSeconds = 0, writeSeconds = 0;
        await foreach (var p in channel.Reader.ReadAllAsync(ct))
        {
            try
            {
                long t = Stopwatch.GetTimestamp();
                Decoded decoded = request.Embedding ? Embed((IEmbeddingModel)model.Model, p.Windows) : Predict(model, p.Windows);
                inferenceSeconds += Stopwatch.GetElapsedTime(t).TotalSeconds;
                t = Stopwatch.GetTimestamp();
                await AtomicFile.WriteAsync(p.Output, temp => DecodeOutput.WriteAsync(temp, p.File, p.Windows, p.Sfreq,
                    model.Model.Config.Model, decoded, p.Provenance, ct), DecodeOutput.TempName(p.Output));
                writeSeconds += Stopwatch.GetElapsedTime(t).TotalSeconds;
                progress.Decoded(p.Windows.Count);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                progress.Failed(p.File, e);
            }
            foreach (var line in p.Windows.Dropped)
                logger.LogInformation("{Dropped}", line);
        }
        await producer;

        return new Summary(files.Count, progress.DecodedCount, progress.SkippedCount, progress.WindowCount, progress.Failures,
            clock.Elapsed.TotalSeconds, Stopwatch.GetElapsedTime(0, prepareTicks).TotalSeconds, inferenceSeconds, writeSeconds);
    }

    /// <summary>The model's pipeline as trained, or its steps with sliding windows of the model's length every <paramref name="hopS"/>.</summary>
    private static PipelineSpec WindowsSpec(ModelDir model, double? hopS) => hopS is { } hop
        ? model.Pipeline with { Epochs = null, Windows = new SlidingWindowsSpec(model.Model.Config.NTimes / model.Model.Config.Sfreq, hop) }
        : model.Pipeline;

    /// <summary>The recordings named by the inputs, less anything inside the output folder; two recordings may not
    /// share an output name.</summary>
    private static IReadOnlyList<DatasetFile> Discover(IReadOnlyList<string> inputs, string outDir)
    {
        string inside = outDir + Path.DirectorySeparatorChar;
        var files = DatasetFiles.Discover(inputs).Where(f => !Path.GetFullPath(f.Path).StartsWith(inside, StringComparison.Ordinal)).ToList();
        if (files.Count == 0)
            throw new UsageException("no recordings found in the inputs");
        foreach (var clash in files.GroupBy(DecodeOutput.FileName).Where(g => g.Count() > 1))
            throw new UsageException($"{string.Join(" and ", clash.Select(f => f.Path))} would both be written to {clash.Key}; decode them into different --out folders");
        return files;
    }

    /// <summary>
    /// Hashes the input (checking a manifest's SHA-256), returns null when a complete output for the same checkpoint,
    /// input and windows exists, and otherwise reads, preprocesses and windows the recording.
    /// </summary>
    private static async Task<Prepared?> PrepareAsync(DatasetFile file, string outDir, PipelineSpec spec, ModelDir model,
        string windowsMode, string outputKind, CancellationToken ct)
    {
        string output = Path.Combine(outDir, DecodeOutput.FileName(file));
        File.Delete(DecodeOutput.TempName(output)); // what a killed run left; this recording is ours alone
        if (!File.Exists(file.Path))
            throw new InvalidRecordingException(file.Path, "no such file");
        string sha = await FileSha256.OfAsync(file.Path, ct);
        long size = new FileInfo(file.Path).Length;
        if (file.Sha256 is { } expected && expected != sha)
            throw new InvalidRecordingException(file.Path, $"SHA-256 {sha} does not match the manifest's {expected} (changed or damaged copy)");
        var provenance = new DecodeProvenance(DecodeProvenance.CurrentVersion, Complete: true, model.Model.Config.Model, model.WeightsSha256,
            sha, size, windowsMode, outputKind, NWindows: 0);
        if (await DecodeOutput.ReadCompleteAsync(output, ct) is { } existing && existing.SameRun(provenance))
            return null;
        File.Delete(output); // stale (other model, input or windows) or damaged: never left beside a failure

        using var recording = SignalFormats.OpenRecording(file.Path);
        model.CheckChannels(file.Path, recording.Info.Channels);
        var resolved = ResolvedPipeline.Resolve(spec, recording.Info, recording.Annotations);
        var windows = resolved.Run(RawData.Read(recording));
        var config = model.Model.Config;
        if (windows.Count > 0 && (windows.NChannels != config.NChans || windows.NTimes != config.NTimes))
            throw new InvalidRecordingException(file.Path,
                $"windows are {windows.NChannels} channels x {windows.NTimes} samples, the model expects {config.NChans} x {config.NTimes}");
        return new Prepared(file, output, windows, resolved.Output.Sfreq, provenance with { NWindows = windows.Count });
    }

    private static Predictions Predict(ModelDir model, WindowSet windows)
    {
        int n = windows.Count, k = model.Classes.Count, size = windows.NChannels * windows.NTimes;
        var probs = new double[n, k];
        var predicted = new long[n];
        for (int start = 0; start < n; start += Batch)
        {
            int b = Math.Min(Batch, n - start);
            var logits = model.Model.Forward(windows.X.AsSpan(start * size, b * size), b);
            for (int i = 0; i < b; i++)
                EvaluateJob.Softmax(logits.AsSpan(i * k, k), probs, start + i, out predicted[start + i]);
        }
        return new Predictions(model.Classes, predicted, probs);
    }

    private static Embeddings Embed(IEmbeddingModel model, WindowSet windows)
    {
        int n = windows.Count, d = model.EmbeddingSize, size = windows.NChannels * windows.NTimes;
        var values = new float[n * d];
        for (int start = 0; start < n; start += Batch)
        {
            int b = Math.Min(Batch, n - start);
            model.Embed(windows.X.AsSpan(start * size, b * size), b).CopyTo(values, start * d);
        }
        return new Embeddings(d, values);
    }
}

/// <summary>Counts shared by the readers and the inference loop, and the progress line on stderr after each recording.</summary>
internal sealed class DecodeProgress(int total, Stopwatch clock)
{
    private readonly Lock gate = new();
    private readonly List<DecodeJob.Failure> failures = [];

    public int DecodedCount { get; private set; }
    public int SkippedCount { get; private set; }
    public long WindowCount { get; private set; }
    public IReadOnlyList<DecodeJob.Failure> Failures { get { lock (gate) return failures.OrderBy(f => f.File, StringComparer.Ordinal).ToList(); } }

    public void Decoded(int windows)
    {
        lock (gate) { DecodedCount++; WindowCount += windows; Report(); }
    }

    public void Skipped()
    {
        lock (gate) { SkippedCount++; Report(); }
    }

    public void Failed(DatasetFile file, Exception e)
    {
        lock (gate) { failures.Add(new DecodeJob.Failure(file.RelativePath, Reason(file, e))); Report(); }
    }

    /// <summary>One line: the message without the file path it usually starts with (the summary names the file);
    /// errors that are not about the input keep their type, as they point at a bug.</summary>
    private static string Reason(DatasetFile file, Exception e)
    {
        string message = e.Message.ReplaceLineEndings(" ").Trim();
        string prefix = file.Path + ": ";
        if (message.StartsWith(prefix, StringComparison.Ordinal))
            message = message[prefix.Length..];
        return e is InvalidRecordingException or PipelineSpecException or IOException or UnauthorizedAccessException
            ? message : $"{e.GetType().Name}: {message}";
    }

    private void Report()
    {
        int done = DecodedCount + SkippedCount + failures.Count;
        double seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
        Console.Error.WriteLine(string.Format(CultureInfo.InvariantCulture,
            "decode: {0}/{1} recordings ({2} skipped, {3} failed), {4} windows, {5:0.0} windows/s",
            done, total, SkippedCount, failures.Count, WindowCount, WindowCount / seconds));
    }
}
