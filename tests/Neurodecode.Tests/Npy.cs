using System.Text;
using System.Text.RegularExpressions;

namespace Neurodecode.Tests;

/// <summary>Reads the .npy files the CLI writes (format 1.0, little-endian float64, float32 or int64) as float64, for assertions.</summary>
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
        string descr = DescrPattern().Match(header).Groups[1].Value;
        int itemSize = descr switch { "<f8" or "<i8" => 8, "<f4" => 4, _ => throw new NotSupportedException(descr) };
        Assert.Contains($"'fortran_order': {(expectFortran ? "True" : "False")}", header);
        var shape = ShapePattern().Match(header).Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray();
        var payload = bytes.AsSpan(10 + headerLen);
        var data = new double[payload.Length / itemSize];
        for (int i = 0; i < data.Length; i++)
            data[i] = descr switch
            {
                "<f8" => BitConverter.ToDouble(payload.Slice(8 * i, 8)),
                "<i8" => BitConverter.ToInt64(payload.Slice(8 * i, 8)),
                _ => BitConverter.ToSingle(payload.Slice(4 * i, 4)),
            };
        Assert.Equal(shape.Aggregate(1L, (a, b) => a * b), data.LongLength);
        return (shape, data);
    }

    [GeneratedRegex(@"'descr': '([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape': \(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
