using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Neurodecode.Pipeline.Worker.Batch;

namespace Neurodecode.Pipeline.Worker.Commands;

/// <summary>
/// <c>neurodecode decode --model MODELDIR --out OUTDIR INPUT...</c>: a trained model over files, folders, BIDS roots or
/// dataset manifests, one Parquet per recording; resumable, shardable. Exit 0 when every recording is decoded or already
/// was, 1 when some failed (the others are written), 2 for a bad call.
/// </summary>
public static class DecodeCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "a model folder written by `neurodecode train`", Required = true };
        var output = new Option<string>("--out") { Description = "output folder: one <relative path>.parquet per recording", Required = true };
        var sliding = new Option<double?>("--sliding") { Description = "HOP_S: sliding windows of the model's length every HOP_S seconds over the whole recording, instead of the model's epochs" };
        var shard = new Option<string?>("--shard") { Description = "K/N: decode only shard K (0 .. N-1) of N, chosen by a hash of each file's relative path" };
        var embedding = new Option<bool>("--embedding") { Description = "write each window's pooled embedding (emb_0 ... emb_<d-1>) instead of labels; models with an embedding only (cbramod)" };
        var jobs = new Option<int>("--jobs") { Description = "recordings read and preprocessed at once", DefaultValueFactory = _ => 2 };
        var candidates = new Option<string?>("--candidates") { Description = "aligners: a stimulus table (Parquet) to retrieve from instead of the model's" };
        var inputs = new Argument<string[]>("INPUT") { Description = "recordings, folders (searched recursively), BIDS roots or dataset manifests (.json)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("decode", "decode whole datasets with a trained model, one Parquet file per recording") { model, output, sliding, shard, embedding, jobs, candidates, inputs };
        command.SetAction((parse, ct) => CommandHost.RunAsync("decode", async (services, token) =>
        {
            if (AlignerDir.IsAlignerDir(parse.GetRequiredValue(model)))
                return await AlignCommands.DecodeAsync(services, parse.GetRequiredValue(model), parse.GetRequiredValue(inputs), parse.GetRequiredValue(output),
                    parse.GetValue(sliding), parse.GetValue(candidates), parse.GetValue(shard) is not null || parse.GetValue(embedding), token);
            if (parse.GetValue(candidates) is not null)
                throw new UsageException("--candidates applies to aligners only");
            var (k, n) = ParseShard(parse.GetValue(shard));
            var request = new DecodeJob.Request(parse.GetRequiredValue(model), parse.GetRequiredValue(output), parse.GetRequiredValue(inputs),
                parse.GetValue(sliding), k, n, parse.GetValue(jobs), parse.GetValue(embedding));
            var s = await services.GetRequiredService<DecodeJob>().RunAsync(request, token);
            var inv = CultureInfo.InvariantCulture;
            Console.Out.WriteLine(string.Format(inv, "{0} recordings: {1} decoded ({2} windows, {3:0.0} windows/s), {4} skipped (already complete), {5} failed; {6:0.00} s",
                s.Files, s.Decoded, s.Windows, s.Windows / Math.Max(s.Seconds, 1e-9), s.Skipped, s.Failures.Count, s.Seconds));
            Console.Out.WriteLine(string.Format(inv, "time summed over recordings: read+preprocess {0:0.00} s, inference {1:0.00} s, write {2:0.00} s",
                s.PrepareSeconds, s.InferenceSeconds, s.WriteSeconds));
            foreach (var f in s.Failures)
                Console.Out.WriteLine($"failed: {f.File}: {f.Reason}");
            if (s.Failures.Count > 0)
            {
                Console.Error.WriteLine($"neurodecode decode: error: {s.Failures.Count} of {s.Files} recordings failed (listed above); the others were written");
                return CommandHost.ExitBadInput;
            }
            return CommandHost.ExitOk;
        }, ct, services => services.AddSingleton<DecodeJob>().AddSingleton<PreprocessJob>().AddSingleton<AlignJob>()));
        return command;
    }

    /// <summary>"K/N" with 0 ≤ K &lt; N; none = the whole input.</summary>
    private static (int K, int N) ParseShard(string? value)
    {
        if (value is null)
            return (0, 1);
        var parts = value.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int k)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1 && k < n)
            return (k, n);
        throw new UsageException($"--shard {value}: expected K/N with 0 <= K < N (e.g. 0/4 ... 3/4)");
    }
}
