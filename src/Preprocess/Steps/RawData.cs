using Neurodecode.Ingest.Signals;

namespace Neurodecode.Preprocess.Steps;

/// <summary>What a signal looks like between steps: its channels, rate and length (MNE's <c>raw.info</c> + n_times).</summary>
public sealed record SignalInfo(IReadOnlyList<ChannelInfo> Channels, double Sfreq, long NTimes)
{
    public int NChannels => Channels.Count;

    public static SignalInfo Of(RecordingInfo info) => new(info.Channels, info.Sfreq, info.NSamples);

    /// <summary>Indices of the channels MNE's <c>Raw.filter</c> touches ("data" channels): EEG, MEG (not the ref_meg
    /// sensors), CSD, sEEG, DBS, ECoG, fMRI ROIs.</summary>
    public int[] DataChannels() =>
        Enumerable.Range(0, NChannels).Where(i => Channels[i].Kind is ChannelKind.Eeg or ChannelKind.Mag or ChannelKind.Grad
            or ChannelKind.Csd or ChannelKind.Seeg or ChannelKind.Dbs or ChannelKind.Ecog or ChannelKind.Roi).ToArray();
}

/// <summary>
/// A whole recording in memory (MNE's Raw after <c>preload=True</c>): channel-major float64 data, its
/// <see cref="SignalInfo"/> and annotations (seconds, unchanged by resampling, as in MNE).
/// </summary>
public sealed class RawData(SignalInfo info, double[] data, IReadOnlyList<Annotation> annotations)
{
    public SignalInfo Info { get; } = info.NChannels * info.NTimes <= data.Length ? info
        : throw new ArgumentException($"data holds {data.Length} values, expected {info.NChannels}x{info.NTimes}");
    public double[] Data { get; } = data;
    public IReadOnlyList<Annotation> Annotations { get; } = annotations;
    public int NTimes => (int)Info.NTimes;

    public Span<double> Channel(int c) => Data.AsSpan(c * NTimes, NTimes);

    public static RawData Read(Recording recording)
    {
        var block = recording.ReadAll();
        return new RawData(SignalInfo.Of(recording.Info), block.Data, recording.Annotations);
    }
}
