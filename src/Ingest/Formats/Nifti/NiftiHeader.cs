using System.Buffers.Binary;
using System.Text;
using Neurodecode.Ingest.Signals;
using static Neurodecode.Ingest.Formats.Nifti.NiftiConstants;

namespace Neurodecode.Ingest.Formats.Nifti;

/// <summary>
/// The fields of a NIfTI-1, NIfTI-2 or SPM2 Analyze 7.5 header as they are on disk, and what nibabel 5.0 derives
/// from them: <see cref="Shape"/>, <see cref="Zooms"/>, <see cref="BestAffine"/>, <see cref="SlopeInter"/>,
/// <see cref="TrSeconds"/>. On load nibabel "fixes" a few fields before computing the affine (zero or negative
/// pixdim[1..3], qfac not ±1, unknown xform codes); those fixes are applied to the affine only, while the raw
/// values are what <c>inspect</c> reports — exactly as <c>mne_reference.py inspect_nifti</c> does.
/// </summary>
internal sealed class NiftiHeader
{
    /// <summary>2 for NIfTI-2, 1 for NIfTI-1, 0 for a plain Analyze 7.5 header (read as SPM2 Analyze, as nibabel does).</summary>
    public int Version { get; private init; }
    public bool BigEndian { get; private init; }
    public string Magic { get; private init; } = "";
    public NiftiDataType DataType { get; private init; } = NiftiDataType.UInt8;
    public long[] Dim { get; } = new long[8];
    public double[] Pixdim { get; } = new double[8];
    public long VoxOffset { get; private init; }
    public double SclSlope { get; private init; }
    public double SclInter { get; private init; }
    public int QformCode { get; private init; }
    public int SformCode { get; private init; }
    public double QuaternB { get; private init; }
    public double QuaternC { get; private init; }
    public double QuaternD { get; private init; }
    public double[] Qoffset { get; } = new double[3];
    public double[] Srow { get; } = new double[12];
    public int XyztUnits { get; private init; }
    public int Glmin { get; private init; }
    public int Glmax { get; private init; }
    public float CalMin { get; private init; }
    public float CalMax { get; private init; }
    public short[] Origin { get; } = new short[5];

    /// <summary>True for the single-file magics "n+1"/"n+2"; false for pairs ("ni1"/"ni2") and Analyze.</summary>
    public bool IsSingleMagic => Magic is "n+1" or "n+2";

    /// <summary>nibabel's <c>img.shape</c>: dim[1..dim[0]], with NIfTI-1's FreeSurfer long-vector and ico7 hacks.</summary>
    public long[] Shape { get; private set; } = [];

    /// <summary>
    /// Reads the header at the start of <paramref name="bytes"/> (at least 348 bytes, 540 for NIfTI-2).
    /// <paramref name="pair"/>: the header came from a .hdr file (data in the .img), which is where Analyze 7.5
    /// headers are allowed. Every problem nibabel raises on (error level ≥ 40) and every value this reader cannot
    /// honour becomes an <see cref="InvalidRecordingException"/> naming <paramref name="path"/>.
    /// </summary>
    public static NiftiHeader Parse(ReadOnlySpan<byte> bytes, string path, bool pair)
    {
        if (bytes.Length < 4)
            throw new InvalidRecordingException(path, $"file is {bytes.Length} bytes, too short for a NIfTI header");
        int sizeLe = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        int sizeBe = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (sizeLe == Nifti2HeaderSize || sizeBe == Nifti2HeaderSize)
            return ParseNifti2(bytes, path);
        if (sizeLe == Nifti1HeaderSize || sizeBe == Nifti1HeaderSize)
            return ParseNifti1(bytes, path, pair);
        throw new InvalidRecordingException(path,
            $"sizeof_hdr = {sizeLe} (expected {Nifti1HeaderSize} for NIfTI-1/Analyze or {Nifti2HeaderSize} for NIfTI-2, in either byte order)");
    }

