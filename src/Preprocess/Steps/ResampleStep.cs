using System.Text.Json;
using System.Text.Json.Nodes;
using Neurodecode.Ingest.Signals;
using Neurodecode.Preprocess.Resampling;

namespace Neurodecode.Preprocess.Steps;

/// <summary>
/// MNE's <c>raw.resample(sfreq)</c>: every channel, FFT method with npad 'auto' (default), or
/// <c>"method": "polyphase"</c> (SciPy's <c>resample_poly</c>, for integer-ratio rates such as 160 → 200 = 5/4).
/// Annotations stay in seconds, as in MNE. <c>"method": "polyphase", "phase": "causal"</c> is the live form: the same
/// polyphase filter forward only, with state (<see cref="PolyphaseStream"/>), delayed by the filter's half length.
/// </summary>
public sealed record ResampleStep(double Sfreq, string Method = "fft", string Phase = "zero") : Step
{
    public override ResolvedStep Resolve(SignalInfo input)
    {
        if (!(Sfreq > 0))
            throw new ArgumentException($"sfreq ({Sfreq}) must be positive");
        if (Method is not ("fft" or "polyphase"))
            throw new ArgumentException($"method ('{Method}') must be 'fft' or 'polyphase'");
        if (Phase is not ("zero" or "causal") || (Phase == "causal" && Method != "polyphase"))
            throw new ArgumentException($"phase ('{Phase}') must be 'zero', or 'causal' with method 'polyphase'");
        (int up, int down) = Method == "polyphase" ? Ratio(Sfreq, input.Sfreq) : (0, 0);
        if (Phase == "causal")
            return new CausalPolyphase(this, input with { Sfreq = Sfreq, NTimes = (input.NTimes * up + down - 1) / down }, up, down);
        if (Method == "fft")
        {
            var plan = Resample.PlanFft(checked((int)input.NTimes), Sfreq, input.Sfreq);
            return new Resampled(this, input with { Sfreq = Sfreq, NTimes = plan.FinalLen }, input.Sfreq, 0, 0,
                JsonSerializer.SerializeToNode(plan, PipelineJson.Options)!);
        }
        var design = new JsonObject { ["method"] = "polyphase", ["up"] = up, ["down"] = down, ["window"] = "('kaiser', 5.0)" };
        return new Resampled(this, input with { Sfreq = Sfreq, NTimes = (input.NTimes * up + down - 1) / down },
            input.Sfreq, up, down, design);
    }

    /// <summary>The live resampler: state carried between blocks, so any block sizes give the same output.</summary>
    public sealed class CausalPolyphase(Step spec, SignalInfo output, int up, int down) : ResolvedStep(spec, output), IOfflineStep, ICausalStep
    {
        public int Up => up;
        public int Down => down;

        public override JsonNode? Design => new JsonObject
        {
            ["method"] = "polyphase", ["phase"] = "causal (forward only, state carried between blocks)", ["up"] = up,
            ["down"] = down, ["window"] = "('kaiser', 5.0)", ["delay_input_samples"] = 10.0 * Math.Max(up, down) / up,
        };

        public RawData Apply(RawData raw)
        {
            var block = Start().Process(new SignalBlock(raw.Data, raw.Info.NChannels, raw.NTimes, 0));
            return new RawData(raw.Info with { Sfreq = Output.Sfreq, NTimes = block.NSamples }, block.Data, raw.Annotations);
        }

        public ICausalState Start() => new State(new PolyphaseStream(up, down, Output.NChannels));

        private sealed class State(PolyphaseStream stream) : ICausalState
        {
            private long _nOut;

            public SignalBlock Process(SignalBlock block)
            {
                var y = stream.Process(block.Data.AsSpan(0, block.NChannels * block.NSamples), block.NSamples, out int n);
                var result = new SignalBlock(y, block.NChannels, n, _nOut);
                _nOut += n;
                return result;
            }
        }
    }

    /// <summary>up/down in lowest terms; rates must be whole or simple fractions of Hz for polyphase.</summary>
    private static (int, int) Ratio(double to, double from)
    {
        long a = (long)Math.Round(to * 1000), b = (long)Math.Round(from * 1000);
        if (Math.Abs(a - to * 1000) > 1e-6 || Math.Abs(b - from * 1000) > 1e-6)
            throw new ArgumentException($"polyphase needs rates in whole mHz, got {from} -> {to}");
        long g = (long)System.Numerics.BigInteger.GreatestCommonDivisor(a, b);
        return ((int)(a / g), (int)(b / g));
    }

    /// <summary>FFT when <paramref name="up"/> is 0, else polyphase by up/down.</summary>
    private sealed class Resampled(Step spec, SignalInfo output, double fromSfreq, int up, int down, JsonNode design)
        : ResolvedStep(spec, output), IOfflineStep
    {
        public override JsonNode? Design => design.DeepClone();

        public RawData Apply(RawData raw)
        {
            int n = raw.NTimes, c = raw.Info.NChannels;
            double[] data = up == 0
                ? Resample.FftChannels(raw.Data, c, n, Output.Sfreq, fromSfreq)
                : Resample.PolyChannels(raw.Data, c, n, up, down);
            return new RawData(raw.Info with { Sfreq = Output.Sfreq, NTimes = data.Length / c }, data, raw.Annotations);
        }
    }
}
