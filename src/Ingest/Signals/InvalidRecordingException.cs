namespace Neurodecode.Ingest.Signals;

/// <summary>
/// A file that cannot be read as what it claims to be. The message is one line naming the file, the field or
/// value, and what was expected: <c>sub-01.edf: signal 3 'Fz': samples per record = 0 (expected &gt; 0)</c>.
/// </summary>
public sealed class InvalidRecordingException(string path, string problem, Exception? inner = null)
    : FormatException($"{path}: {problem}", inner)
{
    public string FilePath { get; } = path;
    public string Problem { get; } = problem;
}
