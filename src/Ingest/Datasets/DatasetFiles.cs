using System.Text.Json;
using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Datasets;

/// <summary>
/// One recording of a dataset: where it is, its path relative to the dataset root with '/' separators (the stable key
/// that names outputs and assigns shards, whatever machine or mount point reads it), the dataset's name (null for a
/// loose file) and the SHA-256 a manifest promises for it (null when none was given).
/// </summary>
public sealed record DatasetFile(string Path, string RelativePath, string? Dataset, string? Sha256 = null);

/// <summary>
/// Turns what a user points at into recordings, whatever their format: single files, folders (every recording
/// underneath), BIDS roots (<c>sub-*/[ses-*/]eeg|meg|ieeg|func/</c>) and dataset manifests (JSON listing files with
/// SHA-256, see <see cref="ReadManifest"/>).
/// </summary>
public static class DatasetFiles
{
    // Files that belong to a recording named by another file (BrainVision markers and data, Analyze .img) or that
    // describe one (BIDS sidecars, manifests): never recordings of their own when a folder is scanned. Tables
    // (.csv/.tsv) are far more often sidecars than ROI series; pass those as files to decode them.
    private static readonly string[] NotRecordings = [".vmrk", ".eeg", ".img", ".json", ".tsv", ".csv", ".txt", ".md", ".tmp",
        // MNE's names for FIF files that are not raw recordings: events, annotations, evoked, epochs, covariance,
        // forward/inverse solutions, transforms, projections, ICA, BEM and source spaces.
        "-eve.fif", "_eve.fif", "-annot.fif", "_annot.fif", "-ave.fif", "_ave.fif", "-epo.fif", "_epo.fif", "-cov.fif",
        "-fwd.fif", "-inv.fif", "-trans.fif", "-proj.fif", "-ica.fif", "-bem.fif", "-bem-sol.fif", "-src.fif"];

    // BIDS datatype folders that hold time series, and the suffixes of the files in them that are recordings.
    private static readonly string[] BidsDatatypes = ["eeg", "meg", "ieeg", "func"];
    private static readonly string[] BidsSuffixes = ["_eeg", "_meg", "_ieeg", "_bold"];

