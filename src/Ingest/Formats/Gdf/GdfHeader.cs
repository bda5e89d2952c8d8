using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Formats.Gdf;

/// <summary>One channel's header fields that reading uses.</summary>
/// <param name="Gain">Unit factor to volts (GDF 1: unit starting "uV" → 1e-6; GDF 2: code 4275 → 1e-6, 4274 → 1e-3; else 1).</param>
internal sealed record GdfChannel(
    string Label,
    GdfType Type,
    int SamplesPerRecord,
    double PhysicalMin,
    double PhysicalMax,
    double DigitalMin,
    double DigitalRange,
    double Gain);

/// <summary>One entry of the event table: 1-based position, type code, duration in samples (mode 3; else 1).</summary>
internal readonly record struct GdfEvent(uint Position, ushort Type, uint Duration);

/// <summary>
/// A GDF 1.x or 2.x header as MNE 1.3 reads it (<c>mne/io/edf/edf.py:_read_gdf_header</c>): fixed header, one
/// 256-byte block per channel and no header 3, then records of every channel's samples, then the event table.
/// </summary>
internal sealed record GdfHeader(
    string Path,
    string Version,
    double VersionNumber,
    long HeaderBytes,
    long NRecords,
    uint RecordDurationNumerator,
    uint RecordDurationDenominator,
    IReadOnlyList<GdfChannel> Channels,
    DateTimeOffset? MeasDate,
    long FileLength)
{
    public GdfType Type => Channels[0].Type;

    /// <summary>Bytes of one data record (every channel's samples of that record).</summary>
    public long RecordBytes => Channels.Sum(c => (long)c.SamplesPerRecord * c.Type.Bytes());

    /// <summary>Where the event table starts: right after the last record.</summary>
    public long EventTableOffset => HeaderBytes + NRecords * RecordBytes;

    public static GdfHeader Read(SafeFileHandle file, string path)
    {
        long length = RandomAccess.GetLength(file);
        var fixedHeader = new byte[GdfConstants.BlockSize];
        if (length < GdfConstants.BlockSize)
            throw new InvalidRecordingException(path,
                $"truncated header: file has {length} bytes, the GDF fixed header needs {GdfConstants.BlockSize}");
        ReadAt(file, fixedHeader, 0, path);
        ReadOnlySpan<byte> h = fixedHeader;

        string version = Encoding.Latin1.GetString(h[..8]);
        if (!h.StartsWith(GdfConstants.Magic)
            || !double.TryParse(version[4..].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
            throw new InvalidRecordingException(path, $"version field '{Printable(version)}' is not 'GDF <number>'");
        bool gdf1 = number < GdfConstants.FirstGdf2Version;

        long headerBytes = gdf1 ? I64(h, 184) : U16(h, 184) * (long)GdfConstants.BlockSize;
        long nRecords = I64(h, 236);
        uint durationNum = U32(h, 244), durationDen = U32(h, 248);
        long ns = gdf1 ? U32(h, 252) : U16(h, 252);
        var measDate = gdf1 ? Gdf1Date(h.Slice(168, 16)) : Gdf2Date(BinaryPrimitives.ReadUInt64LittleEndian(h[168..]));

        if (ns == 0)
            throw new InvalidRecordingException(path, "header lists 0 channels");
        long expected = GdfConstants.BlockSize * (ns + 1);
        if (length < expected)
            throw new InvalidRecordingException(path,
                $"truncated header: file has {length} bytes, the header of {ns} channels needs {expected}");
        if (headerBytes != expected)
            throw new InvalidRecordingException(path,
                $"header length {headerBytes} bytes differs from 256 x (1 + {ns} channels) = {expected}: " +
                "GDF header 3 (tag-length-value fields) is not supported (MNE 1.3 rejects it too)");
        if (nRecords < 0)
            throw new InvalidRecordingException(path, $"number of data records = {nRecords} (unknown; expected >= 0)");
        if (durationNum == 0)
            durationNum = 1;    // MNE: "Header information is incorrect for record length. Default record length set to 1."
        if (durationDen == 0)
            throw new InvalidRecordingException(path, $"record duration {durationNum}/0 s gives no sampling rate");

        var block = new byte[checked((int)(ns * GdfConstants.BlockSize))];
        ReadAt(file, block, GdfConstants.BlockSize, path);
        var channels = gdf1 ? Gdf1Channels(block, (int)ns, path) : Gdf2Channels(block, (int)ns, path);

        var header = new GdfHeader(path, version, number, headerBytes, nRecords, durationNum, durationDen,
            channels, measDate, length);
        long dataEnd = header.EventTableOffset;
        if (length < dataEnd)
            throw new InvalidRecordingException(path,
                $"truncated data: {nRecords} records x {header.RecordBytes} bytes after the {headerBytes}-byte header need {dataEnd} bytes, file has {length}");
        return header;
    }

    private static List<GdfChannel> Gdf1Channels(ReadOnlySpan<byte> b, int ns, string path)
    {
        var channels = new List<GdfChannel>(ns);
        for (int i = 0; i < ns; i++)
        {
            string label = Text(b.Slice(16 * i, 16)).Trim();
            string unit = Text(b.Slice(96 * ns + 8 * i, 8)).Trim();
            double pmin = F64(b, 104 * ns + 8 * i), pmax = F64(b, 112 * ns + 8 * i);
            long dmin = I64(b, 120 * ns + 8 * i), dmax = I64(b, 128 * ns + 8 * i);
            int spr = I32(b, 216 * ns + 4 * i), type = I32(b, 220 * ns + 4 * i);
            double gain = unit.StartsWith("uV", StringComparison.Ordinal) ? 1e-6 : 1;
            // int64 difference first (as numpy does), then float64.
            channels.Add(Channel(path, i, label, type, spr, pmin, pmax, dmin, unchecked(dmax - dmin), gain));
        }
        return CheckTypes(channels, path);
    }

    private static List<GdfChannel> Gdf2Channels(ReadOnlySpan<byte> b, int ns, string path)
    {
        var channels = new List<GdfChannel>(ns);
        for (int i = 0; i < ns; i++)
        {
            string label = Text(b.Slice(16 * i, 16)).Trim();
            ushort unit = U16(b, 102 * ns + 2 * i);
            double pmin = F64(b, 104 * ns + 8 * i), pmax = F64(b, 112 * ns + 8 * i);
            double dmin = F64(b, 120 * ns + 8 * i), dmax = F64(b, 128 * ns + 8 * i);
            int spr = I32(b, 216 * ns + 4 * i), type = I32(b, 220 * ns + 4 * i);
            double gain = unit switch { GdfConstants.UnitMicrovolt => 1e-6, GdfConstants.UnitMillivolt => 1e-3, _ => 1 };
            channels.Add(Channel(path, i, label, type, spr, pmin, pmax, dmin, dmax - dmin, gain));
        }
        return CheckTypes(channels, path);
    }

    private static GdfChannel Channel(string path, int i, string label, int type, int spr,
        double pmin, double pmax, double dmin, double drange, double gain)
    {
        if (!GdfTypes.IsKnown(type))
            throw new InvalidRecordingException(path,
                $"channel {i + 1} '{Printable(label)}': unknown data type code {type} (expected 1-8, 16 or 17)");
        if (spr <= 0)
            throw new InvalidRecordingException(path,
                $"channel {i + 1} '{Printable(label)}': samples per record = {spr} (expected > 0)");
        return new GdfChannel(label, (GdfType)type, spr, pmin, pmax, dmin, drange, gain);
    }

    /// <summary>MNE reads every channel with one numpy type and raises for mixed ones; so do we (for any mix).</summary>
    private static List<GdfChannel> CheckTypes(List<GdfChannel> channels, string path)
    {
        var types = channels.Select(c => c.Type).Distinct().ToList();
        if (types.Count > 1)
            throw new InvalidRecordingException(path,
                $"Reading multiple data types not supported: channels use {string.Join(", ", types.Select(t => t.Name()))}");
        return channels;
    }

    /// <summary>
    /// The event table as MNE reads it: GDF 1 only for modes 1 and 3; GDF 2 whenever a byte follows the data. An
    /// empty table, or none, gives no events.
    /// </summary>
    public IReadOnlyList<GdfEvent> ReadEvents(SafeFileHandle file)
    {
        long at = EventTableOffset;
        if (FileLength - at < 1)
            return [];
        var head = new byte[8];
        int got = RandomAccess.Read(file, head, at);
        int mode = head[0];
        bool gdf1 = VersionNumber < GdfConstants.FirstGdf2Version;
        if (gdf1 && mode is not (1 or 3))
            return [];
        if (got < 8)
            throw new InvalidRecordingException(Path, $"event table at byte {at} is truncated ({got} of 8 header bytes)");
        long n = gdf1 || VersionNumber < GdfConstants.EventCount24BitVersion
            ? BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(4))
            : head[1] | head[2] << 8 | head[3] << 16;
        int perEvent = mode == 3 ? 12 : 6;
        long need = 8 + n * perEvent;
        if (FileLength - at < need)
            throw new InvalidRecordingException(Path,
                $"event table at byte {at} is truncated: {n} events (mode {mode}) need {need} bytes, {FileLength - at} left");
        var table = new byte[checked((int)(n * perEvent))];
        ReadAt(file, table, at + 8, Path);
        var events = new GdfEvent[n];
        ReadOnlySpan<byte> t = table;
        for (int i = 0; i < n; i++)
        {
            uint pos = U32(t, 4 * i);
            ushort type = U16(t, (int)(4 * n) + 2 * i);
            uint duration = mode == 3 ? U32(t, (int)(8 * n) + 4 * i) : 1;
            events[i] = new GdfEvent(pos, type, Math.Max(duration, 1));
        }
        return events;
    }

    /// <summary>GDF 1 "YYYYMMDDhhmmsscc" (cc = centiseconds), as MNE parses it; anything unparsable is no date.</summary>
    private static DateTimeOffset? Gdf1Date(ReadOnlySpan<byte> field)
    {
        string tm = Text(field).Trim();
        if (tm.Length >= 16 && tm.Substring(14, 2) == "  ")
            tm = tm[..14] + "00" + tm[16..];
        int? Part(int start, int len)
        {
            if (start >= tm.Length)
                return null;
            string s = tm.Substring(start, Math.Min(len, tm.Length - start)).Trim();
            return int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v) ? v : null;
        }
        if (Part(0, 4) is not { } y || Part(4, 2) is not { } mo || Part(6, 2) is not { } d || Part(8, 2) is not { } hh
            || Part(10, 2) is not { } mi || Part(12, 2) is not { } ss || Part(14, 2) is not { } cc)
            return null;
        try
        {
            if (cc * 10_000 is < 0 or > 999_999)
                return null;
            return new DateTimeOffset(y, mo, d, hh, mi, ss, TimeSpan.Zero).AddTicks(cc * 10_000L * 10);
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>
    /// GDF 2: days since 0000-01-00 in 32.32 fixed point; MNE computes datetime(1, 1, 1) + timedelta(days=x·2⁻³² − 367),
    /// rounding to the microsecond. 0 is no date; a date outside years 1-9999 is no date (MNE would fail).
    /// </summary>
    private static DateTimeOffset? Gdf2Date(ulong raw)
    {
        if (raw == 0)
            return null;
        double days = raw * Math.Pow(2, -32) - 367;
        double whole = Math.Truncate(days);
        double fraction = days - whole;
        const double MicrosPerDay = 86_400_000_000;
        if (Math.Abs(whole) > 3_700_000)
            return null;
        long micros = (long)whole * (long)MicrosPerDay + (long)Math.Round(fraction * MicrosPerDay, MidpointRounding.ToEven);
        var origin = new DateTimeOffset(1, 1, 1, 0, 0, 0, TimeSpan.Zero);
        long ticks = origin.Ticks + micros * 10;
        return ticks >= origin.Ticks && ticks <= DateTimeOffset.MaxValue.Ticks ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
    }

    internal static void ReadAt(SafeFileHandle file, Span<byte> target, long offset, string path)
    {
        while (target.Length > 0)
        {
            int n = RandomAccess.Read(file, target, offset);
            if (n <= 0)
                throw new InvalidRecordingException(path, $"file ended at byte {offset} (truncated?)");
            target = target[n..];
            offset += n;
        }
    }

    /// <summary>Control characters shown as \xNN so a message stays one readable line.</summary>
    private static string Printable(string s) =>
        string.Concat(s.Select(c => char.IsControl(c) ? $"\\x{(int)c:X2}" : c.ToString()));

    /// <summary>MNE's <c>_edf_str</c>: latin-1 up to the first NUL.</summary>
    private static string Text(ReadOnlySpan<byte> b)
    {
        int nul = b.IndexOf((byte)0);
        return Encoding.Latin1.GetString(nul >= 0 ? b[..nul] : b);
    }

    private static ushort U16(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt16LittleEndian(b[at..]);
    private static uint U32(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt32LittleEndian(b[at..]);
    private static int I32(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadInt32LittleEndian(b[at..]);
    private static long I64(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadInt64LittleEndian(b[at..]);
    private static double F64(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadDoubleLittleEndian(b[at..]);
}
