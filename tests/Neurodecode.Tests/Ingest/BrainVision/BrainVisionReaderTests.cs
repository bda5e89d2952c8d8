using System.Runtime.InteropServices;
using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Formats.BrainVision;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Tests.Ingest.BrainVision;

/// <summary>
/// The BrainVision reader beyond the golden values (GoldenConformanceTests): streaming contract, the sample types
/// and layouts the fixtures lack (made from copies of test.eeg), and one-line errors for broken copies.
/// </summary>
public class BrainVisionReaderTests
{
    private static string Fixture(string name) => TestPaths.Shared(Path.Combine("formats", "brainvision", name));

    public static TheoryData<string> Headers() =>
    [
        "test.vhdr",                                   // INT_16 multiplexed
        "test_old_layout_latin1_software_filter.vhdr", // IEEE_FLOAT_32 vectorized, latin-1
        "test_VAmp.ahdr",                              // V-Amp: one extra channel in the data file
        "Analyzer_nV_Export.vhdr",                     // 2 samples only
    ];

    [Theory]
    [MemberData(nameof(Headers))]
    public void Blocks_of_1_7_and_n_samples_equal_a_whole_read(string header)
    {
        using var rec = SignalFormats.OpenRecording(Fixture(header));
        Assert.IsType<BrainVisionRecording>(rec);
        var whole = rec.ReadAll();
        foreach (int size in new[] { 1, 7, (int)rec.Info.NSamples })
            AssertBlocksEqual(whole, rec.Blocks(blockSize: size));
    }

    [Theory]
    [MemberData(nameof(Headers))]
    public void Picks_give_the_same_rows_as_a_whole_read(string header)
    {
        using var rec = SignalFormats.OpenRecording(Fixture(header));
        var whole = rec.ReadAll();
        int last = rec.Info.NChannels - 1;
        int[] picks = [last, 0, last / 2];
        long start = rec.Info.NSamples / 3, stop = rec.Info.NSamples;
        var some = rec.ReadAll(start, stop, picks);
        Assert.Equal(picks.Length, some.NChannels);
        for (int r = 0; r < picks.Length; r++)
            for (int s = 0; s < some.NSamples; s++)
                Assert.Equal(whole[picks[r], (int)(start + s)], some[r, s]);
    }

    [Fact]
    public void Reads_from_many_threads_at_once_agree()
    {
        using var rec = SignalFormats.OpenRecording(Fixture("test.vhdr"));
        var whole = rec.ReadAll();
        Parallel.For(0, 64, i =>
        {
            long start = i * 97 % (rec.Info.NSamples - 50);
            var block = rec.ReadAll(start, start + 50, [i % rec.Info.NChannels]);
            for (int s = 0; s < 50; s++)
                Assert.Equal(whole[i % rec.Info.NChannels, (int)start + s], block[0, s]);
        });
    }

    [Fact]
    public void Headers_are_recognised_by_content_first()
    {
        using var dir = TestPaths.TempDir();
        // A header under a name without extension is still a BrainVision header.
        File.Copy(Fixture("test_VAmp.ahdr"), dir.File("header-without-extension"));
        Assert.Equal("brainvision", SignalFormats.Detect(dir.File("header-without-extension")).Name);
        Assert.Equal("brainvision", SignalFormats.Detect(Fixture("testv2.vhdr")).Name);
    }

    [Fact]
    public void Int32_copy_of_the_data_reads_the_same_values()
    {
        using var dir = CopyOfTest();
        short[] int16 = MemoryMarshal.Cast<byte, short>(File.ReadAllBytes(dir.File("test.eeg"))).ToArray();
        File.WriteAllBytes(dir.File("test.eeg"), MemoryMarshal.AsBytes(int16.Select(v => (int)v).ToArray().AsSpan()).ToArray());
        EditHeader(dir, "BinaryFormat=INT_16", "BinaryFormat=INT_32");
        AssertSameValues(Fixture("test.vhdr"), dir.File("test.vhdr"));
    }

    [Fact]
    public void Vectorized_copy_of_the_data_reads_the_same_values()
    {
        using var dir = CopyOfTest();
        short[] mux = MemoryMarshal.Cast<byte, short>(File.ReadAllBytes(dir.File("test.eeg"))).ToArray();
        const int nch = 32;
        int n = mux.Length / nch;
        var vec = new short[mux.Length];
        for (int s = 0; s < n; s++)
            for (int c = 0; c < nch; c++)
                vec[c * n + s] = mux[s * nch + c];
        File.WriteAllBytes(dir.File("test.eeg"), MemoryMarshal.AsBytes(vec.AsSpan()).ToArray());
        EditHeader(dir, "DataOrientation=MULTIPLEXED", "DataOrientation=VECTORIZED");
        AssertSameValues(Fixture("test.vhdr"), dir.File("test.vhdr"));
    }

    [Fact]
    public void A_trailing_partial_sample_is_ignored_as_MNE_does()
    {
        using var dir = CopyOfTest();
        using (var eeg = new FileStream(dir.File("test.eeg"), FileMode.Append))
            eeg.Write([1, 2, 3, 4, 5]);
        AssertSameValues(Fixture("test.vhdr"), dir.File("test.vhdr"));
    }

