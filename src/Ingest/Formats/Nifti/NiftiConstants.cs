namespace Neurodecode.Ingest.Formats.Nifti;

/// <summary>
/// Sizes, magic strings and byte offsets of the NIfTI-1, NIfTI-2 and (SPM2) Analyze 7.5 headers, as laid out in
/// <c>nifti1.h</c>, <c>nifti2.h</c> and nibabel's <c>nifti1.py</c>, <c>nifti2.py</c>, <c>analyze.py</c>,
/// <c>spm99analyze.py</c>, <c>spm2analyze.py</c>.
/// </summary>
internal static class NiftiConstants
{
    /// <summary><c>sizeof_hdr</c> of NIfTI-1 and Analyze 7.5.</summary>
    public const int Nifti1HeaderSize = 348;

    /// <summary><c>sizeof_hdr</c> of NIfTI-2.</summary>
    public const int Nifti2HeaderSize = 540;

    /// <summary>Smallest <c>vox_offset</c> of a single-file image (header + 4 extension bytes).</summary>
    public const int Nifti1SingleVoxOffset = 352;
    public const int Nifti2SingleVoxOffset = 544;

    /// <summary>The four <c>eol_check</c> bytes of a NIfTI-2 header (\r \n \x1a \n).</summary>
    public static ReadOnlySpan<byte> Nifti2EolCheck => [13, 10, 26, 10];

    /// <summary>Valid <c>qform_code</c>/<c>sform_code</c> values (unknown .. template); others are reset to 0 on load.</summary>
    public const int MaxXformCode = 5;

    /// <summary>
    /// Lowest <c>1 - (b² + c² + d²)</c> still taken as 0 (a 180° rotation) rather than an error:
    /// 3 float32 epsilons for NIfTI-1, 3 float64 epsilons for NIfTI-2 (nibabel's <c>quaternion_threshold</c>).
    /// </summary>
    public const double Nifti1QuaternionThreshold = -3 * 1.1920928955078125e-07;
    public const double Nifti2QuaternionThreshold = -3 * 2.220446049250313e-16;

    /// <summary>Time unit codes of <c>xyzt_units</c> (the bits above 7) that scale pixdim[4] to seconds.</summary>
    public const int UnitsMsec = 16;
    public const int UnitsUsec = 24;

    /// <summary>Byte offsets in the 348-byte NIfTI-1 / Analyze header.</summary>
    public static class N1
    {
        public const int SizeofHdr = 0;
        public const int Dim = 40;            // short[8]
        public const int Datatype = 70;       // short
        public const int Bitpix = 72;         // short
        public const int Pixdim = 76;         // float[8]
        public const int VoxOffset = 108;     // float
        public const int SclSlope = 112;      // float (Analyze: funused1, SPM's scale factor)
        public const int SclInter = 116;      // float (Analyze: funused2, SPM2's intercept)
        public const int XyztUnits = 123;     // byte
        public const int CalMax = 124;        // float
        public const int CalMin = 128;        // float
        public const int Glmax = 140;         // int
        public const int Glmin = 144;         // int (NIfTI-1: FreeSurfer's long-vector length)
        public const int Origin = 253;        // Analyze/SPM: short[5] in 'originator'
        public const int QformCode = 252;     // short
        public const int SformCode = 254;     // short
        public const int QuaternB = 256;      // float b, c, d, qoffset x, y, z
        public const int SrowX = 280;         // float[4] x 3
        public const int Magic = 344;         // "ni1\0" or "n+1\0"
    }

    /// <summary>Byte offsets in the 540-byte NIfTI-2 header.</summary>
    public static class N2
    {
        public const int SizeofHdr = 0;
        public const int Magic = 4;           // "ni2\0" or "n+2\0"
        public const int EolCheck = 8;        // byte[4]
        public const int Datatype = 12;       // short
        public const int Bitpix = 14;         // short
        public const int Dim = 16;            // long[8]
        public const int Pixdim = 104;        // double[8]
        public const int VoxOffset = 168;     // long
        public const int SclSlope = 176;      // double
        public const int SclInter = 184;      // double
        public const int QformCode = 344;     // int
        public const int SformCode = 348;     // int
        public const int QuaternB = 352;      // double b, c, d, qoffset x, y, z
        public const int SrowX = 400;         // double[4] x 3
        public const int XyztUnits = 500;     // int
    }
}
