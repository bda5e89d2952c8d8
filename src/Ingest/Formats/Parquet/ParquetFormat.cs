using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Formats.Parquet;

/// <summary>
/// The project's own columnar signal format (README.md): any file starting with "PAR1" is Parquet; only files
/// written by <see cref="ParquetSignalWriter"/> (with <c>neurodecode.recording</c> metadata) open as recordings.
/// </summary>
public sealed class ParquetFormat : IRecordingFormat
{
    public string Name => "parquet";

    public int HeaderSize => 4;

    public bool IsMatch(ReadOnlySpan<byte> header, string path) => header.StartsWith(ParquetConstants.Magic);

    public Recording Open(string path) => ParquetRecording.Open(path);
}
