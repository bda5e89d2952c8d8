namespace Neurodecode.Ingest.Formats.Parquet;

/// <summary>The fixed names of a Neurodecode signal file (layout in README.md).</summary>
internal static class ParquetConstants
{
    /// <summary>"PAR1": the first (and last) four bytes of every Parquet file.</summary>
    public static ReadOnlySpan<byte> Magic => "PAR1"u8;

    /// <summary>Version of the layout below; a reader refuses files with a newer one.</summary>
    public const string FormatVersion = "1";

    public const string FormatVersionKey = "neurodecode.format_version";
    public const string RecordingKey = "neurodecode.recording";
    public const string AnnotationsKey = "neurodecode.annotations";

    /// <summary>Optional: how <c>parcellate</c> made the file (atlas, regions with their voxel counts).</summary>
    public const string ParcellationKey = "neurodecode.parcellation";

    /// <summary>Leading int64 column: the index of the row's sample, 0 at the first sample.</summary>
    public const string SampleColumn = "sample";

    /// <summary>Second float64 column: the sample's time in seconds from the first sample (sample / sfreq).</summary>
    public const string TimeColumn = "time_s";

    /// <summary>
    /// Rows per row group are chosen so one group of float64 values holds about this many bytes, within
    /// <see cref="MinRowGroupRows"/>..<see cref="MaxRowGroupRows"/>: a reader and a writer hold one group at a time.
    /// </summary>
    public const long TargetRowGroupBytes = 8L << 20;

    public const int MinRowGroupRows = 1024;
    public const int MaxRowGroupRows = 65536;

    public static int RowGroupRows(int nChannels) =>
        (int)Math.Clamp(TargetRowGroupBytes / (sizeof(double) * (nChannels + 2L)), MinRowGroupRows, MaxRowGroupRows);
}
