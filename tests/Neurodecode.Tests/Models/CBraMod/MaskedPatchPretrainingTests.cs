using Neurodecode.Models.Encoders.CBraMod;
using Neurodecode.Models.Native;
using Neurodecode.Models.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Neurodecode.Tests.Models.CBraMod;

/// <summary>The masked-patch objective counts masked cells only, and a few AdamW steps on real windows lower it.</summary>
[Collection(nameof(Neurodecode.Tests.Models.Training.TorchRngCollection))]
public class MaskedPatchPretrainingTests
{
    public MaskedPatchPretrainingTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void Mask_is_bernoulli_and_reproducible_from_the_seed()
    {
        using var g1 = new Generator(5);
        using var g2 = new Generator(5);
        using var a = MaskedPatchPretraining.GenerateMask(16, 64, 4, 0.5, g1);
        using var b = MaskedPatchPretraining.GenerateMask(16, 64, 4, 0.5, g2);
        Assert.True(a.equal(b).all().item<bool>());
        Assert.Equal([16L, 64, 4], a.shape);
        Assert.True((a.eq(0) | a.eq(1)).all().item<bool>());
        Assert.InRange(a.mean().item<float>(), 0.45, 0.55);   // 4096 cells
        Assert.Throws<ArgumentException>(() => MaskedPatchPretraining.GenerateMask(1, 1, 1, 1.5, g1));
    }

    [Fact]
    public void Loss_is_the_mse_over_masked_patches_only()
    {
        manual_seed(4);
        using var model = CBraModModel.Create(CBraModTestData.Small(CBraModHead.Embedding) with { NChans = 6, NTimes = 600 });
        using var x = randn(2, 6, 3, 200);
        using var g = new Generator(8);
        using var mask = MaskedPatchPretraining.GenerateMask(2, 6, 3, 0.5, g);
        Assert.InRange(mask.sum().item<float>(), 1, 35);

        using var loss = MaskedPatchPretraining.MaskedLoss(model.Net, x, mask);
        // The reference: MSELoss()(net(x, mask)[mask == 1], x[mask == 1]) (eval mode: deterministic).
        using var y = model.Net.Reconstruct(x, mask);
        using var sel = mask.eq(1);
        using var expected = nn.functional.mse_loss(y[sel], x[sel]);
        Assert.Equal(expected.item<float>(), loss.item<float>(), 1e-5 * expected.item<float>());

        // Changing the target of an unmasked patch cannot change the loss, a masked one does.
        using var unmaskedCell = (mask.eq(0)).nonzero()[0];
        using var maskedCell = mask.eq(1).nonzero()[0];
        long[] u = unmaskedCell.data<long>().ToArray(), m = maskedCell.data<long>().ToArray();
        // Recompute with the prediction fixed: only the target side of the loss.
        float Loss(Tensor target) => ((y - target).square().sum(-1).mul(mask).sum() / (mask.sum() * 200)).item<float>();
        using var t1 = x.clone();
        t1[u[0], u[1], u[2]] = t1[u[0], u[1], u[2]] + 10;
        Assert.Equal(loss.item<float>(), Loss(t1), 1e-5 * loss.item<float>());
        using var t2 = x.clone();
        t2[m[0], m[1], m[2]] = t2[m[0], m[1], m[2]] + 10;
        Assert.True(Loss(t2) > loss.item<float>() + 1);
    }

    [Fact]
    public void An_empty_mask_gives_zero_loss_and_zero_gradients_not_NaN()
    {
        using var model = CBraModModel.Create(CBraModTestData.Small(CBraModHead.Embedding) with { NChans = 4, NTimes = 400 });
        using var x = randn(1, 4, 2, 200);
        using var mask = zeros(1, 4, 2);
        using var loss = MaskedPatchPretraining.MaskedLoss(model.Net, x, mask);
        Assert.Equal(0f, loss.item<float>());
        loss.backward();
        foreach (var p in model.Net.parameters().Where(p => p.requires_grad))
            Assert.True(p.grad is null || p.grad.abs().sum().item<float>() == 0);
    }

    /// <remarks>
    /// What this shows is that the loop optimises the objective on real data, not that a few epochs learn EEG
    /// structure: with the reference's initialisation the first reconstructions are far larger than the signal (masked
    /// loss ≈ 11 in units of (100 µV)²), and the fall is mostly the network learning the signal's scale.
    /// </remarks>
    [Fact]
    public void Pretraining_epochs_on_real_windows_lower_the_validation_masked_loss_and_repeat_exactly()
    {
        var all = WindowDataset.Concat([CBraModTestData.RealWindows]);
        Assert.Equal(64, all.NChans);
        Assert.Equal(800, all.NTimes);
        Assert.True(all.Count >= 12, $"{all.Count} windows");
        var train = all.Subset(Enumerable.Range(0, 8).ToArray());
        var val = all.Subset(Enumerable.Range(8, 4).ToArray());
        var options = new PretrainOptions(Epochs: 4, BatchSize: 4, Lr: 1e-3, Seed: 42);

        PretrainingResult Run(out float[] weights)
        {
            manual_seed(42);
            using var model = CBraModModel.Create(CBraModTestData.Small(CBraModHead.Embedding, nChans: 64, nPatches: 4));
            var epochs = new List<PretrainEpoch>();
            var result = MaskedPatchPretraining.Pretrain(model, train, val, options, epochDone: new SyncProgress<PretrainEpoch>(epochs.Add));
            Assert.False(model.Training);
            Assert.Equal(result.Curves, epochs);
            weights = model.Net.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
            return result;
        }

        var first = Run(out var w1);
        Assert.Equal(4, first.Curves.Count);
        Assert.Equal(8, first.Steps);
        Assert.All(first.Curves, c => Assert.True(double.IsFinite(c.TrainLoss) && double.IsFinite(c.ValLoss)));
        Assert.True(first.Curves[^1].ValLoss < 0.8 * first.Curves[0].ValLoss, string.Join(", ", first.Curves.Select(c => c.ValLoss)));
        Assert.Equal(first.Curves.Min(c => c.ValLoss), first.BestValLoss);
        Assert.InRange(first.ZeroBaselineValLoss, 0.01, 1);   // mean power of (100 µV)-scaled high-passed EEG

        var second = Run(out var w2);
        Assert.Equal(first.Curves.Select(c => (c.TrainLoss, c.ValLoss)), second.Curves.Select(c => (c.TrainLoss, c.ValLoss)));
        Assert.Equal(w1, w2);
    }

    [Fact]
    public void Windows_of_another_shape_are_refused_naming_both_shapes()
    {
        var all = WindowDataset.Concat([CBraModTestData.RealWindows]);
        using var model = CBraModModel.Create(CBraModTestData.Small(CBraModHead.Embedding) with { NChans = 6, NTimes = 600 });
        var e = Assert.Throws<ArgumentException>(() => MaskedPatchPretraining.Pretrain(model, all, all, new PretrainOptions(Epochs: 1)));
        Assert.Contains("64 x 800", e.Message);
        Assert.Contains("6 x 600", e.Message);
    }

    /// <summary>IProgress that reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
