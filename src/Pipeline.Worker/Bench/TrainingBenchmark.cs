using System.Diagnostics;
using System.Globalization;
using Neurodecode.Models.Encoders.CBraMod;
using Neurodecode.Models.Native;
using Neurodecode.Models.Registry;
using Neurodecode.Models.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Neurodecode.Pipeline.Worker.Bench;

/// <summary>
/// What training and inference cost on this machine, next to what it can do: the GEMM rate of
/// <c>torch.matmul</c> on 1024 x 1024 float32 (the ceiling for dense layers), training steps of the model (forward,
/// cross-entropy, backward, AdamW) on random windows of its shape, and single-window inference latency on one thread.
/// For CBraMod the analytic FLOP count (<see cref="CBraModConfig.ForwardFlops"/>) turns windows/s into the fraction
/// of that ceiling the training reaches.
/// </summary>
public sealed class TrainingBenchmark(string modelName, int batchSize, int steps, int threads)
{
    public sealed record Result(string Model, string Shape, long Parameters, int Threads, int BatchSize, double GemmGflops,
        double TrainWindowsPerSecond, double? ForwardGflopPerWindow, double? TrainGflops, double? GemmFraction,
        double LatencyMedianMs, double LatencyP99Ms);

    public Result Run(CancellationToken ct)
    {
        TorchRuntime.EnsureLoaded(threads);
        var entry = ModelRegistry.Get(modelName);
        // CBraMod at the shape (64 channels x 4 patches x 200 samples, 4 classes); the others as registered.
        var config = entry.Name == CBraModModel.Entry.Name ? CBraModConfig.PhysioNetMI() : entry.ReferenceConfig();
        manual_seed(0);
        using var model = entry.Create(config);
        var module = (model as ITorchModel)?.Module ?? throw new ArgumentException($"'{entry.Name}' is not a network; nothing to time");

        double gemm = GemmGflops(ct);
        double windowsPerSecond = TrainWindowsPerSecond(module, config, ct);
        var (median, p99) = Latency(module, config, ct);
        double? forward = config is CBraModConfig c ? c.ForwardFlops() / 1e9 : null;
        double? train = forward * 3 * windowsPerSecond;
        return new Result(entry.Name, $"{config.NChans} x {config.NTimes}", model.ParameterCount, threads, batchSize, gemm,
            windowsPerSecond, forward, train, train / gemm, median, p99);
    }

    private static double GemmGflops(CancellationToken ct)
    {
        const int n = 1024;
        using var a = randn(n, n);
        using var b = randn(n, n);
        for (int i = 0; i < 3; i++) matmul(a, b).Dispose();
        int reps = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < 2 || reps < 10)
        {
            ct.ThrowIfCancellationRequested();
            matmul(a, b).Dispose();
            reps++;
        }
        return 2.0 * n * n * n * reps / clock.Elapsed.TotalSeconds / 1e9;
    }

    private double TrainWindowsPerSecond(nn.Module<Tensor, Tensor> module, ModelConfig config, CancellationToken ct)
    {
        module.train();
        using var optimizer = Optimization.AdamW(module, ParameterGroup.All(module, 1e-4), 0.05);
        using var x = randn(batchSize, config.NChans, config.NTimes);
        using var y = randint(config.NOutputs, [batchSize], dtype: ScalarType.Int64);
        void Step()
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            Optimization.CrossEntropy(module.forward(x), y, 0.1).backward();
            optimizer.step();
        }
        Step();   // warm-up: allocations, AdamW state
        Step();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++)
        {
            ct.ThrowIfCancellationRequested();
            Step();
        }
        return (double)batchSize * steps / clock.Elapsed.TotalSeconds;
    }

    /// <summary>One window at a time in eval mode without gradients, on one thread (a live decoder's case).</summary>
    private static (double Median, double P99) Latency(nn.Module<Tensor, Tensor> module, ModelConfig config, CancellationToken ct)
    {
        int before = torch.get_num_threads();
        torch.set_num_threads(1);
        module.eval();
        try
        {
            using var _ = no_grad();
            using var x = randn(1, config.NChans, config.NTimes);
            for (int i = 0; i < 5; i++) module.forward(x).Dispose();
            var ms = new double[100];
            for (int i = 0; i < ms.Length; i++)
            {
                ct.ThrowIfCancellationRequested();
                long t = Stopwatch.GetTimestamp();
                module.forward(x).Dispose();
                ms[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            }
            Array.Sort(ms);
            return (ms[ms.Length / 2], ms[(int)Math.Ceiling(0.99 * ms.Length) - 1]);
        }
        finally
        {
            torch.set_num_threads(before);
        }
    }

    public static string Describe(Result r)
    {
        var inv = CultureInfo.InvariantCulture;
        var lines = new List<string>
        {
            string.Format(inv, "{0} ({1:N0} parameters), windows {2}, {3} torch threads, batch {4}", r.Model, r.Parameters, r.Shape, r.Threads, r.BatchSize),
            string.Format(inv, "GEMM (torch.matmul 1024x1024 float32): {0:0.0} GFLOP/s", r.GemmGflops),
            string.Format(inv, "training (forward + backward + AdamW): {0:0.00} windows/s", r.TrainWindowsPerSecond),
        };
        if (r.TrainGflops is double g)
            lines.Add(string.Format(inv, "  = {0:0.0} GFLOP/s at {1:0.000} GFLOP forward (x3 for a training step) per window: {2:P0} of the GEMM rate",
                g, r.ForwardGflopPerWindow, r.GemmFraction));
        lines.Add(string.Format(inv, "inference, 1 window, 1 thread: median {0:0.0} ms, p99 {1:0.0} ms", r.LatencyMedianMs, r.LatencyP99Ms));
        return string.Join(Environment.NewLine, lines);
    }
}
