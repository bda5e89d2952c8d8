using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Formats.Edf;

/// <summary>
/// EDF+/BDF+ annotations (Time-stamped Annotation Lists) as MNE 1.3 turns them into <c>raw.annotations</c>:
/// <list type="number">
/// <item><see cref="ParseTal"/> is <c>_read_annotations_edf</c>: the TAL bytes of every annotation signal, decoded as
/// UTF-8, matched with <c>([+-]\d+\.?\d*)(\u0015(\d+\.?\d*))?(\x14.*?)\x14\x00</c>; each non-empty <c>\x14</c>-separated
/// text is one annotation. The <em>first</em> TAL's empty (time-keeping) text sets an offset subtracted from all later
/// onsets, so onsets count from the first sample; later time-keeping TALs are ignored (EDF+D gaps included).</item>
/// <item><see cref="RawAnnotations.Set"/> then does what <c>raw.set_annotations</c> does to them.</item>
/// </list>
/// </summary>
public static class EdfAnnotations
{
    private static readonly Regex Tal = new(
        "([+-]\\d+\\.?\\d*)(\u0015(\\d+\\.?\\d*))?(\u0014.*?)\u0014\u0000", RegexOptions.CultureInvariant);

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// The annotations in <paramref name="tal"/> in file order, onsets relative to the first TAL's time-keeping
    /// onset. Throws <see cref="DecoderFallbackException"/> when the bytes are not UTF-8 (MNE refuses those too).
    /// </summary>
    public static List<Annotation> ParseTal(ReadOnlySpan<byte> tal)
    {
        string text = StrictUtf8.GetString(tal);
        var events = new List<Annotation>();
        double offset = 0;
        int k = 0;
        for (var m = Tal.Match(text); m.Success; m = m.NextMatch(), k++)
        {
            double onset = ParseNumber(m.Groups[1].Value) + offset;
            double duration = m.Groups[3].Success && m.Groups[3].Length > 0 ? ParseNumber(m.Groups[3].Value) : 0;
            var texts = m.Groups[4].Value.Split('\u0014');
            for (int i = 1; i < texts.Length; i++)
            {
                if (texts[i].Length > 0)
                    events.Add(new Annotation(onset, duration, texts[i].TrimEnd('\0'))); // numpy str arrays drop trailing NULs
                else if (k == 0)
                    offset = -onset;
            }
        }
        return events;
    }

    /// <summary>Python's <c>float()</c> on a TAL number (<c>\d</c> also matches non-ASCII decimal digits).</summary>
    private static double ParseNumber(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (char c in text)
            sb.Append(char.IsDigit(c) ? (char)('0' + (int)char.GetNumericValue(c)) : c);
        return double.Parse(sb.ToString(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint,
            CultureInfo.InvariantCulture);
    }
}
