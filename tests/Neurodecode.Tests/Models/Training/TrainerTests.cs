using Neurodecode.Models.Native;
using Neurodecode.Models.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Neurodecode.Tests.Models.Training;

/// <summary>torch's random generator is process-global, so runs that must repeat exactly do not share the process
/// with other tests drawing from it.</summary>
[CollectionDefinition(nameof(TorchRngCollection), DisableParallelization = true)]
public sealed class TorchRngCollection;

/// <summary>The training loop on real EEGMMIDB windows with a tiny convolutional classifier built here.</summary>
[Collection(nameof(TorchRngCollection))]
public class TrainerTests
{
    public TrainerTests() => TorchRuntime.EnsureLoaded();

    /// <summary>64 x 800 windows -> 8 temporal-spatial filters with stride 25 -> dropout -> linear head.</summary>
    private static nn.Module<Tensor, Tensor> Tiny(int nClasses) => nn.Sequential(
        ("conv", nn.Conv1d(64, 8, 25, stride: 25)),
        ("act", nn.ELU()),
        ("drop", nn.Dropout(0.25)),
        ("flat", nn.Flatten()),
        ("head", nn.Linear(8 * 32, nClasses)));

    private static TrainingData FourClass() => new(
        RealWindows.Load("S001R04", "S001R06"),
        RealWindows.Load("S002R04", "S002R06"),
        RealWindows.Load("S003R04"),
        RealWindows.FourClasses);

    private static readonly TrainerOptions Small = new()
    {
        Epochs = 4, BatchSize = 8, Lr = 1e-3, WeightDecay = 0.05, EtaMin = 1e-6, MaxGradNorm = 1.0, LabelSmoothing = 0.1, Seed = 3407,
    };

    private static IReadOnlyList<ParameterGroup> Groups(nn.Module<Tensor, Tensor> m) =>
        ParameterGroup.BackboneAndHead(m, n => n.StartsWith("head."), backboneLr: 1e-3, headLr: 5e-3);

    private static string Numbers(TrainingResult r) =>
        // everything but the wall-clock fields
        string.Join("|", r.Curves.Select(c => $"{c.TrainLoss:R};{c.ValLoss:R};{c.ValScore:R};{c.Val.ToJson()}"))
        + $"|{r.BestEpoch}|{r.Test!.ToJson()}";

    [Fact]
    public void Same_seed_gives_the_same_metrics_run_after_run()
    {
        var data = FourClass();
        Assert.Equal(30, data.Train.Count);
        var trainer = new Trainer(Small);
        var (m1, r1) = trainer.Fit(() => Tiny(4), data, Groups);
        var (m2, r2) = trainer.Fit(() => Tiny(4), data, Groups);
        using (m1) using (m2)
        {
            Assert.Equal(Numbers(r1), Numbers(r2));
            foreach (var ((n, a), (_, b)) in m1.named_parameters().Zip(m2.named_parameters()))
                Assert.True(a.eq(b).all().item<bool>(), $"{n} differs between runs");
        }
        var (m3, r3) = new Trainer(Small with { Seed = 1 }).Fit(() => Tiny(4), data, Groups);
        m3.Dispose();
        Assert.NotEqual(r1.Curves[0].TrainLoss, r3.Curves[0].TrainLoss);
    }

    [Fact]
    public void Selection_keeps_the_strictly_best_epoch_and_test_is_scored_with_it()
    {
        var data = FourClass();
        var (model, r) = new Trainer(Small with { Epochs = 6 }).Fit(() => Tiny(4), data, Groups);
        using (model)
        {
            Assert.Equal("cohen_kappa", r.SelectionMetric);
            Assert.Equal(6, r.Curves.Count);
            double best = double.NegativeInfinity;
            foreach (var c in r.Curves)
            {
                Assert.Equal(c.Val.CohenKappa, c.ValScore);
                Assert.Equal(c.ValScore > best, c.Improved);
                if (c.Improved) best = c.ValScore;
                Assert.True(double.IsFinite(c.TrainLoss) && double.IsFinite(c.ValLoss));
            }
            Assert.Equal(best, r.BestValScore);
            Assert.Equal(r.Curves.Last(c => c.Improved).Epoch, r.BestEpoch);
            Assert.Equal(r.Curves[r.BestEpoch - 1].Val.ToJson(), r.Val.ToJson());

            // The returned model holds the selected state: scoring validation again gives its numbers.
            var val = Trainer.Predict(model, data.Val);
            Assert.Equal(r.Val.ToJson(), Metrics.Compute(data.Val.Y, val.Predicted, val.Probs, 4, RealWindows.FourClasses).ToJson());
            var test = Trainer.Predict(model, data.Test!);
            Assert.Equal(r.Test!.ToJson(), Metrics.Compute(data.Test!.Y, test.Predicted, test.Probs, 4, RealWindows.FourClasses).ToJson());
            Assert.Equal(15, r.Test.NSamples);
            Assert.Equal(6L * 4, r.Steps);  // 30 windows in batches of 8

            // learning rates follow the cosine schedule per group
            var schedule = new LrSchedule(r.Steps, Small.EtaMin);
            Assert.Equal(schedule.LearningRate(1e-3, r.Steps - 1), r.Curves[^1].Lr["backbone"], 15);
            Assert.Equal(schedule.LearningRate(5e-3, 3), r.Curves[0].Lr["head"], 15);
        }
        var back = TrainingResult.FromJson(r.ToJson());
        Assert.Equal(r.ToJson(), back.ToJson());
        Assert.Contains("\"best_epoch\":", r.ToJson());
        Assert.Contains("\"train_loss\":", r.ToJson());
    }

