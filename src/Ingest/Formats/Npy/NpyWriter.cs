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
                RandomAccess.Write(file, Bytes<double>(block.Channel(c)), dataStart + (c * n + block.FirstSample) * sizeof(double));
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
            RandomAccess.Write(file, Bytes<double>(volume.Data), offset);
            offset += volume.Data.Length * (long)sizeof(double);
        }
    }

    /// <summary>An array already in memory, C order: float32 (<c>&lt;f4</c>), float64 (<c>&lt;f8</c>) or int64 (<c>&lt;i8</c>).</summary>
    public static void Write<T>(string path, long[] shape, ReadOnlySpan<T> values) where T : unmanaged
    {
        if (shape.Aggregate(1L, (a, b) => a * b) != values.Length)
            throw new ArgumentException($"shape ({string.Join(", ", shape)}) does not hold {values.Length} values");
        using var file = Create(path, shape, fortranOrder: false, out long offset, Descr<T>(), System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
        RandomAccess.Write(file, Bytes(values), offset);
    }

    private static string Descr<T>() => typeof(T) == typeof(float) ? "<f4" : typeof(T) == typeof(double) ? "<f8"
        : typeof(T) == typeof(long) ? "<i8" : throw new NotSupportedException($"npy output of {typeof(T).Name}");

    private static ReadOnlySpan<byte> Bytes<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("npy output assumes a little-endian machine");
        return System.Runtime.InteropServices.MemoryMarshal.AsBytes(values);
    }

    private static SafeFileHandle Create(string path, long[] shape, bool fortranOrder, out long dataStart,
        string descr = "<f8", int itemSize = sizeof(double))
    {
        byte[] header = Header(shape, fortranOrder, descr);
        long total = header.Length + shape.Aggregate(1L, (a, b) => a * b) * itemSize;
        var file = File.OpenHandle(path, FileMode.Create, FileAccess.Write, FileShare.None, FileOptions.None, total);
        RandomAccess.Write(file, header, 0);
        dataStart = header.Length;
        return file;
    }

    /// <summary>Magic, version 1.0, header length, then the dict padded with spaces to a multiple of 64 bytes.</summary>
    internal static byte[] Header(long[] shape, bool fortranOrder, string descr = "<f8")
    {
        string dims = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        string dict = $"{{'descr': '{descr}', 'fortran_order': {(fortranOrder ? "True" : "False")}, 'shape': {dims}, }}";
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
