using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Formats.Parquet;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Tests.Ingest.Parquet;

/// <summary>Writing a real recording (EEGMMIDB S001R04) and opening it again gives back exactly what went in.</summary>
public class ParquetRoundTripTests
{
    [Fact]
    public async Task Round_trip_keeps_info_annotations_and_every_bit()
    {
        using var source = EegmmidbSample.Load();
        using var dir = TestPaths.TempDir();
        string path = dir.File("S001R04.parquet");

        await ParquetSignalWriter.WriteAsync(source, path, CancellationToken.None);

        Assert.Equal(["S001R04.parquet"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
        Assert.Equal("parquet", SignalFormats.Detect(path).Name);
        using var read = Assert.IsType<ParquetRecording>(SignalFormats.OpenRecording(path));
        Assert.Equal("parquet", read.Info.Format);
        Assert.Equal(path, read.Info.SourcePath);
        Assert.Equal("edf", read.SourceFormat);
        Assert.Equal(160.0, read.Info.Sfreq);
        Assert.Equal(20000, read.Info.NSamples);
        Assert.Equal(source.Info.MeasDate, read.Info.MeasDate);
        Assert.Equal(new DateTimeOffset(2009, 8, 12, 16, 15, 0, TimeSpan.Zero), read.Info.MeasDate);
        Assert.Equal(("001", (string?)null, "04"), (read.Info.Subject, read.Info.Session, read.Info.Run));
        Assert.Equal(source.Info.Channels, read.Info.Channels);
        Assert.Equal(64, read.Info.NChannels);
        Assert.Equal("Fc5.", read.Info.Channels[0].Name);

        Assert.Equal(source.Annotations, read.Annotations);
        Assert.Equal(30, read.Annotations.Count);
        Assert.Equal(["T0", "T1", "T2"], read.Annotations.Select(a => a.Description).Distinct().Order());
        Assert.Equal(new Annotation(0, 4.2, "T0"), read.Annotations[0]);

        AssertSameBits(source, read.ReadAll(), 0, Enumerable.Range(0, 64).ToArray());
    }

    [Fact]
    public async Task Row_groups_hold_at_most_8_MiB_and_blocks_straddle_them()
    {
        // 50,000 samples of 64 channels: row groups of 15,887 rows (8 MiB / 66 columns), so 4 groups.
        using var source = EegmmidbSample.Load(nSamples: 50_000);
        using var dir = TestPaths.TempDir();
        string path = dir.File("long.parquet");
        await ParquetSignalWriter.WriteAsync(source, path, CancellationToken.None);

        using var read = Assert.IsType<ParquetRecording>(SignalFormats.OpenRecording(path));
        Assert.Equal([15887L, 15887, 15887, 2339], read.RowGroupSizes);

        int[] all = Enumerable.Range(0, 64).ToArray();
        // One segment across all four groups, and blocks of 1, 7 and 1000 starting just before a boundary.
        AssertSameBits(source, read.ReadAll(), 0, all);
        foreach (int blockSize in new[] { 1, 7, 1000, 40_000 })
        {
            long start = 15887 - 3, stop = Math.Min(50_000, start + 3 * blockSize + 15887);
            await foreach (var block in read.ReadBlocks(start, stop, blockSize: blockSize))
                AssertSameBits(source, block, block.FirstSample, all);
        }
    }

    [Fact]
    public async Task Picks_read_only_the_chosen_channels_in_the_chosen_order()
    {
        using var source = EegmmidbSample.Load(nSamples: 40_000);
        using var dir = TestPaths.TempDir();
        string path = dir.File("picks.parquet");
        await ParquetSignalWriter.WriteAsync(source, path, CancellationToken.None);
        using var read = SignalFormats.OpenRecording(path);

        int[] picks = [63, 0, 33, 33];
        var block = read.ReadAll(15_000, 33_000, picks);
        Assert.Equal((4, 18_000, 15_000L), (block.NChannels, block.NSamples, block.FirstSample));
        AssertSameBits(source, block, 15_000, picks);

        var empty = read.ReadAll(100, 100, [5]);
        Assert.Equal(0, empty.NSamples);
        Assert.Throws<ArgumentOutOfRangeException>(() => read.ReadAll(0, 10, [64]));
    }

    [Fact]
    public async Task Writer_refuses_repeated_or_reserved_channel_names_and_leaves_no_file()
    {
        using var dir = TestPaths.TempDir();
        foreach (var (names, expected) in new[]
                 {
                     (new[] { "Fz", "Cz", "Fz" }, "channels 0 and 2 are both named 'Fz'"),
                     (new[] { "Fz", "sample" }, "channel 1 is named 'sample', reserved for the leading"),
                     (new[] { "Fz", "" }, "channel 1 has no name"),
                 })
        {
            using var rec = Synthetic(names, 100);
            string path = dir.File("bad.parquet");
            var e = await Assert.ThrowsAsync<InvalidRecordingException>(
                () => ParquetSignalWriter.WriteAsync(rec, path, CancellationToken.None));
            Assert.Contains(expected, e.Message);
            Assert.DoesNotContain('\n', e.Message);
            Assert.Empty(Directory.GetFiles(dir.Path));
        }
    }

    [Fact]
    public async Task Cancelled_write_leaves_nothing_behind()
    {
        using var source = EegmmidbSample.Load(nSamples: 100_000);
        using var dir = TestPaths.TempDir();
        using var cts = new CancellationTokenSource();
        int segments = 0;
        source.OnSegment = () => { if (++segments == 2) cts.Cancel(); };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => ParquetSignalWriter.WriteAsync(source, dir.File("x.parquet"), cts.Token));

        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public async Task Empty_recording_round_trips()
    {
        using var source = Synthetic(["Fz", "Cz"], 0);
        using var dir = TestPaths.TempDir();
        string path = dir.File("empty.parquet");
        await ParquetSignalWriter.WriteAsync(source, path, CancellationToken.None);
        using var read = SignalFormats.OpenRecording(path);
        Assert.Equal(0, read.Info.NSamples);
        Assert.Equal(["Fz", "Cz"], read.Info.ChannelNames);
        Assert.Equal(0, read.ReadAll().NSamples);
    }

    internal static ArrayRecording Synthetic(string[] names, long nSamples, double sfreq = 250)
    {
        var channels = names.Select(n => new ChannelInfo(n, ChannelKind.Eeg, "V", sfreq)).ToArray();
        int period = 1000;
        var data = new double[names.Length * period];
        for (int i = 0; i < data.Length; i++)
            data[i] = Math.Sin(i * 0.01) * 1e-5;
        return new ArrayRecording(new RecordingInfo("synthetic", "synthetic", sfreq, nSamples, channels), [],
            data, period);
    }

    /// <summary>Every value of <paramref name="block"/> equals the source's, bit for bit.</summary>
    internal static void AssertSameBits(ArrayRecording source, SignalBlock block, long firstSample, int[] picks)
    {
        Assert.Equal(firstSample, block.FirstSample);
        Assert.Equal(picks.Length, block.NChannels);
        for (int i = 0; i < picks.Length; i++)
            for (int j = 0; j < block.NSamples; j++)
            {
                double want = source.Value(picks[i], firstSample + j);
                if (BitConverter.DoubleToInt64Bits(want) != BitConverter.DoubleToInt64Bits(block[i, j]))
                    Assert.Fail($"channel {picks[i]} sample {firstSample + j}: {block[i, j]:R}, expected {want:R}");
            }
    }
}