    private static NiftiHeader ParseNifti1(ReadOnlySpan<byte> b, string path, bool pair)
    {
        if (b.Length < Nifti1HeaderSize)
            throw new InvalidRecordingException(path, $"header ends after {b.Length} of {Nifti1HeaderSize} bytes");
        // nibabel's guessed_endian: dim[0] in 1..7 read natively means native order; 0 falls back to sizeof_hdr.
        short dim0 = BinaryPrimitives.ReadInt16LittleEndian(b[N1.Dim..]);
        bool big = dim0 switch
        {
            0 => BinaryPrimitives.ReadInt32BigEndian(b) == Nifti1HeaderSize,
            >= 1 and <= 7 => false,
            _ => true,
        };
        var r = new Reader(b, big);
        string magic = Ascii(b.Slice(N1.Magic, 4));
        int version;
        if (magic is "n+1" or "ni1")
            version = 1;
        else if (pair)
            version = 0;
        else
            throw new InvalidRecordingException(path,
                $"magic = '{Printable(magic)}' (expected 'n+1' for a single-file NIfTI-1; an Analyze 7.5 header must be a .hdr/.img pair)");

        var dt = NiftiDataType.Find(r.I16(N1.Datatype), analyze: version == 0, out string? problem)
                 ?? throw new InvalidRecordingException(path, problem!);
        var h = new NiftiHeader
        {
            Version = version,
            BigEndian = big,
            Magic = magic,
            DataType = dt,
            VoxOffset = (long)r.F32(N1.VoxOffset), // int(vox_offset): float32 truncated
            SclSlope = r.F32(N1.SclSlope),
            SclInter = r.F32(N1.SclInter),
            XyztUnits = b[N1.XyztUnits],
            Glmin = r.I32(N1.Glmin),
            Glmax = r.I32(N1.Glmax),
            CalMin = r.F32(N1.CalMin),
            CalMax = r.F32(N1.CalMax),
            QformCode = version == 0 ? 0 : r.I16(N1.QformCode),
            SformCode = version == 0 ? 0 : r.I16(N1.SformCode),
            QuaternB = r.F32(N1.QuaternB),
            QuaternC = r.F32(N1.QuaternB + 4),
            QuaternD = r.F32(N1.QuaternB + 8),
        };
        for (int i = 0; i < 8; i++)
        {
            h.Dim[i] = r.I16(N1.Dim + 2 * i);
            h.Pixdim[i] = r.F32(N1.Pixdim + 4 * i);
        }
        for (int i = 0; i < 3; i++)
            h.Qoffset[i] = r.F32(N1.QuaternB + 12 + 4 * i);
        for (int i = 0; i < 12; i++)
            h.Srow[i] = r.F32(N1.SrowX + 4 * i);
        for (int i = 0; i < 5; i++)
            h.Origin[i] = r.I16(N1.Origin + 2 * i);
        h.Validate(path, Nifti1SingleVoxOffset);
        return h;
    }

    private static NiftiHeader ParseNifti2(ReadOnlySpan<byte> b, string path)
    {
        if (b.Length < Nifti2HeaderSize)
            throw new InvalidRecordingException(path, $"NIfTI-2 header ends after {b.Length} of {Nifti2HeaderSize} bytes");
        long dim0 = BinaryPrimitives.ReadInt64LittleEndian(b[N2.Dim..]);
        bool big = dim0 switch
        {
            0 => BinaryPrimitives.ReadInt32BigEndian(b) == Nifti2HeaderSize,
            >= 1 and <= 7 => false,
            _ => true,
        };
        var r = new Reader(b, big);
        string magic = Ascii(b.Slice(N2.Magic, 4));
        if (magic is not ("n+2" or "ni2"))
            throw new InvalidRecordingException(path, $"magic = '{Printable(magic)}' (expected 'n+2' or 'ni2' for NIfTI-2)");
        var eol = b.Slice(N2.EolCheck, 4);
        if (!eol.SequenceEqual(Nifti2EolCheck) && eol.IndexOfAnyExcept((byte)0) >= 0)
            throw new InvalidRecordingException(path,
                $"eol_check = {string.Join(" ", eol.ToArray())} (expected 13 10 26 10): data may be corrupted by end-of-line conversion");
        var dt = NiftiDataType.Find(r.I16(N2.Datatype), analyze: false, out string? problem)
                 ?? throw new InvalidRecordingException(path, problem!);
        var h = new NiftiHeader
        {
            Version = 2,
            BigEndian = big,
            Magic = magic,
            DataType = dt,
            VoxOffset = r.I64(N2.VoxOffset),
            SclSlope = r.F64(N2.SclSlope),
            SclInter = r.F64(N2.SclInter),
            XyztUnits = r.I32(N2.XyztUnits),
            QformCode = r.I32(N2.QformCode),
            SformCode = r.I32(N2.SformCode),
            QuaternB = r.F64(N2.QuaternB),
            QuaternC = r.F64(N2.QuaternB + 8),
            QuaternD = r.F64(N2.QuaternB + 16),
        };
        for (int i = 0; i < 8; i++)
        {
            h.Dim[i] = r.I64(N2.Dim + 8 * i);
            h.Pixdim[i] = r.F64(N2.Pixdim + 8 * i);
        }
        for (int i = 0; i < 3; i++)
            h.Qoffset[i] = r.F64(N2.QuaternB + 24 + 8 * i);
        for (int i = 0; i < 12; i++)
            h.Srow[i] = r.F64(N2.SrowX + 8 * i);
        h.Validate(path, Nifti2SingleVoxOffset);
        return h;
    }

