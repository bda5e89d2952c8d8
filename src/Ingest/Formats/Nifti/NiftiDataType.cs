using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Neurodecode.Ingest.Formats.Nifti;

/// <summary>
/// A voxel type of the <c>datatype</c> field: its NIfTI code, name, NumPy kind ('u', 'i', 'f') and size.
/// <see cref="Convert"/> turns stored values into float64 the way NumPy's <c>astype(float64)</c> does.
/// </summary>
internal sealed record NiftiDataType(short Code, string Name, char Kind, int Size)
{
    public static readonly NiftiDataType UInt8 = new(2, "uint8", 'u', 1);
    public static readonly NiftiDataType Int16 = new(4, "int16", 'i', 2);
    public static readonly NiftiDataType Int32 = new(8, "int32", 'i', 4);
    public static readonly NiftiDataType Float32 = new(16, "float32", 'f', 4);
    public static readonly NiftiDataType Float64 = new(64, "float64", 'f', 8);
    public static readonly NiftiDataType Int8 = new(256, "int8", 'i', 1);
    public static readonly NiftiDataType UInt16 = new(512, "uint16", 'u', 2);
    public static readonly NiftiDataType UInt32 = new(768, "uint32", 'u', 4);
    public static readonly NiftiDataType Int64 = new(1024, "int64", 'i', 8);
    public static readonly NiftiDataType UInt64 = new(1280, "uint64", 'u', 8);

    private static readonly NiftiDataType[] Readable =
        [UInt8, Int16, Int32, Float32, Float64, Int8, UInt16, UInt32, Int64, UInt64];

    /// <summary>Codes nibabel knows but that have no float64 reading here (complex, RGB, 128-bit floats).</summary>
    private static readonly Dictionary<short, string> Unreadable = new()
    {
        [0] = "none", [1] = "binary", [32] = "complex64", [128] = "RGB24", [255] = "all",
        [1536] = "float128", [1792] = "complex128", [2048] = "complex256", [2304] = "RGBA32",
    };

    /// <summary>Analyze 7.5 knows only these codes; the NIfTI additions (int8, uint16 ...) are errors there, as in nibabel.</summary>
    private static readonly short[] AnalyzeCodes = [0, 1, 2, 4, 8, 16, 32, 64, 128, 255];

    /// <summary>The type of <paramref name="code"/>, or the reason it cannot be read.</summary>
    public static NiftiDataType? Find(short code, bool analyze, out string? problem)
    {
        problem = null;
        if (analyze && Array.IndexOf(AnalyzeCodes, code) < 0)
        {
            problem = $"datatype = {code} (not an Analyze 7.5 code: 2 uint8, 4 int16, 8 int32, 16 float32, 64 float64)";
            return null;
        }
        foreach (var t in Readable)
            if (t.Code == code)
                return t;
        problem = Unreadable.TryGetValue(code, out string? name)
            ? $"datatype = {code} ({name}) is not supported (readable: {Supported})"
            : $"datatype = {code} is not a NIfTI datatype code (readable: {Supported})";
        return null;
    }

    private static string Supported => string.Join(", ", Readable.Select(t => $"{t.Code} {t.Name}"));

    /// <summary>NumPy's <c>dtype.str</c>: byte order ('|' for one byte), kind and size, e.g. "&lt;i2", "&gt;f8", "|u1".</summary>
    public string DtypeString(bool bigEndian) => $"{(Size == 1 ? '|' : bigEndian ? '>' : '<')}{Kind}{Size}";

    /// <summary>Stored values → float64 (no scaling). <paramref name="raw"/> holds dest.Length values.</summary>
    public void Convert(ReadOnlySpan<byte> raw, Span<double> dest, bool bigEndian)
    {
        bool swap = bigEndian == BitConverter.IsLittleEndian;
        switch (Code)
        {
            case 2: for (int i = 0; i < dest.Length; i++) dest[i] = raw[i]; break;
            case 256: for (int i = 0; i < dest.Length; i++) dest[i] = (sbyte)raw[i]; break;
            case 4:
            {
                var v = MemoryMarshal.Cast<byte, short>(raw);
                for (int i = 0; i < dest.Length; i++) dest[i] = swap ? BinaryPrimitives.ReverseEndianness(v[i]) : v[i];
                break;
            }
            case 512:
            {
                var v = MemoryMarshal.Cast<byte, ushort>(raw);
                for (int i = 0; i < dest.Length; i++) dest[i] = swap ? BinaryPrimitives.ReverseEndianness(v[i]) : v[i];
                break;
            }
            case 8:
            {
                var v = MemoryMarshal.Cast<byte, int>(raw);
                for (int i = 0; i < dest.Length; i++) dest[i] = swap ? BinaryPrimitives.ReverseEndianness(v[i]) : v[i];
                break;
            }
            case 768:
            {
                var v = MemoryMarshal.Cast<byte, uint>(raw);
                for (int i = 0; i < dest.Length; i++) dest[i] = swap ? BinaryPrimitives.ReverseEndianness(v[i]) : v[i];
                break;
            }
            case 1024:
            {
                var v = MemoryMarshal.Cast<byte, long>(raw);
                for (int i = 0; i < dest.Length; i++) dest[i] = swap ? BinaryPrimitives.ReverseEndianness(v[i]) : v[i];
                break;
            }
            case 1280:
            {
                var v = MemoryMarshal.Cast<byte, ulong>(raw);
                for (int i = 0; i < dest.Length; i++) dest[i] = swap ? BinaryPrimitives.ReverseEndianness(v[i]) : v[i];
                break;
            }
            case 16:
            {
                var v = MemoryMarshal.Cast<byte, int>(raw);
                for (int i = 0; i < dest.Length; i++)
                    dest[i] = BitConverter.Int32BitsToSingle(swap ? BinaryPrimitives.ReverseEndianness(v[i]) : v[i]);
                break;
            }
            case 64:
            {
                var v = MemoryMarshal.Cast<byte, long>(raw);
                for (int i = 0; i < dest.Length; i++)
                    dest[i] = BitConverter.Int64BitsToDouble(swap ? BinaryPrimitives.ReverseEndianness(v[i]) : v[i]);
                break;
            }
            default:
                throw new InvalidOperationException($"no conversion for datatype {Code}");
        }
    }
}
