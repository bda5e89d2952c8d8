using System.Text.RegularExpressions;

namespace Neurodecode.Ingest.Formats.BrainVision;

/// <summary>Magic lines, sample types and unit tables of the BrainVision format as MNE 1.3 uses them.</summary>
internal static partial class BrainVisionConstants
{
    /// <summary>
    /// The first header line MNE accepts (<c>_check_bv_version</c>): "Brain Vision Data Exchange Header File Version 1.0",
    /// "BrainVision Core Data Format ..." is not a header line; V-Amp writes "Brain Vision V-Amp Data Header File Version 1.0".
    /// </summary>
    [GeneratedRegex(@"Brain ?Vision( Core| V-Amp)? Data( Exchange)? Header File,? Version [12]\.0", RegexOptions.CultureInvariant)]
    public static partial Regex HeaderLine();

    /// <summary>The part every BrainVision header and marker file starts with ("Brain Vision" or "BrainVision").</summary>
    public static readonly string[] Magics = ["Brain Vision ", "BrainVision "];

    /// <summary>Bytes read for detection: enough for the longest first line above.</summary>
    public const int HeaderSize = 64;

    public const string AhdrExtension = ".ahdr";

    /// <summary>The extra channel V-Amp <c>.ahdr</c> data files carry after the listed ones (MNE drops it).</summary>
    public const string AhdrChannelName = "AHDR_CHANNEL";

    /// <summary>MNE's default <c>eog=('HEOGL', 'HEOGR', 'VEOGb')</c>.</summary>
    public static readonly string[] DefaultEog = ["HEOGL", "HEOGR", "VEOGb"];

    /// <summary>A channel with exactly this name is a stim channel.</summary>
    public const string StimName = "STI 014";

    /// <summary><c>_unit_dict</c> of <c>mne/io/brainvision/brainvision.py</c>; any other unit has factor 1.</summary>
    public static readonly IReadOnlyDictionary<string, double> UnitFactors = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["V"] = 1.0, ["µV"] = 1e-6, ["uV"] = 1e-6, ["mV"] = 1e-3, ["nV"] = 1e-9,
        ["C"] = 1, ["°C"] = 1, ["n/a"] = 1, ["µS"] = 1e-6, ["uS"] = 1e-6, ["ARU"] = 1, ["S"] = 1, ["N"] = 1,
    };

    /// <summary>Units that keep a channel EEG; every other unit makes it misc (MNE's <c>misc='auto'</c>).</summary>
    public static readonly HashSet<string> VoltageUnits = new(StringComparer.Ordinal) { "V", "mV", "µV", "uV", "nV" };

    /// <summary>
    /// The unit MNE reports as the channel's original unit (<c>mne/io/utils.py:_check_orig_units</c>): an SI unit
    /// with or without prefix (any letter case) is kept as written, <c>uV</c> and Greek <c>μV</c> become <c>µV</c>,
    /// anything else (<c>BS</c>, <c>ARU</c>, <c>uS</c> ...) becomes <c>n/a</c>. Scaling and channel types still use the
    /// unit as written.
    /// </summary>
    public static string ReportedUnit(string unit)
    {
        string lower = unit.ToLowerInvariant();
        if (ValidUnitsLower.Contains(lower))
            return unit;
        return lower is "uv" or "\u03bcv" or "\u0083\u00eav" ? "µV" : "n/a";
    }

    /// <summary>MNE's <c>_get_valid_units()</c> lower-cased: SI units and symbols, alone or with any SI prefix, and "n/a".</summary>
    private static readonly HashSet<string> ValidUnitsLower = BuildValidUnits();

    private static HashSet<string> BuildValidUnits()
    {
        string[] prefixNames = ["yocto", "zepto", "atto", "femto", "pico", "nano", "micro", "milli", "centi", "deci",
            "deca", "hecto", "kilo", "mega", "giga", "tera", "peta", "exa", "zetta", "yotta"];
        string[] prefixSymbols = ["y", "z", "a", "f", "p", "n", "µ", "m", "c", "d", "da", "h", "k", "M", "G", "T", "P", "E", "Z", "Y"];
        string[] unitNames = ["metre", "kilogram", "second", "ampere", "kelvin", "mole", "candela", "radian", "steradian",
            "hertz", "newton", "pascal", "joule", "watt", "coulomb", "volt", "farad", "ohm", "siemens", "weber", "tesla",
            "henry", "degree Celsius", "lumen", "lux", "becquerel", "gray", "sievert", "katal"];
        string[] unitSymbols = ["m", "kg", "s", "A", "K", "mol", "cd", "rad", "sr", "Hz", "N", "Pa", "J", "W", "C", "V",
            "F", "Ω", "S", "Wb", "T", "H", "°C", "lm", "lx", "Bq", "Gy", "Sv", "kat"];
        var units = new HashSet<string>(StringComparer.Ordinal) { "n/a" };
        foreach (var prefix in prefixNames.Concat(prefixSymbols).Append(""))
            foreach (var u in unitNames.Concat(unitSymbols))
                units.Add((prefix + u).ToLowerInvariant());
        return units;
    }

    /// <summary>The default unit when a channel line has none (µ is U+00B5, as MNE writes it).</summary>
    public const string DefaultUnit = "µV";

    /// <summary>Reads a <c>.vmrk</c> line with the recording date: <c>Mk1=New Segment,,1,1,0,20131113161403794232</c>.</summary>
    [GeneratedRegex(@"^Mk\d+=New Segment,.*,\d+,\d+,-?\d+,(\d{20})$", RegexOptions.CultureInvariant)]
    public static partial Regex NewSegmentDate();

    [GeneratedRegex(@"^Mk\d+=(.*)", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    public static partial Regex MarkerLine();

    [GeneratedRegex(@"\[Marker Infos\]", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    public static partial Regex MarkerSection();

    [GeneratedRegex(@"Codepage=(.+)", RegexOptions.CultureInvariant)]
    public static partial Regex Codepage();

    [GeneratedRegex(@"ch(\d+)", RegexOptions.CultureInvariant)]
    public static partial Regex ChannelKey();
}

/// <summary>Sample types of <c>[Binary Infos] BinaryFormat</c>.</summary>
internal enum BrainVisionBinaryFormat
{
    Int16,
    Int32,
    Float32,
}

internal static class BrainVisionBinaryFormats
{
    public static int Bytes(this BrainVisionBinaryFormat f) => f == BrainVisionBinaryFormat.Int16 ? 2 : 4;

    public static BrainVisionBinaryFormat? Parse(string value) => value switch
    {
        "INT_16" => BrainVisionBinaryFormat.Int16,
        "INT_32" => BrainVisionBinaryFormat.Int32,
        "IEEE_FLOAT_32" => BrainVisionBinaryFormat.Float32,
        _ => null,
    };
}
