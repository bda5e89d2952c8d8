using System.Text.Json.Nodes;
using Neurodecode.Ingest.Signals;
using Neurodecode.Preprocess.Steps;

namespace Neurodecode.Pipeline.Worker.Live;

/// <summary>A window ready to decode: its end in the client's samples, the samples (n_chans x n_times, float32) and
/// when the frame that completed it arrived (<see cref="System.Diagnostics.Stopwatch"/> ticks).</summary>
public sealed record LiveWindow(long EndSample, float[] Data, long ArrivedTicks);

/// <summary>
/// One client's stream: its channels picked in the model's order and scaled to volts, the causal chain with its
/// state, and a sliding window of the model's length over the chain's output, one every <c>hop</c> output samples.
/// Frames of any size give the same windows: the chain is causal and windows are cut sample by sample.
/// </summary>
public sealed class LiveStream
{
    private readonly LivePipeline _pipeline;
    private readonly LiveChain _chain;
    private readonly int _nClientChannels, _nOut, _length, _hop;
    private readonly int[] _picks;
    private readonly double _toVolts;
    private readonly float[] _ring;   // n_chans x length, circular in time
    private readonly IReadOnlyList<string> _ignored;
    private long _samplesIn, _samplesOut;

    public LiveStream(LivePipeline pipeline, int nClientChannels, int[] picks, double toVolts, int length, int hop, IReadOnlyList<string> ignored)
    {
        (_pipeline, _nClientChannels, _picks, _toVolts, _length, _hop, _ignored) = (pipeline, nClientChannels, picks, toVolts, length, hop, ignored);
        _chain = pipeline.Start();
        _nOut = pipeline.Output.NChannels;
        _ring = new float[_nOut * length];
    }

    public int NClientChannels => _nClientChannels;
    public int Hop => _hop;
    public int Length => _length;
    public long SamplesIn => _samplesIn;

    /// <summary>Feeds one frame (client channels x <paramref name="nSamples"/>, channel-major, client units) and calls
    /// <paramref name="emit"/> for every window it completes, oldest first.</summary>
    public void Push(ReadOnlySpan<float> frame, int nSamples, long arrivedTicks, Action<LiveWindow> emit)
    {
        var data = GC.AllocateUninitializedArray<double>(_picks.Length * nSamples);
        for (int p = 0; p < _picks.Length; p++)
        {
            var src = frame.Slice(_picks[p] * nSamples, nSamples);
            var dst = data.AsSpan(p * nSamples, nSamples);
            for (int t = 0; t < nSamples; t++) dst[t] = src[t] * _toVolts;
        }
        var output = _chain.Process(new SignalBlock(data, _picks.Length, nSamples, _samplesIn));
        _samplesIn += nSamples;
        for (int t = 0; t < output.NSamples; t++)
        {
            int slot = (int)(_samplesOut % _length);
            for (int c = 0; c < _nOut; c++)
                _ring[c * _length + slot] = (float)output.Data[c * output.NSamples + t];
            _samplesOut++;
            if (_samplesOut >= _length && (_samplesOut - _length) % _hop == 0)
                emit(new LiveWindow(_pipeline.InputsFor(_samplesOut - 1), Unwrap(), arrivedTicks));
        }
    }

    /// <summary>The last <c>length</c> output samples in time order.</summary>
    private float[] Unwrap()
    {
        var window = GC.AllocateUninitializedArray<float>(_nOut * _length);
        int start = (int)(_samplesOut % _length); // oldest slot
        for (int c = 0; c < _nOut; c++)
        {
            var row = _ring.AsSpan(c * _length, _length);
            var dst = window.AsSpan(c * _length, _length);
            row[start..].CopyTo(dst);
            row[..start].CopyTo(dst[(_length - start)..]);
        }
        return window;
    }

    /// <summary>The first answer line: the live pipeline, what was substituted, the window and hop.</summary>
    public JsonObject Describe(JsonObject model) => new()
    {
        ["pipeline"] = _pipeline.Spec.Name,
        ["steps"] = _pipeline.Describe(),
        ["substitutions"] = new JsonArray(_pipeline.Substitutions.Select(s => (JsonNode)s.ToJson()).ToArray()),
        ["ignored_channels"] = new JsonArray(_ignored.Select(n => (JsonNode)n).ToArray()),
        ["window_samples"] = _length, ["hop_samples"] = _hop, ["sfreq_out"] = _pipeline.Output.Sfreq,
        ["model"] = model,
    };
}
