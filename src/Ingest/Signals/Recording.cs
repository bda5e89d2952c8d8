using System.Runtime.CompilerServices;

namespace Neurodecode.Ingest.Signals;

/// <summary>
/// Base of every reader: a format parses its header into <see cref="RecordingInfo"/> and implements
/// <see cref="ReadSegment"/> (MNE's <c>_read_segment_file</c>): any range of samples from the header and the
/// path alone, no cursor state. Blocks, picks and bounds checks live here once for all formats.
/// </summary>
public abstract class Recording : IRecording
{
    public const int DefaultBlockSize = 8192;

    protected Recording(RecordingInfo info, IReadOnlyList<Annotation> annotations)
    {
        Info = info;
        Annotations = annotations;
    }

    public RecordingInfo Info { get; }
    public IReadOnlyList<Annotation> Annotations { get; }

    /// <summary>Format-specific header facts <c>inspect</c> prints after the common ones (FIF: first_samp, CTF
    /// compensation grade, bads ...); none by default.</summary>
    public virtual IReadOnlyList<KeyValuePair<string, string>> Facts => [];

    /// <summary>
    /// Fills <paramref name="dest"/> (picks.Count rows of <paramref name="count"/> values, channel-major) with samples
    /// [start, start + count) of the picked channels, in SI units. Arguments are already checked.
    /// </summary>
    protected abstract void ReadSegment(long start, int count, IReadOnlyList<int> picks, Span<double> dest);

    public IEnumerable<SignalBlock> Blocks(long start = 0, long? stop = null, IReadOnlyList<int>? picks = null,
        int blockSize = DefaultBlockSize)
    {
        long end = stop ?? Info.NSamples;
        if (start < 0 || end > Info.NSamples || start > end)
            throw new ArgumentOutOfRangeException(nameof(start),
                $"{Info.SourcePath}: samples {start}..{end} outside 0..{Info.NSamples}");
        if (blockSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(blockSize), "block size must be positive");
        var chosen = picks ?? Enumerable.Range(0, Info.NChannels).ToArray();
        foreach (int p in chosen)
            if (p < 0 || p >= Info.NChannels)
                throw new ArgumentOutOfRangeException(nameof(picks), $"{Info.SourcePath}: no channel index {p}");
        return Iterate(start, end, chosen, blockSize);
    }

    private IEnumerable<SignalBlock> Iterate(long start, long end, IReadOnlyList<int> picks, int blockSize)
    {
        for (long s = start; s < end; s += blockSize)
        {
            int n = (int)Math.Min(blockSize, end - s);
            // Every value is written by ReadSegment, so skip zeroing (it costs as much as decoding EDF).
            var block = new SignalBlock(GC.AllocateUninitializedArray<double>(picks.Count * n), picks.Count, n, s);
            ReadSegment(s, n, picks, block.Data);
            yield return block;
        }
    }

    public async IAsyncEnumerable<SignalBlock> ReadBlocks(long start = 0, long? stop = null,
        IReadOnlyList<int>? picks = null, int blockSize = DefaultBlockSize,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        foreach (var block in Blocks(start, stop, picks, blockSize))
        {
            ct.ThrowIfCancellationRequested();
            yield return block;
        }
        await Task.CompletedTask;
    }

    /// <summary>The whole range as one block (MNE's <c>preload=True</c>); use <see cref="ReadBlocks"/> for long files.</summary>
    public SignalBlock ReadAll(long start = 0, long? stop = null, IReadOnlyList<int>? picks = null)
    {
        long end = stop ?? Info.NSamples;
        int n = checked((int)(end - start));
        return Blocks(start, end, picks, Math.Max(n, 1)).FirstOrDefault()
               ?? new SignalBlock(picks?.Count ?? Info.NChannels, 0, start);
    }

    /// <summary>Opens <paramref name="path"/> for reading; a missing file is an <see cref="InvalidRecordingException"/>.</summary>
    protected static Microsoft.Win32.SafeHandles.SafeFileHandle OpenHandle(string path)
    {
        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidRecordingException(path, "no such file");
        }
    }

    public virtual void Dispose() => GC.SuppressFinalize(this);
}
