using Neurodecode.Models.Encoders.BrainMAE;
using Neurodecode.Models.Encoders.CBraMod;
using Neurodecode.Models.Native;
using static TorchSharp.torch;

namespace Neurodecode.Tests.Models.BrainMAE;

/// <summary>Shapes, the masking contract and strict loading, on real ABIDE windows.</summary>
[Collection(nameof(Neurodecode.Tests.Models.Training.TorchRngCollection))]
public class BrainMAEModelTests
{
    /// <summary>The 2 windows of MaxMun_a_0051318 (116 volumes), first 32 regions x 64 volumes.</summary>
    private static float[] RealWindows() => BrainMAETestData.Labelled("MaxMun_a_0051318_rois_cc200.1D").X;

    private static Tensor RealBatch() => tensor(RealWindows(), [2, BrainMAETestData.Regions, 64]);

    [Fact]
    public void Forward_gives_logits_or_the_pooled_embedding_and_reconstruct_the_window_shape()
    {
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        var x = RealBatch();
        manual_seed(1);
        using var classifier = BrainMAEModel.Create(BrainMAETestData.Small(BrainMAEHead.Classification, nOutputs: 3));
        Assert.Equal(new long[] { 2, 3 }, classifier.Module.forward(x).shape);
        using var mae = BrainMAEModel.Create(BrainMAETestData.Small());
        Assert.Equal(new long[] { 2, 16 }, mae.Module.forward(x).shape);
        Assert.Equal(new long[] { 2, 32, 8, 16 }, mae.Net.Features(x).shape);
        var mask = BrainMAEPretraining.GenerateMask(2, 32, 8, 4, new TorchSharp.torch.Generator(3));
        Assert.Equal(new long[] { 2, 32, 64 }, mae.Net.Reconstruct(x, mask).shape);
        // The registry's float path: the embedding equals the module's output for the embedding head.
        var flat = x.data<float>().ToArray();
        Assert.Equal(mae.Forward(flat, 2), mae.Embed(flat, 2));
        Assert.Equal(16, mae.EmbeddingSize);

        var e = Assert.Throws<ArgumentException>(() => mae.Module.forward(x.narrow(2, 0, 56)));
        Assert.Contains("this BrainMAE takes (batch, n_chans 32, n_times 64)", e.Message);
        Assert.Throws<InvalidOperationException>(() => classifier.Net.Reconstruct(x, mask));
    }

    [Fact]
    public void A_masked_segment_does_not_reach_any_prediction_and_a_visible_one_does()
    {
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        manual_seed(2);
        using var mae = BrainMAEModel.Create(BrainMAETestData.Small() with { GraphLayers = 2, TemporalLayers = 2 });
        var x = RealBatch();
        var mask = zeros(new long[] { 2, 32, 8 }, ScalarType.Bool);
        mask[1, 17, 3] = tensor(true);                 // window 1, region 17, volumes 24..31
        var before = mae.Net.Reconstruct(x, mask);

        var changed = x.clone();
        changed[1, 17, TensorIndex.Slice(24, 32)] = changed[1, 17, TensorIndex.Slice(24, 32)] * 5 + 3;
        var after = mae.Net.Reconstruct(changed, mask);
        Assert.True(before.eq(after).all().item<bool>(), "changing a masked segment changed a reconstruction");

        // The same change unmasked reaches its own reconstruction (and, through attention, others).
        var unmasked = zeros(new long[] { 2, 32, 8 }, ScalarType.Bool);
        var seen = mae.Net.Reconstruct(changed, unmasked) - mae.Net.Reconstruct(x, unmasked);
        Assert.True(seen[1, 17, TensorIndex.Slice(24, 32)].abs().max().item<float>() > 1e-3);
        Assert.True(seen[1, 16].abs().max().item<float>() > 0, "graph attention should carry region 17 to region 16");
        Assert.Equal(0f, seen[0].abs().max().item<float>());   // windows stay apart
    }

    [Fact]
    public void Save_and_strict_load_and_the_encoder_moves_from_pretraining_to_a_classifier()
    {
        TorchRuntime.EnsureLoaded();
        using var tmp = TestPaths.TempDir();
        var x = RealWindows();
        manual_seed(4);
        using var mae = BrainMAEModel.Create(BrainMAETestData.Small());
        string path = tmp.File("mae.bin");
        mae.Save(path);
        using (var back = BrainMAEModel.Load(BrainMAETestData.Small(), path))
            Assert.Equal(mae.Embed(x, 2), back.Embed(x, 2));

        manual_seed(5);
        using var classifier = BrainMAEModel.Create(BrainMAETestData.Small(BrainMAEHead.Classification));
        Assert.NotEqual(mae.Embed(x, 2), classifier.Embed(x, 2));
        classifier.LoadEncoder(path);                  // decoder.* dropped, head.* kept
        Assert.Equal(mae.Embed(x, 2), classifier.Embed(x, 2));

        // A classifier checkpoint is not a pretraining network: the full strict load names what differs.
        string cls = tmp.File("cls.bin");
        classifier.Save(cls);
        var e = Assert.Throws<InvalidDataException>(() => BrainMAEModel.Load(BrainMAETestData.Small(), cls));
        Assert.Contains("missing decoder.weight, decoder.bias; unexpected head.", e.Message);

        // Another atlas (16 regions) or segmentation: the encoder tensor is named with both shapes.
        using var other = BrainMAEModel.Create(BrainMAETestData.Small(nChans: 16));
        e = Assert.Throws<InvalidDataException>(() => other.LoadEncoder(path));
        Assert.Contains("shape of region_embedding is [32, 16] not [16, 16]", e.Message);
        using var deeper = BrainMAEModel.Create(BrainMAETestData.Small() with { TemporalLayers = 2 });
        e = Assert.Throws<InvalidDataException>(() => deeper.LoadEncoder(path));
        Assert.Contains("missing temporal_layers.1.", e.Message);

        // A damaged copy (cut short) is one error naming the file.
        string cut = tmp.File("cut.bin");
        File.WriteAllBytes(cut, File.ReadAllBytes(path)[..^100]);
        e = Assert.Throws<InvalidDataException>(() => classifier.LoadEncoder(cut));
        Assert.StartsWith($"checkpoint {cut} is not a BrainMAE checkpoint: ", e.Message);

        // Another architecture's checkpoint is refused with its model named.
        string cb = tmp.File("cbramod.bin");
        using (var cbramod = CBraModModel.Create(new CBraModConfig(NChans: 2, NOutputs: 200, NTimes: 400, Sfreq: 200, NLayers: 1, Head: CBraModHead.Embedding)))
            cbramod.Save(cb);
        e = Assert.Throws<InvalidDataException>(() => classifier.LoadEncoder(cb));
        Assert.StartsWith($"checkpoint {cb} (saved by model 'cbramod') is not a BrainMAE encoder with this config: missing ", e.Message);
        Assert.Contains("segment_embedding.weight", e.Message);
        Assert.Contains("unexpected encoder.layers.0.", e.Message);
        Assert.Contains("patch_embedding.proj_in.0.weight", e.Message);
    }
}