    /// <summary>Every recording named by <paramref name="inputs"/>, in the order given (folders sorted by relative path).</summary>
    public static IReadOnlyList<DatasetFile> Discover(IEnumerable<string> inputs)
    {
        var found = new List<DatasetFile>();
        foreach (string input in inputs)
        {
            if (Directory.Exists(input))
                found.AddRange(IsBidsRoot(input) ? Bids(input) : Folder(input));
            else if (File.Exists(input) && input.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
                found.AddRange(ReadManifest(input));
            else if (File.Exists(input))
                found.Add(new DatasetFile(input, System.IO.Path.GetFileName(input), null));
            else
                throw new InvalidRecordingException(input, "no such file or folder");
        }
        return found;
    }

    /// <summary>
    /// A dataset manifest: <c>{"name": "eegmmidb-lr", "files": [{"path": "S001/S001R04.edf", "sha256": "..."}]}</c>,
    /// paths relative to the manifest's folder. Errors name the manifest and the entry.
    /// </summary>
    public static IReadOnlyList<DatasetFile> ReadManifest(string manifestPath)
    {
        string root = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(manifestPath))!;
        JsonElement doc;
        try
        {
            using var parsed = JsonDocument.Parse(File.ReadAllText(manifestPath));
            doc = parsed.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidRecordingException(manifestPath, $"not a dataset manifest: {e.Message.Split('\n')[0]}");
        }
        if (doc.ValueKind != JsonValueKind.Object || !doc.TryGetProperty("files", out var files) || files.ValueKind != JsonValueKind.Array)
            throw new InvalidRecordingException(manifestPath, "not a dataset manifest: expected {\"name\": ..., \"files\": [{\"path\": ..., \"sha256\": ...}]}");
        string? name = doc.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        name ??= System.IO.Path.GetFileNameWithoutExtension(manifestPath);

        var result = new List<DatasetFile>();
        int i = 0;
        foreach (var entry in files.EnumerateArray())
        {
            string where = $"files[{i++}]";
            string? path = entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("path", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            string? sha = entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("sha256", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            if (string.IsNullOrEmpty(path))
                throw new InvalidRecordingException(manifestPath, $"{where}: no \"path\"");
            if (System.IO.Path.IsPathRooted(path) || path.Split('/', '\\').Contains(".."))
                throw new InvalidRecordingException(manifestPath, $"{where}: path '{path}' must be relative to the manifest and stay inside its folder");
            if (sha is null || sha.Length != 64 || !sha.All(char.IsAsciiHexDigit))
                throw new InvalidRecordingException(manifestPath, $"{where} '{path}': \"sha256\" must be 64 hex digits");
            string relative = path.Replace('\\', '/');
            result.Add(new DatasetFile(System.IO.Path.Combine(root, relative), relative, name, sha.ToLowerInvariant()));
        }
        return result;
    }

    /// <summary>A BIDS root has dataset_description.json or sub-* folders.</summary>
    public static bool IsBidsRoot(string dir) =>
        File.Exists(System.IO.Path.Combine(dir, "dataset_description.json"))
        || Directory.EnumerateDirectories(dir, "sub-*").Any();

    private static IEnumerable<DatasetFile> Bids(string root)
    {
        string name = BidsName(root);
        var subjects = Directory.EnumerateDirectories(root, "sub-*");
        // sub-*/<datatype>/ and sub-*/ses-*/<datatype>/
        var datatypeDirs = subjects.SelectMany(s => Directory.EnumerateDirectories(s, "ses-*").Prepend(s))
            .SelectMany(d => BidsDatatypes.Select(t => System.IO.Path.Combine(d, t)))
            .Where(Directory.Exists);
        return datatypeDirs.SelectMany(d => Directory.EnumerateFiles(d))
            .Where(f => BidsSuffixes.Any(s => System.IO.Path.GetFileName(f).Contains(s + ".", StringComparison.Ordinal)))
            .Where(IsRecording)
            .Select(f => new DatasetFile(f, Relative(root, f), name))
            .OrderBy(f => f.RelativePath, StringComparer.Ordinal);
    }

    private static IEnumerable<DatasetFile> Folder(string root)
    {
        string name = System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(root)));
        return Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Hidden })
            .Where(f => !System.IO.Path.GetFileName(f).StartsWith('.'))
            .Where(IsRecording)
            .Select(f => new DatasetFile(f, Relative(root, f), name))
            .OrderBy(f => f.RelativePath, StringComparer.Ordinal);
    }

    /// <summary>A file a format reader recognises as a multichannel recording (images need a parcellation first).</summary>
    private static bool IsRecording(string path)
    {
        if (NotRecordings.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
            return false;
        try
        {
            return SignalFormats.Detect(path) is IRecordingFormat;
        }
        catch (InvalidRecordingException)
        {
            return false;
        }
    }

    private static string BidsName(string root)
    {
        string description = System.IO.Path.Combine(root, "dataset_description.json");
        if (File.Exists(description))
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(description));
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("Name", out var n)
                    && n.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(n.GetString()))
                    return n.GetString()!;
            }
            catch (JsonException)
            {
                // A broken description does not stop decoding; the folder name still names the dataset.
            }
        }
        return System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(root)));
    }

    private static string Relative(string root, string file) => System.IO.Path.GetRelativePath(root, file).Replace('\\', '/');
}

/// <summary>
/// Splits a dataset between N machines: file i goes to shard <c>hash(relative path) mod N</c> (first 8 bytes of its
/// SHA-256), so every machine computes the same split without talking to the others, and a file's shard does not
/// change when other files are added or missing.
/// </summary>
public static class Shards
{
    public static int Of(string relativePath, int n)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(relativePath));
        return (int)(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(hash) % (ulong)n);
    }

    /// <summary>The files of shard <paramref name="k"/> (0 ≤ k &lt; n).</summary>
    public static IReadOnlyList<DatasetFile> Select(IEnumerable<DatasetFile> files, int k, int n)
    {
        if (n < 1 || k < 0 || k >= n)
            throw new ArgumentOutOfRangeException(nameof(k), $"shard {k}/{n}: need 0 <= K < N");
        return files.Where(f => Of(f.RelativePath, n) == k).ToList();
    }
}
