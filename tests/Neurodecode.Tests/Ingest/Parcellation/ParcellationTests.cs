using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.Json;
using Neurodecode.Ingest.Parcellation;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Tests.Ingest.Parcellation;

/// <summary>
/// Parcellation against tools/make_parcellation_golden.py (nilearn's NiftiLabelsMasker rebuilt with nibabel, numpy and
/// scipy.ndimage) on the real BOLD runs and atlases, and bad input on corrupted copies made in a temp folder.
/// </summary>
public class ParcellationTests
{
    private static readonly string GoldenDir = Path.Combine(TestPaths.Golden, "parcellation");
    private const string HaxbyRun = "bold/haxby2001_25mm/sub001/BOLD/task001_run001/bold_25mm.nii.gz";
    private const string Hoc = "bold/haxby2001_25mm/sub001/masks/25mm/hoc.nii.gz";

    public static TheoryData<string> Cases => new(Directory.GetFiles(GoldenDir, "*.json").Select(Path.GetFileNameWithoutExtension).Order()!);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Regions_voxel_counts_and_means_match_nilearn_semantics(string name)
    {
        using var golden = JsonDocument.Parse(File.ReadAllText(Path.Combine(GoldenDir, name + ".json")));
        var g = golden.RootElement;
        string? table = g.GetProperty("labels_table").GetString();
        using var rec = await ParcellatedRecording.ParcellateAsync(TestPaths.Shared(g.GetProperty("bold").GetString()!),
            TestPaths.Shared(g.GetProperty("atlas").GetString()!), table is null ? null : TestPaths.Shared(table));

        Assert.Equal(g.GetProperty("labels").EnumerateArray().Select(e => e.GetDouble()), rec.Atlas.Labels);
        Assert.Equal(g.GetProperty("names").EnumerateArray().Select(e => e.GetString()), rec.Info.ChannelNames);
        Assert.Equal(g.GetProperty("voxel_counts").EnumerateArray().Select(e => e.GetInt32()), rec.Atlas.VoxelCounts);
        Assert.Equal(g.GetProperty("atlas_labels_outside_image").EnumerateArray().Select(e => e.GetDouble()), rec.Atlas.LabelsOutsideImage);
        Assert.Equal(g.GetProperty("resampled").GetBoolean(), rec.Atlas.Resampled);
        Assert.Equal(1.0 / g.GetProperty("tr_s").GetDouble(), rec.Info.Sfreq);
        Assert.All(rec.Info.Channels, c => Assert.Equal((ChannelKind.Roi, "NA"), (c.Kind, c.Unit)));

        var (shape, expected) = Npy.Read(Path.Combine(GoldenDir, name + ".npy"));
        Assert.Equal([rec.Info.NChannels, rec.Info.NSamples], shape);
        var actual = rec.ReadAll().Data;
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
            worst = Math.Max(worst, Math.Abs(actual[i] - expected[i]) / Math.Max(Math.Abs(expected[i]), 1e-300));
        Assert.True(worst < 1e-12, $"{name}: worst relative difference {worst:E2}");   // a mean of the same doubles
    }

    [Fact]
    public async Task Sources_reference_table_A_haxby_hoc()
    {
        using var rec = await ParcellatedRecording.ParcellateAsync(TestPaths.Shared(HaxbyRun), TestPaths.Shared(Hoc));
        Assert.Equal(21, rec.Info.NChannels);
        Assert.Equal(121, rec.Info.NSamples);
        Assert.Equal(0.4, rec.Info.Sfreq);
        int c17 = rec.Info.ChannelNames.ToList().IndexOf("17");
        Assert.Equal(4, rec.Atlas.VoxelCounts[c17]);
        var block = rec.ReadAll(0, 3);
        Assert.Equal([1381.5, 1386.5, 1388.0], Enumerable.Range(0, 3).Select(t => block[c17, t]));
    }

