using System.Diagnostics;
using System.Text.Json;
using Neurodecode.Models.Native;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Neurodecode.Models.Training;

/// <summary>
/// The fine-tuning recipe (CBraMod's <c>finetune_main.py</c> defaults, guide §1.9): AdamW, weight decay 5e-2,
/// cosine annealing per step to eta_min 1e-6, gradient-norm clip 1.0, cross-entropy with label smoothing 0.1,
/// batch 64, 50 epochs, seed 3407. Learning rates live on the <see cref="ParameterGroup"/>s; <see cref="Lr"/> is
/// the rate when the trainer makes a single group itself.
/// </summary>
public sealed record TrainerOptions
{
    public int Epochs { get; init; } = 50;
    public int BatchSize { get; init; } = 64;
    /// <summary>Batch size for scoring validation and test windows (no gradients, so larger is fine).</summary>
    public int EvalBatchSize { get; init; } = 256;
    public double Lr { get; init; } = 1e-4;
    public double WeightDecay { get; init; } = 5e-2;
    public double EtaMin { get; init; } = 1e-6;
    public long WarmupSteps { get; init; } = 0;
    /// <summary>Clip the global gradient 2-norm to this; null leaves gradients alone.</summary>
    public double? MaxGradNorm { get; init; } = 1.0;
    public double LabelSmoothing { get; init; } = 0.1;
    /// <summary>Seeds torch (weights, dropout) and the batch order.</summary>
    public long Seed { get; init; } = 3407;
    /// <summary>Feed (batch, C, T / patch_len, patch_len) instead of (batch, C, T): CBraMod's patches.</summary>
    public int? PatchLen { get; init; }
    public bool DropLast { get; init; } = false;

    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"epochs ({Epochs}) must be at least 1");
        if (BatchSize < 1) throw new ArgumentException($"batch_size ({BatchSize}) must be at least 1");
        if (EvalBatchSize < 1) throw new ArgumentException($"eval_batch_size ({EvalBatchSize}) must be at least 1");
        if (!(Lr >= 0)) throw new ArgumentException($"lr ({Lr}) must be non-negative");
        if (!(WeightDecay >= 0)) throw new ArgumentException($"weight_decay ({WeightDecay}) must be non-negative");
        if (MaxGradNorm is double g && !(g > 0)) throw new ArgumentException($"max_grad_norm ({g}) must be positive");
        if (!(LabelSmoothing >= 0 && LabelSmoothing <= 1)) throw new ArgumentException($"label_smoothing ({LabelSmoothing}) must be in [0, 1]");
        if (PatchLen is int p && p < 1) throw new ArgumentException($"patch_len ({p}) must be at least 1");
    }
}

/// <summary>Training, validation and (optional) test windows, and the class names their ids index.</summary>
public sealed record TrainingData(WindowDataset Train, WindowDataset Val, WindowDataset? Test, IReadOnlyList<string> ClassNames)
{
    public int NClasses => ClassNames.Count;
}

/// <summary>One epoch of the learning curves.</summary>
/// <param name="TrainLoss">Mean training loss (with label smoothing, as optimised) over the epoch's windows.</param>
/// <param name="ValLoss">Mean cross-entropy (no smoothing) on the validation windows.</param>
/// <param name="ValScore">The selection metric on validation (AUROC for binary tasks, kappa otherwise).</param>
/// <param name="Lr">Each group's learning rate at the epoch's last step.</param>
/// <param name="Improved">Whether this epoch became the best so far (strictly higher score).</param>
public sealed record EpochRecord(int Epoch, double TrainLoss, double ValLoss, double ValScore, bool Improved,
    IReadOnlyDictionary<string, double> Lr, double Seconds, double WindowsPerSecond, ClassificationMetrics Val);

/// <summary>What a run learned: the selected epoch, its validation metrics, the test metrics scored once with it, and
/// the learning curves. Round-trips to JSON (snake_case).</summary>
public sealed record TrainingResult(
    string SelectionMetric,
    int BestEpoch,
    double BestValScore,
    ClassificationMetrics Val,
    ClassificationMetrics? Test,
    IReadOnlyList<EpochRecord> Curves,
    long Seed,
    long Steps,
    double TrainSeconds,
    double TrainWindowsPerSecond)
{
    public string ToJson() => JsonSerializer.Serialize(this, Metrics.Json);

    public static TrainingResult FromJson(string json) =>
        JsonSerializer.Deserialize<TrainingResult>(json, Metrics.Json) ?? throw new JsonException("training result JSON is null");
}

