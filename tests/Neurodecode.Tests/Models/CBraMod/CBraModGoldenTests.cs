using System.Text.Json;
using Neurodecode.Models.Encoders.CBraMod;
using Neurodecode.Models.Native;
using Neurodecode.Models.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace Neurodecode.Tests.Models.CBraMod;

/// <summary>
/// Every stage against PyTorch 1.13 (Debian's python3-torch) running modules with the reference's module tree
/// (<c>tools/make_cbramod_golden.py</c>): same deterministic weights and input, eval mode. Also checks that our state names and
/// shapes are PyTorch's.
/// </summary>
public class CBraModGoldenTests
{
    private const int B = 2, C = 4, N = 3;
    private static readonly string GoldenFile =
        Path.Combine(TestPaths.Golden, "cbramod", "cbramod_golden.safetensors");

    public CBraModGoldenTests() => TorchRuntime.EnsureLoaded();

    private static int NameHash(string name)
    {
        long h = 0;
        for (int i = 0; i < name.Length; i++) h += (i + 1) * (long)name[i];
        return (int)(h % 10007);
    }

    /// <summary>make_cbramod_golden.py's weight_value.</summary>
    private static float[] WeightValue(string name, long[] shape)
    {
        long n = shape.Aggregate(1L, (a, d) => a * d);
        var values = new float[n];
        int h = NameHash(name);
        for (long i = 0; i < n; i++)
        {
            double wave = Math.Sin(0.7 * i + 0.013 * h);
            values[i] = (float)(name.EndsWith("mask_encoding") ? 0
                : shape.Length >= 2 ? 1.5 * wave / Math.Sqrt(n / shape[0])
                : name.EndsWith(".weight") ? 1.0 + 0.1 * wave
                : 0.1 * wave);
        }
        return values;
    }

    private static void Fill(CBraModModel model) =>
        StrictStateDict.Load(model.Module,
            model.Module.state_dict().Select(kv => new NamedTensor(kv.Key, kv.Value.shape, WeightValue(kv.Key, kv.Value.shape))).ToList(),
            "golden weights");

    private static Tensor Input()
    {
        var x = new float[B * C * N * 200];
        int i = 0;
        for (int b = 0; b < B; b++)
            for (int c = 0; c < C; c++)
                for (int n = 0; n < N; n++)
                    for (int t = 0; t < 200; t++)
                        x[i++] = (float)(0.5 * Math.Sin(0.05 * t * (1 + c) + n + 0.3 * b) + 0.1 * Math.Cos(0.17 * t * (n + 1) + c));
        return tensor(x, [B, C, N, 200]);
    }

    private static Tensor Mask()
    {
        var m = new float[B * C * N];
        int i = 0;
        for (int b = 0; b < B; b++)
            for (int c = 0; c < C; c++)
                for (int n = 0; n < N; n++)
                    m[i++] = (b + c + n) % 3 == 0 ? 1 : 0;
        return tensor(m, [B, C, N]);
    }

    private static (Dictionary<string, NamedTensor> Stages, IReadOnlyDictionary<string, string> Metadata) Golden()
    {
        var (tensors, metadata) = SafeTensorsFile.Read(GoldenFile);
        return (tensors.ToDictionary(t => t.Name), metadata);
    }

    private static void AssertClose(NamedTensor expected, Tensor actual, double tolerance)
    {
        Assert.Equal(expected.Shape, actual.shape);
        float[] got = actual.contiguous().data<float>().ToArray();
        double scale = Math.Max(1, expected.Data.Max(Math.Abs));
        double worst = expected.Data.Zip(got, (e, g) => Math.Abs(e - (double)g)).Max();
        Assert.True(worst <= tolerance * scale, $"{expected.Name}: max |diff| {worst:E2} > {tolerance:E0} x {scale:F2}");
    }

    [Fact]
    public void State_names_and_shapes_equal_PyTorch()
    {
        var (_, metadata) = Golden();
        using var pre = CBraModModel.Create(new CBraModConfig(C, 200, N * 200, 200, NLayers: 2, Head: CBraModHead.Embedding));
        using var fine = CBraModModel.Create(new CBraModConfig(C, 4, N * 200, 200, NLayers: 2));
        foreach (var (model, key) in new[] { (pre, "pretraining_state"), (fine, "fine_tuning_state") })
        {
            var python = JsonSerializer.Deserialize<Dictionary<string, long[]>>(metadata[key])!;
            var ours = model.Module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
            Assert.Equal(python.Keys.Order(StringComparer.Ordinal), ours.Keys.Order(StringComparer.Ordinal));
            foreach (var (name, shape) in python)
                Assert.True(shape.SequenceEqual(ours[name]), $"{name}: PyTorch [{string.Join(", ", shape)}], ours [{string.Join(", ", ours[name])}]");
        }
    }

    [Fact]
    public void Every_stage_equals_PyTorch()
    {
        var (golden, _) = Golden();
        using var model = CBraModModel.Create(new CBraModConfig(C, 200, N * 200, 200, NLayers: 2, Head: CBraModHead.Embedding));
        Fill(model);
        var net = model.Net;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = Input();
        var mask = Mask();

        AssertClose(golden["patch_embedding"], net.PatchEmbedding.forward(x, null), 1e-5);
        AssertClose(golden["patch_embedding_masked"], net.PatchEmbedding.forward(x, mask), 1e-5);
        AssertClose(golden["encoder"], net.Features(x), 1e-5);
        AssertClose(golden["reconstruction"], net.Reconstruct(x), 1e-5);
        AssertClose(golden["reconstruction_masked"], net.Reconstruct(x, mask), 1e-5);
        AssertClose(golden["masked_loss"], MaskedPatchPretraining.MaskedLoss(net, x, mask).reshape(1), 1e-5);

        using var fine = CBraModModel.Create(new CBraModConfig(C, 4, N * 200, 200, NLayers: 2));
        Fill(fine);
        AssertClose(golden["logits_all_patch_reps"], fine.Forward(x.reshape(B, C, N * 200)), 1e-5);
    }
}
