using System.Diagnostics;
using Neurodecode.Models.Native;
using Neurodecode.Models.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Neurodecode.Models.Aligners;

/// <summary>What the aligner loop does. Defaults: Benchetrit et al.'s weights (0.75 InfoNCE, 0.25 MSE), CLIP's
/// initial temperature 0.07, brainmagick's learning rate 3e-4.</summary>
public sealed record AlignerTrainerOptions
{
    public int Epochs { get; init; } = 20;
    public int BatchSize { get; init; } = 64;
    /// <summary>Windows per validation batch (no gradients); retrieval always ranks against every validation target.</summary>
    public int EvalBatchSize { get; init; } = 256;
    public double Lr { get; init; } = 3e-4;
    public double WeightDecay { get; init; } = 0;
    public double ClipWeight { get; init; } = 0.75;
    public double MseWeight { get; init; } = 0.25;
    public double Temperature { get; init; } = 0.07;
    /// <summary>Clip the global gradient 2-norm to this; null leaves gradients alone.</summary>
    public double? MaxGradNorm { get; init; }
    /// <summary>k of the validation top-k retrieval accuracy that selects the epoch.</summary>
    public int TopK { get; init; } = 5;
    /// <summary>Seeds torch (weights, spatial dropout) and the batch order.</summary>
    public long Seed { get; init; } = 0;

    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"epochs ({Epochs}) must be at least 1");
        if (BatchSize < 2) throw new ArgumentException($"batch_size ({BatchSize}) must be at least 2 (InfoNCE needs negatives)");
        if (EvalBatchSize < 1) throw new ArgumentException($"eval_batch_size ({EvalBatchSize}) must be at least 1");
        if (!(Lr >= 0)) throw new ArgumentException($"lr ({Lr}) must be non-negative");
        if (!(WeightDecay >= 0)) throw new ArgumentException($"weight_decay ({WeightDecay}) must be non-negative");
        if (MaxGradNorm is double g && !(g > 0)) throw new ArgumentException($"max_grad_norm ({g}) must be positive");
        if (TopK < 1) throw new ArgumentException($"top_k ({TopK}) must be at least 1");
        if (!(ClipWeight >= 0) || !(MseWeight >= 0) || ClipWeight + MseWeight == 0)
            throw new ArgumentException($"clip_weight ({ClipWeight}) and mse_weight ({MseWeight}) must be non-negative and not both 0");
        if (!(Temperature > 0)) throw new ArgumentException($"temperature ({Temperature}) must be positive");
    }
}

/// <summary>Windows paired with their subjects and target embeddings: X (n, C, T) float32 row-major, subject ids (n),
/// targets (n, dim) float32 row-major.</summary>
public sealed record AlignmentSet(float[] X, int NChans, int NTimes, long[] Subjects, float[] Targets, int TargetDim)
{
    public int Count => Subjects.Length;

    public void Validate(string name)
    {
        if (X.LongLength != (long)Count * NChans * NTimes)
            throw new ArgumentException($"{name}: X holds {X.LongLength} values, not {Count} windows x {NChans} x {NTimes}");
        if (Targets.LongLength != (long)Count * TargetDim)
            throw new ArgumentException($"{name}: targets hold {Targets.LongLength} values, not {Count} windows x {TargetDim}");
    }

    /// <summary>Tensors for the windows at <paramref name="idx"/>: X (b, C, T), subjects (b), targets (b, dim).</summary>
    public (Tensor X, Tensor Subjects, Tensor Targets) Batch(IReadOnlyList<int> idx)
    {
        long size = (long)NChans * NTimes;
        var x = new float[idx.Count * size];
        var s = new long[idx.Count];
        var t = new float[idx.Count * TargetDim];
        for (int i = 0; i < idx.Count; i++)
        {
            Array.Copy(X, idx[i] * size, x, i * size, size);
            s[i] = Subjects[idx[i]];
            Array.Copy(Targets, (long)idx[i] * TargetDim, t, (long)i * TargetDim, TargetDim);
        }
        return (tensor(x, [idx.Count, NChans, NTimes]), tensor(s), tensor(t, [idx.Count, TargetDim]));
    }

