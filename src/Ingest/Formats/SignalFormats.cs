using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Formats;

/// <summary>Every format the project reads; a new format is one folder and one line here.</summary>
public static class SignalFormats
{
    public static IReadOnlyList<ISignalFormat> All { get; } =
    [
        new Parquet.ParquetFormat(),
        new Nifti.NiftiFormat(),
        new RoiTable.RoiTableFormat(),
        new Gdf.GdfFormat(),
        Edf.EdfFormat.Edf, Edf.EdfFormat.Bdf,
        new Fif.FifFormat(),                   // after the content-only formats: also claims any .fif name
        new BrainVision.BrainVisionFormat(),   // last: also claims .vhdr/.ahdr names whose first line is unknown
    ];

    /// <summary>The format of <paramref name="path"/>, by content first and extension second.</summary>
    public static ISignalFormat Detect(string path)
    {
        if (Directory.Exists(path))
            throw new InvalidRecordingException(path, "is a folder, not a file");
        if (!File.Exists(path))
            throw new InvalidRecordingException(path, "no such file");
        int size = All.Count == 0 ? 0 : All.Max(f => f.HeaderSize);
        var header = new byte[size];
        int n;
        using (var stream = File.OpenRead(path))
            n = stream.ReadAtLeast(header, size, throwOnEndOfStream: false);
        return All.FirstOrDefault(f => f.IsMatch(header.AsSpan(0, n), path))
               ?? throw new InvalidRecordingException(path,
                   $"unknown file format (readable: {string.Join(", ", All.Select(f => f.Name))})");
    }

    public static Recording OpenRecording(string path) => Detect(path) switch
    {
        IRecordingFormat f => f.Open(path),
        var f => throw new InvalidRecordingException(path, $"is a {f.Name} image, not a multichannel recording"),
    };

    public static IVolumeSeries OpenVolumes(string path) => Detect(path) switch
    {
        IVolumeFormat f => f.Open(path),
        var f => throw new InvalidRecordingException(path, $"is a {f.Name} recording, not an image"),
    };

    internal static bool HasExtension(string path, params string[] extensions) =>
        extensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));
}
