using System.Globalization;
using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Parcellation;

/// <summary>
/// A label atlas (one 3-D image of whole-number region labels, 0 = background) put on an image's voxel grid by
/// nilearn's <c>resample_img(atlas, target_affine, target_shape, interpolation="nearest")</c>: untouched when the shapes
/// are equal and the affines <c>np.allclose</c>; otherwise every image voxel is mapped to atlas voxel coordinates by
/// inv(atlas affine) · image affine and takes the label of the nearest atlas voxel as
/// <c>scipy.ndimage.affine_transform(order=0, mode="constant", cval=0)</c> picks it: floor(c + 0.5) on each axis, and
/// label 0 when a coordinate lies outside [0, n − 1]. The regions are the labels left on the image grid, in increasing
/// value (<c>np.unique</c> of the resampled atlas, 0 excluded): atlas labels with no voxel inside the image are not
/// regions, as in nilearn, and are listed in <see cref="LabelsOutsideImage"/>.
/// </summary>
public sealed class LabelAtlas
{
    private LabelAtlas(string path, double[] labels, int[] voxelCounts, int[] regionOfVoxel, bool resampled, double[] outside)
    {
        Path = path;
        Labels = labels;
        VoxelCounts = voxelCounts;
        RegionOfVoxel = regionOfVoxel;
        Resampled = resampled;
        LabelsOutsideImage = outside;
    }

    public string Path { get; }

    /// <summary>The region labels present on the image grid, increasing.</summary>
    public IReadOnlyList<double> Labels { get; }

    /// <summary>Image voxels per region (after resampling).</summary>
    public IReadOnlyList<int> VoxelCounts { get; }

    /// <summary>For every image voxel (Fortran order, x fastest) its region index in <see cref="Labels"/>, or −1.</summary>
    public int[] RegionOfVoxel { get; }

    /// <summary>True when the atlas was resampled (its grid differs from the image's).</summary>
    public bool Resampled { get; }

    /// <summary>Labels of the atlas that no image voxel received (outside the image's field of view).</summary>
    public IReadOnlyList<double> LabelsOutsideImage { get; }

    /// <summary>Reads <paramref name="atlasPath"/> and resamples it onto <paramref name="image"/>'s grid.</summary>
    /// <exception cref="InvalidRecordingException">the atlas is not one 3-D volume of whole numbers, an affine is
    /// singular, or no label falls inside the image.</exception>
    public static async Task<LabelAtlas> OnGridAsync(string atlasPath, VolumeInfo image, CancellationToken ct = default)
    {
        using var series = SignalFormats.OpenVolumes(atlasPath);
        var info = series.Info;
        if (info.Shape.Count < 3 || info.NVolumes != 1)
            throw new InvalidRecordingException(atlasPath,
                $"atlas has shape ({string.Join(", ", info.Shape)}); a label atlas is one 3-D volume (4-D probabilistic maps are not label atlases)");
        double[] atlas = [];
        await foreach (var volume in series.ReadVolumes(ct).ConfigureAwait(false))
            atlas = volume.Data;
        int[] shape = [info.Shape[0], info.Shape[1], info.Shape[2]];
        var atlasLabels = new SortedSet<double>();
        for (int v = 0; v < atlas.Length; v++)
        {
            double label = atlas[v];
            if (!double.IsFinite(label) || label != Math.Floor(label))
                throw new InvalidRecordingException(atlasPath,
                    $"voxel {Voxel(v, shape)} holds {label.ToString("R", CultureInfo.InvariantCulture)}; a label atlas holds whole numbers (0 = background)");
            if (label != 0)
                atlasLabels.Add(label);
        }

        int[] target = [image.Shape[0], image.Shape[1], image.Shape[2]];
        bool sameGrid = shape.SequenceEqual(target) && Affine.AllClose(image.Affine, info.Affine);
        double[] onGrid = sameGrid ? atlas : Resample(atlas, shape, info.Affine, atlasPath, image);

        var present = new SortedSet<double>();
        foreach (double label in onGrid)
            if (label != 0)
                present.Add(label);
        if (present.Count == 0)
            throw new InvalidRecordingException(atlasPath,
                $"no atlas label falls inside the field of view of {image.SourcePath} (atlas affine {Affine.Show(info.Affine)}, image affine {Affine.Show(image.Affine)})");
        var labels = present.ToArray();
        var index = new Dictionary<double, int>(labels.Length);
        for (int r = 0; r < labels.Length; r++)
            index[labels[r]] = r;
        var regionOfVoxel = new int[onGrid.Length];
        var counts = new int[labels.Length];
        for (int v = 0; v < onGrid.Length; v++)
        {
            int r = onGrid[v] == 0 ? -1 : index[onGrid[v]];
            regionOfVoxel[v] = r;
            if (r >= 0) counts[r]++;
        }
        return new LabelAtlas(atlasPath, labels, counts, regionOfVoxel, !sameGrid, atlasLabels.Where(l => !present.Contains(l)).ToArray());
    }

