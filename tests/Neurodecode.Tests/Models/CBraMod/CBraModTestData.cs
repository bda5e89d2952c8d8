using Neurodecode.Ingest.Formats;
using Neurodecode.Models.Encoders.CBraMod;
using Neurodecode.Preprocess.Steps;
using Neurodecode.Preprocess.Windows;

namespace Neurodecode.Tests.Models.CBraMod;

/// <summary>Small configs that keep CI fast, and real windows from EEGMMIDB S001R04 through the project's pipeline.</summary>
internal static class CBraModTestData
{
    /// <summary>
    /// 2 layers and a 200-wide FFN instead of 12 and 800; d_model stays 200 because the time convolutions
    /// (25 channels x 8 steps for a 200-sample patch) fix it. 8 channels x 2 patches by default, so the
    /// all_patch_reps head is 3200 → 400 → 200 → 4 (PhysioNet-MI's 64 x 4 makes it 41 M parameters).
    /// </summary>
    public static CBraModConfig Small(CBraModHead head = CBraModHead.AllPatchReps, int nChans = 8, int nPatches = 2) =>
        new(NChans: nChans, NOutputs: head == CBraModHead.Embedding ? 200 : 4, NTimes: nPatches * 200, Sfreq: 200,
            NLayers: 2, DimFeedforward: 200, Head: head);

    private static readonly Lazy<WindowSet> S001R04 = new(() =>
    {
        var spec = PipelineSpec.Load(Path.Combine(TestPaths.RepoRoot, "datasets", "pipelines", "cbramod-physionet-mi.json"));
        using var rec = SignalFormats.OpenRecording(TestPaths.Shared("eegmmidb/S001/S001R04.edf"));
        return ResolvedPipeline.Resolve(spec, rec.Info, rec.Annotations).Run(RawData.Read(rec));
    });

    /// <summary>CBraMod's PhysioNet-MI windows of S001R04: (n, 64, 800) float32 in units of 100 µV.</summary>
    public static WindowSet RealWindows => S001R04.Value;
}
