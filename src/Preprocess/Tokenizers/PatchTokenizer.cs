namespace Neurodecode.Preprocess.Tokenizers;

/// <summary>
/// The shape of a batch of windows as preprocess writes it to <c>X.npy</c>: (n_windows, n_channels, n_times),
/// channel-major and contiguous (sample t of channel c of window w is at <c>(w·n_channels + c)·n_times + t</c>).
/// </summary>
public readonly record struct WindowsShape(int NWindows, int NChannels, int NTimes)
{
    public long Length => (long)NWindows * NChannels * NTimes;
    public override string ToString() => $"({NWindows}, {NChannels}, {NTimes})";
}

/// <summary>The shape of patched windows: (n_windows, n_channels, n_patches, patch_len), CBraMod's (B, C, N, 200).</summary>
public readonly record struct PatchShape(int NWindows, int NChannels, int NPatches, int PatchLen)
{
    /// <summary>Number of patches in the batch: n_windows · n_channels · n_patches.</summary>
    public int NSegments => NWindows * NChannels * NPatches;
    public long Length => (long)NSegments * PatchLen;
    public override string ToString() => $"({NWindows}, {NChannels}, {NPatches}, {PatchLen})";
}

/// <summary>
/// How windows are cut into patches.
/// </summary>
/// <param name="PatchLen">Samples per patch; CBraMod: 200 (one second at 200 Hz).</param>
/// <param name="Stride">Samples between patch starts, 1 … patch_len; null means patch_len (non-overlapping, CBraMod).</param>
/// <param name="DropRemainder">
/// When the patches do not end exactly at the window's end (n_times − patch_len not a multiple of the stride), drop
/// the trailing samples instead of failing. Off by default: losing the end of every window silently is a bug.
/// </param>
public sealed record PatchTokenizerConfig(int PatchLen = 200, int? Stride = null, bool DropRemainder = false)
{
    /// <summary>The stride in samples, with null resolved to <see cref="PatchLen"/>.</summary>
    public int StrideOrPatchLen => Stride ?? PatchLen;

    public void Validate()
    {
        if (PatchLen < 1) throw new ArgumentException($"patch_len ({PatchLen}) must be positive");
        if (Stride is { } s && (s < 1 || s > PatchLen))
            throw new ArgumentException($"stride ({s}) must be between 1 and patch_len ({PatchLen})");
    }

    public string ToJson() => TokenizerJson.Serialize(this);

    public static PatchTokenizerConfig FromJson(string json, string source = "patch tokenizer config")
    {
        var config = TokenizerJson.Deserialize<PatchTokenizerConfig>(json, source);
        config.Validate();
        return config;
    }
}

/// <summary>
/// Windows (n, channels, n_times) → patches (n, channels, n_patches, patch_len). With stride = patch_len and no
/// remainder this is only a reshape: <see cref="View"/> then costs nothing and <see cref="PatchView.IsContiguous"/>
/// says the input already is the patch tensor; overlapping patches or a dropped remainder are still viewed without a
/// copy, patch by patch, and <see cref="Patch(ReadOnlySpan{float}, WindowsShape)"/> makes a contiguous copy.
/// </summary>
public sealed class PatchTokenizer
{
    public PatchTokenizer(PatchTokenizerConfig config)
    {
        config.Validate();
        Config = config;
    }

    public PatchTokenizerConfig Config { get; }

    /// <summary>The patch shape for windows of <paramref name="windows"/>' shape; throws if they cannot be patched.</summary>
    public PatchShape Resolve(WindowsShape windows)
    {
        int len = Config.PatchLen, stride = Config.StrideOrPatchLen;
        if (windows.NWindows < 0 || windows.NChannels < 1 || windows.NTimes < 1)
            throw new ArgumentException($"windows shape {windows} must have n_windows ≥ 0, n_channels ≥ 1, n_times ≥ 1");
        if (windows.NTimes < len)
            throw new ArgumentException($"n_times ({windows.NTimes}) is shorter than patch_len ({len})");
        int nPatches = (windows.NTimes - len) / stride + 1;
        int left = windows.NTimes - ((nPatches - 1) * stride + len);
        if (left != 0 && !Config.DropRemainder)
            throw new ArgumentException(
                $"n_times ({windows.NTimes}) does not end on a patch: patch_len {len}, stride {stride} leave {left} " +
                "trailing samples per window; trim the windows or set drop_remainder");
        if ((long)windows.NWindows * windows.NChannels * nPatches > int.MaxValue)
            throw new ArgumentException($"windows shape {windows} gives more than {int.MaxValue} patches");
        return new PatchShape(windows.NWindows, windows.NChannels, nPatches, len);
    }

    /// <summary>A zero-copy view of the patches of <paramref name="windows"/> (channel-major, shape <paramref name="shape"/>).</summary>
    public PatchView View(ReadOnlySpan<float> windows, WindowsShape shape)
    {
        var patches = Resolve(shape);
        if (windows.Length != shape.Length)
            throw new ArgumentException($"windows hold {windows.Length} values, shape {shape} needs {shape.Length}");
        return new PatchView(windows, patches, shape.NTimes, Config.StrideOrPatchLen);
    }

