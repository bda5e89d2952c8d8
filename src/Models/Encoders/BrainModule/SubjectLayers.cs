using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Neurodecode.Models.Encoders.BrainModule;

/// <summary>
/// One linear map of the channels per subject, no bias (brainmagick's <c>SubjectLayers</c>): sample b is multiplied
/// by the matrix of its subject. Each subject's matrix is its own parameter (<c>weights.0</c>, <c>weights.1</c> …,
/// (in, out)) rather than one (subjects, in, out) tensor, so reset-tuning can train one subject's matrix while weight
/// decay and the optimiser leave the others untouched. Initialised randn/√in, or the identity (scaled likewise in
/// brainmagick; here exactly the identity, so a pretrained encoder behind it first sees its own channels).
/// </summary>
public sealed class SubjectLayers : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly ParameterList weights;

    public SubjectLayers(int inChannels, int outChannels, int nSubjects, bool identity = false) : base(nameof(SubjectLayers))
    {
        if (identity && inChannels != outChannels) throw new ArgumentException("an identity subject layer needs as many outputs as inputs");
        InChannels = inChannels;
        OutChannels = outChannels;
        weights = new ParameterList();
        for (int s = 0; s < nSubjects; s++)
            weights.Add(new Parameter(identity ? eye(inChannels) : randn(inChannels, outChannels).div_(Math.Sqrt(inChannels))));
        RegisterComponents();
    }

    public int InChannels { get; }
    public int OutChannels { get; }
    public int NSubjects => weights.Count;

    /// <summary>The matrix of subject <paramref name="subject"/> (in, out).</summary>
    public Parameter this[int subject] => weights[subject];

    /// <summary>The state name of subject <paramref name="subject"/>'s matrix, relative to this module.</summary>
    public static string WeightName(int subject) => $"weights.{subject}";

    /// <summary>(B, in, T) and subject ids (B) int64 → (B, out, T): y_b = W_{s_b}ᵀ x_b.</summary>
    public override Tensor forward(Tensor input, Tensor subjects)
    {
        if (input.dim() != 3 || input.shape[1] != InChannels)
            throw new ArgumentException($"subject layers expect (batch, {InChannels}, time), got [{string.Join(", ", input.shape)}]");
        long[] ids = subjects.cpu().to_type(ScalarType.Int64).data<long>().ToArray();
        if (ids.Length != input.shape[0])
            throw new ArgumentException($"{ids.Length} subject ids for a batch of {input.shape[0]}");
        foreach (long s in ids)
            if (s < 0 || s >= NSubjects)
                throw new ArgumentException($"subject id {s} is outside 0 .. {NSubjects - 1} (n_subjects {NSubjects})");
        using var scope = NewDisposeScope();
        var w = stack(ids.Select(s => (Tensor)weights[(int)s]).ToArray());   // (B, in, out)
        return w.transpose(1, 2).bmm(input).MoveToOuterDisposeScope();
    }
}
