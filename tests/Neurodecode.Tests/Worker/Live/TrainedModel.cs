using Microsoft.Extensions.Logging.Abstractions;
using Neurodecode.Pipeline.Worker.Batch;
using Neurodecode.Pipeline.Worker.Live;

namespace Neurodecode.Tests.Worker.Live;

/// <summary>
/// A CSP + LDA model trained here on real EEGMMIDB runs (left/right fist, S001–S004 R04) through a pipeline that needs
/// two live substitutions: the zero-phase Butterworth and the FFT resampling 160 → 200 Hz. Weights quality does not
/// matter; the path does. Shared by the tests of one class.
/// </summary>
public sealed class TrainedModel : IDisposable
{
    public const string Pipeline = """
        {"name": "live-test", "steps": [
          {"step": "pick", "kinds": ["eeg"]},
          {"step": "filter", "l_freq": 8, "h_freq": 32, "method": "iir"},
          {"step": "resample", "sfreq": 200},
          {"step": "scale", "unit": "uV"}],
         "epochs": {"tmin": 0, "tmax": 2, "baseline": null, "classes": ["left_fist", "right_fist"],
                    "events": [{"runs": [4], "map": {"T1": "left_fist", "T2": "right_fist"}}]}}
        """;

    private readonly TempDir _dir = TestPaths.TempDir();

    public TrainedModel()
    {
        File.WriteAllText(_dir.File("pipeline.json"), Pipeline);
        var files = new[] { "S001", "S002", "S003", "S004" }.Select(s => $"\"{TestPaths.Shared($"eegmmidb/{s}/{s}R04.edf")}\"");
        File.WriteAllText(_dir.File("train.json"),
            "{\"name\": \"live-test\", \"data\": {\"pipeline\": \"pipeline.json\", \"files\": [" + string.Join(", ", files) + "]}, " +
            "\"model\": {\"name\": \"csp_lda\"}, \"split\": {\"n_val\": 1, \"n_test\": 0, \"seed\": 0}}");
        var preprocess = new PreprocessJob(NullLogger<PreprocessJob>.Instance);
        new TrainJob(preprocess, NullLogger<TrainJob>.Instance).RunAsync(_dir.File("train.json"), Dir, null, CancellationToken.None)
            .GetAwaiter().GetResult();
    }

    public string Dir => _dir.File("model");

    /// <summary>A daemon on a free loopback port with this model (two decode workers, so answers of one client are
    /// decoded in parallel and must still come in order); dispose to stop it.</summary>
    public RunningDaemon Start(Action<ServeOptions>? tweak = null)
    {
        var options = new ServeOptions { Model = Dir, Listen = "127.0.0.1:0", Workers = 2, PendingWindows = 100_000 };
        tweak?.Invoke(options);
        return new RunningDaemon(options);
    }

    public void Dispose() => _dir.Dispose();
}

public sealed class RunningDaemon : IAsyncDisposable
{
    private readonly LiveModel _model;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;

    public RunningDaemon(ServeOptions options)
    {
        Assert.True(new ServeOptionsValidator().Validate(null, options).Succeeded);
        _model = LiveModel.Load(options.Model, options.EffectiveWorkers, options.TorchThreads);
        Daemon = new ServeDaemon(_model, options, NullLogger.Instance);
        Daemon.Start();
        _run = Daemon.RunAsync(_stop.Token);
    }

    public ServeDaemon Daemon { get; }
    public System.Net.IPEndPoint Endpoint => Daemon.Endpoint;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _run.WaitAsync(TimeSpan.FromSeconds(10));
        await Daemon.DisposeAsync();
        _model.Dispose();
        _stop.Dispose();
    }
}
