using System.Buffers.Binary;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Formats.Nifti;

/// <summary>
/// NIfTI-1, NIfTI-2 and Analyze 7.5 images (.nii, .nii.gz, .hdr/.img pairs), read as nibabel 5.0 reads them.
/// Detected by <c>sizeof_hdr</c> = 348 or 540 at offset 0 in either byte order (nibabel's
/// <c>may_contain_header</c>). A gzip file cannot be looked into from its first bytes, so gzip magic plus a
/// .nii.gz/.hdr.gz/.img.gz name is taken as NIfTI and the header is validated on open. The extension alone
/// (.nii, .hdr, an .img beside its .hdr) also routes here, so a broken header gets a NIfTI error message.
/// </summary>
public sealed class NiftiFormat : IVolumeFormat
{
    public const string FormatName = "nifti";

    public string Name => FormatName;

    public int HeaderSize => 4;

    public bool IsMatch(ReadOnlySpan<byte> header, string path)
    {
        if (header.Length >= 4)
        {
            int le = BinaryPrimitives.ReadInt32LittleEndian(header), be = BinaryPrimitives.ReadInt32BigEndian(header);
            if (le is NiftiConstants.Nifti1HeaderSize or NiftiConstants.Nifti2HeaderSize
                || be is NiftiConstants.Nifti1HeaderSize or NiftiConstants.Nifti2HeaderSize)
                return true;
        }
        bool gzip = header.Length >= 2 && header[0] == 0x1f && header[1] == 0x8b;
        if (gzip && SignalFormats.HasExtension(path, ".nii.gz", ".hdr.gz", ".img.gz"))
            return true;
        if (SignalFormats.HasExtension(path, ".nii", ".hdr"))
            return true;
        // The .img half holds only voxels: recognised by its .hdr companion.
        return NiftiFiles.PairExtension(path).Equals(".img", StringComparison.OrdinalIgnoreCase)
               && File.Exists(NiftiFiles.Resolve(path).Header);
    }

    public IVolumeSeries Open(string path) => NiftiVolumeSeries.Open(path);
}