    /// <summary>The distinct targets (first-seen order) and each window's index among them: repeated trials of one
    /// stimulus share a candidate, as in retrieval among stimuli.</summary>
    public (IReadOnlyList<float[]> Candidates, int[] Truth) DistinctTargets()
    {
        var candidates = new List<float[]>();
        var index = new Dictionary<string, int>();
        var truth = new int[Count];
        for (int i = 0; i < Count; i++)
        {
            var row = Targets.AsSpan(i * TargetDim, TargetDim);
            string key = Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(row));
            if (!index.TryGetValue(key, out truth[i]))
            {
                truth[i] = index[key] = candidates.Count;
                candidates.Add(row.ToArray());
            }
        }
        return (candidates, truth);
    }
}

/// <summary>One epoch: mean training loss, validation loss (and its two terms), validation retrieval accuracies, the
/// temperature, and whether the epoch became the selected one.</summary>
public sealed record AlignerEpoch(int Epoch, double TrainLoss, double ValLoss, double ValInfoNce, double ValMse,
    double ValTop1, double ValTopK, double Temperature, bool Improved, double Seconds);

/// <summary>The selected epoch and the curves; chance levels are 1 / N and k / N for N distinct validation targets.</summary>
public sealed record AlignerResult(int BestEpoch, double BestValTopK, int TopK, double ChanceTop1, double ChanceTopK,
    IReadOnlyList<AlignerEpoch> Curves);

/// <summary>
/// The aligner training loop: AdamW over the model's parameter groups (all parameters, or the reset-tuning groups)
/// plus the loss's temperature (its own AdamW, no weight decay), seeded batches of (window, subject, target), the
/// <see cref="AlignmentLoss"/>; after each epoch the validation windows are embedded in evaluation mode and ranked by
/// cosine against the distinct validation targets (<see cref="RetrievalMetrics"/>: top-1 and top-k accuracy). The epoch with the highest top-k accuracy (ties:
/// lower validation loss) is kept and its state restored at the end.
/// </summary>
public sealed class AlignerTrainer
{
    public AlignerTrainer(AlignerTrainerOptions options)
    {
        options.Validate();
        Options = options;
    }

    public AlignerTrainerOptions Options { get; }

