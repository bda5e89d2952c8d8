using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Win32.SafeHandles;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Formats.Edf;

/// <summary>One signal's 256 header bytes, decoded as MNE 1.3 decodes them (labels and units stripped, latin-1).</summary>
public sealed record EdfSignalHeader(
    int Index,
    string Label,
    string Transducer,
    string PhysicalDimension,
    double PhysicalMin,
    double PhysicalMax,
    double DigitalMin,
    double DigitalMax,
    string Prefiltering,
    int SamplesPerRecord)
{
    /// <summary>An <c>EDF Annotations</c> / <c>BDF Annotations</c> signal: TAL bytes, not samples.</summary>
    public bool IsAnnotation => EdfConstants.AnnotationLabels.Contains(Label);
}

/// <summary>
/// The EDF/BDF header as MNE 1.3 reads it (<c>mne/io/edf/edf.py:_read_edf_header</c>), with its fix-ups:
/// the number of records is recomputed from the file size when they disagree, a zero record duration becomes 1 s,
/// and <see cref="MeasDate"/> follows MNE's date rules (4-digit year from an EDF+ recording id, else yy &lt; 85 → 20yy).
/// Every problem is an <see cref="InvalidRecordingException"/> naming the file and the field.
/// </summary>
public sealed class EdfHeader
{
    private EdfHeader() { }

    public required EdfKind Kind { get; init; }
    public required string PatientId { get; init; }
    public required string RecordingId { get; init; }

    /// <summary>Start of the recording, UTC, whole seconds; null when the header date is not a valid date.</summary>
    public required DateTimeOffset? MeasDate { get; init; }

    public required int HeaderBytes { get; init; }

    /// <summary>The 44 reserved bytes ("EDF+C", "EDF+D", "24BIT" ...); MNE ignores them and so do we.</summary>
    public required string Reserved { get; init; }

    /// <summary>The number of data records the header states (-1 while recording is allowed by the spec).</summary>
    public required long NRecordsInHeader { get; init; }

    /// <summary>The number of complete data records read: the header's count, or the one the file size implies.</summary>
    public required long NRecords { get; init; }

    /// <summary>Record duration in seconds as MNE uses it (a zero in the header becomes 1).</summary>
    public required double RecordDuration { get; init; }

    public required IReadOnlyList<EdfSignalHeader> Signals { get; init; }

    /// <summary>Sample offset of each signal inside a data record; the last entry is the record's total sample count.</summary>
    public required long[] SampleOffsets { get; init; }

    public long SamplesPerRecord => SampleOffsets[^1];
    public long RecordBytes => SamplesPerRecord * Kind.BytesPerSample();

    /// <summary>What MNE would warn about (n_records fix-up, zero record duration, invalid date ...).</summary>
    public required IReadOnlyList<string> Warnings { get; init; }

