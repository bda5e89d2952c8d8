using System.Text.RegularExpressions;

namespace Neurodecode.Ingest.Datasets;

/// <summary>Subject, session and run from a file name, whatever the format.</summary>
public static partial class RecordingNames
{
    /// <summary>
    /// BIDS entities (<c>sub-01_ses-02_task-mi_run-03_eeg.edf</c>), EEGMMIDB's <c>S001R04.edf</c>
    /// (subject "001", run "04") or ABIDE Preprocessed's <c>&lt;SITE&gt;_&lt;SUB_ID, 7 digits&gt;_rois_&lt;atlas&gt;.1D</c>
    /// (<c>MaxMun_a_0051318_rois_cc200.1D</c>: subject "0051318"); nulls where the name says nothing.
    /// </summary>
    public static (string? Subject, string? Session, string? Run) Parse(string path)
    {
        string name = Path.GetFileName(path);
        var bids = Bids().Matches(name).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        if (bids.ContainsKey("sub"))
            return (bids["sub"], bids.GetValueOrDefault("ses"), bids.GetValueOrDefault("run"));
        var m = Eegmmidb().Match(name);
        if (m.Success) return (m.Groups[1].Value, null, m.Groups[2].Value);
        var abide = Abide().Match(name);
        return abide.Success ? (abide.Groups[1].Value, null, null) : (null, null, null);
    }

    [GeneratedRegex(@"(?:^|_)(sub|ses|run)-([A-Za-z0-9]+)")]
    private static partial Regex Bids();

    [GeneratedRegex(@"S(\d{3})R(\d{2})")]
    private static partial Regex Eegmmidb();

    [GeneratedRegex(@"_(\d{7})_rois_")]
    private static partial Regex Abide();
}
