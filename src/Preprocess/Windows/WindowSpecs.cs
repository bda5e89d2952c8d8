namespace Neurodecode.Preprocess.Windows;

/// <summary>
/// Which annotations become which class in which runs: <c>{"runs": [4, 8, 12], "map": {"T1": "left_fist", "T2": "right_fist"}}</c>.
/// A rule without runs applies to every recording.
/// </summary>
public sealed record EventRule(IReadOnlyDictionary<string, string> Map, IReadOnlyList<int>? Runs = null)
{
    public bool AppliesTo(int? run) => Runs is null || (run is { } r && Runs.Contains(r));
}

/// <summary>
/// MNE's <c>Epochs(raw, events, tmin, tmax, baseline)</c> from annotations, after all steps (events are found on the
/// processed signal, as the reference does after resampling). <c>classes</c> fixes the class ids (their order);
/// <c>baseline</c> is [start, stop] in seconds with null for the epoch's edge (MNE's <c>(None, 0)</c>), or null for none;
/// <c>reject</c> drops epochs whose peak-to-peak amplitude on any channel of a kind exceeds the value (in the units the
/// signal has after the steps), with a report of what was dropped.
/// </summary>
public sealed record EpochsSpec(
    double Tmin,
    double Tmax,
    IReadOnlyList<EventRule> Events,
    IReadOnlyList<string> Classes,
    IReadOnlyList<double?>? Baseline = null,
    IReadOnlyDictionary<string, double>? Reject = null);

/// <summary>Sliding windows over continuous data: <c>length_s</c> long every <c>hop_s</c>, labelled <c>label</c> (or unlabelled).</summary>
public sealed record SlidingWindowsSpec(double LengthS, double HopS, string? Label = null);
