using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Formats.BrainVision;

/// <summary>
/// The marker file (<c>.vmrk</c>/<c>.amrk</c>) as MNE 1.3 reads it: the recording date from the first
/// <c>New Segment</c> marker that carries one (<c>_get_hdr_info</c>), and every <c>Mk&lt;n&gt;=</c> line after
/// <c>[Marker Infos]</c> as an annotation (<c>_read_mrk</c>), then placed on the recording by <c>set_annotations</c>.
/// </summary>
internal static partial class BrainVisionMarkers
{
    [GeneratedRegex(@"^\[.*\]$", RegexOptions.CultureInvariant)]
    private static partial Regex OneSectionLine();

    /// <summary>
    /// <c>meas_date</c>: the 20-digit <c>%Y%m%d%H%M%S%f</c> date of the first line matching
    /// <c>Mk&lt;n&gt;=New Segment,…,pos,points,channel,date</c>; all zeros or an impossible date give none.
    /// </summary>
    public static DateTimeOffset? ReadMeasDate(byte[] marker)
    {
        string text = Encoding.Latin1.GetString(marker);
        foreach (var line in text.Split(["\r\n", "\r", "\n"], StringSplitOptions.None))
        {
            var m = BrainVisionConstants.NewSegmentDate().Match(line.Trim());
            if (m.Success)
                return ParseDate(m.Groups[1].Value);
        }
        return null;
    }

    private static DateTimeOffset? ParseDate(string d)
    {
        int Part(int start, int length) => int.Parse(d.AsSpan(start, length), CultureInfo.InvariantCulture);
        try
        {
            var date = new DateTimeOffset(Part(0, 4), Part(4, 2), Part(6, 2), Part(8, 2), Part(10, 2), Part(12, 2), TimeSpan.Zero);
            return date.AddTicks(Part(14, 6) * 10L);
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;    // 00000000000000000000 and impossible dates: MNE gives None (or fails)
        }
    }

    /// <summary>Annotations "type/description" at (position − 1)/sfreq lasting points/sfreq, cropped to the data as MNE does.</summary>
    public static IReadOnlyList<Annotation> ReadAnnotations(byte[] marker, string markerPath, double sfreq, long nSamples)
    {
        string text = BrainVisionText.Decode(marker, markerPath);
        var section = BrainVisionConstants.MarkerSection().Match(text);
        if (!section.Success)
            return [];
        string markers = text[(section.Index + section.Length)..];
        if (OneSectionLine().Match(markers) is { Success: true } end)
            markers = markers[..end.Index];

        var raw = new List<(double Onset, double Duration, string Description)>();
        foreach (Match m in BrainVisionConstants.MarkerLine().Matches(markers))
        {
            string info = m.Groups[1].Value;
            var fields = info.Split(',');
            if (fields.Length < 4)
                throw new InvalidRecordingException(markerPath,
                    $"marker {BrainVisionText.Quote(m.Value)} has {fields.Length} fields (expected type,description,position,points[,channel[,date]])");
            string type = fields[0].Replace(@"\1", ",");
            string description = fields[1].Replace(@"\1", ",");
            if (!BrainVisionText.TryParseInt(fields[2], out long position))
                throw new InvalidRecordingException(markerPath,
                    $"marker {BrainVisionText.Quote(m.Value)}: position {BrainVisionText.Quote(fields[2])} is not an integer");
            // MNE: a size that is not all digits (including "1\r" on CRLF lines with no channel field) counts as 0.
            double points = BrainVisionText.IsDigits(fields[3])
                ? double.Parse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture)
                : 0;
            raw.Add(((double)(position - 1) / sfreq, points / sfreq, type + "/" + description));
        }
        return BrainVisionAnnotations.OnRecording(raw, sfreq, nSamples);
    }
}

/// <summary>
/// What MNE 1.3 does to annotations on their way into a Raw (<c>Annotations.__init__</c>, <c>set_annotations</c>
/// with <c>orig_time=None</c>, <c>Annotations.crop</c>): sort by (onset, duration, file order), then crop to
/// [0, last sample + 1/sfreq] through <c>datetime</c> arithmetic, which rounds onsets to whole microseconds.
/// </summary>
internal static class BrainVisionAnnotations
{
    public static IReadOnlyList<Annotation> OnRecording(
        IReadOnlyList<(double Onset, double Duration, string Description)> raw, double sfreq, long nSamples)
    {
        if (raw.Count == 0)
            return [];
        var order = Enumerable.Range(0, raw.Count)
            .OrderBy(i => raw[i].Onset).ThenBy(i => raw[i].Duration).ThenBy(i => i);
        double lastTime = (nSamples - 1) / sfreq;
        long tmax = Microseconds(lastTime + 1.0 / sfreq);
        var kept = new List<Annotation>(raw.Count);
        foreach (int i in order)
        {
            var (onset, duration, description) = raw[i];
            if (double.IsNaN(duration))
                duration = 0;
            if (!InRange(onset) || !InRange(duration))
                continue;
            long start = Microseconds(onset), stop = start + Microseconds(duration);
            if (start > tmax || stop < 0)
                continue;
            bool clip = false;
            if (start < 0) { start = 0; clip = true; }
            if (stop > tmax) { stop = tmax; clip = true; }
            kept.Add(new Annotation(start / 1e6, clip ? (stop - start) / 1e6 : duration, description));
        }
        return kept;
    }

    private static bool InRange(double seconds) => Math.Abs(seconds) < 1e13;

    /// <summary>
    /// <c>timedelta(seconds=x)</c>: whole seconds kept exactly, the fraction times 1e6 rounded half to even.
    /// </summary>
    public static long Microseconds(double seconds)
    {
        double whole = Math.Truncate(seconds);
        double fraction = seconds - whole;
        return (long)whole * 1_000_000 + (long)Math.Round(fraction * 1e6, MidpointRounding.ToEven);
    }
}
