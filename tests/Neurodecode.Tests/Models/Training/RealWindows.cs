using System.Collections.Concurrent;
using Neurodecode.Ingest.Formats;
using Neurodecode.Models.Training;
using Neurodecode.Preprocess.Steps;
using Neurodecode.Preprocess.Windows;

namespace Neurodecode.Tests.Models.Training;

/// <summary>
/// Real EEGMMIDB windows through the shipped CBraMod PhysioNet-MI pipeline (64 channels x 800 samples at 200 Hz,
/// units of 100 µV; runs 4/8/12 left/right fist, 6/10/14 both fists/feet), cached per file for the process.
/// </summary>
public static class RealWindows
{
    public static readonly string[] FourClasses = ["left_fist", "right_fist", "both_fists", "feet"];

    private static readonly Lazy<PipelineSpec> Spec = new(() =>
        PipelineSpec.Load(Path.Combine(TestPaths.RepoRoot, "datasets", "pipelines", "cbramod-physionet-mi.json")));

    private static readonly ConcurrentDictionary<string, Lazy<WindowSet>> Cache = new();

    /// <summary>The windows of runs like "S001R04" (subject folder taken from the name), in the order given.</summary>
    public static WindowDataset Load(params string[] runs) =>
        WindowDataset.Concat(runs.Select(r => Cache.GetOrAdd(r, key => new Lazy<WindowSet>(() => Run(key))).Value).ToArray());

    private static WindowSet Run(string run)
    {
        string path = TestPaths.Shared(Path.Combine("eegmmidb", run[..4], run + ".edf"));
        using var rec = SignalFormats.OpenRecording(path);
        return ResolvedPipeline.Resolve(Spec.Value, rec.Info, rec.Annotations).Run(RawData.Read(rec));
    }

    /// <summary>Keeps the windows of classes <paramref name="keep"/>, renumbered 0.. in that order.</summary>
    public static WindowDataset Classes(WindowDataset d, params long[] keep)
    {
        var idx = Enumerable.Range(0, d.Count).Where(i => keep.Contains(d.Y[i])).ToArray();
        var s = d.Subset(idx);
        var y = s.Y.Select(v => (long)Array.IndexOf(keep, v)).ToArray();
        return new WindowDataset(s.X, y, s.NChans, s.NTimes, s.Windows);
    }
}
