using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Formats.Edf;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Tests.Ingest.Edf;

/// <summary>The reader contract (block-wise reads equal a whole read, picks give a subset) and what the golden
/// files do not cover: detection by content, subject/run, mixed rates with stim and degenerate scaling.</summary>
public class EdfReaderTests
{
    public static TheoryData<string> ContractFiles() =>
    [
        EdfTestFiles.Eegmmidb("S001R04.edf"),
        EdfTestFiles.Edf("test_reduced.edf"),          // 1..512 samples/record: per-record FFT and zero-order hold
        EdfTestFiles.Edf("test_uneven_samp.edf"),
        EdfTestFiles.Edf("edfAnnonC.edf"),
        EdfTestFiles.Edf("test_stim_channel.edf"),
        EdfTestFiles.Bdf("multiple_annotation_chans.bdf"),
        EdfTestFiles.Bdf("test_bdf_stim_channel.bdf"),
    ];

    [Theory]
    [MemberData(nameof(ContractFiles))]
    public void Reading_in_blocks_equals_a_whole_read(string path)
    {
        using var rec = (Recording)SignalFormats.OpenRecording(path);
        var whole = rec.ReadAll();
        long n = rec.Info.NSamples;
        Assert.Equal(n, whole.NSamples);
        Assert.Equal(rec.Info.NChannels, whole.NChannels);

        AssertBlocksEqual(rec, whole, 0, n, 7);
        AssertBlocksEqual(rec, whole, 0, n, (int)n);
        // Blocks of one sample: the first records and the last ones (all of them would be slow for long files).
        int head = (int)Math.Min(n, 3 * rec.Info.Sfreq + 11);
        AssertBlocksEqual(rec, whole, 0, head, 1);
        AssertBlocksEqual(rec, whole, Math.Max(0, n - 37), n, 1);
    }

    private static void AssertBlocksEqual(Recording rec, SignalBlock whole, long start, long stop, int blockSize)
    {
        long next = start;
        foreach (var block in rec.Blocks(start, stop, blockSize: blockSize))
        {
            Assert.Equal(next, block.FirstSample);
            for (int c = 0; c < block.NChannels; c++)
                Assert.True(block.Channel(c).SequenceEqual(whole.Data.AsSpan(c * (int)whole.NSamples + (int)next, block.NSamples)),
                    $"channel {c}, block at {block.FirstSample} (size {blockSize}) differs from the whole read");
            next += block.NSamples;
        }
        Assert.Equal(stop, next);
    }

    [Theory]
    [MemberData(nameof(ContractFiles))]
    public void Picks_give_the_picked_rows_in_the_picked_order(string path)
    {
        using var rec = (Recording)SignalFormats.OpenRecording(path);
        var whole = rec.ReadAll();
        int last = rec.Info.NChannels - 1;
        int[] picks = [last, 0, last / 2, 0];
        long start = rec.Info.NSamples / 3, stop = Math.Min(rec.Info.NSamples, start + 1234);
        var part = rec.ReadAll(start, stop, picks);
        Assert.Equal(picks.Length, part.NChannels);
        for (int p = 0; p < picks.Length; p++)
            Assert.True(part.Channel(p).SequenceEqual(whole.Data.AsSpan(picks[p] * (int)whole.NSamples + (int)start, (int)(stop - start))),
                $"pick {p} (channel {picks[p]}) differs");
    }

    [Fact]
    public void Concurrent_reads_of_one_recording_equal_sequential_reads()
    {
        using var rec = (Recording)SignalFormats.OpenRecording(EdfTestFiles.Eegmmidb("S001R04.edf"));
        var whole = rec.ReadAll();
        var starts = Enumerable.Range(0, 64).Select(i => (long)i * 290).ToArray();
        Parallel.ForEach(starts, s =>
        {
            var block = rec.ReadAll(s, s + 500);
            for (int c = 0; c < block.NChannels; c++)
                Assert.True(block.Channel(c).SequenceEqual(whole.Data.AsSpan(c * 20000 + (int)s, 500)));
        });
    }

    [Fact]
    public void Eegmmidb_info_subject_and_run()
    {
        using var rec = SignalFormats.OpenRecording(EdfTestFiles.Eegmmidb("S001R04.edf"));
        var info = rec.Info;
        Assert.Equal(("edf", 160.0, 20000L, 64), (info.Format, info.Sfreq, info.NSamples, info.NChannels));
        Assert.Equal(("001", "04"), (info.Subject, info.Run));
        Assert.Equal("Fc5.", info.Channels[0].Name);
        Assert.Equal(new ChannelInfo("Fc5.", ChannelKind.Eeg, "V", 160, "\u00B5V", -8092, 8092), info.Channels[0]);
        Assert.Equal(new DateTimeOffset(2009, 8, 12, 16, 15, 0, TimeSpan.Zero), info.MeasDate);
        Assert.Equal(30, rec.Annotations.Count);
        Assert.Empty(((EdfReader)rec).Warnings);
    }

