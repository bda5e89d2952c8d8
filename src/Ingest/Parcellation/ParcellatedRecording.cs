using System.Globalization;
using System.Text.Json.Nodes;
using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Parcellation;

/// <summary>
/// A 4-D BOLD image reduced to region signals through a label atlas: nilearn's
/// <c>NiftiLabelsMasker(atlas, resampling_target="data", strategy="mean").fit_transform(bold)</c>. One channel per
/// region (kind roi, unit "NA"), in increasing label value, named by the label value or by a label table; each
/// sample is the mean of the region's voxels in one volume; sfreq = 1 / TR from the BOLD header. The volumes are
/// streamed once when parcellating (memory: one volume plus the regions × volumes result, not the image).
/// </summary>
public sealed class ParcellatedRecording : Recording
{
    public const string FormatName = "parcellation";

    private readonly double[] _signals; // regions x volumes, channel-major

    private ParcellatedRecording(RecordingInfo info, IReadOnlyList<Annotation> annotations, double[] signals, LabelAtlas atlas, string? labelTable)
        : base(info, annotations)
    {
        _signals = signals;
        Atlas = atlas;
        LabelTablePath = labelTable;
    }

    public LabelAtlas Atlas { get; }
    public string? LabelTablePath { get; }

    /// <summary>Parcellates <paramref name="boldPath"/> with <paramref name="atlasPath"/> (names from
    /// <paramref name="labelTable"/> when given; <paramref name="annotations"/>, e.g. a BIDS events.tsv, carried along).</summary>
    /// <exception cref="InvalidRecordingException">the BOLD image is not 4-D or has no TR, the atlas does not fit
    /// (see <see cref="LabelAtlas"/>), or the table lacks a region.</exception>
    public static async Task<ParcellatedRecording> ParcellateAsync(string boldPath, string atlasPath, string? labelTable = null,
        IReadOnlyList<Annotation>? annotations = null, CancellationToken ct = default)
    {
        using var bold = SignalFormats.OpenVolumes(boldPath);
        var info = bold.Info;
        if (info.Shape.Count != 4)
            throw new InvalidRecordingException(boldPath,
                $"is a {info.Shape.Count}-D image (shape ({string.Join(", ", info.Shape)})); parcellation needs a 4-D BOLD series (x, y, z, time)");
        if (info.TrSeconds is not (> 0 and var tr) || !double.IsFinite(tr))
            throw new InvalidRecordingException(boldPath,
                $"the header gives no repetition time (pixdim[4] = {info.TrSeconds?.ToString(CultureInfo.InvariantCulture) ?? "none"}); sfreq = 1/TR needs it");

        var atlas = await LabelAtlas.OnGridAsync(atlasPath, info, ct).ConfigureAwait(false);
        var names = labelTable is null ? null : LabelTable.Read(labelTable);
        var channels = new ChannelInfo[atlas.Labels.Count];
        for (int r = 0; r < channels.Length; r++)
        {
            double label = atlas.Labels[r];
            string name = label.ToString("R", CultureInfo.InvariantCulture);
            if (names is not null && !names.TryGetValue(label, out name!))
                throw new InvalidRecordingException(labelTable!, $"has no name for label {label.ToString("R", CultureInfo.InvariantCulture)} of atlas {atlasPath}");
            channels[r] = new ChannelInfo(name, ChannelKind.Roi, "NA", 1.0 / tr);
        }
        var twice = channels.GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
            throw new InvalidRecordingException(labelTable!, $"name '{twice.Key}' is given to more than one region");

        int nRegions = channels.Length, nVolumes = checked((int)info.NVolumes);
        var signals = new double[(long)nRegions * nVolumes];
        var sums = new double[nRegions];
        var region = atlas.RegionOfVoxel;
        await foreach (var volume in bold.ReadVolumes(ct).ConfigureAwait(false))
        {
            Array.Clear(sums);
            var data = volume.Data;
            for (int v = 0; v < data.Length; v++)
                if (region[v] >= 0)
                    sums[region[v]] += data[v];
            for (int r = 0; r < nRegions; r++)
                signals[(long)r * nVolumes + volume.Index] = sums[r] / atlas.VoxelCounts[r];
        }
        var (subject, session, run) = Datasets.RecordingNames.Parse(boldPath);
        var recording = new RecordingInfo(FormatName, boldPath, 1.0 / tr, nVolumes, channels) { Subject = subject, Session = session, Run = run };
        return new ParcellatedRecording(recording, annotations ?? [], signals, atlas, labelTable);
    }

    protected override void ReadSegment(long start, int count, IReadOnlyList<int> picks, Span<double> dest)
    {
        for (int p = 0; p < picks.Count; p++)
            _signals.AsSpan(checked((int)(picks[p] * Info.NSamples + start)), count).CopyTo(dest.Slice(p * count, count));
    }

    /// <summary>What was done, for the output's metadata and <c>inspect</c>: files, whether the atlas was resampled,
    /// every region's label, name and voxel count, and atlas labels left outside the image.</summary>
    public JsonObject Describe() => new()
    {
        ["bold"] = Path.GetFileName(Info.SourcePath),
        ["atlas"] = Path.GetFileName(Atlas.Path),
        ["labels_table"] = LabelTablePath is null ? null : Path.GetFileName(LabelTablePath),
        ["strategy"] = "mean",
        ["atlas_resampled"] = Atlas.Resampled ? "nearest" : null,
        ["regions"] = new JsonArray(Enumerable.Range(0, Info.NChannels).Select(r => (JsonNode)new JsonObject
        {
            ["name"] = Info.Channels[r].Name,
            ["label"] = Atlas.Labels[r],
            ["voxels"] = Atlas.VoxelCounts[r],
        }).ToArray()),
        ["atlas_labels_outside_image"] = new JsonArray(Atlas.LabelsOutsideImage.Select(l => (JsonNode)l).ToArray()),
    };
}
