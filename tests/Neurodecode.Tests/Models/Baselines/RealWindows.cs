using Neurodecode.Ingest.Formats;
using Neurodecode.Preprocess.Steps;
using Neurodecode.Preprocess.Windows;

namespace Neurodecode.Tests.Models;

/// <summary>Windows cut from the shared EEGMMIDB recordings by a shipped pipeline spec, cached per (spec, files).</summary>
public static class RealWindows
{
    private static readonly Dictionary<string, WindowSet> Cache = new();

    public static string Spec(string name) => Path.Combine(TestPaths.RepoRoot, "datasets", "pipelines", name);

    public static string Eegmmidb(int subject, int run) =>
        TestPaths.Shared(Path.Combine("eegmmidb", $"S{subject:000}", $"S{subject:000}R{run:00}.edf"));

    /// <summary>The windows of one recording, as the preprocess pipeline writes them.</summary>
    public static WindowSet Of(string specName, string edf)
    {
        string key = specName + "|" + edf;
        lock (Cache)
        {
            if (Cache.TryGetValue(key, out var set)) return set;
            var spec = PipelineSpec.Load(Spec(specName));
            using var rec = SignalFormats.OpenRecording(edf);
            set = ResolvedPipeline.Resolve(spec, rec.Info, rec.Annotations).Run(RawData.Read(rec));
            Cache[key] = set;
            return set;
        }
    }

    /// <summary>Several recordings concatenated: X (n, C, T) float32 and Y class ids.</summary>
    public static (float[] X, long[] Y, int NChannels, int NTimes) Concat(string specName, params string[] edfs)
    {
        var sets = edfs.Select(f => Of(specName, f)).ToList();
        int c = sets[0].NChannels, t = sets[0].NTimes;
        Assert.All(sets, s => Assert.Equal((c, t), (s.NChannels, s.NTimes)));
        return (sets.SelectMany(s => s.X).ToArray(), sets.SelectMany(s => s.Y).ToArray(), c, t);
    }
}
