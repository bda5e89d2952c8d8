using System.Buffers.Binary;
using System.Text;
using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Formats.Gdf;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Tests.Ingest.Gdf;

/// <summary>
/// The GDF reader beyond the golden values (GoldenConformanceTests): streaming contract, the files MNE 1.3
/// rejects, broken copies, and mixed sampling rates (a small file written here, checked against MNE's numbers).
/// </summary>
public class GdfReaderTests
{
    private static string Fixture(string name) => TestPaths.Shared(Path.Combine("formats", "gdf", name));

    public static TheoryData<string> Files() => ["MI128.gdf", "test_1ch.gdf", "tie-fighter-freetime.gdf"];

    [Theory]
    [MemberData(nameof(Files))]
    public void Blocks_of_1_7_and_n_samples_equal_a_whole_read(string name)
    {
        using var rec = SignalFormats.OpenRecording(Fixture(name));
        Assert.IsType<GdfRecording>(rec);
        var whole = rec.ReadAll();
        foreach (int size in new[] { 1, 7, (int)rec.Info.NSamples })
            AssertBlocksEqual(whole, rec.Blocks(blockSize: size));
    }

    [Fact]
    public void Picks_give_the_same_rows_as_a_whole_read()
    {
        using var rec = SignalFormats.OpenRecording(Fixture("MI128.gdf"));
        var whole = rec.ReadAll();
        int[] picks = [5, 0, 3];
        var some = rec.ReadAll(1000, 2000, picks);
        for (int r = 0; r < picks.Length; r++)
            for (int s = 0; s < some.NSamples; s++)
                Assert.Equal(whole[picks[r], 1000 + s], some[r, s]);
    }

    [Fact]
    public void Detected_by_the_GDF_magic_not_the_name()
    {
        using var dir = TestPaths.TempDir();
        File.Copy(Fixture("test_1ch.gdf"), dir.File("recording.dat"));
        Assert.Equal("gdf", SignalFormats.Detect(dir.File("recording.dat")).Name);
    }

    // ---- files MNE 1.3 rejects: a deliberate one-line refusal ----

    [Fact]
    public void Header_3_is_refused_like_MNE()
    {
        string path = TestPaths.Shared("formats/invalid/Header3Tag1.gdf");
        var ex = Assert.Throws<InvalidRecordingException>(() => SignalFormats.OpenRecording(path));
        AssertOneLine(ex, path, "header length 3072 bytes", "header 3", "not supported");
    }

    [Fact]
    public void Mixed_data_types_are_refused_like_MNE()
    {
        string path = TestPaths.Shared("formats/invalid/alltypes.gdf");
        var ex = Assert.Throws<InvalidRecordingException>(() => SignalFormats.OpenRecording(path));
        AssertOneLine(ex, path, "Reading multiple data types not supported", "int8", "float64");
    }

    // ---- broken copies ----

    [Theory]
    [InlineData(100, "truncated header: file has 100 bytes, the GDF fixed header needs 256")]
    [InlineData(1000, "truncated header: file has 1000 bytes, the header of 6 channels needs 1792")]
    [InlineData(100_000, "truncated data: 49673 records x 6 bytes after the 1792-byte header need 299830 bytes, file has 100000")]
    public void Truncated_files_are_named(int keep, string problem)
    {
        using var dir = TestPaths.TempDir();
        File.WriteAllBytes(dir.File("cut.gdf"), File.ReadAllBytes(Fixture("MI128.gdf"))[..keep]);
        var ex = Assert.Throws<InvalidRecordingException>(() => SignalFormats.OpenRecording(dir.File("cut.gdf")));
        AssertOneLine(ex, dir.File("cut.gdf"), problem);
    }

    [Fact]
    public void Truncated_event_table_is_named()
    {
        using var dir = TestPaths.TempDir();
        byte[] bytes = File.ReadAllBytes(Fixture("MI128.gdf"));
        File.WriteAllBytes(dir.File("cut.gdf"), bytes[..(299830 + 20)]);
        var ex = Assert.Throws<InvalidRecordingException>(() => SignalFormats.OpenRecording(dir.File("cut.gdf")));
        AssertOneLine(ex, dir.File("cut.gdf"), "event table at byte 299830 is truncated");
    }

