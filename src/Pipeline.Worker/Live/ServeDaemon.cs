using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Neurodecode.Pipeline.Worker.Live;

/// <summary>
/// The near-real-time decoding daemon: accepts TCP clients and runs one <see cref="LiveSession"/> per connection,
/// each with its own stream state; an error in one connection closes only that one. Stops accepting and closes every
/// connection when the token is cancelled.
/// </summary>
public sealed class ServeDaemon(LiveModel model, ServeOptions options, ILogger logger) : IAsyncDisposable
{
    private readonly TcpListener _listener = new(options.Endpoint);
    private readonly List<Task> _sessions = [];
    private int _nextId;

    public ServeStats Stats { get; } = new();

    /// <summary>Where the daemon listens (the actual port when the options said 0).</summary>
    public IPEndPoint Endpoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>Binds the listening socket; a port in use is a one-line user error.</summary>
    public void Start()
    {
        try
        {
            _listener.Start();
        }
        catch (SocketException e)
        {
            throw new Commands.UsageException($"--listen {options.Listen}: {e.Message}");
        }
        logger.LogInformation("Listening on {Endpoint}: model {Model} ({Outputs}), hop {Hop} s, {Workers} decode worker(s)",
            Endpoint, model.Path, model.Summary, options.HopS, model.Workers);
    }

    /// <summary>Accepts clients until <paramref name="ct"/> is cancelled, then waits for their sessions to close.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var socket = await _listener.AcceptSocketAsync(ct);
                socket.NoDelay = true; // answers are small lines; do not wait to coalesce them
                if (options.SendBufferBytes > 0) socket.SendBufferSize = options.SendBufferBytes;
                int id = Interlocked.Increment(ref _nextId);
                var session = new LiveSession(id, socket, model, options, Stats, logger);
                lock (_sessions)
                {
                    _sessions.RemoveAll(t => t.IsCompleted);
                    _sessions.Add(Task.Run(() => session.RunAsync(ct), CancellationToken.None));
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        finally
        {
            _listener.Stop();
            Task[] open;
            lock (_sessions) open = [.. _sessions];
            await Task.WhenAll(open);
            var (p50, p95, p99, n) = Stats.Latency();
            logger.LogInformation("Stopped: {Windows} windows decoded, {Dropped} dropped, latency p50 {P50:0.0} ms p95 {P95:0.0} ms p99 {P99:0.0} ms over the last {N}",
                Stats.WindowsDecoded, Stats.WindowsDropped, p50, p95, p99, n);
        }
    }

    public ValueTask DisposeAsync()
    {
        _listener.Dispose();
        return ValueTask.CompletedTask;
    }
}
