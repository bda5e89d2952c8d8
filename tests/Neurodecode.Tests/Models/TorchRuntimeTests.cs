using System.Runtime.InteropServices;
using Neurodecode.Models.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Neurodecode.Tests.Models;

[Collection(nameof(Neurodecode.Tests.Models.Training.TorchRngCollection))]
public class TorchRuntimeTests
{
    public TorchRuntimeTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void Output_copy_of_the_library_is_loadable_by_this_host()
    {
        string lib = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        bool hostIsNew = NativeLibrary.TryLoad("libstdc++.so.6", out var h) && NativeLibrary.TryGetExport(h, LibTorchSharpPatch.MissingSymbol, out _);
        // On an old libstdc++ (Debian 12) the test project's own copy must have been patched.
        if (!hostIsNew)
            Assert.False(LibTorchSharpPatch.NeedsPatch(File.ReadAllBytes(lib)));
        Assert.Equal(Environment.ProcessorCount, torch.get_num_threads());
    }

    [Fact]
    public void EnsureLoaded_is_safe_to_call_concurrently()
    {
        Parallel.For(0, 8, _ => TorchRuntime.EnsureLoaded());
        using var t = torch.ones(3);
        Assert.Equal(3f, t.sum().item<float>());
    }

    [Fact]
    public void Basic_tensor_math_works()
    {
        using var a = torch.arange(6, dtype: ScalarType.Float32).reshape(2, 3);
        using var b = torch.ones(3, 2);
        using var c = a.matmul(b);
        Assert.Equal(new long[] { 2, 2 }, c.shape);
        Assert.Equal(new float[] { 3, 3, 12, 12 }, c.data<float>().ToArray());
    }

    [Fact]
    public void Transformer_layer_runs_forward_and_backward()
    {
        torch.manual_seed(42);
        using var layer = torch.nn.TransformerEncoderLayer(d_model: 16, nhead: 2, dim_feedforward: 32, dropout: 0.0);
        using var x = torch.randn(5, 3, 16);  // (sequence, batch, features)

        using var y = layer.forward(x);
        Assert.Equal(new long[] { 5, 3, 16 }, y.shape);
        Assert.True(torch.isfinite(y).all().item<bool>());

        using var loss = y.pow(2).mean();
        loss.backward();
        var grads = layer.parameters().Select(p => p.grad).ToList();
        Assert.NotEmpty(grads);
        Assert.All(grads, g =>
        {
            Assert.NotNull(g);
            Assert.True(torch.isfinite(g!).all().item<bool>());
        });
        Assert.Contains(grads, g => g!.abs().sum().item<float>() > 0);
    }
}
