namespace Neurodecode.Models.Registry;

/// <summary>
/// A decoder that also gives one fixed-size vector per window (CBraMod: the backbone's output pooled over channels and
/// patches), so datasets can be decoded to embeddings for retrieval, clustering or a downstream linear probe.
/// </summary>
public interface IEmbeddingModel : IDecoderModel
{
    /// <summary>Length of one embedding (d_model for CBraMod).</summary>
    int EmbeddingSize { get; }

    /// <summary>Embeddings for a batch of windows (batch x channels x samples, float32): batch x
    /// <see cref="EmbeddingSize"/>, row-major, in evaluation mode without gradients.</summary>
    float[] Embed(ReadOnlySpan<float> windows, int batch);
}
