using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Formats.Fif;

/// <summary>One tag header: <c>kind, type, size, next</c> (big-endian int32) at byte <see cref="Pos"/>; data follows.</summary>
internal readonly record struct FifTag(int Kind, int Type, int Size, int Next, long Pos)
{
    public const int HeaderBytes = 16;
    public long DataPos => Pos + HeaderBytes;
}

/// <summary>A block of the tag tree (MNE's <c>make_dir_tree</c> node): its kind, its own tags, its child blocks.</summary>
internal sealed class FifNode(int block)
{
    public int Block { get; } = block;
    public List<FifTag> Tags { get; } = [];
    public List<FifNode> Children { get; } = [];

    /// <summary>MNE's <c>dir_tree_find</c>: this node and every descendant of kind <paramref name="block"/>, depth first.</summary>
    public IEnumerable<FifNode> Find(int block)
    {
        if (Block == block)
            yield return this;
        foreach (var child in Children)
            foreach (var found in child.Find(block))
                yield return found;
    }

    public FifTag? First(int kind)
    {
        foreach (var tag in Tags)
            if (tag.Kind == kind)
                return tag;
        return null;
    }
}

/// <summary>
/// A FIF file's tag tree, read as <c>mne.io.open.fiff_open</c> does: the first tag must be FIFF_FILE_ID, the second
/// FIFF_DIR_POINTER; then the tags are walked in sequence (following <c>next</c> pointers) and nested by their
/// FIFF_BLOCK_START / FIFF_BLOCK_END pairs. Only headers are read here; tag data is read on demand.
/// </summary>
internal sealed class FifTree
{
    private readonly SafeFileHandle _file;

    private FifTree(SafeFileHandle file, string path, long length, FifNode root)
    {
        _file = file;
        Path = path;
        Length = length;
        Root = root;
    }

    public string Path { get; }
    public long Length { get; }
    public FifNode Root { get; }

    public static FifTree Read(SafeFileHandle file, string path)
    {
        long length = RandomAccess.GetLength(file);
        var header = new byte[FifTag.HeaderBytes];
        if (length < FifTag.HeaderBytes || ReadHeader(file, 0, header) is not { Kind: FifConstants.FileId, Type: FifConstants.TypeIdStruct, Size: 20 })
            throw new InvalidRecordingException(path, "not a FIF file (does not start with a FIFF_FILE_ID tag)");

        var root = new FifNode(0);
        var open = new Stack<FifNode>();
        open.Push(root);
        var tree = new FifTree(file, path, length, root);
        long pos = 0;
        int count = 0;
        while (pos < length)
        {
            if (pos + FifTag.HeaderBytes > length)
                throw new InvalidRecordingException(path, $"truncated: tag header at byte {pos} runs past the end of the file ({length} bytes)");
            var tag = ReadHeader(file, pos, header);
            if (tag.Size < 0 || tag.DataPos + tag.Size > length)
                throw new InvalidRecordingException(path, $"truncated: tag kind {tag.Kind} at byte {pos} holds {tag.Size} bytes but the file ends at byte {length}");
            if (count++ == 1 && tag.Kind != FifConstants.DirPointer)
                throw new InvalidRecordingException(path, "not a FIF file (second tag is not FIFF_DIR_POINTER)");
            switch (tag.Kind)
            {
                case FifConstants.BlockStart:
                    var child = new FifNode(tree.ReadInt(tag));
                    open.Peek().Children.Add(child);
                    open.Push(child);
                    break;
                case FifConstants.BlockEnd:
                    if (open.Count == 1)
                        throw new InvalidRecordingException(path, $"FIFF_BLOCK_END at byte {pos} closes no block");
                    open.Pop();
                    break;
                default:
                    open.Peek().Tags.Add(tag);
                    break;
            }
            if (tag.Next == 0)
                pos = tag.DataPos + tag.Size;
            else if (tag.Next > 0)
            {
                if (tag.Next <= pos || tag.Next > length)
                    throw new InvalidRecordingException(path, $"tag kind {tag.Kind} at byte {pos} points to byte {tag.Next}, outside {pos + 1}..{length} (corrupted next pointer)");
                pos = tag.Next;
            }
            else
                break; // FIFFV_NEXT_NONE: the last tag
        }
        if (open.Count > 1)
            throw new InvalidRecordingException(path, $"truncated: the file ends at byte {length} inside {open.Count - 1} open block(s) (innermost kind {open.Peek().Block})");
        return tree;
    }

    private static FifTag ReadHeader(SafeFileHandle file, long pos, byte[] header)
    {
        RandomAccess.Read(file, header, pos);
        return new FifTag(BinaryPrimitives.ReadInt32BigEndian(header), BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4)),
            BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(8)), BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(12)), pos);
    }

    /// <summary>The tag's data bytes.</summary>
    public byte[] ReadData(FifTag tag)
    {
        var data = new byte[tag.Size];
        ReadAt(data, tag.DataPos);
        return data;
    }

    public void ReadAt(Span<byte> buffer, long pos)
    {
        int n = RandomAccess.Read(_file, buffer, pos);
        if (n < buffer.Length)
            throw new InvalidRecordingException(Path, $"truncated: {buffer.Length} bytes at byte {pos} but the file ends at byte {pos + n}");
    }

    public int ReadInt(FifTag tag) => ReadInts(tag)[0];

    public int[] ReadInts(FifTag tag)
    {
        Expect(tag, FifConstants.TypeInt, FifConstants.TypeJulian);
        var data = ReadData(tag);
        if (data.Length < 4)
            throw Bad(tag, "holds no value");
        var values = new int[data.Length / 4];
        for (int i = 0; i < values.Length; i++)
            values[i] = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(4 * i));
        return values;
    }

    /// <summary>A float or double tag's values as float64 (MNE's <c>float(tag.data)</c>).</summary>
    public double[] ReadDoubles(FifTag tag)
    {
        Expect(tag, FifConstants.TypeFloat, FifConstants.TypeDouble);
        var data = ReadData(tag);
        int size = tag.Type == FifConstants.TypeFloat ? 4 : 8;
        if (data.Length < size)
            throw Bad(tag, "holds no value");
        var values = new double[data.Length / size];
        for (int i = 0; i < values.Length; i++)
            values[i] = size == 4 ? BinaryPrimitives.ReadSingleBigEndian(data.AsSpan(4 * i)) : BinaryPrimitives.ReadDoubleBigEndian(data.AsSpan(8 * i));
        return values;
    }

    /// <summary>A float tag's values kept in float32 (annotation onsets and ends are float32 arithmetic in MNE).</summary>
    public float[] ReadFloats(FifTag tag)
    {
        Expect(tag, FifConstants.TypeFloat);
        var data = ReadData(tag);
        var values = new float[data.Length / 4];
        for (int i = 0; i < values.Length; i++)
            values[i] = BinaryPrimitives.ReadSingleBigEndian(data.AsSpan(4 * i));
        return values;
    }

    /// <summary>A string tag, decoded as Latin-1 as the FIFF standard (and MNE) says.</summary>
    public string ReadString(FifTag tag)
    {
        Expect(tag, FifConstants.TypeString);
        return Encoding.Latin1.GetString(ReadData(tag));
    }

    public void Expect(FifTag tag, params int[] types)
    {
        if (!types.Contains(tag.Type))
            throw Bad(tag, $"has data type {FifConstants.TypeName(tag.Type)} (expected {string.Join(" or ", types.Select(FifConstants.TypeName))})");
    }

    public InvalidRecordingException Bad(FifTag tag, string problem) =>
        new(Path, $"tag kind {tag.Kind} at byte {tag.Pos} {problem}");
}
