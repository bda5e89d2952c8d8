using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;

namespace Neurodecode.Tests.Models.EEGNet;

/// <summary>Rewrites safetensors files byte by byte, as another library would have written them.</summary>
public static class SafeTensorsTestFiles
{
    /// <summary>Copies <paramref name="source"/> to <paramref name="target"/> with tensors renamed (data untouched).</summary>
    public static void RenameTensors(string source, string target, IReadOnlyDictionary<string, string> renames)
    {
        byte[] bytes = File.ReadAllBytes(source);
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, n))!.AsObject();
        var renamed = new JsonObject();
        foreach (var (name, node) in header.ToList())
        {
            header.Remove(name);
            renamed[renames.TryGetValue(name, out var r) ? r : name] = node;
        }
        byte[] json = Encoding.UTF8.GetBytes(renamed.ToJsonString());
        var output = new byte[8 + json.Length + (bytes.Length - 8 - n)];
        BinaryPrimitives.WriteUInt64LittleEndian(output, (ulong)json.Length);
        json.CopyTo(output, 8);
        Array.Copy(bytes, 8 + n, output, 8 + json.Length, bytes.Length - 8 - n);
        File.WriteAllBytes(target, output);
    }
}