    [Fact]
    public void Ansi_codepage_is_cp1252_and_stray_utf8_mu_still_reads_as_microvolt()
    {
        // MNE 1.3 on this edit of testv2.vhdr: names ['FP1€', 'FéP2', 'F3'], units µV (UTF-8 'µ' read as cp1252 is
        // 'Âµ'; MNE drops the 'Â'), all eeg, same values.
        using var dir = TestPaths.TempDir();
        foreach (var name in new[] { "testv2.vmrk", "test.eeg" })
            File.Copy(Fixture(name), dir.File(name));
        byte[] header = File.ReadAllBytes(Fixture("testv2.vhdr"));
        string latin = System.Text.Encoding.Latin1.GetString(header)
            .Replace("Codepage=UTF-8", "Codepage=ANSI").Replace("Ch1=FP1,", "Ch1=FP1\u0080,").Replace("Ch2=FP2,", "Ch2=F\u00e9P2,");
        File.WriteAllBytes(dir.File("ansi.vhdr"), System.Text.Encoding.Latin1.GetBytes(latin));

        using var rec = SignalFormats.OpenRecording(dir.File("ansi.vhdr"));
        Assert.Equal(new[] { "FP1€", "FéP2", "F3" }, rec.Info.ChannelNames.Take(3));
        Assert.All(rec.Info.Channels.Take(3), c => Assert.Equal(("µV", ChannelKind.Eeg), (c.OrigUnit, c.Kind)));
        using var original = SignalFormats.OpenRecording(Fixture("testv2.vhdr"));
        AssertBlocksEqual(original.ReadAll(), rec.Blocks(blockSize: 4096));
    }

    [Fact]
    public void Marker_files_point_to_their_header()
    {
        var ex = Assert.Throws<InvalidRecordingException>(() => SignalFormats.OpenRecording(Fixture("test.vmrk")));
        AssertOneLine(ex, Fixture("test.vmrk"), "marker file", ".vhdr");
    }

    // ---- broken copies: each must give one line naming the file and the problem ----

    [Fact]
    public void Missing_marker_file_is_named()
    {
        using var dir = CopyOfTest();
        File.Delete(dir.File("test.vmrk"));
        var ex = Assert.Throws<InvalidRecordingException>(() => SignalFormats.OpenRecording(dir.File("test.vhdr")));
        AssertOneLine(ex, dir.File("test.vhdr"), "marker file", dir.File("test.vmrk"), "not found");
    }

    [Fact]
    public void Missing_data_file_is_named()
    {
        using var dir = CopyOfTest();
        File.Delete(dir.File("test.eeg"));
        var ex = Assert.Throws<InvalidRecordingException>(() => SignalFormats.OpenRecording(dir.File("test.vhdr")));
        AssertOneLine(ex, dir.File("test.vhdr"), "data file", dir.File("test.eeg"), "not found");
    }

    [Theory]
    [InlineData("SamplingInterval=1000", "SamplingInterval=abc", "SamplingInterval='abc' is not a number")]
    [InlineData("SamplingInterval=1000", "SamplingInterval=0", "SamplingInterval=0")]
    [InlineData("BinaryFormat=INT_16", "BinaryFormat=INT_8", "BinaryFormat='INT_8' is not supported")]
    [InlineData("DataOrientation=MULTIPLEXED", "DataOrientation=SIDEWAYS", "DataOrientation='SIDEWAYS' is not supported")]
    [InlineData("DataFormat=BINARY", "DataFormat=ASCII", "DataFormat='ASCII' is not supported")]
    [InlineData("NumberOfChannels=32", "NumberOfChannels=thirty-two", "NumberOfChannels='thirty-two'")]
    [InlineData("NumberOfChannels=32", "NumberOfChannels=33", "no Ch33= line")]
    [InlineData("Ch5=C3,,0.5,µV", "Ch5=C3,,half,µV", "resolution 'half' is not a number")]
    [InlineData("Ch5=C3,,0.5,µV", "Ch5", "is not key=value")]
    [InlineData("Ch5=C3,,0.5,µV", "Ch5=C3", "expected name,reference,resolution")]
    [InlineData("Ch5=C3,,0.5,µV", "Ch99=C3,,0.5,µV", "is not Ch1..Ch32")]
    [InlineData("Ch6=C4,,0.5,µV", "Ch5=C4,,0.5,µV", "key 'ch5' appears twice")]
    [InlineData("SamplingInterval=1000", "", "[Common Infos] has no SamplingInterval= entry")]
    [InlineData("Codepage=UTF-8", "Codepage=KLINGON-8", "unknown text encoding Codepage=KLINGON-8")]
    public void Broken_header_fields_are_named(string line, string replacement, string problem)
    {
        using var dir = CopyOfTest();
        EditHeader(dir, line, replacement);
        var ex = Assert.Throws<InvalidRecordingException>(() => SignalFormats.OpenRecording(dir.File("test.vhdr")));
        AssertOneLine(ex, dir.File("test.vhdr"), problem);
    }

