using System.Globalization;
using System.Text;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Formats.BrainVision;

/// <summary>
/// Text rules of MNE's BrainVision reader: the codepage lookup and decoding of header and marker files, and numbers
/// parsed the way Python's <c>int()</c>/<c>float()</c> accept them.
/// </summary>
internal static class BrainVisionText
{
    static BrainVisionText() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    /// <summary>
    /// Decodes a header (after its first line) or marker file as MNE does: the first <c>Codepage=</c> setting
    /// (searched in the ASCII bytes, case-sensitive), <c>ANSI</c> meaning cp1252, UTF-8 by default; bytes that
    /// are not valid in that codepage make the whole text latin-1.
    /// </summary>
    public static string Decode(ReadOnlySpan<byte> bytes, string path)
    {
        string ascii = AsciiIgnore(bytes);
        var m = BrainVisionConstants.Codepage().Match(ascii);
        string codepage = m.Success ? m.Groups[1].Value.Trim() : "utf-8";
        var encoding = Lookup(codepage)
                       ?? throw new InvalidRecordingException(path, $"unknown text encoding Codepage={codepage}");
        try
        {
            return encoding.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.Latin1.GetString(bytes);
        }
    }

    /// <summary>Python's <c>bytes.decode('ascii', 'ignore')</c>: bytes above 0x7F are dropped.</summary>
    public static string AsciiIgnore(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length);
        foreach (byte b in bytes)
            if (b < 0x80)
                sb.Append((char)b);
        return sb.ToString();
    }

    private static Encoding? Lookup(string codepage)
    {
        string key = codepage.ToLowerInvariant().Replace("-", "").Replace("_", "").Replace(" ", "");
        var strict = DecoderFallback.ExceptionFallback;
        switch (key)
        {
            case "utf8":
                return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
            case "ansi":
            case "cp1252":
            case "windows1252":
                return Encoding.GetEncoding(1252, EncoderFallback.ExceptionFallback, strict);
            case "latin1":
            case "latin":
            case "l1":
            case "iso88591":
                return Encoding.Latin1;
            case "ascii":
            case "usascii":
                return Encoding.GetEncoding("us-ascii", EncoderFallback.ExceptionFallback, strict);
        }
        try
        {
            return Encoding.GetEncoding(codepage, EncoderFallback.ExceptionFallback, strict);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Python's <c>int(s)</c> for decimal text: surrounding white space and a sign allowed.</summary>
    public static bool TryParseInt(string s, out long value) =>
        long.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    /// <summary>Python's <c>float(s)</c>: decimal or exponent notation, <c>inf</c>, <c>infinity</c>, <c>nan</c>.</summary>
    public static bool TryParseFloat(string s, out double value)
    {
        var t = s.Trim();
        string body = t.TrimStart('+', '-');
        bool negative = t.StartsWith('-');
        switch (body.ToLowerInvariant())
        {
            case "inf":
            case "infinity":
                value = negative ? double.NegativeInfinity : double.PositiveInfinity;
                return t.Length - body.Length <= 1;
            case "nan":
                value = double.NaN;
                return t.Length - body.Length <= 1;
        }
        if (t.Length == 0 || !t.All(c => char.IsAsciiDigit(c) || c is '.' or 'e' or 'E' or '+' or '-'))
        {
            value = 0;
            return false;
        }
        return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Python's <c>str.isdigit()</c> for the marker size field (then read as an integer).</summary>
    public static bool IsDigits(string s) => s.Length > 0 && s.All(char.IsAsciiDigit);

    /// <summary>A value quoted (and shortened) for a one-line error message.</summary>
    public static string Quote(string s)
    {
        var oneLine = Escape(s);
        return "'" + (oneLine.Length > 60 ? oneLine[..60] + "..." : oneLine) + "'";
    }

    /// <summary>Control characters (CR, LF ...) written as escapes, so a message stays on one line.</summary>
    public static string Escape(string s) => !s.Any(char.IsControl) ? s : string.Concat(s.Select(c => c switch
    {
        '\r' => "\\r",
        '\n' => "\\n",
        _ when char.IsControl(c) => $"\\x{(int)c:X2}",
        _ => c.ToString(),
    }));
}
