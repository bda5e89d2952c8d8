using Neurodecode.Models.Aligners;
using Neurodecode.Models.Registry;
using Neurodecode.Models.Training;
using Neurodecode.Preprocess.Windows;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Pipeline.Worker.Batch;

/// <summary>
/// An aligner as <c>train</c> leaves it and <c>evaluate</c>, <c>decode</c> and the daemon use it: the model, and for a
/// torch aligner the channel scaler its windows go through and the subjects it has layers for (null: one layer every
/// subject shares).
/// </summary>
public sealed class TrainedAligner(IAlignerModel model, ChannelScaler? scaler, string[]? subjects) : IDisposable
{
    private const int Batch = 64;

    public IAlignerModel Model => model;
    public ChannelScaler? Scaler => scaler;
    public IReadOnlyList<string>? Subjects => subjects;

    /// <summary>Embeddings (n × dim, row-major) of every window, each through its own subject's layer.</summary>
    public float[] Predict(WindowDataset data)
    {
        var ids = data.Windows.Select(SubjectIndex).ToArray();
        int size = data.NChans * data.NTimes, d = model.EmbeddingDim;
        var output = new float[data.Count * d];
        for (int start = 0; start < data.Count; start += Batch)
        {
            int b = Math.Min(Batch, data.Count - start);
            Embed(data.X.AsSpan(start * size, b * size), ids.AsSpan(start, b)).CopyTo(output, start * d);
        }
        return output;
    }

    /// <summary>The embedding of one window (the daemon's): through the first subject's layer.</summary>
    public float[] Predict(float[] window) => Embed(window, [0]);

    private float[] Embed(ReadOnlySpan<float> windows, ReadOnlySpan<long> ids)
    {
        if (model is not ITorchAligner torch) return model.PredictEmbeddings(windows, ids.Length);
        return torch.Embed(scaler is null ? windows : scaler.Apply(windows, model.NTimes), ids);
    }

    private long SubjectIndex(WindowInfo window)
    {
        if (subjects is null) return 0;
        int index = window.Subject is { } s ? Array.IndexOf(subjects, s) : -1;
        if (index < 0)
            throw new InvalidRecordingException(window.File, $"subject '{window.Subject ?? "(none in the file name)"}' has no subject layer in this model " +
                $"(trained on {string.Join(", ", subjects.Take(8))}{(subjects.Length > 8 ? " ..." : "")}); train with model.subject_layers false for a model that serves any subject");
        return index;
    }

    public void Dispose() => model.Dispose();
}
