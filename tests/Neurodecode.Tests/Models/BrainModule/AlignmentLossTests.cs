using Neurodecode.Models.Aligners;
using Neurodecode.Models.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Neurodecode.Tests.Models.BrainModule;

/// <summary>InfoNCE + MSE against the NumPy computation of tools/make_brainmodule_golden.py, and the temperature.</summary>
public class AlignmentLossTests
{
    private readonly Xunit.Abstractions.ITestOutputHelper output;

    public AlignmentLossTests(Xunit.Abstractions.ITestOutputHelper output)
    {
        this.output = output;
        TorchRuntime.EnsureLoaded();
    }

    [Fact]
    public void InfoNce_and_mse_equal_numpy()
    {
        var g = BrainModuleTestData.Golden.GetProperty("clip_loss");
        int b = g.GetProperty("batch").GetInt32(), d = g.GetProperty("dim").GetInt32();
        float[] predV = BrainModuleTestData.Pattern(b * d, g.GetProperty("pred_seed").GetDouble());
        float[] baseT = BrainModuleTestData.Pattern(b * d, g.GetProperty("target_seed").GetDouble());
        double plus = g.GetProperty("target_plus_pred").GetDouble();
        using var pred = tensor(predV, [b, d]);
        using var target = tensor(baseT.Select((v, i) => (float)(v + plus * predV[i])).ToArray(), [b, d]);
        using var msePred = tensor(BrainModuleTestData.Pattern(b * d, g.GetProperty("mse_pred_seed").GetDouble()), [b, d]);
        using var loss = new AlignmentLoss(g.GetProperty("w_clip").GetDouble(), g.GetProperty("w_mse").GetDouble());
        Assert.Equal(0.07, loss.Temperature, 1e-7);                      // CLIP's initial temperature
        Assert.Equal(g.GetProperty("logit_scale").GetDouble(), loss.LogitScale.item<float>(), 1e-6);
        var (total, infoNce, mse) = loss.forward(pred, msePred, target);
        output.WriteLine($"InfoNCE {infoNce.item<float>()} vs {g.GetProperty("infonce").GetDouble()}, MSE {mse.item<float>()} vs {g.GetProperty("mse").GetDouble()}, loss {total.item<float>()} vs {g.GetProperty("loss").GetDouble()}");
        // float32 logits up to 1/0.07 ≈ 14.3: relative rounding of the log-sum-exp ≈ 1e-7; 1e-6 relative holds.
        Assert.Equal(g.GetProperty("infonce").GetDouble(), infoNce.item<float>(), 1e-6 * g.GetProperty("infonce").GetDouble());
        Assert.Equal(g.GetProperty("mse").GetDouble(), mse.item<float>(), 1e-6 * g.GetProperty("mse").GetDouble());
        Assert.Equal(g.GetProperty("loss").GetDouble(), total.item<float>(), 1e-6 * g.GetProperty("loss").GetDouble());
    }

    [Fact]
    public void The_temperature_is_learnable_and_clamped_at_one_hundredth()
    {
        using var loss = new AlignmentLoss();
        using var a = randn(4, 6);
        var (total, _, _) = loss.forward(a, a, a + 0.1 * randn(4, 6));
        total.backward();
        Assert.NotEqual(0f, loss.LogitScale.grad!.item<float>());
        using (no_grad()) loss.LogitScale.fill_(10.0);
        Assert.Equal(0.01, loss.Temperature, 1e-9);
        using var logits = loss.Logits(a, a);
        Assert.Equal(100.0, logits[0, 0].item<float>(), 1e-4);          // cos = 1 times the ceiling 100
        Assert.Throws<ArgumentException>(() => new AlignmentLoss(-1, 1));
        var e = Assert.Throws<ArgumentException>(() => loss.forward(a, a, randn(4, 5)));
        Assert.Contains("do not match the targets [4, 5]", e.Message);
    }
}
