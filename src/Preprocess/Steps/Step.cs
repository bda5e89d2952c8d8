using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Preprocess.Steps;

/// <summary>
/// One operation of a preprocessing pipeline as written in a spec (JSON, <c>"step": "filter"</c> ...). A step is only
/// a description; <see cref="Resolve"/> checks it against what the signal will look like when it runs and returns the
/// concrete operation with its design (filter length, transition bands ...), before any sample is touched.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "step", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(PickStep), "pick")]
[JsonDerivedType(typeof(StandardizeChannelNamesStep), "standardize_channel_names")]
[JsonDerivedType(typeof(SetEegReferenceStep), "set_eeg_reference")]
[JsonDerivedType(typeof(SetBipolarReferenceStep), "set_bipolar_reference")]
[JsonDerivedType(typeof(FilterStep), "filter")]
[JsonDerivedType(typeof(NotchFilterStep), "notch_filter")]
[JsonDerivedType(typeof(ResampleStep), "resample")]
[JsonDerivedType(typeof(ScaleStep), "scale")]
[JsonDerivedType(typeof(ZScoreStep), "zscore")]
[JsonDerivedType(typeof(ClipStep), "clip")]
[JsonDerivedType(typeof(DropVolumesStep), "drop_volumes")]
[JsonDerivedType(typeof(DetrendStep), "detrend")]
[JsonDerivedType(typeof(HighPassStep), "high_pass")]
[JsonDerivedType(typeof(PercentSignalChangeStep), "psc")]
[JsonDerivedType(typeof(GlobalSignalRegressionStep), "global_signal_regression")]
[JsonDerivedType(typeof(FindEventsStep), "find_events")]
public abstract record Step
{
    /// <summary>The name a spec uses for this step ("filter", "resample" ...).</summary>
    [JsonIgnore]
    public string Name => StepNames.Of(GetType());

    /// <summary>Checks every value against <paramref name="input"/> and returns the operation to run; throws
    /// <see cref="ArgumentException"/> with MNE's wording for a value that cannot work.</summary>
    public abstract ResolvedStep Resolve(SignalInfo input);
}

/// <summary>A step checked against a signal: what it will do, exactly, and what the signal looks like after it.</summary>
public abstract class ResolvedStep(Step spec, SignalInfo output)
{
    public Step Spec { get; } = spec;
    public SignalInfo Output { get; } = output;

    /// <summary>The concrete design for pipeline.json and the log (filter length, bands, padding ...); null when the
    /// spec says it all.</summary>
    public virtual JsonNode? Design => null;
}

/// <summary>A step that needs the whole signal (zero-phase filters, FFT resampling): batch only.</summary>
public interface IOfflineStep
{
    /// <summary>Transforms the whole recording; may reuse <paramref name="raw"/>'s buffer.</summary>
    RawData Apply(RawData raw);
}

/// <summary>A step that can run block after block with explicit state: the only kind a live pipeline accepts.</summary>
public interface ICausalStep
{
    /// <summary>A fresh state for one stream; feeding a signal in any block sizes gives the same output.</summary>
    ICausalState Start();
}

public interface ICausalState
{
    /// <summary>Processes the next block of the stream (channels x samples, channel-major) and returns the output block.</summary>
    SignalBlock Process(SignalBlock block);
}

/// <summary>A step without memory: the same function on every sample, so it is offline and causal at once.</summary>
public abstract class MemorylessStep(Step spec, SignalInfo output) : ResolvedStep(spec, output), IOfflineStep, ICausalStep, ICausalState
{
    /// <summary>Maps <paramref name="input"/> (channels x <paramref name="nTimes"/>) to the output channels.</summary>
    protected abstract double[] Map(double[] input, int nTimes);

    public RawData Apply(RawData raw) => new(Output with { NTimes = raw.Info.NTimes }, Map(raw.Data, raw.NTimes), raw.Annotations);

    public ICausalState Start() => this;

    public SignalBlock Process(SignalBlock block) =>
        new(Map(block.Data, block.NSamples), Output.NChannels, block.NSamples, block.FirstSample);
}

internal static class StepNames
{
    /// <summary>The discriminator declared on <see cref="Step"/> for <paramref name="type"/>.</summary>
    public static string Of(Type type) =>
        typeof(Step).GetCustomAttributes(typeof(JsonDerivedTypeAttribute), false).Cast<JsonDerivedTypeAttribute>()
            .First(a => a.DerivedType == type).TypeDiscriminator as string ?? type.Name;
}
