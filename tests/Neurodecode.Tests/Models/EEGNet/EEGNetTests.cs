using Xunit.Abstractions;
using Neurodecode.Models.Encoders.EEGNet;
using Neurodecode.Models.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Neurodecode.Tests.Models.EEGNet;

[Collection(nameof(Neurodecode.Tests.Models.Training.TorchRngCollection))]
public class EEGNetTests
{
    private readonly ITestOutputHelper _out;

    public EEGNetTests(ITestOutputHelper output)
    {
        _out = output;
        TorchRuntime.EnsureLoaded();
    }

    private static float[] Random(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    [Theory]
    [InlineData(64, 4, 800, "conv", 3732)]     // the guide's reference: PhysioNet-MI windows (4 s at 200 Hz)
    [InlineData(64, 4, 512, "conv", 3156)]
    [InlineData(22, 4, 512, "conv", 2484)]     // braindecode models/summary.csv: EEGNet(n_chans=22, n_outputs=4, n_times=512)
    [InlineData(64, 4, 800, "linear_max_norm", 3732)]
    public void Parameter_count_matches_braindecode(int chans, int outputs, int times, string head, long expected)
    {
        var config = new EEGNetConfig(chans, outputs, times, 128, FinalLayer: head);
        Assert.Equal(expected, config.ParameterCount);
        using var model = new EEGNetModel(config);
        Assert.Equal(expected, model.ParameterCount);
    }

    [Fact]
    public void State_dict_names_and_shapes_follow_braindecode()
    {
        using var model = new EEGNetModel(EEGNetConfig.Reference);
        var shapes = model.Module.state_dict().ToDictionary(p => p.Key, p => string.Join("x", p.Value.shape));
        Assert.Equal("8x1x1x64", shapes["conv_temporal.weight"]);
        Assert.Equal("16x1x64x1", shapes["conv_spatial.weight"]);
        Assert.Equal("16x1x1x16", shapes["conv_separable_depth.weight"]);
        Assert.Equal("16x16x1x1", shapes["conv_separable_point.weight"]);
        Assert.Equal("4x16x1x25", shapes["final_layer.conv_classifier.weight"]);
        Assert.Equal("4", shapes["final_layer.conv_classifier.bias"]);
        Assert.Contains("bnorm_2.running_var", shapes.Keys);
        Assert.Contains("bnorm_temporal.num_batches_tracked", shapes.Keys);
        using var linear = new EEGNetModel(EEGNetConfig.Reference with { FinalLayer = "linear_max_norm" });
        var lshapes = linear.Module.state_dict().ToDictionary(p => p.Key, p => string.Join("x", p.Value.shape));
        Assert.Equal("4x400", lshapes["final_layer.linearconstraint.weight"]);
    }

    [Fact]
    public void Initialisation_follows_braindecode()
    {
        using var model = new EEGNetModel(EEGNetConfig.Reference);
        var sd = model.Module.state_dict();
        Assert.Equal(0f, sd["final_layer.conv_classifier.bias"].abs().max().item<float>());
        Assert.Equal(1f, sd["bnorm_1.weight"].min().item<float>());
        // Xavier-uniform bound for the (16, 1, 64, 1) spatial conv: sqrt(6 / (64 + 16·64)).
        float bound = (float)Math.Sqrt(6.0 / (64 + 16 * 64));
        Assert.True(sd["conv_spatial.weight"].abs().max().item<float>() <= bound);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Forward_gives_batch_by_outputs(int batch)
    {
        var config = EEGNetConfig.Reference;
        using var model = new EEGNetModel(config);
        var y = model.Forward(Random(batch * 64 * 800, batch), batch);
        Assert.Equal(batch * 4, y.Length);
        Assert.All(y, v => Assert.True(float.IsFinite(v)));

        using var linear = new EEGNetModel(config with { NTimes = 512, FinalLayer = "linear_max_norm" });
        using var x = torch.randn(batch, 64, 512);
        using var logits = linear.Module.forward(x);
        Assert.Equal(new long[] { batch, 4 }, logits.shape);
    }

    [Fact]
    public void Forward_names_a_wrong_window_shape()
    {
        using var model = new EEGNetModel(EEGNetConfig.Reference);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(new float[2 * 63 * 800], 2));
        Assert.Contains("n_chans (64)", e.Message);
        using var x = torch.zeros(2, 63, 800);
        var e2 = Assert.Throws<ArgumentException>(() => model.Module.forward(x));
        Assert.Contains("(batch, 64, 800)", e2.Message);
        Assert.Contains("(2, 63, 800)", e2.Message);
    }

    [Fact]
    public void Config_round_trips_through_snake_case_json()
    {
        var config = EEGNetConfig.Reference with { F1 = 4, D = 3, F2 = 12, DropProb = 0.5, FinalLayer = "linear_max_norm", PoolMode = "max" };
        string json = config.ToJson();
        foreach (var key in new[] { "\"n_chans\"", "\"f1\"", "\"d\"", "\"f2\"", "\"kernel_length\"", "\"depthwise_kernel_length\"",
                     "\"pool1_kernel_size\"", "\"pool2_kernel_size\"", "\"drop_prob\"", "\"final_layer\"", "\"conv_spatial_max_norm\"" })
            Assert.Contains(key, json);
        Assert.Equal(config, EEGNetConfig.FromJson(json));
        // Only the signal parameters are required; the rest default to EEGNet-8,2.
        Assert.Equal(EEGNetConfig.Reference, EEGNetConfig.FromJson("""{"n_chans": 64, "n_outputs": 4, "n_times": 800, "sfreq": 200}"""));
    }

    [Theory]
    [InlineData("""{"n_chans": 64, "n_outputs": 4, "n_times": 800, "sfreq": 200, "f3": 1}""", "f3")]
    [InlineData("""{"n_outputs": 4, "n_times": 800, "sfreq": 200}""", "n_chans")]
    [InlineData("""{"n_chans": 0, "n_outputs": 4, "n_times": 800, "sfreq": 200}""", "n_chans (0)")]
    [InlineData("""{"n_chans": 64, "n_outputs": 4, "n_times": 800, "sfreq": 200, "f1": 0}""", "f1 (0)")]
    [InlineData("""{"n_chans": 64, "n_outputs": 4, "n_times": 800, "sfreq": 200, "drop_prob": 1}""", "drop_prob (1)")]
    [InlineData("""{"n_chans": 64, "n_outputs": 4, "n_times": 800, "sfreq": 200, "final_layer": "dense"}""", "final_layer ('dense')")]
    [InlineData("""{"n_chans": 64, "n_outputs": 4, "n_times": 800, "sfreq": 200, "pool_mode": "median"}""", "pool_mode ('median')")]
    [InlineData("""{"n_chans": 64, "n_outputs": 4, "n_times": 20, "sfreq": 200}""", "n_times (20) is too short")]
    [InlineData("""{"n_chans": 64, "n_outputs": 4, "n_times": 800, "sfreq": 200, "conv_spatial_max_norm": 0}""", "conv_spatial_max_norm (0)")]
    [InlineData("""{"n_chans": 64, "n_outputs": 4, "n_times": 800, "sfreq": 200, "kernel_length": "64"}""", "kernel_length")]
    public void Bad_configs_are_named(string json, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => EEGNetConfig.FromJson(json));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Constructing_from_an_invalid_config_names_the_value()
    {
        var e = Assert.Throws<ArgumentException>(() => new EEGNetModel(EEGNetConfig.Reference with { NTimes = 26 }));
        Assert.Contains("n_times (26)", e.Message);
    }

    [Theory]
    [InlineData("conv")]
    [InlineData("linear_max_norm")]
    public void Save_then_load_gives_identical_outputs_in_eval_mode(string head)
    {
        var config = EEGNetConfig.Reference with { NTimes = 512, FinalLayer = head };
        torch.manual_seed(7);
        using var model = new EEGNetModel(config);
        // Move the BatchNorm running statistics away from their initial values so the buffers matter.
        model.Train();
        using (torch.no_grad())
        using (var warm = torch.randn(8, 64, 512) * 3 + 1)
            model.Module.forward(warm).Dispose();
        model.Eval();
        var x = Random(5 * 64 * 512, 3);
        var before = model.Forward(x, 5);

        using var tmp = TestPaths.TempDir();
        string path = tmp.File("eegnet.safetensors");
        model.Save(path);
        var header = SafeTensorsCheckpoint.ReadHeader(path);
        Assert.Equal("eegnet", header.Model);
        Assert.Equal(config, EEGNetConfig.FromJson(header.ConfigJson!));

        torch.manual_seed(99);
        using var loaded = EEGNetModel.Load(config, path);
        Assert.Equal(before, loaded.Forward(x, 5));
        Assert.Equal(model.Module.state_dict()["bnorm_1.running_mean"].data<float>().ToArray(),
            loaded.Module.state_dict()["bnorm_1.running_mean"].data<float>().ToArray());
    }

    [Fact]
    public void Load_names_mis_shaped_missing_and_unexpected_tensors()
    {
        using var tmp = TestPaths.TempDir();
        string path = tmp.File("eegnet22.safetensors");
        using (var small = new EEGNetModel(EEGNetConfig.Reference with { NChans = 22 }))
            small.Save(path);
        var e = Assert.Throws<InvalidDataException>(() => EEGNetModel.Load(EEGNetConfig.Reference, path));
        Assert.Contains("mis-shaped tensors: conv_spatial.weight (file F32 [16, 1, 22, 1], model F32 [16, 1, 64, 1])", e.Message);

        string linear = tmp.File("linear.safetensors");
        using (var lin = new EEGNetModel(EEGNetConfig.Reference with { FinalLayer = "linear_max_norm" }))
            lin.Save(linear);
        var e2 = Assert.Throws<InvalidDataException>(() => EEGNetModel.Load(EEGNetConfig.Reference, linear));
        Assert.Contains("missing tensors: final_layer.conv_classifier.weight, final_layer.conv_classifier.bias", e2.Message);
        Assert.Contains("unexpected tensors: final_layer.linearconstraint.weight, final_layer.linearconstraint.bias", e2.Message);
    }

    [Fact]
    public void Load_refuses_another_model_and_non_checkpoints()
    {
        using var tmp = TestPaths.TempDir();
        string path = tmp.File("other.safetensors");
        using (var model = new EEGNetModel(EEGNetConfig.Reference))
            SafeTensorsCheckpoint.Save(model.Module, path, "cbramod", "{}");
        var e = Assert.Throws<InvalidDataException>(() => EEGNetModel.Load(EEGNetConfig.Reference, path));
        Assert.Contains("checkpoint of model 'cbramod', not 'eegnet'", e.Message);

        string junk = tmp.File("junk.bin");
        File.WriteAllBytes(junk, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        var e2 = Assert.Throws<InvalidDataException>(() => EEGNetModel.Load(EEGNetConfig.Reference, junk));
        Assert.Contains("not a safetensors checkpoint", e2.Message);
    }

    [Fact]
    public void Braindecode_names_load_through_the_rename_map()
    {
        using var tmp = TestPaths.TempDir();
        string ours = tmp.File("ours.safetensors"), theirs = tmp.File("braindecode.safetensors");
        using var model = new EEGNetModel(EEGNetConfig.Reference);
        model.Save(ours);
        SafeTensorsTestFiles.RenameTensors(ours, theirs, new Dictionary<string, string>
        {
            ["conv_spatial.weight"] = "conv_spatial.parametrizations.weight.original",
            ["final_layer.conv_classifier.weight"] = "conv_classifier.weight",
        });
        Assert.Contains("conv_spatial.parametrizations.weight.original", SafeTensorsCheckpoint.ReadHeader(theirs).Tensors.Keys);
        var x = Random(2 * 64 * 800, 11);
        using var loaded = EEGNetModel.Load(EEGNetConfig.Reference, theirs);
        Assert.Equal(model.Forward(x, 2), loaded.Forward(x, 2));
    }

    [Fact]
    public void Spatial_filters_are_renormalised_to_max_norm_at_forward_time()
    {
        using var model = new EEGNetModel(EEGNetConfig.Reference);
        var sd = model.Module.state_dict();
        using (torch.no_grad())
        {
            sd["conv_spatial.weight"].mul_(40);  // every filter's norm now > 1
            sd["conv_spatial.weight"][0].mul_(0.001f);  // except the first
        }
        var stored = sd["conv_spatial.weight"].data<float>().ToArray();
        var effective = model.EffectiveSpatialWeights();
        for (int f = 0; f < 16; f++)
        {
            double storedNorm = Math.Sqrt(stored.Skip(f * 64).Take(64).Sum(v => (double)v * v));
            double norm = Math.Sqrt(effective.Skip(f * 64).Take(64).Sum(v => (double)v * v));
            if (storedNorm > 1)
                Assert.Equal(1.0, norm, 5);
            else
                Assert.Equal(storedNorm, norm, 9);  // below the bound: untouched
        }
    }

    [Fact]
    public void Adam_steps_on_real_windows_reduce_the_loss()
    {
        var (all, labels, nCh, nT) = RealWindows.Concat("cbramod-physionet-mi.json",
            RealWindows.Eegmmidb(1, 4), RealWindows.Eegmmidb(1, 8));
        Assert.Equal((64, 800), (nCh, nT));
        Assert.InRange(labels.Length, 20, 40);
        Assert.Equal(new long[] { 0, 1 }, labels.Distinct().Order().ToArray());  // left/right fist of the 4 classes
        // Every other window (both runs, both classes): a full batch of ~15, kept small for 2 shared cores.
        int[] pick = Enumerable.Range(0, labels.Length).Where(i => i % 2 == 0).ToArray();
        int n = pick.Length, size = nCh * nT;
        var x = new float[n * size];
        for (int i = 0; i < n; i++)
            Array.Copy(all, (long)pick[i] * size, x, (long)i * size, size);
        var y = pick.Select(i => labels[i]).ToArray();

        var sw = System.Diagnostics.Stopwatch.StartNew();
        torch.manual_seed(1);
        using var model = new EEGNetModel(EEGNetConfig.Reference);
        model.Train();
        using var optimizer = torch.optim.Adam(model.Module.parameters(), lr: 1e-3);
        using var input = torch.tensor(x, new long[] { n, nCh, nT });
        using var target = torch.tensor(y);
        var losses = new List<float>();
        for (int step = 0; step < 8; step++)
        {
            using var scope = torch.NewDisposeScope();
            optimizer.zero_grad();
            var loss = torch.nn.functional.cross_entropy(model.Module.forward(input), target);
            loss.backward();
            optimizer.step();
            losses.Add(loss.item<float>());
        }
        string trace = string.Join(", ", losses.Select(l => l.ToString("0.###")));
        _out.WriteLine($"{n} windows, {losses.Count} steps in {sw.ElapsedMilliseconds} ms: {trace}");
        Assert.All(losses, l => Assert.True(float.IsFinite(l)));
        Assert.True(losses.TakeLast(3).Average() < 0.85 * losses.Take(3).Average(), $"loss did not fall: {trace}");
        // The constraint holds after the updates.
        var w = model.EffectiveSpatialWeights();
        for (int f = 0; f < 16; f++)
            Assert.True(Math.Sqrt(w.Skip(f * 64).Take(64).Sum(v => (double)v * v)) <= 1 + 1e-5);
    }
}
