using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Formats.Fif;
using Neurodecode.Preprocess.Steps;

namespace Neurodecode.Tests.Preprocess;

/// <summary>
/// The find_events step: MEG epochs cut from trigger codes equal MNE 1.3's
/// <c>Epochs(raw, find_events(raw, 'STI101'), ...)</c> on test_elekta_3ch_raw.fif (fixtures by tools/make_fif_golden.py).
/// </summary>
public class FindEventsStepTests
{
    private static readonly string Spec = Path.Combine(TestPaths.RepoRoot, "datasets", "pipelines", "meg-elekta-triggers.json");
    private static readonly string Elekta = TestPaths.Shared("meg/fif/test_elekta_3ch_raw.fif");

    [Fact]
    public void Meg_epochs_from_triggers_equal_mne()
    {
        var spec = PipelineSpec.Load(Spec);
        using var rec = FifRecording.Open(Elekta);
        var resolved = ResolvedPipeline.Resolve(spec, rec.Info, rec.Annotations);
        Assert.Null(resolved.Windows); // planned after find_events has run
        var windows = resolved.Run(RawData.Read(rec));

        var (_, events) = Npy.Read(Path.Combine(TestPaths.Golden, "meg_epochs", "events.npy"));
        int n = events.Length / 3;
        Assert.Equal(n, windows.Count);
        Assert.Equal(501, windows.NTimes);
        Assert.Equal(3, windows.NChannels);
        for (int i = 0; i < n; i++)
        {
            long start = (long)events[3 * i] - rec.FirstSamp - 100; // tmin = -0.1 s at 1000 Hz
            Assert.Equal(start / 1000.0, windows.Windows[i].OnsetS, 9);
            Assert.Equal((long)events[3 * i + 2] - 1, windows.Y[i]); // ids 1, 2 → classes one, two
        }

        // Windows are float32 (the project's window format), so compare within float32 rounding of each epoch
        // channel's largest value: 1e-6 relative to it.
        var (shape, x) = Npy.Read(Path.Combine(TestPaths.Golden, "meg_epochs", "X_head.npy"));
        int size = 3 * 501;
        for (int e = 0; e < shape[0]; e++)
            for (int c = 0; c < 3; c++)
            {
                var want = x.AsSpan(e * size + c * 501, 501);
                double scale = 0;
                foreach (double v in want) scale = Math.Max(scale, Math.Abs(v));
                for (int t = 0; t < 501; t++)
                {
                    double got = windows.X[e * size + c * 501 + t];
                    Assert.True(Math.Abs(got - want[t]) <= 1e-6 * scale, $"epoch {e} channel {c} sample {t}: {got} vs MNE {want[t]}");
                }
            }
    }

    [Fact]
    public void The_step_round_trips_through_json_and_defaults_to_mne_stim_channel()
    {
        var spec = PipelineSpec.Load(Spec);
        var again = PipelineSpec.Parse(spec.ToJson());
        Assert.Equal(new[] { "STI101" }, ((FindEventsStep)again.Steps[0]).StimChannel);
        var auto = PipelineSpec.Parse("""{"name": "t", "steps": [{"step": "find_events"}], "windows": {"length_s": 1, "hop_s": 1}}""");
        using var rec = SignalFormats.OpenRecording(Elekta);
        var resolved = ResolvedPipeline.Resolve(auto, rec.Info, rec.Annotations);
        Assert.Equal("STI101", resolved.Steps[0].Design!["stim_channel"]![0]!.GetValue<string>());
    }

    [Theory]
    [InlineData("meg/fif/test_elekta_3ch_raw.fif", """{"step": "find_events", "stim_channel": "STI 014"}""", "step 1 'find_events': stim channel 'STI 014' not found")]
    [InlineData("meg/fif/mgh70_raw.fif", """{"step": "find_events"}""", "step 1 'find_events': no stim channels found")]
    public void Missing_stim_channels_fail_before_any_work(string file, string step, string expected)
    {
        var spec = PipelineSpec.Parse($$$"""{"name": "t", "steps": [{{{step}}}], "windows": {"length_s": 1, "hop_s": 1}}""");
        string path = TestPaths.Shared(file);
        using var rec = SignalFormats.OpenRecording(path);
        var ex = Assert.Throws<PipelineSpecException>(() => ResolvedPipeline.Resolve(spec, rec.Info, rec.Annotations));
        Assert.Contains(expected, ex.Message);
        Assert.StartsWith(path, ex.Message);
    }

    [Fact]
    public void An_event_that_never_occurs_is_named_after_the_steps_run()
    {
        var spec = PipelineSpec.Parse("""
            {"name": "t", "steps": [{"step": "find_events"}],
             "epochs": {"tmin": 0, "tmax": 0.1, "classes": ["a"], "events": [{"map": {"999": "a"}}]}}
            """);
        using var rec = FifRecording.Open(Elekta);
        var resolved = ResolvedPipeline.Resolve(spec, rec.Info, rec.Annotations);
        var ex = Assert.Throws<PipelineSpecException>(() => resolved.Run(RawData.Read(rec)));
        Assert.Contains("event '999' never occurs", ex.Message);
        Assert.Contains("'128'", ex.Message);
    }
}
