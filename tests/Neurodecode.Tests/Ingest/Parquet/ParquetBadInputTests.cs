using DuckDB.NET.Data;
using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Formats.Parquet;
using Neurodecode.Ingest.Signals;
using Parquet;
using Parquet.Schema;

namespace Neurodecode.Tests.Ingest.Parquet;

/// <summary>Files that are not (or no longer) Neurodecode signal files fail with one line naming the file.</summary>
public class ParquetBadInputTests
{
    [Theory]
    [InlineData(0.5, "no Parquet footer (the last 4 bytes are not 'PAR1'): truncated")]
    [InlineData(0.999, "no Parquet footer")]
    [InlineData(0.0005, "no Parquet footer")]
    [InlineData(0.0, "8 bytes, too short for a Parquet file")]
    public async Task Truncated_file_is_one_line_error_naming_it(double keep, string expected)
    {
        using var dir = TestPaths.TempDir();
        string good = dir.File("good.parquet"), bad = dir.File("truncated.parquet");
        using (var source = EegmmidbSample.Load())
            await ParquetSignalWriter.WriteAsync(source, good, CancellationToken.None);
        byte[] bytes = await File.ReadAllBytesAsync(good);
        await File.WriteAllBytesAsync(bad, bytes.AsSpan(0, Math.Max(8, (int)(bytes.Length * keep))).ToArray());

        Assert.Equal("parquet", SignalFormats.Detect(bad).Name);
        var e = Assert.Throws<InvalidRecordingException>(() => SignalFormats.OpenRecording(bad));
        AssertOneLine(e, bad, expected);
    }

    [Fact]
    public async Task Damaged_column_data_is_one_line_error_when_read()
    {
        using var dir = TestPaths.TempDir();
        string path = dir.File("damaged.parquet");
        using (var source = EegmmidbSample.Load())
            await ParquetSignalWriter.WriteAsync(source, path, CancellationToken.None);
        byte[] bytes = await File.ReadAllBytesAsync(path);
        Array.Fill(bytes, (byte)0xA5, bytes.Length / 3, 100_000);   // inside the channel columns, footer intact
        await File.WriteAllBytesAsync(path, bytes);

        using var read = SignalFormats.OpenRecording(path);
        var e = Assert.Throws<InvalidRecordingException>(() => read.ReadAll());
        AssertOneLine(e, path, "cannot be read");
    }

    [Fact]
    public async Task Parquet_without_our_metadata_is_not_a_signal_file()
    {
        using var dir = TestPaths.TempDir();
        string path = dir.File("pandas-like.parquet");
        using (var db = new DuckDBConnection("Data Source=:memory:"))
        {
            db.Open();
            using var cmd = ParquetDuckDbTests.Query(db,
                $"COPY (SELECT range AS i, sin(range) AS x FROM range(100)) TO '{path}' (FORMAT parquet)");
            cmd.ExecuteNonQuery();
        }

        var e = Assert.Throws<InvalidRecordingException>(() => SignalFormats.OpenRecording(path));
        AssertOneLine(e, path, "no neurodecode.recording metadata: not a Neurodecode signal file");
    }

    [Theory]
    [InlineData("{not json", "neurodecode.recording metadata is not valid")]
    [InlineData("""{"source_format":"edf","sfreq":160,"n_samples":3}""", "neurodecode.recording metadata is not valid")]
    [InlineData("""{"source_format":"edf","sfreq":0,"n_samples":3,"channels":[{"name":"Fz","kind":"eeg","unit":"V","sfreq":0}]}""",
        "sfreq = 0 (expected > 0)")]
    [InlineData("""{"source_format":"edf","sfreq":160,"n_samples":3,"channels":[{"name":"Fz","kind":"banana","unit":"V","sfreq":160}]}""",
        "channel 0 'Fz': unknown channel kind 'banana'")]
    [InlineData("""{"source_format":"edf","sfreq":160,"n_samples":3,"channels":[{"name":"Cz","kind":"eeg","unit":"V","sfreq":160}]}""",
        "channel 0 'Cz': no column of that name")]
    [InlineData("""{"source_format":"edf","sfreq":160,"n_samples":4,"channels":[{"name":"Fz","kind":"eeg","unit":"V","sfreq":160}]}""",
        "3 rows in 1 row groups, neurodecode.recording says n_samples = 4")]
    [InlineData("""{"source_format":"edf","sfreq":160,"n_samples":3,"channels":[{"name":"sample","kind":"eeg","unit":"V","sfreq":160}]}""",
        "column 'sample': Int64 (expected float64)")]
    public async Task Bad_metadata_is_one_line_error(string recordingJson, string expected)
    {
        using var dir = TestPaths.TempDir();
        string path = dir.File("bad-meta.parquet");
        await WriteRaw(path, new()
        {
            ["neurodecode.format_version"] = "1",
            ["neurodecode.recording"] = recordingJson,
        });
        var e = Assert.Throws<InvalidRecordingException>(() => SignalFormats.OpenRecording(path));
        AssertOneLine(e, path, expected);
    }

    [Theory]
    [InlineData("neurodecode.format_version", "2", "neurodecode.format_version = '2' (expected '1')")]
    [InlineData("neurodecode.annotations", "[{\"onset\": 1}]", "neurodecode.annotations metadata is not valid")]
    [InlineData("neurodecode.annotations", "]]", "neurodecode.annotations metadata is not valid")]
    public async Task Bad_version_or_annotations_is_one_line_error(string key, string value, string expected)
    {
        using var dir = TestPaths.TempDir();
        string path = dir.File("bad-meta.parquet");
        await WriteRaw(path, new()
        {
            ["neurodecode.format_version"] = "1",
            ["neurodecode.recording"] =
                """{"source_format":"edf","sfreq":160,"n_samples":3,"channels":[{"name":"Fz","kind":"eeg","unit":"V","sfreq":160}]}""",
            [key] = value,
        });
        var e = Assert.Throws<InvalidRecordingException>(() => SignalFormats.OpenRecording(path));
        AssertOneLine(e, path, expected);
    }

    /// <summary>Our layout (sample, Fz) with 3 rows and the given key-value metadata, written with Parquet.Net directly.</summary>
    private static async Task WriteRaw(string path, Dictionary<string, string> metadata)
    {
        var sample = new DataField<long>("sample", nullable: false);
        var fz = new DataField<double>("Fz", nullable: false);
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(sample, fz), stream);
        writer.CustomMetadata = metadata;
        using var group = writer.CreateRowGroup();
        await group.WriteAsync<long>(sample, new long[] { 0, 1, 2 });
        await group.WriteAsync<double>(fz, new[] { 1e-6, 2e-6, 3e-6 });
    }

    private static void AssertOneLine(InvalidRecordingException e, string path, string expected)
    {
        Assert.Equal(path, e.FilePath);
        Assert.StartsWith(path + ": ", e.Message);
        Assert.True(e.Message.Contains(expected, StringComparison.Ordinal), $"'{expected}' not in: {e.Message}");
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain('\r', e.Message);
    }
}
