using Neurodecode.Models.Encoders.CBraMod;
using Neurodecode.Models.Native;
using Neurodecode.Models.Registry;
using Neurodecode.Models.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace Neurodecode.Tests.Models.CBraMod;

/// <summary>Weights save and load strictly: same outputs after a round trip, and every mismatch named, never a partial load.</summary>
[Collection(nameof(Neurodecode.Tests.Models.Training.TorchRngCollection))]
public class CBraModCheckpointTests
{
    public CBraModCheckpointTests() => TorchRuntime.EnsureLoaded();

    private static float[] Outputs(IDecoderModel model, int batch, int seed)
    {
        var rng = new Random(seed);
        var x = new float[batch * model.Config.NChans * model.Config.NTimes];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return model.Forward(x, batch);
    }

    [Theory]
    [InlineData(CBraModHead.AllPatchReps)]
    [InlineData(CBraModHead.AvgPool)]
    [InlineData(CBraModHead.Embedding)]
    public void Save_then_load_gives_identical_outputs(CBraModHead head)
    {
        using var dir = TestPaths.TempDir();
        var config = CBraModTestData.Small(head);
        manual_seed(11);
        using var model = CBraModModel.Create(config);
        Assert.False(model.Training);   // models start in eval mode
        float[] before = Outputs(model, 2, 5);
        model.Save(dir.File("m.safetensors"));

        manual_seed(12);   // a different initialisation, overwritten by the load
        using var loaded = (CBraModModel)ModelRegistry.Get("cbramod").Load(config, dir.File("m.safetensors"));
        Assert.Equal(before, Outputs(loaded, 2, 5));
        var a = model.Module.state_dict();
        foreach (var (name, t) in loaded.Module.state_dict())
            Assert.True(t.equal(a[name]).all().item<bool>(), name);
    }

    [Fact]
    public void Checkpoint_is_safetensors_with_the_config_in_its_metadata()
    {
        using var dir = TestPaths.TempDir();
        var config = CBraModTestData.Small(CBraModHead.Embedding);
        using var model = CBraModModel.Create(config);
        model.Save(dir.File("m.safetensors"));
        var (tensors, metadata, _) = SafeTensorsFile.ReadHeader(dir.File("m.safetensors"));
        Assert.Equal("cbramod", metadata["model"]);
        Assert.Equal(config, CBraModConfig.FromJson(metadata["config"]));
        var proj = Assert.Single(tensors, t => t.Name == "proj_out.0.weight");
        Assert.Equal("F32", proj.Dtype);
        Assert.Equal([200L, 200], proj.Shape);
        Assert.Equal(model.ParameterCount, tensors.Sum(t => t.Shape.Aggregate(1L, (p, d) => p * d)));
    }

    [Fact]
    public void A_tampered_checkpoint_fails_naming_every_mismatch_and_changes_nothing()
    {
        using var dir = TestPaths.TempDir();
        var config = CBraModTestData.Small();
        using var model = CBraModModel.Create(config);
        model.Save(dir.File("m.safetensors"));
        var (tensors, metadata) = SafeTensorsFile.Read(dir.File("m.safetensors"));
        var tampered = tensors
            .Where(t => t.Name != "backbone.encoder.layers.1.linear1.weight")                               // missing
            .Select(t => t.Name == "classifier.7.weight" ? t with { Shape = [2, 400], Data = new float[800] } : t)  // wrong shape
            .Append(new NamedTensor("backbone.encoder.layers.2.norm1.weight", [200], new float[200]))        // unexpected
            .ToList();
        SafeTensorsFile.Write(dir.File("bad.safetensors"), tampered, metadata);

        manual_seed(99);
        using var other = CBraModModel.Create(config);
        float[] before = Outputs(other, 1, 1);
        var e = Assert.Throws<InvalidDataException>(() => other.LoadWeights(dir.File("bad.safetensors")));
        Assert.StartsWith($"checkpoint {dir.File("bad.safetensors")} is not a CBraMod with this config: ", e.Message);
        Assert.Contains("missing backbone.encoder.layers.1.linear1.weight", e.Message);
        Assert.Contains("unexpected backbone.encoder.layers.2.norm1.weight", e.Message);
        Assert.Contains("shape of classifier.7.weight is [2, 400] not [4, 200]", e.Message);
        Assert.Equal(before, Outputs(other, 1, 1));   // never a partial load
    }

