using Neurodecode.Models.Aligners;
using Neurodecode.Models.Encoders.BrainModule;
using Neurodecode.Models.Native;
using Neurodecode.Models.Training;
using Neurodecode.Tests.Models.Training;
using Training = Neurodecode.Tests.Models.Training;
using static TorchSharp.torch;

namespace Neurodecode.Tests.Models.BrainModule;

/// <summary>
/// The aligner loop on real EEG: EEGMMIDB S001R04/S002R04 windows (CBraMod's pipeline, 64 channels, cut into 0.25-s
/// pieces at 200 Hz, each channel z-scored) carrying a planted linear image of random target embeddings — each piece
/// gets its own target e and x + Σ_f e_f · spatial pattern_f — so there is something to retrieve, and the brain
/// activity is real background. Retrieval is ranked among all 48 validation targets. The test takes about 20 s on a
/// quiet machine (2.5 min at load 35): 8 + 4 epochs are what the small module needs to rise well above chance.
/// </summary>
[Collection(nameof(TorchRngCollection))]
public class AlignerTrainerTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int F = 8, T = 50;


    /// <summary>0.25-s pieces of the subject's first left/right fist run, each with a random target and its planted
    /// image (the same patterns for every subject: one seed); every 5th piece goes to validation.</summary>
    private static (AlignmentSet Train, AlignmentSet Val) Planted(string subject, long subjectId, int seed)
    {
        var runs = Training.RealWindows.Load($"{subject}R04");
        int pieces = runs.NTimes / T, n = runs.Count * pieces;
        var x = new float[n * 64 * T];
        for (int w = 0; w < runs.Count; w++)
            for (int p = 0; p < pieces; p++)
                for (int c = 0; c < 64; c++)
                    Array.Copy(runs.X, ((long)w * 64 + c) * runs.NTimes + p * T, x, (((long)w * pieces + p) * 64 + c) * T, T);
        // Each channel z-scored over the subject's pieces (brainmagick scales every sensor before the model).
        for (int c = 0; c < 64; c++)
        {
            double sum = 0, sq = 0;
            for (int i = 0; i < n; i++)
                for (int t = 0; t < T; t++) { double v = x[((long)i * 64 + c) * T + t]; sum += v; sq += v * v; }
            double mean = sum / (n * T), sd = Math.Sqrt(sq / (n * T) - mean * mean);
            for (int i = 0; i < n; i++)
                for (int t = 0; t < T; t++) x[((long)i * 64 + c) * T + t] = (float)((x[((long)i * 64 + c) * T + t] - mean) / sd);
        }
        var rng = new Random(seed);
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var spatial = new double[F, 64];
        for (int f = 0; f < F; f++)
            for (int c = 0; c < 64; c++) spatial[f, c] = Gauss() / Math.Sqrt(F);
        var targets = new float[n * F];
        for (int i = 0; i < n; i++)
            for (int f = 0; f < F; f++)
            {
                targets[i * F + f] = (float)Gauss();
                for (int c = 0; c < 64; c++)
                    for (int t = 0; t < T; t++)
                        x[((long)i * 64 + c) * T + t] += (float)(targets[i * F + f] * spatial[f, c]);
            }
        var val = Enumerable.Range(0, n).Where(i => i % 5 == 0).ToArray();
        var train = Enumerable.Range(0, n).Where(i => i % 5 != 0).ToArray();
        AlignmentSet Take(int[] idx) => new(
            idx.SelectMany(i => x.AsSpan(i * 64 * T, 64 * T).ToArray()).ToArray(), 64, T,
            idx.Select(_ => subjectId).ToArray(), idx.SelectMany(i => targets.AsSpan(i * F, F).ToArray()).ToArray(), F);
        return (Take(train), Take(val));
    }

    private static MegBrainModuleConfig Config(int subjects) => BrainModuleTestData.Small(nSubjects: subjects, nTimes: T, nOutputs: F);

    [Fact]
    public void Loss_drops_and_retrieval_beats_chance_then_a_new_subject_is_reset_tuned()
    {
        var options = new AlignerTrainerOptions { Epochs = 8, BatchSize = 32, Lr = 1e-2, Seed = 1, TopK = 5 };
        TorchRuntime.EnsureLoaded();
        var (train1, val1) = Planted("S001", 0, seed: 10);
        manual_seed(1);
        using var model = MegBrainModuleModel.Create(Config(1));
        var result = new AlignerTrainer(options).Fit(model, train1, val1);
        foreach (var c in result.Curves) output.WriteLine(c.ToString());

        var first = result.Curves[0];
        var best = result.Curves[result.BestEpoch - 1];
        Assert.True(result.Curves[^1].TrainLoss < 0.7 * first.TrainLoss, $"training loss {first.TrainLoss} → {result.Curves[^1].TrainLoss}");
        Assert.True(best.ValTopK > 2.5 * result.ChanceTopK, $"top-{options.TopK} {best.ValTopK} vs chance {result.ChanceTopK}");
        Assert.True(best.ValTop1 > 2.5 * result.ChanceTop1, $"top-1 {best.ValTop1} vs chance {result.ChanceTop1}");
        // The selected state is the one restored: re-scoring the validation windows gives its top-k.
        Assert.Equal(best.ValTopK, Score(model, val1).TopK);

        // A second subject (same planted map, another person's EEG): grow the model, train only its layer and the head.
        var (train2, val2) = Planted("S002", 1, seed: 10);
        manual_seed(2);
        using var grown = MegBrainModuleModel.Create(Config(2));
        grown.CopyFrom(model);
        var frozen = grown.Module.state_dict().Where(kv => !grown.IsHeadParameter(kv.Key) && kv.Key != grown.SubjectLayerName(1))
            .ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        var groups = grown.ResetTuning(1, 1e-2);
        double before = Score(grown, val2).TopK;
        var tuned = new AlignerTrainer(options with { Epochs = 4 }).Fit(grown, train2, val2, groups);
        foreach (var c in tuned.Curves) output.WriteLine(c.ToString());
        Assert.All(frozen, kv => Assert.True(grown.Module.state_dict()[kv.Key].eq(kv.Value).all().item<bool>(), kv.Key));
        Assert.True(tuned.BestValTopK > 2 * tuned.ChanceTopK, $"reset-tuned top-5 {tuned.BestValTopK} (before {before}, chance {tuned.ChanceTopK})");
        foreach (var t in frozen.Values) t.Dispose();
    }

    private static RetrievalMetrics Score(ITorchAligner model, AlignmentSet set) =>
        AlignerTrainer.Retrieval(model.Embed(set.X, set.Subjects), set, 5);

    [Fact]
    public void Retrieval_ranks_among_distinct_targets_and_counts_ties_against_the_true_one()
    {
        // Windows 0 and 3 show one stimulus: three candidates, not four. 0 right; 1 ties targets 0 and 1; 2 prefers
        // target 1; 3 right.
        var set = new AlignmentSet(new float[4], 1, 1, new long[4], [1, 0, 0, 1, -1, 0, 1, 0], 2);
        var r = AlignerTrainer.Retrieval([2, 0, 1, 1, 0, 1, 3, 0], set, 2);
        Assert.Equal(3, r.NCandidates);
        Assert.Equal(2.0 / 4, r.Top1, 1e-12);
        Assert.Equal(3.0 / 4, r.TopK, 1e-12);
    }

    [Fact]
    public void Mismatched_sets_are_refused_naming_the_problem()
    {
        manual_seed(3);
        using var model = MegBrainModuleModel.Create(Config(1));
        var ok = new AlignmentSet(new float[4 * 64 * T], 64, T, new long[4], new float[4 * F], F);
        var trainer = new AlignerTrainer(new AlignerTrainerOptions { Epochs = 1, BatchSize = 2 });
        var e = Assert.Throws<ArgumentException>(() => trainer.Fit(model, ok with { Targets = new float[4 * 4], TargetDim = 4 }, ok));
        Assert.Contains("targets have 4 values, the model embeds into 8", e.Message);
        e = Assert.Throws<ArgumentException>(() => trainer.Fit(model, ok, ok with { Subjects = [0, 0, 1, 0] }));
        Assert.Contains("validation set: subject id 1", e.Message);
        Assert.Throws<ArgumentException>(() => new AlignerTrainer(new AlignerTrainerOptions { BatchSize = 1 }));
    }
}
