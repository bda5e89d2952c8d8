using System.Globalization;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Parcellation;

/// <summary>
/// Region names for an atlas, as mricron's <c>aal.nii.txt</c> gives them: one region per line, whitespace-separated,
/// the label value first and the name second (further columns, such as AAL's codes, are ignored). Blank lines and
/// lines starting with '#' are skipped.
/// </summary>
public static class LabelTable
{
    public static IReadOnlyDictionary<double, string> Read(string path)
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
        var names = new Dictionary<double, string>();
        for (int n = 0; n < lines.Length; n++)
        {
            string line = lines[n].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var cells = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (cells.Length < 2 || !double.TryParse(cells[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double label))
                throw new InvalidRecordingException(path, $"line {n + 1}: expected 'LABEL NAME', got '{Clip(line)}'");
            if (!names.TryAdd(label, cells[1]))
                throw new InvalidRecordingException(path, $"line {n + 1}: label {cells[0]} is listed twice");
        }
        if (names.Count == 0)
            throw new InvalidRecordingException(path, "no 'LABEL NAME' lines");
        return names;
    }

    private static string Clip(string s) => s.Length <= 60 ? s : s[..60] + "...";
}
