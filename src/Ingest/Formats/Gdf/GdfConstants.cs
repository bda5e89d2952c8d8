namespace Neurodecode.Ingest.Formats.Gdf;

/// <summary>Fixed numbers of the GDF 1.x/2.x layout (Schlögl, GDF v2.x spec; MNE's <c>_read_gdf_header</c>).</summary>
internal static class GdfConstants
{
    /// <summary>Every GDF file starts with "GDF " and a version, e.g. "GDF 1.25", "GDF 2.20".</summary>
    public static ReadOnlySpan<byte> Magic => "GDF "u8;

    /// <summary>The fixed header and each channel's header are 256 bytes.</summary>
    public const int BlockSize = 256;

    /// <summary>Versions below this are GDF 1 (MNE: <c>number &lt; 1.9</c>).</summary>
    public const double FirstGdf2Version = 1.9;

    /// <summary>GDF 2 event tables store the event count in 3 bytes from this version on (earlier: like GDF 1).</summary>
    public const double EventCount24BitVersion = 1.94;

    /// <summary>GDF 2 unit codes MNE scales (biosig units.csv): µV and mV; every other code is factor 1.</summary>
    public const ushort UnitMicrovolt = 4275, UnitMillivolt = 4274;

    /// <summary>Channel names MNE's <c>stim_channel='auto'</c> makes stim channels (case-insensitive).</summary>
    public static readonly string[] StimNames = ["status", "trigger"];

    /// <summary>Stim values are masked to the low 17 bits (MNE's <c>2**17 - 1</c>).</summary>
    public const long StimMask = (1L << 17) - 1;
}

/// <summary>GDF sample types MNE reads (<c>GDFTYPE_NP</c>); the numbers are the GDF type codes.</summary>
internal enum GdfType
{
    Int8 = 1, UInt8 = 2, Int16 = 3, UInt16 = 4, Int32 = 5, UInt32 = 6, Int64 = 7, UInt64 = 8,
    Float32 = 16, Float64 = 17,
}

internal static class GdfTypes
{
    public static bool IsKnown(int code) => code is >= 1 and <= 8 or 16 or 17;

    public static int Bytes(this GdfType t) => t switch
    {
        GdfType.Int8 or GdfType.UInt8 => 1,
        GdfType.Int16 or GdfType.UInt16 => 2,
        GdfType.Int32 or GdfType.UInt32 or GdfType.Float32 => 4,
        _ => 8,
    };

    /// <summary>numpy's name for the type ("int16", "float32" ...), as error messages and <c>inspect</c> show it.</summary>
    public static string Name(this GdfType t) => t.ToString().ToLowerInvariant();
}
