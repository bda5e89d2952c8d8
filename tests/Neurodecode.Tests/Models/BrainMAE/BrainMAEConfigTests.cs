using System.Text.Json;
using Neurodecode.Models.Encoders.BrainMAE;
using Neurodecode.Preprocess.Steps;

namespace Neurodecode.Tests.Models.BrainMAE;

/// <summary>Configs round-trip through snake_case JSON, refuse unknown keys, derive the segment from τ = 15 s and
/// name the impossible value.</summary>
public class BrainMAEConfigTests
{
    public static TheoryData<BrainMAEConfig> Configs() => new()
    {
        BrainMAEConfig.Reference(),
        BrainMAETestData.Small(),
        BrainMAETestData.Small(BrainMAEHead.Classification, nOutputs: 3) with { MaskRatio = 0.25, MaskedWeight = 1, SegmentLen = null, Sfreq = 0.5 },
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void Json_round_trips(BrainMAEConfig config)
    {
        string json = config.ToJson();
        var back = BrainMAEConfig.FromJson(json);
        Assert.Equal(config, back);
        Assert.Equal(json, back.ToJson());
    }

    [Fact]
    public void Json_uses_snake_case_and_head_names_and_the_train_verbs_options_read_it()
    {
        string json = BrainMAETestData.Small().ToJson();
        foreach (var key in new[] { "\"n_chans\": 32", "\"n_times\": 64", "\"segment_len\": 8", "\"d_model\": 16", "\"graph_layers\": 1",
                     "\"temporal_layers\": 1", "\"mask_ratio\": 0.5", "\"masked_weight\": 0.75", "\"head\": \"embedding\"" })
            Assert.Contains(key, json);
        var c = (BrainMAEConfig)JsonSerializer.Deserialize("""{"n_chans": 10, "n_outputs": 2, "n_times": 30, "sfreq": 1, "segment_len": 10}""",
            typeof(BrainMAEConfig), PipelineJson.Options)!;
        Assert.Equal(BrainMAEHead.Classification, c.Head);
        Assert.Equal(3, c.NSegments);
        Assert.Equal(0.75, c.MaskedWeight);   // λ, the default
        Assert.Equal(3, c.GraphLayers);       // SG-TSE's three graph-attention blocks
    }

    [Theory]
    [InlineData(1.0, 15)]             // 1 Hz (ABIDE .1D): 15 volumes
    [InlineData(0.5, 8)]              // TR 2 s: 7.5 → 8
    [InlineData(1 / 0.72, 21)]        // HCP's TR 0.72 s: 20.8 → 21
    [InlineData(0.1, 2)]              // TR 10 s: 1.5 → 2
    public void Segment_length_defaults_to_15_s_at_the_rate(double sfreq, int volumes)
    {
        var c = new BrainMAEConfig(NChans: 4, NOutputs: 2, NTimes: volumes * 2, Sfreq: sfreq);
        Assert.Equal(volumes, c.SegmentVolumes);
        c.Validate();
    }

    [Theory]
    [InlineData(0.5, 8, 4)]
    [InlineData(0.01, 8, 1)]          // at least one masked segment
    [InlineData(0.99, 8, 7)]          // at least one visible
    [InlineData(0.3, 4, 1)]
    public void Masked_segments_per_region_round_and_keep_one_of_each(double ratio, int segments, int masked)
    {
        var c = new BrainMAEConfig(NChans: 4, NOutputs: 2, NTimes: segments * 5, Sfreq: 1, SegmentLen: 5, MaskRatio: ratio);
        Assert.Equal(masked, c.MaskedSegments);
    }

    [Theory]
    [InlineData("""{"n_times": 65}""", "n_times (65) is not a multiple of segment_len (8)")]
    [InlineData("""{"n_times": 8}""", "n_times (8) holds 1 segment of 8 volumes; masked autoencoding needs at least 2")]
    [InlineData("""{"segment_len": null, "n_times": 64}""", "n_times (64) is not a multiple of segment_len (15 = round(15 s x sfreq 1))")]
    [InlineData("""{"segment_len": 0}""", "segment_len (0) must be at least 1")]
    [InlineData("""{"n_heads": 3}""", "d_model (16) is not divisible by n_heads (3)")]
    [InlineData("""{"mask_ratio": 1}""", "mask_ratio (1) must be in (0, 1)")]
    [InlineData("""{"masked_weight": 1.5}""", "masked_weight (1.5) must be in [0, 1]")]
    [InlineData("""{"dropout": 1}""", "dropout (1) must be in [0, 1)")]
    [InlineData("""{"n_outputs": 2}""", "n_outputs (2) must equal d_model (16) for the embedding head")]
    [InlineData("""{"n_chans": 1}""", "n_chans (1): graph attention without self-loops needs at least 2 regions")]
    [InlineData("""{"head": "avg_pool"}""", "brainmae config at $.head")]
    [InlineData("""{"segment_length": 8}""", "segment_length")]
    public void Impossible_values_are_named(string change, string message)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(BrainMAETestData.Small().ToJson())!.AsObject();
        foreach (var (k, v) in System.Text.Json.Nodes.JsonNode.Parse(change)!.AsObject())
            node[k] = v?.DeepClone();
        var e = Assert.Throws<ArgumentException>(() => BrainMAEConfig.FromJson(node.ToJsonString()));
        Assert.StartsWith("brainmae config", e.Message);
        Assert.Contains(message, e.Message);
    }
}