    [Fact]
    public void A_checkpoint_of_another_size_or_architecture_fails_clearly()
    {
        using var dir = TestPaths.TempDir();
        using (var deeper = CBraModModel.Create(CBraModTestData.Small() with { NLayers = 3 }))
            deeper.Save(dir.File("deeper.safetensors"));
        var e = Assert.Throws<InvalidDataException>(() => CBraModModel.Load(CBraModTestData.Small(), dir.File("deeper.safetensors")));
        Assert.Matches(@"is not a CBraMod with this config: unexpected [^;]*backbone\.encoder\.layers\.2\.self_attn_s\.in_proj_weight", e.Message);
        Assert.DoesNotContain("missing", e.Message);

        using (var fewer = CBraModModel.Create(CBraModTestData.Small() with { NChans = 4 }))
            fewer.Save(dir.File("4ch.safetensors"));
        e = Assert.Throws<InvalidDataException>(() => CBraModModel.Load(CBraModTestData.Small(), dir.File("4ch.safetensors")));
        Assert.Contains("shape of classifier.1.weight is [400, 1600] not [400, 3200]", e.Message);

        // Another architecture's weights (an EEGNet-like state dict), saved by another model.
        SafeTensorsFile.Write(dir.File("eegnet.safetensors"),
            [new NamedTensor("conv_temporal.weight", [8, 1, 1, 64], new float[512]), new NamedTensor("final_layer.conv_classifier.weight", [4, 16, 1, 25], new float[1600])],
            new Dictionary<string, string> { ["model"] = "eegnet" });
        e = Assert.Throws<InvalidDataException>(() => CBraModModel.Load(CBraModTestData.Small(), dir.File("eegnet.safetensors")));
        Assert.Contains("(saved by model 'eegnet') is not a CBraMod with this config: missing backbone.patch_embedding.mask_encoding", e.Message);
        Assert.Contains("unexpected conv_temporal.weight, final_layer.conv_classifier.weight", e.Message);

        // Not a safetensors file at all (TorchSharp's own format).
        using (var lin = nn.Linear(3, 2)) lin.save(dir.File("torchsharp.bin"));
        e = Assert.Throws<InvalidDataException>(() => CBraModModel.Load(CBraModTestData.Small(), dir.File("torchsharp.bin")));
        Assert.Contains("is not a CBraMod checkpoint: ", e.Message);
        Assert.Contains("not a safetensors checkpoint", e.Message);
    }

    [Fact]
    public void Fine_tuning_starts_from_a_pretraining_checkpoint()
    {
        using var dir = TestPaths.TempDir();
        manual_seed(21);
        using (var pre = CBraModModel.Create(CBraModTestData.Small(CBraModHead.Embedding)))
            pre.Save(dir.File("pre.safetensors"));
        var (stored, _) = SafeTensorsFile.Read(dir.File("pre.safetensors"));

        manual_seed(22);
        using var fine = CBraModModel.Create(CBraModTestData.Small());
        var headBefore = fine.Module.state_dict()["classifier.1.weight"].clone();
        fine.LoadBackbone(dir.File("pre.safetensors"));
        var state = fine.Module.state_dict();
        foreach (var t in stored.Where(t => !t.Name.StartsWith("proj_out.")))
            Assert.Equal(t.Data, state["backbone." + t.Name].data<float>().ToArray());
        Assert.True(state["classifier.1.weight"].equal(headBefore).all().item<bool>());   // the head keeps its initialisation

        // A mis-shaped backbone is still an error.
        using var wide = CBraModModel.Create(CBraModTestData.Small() with { DimFeedforward = 400 });
        var e = Assert.Throws<InvalidDataException>(() => wide.LoadBackbone(dir.File("pre.safetensors")));
        Assert.Contains("is not a CBraMod backbone with this config: shape of ", e.Message);
        Assert.Contains("shape of backbone.encoder.layers.0.linear1.weight is [200, 200] not [400, 200]", e.Message);
        Assert.DoesNotContain("classifier", e.Message);
    }
}
