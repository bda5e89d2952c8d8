using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Neurodecode.Ingest.Signals;
using Neurodecode.Models.Native;
using Neurodecode.Models.Aligners;
using Neurodecode.Models.Registry;
using Neurodecode.Models.Training;
using Neurodecode.Pipeline.Worker.Batch;
using Neurodecode.Preprocess.Steps;

namespace Neurodecode.Pipeline.Worker.Live;

/// <summary>
/// A trained model folder opened for the daemon: one model instance per worker (a TorchSharp module is not shared
/// between threads), handed out one decode at a time; and the check that turns a client's header into a
/// <see cref="LiveStream"/> through the pipeline the model was trained with. A classifier answers each window with
/// its label and class probabilities; an aligner with the top-k stimuli of its table (id and cosine), the best
/// match's caption and the predicted embedding.
/// </summary>
public sealed class LiveModel : IDisposable
{
    /// <summary>One model instance and how it turns a window into the answer's fields.</summary>
    private sealed record Instance(IDisposable Owner, Func<float[], JsonObject> Decode);

    private readonly Instance[] _instances;
    private readonly ConcurrentBag<Instance> _free;
    private readonly SemaphoreSlim _gate;
    private readonly IReadOnlyList<ChannelInfo>? _trained;
    private readonly JsonObject _outputs;

    private LiveModel(string path, string modelName, int nChans, int nTimes, double sfreq, PipelineSpec pipeline,
        IReadOnlyList<ChannelInfo>? trained, JsonObject outputs, string summary, Instance[] instances)
    {
        (Path, ModelName, NChans, NTimes, Sfreq, Pipeline, _trained, _outputs, Summary) = (path, modelName, nChans, nTimes, sfreq, pipeline, trained, outputs, summary);
        _instances = instances;
        _free = new ConcurrentBag<Instance>(instances);
        _gate = new SemaphoreSlim(instances.Length, instances.Length);
    }

    public string Path { get; }
    public string ModelName { get; }
    public int NChans { get; }
    public int NTimes { get; }
    public double Sfreq { get; }
    public PipelineSpec Pipeline { get; }

    /// <summary>What each answer carries, for the log: the classes, or the stimuli an aligner retrieves among.</summary>
    public string Summary { get; }

    public int Workers => _instances.Length;

    public static LiveModel Load(string dir, int workers, int torchThreads) =>
        AlignerDir.IsAlignerDir(dir) ? LoadAligner(dir, workers, torchThreads) : LoadClassifier(dir, workers, torchThreads);

    private static LiveModel LoadClassifier(string dir, int workers, int torchThreads)
    {
        var folders = Open(workers, () => ModelDir.Open(dir), m => m.Model is ITorchModel, torchThreads);
        var first = folders[0];
        var classes = first.Classes;
        var instances = folders.Select(m => new Instance(m, window =>
        {
            var logits = m.Model.Forward(window, 1);
            var probs = new double[logits.Length];
            int best = Batch.EvaluateJob.Softmax(logits, probs);
            var byClass = new JsonObject();
            for (int k = 0; k < probs.Length; k++) byClass[classes[k]] = probs[k];
            return new JsonObject { ["label"] = classes[best], ["probs"] = byClass };
        })).ToArray();
        var config = first.Model.Config;
        return new LiveModel(dir, config.Model, config.NChans, config.NTimes, config.Sfreq, first.Pipeline, first.InputChannels,
            new JsonObject { ["classes"] = new JsonArray(classes.Select(c => (JsonNode)c).ToArray()) }, string.Join("/", classes), instances);
    }

    private static LiveModel LoadAligner(string dir, int workers, int torchThreads)
    {
        var folders = Open(workers, () => AlignerDir.Open(dir), a => a.Model is ITorchAligner, torchThreads);
        var first = folders[0];
        var table = first.Table;
        int k = Math.Min(first.TopK, table.Count), d = first.Model.EmbeddingDim;
        var instances = folders.Select(a => new Instance(a, window =>
        {
            var embedding = a.Aligner.Predict(window);
            var top = RetrievalMetrics.TopCandidates(RetrievalMetrics.CosineSimilarity(embedding, d, table.Embeddings), k);
            return new JsonObject
            {
                ["stimulus_id"] = table.Ids[top[0].Index],
                ["caption"] = table.Caption(top[0].Index),
                ["top"] = new JsonArray(top.Select(t => (JsonNode)new JsonObject { ["stimulus_id"] = table.Ids[t.Index], ["score"] = t.Score }).ToArray()),
                ["embedding"] = new JsonArray(embedding.Select(v => (JsonNode)v).ToArray()),
            };
        })).ToArray();
        var model = first.Model;
        return new LiveModel(dir, model.Name, model.NChans, model.NTimes, first.Sfreq, first.Pipeline, first.InputChannels,
            new JsonObject { ["task"] = Batch.AlignJob.Task, ["candidates"] = table.Count, ["top_k"] = k, ["embedding_dim"] = d },
            $"top-{k} of {table.Count} stimuli", instances);
    }

    /// <summary>One folder per worker; torch models get their intra-op thread count set once loaded.</summary>
    private static List<T> Open<T>(int workers, Func<T> open, Func<T, bool> isTorch, int torchThreads) where T : IDisposable
    {
        var folders = new List<T>();
        try
        {
            for (int i = 0; i < workers; i++)
            {
                folders.Add(open());
                if (isTorch(folders[0]))
                    TorchRuntime.EnsureLoaded(torchThreads); // explicit: one decode uses this many threads
            }
            return folders;
        }
        catch
        {
            foreach (var f in folders) f.Dispose();
            throw;
        }
    }

    /// <summary>Decodes one window (n_chans x n_times float32) on a free model instance: the answer's model fields.</summary>
    public async ValueTask<JsonObject> DecodeAsync(float[] window, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        _free.TryTake(out var instance);
        try
        {
            return instance!.Decode(window);
        }
        finally
        {
            _free.Add(instance!);
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
        var trained = _trained;
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
        if (output.NChannels != NChans)
            throw new ProtocolException($"the pipeline gives {output.NChannels} channels from this stream, the model expects {NChans}");
        if (Math.Abs(output.Sfreq - Sfreq) > 1e-9 * Sfreq)
            throw new ProtocolException($"sfreq {header.Sfreq} gives {output.Sfreq} Hz after pipeline '{Pipeline.Name}', the model expects {Sfreq} Hz (the pipeline has no resample step to get there)");
        int hop = (int)Math.Round(hopS * output.Sfreq);
        if (hop < 1)
            throw new ProtocolException($"hop {hopS} s is less than one sample at {output.Sfreq} Hz");
        var ignored = header.Channels.Where((_, i) => !picks.Contains(i)).ToList();
        return new LiveStream(pipeline, header.Channels.Count, picks, header.ToVolts, NTimes, hop, ignored);
    }

    private static string Names(IEnumerable<string> names)
    {
        var list = names.ToList();
        string shown = string.Join(", ", list.Take(8).Select(n => $"'{n}'"));
        return list.Count > 8 ? shown + $" ... ({list.Count - 8} more)" : shown;
    }

    /// <summary>The model's side of the first answer line.</summary>
    public JsonObject Describe()
    {
        var json = new JsonObject { ["model"] = ModelName };
        foreach (var (key, value) in _outputs) json[key] = value?.DeepClone();
        json["n_chans"] = NChans;
        json["n_times"] = NTimes;
        json["sfreq"] = Sfreq;
        return json;
    }

    public void Dispose()
    {
        foreach (var m in _instances) m.Owner.Dispose();
        _gate.Dispose();
    }
}
