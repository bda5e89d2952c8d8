using System.IO.Compression;
using System.Text.Json;
using Neurodecode.Ingest.Formats;

namespace Neurodecode.Tests.Ingest.Nifti;

/// <summary>
/// Header paths the shared images do not reach (qform quaternions, base affine, nibabel's load-time fixes, time
/// units, scaling edge cases, every integer type, header-only pairs, SPM2 Analyze): each variant is a shared file
/// with a few header bytes patched, rebuilt here from the recipe that tools/make_nifti_variants.py wrote next to
/// nibabel 5.0's reading of the same bytes.
/// </summary>
public class NiftiVariantTests
{
    private static readonly string Folder = Path.Combine(TestPaths.RepoRoot, "tests", "Neurodecode.Tests", "Ingest", "Nifti", "Variants");

    public static TheoryData<string> Variants()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.EnumerateFiles(Folder, "*.json").Order())
            data.Add(Path.GetFileNameWithoutExtension(f));
        return data;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Variant_matches_nibabel(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, name + ".json")));
        var root = doc.RootElement;
        using var tmp = TestPaths.TempDir();
        string path = Build(root.GetProperty("recipe"), tmp);

        using var series = SignalFormats.OpenVolumes(path);
        NiftiExpect.Header(root.GetProperty("expected"), series.Info);
        NiftiExpect.Data(root.GetProperty("data"), series);
    }

    /// <summary>The variant's file(s) in <paramref name="tmp"/>, byte for byte as the Python tool wrote them.</summary>
    internal static string Build(JsonElement recipe, TempDir tmp)
    {
        byte[] bytes = File.ReadAllBytes(TestPaths.Shared(recipe.GetProperty("source").GetString()!));
        if (bytes is [0x1f, 0x8b, ..])
        {
            using var gz = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var plain = new MemoryStream();
            gz.CopyTo(plain);
            bytes = plain.ToArray();
        }
        foreach (var patch in recipe.GetProperty("patches").EnumerateArray())
            Convert.FromHexString(patch.GetProperty("hex").GetString()!).CopyTo(bytes, patch.GetProperty("offset").GetInt32());

        string path = tmp.File(recipe.GetProperty("file").GetString()!);
        if (recipe.GetProperty("gzip").GetBoolean())
        {
            using var file = File.Create(path);
            using var gz = new GZipStream(file, CompressionLevel.Fastest);
            gz.Write(bytes);
        }
        else
            File.WriteAllBytes(path, bytes);

        if (recipe.GetProperty("img_pattern_bytes") is { ValueKind: JsonValueKind.Number } n)
        {
            var img = new byte[n.GetInt32()];
            for (long k = 0; k < img.Length; k++)
                img[k] = (byte)((k * 31 + 7) % 256);
            File.WriteAllBytes(Path.ChangeExtension(path, ".img"), img);
        }
        return path;
    }
}