    private void Validate(string path, int singleVoxOffset)
    {
        if (Dim[0] is < 1 or > 7)
            throw new InvalidRecordingException(path, $"dim[0] = {Dim[0]} (expected 1..7 dimensions, in either byte order)");
        Shape = ComputeShape(path);
        if (IsSingleMagic && VoxOffset != 0 && VoxOffset < singleVoxOffset)
            throw new InvalidRecordingException(path, $"vox_offset = {VoxOffset} (expected >= {singleVoxOffset} for a single-file NIfTI-{Version})");
        if (VoxOffset < 0)
            throw new InvalidRecordingException(path, $"vox_offset = {VoxOffset} (expected >= 0)");
        if (Version > 0 && SlopeIsValid && !double.IsFinite(SclInter))
            throw new InvalidRecordingException(path, $"scl_inter = {Num(SclInter)} with scl_slope = {Num(SclSlope)} (a valid slope needs a finite intercept)");
    }

    private long[] ComputeShape(string path)
    {
        var shape = Dim.AsSpan(1, (int)Dim[0]).ToArray();
        if (Version == 1 && shape.Length >= 3)
        {
            if (shape[0] == -1 && shape[1] == 1 && shape[2] == 1)
            {
                // FreeSurfer's long vectors: the length lives in glmin.
                if (Glmin == 0)
                    throw new InvalidRecordingException(path, "dim[1] = -1 but glmin = 0 (inconsistent FreeSurfer long-vector header)");
                shape[0] = Glmin;
            }
            else if (shape[0] == 27307 && shape[1] == 1 && shape[2] == 6)
            {
                shape[0] = 163842; // FreeSurfer's 7th-order icosahedron surface
                shape[2] = 1;
            }
        }
        for (int i = 0; i < shape.Length; i++)
            if (shape[i] < 0 || shape[i] > int.MaxValue)
                throw new InvalidRecordingException(path, $"dim[{i + 1}] = {shape[i]} (expected 0..{int.MaxValue})");
        return shape;
    }

    /// <summary>nibabel's <c>get_zooms()</c> on the unchecked header: pixdim[1..dim[0]] as stored.</summary>
    public double[] Zooms => Pixdim.AsSpan(1, (int)Dim[0]).ToArray();

    /// <summary>
    /// The 4th zoom in seconds for images of more than 3 dimensions (<c>xyzt_units</c> msec / usec scale it,
    /// every other time unit is taken as seconds); null for 3-D and smaller, and for Analyze (no units field).
    /// </summary>
    public double? TrSeconds
    {
        get
        {
            if (Shape.Length <= 3 || Version == 0)
                return null;
            int t = XyztUnits - (XyztUnits % 8 + 8) % 8;   // Python's modulo
            double scale = t switch { UnitsMsec => 1e-3, UnitsUsec => 1e-6, _ => 1.0 };
            return Pixdim[4] * scale;
        }
    }

