using Neurodecode.Models.Aligners;
using Neurodecode.Models.Encoders.CBraMod;
using Neurodecode.Models.Native;
using Neurodecode.Models.Training;
using Neurodecode.Tests.Models.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Neurodecode.Tests.Models.BrainModule;

/// <summary>The transformer aligner: CBraMod backbone + identity-initialised subject layers + projection heads.</summary>
[Collection(nameof(TorchRngCollection))]
public class CBraModAlignerTests
{
    public CBraModAlignerTests() => TorchRuntime.EnsureLoaded();

    private static CBraModAlignerConfig Small(int subjects = 2, bool subjectLayer = true) =>
        new(NChans: 8, NOutputs: 16, NTimes: 400, Sfreq: 200, NSubjects: subjects, SubjectLayer: subjectLayer, NLayers: 2, DimFeedforward: 200);

    private static float[] Windows(int batch, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, batch * 8 * 400).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    [Fact]
    public void Starts_from_a_cbramod_pretraining_checkpoint_and_identity_subject_layers_leave_its_features_alone()
    {
        using var dir = TestPaths.TempDir();
        manual_seed(1);
        using var pretrained = CBraModModel.Create(new CBraModConfig(8, 200, 400, 200, NLayers: 2, DimFeedforward: 200, Head: CBraModHead.Embedding));
        pretrained.Save(dir.File("pretrained.safetensors"));
        manual_seed(2);
        using var aligner = CBraModAlignerModel.Create(Small());
        aligner.LoadBackbone(dir.File("pretrained.safetensors"));
        float[] x = Windows(3, 3);
        using (no_grad())
        using (var xt = tensor(x, [3, 8, 400]))
        using (var ours = aligner.Net.Backbone.forward(xt))
            Assert.Equal(pretrained.Embed(x, 3), ours.data<float>().ToArray());

        // Subject layers start as the identity: every subject gives the same embedding until trained.
        Assert.Equal(aligner.Embed(x, [0L, 0L, 0L]), aligner.Embed(x, [1L, 1L, 1L]));
        Assert.Equal(3 * 16, aligner.Forward(x, 3).Length);

        var e = Assert.Throws<InvalidDataException>(() =>
            CBraModAlignerModel.Create(Small() with { DimFeedforward = 100 }).LoadBackbone(dir.File("pretrained.safetensors")));
        Assert.Contains("backbone.encoder.layers.0.linear1.weight", e.Message);
    }

    [Fact]
    public void Reset_tuning_trains_only_the_subjects_layer_and_the_heads()
    {
        manual_seed(4);
        using var model = CBraModAlignerModel.Create(Small(subjects: 3));
        var groups = model.ResetTuning(2, 1e-3);
        Assert.Equal(["subject_layers.weights.2"], groups[0].Names);
        Assert.All(groups[1].Names, n => Assert.True(n.StartsWith("clip_head.") || n.StartsWith("mse_head."), n));
        var before = model.Module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        using (var optimizer = Optimization.AdamW(model.Module, groups, weightDecay: 0.05))
        using (NewDisposeScope())
        {
            model.Train();
            Assert.False(model.Net.Backbone.training);   // frozen backbone: no dropout
            var (clip, mse) = model.Align(tensor(Windows(4, 5), [4, 8, 400]), tensor(new long[] { 2, 2, 2, 2 }));
            using var loss = new AlignmentLoss();
            loss.forward(clip, mse, randn(4, 16)).Loss.backward();
            optimizer.step();
        }
        var changed = model.Module.state_dict().Where(kv => !kv.Value.eq(before[kv.Key]).all().item<bool>()).Select(kv => kv.Key).OrderBy(n => n);
        Assert.Equal(groups.SelectMany(g => g.Names).OrderBy(n => n), changed);
        foreach (var t in before.Values) t.Dispose();
    }

    [Fact]
    public void Without_subject_layers_it_serves_one_subject()
    {
        var e = Assert.Throws<ArgumentException>(() => CBraModAlignerConfig.FromJson(
            "{\"n_chans\": 8, \"n_outputs\": 16, \"n_times\": 400, \"sfreq\": 200, \"n_subjects\": 2, \"subject_layer\": false}", "a.json"));
        Assert.Contains("n_subjects (2) needs subject_layer true", e.Message);
        using var model = CBraModAlignerModel.Create(Small(subjects: 1, subjectLayer: false));
        Assert.Throws<InvalidOperationException>(() => model.ResetTuning(0, 1e-3));
        Assert.Equal(16, model.Embed(Windows(1, 6), [0L]).Length);
    }
}
