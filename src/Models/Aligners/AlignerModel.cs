using Neurodecode.Models.Encoders.EEGNet;
using Neurodecode.Models.Registry;
using Neurodecode.Models.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Neurodecode.Models.Aligners;

/// <summary>
/// What both aligners share behind <see cref="ITorchAligner"/>: evaluation without gradients, subject checks, strict
/// safetensors checkpoints (BatchNorm's int64 counters included, hence EEGNet's <see cref="SafeTensorsCheckpoint"/>),
/// reset-tuning and growing a trained model by new subjects. A subclass gives the module and the embedding.
/// </summary>
public abstract class AlignerModel : ITorchAligner
{
    private bool resetTuning;

    protected AlignerModel(ModelConfig config) => Config = config;

    public ModelConfig Config { get; }

    public abstract nn.Module Module { get; }

    public abstract int NSubjects { get; }

    public abstract int EmbeddingSize { get; }

    /// <summary>The registry name written into checkpoints.</summary>
    protected abstract string ModelName { get; }

    public abstract (Tensor Clip, Tensor Mse) Align(Tensor windows, Tensor subjects);

    public abstract bool IsHeadParameter(string name);

    public abstract string SubjectLayerName(int subject);

    /// <summary>Trainable parameters (no BatchNorm running statistics), as the papers count.</summary>
    /// <summary><paramref name="model"/> with the weights of <paramref name="path"/> loaded strictly; disposed if they
    /// do not fit.</summary>
    protected static T Loaded<T>(T model, string path) where T : AlignerModel
    {
        try
        {
            model.LoadWeights(path);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    public long ParameterCount => Module.parameters().Sum(p => p.numel());

    public void Train()
    {
        Module.train();
        if (!resetTuning) return;
        // A frozen part must not move either: no dropout and no running-statistics update in it.
        foreach (var (_, child) in Module.named_children())
            if (child.parameters().All(p => !p.requires_grad))
                child.eval();
    }

    public void Eval() => Module.eval();

    public IReadOnlyList<ParameterGroup> ResetTuning(int subject, double lr)
    {
        CheckSubject(subject);
        string layer = SubjectLayerName(subject);
        var subjectGroup = new List<(string, Parameter)>();
        var headGroup = new List<(string, Parameter)>();
        foreach (var (name, p) in Module.named_parameters())
        {
            bool head = IsHeadParameter(name), own = name == layer;
            p.requires_grad = head || own;
            if (own) subjectGroup.Add((name, p));
            else if (head) headGroup.Add((name, p));
        }
        resetTuning = true;
        return
        [
            new ParameterGroup("subject", subjectGroup.Select(p => p.Item1).ToArray(), subjectGroup.Select(p => p.Item2).ToArray(), lr),
            new ParameterGroup("head", headGroup.Select(p => p.Item1).ToArray(), headGroup.Select(p => p.Item2).ToArray(), lr),
        ];
    }

    public void Unfreeze()
    {
        foreach (var p in Module.parameters()) p.requires_grad = true;
        resetTuning = false;
    }

    string IAlignerModel.Name => Config.Model;
    int IAlignerModel.NChans => Config.NChans;
    int IAlignerModel.NTimes => Config.NTimes;
    int IAlignerModel.EmbeddingDim => EmbeddingSize;
    float[] IAlignerModel.PredictEmbeddings(ReadOnlySpan<float> windows, int batch) => Embed(windows, batch);

    /// <summary>Subject 0 (see <see cref="ITorchAligner"/>).</summary>
    public float[] Forward(ReadOnlySpan<float> windows, int batch) => Embed(windows, batch);

    /// <summary>Subject 0 (see <see cref="ITorchAligner"/>).</summary>
    public float[] Embed(ReadOnlySpan<float> windows, int batch)
    {
        if (batch < 0) throw new ArgumentException($"batch ({batch}) must not be negative");
        return Embed(windows, new long[batch]);
    }

    public float[] Embed(ReadOnlySpan<float> windows, ReadOnlySpan<long> subjects)
    {
        int batch = subjects.Length;
        long expected = (long)batch * Config.NChans * Config.NTimes;
        if (windows.Length != expected)
            throw new ArgumentException(
                $"windows hold {windows.Length} values; batch {batch} x n_chans {Config.NChans} x n_times {Config.NTimes} needs {expected}");
        foreach (long s in subjects) CheckSubject(s);
        if (batch == 0) return [];
        bool wasTraining = Module.training;
        Module.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var x = tensor(windows.ToArray(), [batch, Config.NChans, Config.NTimes], dtype: ScalarType.Float32);
            var (clip, _) = Align(x, tensor(subjects.ToArray()));
            return clip.contiguous().data<float>().ToArray();
        }
        finally
        {
            if (wasTraining) Train();
        }
    }

    private void CheckSubject(long subject)
    {
        if (subject < 0 || subject >= NSubjects)
            throw new ArgumentException($"subject id {subject} is outside 0 .. {NSubjects - 1} (n_subjects {NSubjects})");
    }

    /// <summary>Every tensor of the state (safetensors, with the model name and config in the metadata).</summary>
    public void Save(string path) => SafeTensorsCheckpoint.Save(Module, path, ModelName, Config.ToJson());

    /// <summary>Replaces the weights strictly: a checkpoint of another model or architecture is refused naming every
    /// missing, unexpected and mis-shaped tensor, and nothing is copied.</summary>
    public void LoadWeights(string path) => SafeTensorsCheckpoint.Load(Module, path, ModelName);

    /// <summary>
    /// Copies every tensor of <paramref name="trained"/> into this model, which must have the same architecture and
    /// at least as many subjects: the subject layers beyond the trained model's keep their fresh initialisation (a new
    /// subject, to reset-tune). Any other difference is an error naming the tensors.
    /// </summary>
    public void CopyFrom(AlignerModel trained)
    {
        var source = trained.Module.state_dict();
        var target = Module.state_dict();
        var newSubjects = Enumerable.Range(trained.NSubjects, Math.Max(0, NSubjects - trained.NSubjects)).Select(SubjectLayerName).ToHashSet();
        var missing = target.Keys.Where(k => !source.ContainsKey(k) && !newSubjects.Contains(k)).ToList();
        var unexpected = source.Keys.Where(k => !target.ContainsKey(k)).ToList();
        var misfit = source.Where(kv => target.TryGetValue(kv.Key, out var t) && !t.shape.SequenceEqual(kv.Value.shape)).Select(kv => kv.Key).ToList();
        if (missing.Count + unexpected.Count + misfit.Count > 0)
            throw new ArgumentException(
                $"the trained {trained.ModelName} does not fit this one: missing {string.Join(", ", missing)}; unexpected {string.Join(", ", unexpected)}; mis-shaped {string.Join(", ", misfit)}");
        using var _ = no_grad();
        foreach (var (name, t) in source) target[name].copy_(t);
    }

    public void Dispose() => Module.Dispose();
}
