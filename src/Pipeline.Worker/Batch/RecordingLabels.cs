using Neurodecode.Ingest.Datasets;
using Neurodecode.Ingest.Signals;
using Neurodecode.Models.Training;
using Neurodecode.Pipeline.Worker.Commands;
using Neurodecode.Preprocess.Windows;

namespace Neurodecode.Pipeline.Worker.Batch;

/// <summary>
/// Recording-level labels (<c>data.labels</c> of a train config): a participants table gives each recording one class,
/// and every window of the recording takes it. Paths are relative to the config.
/// <code>
/// BIDS:  {"table": "participants.tsv", "key": "participant_id", "column": "group"}
/// ABIDE: {"table": "subjects.tsv", "key": "file", "match": "file", "column": "DX_GROUP",
///         "map": {"1": "autism", "2": "control"}, "subject": "SUB_ID"}
/// </code>
/// </summary>
/// <param name="Table">A <c>.tsv</c> (tabs) or <c>.csv</c> (commas) with a header row.</param>
/// <param name="Column">The column holding the class.</param>
/// <param name="Key">The column that names the recording.</param>
/// <param name="Match">"subject": the key is the recording's subject as its file name says (BIDS <c>sub-01</c> matches
/// "01" or "sub-01"); "file": the key is the recording's path relative to the table's folder.</param>
/// <param name="Map">Table value → class name; values missing from it are errors. Without a map the values are the names.</param>
/// <param name="Subject">A column naming each recording's subject for the subject-wise split, for file names that carry
/// none (ABIDE's); else the file name's subject, else the key.</param>
public sealed record LabelsSpec(string Table, string Column, string Key = "participant_id", string Match = "subject",
    IReadOnlyDictionary<string, string>? Map = null, string? Subject = null)
{
    /// <summary>The same spec with <see cref="Table"/> made absolute (model folders keep it so).</summary>
    public LabelsSpec Resolve(string configDir) => this with { Table = Path.GetFullPath(Path.Combine(configDir, Table)) };
}

/// <summary>A <see cref="LabelsSpec"/> read: the class and subject of each recording.</summary>
public sealed class RecordingLabels
{
    private readonly LabelsSpec _spec;
    private readonly Dictionary<string, (string? Label, string Value, string? Subject)> _rows;

    /// <summary>The classes in order: the map's values as they first appear, else the table's values sorted.</summary>
    public IReadOnlyList<string> Classes { get; }

    private RecordingLabels(LabelsSpec spec, Dictionary<string, (string?, string, string?)> rows, IReadOnlyList<string> classes) =>
        (_spec, _rows, Classes) = (spec, rows, classes);

    /// <summary>Reads the table of an absolute-path spec; problems are usage errors naming the table and the cell.</summary>
    public static RecordingLabels Load(LabelsSpec spec)
    {
        string table = spec.Table;
        if (spec.Match is not ("subject" or "file"))
            throw new UsageException($"labels.match: '{spec.Match}' must be 'subject' or 'file'");
        if (!File.Exists(table)) throw new UsageException($"labels.table: {table}: no such file");
        char separator = table.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? ',' : '\t';
        var lines = File.ReadAllLines(table).Where(l => l.Trim().Length > 0).ToList();
        if (lines.Count < 2) throw new UsageException($"labels.table: {table}: needs a header row and at least one row");
        string[] Cells(string line) => line.Split(separator).Select(c => c.Trim().Trim('"')).ToArray();
        var header = Cells(lines[0]);
        int Column(string name, string option) => Array.IndexOf(header, name) is var i and >= 0 ? i
            : throw new UsageException($"labels.{option}: {table} has no column '{name}' (columns: {string.Join(", ", header)})");
        int key = Column(spec.Key, "key"), column = Column(spec.Column, "column");
        int? subject = spec.Subject is { } s ? Column(s, "subject") : null;

        var rows = new Dictionary<string, (string? Label, string Value, string? Subject)>(StringComparer.Ordinal);
        for (int n = 1; n < lines.Count; n++)
        {
            var cells = Cells(lines[n]);
            if (cells.Length != header.Length)
                throw new UsageException($"labels.table: {table}: line {n + 1} has {cells.Length} cells, the header {header.Length}");
            // A value outside the map is refused only if a recording of the run has it (see Of).
            string value = cells[column];
            string? label = spec.Map is null ? value : spec.Map.GetValueOrDefault(value);
            string id = spec.Match == "file" ? Normalize(cells[key]) : cells[key];
            if (!rows.TryAdd(id, (label, value, subject is int si ? cells[si] : null)))
                throw new UsageException($"labels.table: {table}: {spec.Key} '{cells[key]}' appears twice");
        }
        var classes = spec.Map?.Values.Distinct().ToList() ?? rows.Values.Select(r => r.Value).Distinct().Order(StringComparer.Ordinal).ToList();
        return new RecordingLabels(spec, rows, classes);
    }

