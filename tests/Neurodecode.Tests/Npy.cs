using System.Text;
using System.Text.RegularExpressions;

namespace Neurodecode.Tests;

/// <summary>Reads the float64 .npy files the CLI writes (format 1.0, little-endian), for assertions.</summary>
public static partial class Npy
{
    public static (long[] Shape, double[] Data) Read(string path, bool expectFortran = false)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(0x93, bytes[0]);
        Assert.Equal("NUMPY", Encoding.ASCII.GetString(bytes, 1, 5));
        int headerLen = BitConverter.ToUInt16(bytes, 8);
        string header = Encoding.ASCII.GetString(bytes, 10, headerLen);
        Assert.Equal(0, (10 + headerLen) % 64);
        Assert.Contains("'descr': '<f8'", header);
        Assert.Contains($"'fortran_order': {(expectFortran ? "True" : "False")}", header);
        var shape = ShapePattern().Match(header).Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray();
        var data = new double[(bytes.Length - 10 - headerLen) / 8];
        Buffer.BlockCopy(bytes, 10 + headerLen, data, 0, data.Length * 8);
        Assert.Equal(shape.Aggregate(1L, (a, b) => a * b), data.LongLength);
        return (shape, data);
    }

    [GeneratedRegex(@"'shape': \(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
