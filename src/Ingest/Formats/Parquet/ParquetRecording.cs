using System.Text.Json;
using Neurodecode.Ingest.Signals;
using Parquet;
using Parquet.Schema;

namespace Neurodecode.Ingest.Formats.Parquet;

/// <summary>
/// A Neurodecode signal file opened for reading. The footer (schema, row group sizes, metadata) is read once;
/// <see cref="ReadSegment"/> reads only the picked channels of the row groups that cover the range, and keeps
/// only the current row group's columns.
/// </summary>
public sealed class ParquetRecording : Recording
{
    private readonly ParquetReader _reader;
    private readonly DataField[] _fields;      // channel c's column
    private readonly long[] _groupStart;       // first sample of row group g; last entry = NSamples
    private readonly Lock _lock = new();
    private int _cachedGroup = -1;             // the row group whose columns the cache holds
    private readonly double[]?[] _cache;       // channel c's buffer, reused from group to group
    private readonly bool[] _cached;           // _cache[c] holds channel c of _cachedGroup
    private bool _disposed;

    private ParquetRecording(RecordingInfo info, IReadOnlyList<Annotation> annotations, string sourceFormat,
        ParquetReader reader, DataField[] fields, long[] groupStart)
        : base(info, annotations)
    {
        SourceFormat = sourceFormat;
        _reader = reader;
        _fields = fields;
        _groupStart = groupStart;
        _cache = new double[]?[fields.Length];
        _cached = new bool[fields.Length];
    }

    /// <summary>The format the recording was converted from ("edf", "brainvision" ...).</summary>
    public string SourceFormat { get; }

    /// <summary>The <c>neurodecode.parcellation</c> JSON of a file written by <c>parcellate</c> (regions, voxel counts), else null.</summary>
    public string? Parcellation { get; private init; }

    /// <summary>Rows in each row group, in file order.</summary>
    public IReadOnlyList<long> RowGroupSizes =>
        Enumerable.Range(0, _groupStart.Length - 1).Select(g => _groupStart[g + 1] - _groupStart[g]).ToArray();

