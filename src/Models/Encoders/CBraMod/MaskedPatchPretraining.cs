using System.Diagnostics;
using System.Text.Json;
using Neurodecode.Models.Native;
using Neurodecode.Models.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Neurodecode.Models.Encoders.CBraMod;

/// <summary>Masked-patch pretraining settings; defaults are the reference's recipe (<c>pretrain_main.py</c>) except
/// the batch size (reference 128) and the epochs (reference 40), which a 2-core machine cannot afford.</summary>
/// <param name="Epochs">Passes over the training windows; the cosine schedule spans them all (per step).</param>
/// <param name="BatchSize">Windows per batch.</param>
/// <param name="Lr">AdamW learning rate (reference 5e-4).</param>
/// <param name="WeightDecay">AdamW weight decay (reference 5e-2).</param>
/// <param name="EtaMin">Cosine schedule floor (reference 1e-5).</param>
/// <param name="MaxGradNorm">Gradient-norm clip (reference 1.0); null turns it off.</param>
/// <param name="MaskRatio">Probability that a (channel, patch) cell is masked; null = the reference's 0.5. BrainMAE
/// takes its mask ratio from its model config and refuses this one.</param>
/// <param name="Seed">Seeds torch (weights), the batch order and the masks.</param>
public sealed record PretrainOptions(
    int Epochs = 5,
    int BatchSize = 64,
    double Lr = 5e-4,
    double WeightDecay = 5e-2,
    double EtaMin = 1e-5,
    double? MaxGradNorm = 1.0,
    double? MaskRatio = null,
    long Seed = 3407)
{
    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"epochs ({Epochs}) must be at least 1");
        if (BatchSize < 1) throw new ArgumentException($"batch_size ({BatchSize}) must be at least 1");
        if (!(Lr >= 0)) throw new ArgumentException($"lr ({Lr}) must be non-negative");
        if (!(WeightDecay >= 0)) throw new ArgumentException($"weight_decay ({WeightDecay}) must be non-negative");
        if (!(EtaMin >= 0)) throw new ArgumentException($"eta_min ({EtaMin}) must be non-negative");
        if (MaxGradNorm is double g && !(g > 0)) throw new ArgumentException($"max_grad_norm ({g}) must be positive");
        if (MaskRatio is double r && !(r > 0 && r <= 1)) throw new ArgumentException($"mask_ratio ({r}) must be in (0, 1]");
    }

    /// <summary>CBraMod's mask ratio: the one given, else the reference's 0.5.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public double CBraModMaskRatio => MaskRatio ?? 0.5;
}

/// <summary>One pretraining epoch: mean masked-patch MSE on the training windows (as optimised) and on the
/// validation windows (fixed masks, eval mode), the learning rate at its last step, and its speed.</summary>
public sealed record PretrainEpoch(int Epoch, double TrainLoss, double ValLoss, bool Improved, double Lr, double Seconds,
    double WindowsPerSecond);

/// <summary>
/// What pretraining reached: the epoch with the lowest validation masked MSE (its weights are the model's on
/// return), that MSE next to the zero baseline (predicting every masked patch as 0, i.e. the mean power of the
/// masked samples: what a network that learned nothing scores on this high-passed data), and the curves.
/// </summary>
public sealed record PretrainingResult(int BestEpoch, double BestValLoss, double ZeroBaselineValLoss,
    IReadOnlyList<PretrainEpoch> Curves, long Seed, long Steps, double TrainSeconds, double TrainWindowsPerSecond)
{
    public string ToJson() => JsonSerializer.Serialize(this, Metrics.Json);
}

/// <summary>
/// CBraMod's self-supervised objective (reference <c>pretrain_trainer.py</c>): every (channel, patch) cell is masked
/// independently with probability mask_ratio, masked patches enter the network as <c>mask_encoding</c> (zeros), and
/// the loss is the mean squared error between <c>proj_out</c>'s reconstruction and the input over the masked patches
/// only (all patch_len samples of each). <see cref="Pretrain"/> is the optimisation loop.
/// </summary>
public static class MaskedPatchPretraining
{
    /// <summary>A (B, C, N) float mask of 0/1, each cell 1 with probability <paramref name="ratio"/>, drawn from
    /// <paramref name="generator"/> (the reference: zeros then <c>bernoulli_(mask_ratio)</c>).</summary>
    public static Tensor GenerateMask(long batch, long nChans, long nPatches, double ratio, Generator generator)
    {
        if (!(ratio >= 0 && ratio <= 1)) throw new ArgumentException($"mask_ratio ({ratio}) must be in [0, 1]");
        return zeros(batch, nChans, nPatches).bernoulli_(ratio, generator);
    }

