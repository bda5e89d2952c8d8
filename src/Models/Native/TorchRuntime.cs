using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Neurodecode.Models.Native;

/// <summary>
/// Makes TorchSharp usable on hosts whose libstdc++ is older than the one TorchSharp was built
/// against (Debian 12). Call <see cref="EnsureLoaded"/> before touching any TorchSharp type:
/// once TorchSharp's static constructor has failed to load its native library, it stays failed
/// for the rest of the process.
/// </summary>
public static class TorchRuntime
{
    private const string LibraryName = "libLibTorchSharp.so";

    private static readonly object Gate = new();
    private static bool _loaded;

    /// <summary>
    /// Patches this app's copy of libLibTorchSharp.so if the host needs it (once per process),
    /// loads TorchSharp and sets its intra-op thread count.
    /// </summary>
    /// <param name="numThreads">
    /// Threads for torch.set_num_threads; default <see cref="Environment.ProcessorCount"/>.
    /// Applied on the first call, and on later calls only when given explicitly.
    /// </param>
    public static void EnsureLoaded(int? numThreads = null)
    {
        lock (Gate)
        {
            if (!_loaded)
            {
                if (OperatingSystem.IsLinux() && !HostLibStdCxxHas(LibTorchSharpPatch.MissingSymbol))
                {
                    foreach (var path in CandidatePaths())
                        PatchFileIfNeeded(path);
                }
                SetNumThreads(numThreads ?? Environment.ProcessorCount);
                _loaded = true;
            }
            else if (numThreads is int n)
            {
                SetNumThreads(n);
            }
        }
    }

    /// <summary>
    /// Patches one file in place if it still needs it. Returns true if the file was rewritten.
    /// Writes a temp file next to it and renames it over the original, so a crash never leaves
    /// a half-written library, and a hard link or symlink into the NuGet cache is replaced
    /// rather than written through.
    /// </summary>
    public static bool PatchFileIfNeeded(string path)
    {
        if (IsInNuGetCache(path))
            throw new InvalidOperationException($"Refusing to patch a file in the NuGet cache: {path}");

        byte[] bytes = File.ReadAllBytes(path);
        if (!LibTorchSharpPatch.TryPatch(bytes))
            return false;

        string temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            File.WriteAllBytes(temp, bytes);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(temp, File.GetUnixFileMode(path));
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);  // no-op after a successful move
        }
        return true;
    }

    /// <summary>
    /// Copies of the library this app may load: next to the app (RID-specific builds) or
    /// under runtimes/linux-x64/native (portable builds; also the test project's own copy).
    /// </summary>
    private static IEnumerable<string> CandidatePaths()
    {
        string baseDir = AppContext.BaseDirectory;
        string[] candidates =
        [
            Path.Combine(baseDir, LibraryName),
            Path.Combine(baseDir, "runtimes", "linux-x64", "native", LibraryName),
        ];
        return candidates.Where(File.Exists);
    }

    private static bool HostLibStdCxxHas(string symbol)
    {
        // The same lookup the dynamic loader will do for libLibTorchSharp.so's dependency.
        if (!NativeLibrary.TryLoad("libstdc++.so.6", out IntPtr handle))
            return false;
        try
        {
            return NativeLibrary.TryGetExport(handle, symbol, out _);
        }
        finally
        {
            NativeLibrary.Free(handle);
        }
    }

    private static bool IsInNuGetCache(string path)
    {
        string full = Path.GetFullPath(path);
        string? custom = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string[] roots = [Path.Combine(home, ".nuget"), .. string.IsNullOrEmpty(custom) ? Array.Empty<string>() : [custom]];
        return roots.Any(r => full.StartsWith(Path.GetFullPath(r).TrimEnd('/') + "/", StringComparison.Ordinal));
    }

    // Kept out of EnsureLoaded so TorchSharp's static constructor (which loads the native
    // library) cannot run before the patch, even if the JIT initialises types eagerly.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void SetNumThreads(int n) => torch.set_num_threads(Math.Max(1, n));
}
