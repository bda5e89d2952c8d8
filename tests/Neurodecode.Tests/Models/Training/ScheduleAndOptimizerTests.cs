using Neurodecode.Models.Native;
using Neurodecode.Models.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Neurodecode.Tests.Models.Training;

[Collection(nameof(Neurodecode.Tests.Models.Training.TorchRngCollection))]
public class ScheduleAndOptimizerTests
{
    public ScheduleAndOptimizerTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void Cosine_schedule_hits_its_landmarks()
    {
        var s = new LrSchedule(TotalSteps: 100, EtaMin: 1e-5);
        Assert.Equal(1e-3, s.LearningRate(1e-3, 0));
        Assert.Equal((1e-3 + 1e-5) / 2, s.LearningRate(1e-3, 50), 15);
        Assert.Equal(1e-5, s.LearningRate(1e-3, 100), 15);
        Assert.Equal(1e-5 + (1e-3 - 1e-5) * (1 + Math.Cos(Math.PI * 0.25)) / 2, s.LearningRate(1e-3, 25), 15);
        for (int t = 1; t <= 100; t++)
            Assert.True(s.LearningRate(1e-3, t) < s.LearningRate(1e-3, t - 1));
    }

    [Fact]
    public void Cosine_schedule_equals_torch_CosineAnnealingLR_per_group()
    {
        // TorchSharp's port of torch.optim.lr_scheduler.CosineAnnealingLR, stepped once per batch over two groups
        // with different base rates (CBraMod: backbone 1e-4, head 5e-4, eta_min 1e-6).
        using var a = new Parameter(torch.zeros(3));
        using var b = new Parameter(torch.zeros(2));
        using var opt = new AdamW([new AdamW.ParamGroup([a], lr: 1e-4), new AdamW.ParamGroup([b], lr: 5e-4)]);
        const int tMax = 250;
        var torchSchedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, tMax, eta_min: 1e-6);
        var ours = new LrSchedule(tMax, EtaMin: 1e-6);
        var groups = opt.ParamGroups.ToArray();
        for (int t = 0; t <= tMax; t++)
        {
            Assert.True(Math.Abs(groups[0].LearningRate - ours.LearningRate(1e-4, t)) <= 1e-12 * 1e-4, $"step {t} backbone: torch {groups[0].LearningRate:R}, ours {ours.LearningRate(1e-4, t):R}");
            Assert.True(Math.Abs(groups[1].LearningRate - ours.LearningRate(5e-4, t)) <= 1e-12 * 5e-4, $"step {t} head: torch {groups[1].LearningRate:R}, ours {ours.LearningRate(5e-4, t):R}");
            opt.step();
            torchSchedule.step();
        }
    }

    [Fact]
    public void Warmup_rises_linearly_then_anneals()
    {
        var s = new LrSchedule(TotalSteps: 110, EtaMin: 0, WarmupSteps: 10);
        Assert.Equal(0.1, s.LearningRate(1.0, 0), 15);
        Assert.Equal(0.5, s.LearningRate(1.0, 4), 15);
        Assert.Equal(1.0, s.LearningRate(1.0, 9), 15);
        Assert.Equal(1.0, s.LearningRate(1.0, 10), 15);
        Assert.Equal(0.5, s.LearningRate(1.0, 60), 15);
        Assert.Equal(0.0, s.LearningRate(1.0, 110), 15);
        Assert.Contains("warmup_steps (110)", Assert.Throws<ArgumentException>(() => new LrSchedule(110, 0, 110).Validate()).Message);
    }

    [Fact]
    public void Label_smoothing_cross_entropy_equals_its_definition()
    {
        var logits = new float[] { 1.5f, -0.3f, 0.2f, 2.0f, 0.1f, 0.1f, -1.0f, 0.5f, -2.0f, 3.0f, 0.0f, 1.0f };
        var target = new long[] { 3, 0, 1 };
        const double eps = 0.1;
        using var z = torch.tensor(logits, [3, 4]);
        using var y = torch.tensor(target);
        using var loss = Optimization.CrossEntropy(z, y, eps);

        double want = 0;
        for (int i = 0; i < 3; i++)
        {
            var row = logits.Skip(4 * i).Take(4).Select(v => (double)v).ToArray();
            double lse = Math.Log(row.Sum(v => Math.Exp(v)));
            double nll = lse - row[target[i]];
            double uniform = row.Average(v => lse - v);
            want += (1 - eps) * nll + eps * uniform;
        }
        Assert.Equal(want / 3, loss.item<float>(), 5);
        using var plain = Optimization.CrossEntropy(z, y);
        Assert.NotEqual(plain.item<float>(), loss.item<float>());
    }

    private static nn.Module<Tensor, Tensor> TwoPart()
    {
        torch.manual_seed(0);
        return nn.Sequential(("body", nn.Linear(4, 3)), ("head", nn.Linear(3, 2)));
    }

    [Fact]
    public void AdamW_groups_use_their_own_rates_and_torch_defaults()
    {
        using var model = TwoPart();
        var groups = ParameterGroup.BackboneAndHead(model, n => n.StartsWith("head."), backboneLr: 1e-2, headLr: 1e-1);
        Assert.Equal(["body.weight", "body.bias"], groups[0].Names);
        Assert.Equal(["head.weight", "head.bias"], groups[1].Names);
        using var opt = Optimization.AdamW(model, groups, weightDecay: 0.05);
        Assert.All(opt.ParamGroups, g => Assert.Equal((0.9, 0.999), ((AdamW.ParamGroup)g).Betas));

        var before = model.parameters().Select(p => p.detach().clone()).ToArray();
        var grads = new List<Tensor>();
        foreach (var p in model.parameters())
        {
            p.grad = torch.full_like(p, 0.5);
            grads.Add(p.grad);
        }
        opt.step();
        // First AdamW step: p <- p (1 - lr wd) - lr g / (|g| + eps), with g = 0.5 everywhere.
        var lrs = new[] { 1e-2, 1e-2, 1e-1, 1e-1 };
        var after = model.parameters().ToArray();
        for (int i = 0; i < after.Length; i++)
        {
            using var want = before[i] * (1 - lrs[i] * 0.05) - lrs[i] * 0.5 / (0.5 + 1e-8);
            Assert.True(torch.allclose(after[i], want, rtol: 1e-5, atol: 1e-7), $"parameter {i}");
        }
        foreach (var t in before) t.Dispose();
    }

    [Fact]
    public void Parameter_groups_must_cover_the_model_once()
    {
        using var model = TwoPart();
        var named = model.named_parameters().ToArray();
        var body = named.Where(p => p.name.StartsWith("body.")).ToArray();
        var onlyBody = new ParameterGroup("backbone", body.Select(p => p.name).ToArray(), body.Select(p => p.parameter).ToArray(), 1e-3);
        Assert.Contains("in no group (they would never be updated): head.weight, head.bias",
            Assert.Throws<ArgumentException>(() => Optimization.AdamW(model, [onlyBody], 0.05)).Message);

        var all = ParameterGroup.All(model, 1e-3)[0];
        Assert.Contains("parameter 'body.weight' is in both groups 'backbone' and 'all'",
            Assert.Throws<ArgumentException>(() => Optimization.AdamW(model, [onlyBody, all], 0.05)).Message);

        using var stranger = new Parameter(torch.zeros(7, 2));
        var foreign = all with { Parameters = [.. all.Parameters, stranger] };
        Assert.Contains("tensor (7, 2) that is not a parameter of the model",
            Assert.Throws<ArgumentException>(() => Optimization.AdamW(model, [foreign], 0.05)).Message);

        // Frozen parameters need no group.
        foreach (var p in body) p.parameter.requires_grad = false;
        var head = ParameterGroup.All(model, 1e-3);
        Assert.Equal(["head.weight", "head.bias"], head[0].Names);
        using var opt = Optimization.AdamW(model, head, 0.05);
    }
}
