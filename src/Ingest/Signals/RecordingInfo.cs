namespace Neurodecode.Ingest.Signals;

/// <summary>Everything about a recording except its samples (MNE's <c>raw.info</c> plus the sizes).</summary>
public sealed record RecordingInfo(
    string Format,
    string SourcePath,
    double Sfreq,
    long NSamples,
    IReadOnlyList<ChannelInfo> Channels,
    DateTimeOffset? MeasDate = null)
{
    public int NChannels => Channels.Count;
    public double DurationSeconds => NSamples / Sfreq;
    public string? Subject { get; init; }
    public string? Session { get; init; }
    public string? Run { get; init; }

    /// <summary>MNE's <c>raw.first_samp</c>: the acquisition's sample number of sample 0 (FIF files; 0 elsewhere).
    /// Event arrays (<see cref="StimEvents"/>) count from it, as MNE's do.</summary>
    public long FirstSamp { get; init; }
    public IEnumerable<string> ChannelNames => Channels.Select(c => c.Name);
}
