using System.Text.Json;

namespace Neurodecode.Tests.Worker;

/// <summary>The CLI contract of inspect and convert, on the bundled real sample and corrupted copies of it.</summary>
public class InspectConvertCliTests
{
    private static readonly string Sample = Path.Combine(TestPaths.RepoRoot, "datasets", "sample", "S001R04.edf");

    [Fact]
    public void Inspect_json_prints_the_contract_keys()
    {
        var r = Cli.Run("inspect", Sample, "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        Assert.Equal("edf", root.GetProperty("format").GetString());
        Assert.Equal(160.0, root.GetProperty("sfreq").GetDouble());
        Assert.Equal(20000, root.GetProperty("n_samples").GetInt64());
        Assert.Equal(125.0, root.GetProperty("duration_s").GetDouble());
        var channels = root.GetProperty("channels");
        Assert.Equal(64, channels.GetArrayLength());
        Assert.Equal("Fc5.", channels[0].GetProperty("name").GetString());
        Assert.Equal("eeg", channels[0].GetProperty("kind").GetString());
        Assert.Equal("V", channels[0].GetProperty("unit").GetString());
        Assert.Equal(160.0, channels[0].GetProperty("sfreq").GetDouble());
        var annotations = root.GetProperty("annotations");
        Assert.Equal(30, annotations.GetArrayLength());
        Assert.Equal("T0", annotations[0].GetProperty("description").GetString());
    }

    [Fact]
    public void Inspect_text_summarizes_like_mne()
    {
        var r = Cli.Run("inspect", Sample);
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("<RawEDF | S001R04.edf, 64 x 20000 (125.0 s)", r.Stdout);
        Assert.Contains("160 Hz", r.Stdout);
    }

    [Fact]
    public void Convert_to_npy_gives_channels_by_samples_in_volts()
    {
        using var tmp = TestPaths.TempDir();
        string npy = tmp.File("S001R04.npy");
        var r = Cli.Run("convert", Sample, npy);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var (shape, data) = Npy.Read(npy);
        Assert.Equal([64L, 20000L], shape);
        // EEGMMIDB: physical range equals digital range, so volts are the stored int16 times 1e-6.
        var raw = File.ReadAllBytes(Sample);
        int headerBytes = 256 * 66, recordShorts = 64 * 160 + 80; // 64 EEG signals + 80-sample annotation signal
        short first = BitConverter.ToInt16(raw, headerBytes);                    // channel 0, sample 0
        short secondRecord = BitConverter.ToInt16(raw, headerBytes + recordShorts * 2 + 2 * 160 * 3 + 2 * 5); // channel 3, sample 165
        Assert.Equal(first * 1e-6, data[0], 15);
        Assert.Equal(secondRecord * 1e-6, data[3 * 20000 + 165], 15);
        Assert.Single(Directory.GetFiles(tmp.Path));
    }

    [Fact]
    public void Convert_to_parquet_round_trips_through_inspect()
    {
        using var tmp = TestPaths.TempDir();
        string parquet = tmp.File("S001R04.parquet");
        var r = Cli.Run("convert", Sample, parquet);
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var edf = JsonDocument.Parse(Cli.Run("inspect", Sample, "--json").Stdout);
        using var back = JsonDocument.Parse(Cli.Run("inspect", parquet, "--json").Stdout);
        Assert.Equal("parquet", back.RootElement.GetProperty("format").GetString());
        foreach (var key in new[] { "sfreq", "n_samples", "channels", "annotations", "meas_date" })
            Assert.Equal(edf.RootElement.GetProperty(key).GetRawText(), back.RootElement.GetProperty(key).GetRawText());
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("garbage-records")]
    [InlineData("empty")]
    public void Bad_input_is_one_line_with_the_file_and_leaves_no_output(string damage)
    {
        using var tmp = TestPaths.TempDir();
        string bad = tmp.File($"{damage}.edf");
        var bytes = File.ReadAllBytes(Sample);
        switch (damage)
        {
            case "truncated": bytes = bytes[..(256 * 66 + 100)]; break;      // header, then 100 bytes of one record
            case "garbage-records": "abcdefgh"u8.CopyTo(bytes.AsSpan(236)); break; // number of data records
            case "empty": bytes = []; break;
        }
        File.WriteAllBytes(bad, bytes);
        string outFile = tmp.File("out.npy");

        foreach (var args in new[] { new[] { "inspect", bad, "--json" }, new[] { "convert", bad, outFile } })
        {
            var r = Cli.Run(args);
            Assert.NotEqual(0, r.ExitCode);
            string line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains(bad, line);
            Assert.DoesNotContain(" at ", line.Replace(bad, ""));
            Assert.Equal("", r.Stdout);
        }
        Assert.Equal([bad], Directory.GetFiles(tmp.Path));
    }

    [Fact]
    public void A_failed_convert_keeps_an_existing_output()
    {
        using var tmp = TestPaths.TempDir();
        string bad = tmp.File("bad.edf");
        File.WriteAllBytes(bad, File.ReadAllBytes(Sample)[..1000]);
        string outFile = tmp.File("keep.npy");
        File.WriteAllText(outFile, "previous result");
        Assert.NotEqual(0, Cli.Run("convert", bad, outFile).ExitCode);
        Assert.Equal("previous result", File.ReadAllText(outFile));
        Assert.Equal(2, Directory.GetFiles(tmp.Path).Length);
    }

    [Fact]
    public void Usage_errors_name_the_option()
    {
        using var tmp = TestPaths.TempDir();
        var r = Cli.Run("convert", Sample, tmp.File("out.csv"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("out.csv", r.Stderr);
        Assert.Contains(".npy or .parquet", r.Stderr);

        var missing = Cli.Run("inspect", tmp.File("nope.edf"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("nope.edf: no such file", missing.Stderr);
    }
}
