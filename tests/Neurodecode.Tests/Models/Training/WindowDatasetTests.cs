using Neurodecode.Models.Native;
using Neurodecode.Models.Training;
using Neurodecode.Preprocess.Windows;

namespace Neurodecode.Tests.Models.Training;

public class WindowDatasetTests
{
    public WindowDatasetTests() => TorchRuntime.EnsureLoaded();

    /// <summary>n windows of 3 channels x 8 samples whose values are their own flat index.</summary>
    private static WindowDataset Indexed(int n) =>
        new(Enumerable.Range(0, n * 24).Select(i => (float)i).ToArray(), Enumerable.Range(0, n).Select(i => (long)(i % 3)).ToArray(), 3, 8);

    [Fact]
    public void Seeded_batches_are_reproducible_cover_every_window_and_change_per_epoch()
    {
        var d = Indexed(50);
        var a = d.Batches(16, shuffle: true, seed: 7, epoch: 1);
        Assert.Equal([16, 16, 16, 2], a.Select(b => b.Length));
        Assert.Equal(Enumerable.Range(0, 50), a.SelectMany(b => b).Order());
        Assert.Equal(a, d.Batches(16, shuffle: true, seed: 7, epoch: 1));
        Assert.NotEqual(a, d.Batches(16, shuffle: true, seed: 7, epoch: 2));
        Assert.NotEqual(a, d.Batches(16, shuffle: true, seed: 8, epoch: 1));
        Assert.Equal(Enumerable.Range(0, 50), d.Batches(16, shuffle: false).SelectMany(b => b));
        Assert.Equal([16, 16, 16], d.Batches(16, shuffle: true, seed: 7, epoch: 1, dropLast: true).Select(b => b.Length));
    }

    [Fact]
    public void Batch_tensors_keep_the_window_layout_and_cut_patches_in_time()
    {
        var d = Indexed(5);
        var (x, y) = d.Batch([3, 1]);
        using (x) using (y)
        {
            Assert.Equal([2L, 3, 8], x.shape);
            Assert.Equal(TorchSharp.torch.ScalarType.Float32, x.dtype);
            Assert.Equal(TorchSharp.torch.ScalarType.Int64, y.dtype);
            Assert.Equal([0L, 1], y.data<long>().ToArray());
            Assert.Equal(3 * 24 + 1 * 8 + 5, x[0, 1, 5].item<float>());
            Assert.Equal(1 * 24 + 2 * 8 + 7, x[1, 2, 7].item<float>());
        }
        var (xp, yp) = d.Batch([4], patchLen: 4);
        using (xp) using (yp)
        {
            Assert.Equal([1L, 3, 2, 4], xp.shape);
            for (int c = 0; c < 3; c++)
                for (int n = 0; n < 2; n++)
                    for (int p = 0; p < 4; p++)
                        Assert.Equal(4 * 24 + c * 8 + n * 4 + p, xp[0, c, n, p].item<float>());
        }
        Assert.Contains("n_times (8) is not a multiple of patch_len (3)", Assert.Throws<ArgumentException>(() => d.Batch([0], patchLen: 3)).Message);
    }

    [Fact]
    public void Concat_and_subset_keep_windows_and_provenance()
    {
        WindowSet Set(string file, int n, int nCh) => new(nCh, 4, new float[n * nCh * 4].Select((_, i) => (float)i).ToArray(),
            Enumerable.Repeat(1L, n).ToArray(), Enumerable.Range(0, n).Select(i => new WindowInfo(file, "001", null, 4, i * 4.0, "a", 1)).ToArray(), []);
        var d = WindowDataset.Concat([Set("a.edf", 2, 3), Set("b.edf", 3, 3)]);
        Assert.Equal(5, d.Count);
        Assert.Equal("b.edf", d.Windows[4].File);
        Assert.Equal(23f, d.X[23]);  // last value of a.edf's windows
        Assert.Equal(0f, d.X[24]);   // first value of b.edf's
        var s = d.Subset([4, 0]);
        Assert.Equal(["b.edf", "a.edf"], s.Windows.Select(w => w.File));
        Assert.Equal(d.X.AsSpan(4 * 12, 12).ToArray(), s.X.AsSpan(0, 12).ToArray());
        Assert.Contains("b.edf has 2 x 4 windows but a.edf has 3 x 4",
            Assert.Throws<ArgumentException>(() => WindowDataset.Concat([Set("a.edf", 2, 3), Set("b.edf", 1, 2)])).Message);
    }
}
