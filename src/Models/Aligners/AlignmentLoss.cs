using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Neurodecode.Models.Aligners;

/// <summary>
/// The aligners' objective: <c>w_clip · InfoNCE + w_mse · MSE</c> (Benchetrit et al. 2024 use 0.75 and 0.25).
/// InfoNCE is CLIP's: cosine similarities of the CLIP-head embeddings with the batch's targets, times a learnable
/// temperature exp(<c>logit_scale</c>) (initialised to 1/0.07, clamped at 100 as CLIP does), cross-entropy with the
/// matching pairs on the diagonal, averaged over both directions (brain → target and target → brain). MSE is the mean
/// squared difference of the MSE-head embedding and the target over all values.
/// </summary>
public sealed class AlignmentLoss : nn.Module
{
    /// <summary>CLIP's ceiling on the temperature's inverse: exp(logit_scale) ≤ 100.</summary>
    public static readonly double MaxLogitScale = Math.Log(100);

    private readonly Parameter logit_scale;

    public AlignmentLoss(double clipWeight = 0.75, double mseWeight = 0.25, double initialTemperature = 0.07) : base(nameof(AlignmentLoss))
    {
        if (!(clipWeight >= 0) || !(mseWeight >= 0) || clipWeight + mseWeight == 0)
            throw new ArgumentException($"loss weights w_clip ({clipWeight}) and w_mse ({mseWeight}) must be non-negative and not both 0");
        if (!(initialTemperature > 0)) throw new ArgumentException($"temperature ({initialTemperature}) must be positive");
        ClipWeight = clipWeight;
        MseWeight = mseWeight;
        logit_scale = new Parameter(tensor((float)Math.Log(1 / initialTemperature)));
        RegisterComponents();
    }

    public double ClipWeight { get; }
    public double MseWeight { get; }

    /// <summary>The learnable log inverse temperature.</summary>
    public Parameter LogitScale => logit_scale;

    /// <summary>The temperature now, 1 / exp(clamped logit_scale).</summary>
    public double Temperature => 1 / Math.Exp(Math.Min(logit_scale.item<float>(), MaxLogitScale));

    /// <summary>Loss, InfoNCE and MSE (0-d tensors) for CLIP-head and MSE-head embeddings and targets, all (B, F).</summary>
    public (Tensor Loss, Tensor InfoNce, Tensor Mse) forward(Tensor clip, Tensor mse, Tensor target)
    {
        if (clip.dim() != 2 || !clip.shape.SequenceEqual(target.shape) || !mse.shape.SequenceEqual(target.shape))
            throw new ArgumentException(
                $"embeddings [{string.Join(", ", clip.shape)}] and [{string.Join(", ", mse.shape)}] do not match the targets [{string.Join(", ", target.shape)}]");
        using var scope = NewDisposeScope();
        var infoNce = InfoNce(clip, target);
        var squared = nn.functional.mse_loss(mse, target);
        var loss = infoNce * ClipWeight + squared * MseWeight;
        return (loss.MoveToOuterDisposeScope(), infoNce.MoveToOuterDisposeScope(), squared.MoveToOuterDisposeScope());
    }

    /// <summary>CLIP's symmetric InfoNCE of (B, F) embeddings against (B, F) targets.</summary>
    public Tensor InfoNce(Tensor clip, Tensor target)
    {
        using var scope = NewDisposeScope();
        var logits = Logits(clip, target);
        var labels = arange(clip.shape[0], dtype: ScalarType.Int64);
        var loss = (nn.functional.cross_entropy(logits, labels) + nn.functional.cross_entropy(logits.t(), labels)) / 2;
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>exp(logit_scale) · cos(clip_i, target_j), (B, B).</summary>
    public Tensor Logits(Tensor clip, Tensor target)
    {
        using var scope = NewDisposeScope();
        var a = nn.functional.normalize(clip, p: 2, dim: 1);
        var b = nn.functional.normalize(target, p: 2, dim: 1);
        var scale = logit_scale.clamp(max: MaxLogitScale).exp();
        return (a.matmul(b.t()) * scale).MoveToOuterDisposeScope();
    }
}