    private static string UnzippedCopy(TempDir tmp, string shared, string name, Action<byte[]> patch)
    {
        using var gz = new GZipStream(File.OpenRead(TestPaths.Shared(shared)), CompressionMode.Decompress);
        using var ms = new MemoryStream();
        gz.CopyTo(ms);
        var bytes = ms.ToArray();
        patch(bytes);
        string path = tmp.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>NIfTI-1 sform rows srow_x/y/z: float32 at bytes 280, 296, 312.</summary>
    private static void SetSrow(byte[] header, int row, int column, float value) =>
        BinaryPrimitives.WriteSingleLittleEndian(header.AsSpan(280 + 16 * row + 4 * column), value);

    private static async Task<InvalidRecordingException> Fails(string bold, string atlas, string file, string problem, string? table = null)
    {
        var e = await Assert.ThrowsAsync<InvalidRecordingException>(() => ParcellatedRecording.ParcellateAsync(bold, atlas, table));
        Assert.Equal(file, e.FilePath);
        Assert.StartsWith(file + ": ", e.Message);
        Assert.Contains(problem, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    [Fact]
    public async Task A_3d_image_as_bold_is_refused()
    {
        string anatomy = TestPaths.Shared("bold/haxby2001_25mm/sub001/anatomy/lowres001.nii.gz");
        await Fails(anatomy, TestPaths.Shared(Hoc), anatomy, "is a 3-D image (shape (6, 10, 10)); parcellation needs a 4-D BOLD series");
    }

    [Fact]
    public async Task A_4d_atlas_is_refused()
    {
        string maps = TestPaths.Shared("bold/atlases/abide_pcp/PNAS_Smith09_rsn10.nii.gz");
        await Fails(maps, maps, maps, "atlas has shape (61, 73, 61, 10); a label atlas is one 3-D volume");
    }

    [Fact]
    public async Task A_float_atlas_with_fractional_values_is_refused()
    {
        // The anatomical image is float32 on the BOLD grid: intensities, not labels.
        string anatomy = TestPaths.Shared("bold/haxby2001_25mm/sub001/anatomy/lowres001.nii.gz");
        await Fails(TestPaths.Shared(HaxbyRun), anatomy, anatomy, "a label atlas holds whole numbers");
    }

    [Fact]
    public async Task A_float_atlas_of_whole_numbers_is_a_label_atlas()
    {
        // vt.nii.gz is float32 0/1 (the ventral temporal mask): one region, label 1.
        using var rec = await ParcellatedRecording.ParcellateAsync(TestPaths.Shared(HaxbyRun),
            TestPaths.Shared("bold/haxby2001_25mm/sub001/masks/25mm/vt.nii.gz"));
        Assert.Equal(["1"], rec.Info.ChannelNames);
    }

    [Fact]
    public async Task An_atlas_with_a_singular_affine_is_refused_naming_both_files()
    {
        using var tmp = TestPaths.TempDir();
        string atlas = UnzippedCopy(tmp, Hoc, "flat.nii", h => { for (int c = 0; c < 4; c++) SetSrow(h, 2, c, 0); });
        var e = await Fails(TestPaths.Shared(HaxbyRun), atlas, atlas, "is singular");
        Assert.Contains(TestPaths.Shared(HaxbyRun), e.Message);
    }

    [Fact]
    public async Task An_atlas_that_does_not_overlap_the_image_is_refused_naming_both_files()
    {
        using var tmp = TestPaths.TempDir();
        string atlas = UnzippedCopy(tmp, Hoc, "far.nii", h => SetSrow(h, 0, 3, 10000f));
        var e = await Fails(TestPaths.Shared(HaxbyRun), atlas, atlas, "no atlas label falls inside the field of view of");
        Assert.Contains(TestPaths.Shared(HaxbyRun), e.Message);
    }

    [Fact]
    public async Task A_shifted_atlas_is_resampled_by_nearest_neighbour()
    {
        // hoc moved by 0.6 voxel (15 mm) along x: every BOLD voxel takes the label of the atlas voxel one to its side.
        using var tmp = TestPaths.TempDir();
        string atlas = UnzippedCopy(tmp, Hoc, "shifted.nii", h => SetSrow(h, 0, 3, 62.5f + 15f));
        using var shifted = await ParcellatedRecording.ParcellateAsync(TestPaths.Shared(HaxbyRun), atlas);
        using var same = await ParcellatedRecording.ParcellateAsync(TestPaths.Shared(HaxbyRun), TestPaths.Shared(Hoc));
        Assert.True(shifted.Atlas.Resampled);
        Assert.False(same.Atlas.Resampled);
        // x axis of the affine is −25 mm/voxel: world x + 15 is atlas voxel i + 0.6 → i + 1 (floor(c + 0.5)), so the
        // BOLD voxel i takes atlas voxel i + 1 (the last x slice falls outside: c = 5.6 > 5).
        int nx = 6;
        for (int v = 0; v < same.Atlas.RegionOfVoxel.Length; v++)
        {
            int i = v % nx;
            double expected = i + 1 < nx && same.Atlas.RegionOfVoxel[v + 1] is var r && r >= 0 ? same.Atlas.Labels[r] : 0;
            int s = shifted.Atlas.RegionOfVoxel[v];
            Assert.Equal(expected, s >= 0 ? shifted.Atlas.Labels[s] : 0);
        }
    }

    [Fact]
    public async Task An_atlas_with_its_x_and_y_axes_swapped_gives_the_same_regions()
    {
        // The same atlas stored transposed (10 x 6 x 10, affine columns 0 and 1 swapped): the affine between the grids
        // is a permutation, not diagonal, so this runs the general matrix path; every voxel must find its label again.
        using var tmp = TestPaths.TempDir();
        string atlas = UnzippedCopy(tmp, Hoc, "swapped.nii", h =>
        {
            int nx = BinaryPrimitives.ReadInt16LittleEndian(h.AsSpan(42)), ny = BinaryPrimitives.ReadInt16LittleEndian(h.AsSpan(44));
            int nz = BinaryPrimitives.ReadInt16LittleEndian(h.AsSpan(46));
            BinaryPrimitives.WriteInt16LittleEndian(h.AsSpan(42), (short)ny);
            BinaryPrimitives.WriteInt16LittleEndian(h.AsSpan(44), (short)nx);
            for (int r = 0; r < 3; r++)
            {
                float c0 = BinaryPrimitives.ReadSingleLittleEndian(h.AsSpan(280 + 16 * r)), c1 = BinaryPrimitives.ReadSingleLittleEndian(h.AsSpan(284 + 16 * r));
                SetSrow(h, r, 0, c1);
                SetSrow(h, r, 1, c0);
            }
            int offset = (int)BinaryPrimitives.ReadSingleLittleEndian(h.AsSpan(108));   // vox_offset; uint8 voxels
            var voxels = h.AsSpan(offset, nx * ny * nz).ToArray();
            for (int k = 0; k < nz; k++)
                for (int j = 0; j < ny; j++)
                    for (int i = 0; i < nx; i++)
                        h[offset + j + ny * (i + nx * k)] = voxels[i + nx * (j + ny * k)];
        });
        using var swapped = await ParcellatedRecording.ParcellateAsync(TestPaths.Shared(HaxbyRun), atlas);
        using var same = await ParcellatedRecording.ParcellateAsync(TestPaths.Shared(HaxbyRun), TestPaths.Shared(Hoc));
        Assert.True(swapped.Atlas.Resampled);
        Assert.Equal(same.Atlas.Labels, swapped.Atlas.Labels);
        Assert.Equal(same.Atlas.RegionOfVoxel, swapped.Atlas.RegionOfVoxel);
        Assert.Equal(same.ReadAll().Data, swapped.ReadAll().Data);
    }

    [Fact]
    public async Task A_bold_image_without_a_repetition_time_is_refused()
    {
        using var tmp = TestPaths.TempDir();
        string bold = UnzippedCopy(tmp, HaxbyRun, "no-tr.nii", h => BinaryPrimitives.WriteSingleLittleEndian(h.AsSpan(76 + 4 * 4), 0f));
        await Fails(bold, TestPaths.Shared(Hoc), bold, "the header gives no repetition time (pixdim[4] = 0)");
    }

    [Fact]
    public async Task A_label_table_without_a_region_is_refused()
    {
        using var tmp = TestPaths.TempDir();
        string table = tmp.File("aal.nii.txt");
        File.WriteAllLines(table, File.ReadAllLines(TestPaths.Shared("bold/atlases/mricron/aal.nii.txt")).Take(100));
        string maps = TestPaths.Shared("bold/atlases/abide_pcp/PNAS_Smith09_rsn10.nii.gz");
        await Fails(maps, TestPaths.Shared("bold/atlases/mricron/aal.nii.gz"), table, "has no name for label 101", table);
    }
}