    /// <summary>Reads and checks the header of <paramref name="path"/> through <paramref name="file"/>.</summary>
    public static EdfHeader Read(string path, SafeFileHandle file, EdfKind kind)
    {
        long fileSize = RandomAccess.GetLength(file);
        var warnings = new List<string>();
        var fixedPart = new byte[EdfConstants.FixedHeaderBytes];
        int got = RandomAccess.Read(file, fixedPart, 0);
        if (got < fixedPart.Length)
            throw new InvalidRecordingException(path,
                $"file has {fileSize} bytes, fewer than the {EdfConstants.FixedHeaderBytes}-byte {kind.FormatName().ToUpperInvariant()} header");

        var f = new FieldReader(path, fixedPart);
        f.Skip(8); // version: checked by detection; MNE ignores it
        string patient = Latin1(f.Take(80));
        string recording = Latin1(f.Take(80));
        string startDate = Latin1(f.Take(8));
        string startTime = Latin1(f.Take(8));
        var measDate = ParseMeasDate(path, recording, startDate, startTime, warnings);

        long headerBytes = f.Integer("header bytes");
        string reserved = Latin1(f.Take(44)).TrimEnd();
        long nRecordsInHeader = f.Integer("number of records");
        double recordDuration = f.Number("record duration", EdfText(f.Peek(8)));
        f.Skip(8);
        long ns = f.Integer("number of signals", 4);

        if (ns <= 0)
            throw new InvalidRecordingException(path, $"number of signals = {ns} (expected > 0)");
        if (ns > (int.MaxValue - EdfConstants.FixedHeaderBytes) / EdfConstants.BytesPerSignalHeader - 1)
            throw new InvalidRecordingException(path, $"number of signals = {ns} (too large)");
        long expectedHeader = (long)EdfConstants.BytesPerSignalHeader * (ns + 1);
        if (headerBytes != expectedHeader)
            throw new InvalidRecordingException(path,
                $"header bytes = {headerBytes} (expected 256 * (1 + {ns} signals) = {expectedHeader})");
        if (fileSize < headerBytes)
            throw new InvalidRecordingException(path,
                $"file has {fileSize} bytes, fewer than its {headerBytes}-byte header (truncated)");
        if (double.IsNaN(recordDuration) || double.IsInfinity(recordDuration) || recordDuration < 0)
            throw new InvalidRecordingException(path,
                $"record duration = {EdfText(fixedPart.AsSpan(244, 8)).Trim()} (expected a positive number of seconds)");
        if (recordDuration == 0)
        {
            warnings.Add("record duration = 0 in the header; set to 1 s as MNE does (the file may hold only annotations)");
            recordDuration = 1;
        }

        int n = (int)ns;
        var signalPart = new byte[n * EdfConstants.BytesPerSignalHeader];
        RandomAccess.Read(file, signalPart, EdfConstants.FixedHeaderBytes);
        var s = new FieldReader(path, signalPart);
        var labels = s.Columns(n, 16, StrippedLatin1);
        var transducers = s.Columns(n, 80, Latin1);
        var units = s.Columns(n, 8, StrippedLatin1);
        double[] Numbers(string field) => s.Columns(n, 8, EdfText)
            .Select((text, i) => s.Number(SignalField(i, labels[i], field), text.Replace(',', '.')))
            .ToArray();
        var pmin = Numbers("physical minimum");
        var pmax = Numbers("physical maximum");
        var dmin = Numbers("digital minimum");
        var dmax = Numbers("digital maximum");
        var prefilter = s.Columns(n, 80, EdfText);
        var samples = s.Columns(n, 8, EdfText)
            .Select((text, i) => s.Integer(SignalField(i, labels[i], "samples per record"), text))
            .ToArray();

        var signals = new EdfSignalHeader[n];
        var offsets = new long[n + 1];
        for (int i = 0; i < n; i++)
        {
            if (samples[i] <= 0 || samples[i] > int.MaxValue / 4)
                throw new InvalidRecordingException(path,
                    $"{SignalField(i, labels[i], "samples per record")} = {samples[i]} (expected > 0)");
            signals[i] = new EdfSignalHeader(i, labels[i], transducers[i].Trim(), units[i], pmin[i], pmax[i], dmin[i],
                dmax[i], prefilter[i].Trim(), (int)samples[i]);
            offsets[i + 1] = offsets[i] + samples[i];
        }

        int bps = kind.BytesPerSample();
        long recordBytes = offsets[n] * bps;
        long readRecords = (fileSize - headerBytes) / bps / offsets[n];
        if (readRecords == 0)
            throw new InvalidRecordingException(path,
                $"file has {fileSize} bytes, fewer than the header ({headerBytes} bytes) and one data record ({recordBytes} bytes): no complete data record (truncated)");
        if (readRecords != nRecordsInHeader)
            warnings.Add($"number of records = {nRecordsInHeader} in the header but the file size gives {readRecords}; " +
                         $"using {readRecords} as MNE does (perhaps the recording was not stopped properly)");

        return new EdfHeader
        {
            Kind = kind,
            PatientId = patient.TrimEnd(),
            RecordingId = recording.TrimEnd(),
            MeasDate = measDate,
            HeaderBytes = (int)headerBytes,
            Reserved = reserved,
            NRecordsInHeader = nRecordsInHeader,
            NRecords = readRecords,
            RecordDuration = recordDuration,
            Signals = signals,
            SampleOffsets = offsets,
            Warnings = warnings,
        };
    }