    /// <summary>Nearest-neighbour resampling of <paramref name="atlas"/> onto the image grid, as scipy order 0.</summary>
    private static double[] Resample(double[] atlas, int[] shape, double[] atlasAffine, string atlasPath, VolumeInfo image)
    {
        if (Affine.IsSingular(atlasAffine))
            throw new InvalidRecordingException(atlasPath,
                $"atlas affine {Affine.Show(atlasAffine)} is singular: its voxels have no position to compare with {image.SourcePath}");
        if (Affine.IsSingular(image.Affine))
            throw new InvalidRecordingException(image.SourcePath,
                $"image affine {Affine.Show(image.Affine)} is singular: its voxels have no position to look up in the atlas {atlasPath}");
        // nilearn: the identity when the affines are bit-equal ("more numerically stable"), else inv(atlas) · image.
        var t = atlasAffine.SequenceEqual(image.Affine) ? Identity
            : Affine.Multiply(Affine.Invert(atlasAffine)!, image.Affine);
        bool diagonal = t[1] == 0 && t[2] == 0 && t[4] == 0 && t[6] == 0 && t[8] == 0 && t[9] == 0;
        int nx = image.Shape[0], ny = image.Shape[1], nz = image.Shape[2];
        var onGrid = new double[(long)nx * ny * nz];
        Span<double> c = stackalloc double[3];
        for (int k = 0, v = 0; k < nz; k++)
            for (int j = 0; j < ny; j++)
                for (int i = 0; i < nx; i++, v++)
                {
                    if (diagonal)
                    {
                        // scipy passes a diagonal matrix to zoom_shift: c = (i + b / a) · a
                        c[0] = (i + t[3] / t[0]) * t[0];
                        c[1] = (j + t[7] / t[5]) * t[5];
                        c[2] = (k + t[11] / t[10]) * t[10];
                    }
                    else
                        for (int r = 0; r < 3; r++)
                            c[r] = t[4 * r] * i + t[4 * r + 1] * j + t[4 * r + 2] * k + t[4 * r + 3];
                    onGrid[v] = Nearest(atlas, shape, c);
                }
        return onGrid;
    }

    private static readonly double[] Identity = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];

    /// <summary>scipy's order-0 lookup with mode "constant": outside [0, n − 1] on any axis is 0, else floor(c + 0.5).</summary>
    private static double Nearest(double[] atlas, int[] shape, ReadOnlySpan<double> c)
    {
        long offset = 0, stride = 1;
        for (int a = 0; a < 3; a++)
        {
            if (!(c[a] >= 0 && c[a] <= shape[a] - 1))
                return 0;
            offset += (long)Math.Floor(c[a] + 0.5) * stride;
            stride *= shape[a];
        }
        return atlas[offset];
    }

    private static string Voxel(int v, int[] shape) =>
        $"({v % shape[0]}, {v / shape[0] % shape[1]}, {v / shape[0] / shape[1]})";
}
