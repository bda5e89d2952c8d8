using Neurodecode.Models.Encoders.CBraMod;
using Neurodecode.Models.Native;
using Neurodecode.Models.Registry;
using Neurodecode.Models.Torch;
using Neurodecode.Models.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Neurodecode.Tests.Models.CBraMod;

/// <summary>Sizes, names, shapes and the parts of the architecture whose order pretrained weights depend on.</summary>
[Collection(nameof(Neurodecode.Tests.Models.Training.TorchRngCollection))]
public class CBraModModelTests
{
    public CBraModModelTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void Reference_pretraining_network_has_4_924_000_parameters()
    {
        using var model = CBraModModel.Create(CBraModConfig.Reference());
        Assert.Equal(4_924_000, model.ParameterCount);
        Assert.Equal(4_923_800, model.TrainableParameterCount);   // mask_encoding (200) is frozen
        Assert.Equal(CBraModConfig.Reference(), ModelRegistry.Get("cbramod").ReferenceConfig());
    }

    [Fact]
    public void PhysioNet_fine_tuning_model_has_46_005_604_parameters()
    {
        using var model = CBraModModel.Create(CBraModConfig.PhysioNetMI());
        Assert.Equal(46_005_604, model.ParameterCount);
        // The reference's multi_lr split, as the training loop builds it.
        var groups = ParameterGroup.BackboneAndHead(model.Module, CBraModModel.IsHeadParameter, backboneLr: 1e-4, headLr: 5e-4);
        Assert.Equal(["backbone", "head"], groups.Select(g => g.Name));
        Assert.Equal(4_883_600, groups[0].Parameters.Sum(p => p.numel()));   // 4,883,800 minus the frozen mask_encoding
        Assert.Equal(41_121_804, groups[1].Parameters.Sum(p => p.numel()));
    }

    [Fact]
    public void State_names_follow_the_reference_module_tree()
    {
        using var pre = CBraModModel.Create(CBraModConfig.Reference());
        var names = pre.Module.state_dict().Keys.ToHashSet();
        string[] expected =
        [
            "patch_embedding.mask_encoding",
            "patch_embedding.positional_encoding.0.weight", "patch_embedding.positional_encoding.0.bias",
            .. new[] { 0, 1, 3, 4, 6, 7 }.SelectMany(i => new[] { $"patch_embedding.proj_in.{i}.weight", $"patch_embedding.proj_in.{i}.bias" }),
            "patch_embedding.spectral_proj.0.weight", "patch_embedding.spectral_proj.0.bias",
            .. Enumerable.Range(0, 12).SelectMany(l => new[] { "self_attn_s", "self_attn_t" }
                    .SelectMany(a => new[] { "in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias" }.Select(p => $"encoder.layers.{l}.{a}.{p}"))
                .Concat(new[] { "linear1", "linear2", "norm1", "norm2" }.SelectMany(m => new[] { $"encoder.layers.{l}.{m}.weight", $"encoder.layers.{l}.{m}.bias" }))),
            "proj_out.0.weight", "proj_out.0.bias",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));

        using var fine = CBraModModel.Create(CBraModTestData.Small());
        var fineNames = fine.Module.state_dict().Keys.ToList();
        Assert.Contains("backbone.encoder.layers.1.self_attn_t.in_proj_weight", fineNames);
        Assert.DoesNotContain(fineNames, n => n.StartsWith("backbone.proj_out"));
        Assert.Equal(["classifier.1.bias", "classifier.1.weight", "classifier.4.bias", "classifier.4.weight", "classifier.7.bias", "classifier.7.weight"],
            fineNames.Where(n => n.StartsWith("classifier.")).Order(StringComparer.Ordinal));

