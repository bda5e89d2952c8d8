using System.Text.Json;
using Neurodecode.Preprocess.Windows;

namespace Neurodecode.Preprocess.Steps;

/// <summary>
/// A preprocessing pipeline as written in JSON: the steps in order, then how windows are cut — epochs around events
/// or sliding windows. See <c>datasets/pipelines/</c> for examples.
/// </summary>
public sealed record PipelineSpec(
    string Name,
    IReadOnlyList<Step> Steps,
    EpochsSpec? Epochs = null,
    SlidingWindowsSpec? Windows = null,
    string? Description = null)
{
    /// <summary>Reads a spec; a malformed file or an unknown step or key is a <see cref="PipelineSpecException"/> naming it.</summary>
    public static PipelineSpec Load(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PipelineSpecException($"{path}: {e.Message}", e);
        }
        return Parse(text, path);
    }

    public static PipelineSpec Parse(string json, string source = "pipeline spec")
    {
        PipelineSpec? spec;
        try
        {
            spec = JsonSerializer.Deserialize<PipelineSpec>(json, PipelineJson.Options);
        }
        catch (JsonException e)
        {
            string where = e.Path is { Length: > 0 } p ? $" at {p}" : "";
            throw new PipelineSpecException($"{source}{where}: {FirstLine(e.Message)}", e);
        }
        catch (NotSupportedException e)
        {
            throw new PipelineSpecException($"{source}: {FirstLine(e.Message)}", e);
        }
        if (spec is null)
            throw new PipelineSpecException($"{source}: empty spec");
        if ((spec.Epochs is null) == (spec.Windows is null))
            throw new PipelineSpecException($"{source}: give exactly one of 'epochs' and 'windows'");
        return spec;
    }

    public string ToJson() => JsonSerializer.Serialize(this, PipelineJson.Options);

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();
}
