using System.Buffers.Binary;
using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Formats.Nifti;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Tests.Ingest.Nifti;

/// <summary>
/// Broken copies of real images (made in a temp folder; the shared files are never touched) must fail with an
/// <see cref="InvalidRecordingException"/> whose one-line message names the file and the problem.
/// </summary>
public class NiftiBadInputTests
{
    private const string Functional = "nifti/nibabel/functional.nii";   // NIfTI-1, int16 LE, 42840 data bytes at 352

    private static string Copy(TempDir tmp, string shared, string name, Action<byte[]>? patch = null, int? length = null)
    {
        byte[] bytes = File.ReadAllBytes(TestPaths.Shared(shared));
        patch?.Invoke(bytes);
        string path = tmp.File(name);
        File.WriteAllBytes(path, length is { } n ? bytes[..n] : bytes);
        return path;
    }

    /// <summary>Opens and streams every volume; returns the error, checking it is about <paramref name="path"/>.</summary>
    private static InvalidRecordingException Fails(string path, string problem)
    {
        var e = Assert.Throws<InvalidRecordingException>(() =>
        {
            using var series = SignalFormats.OpenVolumes(path);
            foreach (var _ in series.ReadVolumes().ToBlockingEnumerable()) { }
        });
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(problem, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(path, e.FilePath);
        return e;
    }

    [Fact]
    public void Truncated_nii()
    {
        using var tmp = TestPaths.TempDir();
        Fails(Copy(tmp, Functional, "cut.nii", length: 352 + 1000), "data ends after 1000 of 42840 bytes");
    }

    [Fact]
    public void Truncated_nii_gz()
    {
        using var tmp = TestPaths.TempDir();
        byte[] gz = File.ReadAllBytes(TestPaths.Shared("nifti/nipy/functional.nii.gz"));
        string path = tmp.File("cut.nii.gz");
        File.WriteAllBytes(path, gz[..(gz.Length * 2 / 3)]);
        Fails(path, "ends early");
    }

    [Fact]
    public void Gzip_cut_inside_the_header()
    {
        using var tmp = TestPaths.TempDir();
        byte[] gz = File.ReadAllBytes(TestPaths.Shared("nifti/nipy/functional.nii.gz"));
        string path = tmp.File("cut.nii.gz");
        File.WriteAllBytes(path, gz[..40]);
        Fails(path, "header");
    }

    [Theory]
    [InlineData(999, "datatype = 999 is not a NIfTI datatype code")]
    [InlineData(32, "datatype = 32 (complex64) is not supported")]
    [InlineData(128, "datatype = 128 (RGB24) is not supported")]
    public void Unreadable_datatype(short code, string problem)
    {
        using var tmp = TestPaths.TempDir();
        Fails(Copy(tmp, Functional, "dt.nii", b => BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(70), code)), problem);
    }

    [Fact]
    public void Garbage_sizeof_hdr()
    {
        using var tmp = TestPaths.TempDir();
        Fails(Copy(tmp, Functional, "size.nii", b => BinaryPrimitives.WriteInt32LittleEndian(b, 12345)),
            "sizeof_hdr = 12345 (expected 348");
    }

    [Fact]
    public void Garbage_magic_in_a_single_file()
    {
        using var tmp = TestPaths.TempDir();
        Fails(Copy(tmp, Functional, "magic.nii", b => "xyz\0"u8.CopyTo(b.AsSpan(344))), "magic = 'xyz'");
    }

    [Theory]
    [InlineData("nifti/nibabel/nifti1.hdr", "nifti1.img")]
    [InlineData("nifti/nibabel/nifti2.hdr", "nifti2.img")]
    [InlineData("nifti/nibabel/analyze.hdr", "analyze.img")]
    public void Hdr_without_its_img(string header, string img)
    {
        using var tmp = TestPaths.TempDir();
        Fails(Copy(tmp, header, Path.GetFileName(header)), $"image file '{img}' of this .hdr/.img pair not found");
    }

    [Fact]
    public void Img_without_its_hdr()
    {
        using var tmp = TestPaths.TempDir();
        string img = Copy(tmp, "nifti/derived/functional_pair.img", "lonely.img");
        var e = Assert.Throws<InvalidRecordingException>(() => new NiftiFormat().Open(img));
        Assert.Contains("header file 'lonely.hdr' of this .hdr/.img pair not found", e.Message);
        Assert.Throws<InvalidRecordingException>(() => SignalFormats.Detect(img));   // nothing claims it
    }

    [Fact]
    public void Vox_offset_inside_the_header()
    {
        using var tmp = TestPaths.TempDir();
        Fails(Copy(tmp, Functional, "off.nii", b => BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(108), 100)),
            "vox_offset = 100 (expected >= 352");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    public void Dim0_out_of_range(short dim0)
    {
        using var tmp = TestPaths.TempDir();
        // 8 is out of range in both byte orders (0x0800 = 2048 swapped), 0 in both too.
        Fails(Copy(tmp, Functional, "dim0.nii", b => BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(40), dim0)), "dim[0] = ");
    }

    [Fact]
    public void Finite_slope_with_infinite_intercept()
    {
        using var tmp = TestPaths.TempDir();
        Fails(Copy(tmp, Functional, "inter.nii", b => BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(116), float.PositiveInfinity)),
            "scl_inter = inf with scl_slope = 0.07540696859359741");
    }

    [Fact]
    public void Quaternion_far_from_unit()
    {
        using var tmp = TestPaths.TempDir();
        Fails(Copy(tmp, Functional, "quat.nii", b =>
        {
            BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(254), 0);        // sform_code 0: use the qform
            BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(256), 0.9f);    // b² + c² > 1
            BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(260), 0.9f);
        }), "is not a unit quaternion");
    }

    [Fact]
    public void Nifti2_eol_check_mangled()
    {
        using var tmp = TestPaths.TempDir();
        byte[] bytes = NiftiTestFiles.Gunzip(TestPaths.Shared("nifti/derived/functional_nifti2_float64_be.nii.gz"));
        bytes[8] = 10;   // \r\n → \n\n, as a text-mode copy would do
        string path = tmp.File("eol.nii");
        File.WriteAllBytes(path, bytes);
        Fails(path, "eol_check = 10 10 26 10");
    }

    [Fact]
    public void Analyze_with_an_spm_mat_file()
    {
        using var tmp = TestPaths.TempDir();
        string hdr = Copy(tmp, "nifti/nibabel/analyze.hdr", "spm.hdr");
        File.WriteAllBytes(tmp.File("spm.img"), new byte[91 * 109 * 91]);
        File.WriteAllBytes(tmp.File("spm.mat"), [0]);
        Fails(hdr, "SPM affine file 'spm.mat' is present");
    }

    [Fact]
    public void Empty_file()
    {
        using var tmp = TestPaths.TempDir();
        string path = tmp.File("empty.nii");
        File.WriteAllBytes(path, []);
        Fails(path, "too short for a NIfTI header");
    }
}