        using var pool = CBraModModel.Create(CBraModTestData.Small(CBraModHead.AvgPool));
        Assert.Equal(["classifier.3.bias", "classifier.3.weight"],
            pool.Module.state_dict().Keys.Where(n => n.StartsWith("classifier.")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Linear_weights_get_kaiming_normal_fan_out_and_attention_in_projections_xavier()
    {
        manual_seed(1);
        using var model = CBraModModel.Create(CBraModConfig.Reference());
        var state = model.Module.state_dict();
        // kaiming normal, fan_out, ReLU gain: std = sqrt(2 / out_features).
        foreach (var (name, outFeatures) in new[] { ("encoder.layers.0.linear1.weight", 800), ("encoder.layers.3.linear2.weight", 200),
                     ("encoder.layers.0.self_attn_s.out_proj.weight", 100), ("patch_embedding.spectral_proj.0.weight", 200), ("proj_out.0.weight", 200) })
        {
            double std = state[name].std().item<float>();
            Assert.InRange(std / Math.Sqrt(2.0 / outFeatures), 0.95, 1.05);
        }
        // xavier uniform on (300, 100): bound sqrt(6 / 400); zero in/out biases.
        var inProj = state["encoder.layers.0.self_attn_t.in_proj_weight"];
        Assert.InRange(inProj.abs().max().item<float>(), 0.9 * Math.Sqrt(6.0 / 400), Math.Sqrt(6.0 / 400));
        Assert.Equal(0f, state["encoder.layers.0.self_attn_t.in_proj_bias"].abs().sum().item<float>());
        Assert.Equal(0f, state["encoder.layers.0.self_attn_t.out_proj.bias"].abs().sum().item<float>());
        Assert.Equal(0f, state["patch_embedding.mask_encoding"].abs().sum().item<float>());
        // GroupNorm as PyTorch: weight 1, bias 0 (TorchSharp 0.107 leaves them uninitialised; PatchEmbedding sets them).
        foreach (int i in new[] { 1, 4, 7 })
        {
            Assert.True(state[$"patch_embedding.proj_in.{i}.weight"].eq(1).all().item<bool>());
            Assert.True(state[$"patch_embedding.proj_in.{i}.bias"].eq(0).all().item<bool>());
        }
        Assert.All(state.Values, t => Assert.True(isfinite(t).all().item<bool>()));
    }

    [Fact]
    public void Forward_shapes_for_reference_and_small_configs()
    {
        using (var reference = CBraModModel.Create(CBraModConfig.PhysioNetMI()))
        {
            using var x = randn(1, 64, 800);
            using var y = reference.Forward(x);
            Assert.Equal([1L, 4], y.shape);
            using var e = reference.Embed(x);
            Assert.Equal([1L, 200], e.shape);
        }
        using (var pre = CBraModModel.Create(CBraModConfig.Reference() with { NTimes = 3 * 200 }))
        {
            using var x = randn(2, 19, 600);
            using var features = pre.Forward(x);
            Assert.Equal([2L, 200], features.shape);
            using var patches = CBraModNet.Patches(x, pre.Config);
            using var reconstruction = pre.Net.Reconstruct(patches);
            Assert.Equal([2L, 19, 3, 200], reconstruction.shape);
        }
        foreach (var head in new[] { CBraModHead.AllPatchReps, CBraModHead.AvgPool })
        {
            using var small = CBraModModel.Create(CBraModTestData.Small(head, nChans: 5, nPatches: 3));
            using var x = randn(3, 5, 600);
            using var y = small.Forward(x);
            Assert.Equal([3L, 4], y.shape);
            Assert.True(isfinite(y).all().item<bool>());
        }
    }

    [Fact]
    public void Forward_on_floats_matches_the_tensor_forward_and_checks_the_length()
    {
        manual_seed(3);
        using var model = CBraModModel.Create(CBraModTestData.Small());
        var windows = new float[2 * 8 * 400];
        var rng = new Random(3);
        for (int i = 0; i < windows.Length; i++) windows[i] = (float)(rng.NextDouble() - 0.5);
        float[] logits = model.Forward(windows, 2);
        Assert.Equal(8, logits.Length);
        using var x = tensor(windows, [2, 8, 400]);
        using var y = model.Forward(x);
        Assert.Equal(y.data<float>().ToArray(), logits);

        var e = Assert.Throws<ArgumentException>(() => model.Forward(windows.AsSpan(0, 8 * 400 + 1), 1));
        Assert.Contains("windows hold 3201 values; batch 1 x n_chans 8 x n_times 400 needs 3200", e.Message);
    }

    [Fact]
    public void Module_takes_windows_or_the_trainers_patches_and_Forward_restores_the_mode()
    {
        manual_seed(8);
        using var model = CBraModModel.Create(CBraModTestData.Small(CBraModHead.AvgPool));
        using var x = randn(2, 8, 400);
        using var patches = x.reshape(2, 8, 2, 200);   // WindowDataset.Batch(indices, patchLen: 200)
        using var a = model.Module.forward(x);
        using var b = model.Module.forward(patches);
        Assert.True(a.equal(b).all().item<bool>());

        model.Train();
        float[] logits = model.Forward(x.data<float>().ToArray(), 2);   // evaluation mode, no dropout
        Assert.True(model.Training);
        Assert.Equal(a.data<float>().ToArray(), logits);
        model.Eval();
    }

    [Fact]
    public void Windows_of_another_shape_are_refused_naming_it()
    {
        using var model = CBraModModel.Create(CBraModTestData.Small());
        using var x = randn(1, 4, 400);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(x));
        Assert.Contains("windows are [1, 4, 400]; this CBraMod takes (batch, n_chans 8, n_times 400)", e.Message);
    }

    [Fact]
    public void Time_conv_output_is_read_channel_major_into_tokens()
    {
        // conv output (B=2, K=25, C·N=3·2, W=8) with value = b·1e5 + k·1e3 + cn·10 + t.
        const int B = 2, K = 25, C = 3, N = 2, W = 8;
        var values = new float[B * K * C * N * W];
        int i = 0;
        for (int b = 0; b < B; b++)
            for (int k = 0; k < K; k++)
                for (int cn = 0; cn < C * N; cn++)
                    for (int t = 0; t < W; t++)
                        values[i++] = b * 100_000 + k * 1000 + cn * 10 + t;
        using var conv = tensor(values, [B, K, C * N, W]);
        using var tokens = PatchEmbedding.TokensFromTimeConv(conv, C, N);
        Assert.Equal([(long)B, C, N, K * W], tokens.shape);
        var got = tokens.data<float>().ToArray();
        for (int b = 0; b < B; b++)
            for (int c = 0; c < C; c++)
                for (int n = 0; n < N; n++)
                    for (int k = 0; k < K; k++)
                        for (int t = 0; t < W; t++)
                        {
                            int index = ((b * C + c) * N + n) * K * W + k * W + t;   // element k·8 + t of token (b, c, n)
                            Assert.Equal(b * 100_000 + k * 1000 + (c * N + n) * 10 + t, got[index]);
                        }
    }

    [Fact]
    public void Spectrum_is_the_rfft_magnitude_divided_by_the_patch_length()
    {
        var patch = new float[200];
        for (int t = 0; t < 200; t++) patch[t] = (float)(0.5 + 2 * Math.Cos(2 * Math.PI * 5 * t / 200.0) + Math.Sin(2 * Math.PI * 30 * t / 200.0));
        using var x = tensor(patch, [1, 1, 1, 200]);
        using var s = PatchEmbedding.Spectrum(x);
        Assert.Equal([1L, 1, 1, 101], s.shape);
        var got = s.data<float>().ToArray();
        for (int k = 0; k < 101; k++)
        {
            double expected = k switch { 0 => 0.5, 5 => 1.0, 30 => 0.5, _ => 0.0 };
            Assert.Equal(expected, got[k], 1e-5);
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 3)]
    [InlineData(19, 7)]
    [InlineData(21, 9)]
    public void Acpe_keeps_the_token_grid_for_odd_sizes(int c, int n)
    {
        var config = CBraModTestData.Small(CBraModHead.Embedding);
        using var pe = new PatchEmbedding(config);
        using var emb = randn(2, c, n, 200);
        using var pos = pe.PositionalEncoding(emb);
        Assert.Equal([2L, c, n, 200], pos.shape);
        using var patches = randn(2, c, n, 200);
        using var tokens = pe.forward(patches, null);
        Assert.Equal([2L, c, n, 200], tokens.shape);
    }

    [Fact]
    public void Masked_patches_enter_as_zeros()
    {
        using var pe = new PatchEmbedding(CBraModTestData.Small(CBraModHead.Embedding));
        pe.eval();
        using var x = randn(2, 4, 3, 200);
        using var mask = zeros(2, 4, 3);
        mask[0, 1, 2] = tensor(1f);
        mask[1, 3, 0] = tensor(1f);
        using var zeroed = x.clone();
        zeroed[0, 1, 2] = zeros(200);
        zeroed[1, 3, 0] = zeros(200);
        using var a = pe.forward(x, mask);
        using var b = pe.forward(zeroed, null);
        Assert.True(allclose(a, b, rtol: 0, atol: 1e-6));
        using var c = pe.forward(x, null);
        Assert.False(allclose(a, c, rtol: 0, atol: 1e-3));
    }

    [Theory]
    [InlineData(1, 25, 49, 25, 24, 200)]   // the first time convolution: width 200 → 8
    [InlineData(25, 25, 3, 1, 1, 8)]       // the second and third
    [InlineData(3, 4, 5, 2, 0, 17)]
    public void RowConv2d_equals_libtorch_conv2d(int cin, int cout, int k, int stride, int pad, int width)
    {
        manual_seed(5);
        using var row = new RowConv2d(cin, cout, k, stride, pad);
        using var x = randn(3, cin, 6, width);
        using var y = row.forward(x);
        for (int b = 0; b < 3; b++)   // one sample at a time: libtorch's single-sample path (not the oneDNN one, see RowConv2d)
        {
            using var xb = x[b].unsqueeze(0);
            using var expected = nn.functional.conv2d(xb, row.Weight, row.Bias, strides: [1, stride], padding: [0, pad]);
            using var got = y[b].unsqueeze(0);
            Assert.Equal(expected.shape, got.shape);
            Assert.True(allclose(expected, got, rtol: 1e-5, atol: 1e-5), $"max diff {(expected - got).abs().max().item<float>()}");
        }
        // PyTorch's Conv2d initialisation: weight and bias within ±1/sqrt(in·k).
        double bound = 1 / Math.Sqrt(cin * k);
        Assert.InRange(row.Weight.abs().max().item<float>(), 0, bound);
        Assert.InRange(row.Bias!.abs().max().item<float>(), 0, bound);
    }

    [Fact]
    public void Patch_embedding_is_repeatable_and_finite()
    {
        // Guards against nondeterministic kernels (libtorch's oneDNN conv returned NaN here now and then).
        using var pe = new PatchEmbedding(CBraModTestData.Small(CBraModHead.Embedding));
        pe.eval();
        using var x = randn(4, 8, 2, 200);
        using var first = pe.forward(x, null);
        Assert.True(isfinite(first).all().item<bool>());
        for (int i = 0; i < 300; i++)
        {
            using var again = pe.forward(x, null);
            Assert.True(again.equal(first).all().item<bool>(), $"run {i} differs");
        }
    }

    [Fact]
    public void Self_attention_equals_TorchSharp_MultiheadAttention_with_the_same_weights()
    {
        manual_seed(7);
        using var ours = new MultiheadSelfAttention(100, 4, dropout: 0.1);
        using var theirs = nn.MultiheadAttention(100, 4, dropout: 0.1);
        ours.eval();
        theirs.eval();
        // Same names, same shapes: the strict loader copies one into the other.
        StrictStateDict.Load(theirs, StrictStateDict.Export(ours), "native MultiheadAttention");
        using var x = randn(6, 9, 100);                 // (batch, sequence, embed)
        using var a = ours.forward(x);
        using var xs = x.transpose(0, 1);               // native: (sequence, batch, embed)
        var (o, w) = theirs.call(xs, xs, xs, need_weights: false);
        using var b = o.transpose(0, 1);
        Assert.True(allclose(a, b, rtol: 1e-5, atol: 1e-5), $"max diff {(a - b).abs().max().item<float>()}");
        o.Dispose();
        w?.Dispose();
    }

    [Fact]
    public void Registry_lists_cbramod_with_its_config_type()
    {
        var entry = ModelRegistry.Get("cbramod");
        Assert.Equal(typeof(CBraModConfig), entry.ConfigType);
        Assert.Equal("cbramod", entry.ReferenceConfig().Model);
        using var model = entry.Create(CBraModTestData.Small());
        Assert.IsAssignableFrom<ITorchModel>(model);
        Assert.Equal(2 * 4, model.Forward(new float[2 * 8 * 400], 2).Length);
    }
}
