using System.Text.Json;
using Neurodecode.Models.Encoders.BrainMAE;

namespace Neurodecode.Tests.Models.BrainMAE;

/// <summary>The baselines by hand and against NumPy (tools/make_brainmae_golden.py) on real ABIDE windows, and the
/// ABIDE pipeline's windows against NumPy's z-score.</summary>
public class MaskedSegmentBaselinesTests
{
    [Fact]
    public void Baselines_by_hand()
    {
        // One region, 4 segments of 2 volumes: 1 2 | 3 4 | 5 6 | 7 8 with segments 1 and 3 masked.
        float[] x = [1, 2, 3, 4, 5, 6, 7, 8];
        bool[] mask = [false, true, false, true];
        var mean = new double[8];
        MaskedSegmentBaselines.RegionMean(x, mask, 2, mean);
        Assert.All(mean, v => Assert.Equal(3.5, v));          // (1 + 2 + 5 + 6) / 4
        var interp = new double[8];
        MaskedSegmentBaselines.Interpolate(x, mask, 2, interp);
        Assert.Equal([1, 2, 3, 4, 5, 6, 6, 6], interp);        // 2 → 5 across the gap; the last visible value after it

        var sums = new MaskedErrorSums();
        MaskedSegmentBaselines.Accumulate(x, mask, 1, 1, 4, 2, sums);
        Assert.Equal(4, sums.Volumes);
        Assert.Equal(9 + 16 + 49 + 64, sums.Zero);
        Assert.Equal(0.25 + 0.25 + 12.25 + 20.25, sums.RegionMean);
        Assert.Equal(1 + 4, sums.Interpolation);

        // A leading gap takes the first visible value.
        MaskedSegmentBaselines.Interpolate(x, [true, false, true, false], 2, interp);
        Assert.Equal([3, 3, 3, 4, 5, 6, 7, 8], interp);        // 4 → 7 across the middle gap
    }

    [Fact]
    public void Baselines_equal_numpy_on_real_abide_windows()
    {
        string dir = Path.Combine(TestPaths.Golden, "brainmae");
        using var golden = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "baselines.json")));
        var root = golden.RootElement;
        var (shape, windows) = Npy.Read(Path.Combine(dir, "windows.npy"));
        var (mshape, mask) = Npy.Read(Path.Combine(dir, "mask.npy"));
        int n = (int)shape[0], r = (int)shape[1], s = (int)mshape[2], len = root.GetProperty("segment_len").GetInt32();

        var sums = new MaskedErrorSums();
        MaskedSegmentBaselines.Accumulate(windows.Select(v => (float)v).ToArray(), mask.Select(v => v != 0).ToArray(), n, r, s, len, sums);
        Assert.Equal(root.GetProperty("masked_volumes").GetInt64(), sums.Volumes);
        var mse = root.GetProperty("mse");
        AssertRelative(mse.GetProperty("zero").GetDouble(), sums.Zero / sums.Volumes);
        AssertRelative(mse.GetProperty("region_mean").GetDouble(), sums.RegionMean / sums.Volumes);
        AssertRelative(mse.GetProperty("interpolation").GetDouble(), sums.Interpolation / sums.Volumes);
    }

    [Fact]
    public void The_abide_pipeline_windows_equal_numpy()
    {
        string dir = Path.Combine(TestPaths.Golden, "brainmae");
        using var golden = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "baselines.json")));
        var (shape, want) = Npy.Read(Path.Combine(dir, "windows.npy"));
        var got = golden.RootElement.GetProperty("files").EnumerateArray()
            .SelectMany(f => BrainMAETestData.Windows(Path.GetFileName(f.GetString()!)).X).ToArray();
        Assert.Equal(want.Length, got.Length);
        Assert.Equal(200 * 64, (int)(shape[1] * shape[2]));
        for (int i = 0; i < want.Length; i++)
            Assert.True(Math.Abs(got[i] - want[i]) <= 1e-6 * Math.Max(1, Math.Abs(want[i])), $"value {i}: {got[i]} vs numpy {want[i]}");
    }

    private static void AssertRelative(double expected, double actual) =>
        Assert.True(Math.Abs(actual - expected) <= 1e-9 * Math.Abs(expected), $"{actual} vs numpy {expected}");
}
