using System.Text.Json;
using Neurodecode.Ingest.Formats;
using Neurodecode.Preprocess.Tokenizers;

namespace Neurodecode.Tests.Preprocess.Tokenizers;

/// <summary>
/// Test inputs: the golden values tools/make_tokenizer_golden.py wrote from NumPy/SciPy (next to these tests), and
/// real windows of EEGMMIDB S001R04 (64 channels, 160 Hz) read with the project's reader, as float32 volts.
/// </summary>
public static class TokenizerData
{
    public static string RecordingPath { get; } = TestPaths.Shared(Path.Combine("eegmmidb", "S001", "S001R04.edf"));

    private static readonly Lazy<JsonElement> GoldenDoc = new(() =>
    {
        string path = Path.Combine(TestPaths.Golden, "tokenizers", "tokenizers_golden.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.Clone();
    });

    private static readonly Lazy<(double Sfreq, string[] Names, double[] Data, int NTimes)> Recording = new(() =>
    {
        using var rec = SignalFormats.OpenRecording(RecordingPath);
        var block = rec.ReadAll();
        return (rec.Info.Sfreq, rec.Info.ChannelNames.ToArray(), block.Data, block.NSamples);
    });

    public static JsonElement Golden => GoldenDoc.Value;

    public static double[] Doubles(JsonElement a) => a.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    public static double[][] Rows(JsonElement a) => a.EnumerateArray().Select(Doubles).ToArray();

    /// <summary>The golden input: one window (1, 3 channels, 400 samples) of float32 volts, 160 Hz.</summary>
    public static (float[] Data, WindowsShape Shape) GoldenInput()
    {
        var channels = Golden.GetProperty("input").GetProperty("values").EnumerateArray()
            .Select(ch => ch.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();
        return (channels.SelectMany(c => c).ToArray(), new WindowsShape(1, channels.Length, channels[0].Length));
    }

    public static double RecordingSfreq => Recording.Value.Sfreq;

    /// <summary>
    /// <paramref name="nWindows"/> consecutive windows of <paramref name="nTimes"/> samples from sample
    /// <paramref name="start"/> on, of the channels <paramref name="names"/> (all 64 when null), as float32 volts.
    /// </summary>
    public static (float[] Data, WindowsShape Shape) Windows(int nWindows, int nTimes, int start, string[]? names = null)
    {
        var (_, all, data, n) = Recording.Value;
        var picks = names?.Select(nm => Array.IndexOf(all, nm)).ToArray() ?? Enumerable.Range(0, all.Length).ToArray();
        Assert.DoesNotContain(-1, picks);
        Assert.True(start + (long)nWindows * nTimes <= n, "windows run past the recording");
        var x = new float[nWindows * picks.Length * nTimes];
        for (int w = 0; w < nWindows; w++)
            for (int c = 0; c < picks.Length; c++)
                for (int t = 0; t < nTimes; t++)
                    x[(w * picks.Length + c) * nTimes + t] = (float)data[picks[c] * n + start + w * nTimes + t];
        return (x, new WindowsShape(nWindows, picks.Length, nTimes));
    }

    /// <summary>max |ours − ref| over max |ref|: the error relative to the vector's scale.</summary>
    public static double RelMaxError(ReadOnlySpan<double> ours, ReadOnlySpan<double> reference)
    {
        Assert.Equal(reference.Length, ours.Length);
        double err = 0, scale = 0;
        for (int i = 0; i < ours.Length; i++)
        {
            err = Math.Max(err, Math.Abs(ours[i] - reference[i]));
            scale = Math.Max(scale, Math.Abs(reference[i]));
        }
        return err / scale;
    }
}
