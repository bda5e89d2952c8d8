using Neurodecode.Ingest.Signals;
using Parquet;
using Parquet.Schema;

namespace Neurodecode.Ingest.Formats.Parquet;

/// <summary>
/// Writes a recording as a Neurodecode signal file (README.md): columns <c>sample</c>, <c>time_s</c>, then one
/// float64 column per channel; one row group per block, so memory is one block whatever the recording's length.
/// </summary>
public static class ParquetSignalWriter
{
    /// <summary>
    /// Streams <paramref name="recording"/> into <paramref name="path"/>. The file is complete only when the task
    /// finishes; on failure or cancellation the partial file is deleted. Atomic replacement of an existing output
    /// (temp name, then rename) is the caller's job: this writes to <paramref name="path"/> and nowhere else.
    /// </summary>
    /// <exception cref="InvalidRecordingException">
    /// a channel name is empty, repeats, or is <c>sample</c>/<c>time_s</c>: the recording has no Parquet form.
    /// </exception>
    /// <param name="parcellation">JSON stored under <c>neurodecode.parcellation</c> (files made by <c>parcellate</c>).</param>
    public static async Task WriteAsync(IRecording recording, string path, CancellationToken ct = default, string? parcellation = null)
    {
        var info = recording.Info;
        ValidateColumnNames(info);
        int rowGroupRows = ParquetConstants.RowGroupRows(info.NChannels);
        var sampleField = new DataField<long>(ParquetConstants.SampleColumn, nullable: false);
        var timeField = new DataField<double>(ParquetConstants.TimeColumn, nullable: false);
        var channelFields = info.Channels.Select(c => new DataField<double>(c.Name, nullable: false)).ToArray();
        var schema = new ParquetSchema([sampleField, timeField, .. channelFields]);

        var stream = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16,
            FileOptions.Asynchronous);
        ParquetWriter? writer = null;
        bool complete = false;
        try
        {
            writer = await ParquetWriter.CreateAsync(schema, stream, cancellationToken: ct);
            var metadata = new Dictionary<string, string>
            {
                [ParquetConstants.FormatVersionKey] = ParquetConstants.FormatVersion,
                [ParquetConstants.RecordingKey] = ParquetJson.Recording(info),
                [ParquetConstants.AnnotationsKey] = ParquetJson.Annotations(recording.Annotations),
            };
            if (parcellation is not null)
                metadata[ParquetConstants.ParcellationKey] = parcellation;
            writer.CustomMetadata = metadata;
            var samples = new long[rowGroupRows];
            var times = new double[rowGroupRows];
            long expected = 0;
            await foreach (var block in recording.ReadBlocks(blockSize: rowGroupRows, ct: ct))
            {
                int n = block.NSamples;
                if (block.FirstSample != expected || block.NChannels != info.NChannels || n > rowGroupRows)
                    throw new InvalidOperationException(
                        $"{info.SourcePath}: block at sample {block.FirstSample} ({block.NChannels}x{n}) " +
                        $"does not continue the recording at sample {expected} ({info.NChannels} channels)");
                for (int i = 0; i < n; i++)
                {
                    samples[i] = block.FirstSample + i;
                    times[i] = samples[i] / info.Sfreq;
                }
                using (var group = writer.CreateRowGroup())
                {
                    await group.WriteAsync<long>(sampleField, samples.AsMemory(0, n), cancellationToken: ct);
                    await group.WriteAsync<double>(timeField, times.AsMemory(0, n), cancellationToken: ct);
                    for (int c = 0; c < channelFields.Length; c++)
                        await group.WriteAsync<double>(channelFields[c], block.Data.AsMemory(c * n, n),
                            cancellationToken: ct);
                    group.CompleteValidate();
                }
                expected += n;
            }
            if (expected != info.NSamples)
                throw new InvalidOperationException(
                    $"{info.SourcePath}: recording gave {expected} samples, its info says {info.NSamples}");
            var finished = writer;
            writer = null;
            await finished.DisposeAsync();   // writes the footer: schema, row group index, metadata
            complete = true;
        }
        finally
        {
            if (writer != null)
            {
                // Failed part-way: the file is deleted below, so a second error while closing it must not hide the first.
                try { await writer.DisposeAsync(); }
                catch (Exception) { }
            }
            await stream.DisposeAsync();
            if (!complete)
                File.Delete(path);
        }
    }

    private static void ValidateColumnNames(RecordingInfo info)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < info.NChannels; c++)
        {
            string name = info.Channels[c].Name;
            if (string.IsNullOrEmpty(name))
                throw new InvalidRecordingException(info.SourcePath,
                    $"channel {c} has no name (Parquet columns are named by channel)");
            if (name is ParquetConstants.SampleColumn or ParquetConstants.TimeColumn)
                throw new InvalidRecordingException(info.SourcePath,
                    $"channel {c} is named '{name}', reserved for the leading sample and time_s columns");
            if (!seen.TryAdd(name, c))
                throw new InvalidRecordingException(info.SourcePath,
                    $"channels {seen[name]} and {c} are both named '{name}' " +
                    "(Parquet columns must be unique; rename one first)");
        }
    }
}