    /// <summary>scl_slope as NIfTI defines it: finite and non-zero, otherwise "no scaling".</summary>
    private bool SlopeIsValid => SclSlope != 0 && double.IsFinite(SclSlope);

    /// <summary>
    /// The slope and intercept nibabel applies when reading (<c>img.dataobj.slope/inter</c>): NIfTI — none when
    /// scl_slope is 0 or not finite; SPM2 Analyze — scl_slope with scl_inter (non-finite → 0), else the range of
    /// cal_min..cal_max over glmin..glmax when both are non-empty, else none.
    /// </summary>
    public (double Slope, double Inter) SlopeInter
    {
        get
        {
            if (Version > 0)
                return SlopeIsValid ? (SclSlope, SclInter) : (1.0, 0.0);
            if (SlopeIsValid)
                return (SclSlope, double.IsFinite(SclInter) ? SclInter : 0.0);
            int unscaled = unchecked(Glmax - Glmin);                 // int32 arithmetic, as NumPy does it
            float scaled = CalMax - CalMin;                          // float32 arithmetic
            if (unscaled != 0 && scaled != 0)
            {
                double slope = (double)scaled / unscaled;
                return (slope, CalMin - slope * Glmin);
            }
            return (1.0, 0.0);
        }
    }

    /// <summary>The raw header value, or null when the field does not exist (Analyze xform codes) or is NaN/inf.</summary>
    public static double? FiniteOrNull(double v) => double.IsFinite(v) ? v : null;

    /// <summary>
    /// nibabel's <c>img.affine</c> (4x4, row-major): NIfTI — sform when sform_code ≠ 0, else qform when
    /// qform_code ≠ 0, else the base affine; Analyze — SPM's origin affine.
    /// </summary>
    public double[] BestAffine(string path)
    {
        // The load-time fixes of nibabel's check_fix, applied to a copy.
        var pixdim = (double[])Pixdim.Clone();
        for (int i = 1; i <= 3; i++)
        {
            if (pixdim[i] == 0) pixdim[i] = 1;
            if (pixdim[i] < 0) pixdim[i] = -pixdim[i];
        }
        if (Version == 0)
            return OriginAffine(pixdim);
        int sform = SformCode is >= 0 and <= MaxXformCode ? SformCode : 0;
        int qform = QformCode is >= 0 and <= MaxXformCode ? QformCode : 0;
        if (sform != 0)
        {
            var a = new double[16];
            Srow.CopyTo(a, 0);
            a[15] = 1;
            return a;
        }
        if (qform != 0)
            return QformAffine(path, pixdim);
        return BaseAffine(pixdim);
    }

