using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Neurodecode.Models.Encoders.BrainMAE;
using Neurodecode.Models.Encoders.CBraMod;
using Neurodecode.Models.Registry;
using Neurodecode.Models.Training;
using Neurodecode.Pipeline.Worker.Commands;
using Neurodecode.Preprocess.Steps;
using static TorchSharp.torch;

namespace Neurodecode.Pipeline.Worker.Batch;

/// <summary>
/// <c>neurodecode pretrain</c>: masked pretraining by model — CBraMod's masked patches, BrainMAE's masked segments
/// (with the zero, region-mean and interpolation baselines) — on the windows of the configured recordings
/// (train subjects; validation subjects score it; test subjects are left out), writing a folder that
/// <c>train</c> fine-tunes from (<c>model.pretrained</c> or <c>--pretrained</c>): model.bin (the pretraining network:
/// CBraMod: patch_embedding.*, encoder.*, proj_out.*), config.json, pipeline.json, split.json and metrics.json
/// (curves, best validation masked MSE next to the baselines).
/// </summary>
public sealed class PretrainJob(PreprocessJob preprocess, ILogger<PretrainJob> logger)
{
    /// <summary>What a run reached: the best epoch's validation masked MSE and the baselines scored on the same masks
    /// (name → MSE, in the order to print).</summary>
    public sealed record Outcome(string Dir, int BestEpoch, double BestValLoss, IReadOnlyList<(string Name, double Mse)> Baselines,
        SubjectSplit Split, int NTrain, int NVal, int NLeftOut);

    public async Task<Outcome> RunAsync(string configPath, string outDir, IProgress<TrainingProgress>? progress,
        IProgress<PretrainEpoch>? epochDone, CancellationToken ct)
    {
        var config = PretrainConfig.Load(configPath);
        string configDir = Path.GetDirectoryName(Path.GetFullPath(configPath))!;
        if (config.Model.Name != CBraModModel.Entry.Name && config.Model.Name != BrainMAEModel.Entry.Name)
            throw new UsageException($"model.name: masked pretraining is CBraMod's (masked patches) and BrainMAE's (masked segments); '{config.Model.Name}' has none");
        if (config.Model.Pretrained is not null || config.Model.HeadLr is not null)
            throw new UsageException("model.pretrained and model.head_lr are fine-tuning settings; pretraining takes neither");
        if (config.Data.Classes is not null)
            throw new UsageException("data.classes: pretraining uses no labels");
        var spec = PipelineSpec.Load(Path.Combine(configDir, config.Data.Pipeline));
        var windowed = await preprocess.WindowAsync(spec, config.Data.ResolveFiles(configDir), jobs: 2, ct);
        var data = WindowDataset.Concat(windowed.Sets);

        SubjectSplit split;
        SplitIndices idx;
        try
        {
            split = config.Split.Resolve(data.Windows.Select(w => w.Subject ?? "").Distinct());
            idx = split.Assign(data.Windows);
        }
        catch (ArgumentException e) { throw new UsageException("split: " + e.Message); }
        logger.LogInformation("pretraining on {Train} windows, validating on {Val}; {Test} windows of test subjects {Subjects} left out",
            idx.Train.Length, idx.Val.Length, idx.Test.Length, string.Join(", ", split.Test));

        var entry = ModelRegistry.Get(config.Model.Name);
        var overrides = config.Model.Config?.DeepClone().AsObject() ?? [];
        overrides["head"] = "embedding";
        if (overrides["d_model"] is { } dModel) overrides["n_outputs"] = dModel.DeepClone();   // the embedding is d_model wide
        var modelConfig = TrainJob.ModelConfigFor(entry, overrides, data, nOutputs: null, windowed.Resolved[0].Output.Sfreq);
        var options = config.Pretrainer ?? new PretrainOptions();
        Models.Native.TorchRuntime.EnsureLoaded();
        manual_seed(options.Seed);
        using var model = entry.Create(modelConfig);
        var (train, val) = (data.Subset(idx.Train), data.Subset(idx.Val));
        string metricsJson;
        Outcome outcome;
        try
        {
            if (model is BrainMAEModel brainmae)
            {
                var r = BrainMAEPretraining.Pretrain(brainmae, train, val, options, progress, epochDone, ct);
                metricsJson = r.ToJson();
                outcome = new Outcome(outDir, r.BestEpoch, r.BestValMaskedMse,
                    [("predicting zeros", r.ZeroBaselineValMse), ("region mean", r.RegionMeanBaselineValMse), ("interpolation", r.InterpolationBaselineValMse)],
                    split, idx.Train.Length, idx.Val.Length, idx.Test.Length);
            }
            else
            {
                var r = MaskedPatchPretraining.Pretrain((CBraModModel)model, train, val, options, progress, epochDone, ct);
                metricsJson = r.ToJson();
                outcome = new Outcome(outDir, r.BestEpoch, r.BestValLoss, [("predicting zeros", r.ZeroBaselineValLoss)],
                    split, idx.Train.Length, idx.Val.Length, idx.Test.Length);
            }
        }
        catch (ArgumentException e) { throw new UsageException(e.Message); }

        var configJson = new JsonObject
        {
            ["model"] = modelConfig.Model,
            ["model_config"] = JsonSerializer.SerializeToNode(modelConfig, modelConfig.GetType(), PipelineJson.Options),
            ["weights"] = TrainJob.WeightsFile,
            ["pretraining"] = JsonSerializer.SerializeToNode(config, PipelineJson.Options),
        };
        await OutputFolder.WriteAsync(outDir, async temp =>
        {
            model.Save(Path.Combine(temp, TrainJob.WeightsFile));
            await File.WriteAllTextAsync(Path.Combine(temp, "config.json"), configJson.ToJsonString(PipelineJson.Options) + "\n", ct);
            await File.WriteAllTextAsync(Path.Combine(temp, "pipeline.json"), spec.ToJson() + "\n", ct);
            await File.WriteAllTextAsync(Path.Combine(temp, "split.json"), split.ToJson() + "\n", ct);
            await File.WriteAllTextAsync(Path.Combine(temp, "metrics.json"), metricsJson + "\n", ct);
        });
        return outcome;
    }
}
