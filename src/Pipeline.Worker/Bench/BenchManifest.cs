using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Neurodecode.Models.Native;
using Neurodecode.Pipeline.Worker.Batch;
using Neurodecode.Pipeline.Worker.Commands;

namespace Neurodecode.Pipeline.Worker.Bench;

/// <summary>
/// manifest.json of a benchmark folder: what anyone needs to rerun it and to know whether a rerun may differ — every
/// input file (config, pipeline spec, recordings, pretrained checkpoint) with its SHA-256 and size, the config verbatim,
/// the seeds and epochs override, the code (git commit, dirty flag), the runtime and package versions, the machine.
/// </summary>
public static class BenchManifest
{
    public static async Task<JsonObject> CreateAsync(string configPath, TrainConfig config, int? epochs, DateTimeOffset started,
        IReadOnlyList<string> commandLine, CancellationToken ct)
    {
        string configFull = Path.GetFullPath(configPath);
        string configDir = Path.GetDirectoryName(configFull)!;
        string pipelinePath = Path.GetFullPath(Path.Combine(configDir, config.Data.Pipeline));
        var inputs = new List<(string Role, string Path)> { ("config", configFull), ("pipeline", pipelinePath) };
        inputs.AddRange(config.Data.ResolveFiles(configDir).Select(f => ("recording", f)));
        if (config.Model.Pretrained is { } pretrained)
        {
            string p = Path.GetFullPath(Path.Combine(configDir, pretrained));
            if (Directory.Exists(p)) p = Path.Combine(p, TrainJob.WeightsFile);
            if (!File.Exists(p)) throw new UsageException($"model.pretrained: {pretrained}: no such checkpoint (looked for {p})");
            inputs.Add(("pretrained", p));
        }
        var inputNodes = new JsonArray();
        foreach (var (role, path) in inputs)
            inputNodes.Add(new JsonObject { ["role"] = role, ["path"] = path, ["sha256"] = await Batch.FileSha256.OfAsync(path, ct), ["size"] = new FileInfo(path).Length });

        string configText = await File.ReadAllTextAsync(configFull, ct);
        string pipelineText = await File.ReadAllTextAsync(pipelinePath, ct);
        var trainer = config.Trainer ?? new Models.Training.TrainerOptions();
        return new JsonObject
        {
            ["started_at"] = started.ToString("O"),
            ["command_line"] = new JsonArray(commandLine.Select(a => (JsonNode)a).ToArray()),
            ["machine"] = Environment.MachineName,
            ["git"] = Git(configDir) ?? Git(AppContext.BaseDirectory) ?? new JsonObject { ["commit"] = null, ["dirty"] = null },
            ["config"] = new JsonObject
            {
                ["path"] = configFull,
                ["sha256"] = inputNodes[0]!["sha256"]!.GetValue<string>(),
                ["name"] = config.Name,
                ["json"] = JsonNode.Parse(configText),
            },
            ["pipeline"] = new JsonObject
            {
                ["path"] = pipelinePath, ["sha256"] = inputNodes[1]!["sha256"]!.GetValue<string>(), ["spec"] = JsonNode.Parse(pipelineText),
            },
            ["seeds"] = new JsonObject
            {
                ["split"] = config.Split?.Seed, ["within_subject"] = config.WithinSubject?.Seed, ["trainer"] = trainer.Seed,
            },
            ["epochs"] = epochs,
            ["inputs"] = inputNodes,
        };
    }

    /// <summary>Runtime facts known only once training ran: torch's thread count, the loaded packages' versions.</summary>
    public static void AddRuntime(JsonObject manifest)
    {
        TorchRuntime.EnsureLoaded();
        manifest["runtime"] = new JsonObject
        {
            ["dotnet"] = RuntimeInformation.FrameworkDescription,
            ["os"] = RuntimeInformation.OSDescription,
            ["architecture"] = RuntimeInformation.OSArchitecture.ToString(),
            ["processor_count"] = Environment.ProcessorCount,
            ["torch_threads"] = TorchSharp.torch.get_num_threads(),
        };
        manifest["packages"] = new JsonObject
        {
            ["neurodecode"] = Version(typeof(BenchManifest).Assembly),
            ["TorchSharp"] = Version(typeof(TorchSharp.torch).Assembly),
            ["MathNet.Numerics"] = Version(typeof(MathNet.Numerics.Control).Assembly),
            ["Parquet.Net"] = Version(typeof(Parquet.ParquetWriter).Assembly),
            ["ScottPlot"] = Version(typeof(ScottPlot.Plot).Assembly),
            ["System.CommandLine"] = Version(typeof(System.CommandLine.Command).Assembly),
        };
    }

    /// <summary>Inputs missing or changed since the manifest was written, one line each.</summary>
    public static async Task<List<string>> CheckInputsAsync(JsonObject manifest, CancellationToken ct)
    {
        var differences = new List<string>();
        foreach (var input in manifest["inputs"]?.AsArray() ?? throw new UsageException("manifest.json: no inputs"))
        {
            if (input?["path"]?.GetValue<string>() is not { } path || input["sha256"]?.GetValue<string>() is not { } sha)
                throw new UsageException("manifest.json: an input without path or sha256");
            if (!File.Exists(path))
            {
                differences.Add($"input {path}: missing (recorded SHA-256 {sha})");
                continue;
            }
            string now = await Batch.FileSha256.OfAsync(path, ct);
            if (now != sha)
                differences.Add($"input {path}: SHA-256 {now} differs from the recorded {sha}");
        }
        return differences;
    }

    /// <summary>Recordings one run read and the other did not (a glob that now matches other files).</summary>
    public static IEnumerable<string> CompareInputLists(JsonObject recorded, JsonObject rerun)
    {
        static HashSet<string> Paths(JsonObject m) => m["inputs"]!.AsArray().Select(i => i!["path"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        var a = Paths(recorded);
        var b = Paths(rerun);
        foreach (var p in a.Except(b).Order(StringComparer.Ordinal)) yield return $"input {p}: read by the recorded run, not by the rerun";
        foreach (var p in b.Except(a).Order(StringComparer.Ordinal)) yield return $"input {p}: read by the rerun, not by the recorded run";
    }

    private static string? Version(Assembly assembly)
    {
        string? v = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString();
        return v?.Split('+')[0];  // drop the source commit some packages append
    }

    /// <summary>The commit of the git work tree holding <paramref name="start"/> and whether tracked files differ from
    /// it; null when there is no work tree or no git.</summary>
    internal static JsonObject? Git(string start)
    {
        var dir = new DirectoryInfo(Path.GetFullPath(start));
        while (dir is not null && !Path.Exists(Path.Combine(dir.FullName, ".git")))  // a worktree's .git is a file
            dir = dir.Parent;
        if (dir is null) return null;
        string? commit = RunGit(dir.FullName, "rev-parse", "HEAD");
        if (commit is null) return null;
        string? status = RunGit(dir.FullName, "status", "--porcelain", "--untracked-files=no");
        return new JsonObject { ["root"] = dir.FullName, ["commit"] = commit, ["dirty"] = status is null ? null : status.Length > 0 };
    }

    private static string? RunGit(string dir, params string[] args)
    {
        var psi = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-C");
        psi.ArgumentList.Add(dir);
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd();
            p.StandardError.ReadToEnd();
            if (!p.WaitForExit(10_000)) { p.Kill(); return null; }
            return p.ExitCode == 0 ? output.Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; }  // git not installed
    }
}
