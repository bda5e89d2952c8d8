using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Formats.RoiTable;

/// <summary>
/// An ROI time-series table as a recording: rows are time points (samples), columns are regions (channels of kind
/// <see cref="ChannelKind.Roi"/>, unit "NA": the values are the atlas pipeline's arbitrary units). Opening scans the
/// file once — validating every cell and remembering where each data row starts — so memory is one offset per
/// row, not the table; <see cref="ReadSegment"/> reads just the rows asked for. The rate is
/// <c>SamplingFrequency</c> or 1 / <c>RepetitionTime</c> from a BIDS-style sidecar <c>&lt;stem&gt;.json</c>, else 1 Hz
/// (the text holds no timing; ABIDE's .1D files have no sidecar).
/// </summary>
public sealed class RoiTableRecording : Recording
{
    /// <summary>Rows read at once by <see cref="ReadSegment"/>: at most this many bytes (or one row).</summary>
    private const int ChunkBytes = 1 << 20;

    private readonly SafeFileHandle _file;
    private readonly RoiTableText _text;
    private readonly long[] _rows;
    private readonly long _length;

    private RoiTableRecording(RecordingInfo info, SafeFileHandle file, RoiTableText text, long[] rows, long length)
        : base(info, [])
    {
        _file = file;
        _text = text;
        _rows = rows;
        _length = length;
    }

