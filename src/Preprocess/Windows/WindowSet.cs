namespace Neurodecode.Preprocess.Windows;

/// <summary>Where one window came from: one row of <c>windows.parquet</c>.</summary>
public sealed record WindowInfo(string File, string? Subject, string? Session, int? Run, double OnsetS, string? Label, long ClassId);

/// <summary>
/// Windows cut from one recording: <see cref="X"/> is windows x channels x samples (float32, C order, as the model
/// reads it), <see cref="Y"/> the class ids (−1 when unlabelled), and what was dropped and why.
/// </summary>
public sealed record WindowSet(int NChannels, int NTimes, float[] X, long[] Y, IReadOnlyList<WindowInfo> Windows,
    IReadOnlyList<string> Dropped)
{
    public int Count => Y.Length;
}
