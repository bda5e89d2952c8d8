using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Formats.Fif;

/// <summary>
/// MNE's FIFFB_MNE_ANNOTATIONS block (<c>_read_annotations_fif</c>): onsets (FIFF_MNE_BASELINE_MIN, float32),
/// ends (FIFF_MNE_BASELINE_MAX; duration = end − onset in float32), descriptions (FIFF_COMMENT, ':'-separated,
/// "{COLON}" for a colon) and the time origin (FIFF_MEAS_DATE). Onsets come back relative to the first sample, the
/// way <c>raw.set_annotations</c> places them.
/// </summary>
internal static class FifAnnotations
{
    public static IEnumerable<Annotation> Read(FifTree tree, FifMeasInfo meas, long firstSamp)
    {
        if (tree.Root.Find(FifConstants.BlockMneAnnotations).FirstOrDefault() is not { } node)
            return [];
        float[] onset = [], end = [];
        string[] description = [];
        DateTimeOffset? origTime = null;
        foreach (var tag in node.Tags)
        {
            switch (tag.Kind)
            {
                case FifConstants.MneBaselineMin: onset = tree.ReadFloats(tag); break;
                case FifConstants.MneBaselineMax: end = tree.ReadFloats(tag); break;
                case FifConstants.Comment:
                    string text = tree.ReadString(tag);
                    description = text.Length == 0 ? [] : text.Split(':').Select(d => d.Replace("{COLON}", ":")).ToArray();
                    break;
                case FifConstants.MeasDate:
                    // Written as a (seconds, microseconds) pair of ints or doubles; old files hold one float of seconds.
                    double[] stamp = tag.Type == FifConstants.TypeInt ? tree.ReadInts(tag).Select(v => (double)v).ToArray() : tree.ReadDoubles(tag);
                    origTime = stamp.Length >= 2
                        ? DateTimeOffset.UnixEpoch.AddSeconds((long)stamp[0]).AddTicks((long)stamp[1] * 10)
                        : DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round(stamp[0] * 1e7));
                    break;
            }
        }
        if (onset.Length != end.Length || onset.Length != description.Length)
            throw new InvalidRecordingException(tree.Path,
                $"annotations block holds {onset.Length} onsets, {end.Length} ends and {description.Length} descriptions (expected equal counts)");

        double firstTime = firstSamp / meas.Sfreq;
        // No meas_date: onsets count from the first sample after MNE subtracts first_samp / sfreq. With a meas_date, an
        // origin-less annotation is already relative to the first sample; one with an origin counts from that origin.
        double shift = meas.MeasDate is not { } measDate ? -firstTime
            : origTime is { } origin ? (origin - measDate).TotalSeconds - firstTime : 0;
        return onset.Select((o, i) => new Annotation(o + shift, end[i] - o, description[i])).ToList();
    }
}