    /// <summary>
    /// The masked-patch loss of one batch: patches (B, C, N, patch_len), mask (B, C, N) of 0/1. Equals
    /// <c>MSELoss()(net(x, mask)[mask == 1], x[mask == 1])</c> (net = <see cref="CBraModNet.Reconstruct"/>). When no cell is masked the reference's MSELoss of
    /// empty tensors is NaN; here the loss is exactly 0 with zero gradients, so a step on it changes nothing but
    /// weight decay — callers should skip such a batch (at ratio 0.5 and 64 cells it happens with probability 2⁻⁶⁴).
    /// </summary>
    public static Tensor MaskedLoss(CBraModNet net, Tensor patches, Tensor mask)
    {
        if (!net.HasReconstructionHead)
            throw new ArgumentException("masked-patch pretraining needs the network with its reconstruction head (proj_out)");
        if (mask.dim() != 3 || !mask.shape.SequenceEqual(patches.shape.Take(3)))
            throw new ArgumentException(
                $"mask is [{string.Join(", ", mask.shape)}]; the patches [{string.Join(", ", patches.shape)}] need (batch, channels, patches)");
        using var scope = NewDisposeScope();
        var m = mask.to_type(ScalarType.Float32);
        var reconstruction = net.Reconstruct(patches, m);
        var perCell = (reconstruction - patches).square().sum(-1);   // (B, C, N): squared error summed over samples
        var masked = m.sum();
        var loss = masked.item<float>() == 0
            ? reconstruction.sum() * 0                               // keeps the graph, gradient zero
            : (perCell * m).sum() / (masked * patches.shape[3]);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Masked-patch pretraining of <paramref name="model"/> (the embedding-head model: the pretraining network) on
    /// windows (n, n_chans, n_times) of its shape: AdamW, cosine schedule per step, gradient clipping, the batches in
    /// a seeded order per epoch and a fresh Bernoulli mask per batch. After each epoch the validation windows are
    /// scored with masks drawn once from the seed, so epochs compare on the same cells; the epoch with the lowest
    /// validation MSE is kept. torch is seeded with <see cref="PretrainOptions.Seed"/> first: seed before creating
    /// the model too for reproducible weights. Leaves the model in eval mode.
    /// </summary>
    public static PretrainingResult Pretrain(CBraModModel model, WindowDataset train, WindowDataset val, PretrainOptions options,
        IProgress<TrainingProgress>? progress = null, IProgress<PretrainEpoch>? epochDone = null, CancellationToken ct = default)
    {
        options.Validate();
        var config = model.Config;
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
        double bestLoss = double.PositiveInfinity, trainSeconds = 0;
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
                        var (x, _) = train.Batch(batches[b], config.PatchLen);
                        var mask = GenerateMask(batches[b].Length, config.NChans, config.NPatches, options.CBraModMaskRatio, generator);
                        optimizer.zero_grad();
                        var lossT = MaskedLoss(net, x, mask);
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
                double valLoss = MaskedMse(net, val, valMasks, config.PatchLen, zeroBaseline: false);
                bool improved = valLoss < bestLoss;
                if (improved)
                {
                    bestLoss = valLoss;
                    Trainer.DisposeAll(best);
                    best = Trainer.CopyState(net);
                }
                var record = new PretrainEpoch(epoch, lossSum / train.Count, valLoss, improved,
                    schedule.LearningRate(options.Lr, step - 1), clock.Elapsed.TotalSeconds, train.Count / seconds);
                curves.Add(record);
                epochDone?.Report(record);
            }
            if (best is null)
                throw new InvalidOperationException("validation masked MSE was NaN at every epoch; no state to keep");
            Trainer.LoadState(net, best);
            double zero = MaskedMse(net, val, valMasks, config.PatchLen, zeroBaseline: true);
            return new PretrainingResult(curves.First(c => c.ValLoss == bestLoss).Epoch, bestLoss, zero, curves, options.Seed, step,
                trainSeconds, trainedWindows / trainSeconds);
        }
        finally
        {
            Trainer.DisposeAll(best);
            foreach (var m in valMasks) m.Dispose();
            model.Eval();
        }
    }

    /// <summary>The validation masks, one per evaluation batch, drawn from a generator of their own so that the
    /// training masks do not depend on the validation set's size.</summary>
    private static List<Tensor> ValidationMasks(WindowDataset val, PretrainOptions options, CBraModConfig config)
    {
        using var generator = new Generator((ulong)options.Seed ^ 0x9E3779B97F4A7C15UL);
        return val.Batches(EvalBatchSize, shuffle: false)
            .Select(b => GenerateMask(b.Length, config.NChans, config.NPatches, options.CBraModMaskRatio, generator))
            .ToList();
    }

    private const int EvalBatchSize = 64;

    /// <summary>Squared error summed over all masked samples of <paramref name="data"/>, divided by their number —
    /// of the reconstruction, or of predicting 0 when <paramref name="zeroBaseline"/>.</summary>
    private static double MaskedMse(CBraModNet net, WindowDataset data, List<Tensor> masks, int patchLen, bool zeroBaseline)
    {
        using var _ = no_grad();
        double sum = 0, cells = 0;
        var batches = data.Batches(EvalBatchSize, shuffle: false);
        for (int b = 0; b < batches.Length; b++)
        {
            using var scope = NewDisposeScope();
            var (x, _) = data.Batch(batches[b], patchLen);
            var m = masks[b];
            var error = zeroBaseline ? x : net.Reconstruct(x, m) - x;
            sum += (error.square().sum(-1) * m).sum().item<float>();
            cells += m.sum().item<float>();
        }
        return sum / (cells * patchLen);
    }
}
