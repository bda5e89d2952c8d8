using System.Buffers.Binary;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Formats.Fif;

/// <summary>
/// Elekta/MEGIN (Neuromag) FIF raw files, read as <c>mne.io.read_raw_fif</c> 1.3 reads them. Recognised by the
/// first tag (FIFF_FILE_ID, an id struct of 20 bytes); a <c>.fif</c> name without it is claimed too, so the error
/// says what is wrong with the FIF file rather than "unknown format".
/// </summary>
public sealed class FifFormat : IRecordingFormat
{
    public string Name => "fif";

    public int HeaderSize => 12;

    public bool IsMatch(ReadOnlySpan<byte> header, string path) =>
        header.Length >= 12 && BinaryPrimitives.ReadInt32BigEndian(header) == FifConstants.FileId
            && BinaryPrimitives.ReadInt32BigEndian(header[4..]) == FifConstants.TypeIdStruct
            && BinaryPrimitives.ReadInt32BigEndian(header[8..]) == 20
        || SignalFormats.HasExtension(path, ".fif");

    public Recording Open(string path) => FifRecording.Open(path);
}
