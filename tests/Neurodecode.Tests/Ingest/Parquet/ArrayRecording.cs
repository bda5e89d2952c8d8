using Neurodecode.Ingest.Signals;

namespace Neurodecode.Tests.Ingest.Parquet;

/// <summary>
/// A recording held in memory: <paramref name="data"/> is channels x <c>period</c> samples, channel-major. With
/// <paramref name="nSamples"/> longer than the data, the data repeat (sample s is data sample s % period), so a long
/// recording costs no more memory than its period. This is the data under test, not a stand-in for a reader.
/// </summary>
public sealed class ArrayRecording(RecordingInfo info, IReadOnlyList<Annotation> annotations, double[] data,
    int period) : Recording(info, annotations)
{
    public double[] Data { get; } = data;
    public int Period { get; } = period;

    /// <summary>Called after every segment read (the memory tests sample the heap here).</summary>
    public Action? OnSegment { get; set; }

    public double Value(int channel, long sample) => Data[channel * Period + (int)(sample % Period)];

    protected override void ReadSegment(long start, int count, IReadOnlyList<int> picks, Span<double> dest)
    {
        for (int i = 0; i < picks.Count; i++)
        {
            var row = dest.Slice(i * count, count);
            for (int j = 0; j < count; j++)
                row[j] = Value(picks[i], start + j);
        }
        OnSegment?.Invoke();
    }
}
