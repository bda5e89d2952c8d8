using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Neurodecode.Ingest.Signals;
using Neurodecode.Preprocess.Windows;

namespace Neurodecode.Preprocess.Steps;

/// <summary>
/// A spec resolved against one recording: every step checked and designed, the windows planned. Resolving does no
/// signal work, so all errors come before any.
/// </summary>
public sealed class ResolvedPipeline
{
    private ResolvedPipeline(PipelineSpec spec, string file, SignalInfo input, IReadOnlyList<ResolvedStep> steps, SignalInfo output,
        WindowCutter? windows, (string?, string?, int?) names)
    {
        Spec = spec;
        Input = input;
        File = file;
        Steps = steps;
        Output = output;
        Windows = windows;
        _names = names;
    }

    private readonly (string? Subject, string? Session, int? Run) _names;
    private WindowCutter? _planned;

    public PipelineSpec Spec { get; }
    public string File { get; }
    public IReadOnlyList<ResolvedStep> Steps { get; }
    /// <summary>The windows, planned from the recording's annotations; null when a step (find_events) adds annotations,
    /// so the plan is made in <see cref="Run"/> from the annotations the steps leave.</summary>
    public WindowCutter? Windows { get; }

    /// <summary>The signal before the first step (the recording's channels and rate).</summary>
    public SignalInfo Input { get; }

    /// <summary>The signal after the last step.</summary>
    public SignalInfo Output { get; }

    /// <summary>Resolves <paramref name="spec"/> for a recording; errors name the file, the step and the value.</summary>
    public static ResolvedPipeline Resolve(PipelineSpec spec, RecordingInfo info, IReadOnlyList<Annotation> annotations)
    {
        string file = info.SourcePath;
        var signal = SignalInfo.Of(info);
        var steps = new List<ResolvedStep>();
        for (int i = 0; i < spec.Steps.Count; i++)
        {
            var step = spec.Steps[i];
            try
            {
                var resolved = step.Resolve(signal);
                if (resolved is not IOfflineStep)
                    throw new ArgumentException("has no batch form");
                if (resolved is IAnnotationShift shift)
                    annotations = shift.Shift(annotations, signal.Sfreq);
                steps.Add(resolved);
                signal = resolved.Output;
            }
            catch (ArgumentException e)
            {
                throw new PipelineSpecException($"{file}: step {i + 1} '{step.Name}': {e.Message}", e);
            }
        }
        int? run = int.TryParse(info.Run, NumberStyles.None, CultureInfo.InvariantCulture, out int r) ? r : null;
        var names = (info.Subject, info.Session, run);
        var windows = steps.Any(s => s is IAnnotatingStep) ? null : Plan(spec, signal, annotations, file, names);
        return new ResolvedPipeline(spec, file, SignalInfo.Of(info), steps, signal, windows, names);
    }

    private static WindowCutter Plan(PipelineSpec spec, SignalInfo signal, IReadOnlyList<Annotation> annotations, string file,
        (string? Subject, string? Session, int? Run) names)
    {
        try
        {
            return WindowCutter.Plan(spec, signal, annotations, file, names.Subject, names.Session, names.Run);
        }
        catch (ArgumentException e)
        {
            throw new PipelineSpecException($"{file}: {e.Message}", e);
        }
    }

    /// <summary>Runs every step on the whole recording, then cuts the windows; <paramref name="timed"/> hears how long
    /// each step took ("epochs" for the cut).</summary>
    public WindowSet Run(RawData raw, Action<string, TimeSpan>? timed = null)
    {
        long t = System.Diagnostics.Stopwatch.GetTimestamp();
        foreach (var step in Steps)
        {
            raw = ((IOfflineStep)step).Apply(raw);
            timed?.Invoke(step.Spec.Name, System.Diagnostics.Stopwatch.GetElapsedTime(t));
            t = System.Diagnostics.Stopwatch.GetTimestamp();
        }
        _planned = Windows ?? Plan(Spec, raw.Info, raw.Annotations, File, _names);
        var windows = _planned.Cut(raw);
        timed?.Invoke("epochs", System.Diagnostics.Stopwatch.GetElapsedTime(t));
        return windows;
    }

    /// <summary>
    /// The steps as a live chain. Every step must be causal: a zero-phase filter or FFT resampler needs the whole
    /// signal and is refused here by type, naming the step.
    /// </summary>
    public IReadOnlyList<ICausalStep> CausalSteps() => Steps.Select((s, i) => s as ICausalStep
        ?? throw new PipelineSpecException($"step {i + 1} '{s.Spec.Name}' works on whole recordings only (zero-phase or FFT); a live pipeline needs causal steps")).ToList();

    /// <summary>The resolved pipeline for <c>pipeline.json</c>: each step as written plus the design actually used.</summary>
    public JsonObject Describe() => new()
    {
        ["file"] = File,
        ["steps"] = new JsonArray(Steps.Select(s =>
        {
            var node = JsonSerializer.SerializeToNode(s.Spec, PipelineJson.Options)!.AsObject();
            node["design"] = s.Design;
            node["output"] = new JsonObject { ["n_channels"] = s.Output.NChannels, ["sfreq"] = s.Output.Sfreq, ["n_times"] = s.Output.NTimes };
            return (JsonNode)node;
        }).ToArray()),
        ["n_windows"] = (Windows ?? _planned)?.NWindows,
    };
}
