using System.Buffers.Binary;
using Neurodecode.Ingest.Formats;

namespace Neurodecode.Tests.Ingest.Fif;

/// <summary>FIF reading streams: a long raw file is read with memory for a block, not for the file.</summary>
[Collection(MemoryMeasurement.Name)]
public class FifStreamingMemoryTests
{
    [Fact]
    public async Task Streaming_a_long_fif_keeps_managed_memory_bounded()
    {
        // test_elekta_3ch_raw.fif with its 8 real data buffers repeated 90 times: 720 buffers of 10 000 samples,
        // 115 MB on disk, 230 MB as float64.
        const int repeats = 90;
        var bytes = File.ReadAllBytes(TestPaths.Shared("meg/fif/test_elekta_3ch_raw.fif"));
        var buffers = new List<(int Pos, int End)>();
        for (int pos = 0; pos + 16 <= bytes.Length;)
        {
            int kind = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(pos)), size = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(pos + 8));
            if (kind == 300)
                buffers.Add((pos, pos + 16 + size));
            if (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(pos + 12)) == -1) break;
            pos += 16 + size;
        }
        Assert.Equal(8, buffers.Count);
        using var tmp = TestPaths.TempDir();
        string path = tmp.File("long_raw.fif");
        using (var file = File.Create(path))
        {
            file.Write(bytes, 0, buffers[0].Pos);
            for (int r = 0; r < repeats; r++)
                file.Write(bytes, buffers[0].Pos, buffers[^1].End - buffers[0].Pos);
            file.Write(bytes, buffers[^1].End, bytes.Length - buffers[^1].End);
        }

        using var recording = SignalFormats.OpenRecording(path);
        long expected = repeats * 80_000L;
        Assert.Equal(expected, recording.Info.NSamples);
        long baseline = GC.GetTotalMemory(forceFullCollection: true), peak = 0, samples = 0;
        int blocks = 0;
        await foreach (var block in recording.ReadBlocks())
        {
            samples += block.NSamples;
            if (++blocks % 50 == 0)
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
        }
        Assert.Equal(expected, samples);
        Assert.True(peak < 32L << 20, $"live managed memory grew by {peak >> 20} MB while streaming a {new FileInfo(path).Length >> 20} MB file");
    }
}