    public static ParquetRecording Open(string path)
    {
        FileStream? stream = File.OpenRead(path);
        ParquetReader? reader = null;
        try
        {
            CheckFooterMagic(path, stream);
            reader = ParquetReader.CreateAsync(stream, leaveStreamOpen: false).GetAwaiter().GetResult();
            stream = null;
            var recording = FromFooter(path, reader);
            reader = null;
            return recording;
        }
        catch (Exception e) when (e is not InvalidRecordingException and not OutOfMemoryException)
        {
            throw new InvalidRecordingException(path, $"not a readable Parquet file ({OneLine(e.Message)})", e);
        }
        finally
        {
            stream?.Dispose();
            reader?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>A Parquet file ends with its footer and "PAR1"; without them it was cut short (or is still being written).</summary>
    private static void CheckFooterMagic(string path, FileStream stream)
    {
        Span<byte> tail = stackalloc byte[4];
        if (stream.Length < 12)
            throw new InvalidRecordingException(path, $"{stream.Length} bytes, too short for a Parquet file (truncated?)");
        stream.Seek(-4, SeekOrigin.End);
        stream.ReadExactly(tail);
        stream.Seek(0, SeekOrigin.Begin);
        if (!tail.SequenceEqual(ParquetConstants.Magic))
            throw new InvalidRecordingException(path,
                $"no Parquet footer (the last 4 bytes are not 'PAR1'): truncated, or still being written");
    }

    private static ParquetRecording FromFooter(string path, ParquetReader reader)
    {
        var kv = reader.CustomMetadata;
        if (!kv.TryGetValue(ParquetConstants.RecordingKey, out string? recordingJson))
            throw new InvalidRecordingException(path,
                $"no {ParquetConstants.RecordingKey} metadata: not a Neurodecode signal file");
        if (!kv.TryGetValue(ParquetConstants.FormatVersionKey, out string? version))
            throw new InvalidRecordingException(path, $"no {ParquetConstants.FormatVersionKey} metadata");
        if (version != ParquetConstants.FormatVersion)
            throw new InvalidRecordingException(path,
                $"{ParquetConstants.FormatVersionKey} = '{OneLine(version)}' (expected '{ParquetConstants.FormatVersion}')");

        var meta = ParseJson<ParquetRecordingMetadata>(path, ParquetConstants.RecordingKey, recordingJson);
        var annotations = kv.TryGetValue(ParquetConstants.AnnotationsKey, out string? annotationsJson)
            ? ParseJson<ParquetAnnotationMetadata[]>(path, ParquetConstants.AnnotationsKey, annotationsJson)
                .Select(a => new Annotation(a.Onset, a.Duration, a.Description)).ToArray()
            : [];

        string where = ParquetConstants.RecordingKey;
        if (!(meta.Sfreq > 0) || double.IsInfinity(meta.Sfreq))
            throw new InvalidRecordingException(path, $"{where}: sfreq = {meta.Sfreq} (expected > 0)");
        if (meta.NSamples < 0)
            throw new InvalidRecordingException(path, $"{where}: n_samples = {meta.NSamples} (expected >= 0)");
        if (meta.Channels.Count == 0)
            throw new InvalidRecordingException(path, $"{where}: no channels");
        var channels = new ChannelInfo[meta.Channels.Count];
        for (int c = 0; c < channels.Length; c++)
        {
            try { channels[c] = meta.Channels[c].ToChannelInfo(); }
            catch (FormatException e)
            {
                throw new InvalidRecordingException(path, $"{where}: channel {c} '{meta.Channels[c].Name}': {e.Message}");
            }
        }

        var columns = reader.Schema.DataFields.ToDictionary(f => f.Name, StringComparer.Ordinal);
        var fields = new DataField[channels.Length];
        for (int c = 0; c < channels.Length; c++)
        {
            if (!columns.TryGetValue(channels[c].Name, out var field))
                throw new InvalidRecordingException(path, $"channel {c} '{channels[c].Name}': no column of that name");
            if (field.ClrType != typeof(double) || field.IsArray)
                throw new InvalidRecordingException(path,
                    $"column '{field.Name}': {field.ClrType.Name}{(field.IsArray ? "[]" : "")} (expected float64)");
            fields[c] = field;
        }

        var groupStart = new long[reader.RowGroupCount + 1];
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            long rows = reader.RowGroups[g].RowCount;
            if (rows > Array.MaxLength)
                throw new InvalidRecordingException(path, $"row group {g}: {rows} rows (at most {Array.MaxLength} readable)");
            groupStart[g + 1] = groupStart[g] + rows;
        }
        if (groupStart[^1] != meta.NSamples)
            throw new InvalidRecordingException(path,
                $"{groupStart[^1]} rows in {reader.RowGroupCount} row groups, {where} says n_samples = {meta.NSamples}");

        var info = new RecordingInfo("parquet", path, meta.Sfreq, meta.NSamples, channels, meta.MeasDate)
        {
            Subject = meta.Subject,
            Session = meta.Session,
            Run = meta.Run,
        };
        return new ParquetRecording(info, annotations, meta.SourceFormat, reader, fields, groupStart)
        {
            Parcellation = kv.GetValueOrDefault(ParquetConstants.ParcellationKey),
        };
    }

    private static T ParseJson<T>(string path, string key, string json)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, ParquetJson.Options)
                   ?? throw new InvalidRecordingException(path, $"{key} metadata is null");
        }
        catch (JsonException e)
        {
            throw new InvalidRecordingException(path, $"{key} metadata is not valid: {OneLine(e.Message)}", e);
        }
    }

    protected override void ReadSegment(long start, int count, IReadOnlyList<int> picks, Span<double> dest)
    {
        lock (_lock)
        {
            long end = start + count;
            int g = FindGroup(start);
            for (long s = start; s < end; g++)
            {
                long groupEnd = _groupStart[g + 1];
                int offset = (int)(s - _groupStart[g]);
                int n = (int)(Math.Min(end, groupEnd) - s);
                if (n == 0)
                    continue;   // an empty row group (other writers make them)
                int at = (int)(s - start);
                for (int i = 0; i < picks.Count; i++)
                    Column(g, picks[i]).AsSpan(offset, n).CopyTo(dest.Slice(i * count + at, n));
                s += n;
            }
        }
    }

    /// <summary>The row group holding <paramref name="sample"/> (binary search over the group starts).</summary>
    private int FindGroup(long sample)
    {
        int i = Array.BinarySearch(_groupStart, 0, _groupStart.Length - 1, sample);
        if (i < 0)
            i = ~i - 1;
        while (i + 1 < _groupStart.Length - 1 && _groupStart[i + 1] == sample)
            i++;   // skip empty row groups
        return i;
    }

    /// <summary>Channel <paramref name="c"/>'s values in row group <paramref name="g"/>, read once per group.</summary>
    private double[] Column(int g, int c)
    {
        if (g != _cachedGroup)
        {
            Array.Clear(_cached);
            _cachedGroup = g;
        }
        int rows = (int)(_groupStart[g + 1] - _groupStart[g]);
        var buffer = _cache[c];
        if (_cached[c])
            return buffer!;
        if (buffer == null || buffer.Length < rows)
            _cache[c] = buffer = new double[rows];
        try
        {
            using var group = _reader.OpenRowGroupReader(g);
            ReadColumn(group, _fields[c], buffer.AsMemory(0, rows), g);
        }
        catch (Exception e) when (e is not InvalidRecordingException and not OutOfMemoryException)
        {
            _cachedGroup = -1;
            throw new InvalidRecordingException(Info.SourcePath,
                $"row group {g}, column '{_fields[c].Name}': cannot be read ({OneLine(e.Message)})", e);
        }
        _cached[c] = true;
        return buffer;
    }

    private void ReadColumn(ParquetRowGroupReader group, DataField field, Memory<double> values, int g)
    {
        if (!field.IsNullable)
        {
            group.ReadAsync(field, values).AsTask().GetAwaiter().GetResult();
            return;
        }
        // Other tools (DuckDB, pyarrow) write every column as nullable; accept them as long as nothing is null.
        var nullable = new double?[values.Length];
        group.ReadAsync(field, nullable.AsMemory()).AsTask().GetAwaiter().GetResult();
        var span = values.Span;
        for (int i = 0; i < nullable.Length; i++)
            span[i] = nullable[i] ?? throw new InvalidRecordingException(Info.SourcePath,
                $"column '{field.Name}': sample {_groupStart[g] + i} is null");
    }

    private static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    public override void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
                return;
            _disposed = true;
            _reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        base.Dispose();
    }
}
