using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Neurodecode.Models.Torch;

/// <summary>One named float32 tensor as stored in a checkpoint.</summary>
public sealed record NamedTensor(string Name, long[] Shape, float[] Data)
{
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}

/// <summary>
/// Weights on disk in the safetensors layout (Hugging Face): an 8-byte little-endian header length, a JSON header
/// <c>{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {string: string}}</c>
/// padded with spaces to 8 bytes, then the raw little-endian data. Chosen because it is the simplest format that
/// lists every tensor's name and shape before any data (so a strict load can report all mismatches at once), and
/// Python reads it with a few lines of json + numpy. Only float32 is written or read.
/// </summary>
public static class SafeTensorsFile
{
    private const string MetadataKey = "__metadata__";
    private const long MaxHeaderBytes = 100L << 20;

    public static void Write(string path, IEnumerable<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (k, v) in metadata) meta[k] = v;
            header[MetadataKey] = meta;
        }
        long offset = 0;
        foreach (var t in list)
        {
            long n = t.Shape.Aggregate(1L, (a, d) => a * d);
            if (n != t.Data.Length)
                throw new ArgumentException($"tensor {t.Name}: shape {t.ShapeText} holds {n} values, data has {t.Data.Length}");
            header[t.Name] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = new JsonArray(t.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + 4 * n),
            };
            offset += 4 * n;
        }
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;

        string temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(len, padded);
            stream.Write(len);
            stream.Write(json);
            for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
            Span<byte> b = stackalloc byte[4];
            foreach (var t in list)
            {
                if (BitConverter.IsLittleEndian)
                    stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.Data.AsSpan()));
                else
                    foreach (float f in t.Data)
                    {
                        BinaryPrimitives.WriteSingleLittleEndian(b, f);
                        stream.Write(b);
                    }
            }
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The header only: each tensor's name and shape, and the metadata. Throws <see cref="InvalidDataException"/>
    /// naming the file when it is not a safetensors file.</summary>
    public static (IReadOnlyList<(string Name, string Dtype, long[] Shape, long Begin, long End)> Tensors,
        IReadOnlyDictionary<string, string> Metadata, long DataStart) ReadHeader(string path)
    {
        using var stream = File.OpenRead(path);
        return ReadHeader(stream, path);
    }

    /// <summary>Every tensor (float32) and the metadata.</summary>
    public static (IReadOnlyList<NamedTensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Read(string path)
    {
        using var stream = File.OpenRead(path);
        var (entries, metadata, dataStart) = ReadHeader(stream, path);
        var tensors = new List<NamedTensor>(entries.Count);
        foreach (var (name, dtype, shape, begin, end) in entries)
        {
            if (dtype != "F32")
                throw new InvalidDataException($"{path}: tensor {name} has dtype {dtype}; only F32 is supported");
            var data = new float[(end - begin) / 4];
            stream.Seek(dataStart + begin, SeekOrigin.Begin);
            stream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
            if (!BitConverter.IsLittleEndian)
                for (int i = 0; i < data.Length; i++)
                    data[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReverseEndianness(BitConverter.SingleToInt32Bits(data[i])));
            tensors.Add(new NamedTensor(name, shape, data));
        }
        return (tensors, metadata);
    }

    private static (IReadOnlyList<(string, string, long[], long, long)>, IReadOnlyDictionary<string, string>, long) ReadHeader(
        Stream stream, string path)
    {
        Span<byte> len = stackalloc byte[8];
        if (stream.ReadAtLeast(len, 8, throwOnEndOfStream: false) < 8)
            throw new InvalidDataException($"{path}: not a safetensors checkpoint (shorter than 8 bytes)");
        long headerLen = BinaryPrimitives.ReadInt64LittleEndian(len);
        if (headerLen < 2 || headerLen > MaxHeaderBytes || 8 + headerLen > stream.Length)
            throw new InvalidDataException($"{path}: not a safetensors checkpoint (header length {headerLen} for a {stream.Length}-byte file)");
        var bytes = new byte[headerLen];
        stream.ReadExactly(bytes);
        JsonObject header;
        try
        {
            header = JsonNode.Parse(bytes)?.AsObject() ?? throw new InvalidDataException("null header");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or InvalidDataException)
        {
            throw new InvalidDataException($"{path}: not a safetensors checkpoint (header is not a JSON object: {e.Message})", e);
        }

        long dataStart = 8 + headerLen, dataLen = stream.Length - dataStart;
        var metadata = new Dictionary<string, string>();
        var entries = new List<(string, string, long[], long, long)>();
        foreach (var (name, node) in header)
        {
            try
            {
                if (name == MetadataKey)
                {
                    foreach (var (k, v) in node!.AsObject()) metadata[k] = v!.GetValue<string>();
                    continue;
                }
                var o = node!.AsObject();
                string dtype = o["dtype"]!.GetValue<string>();
                long[] shape = o["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
                var offsets = o["data_offsets"]!.AsArray();
                long begin = offsets[0]!.GetValue<long>(), end = offsets[1]!.GetValue<long>();
                long count = shape.Aggregate(1L, (a, d) => a * d);
                int size = dtype switch { "F64" or "I64" or "U64" => 8, "F32" or "I32" or "U32" => 4, "F16" or "BF16" or "I16" or "U16" => 2, _ => 1 };
                if (shape.Any(d => d < 0) || begin < 0 || end > dataLen || end - begin != count * size)
                    throw new InvalidDataException($"shape [{string.Join(", ", shape)}] and offsets [{begin}, {end}] do not fit the {dataLen}-byte data");
                entries.Add((name, dtype, shape, begin, end));
            }
            catch (Exception e) when (e is InvalidDataException or InvalidOperationException or NullReferenceException
                                          or FormatException or ArgumentOutOfRangeException)
            {
                throw new InvalidDataException($"{path}: bad header entry for tensor {name}: {e.Message}", e);
            }
        }
        return (entries, metadata, dataStart);
    }
}
