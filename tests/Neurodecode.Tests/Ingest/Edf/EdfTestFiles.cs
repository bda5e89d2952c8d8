using System.Text;

namespace Neurodecode.Tests.Ingest.Edf;

/// <summary>Paths of the real EDF/BDF fixtures, and a small EDF/BDF writer for cases no fixture covers.</summary>
internal static class EdfTestFiles
{
    public static string Edf(string name) => TestPaths.Shared(Path.Combine("formats", "edf", name));
    public static string Bdf(string name) => TestPaths.Shared(Path.Combine("formats", "bdf", name));
    public static string Eegmmidb(string name) => TestPaths.Shared(Path.Combine("eegmmidb", name[..4], name));
    public static string Invalid(string name) => TestPaths.Shared(Path.Combine("formats", "invalid", name));

    /// <summary>S001R04: 64 EEG signals at 160 samples/record + an 80-sample annotation signal, 125 records.</summary>
    public const int EegmmidbHeaderBytes = 256 * 66;
    public const int EegmmidbRecordBytes = (64 * 160 + 80) * 2;

    /// <summary>Offset of a per-signal header field: <paramref name="fieldOffset"/> is the byte offset of the field's
    /// block inside the signal part (labels 0, transducer 16, unit 96, pmin 104, pmax 112, dmin 120, dmax 128,
    /// prefilter 136, samples 216), <paramref name="width"/> its width.</summary>
    public static int SignalField(int ns, int signal, int fieldOffset, int width) => 256 + fieldOffset * ns + signal * width;

    public static void Patch(byte[] bytes, int offset, string text, int width) =>
        Encoding.Latin1.GetBytes(text.PadRight(width)[..width]).CopyTo(bytes, offset);

    public sealed record Signal(string Label, int SamplesPerRecord, string Unit = "uV",
        double PhysicalMin = -3276.8, double PhysicalMax = 3276.7, int DigitalMin = -32768, int DigitalMax = 32767);

    /// <summary>
    /// Writes an EDF (or BDF) file. <paramref name="sample"/> gives the digital value of (record, signal, sample);
    /// <paramref name="tal"/> gives the TAL text of an annotation signal in a record (padded with NULs).
    /// </summary>
    public static byte[] Write(IReadOnlyList<Signal> signals, int records, double recordDuration = 1,
        Func<int, int, int, int>? sample = null, Func<int, int, string>? tal = null, bool bdf = false,
        string recordingId = "Startdate 10-DEC-2009 X X X", string startDate = "10.12.09", string startTime = "12.44.02")
    {
        int ns = signals.Count, bps = bdf ? 3 : 2;
        var header = new StringBuilder();
        void Field(string text, int width) => header.Append(text.PadRight(width)[..width]);
        Field("0", 8);
        Field("X X X X", 80);
        Field(recordingId, 80);
        Field(startDate, 8);
        Field(startTime, 8);
        Field((256 * (ns + 1)).ToString(), 8);
        Field(bdf ? "BDF+C" : "EDF+C", 44);
        Field(records.ToString(), 8);
        Field(recordDuration.ToString(System.Globalization.CultureInfo.InvariantCulture), 8);
        Field(ns.ToString(), 4);
        foreach (var s in signals) Field(s.Label, 16);
        foreach (var _ in signals) Field("", 80);
        foreach (var s in signals) Field(s.Unit, 8);
        foreach (var s in signals) Field(F(s.PhysicalMin), 8);
        foreach (var s in signals) Field(F(s.PhysicalMax), 8);
        foreach (var s in signals) Field(s.DigitalMin.ToString(), 8);
        foreach (var s in signals) Field(s.DigitalMax.ToString(), 8);
        foreach (var _ in signals) Field("", 80);
        foreach (var s in signals) Field(s.SamplesPerRecord.ToString(), 8);
        foreach (var _ in signals) Field("", 32);
        var bytes = new List<byte>(Encoding.Latin1.GetBytes(header.ToString()));
        if (bdf)
        {
            bytes[0] = 0xFF;
            for (int i = 0; i < 7; i++) bytes[1 + i] = (byte)"BIOSEMI"[i];
        }
        for (int r = 0; r < records; r++)
            for (int si = 0; si < ns; si++)
            {
                var s = signals[si];
                if (s.Label is "EDF Annotations" or "BDF Annotations")
                {
                    var text = Encoding.UTF8.GetBytes(tal?.Invoke(r, si) ?? "");
                    var field = new byte[s.SamplesPerRecord * bps];
                    Array.Copy(text, field, Math.Min(text.Length, field.Length));
                    bytes.AddRange(field);
                    continue;
                }
                for (int i = 0; i < s.SamplesPerRecord; i++)
                {
                    int v = sample?.Invoke(r, si, i) ?? 0;
                    bytes.Add((byte)v);
                    bytes.Add((byte)(v >> 8));
                    if (bdf) bytes.Add((byte)(v >> 16));
                }
            }
        return bytes.ToArray();

        static string F(double v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
