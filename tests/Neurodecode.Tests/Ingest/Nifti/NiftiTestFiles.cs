using System.IO.Compression;

namespace Neurodecode.Tests.Ingest.Nifti;

internal static class NiftiTestFiles
{
    public static byte[] Gunzip(string path)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        gz.CopyTo(plain);
        return plain.ToArray();
    }
}
