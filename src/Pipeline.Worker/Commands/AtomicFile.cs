namespace Neurodecode.Pipeline.Worker.Commands;

/// <summary>
/// Writes an output under a temporary name in the same folder and renames it when complete, so a failed or
/// cancelled run leaves no partial file and never clobbers a good one.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes through <paramref name="write"/> into a temporary file, then renames it to <paramref name="path"/>.
    /// <paramref name="tempPath"/> fixes the temporary name (same folder), so a rerun overwrites what a killed run left;
    /// by default it is unique per call.</summary>
    public static async Task WriteAsync(string path, Func<string, Task> write, string? tempPath = null)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir))
            throw new UsageException($"{path}: output folder {dir} does not exist");
        string temp = tempPath ?? Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await write(temp);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
                File.Delete(temp);
        }
    }
}
