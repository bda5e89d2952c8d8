using Xunit.Abstractions;
using Neurodecode.Preprocess.Resampling;
using Neurodecode.Tests.Ingest.Numerics;

namespace Neurodecode.Tests.Preprocess;

/// <summary>FFT resampling against mne.filter.resample / Raw.resample, and polyphase against scipy.signal.resample_poly.</summary>
public class ResampleTests(ITestOutputHelper output)
{
    [Fact]
    public void Guide_plans_160_to_200()
    {
        var p = Resample.PlanFft(19680, 200, 160);
        Assert.Equal((6544, 6544, 32768, 40960, 8180, 8180, 24600),
            (p.PadLeft, p.PadRight, p.PaddedLen, p.NewLen, p.TrimLeft, p.TrimRight, p.FinalLen));
        var q = Resample.PlanFft(20000, 200, 160);
        Assert.Equal((6384, 6384, 32768, 40960, 7980, 7980, 25000),
            (q.PadLeft, q.PadRight, q.PaddedLen, q.NewLen, q.TrimLeft, q.TrimRight, q.FinalLen));
        Assert.Equal(1.25, q.Ratio);
    }

    private void Run(string golden, int nTimes, double up, double down, int? npad)
    {
        var x = FilterGolden.InputSlice(nTimes);
        var plan = Resample.PlanFft(nTimes, up, down, npad);
        var y = Resample.FftChannels(x, 3, nTimes, up, down, npad);
        double err = FilterGolden.RelRmsError(golden, y, 3, plan.FinalLen);
        output.WriteLine($"{golden}: relative RMS error {err:E2}");
        Assert.True(err <= 1e-9, $"{golden}: relative RMS error {err:E2}");
    }

    [Fact] public void Up_160_to_200() => Run("resample_160_200", 20000, 200, 160, null);
    [Fact] public void Up_160_to_200_19680() => Run("resample_160_200_19680", 19680, 200, 160, null);
    [Fact] public void Raw_resample_200() => Run("raw_resample_200", 20000, 200, 160, null);
    [Fact] public void Down_160_to_100() => Run("resample_160_100", 20000, 100, 160, null);
    [Fact] public void Down_160_to_128_npad_100() => Run("resample_160_128_npad_100", 20000, 128, 160, 100);
    [Fact] public void Up_npad_0() => Run("resample_160_200_npad_0", 20000, 200, 160, 0);
    [Fact] public void Odd_length_160_to_250() => Run("resample_odd_19999_160_250", 19999, 250, 160, null);
    [Fact] public void Padding_longer_than_the_signal() => Run("resample_short_160_200_pad_exceeds", 50, 200, 160, 80);

    [Fact]
    public void Single_channel_equals_pairs()
    {
        var x = FilterGolden.InputSlice(20000);
        var all = Resample.FftChannels(x, 3, 20000, 200, 160);
        var one = Resample.Fft(x.AsSpan(40000, 20000), 200, 160);
        for (int i = 0; i < one.Length; i++) Assert.Equal(all[2 * 25000 + i], one[i], 1e-18);
    }

    // mne.filter.resample on a 50-sample ramp (MNE 1.3): npad 'auto' and fixed npad, short enough to read by eye.
    private static readonly double[] Ramp = Enumerable.Range(0, 50).Select(i => Math.Sin(i * 0.3) + 0.1 * i).ToArray();

    [Fact]
    public void Auto_padding_up_and_down()
    {
        var p = Resample.PlanFft(50, 200, 160);
        Assert.Equal((7, 7), (p.PadLeft, p.PadRight)); // 2^ceil(log2(50 + 12)) - 50 = 14
        var up = Resample.Fft(Ramp, 200, 160);
        Assert.Equal(62, up.Length);
        FourierResampleTests.AssertClose([0.18333799089561503, 0.3955202066613394, 0.5155113249657106, 3.2492940355794104,
            5.67177525129852, 5.745746831142935], up, [0, 1, 17, 30, 60, 61]);
        var down = Resample.Fft(Ramp, 160, 200);
        Assert.Equal(40, down.Length);
        FourierResampleTests.AssertClose([0.27640178572210117, 0.6319109063153004, 2.4342664581347626, 2.950369498688864,
            5.8235850200909685, 5.663832188954496], down, [0, 1, 17, 30, 38, 39]);
    }

    [Fact]
    public void Fixed_padding_and_padding_longer_than_the_signal()
    {
        var y = Resample.Fft(Ramp, 7, 3, npad: 5);
        Assert.Equal(117, y.Length);
        FourierResampleTests.AssertClose([0.15395531907309742, 0.429194623237816, 1.4512494547133863, 0.6122338408160252,
            5.973935760335679, 5.843137515484866], y, [0, 1, 17, 30, 115, 116]);
        var z = Resample.Fft(Ramp, 3, 7, npad: 60); // zeros where the reflection runs past the other end
        Assert.Equal(21, z.Length);
        FourierResampleTests.AssertClose([0.16184007751469606, 1.1034701483148375, 3.57299809277075, 5.646475924438606],
            z, [0, 1, 17, 20]);
    }

    private void RunPoly(string golden, int nTimes, int up, int down)
    {
        var x = FilterGolden.InputSlice(nTimes);
        var y = Resample.PolyChannels(x, 3, nTimes, up, down);
        int outLen = y.Length / 3;
        double err = FilterGolden.RelRmsError(golden, y, 3, outLen);
        output.WriteLine($"{golden}: relative RMS error {err:E2}");
        Assert.True(err <= 1e-9, $"{golden}: relative RMS error {err:E2}");
    }

    [Fact] public void Poly_5_4() => RunPoly("resample_poly_5_4", 20000, 5, 4);
    [Fact] public void Poly_5_8() => RunPoly("resample_poly_5_8", 20000, 5, 8);
    [Fact] public void Poly_unreduced_ratio_short_signal() => RunPoly("resample_poly_200_160_short", 37, 200, 160);

    [Fact]
    public void Poly_with_equal_rates_is_a_copy()
    {
        double[] x = [1, -2, 3.5, 4];
        Assert.Equal(x, Resample.Poly(x, 3, 3));
    }

    [Fact]
    public void Fft_with_ratio_one_keeps_the_length()
    {
        var x = FilterGolden.InputSlice(1000).AsSpan(0, 1000).ToArray();
        var y = Resample.Fft(x, 1, 1);
        Assert.Equal(1000, y.Length);
        // not the identity: MNE halves an even Nyquist bin when the length does not change
        double err = x.Zip(y, (a, b) => (a - b) * (a - b)).Sum() / x.Sum(v => v * v);
        Assert.InRange(err, 0, 1e-3);
    }
}