    [Fact]
    public void Binary_task_selects_on_auroc()
    {
        var data = new TrainingData(
            RealWindows.Load("S001R04"),
            RealWindows.Load("S002R04"),
            RealWindows.Load("S003R04"),
            ["left_fist", "right_fist"]);
        var (model, r) = new Trainer(Small with { Epochs = 3 }).Fit(() => Tiny(2), data);
        model.Dispose();
        Assert.Equal("auroc", r.SelectionMetric);
        Assert.All(r.Curves, c => Assert.Equal(c.Val.Auroc!.Value, c.ValScore));
        Assert.NotNull(r.Test!.Auroc);
        Assert.NotNull(r.Test.AucPr);
        Assert.Equal(["all"], r.Curves[0].Lr.Keys);
    }

    [Fact]
    public void A_group_at_rate_zero_is_left_unchanged()
    {
        var data = FourClass();
        torch.manual_seed(5);
        using var model = Tiny(4);
        var conv0 = model.named_parameters().First(p => p.name == "conv.weight").parameter.detach().clone();
        var head0 = model.named_parameters().First(p => p.name == "head.weight").parameter.detach().clone();
        var groups = ParameterGroup.BackboneAndHead(model, n => n.StartsWith("head."), backboneLr: 0, headLr: 1e-2);
        new Trainer(Small with { Epochs = 2, EtaMin = 0 }).Fit(model, data, groups);  // eta_min is a floor for every group, as in torch
        Assert.True(conv0.eq(model.named_parameters().First(p => p.name == "conv.weight").parameter).all().item<bool>());
        Assert.False(head0.eq(model.named_parameters().First(p => p.name == "head.weight").parameter).all().item<bool>());
    }

    /// <summary>Checks it is fed (batch, 64, 4, 200) patches, then flattens into a linear head.</summary>
    private sealed class PatchProbe : nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Linear head = nn.Linear(64 * 4 * 200, 4);

        public PatchProbe() : base(nameof(PatchProbe)) => RegisterComponents();

        public override Tensor forward(Tensor x)
        {
            if (x.ndim != 4 || x.shape[1] != 64 || x.shape[2] != 4 || x.shape[3] != 200)
                throw new InvalidOperationException($"expected (batch, 64, 4, 200), got ({string.Join(", ", x.shape)})");
            return head.forward(x.flatten(1));
        }
    }

    [Fact]
    public void Patch_models_get_channel_by_patch_windows()
    {
        var (model, r) = new Trainer(Small with { Epochs = 1, PatchLen = 200 }).Fit(() => new PatchProbe(), FourClass());
        model.Dispose();
        Assert.Single(r.Curves);
    }

    [Fact]
    public void Bad_data_and_models_are_named()
    {
        var data = FourClass();
        var trainer = new Trainer(Small with { Epochs = 1 });

        var fewerChannels = new WindowDataset(new float[2 * 32 * 800], [0, 1], 32, 800);
        Assert.Contains("validation windows are 32 x 800 but training windows are 64 x 800",
            Assert.Throws<ArgumentException>(() => trainer.Fit(() => Tiny(4), data with { Val = fewerChannels })).Message);

        Assert.Contains("expected (8, 4)",
            Assert.Throws<InvalidOperationException>(() => trainer.Fit(() => Tiny(3), data)).Message);

        var oneClass = RealWindows.Classes(RealWindows.Load("S002R04"), 0);
        var binary = new TrainingData(RealWindows.Load("S001R04"), oneClass, null, ["left_fist", "right_fist"]);
        Assert.Contains("validation windows hold one class only (left_fist)",
            Assert.Throws<ArgumentException>(() => trainer.Fit(() => Tiny(2), binary)).Message);

        var binaryLabels = data with { ClassNames = ["left_fist", "right_fist"] };
        Assert.Matches(@"^training window 15 \(.*S001R06\.edf, onset [0-9.]+ s\) has class id [23], not in 0\.\.1$",
            Assert.Throws<ArgumentException>(() => trainer.Fit(() => Tiny(2), binaryLabels)).Message);

        Assert.Contains("epochs (0)", Assert.Throws<ArgumentException>(() => new Trainer(Small with { Epochs = 0 })).Message);
    }

    [Fact]
    public void Options_read_from_a_run_config_with_the_recipe_as_defaults()
    {
        var o = System.Text.Json.JsonSerializer.Deserialize<TrainerOptions>(
            """{"epochs": 3, "batch_size": 32, "max_grad_norm": null, "patch_len": 200}""", Metrics.Json)!;
        Assert.Equal((3, 32, null, 200), (o.Epochs, o.BatchSize, o.MaxGradNorm, o.PatchLen));
        Assert.Equal((5e-2, 1e-6, 0.1, 3407L), (o.WeightDecay, o.EtaMin, o.LabelSmoothing, o.Seed));
        Assert.ThrowsAny<System.Text.Json.JsonException>(() =>
            System.Text.Json.JsonSerializer.Deserialize<TrainerOptions>("""{"epoch": 3}""", Metrics.Json));
    }

    [Fact]
    public void Cancellation_stops_between_batches()
    {
        using var cts = new CancellationTokenSource();
        var seen = new List<TrainingProgress>();
        var progress = new SynchronousProgress(p => { seen.Add(p); if (p.Batch == 2) cts.Cancel(); });
        Assert.Throws<OperationCanceledException>(() => new Trainer(Small).Fit(() => Tiny(4), FourClass(), progress: progress, ct: cts.Token));
        Assert.Equal(2, seen.Count);
        Assert.Equal((1, 4, 2, 4, 16L), (seen[1].Epoch, seen[1].Epochs, seen[1].Batch, seen[1].Batches, seen[1].Windows));
    }

    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
