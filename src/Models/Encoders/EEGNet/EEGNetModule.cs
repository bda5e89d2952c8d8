using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Neurodecode.Models.Encoders.EEGNet;

/// <summary>
/// The EEGNet network (braindecode <c>EEGNet</c>): (batch, C, T) → (batch, n_outputs) logits.
/// <code>
/// x (B, C, T) → unsqueeze → (B, 1, C, T)
/// conv_temporal   Conv2d(1 → F1, (1, K), padding (0, K/2), no bias)      → (B, F1, C, T + 2⌊K/2⌋ − K + 1)
/// bnorm_temporal  BatchNorm2d(F1)
/// conv_spatial    depthwise Conv2d(F1 → F1·D, (C, 1), groups F1, no bias, each filter's L2 norm ≤ max-norm) → (B, F1·D, 1, T1)
/// bnorm_1 → ELU → pool_1 (1, p1) → Dropout
/// conv_separable_depth  depthwise Conv2d(F1·D → F1·D, (1, k2), padding (0, k2/2), groups F1·D, no bias)
/// conv_separable_point  Conv2d(F1·D → F2, (1, 1), no bias)
/// bnorm_2 → ELU → pool_2 (1, p2) → Dropout                                 → (B, F2, 1, T_final)
/// final_layer     conv_classifier Conv2d(F2 → n_outputs, (1, T_final), bias) → (B, n_outputs)
///              or flatten + linearconstraint Linear(F2·T_final → n_outputs) with rows' L2 norm ≤ norm_rate
/// </code>
/// Max-norm is applied at forward time: the stored weight is free and the convolution uses
/// <c>weight.renorm(2, 0, max_norm)</c>, with gradients flowing through the renormalisation. That is exactly what
/// braindecode's <c>MaxNormParametrize</c> parametrization computes (its stored tensor is
/// <c>parametrizations.weight.original</c>; see <see cref="EEGNetModel.BraindecodeRenames"/>). It differs from Keras'
/// constraint, which rewrites the weight after each optimizer step. Initialisation as braindecode: spatial conv
/// Xavier-uniform, other convolutions and the linear head PyTorch's default (Kaiming-uniform, a = √5), biases 0,
/// BatchNorm weight 1 and bias 0.
/// </summary>
public sealed class EEGNetModule : Module<Tensor, Tensor>
{
    // Field names are the state-dict names (braindecode's module names).
    private readonly Conv2d conv_temporal;
    private readonly BatchNorm2d bnorm_temporal;
    private readonly MaxNormConv2d conv_spatial;
    private readonly BatchNorm2d bnorm_1;
    private readonly Module<Tensor, Tensor> pool_1;
    private readonly Dropout drop_1;
    private readonly Conv2d conv_separable_depth;
    private readonly Conv2d conv_separable_point;
    private readonly BatchNorm2d bnorm_2;
    private readonly Module<Tensor, Tensor> pool_2;
    private readonly Dropout drop_2;
    private readonly Sequential final_layer;

    public EEGNetConfig Config { get; }

