using System.Text.Json;

namespace Neurodecode.Tests.Preprocess;

/// <summary>
/// The fixtures tools/make_filter_golden.py writes from MNE 1.3 / SciPy 1.10 (Golden/filters), and the
/// comparison of our outputs with their fingerprints.
/// </summary>
public static class FilterGolden
{
    public static string Dir { get; } = Path.Combine(TestPaths.Golden, "filters");

    private static readonly Lazy<JsonElement> DesignsDoc = new(() => Load("designs.json"));
    private static readonly Lazy<JsonElement> IirDoc = new(() => Load("iir.json"));
    private static readonly Lazy<JsonElement> OutputsDoc = new(() => Load("outputs.json"));
    private static readonly Lazy<(int NChannels, int NTimes, double[] Data)> InputData = new(() =>
    {
        var (shape, data) = Npy.Read(Path.Combine(Dir, "input_S001R04.npy"));
        return ((int)shape[0], (int)shape[1], data);
    });

    public static JsonElement Designs => DesignsDoc.Value;
    public static JsonElement Iir => IirDoc.Value;

    /// <summary>EEGMMIDB S001R04 channels C3, Cz, C4 in volts, 3 x 20000.</summary>
    public static (int NChannels, int NTimes, double[] Data) Input => InputData.Value;

    /// <summary>The first <paramref name="nTimes"/> samples of every input channel, channel-major.</summary>
    public static double[] InputSlice(int nTimes)
    {
        var (nc, nt, data) = Input;
        var r = new double[nc * nTimes];
        for (int c = 0; c < nc; c++) Array.Copy(data, c * nt, r, c * nTimes, nTimes);
        return r;
    }

    public static JsonElement Output(string name)
    {
        foreach (var o in OutputsDoc.Value.GetProperty("outputs").EnumerateArray())
            if (o.GetProperty("name").GetString() == name) return o;
        throw new KeyNotFoundException($"no golden output '{name}'");
    }

    public static JsonElement Case(JsonElement list, string name)
    {
        foreach (var o in list.EnumerateArray())
            if (o.GetProperty("name").GetString() == name) return o;
        throw new KeyNotFoundException($"no golden case '{name}'");
    }

    public static IEnumerable<string> Names(JsonElement list) =>
        list.EnumerateArray().Select(o => o.GetProperty("name").GetString()!);

    public static double[] Doubles(JsonElement a) => a.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    /// <summary>
    /// Relative RMS error of our channel-major output against MNE's fingerprint: over the sampled indices
    /// (both ends and every step-th sample) of every channel, sqrt(Σ(ours − ref)²/Σ ref²); also checks the shape and
    /// the whole-output sum of squares. Returns the worst channel's relative RMS error.
    /// </summary>
    public static double RelRmsError(string name, double[] ours, int nChannels, int nTimes)
    {
        var fp = Output(name).GetProperty("output");
        var shape = Doubles(fp.GetProperty("shape"));
        Assert.Equal(shape[0], nChannels);
        Assert.Equal(shape[1], nTimes);
        int edge = fp.GetProperty("edge").GetInt32(), step = fp.GetProperty("step").GetInt32();
        var idx = SampleIndices(nTimes, edge, step);
        var values = fp.GetProperty("values").EnumerateArray().Select(Doubles).ToArray();
        var sumsq = Doubles(fp.GetProperty("sumsq"));
        double worst = 0;
        for (int c = 0; c < nChannels; c++)
        {
            Assert.Equal(idx.Count, values[c].Length);
            double err = 0, norm = 0;
            for (int k = 0; k < idx.Count; k++)
            {
                double d = ours[c * nTimes + idx[k]] - values[c][k];
                err += d * d;
                norm += values[c][k] * values[c][k];
            }
            worst = Math.Max(worst, Math.Sqrt(err / norm));
            double ss = 0;
            for (int t = 0; t < nTimes; t++) ss += ours[c * nTimes + t] * ours[c * nTimes + t];
            Assert.True(Math.Abs(ss - sumsq[c]) <= 1e-9 * sumsq[c], $"{name} channel {c}: sum of squares {ss} vs MNE {sumsq[c]}");
        }
        return worst;
    }

    public static List<int> SampleIndices(int n, int edge, int step)
    {
        var set = new SortedSet<int>();
        for (int i = 0; i < Math.Min(edge, n); i++) set.Add(i);
        for (int i = Math.Max(n - edge, 0); i < n; i++) set.Add(i);
        for (int i = 0; i < n; i += step) set.Add(i);
        return set.ToList();
    }

    private static JsonElement Load(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, file)));
        return doc.RootElement.Clone();
    }
}
