using System.Text.Json;
using System.Text.Json.Serialization;
using Neurodecode.Models.Registry;
using Neurodecode.Preprocess.Steps;

namespace Neurodecode.Models.Encoders.CBraMod;

/// <summary>What sits on top of the CBraMod backbone's (batch, C, N, d_model) features. JSON: snake_case strings
/// under any serializer options (the train verb reads model configs with the pipeline's options).</summary>
[JsonConverter(typeof(CBraModHeadJsonConverter))]
public enum CBraModHead
{
    /// <summary>
    /// The paper's default fine-tuning head (<c>classifier='all_patch_reps'</c>): flatten C·N·d_model →
    /// Linear(→ N·d_model) → ELU → Dropout → Linear(→ d_model) → ELU → Dropout → Linear(→ n_outputs).
    /// Fixes C and N (the reference builds it as 64·4·200 → 800 → 200 → 4 for PhysioNet-MI).
    /// </summary>
    AllPatchReps,

    /// <summary>The reference's <c>avgpooling_patch_reps</c>: mean over channels and patches, then Linear(d_model → n_outputs).</summary>
    AvgPool,

    /// <summary>No head: the output is the pooled features (mean over channels and patches), n_outputs = d_model.</summary>
    Embedding,
}

/// <summary><c>"all_patch_reps"</c>, <c>"avg_pool"</c>, <c>"embedding"</c>; numbers refused.</summary>
public sealed class CBraModHeadJsonConverter() : JsonStringEnumConverter<CBraModHead>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false);

