using Neurodecode.Models.Encoders.CBraMod;
using Neurodecode.Models.Native;
using Neurodecode.Models.Training;
using TrainingWindows = Neurodecode.Tests.Models.Training.RealWindows;

namespace Neurodecode.Tests.Models.CBraMod;

/// <summary>CBraMod through the project's training loop: patches fed as the trainer cuts them, two learning rates.</summary>
public class CBraModTrainerTests
{
    public CBraModTrainerTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void One_epoch_on_real_windows_through_the_Trainer()
    {
        // S001 imagery runs: left/right fist (R04) for training, R08 for validation; a 2-layer avg_pool CBraMod.
        var train = TrainingWindows.Classes(TrainingWindows.Load("S001R04"), 0, 1);
        var val = TrainingWindows.Classes(TrainingWindows.Load("S001R08"), 0, 1);
        var data = new TrainingData(train, val, null, ["left_fist", "right_fist"]);
        var config = new CBraModConfig(NChans: 64, NOutputs: 2, NTimes: 800, Sfreq: 200, NLayers: 2, DimFeedforward: 200,
            Head: CBraModHead.AvgPool);
        var trainer = new Trainer(new TrainerOptions { Epochs = 1, BatchSize = 8, PatchLen = config.PatchLen, Lr = 1e-4, Seed = 1 });
        var (model, result) = trainer.Fit(
            () => CBraModModel.Create(config).Module,
            data,
            m => ParameterGroup.BackboneAndHead(m, CBraModModel.IsHeadParameter, backboneLr: 1e-4, headLr: 5e-4));
        using (model)
        {
            Assert.Equal(1, result.BestEpoch);
            Assert.True(double.IsFinite(result.BestValScore));
            Assert.Equal(val.Count, result.Val.NSamples);
        }
    }
}
