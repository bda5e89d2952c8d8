using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Formats.RoiTable;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Tests.Ingest.RoiTable;

/// <summary>
/// ROI tables beyond the golden ABIDE files: block reads, the same table as .1D/.csv/.tsv, headers, sidecar
/// rates, and bad input on temp copies (one-line errors naming file, line and column).
/// </summary>
public class RoiTableTests
{
    private static readonly string Abide = TestPaths.Shared("abide/rois_cc200/OHSU_0050143_rois_cc200.1D");

    private static string[] AbideLines() => File.ReadAllLines(Abide);

    private static string Write(TempDir tmp, string name, IEnumerable<string> lines, string newline = "\n")
    {
        string path = tmp.File(name);
        File.WriteAllText(path, string.Join(newline, lines) + newline);
        return path;
    }

    private static double[] Whole(Recording rec) => rec.ReadAll().Data;

    [Fact]
    public void Abide_1d_is_detected_and_read_as_roi_channels()
    {
        Assert.IsType<RoiTableFormat>(SignalFormats.Detect(Abide));
        using var rec = SignalFormats.OpenRecording(Abide);
        Assert.Equal("roi_table", rec.Info.Format);
        Assert.Equal(200, rec.Info.NChannels);
        Assert.Equal(78, rec.Info.NSamples);
        Assert.Equal(1.0, rec.Info.Sfreq);
        Assert.Equal("1", rec.Info.Channels[0].Name);
        Assert.Equal("200", rec.Info.Channels[199].Name);
        Assert.All(rec.Info.Channels, c => Assert.Equal((ChannelKind.Roi, "NA"), (c.Kind, c.Unit)));
        // Second row, first and last ROI, as in the file: "-5.102 ... 4.76263" → row 1 is line 3.
        var first = AbideLines()[2].Split('\t');
        var block = rec.ReadAll();
        Assert.Equal(double.Parse(first[0], System.Globalization.CultureInfo.InvariantCulture), block[0, 1]);
        Assert.Equal(double.Parse(first[199], System.Globalization.CultureInfo.InvariantCulture), block[199, 1]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(78)]
    public void Blocks_of_any_size_equal_the_whole_read(int blockSize)
    {
        using var rec = RoiTableRecording.Open(Abide);
        var whole = rec.ReadAll();
        foreach (var block in rec.Blocks(blockSize: blockSize))
            for (int c = 0; c < block.NChannels; c++)
                for (int s = 0; s < block.NSamples; s++)
                    Assert.Equal(whole[c, (int)block.FirstSample + s], block[c, s]);
        int[] picks = [199, 0, 57];
        var picked = rec.ReadAll(10, 30, picks);
        for (int p = 0; p < picks.Length; p++)
            for (int s = 0; s < 20; s++)
                Assert.Equal(whole[picks[p], 10 + s], picked[p, s]);
    }

    [Fact]
    public void Same_table_as_csv_and_tsv_with_named_columns()
    {
        using var tmp = TestPaths.TempDir();
        var lines = AbideLines();
        var names = Enumerable.Range(1, 200).Select(k => $"\"CC200_{k}\"");
        string csv = Write(tmp, "t.csv", lines.Skip(1).Select(l => l.Replace('\t', ',')).Prepend(string.Join(",", names)), "\r\n");
        string tsv = Write(tmp, "t.tsv", lines.Skip(1).Prepend(string.Join("\t", names.Select(n => n.Trim('"')))));
        using var reference = SignalFormats.OpenRecording(Abide);
        foreach (string path in new[] { csv, tsv })
        {
            using var rec = SignalFormats.OpenRecording(path);
            Assert.Equal("roi_table", rec.Info.Format);
            Assert.Equal(Enumerable.Range(1, 200).Select(k => $"CC200_{k}"), rec.Info.ChannelNames);
            Assert.Equal(Whole((Recording)reference), Whole(rec));
        }
    }

    [Fact]
    public void Without_header_columns_are_numbered_and_comments_blank_lines_nan_are_handled()
    {
        using var tmp = TestPaths.TempDir();
        string path = Write(tmp, "plain.1D", ["", "  1.5   2   -3e-2 ", "# a comment", "", "nan\tinf\t-inf", "4 5 6"]);
        using var rec = SignalFormats.OpenRecording(path);
        Assert.Equal(["1", "2", "3"], rec.Info.ChannelNames);
        Assert.Equal(3, rec.Info.NSamples);
        var d = rec.ReadAll();
        Assert.Equal([1.5, double.NaN, 4], [d[0, 0], d[0, 1], d[0, 2]]);
        Assert.Equal([-0.03, double.NegativeInfinity, 6], [d[2, 0], d[2, 1], d[2, 2]]);
    }

    [Theory]
    [InlineData("{\"RepetitionTime\": 2.5}", 0.4)]
    [InlineData("{\"SamplingFrequency\": 0.5, \"RepetitionTime\": 3}", 0.5)]
    [InlineData("{\"TaskName\": \"rest\"}", 1.0)]
    public void Rate_comes_from_a_bids_sidecar(string json, double sfreq)
    {
        using var tmp = TestPaths.TempDir();
        string path = Write(tmp, "sub-01_timeseries.tsv", ["1\t2", "3\t4"]);
        File.WriteAllText(tmp.File("sub-01_timeseries.json"), json);
        using var rec = SignalFormats.OpenRecording(path);
        Assert.Equal(sfreq, rec.Info.Sfreq, 12);
        Assert.All(rec.Info.Channels, c => Assert.Equal(sfreq, c.Sfreq, 12));
    }

    private static void Fails(string path, string problem, string? file = null)
    {
        var e = Assert.Throws<InvalidRecordingException>(() =>
        {
            using var rec = SignalFormats.OpenRecording(path);
            rec.ReadAll();
        });
        Assert.Equal($"{file ?? path}: {problem}", e.Message);
    }

    [Fact]
    public void Ragged_row()
    {
        using var tmp = TestPaths.TempDir();
        var lines = AbideLines();
        lines[5] = lines[5][..lines[5].LastIndexOf('\t')];   // drop the last ROI of line 6
        Fails(Write(tmp, "ragged.1D", lines), "line 6 has 199 values, expected 200 (as on line 2)");
    }

    [Fact]
    public void Non_numeric_cell()
    {
        using var tmp = TestPaths.TempDir();
        var lines = AbideLines();
        var cells = lines[3].Split('\t');
        cells[6] = "12.3.4";
        lines[3] = string.Join('\t', cells);
        Fails(Write(tmp, "bad.1D", lines), "line 4, column 7: '12.3.4' is not a number");
    }

    [Fact]
    public void Empty_csv_cell()
    {
        using var tmp = TestPaths.TempDir();
        Fails(Write(tmp, "gap.csv", ["a,b,c", "1,2,3", "4,,6"]), "line 3, column 2: empty cell");
    }

    [Fact]
    public void Header_that_does_not_fit_the_rows()
    {
        using var tmp = TestPaths.TempDir();
        Fails(Write(tmp, "head.csv", ["a,b", "1,2,3", "4,5,6"]), "header (line 1) names 2 columns but line 2 has 3 values");
    }

    [Fact]
    public void Duplicate_roi_names()
    {
        using var tmp = TestPaths.TempDir();
        Fails(Write(tmp, "dup.tsv", ["a\tb\ta", "1\t2\t3"]), "ROI name 'a' appears more than once in the header");
    }

    [Fact]
    public void No_data_rows()
    {
        using var tmp = TestPaths.TempDir();
        Fails(Write(tmp, "empty.1D", ["#1 #2 #3", "", "# nothing"]), "no data rows (expected one line of numbers per time point)");
    }

    [Fact]
    public void Sidecar_with_a_bad_repetition_time()
    {
        using var tmp = TestPaths.TempDir();
        string path = Write(tmp, "r.1D", ["1 2", "3 4"]);
        File.WriteAllText(tmp.File("r.json"), "{\"RepetitionTime\": 0}");
        Fails(path, "RepetitionTime = 0 (expected a positive number of seconds)", tmp.File("r.json"));
    }

    [Fact]
    public void Binary_file_named_csv_is_not_claimed()
    {
        var format = new RoiTableFormat();
        Assert.False(format.IsMatch([0x00, 0x01, 0x02], "x.csv"));
        Assert.True(format.IsMatch("1,2,3\n"u8, "x.csv"));
        Assert.False(format.IsMatch("1,2,3\n"u8, "x.txt"));
    }
}
