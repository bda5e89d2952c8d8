using System.Text.Json;
using System.Text.Json.Nodes;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Preprocess.Steps;

/// <summary>A step of the spec replaced by its causal form for live use, and why.</summary>
public sealed record Substitution(int Step, string Name, JsonNode From, JsonNode To, string Why)
{
    public JsonObject ToJson() => new()
    {
        ["step"] = Step, ["name"] = Name, ["from"] = From.DeepClone(), ["to"] = To.DeepClone(), ["why"] = Why,
    };
}

/// <summary>
/// A spec's steps resolved for a live stream: every step causal. Zero-phase filters become causal Butterworth
/// filters of the same band, FIR notches causal band-stops, FFT or zero-phase polyphase resampling the causal
/// polyphase resampler; each replacement is reported as a <see cref="Substitution"/>. A step with no causal form
/// (z-score over the whole recording) is refused, naming it. The spec's epochs/windows are not used: a live decoder
/// cuts its own sliding windows.
/// </summary>
public sealed class LivePipeline
{
    private LivePipeline(PipelineSpec spec, IReadOnlyList<ResolvedStep> steps, IReadOnlyList<Substitution> substitutions, SignalInfo output)
    {
        (Spec, Steps, Substitutions, Output) = (spec, steps, substitutions, output);
    }

    public PipelineSpec Spec { get; }
    public IReadOnlyList<ResolvedStep> Steps { get; }
    public IReadOnlyList<Substitution> Substitutions { get; }
    public SignalInfo Output { get; }

    /// <summary>Resolves <paramref name="spec"/>'s steps for a stream described by <paramref name="input"/> (NTimes is
    /// ignored); errors are <see cref="PipelineSpecException"/>s naming the step.</summary>
    public static LivePipeline Resolve(PipelineSpec spec, SignalInfo input)
    {
        var signal = input with { NTimes = 0 };
        var steps = new List<ResolvedStep>();
        var substitutions = new List<Substitution>();
        for (int i = 0; i < spec.Steps.Count; i++)
        {
            var step = spec.Steps[i];
            try
            {
                var (live, why) = Causal(step, signal);
                if (why is not null)
                    substitutions.Add(new Substitution(i + 1, step.Name, Json(step),
                        live.Count == 1 ? Json(live[0]) : new JsonArray(live.Select(s => (JsonNode)Json(s)).ToArray()), why));
                foreach (var s in live)
                {
                    var resolved = s.Resolve(signal);
                    if (resolved is not ICausalStep)
                        throw new ArgumentException("has no causal form; a live pipeline needs causal steps");
                    steps.Add(resolved);
                    signal = resolved.Output;
                }
            }
            catch (ArgumentException e)
            {
                throw new PipelineSpecException($"step {i + 1} '{step.Name}': {e.Message}", e);
            }
        }
        return new LivePipeline(spec, steps, substitutions, signal);
    }

    /// <summary>The causal replacement of one step (itself when it is already causal) and the reason, or null.</summary>
    private static (IReadOnlyList<Step>, string?) Causal(Step step, SignalInfo signal) => step switch
    {
        FilterStep { Method: "fir" } f => ([new FilterStep(f.LFreq, f.HFreq, "iir", "causal", 4)],
            "a zero-phase FIR filter looks ahead by half its length; causal Butterworth (order 4) of the same band"),
        FilterStep { Method: "iir", Phase: "zero" } f => ([f with { Phase = "causal" }],
            "forward-backward filtering needs the future; the same Butterworth forward only"),
        NotchFilterStep n => (Notches(n, signal.Sfreq),
            "a zero-phase FIR notch looks ahead by half its length; causal Butterworth band-stops (order 2) at the notch's -6 dB cutoffs"),
        ResampleStep { Phase: "zero" } r => ([r with { Method = "polyphase", Phase = "causal" }],
            "FFT and zero-phase resampling need the whole signal; causal polyphase resampling with state"),
        ZScoreStep { Mean: null } => throw new ArgumentException(
            "z-scoring per recording needs the whole recording and has no causal form; freeze 'mean' and 'std' in the spec for live use"),
        _ => ([step], null),
    };

    /// <summary>One band-stop per notched frequency with its -3 dB edges where MNE's FIR notch has its -6 dB cutoffs,
    /// f ± (width/2 + trans_bandwidth/4) (MNE splits the transition bandwidth between the two sides).</summary>
    private static Step[] Notches(NotchFilterStep n, double sfreq)
    {
        var freqs = n.Frequencies(sfreq);
        return freqs.Select((f, i) =>
        {
            double width = n.NotchWidths is null ? f / 200 : n.NotchWidths[n.NotchWidths.Count == 1 ? 0 : i];
            double half = width / 2 + n.TransBandwidth / 4;
            return (Step)new FilterStep(f + half, f - half, "iir", "causal", 2); // l > h: band-stop
        }).ToArray();
    }

    private static JsonNode Json(Step step) => JsonSerializer.SerializeToNode(step, PipelineJson.Options)!;

    /// <summary>A fresh state for one stream.</summary>
    public LiveChain Start() => new(Steps.Select(s => ((ICausalStep)s).Start()).ToArray());

    /// <summary>How many input samples must have arrived before output sample <paramref name="outputIndex"/> exists
    /// (the resamplers delay it; other steps are sample for sample).</summary>
    public long InputsFor(long outputIndex)
    {
        long need = outputIndex + 1;
        for (int i = Steps.Count - 1; i >= 0; i--)
            if (Steps[i] is ResampleStep.CausalPolyphase r)
                need = (need - 1) * r.Down / r.Up + 1;
        return need;
    }

    /// <summary>The live steps with their designs, for the first answer line and the log.</summary>
    public JsonArray Describe() => new(Steps.Select(s =>
    {
        var node = JsonSerializer.SerializeToNode(s.Spec, PipelineJson.Options)!.AsObject();
        node["design"] = s.Design;
        return (JsonNode)node;
    }).ToArray());
}

/// <summary>The state of one live stream through the causal steps.</summary>
public sealed class LiveChain(ICausalState[] states)
{
    /// <summary>The next block in (channel-major, may be modified in place), the block it completes out.</summary>
    public SignalBlock Process(SignalBlock block)
    {
        foreach (var state in states)
            block = state.Process(block);
        return block;
    }
}
