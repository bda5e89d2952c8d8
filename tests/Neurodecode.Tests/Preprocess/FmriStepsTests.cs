using System.Text.Json;
using Neurodecode.Ingest.Formats.RoiTable;
using Neurodecode.Ingest.Signals;
using Neurodecode.Preprocess.Steps;

namespace Neurodecode.Tests.Preprocess;

/// <summary>
/// The fMRI steps against tools/make_fmri_steps_golden.py (nilearn's definitions in numpy/scipy) on a real ABIDE CC200
/// series (first 20 ROIs) and the Haxby run-1 Harvard-Oxford parcellation, both at TR 2.5 s.
/// </summary>
public class FmriStepsTests
{
    private static readonly string GoldenDir = Path.Combine(TestPaths.Golden, "fmri_steps");
    private const double Tr = 2.5;

    private static RawData Input(string name)
    {
        if (name == "abide")
        {
            using var rec = RoiTableRecording.Open(TestPaths.Shared("abide/rois_cc200/OHSU_0050143_rois_cc200.1D"));
            var picks = Enumerable.Range(0, 20).ToArray();
            var block = rec.ReadAll(picks: picks);
            var channels = picks.Select(p => rec.Info.Channels[p] with { Sfreq = 1 / Tr }).ToArray();
            return new RawData(new SignalInfo(channels, 1 / Tr, rec.Info.NSamples), block.Data, []);
        }
        var (shape, data) = Npy.Read(Path.Combine(TestPaths.Golden, "parcellation", "haxby_run001_hoc.npy"));
        var rois = Enumerable.Range(0, (int)shape[0]).Select(r => new ChannelInfo($"roi{r}", ChannelKind.Roi, "NA", 1 / Tr)).ToArray();
        return new RawData(new SignalInfo(rois, 1 / Tr, shape[1]), data, []);
    }

    private static Step StepFor(string op) => op switch
    {
        "detrend_0" => new DetrendStep(0),
        "detrend_1" => new DetrendStep(),
        "detrend_2" => new DetrendStep(2),
        "detrend_3" => new DetrendStep(3),
        "zscore_sample" => new ZScoreStep(Ddof: 1),
        "psc" => new PercentSignalChangeStep(),
        "high_pass_cosine" => new HighPassStep(0.01),
        "high_pass_butterworth" or "high_pass_butterworth_sos" => new HighPassStep(0.01, "butterworth"),
        "global_signal_regression" => new GlobalSignalRegressionStep(),
        _ => throw new ArgumentException(op),
    };