    public EEGNetModule(EEGNetConfig config) : base("EEGNet")
    {
        config.Validate();
        Config = config;
        long f1 = config.F1, fd = (long)config.F1 * config.D, f2 = config.F2;
        double momentum = config.BatchNormMomentum, eps = config.BatchNormEps;

        conv_temporal = Conv2d(1, f1, (1, config.KernelLength), padding: (0, config.KernelLength / 2), bias: false);
        bnorm_temporal = BatchNorm2d(f1, eps: eps, momentum: momentum);
        conv_spatial = new MaxNormConv2d("conv_spatial", f1, fd, config.NChans, f1, config.ConvSpatialMaxNorm);
        bnorm_1 = BatchNorm2d(fd, eps: eps, momentum: momentum);
        pool_1 = Pool(config.PoolMode, config.Pool1KernelSize);
        drop_1 = Dropout(config.DropProb);
        conv_separable_depth = Conv2d(fd, fd, (1, config.DepthwiseKernelLength),
            padding: (0, config.DepthwiseKernelLength / 2), groups: fd, bias: false);
        conv_separable_point = Conv2d(fd, f2, (1, 1), bias: false);
        bnorm_2 = BatchNorm2d(f2, eps: eps, momentum: momentum);
        pool_2 = Pool(config.PoolMode, config.Pool2KernelSize);
        drop_2 = Dropout(config.DropProb);

        int tFinal = config.FinalTimes;
        if (config.FinalLayer == "conv")
        {
            var classifier = Conv2d(f2, config.NOutputs, (1, tFinal), bias: true);
            using (torch.no_grad())
                classifier.bias!.zero_();
            final_layer = Sequential(("conv_classifier", classifier));
        }
        else
        {
            final_layer = Sequential(
                ("flatten", Flatten()),
                ("linearconstraint", new MaxNormLinear("linearconstraint", f2 * tFinal, config.NOutputs, config.NormRate)));
        }
        RegisterComponents();
    }

    private static Module<Tensor, Tensor> Pool(string mode, int size) => mode == "max"
        ? MaxPool2d((1, size), (1, size))
        : AvgPool2d((1, size), (1, size));

    public override Tensor forward(Tensor x)
    {
        if (x.dim() != 3 || x.shape[1] != Config.NChans || x.shape[2] != Config.NTimes)
            throw new ArgumentException($"EEGNet expects (batch, {Config.NChans}, {Config.NTimes}) windows, got ({string.Join(", ", x.shape)})");
        var h = x.unsqueeze(1);
        h = bnorm_temporal.forward(conv_temporal.forward(h));
        h = functional.elu(bnorm_1.forward(conv_spatial.forward(h)), 1.0);
        h = drop_1.forward(pool_1.forward(h));
        h = conv_separable_point.forward(conv_separable_depth.forward(h));
        h = functional.elu(bnorm_2.forward(h), 1.0);
        h = drop_2.forward(pool_2.forward(h));
        return final_layer.forward(h).flatten(1);
    }

    /// <summary>The spatial filters as the convolution uses them (after max-norm), (F1·D, 1, C, 1).</summary>
    public Tensor EffectiveSpatialWeight() => conv_spatial.EffectiveWeight();

    /// <summary>Conv2d without bias whose output filters are renormalised to L2 ≤ max_norm on every forward.</summary>
    private sealed class MaxNormConv2d : Module<Tensor, Tensor>
    {
        private readonly Parameter weight;
        private readonly long _groups;
        private readonly double _maxNorm;

        public MaxNormConv2d(string name, long inChannels, long outChannels, long height, long groups, double maxNorm) : base(name)
        {
            weight = Parameter(torch.empty(outChannels, inChannels / groups, height, 1));
            init.xavier_uniform_(weight);
            (_groups, _maxNorm) = (groups, maxNorm);
            RegisterComponents();
        }

        public Tensor EffectiveWeight() => weight.renorm(2, 0, (float)_maxNorm);

        public override Tensor forward(Tensor x) => functional.conv2d(x, EffectiveWeight(), groups: _groups);
    }

    /// <summary>Linear whose output rows are renormalised to L2 ≤ max_norm on every forward.</summary>
    private sealed class MaxNormLinear : Module<Tensor, Tensor>
    {
        private readonly Parameter weight;
        private readonly Parameter bias;
        private readonly double _maxNorm;

        public MaxNormLinear(string name, long inFeatures, long outFeatures, double maxNorm) : base(name)
        {
            weight = Parameter(torch.empty(outFeatures, inFeatures));
            init.kaiming_uniform_(weight, a: Math.Sqrt(5));
            bias = Parameter(torch.zeros(outFeatures));
            _maxNorm = maxNorm;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => functional.linear(x, weight.renorm(2, 0, (float)_maxNorm), bias);
    }
}
