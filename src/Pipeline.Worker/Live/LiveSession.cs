using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Neurodecode.Pipeline.Worker.Live;

/// <summary>
/// One client connection: the header, then a receive loop (frames → causal chain → windows) and a send loop (decode →
/// one JSON line per window) joined by a bounded queue that drops the oldest window when the client or the decoder
/// falls behind, so a stalled client costs a fixed amount of memory. Protocol errors, and a decode that fails, answer
/// one error line and close this connection only.
/// </summary>
public sealed class LiveSession(int id, Socket socket, LiveModel model, ServeOptions options, ServeStats stats, ILogger logger)
{
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private long _frames, _answered, _dropped;

    public async Task RunAsync(CancellationToken stop)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stop);
        string remote = socket.RemoteEndPoint?.ToString() ?? "?";
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        var reader = new FrameReader(stream);
        bool streaming = false;
        string? error = null, reason = "client closed the stream";
        LiveStream? live = null;
        try
        {
            string? line = await reader.ReadLineAsync(options.MaxHeaderBytes, cts.Token);
            if (line is null)
            {
                reason = "client closed before a header";
                return;
            }
            var header = StreamHeader.Parse(line);
            if (header.IsStatus)
            {
                await WriteLineAsync(stream, stats.ToJson(), cts.Token);
                reason = "status answered";
                return;
            }
            live = model.Open(header, options.HopS);
            stats.Opened();
            streaming = true;
            var first = live.Describe(model.Describe());
            logger.LogInformation("Client {Id} {Remote}: {Channels} channels at {Sfreq} Hz ({Unit}); window {Window} samples, hop {Hop}; substitutions {Substitutions}",
                id, remote, header.Channels.Count, header.Sfreq, header.Unit, live.Length, live.Hop, first["substitutions"]!.ToJsonString(Compact));
            await WriteLineAsync(stream, first, cts.Token);

            var pending = Channel.CreateBounded<LiveWindow>(
                new BoundedChannelOptions(options.PendingWindows) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
                _ => OnDropped(remote));
            var sender = Task.Run(() => SendAsync(pending.Reader, stream, cts), CancellationToken.None);
            try
            {
                await ReceiveAsync(reader, live, pending.Writer, cts.Token);
                pending.Writer.Complete();
            }
            catch (Exception e)
            {
                pending.Writer.TryComplete();
                await cts.CancelAsync();
                try { await sender; }
                catch (Exception senderError) when (e is OperationCanceledException && senderError is not OperationCanceledException)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(senderError); // the send failed first: that is the reason
                }
                catch (Exception) { /* the receive error is the reason */ }
                throw;
            }
            await sender; // every queued window answered before the connection closes
        }
        catch (ProtocolException e)
        {
            error = e.Message;
            reason = "protocol error: " + e.Message;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            reason = "daemon stopping";
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            reason = "connection lost: " + (e.InnerException?.Message ?? e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not the client's doing (a model or native library failing): this connection ends, the daemon serves on.
            logger.LogError(e, "Client {Id} {Remote}: decoding failed", id, remote);
            error = "decoding failed: " + e.Message.Split('\n')[0];
            reason = error;
        }
        finally
        {
            if (error is not null)
            {
                logger.LogWarning("Client {Id} {Remote}: {Error}; closing this connection", id, remote, error);
                await TryWriteErrorAsync(stream, error);
            }
            if (streaming)
            {
                stats.Closed(onError: error is not null);
                logger.LogInformation("Client {Id} {Remote}: closed ({Reason}); {Frames} frames, {Samples} samples, {Answered} windows answered, {Dropped} dropped",
                    id, remote, reason, _frames, live!.SamplesIn, _answered, _dropped);
            }
            else if (error is null)
                logger.LogDebug("Client {Id} {Remote}: {Reason}", id, remote, reason);
        }
    }

    private async Task ReceiveAsync(FrameReader reader, LiveStream live, ChannelWriter<LiveWindow> pending, CancellationToken ct)
    {
        var prefix = new byte[4];
        byte[] payload = [];
        while (await reader.ReadExactlyAsync(prefix, ct))
        {
            uint n = BinaryPrimitives.ReadUInt32LittleEndian(prefix);
            if (n == 0)
                throw new ProtocolException($"frame {_frames + 1}: sample count 0");
            if (n > options.MaxSamplesPerFrame)
                throw new ProtocolException($"frame {_frames + 1}: {n} samples exceeds the maximum of {options.MaxSamplesPerFrame} per frame (Serve:MaxSamplesPerFrame)");
            int bytes = checked((int)n * live.NClientChannels * sizeof(float));
            if (payload.Length < bytes) payload = new byte[bytes];
            if (!await reader.ReadExactlyAsync(payload.AsMemory(0, bytes), ct))
                throw new ProtocolException($"connection closed mid-frame (frame {_frames + 1}: length received, no samples)");
            long arrived = Stopwatch.GetTimestamp();
            var samples = Samples(payload.AsSpan(0, bytes));
            foreach (float v in samples)
                if (!float.IsFinite(v))
                    throw new ProtocolException($"frame {_frames + 1}: a sample is not a finite number");
            _frames++;
            live.Push(samples, (int)n, arrived, w => pending.TryWrite(w));
        }
    }

    /// <summary>The frame's float32 samples; the wire is little-endian.</summary>
    private static ReadOnlySpan<float> Samples(Span<byte> bytes)
    {
        if (!BitConverter.IsLittleEndian)
            for (int i = 0; i < bytes.Length; i += 4) bytes.Slice(i, 4).Reverse();
        return MemoryMarshal.Cast<byte, float>(bytes);
    }

    /// <summary>
    /// Decodes the client's windows on up to one worker each (so one client can use every core), and answers them in
    /// order, each as soon as it and those before it are decoded.
    /// </summary>
    private async Task SendAsync(ChannelReader<LiveWindow> pending, Stream stream, CancellationTokenSource cts)
    {
        var ct = cts.Token;
        var inFlight = new Queue<(LiveWindow Window, Task<JsonObject> Decoding)>();
        try
        {
            while (true)
            {
                while (inFlight.Count < model.Workers && pending.TryRead(out var next))
                {
                    var window = next;
                    inFlight.Enqueue((window, Task.Run(() => model.DecodeAsync(window.Data, ct).AsTask(), ct)));
                }
                if (inFlight.Count == model.Workers)
                {
                    await AnswerAsync(inFlight.Dequeue(), stream, ct);
                    continue;
                }
                var more = pending.WaitToReadAsync(ct).AsTask();
                if (inFlight.Count > 0 && await Task.WhenAny(more, inFlight.Peek().Decoding) != more)
                {
                    await AnswerAsync(inFlight.Dequeue(), stream, ct); // answer now, not when the next window comes
                    continue;
                }
                if (!await more) break; // the client ended its stream and every window is taken
            }
            while (inFlight.Count > 0)
                await AnswerAsync(inFlight.Dequeue(), stream, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await cts.CancelAsync(); // the client is gone: stop receiving too
            throw;
        }
    }

    private async Task AnswerAsync((LiveWindow Window, Task<JsonObject> Decoding) item, Stream stream, CancellationToken ct)
    {
        var decoded = await item.Decoding;
        // Latency ends here, when the line is handed to the socket (the write itself is a copy into the kernel).
        double latency = Stopwatch.GetElapsedTime(item.Window.ArrivedTicks).TotalMilliseconds;
        var answer = new JsonObject { ["window_end_sample"] = item.Window.EndSample };
        foreach (var (key, value) in decoded) answer[key] = value?.DeepClone();
        answer["latency_ms"] = Math.Round(latency, 3);
        await WriteLineAsync(stream, answer, ct);
        stats.Decoded(latency);
        _answered++;
    }

    private void OnDropped(string remote)
    {
        stats.Dropped();
        if (Interlocked.Increment(ref _dropped) == 1)
            logger.LogWarning("Client {Id} {Remote}: falling behind, dropping the oldest pending windows (queue of {Capacity})", id, remote, options.PendingWindows);
    }

    private async Task WriteLineAsync(Stream stream, JsonObject json, CancellationToken ct)
    {
        var bytes = Encoding.UTF8.GetBytes(json.ToJsonString(Compact) + "\n");
        await _writeLock.WaitAsync(ct);
        try { await stream.WriteAsync(bytes, ct); }
        finally { _writeLock.Release(); }
    }

    /// <summary>Best effort: a client that is gone or not reading does not hold the connection open.</summary>
    private async Task TryWriteErrorAsync(Stream stream, string error)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await WriteLineAsync(stream, new JsonObject { ["error"] = error }, timeout.Token);
            // Closing with unread input would reset the connection and could discard the error line before the
            // client reads it: say we are done, then discard what the client still sends for up to a second.
            socket.Shutdown(SocketShutdown.Send);
            var sink = new byte[1 << 16];
            while (await stream.ReadAsync(sink, timeout.Token) > 0) { }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException) { }
    }
}
