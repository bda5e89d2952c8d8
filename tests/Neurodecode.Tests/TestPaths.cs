namespace Neurodecode.Tests;

/// <summary>Where the repository, its bundled samples and the shared real recordings are.</summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    /// <summary>The shared real recordings (../shared/datasets from the project root).</summary>
    public static string SharedDatasets { get; } = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "datasets"));

    public static string Golden { get; } = Path.Combine(AppContext.BaseDirectory, "Golden");

    public static string Shared(string relative) => Path.Combine(SharedDatasets, relative);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Neurodecode.sln")))
                return dir.FullName;
        throw new InvalidOperationException("Neurodecode.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>A fresh empty folder under the system temp dir, deleted when disposed.</summary>
    public static TempDir TempDir() => new();
}

public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("neurodecode-test-").FullName;
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
