namespace Neurodecode.Ingest.Formats.Edf;

/// <summary>EDF or BDF: the two differ only in the sample width and the version field.</summary>
public enum EdfKind
{
    /// <summary>EDF / EDF+: 16-bit little-endian samples, version field <c>"0       "</c>.</summary>
    Edf,

    /// <summary>BDF / BDF+ (BioSemi): 24-bit little-endian samples, version field <c>"\xFFBIOSEMI"</c>.</summary>
    Bdf,
}

/// <summary>Fixed sizes, magic numbers and MNE's conventions for EDF/BDF.</summary>
public static class EdfConstants
{
    /// <summary>The fixed part of the header; each signal adds another 256 bytes.</summary>
    public const int FixedHeaderBytes = 256;

    public const int BytesPerSignalHeader = 256;

    /// <summary>The version field of an EDF file: <c>"0"</c> and seven spaces.</summary>
    public static ReadOnlySpan<byte> EdfMagic => "0       "u8;

    /// <summary>The version field of a BDF file: byte 0xFF then <c>"BIOSEMI"</c>.</summary>
    public static ReadOnlySpan<byte> BdfMagic => [0xFF, (byte)'B', (byte)'I', (byte)'O', (byte)'S', (byte)'E', (byte)'M', (byte)'I'];

    /// <summary>Signals with exactly these labels hold EDF+/BDF+ annotations (TALs), not data (MNE's <c>_find_tal_idx</c>).</summary>
    public static readonly IReadOnlyList<string> AnnotationLabels = ["EDF Annotations", "BDF Annotations"];

    /// <summary>Labels (case-insensitive) MNE's <c>stim_channel='auto'</c> types as stim.</summary>
    public static readonly IReadOnlyList<string> StimLabels = ["status", "trigger"];

    /// <summary>Stim values at the full rate keep their low 17 bits (<c>int(value) &amp; (2**17 - 1)</c>).</summary>
    public const long StimMask = (1L << 17) - 1;

    /// <summary>MNE reads TAL bytes in batches of about 10 MiB of records; with several annotation signals the
    /// byte stream it parses is ordered batch by batch, then signal by signal.</summary>
    public const long MneReadBatchBytes = 10L * 1024 * 1024;

    public static int BytesPerSample(this EdfKind kind) => kind == EdfKind.Bdf ? 3 : 2;

    public static string FormatName(this EdfKind kind) => kind == EdfKind.Bdf ? "bdf" : "edf";

    /// <summary>
    /// MNE's gain for a unit string (<c>_read_edf_header</c>): µV (U+00B5 or U+03BC), Shift-JIS µV and <c>uV</c> → 1e-6,
    /// <c>mV</c> → 1e-3, anything else (V, nV, empty, uv ...) → 1.
    /// </summary>
    public static double UnitGain(string unit) => unit switch
    {
        "\u03BCV" or "\u00B5V" or "\u0083\u00CAV" or "uV" => 1e-6,
        "mV" => 1e-3,
        _ => 1.0,
    };
}