    public static RoiTableRecording Open(string path)
    {
        var text = RoiTableText.ForPath(path);
        SafeFileHandle file;
        try
        {
            file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidRecordingException(path, e.Message, e);
        }
        try
        {
            var scan = new Scan(path, text);
            long length = RandomAccess.GetLength(file);
            ForEachLine(file, length, scan.Line);
            var names = scan.Finish();
            double sfreq = SidecarSfreq(path);
            var channels = names.Select(n => new ChannelInfo(n, ChannelKind.Roi, "NA", sfreq)).ToArray();
            var (subject, session, run) = Datasets.RecordingNames.Parse(path);
            var info = new RecordingInfo(RoiTableFormat.FormatName, path, sfreq, scan.Rows.Count, channels)
            {
                Subject = subject,
                Session = session,
                Run = run,
            };
            return new RoiTableRecording(info, file, text, scan.Rows.ToArray(), length);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    protected override void ReadSegment(long start, int count, IReadOnlyList<int> picks, Span<double> dest)
    {
        int columns = Info.NChannels;
        var row = new double[columns];
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            for (int i = 0; i < count;)
            {
                long first = start + i, from = _rows[first];
                int k = 1;
                while (i + k < count && RowEnd(first + k) - from <= ChunkBytes) k++;
                int size = checked((int)(RowEnd(first + k - 1) - from));
                if (buffer.Length < size)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(size);
                }
                ReadExactly(buffer.AsSpan(0, size), from);
                for (int j = 0; j < k; j++)
                {
                    var line = buffer.AsSpan((int)(_rows[first + j] - from), (int)(RowEnd(first + j) - _rows[first + j]));
                    int nl = line.IndexOf((byte)'\n');
                    ParseRow(nl < 0 ? line : line[..nl], row, first + j);
                    for (int p = 0; p < picks.Count; p++)
                        dest[p * count + i + j] = row[picks[p]];
                }
                i += k;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private long RowEnd(long row) => row + 1 < _rows.Length ? _rows[row + 1] : _length;

    private void ReadExactly(Span<byte> buffer, long offset)
    {
        while (!buffer.IsEmpty)
        {
            int n = RandomAccess.Read(_file, buffer, offset);
            if (n == 0)
                throw new InvalidRecordingException(Info.SourcePath, "file is shorter than when it was opened");
            buffer = buffer[n..];
            offset += n;
        }
    }

    private void ParseRow(ReadOnlySpan<byte> line, double[] row, long index)
    {
        var cells = _text.Cells(line);
        if (cells.Count != row.Length)
            throw new InvalidRecordingException(Info.SourcePath, $"data row {index} changed since the file was opened");
        for (int c = 0; c < cells.Count; c++)
            if (!RoiTableText.TryNumber(line[cells[c]], out row[c]))
                throw new InvalidRecordingException(Info.SourcePath, $"data row {index} changed since the file was opened");
    }

    public override void Dispose()
    {
        _file.Dispose();
        base.Dispose();
    }

    private delegate void LineAction(long offset, int number, ReadOnlySpan<byte> line);

    /// <summary>Calls <paramref name="action"/> for every line (without '\n') with its byte offset and 1-based number.</summary>
    private static void ForEachLine(SafeFileHandle file, long length, LineAction action)
    {
        var buffer = new byte[1 << 16];
        int filled = 0, number = 0;
        long position = 0, lineStart = 0;
        while (true)
        {
            if (filled == buffer.Length)
                Array.Resize(ref buffer, buffer.Length * 2);      // a line longer than the buffer
            int n = position < length ? RandomAccess.Read(file, buffer.AsSpan(filled), position) : 0;
            position += n;
            int end = filled + n;
            int consumed = 0;
            for (int nl; (nl = buffer.AsSpan(consumed, end - consumed).IndexOf((byte)'\n')) >= 0;)
            {
                EmitLine(buffer.AsSpan(consumed, nl));
                consumed += nl + 1;
                lineStart += nl + 1;
            }
            if (n == 0)
            {
                if (end > consumed)
                    EmitLine(buffer.AsSpan(consumed, end - consumed));
                return;
            }
            buffer.AsSpan(consumed, end - consumed).CopyTo(buffer);
            filled = end - consumed;
        }

        void EmitLine(ReadOnlySpan<byte> line)
        {
            long offset = lineStart;
            if (++number == 1 && line.StartsWith("\xEF\xBB\xBF"u8))   // UTF-8 byte order mark
            {
                line = line[3..];
                offset += 3;
            }
            action(offset, number, line);
        }
    }

    /// <summary>The one pass over the file at open: header, column count, every cell checked, row offsets.</summary>
    private sealed class Scan(string path, RoiTableText text)
    {
        public List<long> Rows { get; } = [];
        private List<string>? _hashNames, _headerNames;
        private bool _sawFirst;
        private int _columns = -1, _firstDataLine, _headerLine;

        public void Line(long offset, int number, ReadOnlySpan<byte> line)
        {
            if (RoiTableText.IsBlank(line))
                return;
            bool first = !_sawFirst;
            _sawFirst = true;
            if (RoiTableText.IsComment(line))
            {
                if (first)   // "#1 #2 ... #200": names, if as many as the columns
                    _hashNames = Strings(line, text.Cells(line))
                        .Select(s => s.TrimStart('#').Trim()).Where(s => s.Length > 0).ToList();
                return;
            }
            var cells = text.Cells(line);
            if (first && HasWord(line, cells))
            {
                _headerNames = Strings(line, cells).Select(s => s.Trim('"')).ToList();
                _headerLine = number;
                return;
            }
            if (_columns < 0)
            {
                _columns = cells.Count;
                _firstDataLine = number;
            }
            else if (cells.Count != _columns)
                throw new InvalidRecordingException(path,
                    $"line {number} has {cells.Count} values, expected {_columns} (as on line {_firstDataLine})");
            for (int c = 0; c < cells.Count; c++)
            {
                var cell = line[cells[c]];
                if (cell.IsEmpty)
                    throw new InvalidRecordingException(path, $"line {number}, column {c + 1}: empty cell");
                if (!RoiTableText.TryNumber(cell, out _))
                    throw new InvalidRecordingException(path, $"line {number}, column {c + 1}: {RoiTableText.Show(cell)} is not a number");
            }
            Rows.Add(offset);
        }

        private static List<string> Strings(ReadOnlySpan<byte> line, List<Range> cells)
        {
            var strings = new List<string>(cells.Count);
            foreach (var r in cells)
                strings.Add(Encoding.UTF8.GetString(line[r]));
            return strings;
        }

        /// <summary>A cell that is neither empty nor a number: the line is a header of names.</summary>
        private static bool HasWord(ReadOnlySpan<byte> line, List<Range> cells)
        {
            foreach (var r in cells)
                if (!line[r].IsEmpty && !RoiTableText.TryNumber(line[r], out _))
                    return true;
            return false;
        }

        /// <summary>The ROI names; checks that there was data and that a CSV/TSV header fits it.</summary>
        public IReadOnlyList<string> Finish()
        {
            if (Rows.Count == 0)
                throw new InvalidRecordingException(path, "no data rows (expected one line of numbers per time point)");
            List<string> names;
            if (_headerNames is not null)
            {
                if (_headerNames.Count != _columns)
                    throw new InvalidRecordingException(path,
                        $"header (line {_headerLine}) names {_headerNames.Count} columns but line {_firstDataLine} has {_columns} values");
                names = _headerNames;
            }
            else if (_hashNames is not null && _hashNames.Count == _columns)
                names = _hashNames;
            else
                names = Enumerable.Range(1, _columns).Select(k => k.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
            var twice = names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
            if (twice is not null)
                throw new InvalidRecordingException(path, $"ROI name '{twice.Key}' appears more than once in the header");
            return names;
        }
    }

    /// <summary>1 Hz, or the rate a BIDS-style sidecar &lt;stem&gt;.json gives (SamplingFrequency, else 1/RepetitionTime).</summary>
    private static double SidecarSfreq(string path)
    {
        string sidecar = Path.ChangeExtension(path, ".json");
        if (!File.Exists(sidecar))
            return 1.0;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(sidecar));
        }
        catch (JsonException e)
        {
            throw new InvalidRecordingException(sidecar, $"sidecar is not valid JSON ({e.Message.Split('\n')[0]})", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                return 1.0;
            if (doc.RootElement.TryGetProperty("SamplingFrequency", out var fs))
                return Positive(fs, sidecar, "SamplingFrequency", "Hz");
            if (doc.RootElement.TryGetProperty("RepetitionTime", out var tr))
                return 1.0 / Positive(tr, sidecar, "RepetitionTime", "seconds");
            return 1.0;
        }
    }

    private static double Positive(JsonElement e, string sidecar, string key, string unit) =>
        e.ValueKind == JsonValueKind.Number && e.GetDouble() is > 0 and var v && double.IsFinite(v)
            ? v
            : throw new InvalidRecordingException(sidecar, $"{key} = {e.GetRawText()} (expected a positive number of {unit})");
}
