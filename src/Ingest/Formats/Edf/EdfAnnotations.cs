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
/// <item><see cref="ToRawAnnotations"/> is <c>Annotations(...)</c> + <c>raw.set_annotations</c>: sort by (onset,
/// duration), then crop to [0, last sample + 1/sfreq] in whole microseconds (Python <c>timedelta</c> arithmetic).</item>
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

    /// <summary>
    /// What <c>raw.annotations</c> holds after <c>set_annotations</c> on a recording of <paramref name="nSamples"/>
    /// samples at <paramref name="sfreq"/>: sorted by onset then duration (stable), annotations entirely outside
    /// [0, (n − 1)/sfreq + 1/sfreq] dropped, the others clipped to it, onsets in whole microseconds.
    /// </summary>
    public static List<Annotation> ToRawAnnotations(IEnumerable<Annotation> events, long nSamples, double sfreq)
    {
        var sorted = events.Select((a, i) => (a, i))
            .OrderBy(t => t.a.Onset).ThenBy(t => t.a.Duration).ThenBy(t => t.i)
            .Select(t => t.a).ToList();
        if (sorted.Count == 0)
            return sorted;

        double tmaxSeconds = (nSamples - 1) / sfreq + 1.0 / sfreq;
        long tmax = StampMicroseconds(tmaxSeconds);
        const long tmin = 0;
        var kept = new List<Annotation>(sorted.Count);
        foreach (var a in sorted)
        {
            double duration = double.IsNaN(a.Duration) ? 0 : a.Duration;
            long onset = TimedeltaMicroseconds(a.Onset);
            long end = onset + TimedeltaMicroseconds(duration);
            if (onset > tmax || end < tmin)
                continue;
            bool clipLeft = onset < tmin, clipRight = end > tmax;
            if (clipLeft) onset = tmin;
            if (clipRight) end = tmax;
            double newDuration = clipLeft || clipRight ? (end - onset) / 1e6 : duration;
            kept.Add(a with { Onset = onset / 1e6, Duration = newDuration });
        }
        return kept;
    }

    /// <summary>
    /// Microseconds of Python's <c>timedelta(seconds=x)</c>: whole seconds exactly, the fraction times 1e6 in float64,
    /// its integer part exactly, and what is left rounded half to even on the total.
    /// </summary>
    public static long TimedeltaMicroseconds(double seconds)
    {
        if (double.IsNaN(seconds) || Math.Abs(seconds) > 9e12)
            throw new OverflowException($"annotation time {seconds} s is out of range");
        double intPart = Math.Truncate(seconds);
        double frac = seconds - intPart;
        long us = (long)intPart * 1_000_000;
        if (frac == 0)
            return us;
        double d = frac * 1e6;
        double ip = Math.Truncate(d);
        double leftover = d - ip;
        us += (long)ip;
        if (leftover != 0)
        {
            double whole = Math.Round(leftover, MidpointRounding.AwayFromZero);
            if (Math.Abs(whole - leftover) == 0.5)
            {
                int odd = (int)(us & 1);
                whole = 2.0 * Math.Round((leftover + odd) * 0.5, MidpointRounding.AwayFromZero) - odd;
            }
            us += (long)whole;
        }
        return us;
    }

    /// <summary>MNE's <c>_handle_meas_date(float)</c>: <c>modf</c>, microseconds rounded half to even.</summary>
    private static long StampMicroseconds(double seconds)
    {
        seconds = Math.Min(seconds, 9e12); // beyond any annotation time TimedeltaMicroseconds accepts
        double intPart = Math.Truncate(seconds);
        double frac = seconds - intPart;
        return (long)intPart * 1_000_000 + (long)Math.Round(frac * 1e6, MidpointRounding.ToEven);
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
