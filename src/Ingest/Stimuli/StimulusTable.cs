using System.Text.Json.Serialization;
using Neurodecode.Ingest.Signals;
using Parquet;
using Parquet.Schema;
using Parquet.Serialization;

namespace Neurodecode.Ingest.Stimuli;

/// <summary>
/// A stimulus embedding table (README.md beside this file): one row per stimulus, <c>stimulus_id</c> (string),
/// <c>embedding</c> (list&lt;float&gt;, every row the same length) and an optional <c>caption</c> (string). The
/// embeddings come from elsewhere (CLIP, DINOv2 ...); recordings name a trial's stimulus in an annotation
/// <c>stimulus/&lt;stimulus_id&gt;</c>.
/// </summary>
public sealed class StimulusTable
{
    public const string IdColumn = "stimulus_id", EmbeddingColumn = "embedding", CaptionColumn = "caption";

    private readonly Dictionary<string, int> _index;

    /// <summary>Checks the rows as <see cref="Read"/> does; <paramref name="source"/> names them in errors.</summary>
    public StimulusTable(IReadOnlyList<string> ids, float[][] embeddings, IReadOnlyList<string?>? captions = null, string source = "stimulus table")
    {
        if (ids.Count != embeddings.Length || (captions is not null && captions.Count != ids.Count))
            throw new ArgumentException($"{ids.Count} ids, {embeddings.Length} embeddings and {captions?.Count} captions");
        if (ids.Count == 0) throw new InvalidRecordingException(source, "no stimuli (the table has no rows)");
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < ids.Count; i++)
        {
            if (string.IsNullOrEmpty(ids[i]))
                throw new InvalidRecordingException(source, $"row {i}: {IdColumn} is empty or null");
            if (!_index.TryAdd(ids[i], i))
                throw new InvalidRecordingException(source, $"rows {_index[ids[i]]} and {i} have the same {IdColumn} '{ids[i]}'");
            var e = embeddings[i];
            if (e is null || e.Length == 0)
                throw new InvalidRecordingException(source, $"row {i} ('{ids[i]}'): {EmbeddingColumn} is empty or null");
            if (e.Length != embeddings[0].Length)
                throw new InvalidRecordingException(source,
                    $"row {i} ('{ids[i]}'): {EmbeddingColumn} has {e.Length} values, row 0 has {embeddings[0].Length} (embeddings must all have the same length)");
            int bad = Array.FindIndex(e, v => !float.IsFinite(v));
            if (bad >= 0)
                throw new InvalidRecordingException(source, $"row {i} ('{ids[i]}'): {EmbeddingColumn}[{bad}] is {e[bad]} (values must be finite)");
        }
        Ids = ids.ToArray();
        Embeddings = embeddings;
        Captions = captions?.ToArray();
    }

    public IReadOnlyList<string> Ids { get; }

    /// <summary>Row i's embedding; all of length <see cref="Dim"/>.</summary>
    public float[][] Embeddings { get; }

    /// <summary>Row i's caption (null without a caption column, or for a row without one).</summary>
    public IReadOnlyList<string?>? Captions { get; }

    public int Count => Ids.Count;
    public int Dim => Embeddings[0].Length;

    /// <summary>The row of <paramref name="id"/>, or -1.</summary>
    public int IndexOf(string id) => _index.GetValueOrDefault(id, -1);

    public string? Caption(int row) => Captions?[row];

    /// <summary>The rows at <paramref name="rows"/>, in that order (a candidate set).</summary>
    public StimulusTable Subset(IReadOnlyList<int> rows, string source = "stimulus table") =>
        new(rows.Select(r => Ids[r]).ToArray(), rows.Select(r => Embeddings[r]).ToArray(),
            Captions is null ? null : rows.Select(r => Captions[r]).ToArray(), source);

    public static StimulusTable Read(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            bool hasCaption;
            var reader = ParquetReader.CreateAsync(stream, leaveStreamOpen: true).GetAwaiter().GetResult();
            try { hasCaption = CheckSchema(path, reader.Schema); }
            finally { reader.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
            stream.Position = 0;
            if (hasCaption)
            {
                IList<CaptionedRow> rows = ParquetSerializer.DeserializeAsync<CaptionedRow>(stream).GetAwaiter().GetResult().Data;
                return new StimulusTable(rows.Select(r => r.StimulusId!).ToArray(), rows.Select(r => r.Embedding!).ToArray(),
                    rows.Select(r => r.Caption).ToArray(), path);
            }
            IList<Row> plain = ParquetSerializer.DeserializeAsync<Row>(stream).GetAwaiter().GetResult().Data;
            return new StimulusTable(plain.Select(r => r.StimulusId!).ToArray(), plain.Select(r => r.Embedding!).ToArray(), null, path);
        }
        catch (Exception e) when (e is not InvalidRecordingException and not OutOfMemoryException)
        {
            throw new InvalidRecordingException(path, $"not a readable stimulus table ({e.Message.ReplaceLineEndings(" ")})", e);
        }
    }

    /// <summary>Missing or mistyped columns, in one line; true when there is a caption column.</summary>
    private static bool CheckSchema(string path, ParquetSchema schema)
    {
        var fields = schema.Fields.ToDictionary(f => f.Name, StringComparer.Ordinal);
        foreach (var name in new[] { IdColumn, EmbeddingColumn })
            if (!fields.ContainsKey(name))
                throw new InvalidRecordingException(path,
                    $"no '{name}' column (columns: {string.Join(", ", fields.Keys)}; a stimulus table has {IdColumn}, {EmbeddingColumn} and optionally {CaptionColumn})");
        if (!IsString(fields[IdColumn]))
            throw new InvalidRecordingException(path, $"column '{IdColumn}' must hold strings");
        if (fields[EmbeddingColumn] is not ListField { Item: DataField item } || ClrType(item) != typeof(float))
            throw new InvalidRecordingException(path, $"column '{EmbeddingColumn}' must be list<float> (float32), one list per stimulus");
        if (fields.TryGetValue(CaptionColumn, out var caption) && !IsString(caption))
            throw new InvalidRecordingException(path, $"column '{CaptionColumn}' must hold strings");
        return fields.ContainsKey(CaptionColumn);
    }

    private static Type ClrType(DataField f) => Nullable.GetUnderlyingType(f.ClrType) ?? f.ClrType;

    // Parquet.Net reads string columns' type as ReadOnlyMemory<char>.
    private static bool IsString(Field f) => f is DataField d && (ClrType(d) == typeof(string) || ClrType(d) == typeof(ReadOnlyMemory<char>));

    /// <summary>Writes the table to <paramref name="path"/> (the caption column only when the table has captions).</summary>
    public async Task WriteAsync(string path, CancellationToken ct = default)
    {
        if (Captions is null)
            await ParquetSerializer.SerializeAsync(Ids.Select((id, i) => new Row { StimulusId = id, Embedding = Embeddings[i] }), path, cancellationToken: ct);
        else
            await ParquetSerializer.SerializeAsync(Ids.Select((id, i) => new CaptionedRow { StimulusId = id, Embedding = Embeddings[i], Caption = Captions[i] }),
                path, cancellationToken: ct);
    }

    private class Row
    {
        [JsonPropertyName(IdColumn)] public string? StimulusId { get; set; }
        [JsonPropertyName(EmbeddingColumn)] public float[]? Embedding { get; set; }
    }

    private sealed class CaptionedRow : Row
    {
        [JsonPropertyName(CaptionColumn)] public string? Caption { get; set; }
    }
}
