using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace Neurodecode.Models.Encoders.EEGNet;

/// <summary>
/// Weights as a safetensors file (8-byte little-endian header length, a JSON header naming each tensor's dtype, shape
/// and byte range, then the raw little-endian bytes): readable from Python with a few lines of NumPy, and a format
/// whose header can be checked before any tensor is touched. <c>__metadata__</c> carries the model name and its
/// config JSON. Loading is strict: every tensor of the module must be in the file with its exact shape and dtype, and
/// the file may hold nothing else; the error lists every missing, unexpected and mis-shaped tensor at once.
/// </summary>
public static class SafeTensorsCheckpoint
{
    public const string FormatName = "neurodecode";

    /// <summary>Writes <paramref name="module"/>'s state dict (parameters and buffers) to <paramref name="path"/>.</summary>
    public static void Save(nn.Module module, string path, string model, string configJson)
    {
        var tensors = module.state_dict();
        var header = new JsonObject
        {
            ["__metadata__"] = new JsonObject { ["format"] = FormatName, ["model"] = model, ["config"] = configJson },
        };
        var blobs = new List<byte[]>();
        long offset = 0;
        foreach (var (name, tensor) in tensors)
        {
            byte[] bytes = ToBytes(tensor, out string dtype);
            header[name] = new JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new JsonArray(tensor.shape.Select(s => (JsonNode)s).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes.Length),
            };
            blobs.Add(bytes);
            offset += bytes.Length;
        }
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        // The format pads the header with spaces to a multiple of 8 bytes.
        int padded = (json.Length + 7) / 8 * 8;
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        string temp = $"{path}.{Environment.ProcessId}.tmp";
        using (var stream = File.Create(temp))
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
            stream.Write(len);
            stream.Write(json);
            for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
            foreach (var b in blobs) stream.Write(b);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>What a checkpoint file says about itself, read from its header only.</summary>
    public sealed record Header(string? Model, string? ConfigJson, IReadOnlyDictionary<string, Entry> Tensors, long DataStart);

    public sealed record Entry(string Dtype, long[] Shape, long Begin, long End);

    public static Header ReadHeader(string path)
    {
        using var stream = File.OpenRead(path);
        return ReadHeader(stream, path);
    }

