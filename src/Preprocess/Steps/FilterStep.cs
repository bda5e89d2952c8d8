using System.Text.Json;
using System.Text.Json.Nodes;
using Neurodecode.Ingest.Signals;
using Neurodecode.Preprocess.Filters;

namespace Neurodecode.Preprocess.Steps;

/// <summary>
/// MNE's <c>raw.filter(l_freq, h_freq)</c> on the data channels: high-pass (only l_freq), low-pass (only h_freq),
/// band-pass (l &lt; h) or band-stop (l &gt; h). <c>"method": "fir"</c> (default) is MNE's zero-phase firwin design with
/// 'auto' bandwidths and length unless given; <c>"iir"</c> is a Butterworth of <c>iir_order</c> applied forward-backward
/// (<c>"phase": "zero"</c>, MNE's default) or forward only with carried state (<c>"phase": "causal"</c>, for live use).
/// </summary>
public sealed record FilterStep(
    double? LFreq,
    double? HFreq,
    string Method = "fir",
    string Phase = "zero",
    int IirOrder = 4,
    double? LTransBandwidth = null,
    double? HTransBandwidth = null,
    int? FilterLength = null,
    string FirWindow = "hamming") : Step
{
    public override ResolvedStep Resolve(SignalInfo input)
    {
        int[] picks = input.DataChannels();
        return (Method, Phase) switch
        {
            ("fir", "zero") => new Fir(this, input, picks, FirFilter.Design(input.Sfreq, LFreq, HFreq, LTransBandwidth,
                HTransBandwidth, FilterLength, FirWindows.Parse(FirWindow))),
            ("fir", _) => throw new ArgumentException($"phase ('{Phase}') must be 'zero' for FIR filters (use method 'iir' with phase 'causal' for live pipelines)"),
            ("iir", "zero") => new IirZeroPhase(this, input, picks, IirFilter.Design(input.Sfreq, LFreq, HFreq, IirOrder)),
            ("iir", "causal") => new IirCausal(this, input, picks, IirFilter.Design(input.Sfreq, LFreq, HFreq, IirOrder)),
            ("iir", _) => throw new ArgumentException($"phase ('{Phase}') must be 'zero' or 'causal'"),
            _ => throw new ArgumentException($"method ('{Method}') must be 'fir' or 'iir'"),
        };
    }

    public sealed class Fir(Step spec, SignalInfo info, int[] picks, FirDesign design) : ResolvedStep(spec, info), IOfflineStep
    {
        public FirDesign FirDesign => design;
        public override JsonNode? Design => JsonSerializer.SerializeToNode(design, PipelineJson.Options);

        public RawData Apply(RawData raw)
        {
            DataChannels.Apply(raw, picks, (data, n) => FirFilter.ApplyChannels(design, data, n, raw.NTimes));
            return raw;
        }
    }

    private static JsonObject IirJson(IirDesign design, string phase, int? padlen) => new()
    {
        ["kind"] = design.Kind, ["ftype"] = design.FType, ["order"] = design.Order, ["sfreq"] = design.Sfreq,
        ["l_freq"] = design.LFreq, ["h_freq"] = design.HFreq, ["phase"] = phase, ["padlen"] = padlen,
        ["sos"] = new JsonArray(design.Sos.Sections.Select(r => (JsonNode)new JsonArray(r.Select(v => (JsonNode)v).ToArray())).ToArray()),
    };

    /// <summary>MNE's IIR application: forward-backward (sosfiltfilt) with MNE's padlen; offline only.</summary>
    internal sealed class IirZeroPhase(Step spec, SignalInfo info, int[] picks, IirDesign design) : ResolvedStep(spec, info), IOfflineStep
    {
        public override JsonNode? Design => IirJson(design, "zero (forward-backward, sosfiltfilt)", design.PadLen);

        public RawData Apply(RawData raw)
        {
            DataChannels.Apply(raw, picks, (data, n) => IirFilter.ApplyChannels(design, data, n, raw.NTimes));
            return raw;
        }
    }

    /// <summary>Forward filtering from rest with the state carried between blocks: the live form of a filter.</summary>
    internal sealed class IirCausal(Step spec, SignalInfo info, int[] picks, IirDesign design)
        : ResolvedStep(spec, info), IOfflineStep, ICausalStep
    {
        public override JsonNode? Design => IirJson(design, "causal (forward only, state carried between blocks)", null);

        public RawData Apply(RawData raw)
        {
            Start().Process(new SignalBlock(raw.Data, raw.Info.NChannels, raw.NTimes, 0));
            return raw;
        }

        public ICausalState Start() => new State(design.Sos, picks, Output.NChannels);

        private sealed class State(Sos sos, int[] picks, int nChannels) : ICausalState
        {
            private readonly double[][] _zi = picks.Select(_ => new double[2 * sos.NSections]).ToArray();

            public SignalBlock Process(SignalBlock block)
            {
                if (block.NChannels != nChannels)
                    throw new ArgumentException($"block has {block.NChannels} channels, the filter expects {nChannels}");
                for (int p = 0; p < picks.Length; p++)
                {
                    var x = block.Channel(picks[p]);
                    sos.Filter(x, x, _zi[p]);
                }
                return block;
            }
        }
    }
}