/// <summary>Where a run is: reported after every batch, and with <see cref="EpochDone"/> at the end of each epoch.
/// <see cref="Windows"/> counts the training windows seen so far in this epoch (for a throughput display).</summary>
public sealed record TrainingProgress(int Epoch, int Epochs, int Batch, int Batches, double Loss, EpochRecord? EpochDone = null,
    long Windows = 0);

/// <summary>Training stopped on a non-finite loss: a run's settings (learning rate, input scale) or a numerical
/// fault, not a bug in the caller, so front doors report it in one line.</summary>
public sealed class TrainingDivergedException(string message)
    : InvalidOperationException(message + " (lower the learning rate or check the input's scale)");

/// <summary>Predictions for a set of windows: class ids (argmax of the logits) and softmax probabilities.</summary>
public sealed record Predictions(long[] Predicted, double[,] Probs, double Loss);

/// <summary>
/// A training loop for any TorchSharp classifier <c>Module&lt;Tensor, Tensor&gt;</c> mapping a batch of windows
/// to (batch, n_classes) logits. Per epoch: shuffle the training windows (seeded), train with AdamW over the
/// parameter groups (cosine schedule per step, gradient clipping, label-smoothed cross-entropy), then score the
/// validation windows in eval mode; the state with the strictly highest validation score (AUROC for binary tasks,
/// Cohen's kappa otherwise) is copied aside. At the end that state is loaded back and the test windows are scored
/// once. The same options, data and seed give the same numbers on the same machine and thread count.
/// </summary>
/// <remarks>
/// torch's random generator is process-global: weights and dropout are reproducible only if nothing else in the
/// process draws from it while a run trains.
/// </remarks>
public sealed class Trainer
{
    public Trainer(TrainerOptions options)
    {
        options.Validate();
        Options = options;
    }

    public TrainerOptions Options { get; }

