using System.Diagnostics;
using System.Text.Json;
using Neurodecode.Models.Encoders.CBraMod;
using Neurodecode.Models.Native;
using Neurodecode.Models.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Neurodecode.Models.Encoders.BrainMAE;

/// <summary>
/// What masked-segment pretraining reached: the epoch with the lowest validation masked-segment MSE (its weights are
/// the model's on return) next to the three baselines scored on exactly the same validation masks (predicting 0,
/// the region's visible mean, linear interpolation in time), and the curves (<see cref="PretrainEpoch.TrainLoss"/>:
/// the λ-weighted loss as optimised; <see cref="PretrainEpoch.ValLoss"/>: the validation masked-segment MSE).
/// </summary>
public sealed record BrainMAEPretrainingResult(int BestEpoch, double BestValMaskedMse, double ZeroBaselineValMse,
    double RegionMeanBaselineValMse, double InterpolationBaselineValMse, long ValMaskedVolumes,
    IReadOnlyList<PretrainEpoch> Curves, long Seed, long Steps, double TrainSeconds, double TrainWindowsPerSecond)
{
    public string ToJson() => JsonSerializer.Serialize(this, Metrics.Json);
}

/// <summary>
/// Masked-segment autoencoding (BrainMAE-style): per window and region, round(mask_ratio · S) of its S segments
/// are chosen at random and enter the encoder as the mask token; the decoder reconstructs every segment, and the loss
/// is λ·MSE(masked segments) + (1 − λ)·MSE(visible segments) (λ = masked_weight). Optimisation as CBraMod's
/// pretraining (<see cref="PretrainOptions"/>: AdamW, cosine per step, gradient clipping, seeded batches); the
/// validation windows are scored each epoch with masks drawn once, and the best epoch is kept.
/// </summary>
public static class BrainMAEPretraining
{
    private const int EvalBatchSize = 64;

    /// <summary>A (B, R, S) bool mask with exactly <paramref name="maskedPerRegion"/> true segments in every (window,
    /// region), uniformly chosen (ranks of uniform noise), drawn from <paramref name="generator"/>.</summary>
    public static Tensor GenerateMask(long batch, long nRegions, long nSegments, int maskedPerRegion, Generator generator)
    {
        if (maskedPerRegion < 0 || maskedPerRegion > nSegments)
            throw new ArgumentException($"{maskedPerRegion} masked segments of {nSegments}");
        using var scope = NewDisposeScope();
        var noise = rand(new[] { batch, nRegions, nSegments }, generator: generator);
        return (noise.argsort(-1).argsort(-1) < maskedPerRegion).MoveToOuterDisposeScope();
    }

