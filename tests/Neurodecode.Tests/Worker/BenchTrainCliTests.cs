namespace Neurodecode.Tests.Worker;

/// <summary>bench train through the real executable: EEGNet keeps it to seconds; the numbers are machine facts, so
/// the test checks their presence and sanity, not their values.</summary>
public class BenchTrainCliTests
{
    [Fact]
    public void Bench_train_reports_gemm_rate_training_throughput_and_latency()
    {
        var run = Cli.Run("bench", "train", "--model", "eegnet", "--steps", "1", "--batch", "4", "--threads", "1");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("eegnet (3,732 parameters), windows 64 x 800, 1 torch threads, batch 4", run.Stdout);
        Assert.Matches(@"GEMM \(torch.matmul 1024x1024 float32\): \d+\.\d GFLOP/s", run.Stdout);
        Assert.Matches(@"training \(forward \+ backward \+ AdamW\): \d+\.\d\d windows/s", run.Stdout);
        Assert.Matches(@"inference, 1 window, 1 thread: median \d+\.\d ms, p99 \d+\.\d ms", run.Stdout);
    }

    [Fact]
    public void A_model_that_is_not_a_network_is_refused_by_name()
    {
        var run = Cli.Run("bench", "train", "--model", "csp_lda");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("'csp_lda' is not a network", run.Stderr);
    }
}
