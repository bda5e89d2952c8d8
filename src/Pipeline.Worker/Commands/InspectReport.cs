using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Pipeline.Worker.Commands;

/// <summary>
/// What <c>inspect</c> prints: the JSON contract other tools rely on (the same keys as
/// <c>shared/tools/mne_reference.py inspect</c>) and a short human summary in the spirit of MNE's Raw repr.
/// Built from headers only: no samples are read.
/// </summary>
public static class InspectReport
{
    public static JsonObject Json(string path, IRecording recording)
    {
        var info = recording.Info;
        var json = new JsonObject
        {
            ["path"] = path,
            ["format"] = info.Format,
            ["n_channels"] = info.NChannels,
            ["sfreq"] = info.Sfreq,
            ["n_samples"] = info.NSamples,
            ["duration_s"] = info.DurationSeconds,
            ["meas_date"] = info.MeasDate is { } d ? IsoUtc(d) : null,
            ["channels"] = new JsonArray(info.Channels.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name,
                ["kind"] = c.Kind.MneName(),
                ["unit"] = c.Unit,
                ["orig_unit"] = c.OrigUnit ?? c.Unit,
                ["physical_min"] = c.PhysicalMin,
                ["physical_max"] = c.PhysicalMax,
                ["sfreq"] = c.Sfreq,
            }).ToArray()),
            ["annotations"] = Annotations(recording.Annotations),
        };
        // Files written by parcellate: regions and their voxel counts (only then, so the common keys stay the contract).
        if (recording is Ingest.Formats.Parquet.ParquetRecording { Parcellation: { } p })
            json["parcellation"] = JsonNode.Parse(p);
        return json;
    }

    /// <summary>Images: nibabel's facts, plus the recording keys (a volume is a sample at 1/TR).</summary>
    public static JsonObject Json(string path, IVolumeSeries series)
    {
        var info = series.Info;
        double? sfreq = info.TrSeconds is > 0 ? 1.0 / info.TrSeconds : null;
        return new JsonObject
        {
            ["path"] = path,
            ["format"] = info.Format,
            ["nifti_version"] = info.NiftiVersion,
            ["shape"] = new JsonArray(info.Shape.Select(s => (JsonNode)s).ToArray()),
            ["dtype_on_disk"] = info.DtypeOnDisk,
            ["zooms"] = new JsonArray(info.Zooms.Select(z => (JsonNode)z).ToArray()),
            ["tr_s"] = info.TrSeconds,
            ["affine"] = new JsonArray(Enumerable.Range(0, 4).Select(r =>
                (JsonNode)new JsonArray(info.Affine.Skip(4 * r).Take(4).Select(v => (JsonNode)v).ToArray())).ToArray()),
            ["sform_code"] = info.SformCode,
            ["qform_code"] = info.QformCode,
            ["scl_slope"] = info.SclSlope,
            ["scl_inter"] = info.SclInter,
            ["sfreq"] = sfreq,
            ["n_samples"] = info.NVolumes,
            ["duration_s"] = info.TrSeconds * info.NVolumes,
            ["channels"] = new JsonArray(),
            ["annotations"] = new JsonArray(),
        };
    }

    private static JsonArray Annotations(IEnumerable<Annotation> annotations) =>
        new(annotations.Select(a => (JsonNode)new JsonObject
        {
            ["onset"] = a.Onset,
            ["duration"] = a.Duration,
            ["description"] = a.Description,
        }).ToArray());

    public static string ToJsonText(JsonNode node) => node.ToJsonString(new JsonSerializerOptions
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    /// <summary>ISO 8601 UTC as the reference prints it: seconds, microseconds only when non-zero, and a 'Z'.</summary>
    public static string IsoUtc(DateTimeOffset date)
    {
        var utc = date.ToUniversalTime();
        long micros = utc.Ticks % TimeSpan.TicksPerSecond / 10;
        string s = utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        return (micros != 0 ? s + "." + micros.ToString("D6", CultureInfo.InvariantCulture) : s) + "Z";
    }

    /// <summary>A summary like MNE's <c>&lt;RawEDF | file, 64 x 20000 (125.0 s), ~9.8 MB&gt;</c> and the key info fields.</summary>
    public static string Text(string path, IRecording recording)
    {
        var info = recording.Info;
        var inv = CultureInfo.InvariantCulture;
        double mb = info.NChannels * (double)info.NSamples * sizeof(double) / 1048576.0;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"<Raw{info.Format.ToUpperInvariant()} | {Path.GetFileName(path)}, {info.NChannels} x {info.NSamples} ({info.DurationSeconds:0.0} s), ~{mb:0.0} MB as float64>");
        sb.AppendLine(inv, $" meas_date    {(info.MeasDate is { } d ? d.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", inv) : "unspecified")}");
        sb.AppendLine(inv, $" sfreq        {info.Sfreq:0.###} Hz");
        sb.AppendLine(inv, $" channels     {Counts(info.Channels.Select(c => c.Kind.MneName()))}");
        sb.AppendLine(inv, $" ch_names     {Abbreviate(info.ChannelNames.ToList())}");
        sb.AppendLine(inv, $" annotations  {recording.Annotations.Count}{(recording.Annotations.Count > 0 ? " (" + Counts(recording.Annotations.Select(a => a.Description)) + ")" : "")}");
        if (recording is Ingest.Formats.Parquet.ParquetRecording { Parcellation: { } p } && JsonNode.Parse(p) is JsonObject parcellation)
        {
            var regions = parcellation["regions"]!.AsArray().Select(r => $"{r!["name"]}: {r["voxels"]}").ToList();
            sb.AppendLine(inv, $" parcellation {parcellation["bold"]} with {parcellation["atlas"]}, voxels per region {Abbreviate(regions)}");
        }
        if (recording is Recording r)
            foreach (var (key, value) in r.Facts)
                sb.AppendLine(inv, $" {key,-12} {value}");
        return sb.ToString();
    }

    /// <summary>find_events' rows as MNE prints them (<c>[sample, before, value]</c>) with a count per value.</summary>
    public static string EventsText(IReadOnlyList<StimEvent> events)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        string perValue = string.Join(", ", events.GroupBy(e => e.Value).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}"));
        sb.AppendLine(inv, $" events       {events.Count}{(events.Count > 0 ? " (value: count " + perValue + ")" : "")}");
        foreach (var e in events)
            sb.AppendLine(inv, $"  [{e.Sample} {e.Before} {e.Value}]");
        return sb.ToString();
    }

    public static string Text(string path, IVolumeSeries series)
    {
        var info = series.Info;
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"<NIfTI-{info.NiftiVersion} | {Path.GetFileName(path)}, shape ({string.Join(", ", info.Shape)}), {info.DtypeOnDisk}>");
        sb.AppendLine(inv, $" zooms        ({string.Join(", ", info.Zooms.Select(z => z.ToString("0.###", inv)))})");
        sb.AppendLine(inv, $" tr_s         {(info.TrSeconds is { } tr ? tr.ToString("0.###", inv) : "n/a")}");
        for (int r = 0; r < 4; r++)
            sb.AppendLine(inv, $" {(r == 0 ? "affine" : ""),-12} [{string.Join(", ", info.Affine.Skip(4 * r).Take(4).Select(v => v.ToString("0.###", inv)))}]");
        return sb.ToString();
    }

    private static string Counts(IEnumerable<string> items) =>
        string.Join(", ", items.GroupBy(i => i).Select(g => $"{g.Count()} {g.Key}"));

    private static string Abbreviate(IReadOnlyList<string> names) =>
        names.Count <= 8 ? string.Join(", ", names) : string.Join(", ", names.Take(4)) + ", ..., " + string.Join(", ", names.TakeLast(2));
}
