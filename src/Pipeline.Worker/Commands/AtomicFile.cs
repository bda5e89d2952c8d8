namespace Neurodecode.Pipeline.Worker.Commands;

/// <summary>
/// Writes an output under a temporary name in the same folder and renames it when complete, so a failed or
/// cancelled run leaves no partial file and never clobbers a good one.
/// </summary>
public static class AtomicFile
{
    public static async Task WriteAsync(string path, Func<string, Task> write)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir))
            throw new UsageException($"{path}: output folder {dir} does not exist");
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
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
