using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Neurodecode.Ingest.Signals;
using Neurodecode.Models.Native;
using Neurodecode.Models.Registry;
using Neurodecode.Pipeline.Worker.Batch;
using Neurodecode.Preprocess.Steps;

namespace Neurodecode.Pipeline.Worker.Live;

/// <summary>One decoded window: the class index, its name and the softmax probabilities.</summary>
public sealed record Decoded(int ClassIndex, string Label, double[] Probs);

/// <summary>
/// A trained model folder opened for the daemon: one model instance per worker (a TorchSharp module is not shared
/// between threads), handed out one decode at a time; and the check that turns a client's header into a
/// <see cref="LiveStream"/> through the pipeline the model was trained with.
/// </summary>
public sealed class LiveModel : IDisposable
{
    private readonly ModelDir[] _instances;
    private readonly ConcurrentBag<ModelDir> _free;
    private readonly SemaphoreSlim _gate;

    private LiveModel(ModelDir[] instances)
    {
        _instances = instances;
        _free = new ConcurrentBag<ModelDir>(instances);
        _gate = new SemaphoreSlim(instances.Length, instances.Length);
    }

    private ModelDir First => _instances[0];
    public string Path => First.Path;
    public ModelConfig Config => First.Model.Config;
    public IReadOnlyList<string> Classes => First.Classes;
    public PipelineSpec Pipeline => First.Pipeline;
    public int Workers => _instances.Length;

    public static LiveModel Load(string dir, int workers, int torchThreads)
    {
        var instances = new List<ModelDir>();
        try
        {
            for (int i = 0; i < workers; i++)
            {
                instances.Add(ModelDir.Open(dir));
                if (instances[0].Model is ITorchModel)
                    TorchRuntime.EnsureLoaded(torchThreads); // explicit: one decode uses this many threads
            }
            return new LiveModel([.. instances]);
        }
        catch
        {
            foreach (var m in instances) m.Dispose();
            throw;
        }
    }

    /// <summary>Decodes one window (n_chans x n_times float32) on a free model instance.</summary>
    public async ValueTask<Decoded> DecodeAsync(float[] window, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        _free.TryTake(out var model);
        try
        {
            var logits = model!.Model.Forward(window, 1);
            var probs = new double[logits.Length];
            int best = Batch.EvaluateJob.Softmax(logits, probs);
            return new Decoded(best, Classes[best], probs);
        }
        finally
        {
            _free.Add(model!);
            _gate.Release();
        }
    }

    /// <summary>
    /// Checks a client's stream against the model: every channel the model was trained on must be there (others are
    /// ignored), every step must have a causal form at this rate, and the pipeline must deliver the model's channel
    /// count and rate. Errors are <see cref="ProtocolException"/>s the client reads as one line.
    /// </summary>
    public LiveStream Open(StreamHeader header, double hopS)
    {
        int[] picks;
        ChannelInfo[] channels;
        var trained = First.InputChannels;
        if (trained is not null)
        {
            var index = header.Channels.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);
            var missing = trained.Where(c => !index.ContainsKey(c.Name)).Select(c => c.Name).ToList();
            if (missing.Count > 0)
                throw new ProtocolException($"missing {missing.Count} channel(s) the model needs: {Names(missing)} (trained on {trained.Count}: {Names(trained.Select(c => c.Name))})");
            picks = trained.Select(c => index[c.Name]).ToArray();
            channels = trained.Select(c => c with { Sfreq = header.Sfreq }).ToArray();
        }
        else
        {
            // A folder from before train recorded its channels: take the stream's channels as EEG, in its order.
            picks = Enumerable.Range(0, header.Channels.Count).ToArray();
            channels = header.Channels.Select(n => new ChannelInfo(n, ChannelKind.Eeg, "V", header.Sfreq)).ToArray();
        }

        LivePipeline pipeline;
        try
        {
            pipeline = LivePipeline.Resolve(Pipeline, new SignalInfo(channels, header.Sfreq, 0));
        }
        catch (PipelineSpecException e)
        {
            throw new ProtocolException($"pipeline '{Pipeline.Name}' at sfreq {header.Sfreq}: {e.Message}");
        }
        var output = pipeline.Output;
        if (output.NChannels != Config.NChans)
            throw new ProtocolException($"the pipeline gives {output.NChannels} channels from this stream, the model expects {Config.NChans}");
        if (Math.Abs(output.Sfreq - Config.Sfreq) > 1e-9 * Config.Sfreq)
            throw new ProtocolException($"sfreq {header.Sfreq} gives {output.Sfreq} Hz after pipeline '{Pipeline.Name}', the model expects {Config.Sfreq} Hz (the pipeline has no resample step to get there)");
        int hop = (int)Math.Round(hopS * output.Sfreq);
        if (hop < 1)
            throw new ProtocolException($"hop {hopS} s is less than one sample at {output.Sfreq} Hz");
        var ignored = header.Channels.Where((_, i) => !picks.Contains(i)).ToList();
        return new LiveStream(pipeline, header.Channels.Count, picks, header.ToVolts, Config.NTimes, hop, ignored);
    }

    private static string Names(IEnumerable<string> names)
    {
        var list = names.ToList();
        string shown = string.Join(", ", list.Take(8).Select(n => $"'{n}'"));
        return list.Count > 8 ? shown + $" ... ({list.Count - 8} more)" : shown;
    }

    /// <summary>The model's side of the first answer line.</summary>
    public JsonObject Describe() => new()
    {
        ["model"] = Config.Model, ["classes"] = new JsonArray(Classes.Select(c => (JsonNode)c).ToArray()),
        ["n_chans"] = Config.NChans, ["n_times"] = Config.NTimes, ["sfreq"] = Config.Sfreq,
    };

    public void Dispose()
    {
        foreach (var m in _instances) m.Dispose();
        _gate.Dispose();
    }
}
