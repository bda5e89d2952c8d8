using Neurodecode.Ingest.Signals;
using Neurodecode.Preprocess.Steps;

namespace Neurodecode.Tests.Preprocess;

/// <summary>The memoryless steps and epoch options on small signals whose answers are known by hand.</summary>
public class StepTests
{
    private static RawData Signal(params (string Name, ChannelKind Kind, double[] Values)[] channels)
    {
        int n = channels[0].Values.Length;
        var info = new SignalInfo(channels.Select(c => new ChannelInfo(c.Name, c.Kind, "V", 100)).ToArray(), 100, n);
        return new RawData(info, channels.SelectMany(c => c.Values).ToArray(), []);
    }

    private static RawData Apply(Step step, RawData raw) => ((IOfflineStep)step.Resolve(raw.Info)).Apply(raw);

    [Fact]
    public void Average_reference_subtracts_the_eeg_mean_from_eeg_only()
    {
        var raw = Signal(("a", ChannelKind.Eeg, [1, 2]), ("b", ChannelKind.Eeg, [3, 6]), ("eog", ChannelKind.Eog, [10, 10]));
        var out_ = Apply(new SetEegReferenceStep(["average"]), raw);
        Assert.Equal([-1, -2, 1, 2, 10, 10], out_.Data);
    }

    [Fact]
    public void Reference_to_named_channels_subtracts_their_mean()
    {
        var raw = Signal(("a", ChannelKind.Eeg, [1, 2]), ("b", ChannelKind.Eeg, [3, 6]), ("c", ChannelKind.Eeg, [5, 4]));
        var out_ = Apply(new SetEegReferenceStep(["b"]), raw);
        Assert.Equal([-2, -4, 0, 0, 2, -2], out_.Data);
    }

    [Fact]
    public void Bipolar_pairs_are_appended_and_their_channels_dropped()
    {
        var raw = Signal(("C3", ChannelKind.Eeg, [1, 2]), ("C4", ChannelKind.Eeg, [3, 6]), ("Cz", ChannelKind.Eeg, [5, 4]));
        var resolved = new SetBipolarReferenceStep(["C3"], ["Cz"]).Resolve(raw.Info);
        Assert.Equal(["C4", "C3-Cz"], resolved.Output.Channels.Select(c => c.Name));
        Assert.Equal([3, 6, -4, -2], ((IOfflineStep)resolved).Apply(raw).Data);
    }

    [Fact]
    public void Scale_to_microvolts_then_factor_and_clip()
    {
        var raw = Signal(("a", ChannelKind.Eeg, [1e-6, -3e-4]), ("stim", ChannelKind.Stim, [1, 2]));
        var scaled = Apply(new ScaleStep("uV", 0.01), raw);
        Assert.Equal(0.01, scaled.Data[0], 15);
        Assert.Equal(-3.0, scaled.Data[1], 12);
        Assert.Equal([1, 2], scaled.Data[2..]);
        var clipped = Apply(new ClipStep(-1, 1), scaled);
        Assert.Equal(-1, clipped.Data[1]);
    }

    [Fact]
    public void Zscore_frozen_and_per_recording()
    {
        var raw = Signal(("a", ChannelKind.Eeg, [1, 3]));
        Assert.Equal([-1, 1], Apply(new ZScoreStep(), raw).Data);
        Assert.Equal([0, 1], Apply(new ZScoreStep([1], [2]), Signal(("a", ChannelKind.Eeg, [1, 3]))).Data);
        Assert.Throws<ArgumentException>(() => new ZScoreStep([1], null).Resolve(raw.Info));
    }

    [Fact]
    public void Epochs_are_baselined_and_rejected_by_peak_to_peak_with_a_report()
    {
        double[] a = new double[400], b = new double[400];
        for (int i = 0; i < 400; i++) { a[i] = 1 + (i >= 270 ? 50 : 0); b[i] = 2; }
        var raw = new RawData(new SignalInfo([new ChannelInfo("a", ChannelKind.Eeg, "V", 100), new ChannelInfo("b", ChannelKind.Eeg, "V", 100)], 100, 400),
            [.. a, .. b], [new Annotation(1.0, 0, "T1"), new Annotation(2.5, 0, "T1")]);
        var spec = PipelineSpec.Parse("""
            {"name": "x", "steps": [], "epochs": {"tmin": -0.1, "tmax": 0.4, "baseline": [null, 0], "reject": {"eeg": 10},
             "classes": ["go"], "events": [{"map": {"T1": "go"}}]}}
            """);
        var recording = new RecordingInfo("test", "x.edf", 100, 400, raw.Info.Channels);
        var set = ResolvedPipeline.Resolve(spec, recording, raw.Annotations).Run(raw);
        Assert.Equal(1, set.Count);
        Assert.All(set.X, v => Assert.Equal(0f, v)); // constant channels minus their baseline
        Assert.Contains("peak-to-peak 50 > 10 on 'a'", Assert.Single(set.Dropped));
    }
}
