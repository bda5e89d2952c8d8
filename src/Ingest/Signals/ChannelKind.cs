namespace Neurodecode.Ingest.Signals;

/// <summary>What a channel measures, in MNE's vocabulary (<c>raw.get_channel_types()</c>).</summary>
public enum ChannelKind
{
    Eeg, Mag, Grad, Eog, Ecg, Emg, Stim, Misc, Seeg, Ecog, Bio, Resp, Roi,
    /// <summary>MEG reference sensors (CTF, KIT, 4D): MNE's "ref_meg".</summary>
    RefMeg,
    Csd, Dbs, Chpi, Exci, Ias, Syst, Dipole, Gof, Temperature, Gsr,
}

public static class ChannelKinds
{
    /// <summary>The lower-case name MNE uses ("eeg", "mag", "stim", "ref_meg" ...); fMRI regions are "roi".</summary>
    public static string MneName(this ChannelKind kind) => kind switch
    {
        ChannelKind.RefMeg => "ref_meg",
        _ => kind.ToString().ToLowerInvariant(),
    };

    public static ChannelKind Parse(string name)
    {
        foreach (var kind in Enum.GetValues<ChannelKind>())
            if (string.Equals(kind.MneName(), name, StringComparison.OrdinalIgnoreCase))
                return kind;
        throw new FormatException($"unknown channel kind '{name}'");
    }
}
