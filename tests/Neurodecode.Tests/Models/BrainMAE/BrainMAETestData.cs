using Neurodecode.Ingest.Formats;
using Neurodecode.Models.Encoders.BrainMAE;
using Neurodecode.Models.Training;
using Neurodecode.Preprocess.Steps;
using Neurodecode.Preprocess.Windows;

namespace Neurodecode.Tests.Models.BrainMAE;

/// <summary>Small BrainMAE configs and real ABIDE CC200 windows through the shipped pipeline (abide-roi-windows.json).</summary>
internal static class BrainMAETestData
{
    /// <summary>Regions of the real windows the model tests use: the first 32 of CC200's 200 keep a shared 2-core machine fast.</summary>
    public const int Regions = 32;

    /// <summary>32 regions x 64 volumes in 8 segments of 8; d_model 16 and one layer of each kind keep tests fast.</summary>
    public static BrainMAEConfig Small(BrainMAEHead head = BrainMAEHead.Embedding, int nOutputs = 2, int nChans = Regions) =>
        new(NChans: nChans, NOutputs: head == BrainMAEHead.Embedding ? 16 : nOutputs, NTimes: 64, Sfreq: 1, SegmentLen: 8,
            DModel: 16, NHeads: 2, GraphLayers: 1, TemporalLayers: 1, DimFeedforward: 32, Dropout: 0, Head: head);

    public static string Pipeline => Path.Combine(TestPaths.RepoRoot, "datasets", "pipelines", "abide-roi-windows.json");

    /// <summary>The pipeline's windows of one ABIDE table (OHSU: 78 volumes → 1 window; MaxMun: 116 → 4).</summary>
    public static WindowSet Windows(string file)
    {
        var spec = PipelineSpec.Load(Pipeline);
        using var rec = SignalFormats.OpenRecording(TestPaths.Shared("abide/rois_cc200/" + file));
        return ResolvedPipeline.Resolve(spec, rec.Info, rec.Annotations).Run(RawData.Read(rec));
    }

    /// <summary>The first <paramref name="regions"/> regions of every window (a copy).</summary>
    public static WindowDataset FirstRegions(WindowDataset data, int regions = Regions)
    {
        var x = new float[data.Count * regions * data.NTimes];
        for (int w = 0; w < data.Count; w++)
            Array.Copy(data.X, (long)w * data.NChans * data.NTimes, x, (long)w * regions * data.NTimes, regions * data.NTimes);
        return new WindowDataset(x, data.Y, regions, data.NTimes, data.Windows);
    }

    /// <summary>The windows of <paramref name="files"/> as one dataset (first <see cref="Regions"/> regions), each labelled by the subject's ABIDE DX_GROUP
    /// from subjects.tsv (class 0 = autism, DX_GROUP 1; class 1 = control, DX_GROUP 2).</summary>
    public static WindowDataset Labelled(params string[] files)
    {
        var dx = File.ReadLines(TestPaths.Shared("abide/subjects.tsv")).Skip(1).Select(l => l.Split('\t'))
            .ToDictionary(c => Path.GetFileName(c[9]), c => long.Parse(c[3]) - 1);
        var sets = files.Select(Windows).ToList();
        var all = WindowDataset.Concat(sets);
        var y = all.Windows.Select(w => dx[Path.GetFileName(w.File)]).ToArray();
        return FirstRegions(new WindowDataset(all.X, y, all.NChans, all.NTimes, all.Windows));
    }
}
