using System.Text.Json;
using System.Text.Json.Serialization;
using Neurodecode.Models.Registry;

namespace Neurodecode.Models.Encoders.BrainModule;

/// <summary>How the brain module turns its time-resolved output (batch, F, T) into what is compared with the targets.
/// JSON: snake_case strings.</summary>
[JsonConverter(typeof(TemporalAggregationJsonConverter))]
public enum TemporalAggregation
{
    /// <summary>Benchetrit et al. 2024: a learned affine map over time (Linear(T → 1)) gives one vector of size F per
    /// window, then two projection heads (CLIP and MSE, each LayerNorm + GELU + Linear(F → F)) for image/text
    /// embeddings.</summary>
    Affine,

    /// <summary>Défossez et al. 2023: no aggregation and no heads; the embedding is the time-resolved output (F, T)
    /// flattened to F·T values, compared with time-resolved targets (wav2vec 2.0 features) of the same shape.</summary>
    None,
}

/// <summary><c>"affine"</c>, <c>"none"</c>; numbers refused.</summary>
public sealed class TemporalAggregationJsonConverter()
    : JsonStringEnumConverter<TemporalAggregation>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false);

/// <summary>
/// The Meta MEG/EEG brain module (Défossez et al. 2023, brainmagick's <c>SimpleConv</c> with the released
/// <c>clip_conv</c> settings; Benchetrit et al. 2024 for the temporal aggregation and heads). Defaults are the
/// released sizes (guide <c>models.md</c> §4.1).
/// </summary>
/// <param name="NChans">Input sensors; must equal the layout's sensor count.</param>
/// <param name="NOutputs">Embedding size F (1024 for wav2vec 2.0 large features or DINOv2-L image latents).</param>
/// <param name="NTimes">Samples per window (the paper: 3 s at 120 Hz = 360).</param>
/// <param name="Sfreq">Sampling rate in Hz (the paper: 120; not enforced).</param>
/// <param name="NSubjects">Subjects, one subject layer each; subject ids are 0 .. n_subjects − 1.</param>
/// <param name="Layout">Where the sensors' 2-D positions come from: a built-in layout name (<see cref="SensorLayout.Names"/>).</param>
/// <param name="MergerChannels">Virtual channels the spatial attention merges the sensors into, default 270.</param>
/// <param name="FourierFreqs">Fourier frequencies per axis of the position embedding, default 32 (32·32 cosines and
/// 32·32 sines: 2048 features per sensor).</param>
/// <param name="SpatialDropout">Radius (in normalised layout units) of the disc of sensors dropped during training,
/// default 0.2; 0 turns it off.</param>
/// <param name="Hidden">Channels of the dilated convolution stack, default 320.</param>
/// <param name="Depth">Convolution layers in the stack, default 10.</param>
/// <param name="Kernel">Kernel of the stack's convolutions, default 3 (odd, so the length is kept).</param>
/// <param name="DilationPeriod">Dilation doubles per layer and returns to 1 every this many layers, default 5 (1, 2, 4, 8, 16, 1, ...).</param>
/// <param name="GluEvery">A GLU block after every this many layers, default 2; 0 for none.</param>
/// <param name="Aggregation"><c>affine</c> (default: one vector per window and two projection heads) or <c>none</c>.</param>
public sealed record MegBrainModuleConfig(
    int NChans,
    int NOutputs,
    int NTimes,
    double Sfreq,
    int NSubjects = 1,
    string Layout = SensorLayout.Eegmmidb64Name,
    int MergerChannels = 270,
    int FourierFreqs = 32,
    double SpatialDropout = 0.2,
    int Hidden = 320,
    int Depth = 10,
    int Kernel = 3,
    int DilationPeriod = 5,
    int GluEvery = 2,
    TemporalAggregation Aggregation = TemporalAggregation.Affine) : ModelConfig(NChans, NOutputs, NTimes, Sfreq)
{
    public const string Name = "meg_brain_module";

    [JsonIgnore] public override string Model => Name;

    /// <summary>Features per sensor position: cos and sin of fourier_freqs² frequency pairs.</summary>
    [JsonIgnore] public int FourierDim => 2 * FourierFreqs * FourierFreqs;

    /// <summary>Values per embedding: F for <c>affine</c>, F·n_times for <c>none</c>.</summary>
    [JsonIgnore] public int EmbeddingSize => Aggregation == TemporalAggregation.Affine ? NOutputs : NOutputs * NTimes;

    /// <summary>Dilation of stack layer <paramref name="k"/>: 2^(k mod dilation_period).</summary>
    public int Dilation(int k) => 1 << (k % DilationPeriod);

    /// <summary>
    /// The released sizes on EEGMMIDB's 64-channel layout, 3 s at 120 Hz, F = 1024, four subjects (THINGS-MEG has
    /// four participants), affine aggregation: 7,596,754 + 4 × 72,900 trunk parameters, 361 for the aggregation and
    /// 2 × 1,051,648 for the heads.
    /// </summary>
    public static MegBrainModuleConfig Reference() => new(NChans: 64, NOutputs: 1024, NTimes: 360, Sfreq: 120, NSubjects: 4);

    /// <summary>Trainable parameters, counted from the sizes (brainmagick's count: no BatchNorm running statistics).</summary>
    public long ParameterCount()
    {
        long m = MergerChannels, h = Hidden, k = Kernel, f = NOutputs;
        long merger = m * FourierDim + m * m + m;                          // heads, 1×1 conv
        long subjects = (long)NSubjects * m * m;
        long stack = (m * h * k + h + 2 * h) + (Depth - 1) * (h * h * k + h + 2 * h);
        long glus = GluEvery > 0 ? Depth / GluEvery * (h * 2 * h * k + 2 * h) : 0;
        long output = (h * 2 * h + 2 * h) + (2 * h * f + f);
        long head = Aggregation == TemporalAggregation.Affine ? NTimes + 1 + 2 * (2 * f + f * f + f) : 0;
        return merger + subjects + stack + glus + output + head;
    }

    public override void Validate()
    {
        base.Validate();
        if (NSubjects < 1) throw new ArgumentException($"n_subjects ({NSubjects}) must be at least 1");
        var layout = SensorLayout.Find(Layout)
            ?? throw new ArgumentException($"layout '{Layout}' is not a known layout (known: {string.Join(", ", SensorLayout.Names)})");
        if (layout.Count != NChans)
            throw new ArgumentException($"n_chans ({NChans}) does not match layout '{Layout}', which has {layout.Count} sensors");
        if (MergerChannels < 1) throw new ArgumentException($"merger_channels ({MergerChannels}) must be at least 1");
        if (FourierFreqs < 1) throw new ArgumentException($"fourier_freqs ({FourierFreqs}) must be at least 1");
        if (!(SpatialDropout >= 0 && SpatialDropout < Math.Sqrt(2)))
            throw new ArgumentException($"spatial_dropout ({SpatialDropout}) must be a radius in [0, √2) (layouts span [0, 1]²)");
        if (Hidden < 1) throw new ArgumentException($"hidden ({Hidden}) must be at least 1");
        if (Depth < 1) throw new ArgumentException($"depth ({Depth}) must be at least 1");
        if (Kernel < 1 || Kernel % 2 == 0) throw new ArgumentException($"kernel ({Kernel}) must be odd and positive (same-length output)");
        if (DilationPeriod < 1 || DilationPeriod > 16) throw new ArgumentException($"dilation_period ({DilationPeriod}) must be in 1 .. 16");
        if (GluEvery < 0) throw new ArgumentException($"glu_every ({GluEvery}) must not be negative");
        if (!Enum.IsDefined(Aggregation)) throw new ArgumentException($"aggregation ({(int)Aggregation}) is not a known aggregation");
    }

    /// <summary>Reads a config (snake_case keys, unknown keys refused) and validates it.</summary>
    public static MegBrainModuleConfig FromJson(string json, string source = "meg_brain_module config") =>
        Parse<MegBrainModuleConfig>(json, source);
}
