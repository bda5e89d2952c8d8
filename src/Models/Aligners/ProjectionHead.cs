using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Neurodecode.Models.Aligners;

/// <summary>
/// One of an aligner's two heads (Benchetrit et al. 2024: a CLIP head and an MSE head on the brain module's latent):
/// LayerNorm → GELU → Linear(in → out). State: <c>layers.0.*</c> (norm), <c>layers.2.*</c> (linear).
/// </summary>
public sealed class ProjectionHead : nn.Module<Tensor, Tensor>
{
    private readonly Sequential layers;

    public ProjectionHead(int inFeatures, int outFeatures) : base(nameof(ProjectionHead))
    {
        layers = nn.Sequential(("0", nn.LayerNorm(inFeatures)), ("1", nn.GELU()), ("2", nn.Linear(inFeatures, outFeatures)));
        RegisterComponents();
    }

    /// <summary>(B, in) → (B, out).</summary>
    public override Tensor forward(Tensor input) => layers.forward(input);

    /// <summary>Parameters: 2·in (norm) + in·out + out.</summary>
    public static long Count(long inFeatures, long outFeatures) => 2 * inFeatures + inFeatures * outFeatures + outFeatures;
}
