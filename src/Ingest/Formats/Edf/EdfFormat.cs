using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Formats.Edf;

/// <summary>
/// EDF/EDF+ and BDF/BDF+ detection and opening. MNE tells EDF from BDF by the file extension; we read the version
/// field (<c>"0       "</c> or <c>"\xFFBIOSEMI"</c>), so a BDF file named <c>.edf</c> is still read as BDF.
/// </summary>
public sealed class EdfFormat : IRecordingFormat
{
    public static EdfFormat Edf { get; } = new(EdfKind.Edf);
    public static EdfFormat Bdf { get; } = new(EdfKind.Bdf);

    private EdfFormat(EdfKind kind) => Kind = kind;

    public EdfKind Kind { get; }

    public string Name => Kind.FormatName();

    /// <summary>The 8-byte version field.</summary>
    public int HeaderSize => 8;

    public bool IsMatch(ReadOnlySpan<byte> header, string path) =>
        header.StartsWith(Kind == EdfKind.Bdf ? EdfConstants.BdfMagic : EdfConstants.EdfMagic);

    public Recording Open(string path) => EdfReader.Open(path, Kind);
}
