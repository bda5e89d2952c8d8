using System.Buffers.Binary;
using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Formats.Nifti;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Tests.Ingest.Nifti;

/// <summary>Streaming, detection and the equivalence of the same image stored in different ways.</summary>
public class NiftiReaderTests
{
    private static double[][] ReadAll(string path)
    {
        using var series = SignalFormats.OpenVolumes(path);
        return series.ReadVolumes().ToBlockingEnumerable().Select(v => v.Data).ToArray();
    }

    [Fact]
    public void Streaming_a_4d_bold_gives_the_volumes_of_a_whole_read()
    {
        // The whole file decompressed at once and decoded by hand (int16 little-endian, slope 1, inter 0) ...
        string path = TestPaths.Shared("bold/pymvpa_example_1slice/bold.nii.gz");
        byte[] whole = NiftiTestFiles.Gunzip(path);
        int voxOffset = (int)BinaryPrimitives.ReadSingleLittleEndian(whole.AsSpan(108));
        using var series = SignalFormats.OpenVolumes(path);
        var info = series.Info;
        Assert.Equal([40, 20, 1, 1452], info.Shape);
        Assert.Equal(2.5, info.TrSeconds);
        Assert.Equal(whole.Length - voxOffset, info.VoxelsPerVolume * info.NVolumes * 2);

        // ... equals the volumes streamed one by one, in order, and a second pass gives the same again.
        for (int pass = 0; pass < 2; pass++)
        {
            long expectedIndex = 0;
            foreach (var volume in series.ReadVolumes().ToBlockingEnumerable())
            {
                Assert.Equal(expectedIndex, volume.Index);
                Assert.Equal(info.VoxelsPerVolume, volume.Data.Length);
                int start = voxOffset + (int)(expectedIndex * info.VoxelsPerVolume * 2);
                for (int i = 0; i < volume.Data.Length; i++)
                    Assert.Equal(BinaryPrimitives.ReadInt16LittleEndian(whole.AsSpan(start + 2 * i)), volume.Data[i]);
                expectedIndex++;
            }
            Assert.Equal(info.NVolumes, expectedIndex);
        }
    }

    [Fact]
    public void Volumes_arrive_before_a_cut_gzip_stream_fails()
    {
        using var tmp = TestPaths.TempDir();
        string cut = tmp.File("bold_cut.nii.gz");
        byte[] gz = File.ReadAllBytes(TestPaths.Shared("bold/pymvpa_example_1slice/bold.nii.gz"));
        File.WriteAllBytes(cut, gz[..(gz.Length / 2)]);
        using var series = SignalFormats.OpenVolumes(cut);
        var reference = ReadAll(TestPaths.Shared("bold/pymvpa_example_1slice/bold.nii.gz"));
        int received = 0;
        var e = Assert.Throws<InvalidRecordingException>(() =>
        {
            foreach (var volume in series.ReadVolumes().ToBlockingEnumerable())
                Assert.Equal(reference[received++], volume.Data);
        });
        Assert.True(received > 100, $"only {received} volumes before the error: not streamed");
        Assert.StartsWith(cut + ": ", e.Message);
        Assert.Contains("gzip", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Cancellation_stops_the_stream()
    {
        using var series = SignalFormats.OpenVolumes(TestPaths.Shared("bold/pymvpa_example_1slice/bold.nii.gz"));
        using var cts = new CancellationTokenSource();
        int n = 0;
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            foreach (var _ in series.ReadVolumes(cts.Token).ToBlockingEnumerable())
                if (++n == 3) cts.Cancel();
        });
        Assert.Equal(3, n);
    }

    [Theory]
    [InlineData("nifti/nibabel/functional.nii", "nifti/nipy/functional.nii.gz")]          // .nii vs .nii.gz
    [InlineData("nifti/nibabel/anatomical.nii", "nifti/nipy/anatomical.nii.gz")]          // big-endian, gz
    [InlineData("nifti/nibabel/functional.nii", "nifti/derived/functional_pair.hdr")]      // .hdr/.img pair
    [InlineData("nifti/nibabel/functional.nii", "nifti/derived/functional_pair.img")]      // the pair by its .img
    public void The_same_image_stored_differently_reads_the_same(string a, string b)
    {
        var x = ReadAll(TestPaths.Shared(a));
        var y = ReadAll(TestPaths.Shared(b));
        Assert.Equal(x.Length, y.Length);
        for (int v = 0; v < x.Length; v++)
            Assert.Equal(x[v], y[v]);
    }

    [Theory]
    [InlineData("nifti/derived/functional_int32_scaled.nii")]            // int32 with the same slope/inter
    [InlineData("nifti/derived/functional_nifti2_float64_be.nii.gz")]    // NIfTI-2 big-endian float64 of the scaled values
    public void Derived_files_hold_the_scaled_values_of_functional_nii(string derived)
    {
        var x = ReadAll(TestPaths.Shared("nifti/nibabel/functional.nii"));
        var y = ReadAll(TestPaths.Shared(derived));
        for (int v = 0; v < x.Length; v++)
            for (int i = 0; i < x[v].Length; i++)
                Assert.Equal(x[v][i], y[v][i], 1e-9 * Math.Abs(x[v][i]));
    }

    [Theory]
    [InlineData("nifti/nibabel/functional.nii")]
    [InlineData("nifti/nibabel/example4d.nii.gz")]
    [InlineData("nifti/nibabel/row_major.dconn.nii")]
    [InlineData("nifti/derived/functional_pair.hdr")]
    [InlineData("nifti/derived/functional_pair.img")]
    [InlineData("nifti/nibabel/nifti2.hdr")]
    [InlineData("nifti/nibabel/analyze.hdr")]
    public void Images_are_detected_as_nifti(string file) =>
        Assert.IsType<NiftiFormat>(SignalFormats.Detect(TestPaths.Shared(file)));

    [Fact]
    public void Other_gzip_files_are_not_claimed()
    {
        var format = new NiftiFormat();
        ReadOnlySpan<byte> gzip = [0x1f, 0x8b, 0x08, 0x00];
        Assert.False(format.IsMatch(gzip, "raw.fif.gz"));
        Assert.True(format.IsMatch(gzip, "bold.nii.gz"));
        Assert.False(format.IsMatch("0       "u8, "x.edf"));
    }

    [Fact]
    public void Cifti_dense_connectome_reads_as_six_dimensional_nifti2()
    {
        using var series = SignalFormats.OpenVolumes(TestPaths.Shared("nifti/nibabel/row_major.dconn.nii"));
        Assert.Equal(2, series.Info.NiftiVersion);
        Assert.Equal([1, 1, 1, 1, 10, 10], series.Info.Shape);
        Assert.Equal(100, series.ReadVolumes().ToBlockingEnumerable().Count());
    }
}
