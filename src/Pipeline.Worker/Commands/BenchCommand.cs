using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Neurodecode.Pipeline.Worker.Bench;

namespace Neurodecode.Pipeline.Worker.Commands;

/// <summary>
/// <c>neurodecode bench</c>: <c>--config CFG --out DIR</c> / <c>--verify DIR</c> (a training config as a reproducible
/// benchmark folder), and the subcommands <c>read</c>, <c>preprocess</c>, <c>serve</c> (throughput and latency).
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("INPUT") { Description = "files or folders (searched for .edf/.bdf/.vhdr/.gdf)", Arity = ArgumentArity.OneOrMore };
        var repeat = new Option<int>("--repeat") { Description = "reads per file; the median counts", DefaultValueFactory = _ => 3 };
        var reference = new Option<string?>("--reference") { Description = "path of mne_reference.py (default: ../shared/tools/mne_reference.py when present; 'none' to skip)" };
        var json = new Option<bool>("--json") { Description = "print the result as JSON" };
        var read = new Command("read", "inspect + full read (MNE's preload=True) of every file, ours vs MNE") { inputs, repeat, reference, json };
        read.SetAction((parse, ct) => CommandHost.RunAsync("bench read", (_, token) =>
        {
            int n = parse.GetValue(repeat);
            if (n < 1) throw new UsageException($"--repeat {n}: must be at least 1");
            var files = ExpandInputs(parse.GetRequiredValue(inputs));
            var result = new ReadBenchmark(files, n).Run(ReferenceScript(parse.GetValue(reference)), token);
            Console.Out.WriteLine(parse.GetValue(json) ? ReadBenchmark.ToJson(result).ToJsonString() : Describe(result));
            return Task.FromResult(CommandHost.ExitOk);
        }, ct));
        var spec = new Option<string>("--pipeline") { Description = "pipeline spec", DefaultValueFactory = _ => "datasets/pipelines/cbramod-physionet-mi.json" };
        var mi = new Argument<string[]>("INPUT") { Description = "EEGMMIDB imagery runs (files or folders)", Arity = ArgumentArity.OneOrMore };
        var jobs = new Option<int>("--jobs") { Description = "files processed at once (each step also uses every core)", DefaultValueFactory = _ => 2 };
        var preprocess = new Command("preprocess", "the preprocess verb on the inputs (after one warm-up run) vs MNE's reference pipeline, same run") { mi, spec, repeat, reference, jobs };
        preprocess.SetAction((parse, ct) => CommandHost.RunAsync("bench preprocess", async (services, token) =>
        {
            var files = ExpandInputs(parse.GetRequiredValue(mi)).Where(f => PreprocessBenchmark.IsImageryRun(f)).ToList();
            if (files.Count == 0) throw new UsageException("no EEGMMIDB imagery runs (SxxxR04/06/08/10/12/14) in the inputs");
            var bench = new PreprocessBenchmark(services.GetRequiredService<Batch.PreprocessJob>(), parse.GetValue(spec)!, files, parse.GetValue(repeat), Math.Max(1, parse.GetValue(jobs)));
            Console.Out.WriteLine(await bench.RunAsync(ReferenceScript(parse.GetValue(reference)), token));
            return CommandHost.ExitOk;
        }, ct, services => services.AddSingleton<Batch.PreprocessJob>()));
        var bench = new Command("bench", "reproducible benchmarks: --config CFG --out DIR runs a training config into a report; --verify DIR reruns and compares")
            { read, preprocess, ServeBench(), TrainBench() };
        AddConfigBench(bench);
        return bench;
    }

    /// <summary><c>bench train [--model cbramod] [--batch 16] [--steps 10] [--threads N]</c>.</summary>
    private static Command TrainBench()
    {
        var model = new Option<string>("--model") { Description = "registered model (`neurodecode models`)", DefaultValueFactory = _ => "cbramod" };
        var batch = new Option<int>("--batch") { Description = "windows per training step", DefaultValueFactory = _ => 16 };
        var steps = new Option<int>("--steps") { Description = "timed training steps (after two warm-up steps)", DefaultValueFactory = _ => 10 };
        var threads = new Option<int>("--threads") { Description = "torch threads for GEMM and training", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("train", "training windows/s and its share of the machine's GEMM rate, single-window inference latency") { model, batch, steps, threads };
        command.SetAction((parse, ct) => CommandHost.RunAsync("bench train", (_, token) =>
        {
            int b = parse.GetValue(batch), s = parse.GetValue(steps), t = parse.GetValue(threads);
            if (b < 1 || s < 1 || t < 1) throw new UsageException("--batch, --steps and --threads must be at least 1");
            Models.Registry.ModelEntry entry;
            try { entry = Models.Registry.ModelRegistry.Get(parse.GetValue(model)!); }
            catch (ArgumentException e) { throw new UsageException("--model: " + e.Message); }
            TrainingBenchmark.Result result;
            try { result = new TrainingBenchmark(entry.Name, b, s, t).Run(token); }
            catch (ArgumentException e) { throw new UsageException("--model: " + e.Message); }
            Console.Out.WriteLine(TrainingBenchmark.Describe(result));
            return Task.FromResult(CommandHost.ExitOk);
        }, ct));
        return command;
    }

    /// <summary>
    /// <c>bench --config CFG --out DIR [--epochs N]</c> and <c>bench --verify DIR</c>, as options of bench itself (the
    /// subcommands stay): a training config as a benchmark folder, and its rerun-and-compare.
    /// Verify exits 0 when identical, 1 when something differs (each difference on a line), 2 for usage errors.
    /// </summary>
    private static void AddConfigBench(Command bench)
    {
        var config = new Option<string?>("--config") { Description = "training config, e.g. datasets/benchmarks/physionet-mi-lr-csp-lda.json" };
        var output = new Option<string?>("--out") { Description = "benchmark folder to write: report.md, metrics.json, manifest.json, plots, model/" };
        var epochs = new Option<int?>("--epochs") { Description = "override trainer.epochs (recorded in the manifest; --verify reuses it)" };
        var verify = new Option<string?>("--verify") { Description = "a benchmark folder: check its inputs' SHA-256, rerun, compare metrics.json" };
        bench.Options.Add(config);
        bench.Options.Add(output);
        bench.Options.Add(epochs);
        bench.Options.Add(verify);
        bench.SetAction((parse, ct) => CommandHost.RunAsync("bench", async (services, token) =>
        {
            var job = services.GetRequiredService<ConfigBenchmark>();
            string? cfg = parse.GetValue(config), outDir = parse.GetValue(output), dir = parse.GetValue(verify);
            if (dir is not null)
            {
                if (cfg is not null || outDir is not null || parse.GetValue(epochs) is not null)
                    throw new UsageException("--verify DIR takes no --config, --out or --epochs (they come from DIR/manifest.json)");
                IReadOnlyList<string> differences;
                using (var display = new ConsoleProgressDisplay())
                {
                    var progress = new TrainCommand.TrainingProgressBar(display);
                    var align = services.GetRequiredService<AlignBenchmark>();
                    IReadOnlyList<string> rerunArgs = ["bench", "--verify", dir];
                    differences = await ConfigBenchmark.VerifyAsync(dir, (configPath, n, rerunDir) => Batch.AlignConfig.IsAlignConfig(configPath)
                        ? align.RunAsync(configPath, rerunDir, rerunArgs, token)
                        : job.RunAsync(configPath, rerunDir, n, rerunArgs, progress, token), token);
                }
                if (differences.Count == 0)
                {
                    Console.Out.WriteLine("identical");
                    return CommandHost.ExitOk;
                }
                Console.Out.WriteLine($"different ({differences.Count}):");
                foreach (var d in differences) Console.Out.WriteLine("  " + d);
                return CommandHost.ExitBadInput;
            }
            if (cfg is null || outDir is null)
                throw new UsageException("give --config CFG.json --out DIR, or --verify DIR, or a subcommand (read, preprocess, serve)");
            if (Batch.AlignConfig.IsAlignConfig(cfg))
            {
                if (parse.GetValue(epochs) is not null) throw new UsageException("--epochs: the ridge aligner has no epochs");
                await services.GetRequiredService<AlignBenchmark>().RunAsync(cfg, outDir, ["neurodecode", .. Environment.GetCommandLineArgs().Skip(1)], token);
                Console.Out.WriteLine($"benchmark written to {outDir}: {ConfigBenchmark.ReportFile}, {ConfigBenchmark.MetricsFile}, {ConfigBenchmark.ManifestFile}");
                return CommandHost.ExitOk;
            }
            using (var display = new ConsoleProgressDisplay())
                await job.RunAsync(cfg, outDir, parse.GetValue(epochs), ["neurodecode", .. Environment.GetCommandLineArgs().Skip(1)],
                    new TrainCommand.TrainingProgressBar(display), token);
            Console.Out.WriteLine($"benchmark written to {outDir}: {ConfigBenchmark.ReportFile}, {ConfigBenchmark.MetricsFile}, {ConfigBenchmark.ManifestFile}");
            return CommandHost.ExitOk;
        }, ct, services => services.AddSingleton<Batch.PreprocessJob>().AddSingleton<Batch.TrainJob>().AddSingleton<ConfigBenchmark>()
            .AddSingleton<Batch.AlignJob>().AddSingleton<AlignBenchmark>()));
    }

    /// <summary><c>bench serve --model MODELDIR --file F [--clients 1] [--speed 1] [--seconds S] [--max-speed]</c>.</summary>
    private static Command ServeBench()
    {
        var model = new Option<string>("--model") { Description = "a model folder written by `neurodecode train`", Required = true };
        var file = new Option<string>("--file") { Description = "the recording every client replays", Required = true };
        var clients = new Option<int>("--clients") { Description = "concurrent replay clients", DefaultValueFactory = _ => 1 };
        var speed = new Option<double>("--speed") { Description = "replay pace (1 = real time)", DefaultValueFactory = _ => 1.0 };
        var seconds = new Option<double?>("--seconds") { Description = "replay only the first S seconds of the file" };
        var maxSpeed = new Option<bool>("--max-speed") { Description = "find the highest pace kept up with (doubling from 1x, then bisecting)" };
        var json = new Option<bool>("--json") { Description = "print the result as JSON" };
        var command = new Command("serve", "the daemon in-process with N replay clients: latency p50/p95/p99 and drops") { model, file, clients, speed, seconds, maxSpeed, json };
        command.SetAction((parse, ct) => CommandHost.RunAsync("bench serve", async (services, token) =>
        {
            int n = parse.GetValue(clients);
            if (n < 1) throw new UsageException($"--clients {n}: must be at least 1");
            string path = parse.GetRequiredValue(file);
            if (!File.Exists(path)) throw new UsageException($"--file {path}: no such file");
            var options = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Live.ServeOptions>>().Value;
            using var live = Live.LiveModel.Load(options.Model, options.EffectiveWorkers, options.TorchThreads);
            var bench = new ServeBenchmark(live, options, path);
            double decodeMs = await bench.WarmUpAsync(token);
            string loadBefore = ServeBenchmark.LoadAverage();
            var runs = new List<ServeBenchmark.Run>();
            double? max = null;
            if (parse.GetValue(maxSpeed))
                (max, runs) = await bench.MaxSpeedAsync(n, parse.GetValue(seconds), token);
            else
                runs.Add(await bench.RunAsync(n, parse.GetValue(speed), parse.GetValue(seconds), token));
            string loadAfter = ServeBenchmark.LoadAverage();
            if (parse.GetValue(json))
                Console.Out.WriteLine(new System.Text.Json.Nodes.JsonObject
                {
                    ["model"] = live.Describe(), ["file"] = path, ["hop_s"] = options.HopS, ["workers"] = live.Workers,
                    ["torch_threads"] = options.TorchThreads, ["runs"] = new System.Text.Json.Nodes.JsonArray(runs.Select(r => (System.Text.Json.Nodes.JsonNode)r.ToJson()).ToArray()),
                    ["decode_alone_ms"] = Math.Round(decodeMs, 3), ["max_speed"] = max, ["load_before"] = loadBefore, ["load_after"] = loadAfter, ["cores"] = Environment.ProcessorCount,
                }.ToJsonString());
            else
            {
                Console.Out.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0} ({1} ch x {2} samples at {3} Hz), hop {4} s, {5} worker(s) x {6} torch thread(s); one decode alone {7:0.0} ms (median of 15); load average before {8}",
                    live.ModelName, live.NChans, live.NTimes, live.Sfreq, options.HopS, live.Workers, options.TorchThreads, decodeMs, loadBefore));
                foreach (var r in runs) Console.Out.WriteLine(r.Describe());
                if (max is { } m) Console.Out.WriteLine(string.Format(CultureInfo.InvariantCulture, "highest pace kept up with: {0}x", m));
                Console.Out.WriteLine($"load average after {loadAfter} ({Environment.ProcessorCount} cores)");
            }
            return CommandHost.ExitOk;
        }, ct, ServeCommand.AddServe, new Dictionary<string, string?> { ["Serve:Model"] = parse.GetValue(model) }));
        return command;
    }

    private static readonly string[] SignalExtensions = [".edf", ".bdf", ".vhdr", ".gdf"];

    private static List<string> ExpandInputs(IEnumerable<string> inputs)
    {
        var files = new List<string>();
        foreach (var input in inputs)
        {
            if (Directory.Exists(input))
                files.AddRange(Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories)
                    .Where(f => SignalExtensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal));
            else if (File.Exists(input))
                files.Add(input);
            else
                throw new UsageException($"{input}: no such file or folder");
        }
        return files.Count > 0 ? files : throw new UsageException("no recordings found in the inputs");
    }

    private static string? ReferenceScript(string? option)
    {
        if (option == "none") return null;
        if (option != null)
            return File.Exists(option) ? option : throw new UsageException($"--reference {option}: no such file");
        string shared = Path.Combine(Directory.GetCurrentDirectory(), "..", "shared", "tools", "mne_reference.py");
        return File.Exists(shared) ? Path.GetFullPath(shared) : null;
    }

    private static string Describe(ReadBenchmark.Result r)
    {
        var inv = CultureInfo.InvariantCulture;
        double mb = r.Bytes / 1e6;
        string line(string who, double s) => string.Format(inv, "{0,-28} {1,8:0.000} s {2,8:0.0} MB/s {3,8:0.0} Msamples/s", who, s, mb / s, r.ChannelSamples / s / 1e6);
        var lines = new List<string>
        {
            string.Format(inv, "{0} files, {1:0.0} MB, {2:0.0} M channel-samples (median of repeats, summed over files)", r.Files, mb, r.ChannelSamples / 1e6),
            line("neurodecode, 1 thread", r.SerialSeconds),
            line($"neurodecode, {r.Threads} threads", r.ParallelSeconds),
        };
        if (r.MneSeconds is { } mne)
        {
            lines.Add(line("MNE read_raw(preload=True)", mne));
            lines.Add(string.Format(inv, "speed-up vs MNE: {0:0.0}x on 1 thread, {1:0.0}x on {2} threads", mne / r.SerialSeconds, mne / r.ParallelSeconds, r.Threads));
        }
        else
            lines.Add("MNE: " + r.MneNote);
        return string.Join(Environment.NewLine, lines);
    }
}
