using System.Globalization;
using System.Text;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Tests.Ingest.Parquet;

/// <summary>
/// The real samples of one EEGMMIDB run (S001R04: 64 EEG channels at 160 Hz, EDF+C), read here with the least EDF
/// needed so these tests do not depend on the EDF reader: header sizes, labels, the int16 samples and the TAL
/// annotations (T0/T1/T2). In this dataset physical == digital range and the unit is uV, so V = int16 * 1e-6.
/// </summary>
public static class EegmmidbSample
{
    /// <summary>The copy bundled with the repository (identical to ../shared/datasets/eegmmidb/S001/S001R04.edf).</summary>
    public static string FilePath { get; } = Path.Combine(TestPaths.RepoRoot, "datasets", "sample", "S001R04.edf");

    public static ArrayRecording Load(long? nSamples = null)
    {
        string path = FilePath;
        byte[] file = File.ReadAllBytes(path);
        string Field(int offset, int width) => Encoding.ASCII.GetString(file, offset, width).Trim();

        int ns = int.Parse(Field(252, 4), CultureInfo.InvariantCulture);
        int nRecords = int.Parse(Field(236, 8), CultureInfo.InvariantCulture);
        double recordSeconds = double.Parse(Field(244, 8), CultureInfo.InvariantCulture);
        var start = DateTimeOffset.ParseExact(Field(168, 8) + " " + Field(176, 8), "dd.MM.yy HH.mm.ss",
            CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        var labels = Enumerable.Range(0, ns).Select(i => Field(256 + i * 16, 16)).ToArray();
        var perRecord = Enumerable.Range(0, ns)
            .Select(i => int.Parse(Field(256 + ns * 216 + i * 8, 8), CultureInfo.InvariantCulture)).ToArray();
        int annotationSignal = Array.IndexOf(labels, "EDF Annotations");
        int nEeg = annotationSignal;   // the 64 EEG signals come first
        int spr = perRecord[0];
        int n = nRecords * spr;
        double sfreq = spr / recordSeconds;

        var data = new double[nEeg * n];
        var tal = new StringBuilder();
        int recordBytes = perRecord.Sum() * 2;
        for (int r = 0; r < nRecords; r++)
        {
            int at = 256 * (ns + 1) + r * recordBytes;
            for (int s = 0; s < ns; s++)
            {
                if (s == annotationSignal)
                    tal.Append(Encoding.UTF8.GetString(file, at, perRecord[s] * 2)).Append('\0');
                else
                    for (int j = 0; j < perRecord[s]; j++)
                        data[s * n + r * spr + j] = BitConverter.ToInt16(file, at + 2 * j) * 1e-6;
                at += perRecord[s] * 2;
            }
        }

        var channels = labels.Take(nEeg)
            .Select(l => new ChannelInfo(l, ChannelKind.Eeg, "V", sfreq, "uV", -8092e-6, 8092e-6)).ToArray();
        var info = new RecordingInfo("edf", path, sfreq, nSamples ?? n, channels, start)
        {
            Subject = "001",
            Run = "04",
        };
        return new ArrayRecording(info, ParseTal(tal.ToString()), data, n);
    }

    /// <summary>EDF+ TALs: "+onset[\x15duration]\x14text\x14...\0"; the empty first text of a record is its time stamp.</summary>
    private static List<Annotation> ParseTal(string tal)
    {
        var annotations = new List<Annotation>();
        foreach (string entry in tal.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = entry.Split('\x14');
            var time = parts[0].Split('\x15');
            double onset = double.Parse(time[0], CultureInfo.InvariantCulture);
            double duration = time.Length > 1 && time[1] != "" ? double.Parse(time[1], CultureInfo.InvariantCulture) : 0;
            foreach (string text in parts.Skip(1).Where(t => t != ""))
                annotations.Add(new Annotation(onset, duration, text));
        }
        return annotations;
    }
}