    private static string SignalField(int i, string label, string field) => $"signal {i + 1} '{label}': {field}";

    // ---- meas_date: MNE's rules -------------------------------------------------------------------------------

    /// <summary>Python's <c>datetime.strptime(s, "%d-%b-%Y")</c> in the C locale (a full match is required).</summary>
    private static readonly Regex EdfPlusDate = new(
        @"\A(3[0-1]|[1-2]\d|0[1-9]|[1-9]| [1-9])-(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)-(\d\d\d\d)\z",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    private static readonly string[] Months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

    private static DateTimeOffset? ParseMeasDate(string path, string recordingId, string startDate, string startTime,
        List<string> warnings)
    {
        int day, month, year;
        var fields = PyText.RStrip(recordingId).Split(' ');
        if (fields.Length == 5 && TryEdfPlusDate(fields[1], out var d))
            (day, month, year) = (d.Day, d.Month, d.Year);
        else
        {
            var parts = startDate.Split('.');
            if (parts.Length != 3 || !PyText.TryInt(parts[0], out long dd) || !PyText.TryInt(parts[1], out long mm)
                || !PyText.TryInt(parts[2], out long yy))
                throw new InvalidRecordingException(path, $"start date = '{startDate}' (expected dd.mm.yy)");
            (day, month, year) = (Clamp(dd), Clamp(mm), Clamp(yy < 85 ? yy + 2000 : yy + 1900));
        }

        var time = startTime.Split('.');
        if (time.Length != 3 || !PyText.TryInt(time[0], out long hh) || !PyText.TryInt(time[1], out long mi)
            || !PyText.TryInt(time[2], out long ss))
            throw new InvalidRecordingException(path, $"start time = '{startTime}' (expected hh.mm.ss)");

        if (year is >= 1 and <= 9999 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month)
            && hh is >= 0 and <= 23 && mi is >= 0 and <= 59 && ss is >= 0 and <= 59)
            return new DateTimeOffset(year, month, day, (int)hh, (int)mi, (int)ss, TimeSpan.Zero);
        warnings.Add($"invalid start date/time ({year:D4}-{month:D2}-{day:D2} {hh:D2}:{mi:D2}:{ss:D2}); meas_date is unknown");
        return null;
    }

    private static int Clamp(long v) => (int)Math.Clamp(v, int.MinValue, int.MaxValue);

    private static bool TryEdfPlusDate(string text, out DateTime date)
    {
        date = default;
        var m = EdfPlusDate.Match(text);
        if (!m.Success)
            return false;
        int day = int.Parse(m.Groups[1].Value.Trim(), CultureInfo.InvariantCulture);
        int month = Array.IndexOf(Months, m.Groups[2].Value.ToLowerInvariant()) + 1;
        if (!PyText.TryInt(m.Groups[3].Value, out long year) || year < 1 || year > 9999)
            return false;
        if (day > DateTime.DaysInMonth((int)year, month))
            return false; // strptime rejects 31-FEB-2020
        date = new DateTime((int)year, month, day);
        return true;
    }

    // ---- text fields ---------------------------------------------------------------------------------------

    private static string Latin1(ReadOnlySpan<byte> b) => Encoding.Latin1.GetString(b);

    /// <summary>MNE's <c>_edf_str</c>: latin-1, cut at the first NUL.</summary>
    private static string EdfText(ReadOnlySpan<byte> b)
    {
        int nul = b.IndexOf((byte)0);
        return Latin1(nul < 0 ? b : b[..nul]);
    }

