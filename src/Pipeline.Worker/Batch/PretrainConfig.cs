using Neurodecode.Models.Encoders.CBraMod;
using Neurodecode.Models.Training;

namespace Neurodecode.Pipeline.Worker.Batch;

/// <summary>
/// A masked-patch pretraining run (<c>datasets/benchmarks/*-pretrain.json</c>): recordings through a preprocess
/// pipeline that cuts sliding windows (labels are not needed), the CBraMod config overrides, and a subject split
/// whose test subjects are left out entirely — so a model fine-tuned from this checkpoint and scored on the same
/// test subjects has never seen their signals — while its validation subjects score the reconstruction each epoch.
/// </summary>
public sealed record PretrainConfig(
    string Name,
    TrainData Data,
    TrainModel Model,
    SubjectSplitSpec Split,
    PretrainOptions? Pretrainer = null,
    string? Description = null)
{
    public static PretrainConfig Load(string path) =>
        ConfigFile.Load<PretrainConfig>(path, c => c.Pretrainer?.Validate(), "pretrainer");
}