    /// <summary>The patches of <paramref name="windows"/> as a new contiguous (n, channels, n_patches, patch_len) array.</summary>
    public float[] Patch(ReadOnlySpan<float> windows, WindowsShape shape)
    {
        var view = View(windows, shape);
        var result = new float[view.Shape.Length];
        view.CopyTo(result);
        return result;
    }

    /// <summary>Writes the patches of <paramref name="windows"/> into <paramref name="destination"/> (contiguous).</summary>
    public void Patch(ReadOnlySpan<float> windows, WindowsShape shape, Span<float> destination) =>
        View(windows, shape).CopyTo(destination);
}

/// <summary>
/// Patches of channel-major windows, read in place. Patch (w, c, p) is the <c>patch_len</c> samples of channel c of
/// window w starting at sample <c>p·stride</c>. Flat patch index i runs over (w, c, p) in that order, as in the
/// (n, channels, n_patches, patch_len) tensor.
/// </summary>
public readonly ref struct PatchView
{
    private readonly ReadOnlySpan<float> _windows;
    private readonly int _nTimes;

    internal PatchView(ReadOnlySpan<float> windows, PatchShape shape, int nTimes, int stride)
    {
        _windows = windows;
        _nTimes = nTimes;
        Shape = shape;
        Stride = stride;
    }

    /// <summary>A view of an already contiguous (n, channels, n_patches, patch_len) array.</summary>
    public static PatchView FromPatches(ReadOnlySpan<float> patches, PatchShape shape)
    {
        if (shape.NWindows < 0 || shape.NChannels < 1 || shape.NPatches < 1 || shape.PatchLen < 1)
            throw new ArgumentException($"patch shape {shape} must have n_windows ≥ 0 and the other sizes ≥ 1");
        if (patches.Length != shape.Length)
            throw new ArgumentException($"patches hold {patches.Length} values, shape {shape} needs {shape.Length}");
        return new PatchView(patches, shape, shape.NPatches * shape.PatchLen, shape.PatchLen);
    }

    public PatchShape Shape { get; }
    public int Stride { get; }

    /// <summary>True when the underlying span is itself the (n, channels, n_patches, patch_len) tensor.</summary>
    public bool IsContiguous => Stride == Shape.PatchLen && _nTimes == Shape.NPatches * Shape.PatchLen;

    /// <summary>The whole patch tensor without a copy; only when <see cref="IsContiguous"/>.</summary>
    public ReadOnlySpan<float> Contiguous => IsContiguous
        ? _windows
        : throw new InvalidOperationException($"patches overlap or skip samples (stride {Stride}, patch_len {Shape.PatchLen}, n_times {_nTimes}): copy them with CopyTo");

    public ReadOnlySpan<float> this[int window, int channel, int patch]
    {
        get
        {
            if ((uint)window >= (uint)Shape.NWindows || (uint)channel >= (uint)Shape.NChannels || (uint)patch >= (uint)Shape.NPatches)
                throw new ArgumentOutOfRangeException(nameof(window), $"patch ({window}, {channel}, {patch}) is outside {Shape}");
            return _windows.Slice((window * Shape.NChannels + channel) * _nTimes + patch * Stride, Shape.PatchLen);
        }
    }

    /// <summary>Patch number <paramref name="index"/> in (window, channel, patch) order.</summary>
    public ReadOnlySpan<float> Segment(int index)
    {
        if ((uint)index >= (uint)Shape.NSegments)
            throw new ArgumentOutOfRangeException(nameof(index), $"patch {index} is outside {Shape.NSegments} patches");
        int row = index / Shape.NPatches, patch = index - row * Shape.NPatches; // row = window·n_channels + channel
        return _windows.Slice(row * _nTimes + patch * Stride, Shape.PatchLen);
    }

    /// <summary>Windows <paramref name="start"/> … start + count − 1, e.g. to split a batch between threads.</summary>
    public PatchView Windows(int start, int count)
    {
        if (start < 0 || count < 0 || start + count > Shape.NWindows)
            throw new ArgumentOutOfRangeException(nameof(start), $"windows {start} + {count} are outside {Shape.NWindows}");
        int row = Shape.NChannels * _nTimes;
        return new PatchView(_windows.Slice(start * row, count * row), Shape with { NWindows = count }, _nTimes, Stride);
    }

    public void CopyTo(Span<float> destination)
    {
        if (destination.Length != Shape.Length)
            throw new ArgumentException($"destination holds {destination.Length} values, patches {Shape} need {Shape.Length}");
        if (IsContiguous)
        {
            _windows.CopyTo(destination);
            return;
        }
        int len = Shape.PatchLen;
        for (int i = 0; i < Shape.NSegments; i++) Segment(i).CopyTo(destination.Slice(i * len, len));
    }

    public float[] ToArray()
    {
        var a = new float[Shape.Length];
        CopyTo(a);
        return a;
    }
}