    public static TheoryData<string, string> Cases()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(GoldenDir, "cases.json")));
        var data = new TheoryData<string, string>();
        foreach (var input in doc.RootElement.GetProperty("inputs").EnumerateObject())
            foreach (var op in input.Value.GetProperty("operations").EnumerateArray())
                data.Add(input.Name, op.GetString()!);
        return data;
    }

    /// <summary>
    /// Each value within 1e-6 relative, or, for values near zero (detrended, filtered signals cross 0), within 1e-9 of
    /// the channel's largest magnitude: a relative bound cannot hold at a zero crossing.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Step_matches_the_nilearn_reference(string input, string op)
    {
        var raw = Input(input);
        var resolved = StepFor(op).Resolve(raw.Info);
        var output = ((IOfflineStep)resolved).Apply(raw);
        var (shape, expected) = Npy.Read(Path.Combine(GoldenDir, $"{input}__{op}.npy"));
        Assert.Equal([raw.Info.NChannels, raw.Info.NTimes], shape);
        int n = (int)shape[1];
        double worst = 0;
        for (int c = 0; c < shape[0]; c++)
        {
            var e = expected.AsSpan(c * n, n);
            double scale = System.Numerics.Tensors.TensorPrimitives.MaxMagnitude<double>(e);
            for (int i = 0; i < n; i++)
            {
                double error = Math.Abs(output.Data[c * n + i] - e[i]) / Math.Max(Math.Abs(e[i]), 1e-3 * scale);
                worst = Math.Max(worst, error);
            }
        }
        Assert.True(worst < 1e-6, $"{input} {op}: worst error {worst:E2}");
    }

    [Fact]
    public void Cosine_design_counts_the_regressors_as_nilearn()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(GoldenDir, "cases.json")));
        foreach (string input in new[] { "abide", "haxby" })
        {
            var raw = Input(input);
            var design = new HighPassStep(0.01).Resolve(raw.Info).Design!;
            Assert.Equal(doc.RootElement.GetProperty("inputs").GetProperty(input).GetProperty("n_cosines").GetInt32(), (int)design["n_cosines"]!);
        }
    }

    [Fact]
    public void Zscore_ddof_0_is_unchanged_and_ddof_1_uses_the_sample_std()
    {
        var raw = Input("haxby");
        var population = ((IOfflineStep)new ZScoreStep().Resolve(raw.Info)).Apply(Input("haxby"));
        var sample = ((IOfflineStep)new ZScoreStep(Ddof: 1).Resolve(raw.Info)).Apply(Input("haxby"));
        double ratio = Math.Sqrt((raw.NTimes - 1.0) / raw.NTimes);
        for (int i = 0; i < raw.Data.Length; i++)
            Assert.Equal(population.Data[i] * ratio, sample.Data[i], 1e-12);
        Assert.DoesNotContain("ddof", new PipelineSpec("p", [new ZScoreStep()], Windows: new(10, 10)).ToJson());
    }

    [Fact]
    public void Drop_volumes_cuts_samples_and_moves_annotations()
    {
        var raw = Input("haxby");
        var annotations = new[] { new Annotation(5.0, 2.5, "before"), new Annotation(10.0, 22.5, "at_cut"), new Annotation(52.5, 22.5, "face") };
        raw = new RawData(raw.Info, raw.Data, annotations);
        var resolved = new DropVolumesStep(4).Resolve(raw.Info);
        Assert.Equal(117, resolved.Output.NTimes);
        var before = (double[])raw.Data.Clone();
        var output = ((IOfflineStep)resolved).Apply(raw);
        for (int c = 0; c < raw.Info.NChannels; c++)
            Assert.Equal(before.AsSpan(c * 121 + 4, 117).ToArray(), output.Channel(c).ToArray());
        Assert.Equal([new Annotation(0.0, 22.5, "at_cut"), new Annotation(42.5, 22.5, "face")], output.Annotations);
    }

    [Fact]
    public void Drop_volumes_shifts_the_window_plan()
    {
        var info = new RecordingInfo("parcellation", "haxby.nii.gz", 1 / Tr, 121,
            Enumerable.Range(0, 3).Select(r => new ChannelInfo($"roi{r}", ChannelKind.Roi, "NA", 1 / Tr)).ToArray());
        var spec = PipelineSpec.Parse("""
            {"name": "t", "steps": [{"step": "drop_volumes", "n": 4}],
             "epochs": {"tmin": 0, "tmax": 5, "classes": ["face"], "events": [{"map": {"face": "face"}}]}}
            """);
        var pipeline = ResolvedPipeline.Resolve(spec, info, [new Annotation(52.5, 22.5, "face")]);
        var raw = new RawData(SignalInfo.Of(info), Enumerable.Range(0, 3 * 121).Select(i => (double)(i % 121)).ToArray(), [new Annotation(52.5, 22.5, "face")]);
        var windows = pipeline.Run(raw);
        // 52.5 s is volume 21 of the run, volume 17 after dropping 4; the epoch's first sample holds the value 21.
        Assert.Equal(42.5, windows.Windows.Single().OnsetS);
        Assert.Equal(21f, windows.X[0]);
    }

    [Theory]
    [InlineData("""{"step": "high_pass", "freq": 0.2}""", "freq (0.2 Hz) must be below the Nyquist frequency (0.2 Hz")]
    [InlineData("""{"step": "high_pass", "freq": 0.3, "method": "butterworth"}""", "must be below the Nyquist frequency")]
    [InlineData("""{"step": "high_pass", "freq": 0.001}""", "no drift regressor to remove")]
    [InlineData("""{"step": "high_pass", "freq": 0.01, "method": "fir"}""", "method 'fir' is not 'cosine' or 'butterworth'")]
    [InlineData("""{"step": "drop_volumes", "n": 121}""", "n (121) must be less than the number of samples (121)")]
    [InlineData("""{"step": "drop_volumes", "n": 0}""", "n (0) must be at least 1")]
    [InlineData("""{"step": "detrend", "order": -1}""", "order (-1) must be 0")]
    [InlineData("""{"step": "zscore", "ddof": 2}""", "ddof (2) must be 0")]
    public void Bad_values_are_refused_naming_the_file_step_and_value(string step, string problem)
    {
        var info = new RecordingInfo("parcellation", "haxby.nii.gz", 1 / Tr, 121,
            Enumerable.Range(0, 3).Select(r => new ChannelInfo($"roi{r}", ChannelKind.Roi, "NA", 1 / Tr)).ToArray());
        var spec = PipelineSpec.Parse("""{"name": "t", "steps": [""" + step + """], "windows": {"length_s": 25, "hop_s": 25}}""");
        var e = Assert.Throws<PipelineSpecException>(() => ResolvedPipeline.Resolve(spec, info, []));
        Assert.StartsWith("haxby.nii.gz: step 1 '", e.Message);
        Assert.Contains(problem, e.Message);
    }
}
