using System.Text.Json.Serialization;
using Neurodecode.Models.Encoders.CBraMod;
using Neurodecode.Models.Registry;

namespace Neurodecode.Models.Aligners;

/// <summary>
/// The transformer aligner: an optional subject layer on the input channels, the CBraMod backbone (sizes as
/// <see cref="CBraModConfig"/>, defaults the reference's), its features averaged over channels and patches, and the
/// CLIP and MSE projection heads (d_model → F).
/// </summary>
/// <param name="NOutputs">Embedding size F of the targets.</param>
/// <param name="NSubjects">Subjects, one channel-mixing matrix each (initialised to the identity, so a pretrained
/// backbone first sees its own channels).</param>
/// <param name="SubjectLayer">Whether there are subject layers; without them n_subjects must be 1.</param>
public sealed record CBraModAlignerConfig(
    int NChans,
    int NOutputs,
    int NTimes,
    double Sfreq,
    int NSubjects = 1,
    bool SubjectLayer = true,
    int PatchLen = 200,
    int DModel = 200,
    int NLayers = 12,
    int NHeads = 8,
    int DimFeedforward = 800,
    double Dropout = 0.1) : ModelConfig(NChans, NOutputs, NTimes, Sfreq)
{
    public const string Name = "cbramod_aligner";

    [JsonIgnore] public override string Model => Name;

    /// <summary>The backbone's config (CBraMod with its embedding output).</summary>
    public CBraModConfig Backbone() => new(NChans, DModel, NTimes, Sfreq, PatchLen: PatchLen, DModel: DModel, NLayers: NLayers,
        NHeads: NHeads, DimFeedforward: DimFeedforward, Dropout: Dropout, Head: CBraModHead.Embedding);

    /// <summary>The reference backbone on PhysioNet-MI windows (64 channels, 4 s at 200 Hz), F = 1024, one subject.</summary>
    public static CBraModAlignerConfig Reference() => new(NChans: 64, NOutputs: 1024, NTimes: 800, Sfreq: 200);

    public override void Validate()
    {
        base.Validate();
        if (NSubjects < 1) throw new ArgumentException($"n_subjects ({NSubjects}) must be at least 1");
        if (!SubjectLayer && NSubjects != 1)
            throw new ArgumentException($"n_subjects ({NSubjects}) needs subject_layer true (without subject layers the model serves one subject)");
        Backbone().Validate();
    }

    public static CBraModAlignerConfig FromJson(string json, string source = "cbramod_aligner config") => Parse<CBraModAlignerConfig>(json, source);
}
