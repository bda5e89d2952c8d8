using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Formats.Gdf;

/// <summary>
/// GDF 1.x and 2.x (General Data Format for biosignals), read as <c>mne.io.read_raw_gdf</c> 1.3 reads it.
/// Recognised by the "GDF " magic of the version field.
/// </summary>
public sealed class GdfFormat : IRecordingFormat
{
    public string Name => "gdf";

    public int HeaderSize => 8;

    public bool IsMatch(ReadOnlySpan<byte> header, string path) => header.StartsWith(GdfConstants.Magic);

    public Recording Open(string path) => GdfRecording.Open(path);
}
