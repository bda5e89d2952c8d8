using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.FileSystemGlobbing;
using Neurodecode.Models.Training;
using Neurodecode.Pipeline.Worker.Commands;
using Neurodecode.Preprocess.Steps;

namespace Neurodecode.Pipeline.Worker.Batch;

/// <summary>
/// A training run as written in <c>datasets/benchmarks/*.json</c>: which recordings through which preprocess pipeline
/// (paths and globs relative to the config file), which classes, which model (a registry name plus overrides of its
/// reference config; n_chans, n_times, n_outputs and sfreq come from the data), the subject-wise split (or a
/// within-subject k-fold) and the trainer.
/// </summary>
public sealed record TrainConfig(
    string Name,
    TrainData Data,
    TrainModel Model,
    SubjectSplitSpec? Split = null,
    TrainerOptions? Trainer = null,
    string? Description = null,
    WithinSubjectSpec? WithinSubject = null)
{
    public static TrainConfig Load(string path) => ConfigFile.Load<TrainConfig>(path, c =>
    {
        if ((c.Split is null) == (c.WithinSubject is null))
            throw new ArgumentException("give either split (subject-wise train/val/test) or within_subject (k-fold per subject), not both or neither");
        c.WithinSubject?.Validate();
        c.Trainer?.Validate();
    }, "config");
}

/// <summary>MOABB's WithinSessionEvaluation: stratified k-fold inside each subject (and session), a model per fold;
/// trained networks hold out the next fold for model selection.</summary>
public sealed record WithinSubjectSpec(int K = 5, long Seed = 42)
{
    public void Validate()
    {
        if (K < 2) throw new ArgumentException($"within_subject.k ({K}) must be at least 2");
    }
}

/// <summary>Reads a run config (train, pretrain) strictly: unknown keys, wrong types and invalid values are one-line
/// usage errors naming the file and the JSON path.</summary>
public static class ConfigFile
{
    public static T Load<T>(string path, Action<T> validate, string validatedPart) where T : class
    {
        try
        {
            var config = JsonSerializer.Deserialize<T>(File.ReadAllText(path), PipelineJson.Options)
                ?? throw new UsageException($"{path}: empty config");
            try { validate(config); }
            catch (ArgumentException e) { throw new UsageException($"{path}: {validatedPart}: {e.Message}"); }
            return config;
        }
        catch (JsonException e)
        {
            throw new UsageException($"{path}{(e.Path is { Length: > 0 } p ? " at " + p : "")}: {e.Message.Split('\n')[0]}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{path}: {e.Message}");
        }
    }
}

/// <param name="Pipeline">The preprocess spec, relative to the config file.</param>
/// <param name="Files">Recordings or globs (<c>**/S*R04.edf</c>), relative to the config file; sorted, each once.</param>
/// <param name="Classes">The classes to train on, a subset of the pipeline's (null = all); ids are renumbered in this order.</param>
/// <param name="Labels">Recording-level labels from a participants table, for pipelines with sliding <c>windows</c>:
/// every window takes its recording's class (<see cref="LabelsSpec"/>).</param>
public sealed record TrainData(string Pipeline, IReadOnlyList<string> Files, IReadOnlyList<string>? Classes = null, LabelsSpec? Labels = null)
{
    public IReadOnlyList<string> ResolveFiles(string configDir)
    {
        var files = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var pattern in Files)
        {
            string full = Path.GetFullPath(Path.Combine(configDir, pattern));
            if (!pattern.Contains('*'))
            {
                if (!File.Exists(full)) throw new UsageException($"data.files: {pattern}: no such file (looked for {full})");
                files.Add(full);
                continue;
            }
            // Globs: the fixed leading folders are the root, the rest is the pattern.
            var parts = pattern.Replace('\\', '/').Split('/');
            int fixedParts = parts.TakeWhile(p => !p.Contains('*')).Count();
            string root = Path.GetFullPath(Path.Combine(configDir, string.Join('/', parts.Take(fixedParts))));
            var matcher = new Matcher(StringComparison.Ordinal);
            matcher.AddInclude(string.Join('/', parts.Skip(fixedParts)));
            var found = Directory.Exists(root) ? matcher.GetResultsInFullPath(root).ToList() : [];
            if (found.Count == 0) throw new UsageException($"data.files: {pattern}: matches no file (under {root})");
            files.UnionWith(found);
        }
        return files.ToList();
    }
}

/// <param name="Name">Registry name: <c>neurodecode models</c> lists them.</param>
/// <param name="Config">Overrides of the model's reference config (snake_case keys).</param>
/// <param name="Pretrained">A CBraMod pretraining checkpoint (relative to the config) whose weights initialise the backbone.</param>
/// <param name="HeadLr">Learning rate of the classification head when it differs from the backbone's (trainer.lr), as
/// CBraMod's fine-tuning does (1e-4 backbone, 5e-4 head); models without a separate head refuse it.</param>
public sealed record TrainModel(string Name, JsonObject? Config = null, string? Pretrained = null, double? HeadLr = null);
