using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Signals;
using Neurodecode.Preprocess.Steps;
using Neurodecode.Tests.Worker;

namespace Neurodecode.Tests.Preprocess;

/// <summary>Specs read strictly, resolve before any work, and bad ones fail with the step and the value named.</summary>
public class PipelineSpecTests
{
    private static readonly string CbramodSpec = Path.Combine(TestPaths.RepoRoot, "datasets", "pipelines", "cbramod-physionet-mi.json");
    private static readonly string S001R04 = TestPaths.Shared("eegmmidb/S001/S001R04.edf");

    [Fact]
    public void The_shipped_spec_round_trips_through_json()
    {
        var spec = PipelineSpec.Load(CbramodSpec);
        var again = PipelineSpec.Parse(spec.ToJson());
        Assert.Equal(spec.ToJson(), again.ToJson());
        Assert.Equal(["pick", "set_eeg_reference", "filter", "notch_filter", "resample", "scale"], spec.Steps.Select(s => s.Name));
    }

    [Fact]
    public void A_live_chain_refuses_zero_phase_steps_by_name()
    {
        using var recording = SignalFormats.OpenRecording(S001R04);
        var resolved = ResolvedPipeline.Resolve(PipelineSpec.Load(CbramodSpec), recording.Info, recording.Annotations);
        var e = Assert.Throws<PipelineSpecException>(() => resolved.CausalSteps());
        Assert.Contains("step 3 'filter'", e.Message);
    }

    public static TheoryData<string, string, string> BadSpecs() => new()
    {
        { "unknown step", """{"name":"x","steps":[{"step":"bandpass","l_freq":1}],"windows":{"length_s":1,"hop_s":1}}""", "bandpass" },
        { "unknown key", """{"name":"x","steps":[{"step":"filter","l_freq":1,"h_freq":null,"lfreq":2}],"windows":{"length_s":1,"hop_s":1}}""", "lfreq" },
        { "cutoff above Nyquist", """{"name":"x","steps":[{"step":"filter","l_freq":null,"h_freq":90}],"windows":{"length_s":1,"hop_s":1}}""", "step 1 'filter': h_freq (90.0) must be less than the Nyquist frequency 80.0" },
        { "notch above Nyquist", """{"name":"x","steps":[{"step":"notch_filter","freqs":[100]}],"windows":{"length_s":1,"hop_s":1}}""", "step 1 'notch_filter': notch frequency (100)" },
        { "window longer than recording", """{"name":"x","steps":[],"windows":{"length_s":500,"hop_s":1}}""", "windows.length_s (500 s = 80000 samples) is longer than the recording (20000 samples)" },
        { "epoch longer than recording", """{"name":"x","steps":[],"epochs":{"tmin":0,"tmax":300,"classes":["a"],"events":[{"map":{"T1":"a"}}]}}""", "longer than the recording" },
        { "event never occurs", """{"name":"x","steps":[],"epochs":{"tmin":0,"tmax":1,"classes":["a"],"events":[{"map":{"T7":"a"}}]}}""", "event 'T7' never occurs" },
        { "run without rule", """{"name":"x","steps":[],"epochs":{"tmin":0,"tmax":1,"classes":["a"],"events":[{"runs":[6],"map":{"T1":"a"}}]}}""", "no rule applies to run 4" },
        { "missing channel", """{"name":"x","steps":[{"step":"pick","names":["C3"]}],"windows":{"length_s":1,"hop_s":1}}""", "step 1 'pick': channel(s) 'C3' not found" },
        { "both window kinds", """{"name":"x","steps":[],"windows":{"length_s":1,"hop_s":1},"epochs":{"tmin":0,"tmax":1,"classes":["a"],"events":[{"map":{"T1":"a"}}]}}""", "exactly one of 'epochs' and 'windows'" },
    };

    [Theory]
    [MemberData(nameof(BadSpecs))]
    public void Bad_specs_fail_before_any_work_with_the_step_and_value(string what, string json, string expected)
    {
        using var tmp = TestPaths.TempDir();
        string spec = tmp.File("spec.json");
        File.WriteAllText(spec, json);
        var r = Cli.Run("preprocess", "--pipeline", spec, "--out", tmp.File("out"), S001R04);
        Assert.True(r.ExitCode == 2, $"{what}: exit {r.ExitCode}, {r.Stderr}");
        string line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, line);
        Assert.False(Directory.Exists(tmp.File("out")), "no output folder for a failed run");
    }

    [Fact]
    public void Files_with_different_channel_sets_are_refused_naming_the_channels()
    {
        using var tmp = TestPaths.TempDir();
        string spec = tmp.File("spec.json");
        File.WriteAllText(spec, """{"name":"x","steps":[{"step":"resample","sfreq":200}],"windows":{"length_s":1,"hop_s":1}}""");
        var r = Cli.Run("preprocess", "--pipeline", spec, "--out", tmp.File("out"), S001R04, TestPaths.Shared("formats/edf/test_utf8_annotations.edf"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("channel set differs", r.Stderr);
        Assert.Contains("only in S001R04.edf: 'Fc5.'", r.Stderr);
    }

    [Theory]
    [InlineData("Fc5.", "FC5")]
    [InlineData("C3..", "C3")]
    [InlineData("Fp1.", "Fp1")]
    [InlineData("Afz.", "AFz")]
    [InlineData("Fpz.", "Fpz")]
    [InlineData("Poz.", "POz")]
    [InlineData("T9..", "T9")]
    [InlineData("EEG T3-REF", "T7")]
    [InlineData("T5", "P7")]
    [InlineData("Status", "Status")]
    public void Channel_names_become_standard_10_10_labels(string name, string standard)
    {
        var aliases = new Dictionary<string, string> { ["T3"] = "T7", ["T4"] = "T8", ["T5"] = "P7", ["T6"] = "P8" };
        Assert.Equal(standard, StandardizeChannelNamesStep.Standard(name, aliases));
    }

    [Fact]
    public void Standardized_eegmmidb_names_can_be_picked_by_standard_name()
    {
        using var recording = SignalFormats.OpenRecording(S001R04);
        var spec = PipelineSpec.Parse("""{"name":"x","steps":[{"step":"standardize_channel_names"},{"step":"pick","names":["C3","Cz","C4"]}],"windows":{"length_s":4,"hop_s":4}}""");
        var resolved = ResolvedPipeline.Resolve(spec, recording.Info, recording.Annotations);
        Assert.Equal(["C3", "Cz", "C4"], resolved.Output.Channels.Select(c => c.Name));
        var set = resolved.Run(RawData.Read(recording));
        Assert.Equal(31, set.Count); // 125 s in 4-s windows
        int c3 = recording.Info.ChannelNames.ToList().IndexOf("C3..");
        var whole = recording.ReadAll(0, 640, [c3]);
        Assert.Equal((float)whole.Data[0], set.X[0]);
    }
}