    [Fact]
    public void Content_decides_edf_or_bdf_not_the_extension()
    {
        using var tmp = TestPaths.TempDir();
        string bdfNamedEdf = tmp.File("really_bdf.edf"), edfNamedBdf = tmp.File("really_edf.bdf");
        File.Copy(EdfTestFiles.Bdf("test_bdf_stim_channel.bdf"), bdfNamedEdf);
        File.Copy(EdfTestFiles.Edf("test_uneven_samp.edf"), edfNamedBdf);
        using (var rec = SignalFormats.OpenRecording(bdfNamedEdf))
            Assert.Equal(("bdf", 5000L), (rec.Info.Format, rec.Info.NSamples));
        using (var rec = SignalFormats.OpenRecording(edfNamedBdf))
            Assert.Equal(("edf", 11000L), (rec.Info.Format, rec.Info.NSamples));
        Assert.Same(EdfFormat.Bdf, SignalFormats.Detect(bdfNamedEdf));
        Assert.Same(EdfFormat.Edf, SignalFormats.Detect(edfNamedBdf));
    }

    [Fact]
    public void Mixed_rates_slower_stim_and_degenerate_scaling_match_mne()
    {
        // Expected values: MNE 1.3 read_raw_edf(preload=True) on these exact bytes.
        using var tmp = TestPaths.TempDir();
        string path = tmp.File("mixed.edf");
        File.WriteAllBytes(path, EdfSyntheticFiles.MixedRates());
        using var rec = (EdfReader)SignalFormats.OpenRecording(path);
        var info = rec.Info;
        Assert.Equal((4.0, 24L), (info.Sfreq, info.NSamples));
        Assert.Equal(["Fz", "Status", "Cz", "Flat", "Same"], info.ChannelNames);
        Assert.Equal([ChannelKind.Eeg, ChannelKind.Stim, ChannelKind.Eeg, ChannelKind.Eeg, ChannelKind.Eeg], info.Channels.Select(c => c.Kind));
        Assert.Equal(["V", "NA", "V", "V", "V"], info.Channels.Select(c => c.Unit));
        Assert.Equal(["\u00B5V", "n/a", "mV", "\u00B5V", "V"], info.Channels.Select(c => c.OrigUnit));
        Assert.Equal([4, 1.5, 2, 4, 4], info.Channels.Select(c => c.Sfreq));
        Assert.Equal(2, rec.Warnings.Count); // digital min = max on Flat, physical min = max on Same

        var all = rec.ReadAll();
        double[][] mne =
        [
            [0, 0, 0, 3, 3, 3, 6, 6, 9, 9, 9, 0, 0, 0, 3, 3, 6, 6, 6, 9, 9, 9, 0, 0],
            [-0.0005, -0.00047675187540310876, -0.000229, -9.349999999999997e-05, 4.200000000000002e-05, 0.00028975187540310876,
             0.000313, -9.350000000000002e-05, -0.00041600000000000003, -0.0003927518754031087, -0.000145, -9.49999999999996e-06,
             0.00012600000000000003, 0.0003737518754031088, 0.00039700000000000005, -9.500000000000014e-06, -0.00033200000000000005,
             -0.0003087518754031088, -6.100000000000002e-05, 7.450000000000004e-05, 0.00021, 0.00045775187540310873,
             0.00048099999999999993, 7.449999999999993e-05],
            [-0.029490799999999998, -0.022937299999999997, -0.016383799999999997, -0.009830299999999998, -0.0032768,
             0.0032766999999999996, 0.0098302, 0.0163837],
            [5.500007629510948, 5.500038147554742, 5.500068665598535, 5.5000991836423285, 5.500129701686122, 5.500160219729915,
             5.500190737773709, 5.500221255817502],
        ];
        Assert.Equal(mne[0], all.Channel(1).ToArray());                     // zero-order hold, exact
        for (int i = 0; i < 24; i++)
            Assert.Equal(mne[1][i], all[2, i], 1e-15);                        // per-record FFT resampling
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(mne[2][i], all[3, i]);                               // cal divisor 1
            Assert.Equal(mne[3][i], all[4, i]);                               // physical range 1
        }
        Assert.Equal(-9.999999999999999e-06, all[0, 0]);
    }
}