    /// <summary>λ·MSE over the masked segments' volumes + (1 − λ)·MSE over the visible ones, for windows (B, R, T)
    /// and a mask (B, R, S) with at least one masked and one visible segment per window.</summary>
    public static Tensor Loss(BrainMAENet net, Tensor windows, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var c = net.Config;
        var reconstruction = net.Reconstruct(windows, mask);
        var perSegment = (reconstruction - windows).square().view(-1, c.NChans, c.NSegments, c.SegmentVolumes).sum(-1);   // (B, R, S)
        var m = mask.to_type(ScalarType.Float32);
        var masked = (perSegment * m).sum() / (m.sum() * c.SegmentVolumes);
        var visible = (perSegment * (1 - m)).sum() / ((1 - m).sum() * c.SegmentVolumes);
        return (c.MaskedWeight * masked + (1 - c.MaskedWeight) * visible).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Pretrains <paramref name="model"/> (embedding head: the network with its decoder) on windows of its shape.
    /// torch is seeded with <see cref="PretrainOptions.Seed"/> first (seed before creating the model too for
    /// reproducible weights). Leaves the model in eval mode with the best epoch's weights.
    /// </summary>
    public static BrainMAEPretrainingResult Pretrain(BrainMAEModel model, WindowDataset train, WindowDataset val, PretrainOptions options,
        IProgress<TrainingProgress>? progress = null, IProgress<PretrainEpoch>? epochDone = null, CancellationToken ct = default)
    {
        options.Validate();
        if (options.MaskRatio is not null)
            throw new ArgumentException("pretrainer.mask_ratio: brainmae's mask ratio is its model config's mask_ratio");
        var config = model.Config;
        if (!model.Net.HasDecoder)
            throw new ArgumentException("masked-segment pretraining needs the brainmae embedding head (the network with its decoder)");
        foreach (var (part, set) in new[] { ("training", train), ("validation", val) })
        {
            if (set.Count == 0) throw new ArgumentException($"no {part} windows to pretrain on");
            if (set.NChans != config.NChans || set.NTimes != config.NTimes)
                throw new ArgumentException($"{part} windows are {set.NChans} x {set.NTimes}, the model takes {config.NChans} x {config.NTimes}");
        }
        TorchRuntime.EnsureLoaded();
        manual_seed(options.Seed);
        var net = model.Net;
        var parameters = net.parameters().Where(p => p.requires_grad).ToList();
        using var optimizer = optim.AdamW(parameters, lr: options.Lr, beta1: 0.9, beta2: 0.999, weight_decay: options.WeightDecay);
        var group = optimizer.ParamGroups.Single();
        int batchesPerEpoch = train.Batches(options.BatchSize, shuffle: false).Length;
        var schedule = new LrSchedule((long)options.Epochs * batchesPerEpoch, options.EtaMin);
        using var generator = new Generator((ulong)options.Seed);
        var valMasks = ValidationMasks(val, options, config);

        var curves = new List<PretrainEpoch>();
        Dictionary<string, Tensor>? best = null;
        double bestMse = double.PositiveInfinity, trainSeconds = 0;
        long step = 0, trainedWindows = 0;
        try
        {
            for (int epoch = 1; epoch <= options.Epochs; epoch++)
            {
                var clock = Stopwatch.StartNew();
                model.Train();
                var batches = train.Batches(options.BatchSize, shuffle: true, options.Seed, epoch);
                double lossSum = 0;
                long seen = 0;
                for (int b = 0; b < batches.Length; b++)
                {
                    ct.ThrowIfCancellationRequested();
                    group.LearningRate = schedule.LearningRate(options.Lr, step);
                    double loss;
                    using (NewDisposeScope())
                    {
                        var (x, _) = train.Batch(batches[b]);
                        var mask = GenerateMask(batches[b].Length, config.NChans, config.NSegments, config.MaskedSegments, generator);
                        optimizer.zero_grad();
                        var lossT = Loss(net, x, mask);
                        lossT.backward();
                        if (options.MaxGradNorm is double maxNorm)
                            nn.utils.clip_grad_norm_(parameters, maxNorm);
                        optimizer.step();
                        loss = lossT.item<float>();
                    }
                    if (!double.IsFinite(loss))
                        throw new TrainingDivergedException($"pretraining epoch {epoch} batch {b + 1}: loss is {loss}");
                    lossSum += loss * batches[b].Length;
                    seen += batches[b].Length;
                    step++;
                    progress?.Report(new TrainingProgress(epoch, options.Epochs, b + 1, batches.Length, loss, Windows: seen));
                }
                double seconds = clock.Elapsed.TotalSeconds;
                trainSeconds += seconds;
                trainedWindows += train.Count;
                model.Eval();
                var sums = Score(net, val, valMasks, baselines: false);
                double valMse = sums.Model / sums.Volumes;
                bool improved = valMse < bestMse;
                if (improved)
                {
                    bestMse = valMse;
                    Trainer.DisposeAll(best);
                    best = Trainer.CopyState(net);
                }
                var record = new PretrainEpoch(epoch, lossSum / train.Count, valMse, improved,
                    schedule.LearningRate(options.Lr, step - 1), clock.Elapsed.TotalSeconds, train.Count / seconds);
                curves.Add(record);
                epochDone?.Report(record);
            }
            if (best is null)
                throw new InvalidOperationException("validation masked MSE was NaN at every epoch; no state to keep");
            Trainer.LoadState(net, best);
            var final = Score(net, val, valMasks, baselines: true);
            double v = final.Volumes;
            return new BrainMAEPretrainingResult(curves.First(c => c.ValLoss == bestMse).Epoch, final.Model / v, final.Zero / v,
                final.RegionMean / v, final.Interpolation / v, final.Volumes, curves, options.Seed, step, trainSeconds,
                trainedWindows / trainSeconds);
        }
        finally
        {
            Trainer.DisposeAll(best);
            foreach (var m in valMasks) m.Dispose();
            model.Eval();
        }
    }

    /// <summary>One mask per evaluation batch, from a generator of their own (the training masks do not depend on
    /// the validation set's size).</summary>
    private static List<Tensor> ValidationMasks(WindowDataset val, PretrainOptions options, BrainMAEConfig config)
    {
        using var generator = new Generator((ulong)options.Seed ^ 0x9E3779B97F4A7C15UL);
        return val.Batches(EvalBatchSize, shuffle: false)
            .Select(b => GenerateMask(b.Length, config.NChans, config.NSegments, config.MaskedSegments, generator))
            .ToList();
    }

    /// <summary>Squared errors over the masked volumes of <paramref name="data"/> (eval mode, no gradients): the
    /// model's reconstruction and, when asked, the baselines'.</summary>
    public static MaskedErrorSums Score(BrainMAENet net, WindowDataset data, IReadOnlyList<Tensor> masks, bool baselines)
    {
        var c = net.Config;
        var sums = new MaskedErrorSums();
        using var _ = no_grad();
        var batches = data.Batches(EvalBatchSize, shuffle: false);
        for (int b = 0; b < batches.Length; b++)
        {
            using var scope = NewDisposeScope();
            var (x, _) = data.Batch(batches[b]);
            var m = masks[b];
            var error = (net.Reconstruct(x, m) - x).square().view(-1, c.NChans, c.NSegments, c.SegmentVolumes).sum(-1);
            sums.Model += (error * m.to_type(ScalarType.Float32)).sum().to_type(ScalarType.Float64).item<double>();
            long volumes = m.sum().item<long>() * c.SegmentVolumes;
            if (baselines)   // counts the masked volumes too
                MaskedSegmentBaselines.Accumulate(x.data<float>().ToArray(), m.data<bool>().ToArray(), batches[b].Length,
                    c.NChans, c.NSegments, c.SegmentVolumes, sums);
            else
                sums.Volumes += volumes;
        }
        return sums;
    }
}
