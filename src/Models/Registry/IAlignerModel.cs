namespace Neurodecode.Models.Registry;

/// <summary>
/// An aligner: windows in, one vector per window in a stimulus embedding space (CLIP, DINOv2 ...) out, so trials can
/// be matched to stimuli by cosine similarity. The ridge baseline (<c>RidgeAligner</c>) is one; the brain modules
/// (Meta's MEG module, a CBraMod backbone with a projection head) plug in here.
/// </summary>
public interface IAlignerModel : IDisposable
{
    /// <summary>Registry-style name written to the model folder ("ridge").</summary>
    string Name { get; }

    int NChans { get; }
    int NTimes { get; }

    /// <summary>Length of one predicted embedding (the stimulus table's).</summary>
    int EmbeddingDim { get; }

    long ParameterCount { get; }

    /// <summary>Predicted embeddings for a batch of windows (batch x channels x samples, float32): batch x
    /// <see cref="EmbeddingDim"/>, row-major.</summary>
    float[] PredictEmbeddings(ReadOnlySpan<float> windows, int batch);

    void Save(string path);
}
