using Neurodecode.Models.Registry;
using Neurodecode.Models.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Neurodecode.Models.Aligners;

/// <summary>
/// A model that maps brain windows of several subjects into a target embedding space (images, text, speech
/// features): one subject layer per subject, a shared encoder, a CLIP head (compared by cosine, trained with InfoNCE)
/// and an MSE head (regressed onto the target). The registry's subject-free surface
/// (<see cref="IDecoderModel.Forward"/>, <see cref="IEmbeddingModel.Embed(ReadOnlySpan{float}, int)"/>) decodes as
/// subject 0: the one subject of a single-subject model, the first of a multi-subject one; so does the aligner seam
/// (<see cref="IAlignerModel"/>) that the ridge baseline also fills.
/// </summary>
public interface ITorchAligner : IEmbeddingModel, IAlignerModel
{
    /// <summary>Subjects the model has a subject layer for; ids are 0 .. n − 1.</summary>
    int NSubjects { get; }

    /// <summary>The module (parameters, state, training mode).</summary>
    nn.Module Module { get; }

    /// <summary>CLIP-head and MSE-head embeddings (batch, <see cref="IEmbeddingModel.EmbeddingSize"/>) for windows
    /// (batch, n_chans, n_times) float32 and subject ids (batch) int64, with autograd, in the current mode.</summary>
    (Tensor Clip, Tensor Mse) Align(Tensor windows, Tensor subjects);

    /// <summary>CLIP-head embeddings (batch × embedding size, row-major) in evaluation mode without gradients.</summary>
    float[] Embed(ReadOnlySpan<float> windows, ReadOnlySpan<long> subjects);

    /// <summary>Training mode (dropout, batch statistics); during reset-tuning the frozen parts stay in evaluation mode.</summary>
    void Train();

    void Eval();

    /// <summary>Whether a parameter belongs to the head (what reset-tuning trains besides the new subject's layer).</summary>
    bool IsHeadParameter(string name);

    /// <summary>The state name of subject <paramref name="subject"/>'s layer.</summary>
    string SubjectLayerName(int subject);

    /// <summary>
    /// MindBridge-style reset-tuning: freezes every parameter except subject <paramref name="subject"/>'s layer and
    /// the head (requires_grad off, frozen parts kept in evaluation mode by <see cref="Train"/>) and returns the two
    /// groups to train, "subject" and "head". <see cref="Unfreeze"/> ends it.
    /// </summary>
    IReadOnlyList<ParameterGroup> ResetTuning(int subject, double lr);

    /// <summary>Every parameter trainable again.</summary>
    void Unfreeze();
}
