namespace Neurodecode.Ingest.Signals;

/// <summary>
/// A multichannel recording: metadata, annotations and a stream of sample blocks.
/// Reading never needs memory proportional to the file: samples come block by block.
/// </summary>
public interface IRecording : IDisposable
{
    RecordingInfo Info { get; }
    IReadOnlyList<Annotation> Annotations { get; }

    /// <summary>
    /// Streams samples <paramref name="start"/> .. <paramref name="stop"/> (exclusive; null = to the end) of the
    /// channels in <paramref name="picks"/> (null = all) in blocks of at most <paramref name="blockSize"/> samples.
    /// Values are float64 in the SI units of <see cref="ChannelInfo.Unit"/>.
    /// </summary>
    IAsyncEnumerable<SignalBlock> ReadBlocks(long start = 0, long? stop = null, IReadOnlyList<int>? picks = null,
        int blockSize = Recording.DefaultBlockSize, CancellationToken ct = default);
}
