using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Signals;
using Neurodecode.Pipeline.Worker.Batch;
using Neurodecode.Pipeline.Worker.Live;
using Neurodecode.Preprocess.Steps;

namespace Neurodecode.Tests.Worker.Live;

/// <summary>
/// The daemon in-process on a free port with a CSP + LDA model trained on real runs, driven by real clients over TCP.
/// </summary>
public class ServeTests(TrainedModel trained) : IClassFixture<TrainedModel>
{
    private const double Hop = 0.25;
    private static readonly string Unseen = TestPaths.Shared("eegmmidb/S005/S005R04.edf"); // not a training subject

    private sealed record Answer(long End, string Label, double[] Probs);

    /// <summary>
    /// The reference: the model's pipeline in its live (causal) form run offline over the whole recording as sent on
    /// the wire (float32 volts), windows of the model's length ending every hop, each decoded on its own.
    /// </summary>
    private List<Answer> Reference(string file, double seconds)
    {
        using var model = ModelDir.Open(trained.Dir);
        using var recording = SignalFormats.OpenRecording(file);
        var names = recording.Info.Channels.Select(c => c.Name).ToList();
        int[] picks = model.InputChannels!.Select(c => names.IndexOf(c.Name)).ToArray();
        int n = (int)Math.Min(recording.Info.NSamples, Math.Round(seconds * recording.Info.Sfreq));
        var block = recording.ReadAll(0, n, picks);
        for (int i = 0; i < block.Data.Length; i++) block.Data[i] = (float)block.Data[i];
        var live = LivePipeline.Resolve(model.Pipeline,
            new SignalInfo(model.InputChannels!.Select(c => c with { Sfreq = recording.Info.Sfreq }).ToArray(), recording.Info.Sfreq, n));
        var output = live.Start().Process(block);

        int length = model.Model.Config.NTimes, hop = (int)Math.Round(Hop * live.Output.Sfreq), nCh = output.NChannels;
        var answers = new List<Answer>();
        for (int end = length; end <= output.NSamples; end += hop)
        {
            var window = new float[nCh * length];
            for (int c = 0; c < nCh; c++)
                for (int t = 0; t < length; t++)
                    window[c * length + t] = (float)output.Data[c * output.NSamples + end - length + t];
            var logits = model.Model.Forward(window, 1);
            var probs = new double[logits.Length];
            EvaluateJob.Softmax(logits, probs);
            int best = Array.IndexOf(probs, probs.Max());
            answers.Add(new Answer(live.InputsFor(end - 1), model.Classes[best], probs));
        }
        return answers;
    }

    private static List<Answer> Windows(IEnumerable<string> lines) => lines.Select(l => JsonNode.Parse(l)!.AsObject())
        .Where(o => o.ContainsKey("window_end_sample"))
        .Select(o => new Answer(o["window_end_sample"]!.GetValue<long>(), o["label"]!.GetValue<string>(),
            o["probs"]!.AsObject().Select(p => p.Value!.GetValue<double>()).ToArray()))
        .ToList();

