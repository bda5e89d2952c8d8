using System.Globalization;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Datasets;

/// <summary>
/// A BIDS <c>*_events.tsv</c> as annotations: tab-separated with a header naming <c>onset</c> and <c>duration</c>
/// (seconds from the first volume) and <c>trial_type</c> (the description); <c>n/a</c> durations count as 0.
/// </summary>
public static class BidsEvents
{
    public static IReadOnlyList<Annotation> Read(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidRecordingException(path, e is FileNotFoundException ? "no such file" : e.Message, e);
        }
        if (lines.Length == 0)
            throw new InvalidRecordingException(path, "empty (expected a header 'onset<TAB>duration<TAB>trial_type')");
        var header = lines[0].Split('\t').Select(h => h.Trim()).ToList();
        int onset = Column("onset"), duration = Column("duration"), type = Column("trial_type");
        var annotations = new List<Annotation>();
        for (int n = 1; n < lines.Length; n++)
        {
            if (lines[n].Trim().Length == 0)
                continue;
            var cells = lines[n].Split('\t');
            if (cells.Length != header.Count)
                throw new InvalidRecordingException(path, $"line {n + 1} has {cells.Length} columns, the header {header.Count}");
            annotations.Add(new Annotation(Number(cells[onset], n, "onset"),
                cells[duration].Trim() == "n/a" ? 0 : Number(cells[duration], n, "duration"), cells[type].Trim()));
        }
        return annotations;

        int Column(string name) => header.IndexOf(name) is >= 0 and var i ? i
            : throw new InvalidRecordingException(path, $"no '{name}' column in the header (columns: {string.Join(", ", header)})");

        double Number(string cell, int n, string name) =>
            double.TryParse(cell.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)
                ? v : throw new InvalidRecordingException(path, $"line {n + 1}: {name} '{cell.Trim()}' is not a number of seconds");
    }
}