    private static Header ReadHeader(Stream stream, string path)
    {
        Span<byte> len = stackalloc byte[8];
        if (stream.Length < 8 || stream.ReadAtLeast(len, 8, throwOnEndOfStream: false) != 8)
            throw new InvalidDataException($"{path}: not a safetensors checkpoint (shorter than 8 bytes)");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(len);
        if (n == 0 || n > (ulong)(stream.Length - 8) || n > 100_000_000)
            throw new InvalidDataException($"{path}: not a safetensors checkpoint (header length {n} for a {stream.Length}-byte file)");
        var json = new byte[n];
        stream.ReadExactly(json);
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json)?.AsObject() ?? throw new InvalidDataException("empty header");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: not a safetensors checkpoint (header is not a JSON object: {e.Message})", e);
        }
        string? model = null, config = null;
        var tensors = new Dictionary<string, Entry>();
        long dataLength = stream.Length - 8 - (long)n;
        foreach (var (name, node) in root)
        {
            if (name == "__metadata__")
            {
                model = node?["model"]?.GetValue<string>();
                config = node?["config"]?.GetValue<string>();
                continue;
            }
            try
            {
                var o = node!.AsObject();
                var entry = new Entry(
                    o["dtype"]!.GetValue<string>(),
                    o["shape"]!.AsArray().Select(s => s!.GetValue<long>()).ToArray(),
                    o["data_offsets"]![0]!.GetValue<long>(),
                    o["data_offsets"]![1]!.GetValue<long>());
                if (entry.Begin < 0 || entry.End < entry.Begin || entry.End > dataLength)
                    throw new InvalidDataException($"byte range {entry.Begin}..{entry.End} outside the {dataLength} data bytes");
                if (entry.End - entry.Begin != entry.Shape.Aggregate(1L, (a, b) => a * b) * ElementSize(entry.Dtype))
                    throw new InvalidDataException($"{entry.End - entry.Begin} bytes for {entry.Dtype} [{string.Join(", ", entry.Shape)}]");
                tensors[name] = entry;
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"{path}: tensor '{name}': {e.Message}", e);
            }
            catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException
                or ArgumentException or IndexOutOfRangeException)
            {
                throw new InvalidDataException($"{path}: tensor '{name}': malformed entry ({e.Message})", e);
            }
        }
        return new Header(model, config, tensors, 8 + (long)n);
    }

    /// <summary>
    /// Loads <paramref name="path"/> into <paramref name="module"/> strictly. <paramref name="renames"/> maps names
    /// other implementations use (e.g. braindecode's <c>conv_spatial.parametrizations.weight.original</c>) to this
    /// module's names; it is applied before the check. A file written for another model is refused by name.
    /// </summary>
    public static void Load(nn.Module module, string path, string model, IReadOnlyDictionary<string, string>? renames = null)
    {
        using var stream = File.OpenRead(path);
        var header = ReadHeader(stream, path);
        if (header.Model is { } other && other != model)
            throw new InvalidDataException($"{path}: checkpoint of model '{other}', not '{model}'");

        var fileTensors = new Dictionary<string, Entry>();
        foreach (var (name, entry) in header.Tensors)
        {
            string ours = renames is not null && renames.TryGetValue(name, out var r) ? r : name;
            if (!fileTensors.TryAdd(ours, entry))
                throw new InvalidDataException($"{path}: tensor '{ours}' appears twice (once as '{name}')");
        }

        var target = module.state_dict();
        var missing = target.Keys.Where(k => !fileTensors.ContainsKey(k)).ToList();
        var unexpected = fileTensors.Keys.Where(k => !target.ContainsKey(k)).ToList();
        var misfit = new List<string>();
        foreach (var (name, tensor) in target)
        {
            if (!fileTensors.TryGetValue(name, out var entry)) continue;
            string dtype = DtypeName(tensor.dtype);
            if (entry.Dtype != dtype || !entry.Shape.SequenceEqual(tensor.shape))
                misfit.Add($"{name} (file {entry.Dtype} [{string.Join(", ", entry.Shape)}], model {dtype} [{string.Join(", ", tensor.shape)}])");
        }
        if (missing.Count + unexpected.Count + misfit.Count > 0)
        {
            var parts = new List<string>();
            if (missing.Count > 0) parts.Add($"missing tensors: {string.Join(", ", missing)}");
            if (unexpected.Count > 0) parts.Add($"unexpected tensors: {string.Join(", ", unexpected)}");
            if (misfit.Count > 0) parts.Add($"mis-shaped tensors: {string.Join("; ", misfit)}");
            throw new InvalidDataException($"{path}: checkpoint does not fit this {model} model: {string.Join("; ", parts)}");
        }

        using var _ = torch.no_grad();
        foreach (var (name, tensor) in target)
        {
            var entry = fileTensors[name];
            var bytes = new byte[entry.End - entry.Begin];
            stream.Position = header.DataStart + entry.Begin;
            stream.ReadExactly(bytes);
            using var source = FromBytes(bytes, entry.Dtype, entry.Shape);
            tensor.copy_(source);
        }
    }

    private static int ElementSize(string dtype) => dtype switch
    {
        "F32" or "I32" => 4,
        "F64" or "I64" => 8,
        "F16" or "BF16" or "I16" => 2,
        "U8" or "I8" or "BOOL" => 1,
        _ => throw new InvalidDataException($"unsupported dtype '{dtype}'"),
    };

    private static string DtypeName(ScalarType type) => type switch
    {
        ScalarType.Float32 => "F32",
        ScalarType.Float64 => "F64",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        _ => throw new NotSupportedException($"tensor dtype {type} is not saved by this checkpoint format"),
    };

    private static byte[] ToBytes(Tensor tensor, out string dtype)
    {
        using var t = tensor.detach().cpu().contiguous();
        dtype = DtypeName(t.dtype);
        return t.dtype switch
        {
            ScalarType.Float32 => MemoryMarshal.AsBytes(t.data<float>().ToArray().AsSpan()).ToArray(),
            ScalarType.Float64 => MemoryMarshal.AsBytes(t.data<double>().ToArray().AsSpan()).ToArray(),
            ScalarType.Int64 => MemoryMarshal.AsBytes(t.data<long>().ToArray().AsSpan()).ToArray(),
            _ => MemoryMarshal.AsBytes(t.data<int>().ToArray().AsSpan()).ToArray(),
        };
    }

    private static Tensor FromBytes(byte[] bytes, string dtype, long[] shape) => dtype switch
    {
        "F32" => torch.tensor(MemoryMarshal.Cast<byte, float>(bytes).ToArray(), shape),
        "F64" => torch.tensor(MemoryMarshal.Cast<byte, double>(bytes).ToArray(), shape),
        "I64" => torch.tensor(MemoryMarshal.Cast<byte, long>(bytes).ToArray(), shape),
        "I32" => torch.tensor(MemoryMarshal.Cast<byte, int>(bytes).ToArray(), shape),
        _ => throw new InvalidDataException($"unsupported dtype '{dtype}'"),
    };
}
