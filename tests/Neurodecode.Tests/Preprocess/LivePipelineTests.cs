using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Signals;
using Neurodecode.Preprocess.Resampling;
using Neurodecode.Preprocess.Steps;

namespace Neurodecode.Tests.Preprocess;

/// <summary>The live form of a spec: causal substitutes, reported, and a streaming resampler that does not care about
/// block sizes.</summary>
public class LivePipelineTests
{
    private static double[] Channel0(string file, int n)
    {
        using var recording = SignalFormats.OpenRecording(TestPaths.Shared(file));
        return recording.ReadAll(0, n, [0]).Data;
    }

    [Theory]
    [InlineData(5, 4)]
    [InlineData(1, 2)]
    [InlineData(3, 1)]
    public void Causal_polyphase_in_random_blocks_equals_one_block(int up, int down)
    {
        var x = Channel0("eegmmidb/S001/S001R04.edf", 3000);
        var whole = new PolyphaseStream(up, down, 1).Process(x, x.Length, out int n);
        Assert.Equal((x.Length * up + down - 1) / down, n);

        var stream = new PolyphaseStream(up, down, 1);
        var random = new Random(up * 10 + down);
        var pieces = new List<double>();
        for (int s = 0; s < x.Length;)
        {
            int len = Math.Min(random.Next(1, 40), x.Length - s);
            var y = stream.Process(x.AsSpan(s, len), len, out int m);
            Assert.Equal(stream.OutputsAfter(s + len) - stream.OutputsAfter(s), m);
            pieces.AddRange(y);
            s += len;
        }
        Assert.Equal(whole, pieces.ToArray()); // same sums in the same order: bit for bit
    }

    [Fact]
    public void Causal_decimation_is_scipys_resample_poly_delayed_by_half_the_filter()
    {
        // For up 1, down 2 the filter's half length (20 taps) is whole output samples: causal y[o + 10] = resample_poly y[o].
        var x = Channel0("eegmmidb/S002/S002R04.edf", 2000);
        var offline = Resample.Poly(x, 1, 2);
        var causal = new PolyphaseStream(1, 2, 1).Process(x, x.Length, out _);
        for (int o = 0; o + 10 < causal.Length; o++)
            Assert.Equal(offline[o], causal[o + 10], 1e-18); // volts ~1e-5: 1e-13 relative
    }

    [Fact]
    public void CBraMods_pipeline_goes_live_with_each_substitution_reported()
    {
        var spec = PipelineSpec.Load(Path.Combine(TestPaths.RepoRoot, "datasets", "pipelines", "cbramod-physionet-mi.json"));
        using var recording = SignalFormats.OpenRecording(TestPaths.Shared("eegmmidb/S001/S001R04.edf"));
        var live = LivePipeline.Resolve(spec, SignalInfo.Of(recording.Info));

        Assert.Equal([3, 4, 5], live.Substitutions.Select(s => s.Step));
        Assert.Equal("iir", live.Substitutions[0].To["method"]!.GetValue<string>());
        Assert.Equal(60.4, live.Substitutions[1].To["l_freq"]!.GetValue<double>(), 9); // MNE logs -6 dB cutoffs 59.60, 60.40 Hz
        Assert.Equal("causal", live.Substitutions[2].To["phase"]!.GetValue<string>());
        Assert.All(live.Steps, s => Assert.IsAssignableFrom<ICausalStep>(s));
        Assert.Equal(200, live.Output.Sfreq);
        Assert.Equal(64, live.Output.NChannels);
        // 160 -> 200 Hz: output sample j needs input floor(j * 4 / 5).
        Assert.Equal(1, live.InputsFor(0));
        Assert.Equal(640, live.InputsFor(799));
    }

    [Fact]
    public void A_step_without_causal_form_is_refused_by_name()
    {
        var spec = PipelineSpec.Parse("""
            {"name": "z", "steps": [{"step": "pick", "kinds": ["eeg"]}, {"step": "zscore"}], "windows": {"length_s": 1, "hop_s": 1}}
            """);
        using var recording = SignalFormats.OpenRecording(TestPaths.Shared("eegmmidb/S001/S001R04.edf"));
        var e = Assert.Throws<PipelineSpecException>(() => LivePipeline.Resolve(spec, SignalInfo.Of(recording.Info)));
        Assert.StartsWith("step 2 'zscore': z-scoring per recording needs the whole recording", e.Message);
    }
}
