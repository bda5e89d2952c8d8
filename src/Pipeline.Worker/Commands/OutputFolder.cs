namespace Neurodecode.Pipeline.Worker.Commands;

/// <summary>
/// Fills an output folder atomically: files are written into a hidden temporary folder beside it and moved in only
/// when all of them are complete (subfolders too), so a failed run adds nothing and leaves earlier contents alone.
/// </summary>
public static class OutputFolder
{
    public static async Task WriteAsync(string dir, Func<string, Task> write)
    {
        string full = Path.GetFullPath(dir);
        string parent = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(parent))
            throw new UsageException($"{dir}: parent folder {parent} does not exist");
        if (File.Exists(full))
            throw new UsageException($"{dir}: is a file, not a folder");
        string temp = Path.Combine(parent, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temp);
        try
        {
            await write(temp);
            Directory.CreateDirectory(full);
            foreach (var file in Directory.GetFiles(temp))
                File.Move(file, Path.Combine(full, Path.GetFileName(file)), overwrite: true);
            // Subfolders (bench's model/) replace their earlier namesakes whole, so no stale file survives in them.
            foreach (var sub in Directory.GetDirectories(temp))
            {
                string target = Path.Combine(full, Path.GetFileName(sub));
                if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
                Directory.Move(sub, target);
            }
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }
}
