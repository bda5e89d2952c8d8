using System.Security.Cryptography;

namespace Neurodecode.Pipeline.Worker.Batch;

/// <summary>SHA-256 of a file's bytes as lower-case hex, read as a stream (checkpoints and recordings can be hundreds
/// of MB): the one hash model folders, decode outputs and bench manifests record.</summary>
public static class FileSha256
{
    public static string Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static async Task<string> OfAsync(string path, CancellationToken ct)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
    }
}
