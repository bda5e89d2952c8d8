using System.Text.Json.Nodes;

namespace Neurodecode.Pipeline.Worker.Live;

/// <summary>The daemon's counters and the latencies of the last <see cref="LatencyWindow"/> answers, for status lines.</summary>
public sealed class ServeStats
{
    public const int LatencyWindow = 10_000;

    private readonly object _gate = new();
    private readonly double[] _latencies = new double[LatencyWindow];
    private long _nLatencies;
    private long _windowsDecoded, _windowsDropped, _connectionsTotal, _connectionsClosedOnError;
    private int _connections;
    private readonly DateTime _started = DateTime.UtcNow;

    public void Opened() { Interlocked.Increment(ref _connections); Interlocked.Increment(ref _connectionsTotal); }
    public void Closed(bool onError)
    {
        Interlocked.Decrement(ref _connections);
        if (onError) Interlocked.Increment(ref _connectionsClosedOnError);
    }
    public void Dropped() => Interlocked.Increment(ref _windowsDropped);

    public void Decoded(double latencyMs)
    {
        lock (_gate)
        {
            _latencies[_nLatencies % LatencyWindow] = latencyMs;
            _nLatencies++;
            _windowsDecoded++;
        }
    }

    public long WindowsDecoded { get { lock (_gate) return _windowsDecoded; } }
    public long WindowsDropped => Interlocked.Read(ref _windowsDropped);
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>p50/p95/p99 of the recent latencies (ms), nearest rank; NaN when none.</summary>
    public (double P50, double P95, double P99, int N) Latency()
    {
        double[] recent;
        lock (_gate) recent = _latencies.AsSpan(0, (int)Math.Min(_nLatencies, LatencyWindow)).ToArray();
        Array.Sort(recent);
        return (Percentile(recent, 50), Percentile(recent, 95), Percentile(recent, 99), recent.Length);
    }

    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

    public JsonObject ToJson()
    {
        var (p50, p95, p99, n) = Latency();
        return new JsonObject
        {
            ["connections"] = Connections,
            ["connections_total"] = Interlocked.Read(ref _connectionsTotal),
            ["connections_closed_on_error"] = Interlocked.Read(ref _connectionsClosedOnError),
            ["windows_decoded"] = WindowsDecoded,
            ["windows_dropped"] = WindowsDropped,
            ["latency_ms"] = n == 0 ? null : new JsonObject { ["p50"] = Round(p50), ["p95"] = Round(p95), ["p99"] = Round(p99), ["n"] = n },
            ["uptime_s"] = Round((DateTime.UtcNow - _started).TotalSeconds),
        };
    }

    private static double Round(double v) => Math.Round(v, 3);
}
