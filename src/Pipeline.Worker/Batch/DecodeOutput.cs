using System.Text.Json;
using System.Text.Json.Serialization;
using Neurodecode.Ingest.Datasets;
using Neurodecode.Preprocess.Steps;
using Neurodecode.Preprocess.Windows;
using Parquet;
using Parquet.Schema;

namespace Neurodecode.Pipeline.Worker.Batch;

/// <summary>
/// What makes a decode output reusable on a rerun, stored as JSON under the Parquet key-value metadata key
/// <see cref="DecodeOutput.MetadataKey"/>: the model and its checkpoint hash, the input's hash and size, how windows were
/// cut, and the row count. A rerun skips a recording only when all of them match.
/// </summary>
public sealed record DecodeProvenance(
    [property: JsonPropertyName("format_version")] int FormatVersion,
    [property: JsonPropertyName("complete")] bool Complete,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("checkpoint_sha256")] string CheckpointSha256,
    [property: JsonPropertyName("input_sha256")] string InputSha256,
    [property: JsonPropertyName("input_size")] long InputSize,
    [property: JsonPropertyName("windows")] string Windows,
    [property: JsonPropertyName("output")] string Output,
    [property: JsonPropertyName("n_windows")] long NWindows)
{
    public const int CurrentVersion = 1;

    /// <summary>Equal in everything that decides the rows (the row count is checked against the file itself).</summary>
    public bool SameRun(DecodeProvenance other) =>
        FormatVersion == other.FormatVersion && Model == other.Model && CheckpointSha256 == other.CheckpointSha256
        && InputSha256 == other.InputSha256 && InputSize == other.InputSize && Windows == other.Windows && Output == other.Output;
}

/// <summary>What the model made of a recording's windows: labels with class probabilities, or embeddings.</summary>
public abstract record Decoded(string Kind);

/// <summary>The most probable class per window and the softmax over classes (windows x classes).</summary>
public sealed record Predictions(IReadOnlyList<string> Classes, long[] Predicted, double[,] Probs) : Decoded("predictions");

/// <summary>One vector of <paramref name="Size"/> per window, row-major.</summary>
public sealed record Embeddings(int Size, float[] Values) : Decoded("embedding");

/// <summary>
/// One decode output per recording: one row per window with the provenance columns (<c>dataset</c>, <c>subject</c>,
/// <c>session</c>, <c>run</c>, <c>file</c>, <c>onset_s</c>, <c>offset_s</c>), the model (<c>model</c>,
/// <c>checkpoint_sha256</c>), then <c>predicted_label</c> and one <c>prob_&lt;class&gt;</c> per class, or with
/// <c>--embedding</c> the columns <c>emb_0</c> … <c>emb_&lt;d-1&gt;</c> (float32).
/// </summary>
public static class DecodeOutput
{
    public const string MetadataKey = "neurodecode.decode";

    /// <summary>
    /// The output file name for a recording: its relative path with '/' as "__", plus ".parquet"
    /// (<c>S001/S001R04.edf</c> → <c>S001__S001R04.edf.parquet</c>), so equal names in different folders stay apart.
    /// </summary>
    public static string FileName(DatasetFile file) => file.RelativePath.Replace("/", "__") + ".parquet";

    /// <summary>The temporary name a recording's output is written under: fixed, so a rerun overwrites what a killed run left.</summary>
    public static string TempName(string outputPath) =>
        Path.Combine(Path.GetDirectoryName(outputPath)!, "." + Path.GetFileName(outputPath) + ".tmp");

