using System.Text.RegularExpressions;

namespace Neurodecode.Ingest.Datasets;

/// <summary>Subject, session and run from a file name, whatever the format.</summary>
public static partial class RecordingNames
{
    /// <summary>
    /// BIDS entities (<c>sub-01_ses-02_task-mi_run-03_eeg.edf</c>) or EEGMMIDB's <c>S001R04.edf</c>
    /// (subject "001", run "04"); nulls where the name says nothing.
    /// </summary>
    public static (string? Subject, string? Session, string? Run) Parse(string path)
    {
        string name = Path.GetFileName(path);
        var bids = Bids().Matches(name).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        if (bids.ContainsKey("sub"))
            return (bids["sub"], bids.GetValueOrDefault("ses"), bids.GetValueOrDefault("run"));
        var m = Eegmmidb().Match(name);
        return m.Success ? (m.Groups[1].Value, null, m.Groups[2].Value) : (null, null, null);
    }

    [GeneratedRegex(@"(?:^|_)(sub|ses|run)-([A-Za-z0-9]+)")]
    private static partial Regex Bids();

    [GeneratedRegex(@"S(\d{3})R(\d{2})")]
    private static partial Regex Eegmmidb();
}
