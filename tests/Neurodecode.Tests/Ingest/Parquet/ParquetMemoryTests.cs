using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Formats.Parquet;

namespace Neurodecode.Tests.Ingest.Parquet;

/// <summary>
/// Writing and reading hold one row group, not the file: 30 min of 64 channels at 160 Hz (147 MB of float64; the real
/// S001R04 samples repeated) is written and read back while the live heap is measured after a full collection.
/// Runs alone, since the heap is shared by every test in the process.
/// </summary>
[Collection(MemoryMeasurement.Name)]
public class ParquetMemoryTests
{
    [Fact]
    public async Task Thirty_minutes_write_and_read_in_bounded_memory()
    {
        const long nSamples = 30 * 60 * 160;
        using var source = EegmmidbSample.Load(nSamples);
        long dataBytes = nSamples * 64 * sizeof(double);
        using var dir = TestPaths.TempDir();
        string path = dir.File("30min.parquet");

        long baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peakWrite = 0;
        source.OnSegment = () => peakWrite = Math.Max(peakWrite, GC.GetTotalMemory(true) - baseline);
        await ParquetSignalWriter.WriteAsync(source, path, CancellationToken.None);
        source.OnSegment = null;

        baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peakRead = 0, blocks = 0, samples = 0;
        int[] all = Enumerable.Range(0, 64).ToArray();
        using (var read = SignalFormats.OpenRecording(path))
        {
            Assert.Equal(nSamples, read.Info.NSamples);
            await foreach (var block in read.ReadBlocks(blockSize: 8192))
            {
                if (blocks++ % 5 == 0)
                    peakRead = Math.Max(peakRead, GC.GetTotalMemory(true) - baseline);
                if (blocks % 7 == 0)   // spot-check values far into the file
                    ParquetRoundTripTests.AssertSameBits(source, block, block.FirstSample, all);
                samples += block.NSamples;
            }
        }
        Assert.Equal(nSamples, samples);

        // One row group of 64 channels is ~8 MiB; allow a few of them, far below the 147 MB of data.
        long limit = dataBytes / 5;
        Assert.True(peakWrite < limit, $"writing held {peakWrite / 1e6:F1} MB live (limit {limit / 1e6:F1} MB)");
        Assert.True(peakRead < limit, $"reading held {peakRead / 1e6:F1} MB live (limit {limit / 1e6:F1} MB)");
        Console.WriteLine($"data {dataBytes / 1e6:F1} MB, file {new FileInfo(path).Length / 1e6:F1} MB, " +
                          $"peak live write {peakWrite / 1e6:F1} MB, read {peakRead / 1e6:F1} MB");
    }
}
