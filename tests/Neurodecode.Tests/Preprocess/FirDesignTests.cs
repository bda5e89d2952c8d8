using Xunit.Abstractions;
using System.Text.Json;
using Neurodecode.Preprocess.Filters;

namespace Neurodecode.Tests.Preprocess;

/// <summary>FIR designs against mne.filter.create_filter (Golden/filters/designs.json) and the guide's worked numbers.</summary>
public class FirDesignTests(ITestOutputHelper output)
{
    public static TheoryData<string> FirCases() => new(FilterGolden.Names(FilterGolden.Designs.GetProperty("fir")));
    public static TheoryData<string> NotchCases() => new(FilterGolden.Names(FilterGolden.Designs.GetProperty("notch")));
    public static TheoryData<string> ErrorCases() => new(FilterGolden.Names(FilterGolden.Designs.GetProperty("errors")));

    private static double? OptDouble(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private static FirDesign DesignFromCase(JsonElement c)
    {
        var p = c.GetProperty("params");
        int? length = p.TryGetProperty("filter_length", out var fl) ? fl.GetInt32() : null;
        var window = p.TryGetProperty("fir_window", out var w) ? FirWindows.Parse(w.GetString()!) : FirWindow.Hamming;
        return FirFilter.Design(c.GetProperty("sfreq").GetDouble(), OptDouble(c, "l_freq"), OptDouble(c, "h_freq"),
            OptDouble(p, "l_trans_bandwidth"), OptDouble(p, "h_trans_bandwidth"), length, window);
    }

    /// <summary>Taps equal MNE's: same length; values to 1e-13 of the largest tap (full taps when short, sampled otherwise).</summary>
    private void AssertTaps(JsonElement c, double[] taps)
    {
        int n = c.GetProperty("n").GetInt32();
        Assert.Equal(n, taps.Length);
        double max = taps.Max(Math.Abs);
        if (c.TryGetProperty("taps", out var full))
        {
            var expected = FilterGolden.Doubles(full);
            output.WriteLine($"{c.GetProperty("name").GetString()}: largest tap difference {Enumerable.Range(0, n).Max(i => Math.Abs(taps[i] - expected[i])) / max:E2} of the largest tap");
            for (int i = 0; i < n; i++)
                Assert.True(Math.Abs(taps[i] - expected[i]) <= 1e-13 * max, $"tap {i}: {taps[i]:R} vs MNE {expected[i]:R}");
        }
        else
        {
            var idx = c.GetProperty("idx").EnumerateArray().Select(v => v.GetInt32()).ToArray();
            var values = FilterGolden.Doubles(c.GetProperty("values"));
            for (int k = 0; k < idx.Length; k++)
                Assert.True(Math.Abs(taps[idx[k]] - values[k]) <= 1e-13 * max, $"tap {idx[k]}: {taps[idx[k]]:R} vs MNE {values[k]:R}");
        }
        output.WriteLine($"{c.GetProperty("name").GetString()}: {n} taps, sha256 {(Sha(taps) == c.GetProperty("sha256").GetString() ? "equal" : "differs")}");
        double sum = taps.Sum(), sumsq = taps.Sum(t => t * t);
        Assert.Equal(c.GetProperty("sum").GetDouble(), sum, 1e-12);
        Assert.True(Math.Abs(sumsq - c.GetProperty("sumsq").GetDouble()) <= 1e-12 * sumsq);
    }

    [Theory]
    [MemberData(nameof(FirCases))]
    public void Fir_design_equals_create_filter(string name)
    {
        var c = FilterGolden.Case(FilterGolden.Designs.GetProperty("fir"), name);
        var d = DesignFromCase(c);
        AssertTaps(c, d.Taps);
        // MNE's log lines (the '- ' entries of "FIR filter parameters") appear verbatim in ours, except for band-stop,
        // where MNE prints the edges of its internal band-pass bookkeeping.
        var ours = d.Describe().Split('\n', StringSplitOptions.TrimEntries);
        if (d.Kind != "bandstop")
            foreach (var line in c.GetProperty("log").EnumerateArray().Select(l => l.GetString()!))
                if (line.StartsWith("- ") && !line.StartsWith("- Using"))
                    Assert.Contains(line, ours);
    }

    [Theory]
    [MemberData(nameof(NotchCases))]
    public void Notch_design_equals_notch_filter(string name)
    {
        var c = FilterGolden.Case(FilterGolden.Designs.GetProperty("notch"), name);
        var p = c.GetProperty("params");
        double[]? widths = p.TryGetProperty("notch_widths", out var w) ? [w.GetDouble()] : null;
        double trans = OptDouble(p, "trans_bandwidth") ?? 1.0;
        var d = FirFilter.DesignNotch(c.GetProperty("sfreq").GetDouble(), FilterGolden.Doubles(c.GetProperty("freqs")), widths, trans);
        AssertTaps(c, d.Taps);
        Assert.Equal("bandstop", d.Kind);
        // stop edges f ± w/2, in MNE's floating-point order
        var stops = c.GetProperty("stop_edges").EnumerateArray().Select(FilterGolden.Doubles).ToArray();
        for (int i = 0; i < stops.Length; i++)
        {
            int k = d.Freq.ToList().IndexOf(stops[i][0]);
            Assert.True(k > 0, $"stop edge {stops[i][0]} not among gain points {string.Join(", ", d.Freq)}");
            Assert.Equal(0, d.Gain[k]);
            Assert.Equal(stops[i][1], d.Freq[k + 1]);
        }
    }

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public void Invalid_parameters_fail_as_MNE_does(string name)
    {
        var c = FilterGolden.Case(FilterGolden.Designs.GetProperty("errors"), name);
        var ex = Assert.Throws<ArgumentException>(() => DesignFromCase(c));
        // MNE prints h_freq as a one-element array there ("[90.]"); we print the number
        string expected = c.GetProperty("message").GetString()!.Replace("([90.])", "(90.0)");
        Assert.Equal(expected, ex.Message);
    }

    [Fact]
    public void Guide_worked_numbers()
    {
        // mne-numerics.md §0
        var hp160 = FirFilter.Design(160, 0.3, null);
        Assert.Equal(1761, hp160.FilterLength);
        Assert.Equal(0.3, hp160.LTransBandwidth);
        Assert.Equal([0.0, 0.3, 80.0], hp160.Freq);
        Assert.Equal([0.0, 1.0, 1.0], hp160.Gain);
        Assert.Equal([0.15], hp160.Cutoffs);
        Assert.Equal(1760, hp160.EdgePadding(20000));
        Assert.Equal(8192, hp160.FftLength(20000));
        Assert.Equal(8192, hp160.FftLength(19680));

        var hp200 = FirFilter.Design(200, 0.3, null);
        Assert.Equal(2201, hp200.FilterLength);
        Assert.Equal(32768, hp200.FftLength(25000));

        var notch160 = FirFilter.DesignNotch(160, [60.0]);
        Assert.Equal(1057, notch160.FilterLength);
        Assert.Equal(4096, notch160.FftLength(20000));
        Assert.Equal([0.0, 59.35, 59.85, 60.15, 60.65, 80.0], notch160.Freq.Select(f => Math.Round(f, 10)));
        Assert.Equal([59.6, 60.4], notch160.Cutoffs.Select(f => Math.Round(f, 10)));
        Assert.Equal([0.3], notch160.NotchWidths);

        var notch200 = FirFilter.DesignNotch(200, [60.0]);
        Assert.Equal(1321, notch200.FilterLength);
        Assert.Equal(16384, notch200.FftLength(25000));

        var lp = FirFilter.Design(200, null, 75);
        Assert.Equal(18.75, lp.HTransBandwidth);
        Assert.Equal(37, lp.FilterLength);
        Assert.Equal([84.375], lp.Cutoffs);
        Assert.Equal([0.0, 75.0, 93.75, 100.0], lp.Freq);

        Assert.Equal(2201, FirFilter.Design(200, 0.3, 75).FilterLength);
    }

    [Fact]
    public void Notch_at_harmonics_is_one_multi_band_filter()
    {
        var d = FirFilter.DesignNotch(500, [50.0, 100.0, 150.0]);
        Assert.Equal(6, d.Cutoffs.Count);
        Assert.Equal(3301, d.FilterLength);
        Assert.Equal([50.0, 100.0, 150.0], d.NotchFreqs);
        // gain ~0 at each notch, ~1 between
        foreach (double f in new[] { 50.0, 100.0, 150.0 })
            Assert.True(Gain(d, f) < 1e-2, $"gain at {f} Hz = {Gain(d, f)}");
        foreach (double f in new[] { 10.0, 75.0, 125.0, 200.0 })
            Assert.InRange(Gain(d, f), 0.99, 1.01);
    }

    private static string Sha(double[] taps)
    {
        var bytes = new byte[taps.Length * 8];
        Buffer.BlockCopy(taps, 0, bytes, 0, bytes.Length);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
    }

    private static double Gain(FirDesign d, double f)
    {
        double w = 2 * Math.PI * f / d.Sfreq, re = 0, im = 0;
        for (int k = 0; k < d.Taps.Length; k++) { re += d.Taps[k] * Math.Cos(w * k); im -= d.Taps[k] * Math.Sin(w * k); }
        return Math.Sqrt(re * re + im * im);
    }

    [Fact]
    public void Notch_above_nyquist_is_rejected_with_the_value()
    {
        var ex = Assert.Throws<ArgumentException>(() => FirFilter.DesignNotch(100, [60.0]));
        Assert.Equal("h_freq ([59.35]) must be less than the Nyquist frequency 50.0", ex.Message);
    }

    [Fact]
    public void Fft_length_rule_matches_MNE_for_short_signals()
    {
        // n_x < 2N − 1: next_fast_len(2N − 1); 1057 → 1080 (as MNE logged for fir_highpass_1_short)
        Assert.Equal(1080, FirFilter.MneFftLength(529, 300 + 2 * 299));
        Assert.Equal(FilterGolden.Output("fir_highpass_1_short").GetProperty("n_fft")[0].GetInt32(),
            FirFilter.Design(160, 1.0, null).FftLength(300));
        Assert.Equal(8, FirFilter.NextFastLen(7));
        Assert.Equal(10000, FirFilter.NextFastLen(9999));
        Assert.Equal(10125, FirFilter.NextFastLen(10001));
    }

    [Fact]
    public void Design_round_trips_to_json_in_MNE_names()
    {
        var d = FirFilter.Design(160, 0.3, null);
        var json = JsonSerializer.Serialize(d, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });
        Assert.Contains("\"l_freq\":0.3", json);
        Assert.Contains("\"l_trans_bandwidth\":0.3", json);
        Assert.Contains("\"filter_length\":1761", json);
        Assert.Contains("\"pad\":\"reflect_limited\"", json);
        Assert.DoesNotContain("taps", json);
    }
}