    /// <summary>Labels and units: <c>bytes.strip()</c> (ASCII whitespace), then latin-1.</summary>
    private static string StrippedLatin1(ReadOnlySpan<byte> b)
    {
        static bool Ws(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0B or 0x0C;
        int lo = 0, hi = b.Length;
        while (lo < hi && Ws(b[lo])) lo++;
        while (hi > lo && Ws(b[hi - 1])) hi--;
        return Latin1(b[lo..hi]);
    }

    /// <summary>Reads consecutive fixed-width fields, naming the field in every error.</summary>
    private sealed class FieldReader(string path, byte[] bytes)
    {
        private int _pos;

        public ReadOnlySpan<byte> Peek(int n) => bytes.AsSpan(_pos, n);

        public ReadOnlySpan<byte> Take(int n)
        {
            var span = bytes.AsSpan(_pos, n);
            _pos += n;
            return span;
        }

        public void Skip(int n) => _pos += n;

        public T[] Columns<T>(int count, int width, SpanDecoder<T> decode)
        {
            var result = new T[count];
            for (int i = 0; i < count; i++)
                result[i] = decode(Take(width));
            return result;
        }

        public long Integer(string field, int width = 8)
        {
            string text = EdfText(Peek(width));
            _pos += width;
            return Integer(field, text);
        }

        public long Integer(string field, string text) =>
            PyText.TryInt(text, out long v)
                ? v
                : throw new InvalidRecordingException(path, $"{field} = '{Printable(text)}' (expected an integer)");

        public double Number(string field, string text) =>
            PyText.TryFloat(text, out double v)
                ? v
                : throw new InvalidRecordingException(path, $"{field} = '{Printable(text)}' (expected a number)");

        private static string Printable(string text) =>
            new(text.Trim().Select(c => char.IsControl(c) ? '?' : c).ToArray());
    }

    private delegate T SpanDecoder<out T>(ReadOnlySpan<byte> bytes);
}

/// <summary>Python's <c>int()</c>, <c>float()</c> and <c>str.rstrip()</c> on header text, as MNE relies on them.</summary>
internal static class PyText
{
    public static bool IsWhitespace(char c) =>
        c is ' ' or '\t' or '\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x1f' or '\x85' or '\xa0'
        || (c > '\xff' && char.IsWhiteSpace(c));

    public static string Strip(string s)
    {
        int lo = 0, hi = s.Length;
        while (lo < hi && IsWhitespace(s[lo])) lo++;
        while (hi > lo && IsWhitespace(s[hi - 1])) hi--;
        return s[lo..hi];
    }

    public static string RStrip(string s)
    {
        int hi = s.Length;
        while (hi > 0 && IsWhitespace(s[hi - 1])) hi--;
        return s[..hi];
    }

    /// <summary>Decimal digits of any script become ASCII digits (Python's int/float accept them); underscores
    /// between digits are dropped.</summary>
    private static string? Normalize(string s)
    {
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '_')
            {
                if (i == 0 || i == s.Length - 1 || !char.IsDigit(s[i - 1]) || !char.IsDigit(s[i + 1]))
                    return null;
                continue;
            }
            sb.Append(char.IsDigit(c) ? (char)('0' + (int)char.GetNumericValue(c)) : c);
        }
        return sb.ToString();
    }

    public static bool TryInt(string text, out long value)
    {
        value = 0;
        string? s = Normalize(Strip(text));
        if (string.IsNullOrEmpty(s))
            return false;
        int i = s[0] is '+' or '-' ? 1 : 0;
        if (i == s.Length)
            return false;
        for (int k = i; k < s.Length; k++)
            if (s[k] is < '0' or > '9')
                return false;
        return long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    public static bool TryFloat(string text, out double value)
    {
        value = 0;
        string? s = Normalize(Strip(text));
        if (string.IsNullOrEmpty(s))
            return false;
        string body = s.TrimStart('+', '-');
        if (body.Length < s.Length - 1)
            return false; // more than one sign
        double sign = s[0] == '-' ? -1 : 1;
        switch (body.ToLowerInvariant())
        {
            case "inf" or "infinity":
                value = sign * double.PositiveInfinity;
                return true;
            case "nan":
                value = double.NaN;
                return true;
        }
        foreach (char c in body)
            if (!(c is >= '0' and <= '9' or '.' or 'e' or 'E' or '+' or '-'))
                return false;
        return double.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
            CultureInfo.InvariantCulture, out value);
    }
}
