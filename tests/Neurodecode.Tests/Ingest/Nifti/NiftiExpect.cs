using System.Text.Json;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Tests.Ingest.Nifti;

/// <summary>
/// Compares an image with nibabel's facts (the keys of <c>mne_reference.py inspect_nifti</c>) and with a data
/// fingerprint (sum, sum of squares, extrema, values at chosen indices of the Fortran-flattened array), using
/// the tolerances of <c>GoldenConformanceTests</c>: affine 1e-9 relative, values 1e-6 of the largest magnitude.
/// </summary>
internal static class NiftiExpect
{
    public static void Header(JsonElement want, VolumeInfo got)
    {
        Assert.Equal("nifti", got.Format);
        Assert.Equal(want.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()), got.Shape);
        Assert.Equal(want.GetProperty("nifti_version").GetInt32(), got.NiftiVersion);
        Assert.Equal(want.GetProperty("dtype_on_disk").GetString(), got.DtypeOnDisk);
        Assert.Equal(want.GetProperty("zooms").EnumerateArray().Select(e => e.GetDouble()), got.Zooms);
        var affine = want.GetProperty("affine").EnumerateArray().SelectMany(r => r.EnumerateArray()).Select(e => e.GetDouble()).ToArray();
        for (int i = 0; i < 16; i++)
            Assert.True(Math.Abs(affine[i] - got.Affine[i]) <= 1e-9 * Math.Max(1, Math.Abs(affine[i])),
                $"affine[{i}]: {got.Affine[i]:R} != nibabel {affine[i]:R}");
        Optional(want.GetProperty("tr_s"), got.TrSeconds);
        Optional(want.GetProperty("scl_slope"), got.SclSlope);
        Optional(want.GetProperty("scl_inter"), got.SclInter);
        Code(want.GetProperty("sform_code"), got.SformCode);
        Code(want.GetProperty("qform_code"), got.QformCode);
    }

    /// <summary>Streams every volume and checks the fingerprint of the whole array.</summary>
    public static void Data(JsonElement fingerprint, IVolumeSeries series)
    {
        double sum = 0, sumsq = 0, min = double.PositiveInfinity, max = double.NegativeInfinity;
        var indices = fingerprint.GetProperty("indices").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        var values = fingerprint.GetProperty("values").EnumerateArray()
            .Select(e => e.ValueKind == JsonValueKind.Null ? double.NaN : e.GetDouble()).ToArray();
        long nonfinite = 0;
        var seen = new Dictionary<long, double>();
        long offset = 0;
        foreach (var volume in series.ReadVolumes().ToBlockingEnumerable())
        {
            foreach (double v in volume.Data)
            {
                if (!double.IsFinite(v)) { nonfinite++; continue; }
                sum += v; sumsq += v * v;
                min = Math.Min(min, v); max = Math.Max(max, v);
            }
            foreach (long i in indices)
                if (i >= offset && i < offset + volume.Data.Length)
                    seen[i] = volume.Data[i - offset];
            offset += volume.Data.Length;
        }
        long n = series.Info.VoxelsPerVolume * series.Info.NVolumes;
        Assert.Equal(n, offset);
        Assert.Equal(fingerprint.TryGetProperty("n_nonfinite", out var nf) ? nf.GetInt64() : 0, nonfinite);
        if (nonfinite == n) return;
        double wantMin = fingerprint.GetProperty("min").GetDouble(), wantMax = fingerprint.GetProperty("max").GetDouble();
        double scale = Math.Max(Math.Abs(wantMin), Math.Abs(wantMax));
        double tol = 1e-6 * scale + 1e-300;
        Near(wantMin, min, tol, "min");
        Near(wantMax, max, tol, "max");
        Near(fingerprint.GetProperty("sum").GetDouble(), sum, tol * n, "sum");
        Near(fingerprint.GetProperty("sumsq").GetDouble(), sumsq, 1e-6 * scale * scale * n + 1e-300, "sum of squares");
        for (int k = 0; k < indices.Length; k++)
            if (double.IsNaN(values[k]))
                Assert.False(double.IsFinite(seen[indices[k]]), $"value {indices[k]}: got {seen[indices[k]]}, nibabel non-finite");
            else
                Near(values[k], seen[indices[k]], tol, $"value {indices[k]}");
    }

    private static void Near(double want, double got, double tol, string what) =>
        Assert.True(Math.Abs(want - got) <= tol, $"{what}: got {got:R}, nibabel {want:R} (tolerance {tol})");

    private static void Optional(JsonElement want, double? got)
    {
        if (want.ValueKind == JsonValueKind.Null)
            Assert.Null(got);
        else
        {
            Assert.NotNull(got);
            Assert.Equal(want.GetDouble(), got!.Value, 1e-9 * Math.Max(1, Math.Abs(want.GetDouble())));
        }
    }

    private static void Code(JsonElement want, int? got)
    {
        if (want.ValueKind == JsonValueKind.Null)
            Assert.Null(got);
        else
            Assert.Equal(want.GetInt32(), got);
    }
}
