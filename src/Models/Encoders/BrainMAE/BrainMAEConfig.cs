using System.Text.Json;
using System.Text.Json.Serialization;
using Neurodecode.Models.Registry;

namespace Neurodecode.Models.Encoders.BrainMAE;

/// <summary>What sits on the encoder's pooled embedding. JSON: snake_case strings.</summary>
[JsonConverter(typeof(BrainMAEHeadJsonConverter))]
public enum BrainMAEHead
{
    /// <summary>Fine-tuning: pooled embedding (mean over regions and segments) → Dropout → Linear(d_model → n_outputs).</summary>
    Classification,

    /// <summary>The pretraining network: the output is the pooled embedding (n_outputs = d_model) and the module
    /// keeps the segment decoder that masked-segment pretraining trains.</summary>
    Embedding,
}

/// <summary><c>"classification"</c>, <c>"embedding"</c>; numbers refused.</summary>
public sealed class BrainMAEHeadJsonConverter() : JsonStringEnumConverter<BrainMAEHead>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false);

/// <summary>
/// A BrainMAE-style region-aware masked autoencoder on ROI time series (after Yang et al., arXiv 2406.17086; see the
/// folder README for which choices are the paper's and which are ours). A window of n_times volumes of n_chans
/// regions is cut into segments of segment_len volumes; each (region, segment) is one token.
/// </summary>
/// <param name="NChans">Regions of interest R (CC200: 200).</param>
/// <param name="NOutputs">Classes (logits), or d_model for <see cref="BrainMAEHead.Embedding"/>.</param>
/// <param name="NTimes">Volumes per window: a multiple of the segment length, at least two segments.</param>
/// <param name="Sfreq">1 / TR in Hz (ABIDE .1D tables carry no TR and are read at 1 Hz).</param>
/// <param name="SegmentLen">Volumes per segment; null = the paper's τ = 15 s at this rate, round(15 · sfreq).</param>
/// <param name="DModel">Token size.</param>
/// <param name="NHeads">Attention heads in every graph and temporal layer.</param>
/// <param name="GraphLayers">Embedding-informed graph-attention blocks among regions within a segment (SG-TSE: 3).</param>
/// <param name="TemporalLayers">Transformer layers over the segments of each region.</param>
/// <param name="DimFeedforward">Hidden size of every layer's feed-forward block.</param>
/// <param name="MaskRatio">Share of each region's segments masked in pretraining (rounded, at least one masked and one visible).</param>
/// <param name="MaskedWeight">λ: pretraining loss = λ·MSE(masked segments) + (1 − λ)·MSE(visible segments).</param>
/// <param name="Dropout">Dropout on attention weights, residual branches, feed-forward blocks and before the head.</param>
/// <param name="Head"><c>classification</c> (default) or <c>embedding</c>.</param>
public sealed record BrainMAEConfig(
    int NChans,
    int NOutputs,
    int NTimes,
    double Sfreq,
    int? SegmentLen = null,
    int DModel = 128,
    int NHeads = 4,
    int GraphLayers = 3,
    int TemporalLayers = 2,
    int DimFeedforward = 256,
    double MaskRatio = 0.5,
    double MaskedWeight = 0.75,
    double Dropout = 0.1,
    BrainMAEHead Head = BrainMAEHead.Classification) : ModelConfig(NChans, NOutputs, NTimes, Sfreq)
{
    public const string Name = "brainmae";

    /// <summary>The paper's segment duration τ in seconds [secondary source].</summary>
    public const double SegmentSeconds = 15.0;

    [JsonIgnore] public override string Model => Name;

    /// <summary>Volumes per segment: <see cref="SegmentLen"/>, or round(15 s · sfreq) (at least 1).</summary>
    [JsonIgnore]
    public int SegmentVolumes => SegmentLen ?? Math.Max(1, (int)Math.Round(SegmentSeconds * Sfreq, MidpointRounding.AwayFromZero));

    /// <summary>Segments per window S = n_times / segment length.</summary>
    [JsonIgnore] public int NSegments => SegmentVolumes > 0 ? NTimes / SegmentVolumes : 0;

    /// <summary>Segments masked per region in pretraining: round(mask_ratio · S), kept within 1 .. S − 1 so every
    /// region has a masked segment to reconstruct and a visible one for the baselines.</summary>
    [JsonIgnore]
    public int MaskedSegments => Math.Clamp((int)Math.Round(MaskRatio * NSegments, MidpointRounding.AwayFromZero), 1, Math.Max(1, NSegments - 1));

    /// <summary>The reference configuration (ours; the paper's sizes are not verified): Schaefer-100 regions at HCP's
    /// TR 0.72 s, so τ = 15 s is 21 volumes, 8 segments per window; the embedding head (the pretraining network).</summary>
    public static BrainMAEConfig Reference() =>
        new(NChans: 100, NOutputs: 128, NTimes: 8 * 21, Sfreq: 1 / 0.72, Head: BrainMAEHead.Embedding);

    public override void Validate()
    {
        base.Validate();
        if (SegmentLen is int s && s < 1) throw new ArgumentException($"segment_len ({s}) must be at least 1");
        int len = SegmentVolumes;
        if (NTimes % len != 0)
            throw new ArgumentException($"n_times ({NTimes}) is not a multiple of segment_len ({len}{(SegmentLen is null ? $" = round(15 s x sfreq {Sfreq})" : "")})");
        if (NTimes / len < 2)
            throw new ArgumentException($"n_times ({NTimes}) holds {NTimes / len} segment of {len} volumes; masked autoencoding needs at least 2");
        if (DModel < 1) throw new ArgumentException($"d_model ({DModel}) must be at least 1");
        if (NHeads < 1 || DModel % NHeads != 0) throw new ArgumentException($"d_model ({DModel}) is not divisible by n_heads ({NHeads})");
        if (GraphLayers < 0) throw new ArgumentException($"graph_layers ({GraphLayers}) must not be negative");
        if (GraphLayers > 0 && NChans < 2)
            throw new ArgumentException($"n_chans ({NChans}): graph attention without self-loops needs at least 2 regions");
        if (TemporalLayers < 0) throw new ArgumentException($"temporal_layers ({TemporalLayers}) must not be negative");
        if (DimFeedforward < 1) throw new ArgumentException($"dim_feedforward ({DimFeedforward}) must be at least 1");
        if (!(MaskRatio > 0 && MaskRatio < 1)) throw new ArgumentException($"mask_ratio ({MaskRatio}) must be in (0, 1)");
        if (!(MaskedWeight >= 0 && MaskedWeight <= 1)) throw new ArgumentException($"masked_weight ({MaskedWeight}) must be in [0, 1]");
        if (!(Dropout >= 0 && Dropout < 1)) throw new ArgumentException($"dropout ({Dropout}) must be in [0, 1)");
        if (!Enum.IsDefined(Head)) throw new ArgumentException($"head ({(int)Head}) is not a known head");
        if (Head == BrainMAEHead.Embedding && NOutputs != DModel)
            throw new ArgumentException($"n_outputs ({NOutputs}) must equal d_model ({DModel}) for the embedding head (classifiers: head classification)");
    }

    /// <summary>Reads a config (snake_case keys, unknown keys refused) and validates it; errors start with <paramref name="source"/>.</summary>
    public static BrainMAEConfig FromJson(string json, string source = "brainmae config") => Parse<BrainMAEConfig>(json, source);
}
