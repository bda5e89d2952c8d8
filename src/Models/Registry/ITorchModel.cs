using TorchSharp;
using static TorchSharp.torch;

namespace Neurodecode.Models.Registry;

/// <summary>
/// A decoder that is a TorchSharp module: training loops reach the module itself (parameters, optimizer, loss on its
/// logits) and switch it between training and evaluation (dropout, BatchNorm statistics).
/// <see cref="IDecoderModel.Forward"/> stays the inference path: it runs in evaluation mode without gradients.
/// </summary>
public interface ITorchModel : IDecoderModel
{
    /// <summary>The module: (batch, n_chans, n_times) float32 in, (batch, n_outputs) logits out.</summary>
    nn.Module<Tensor, Tensor> Module { get; }

    /// <summary>Training mode: dropout active, BatchNorm uses and updates batch statistics.</summary>
    void Train();

    /// <summary>Evaluation mode: dropout off, BatchNorm uses its running statistics.</summary>
    void Eval();
}
