using System.Text;
using Microsoft.Win32.SafeHandles;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Formats.Npy;

/// <summary>
/// Writes NumPy <c>.npy</c> files (format 1.0, little-endian float64) from streams, so a file of any length is
/// written with memory for one block: the header fixes the shape, then each block is written at its offset.
/// </summary>
public static class NpyWriter
{
    /// <summary>A recording as a C-order (channels, samples) array: row c is channel c, as MNE's get_data().</summary>
    public static async Task WriteAsync(IRecording recording, string path, CancellationToken ct = default)
    {
        var info = recording.Info;
        long n = info.NSamples;
        using var file = Create(path, [info.NChannels, n], fortranOrder: false, out long dataStart);
        await foreach (var block in recording.ReadBlocks(ct: ct))
            for (int c = 0; c < block.NChannels; c++)
                RandomAccess.Write(file, Bytes(block.Channel(c)), dataStart + (c * n + block.FirstSample) * sizeof(double));
    }

    /// <summary>
    /// An image in its natural (x, y, z[, t]) order. NIfTI stores x fastest, which is NumPy's Fortran order, so
    /// the volumes are written as they come and the header says <c>fortran_order: True</c>.
    /// </summary>
    public static async Task WriteAsync(IVolumeSeries series, string path, CancellationToken ct = default)
    {
        using var file = Create(path, series.Info.Shape.Select(s => (long)s).ToArray(), fortranOrder: true, out long offset);
        await foreach (var volume in series.ReadVolumes(ct))
        {
            RandomAccess.Write(file, Bytes(volume.Data), offset);
            offset += volume.Data.Length * (long)sizeof(double);
        }
    }

    private static ReadOnlySpan<byte> Bytes(ReadOnlySpan<double> values)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("npy output assumes a little-endian machine");
        return System.Runtime.InteropServices.MemoryMarshal.AsBytes(values);
    }

    private static SafeFileHandle Create(string path, long[] shape, bool fortranOrder, out long dataStart)
    {
        byte[] header = Header(shape, fortranOrder);
        long total = header.Length + shape.Aggregate(1L, (a, b) => a * b) * sizeof(double);
        var file = File.OpenHandle(path, FileMode.Create, FileAccess.Write, FileShare.None, FileOptions.None, total);
        RandomAccess.Write(file, header, 0);
        dataStart = header.Length;
        return file;
    }

    /// <summary>Magic, version 1.0, header length, then the dict padded with spaces to a multiple of 64 bytes.</summary>
    internal static byte[] Header(long[] shape, bool fortranOrder)
    {
        string dims = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        string dict = $"{{'descr': '<f8', 'fortran_order': {(fortranOrder ? "True" : "False")}, 'shape': {dims}, }}";
        int unpadded = 10 + dict.Length + 1;
        int padded = (unpadded + 63) / 64 * 64;
        string text = dict + new string(' ', padded - unpadded) + "\n";
        var bytes = new byte[padded];
        bytes[0] = 0x93;
        "NUMPY"u8.CopyTo(bytes.AsSpan(1));
        bytes[6] = 1;
        bytes[7] = 0;
        BitConverter.TryWriteBytes(bytes.AsSpan(8, 2), (ushort)text.Length);
        Encoding.ASCII.GetBytes(text, bytes.AsSpan(10));
        return bytes;
    }
}
