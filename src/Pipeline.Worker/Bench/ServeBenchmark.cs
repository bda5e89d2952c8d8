using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Neurodecode.Pipeline.Worker.Live;

namespace Neurodecode.Pipeline.Worker.Bench;

/// <summary>
/// <c>bench serve</c>: the daemon in-process on a loopback port and N replay clients streaming the same recording at
/// a given pace. Latency is the daemon's own measure (frame arrival to answer handed to the socket), read from the
/// answer lines; drops come from the daemon's counters. A run keeps up when nothing is dropped and p99 latency stays
/// below the time between windows at that pace (beyond it, answers queue up).
/// </summary>
public sealed class ServeBenchmark(LiveModel model, ServeOptions options, string file)
{
    public sealed record Run(int Clients, double Speed, int Windows, long Dropped, double P50, double P95, double P99, double Max,
        double Seconds, bool KeptUp)
    {
        public JsonObject ToJson() => new()
        {
            ["clients"] = Clients, ["speed"] = Speed, ["windows"] = Windows, ["dropped"] = Dropped,
            ["latency_ms"] = new JsonObject { ["p50"] = Math.Round(P50, 3), ["p95"] = Math.Round(P95, 3), ["p99"] = Math.Round(P99, 3), ["max"] = Math.Round(Max, 3) },
            ["seconds"] = Math.Round(Seconds, 3), ["kept_up"] = KeptUp,
        };

        public string Describe() => string.Format(CultureInfo.InvariantCulture,
            "{0} client(s) at {1}x: {2} windows, {3} dropped, latency p50 {4:0.0} ms, p95 {5:0.0} ms, p99 {6:0.0} ms, max {7:0.0} ms ({8:0.0} s){9}",
            Clients, Speed, Windows, Dropped, P50, P95, P99, Max, Seconds, KeptUp ? "" : "  FELL BEHIND");
    }

    /// <summary>JIT and first-call costs out of the measurement (a few decodes of a zero window), then the median time
    /// of one decode alone (ms): the floor under every latency, the rest is queueing and the machine's load.</summary>
    public async Task<double> WarmUpAsync(CancellationToken ct)
    {
        var window = new float[model.NChans * model.NTimes];
        for (int i = 0; i < 3 * model.Workers; i++)
            await model.DecodeAsync(window, ct);
        var times = new double[15];
        for (int i = 0; i < times.Length; i++)
        {
            long t = System.Diagnostics.Stopwatch.GetTimestamp();
            await model.DecodeAsync(window, ct);
            times[i] = System.Diagnostics.Stopwatch.GetElapsedTime(t).TotalMilliseconds;
        }
        Array.Sort(times);
        return times[times.Length / 2];
    }

    public async Task<Run> RunAsync(int clients, double speed, double? seconds, CancellationToken ct)
    {
        await using var daemon = new ServeDaemon(model, options with { Listen = "127.0.0.1:0" }, NullLogger.Instance);
        daemon.Start();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var serving = daemon.RunAsync(stop.Token);
        var latencies = new ConcurrentBag<double>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => ReplayClient.RunAsync(file, daemon.Endpoint, speed,
            0.0625, line =>
            {
                if (line.StartsWith("{\"window_end_sample\"", StringComparison.Ordinal))
                    latencies.Add(JsonNode.Parse(line)!["latency_ms"]!.GetValue<double>());
                else if (line.StartsWith("{\"error\"", StringComparison.Ordinal))
                    throw new Commands.UsageException("the daemon refused the stream: " + line);
            }, ct, seconds)));
        double elapsed = clock.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await serving;

        var sorted = latencies.Order().ToArray();
        double p99 = ServeStats.Percentile(sorted, 99);
        double windowPeriodMs = options.HopS / (speed > 0 ? speed : double.PositiveInfinity) * 1000;
        long dropped = daemon.Stats.WindowsDropped;
        return new Run(clients, speed, results.Sum(r => r.Windows), dropped, ServeStats.Percentile(sorted, 50),
            ServeStats.Percentile(sorted, 95), p99, sorted.Length > 0 ? sorted[^1] : double.NaN, elapsed,
            dropped == 0 && p99 < windowPeriodMs);
    }

    /// <summary>The highest pace that keeps up: doubling from 1x until a run falls behind, then bisecting 3 times.</summary>
    public async Task<(double MaxSpeed, List<Run> Runs)> MaxSpeedAsync(int clients, double? seconds, CancellationToken ct)
    {
        var runs = new List<Run>();
        double ok = 0, bad = double.NaN;
        for (double speed = 1; speed <= 256; speed *= 2)
        {
            var run = await RunAsync(clients, speed, seconds, ct);
            runs.Add(run);
            if (!run.KeptUp) { bad = speed; break; }
            ok = speed;
        }
        if (double.IsNaN(bad)) return (ok, runs);
        for (int i = 0; i < 3 && bad - ok > 0.25; i++)
        {
            double mid = ok == 0 ? bad / 2 : (ok + bad) / 2;
            var run = await RunAsync(clients, mid, seconds, ct);
            runs.Add(run);
            if (run.KeptUp) ok = mid; else bad = mid;
        }
        return (ok, runs);
    }

    /// <summary>The machine's load averages (1, 5, 15 min), as <c>uptime</c> prints them; empty where unknown.</summary>
    public static string LoadAverage()
    {
        try { return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "unknown"; }
    }
}
