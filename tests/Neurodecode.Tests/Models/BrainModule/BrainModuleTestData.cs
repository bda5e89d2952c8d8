using System.Text.Json;
using Neurodecode.Models.Encoders.BrainModule;

namespace Neurodecode.Tests.Models.BrainModule;

/// <summary>Small configs, the golden values of tools/make_brainmodule_golden.py, and its deterministic pattern.</summary>
internal static class BrainModuleTestData
{
    /// <summary>The EEGMMIDB layout with small sizes: 16 virtual channels, 4 x 4 frequencies, a 16-channel stack of
    /// depth 4, F = 8, 200 samples.</summary>
    public static MegBrainModuleConfig Small(int nSubjects = 2, TemporalAggregation aggregation = TemporalAggregation.Affine,
        int nTimes = 200, int nOutputs = 8) =>
        new(NChans: 64, NOutputs: nOutputs, NTimes: nTimes, Sfreq: 200, NSubjects: nSubjects, MergerChannels: 16, FourierFreqs: 4,
            Hidden: 16, Depth: 4, DilationPeriod: 3, Aggregation: aggregation);

    private static readonly Lazy<JsonElement> Json = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.Golden, "brainmodule", "brainmodule.json"))).RootElement);

    public static JsonElement Golden => Json.Value;

    public static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    /// <summary>0.5 sin(0.37 i + seed) over the flat index i, as the tool makes its inputs.</summary>
    public static float[] Pattern(int n, double seed) =>
        Enumerable.Range(0, n).Select(i => (float)(0.5 * Math.Sin(0.37 * i + seed))).ToArray();

    /// <summary>Deterministic windows (batch, 64, n_times) in roughly unit scale.</summary>
    public static float[] Windows(int batch, int nTimes, int seed)
    {
        var rng = new Random(seed);
        var x = new float[batch * 64 * nTimes];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }
}
