using Neurodecode.Preprocess.Tokenizers;

namespace Neurodecode.Tests.Preprocess.Tokenizers;

/// <summary>Spectral tokens against NumPy/SciPy (tokenizers_golden.json) on real EEG, and against closed forms.</summary>
public class SpectralTokenizerTests
{
    private static readonly double GoldenSfreq = TokenizerData.Golden.GetProperty("input").GetProperty("sfreq").GetDouble();

    private static PatchView GoldenPatches(float[] x, WindowsShape shape) =>
        new PatchTokenizer(new PatchTokenizerConfig(PatchLen: 200)).View(x, shape);

    [Fact]
    public void Project_reader_gives_the_golden_input()
    {
        var input = TokenizerData.Golden.GetProperty("input");
        var names = input.GetProperty("channels").EnumerateArray().Select(c => c.GetString()!).ToArray();
        var (golden, shape) = TokenizerData.GoldenInput();
        var (ours, ourShape) = TokenizerData.Windows(1, shape.NTimes, input.GetProperty("start").GetInt32(), names);
        Assert.Equal(shape, ourShape);
        Assert.Equal(GoldenSfreq, TokenizerData.RecordingSfreq);
        Assert.Equal(golden, ours); // float32 of the same volts: bit for bit
    }

    [Fact]
    public void Magnitude_equals_cbramod_rfft_forward_norm()
    {
        var (x, shape) = TokenizerData.GoldenInput();
        var mag = SpectralTokenizer.Magnitude(GoldenPatches(x, shape));
        var golden = TokenizerData.Rows(TokenizerData.Golden.GetProperty("magnitude"));
        Assert.Equal(golden.Length * 101, mag.Length);
        for (int i = 0; i < golden.Length; i++)
        {
            var ours = mag.AsSpan(i * 101, 101).ToArray().Select(v => (double)v).ToArray();
            double err = TokenizerData.RelMaxError(ours, golden[i]);
            Assert.True(err < 1e-7, $"patch {i}: {err:E2}"); // float32 output; the golden has 12 digits
        }
    }

    [Theory]
    [InlineData(SpectralWindow.Hann, "hann")]
    [InlineData(SpectralWindow.Boxcar, "boxcar")]
    public void Periodogram_equals_scipy(SpectralWindow window, string name)
    {
        var (x, _) = TokenizerData.GoldenInput();
        var golden = TokenizerData.Rows(TokenizerData.Golden.GetProperty("periodogram").GetProperty(name));
        var taper = SpectralTokenizer.Taper(window, 200);
        var pxx = new double[101];
        for (int i = 0; i < golden.Length; i++)
        {
            var patch = x.AsSpan(i * 200, 200).ToArray().Select(v => (double)v).ToArray();
            SpectralTokenizer.Periodogram(patch, GoldenSfreq, taper, pxx);
            double err = TokenizerData.RelMaxError(pxx, golden[i]);
            Assert.True(err < 5e-12, $"patch {i}: {err:E2}");
        }
    }

    [Theory]
    [InlineData(SpectralWindow.Hann, "hann")]
    [InlineData(SpectralWindow.Boxcar, "boxcar")]
    public void Band_power_equals_scipy_periodogram_summed_over_bands(SpectralWindow window, string name)
    {
        var (x, shape) = TokenizerData.GoldenInput();
        var tok = new SpectralTokenizer(new SpectralTokenizerConfig(GoldenSfreq, Window: window));
        Assert.Equal(TokenizerData.Golden.GetProperty("bands").EnumerateArray().Select(b => b.GetProperty("name").GetString()),
            tok.Config.Bands.Select(b => b.Name));
        var power = tok.BandPower(GoldenPatches(x, shape));
        var golden = TokenizerData.Rows(TokenizerData.Golden.GetProperty("band_power").GetProperty(name));
        Assert.Equal(golden.Length * 5, power.Length);
        for (int i = 0; i < golden.Length; i++)
            for (int b = 0; b < 5; b++)
                Assert.True(Math.Abs(power[i * 5 + b] - golden[i][b]) <= 1e-7 * golden[i][b],
                    $"patch {i} band {b}: {power[i * 5 + b]:E9} vs {golden[i][b]:E9}");
    }

    [Fact]
    public void Band_bins_are_half_open_on_the_bin_frequencies()
    {
        // 160 Hz, 200 samples: bins every 0.8 Hz; delta [0.5, 4) holds 0.8 … 3.2, theta [4, 8) holds 4.0 … 7.2.
        var bins = new SpectralTokenizer(new SpectralTokenizerConfig(160)).BandBins(200);
        Assert.Equal([(1, 5), (5, 10), (10, 17), (17, 38), (38, 57)], bins);
    }

