using System.Text.Json.Nodes;

namespace Neurodecode.Pipeline.Worker.Batch;

/// <summary>
/// Training an aligner (windows → stimulus embeddings), as written in <c>datasets/benchmarks/paired-*.json</c>: the
/// recordings through a pipeline whose epochs take their events from the <c>stimulus/&lt;id&gt;</c> annotations, the
/// stimulus table that gives each trial's target embedding, the aligner, and optional held-out test recordings scored
/// by retrieval among the stimuli they show. Paths and globs are relative to the config file.
/// </summary>
public sealed record AlignConfig(string Name, AlignData Data, AlignStimuli Stimuli, AlignModel Model, string? Description = null)
{
    /// <summary>A training config with a <c>stimuli</c> section is an aligner's (<c>train</c> routes it here).</summary>
    public static bool IsAlignConfig(string path)
    {
        try { return JsonNode.Parse(File.ReadAllText(path)) is JsonObject o && o.ContainsKey("stimuli"); }
        catch (Exception e) when (e is System.Text.Json.JsonException or IOException or UnauthorizedAccessException) { return false; }
    }

    public static AlignConfig Load(string path) => ConfigFile.Load<AlignConfig>(path, c =>
    {
        if (c.Stimuli.TopK < 1) throw new ArgumentException($"stimuli.top_k ({c.Stimuli.TopK}) must be at least 1");
        if (string.IsNullOrEmpty(c.Stimuli.AnnotationPrefix)) throw new ArgumentException("stimuli.annotation_prefix must not be empty");
        if (c.Model.Name != Neurodecode.Models.Baselines.RidgeAligner.ModelName)
            throw new ArgumentException($"model.name '{c.Model.Name}': the aligners available are: ridge");
        if (c.Model.Alphas is { } a && (a.Count == 0 || a.Any(v => !(v > 0) || double.IsInfinity(v))))
            throw new ArgumentException("model.alphas must be positive finite numbers, at least one");
    }, "config");
}

/// <param name="Pipeline">The preprocess spec; its <c>epochs</c> must leave <c>events</c> and <c>classes</c> empty
/// (they come from the stimulus annotations of each recording).</param>
/// <param name="Files">Training recordings or globs.</param>
/// <param name="TestFiles">Held-out recordings or globs, scored once after training (zero-shot when their stimuli are
/// not in the training recordings).</param>
public sealed record AlignData(string Pipeline, IReadOnlyList<string> Files, IReadOnlyList<string>? TestFiles = null);

/// <param name="Table">The stimulus embedding table (Parquet: stimulus_id, embedding, caption).</param>
/// <param name="AnnotationPrefix">Annotations <c>PREFIX&lt;stimulus_id&gt;</c> mark the trials.</param>
/// <param name="TopK">k of the top-k retrieval accuracy and of the stimuli <c>decode</c> lists per window.</param>
public sealed record AlignStimuli(string Table, string AnnotationPrefix = "stimulus/", int TopK = 5);

/// <param name="Name"><c>ridge</c>: standardized features, multi-output ridge, alpha by leave-one-out CV.</param>
/// <param name="Alphas">Ridge's alpha grid (default 10^-1 … 10^7, 17 values).</param>
public sealed record AlignModel(string Name, bool Standardize = true, IReadOnlyList<double>? Alphas = null);
