namespace Neurodecode.Ingest.Signals;

/// <summary>An annotation as MNE keeps it: onset in seconds from the first sample, duration in seconds.</summary>
public sealed record Annotation(double Onset, double Duration, string Description);
