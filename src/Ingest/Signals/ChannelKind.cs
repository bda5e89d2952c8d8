namespace Neurodecode.Ingest.Signals;

/// <summary>What a channel measures, in MNE's vocabulary (<c>raw.get_channel_types()</c>).</summary>
public enum ChannelKind
{
    Eeg, Mag, Grad, Eog, Ecg, Emg, Stim, Misc, Seeg, Ecog, Bio, Resp, Roi,
}

public static class ChannelKinds
{
    /// <summary>The lower-case name MNE uses ("eeg", "mag", "stim" ...); fMRI regions are "roi".</summary>
    public static string MneName(this ChannelKind kind) => kind.ToString().ToLowerInvariant();

    public static ChannelKind Parse(string name) =>
        Enum.TryParse<ChannelKind>(name, ignoreCase: true, out var kind)
            ? kind
            : throw new FormatException($"unknown channel kind '{name}'");
}
