using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Neurodecode.Models.Training;

/// <summary>
/// Parameters trained at one base learning rate (and optionally their own weight decay): CBraMod fine-tunes its
/// backbone at 1e-4 and its head at 5e-4. <see cref="Names"/> are the parameters' names in the model, for errors
/// and the run's record.
/// </summary>
public sealed record ParameterGroup(string Name, IReadOnlyList<string> Names, IReadOnlyList<Parameter> Parameters,
    double Lr, double? WeightDecay = null)
{
    /// <summary>Every trainable parameter of <paramref name="model"/> in one group.</summary>
    public static IReadOnlyList<ParameterGroup> All(nn.Module model, double lr, double? weightDecay = null)
    {
        var named = Trainable(model);
        return [new ParameterGroup("all", named.Select(p => p.Name).ToArray(), named.Select(p => p.Parameter).ToArray(), lr, weightDecay)];
    }

    /// <summary>Two groups, "backbone" and "head", by parameter name (e.g. <c>name =&gt; name.StartsWith("head.")</c>;
    /// CBraMod's <c>multi_lr</c> puts every parameter outside <c>backbone.</c> in the head group).</summary>
    public static IReadOnlyList<ParameterGroup> BackboneAndHead(nn.Module model, Func<string, bool> isHead,
        double backboneLr, double headLr, double? weightDecay = null)
    {
        var named = Trainable(model);
        var head = named.Where(p => isHead(p.Name)).ToArray();
        var backbone = named.Where(p => !isHead(p.Name)).ToArray();
        if (head.Length == 0) throw new ArgumentException("no parameter matched the head predicate");
        if (backbone.Length == 0) throw new ArgumentException("every parameter matched the head predicate; the backbone group is empty");
        return
        [
            new ParameterGroup("backbone", backbone.Select(p => p.Name).ToArray(), backbone.Select(p => p.Parameter).ToArray(), backboneLr, weightDecay),
            new ParameterGroup("head", head.Select(p => p.Name).ToArray(), head.Select(p => p.Parameter).ToArray(), headLr, weightDecay),
        ];
    }

    private static (string Name, Parameter Parameter)[] Trainable(nn.Module model) =>
        model.named_parameters().Where(p => p.parameter.requires_grad).ToArray();
}

/// <summary>The optimiser and loss of the fine-tuning recipe, built the way torch builds them.</summary>
public static class Optimization
{
    /// <summary>
    /// torch.optim.AdamW over the groups (each its own lr, weight decay <paramref name="weightDecay"/> unless the
    /// group sets one), betas (0.9, 0.999), eps 1e-8 — torch's defaults, passed explicitly because TorchSharp's
    /// <c>torch.optim.AdamW(...)</c> factory defaults beta2 to 0.99. Checks that the groups hold every trainable
    /// parameter of <paramref name="model"/> once and nothing else, naming the offenders.
    /// </summary>
    public static AdamW AdamW(nn.Module model, IReadOnlyList<ParameterGroup> groups, double weightDecay,
        double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    {
        CheckCoverage(model, groups);
        var pg = groups.Select(g => new AdamW.ParamGroup(g.Parameters, lr: g.Lr, beta1: beta1, beta2: beta2, eps: eps,
            weight_decay: g.WeightDecay ?? weightDecay)).ToArray();
        return new AdamW(pg, lr: groups[0].Lr, beta1: beta1, beta2: beta2, eps: eps, weight_decay: weightDecay);
    }

    /// <summary>
    /// Cross-entropy on logits with label smoothing ε, as torch's <c>CrossEntropyLoss(label_smoothing=ε)</c>: the
    /// target is (1 − ε) on the true class plus ε / K on every class, averaged over the batch.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor target, double labelSmoothing = 0) =>
        nn.functional.cross_entropy(logits, target, label_smoothing: labelSmoothing);

    /// <summary>Every trainable parameter of the model in exactly one group, and no parameter from elsewhere.</summary>
    internal static void CheckCoverage(nn.Module model, IReadOnlyList<ParameterGroup> groups)
    {
        if (groups.Count == 0) throw new ArgumentException("no parameter groups");
        var names = model.named_parameters().ToDictionary(p => p.parameter.Handle, p => (p.name, p.parameter.requires_grad));
        var owner = new Dictionary<IntPtr, string>();
        foreach (var g in groups)
        {
            if (g.Parameters.Count == 0) throw new ArgumentException($"parameter group '{g.Name}' is empty");
            if (!(g.Lr >= 0)) throw new ArgumentException($"parameter group '{g.Name}': lr ({g.Lr}) must be non-negative");
            foreach (var p in g.Parameters)
            {
                if (!names.TryGetValue(p.Handle, out var info))
                    throw new ArgumentException($"parameter group '{g.Name}' holds a tensor {ShapeOf(p)} that is not a parameter of the model");
                if (owner.TryGetValue(p.Handle, out var other))
                    throw new ArgumentException($"parameter '{info.name}' is in both groups '{other}' and '{g.Name}'");
                owner[p.Handle] = g.Name;
            }
        }
        var missing = names.Where(kv => kv.Value.requires_grad && !owner.ContainsKey(kv.Key)).Select(kv => kv.Value.name).ToArray();
        if (missing.Length > 0)
            throw new ArgumentException($"trainable parameters in no group (they would never be updated): {string.Join(", ", missing)}");
    }

    private static string ShapeOf(Tensor t) => "(" + string.Join(", ", t.shape) + ")";
}
