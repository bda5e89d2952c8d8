namespace Neurodecode.Ingest.Signals;

/// <summary>
/// One channel as MNE describes it. <see cref="Unit"/> is the SI unit of the values readers return
/// (V, T, T/m, or "NA" for unitless stim/misc data); <see cref="OrigUnit"/> is the unit string in the file.
/// <see cref="Sfreq"/> is the channel's native rate in the file; readers return every channel at the
/// recording's rate (slower channels are upsampled as MNE does).
/// </summary>
public sealed record ChannelInfo(
    string Name,
    ChannelKind Kind,
    string Unit,
    double Sfreq,
    string? OrigUnit = null,
    double? PhysicalMin = null,
    double? PhysicalMax = null);