    [Fact]
    public async Task Replaying_a_real_recording_gives_the_causal_pipeline_run_offline_window_for_window()
    {
        await using var daemon = trained.Start();
        var result = await ReplayClient.RunAsync(Unseen, daemon.Endpoint, speed: 0, frameS: 0.0625, null, CancellationToken.None);
        Assert.Null(result.Error);

        var first = JsonNode.Parse(result.Lines[0])!.AsObject();
        Assert.Equal(["filter", "resample"], first["substitutions"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()));
        var expected = Reference(Unseen, double.PositiveInfinity);
        var got = Windows(result.Lines);
        Assert.Equal(expected.Count, got.Count);
        Assert.True(expected.Count > 400, $"{expected.Count} windows");
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].End, got[i].End);
            Assert.Equal(expected[i].Label, got[i].Label);
            Assert.Equal(expected[i].Probs, got[i].Probs); // same float32 windows, same model: exactly
        }
        Assert.Equal(2, expected.Select(a => a.Label).Distinct().Count()); // not a constant answer
    }

    [Fact]
    public async Task Frames_of_any_size_give_identical_answers()
    {
        await using var daemon = trained.Start();
        var runs = new List<List<Answer>>();
        foreach (double frame in new[] { 1 / 160.0, 0.0625, 0.7, 3.3 })
        {
            var result = await ReplayClient.RunAsync(Unseen, daemon.Endpoint, 0, frame, null, CancellationToken.None, maxSeconds: 30);
            Assert.Null(result.Error);
            runs.Add(Windows(result.Lines));
        }
        Assert.Equal(Reference(Unseen, 30).Count, runs[0].Count);
        foreach (var run in runs.Skip(1))
        {
            Assert.Equal(runs[0].Select(a => a.End), run.Select(a => a.End));
            Assert.Equal(runs[0].Select(a => a.Label), run.Select(a => a.Label));
            Assert.Equal(runs[0].SelectMany(a => a.Probs), run.SelectMany(a => a.Probs));
        }
    }

    private static string Header(Func<IEnumerable<string>, IEnumerable<string>>? channels = null, double sfreq = 160)
    {
        using var recording = SignalFormats.OpenRecording(Unseen);
        var names = recording.Info.Channels.Select(c => c.Name);
        return new JsonObject
        {
            ["channels"] = new JsonArray((channels?.Invoke(names) ?? names).Select(n => (JsonNode)n!).ToArray()),
            ["sfreq"] = sfreq, ["unit"] = "V",
        }.ToJsonString() + "\n";
    }

    private static byte[] Frame(uint nSamples, int nChannels, int payloadBytes = -1)
    {
        int bytes = payloadBytes >= 0 ? payloadBytes : (int)nSamples * nChannels * 4;
        var frame = new byte[4 + bytes];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, nSamples);
        return frame;
    }

    /// <summary>Sends <paramref name="bytes"/>, then reads until the daemon closes: the error line, if any.</summary>
    private static async Task<string?> ErrorAfter(IPEndPoint to, params byte[][] bytes)
    {
        using var socket = await ReplayClient.ConnectAsync(to, CancellationToken.None);
        await using var stream = new NetworkStream(socket);
        foreach (var b in bytes) await stream.WriteAsync(b);
        using var reader = new StreamReader(stream);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        string? error = null;
        while (await reader.ReadLineAsync(timeout.Token) is { } line) // ends only when the daemon closes
            if (JsonNode.Parse(line)!.AsObject().TryGetPropertyValue("error", out var e))
                error = e!.GetValue<string>();
        return error;
    }

    [Fact]
    public async Task Protocol_errors_close_only_their_connection_while_another_client_keeps_getting_answers()
    {
        await using var daemon = trained.Start(o => o.MaxSamplesPerFrame = 1000);
        var firstWindow = new TaskCompletionSource();
        DateTime lastAnswer = default;
        var good = ReplayClient.RunAsync(TestPaths.Shared("eegmmidb/S006/S006R04.edf"), daemon.Endpoint, speed: 4, frameS: 0.0625,
            line => { if (line.Contains("window_end_sample")) { lastAnswer = DateTime.UtcNow; firstWindow.TrySetResult(); } },
            CancellationToken.None, maxSeconds: 24);
        await firstWindow.Task.WaitAsync(TimeSpan.FromSeconds(20));

        var header = Encoding.UTF8.GetBytes(Header());
        Assert.StartsWith("header is not JSON", await ErrorAfter(daemon.Endpoint, "{\"channels\": [\"C3\"\n"u8.ToArray()));
        Assert.StartsWith("header: unknown key 'rate'", await ErrorAfter(daemon.Endpoint, "{\"rate\": 160}\n"u8.ToArray()));
        Assert.StartsWith("missing 1 channel(s) the model needs: 'C3..'",
            await ErrorAfter(daemon.Endpoint, Encoding.UTF8.GetBytes(Header(n => n.Where(c => c != "C3..")))));
        Assert.Contains("Nyquist", await ErrorAfter(daemon.Endpoint, Encoding.UTF8.GetBytes(Header(sfreq: 50))));
        Assert.Equal("frame 1: sample count 0", await ErrorAfter(daemon.Endpoint, header, Frame(0, 64)));
        Assert.StartsWith("frame 2: 1001 samples exceeds the maximum of 1000",
            await ErrorAfter(daemon.Endpoint, header, Frame(10, 64), Frame(1001, 64)));

        long closedOnError = daemon.Daemon.Stats.ToJson()["connections_closed_on_error"]!.GetValue<long>();
        using (var socket = await ReplayClient.ConnectAsync(daemon.Endpoint, CancellationToken.None))
        {
            socket.Send(header);
            // Read the daemon's first line before leaving: closing with it unread would send a reset (a lost
            // connection, not a protocol error) instead of an orderly close mid-frame.
            socket.ReceiveTimeout = 10_000;
            var one = new byte[1];
            while (socket.Receive(one) == 1 && one[0] != (byte)'\n') { }
            socket.Send(Frame(10, 64, payloadBytes: 1000)); // 2560 bytes announced, 1000 sent, then gone
        }
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (daemon.Daemon.Stats.ToJson()["connections_closed_on_error"]!.GetValue<long>() == closedOnError && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        Assert.Equal(closedOnError + 1, daemon.Daemon.Stats.ToJson()["connections_closed_on_error"]!.GetValue<long>());
        var errorsDone = DateTime.UtcNow;

        var result = await good;
        Assert.Null(result.Error);
        Assert.Equal(Reference(TestPaths.Shared("eegmmidb/S006/S006R04.edf"), 24).Count, result.Windows);
        Assert.True(lastAnswer > errorsDone, "the good client got answers after the bad connections were closed");
        Assert.Equal(0, daemon.Daemon.Stats.WindowsDropped);
    }

    [Fact]
    public async Task A_client_that_stops_reading_costs_dropped_windows_counted_not_memory()
    {
        await using var daemon = trained.Start(o => { o.PendingWindows = 4; o.SendBufferBytes = 4096; });
        using var recording = SignalFormats.OpenRecording(Unseen);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 2048 };
        await socket.ConnectAsync(daemon.Endpoint);
        socket.Send(Encoding.UTF8.GetBytes(Header()));
        foreach (var block in recording.Blocks(blockSize: 160)) // the whole recording, not reading a single answer
        {
            var frame = Frame((uint)block.NSamples, block.NChannels);
            for (int i = 0; i < block.Data.Length; i++)
                BinaryPrimitives.WriteSingleLittleEndian(frame.AsSpan(4 + 4 * i), (float)block.Data[i]);
            socket.Send(frame);
        }
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (daemon.Daemon.Stats.WindowsDropped == 0 && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        await using var stream = new NetworkStream(socket);
        socket.Shutdown(SocketShutdown.Send);
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (await reader.ReadLineAsync() is { } line) lines.Add(line);

        int answered = Windows(lines).Count;
        long dropped = daemon.Daemon.Stats.WindowsDropped;
        Assert.True(dropped > 0, "a client that does not read must make the daemon drop windows");
        Assert.Equal(Reference(Unseen, double.PositiveInfinity).Count, answered + dropped); // every window answered or counted
        var status = JsonNode.Parse(await ReplayClient.StatusAsync(daemon.Endpoint, CancellationToken.None))!;
        Assert.Equal(dropped, status["windows_dropped"]!.GetValue<long>());
        Assert.Equal(answered, status["windows_decoded"]!.GetValue<long>());
    }

    [Fact]
    public async Task Status_reports_connections_windows_drops_and_latency_through_the_cli()
    {
        await using var daemon = trained.Start();
        var result = await ReplayClient.RunAsync(Unseen, daemon.Endpoint, 0, 0.0625, null, CancellationToken.None, maxSeconds: 10);
        Assert.True(result.Windows > 0);

        var cli = await Task.Run(() => Cli.Run("status", "--to", daemon.Endpoint.ToString()));
        Assert.True(cli.ExitCode == 0, cli.Stderr);
        var status = JsonNode.Parse(cli.Stdout.Trim())!;
        Assert.Equal(0, status["connections"]!.GetValue<int>());
        Assert.Equal(1, status["connections_total"]!.GetValue<long>());
        Assert.Equal(result.Windows, status["windows_decoded"]!.GetValue<long>());
        Assert.Equal(0, status["windows_dropped"]!.GetValue<long>());
        var latency = status["latency_ms"]!;
        Assert.Equal(result.Windows, latency["n"]!.GetValue<int>());
        Assert.True(latency["p50"]!.GetValue<double>() <= latency["p95"]!.GetValue<double>());
        Assert.True(latency["p95"]!.GetValue<double>() <= latency["p99"]!.GetValue<double>());
    }

    [Fact]
    public void Serve_validates_its_options_before_loading_anything()
    {
        var noModel = Cli.Run("serve", "--model", "/nonexistent/model");
        Assert.Equal(2, noModel.ExitCode);
        Assert.Contains("not a model folder", noModel.Stderr);
        Assert.Single(noModel.Stderr.Trim().Split('\n'));

        var badHop = Cli.Run("serve", "--model", trained.Dir, "--hop", "0", "--listen", "127.0.0.1:notaport");
        Assert.Equal(2, badHop.ExitCode);
        Assert.Contains("Serve:HopS (--hop): 0", badHop.Stderr);
        Assert.Contains("Serve:Listen (--listen): '127.0.0.1:notaport'", badHop.Stderr);
    }
}