    [Theory]
    [InlineData(42)]
    [InlineData(0)]
    [InlineData(12)]
    public void Unknown_data_type_code_is_named(int code)
    {
        using var dir = TestPaths.TempDir();
        byte[] bytes = File.ReadAllBytes(Fixture("MI128.gdf"));
        const int ns = 6;
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(256 + 220 * ns + 4 * 2), code);   // channel 3
        File.WriteAllBytes(dir.File("badtype.gdf"), bytes);
        var ex = Assert.Throws<InvalidRecordingException>(() => SignalFormats.OpenRecording(dir.File("badtype.gdf")));
        AssertOneLine(ex, dir.File("badtype.gdf"), $"channel 3 'eeg:C4': unknown data type code {code}");
    }

    [Fact]
    public void Non_numeric_version_is_named()
    {
        using var dir = TestPaths.TempDir();
        byte[] bytes = File.ReadAllBytes(Fixture("test_1ch.gdf"));
        "GDF x.yz"u8.CopyTo(bytes);
        File.WriteAllBytes(dir.File("v.gdf"), bytes);
        var ex = Assert.Throws<InvalidRecordingException>(() => SignalFormats.OpenRecording(dir.File("v.gdf")));
        AssertOneLine(ex, dir.File("v.gdf"), "version field 'GDF x.yz'");
    }

    // ---- mixed sampling rates: MNE resamples slower channels record by record ----

    /// <summary>
    /// MNE 1.3's values for the file <see cref="MixedRateFile"/> writes, from
    /// <c>mne.io.read_raw_gdf(f, preload=True).get_data()</c> (same layout written by a Python twin of this method):
    /// rows 1 ("Slow": FFT-resampled per record when slower) and 2 ("trigger": zero-order hold without the 17-bit
    /// mask when its rate differs, masked at the full rate).
    /// </summary>
    public static TheoryData<int, int, double, double[], double[]> MixedRates() => new()
    {
        {
            3, 5, 65535,
            [-0.0011686999999999997, -0.0011703495775246006, -0.0011626561088494117, -0.0011501263235826657, -0.0011401, -0.0011384504224753991, -0.001146143891150588, -0.001158673676417334, -0.0011205999999999998, -0.0011222495775246007, -0.0011145561088494115, -0.0011020263235826653, -0.0010919999999999997, -0.0010903504224753988, -0.001098043891150588, -0.0011105736764173342, -0.0010724999999999997, -0.0010741495775246006, -0.0010664561088494116, -0.0010539263235826656, -0.0010439, -0.001042250422475399, -0.001049943891150588, -0.001062473676417334, -0.0010244, -0.0010260495775246009, -0.0010183561088494115, -0.0010058263235826655, -0.0009957999999999998, -0.000994150422475399, -0.0010018438911505883, -0.0010143736764173343],
            [32748.0, 32748.0, 32751.0, 32751.0, 32754.0, 32757.0, 32757.0, 32760.0, 32755.0, 32755.0, 32758.0, 32758.0, 32761.0, 32764.0, 32764.0, 32767.0, 32762.0, 32762.0, 32765.0, 32765.0, 32768.0, 32771.0, 32771.0, 32774.0, 32769.0, 32769.0, 32772.0, 32772.0, 32775.0, 32778.0, 32778.0, 32781.0]
        },
        {
            4, 12, 65535,
            [-0.0011687, -0.0011674732539419352, -0.0011543999999999999, -0.0011472499999999998, -0.0011400999999999998, -0.0011270267460580644, -0.0011257999999999997, -0.0011472499999999998, -0.0011206000000000002, -0.0011193732539419355, -0.0011063000000000002, -0.0010991500000000001, -0.001092, -0.0010789267460580647, -0.0010777, -0.0010991500000000001, -0.0010725, -0.0010712732539419352, -0.0010582, -0.00105105, -0.0010439, -0.0010308267460580648, -0.0010295999999999999, -0.00105105, -0.0010244, -0.001023173253941935, -0.0010100999999999999, -0.0010029499999999998, -0.0009957999999999998, -0.0009827267460580647, -0.0009814999999999997, -0.0010029499999999998],
            [32748.0, 32751.0, 32757.0, 32760.0, 32766.0, 32769.0, 32775.0, 32778.0, 32755.0, 32758.0, 32764.0, 32767.0, 32773.0, 32776.0, 32782.0, 32785.0, 32762.0, 32765.0, 32771.0, 32774.0, 32780.0, 32783.0, 32749.0, 32752.0, 32769.0, 32772.0, 32778.0, 32781.0, 32787.0, 32750.0, 32756.0, 32759.0]
        },
        {
            // All at the full rate; the trigger's cal of 5 pushes values past 2^17, so MNE's 17-bit mask shows.
            8, 8, 327675,
            [-0.0011687, -0.0011544, -0.0011401, -0.0011258, -0.0011114999999999999, -0.0010972, -0.0010829000000000001, -0.0010686, -0.0011206, -0.0011063, -0.0010919999999999999, -0.0010777, -0.0010634, -0.0010491, -0.0010348, -0.0010205, -0.0010724999999999999, -0.0010582, -0.0010439, -0.0010296, -0.0010153, -0.001001, -0.0009867, -0.0009724, -0.0010244, -0.0010100999999999999, -0.0009958, -0.0009815, -0.0009672, -0.0009529, -0.0009385999999999999, -0.0009243000000000001],
            [32668.0, 32683.0, 32698.0, 32713.0, 32728.0, 32743.0, 32758.0, 32773.0, 32703.0, 32718.0, 32733.0, 32748.0, 32763.0, 32778.0, 32793.0, 32808.0, 32738.0, 32753.0, 32768.0, 32783.0, 32798.0, 32813.0, 32828.0, 32843.0, 32773.0, 32788.0, 32803.0, 32818.0, 32833.0, 32848.0, 32863.0, 32678.0]
        },
    };

    [Theory]
    [MemberData(nameof(MixedRates))]
    public void Slower_channels_are_resampled_per_record_as_MNE_does(int slowSpr, int stimSpr, double stimPhysicalMax, double[] slow, double[] trigger)
    {
        using var dir = TestPaths.TempDir();
        MixedRateFile(dir.File("mixed.gdf"), slowSpr, stimSpr, stimPhysicalMax);
        using var rec = SignalFormats.OpenRecording(dir.File("mixed.gdf"));
        Assert.Equal(16.0, rec.Info.Sfreq);
        Assert.Equal(32, rec.Info.NSamples);
        Assert.Equal(new[] { "Fz", "Slow", "trigger" }, rec.Info.ChannelNames);
        Assert.Equal(new[] { ChannelKind.Eeg, ChannelKind.Eeg, ChannelKind.Stim }, rec.Info.Channels.Select(c => c.Kind));
        Assert.Equal(2.0 * slowSpr, rec.Info.Channels[1].Sfreq);

        // Events at 1-based positions 0 (wraps to 2^32 - 1: dropped), 1, 5, 16, 30 (clipped at the end), 100 (dropped).
        Assert.Equal(new[]
        {
            new Annotation(0.0, 0.0625, "2"), new Annotation(0.25, 0.1875, "768"),
            new Annotation(0.9375, 0.25, "3"), new Annotation(1.8125, 0.1875, "4"),
        }, rec.Annotations);

        var whole = rec.ReadAll();
        Assert.Equal(-0.0013, whole[0, 0], 15);
        for (int s = 0; s < 32; s++)
        {
            Assert.Equal(slow[s], whole[1, s], 1e-14 * Math.Abs(slow[s]));   // FFT rounding (ours vs pocketfft)
            Assert.Equal(trigger[s], whole[2, s]);
        }
        foreach (int size in new[] { 1, 3, 7 })
            AssertBlocksEqual(whole, rec.Blocks(blockSize: size));
    }

    /// <summary>
    /// GDF 2.20, int16, 4 records of 0.5 s: "Fz" 8 samples/record (µV), "Slow" <paramref name="slowSpr"/> (µV),
    /// "trigger" <paramref name="stimSpr"/> (dimensionless, physical 0 .. <paramref name="stimPhysicalMax"/>);
    /// a mode-3 event table of 6 events.
    /// </summary>
    private static void MixedRateFile(string path, int slowSpr, int stimSpr, double stimPhysicalMax)
    {
        int[] spr = [8, slowSpr, stimSpr];
        string[] labels = ["Fz", "Slow", "trigger"];
        const int ns = 3, nrec = 4;
        var h = new byte[256 * (ns + 1)];
        "GDF 2.20"u8.CopyTo(h);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(184), ns + 1);
        BinaryPrimitives.WriteInt64LittleEndian(h.AsSpan(236), nrec);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(244), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(248), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(252), ns);
        const int o = 256;
        for (int i = 0; i < ns; i++)
        {
            Encoding.ASCII.GetBytes(labels[i].PadRight(16)).CopyTo(h, o + 16 * i);
            BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(o + 102 * ns + 2 * i), (ushort)(i < 2 ? 4275 : 512));
            BinaryPrimitives.WriteDoubleLittleEndian(h.AsSpan(o + 104 * ns + 8 * i), i < 2 ? -3276.8 : 0);
            BinaryPrimitives.WriteDoubleLittleEndian(h.AsSpan(o + 112 * ns + 8 * i), i < 2 ? 3276.7 : stimPhysicalMax);
            BinaryPrimitives.WriteDoubleLittleEndian(h.AsSpan(o + 120 * ns + 8 * i), -32768);
            BinaryPrimitives.WriteDoubleLittleEndian(h.AsSpan(o + 128 * ns + 8 * i), 32767);
            BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(o + 216 * ns + 4 * i), spr[i]);
            BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(o + 220 * ns + 4 * i), 3);   // int16
        }
        using var f = File.Create(path);
        f.Write(h);
        for (int r = 0; r < nrec; r++)
            for (int i = 0; i < ns; i++)
                for (int k = 0; k < spr[i]; k++)
                {
                    int v = i < 2 ? ((r * 37 + k * 11 + i * 101) % 2001 - 1000) * 13 : (r * 7 + k * 3) % 40 - 20;
                    f.Write(BitConverter.GetBytes((short)v));
                }
        uint[] pos = [0, 1, 5, 16, 30, 100];
        ushort[] type = [1, 2, 768, 3, 4, 5];
        uint[] dur = [2, 0, 3, 4, 10, 1];
        f.Write([3, 6, 0, 0]);
        f.Write(BitConverter.GetBytes(16.0f));
        foreach (var p in pos) f.Write(BitConverter.GetBytes(p));
        foreach (var t in type) f.Write(BitConverter.GetBytes(t));
        f.Write(new byte[2 * pos.Length]);
        foreach (var d in dur) f.Write(BitConverter.GetBytes(d));
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
        Assert.StartsWith(path + ": ", ex.Message);
        foreach (var part in parts)
            Assert.Contains(part, ex.Message);
    }
}
