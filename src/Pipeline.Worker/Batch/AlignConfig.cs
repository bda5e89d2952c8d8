using System.Text.Json.Nodes;
using Neurodecode.Models.Aligners;
using Neurodecode.Models.Baselines;
using Neurodecode.Models.Encoders.BrainModule;

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
        c.Model.Validate();
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

/// <param name="Name"><c>ridge</c> (standardized features, multi-output ridge, alpha by leave-one-out CV) or a torch
/// aligner of the registry: <c>meg_brain_module</c>, <c>cbramod_aligner</c>.</param>
/// <param name="Standardize">Ridge: each feature to zero mean and unit variance. Torch aligners: each channel, with
/// the mean and standard deviation of the training windows, clamped to ±20 (brainmagick's scaler and clamp).</param>
/// <param name="Alphas">Ridge's alpha grid (default 10^-1 … 10^7, 17 values).</param>
/// <param name="Config">Torch aligners: overrides of the registry's reference config; n_chans, n_times, sfreq,
/// n_outputs (the table's embedding size) and n_subjects come from the data.</param>
/// <param name="Trainer">Torch aligners: the training loop (epochs, batch size, lr, loss weights, temperature, seed).</param>
/// <param name="ValStimuli">Torch aligners: training stimuli held out (chosen with trainer.seed) whose trials select the
/// epoch by retrieval among themselves, zero-shot as the test.</param>
/// <param name="SubjectLayers">Torch aligners: one subject layer per training subject (recordings of other subjects
/// are refused) or, false, one layer every subject shares.</param>
public sealed record AlignModel(string Name, bool Standardize = true, IReadOnlyList<double>? Alphas = null, JsonObject? Config = null,
    AlignerTrainerOptions? Trainer = null, int ValStimuli = 20, bool SubjectLayers = true)
{
    public bool IsRidge => Name == RidgeAligner.ModelName;

    /// <summary>The torch aligners a config may name.</summary>
    public static IReadOnlyList<string> TorchAligners { get; } = [MegBrainModuleConfig.Name, CBraModAlignerConfig.Name];

    public void Validate()
    {
        if (!IsRidge && !TorchAligners.Contains(Name))
            throw new ArgumentException($"model.name '{Name}': the aligners available are: {RidgeAligner.ModelName}, {string.Join(", ", TorchAligners)}");
        if (Alphas is { } a && (!IsRidge || a.Count == 0 || a.Any(v => !(v > 0) || double.IsInfinity(v))))
            throw new ArgumentException("model.alphas is ridge's grid: positive finite numbers, at least one");
        if (IsRidge && (Config is not null || Trainer is not null))
            throw new ArgumentException("model.config and model.trainer are for torch aligners; ridge takes standardize and alphas");
        if (ValStimuli < 2) throw new ArgumentException($"model.val_stimuli ({ValStimuli}) must be at least 2 (retrieval among them)");
        try { Trainer?.Validate(); }
        catch (ArgumentException e) { throw new ArgumentException("model.trainer." + e.Message, e); }
    }
}
