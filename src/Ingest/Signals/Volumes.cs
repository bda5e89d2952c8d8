namespace Neurodecode.Ingest.Signals;

/// <summary>
/// An image series as nibabel describes it. <see cref="Shape"/> is nibabel's <c>img.shape</c>; <see cref="Affine"/>
/// the best affine (4x4, row-major); <see cref="TrSeconds"/> the 4th zoom in seconds for 4-D images.
/// The NIfTI header fields are kept so <c>inspect</c> can report them.
/// </summary>
public sealed record VolumeInfo(
    string Format,
    string SourcePath,
    IReadOnlyList<int> Shape,
    IReadOnlyList<double> Zooms,
    double[] Affine,
    double? TrSeconds,
    string DtypeOnDisk,
    int NiftiVersion,
    int? SformCode,
    int? QformCode,
    double? SclSlope,
    double? SclInter)
{
    /// <summary>Voxels in one 3-D volume (product of the first three dimensions).</summary>
    public long VoxelsPerVolume => Shape.Take(3).Aggregate(1L, (a, b) => a * b);

    /// <summary>Volumes in the series: the product of dimensions 4 and up (1 for a 3-D image).</summary>
    public long NVolumes => Shape.Skip(3).Aggregate(1L, (a, b) => a * b);
}

/// <summary>One 3-D volume, float64 with scaling applied, in the file's Fortran order (x fastest).</summary>
public sealed record Volume(long Index, double[] Data);

/// <summary>A 3-D or 4-D image streamed volume by volume (memory: one volume, not the file).</summary>
public interface IVolumeSeries : IDisposable
{
    VolumeInfo Info { get; }
    IAsyncEnumerable<Volume> ReadVolumes(CancellationToken ct = default);
}