    private static string Normalize(string path) => path.Replace('\\', '/').TrimStart('.', '/');

    /// <summary>The class and subject of the recording <paramref name="file"/> (absolute) whose file name gives
    /// <paramref name="nameSubject"/>; a recording the table does not list, or whose value the map lacks, is an
    /// <see cref="InvalidRecordingException"/> naming it (bad input: exit 1).</summary>
    public (string Label, string Subject) Of(string file, string? nameSubject)
    {
        string? id = null;
        (string? Label, string Value, string? Subject) row = default;
        bool found = _spec.Match == "file"
            ? _rows.TryGetValue(id = Normalize(Path.GetRelativePath(Path.GetDirectoryName(_spec.Table)!, file)), out row)
            : nameSubject is not null && (_rows.TryGetValue(id = nameSubject, out row) || _rows.TryGetValue(id = "sub-" + nameSubject, out row));
        if (!found)
            throw new InvalidRecordingException(file, _spec.Match == "file"
                ? $"not in {_spec.Table} (no row with {_spec.Key} '{id}')"
                : nameSubject is null ? $"its name has no subject to look up in {_spec.Table} (use \"match\": \"file\")"
                : $"subject '{nameSubject}' is not in {_spec.Table} (column {_spec.Key})");
        if (row.Label is null)
            throw new InvalidRecordingException(file, $"{_spec.Column} '{row.Value}' in {_spec.Table} is not in labels.map ({string.Join(", ", _spec.Map!.Keys)})");
        return (row.Label, row.Subject ?? nameSubject ?? id!);
    }

    /// <summary>Throws for the first of <paramref name="files"/> the table does not label (see <see cref="Of"/>).</summary>
    public void CheckListed(IEnumerable<string> files)
    {
        foreach (var file in files)
            Of(file, RecordingNames.Parse(file).Subject);
    }

    /// <summary>Every window labelled with its recording's class among <paramref name="classes"/> (ids in that order)
    /// and its subject; windows of recordings in other classes are left out.</summary>
    public WindowDataset Apply(WindowDataset data, IReadOnlyList<string> classes)
    {
        var keep = new List<int>();
        var windows = new List<WindowInfo>();
        foreach (var (w, i) in data.Windows.Select((w, i) => (w, i)))
        {
            // Readers that do not parse names (ROI tables) leave Subject null; the file name still says it.
            var (label, subject) = Of(w.File, w.Subject ?? RecordingNames.Parse(w.File).Subject);
            int id = classes.ToList().IndexOf(label);
            if (id < 0) continue;
            keep.Add(i);
            windows.Add(w with { Subject = subject, Label = label, ClassId = id });
        }
        if (keep.Count == 0)
            throw new UsageException($"no windows left: no recording is labelled with one of the classes ({string.Join(", ", classes)}) in {_spec.Table}");
        var subset = data.Subset(keep);
        return new WindowDataset(subset.X, windows.Select(w => w.ClassId).ToArray(), subset.NChans, subset.NTimes, windows);
    }
}
