using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Neurodecode.Preprocess.Tokenizers;

namespace Neurodecode.Tests.Preprocess.Tokenizers;

public class PatchTokenizerTests
{
    /// <summary>Windows whose every value is its own flat index, so a misplaced sample is visible.</summary>
    private static float[] IndexWindows(WindowsShape s) => Enumerable.Range(0, (int)s.Length).Select(i => (float)i).ToArray();

    [Fact]
    public void Non_overlapping_patches_are_a_reshape_without_copy()
    {
        var shape = new WindowsShape(2, 3, 600);
        var x = IndexWindows(shape);
        var tok = new PatchTokenizer(new PatchTokenizerConfig());
        var view = tok.View(x, shape);

        Assert.Equal(new PatchShape(2, 3, 3, 200), view.Shape);
        Assert.True(view.IsContiguous);
        Assert.True(Unsafe.AreSame(ref MemoryMarshal.GetReference(view.Contiguous), ref x[0]));
        for (int w = 0; w < 2; w++)
            for (int c = 0; c < 3; c++)
                for (int p = 0; p < 3; p++)
                {
                    var patch = view[w, c, p];
                    Assert.Equal(200, patch.Length);
                    for (int t = 0; t < 200; t++) Assert.Equal((w * 3 + c) * 600 + p * 200 + t, patch[t]);
                    Assert.True(patch.SequenceEqual(view.Segment((w * 3 + c) * 3 + p)));
                }
        Assert.Equal(x, tok.Patch(x, shape));
    }

    [Fact]
    public void Overlapping_patches_are_viewed_in_place_and_copied_on_request()
    {
        var shape = new WindowsShape(2, 2, 600);
        var x = IndexWindows(shape);
        var tok = new PatchTokenizer(new PatchTokenizerConfig(PatchLen: 200, Stride: 100));
        var view = tok.View(x, shape);

        Assert.Equal(new PatchShape(2, 2, 5, 200), view.Shape);
        Assert.False(view.IsContiguous);
        Assert.Throws<InvalidOperationException>(() => tok.View(x, shape).Contiguous.Length);
        var patches = tok.Patch(x, shape);
        Assert.Equal(2 * 2 * 5 * 200, patches.Length);
        for (int w = 0; w < 2; w++)
            for (int c = 0; c < 2; c++)
                for (int p = 0; p < 5; p++)
                    for (int t = 0; t < 200; t += 37)
                        Assert.Equal((w * 2 + c) * 600 + p * 100 + t, patches[((w * 2 + c) * 5 + p) * 200 + t]);
    }

    [Fact]
    public void A_remainder_is_an_error_unless_dropped()
    {
        var shape = new WindowsShape(1, 2, 650);
        var x = IndexWindows(shape);
        var e = Assert.Throws<ArgumentException>(() => new PatchTokenizer(new PatchTokenizerConfig()).Resolve(shape));
        Assert.Equal("n_times (650) does not end on a patch: patch_len 200, stride 200 leave 50 trailing samples per window; " +
                     "trim the windows or set drop_remainder", e.Message);

        var tok = new PatchTokenizer(new PatchTokenizerConfig(DropRemainder: true));
        var view = tok.View(x, shape);
        Assert.Equal(new PatchShape(1, 2, 3, 200), view.Shape);
        Assert.False(view.IsContiguous); // every row skips its last 50 samples
        Assert.Equal(650 + 400, view[0, 1, 2][0]);
        var patches = tok.Patch(x, shape);
        Assert.Equal(650 + 599, patches[^1]);
    }

    [Fact]
    public void Sub_batches_of_windows_view_the_same_memory()
    {
        var shape = new WindowsShape(4, 3, 400);
        var x = IndexWindows(shape);
        var view = new PatchTokenizer(new PatchTokenizerConfig()).View(x, shape).Windows(1, 2);
        Assert.Equal(new PatchShape(2, 3, 2, 200), view.Shape);
        Assert.Equal((1 * 3 + 2) * 400 + 200, view[0, 2, 1][0]);
        Assert.Equal(x.AsSpan(1200, 2400).ToArray(), view.ToArray());
    }

    [Fact]
    public void Real_windows_patch_to_their_own_samples()
    {
        var (x, shape) = TokenizerData.Windows(nWindows: 3, nTimes: 800, start: 1600);
        var view = new PatchTokenizer(new PatchTokenizerConfig()).View(x, shape);
        Assert.Equal(new PatchShape(3, 64, 4, 200), view.Shape);
        var fromPatches = PatchView.FromPatches(view.ToArray(), view.Shape);
        for (int i = 0; i < view.Shape.NSegments; i += 7) Assert.True(view.Segment(i).SequenceEqual(fromPatches.Segment(i)));
        Assert.True(view[2, 63, 3].SequenceEqual(x.AsSpan(((2 * 64 + 63) * 800) + 600, 200)));
    }

    [Theory]
    [InlineData(0, null, "patch_len (0) must be positive")]
    [InlineData(200, 0, "stride (0) must be between 1 and patch_len (200)")]
    [InlineData(200, 250, "stride (250) must be between 1 and patch_len (200)")]
    public void Bad_configs_are_refused_with_the_value(int patchLen, int? stride, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => new PatchTokenizer(new PatchTokenizerConfig(patchLen, stride)));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Bad_inputs_are_refused_before_any_work()
    {
        var tok = new PatchTokenizer(new PatchTokenizerConfig());
        Assert.Equal("n_times (150) is shorter than patch_len (200)",
            Assert.Throws<ArgumentException>(() => tok.Resolve(new WindowsShape(1, 1, 150))).Message);
        Assert.Equal("windows hold 1000 values, shape (2, 3, 200) needs 1200",
            Assert.Throws<ArgumentException>(() => tok.View(new float[1000], new WindowsShape(2, 3, 200))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => tok.View(new float[400], new WindowsShape(1, 1, 400))[0, 0, 2].Length);
    }

    [Fact]
    public void Config_round_trips_through_snake_case_json()
    {
        var config = new PatchTokenizerConfig(PatchLen: 200, Stride: 100, DropRemainder: true);
        string json = config.ToJson();
        Assert.Contains("\"patch_len\": 200", json);
        Assert.Contains("\"drop_remainder\": true", json);
        Assert.Equal(config, PatchTokenizerConfig.FromJson(json));
        Assert.Equal(new PatchTokenizerConfig(), PatchTokenizerConfig.FromJson("{}"));
        Assert.Equal("stride (300) must be between 1 and patch_len (200)",
            Assert.Throws<ArgumentException>(() => PatchTokenizerConfig.FromJson("{\"stride\": 300}")).Message);
        var e = Assert.Throws<FormatException>(() => PatchTokenizerConfig.FromJson("{\"patch_length\": 200}", "spec.json"));
        Assert.StartsWith("spec.json: ", e.Message);
        Assert.Contains("patch_length", e.Message);
    }
}