    /// <summary>Rotation from the quaternion (b, c, d) with a = √(1 − b² − c² − d²), times the zooms with qfac, plus qoffset.</summary>
    private double[] QformAffine(string path, double[] pixdim)
    {
        double qfac = pixdim[0] is -1 or 1 ? pixdim[0] : 1;
        double x = QuaternB, y = QuaternC, z = QuaternD;
        double w2 = 1.0 - (x * x + y * y + z * z);
        double threshold = Version == 2 ? Nifti2QuaternionThreshold : Nifti1QuaternionThreshold;
        double w;
        if (w2 < 0)
        {
            if (w2 < threshold)
                throw new InvalidRecordingException(path,
                    $"qform quaternion b, c, d = {Num(x)}, {Num(y)}, {Num(z)} is not a unit quaternion (1 - b² - c² - d² = {Num(w2)})");
            w = 0;
        }
        else
            w = Math.Sqrt(w2);

        double[] rot;
        double nq = w * w + x * x + y * y + z * z;
        if (nq < 2.220446049250313e-16)
            rot = [1, 0, 0, 0, 1, 0, 0, 0, 1];
        else
        {
            double s = 2.0 / nq;
            double bx = x * s, by = y * s, bz = z * s;
            double wx = w * bx, wy = w * by, wz = w * bz;
            double xx = x * bx, xy = x * by, xz = x * bz;
            double yy = y * by, yz = y * bz, zz = z * bz;
            rot =
            [
                1.0 - (yy + zz), xy - wz, xz + wy,
                xy + wz, 1.0 - (xx + zz), yz - wx,
                xz - wy, yz + wx, 1.0 - (xx + yy),
            ];
        }
        double[] vox = [pixdim[1], pixdim[2], pixdim[3] * qfac];
        var a = new double[16];
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
                a[4 * i + j] = rot[3 * i + j] * vox[j];
            a[4 * i + 3] = Qoffset[i];
        }
        a[15] = 1;
        return a;
    }

    /// <summary>Zooms on the diagonal (x flipped), origin at the centre of the first three dimensions.</summary>
    private double[] BaseAffine(double[] pixdim)
    {
        int ndim = (int)Dim[0];
        var a = new double[16];
        for (int i = 0; i < 3; i++)
        {
            double n = i < ndim ? Dim[i + 1] : 1;
            double zoom = i < ndim ? pixdim[i + 1] : 1;
            if (i == 0) zoom = -zoom;
            double origin = (n - 1) / 2.0;
            a[5 * i] = zoom;
            a[4 * i + 3] = -origin * zoom;
        }
        a[15] = 1;
        return a;
    }

    /// <summary>
    /// SPM99/SPM2 Analyze: translations from the 1-based <c>origin</c> voxel when it is set and within
    /// (−dim, 2·dim), else from the image centre. The origin branch multiplies in float32, as NumPy does for
    /// int16 × float32.
    /// </summary>
    private double[] OriginAffine(double[] pixdim)
    {
        var a = new double[16];
        bool useOrigin = (Origin[0] != 0 || Origin[1] != 0 || Origin[2] != 0);
        for (int i = 0; i < 3 && useOrigin; i++)
        {
            short d = (short)Dim[i + 1];   // int16 arithmetic with wrap-around, as NumPy does it
            useOrigin = Origin[i] > unchecked((short)-d) && Origin[i] < unchecked((short)(d * 2));
        }
        for (int i = 0; i < 3; i++)
        {
            float zoom = (float)pixdim[i + 1];
            if (i == 0) zoom = -zoom;
            a[5 * i] = zoom;
            if (useOrigin)
            {
                short o = unchecked((short)(Origin[i] - 1));
                a[4 * i + 3] = unchecked((short)-o) * zoom;   // float32 product
            }
            else
            {
                double origin = unchecked((short)(Dim[i + 1] - 1)) / 2.0;
                a[4 * i + 3] = -origin * zoom;
            }
        }
        a[15] = 1;
        return a;
    }

    /// <summary>A number in a message, as NumPy prints the special values (nan, inf).</summary>
    private static string Num(double v) => double.IsNaN(v) ? "nan" : double.IsInfinity(v) ? (v > 0 ? "inf" : "-inf")
        : v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    private static string Ascii(ReadOnlySpan<byte> bytes)
    {
        int end = bytes.IndexOf((byte)0);
        return Encoding.Latin1.GetString(end < 0 ? bytes : bytes[..end]);
    }

    private static string Printable(string s) =>
        new(s.Select(c => c is >= ' ' and <= '~' ? c : '?').ToArray());

    /// <summary>Reads numbers at byte offsets in the header's byte order.</summary>
    private readonly ref struct Reader(ReadOnlySpan<byte> bytes, bool bigEndian)
    {
        private readonly ReadOnlySpan<byte> _b = bytes;

        public short I16(int at) => bigEndian ? BinaryPrimitives.ReadInt16BigEndian(_b[at..]) : BinaryPrimitives.ReadInt16LittleEndian(_b[at..]);
        public int I32(int at) => bigEndian ? BinaryPrimitives.ReadInt32BigEndian(_b[at..]) : BinaryPrimitives.ReadInt32LittleEndian(_b[at..]);
        public long I64(int at) => bigEndian ? BinaryPrimitives.ReadInt64BigEndian(_b[at..]) : BinaryPrimitives.ReadInt64LittleEndian(_b[at..]);
        public float F32(int at) => bigEndian ? BinaryPrimitives.ReadSingleBigEndian(_b[at..]) : BinaryPrimitives.ReadSingleLittleEndian(_b[at..]);
        public double F64(int at) => bigEndian ? BinaryPrimitives.ReadDoubleBigEndian(_b[at..]) : BinaryPrimitives.ReadDoubleLittleEndian(_b[at..]);
    }
}
