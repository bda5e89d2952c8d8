using System.Text;
using System.Text.Json;
using DuckDB.NET.Data;
using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Formats.Parquet;

namespace Neurodecode.Tests.Ingest.Parquet;

/// <summary>The files are plain Parquet: DuckDB reads the samples and the metadata without knowing Neurodecode.</summary>
public class ParquetDuckDbTests
{
    [Fact]
    public async Task DuckDB_reads_columns_rows_values_and_metadata()
    {
        using var source = EegmmidbSample.Load();
        using var dir = TestPaths.TempDir();
        string path = dir.File("S001R04.parquet");
        await ParquetSignalWriter.WriteAsync(source, path, CancellationToken.None);

        using var db = new DuckDBConnection("Data Source=:memory:");
        db.Open();

        using (var cmd = Query(db, $"""SELECT count(*), sum("Fc5."), min(sample), max(sample), max(time_s) FROM read_parquet('{path}')"""))
        using (var r = cmd.ExecuteReader())
        {
            Assert.True(r.Read());
            double expectedSum = 0;
            for (int j = 0; j < 20000; j++)
                expectedSum += source.Value(0, j);
            Assert.Equal(20000L, Convert.ToInt64(r.GetValue(0)));
            Assert.Equal(expectedSum, r.GetDouble(1), 1e-12);
            Assert.Equal((0L, 19999L), (Convert.ToInt64(r.GetValue(2)), Convert.ToInt64(r.GetValue(3))));
            Assert.Equal(19999 / 160.0, r.GetDouble(4));
        }

        // SELECT * gives sample, time_s, then the channels in order; single values come back bit for bit.
        using (var cmd = Query(db, $"SELECT * FROM '{path}' WHERE sample = 12345"))
        using (var r = cmd.ExecuteReader())
        {
            Assert.Equal(66, r.FieldCount);
            Assert.Equal(["sample", "time_s", "Fc5.", "Fc3."], Enumerable.Range(0, 4).Select(r.GetName));
            Assert.Equal("Iz..", r.GetName(65));
            Assert.True(r.Read());
            Assert.Equal(12345 / 160.0, r.GetDouble(1));
            for (int c = 0; c < 64; c++)
                Assert.Equal(BitConverter.DoubleToInt64Bits(source.Value(c, 12345)),
                    BitConverter.DoubleToInt64Bits(r.GetDouble(c + 2)));
        }

        using (var cmd = Query(db,
                   $"SELECT decode(value) FROM parquet_kv_metadata('{path}') WHERE decode(key) = 'neurodecode.recording'"))
        {
            using var json = JsonDocument.Parse((string)cmd.ExecuteScalar()!);
            var root = json.RootElement;
            Assert.Equal("edf", root.GetProperty("source_format").GetString());
            Assert.Equal(160.0, root.GetProperty("sfreq").GetDouble());
            Assert.Equal(20000, root.GetProperty("n_samples").GetInt64());
            var fc5 = root.GetProperty("channels")[0];
            Assert.Equal(("Fc5.", "eeg", "V", "uV"), (fc5.GetProperty("name").GetString(),
                fc5.GetProperty("kind").GetString(), fc5.GetProperty("unit").GetString(),
                fc5.GetProperty("orig_unit").GetString()));
        }

        using (var cmd = Query(db,
                   $"SELECT decode(value) FROM parquet_kv_metadata('{path}') WHERE decode(key) = 'neurodecode.annotations'"))
        {
            using var json = JsonDocument.Parse((string)cmd.ExecuteScalar()!);
            var first = json.RootElement[1];
            Assert.Equal((4.2, 4.1, "T2"), (first.GetProperty("onset").GetDouble(),
                first.GetProperty("duration").GetDouble(), first.GetProperty("description").GetString()));
        }
    }

    [Fact]
    public async Task A_copy_made_by_DuckDB_with_our_metadata_opens_too()
    {
        // DuckDB writes every column as nullable (OPTIONAL); the reader accepts that when nothing is null.
        using var source = EegmmidbSample.Load();
        using var dir = TestPaths.TempDir();
        string path = dir.File("ours.parquet"), copy = dir.File("copy.parquet");
        await ParquetSignalWriter.WriteAsync(source, path, CancellationToken.None);

        using var db = new DuckDBConnection("Data Source=:memory:");
        db.Open();
        var kv = new StringBuilder();
        using (var cmd = Query(db, $"SELECT decode(key), decode(value) FROM parquet_kv_metadata('{path}')"))
        using (var r = cmd.ExecuteReader())
            while (r.Read())
                kv.Append(kv.Length == 0 ? "" : ", ")
                  .Append($"\"{r.GetString(0)}\": '{r.GetString(1).Replace("'", "''")}'");
        using (var cmd = Query(db,
                   $"COPY (SELECT * FROM '{path}') TO '{copy}' (FORMAT parquet, ROW_GROUP_SIZE 7000, KV_METADATA {{{kv}}})"))
            cmd.ExecuteNonQuery();

        using var read = SignalFormats.OpenRecording(copy);
        Assert.Equal(source.Info.Channels, read.Info.Channels);
        Assert.Equal(source.Annotations, read.Annotations);
        ParquetRoundTripTests.AssertSameBits(source, read.ReadAll(), 0, Enumerable.Range(0, 64).ToArray());
    }

    internal static DuckDBCommand Query(DuckDBConnection db, string sql)
    {
        var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        return cmd;
    }
}
