using System.Text.Json;
using System.Text.Json.Serialization;
using Neurodecode.Models.Registry;
using Neurodecode.Preprocess.Steps;

namespace Neurodecode.Models.Encoders.EEGNet;

/// <summary>
/// EEGNet (Lawhern et al. 2018, "EEGNet: a compact convolutional neural network for EEG-based brain-computer
/// interfaces", J. Neural Eng. 15 056013) as braindecode's <c>EEGNet</c> (ex-<c>EEGNetv4</c>) defines it. The defaults
/// are EEGNet-8,2. JSON keys are the snake_case of the property names (braindecode's argument names, with
/// <c>final_layer</c> for its <c>final_layer_with_constraint</c> flag); unknown keys are refused.
/// </summary>
/// <param name="NChans">Input channels C (braindecode <c>n_chans</c>); the spatial convolution spans all of them.</param>
/// <param name="NOutputs">Classes (braindecode <c>n_outputs</c>).</param>
/// <param name="NTimes">Samples per window T (braindecode <c>n_times</c>); fixes the length of the final layer.</param>
/// <param name="Sfreq">Sampling rate in Hz. Not used by the layers; the kernel lengths assume roughly 128 Hz (Lawhern:
/// kernel ≈ half the sampling rate), so say so when running at another rate.</param>
/// <param name="F1">Temporal filters, paper F1; default 8.</param>
/// <param name="D">Spatial filters per temporal filter (depth multiplier), paper D; default 2.</param>
/// <param name="F2">Pointwise filters of the separable convolution, paper F2; default 16 (= F1·D).</param>
/// <param name="KernelLength">Temporal kernel length (paper: kernLength 64); padding is kernel_length / 2 on both
/// sides, so an even kernel yields T + 1 samples (braindecode).</param>
/// <param name="DepthwiseKernelLength">Kernel of the separable convolution's depthwise (temporal) part; default 16,
/// padding 8.</param>
/// <param name="Pool1KernelSize">First pooling length (and stride) over time; default 4.</param>
/// <param name="Pool2KernelSize">Second pooling length (and stride) over time; default 8.</param>
/// <param name="PoolMode">"mean" (default, EEGNet's average pooling) or "max".</param>
/// <param name="DropProb">Dropout after each pooling; braindecode default 0.25 (Keras EEGNet default 0.5).</param>
/// <param name="FinalLayer">"conv" (braindecode's default: a Conv2d over the whole remaining F2 x 1 x T_final map, with
/// bias, no constraint) or "linear_max_norm" (flatten + Linear whose weight rows are renormalised to L2 ≤
/// <paramref name="NormRate"/>: the paper's Dense with max-norm).</param>
/// <param name="ConvSpatialMaxNorm">Max L2 norm of each spatial filter (the depthwise (C, 1) convolution); paper and
/// braindecode 1.</param>
/// <param name="NormRate">Max L2 norm of each output row of the linear head ("linear_max_norm" only); default 0.25.</param>
/// <param name="BatchNormMomentum">PyTorch BatchNorm momentum; 0.01 equals Keras' 0.99.</param>
/// <param name="BatchNormEps">BatchNorm epsilon; 1e-3 as Keras.</param>
public sealed record EEGNetConfig(
    int NChans,
    int NOutputs,
    int NTimes,
    double Sfreq,
    int F1 = 8,
    int D = 2,
    int F2 = 16,
    int KernelLength = 64,
    int DepthwiseKernelLength = 16,
    int Pool1KernelSize = 4,
    int Pool2KernelSize = 8,
    string PoolMode = "mean",
    double DropProb = 0.25,
    string FinalLayer = "conv",
    double ConvSpatialMaxNorm = 1.0,
    double NormRate = 0.25,
    double BatchNormMomentum = 0.01,
    double BatchNormEps = 1e-3) : ModelConfig(NChans, NOutputs, NTimes, Sfreq)
{
    public const string Name = "eegnet";

    [JsonIgnore]
    public override string Model => Name;

    /// <summary>The registry's reference: PhysioNet-MI with CBraMod's windows (64 channels, 4 s at 200 Hz, 4 classes);
    /// 3,732 parameters.</summary>
    public static EEGNetConfig Reference { get; } = new(NChans: 64, NOutputs: 4, NTimes: 800, Sfreq: 200);

    /// <summary>Samples after the temporal convolution (T + 2·⌊K/2⌋ − K + 1).</summary>
    [JsonIgnore]
    public int TimesAfterTemporalConv => NTimes + 2 * (KernelLength / 2) - KernelLength + 1;

    /// <summary>Samples after the first pooling.</summary>
    [JsonIgnore]
    public int TimesAfterPool1 => TimesAfterTemporalConv / Pool1KernelSize;

    /// <summary>Samples after the separable convolution's depthwise part.</summary>
    [JsonIgnore]
    public int TimesAfterSeparableConv => TimesAfterPool1 + 2 * (DepthwiseKernelLength / 2) - DepthwiseKernelLength + 1;

    /// <summary>Samples left for the final layer (braindecode's <c>final_conv_length</c> when "auto").</summary>
    [JsonIgnore]
    public int FinalTimes => TimesAfterSeparableConv / Pool2KernelSize;

    /// <summary>Parameters of the module this config builds (BatchNorm running statistics are buffers, not counted):
    /// F1·K + 2·F1 + F1·D·C + 2·F1·D + F1·D·k₂ + F1·D·F2 + 2·F2 + F2·n_outputs·T_final + n_outputs.</summary>
    [JsonIgnore]
    public long ParameterCount
    {
        get
        {
            long fd = (long)F1 * D;
            return (long)F1 * KernelLength + 2L * F1
                + fd * NChans + 2 * fd
                + fd * DepthwiseKernelLength + fd * F2 + 2L * F2
                + (long)F2 * NOutputs * FinalTimes + NOutputs;
        }
    }

    public override void Validate()
    {
        base.Validate();
        Positive(F1, "f1");
        Positive(D, "d");
        Positive(F2, "f2");
        Positive(KernelLength, "kernel_length");
        Positive(DepthwiseKernelLength, "depthwise_kernel_length");
        Positive(Pool1KernelSize, "pool1_kernel_size");
        Positive(Pool2KernelSize, "pool2_kernel_size");
        if (PoolMode is not ("mean" or "max"))
            throw new ArgumentException($"pool_mode ('{PoolMode}') must be 'mean' or 'max'");
        if (!(DropProb >= 0 && DropProb < 1))
            throw new ArgumentException($"drop_prob ({DropProb}) must be in [0, 1)");
        if (FinalLayer is not ("conv" or "linear_max_norm"))
            throw new ArgumentException($"final_layer ('{FinalLayer}') must be 'conv' or 'linear_max_norm'");
        if (!(ConvSpatialMaxNorm > 0) || double.IsInfinity(ConvSpatialMaxNorm))
            throw new ArgumentException($"conv_spatial_max_norm ({ConvSpatialMaxNorm}) must be positive and finite");
        if (!(NormRate > 0) || double.IsInfinity(NormRate))
            throw new ArgumentException($"norm_rate ({NormRate}) must be positive and finite");
        if (!(BatchNormMomentum > 0 && BatchNormMomentum <= 1))
            throw new ArgumentException($"batch_norm_momentum ({BatchNormMomentum}) must be in (0, 1]");
        if (!(BatchNormEps > 0) || double.IsInfinity(BatchNormEps))
            throw new ArgumentException($"batch_norm_eps ({BatchNormEps}) must be positive and finite");
        if (TimesAfterTemporalConv < Pool1KernelSize)
            throw new ArgumentException($"n_times ({NTimes}) is too short: the temporal convolution (kernel_length {KernelLength}) leaves {TimesAfterTemporalConv} samples, fewer than pool1_kernel_size ({Pool1KernelSize})");
        if (TimesAfterSeparableConv < Pool2KernelSize)
            throw new ArgumentException($"n_times ({NTimes}) is too short: {TimesAfterSeparableConv} samples reach the second pooling, fewer than pool2_kernel_size ({Pool2KernelSize})");
    }

    private static void Positive(int value, string name)
    {
        if (value < 1) throw new ArgumentException($"{name} ({value}) must be at least 1");
    }

    /// <summary>Reads a config (snake_case keys, unknown keys refused) and validates it; errors are
    /// <see cref="ArgumentException"/>s naming the key or value.</summary>
    public static EEGNetConfig FromJson(string json, string source = "eegnet config") => Parse<EEGNetConfig>(json, source);
}
