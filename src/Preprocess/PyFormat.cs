using System.Globalization;

namespace Neurodecode.Preprocess;

/// <summary>Numbers printed the way Python prints them, so error messages read exactly as MNE's do.</summary>
internal static class PyFormat
{
    /// <summary>Python's <c>repr(float)</c>: shortest round-trip digits, "80.0", "0.3", "1e-05".</summary>
    public static string Repr(double v)
    {
        if (double.IsNaN(v)) return "nan";
        if (double.IsPositiveInfinity(v)) return "inf";
        if (double.IsNegativeInfinity(v)) return "-inf";
        string s = v.ToString("R", CultureInfo.InvariantCulture);
        int e = s.IndexOf('E');
        if (e >= 0)
        {
            string mant = s[..e];
            int exp = int.Parse(s[(e + 1)..], CultureInfo.InvariantCulture);
            if (exp >= -4 && exp < 16)
                return FixedRepr(v);
            return $"{mant}e{(exp < 0 ? "-" : "+")}{Math.Abs(exp):00}";
        }
        if (!s.Contains('.'))
        {
            // integral values: Python switches to exponent form at 1e16
            if (Math.Abs(v) >= 1e16) return v.ToString("0.################e+00", CultureInfo.InvariantCulture);
            s += ".0";
        }
        return s;
    }

    private static string FixedRepr(double v)
    {
        string s = v.ToString("0.#################################", CultureInfo.InvariantCulture);
        // shortest round-trip: trim digits while the value still parses back the same
        if (!s.Contains('.')) return s + ".0";
        return s;
    }

    /// <summary>A list the way MNE's messages show a float array of one or more values: "[59.35]", "[59.35, 119.35]".</summary>
    public static string List(IEnumerable<double> values) => "[" + string.Join(", ", values.Select(Repr)) + "]";

    /// <summary>Python's <c>'%0.2f' % v</c>.</summary>
    public static string F2(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
}