    /// <summary>Writes the rows of one recording; <paramref name="sfreq"/> is the windows' rate (the pipeline's output).</summary>
    public static async Task WriteAsync(string path, DatasetFile source, WindowSet windows, double sfreq, string modelName,
        Decoded decoded, DecodeProvenance provenance, CancellationToken ct)
    {
        int n = windows.Count;
        double length = windows.NTimes / sfreq;
        var dataset = new DataField<string>("dataset", nullable: true);
        var subject = new DataField<string>("subject", nullable: true);
        var session = new DataField<string>("session", nullable: true);
        var run = new DataField<int?>("run");
        var file = new DataField<string>("file");
        var onset = new DataField<double>("onset_s");
        var offset = new DataField<double>("offset_s");
        var model = new DataField<string>("model");
        var checkpoint = new DataField<string>("checkpoint_sha256");
        var label = new DataField<string>("predicted_label");
        var resultFields = decoded switch
        {
            Predictions p => [label, .. p.Classes.Select(c => new DataField<double>($"prob_{c}"))],
            Embeddings e => Enumerable.Range(0, e.Size).Select(i => (DataField)new DataField<float>($"emb_{i}")).ToArray(),
            _ => throw new ArgumentException(decoded.Kind),
        };

        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(
            new ParquetSchema([dataset, subject, session, run, file, onset, offset, model, checkpoint, .. resultFields]), stream, cancellationToken: ct);
        writer.CustomMetadata = new Dictionary<string, string> { [MetadataKey] = JsonSerializer.Serialize(provenance) };
        using var group = writer.CreateRowGroup();
        var rows = windows.Windows;
        await group.WriteAsync(dataset, Enumerable.Repeat(source.Dataset, n).ToArray()!);
        await group.WriteAsync(subject, rows.Select(w => w.Subject).ToArray()!);
        await group.WriteAsync(session, rows.Select(w => w.Session).ToArray()!);
        await group.WriteAsync<int>(run, rows.Select(w => w.Run).ToArray(), cancellationToken: ct);
        await group.WriteAsync(file, Enumerable.Repeat(source.RelativePath, n).ToArray());
        await group.WriteAsync<double>(onset, rows.Select(w => w.OnsetS).ToArray(), cancellationToken: ct);
        await group.WriteAsync<double>(offset, rows.Select(w => w.OnsetS + length).ToArray(), cancellationToken: ct);
        await group.WriteAsync(model, Enumerable.Repeat(modelName, n).ToArray());
        await group.WriteAsync(checkpoint, Enumerable.Repeat(provenance.CheckpointSha256, n).ToArray());
        if (decoded is Predictions predictions)
        {
            await group.WriteAsync(label, predictions.Predicted.Select(p => predictions.Classes[(int)p]).ToArray());
            for (int c = 0; c < predictions.Classes.Count; c++)
                await group.WriteAsync<double>(resultFields[c + 1], Enumerable.Range(0, n).Select(i => predictions.Probs[i, c]).ToArray(), cancellationToken: ct);
        }
        else if (decoded is Embeddings embeddings)
        {
            for (int d = 0; d < embeddings.Size; d++)
                await group.WriteAsync<float>(resultFields[d], Enumerable.Range(0, n).Select(i => embeddings.Values[i * embeddings.Size + d]).ToArray(), cancellationToken: ct);
        }
        group.CompleteValidate();
    }

    /// <summary>
    /// The provenance of a complete, readable output at <paramref name="path"/>, or null when there is none or it cannot
    /// be trusted (unreadable Parquet, no metadata, not marked complete, fewer or more rows than it says).
    /// </summary>
    public static async Task<DecodeProvenance?> ReadCompleteAsync(string path, CancellationToken ct)
    {
        if (!File.Exists(path))
            return null;
        try
        {
            await using var reader = await ParquetReader.CreateAsync(path, cancellationToken: ct);
            if (!reader.CustomMetadata.TryGetValue(MetadataKey, out string? json))
                return null;
            var provenance = JsonSerializer.Deserialize<DecodeProvenance>(json);
            long rows = reader.RowGroups.Sum(g => g.RowCount);
            return provenance is { Complete: true } && rows == provenance.NWindows ? provenance : null;
        }
        catch (Exception e) when (e is IOException or JsonException or InvalidDataException or ParquetException or NotSupportedException
                                      or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }
}