/// <summary>
/// CBraMod (Wang et al., ICLR 2025): patch embedding (time convolutions + rFFT magnitude), asymmetric conditional
/// positional encoding, pre-LN criss-cross transformer layers (half the features attend over channels, half over
/// patches). Defaults are the reference configuration (<c>wjq-learning/CBraMod</c> <c>models/cbramod.py</c>).
/// </summary>
/// <param name="NChans">EEG channels C. The backbone takes any C; the <c>all_patch_reps</c> head fixes it.</param>
/// <param name="NOutputs">Classes (logits), or d_model for <see cref="CBraModHead.Embedding"/>.</param>
/// <param name="NTimes">Samples per window: N·patch_len (PhysioNet-MI: 800 = 4 one-second patches).</param>
/// <param name="Sfreq">Sampling rate in Hz. The reference works at 200 Hz (patch = 1 s); not enforced.</param>
/// <param name="PatchLen">Samples per patch, default 200. The spectral branch has patch_len/2+1 rFFT bins (101).</param>
/// <param name="DModel">Token size d_model, default 200. Must equal time_conv_channels · time-conv width (25 · 8).</param>
/// <param name="NLayers">Criss-cross layers, default 12.</param>
/// <param name="NHeads">Attention heads in all, default 8: n_heads/2 over channels on d_model/2 features, n_heads/2 over patches on the other half.</param>
/// <param name="DimFeedforward">Hidden size of each layer's feed-forward block, default 800.</param>
/// <param name="Dropout">Dropout everywhere in the backbone (attention weights, residuals, FFN, spectral branch), default 0.1.</param>
/// <param name="AcpeKernelChans">ACPE depthwise kernel along channels, default 19 (odd, so the output keeps its size).</param>
/// <param name="AcpeKernelPatches">ACPE depthwise kernel along patches, default 7 (odd).</param>
/// <param name="TimeConvChannels">Output channels of the three time convolutions, default 25 (reference: fixed).</param>
/// <param name="TimeConvGroups">GroupNorm groups after each time convolution, default 5 (reference: fixed).</param>
/// <param name="Head">Head on the backbone: <c>all_patch_reps</c> (default), <c>avg_pool</c> or <c>embedding</c>.</param>
/// <param name="HeadDropout">Dropout inside the <c>all_patch_reps</c> head (reference <c>--dropout</c>), default 0.1.</param>
public sealed record CBraModConfig(
    int NChans,
    int NOutputs,
    int NTimes,
    double Sfreq,
    int PatchLen = 200,
    int DModel = 200,
    int NLayers = 12,
    int NHeads = 8,
    int DimFeedforward = 800,
    double Dropout = 0.1,
    int AcpeKernelChans = 19,
    int AcpeKernelPatches = 7,
    int TimeConvChannels = 25,
    int TimeConvGroups = 5,
    CBraModHead Head = CBraModHead.AllPatchReps,
    double HeadDropout = 0.1) : ModelConfig(NChans, NOutputs, NTimes, Sfreq)
{
    public const string Name = "cbramod";

    /// <summary>The first time convolution: kernel 49, stride 25, padding 24 along the patch's samples.</summary>
    public const int TimeConvKernel = 49, TimeConvStride = 25, TimeConvPadding = 24;

    [JsonIgnore] public override string Model => Name;

    /// <summary>Patches per channel, N = n_times / patch_len.</summary>
    [JsonIgnore] public int NPatches => PatchLen > 0 ? NTimes / PatchLen : 0;

    /// <summary>rFFT bins of one patch: patch_len/2 + 1 (101 for 200 samples).</summary>
    [JsonIgnore] public int SpectralBins => PatchLen / 2 + 1;

    /// <summary>Output width of the first time convolution: ⌊(patch_len + 2·24 − 49)/25⌋ + 1 (8 for 200 samples).</summary>
    [JsonIgnore] public int TimeConvWidth => (PatchLen + 2 * TimeConvPadding - TimeConvKernel) / TimeConvStride + 1;

    /// <summary>
    /// Floating-point operations of one window's forward pass (2 per multiply-add) in the dense parts — time
    /// convolutions, spectral projection, ACPE, attention projections and products, feed-forward blocks, head —
    /// leaving out norms, activations and softmax (under 1%). A training step costs about three times this
    /// (backward ≈ 2 × forward). PhysioNet-MI (64 channels × 4 patches, all_patch_reps, 4 classes): 2.668 GFLOP.
    /// </summary>
    public double ForwardFlops()
    {
        double tokens = (double)NChans * NPatches, d = DModel, half = d / 2;
        double embed = TimeConvChannels * TimeConvWidth * TimeConvKernel                 // conv 1 → 25 channels
            + 2.0 * TimeConvChannels * TimeConvChannels * 3 * TimeConvWidth               // two (1, 3) convs 25 → 25
            + SpectralBins * d                                                            // |rFFT| → d_model
            + d * AcpeKernelChans * AcpeKernelPatches;                                    // depthwise ACPE
        double layer = tokens * (2 * 4 * half * half + 2 * d * DimFeedforward)          // QKV + out (both halves), FFN
            + NPatches * (double)NChans * NChans * half * 2                               // spatial QKᵀ and AV per patch
            + NChans * (double)NPatches * NPatches * half * 2;                            // temporal QKᵀ and AV per channel
        double head = Head switch
        {
            CBraModHead.AllPatchReps => tokens * d * NPatches * d + NPatches * d * d + d * NOutputs,
            CBraModHead.AvgPool => d * NOutputs,
            _ => 0,
        };
        return 2 * (tokens * embed + NLayers * layer + head);
    }

    /// <summary>
    /// The reference pretraining configuration (19 TUEG channels, 30 one-second patches, 200 Hz) with the embedding
    /// head; its pretraining network has 4,924,000 parameters.
    /// </summary>
    public static CBraModConfig Reference() =>
        new(NChans: 19, NOutputs: 200, NTimes: 30 * 200, Sfreq: 200, Head: CBraModHead.Embedding);

    /// <summary>The PhysioNet-MI fine-tuning model: 64 channels, 4 s at 200 Hz, 4 classes, all_patch_reps head (46,005,604 parameters).</summary>
    public static CBraModConfig PhysioNetMI() => new(NChans: 64, NOutputs: 4, NTimes: 800, Sfreq: 200);

    public override void Validate()
    {
        base.Validate();
        if (PatchLen < 2) throw new ArgumentException($"patch_len ({PatchLen}) must be at least 2");
        if (NTimes % PatchLen != 0)
            throw new ArgumentException($"n_times ({NTimes}) is not a multiple of patch_len ({PatchLen})");
        if (TimeConvChannels < 1) throw new ArgumentException($"time_conv_channels ({TimeConvChannels}) must be at least 1");
        if (TimeConvGroups < 1 || TimeConvChannels % TimeConvGroups != 0)
            throw new ArgumentException($"time_conv_groups ({TimeConvGroups}) must divide time_conv_channels ({TimeConvChannels})");
        if (DModel != TimeConvChannels * TimeConvWidth)
            throw new ArgumentException(
                $"d_model ({DModel}) must equal time_conv_channels ({TimeConvChannels}) x the time convolution's output width " +
                $"({TimeConvWidth} for patch_len {PatchLen}) = {TimeConvChannels * TimeConvWidth}");
        if (DModel % 2 != 0) throw new ArgumentException($"d_model ({DModel}) must be even (half attends over channels, half over patches)");
        if (NHeads < 2 || NHeads % 2 != 0)
            throw new ArgumentException($"n_heads ({NHeads}) must be even and at least 2 (half over channels, half over patches)");
        if (DModel / 2 % (NHeads / 2) != 0)
            throw new ArgumentException($"d_model/2 ({DModel / 2}) is not divisible by n_heads/2 ({NHeads / 2})");
        if (NLayers < 0) throw new ArgumentException($"n_layers ({NLayers}) must not be negative");
        if (DimFeedforward < 1) throw new ArgumentException($"dim_feedforward ({DimFeedforward}) must be at least 1");
        if (!(Dropout >= 0 && Dropout < 1)) throw new ArgumentException($"dropout ({Dropout}) must be in [0, 1)");
        if (!(HeadDropout >= 0 && HeadDropout < 1)) throw new ArgumentException($"head_dropout ({HeadDropout}) must be in [0, 1)");
        if (AcpeKernelChans < 1 || AcpeKernelChans % 2 == 0)
            throw new ArgumentException($"acpe_kernel_chans ({AcpeKernelChans}) must be odd and positive (same-size output)");
        if (AcpeKernelPatches < 1 || AcpeKernelPatches % 2 == 0)
            throw new ArgumentException($"acpe_kernel_patches ({AcpeKernelPatches}) must be odd and positive (same-size output)");
        if (!Enum.IsDefined(Head)) throw new ArgumentException($"head ({(int)Head}) is not a known head");
        if (Head == CBraModHead.Embedding && NOutputs != DModel)
            throw new ArgumentException(
                $"n_outputs ({NOutputs}) must equal d_model ({DModel}) for the embedding head (classifiers: head all_patch_reps or avg_pool)");
    }

    /// <summary>Reads a config (snake_case keys, unknown keys refused) and validates it.</summary>
    public static CBraModConfig FromJson(string json, string source = "cbramod config")
    {
        CBraModConfig config;
        try
        {
            config = JsonSerializer.Deserialize<CBraModConfig>(json, JsonOptions)
                ?? throw new FormatException($"{source}: expected a JSON object, found null");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{source}: {e.Message.ReplaceLineEndings(" ")}", e);
        }
        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{source}: {e.Message}", e);
        }
        return config;
    }

    /// <summary>The pipeline spec's JSON style: snake_case, unknown keys refused (the head enum converts itself).</summary>
    internal static JsonSerializerOptions JsonOptions => PipelineJson.Options;
}
