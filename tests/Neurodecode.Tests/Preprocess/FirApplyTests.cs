using Xunit.Abstractions;
using Neurodecode.Preprocess.Filters;

namespace Neurodecode.Tests.Preprocess;

/// <summary>Zero-phase FIR filtering of real EEG (S001R04 C3/Cz/C4) against mne.filter.filter_data / notch_filter.</summary>
public class FirApplyTests(ITestOutputHelper output)
{
    private const double Tol = 1e-9; // relative RMS; measured errors are ~1e-15

    private double Run(string golden, FirDesign design, int nTimes)
    {
        var x = FilterGolden.InputSlice(nTimes);
        FirFilter.ApplyChannels(design, x, 3, nTimes);
        double err = FilterGolden.RelRmsError(golden, x, 3, nTimes);
        output.WriteLine($"{golden}: relative RMS error {err:E2}");
        Assert.True(err <= Tol, $"{golden}: relative RMS error {err:E2}");
        return err;
    }

    [Fact] public void Highpass_0_3() => Run("fir_highpass_0.3", FirFilter.Design(160, 0.3, null), 20000);
    [Fact] public void Highpass_0_3_on_19680_samples() => Run("fir_highpass_0.3_19680", FirFilter.Design(160, 0.3, null), 19680);
    [Fact] public void Notch_60() => Run("fir_notch_60", FirFilter.DesignNotch(160, [60.0]), 20000);
    [Fact] public void Notch_20_40_60() => Run("fir_notch_20_40_60", FirFilter.DesignNotch(160, [20.0, 40.0, 60.0]), 20000);
    [Fact] public void Bandpass_1_40() => Run("fir_bandpass_1_40", FirFilter.Design(160, 1, 40), 20000);
    [Fact] public void Lowpass_30_blackman() => Run("fir_lowpass_30_blackman", FirFilter.Design(160, null, 30, window: FirWindow.Blackman), 20000);
    [Fact] public void Bandstop_hann() => Run("fir_bandstop_20_10_hann", FirFilter.Design(160, 20, 10, window: FirWindow.Hann), 20000);
    [Fact] public void Signal_shorter_than_the_filter() => Run("fir_highpass_1_short", FirFilter.Design(160, 1, null), 300);

    [Fact]
    public void Single_channel_apply_equals_the_multichannel_path()
    {
        var d = FirFilter.Design(160, 0.3, null);
        var all = FilterGolden.InputSlice(20000);
        var one = all.AsSpan(20000, 20000).ToArray();
        FirFilter.ApplyChannels(d, all, 3, 20000);
        FirFilter.Apply(d, one);
        double scale = one.Max(Math.Abs);
        for (int i = 0; i < one.Length; i++)
            Assert.True(Math.Abs(one[i] - all[20000 + i]) <= 1e-14 * scale, $"sample {i}: {one[i]:R} vs {all[20000 + i]:R}");
    }

    [Fact]
    public void Matches_direct_convolution_of_the_padded_signal()
    {
        // the definition MNE's overlap-add computes: convolve(pad(x), h)[n_edge + (N−1)/2 :][:n]
        var d = FirFilter.Design(160, 8, 30);
        var rng = new Random(7);
        foreach (int n in new[] { 1, 2, 5, 100, 337, 2000 })
        {
            var x = Enumerable.Range(0, n).Select(_ => rng.NextDouble() - 0.5).ToArray();
            int nEdge = d.EdgePadding(n), nh = d.FilterLength;
            var ext = Padding.ReflectLimited(x, nEdge, nEdge);
            var expected = new double[n];
            for (int i = 0; i < n; i++)
            {
                double acc = 0;
                int t = i + nEdge + (nh - 1) / 2;
                for (int j = 0; j < nh; j++)
                    if (t - j >= 0 && t - j < ext.Length) acc += d.Taps[j] * ext[t - j];
                expected[i] = acc;
            }
            var y = (double[])x.Clone();
            FirFilter.Apply(d, y);
            for (int i = 0; i < n; i++) Assert.Equal(expected[i], y[i], 1e-12);
        }
    }

    [Fact]
    public void Reflect_limited_padding_is_odd_reflection_then_zeros()
    {
        double[] x = [1, 2, 4];
        // as mne.cuda._smart_pad(np.array([1., 2, 4]), (4, 3)) gives
        Assert.Equal([0.0, 0, -2, 0, 1, 2, 4, 6, 7, 0], Padding.ReflectLimited(x, 4, 3));
    }
}