    [Fact]
    public void Sine_amplitude_and_power_come_out_exactly()
    {
        // A 10 Hz sine of amplitude A in a 1-s, 200 Hz patch: |rfft|/n at 10 Hz is A/2, and its power A²/2 is all in alpha.
        const double A = 3.0;
        var x = Enumerable.Range(0, 200).Select(t => (float)(A * Math.Sin(2 * Math.PI * 10 * t / 200.0) + 0.25)).ToArray();
        var view = PatchView.FromPatches(x, new PatchShape(1, 1, 1, 200));
        var mag = SpectralTokenizer.Magnitude(view);
        Assert.Equal(A / 2, mag[10], 1e-5);
        Assert.Equal(0.25, mag[0], 1e-6);
        var power = new SpectralTokenizer(new SpectralTokenizerConfig(200, Window: SpectralWindow.Boxcar)).BandPower(view);
        Assert.Equal(A * A / 2, power[2], 1e-5);
        foreach (int b in new[] { 0, 1, 3, 4 }) Assert.True(Math.Abs(power[b]) < 1e-9, $"band {b}: {power[b]}");
        // Hann leaks into 9 and 11 Hz, still inside alpha: the band power is unchanged.
        var hann = new SpectralTokenizer(new SpectralTokenizerConfig(200)).BandPower(view);
        Assert.Equal(A * A / 2, hann[2], 1e-5);
    }

    [Fact]
    public void Boxcar_periodogram_integrates_to_the_variance_on_real_eeg()
    {
        var (x, _) = TokenizerData.Windows(1, 200, 8000, ["Oz.."]);
        var patch = x.Select(v => (double)v).ToArray();
        var pxx = new double[101];
        SpectralTokenizer.Periodogram(patch, 160, SpectralTokenizer.Taper(SpectralWindow.Boxcar, 200), pxx);
        double mean = patch.Average(), variance = patch.Select(v => (v - mean) * (v - mean)).Average();
        Assert.Equal(variance, pxx.Sum() * 160 / 200, variance * 1e-12);
    }

    [Theory]
    [InlineData(0, "sfreq (0) must be a positive number")]
    [InlineData(-1, "sfreq (-1) must be a positive number")]
    [InlineData(80, "band 'gamma': h_freq (45) must be at most the Nyquist frequency 40")]
    public void Bad_sfreq_is_refused(double sfreq, string message) =>
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => new SpectralTokenizer(new SpectralTokenizerConfig(sfreq))).Message);

    [Fact]
    public void Bad_bands_are_refused_naming_the_band()
    {
        string Error(params FrequencyBand[] bands) =>
            Assert.Throws<ArgumentException>(() => new SpectralTokenizer(new SpectralTokenizerConfig(200, bands))).Message;
        Assert.Equal("band 'mu': l_freq (12) must be ≥ 0 and below h_freq (8)", Error(new FrequencyBand("mu", 12, 8)));
        Assert.Equal("band name 'a' is used 2 times", Error(new("a", 1, 2), new("a", 3, 4)));
        Assert.Equal("bands is empty: give at least one band", Error());
        var narrow = new SpectralTokenizer(new SpectralTokenizerConfig(200, [new("line", 50.2, 50.6)]));
        Assert.Equal("band 'line' [50.2, 50.6) Hz holds no frequency bin of a 200-sample patch at 200 Hz (bins every 1 Hz)",
            Assert.Throws<ArgumentException>(() => narrow.BandPower(PatchView.FromPatches(new float[200], new PatchShape(1, 1, 1, 200)))).Message);
    }

    [Fact]
    public void Config_round_trips_through_snake_case_json()
    {
        var config = new SpectralTokenizerConfig(200, [new("mu", 8, 12), new("beta", 13, 30)], SpectralWindow.Boxcar);
        string json = config.ToJson();
        Assert.Contains("\"l_freq\": 8", json);
        Assert.Contains("\"window\": \"boxcar\"", json);
        var back = SpectralTokenizerConfig.FromJson(json);
        Assert.Equal(json, back.ToJson());
        Assert.Equal(config.Bands, back.Bands);
        var defaults = SpectralTokenizerConfig.FromJson("{\"sfreq\": 200}");
        Assert.Equal(SpectralTokenizerConfig.DefaultBands, defaults.Bands);
        Assert.Equal(SpectralWindow.Hann, defaults.Window);
        Assert.StartsWith("spec.json: ", Assert.Throws<FormatException>(() => SpectralTokenizerConfig.FromJson("{}", "spec.json")).Message);
        Assert.StartsWith("spec.json: ",
            Assert.Throws<FormatException>(() => SpectralTokenizerConfig.FromJson("{\"sfreq\": 200, \"window\": \"hamming\"}", "spec.json")).Message);
    }
}