    [Fact]
    public void Data_file_shorter_than_one_sample_is_an_error()
    {
        using var dir = CopyOfTest();
        File.WriteAllBytes(dir.File("test.eeg"), new byte[10]);
        var ex = Assert.Throws<InvalidRecordingException>(() => SignalFormats.OpenRecording(dir.File("test.vhdr")));
        AssertOneLine(ex, dir.File("test.vhdr"), dir.File("test.eeg"), "less than one sample");
    }

    [Fact]
    public void Marker_with_a_bad_position_names_the_marker_file()
    {
        using var dir = CopyOfTest();
        string text = File.ReadAllText(dir.File("test.vmrk")).Replace("Mk4=Event,254,1770,1,0", "Mk4=Event,254,soon,1,0");
        File.WriteAllText(dir.File("test.vmrk"), text);
        var ex = Assert.Throws<InvalidRecordingException>(() => SignalFormats.OpenRecording(dir.File("test.vhdr")));
        AssertOneLine(ex, dir.File("test.vmrk"), "position 'soon' is not an integer");
    }

    [Fact]
    public void Garbage_under_a_vhdr_name_is_a_one_line_error()
    {
        using var dir = TestPaths.TempDir();
        var junk = new byte[4096];
        new Random(7).NextBytes(junk);
        File.WriteAllBytes(dir.File("junk.vhdr"), junk);
        var ex = Assert.Throws<InvalidRecordingException>(() => SignalFormats.OpenRecording(dir.File("junk.vhdr")));
        AssertOneLine(ex, dir.File("junk.vhdr"));
    }

    [Fact]
    public void Markers_outside_the_data_are_dropped_or_clipped_as_MNE_does()
    {
        using var dir = CopyOfTest();
        string text = File.ReadAllText(dir.File("test.vmrk"))
            .Replace("Mk2=Stimulus,S253,487,0,0", "Mk2=Stimulus,S253,0,0,0")      // onset -1 ms, no length: dropped
            .Replace("Mk3=Stimulus,S255,497,1,0", "Mk3=Stimulus,S255,0,3,0")      // starts 1 ms early: clipped to 2 ms
            .Replace("Mk14=Optic,O  1,7700,1,0", "Mk14=Optic,O  1,7899,10,0");    // runs past the end: clipped
        File.WriteAllText(dir.File("test.vmrk"), text);
        using var rec = SignalFormats.OpenRecording(dir.File("test.vhdr"));
        // MNE 1.3 on the same edit: 13 annotations, the clipped one first (sorted before cropping).
        Assert.Equal(13, rec.Annotations.Count);
        Assert.Equal(new Annotation(0.0, 0.002, "Stimulus/S255"), rec.Annotations[0]);
        Assert.Equal(new Annotation(0.0, 0.001, "New Segment/"), rec.Annotations[1]);
        Assert.Equal(new Annotation(7.898, 0.002, "Optic/O  1"), rec.Annotations[^1]);  // to last sample + 1/sfreq
    }

    private static TempDir CopyOfTest()
    {
        var dir = TestPaths.TempDir();
        foreach (var name in new[] { "test.vhdr", "test.vmrk", "test.eeg" })
        {
            File.Copy(Fixture(name), dir.File(name));
            File.SetAttributes(dir.File(name), FileAttributes.Normal);
        }
        return dir;
    }

    private static void EditHeader(TempDir dir, string line, string replacement)
    {
        string text = File.ReadAllText(dir.File("test.vhdr"));
        Assert.Contains(line + "\n", text);
        File.WriteAllText(dir.File("test.vhdr"), text.Replace(line + "\n", replacement + "\n"));
    }

    private static void AssertSameValues(string expectedPath, string actualPath)
    {
        using var expected = SignalFormats.OpenRecording(expectedPath);
        using var actual = SignalFormats.OpenRecording(actualPath);
        Assert.Equal(expected.Info.NSamples, actual.Info.NSamples);
        Assert.Equal(expected.Annotations, actual.Annotations);
        AssertBlocksEqual(expected.ReadAll(), actual.Blocks(blockSize: 1000));
    }

    private static void AssertBlocksEqual(SignalBlock whole, IEnumerable<SignalBlock> blocks)
    {
        long next = 0;
        foreach (var block in blocks)
        {
            Assert.Equal(next, block.FirstSample);
            for (int c = 0; c < whole.NChannels; c++)
                for (int s = 0; s < block.NSamples; s++)
                    Assert.Equal(whole[c, (int)block.FirstSample + s], block[c, s]);
            next += block.NSamples;
        }
        Assert.Equal(whole.NSamples, next);
    }

    private static void AssertOneLine(InvalidRecordingException ex, string path, params string[] parts)
    {
        Assert.DoesNotContain('\n', ex.Message);
        Assert.DoesNotContain('\r', ex.Message);
        Assert.StartsWith(path + ": ", ex.Message);
        foreach (var part in parts)
            Assert.Contains(part, ex.Message);
    }
}
