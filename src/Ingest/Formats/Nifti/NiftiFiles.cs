using System.IO.Compression;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Formats.Nifti;

/// <summary>
/// Where an image's header and voxels live: one .nii (.nii.gz) file, or a .hdr/.img pair (either name may be
/// given; each half may be gzipped, as nibabel allows). Files are gzip-decoded when they start with the gzip
/// magic 1f 8b, whatever their name.
/// </summary>
internal sealed record NiftiFiles(string Header, string Image, bool Pair)
{
    public static NiftiFiles Resolve(string path)
    {
        string ext = PairExtension(path);
        if (ext == "")
            return new NiftiFiles(path, path, Pair: false);
        string stem = StemOf(path);
        bool upper = ext.Any(char.IsUpper);
        string want = ext.Equals(".hdr", StringComparison.OrdinalIgnoreCase) ? (upper ? ".IMG" : ".img") : (upper ? ".HDR" : ".hdr");
        string gz = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? path[^3..] : "";
        // The other half with the same compression first, then the other compression.
        string[] candidates = gz != "" ? [stem + want + gz, stem + want] : [stem + want, stem + want + ".gz"];
        string other = candidates.FirstOrDefault(File.Exists) ?? candidates[0];
        return ext.Equals(".hdr", StringComparison.OrdinalIgnoreCase)
            ? new NiftiFiles(path, other, Pair: true)
            : new NiftiFiles(other, path, Pair: true);
    }

    /// <summary>".hdr" or ".img" (in the file's case) when <paramref name="path"/> is half of a pair, else "".</summary>
    public static string PairExtension(string path)
    {
        string p = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? path[..^3] : path;
        string ext = Path.GetExtension(p);
        return ext.Equals(".hdr", StringComparison.OrdinalIgnoreCase) || ext.Equals(".img", StringComparison.OrdinalIgnoreCase)
            ? ext : "";
    }

    private static string StemOf(string path)
    {
        string p = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? path[..^3] : path;
        return p[..^Path.GetExtension(p).Length];
    }

    /// <summary>The file's bytes, decompressed when it is gzip. The caller disposes the stream.</summary>
    public static Stream OpenRead(string path, out bool gzip)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        Span<byte> magic = stackalloc byte[2];
        gzip = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        file.Position = 0;
        return gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
    }

    /// <summary>
    /// Reads until <paramref name="buffer"/> is full or the stream ends; returns the bytes read. A corrupt or cut
    /// gzip stream becomes an <see cref="InvalidRecordingException"/> for <paramref name="path"/>.
    /// </summary>
    public static async ValueTask<int> ReadFullAsync(Stream stream, Memory<byte> buffer, string path, CancellationToken ct)
    {
        try
        {
            return await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidRecordingException(path, $"gzip stream is corrupt or ends early ({e.Message})", e);
        }
    }

    public static int ReadFull(Stream stream, Span<byte> buffer, string path)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidRecordingException(path, $"gzip stream is corrupt or ends early ({e.Message})", e);
        }
    }
}
