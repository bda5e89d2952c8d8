using Xunit.Abstractions;
using Neurodecode.Preprocess.Filters;

namespace Neurodecode.Tests.Preprocess;

/// <summary>Butterworth SOS designs against scipy.signal.iirfilter, MNE's IIR filtering, and the causal streaming filter.</summary>
public class IirTests(ITestOutputHelper output)
{
    public static TheoryData<string> Cases() => new(FilterGolden.Names(FilterGolden.Iir.GetProperty("cases")));

    private static IirBandType BandType(string s) => s switch
    {
        "lowpass" => IirBandType.Lowpass,
        "highpass" => IirBandType.Highpass,
        "bandpass" => IirBandType.Bandpass,
        _ => IirBandType.Bandstop,
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Butter_sos_equals_scipy_iirfilter(string name)
    {
        var c = FilterGolden.Case(FilterGolden.Iir.GetProperty("cases"), name);
        var sos = Iir.Butter(c.GetProperty("order").GetInt32(), FilterGolden.Doubles(c.GetProperty("freqs")),
            BandType(c.GetProperty("btype").GetString()!), c.GetProperty("sfreq").GetDouble());
        var expected = c.GetProperty("sos").EnumerateArray().Select(FilterGolden.Doubles).ToArray();
        Assert.Equal(expected.Length, sos.NSections);
        double worst = 0;
        for (int s = 0; s < expected.Length; s++)
            for (int j = 0; j < 6; j++)
                worst = Math.Max(worst, Math.Abs(sos.Sections[s][j] - expected[s][j]) / Math.Max(1, Math.Abs(expected[s][j])));
        output.WriteLine($"{name}: largest coefficient difference {worst:E2}");
        // same pairing, same order of sections; coefficients to rounding
        for (int s = 0; s < expected.Length; s++)
            for (int j = 0; j < 6; j++)
                Assert.True(Math.Abs(sos.Sections[s][j] - expected[s][j]) <= 1e-12 * Math.Max(1, Math.Abs(expected[s][j])),
                    $"section {s} coefficient {j}: {sos.Sections[s][j]:R} vs scipy {expected[s][j]:R}");
        Assert.Equal(c.GetProperty("padlen").GetInt32(), sos.EstimateRingingSamples());
    }

    [Fact]
    public void Guide_padlen_numbers()
    {
        Assert.Equal(255, IirFilter.Design(160, 1, 40).PadLen);
        Assert.Equal(4, IirFilter.Design(160, 1, 40).Sos.NSections);
        Assert.Equal(508, IirFilter.Design(160, 0.3, null).PadLen);
    }

    [Fact]
    public void Forward_backward_gain_at_cutoffs_is_minus_6_dB()
    {
        var d = IirFilter.Design(160, 1, 40);
        Assert.All(d.CutoffGainsDb, g => Assert.Equal(-6.02, g, 2));
        Assert.Contains("- Cutoffs at 1.00, 40.00 Hz: -6.02, -6.02 dB", d.Describe());
    }

    private void RunFiltFilt(string golden, IirDesign d, int nTimes)
    {
        var x = FilterGolden.InputSlice(nTimes);
        IirFilter.ApplyChannels(d, x, 3, nTimes);
        double err = FilterGolden.RelRmsError(golden, x, 3, nTimes);
        output.WriteLine($"{golden}: relative RMS error {err:E2}");
        Assert.True(err <= 1e-9, $"{golden}: relative RMS error {err:E2}");
    }

    [Fact] public void Filtfilt_bandpass_1_40() => RunFiltFilt("iir_bandpass_1_40", IirFilter.Design(160, 1, 40), 20000);
    [Fact] public void Filtfilt_highpass_0_3() => RunFiltFilt("iir_highpass_0.3", IirFilter.Design(160, 0.3, null), 20000);
    [Fact] public void Filtfilt_lowpass_order_3() => RunFiltFilt("iir_lowpass_30_order_3", IirFilter.Design(160, null, 30, order: 3), 20000);
    [Fact] public void Filtfilt_bandstop() => RunFiltFilt("iir_bandstop_62_58", IirFilter.Design(160, 62, 58), 20000);
    [Fact] public void Filtfilt_padlen_clipped_to_signal() => RunFiltFilt("iir_bandpass_1_40_short", IirFilter.Design(160, 1, 40), 200);

    [Fact]
    public void Causal_filter_equals_sosfilt()
    {
        var sos = Iir.Butter(4, [1.0, 40.0], IirBandType.Bandpass, 160);
        var x = FilterGolden.InputSlice(20000);
        new SosState(sos, 3).Process(x, 20000);
        double e1 = FilterGolden.RelRmsError("sosfilt_bandpass_1_40", x, 3, 20000);
        output.WriteLine($"sosfilt_bandpass_1_40: relative RMS error {e1:E2}");
        Assert.True(e1 <= 1e-9);

        var y = FilterGolden.InputSlice(20000);
        new SosState(sos, 3, SosInitialState.SteadyState).Process(y, 20000);
        double e2 = FilterGolden.RelRmsError("sosfilt_bandpass_1_40_zi", y, 3, 20000);
        output.WriteLine($"sosfilt_bandpass_1_40_zi: relative RMS error {e2:E2}");
        Assert.True(e2 <= 1e-9);
    }

    [Theory]
    [InlineData(SosInitialState.Zero, 1)]
    [InlineData(SosInitialState.SteadyState, 2)]
    [InlineData(SosInitialState.Zero, 3)]
    public void Streaming_in_random_blocks_equals_the_whole_signal(SosInitialState initial, int seed)
    {
        // the real recording (3 channels of S001R04), fed block by block in random sizes 1..700
        var sos = Iir.Butter(4, [1.0, 40.0], IirBandType.Bandpass, 160);
        const int n = 20000;
        var whole = FilterGolden.InputSlice(n);
        var source = (double[])whole.Clone();
        new SosState(sos, 3, initial).Process(whole, n);

        var live = new SosState(sos, 3, initial);
        var streamed = new double[3 * n];
        var rng = new Random(seed);
        for (int start = 0; start < n;)
        {
            int len = Math.Min(rng.Next(1, 701), n - start);
            var block = new double[3 * len];
            for (int c = 0; c < 3; c++) Array.Copy(source, c * n + start, block, c * len, len);
            live.Process(block, len);
            for (int c = 0; c < 3; c++) Array.Copy(block, c * len, streamed, c * n + start, len);
            start += len;
        }
        Assert.Equal(n, live.SamplesSeen);
        double err = 0, norm = 0;
        for (int i = 0; i < whole.Length; i++) { err += (streamed[i] - whole[i]) * (streamed[i] - whole[i]); norm += whole[i] * whole[i]; }
        Assert.True(Math.Sqrt(err / norm) <= 1e-9, $"streamed vs whole: {Math.Sqrt(err / norm):E2}");
        Assert.Equal(whole, streamed); // in fact bit for bit: the recursion is the same
    }

    [Fact]
    public void Invalid_iir_parameters_name_the_value()
    {
        Assert.Equal("h_freq (90.0) must be less than the Nyquist frequency 80.0",
            Assert.Throws<ArgumentException>(() => IirFilter.Design(160, null, 90)).Message);
        Assert.Equal("lowpass frequency 80.0 must be less than Nyquist (80.0)",
            Assert.Throws<ArgumentException>(() => IirFilter.Design(160, null, 80)).Message);
        Assert.Equal("The length of the input vector x must be greater than padlen, which is 10.",
            Assert.Throws<ArgumentException>(() => Iir.Butter(2, [10.0], IirBandType.Lowpass, 100).FiltFilt(new double[10], 10)).Message);
    }
}
