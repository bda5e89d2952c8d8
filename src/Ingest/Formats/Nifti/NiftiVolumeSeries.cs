using System.Runtime.CompilerServices;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Formats.Nifti;

/// <summary>
/// A NIfTI-1/2 or Analyze image streamed one 3-D volume at a time. Opening reads the header only (and checks that
/// an uncompressed image file is long enough); each <see cref="ReadVolumes"/> call opens the image file afresh,
/// skips to <c>vox_offset</c> (seeking, or reading past it in a gzip stream) and reads the volumes in file order:
/// Fortran order, x fastest, scaled to float64 as nibabel's <c>get_fdata()</c>. Memory: one volume.
/// </summary>
public sealed class NiftiVolumeSeries : IVolumeSeries
{
    private readonly NiftiHeader _header;
    private readonly NiftiFiles _files;
    private readonly int _voxels;
    private readonly int _volumeBytes;

    private NiftiVolumeSeries(VolumeInfo info, NiftiHeader header, NiftiFiles files, int voxels, int volumeBytes)
    {
        Info = info;
        _header = header;
        _files = files;
        _voxels = voxels;
        _volumeBytes = volumeBytes;
    }

    public VolumeInfo Info { get; }

    /// <summary>Bytes of voxel data the header promises (all volumes).</summary>
    public long DataBytes => _volumeBytes * Info.NVolumes;

    public static NiftiVolumeSeries Open(string path)
    {
        var files = NiftiFiles.Resolve(path);
        if (files.Pair && !File.Exists(files.Header))
            throw new InvalidRecordingException(path, $"header file '{Path.GetFileName(files.Header)}' of this .hdr/.img pair not found");
        var header = ReadHeader(files, path);
        if (files.Pair && !File.Exists(files.Image))
            throw new InvalidRecordingException(path, $"image file '{Path.GetFileName(files.Image)}' of this .hdr/.img pair not found");
        if (header.Version == 0)
        {
            string mat = Path.ChangeExtension(files.Header.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? files.Header[..^3] : files.Header, ".mat");
            if (File.Exists(mat))
                throw new InvalidRecordingException(path,
                    $"SPM affine file '{Path.GetFileName(mat)}' is present; reading Analyze affines from .mat files is not supported");
        }

        var shape = header.Shape.Select(s => (int)s).ToArray();
        var info = new VolumeInfo(
            Format: NiftiFormat.FormatName,
            SourcePath: path,
            Shape: shape,
            Zooms: header.Zooms,
            Affine: header.BestAffine(path),
            TrSeconds: header.TrSeconds,
            DtypeOnDisk: header.DataType.DtypeString(header.BigEndian),
            NiftiVersion: header.Version,
            SformCode: header.Version == 0 ? null : header.SformCode,
            QformCode: header.Version == 0 ? null : header.QformCode,
            SclSlope: NiftiHeader.FiniteOrNull(header.SclSlope),
            SclInter: NiftiHeader.FiniteOrNull(header.SclInter));

        long voxels = info.VoxelsPerVolume;
        long volumeBytes = voxels * header.DataType.Size;
        if (voxels > Array.MaxLength || volumeBytes > Array.MaxLength)
            throw new InvalidRecordingException(path,
                $"one volume of shape ({string.Join(", ", shape.Take(3))}) is {volumeBytes} bytes; volumes over {Array.MaxLength} bytes are not supported");
        var series = new NiftiVolumeSeries(info, header, files, (int)voxels, (int)volumeBytes);

        // An uncompressed image file's length tells at once whether the data are all there.
        using (var image = NiftiFiles.OpenRead(files.Image, out bool gzip))
            if (!gzip)
            {
                long available = Math.Max(0, image.Length - header.VoxOffset);
                if (available < series.DataBytes)
                    throw new InvalidRecordingException(path, $"data ends after {available} of {series.DataBytes} bytes (vox_offset {header.VoxOffset})");
            }
        return series;
    }

    private static NiftiHeader ReadHeader(NiftiFiles files, string path)
    {
        var bytes = new byte[NiftiConstants.Nifti2HeaderSize];
        int n;
        using (var stream = NiftiFiles.OpenRead(files.Header, out _))
            n = NiftiFiles.ReadFull(stream, bytes, path);
        return NiftiHeader.Parse(bytes.AsSpan(0, n), path, files.Pair);
    }

    public async IAsyncEnumerable<Volume> ReadVolumes([EnumeratorCancellation] CancellationToken ct = default)
    {
        string path = Info.SourcePath;
        long total = DataBytes;
        var (slope, inter) = _header.SlopeInter;
        await using var stream = NiftiFiles.OpenRead(_files.Image, out bool gzip);
        string ending = gzip ? "gzip stream ends early: " : "";

        if (stream.CanSeek)
            stream.Seek(_header.VoxOffset, SeekOrigin.Begin);
        else
        {
            var skip = new byte[Math.Min(_header.VoxOffset, 1 << 16)];
            for (long left = _header.VoxOffset; left > 0;)
            {
                int chunk = (int)Math.Min(left, skip.Length);
                int got = await NiftiFiles.ReadFullAsync(stream, skip.AsMemory(0, chunk), path, ct).ConfigureAwait(false);
                if (got < chunk)
                    throw new InvalidRecordingException(path,
                        $"{ending}file ends after {_header.VoxOffset - left + got} bytes, before vox_offset {_header.VoxOffset}");
                left -= got;
            }
        }

        var raw = new byte[_volumeBytes];
        for (long v = 0; v < Info.NVolumes; v++)
        {
            ct.ThrowIfCancellationRequested();
            int got = await NiftiFiles.ReadFullAsync(stream, raw, path, ct).ConfigureAwait(false);
            if (got < raw.Length)
                throw new InvalidRecordingException(path, $"{ending}data ends after {v * _volumeBytes + got} of {total} bytes");
            var data = new double[_voxels];
            _header.DataType.Convert(raw, data, _header.BigEndian);
            Scale(data, slope, inter);
            yield return new Volume(v, data);
        }
    }

    /// <summary>nibabel's <c>apply_read_scaling</c>: float64 values, then × slope if ≠ 1, then + inter if ≠ 0.</summary>
    private static void Scale(Span<double> values, double slope, double inter)
    {
        if (slope != 1.0)
            for (int i = 0; i < values.Length; i++)
                values[i] *= slope;
        if (inter != 0.0)
            for (int i = 0; i < values.Length; i++)
                values[i] += inter;
    }

    public void Dispose() { }
}
