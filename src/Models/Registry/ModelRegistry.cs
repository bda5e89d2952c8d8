using Neurodecode.Models.Baselines;
using Neurodecode.Models.Encoders.EEGNet;

namespace Neurodecode.Models.Registry;

/// <summary>Every model the project trains; a new model is one folder under Encoders/ (or Baselines/) and one line here.</summary>
public static class ModelRegistry
{
    public static IReadOnlyList<ModelEntry> All { get; } =
    [
        EEGNetModel.Entry,
        CspLdaModel.Entry,
        Baselines.Connectivity.ConnectivityModel.Entry,
        Encoders.CBraMod.CBraModModel.Entry,
        Encoders.BrainMAE.BrainMAEModel.Entry,
        Encoders.BrainModule.MegBrainModuleModel.Entry,
        Aligners.CBraModAlignerModel.Entry,
    ];

    public static ModelEntry Get(string name) =>
        All.FirstOrDefault(e => e.Name == name)
        ?? throw new ArgumentException($"unknown model '{name}' (known: {string.Join(", ", All.Select(e => e.Name))})");
}
