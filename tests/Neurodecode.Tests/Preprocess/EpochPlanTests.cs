using Neurodecode.Ingest.Signals;
using Neurodecode.Preprocess.Windows;

namespace Neurodecode.Tests.Preprocess;

public class EpochPlanTests
{
    private static readonly Dictionary<string, int> T1T2 = new() { ["T1"] = 1, ["T2"] = 2 };

    [Fact]
    public void Events_round_half_to_even_and_skip_unmapped_descriptions()
    {
        Annotation[] annotations =
        [
            new(0.0, 4.2, "T0"), new(4.2, 4.1, "T2"), new(8.3, 4.2, "T0"), new(12.5, 4.1, "T1"),
            new(0.0125, 0, "T1"), // 0.0125·200 = 2.5 → 2 (half to even, as numpy)
        ];
        var events = Events.FromAnnotations(annotations, 200, T1T2, 25000);
        Assert.Equal([new Event(2, 1, "T1"), new Event(840, 2, "T2"), new Event(2500, 1, "T1")], events);
    }

    [Fact]
    public void Auto_event_id_is_sorted_and_skips_bad_and_edge()
    {
        Annotation[] annotations = [new(0, 0, "T2"), new(1, 0, "BAD_blink"), new(2, 0, "T0"), new(3, 0, "edge"), new(4, 0, "T1")];
        Assert.Equal(new Dictionary<string, int> { ["T0"] = 1, ["T1"] = 2, ["T2"] = 3 }, Events.AutoEventId(annotations));
    }

    [Fact]
    public void Epochs_zero_to_four_seconds_minus_one_sample_are_800_samples_at_200_hz()
    {
        Event[] events = [new(0, 1, "T1"), new(840, 2, "T2"), new(24200, 1, "T1"), new(24201, 2, "T2")];
        var (kept, dropped) = EpochPlan.Epochs(events, 0, 4 - 1.0 / 200, 200, 25000);
        Assert.All(kept, w => Assert.Equal(800, w.Length));
        Assert.Equal([0L, 840L, 24200L], kept.Select(w => w.Start));
        var drop = Assert.Single(dropped);
        Assert.Equal(("TOO_SHORT", 24201L), (drop.Reason, drop.Event.Sample));
    }

    [Fact]
    public void Epochs_with_negative_tmin_start_before_the_event_and_drop_no_data()
    {
        Event[] events = [new(10, 1, "a"), new(100, 1, "a")];
        var (kept, dropped) = EpochPlan.Epochs(events, -0.2, 0.5, 100, 1000);
        Assert.Equal((80L, 71), (Assert.Single(kept).Start, kept[0].Length));
        Assert.Equal("NO_DATA", Assert.Single(dropped).Reason);
    }

    [Fact]
    public void Epochs_overlapping_a_bad_span_are_dropped()
    {
        Event[] events = [new(100, 1, "a"), new(500, 1, "a")];
        var (kept, dropped) = EpochPlan.Epochs(events, 0, 0.99, 100, 1000, [(150, 160)]);
        Assert.Equal(500L, Assert.Single(kept).Start);
        Assert.Equal("BAD_ANNOTATION", Assert.Single(dropped).Reason);
    }

    [Fact]
    public void Sliding_windows_fit_entirely()
    {
        var windows = EpochPlan.Sliding(1000, 400, 250);
        Assert.Equal([0L, 250L, 500L], windows.Select(w => w.Start));
        Assert.Empty(EpochPlan.Sliding(300, 400, 100));
        Assert.Throws<ArgumentException>(() => EpochPlan.Sliding(1000, 0, 10));
    }
}
