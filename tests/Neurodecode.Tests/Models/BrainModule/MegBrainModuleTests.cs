using Neurodecode.Ingest.Formats;
using Neurodecode.Models.Aligners;
using Neurodecode.Models.Encoders.BrainModule;
using Neurodecode.Models.Native;
using Neurodecode.Models.Registry;
using Neurodecode.Models.Torch;
using Neurodecode.Models.Training;
using Neurodecode.Tests.Models.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Neurodecode.Tests.Models.BrainModule;

/// <summary>The brain module's architecture, pinned by the released parameter count, its parts checked against NumPy
/// (tools/make_brainmodule_golden.py), subjects, reset-tuning and checkpoints.</summary>
[Collection(nameof(TorchRngCollection))]
public class MegBrainModuleTests
{
    private readonly Xunit.Abstractions.ITestOutputHelper output;

    public MegBrainModuleTests(Xunit.Abstractions.ITestOutputHelper output)
    {
        this.output = output;
        TorchRuntime.EnsureLoaded();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Released_sizes_have_7596754_parameters_plus_72900_per_subject(int subjects)
    {
        var config = MegBrainModuleConfig.Reference() with { NSubjects = subjects, Aggregation = TemporalAggregation.None };
        using var model = MegBrainModuleModel.Create(config);
        Assert.Equal(7_596_754 + 72_900L * subjects, model.ParameterCount);
        Assert.Equal(model.ParameterCount, config.ParameterCount());

        // The visual variant adds Linear(360 → 1) over time and two heads LayerNorm(1024) + Linear(1024 → 1024).
        var visual = config with { Aggregation = TemporalAggregation.Affine };
        using var withHeads = MegBrainModuleModel.Create(visual);
        Assert.Equal(7_596_754 + 72_900L * subjects + 361 + 2 * (2 * 1024 + 1024 * 1024 + 1024), withHeads.ParameterCount);
        Assert.Equal(withHeads.ParameterCount, visual.ParameterCount());
    }

    [Fact]
    public void State_names_follow_brainmagick_and_glus_sit_after_every_second_layer()
    {
        using var model = MegBrainModuleModel.Create(BrainModuleTestData.Small());
        var state = model.Module.state_dict();
        foreach (var name in new[]
                 {
                     "merger.heads", "initial_linear.0.weight", "initial_linear.0.bias", "subject_layers.weights.0",
                     "subject_layers.weights.1", "encoder.sequence.0.0.weight", "encoder.sequence.0.1.running_mean",
                     "encoder.sequence.3.1.weight", "encoder.glus.1.0.weight", "encoder.glus.3.0.bias", "final.0.weight",
                     "final.2.weight", "temporal_aggregation.weight", "clip_head.layers.0.weight", "mse_head.layers.2.bias",
                 })
            Assert.True(state.ContainsKey(name), name);
        Assert.False(state.ContainsKey("encoder.glus.0.0.weight"));
        Assert.Equal([16L, 32], state["merger.heads"].shape);              // 2 · 4² Fourier features
        Assert.Equal([16L, 16, 3], state["encoder.sequence.0.0.weight"].shape);
        Assert.Equal([32L, 16, 3], state["encoder.glus.1.0.weight"].shape);
        Assert.Equal([32L, 8, 1], state["final.2.weight"].shape);          // ConvTranspose1d weight is (in, out, k)
        Assert.Equal([1L, 200], state["temporal_aggregation.weight"].shape);
        Assert.True(state["encoder.sequence.2.1.weight"].eq(1).all().item<bool>());   // BatchNorm starts at 1 and 0
        Assert.True(state["encoder.sequence.2.1.bias"].eq(0).all().item<bool>());
    }

    [Fact]
    public void The_eegmmidb_layout_is_mnes_and_matches_the_edf_channel_order()
    {
        var g = BrainModuleTestData.Golden.GetProperty("layout");
        var layout = SensorLayout.Eegmmidb64;
        Assert.Equal(g.GetProperty("names").EnumerateArray().Select(v => v.GetString()), layout.ChannelNames);
        double[] x = BrainModuleTestData.Doubles(g.GetProperty("x")), y = BrainModuleTestData.Doubles(g.GetProperty("y"));
        for (int c = 0; c < 64; c++)
        {
            Assert.Equal(x[c], layout.X[c], 1e-12);
            Assert.Equal(y[c], layout.Y[c], 1e-12);
        }
        Assert.Equal(0.0, layout.X.Min(), 1e-15);
        Assert.Equal(1.0, layout.Y.Max(), 1e-15);
        // The EDF's own labels ("Fc5.", "Iz..") in its order are the layout's names, dots stripped, case aside.
        using var rec = SignalFormats.OpenRecording(TestPaths.Shared("eegmmidb/S001/S001R04.edf"));
        Assert.Equal(rec.Info.Channels.Select(c => c.Name.Trim('.').ToUpperInvariant()), layout.ChannelNames.Select(n => n.ToUpperInvariant()));
        Assert.Null(SensorLayout.Find("standard_1020"));
    }

    [Fact]
    public void Fourier_features_equal_numpy()
    {
        var g = BrainModuleTestData.Golden.GetProperty("fourier");
        var l = SensorLayout.Eegmmidb64;
        float[] ours = ChannelMerger.FourierFeatures(l.X.Take(3).ToArray(), l.Y.Take(3).ToArray(), 32);
        double[] expected = BrainModuleTestData.Doubles(g.GetProperty("values"));
        Assert.Equal(3 * 2048, ours.Length);
        // float32 storage of values in [-1, 1]: 6e-8 rounding; phases reach 2π·62, computed in double.
        Assert.All(Enumerable.Range(0, ours.Length), i => Assert.Equal(expected[i], ours[i], 1e-6));
        output.WriteLine($"fourier max |diff| {Enumerable.Range(0, ours.Length).Max(i => Math.Abs(expected[i] - ours[i])):E2}");
    }

    [Fact]
    public void Channel_merger_equals_numpy_with_an_unknown_sensor_and_a_dropped_disc()
    {
        var g = BrainModuleTestData.Golden.GetProperty("merger");
        double[] p = BrainModuleTestData.Doubles(g.GetProperty("positions"));
        double[] x = Enumerable.Range(0, 6).Select(c => p[2 * c] < 0 ? double.NaN : p[2 * c]).ToArray();
        double[] y = Enumerable.Range(0, 6).Select(c => p[2 * c + 1] < 0 ? double.NaN : p[2 * c + 1]).ToArray();
        using var merger = new ChannelMerger(x, y, mergerChannels: 5, fourierFreqs: 4, dropoutRadius: 0.3);
        using (no_grad())
            merger.Heads.copy_(tensor(BrainModuleTestData.Pattern(5 * 32, 0.3), [5, 32]) / Math.Sqrt(32));
        using var input = tensor(BrainModuleTestData.Pattern(2 * 6 * 7, 1.1), [2, 6, 7]);
        merger.eval();
        using var plain = merger.forward(input);
        using var banned = merger.Merge(input, (0.2, 0.7));
        // float32 softmax and sums of 6 terms of size ≤ 0.5: rounding ≈ 1e-7; 1e-6 absolute leaves a margin.
        AssertClose(BrainModuleTestData.Doubles(g.GetProperty("out")), plain, 1e-6);
        AssertClose(BrainModuleTestData.Doubles(g.GetProperty("out_banned")), banned, 1e-6);
        Assert.False(plain.allclose(banned));   // the disc removed at least one sensor
    }

    [Fact]
    public void Spatial_dropout_acts_only_in_training_and_follows_the_seed()
    {
        using var merger = new ChannelMerger(SensorLayout.Eegmmidb64.X, SensorLayout.Eegmmidb64.Y, 8, 4, 0.2);
        using var input = tensor(BrainModuleTestData.Windows(1, 20, 3), [1, 64, 20]);
        merger.eval();
        using var clean = merger.forward(input);
        merger.train();
        manual_seed(5);
        using var dropped1 = merger.forward(input);
        manual_seed(5);
        using var dropped2 = merger.forward(input);
        Assert.False(clean.allclose(dropped1));
        Assert.True(dropped1.eq(dropped2).all().item<bool>());
    }

    [Fact]
    public void Each_sample_goes_through_its_own_subjects_matrix_and_unknown_subjects_are_refused()
    {
        manual_seed(1);
        using var layers = new SubjectLayers(4, 3, nSubjects: 3);
        using var x = randn(2, 4, 5);
        using var ids = tensor(new long[] { 2, 0 });
        using var y = layers.forward(x, ids);
        Assert.Equal([2L, 3, 5], y.shape);
        using var y0 = layers[2].t().matmul(x[0]);
        using var y1 = layers[0].t().matmul(x[1]);
        Assert.True(y[0].allclose(y0, 1e-6, 1e-6));
        Assert.True(y[1].allclose(y1, 1e-6, 1e-6));
        var e = Assert.Throws<ArgumentException>(() => layers.forward(x, tensor(new long[] { 0, 3 })));
        Assert.Contains("subject id 3", e.Message);
        Assert.Contains("n_subjects 3", e.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Unfold_convolution_equals_libtorchs_conv1d(int dilation)
    {
        manual_seed(2);
        using var conv = new UnfoldConv1d(5, 6, 3, padding: dilation, dilation: dilation);
        using var x = randn(1, 5, 40);   // one sample: libtorch's path that showed no NaN
        using var ours = conv.forward(x);
        using var reference = nn.functional.conv1d(x, conv.Weight, conv.Bias, padding: dilation, dilation: dilation);
        Assert.Equal(reference.shape, ours.shape);
        Assert.True(ours.allclose(reference, 1e-5, 1e-5));

        using var transposed = new PointwiseConvTranspose1d(5, 7);
        var w = transposed.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using var tOurs = transposed.forward(x);
        using var tRef = nn.functional.conv_transpose1d(x, w["weight"], w["bias"]);
        Assert.True(tOurs.allclose(tRef, 1e-5, 1e-5));
    }

    [Theory]
    [InlineData(TemporalAggregation.Affine, 8)]
    [InlineData(TemporalAggregation.None, 8 * 200)]
    public void Embeddings_have_the_aggregations_size_and_depend_on_the_subject(TemporalAggregation aggregation, int size)
    {
        manual_seed(3);
        using var model = MegBrainModuleModel.Create(BrainModuleTestData.Small(aggregation: aggregation));
        Assert.Equal(size, model.EmbeddingSize);
        float[] x = BrainModuleTestData.Windows(2, 200, 4);
        float[] s0 = model.Embed(x, [0L, 0L]), s1 = model.Embed(x, [1L, 1L]);
        Assert.Equal(2 * size, s0.Length);
        Assert.All(s0, v => Assert.True(float.IsFinite(v)));
        Assert.NotEqual(s0, s1);
        Assert.Equal(s0, model.Forward(x, 2));   // the registry's subject-free path is subject 0
        using var t = model.Net.TimeResolved(tensor(x, [2, 64, 200]), tensor(new long[] { 0, 1 }));
        Assert.Equal([2L, 8, 200], t.shape);
        using (NewDisposeScope())
        {
            var (clip, mse) = model.Align(tensor(x, [2, 64, 200]), tensor(new long[] { 0, 1 }));
            using var loss = new AlignmentLoss();
            Assert.True(float.IsFinite(loss.forward(clip, mse, randn(2, size)).Loss.item<float>()));   // both heads usable
        }
        var e = Assert.Throws<ArgumentException>(() => model.Embed(x, [0L, 2L]));
        Assert.Contains("subject id 2", e.Message);
    }

    [Fact]
    public void Reset_tuning_changes_only_the_new_subjects_layer_and_the_head()
    {
        manual_seed(4);
        using var model = MegBrainModuleModel.Create(BrainModuleTestData.Small(nSubjects: 3));
        var groups = model.ResetTuning(subject: 1, lr: 1e-2);
        Assert.Equal(["subject_layers.weights.1"], groups[0].Names);
        Assert.All(groups[1].Names, n => Assert.True(n.StartsWith("final.") || n.StartsWith("temporal_aggregation.") || n.Contains("_head.")));
        var before = model.Module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        using (var optimizer = Optimization.AdamW(model.Module, groups, weightDecay: 0.1))
        using (NewDisposeScope())
        {
            model.Train();
            var x = tensor(BrainModuleTestData.Windows(4, 200, 6), [4, 64, 200]);
            var (clip, mse) = model.Align(x, tensor(new long[] { 1, 1, 1, 1 }));
            using var loss = new AlignmentLoss();
            loss.forward(clip, mse, randn(4, 8)).Loss.backward();
            optimizer.step();
        }
        var changed = model.Module.state_dict().Where(kv => !kv.Value.eq(before[kv.Key]).all().item<bool>()).Select(kv => kv.Key).ToHashSet();
        foreach (var t in before.Values) t.Dispose();
        var expected = groups.SelectMany(g => g.Names).ToHashSet();
        Assert.Equal(expected.OrderBy(n => n), changed.OrderBy(n => n));   // BatchNorm statistics and other subjects untouched
        model.Unfreeze();
        Assert.All(model.Module.parameters(), p => Assert.True(p.requires_grad));
    }

    [Fact]
    public void A_new_subject_extends_a_trained_model_without_changing_the_others()
    {
        manual_seed(5);
        using var trained = MegBrainModuleModel.Create(BrainModuleTestData.Small(nSubjects: 2));
        manual_seed(6);
        using var grown = MegBrainModuleModel.Create(BrainModuleTestData.Small(nSubjects: 3));
        grown.CopyFrom(trained);
        float[] x = BrainModuleTestData.Windows(2, 200, 7);
        Assert.Equal(trained.Embed(x, [0L, 1L]), grown.Embed(x, [0L, 1L]));
        Assert.NotEqual(grown.Embed(x, [2L, 2L]), grown.Embed(x, [1L, 1L]));
        using var other = MegBrainModuleModel.Create(BrainModuleTestData.Small(nSubjects: 3) with { Hidden = 24 });
        var e = Assert.Throws<ArgumentException>(() => other.CopyFrom(trained));
        Assert.Contains("encoder.sequence.0.0.weight", e.Message);
    }

    [Fact]
    public void Checkpoints_reload_strictly_and_another_architecture_is_refused_naming_the_tensor()
    {
        using var dir = TestPaths.TempDir();
        var config = BrainModuleTestData.Small();
        manual_seed(7);
        using var model = MegBrainModuleModel.Create(config);
        string path = dir.File("m.safetensors");
        model.Save(path);
        using var loaded = (MegBrainModuleModel)ModelRegistry.Get(MegBrainModuleConfig.Name).Load(config, path);
        float[] x = BrainModuleTestData.Windows(2, 200, 8);
        Assert.Equal(model.Embed(x, [1L, 0L]), loaded.Embed(x, [1L, 0L]));

        var e = Assert.Throws<InvalidDataException>(() => MegBrainModuleModel.Load(config with { Hidden = 24 }, path));
        Assert.Contains("encoder.sequence.0.0.weight", e.Message);
        e = Assert.Throws<InvalidDataException>(() => MegBrainModuleModel.Load(config with { NSubjects = 3 }, path));
        Assert.Contains("missing tensors: subject_layers.weights.2", e.Message);
    }

    [Theory]
    [InlineData("{\"n_chans\": 32, \"n_outputs\": 8, \"n_times\": 200, \"sfreq\": 200}", "n_chans (32) does not match layout 'eegmmidb64'")]
    [InlineData("{\"n_chans\": 64, \"n_outputs\": 8, \"n_times\": 200, \"sfreq\": 200, \"layout\": \"vectorview\"}", "layout 'vectorview' is not a known layout")]
    [InlineData("{\"n_chans\": 64, \"n_outputs\": 8, \"n_times\": 200, \"sfreq\": 200, \"kernel\": 4}", "kernel (4)")]
    [InlineData("{\"n_chans\": 64, \"n_outputs\": 8, \"n_times\": 200, \"sfreq\": 200, \"aggregation\": \"mean\"}", "aggregation")]
    [InlineData("{\"n_chans\": 64, \"n_outputs\": 8, \"n_times\": 200, \"sfreq\": 200, \"heads\": 3}", "heads")]
    public void Bad_configs_are_refused_naming_the_value(string json, string named)
    {
        var e = Assert.Throws<ArgumentException>(() => MegBrainModuleConfig.FromJson(json, "cfg.json"));
        Assert.StartsWith("cfg.json", e.Message);
        Assert.Contains(named, e.Message);
        var config = BrainModuleTestData.Small(aggregation: TemporalAggregation.None);
        Assert.Equal(config, MegBrainModuleConfig.FromJson(config.ToJson()));
        Assert.Matches("\"aggregation\": ?\"none\"", config.ToJson());
    }

    private void AssertClose(double[] expected, Tensor actual, double tol)
    {
        float[] a = actual.contiguous().data<float>().ToArray();
        Assert.Equal(expected.Length, a.Length);
        output.WriteLine($"max |diff| {a.Select((v, i) => Math.Abs(v - expected[i])).Max():E2} over {a.Length} values");
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - expected[i]) <= tol, $"[{i}] {a[i]} vs {expected[i]}");
    }
}
