using System.Diagnostics;
using Neurodecode.Preprocess.Filters;
using Neurodecode.Preprocess.Resampling;
using Xunit.Abstractions;

namespace Neurodecode.Tests.Preprocess;

/// <summary>
/// Opt-in timing of the reference pipeline's filter stages (high-pass 0.3 Hz, notch 60 Hz, resample 160 → 200 Hz)
/// on 64 x 20000 samples, single-threaded and with all cores. Runs only with NEURODECODE_BENCH=1; compare with
/// tools/bench_filters_mne.py run in the same session:
/// <c>NEURODECODE_BENCH=1 dotnet test tests/Neurodecode.Tests -c Release --filter FilterSpeed --logger "console;verbosity=detailed"</c>
/// </summary>
public class FilterSpeed(ITestOutputHelper output)
{
    [Fact]
    public void Highpass_notch_resample_64_by_20000()
    {
        if (Environment.GetEnvironmentVariable("NEURODECODE_BENCH") != "1")
        {
            output.WriteLine("set NEURODECODE_BENCH=1 to time the filter stages");
            return;
        }
        const int nc = 64, nt = 20000;
        var (_, _, src) = FilterGolden.Input; // 3 real channels, shifted copies make 64 distinct ones
        var data = new double[nc * nt];
        for (int c = 0; c < nc; c++)
            for (int t = 0; t < nt; t++)
                data[c * nt + t] = src[(c % 3) * nt + (t + 37 * c) % nt];
        var hp = FirFilter.Design(160, 0.3, null);
        var notch = FirFilter.DesignNotch(160, [60.0]);
        foreach (int dop in new[] { 1, -1 })
        {
            var runs = new List<(double Hp, double Notch, double Rs, double Total)>();
            for (int rep = 0; rep < 11; rep++)
            {
                var x = (double[])data.Clone();
                var sw = Stopwatch.StartNew();
                FirFilter.ApplyChannels(hp, x, nc, nt, dop);
                double t1 = sw.Elapsed.TotalMilliseconds;
                FirFilter.ApplyChannels(notch, x, nc, nt, dop);
                double t2 = sw.Elapsed.TotalMilliseconds;
                var y = Resample.FftChannels(x, nc, nt, 200, 160, null, dop);
                double t3 = sw.Elapsed.TotalMilliseconds;
                Assert.Equal(nc * 25000, y.Length);
                if (rep > 0) runs.Add((t1, t2 - t1, t3 - t2, t3));
            }
            string Stat(Func<(double Hp, double Notch, double Rs, double Total), double> f)
            {
                var v = runs.Select(f).Order().ToArray();
                return $"{v[0]:F1} / {v[v.Length / 2]:F1}";
            }
            output.WriteLine($"{(dop == 1 ? "1 thread" : Environment.ProcessorCount + " threads")} (best / median ms): " +
                             $"highpass {Stat(r => r.Hp)}, notch {Stat(r => r.Notch)}, resample {Stat(r => r.Rs)}, total {Stat(r => r.Total)}");
        }
    }
}
