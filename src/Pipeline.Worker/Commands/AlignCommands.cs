using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Neurodecode.Models.Training;
using Neurodecode.Pipeline.Worker.Batch;

namespace Neurodecode.Pipeline.Worker.Commands;

/// <summary>What <c>train</c>, <c>evaluate</c> and <c>decode</c> print for an aligner (a config with <c>stimuli</c>, a
/// model folder with <c>"task": "align"</c>); the work is <see cref="AlignJob"/>'s.</summary>
internal static class AlignCommands
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Describe(RetrievalMetrics m) => string.Format(Inv,
        "{0} windows among {1} candidates: top-1 {2:0.0000} (chance {3:0.0000}), top-{4} {5:0.0000} (chance {6:0.0000}), mean rank {7:0.00} (chance {8:0.00}), cosine to the true embedding {9:0.0000}",
        m.NWindows, m.NCandidates, m.Top1, m.ChanceTop1, m.K, m.TopK, m.ChanceTopK, m.MeanRank, m.ChanceMeanRank, m.MeanCosine);

    public static async Task<int> TrainAsync(IServiceProvider services, string config, string output, string? pretrained, int? epochs, CancellationToken ct)
    {
        var o = await services.GetRequiredService<AlignJob>().TrainAsync(config, output, pretrained, epochs, ct);
        Console.Out.WriteLine(string.Format(Inv, "{0} windows of {1} training stimuli; {2}", o.NTrain, o.NTrainStimuli, o.Summary));
        if (o.Test is { } test)
            Console.Out.WriteLine("test: " + Describe(test));
        Console.Out.WriteLine($"model written to {o.ModelDir}");
        return CommandHost.ExitOk;
    }

    public static async Task<int> EvaluateAsync(IServiceProvider services, string model, IReadOnlyList<string> files, string output, CancellationToken ct)
    {
        var m = await services.GetRequiredService<AlignJob>().EvaluateAsync(model, files, output, ct);
        Console.Out.WriteLine(Describe(m));
        return CommandHost.ExitOk;
    }

    public static async Task<int> DecodeAsync(IServiceProvider services, string model, IReadOnlyList<string> inputs, string output,
        double? sliding, string? candidates, bool classifierOnlyOption, CancellationToken ct)
    {
        if (classifierOnlyOption)
            throw new UsageException("--shard and --embedding apply to classifiers; an aligner's decode writes the embedding always and takes files");
        foreach (var input in inputs)
            if (!File.Exists(input)) throw new UsageException($"{input}: no such file (an aligner decodes recording files)");
        var s = await services.GetRequiredService<AlignJob>().DecodeAsync(model, inputs, output, sliding, candidates, ct);
        Console.Out.WriteLine(string.Format(Inv, "{0} recordings: {1} windows against {2} candidate stimuli; {3:0.00} s ({4:0.000} s inference and retrieval, {5:0.00} ms per window)",
            s.Files, s.Windows, s.Candidates, s.Seconds, s.InferenceSeconds, 1000 * s.InferenceSeconds / Math.Max(s.Windows, 1)));
        return CommandHost.ExitOk;
    }
}
