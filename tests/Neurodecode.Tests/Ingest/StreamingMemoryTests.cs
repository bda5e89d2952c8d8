using System.Text;
using Neurodecode.Ingest.Formats;

namespace Neurodecode.Tests.Ingest;

/// <summary>Reading streams: a long recording is read with memory for a block, not for the file.</summary>
[Collection(MemoryMeasurement.Name)]
public class StreamingMemoryTests
{
    [Fact]
    public async Task Streaming_a_long_edf_keeps_managed_memory_bounded()
    {
        // A 100-minute EDF+ made of the real S001R04 data records repeated: 6000 records of 1 s,
        // 124 MB on disk, 491 MB as float64.
        const int records = 6000;
        using var tmp = TestPaths.TempDir();
        string path = tmp.File("long.edf");
        var sample = File.ReadAllBytes(Path.Combine(TestPaths.RepoRoot, "datasets", "sample", "S001R04.edf"));
        int headerBytes = 256 * 66, recordBytes = (64 * 160 + 80) * 2; // 64 EEG signals + 80-sample annotation signal
        using (var file = File.Create(path))
        {
            var header = sample[..headerBytes];
            Encoding.ASCII.GetBytes(records.ToString().PadRight(8)).CopyTo(header, 236);
            file.Write(header);
            for (int r = 0; r < records; r++)
                file.Write(sample, headerBytes + r % 125 * recordBytes, recordBytes);
        }

        using var recording = SignalFormats.OpenRecording(path);
        Assert.Equal(records * 160L, recording.Info.NSamples);
        long baseline = GC.GetTotalMemory(forceFullCollection: true), peak = 0, samples = 0;
        int blocks = 0;
        await foreach (var block in recording.ReadBlocks())
        {
            samples += block.NSamples;
            if (++blocks % 10 == 0)
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
        }
        Assert.Equal(records * 160L, samples);
        long fileBytes = new FileInfo(path).Length;
        Assert.True(peak < 32L << 20, $"live managed memory grew by {peak >> 20} MB while streaming a {fileBytes >> 20} MB file");
    }
}
