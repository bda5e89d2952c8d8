using System.Text;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Formats.BrainVision;

/// <summary>
/// BrainVision Core Data Format (<c>.vhdr</c> + <c>.vmrk</c> + <c>.eeg</c>, and V-Amp's <c>.ahdr</c>/<c>.amrk</c>), read
/// as <c>mne.io.read_raw_brainvision</c> 1.3 reads it. Recognised by the header's first line
/// ("Brain Vision Data Exchange Header File Version 1.0" ...); a <c>.vhdr</c>/<c>.ahdr</c> with another first line
/// is still read (MNE only warns). A marker file is recognised too, and refused with a pointer to its header.
/// </summary>
public sealed class BrainVisionFormat : IRecordingFormat
{
    public string Name => "brainvision";

    public int HeaderSize => BrainVisionConstants.HeaderSize;

    public bool IsMatch(ReadOnlySpan<byte> header, string path)
    {
        string first = FirstLine(header);
        return BrainVisionConstants.HeaderLine().IsMatch(first)
               || IsMarkerLine(first)
               || SignalFormats.HasExtension(path, ".vhdr", BrainVisionConstants.AhdrExtension);
    }

    public Recording Open(string path)
    {
        var head = new byte[HeaderSize];
        int n;
        try
        {
            using var stream = File.OpenRead(path);
            n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidRecordingException(path, $"cannot read header file: {e.Message.ReplaceLineEndings(" ")}");
        }
        if (IsMarkerLine(FirstLine(head.AsSpan(0, n))))
            throw new InvalidRecordingException(path,
                "is a BrainVision marker file; open the header (.vhdr/.ahdr) that names it as MarkerFile");
        return BrainVisionRecording.Open(path);
    }

    private static bool IsMarkerLine(string first) =>
        BrainVisionConstants.Magics.Any(m => first.StartsWith(m, StringComparison.Ordinal)) && first.Contains("Marker File");

    private static string FirstLine(ReadOnlySpan<byte> header)
    {
        if (header.StartsWith("\uFEFF"u8))
            header = header[3..];
        int nl = header.IndexOfAny((byte)'\n', (byte)'\r');
        return Encoding.ASCII.GetString(nl >= 0 ? header[..nl] : header);
    }
}
