using Neurodecode.Models.Registry;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Neurodecode.Models.Torch;

/// <summary>
/// What a training loop needs from a TorchSharp model beyond <see cref="IDecoderModel"/>: the module (its
/// parameters, for the optimizer), a train/eval switch, a differentiable forward on a tensor, and parameter groups
/// so the backbone and the head can get their own learning rates.
/// </summary>
/// <remarks>
/// Contract: a model starts in eval mode, so <see cref="IDecoderModel.Forward"/> is deterministic until
/// <see cref="Train"/>(true) is called; <see cref="IDecoderModel.Forward"/> runs without autograd in whatever mode the
/// model is in. Call <c>Neurodecode.Models.Native.TorchRuntime.EnsureLoaded()</c> before creating one.
/// </remarks>
public interface ITorchModel : IDecoderModel
{
    /// <summary>The whole network; its <c>state_dict()</c> names are the checkpoint's names.</summary>
    nn.Module Module { get; }

    /// <summary>True while dropout is active.</summary>
    bool Training { get; }

    /// <summary>Dropout on (true) or off (false) in every submodule.</summary>
    void Train(bool on = true);

    /// <summary>(batch, n_chans, n_times) float32 → (batch, n_outputs), with autograd.</summary>
    Tensor Forward(Tensor windows);

    /// <summary>
    /// Trainable parameters by group, every one in exactly one group: "backbone" and "head" for an encoder with a
    /// task head (a model with no head has only "backbone").
    /// </summary>
    IReadOnlyDictionary<string, IReadOnlyList<Parameter>> ParameterGroups { get; }
}
