using Neurodecode.Models.Encoders.BrainMAE;
using Neurodecode.Models.Encoders.CBraMod;
using Neurodecode.Models.Native;
using Neurodecode.Models.Training;
using static TorchSharp.torch;

namespace Neurodecode.Tests.Models.BrainMAE;

/// <summary>Masks, the λ-weighted loss, a pretraining run on real ABIDE windows, and fine-tuning through the generic
/// Trainer on ABIDE windows labelled by diagnosis.</summary>
[Collection(nameof(Neurodecode.Tests.Models.Training.TorchRngCollection))]
public class BrainMAEPretrainingTests
{
    [Fact]
    public void Masks_hide_exactly_the_configured_segments_of_every_region_and_follow_the_generator()
    {
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        var mask = BrainMAEPretraining.GenerateMask(3, 5, 8, 3, new Generator(7));
        Assert.Equal(ScalarType.Bool, mask.dtype);
        Assert.True((mask.sum(-1, type: ScalarType.Int64) == 3).all().item<bool>());
        Assert.True(mask.eq(BrainMAEPretraining.GenerateMask(3, 5, 8, 3, new Generator(7))).all().item<bool>());
        Assert.False(mask.eq(BrainMAEPretraining.GenerateMask(3, 5, 8, 3, new Generator(8))).all().item<bool>());
    }

    [Fact]
    public void Loss_weighs_masked_and_visible_segments_by_lambda()
    {
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var data = BrainMAETestData.Labelled("OHSU_0050142_rois_cc200.1D");
        manual_seed(3);
        using var model = BrainMAEModel.Create(BrainMAETestData.Small() with { MaskedWeight = 0.75 });
        var x = tensor(data.X, [1, 32, 64]);
        var mask = BrainMAEPretraining.GenerateMask(1, 32, 8, 4, new Generator(1));
        var sq = (model.Net.Reconstruct(x, mask) - x).square().view(1, 32, 8, 8).data<float>().ToArray();
        var m = mask.data<bool>().ToArray();
        double masked = 0, visible = 0;
        for (int i = 0; i < sq.Length; i++)
            if (m[i / 8]) masked += sq[i]; else visible += sq[i];
        double expected = 0.75 * masked / (32 * 4 * 8) + 0.25 * visible / (32 * 4 * 8);
        double loss = BrainMAEPretraining.Loss(model.Net, x, mask).item<float>();
        Assert.True(Math.Abs(loss - expected) <= 1e-5 * expected, $"{loss} vs {expected}");
    }

    [Fact]
    public void Pretraining_on_real_abide_windows_is_finite_keeps_its_best_epoch_and_scores_the_baselines_on_its_masks()
    {
        TorchRuntime.EnsureLoaded();
        var train = BrainMAETestData.Labelled("MaxMun_a_0051318_rois_cc200.1D", "MaxMun_a_0051362_rois_cc200.1D", "OHSU_0050142_rois_cc200.1D");
        var val = BrainMAETestData.Labelled("MaxMun_a_0051319_rois_cc200.1D");
        var options = new PretrainOptions(Epochs: 3, BatchSize: 2, Lr: 1e-3, Seed: 42);
        manual_seed(42);
        using var model = BrainMAEModel.Create(BrainMAETestData.Small());
        var result = BrainMAEPretraining.Pretrain(model, train, val, options);

        Assert.Equal(3, result.Curves.Count);
        Assert.All(result.Curves, c => Assert.True(double.IsFinite(c.TrainLoss) && double.IsFinite(c.ValLoss)));
        Assert.True(result.Curves[^1].TrainLoss < result.Curves[0].TrainLoss, "3 epochs did not lower the training loss");
        Assert.Equal(result.Curves.Min(c => c.ValLoss), result.BestValMaskedMse, 5);   // the kept weights score the best epoch
        Assert.Equal(2L * 32 * 4 * 8, result.ValMaskedVolumes);                         // 2 windows, half of 8 segments per region
        // z-scored data: predicting 0 scores about the masked volumes' mean square, near 1.
        Assert.InRange(result.ZeroBaselineValMse, 0.3, 3);
        Assert.True(result.RegionMeanBaselineValMse > 0 && result.InterpolationBaselineValMse > 0);
        Assert.Equal(9, result.Steps);                                                   // 5 windows in batches of 2, 3 epochs

        using var cbramodLike = BrainMAEModel.Create(BrainMAETestData.Small(BrainMAEHead.Classification));
        var e = Assert.Throws<ArgumentException>(() => BrainMAEPretraining.Pretrain(cbramodLike, train, val, options));
        Assert.Contains("embedding head", e.Message);
        e = Assert.Throws<ArgumentException>(() => BrainMAEPretraining.Pretrain(model, train, val, options with { MaskRatio = 0.3 }));
        Assert.Contains("pretrainer.mask_ratio", e.Message);
    }

    [Fact]
    public void Fine_tuning_through_the_trainer_on_labelled_abide_windows()
    {
        TorchRuntime.EnsureLoaded();
        // DX_GROUP: MaxMun_a_0051318 and _0051319 autism, _0051362 and _0051363 control.
        var train = BrainMAETestData.Labelled("MaxMun_a_0051318_rois_cc200.1D", "MaxMun_a_0051362_rois_cc200.1D");
        var val = BrainMAETestData.Labelled("MaxMun_a_0051319_rois_cc200.1D", "MaxMun_a_0051363_rois_cc200.1D");
        Assert.Equal([0L, 0, 1, 1], train.Y);
        var trainer = new Trainer(new TrainerOptions { Epochs = 2, BatchSize = 2, Lr = 1e-3, Seed = 1 });
        var (module, result) = trainer.Fit(() => BrainMAEModel.Create(BrainMAETestData.Small(BrainMAEHead.Classification)).Module,
            new TrainingData(train, val, null, ["autism", "control"]));
        using (module)
        {
            Assert.Equal(2, result.Curves.Count);
            Assert.All(result.Curves, c => Assert.True(double.IsFinite(c.TrainLoss) && double.IsFinite(c.ValLoss)));
            Assert.Equal("auroc", result.SelectionMetric);
            Assert.InRange(result.BestEpoch, 1, 2);
        }
    }
}