    /// <summary>
    /// Seeds torch, builds the model with <paramref name="create"/> (so its initial weights follow the seed), and
    /// trains it. <paramref name="groups"/> picks the parameter groups (all parameters at <see cref="TrainerOptions.Lr"/>
    /// when null). The returned model holds the selected state; the caller disposes it.
    /// </summary>
    public (Module<Tensor, Tensor> Model, TrainingResult Result) Fit(Func<Module<Tensor, Tensor>> create, TrainingData data,
        Func<Module<Tensor, Tensor>, IReadOnlyList<ParameterGroup>>? groups = null, IProgress<TrainingProgress>? progress = null,
        CancellationToken ct = default)
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(Options.Seed);
        var model = create();
        try
        {
            var result = Train(model, data, groups?.Invoke(model), progress, ct);
            return (model, result);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Trains a model built by the caller (its initial weights are the caller's business); on return it
    /// holds the selected state. torch is seeded with <see cref="TrainerOptions.Seed"/> before the first batch.</summary>
    public TrainingResult Fit(Module<Tensor, Tensor> model, TrainingData data, IReadOnlyList<ParameterGroup>? groups = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken ct = default)
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(Options.Seed);
        return Train(model, data, groups, progress, ct);
    }

    private TrainingResult Train(Module<Tensor, Tensor> model, TrainingData data, IReadOnlyList<ParameterGroup>? groups,
        IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        var o = Options;
        CheckData(data);
        groups ??= ParameterGroup.All(model, o.Lr);
        using var optimizer = Optimization.AdamW(model, groups, o.WeightDecay);
        var allParameters = groups.SelectMany(g => g.Parameters).ToArray();

        int batchesPerEpoch = data.Train.Batches(o.BatchSize, shuffle: false, dropLast: o.DropLast).Length;
        if (batchesPerEpoch == 0)
            throw new ArgumentException($"{data.Train.Count} training windows make no full batch of {o.BatchSize} (drop_last)");
        var schedule = new LrSchedule((long)o.Epochs * batchesPerEpoch, o.EtaMin, o.WarmupSteps);
        schedule.Validate();
        var paramGroups = optimizer.ParamGroups.ToArray();

        var curves = new List<EpochRecord>();
        Dictionary<string, Tensor>? best = null;
        double bestScore = double.NegativeInfinity;
        int bestEpoch = 0;
        ClassificationMetrics? bestVal = null;
        long step = 0, trainedWindows = 0;
        double trainSeconds = 0;
        try
        {
            for (int epoch = 1; epoch <= o.Epochs; epoch++)
            {
                var clock = Stopwatch.StartNew();
                model.train();
                var batches = data.Train.Batches(o.BatchSize, shuffle: true, o.Seed, epoch, o.DropLast);
                double lossSum = 0;
                long seen = 0;
                for (int b = 0; b < batches.Length; b++)
                {
                    ct.ThrowIfCancellationRequested();
                    for (int g = 0; g < paramGroups.Length; g++)
                        paramGroups[g].LearningRate = schedule.LearningRate(groups[g].Lr, step);
                    double loss;
                    using (NewDisposeScope())
                    {
                        var (x, y) = data.Train.Batch(batches[b], o.PatchLen);
                        optimizer.zero_grad();
                        var logits = model.forward(x);
                        CheckLogits(logits, batches[b].Length, data.NClasses);
                        var lossT = Optimization.CrossEntropy(logits, y, o.LabelSmoothing);
                        lossT.backward();
                        if (o.MaxGradNorm is double maxNorm)
                            nn.utils.clip_grad_norm_(allParameters, maxNorm);
                        optimizer.step();
                        loss = lossT.item<float>();
                    }
                    if (!double.IsFinite(loss))
                        throw new TrainingDivergedException($"epoch {epoch} batch {b + 1}: training loss is {loss}");
                    lossSum += loss * batches[b].Length;
                    seen += batches[b].Length;
                    step++;
                    progress?.Report(new TrainingProgress(epoch, o.Epochs, b + 1, batches.Length, loss, Windows: seen));
                }
                double epochTrainSeconds = clock.Elapsed.TotalSeconds;
                trainSeconds += epochTrainSeconds;
                trainedWindows += seen;

                var pred = Predict(model, data.Val, o.EvalBatchSize, o.PatchLen);
                var val = Metrics.Compute(data.Val.Y, pred.Predicted, pred.Probs, data.NClasses, data.ClassNames);
                double score = val.SelectionScore;
                bool improved = score > bestScore;  // strictly better keeps; NaN never does
                if (improved)
                {
                    bestScore = score;
                    bestEpoch = epoch;
                    bestVal = val;
                    DisposeAll(best);
                    best = CopyState(model);
                }
                var lr = new Dictionary<string, double>();
                for (int g = 0; g < groups.Count; g++)
                    lr[groups[g].Name] = schedule.LearningRate(groups[g].Lr, step - 1);
                var record = new EpochRecord(epoch, lossSum / seen, pred.Loss, score, improved, lr,
                    clock.Elapsed.TotalSeconds, seen / epochTrainSeconds, val);
                curves.Add(record);
                progress?.Report(new TrainingProgress(epoch, o.Epochs, batches.Length, batches.Length, record.TrainLoss, record, seen));
            }

            if (best is null)
                throw new InvalidOperationException(
                    $"validation {Metrics.SelectionMetricName(data.NClasses)} was undefined (NaN) at every epoch; no state to select");
            LoadState(model, best);
        }
        finally
        {
            DisposeAll(best);
        }

        ClassificationMetrics? test = null;
        if (data.Test is { Count: > 0 } testSet)
        {
            var pred = Predict(model, testSet, o.EvalBatchSize, o.PatchLen);
            test = Metrics.Compute(testSet.Y, pred.Predicted, pred.Probs, data.NClasses, data.ClassNames);
        }
        return new TrainingResult(Metrics.SelectionMetricName(data.NClasses), bestEpoch, bestScore, bestVal!, test, curves,
            o.Seed, step, trainSeconds, trainedWindows / trainSeconds);
    }

    /// <summary>Scores windows in eval mode without gradients: argmax classes, softmax probabilities (computed in
    /// double from the float32 logits) and the mean cross-entropy (no smoothing) when the windows are labelled.</summary>
    public static Predictions Predict(Module<Tensor, Tensor> model, WindowDataset data, int batchSize = 256, int? patchLen = null)
    {
        TorchRuntime.EnsureLoaded();
        bool wasTraining = model.training;
        model.eval();
        try
        {
            var predicted = new long[data.Count];
            double[,]? probs = null;
            double lossSum = 0;
            int nClasses = 0;
            using var _ = no_grad();
            foreach (var batch in data.Batches(batchSize, shuffle: false))
            {
                using var scope = NewDisposeScope();
                var (x, _) = data.Batch(batch, patchLen);
                var logits = model.forward(x);
                if (logits.ndim != 2 || logits.shape[0] != batch.Length)
                    throw new InvalidOperationException($"the model returned logits of shape ({string.Join(", ", logits.shape)}), expected ({batch.Length}, n_classes)");
                nClasses = (int)logits.shape[1];
                probs ??= new double[data.Count, nClasses];
                var values = logits.to(ScalarType.Float32).data<float>().ToArray();
                for (int i = 0; i < batch.Length; i++)
                {
                    int row = batch[i];
                    var z = values.AsSpan(i * nClasses, nClasses);
                    int arg = 0;
                    double max = z[0];
                    for (int k = 1; k < nClasses; k++)
                        if (z[k] > max) { max = z[k]; arg = k; }  // first maximum, as torch.argmax
                    double sum = 0;
                    for (int k = 0; k < nClasses; k++) sum += Math.Exp(z[k] - max);
                    for (int k = 0; k < nClasses; k++) probs[row, k] = Math.Exp(z[k] - max) / sum;
                    predicted[row] = arg;
                    long y = data.Y[row];
                    if (y >= 0 && y < nClasses) lossSum += Math.Log(sum) - (z[(int)y] - max);
                }
            }
            return new Predictions(predicted, probs ?? new double[0, 0], data.Count == 0 ? double.NaN : lossSum / data.Count);
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    private static void CheckData(TrainingData data)
    {
        int k = data.NClasses;
        if (k < 2) throw new ArgumentException($"{k} class names; a classifier needs at least 2");
        void Check(string part, WindowDataset? d, bool required)
        {
            if (d is null) return;
            if (required && d.Count == 0) throw new ArgumentException($"no {part} windows");
            if (d.NChans != data.Train.NChans || d.NTimes != data.Train.NTimes)
                throw new ArgumentException($"{part} windows are {d.NChans} x {d.NTimes} but training windows are {data.Train.NChans} x {data.Train.NTimes}");
            for (int i = 0; i < d.Count; i++)
                if (d.Y[i] < 0 || d.Y[i] >= k)
                {
                    var w = d.Windows[i];
                    throw new ArgumentException($"{part} window {i} ({w.File}, onset {w.OnsetS} s) has class id {d.Y[i]}, not in 0..{k - 1}");
                }
        }
        Check("training", data.Train, true);
        Check("validation", data.Val, true);
        Check("test", data.Test, false);
        if (k == 2 && data.Val.Y.Distinct().Count() < 2)
            throw new ArgumentException($"validation windows hold one class only ({data.ClassNames[(int)data.Val.Y[0]]}); AUROC, the binary selection metric, is undefined");
    }

    private static void CheckLogits(Tensor logits, int batch, int nClasses)
    {
        if (logits.ndim != 2 || logits.shape[0] != batch || logits.shape[1] != nClasses)
            throw new InvalidOperationException($"the model returned logits of shape ({string.Join(", ", logits.shape)}), expected ({batch}, {nClasses})");
    }

    /// <summary>A detached copy of every parameter and buffer.</summary>
    internal static Dictionary<string, Tensor> CopyState(nn.Module model)
    {
        using var _ = no_grad();
        var copy = new Dictionary<string, Tensor>();
        foreach (var (name, t) in model.state_dict())
        {
            using var detached = t.detach();
            copy[name] = detached.clone();
        }
        return copy;
    }

    internal static void LoadState(nn.Module model, Dictionary<string, Tensor> state)
    {
        using var _ = no_grad();
        foreach (var (name, t) in model.state_dict())
            t.copy_(state[name]);
    }

    internal static void DisposeAll(Dictionary<string, Tensor>? state)
    {
        if (state is null) return;
        foreach (var t in state.Values) t.Dispose();
        state.Clear();
    }
}
