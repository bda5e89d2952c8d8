using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Formats.RoiTable;

/// <summary>
/// ROI time-series tables — AFNI .1D (ABIDE Preprocessed <c>rois_*.1D</c>), .csv, .tsv: one row per time point,
/// one column per region. Text has no magic number, so the extension decides, and the first bytes must look like
/// text (no NUL byte) so a binary file that happens to be named .csv is not claimed.
/// </summary>
public sealed class RoiTableFormat : IRecordingFormat
{
    public const string FormatName = "roi_table";

    public string Name => FormatName;

    public int HeaderSize => 64;

    public bool IsMatch(ReadOnlySpan<byte> header, string path) =>
        SignalFormats.HasExtension(path, ".1D", ".csv", ".tsv") && header.IndexOf((byte)0) < 0;

    public Recording Open(string path) => RoiTableRecording.Open(path);
}
