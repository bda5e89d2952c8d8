using System.Globalization;
using System.Text;

namespace Neurodecode.Ingest.Formats.RoiTable;

/// <summary>
/// The text rules of an ROI table: how a line splits into cells (.1D: runs of spaces/tabs; .csv: commas;
/// .tsv: tabs), which lines are skipped ('#' comments and blank lines, as <c>np.loadtxt</c> skips them) and how a
/// cell becomes a number (invariant culture; <c>nan</c>, <c>inf</c> as NumPy writes them).
/// </summary>
internal sealed class RoiTableText(byte? delimiter)
{
    /// <summary>null = whitespace-separated (AFNI .1D).</summary>
    public byte? Delimiter { get; } = delimiter;

    public static RoiTableText ForPath(string path) =>
        SignalFormats.HasExtension(path, ".csv") ? new((byte)',')
        : SignalFormats.HasExtension(path, ".tsv") ? new((byte)'\t')
        : new(null);

    public static bool IsBlank(ReadOnlySpan<byte> line) => line.Trim(" \t\r"u8).IsEmpty;

    public static bool IsComment(ReadOnlySpan<byte> line) => line.TrimStart(" \t"u8) is [(byte)'#', ..];

    /// <summary>The cells of <paramref name="line"/> (a line without its '\n'), trimmed of spaces and '\r'.</summary>
    public List<Range> Cells(ReadOnlySpan<byte> line)
    {
        var cells = new List<Range>();
        int end = line.Length;
        while (end > 0 && line[end - 1] is (byte)'\r') end--;
        if (Delimiter is null)
        {
            int i = 0;
            while (true)
            {
                while (i < end && line[i] is (byte)' ' or (byte)'\t') i++;
                if (i >= end) break;
                int start = i;
                while (i < end && line[i] is not ((byte)' ' or (byte)'\t')) i++;
                cells.Add(start..i);
            }
            return cells;
        }
        int from = 0;
        while (true)
        {
            int at = line[from..end].IndexOf(Delimiter.Value);
            int to = at < 0 ? end : from + at;
            cells.Add(Trim(line, from, to));
            if (at < 0) break;
            from = to + 1;
        }
        return cells;
    }

    private static Range Trim(ReadOnlySpan<byte> line, int from, int to)
    {
        while (from < to && line[from] is (byte)' ' or (byte)'\t') from++;
        while (to > from && line[to - 1] is (byte)' ' or (byte)'\t') to--;
        return from..to;
    }

    public static bool TryNumber(ReadOnlySpan<byte> cell, out double value)
    {
        if (double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
            return true;
        if (cell.Length > 9)
            return false;
        Span<byte> lower = stackalloc byte[cell.Length];
        for (int i = 0; i < cell.Length; i++)
            lower[i] = cell[i] is >= (byte)'A' and <= (byte)'Z' ? (byte)(cell[i] + 32) : cell[i];
        bool negative = lower is [(byte)'-', ..];
        var word = lower is [(byte)'-' or (byte)'+', ..] ? lower[1..] : lower;
        if (word.SequenceEqual("nan"u8))
            value = double.NaN;
        else if (word.SequenceEqual("inf"u8) || word.SequenceEqual("infinity"u8))
            value = negative ? double.NegativeInfinity : double.PositiveInfinity;
        else
            return false;
        return true;
    }

    /// <summary>A cell quoted in an error message (at most 40 characters).</summary>
    public static string Show(ReadOnlySpan<byte> cell)
    {
        string s = Encoding.UTF8.GetString(cell.Length > 40 ? cell[..40] : cell);
        return "'" + new string(s.Select(c => char.IsControl(c) ? '?' : c).ToArray()) + (cell.Length > 40 ? "...'" : "'");
    }
}
