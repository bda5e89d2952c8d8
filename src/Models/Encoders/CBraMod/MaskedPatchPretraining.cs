using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Neurodecode.Models.Encoders.CBraMod;

/// <summary>Settings of the <see cref="MaskedPatchPretraining.Pretrain"/> smoke loop; defaults are the reference's recipe.</summary>
/// <param name="Steps">Optimizer steps (batches); the cosine schedule spans them all (T_max = steps).</param>
/// <param name="BatchSize">Windows per batch (reference 128).</param>
/// <param name="Lr">AdamW learning rate (reference 5e-4).</param>
/// <param name="WeightDecay">AdamW weight decay (reference 5e-2).</param>
/// <param name="EtaMin">Cosine schedule floor (reference 1e-5).</param>
/// <param name="ClipNorm">Gradient-norm clip (reference 1.0); 0 turns it off.</param>
/// <param name="MaskRatio">Probability that a (channel, patch) cell is masked (reference 0.5).</param>
/// <param name="Seed">Seeds the batch order and the masks.</param>
public sealed record PretrainOptions(
    int Steps = 10,
    int BatchSize = 8,
    double Lr = 5e-4,
    double WeightDecay = 5e-2,
    double EtaMin = 1e-5,
    double ClipNorm = 1.0,
    double MaskRatio = 0.5,
    long Seed = 42);

/// <summary>
/// CBraMod's self-supervised objective (reference <c>pretrain_trainer.py</c>): every (channel, patch) cell is masked
/// independently with probability mask_ratio, masked patches enter the network as <c>mask_encoding</c> (zeros), and
/// the loss is the mean squared error between <c>proj_out</c>'s reconstruction and the input over the masked patches
/// only (all patch_len samples of each). The optimizer loop of real runs lives in Models/Training; <see cref="Pretrain"/>
/// is a small self-contained loop (AdamW, cosine schedule per step, gradient clipping) for smoke tests.
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
    /// A few steps of masked-patch pretraining on windows (n, n_chans, n_times) of <paramref name="model"/>'s shape
    /// (the embedding-head model: the pretraining network). Leaves the model in eval mode. Returns each step's
    /// training loss.
    /// </summary>
    public static IReadOnlyList<float> Pretrain(CBraModModel model, float[] windows, int nWindows, PretrainOptions options)
    {
        var config = model.Config;
        long per = (long)config.NChans * config.NTimes;
        if (nWindows < 1 || windows.Length != nWindows * per)
            throw new ArgumentException($"windows hold {windows.Length} values, not {nWindows} x {config.NChans} x {config.NTimes}");
        if (options.Steps < 1 || options.BatchSize < 1)
            throw new ArgumentException($"steps ({options.Steps}) and batch_size ({options.BatchSize}) must be at least 1");
        var net = model.Net;
        var parameters = net.parameters().Where(p => p.requires_grad).ToList();
        using var optimizer = optim.AdamW(parameters, lr: options.Lr, weight_decay: options.WeightDecay);
        var scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max: options.Steps, eta_min: options.EtaMin);
        using var generator = new Generator((ulong)options.Seed);
        using var all = tensor(windows, [nWindows, config.NChans, config.NPatches, config.PatchLen], dtype: ScalarType.Float32);
        var order = new Random((int)options.Seed);
        int[] perm = Enumerable.Range(0, nWindows).ToArray();
        int cursor = nWindows;

        var losses = new List<float>(options.Steps);
        model.Train();
        try
        {
            for (int step = 0; step < options.Steps; step++)
            {
                using var scope = NewDisposeScope();
                int b = Math.Min(options.BatchSize, nWindows);
                var idx = new long[b];
                for (int i = 0; i < b; i++)
                {
                    if (cursor == nWindows) { order.Shuffle(perm); cursor = 0; }
                    idx[i] = perm[cursor++];
                }
                var batch = all.index_select(0, tensor(idx));
                var mask = GenerateMask(b, config.NChans, config.NPatches, options.MaskRatio, generator);
                optimizer.zero_grad();
                var loss = MaskedLoss(net, batch, mask);
                loss.backward();
                if (options.ClipNorm > 0)
                    nn.utils.clip_grad_norm_(parameters, options.ClipNorm);
                optimizer.step();
                scheduler.step();
                losses.Add(loss.item<float>());
            }
        }
        finally
        {
            model.Eval();
        }
        return losses;
    }
}
