using System.Runtime.Versioning;
using System.Security.Cryptography;
using Neurodecode.Models.Native;

namespace Neurodecode.Tests.Models;

[SupportedOSPlatform("linux")]  // the library under test is linux-x64 only
public class LibTorchSharpPatchTests
{
    private const string RequiredVersion = "GLIBCXX_3.4.32";
    private const ushort VerFlgWeak = 0x2;

    /// <summary>
    /// The unpatched library as shipped in the TorchSharp package, opened read-only from the NuGet
    /// cache (the build output's copy may already have been patched by another test in this run).
    /// </summary>
    private static string ShippedLibrary()
    {
        var v = typeof(TorchSharp.torch).Assembly.GetName().Version!;
        string root = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } custom
            ? custom
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string path = Path.Combine(root, "torchsharp", $"{v.Major}.{v.Minor}.{v.Build}", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(path), $"TorchSharp's native library not found at {path}");
        return path;
    }

    [Fact]
    public void Patch_makes_the_three_edits_and_nothing_else()
    {
        byte[] original = File.ReadAllBytes(ShippedLibrary());
        var symbolsBefore = LibTorchSharpPatch.ReadDynamicSymbols(original);
        int index = symbolsBefore.ToList().FindIndex(s => s.Name == LibTorchSharpPatch.MissingSymbol);
        Assert.True(index >= 0, "shipped library should reference the GCC 13 symbol");
        Assert.True(symbolsBefore[index].Version > 1, "and with a version requirement");
        Assert.Equal(0, LibTorchSharpPatch.GetVersionRequirementFlags(original, RequiredVersion)!.Value & VerFlgWeak);

        byte[] patched = (byte[])original.Clone();
        Assert.True(LibTorchSharpPatch.TryPatch(patched));

        // (1) renamed in .dynstr, (2) unversioned in .gnu.version.
        var symbolsAfter = LibTorchSharpPatch.ReadDynamicSymbols(patched);
        Assert.DoesNotContain(symbolsAfter, s => s.Name == LibTorchSharpPatch.MissingSymbol);
        Assert.Equal((LibTorchSharpPatch.ReplacementSymbol, (ushort)1), symbolsAfter[index]);
        // (3) the GLIBCXX_3.4.32 requirement is now weak.
        Assert.Equal(VerFlgWeak, LibTorchSharpPatch.GetVersionRequirementFlags(patched, RequiredVersion)!.Value & VerFlgWeak);
        Assert.False(LibTorchSharpPatch.NeedsPatch(patched));

        // Every other symbol is untouched, and only a handful of bytes changed:
        // at most the 29-byte name, one 2-byte versym entry and one 2-byte flags field.
        Assert.Equal(original.Length, patched.Length);
        for (int i = 0; i < symbolsBefore.Count; i++)
        {
            if (i != index)
                Assert.Equal(symbolsBefore[i], symbolsAfter[i]);
        }
        int changed = original.Zip(patched).Count(p => p.First != p.Second);
        Assert.InRange(changed, 3, LibTorchSharpPatch.MissingSymbol.Length + 2 + 2);
    }

    [Fact]
    public void Patch_is_idempotent()
    {
        byte[] bytes = File.ReadAllBytes(ShippedLibrary());
        Assert.True(LibTorchSharpPatch.TryPatch(bytes));
        byte[] once = (byte[])bytes.Clone();

        Assert.False(LibTorchSharpPatch.TryPatch(bytes));
        Assert.Equal(once, bytes);
    }

    [Fact]
    public void Patch_leaves_libraries_without_the_symbol_alone()
    {
        // libc10.so (from libtorch) is an ELF64 library that doesn't reference the symbol.
        string c10 = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libc10.so");
        byte[] bytes = File.ReadAllBytes(c10);
        byte[] copy = (byte[])bytes.Clone();

        Assert.False(LibTorchSharpPatch.TryPatch(bytes));
        Assert.Equal(copy, bytes);
    }

    [Fact]
    public void Patch_rejects_non_elf_input()
    {
        Assert.Throws<InvalidDataException>(() => LibTorchSharpPatch.TryPatch(new byte[128]));
    }

    [Fact]
    public void PatchFileIfNeeded_rewrites_a_copy_once_and_keeps_its_mode()
    {
        string shipped = ShippedLibrary();
        string dir = Directory.CreateTempSubdirectory("neurodecode-patch-").FullName;
        try
        {
            string copy = Path.Combine(dir, "libLibTorchSharp.so");
            File.Copy(shipped, copy);
            var mode = File.GetUnixFileMode(copy);

            Assert.True(TorchRuntime.PatchFileIfNeeded(copy));
            Assert.False(LibTorchSharpPatch.NeedsPatch(File.ReadAllBytes(copy)));
            Assert.Equal(mode, File.GetUnixFileMode(copy));
            Assert.Single(Directory.GetFiles(dir));  // no temp file left behind

            Assert.False(TorchRuntime.PatchFileIfNeeded(copy));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void PatchFileIfNeeded_refuses_the_NuGet_cache()
    {
        string shipped = ShippedLibrary();
        byte[] hash = SHA256.HashData(File.ReadAllBytes(shipped));

        Assert.Throws<InvalidOperationException>(() => TorchRuntime.PatchFileIfNeeded(shipped));
        Assert.Equal(hash, SHA256.HashData(File.ReadAllBytes(shipped)));
    }
}
