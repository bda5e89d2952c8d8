using System.Buffers.Binary;
using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Tests.Ingest.Fif;

/// <summary>
/// Corrupted copies of a real FIF file (test_elekta_3ch_raw.fif) and FIF files that are not raw recordings: each is
/// a one-line <see cref="InvalidRecordingException"/> naming the file and the problem. Unknown tag kinds are skipped,
/// as MNE skips them.
/// </summary>
public class FifInvalidInputTests
{
    private static readonly string Source = TestPaths.Shared("meg/fif/test_elekta_3ch_raw.fif");
    private const int DataBuffer = 300, ChInfo = 203, DigPoint = 213;

    /// <summary>(position, kind, type, size) of every tag, walking the file as written (next = 0 everywhere here).</summary>
    private static List<(int Pos, int Kind, int Type, int Size)> Tags(byte[] bytes)
    {
        var tags = new List<(int, int, int, int)>();
        for (int pos = 0; pos + 16 <= bytes.Length;)
        {
            int kind = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(pos)), type = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(pos + 4));
            int size = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(pos + 8)), next = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(pos + 12));
            tags.Add((pos, kind, type, size));
            Assert.True(next is 0 or -1, $"test file uses next pointers at {pos}");
            if (next == -1) break;
            pos += 16 + size;
        }
        return tags;
    }

    private static InvalidRecordingException Fails(string path, params string[] parts)
    {
        var ex = Assert.Throws<InvalidRecordingException>(() => SignalFormats.OpenRecording(path));
        Assert.StartsWith(path + ": ", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
        foreach (var part in parts)
            Assert.Contains(part, ex.Message);
        return ex;
    }

    private static string Damaged(TempDir dir, Action<byte[], List<(int Pos, int Kind, int Type, int Size)>> damage)
    {
        var bytes = File.ReadAllBytes(Source);
        damage(bytes, Tags(bytes));
        string path = dir.File("damaged_raw.fif");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void A_file_cut_inside_a_data_buffer_is_truncated()
    {
        using var dir = TestPaths.TempDir();
        var bytes = File.ReadAllBytes(Source);
        var buffer = Tags(bytes).First(t => t.Kind == DataBuffer);
        string path = dir.File("cut_raw.fif");
        File.WriteAllBytes(path, bytes.AsSpan(0, buffer.Pos + 16 + buffer.Size / 2).ToArray());
        Fails(path, "truncated", $"at byte {buffer.Pos}");
    }

    [Fact]
    public void A_file_cut_between_tags_is_truncated_inside_its_blocks()
    {
        using var dir = TestPaths.TempDir();
        var bytes = File.ReadAllBytes(Source);
        var buffer = Tags(bytes).Where(t => t.Kind == DataBuffer).ElementAt(3);
        string path = dir.File("cut_raw.fif");
        File.WriteAllBytes(path, bytes.AsSpan(0, buffer.Pos).ToArray());
        Fails(path, "truncated", "open block");
    }

    [Theory]
    [InlineData(99, "unknown data type 99")]
    [InlineData(20, "complex")]
    public void A_data_buffer_of_another_type_is_refused(int type, string problem)
    {
        using var dir = TestPaths.TempDir();
        string path = Damaged(dir, (b, tags) => BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(tags.First(t => t.Kind == DataBuffer).Pos + 4), type));
        Fails(path, problem);
    }

    [Fact]
    public void A_channel_record_of_another_type_is_refused()
    {
        using var dir = TestPaths.TempDir();
        string path = Damaged(dir, (b, tags) => BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(tags.First(t => t.Kind == ChInfo).Pos + 4), 4));
        Fails(path, $"tag kind {ChInfo}", "data type float", "expected ch_info struct");
    }

    [Fact]
    public void A_tag_size_beyond_the_end_of_the_file_is_refused()
    {
        using var dir = TestPaths.TempDir();
        string path = Damaged(dir, (b, tags) => BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(tags.First(t => t.Kind == ChInfo).Pos + 8), int.MaxValue));
        Fails(path, $"tag kind {ChInfo}", $"holds {int.MaxValue} bytes", "file ends");
    }

    [Fact]
    public void A_next_pointer_outside_the_file_is_refused()
    {
        using var dir = TestPaths.TempDir();
        string path = Damaged(dir, (b, tags) => BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(tags.First(t => t.Kind == ChInfo).Pos + 12), int.MaxValue));
        Fails(path, "corrupted next pointer");
    }

    [Fact]
    public void A_data_buffer_size_that_is_not_whole_samples_is_refused()
    {
        // Shrink the first buffer by 2 bytes and give the bytes to a NOP-like gap: the tag chain stays intact.
        using var dir = TestPaths.TempDir();
        var bytes = File.ReadAllBytes(Source);
        var buffer = Tags(bytes).First(t => t.Kind == DataBuffer);
        var cut = new List<byte>(bytes.AsSpan(0, buffer.Pos + 16 + buffer.Size - 2).ToArray());
        cut.AddRange(bytes.AsSpan(buffer.Pos + 16 + buffer.Size));
        var damaged = cut.ToArray();
        BinaryPrimitives.WriteInt32BigEndian(damaged.AsSpan(buffer.Pos + 8), buffer.Size - 2);
        string path = dir.File("odd_raw.fif");
        File.WriteAllBytes(path, damaged);
        Fails(path, "not a whole number of 4-channel float samples");
    }

    [Fact]
    public void Unknown_tag_kinds_are_skipped_as_mne_does()
    {
        using var dir = TestPaths.TempDir();
        string path = Damaged(dir, (b, tags) =>
        {
            foreach (var t in tags.Where(t => t.Kind == DigPoint))
                BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(t.Pos), 29_999);
        });
        using var damaged = SignalFormats.OpenRecording(path);
        using var original = SignalFormats.OpenRecording(Source);
        Assert.Equal(original.Info.ChannelNames, damaged.Info.ChannelNames);
        Assert.Equal(original.ReadAll(0, 500).Data, damaged.ReadAll(0, 500).Data);
    }

    [Fact]
    public void A_file_named_fif_without_the_fif_file_id_is_refused()
    {
        using var dir = TestPaths.TempDir();
        // A recognisable recording (EDF) keeps its own format whatever its name; anything else named .fif is FIF's to refuse.
        string path = dir.File("manifest_raw.fif");
        File.Copy(TestPaths.Shared("meg/MANIFEST.tsv"), path);
        Fails(path, "not a FIF file");
        string edf = dir.File("S001R04_raw.fif");
        File.Copy(Path.Combine(TestPaths.RepoRoot, "datasets", "sample", "S001R04.edf"), edf);
        using var recording = SignalFormats.OpenRecording(edf);
        Assert.Equal("edf", recording.Info.Format);
    }

    [Theory]
    [InlineData("meg/fif/test-eve.fif")]
    [InlineData("meg/fif/test_raw-annot.fif")]
    public void Event_files_are_not_raw_recordings(string file)
    {
        Fails(TestPaths.Shared(file), "not a raw recording", "event list");
    }
}
