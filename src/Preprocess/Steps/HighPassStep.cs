using System.Text.Json.Nodes;
using Neurodecode.Preprocess.Filters;

namespace Neurodecode.Preprocess.Steps;

/// <summary>
/// nilearn's fMRI high-pass (<c>nilearn.signal.clean(high_pass=freq, t_r=1/sfreq)</c>) on every data channel, with
/// TR = 1 / sfreq. Named apart from <c>filter</c> (MNE's FIR/IIR band filters) because both methods are nilearn's:
/// <list type="bullet">
/// <item><c>"cosine"</c> (default; SPM's DCT drift model): the regressors √(2/n)·cos(π/n·(t + ½)·k),
/// k = 1 … min(n − 1, ⌊2·n·freq·TR⌋) (nilearn's <c>create_cosine_drift</c> without its constant), standardized and
/// regressed out as nilearn removes confounds. The channel means stay.</item>
/// <item><c>"butterworth"</c>: nilearn's <c>butterworth(high_pass=freq, order=5, padtype="odd", padlen=None)</c>:
/// a Butterworth high-pass of <see cref="Order"/> applied forward and backward (scipy's <c>filtfilt</c>, odd padding
/// of 3·(order + 1) samples), here in second-order sections.</item>
/// </list>
/// Offline: both need the whole recording.
/// </summary>
public sealed record HighPassStep(double Freq, string Method = "cosine", int Order = 5) : Step
{
    public override ResolvedStep Resolve(SignalInfo input)
    {
        double nyquist = input.Sfreq / 2;
        if (!(Freq > 0) || !double.IsFinite(Freq))
            throw new ArgumentException($"freq ({Freq} Hz) must be a positive frequency");
        if (Freq >= nyquist)
            throw new ArgumentException($"freq ({Freq} Hz) must be below the Nyquist frequency ({nyquist} Hz at sfreq {input.Sfreq} Hz, TR {1 / input.Sfreq} s)");
        int n = checked((int)input.NTimes);
        int[] picks = input.DataChannels();
        switch (Method)
        {
            case "cosine":
                {
                    double tr = 1 / input.Sfreq;
                    double dt = n > 1 ? (n - 1) * tr / (n - 1) : tr;   // nilearn: (frame_times[-1] - frame_times[0]) / (n - 1)
                    int k = (int)Math.Min(n - 1, Math.Floor(2 * n * Freq * dt));
                    if (k < 1)
                        throw new ArgumentException($"freq ({Freq} Hz) is below the lowest cosine of {n} samples at TR {tr} s (1 / (2·n·TR) = {1 / (2 * n * tr):G6} Hz): no drift regressor to remove");
                    return new Cosine(this, input, picks, k);
                }
            case "butterworth":
                {
                    if (Order < 1)
                        throw new ArgumentException($"order ({Order}) must be a positive integer");
                    int padlen = 3 * (Order + 1);
                    if (n <= padlen)
                        throw new ArgumentException($"butterworth order {Order} pads {padlen} samples each side and needs more than {padlen} samples (the recording has {n} here)");
                    return new Butterworth(this, input, picks, Iir.Butter(Order, [Freq], IirBandType.Highpass, input.Sfreq), padlen);
                }
            default:
                throw new ArgumentException($"method '{Method}' is not 'cosine' or 'butterworth'");
        }
    }

    private sealed class Cosine(Step spec, SignalInfo output, int[] picks, int nCosines) : ResolvedStep(spec, output), IOfflineStep
    {
        public override JsonNode? Design => new JsonObject
        {
            ["n_cosines"] = nCosines,
            ["regressors"] = "sqrt(2/n) * cos(pi/n * (t + 0.5) * k), k = 1..n_cosines, standardized, least squares",
        };

        public RawData Apply(RawData raw)
        {
            int n = raw.NTimes;
            double normalizer = Math.Sqrt(2.0 / n);
            var columns = Enumerable.Range(1, nCosines).Select(k =>
            {
                var c = new double[n];
                for (int t = 0; t < n; t++)
                    c[t] = normalizer * Math.Cos(Math.PI / n * (t + 0.5) * k);
                return Projection.Standardized(c);
            });
            var projection = new Projection(columns);
            Parallel.ForEach(picks, c => projection.Remove(raw.Channel(c)));
            return raw;
        }
    }

    private sealed class Butterworth(Step spec, SignalInfo output, int[] picks, Sos sos, int padlen) : ResolvedStep(spec, output), IOfflineStep
    {
        public override JsonNode? Design => new JsonObject
        {
            ["filter"] = $"Butterworth high-pass, order {((HighPassStep)Spec).Order} at {((HighPassStep)Spec).Freq} Hz, forward and backward (zero phase)",
            ["sos"] = new JsonArray(sos.Sections.Select(r => (JsonNode)new JsonArray(r.Select(v => (JsonNode)v).ToArray())).ToArray()),
            ["padding"] = $"{padlen} samples of odd reflection each side",
        };

        public RawData Apply(RawData raw)
        {
            Parallel.ForEach(picks, c => sos.FiltFilt(raw.Channel(c), padlen));
            return raw;
        }
    }
}