    public AlignerResult Fit(ITorchAligner model, AlignmentSet train, AlignmentSet val, IReadOnlyList<ParameterGroup>? groups = null,
        IProgress<AlignerEpoch>? progress = null, CancellationToken ct = default)
    {
        TorchRuntime.EnsureLoaded();
        var o = Options;
        train.Validate("training set");
        val.Validate("validation set");
        foreach (var (set, name) in new[] { (train, "training set"), (val, "validation set") })
        {
            if (set.NChans != model.Config.NChans || set.NTimes != model.Config.NTimes)
                throw new ArgumentException($"{name}: windows are {set.NChans} x {set.NTimes}, the model takes {model.Config.NChans} x {model.Config.NTimes}");
            if (set.TargetDim != model.EmbeddingSize)
                throw new ArgumentException($"{name}: targets have {set.TargetDim} values, the model embeds into {model.EmbeddingSize}");
            foreach (long s in set.Subjects)
                if (s < 0 || s >= model.NSubjects)
                    throw new ArgumentException($"{name}: subject id {s} is outside 0 .. {model.NSubjects - 1}");
        }
        if (train.Count < 2 || val.Count < 2) throw new ArgumentException($"need at least 2 training and 2 validation windows (got {train.Count} and {val.Count})");

        manual_seed(o.Seed);
        groups ??= ParameterGroup.All(model.Module, o.Lr);
        using var loss = new AlignmentLoss(o.ClipWeight, o.MseWeight, o.Temperature);
        using var optimizer = Optimization.AdamW(model.Module, groups, o.WeightDecay);
        using var temperatureOptimizer = Optimization.AdamW(loss, ParameterGroup.All(loss, o.Lr), 0);
        var clipped = groups.SelectMany(g => g.Parameters).ToArray();

        var curves = new List<AlignerEpoch>();
        Dictionary<string, Tensor>? best = null;
        (double TopK, double Loss) bestScore = (double.NegativeInfinity, double.PositiveInfinity);
        int bestEpoch = 0;
        try
        {
            for (int epoch = 1; epoch <= o.Epochs; epoch++)
            {
                var clock = Stopwatch.StartNew();
                model.Train();
                int[] order = new SplitMix64(SplitMix64.Derive(o.Seed, epoch)).Permutation(train.Count);
                double sum = 0;
                long seen = 0;
                for (int start = 0; start + 1 < train.Count; start += o.BatchSize)   // a last batch of one has no negatives
                {
                    ct.ThrowIfCancellationRequested();
                    var idx = order[start..Math.Min(train.Count, start + o.BatchSize)];
                    double value;
                    using (NewDisposeScope())
                    {
                        var (x, s, t) = train.Batch(idx);
                        optimizer.zero_grad();
                        temperatureOptimizer.zero_grad();
                        var (clip, mse) = model.Align(x, s);
                        var (l, _, _) = loss.forward(clip, mse, t);
                        l.backward();
                        if (o.MaxGradNorm is double maxNorm) nn.utils.clip_grad_norm_(clipped, maxNorm);
                        optimizer.step();
                        temperatureOptimizer.step();
                        value = l.item<float>();
                    }
                    if (!double.IsFinite(value))
                        throw new TrainingDivergedException($"epoch {epoch} batch {start / o.BatchSize + 1}: training loss is {value}");
                    sum += value * idx.Length;
                    seen += idx.Length;
                }

                var (valLoss, valNce, valMse, top1, topK) = Validate(model, loss, val);
                bool improved = topK > bestScore.TopK || (topK == bestScore.TopK && valLoss < bestScore.Loss);
                if (improved)
                {
                    bestScore = (topK, valLoss);
                    bestEpoch = epoch;
                    Trainer.DisposeAll(best);
                    best = Trainer.CopyState(model.Module);
                }
                var record = new AlignerEpoch(epoch, sum / seen, valLoss, valNce, valMse, top1, topK, loss.Temperature, improved,
                    clock.Elapsed.TotalSeconds);
                curves.Add(record);
                progress?.Report(record);
            }
            if (best is null) throw new InvalidOperationException("no epoch had a defined validation score");
            Trainer.LoadState(model.Module, best);
        }
        finally
        {
            Trainer.DisposeAll(best);
            model.Eval();
        }
        int n = val.DistinctTargets().Candidates.Count;
        return new AlignerResult(bestEpoch, bestScore.TopK, o.TopK, 1.0 / n, Math.Min(1.0, (double)o.TopK / n), curves);
    }

    private (double Loss, double InfoNce, double Mse, double Top1, double TopK) Validate(ITorchAligner model, AlignmentLoss loss, AlignmentSet val)
    {
        model.Eval();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var clips = new List<Tensor>();
        double l = 0, nce = 0, mse = 0;
        for (int start = 0; start < val.Count; start += Options.EvalBatchSize)
        {
            var idx = Enumerable.Range(start, Math.Min(Options.EvalBatchSize, val.Count - start)).ToArray();
            var (x, s, t) = val.Batch(idx);
            var (clip, m) = model.Align(x, s);
            clips.Add(clip);
            if (idx.Length < 2) continue;   // InfoNCE of one pair is 0 by construction; leave it out of the mean
            var (lt, nt, mt) = loss.forward(clip, m, t);
            l += lt.item<float>() * idx.Length;
            nce += nt.item<float>() * idx.Length;
            mse += mt.item<float>() * idx.Length;
        }
        var embeddings = cat(clips, 0).contiguous().data<float>().ToArray();
        var r = Retrieval(embeddings, val, Options.TopK);
        return (l / val.Count, nce / val.Count, mse / val.Count, r.Top1, r.TopK);
    }

    /// <summary>Retrieval of each window's target among the set's distinct targets by cosine with its embedding
    /// (n × dim, row-major).</summary>
    public static RetrievalMetrics Retrieval(float[] embeddings, AlignmentSet set, int k)
    {
        var (candidates, truth) = set.DistinctTargets();
        return RetrievalMetrics.Compute(embeddings, set.TargetDim, candidates, truth, k);
    }
}
