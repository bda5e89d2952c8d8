using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Neurodecode.Ingest.Formats;
using Neurodecode.Pipeline.Worker.Commands;

namespace Neurodecode.Pipeline.Worker.Live;

/// <summary>What a replay saw: every line the daemon answered, the windows among them and the error line, if any.</summary>
public sealed record ReplayResult(IReadOnlyList<string> Lines, int Windows, string? Error, long SamplesSent, TimeSpan Elapsed);

/// <summary>
/// A client of the daemon's protocol: streams a recording in frames at real-time pace (times <c>speed</c>; 0 = as
/// fast as possible) and collects the answer lines until the daemon has answered everything and closed.
/// </summary>
public static class ReplayClient
{
    /// <summary>HOST:PORT (a name or an address) to an endpoint; a bad value is a usage error.</summary>
    public static async Task<IPEndPoint> ResolveAsync(string hostPort, CancellationToken ct)
    {
        int colon = hostPort.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(hostPort[(colon + 1)..], out int port) || port is < 1 or > 65535)
            throw new UsageException($"--to {hostPort}: expected HOST:PORT");
        string host = hostPort[..colon].Trim('[', ']');
        if (IPAddress.TryParse(host, out var address))
            return new IPEndPoint(address, port);
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(host, ct);
            return new IPEndPoint(addresses.First(a => a.AddressFamily == AddressFamily.InterNetwork), port);
        }
        catch (Exception e) when (e is SocketException or InvalidOperationException)
        {
            throw new UsageException($"--to {hostPort}: cannot resolve '{host}'");
        }
    }

    public static async Task<Socket> ConnectAsync(IPEndPoint to, CancellationToken ct)
    {
        var socket = new Socket(to.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(to, ct);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new IOException($"{to}: {e.Message}");
        }
    }

    /// <summary>The daemon's status line.</summary>
    public static async Task<string> StatusAsync(IPEndPoint to, CancellationToken ct)
    {
        using var socket = await ConnectAsync(to, ct);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync("{\"command\": \"status\"}\n"u8.ToArray(), ct);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadLineAsync(ct) ?? throw new IOException($"{to}: closed without a status line");
    }

    /// <summary>Streams <paramref name="file"/> and calls <paramref name="onLine"/> for each answer line as it arrives.</summary>
    public static async Task<ReplayResult> RunAsync(string file, IPEndPoint to, double speed, double frameS, Action<string>? onLine,
        CancellationToken ct, double? maxSeconds = null)
    {
        if (!(speed >= 0) || double.IsInfinity(speed)) throw new UsageException($"--speed {speed}: must be >= 0 (0 = as fast as possible)");
        if (!(frameS > 0)) throw new UsageException($"--frame {frameS}: must be a positive number of seconds");
        using var recording = SignalFormats.OpenRecording(file);
        var info = recording.Info;
        int frame = Math.Max(1, (int)Math.Round(frameS * info.Sfreq));
        long stop = maxSeconds is { } m ? Math.Min(info.NSamples, (long)Math.Round(m * info.Sfreq)) : info.NSamples;

        using var socket = await ConnectAsync(to, ct);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var lines = new List<string>();
        int windows = 0;
        string? error = null;
        var reading = Task.Run(async () =>
        {
            using var reader = new StreamReader(stream, Encoding.UTF8, leaveOpen: true);
            try
            {
                while (await reader.ReadLineAsync(ct) is { } line)
                {
                    lines.Add(line);
                    if (line.StartsWith("{\"window_end_sample\"", StringComparison.Ordinal)) windows++;
                    else if (line.StartsWith("{\"error\"", StringComparison.Ordinal))
                        error = JsonNode.Parse(line)!["error"]!.GetValue<string>();
                    onLine?.Invoke(line);
                }
            }
            catch (IOException) when (error is not null) { } // the daemon closed after its error line
        }, CancellationToken.None);

        var header = new JsonObject
        {
            ["channels"] = new JsonArray(info.Channels.Select(c => (JsonNode)c.Name).ToArray()),
            ["sfreq"] = info.Sfreq, ["unit"] = "V",
        };
        var clock = Stopwatch.StartNew();
        long sent = 0;
        try
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(header.ToJsonString() + "\n"), ct);
            byte[] buffer = [];
            foreach (var block in recording.Blocks(0, stop, blockSize: frame))
            {
                if (reading.IsCompleted) break; // the daemon refused the stream
                if (speed > 0)
                {
                    // Send a frame once its last sample would have been acquired.
                    var due = TimeSpan.FromSeconds((block.FirstSample + block.NSamples) / info.Sfreq / speed);
                    if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed, ct);
                }
                int bytes = 4 + block.NChannels * block.NSamples * 4;
                if (buffer.Length < bytes) buffer = new byte[bytes];
                BinaryPrimitives.WriteUInt32LittleEndian(buffer, (uint)block.NSamples);
                for (int i = 0; i < block.NChannels * block.NSamples; i++)
                    BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(4 + 4 * i), (float)block.Data[i]);
                await stream.WriteAsync(buffer.AsMemory(0, bytes), ct);
                sent += block.NSamples;
            }
            socket.Shutdown(SocketShutdown.Send); // end of stream: the daemon answers what is pending, then closes
        }
        catch (Exception e) when ((e is IOException or SocketException) && reading.IsCompleted) { } // refused mid-stream
        await reading;
        return new ReplayResult(lines, windows, error, sent, clock.Elapsed);
    }
}
