using Neurodecode.Preprocess.Windows;
using TorchSharp;
using static TorchSharp.torch;

namespace Neurodecode.Models.Training;

/// <summary>
/// Windows in memory, as the preprocess pipeline cuts them: <see cref="X"/> windows × channels × samples (float32,
/// C order), <see cref="Y"/> class ids (int64, −1 when unlabelled) and where each window came from. Batches are
/// drawn in a seeded order (<see cref="Batches"/>) and become tensors (<see cref="Batch"/>), shaped
/// (batch, C, T) or, for patch models, (batch, C, T / patch_len, patch_len).
/// </summary>
public sealed class WindowDataset
{
    public WindowDataset(float[] x, long[] y, int nChans, int nTimes, IReadOnlyList<WindowInfo>? windows = null)
    {
        if (nChans < 1 || nTimes < 1) throw new ArgumentException($"windows must have channels and samples (got {nChans} x {nTimes})");
        if (x.LongLength != (long)y.Length * nChans * nTimes)
            throw new ArgumentException($"X holds {x.LongLength} values, not {y.Length} windows x {nChans} channels x {nTimes} samples");
        if (windows is not null && windows.Count != y.Length)
            throw new ArgumentException($"{windows.Count} window descriptions for {y.Length} windows");
        X = x;
        Y = y;
        NChans = nChans;
        NTimes = nTimes;
        Windows = windows ?? Enumerable.Range(0, y.Length).Select(i => new WindowInfo("", null, null, null, 0, null, y[i])).ToArray();
    }

    public float[] X { get; }
    public long[] Y { get; }
    public int NChans { get; }
    public int NTimes { get; }
    public IReadOnlyList<WindowInfo> Windows { get; }
    public int Count => Y.Length;

    /// <summary>The windows of several recordings, in order; they must agree on channels and samples.</summary>
    public static WindowDataset Concat(IReadOnlyList<WindowSet> sets)
    {
        if (sets.Count == 0) throw new ArgumentException("no window sets to join");
        var first = sets[0];
        foreach (var s in sets)
            if (s.NChannels != first.NChannels || s.NTimes != first.NTimes)
                throw new ArgumentException(
                    $"{s.Windows.FirstOrDefault()?.File ?? "a window set"} has {s.NChannels} x {s.NTimes} windows but " +
                    $"{first.Windows.FirstOrDefault()?.File ?? "the first"} has {first.NChannels} x {first.NTimes}");
        var x = new float[sets.Sum(s => s.X.LongLength)];
        long offset = 0;
        foreach (var s in sets)
        {
            s.X.CopyTo(x, offset);
            offset += s.X.LongLength;
        }
        return new WindowDataset(x, sets.SelectMany(s => s.Y).ToArray(), first.NChannels, first.NTimes,
            sets.SelectMany(s => s.Windows).ToArray());
    }

    /// <summary>The windows at <paramref name="indices"/>, in that order (a copy).</summary>
    public WindowDataset Subset(IReadOnlyList<int> indices)
    {
        long size = (long)NChans * NTimes;
        var x = new float[indices.Count * size];
        var y = new long[indices.Count];
        var w = new WindowInfo[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            int j = indices[i];
            if ((uint)j >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), j, $"window index out of 0..{Count - 1}");
            Array.Copy(X, j * size, x, i * size, size);
            y[i] = Y[j];
            w[i] = Windows[j];
        }
        return new WindowDataset(x, y, NChans, NTimes, w);
    }

    /// <summary>
    /// Window indices in batches of <paramref name="batchSize"/>: in order when <paramref name="shuffle"/> is false,
    /// else permuted by a <see cref="SplitMix64"/> stream derived from (<paramref name="seed"/>,
    /// <paramref name="epoch"/>) — the same seed and epoch give the same batches. The last batch is short unless
    /// <paramref name="dropLast"/>.
    /// </summary>
    public int[][] Batches(int batchSize, bool shuffle, long seed = 0, int epoch = 0, bool dropLast = false)
    {
        if (batchSize < 1) throw new ArgumentException($"batch_size ({batchSize}) must be at least 1");
        int[] order = shuffle
            ? new SplitMix64(SplitMix64.Derive(seed, epoch)).Permutation(Count)
            : Enumerable.Range(0, Count).ToArray();
        int n = dropLast ? Count / batchSize : (Count + batchSize - 1) / batchSize;
        var batches = new int[n][];
        for (int b = 0; b < n; b++)
            batches[b] = order[(b * batchSize)..Math.Min(Count, (b + 1) * batchSize)];
        return batches;
    }

    /// <summary>
    /// Tensors for the windows at <paramref name="indices"/>: X float32 (batch, C, T), or (batch, C, T / patch_len,
    /// patch_len) when <paramref name="patchLen"/> is given (each channel's samples cut into consecutive patches,
    /// a view of the same memory), and y int64 (batch). Call <see cref="Native.TorchRuntime.EnsureLoaded"/> first.
    /// </summary>
    public (Tensor X, Tensor Y) Batch(IReadOnlyList<int> indices, int? patchLen = null)
    {
        if (patchLen is int p && (p < 1 || NTimes % p != 0))
            throw new ArgumentException($"n_times ({NTimes}) is not a multiple of patch_len ({p})");
        long size = (long)NChans * NTimes;
        var x = new float[indices.Count * size];
        var y = new long[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            int j = indices[i];
            if ((uint)j >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), j, $"window index out of 0..{Count - 1}");
            Array.Copy(X, j * size, x, i * size, size);
            y[i] = Y[j];
        }
        long[] shape = patchLen is int pl
            ? [indices.Count, NChans, NTimes / pl, pl]
            : [indices.Count, NChans, NTimes];
        return (torch.tensor(x, shape), torch.tensor(y));
    }
}
