namespace Neurodecode.Ingest.Signals;

/// <summary>Unit strings as MNE reports them, shared by every reader that keeps the file's unit.</summary>
public static class MneUnits
{
    /// <summary>
    /// The unit MNE keeps in <c>raw._orig_units</c> (<c>mne/io/utils.py:_check_orig_units</c>): an SI unit (any case,
    /// with or without an SI prefix) as written; <c>uV</c>, Greek-mu and Shift-JIS µV become <c>µV</c>; anything else
    /// (empty included) becomes <c>n/a</c>.
    /// </summary>
    public static string OrigUnit(string unit)
    {
        string lower = unit.ToLowerInvariant();
        if (ValidUnitsLower.Contains(lower))
            return unit;
        return lower is "uv" or "\u03BCv" or "\u0083\u00EAv" ? "\u00B5V" : "n/a";
    }

    /// <summary>MNE's <c>_get_valid_units()</c> (SI units with prefix names or symbols, and "n/a"), lower-cased.</summary>
    private static readonly HashSet<string> ValidUnitsLower = BuildValidUnits();

    private static HashSet<string> BuildValidUnits()
    {
        string[] prefixNames = ["yocto", "zepto", "atto", "femto", "pico", "nano", "micro", "milli", "centi", "deci",
            "deca", "hecto", "kilo", "mega", "giga", "tera", "peta", "exa", "zetta", "yotta"];
        string[] prefixSymbols = ["y", "z", "a", "f", "p", "n", "\u00B5", "m", "c", "d", "da", "h", "k", "M", "G", "T", "P",
            "E", "Z", "Y"];
        string[] unitNames = ["metre", "kilogram", "second", "ampere", "kelvin", "mole", "candela", "radian", "steradian",
            "hertz", "newton", "pascal", "joule", "watt", "coulomb", "volt", "farad", "ohm", "siemens", "weber", "tesla",
            "henry", "degree Celsius", "lumen", "lux", "becquerel", "gray", "sievert", "katal"];
        string[] unitSymbols = ["m", "kg", "s", "A", "K", "mol", "cd", "rad", "sr", "Hz", "N", "Pa", "J", "W", "C", "V",
            "F", "\u03A9", "S", "Wb", "T", "H", "\u00B0C", "lm", "lx", "Bq", "Gy", "Sv", "kat"];
        var units = new HashSet<string>(StringComparer.Ordinal) { "n/a" };
        foreach (var prefix in prefixNames.Concat(prefixSymbols).Append(""))
            foreach (var u in unitNames.Concat(unitSymbols))
                units.Add((prefix + u).ToLowerInvariant());
        return units;
    }
}
