namespace Neurodecode.Ingest.Signals;

/// <summary>
/// A contiguous piece of a recording: <see cref="NChannels"/> x <see cref="NSamples"/> float64 values,
/// channel-major (row c holds channel c), starting at sample <see cref="FirstSample"/>. Blocks are the unit of streaming.
/// </summary>
public sealed class SignalBlock
{
    public SignalBlock(int nChannels, int nSamples, long firstSample)
        : this(new double[checked(nChannels * nSamples)], nChannels, nSamples, firstSample) { }

    public SignalBlock(double[] data, int nChannels, int nSamples, long firstSample)
    {
        if (data.Length < (long)nChannels * nSamples)
            throw new ArgumentException($"buffer holds {data.Length} values, block needs {nChannels}x{nSamples}");
        Data = data;
        NChannels = nChannels;
        NSamples = nSamples;
        FirstSample = firstSample;
    }

    public double[] Data { get; }
    public int NChannels { get; }
    public int NSamples { get; }
    public long FirstSample { get; }

    public Span<double> Channel(int c) => Data.AsSpan(c * NSamples, NSamples);
    public double this[int channel, int sample] => Data[channel * NSamples + sample];
}
