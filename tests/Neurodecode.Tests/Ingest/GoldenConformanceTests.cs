using System.Text.Json;
using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Signals;
using Neurodecode.Pipeline.Worker.Commands;

namespace Neurodecode.Tests.Ingest;

/// <summary>
/// Every reader against MNE 1.3 / nibabel 5.0 on the real files in ../shared/datasets. The golden JSON files are
/// written by tools/make_golden.py: header facts must match exactly (annotation onsets to 1e-9 s); values match
/// within 1e-6 of the channel's largest magnitude (the "1e-6 relative").
/// </summary>
public class GoldenConformanceTests
{
    private const double Rel = 1e-6;

    public static TheoryData<string> GoldenFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.EnumerateFiles(TestPaths.Golden, "*.json", SearchOption.AllDirectories).Order())
            if (IsReaderFixture(f))
                data.Add(Path.GetRelativePath(TestPaths.Golden, f));
        return data;
    }

    /// <summary>Reader fixtures name the file's format; other goldens (e.g. filters/) belong to other tests.</summary>
    private static bool IsReaderFixture(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("format", out _);
    }

    [Theory]
    [MemberData(nameof(GoldenFiles))]
    public void Reader_matches_reference(string goldenFile)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.Golden, goldenFile)));
        var golden = doc.RootElement;
        string path = TestPaths.Shared(golden.GetProperty("path").GetString()!);
        if (golden.GetProperty("format").GetString() == "nifti")
            CheckVolumes(path, golden);
        else
            CheckRecording(path, golden);
    }

    private static void CheckRecording(string path, JsonElement golden)
    {
        using var rec = SignalFormats.OpenRecording(path);
        var info = rec.Info;
        Assert.Equal(golden.GetProperty("format").GetString(), info.Format);
        Assert.Equal(golden.GetProperty("sfreq").GetDouble(), info.Sfreq, 9);
        Assert.Equal(golden.GetProperty("n_samples").GetInt64(), info.NSamples);
        Assert.Equal(golden.GetProperty("meas_date").ValueKind == JsonValueKind.Null ? null : golden.GetProperty("meas_date").GetString(),
            info.MeasDate is { } d ? InspectReport.IsoUtc(d) : null);

        var channels = golden.GetProperty("channels").EnumerateArray().ToArray();
        Assert.Equal(channels.Select(c => c.GetProperty("name").GetString()), info.ChannelNames);
        for (int i = 0; i < channels.Length; i++)
        {
            var (want, got) = (channels[i], info.Channels[i]);
            Assert.Equal(want.GetProperty("kind").GetString(), got.Kind.MneName());
            Assert.Equal(want.GetProperty("unit").GetString(), got.Unit);
            Assert.Equal(want.GetProperty("orig_unit").GetString(), got.OrigUnit ?? got.Unit);
            Assert.Equal(want.GetProperty("sfreq").GetDouble(), got.Sfreq, 9);
            AssertOptional(want.GetProperty("physical_min"), got.PhysicalMin);
            AssertOptional(want.GetProperty("physical_max"), got.PhysicalMax);
        }

        var annotations = golden.GetProperty("annotations").EnumerateArray().ToArray();
        Assert.Equal(annotations.Length, rec.Annotations.Count);
        for (int i = 0; i < annotations.Length; i++)
        {
            Assert.Equal(annotations[i].GetProperty("description").GetString(), rec.Annotations[i].Description);
            Assert.Equal(annotations[i].GetProperty("onset").GetDouble(), rec.Annotations[i].Onset, 9);
            Assert.Equal(annotations[i].GetProperty("duration").GetDouble(), rec.Annotations[i].Duration, 9);
        }

        // Stream in blocks that do not divide the record length, so block seams are exercised too.
        var expected = golden.GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal(info.NChannels, expected.Length);
        var rows = expected.Select(e => new Fingerprint(info.NSamples, e)).ToArray();
        foreach (var block in rec.Blocks(blockSize: 1009))
            for (int c = 0; c < block.NChannels; c++)
                rows[c].Add(block.Channel(c), block.FirstSample);
        for (int c = 0; c < rows.Length; c++)
            rows[c].AssertMatches($"{path} channel {c} '{info.Channels[c].Name}'");
    }

    private static void CheckVolumes(string path, JsonElement golden)
    {
        using var series = SignalFormats.OpenVolumes(path);
        var info = series.Info;
        Assert.Equal(golden.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()), info.Shape);
        Assert.Equal(golden.GetProperty("nifti_version").GetInt32(), info.NiftiVersion);
        Assert.Equal(golden.GetProperty("dtype_on_disk").GetString(), info.DtypeOnDisk);
        Assert.Equal(golden.GetProperty("zooms").EnumerateArray().Select(e => e.GetDouble()), info.Zooms.Select(z => z));
        var affine = golden.GetProperty("affine").EnumerateArray().SelectMany(r => r.EnumerateArray()).Select(e => e.GetDouble()).ToArray();
        for (int i = 0; i < 16; i++)
            Assert.True(Math.Abs(affine[i] - info.Affine[i]) <= 1e-9 * Math.Max(1, Math.Abs(affine[i])), $"affine[{i}]: {info.Affine[i]} != {affine[i]}");
        AssertOptional(golden.GetProperty("tr_s"), info.TrSeconds);
        AssertOptional(golden.GetProperty("scl_slope"), info.SclSlope);
        AssertOptional(golden.GetProperty("scl_inter"), info.SclInter);

        long n = info.VoxelsPerVolume * info.NVolumes;
        var all = new Fingerprint(n, golden.GetProperty("data")[0]);
        long offset = 0;
        foreach (var volume in series.ReadVolumes().ToBlockingEnumerable())
        {
            all.Add(volume.Data, offset);
            offset += volume.Data.Length;
        }
        Assert.Equal(n, offset);
        all.AssertMatches(path);
    }

    private static void AssertOptional(JsonElement want, double? got)
    {
        if (want.ValueKind == JsonValueKind.Null)
            Assert.Null(got);
        else
        {
            Assert.NotNull(got);
            Assert.Equal(want.GetDouble(), got!.Value, 1e-9 * Math.Max(1, Math.Abs(want.GetDouble())));
        }
    }

    /// <summary>
    /// Running sum, sum of squares, extrema and the values at chosen indices of one channel. Stats cover the finite
    /// values; NaN/inf (JSON cannot hold them) are counted against the golden's optional "n_nonfinite" and are
    /// null in its "values".
    /// </summary>
    private sealed class Fingerprint(long n, JsonElement want)
    {
        private double _sum, _sumsq, _min = double.PositiveInfinity, _max = double.NegativeInfinity;
        private readonly long[] _indices = want.GetProperty("indices").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        private readonly Dictionary<long, double> _seen = [];
        private long _count, _nonfinite;

        public void Add(ReadOnlySpan<double> values, long first)
        {
            for (int i = 0; i < values.Length; i++)
            {
                double v = values[i];
                if (!double.IsFinite(v)) { _nonfinite++; continue; }
                _sum += v; _sumsq += v * v;
                _min = Math.Min(_min, v); _max = Math.Max(_max, v);
            }
            foreach (long i in _indices)
                if (i >= first && i < first + values.Length)
                    _seen[i] = values[(int)(i - first)];
            _count += values.Length;
        }

        public void AssertMatches(string what)
        {
            Assert.Equal(n, _count);
            Assert.Equal(want.TryGetProperty("n_nonfinite", out var nf) ? nf.GetInt64() : 0, _nonfinite);
            if (n == _nonfinite) return;
            double scale = Math.Max(Math.Abs(want.GetProperty("min").GetDouble()), Math.Abs(want.GetProperty("max").GetDouble()));
            double tol = Rel * scale + 1e-300;
            Near(want.GetProperty("min").GetDouble(), _min, tol, what + " min");
            Near(want.GetProperty("max").GetDouble(), _max, tol, what + " max");
            Near(want.GetProperty("sum").GetDouble(), _sum, tol * n, what + " sum");
            Near(want.GetProperty("sumsq").GetDouble(), _sumsq, Rel * scale * scale * n + 1e-300, what + " sum of squares");
            var vals = want.GetProperty("values").EnumerateArray()
                .Select(e => e.ValueKind == JsonValueKind.Null ? double.NaN : e.GetDouble()).ToArray();
            for (int i = 0; i < _indices.Length; i++)
                if (double.IsNaN(vals[i]))
                    Assert.False(double.IsFinite(_seen[_indices[i]]), $"{what} sample {_indices[i]}: got {_seen[_indices[i]]}, reference non-finite");
                else
                    Near(vals[i], _seen[_indices[i]], tol, $"{what} sample {_indices[i]}");
        }

        private static void Near(double want, double got, double tol, string what) =>
            Assert.True(Math.Abs(want - got) <= tol || (double.IsNaN(want) && double.IsNaN(got)), $"{what}: got {got}, MNE {want} (tolerance {tol})");
    }
}
