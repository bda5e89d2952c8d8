using Neurodecode.Models.Encoders.CBraMod;

namespace Neurodecode.Tests.Models.CBraMod;

/// <summary>Configs round-trip through snake_case JSON, refuse unknown keys and name the impossible value.</summary>
public class CBraModConfigTests
{
    [Fact]
    public void Reference_sizes_give_the_reference_branches()
    {
        var c = CBraModConfig.PhysioNetMI();
        Assert.Equal(101, c.SpectralBins);   // the spectral Linear's 101 inputs
        Assert.Equal(8, c.TimeConvWidth);    // the time convolutions' 8 steps: 25 x 8 = d_model 200
        Assert.Equal(4, c.NPatches);
        c.Validate();
        CBraModConfig.Reference().Validate();
    }

    public static TheoryData<CBraModConfig> Configs() => new()
    {
        CBraModConfig.Reference(),
        CBraModConfig.PhysioNetMI(),
        CBraModTestData.Small() with { Head = CBraModHead.AvgPool, Dropout = 0.25, AcpeKernelChans = 3 },
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void Json_round_trips(CBraModConfig config)
    {
        string json = config.ToJson();
        var back = CBraModConfig.FromJson(json);
        Assert.Equal(config, back);
        Assert.Equal(json, back.ToJson());
    }

    [Fact]
    public void Json_uses_snake_case_and_head_names()
    {
        string json = CBraModConfig.PhysioNetMI().ToJson();
        foreach (var key in new[] { "\"n_chans\": 64", "\"n_times\": 800", "\"patch_len\": 200", "\"d_model\": 200",
                     "\"n_layers\": 12", "\"n_heads\": 8", "\"dim_feedforward\": 800", "\"acpe_kernel_chans\": 19",
                     "\"acpe_kernel_patches\": 7", "\"head\": \"all_patch_reps\"" })
            Assert.Contains(key, json);
        Assert.DoesNotContain("\"model\"", json);
    }

    [Fact]
    public void The_train_verbs_json_options_read_the_head()
    {
        // TrainJob deserializes model configs with the pipeline's options, without extra converters.
        var c = (CBraModConfig)System.Text.Json.JsonSerializer.Deserialize(
            """{"n_chans": 64, "n_outputs": 4, "n_times": 800, "sfreq": 200, "n_layers": 2, "head": "avg_pool"}""",
            typeof(CBraModConfig), Neurodecode.Preprocess.Steps.PipelineJson.Options)!;
        Assert.Equal(CBraModHead.AvgPool, c.Head);
        Assert.Contains("\"head\": \"avg_pool\"", System.Text.Json.JsonSerializer.Serialize(c, Neurodecode.Preprocess.Steps.PipelineJson.Options));
    }

    [Fact]
    public void Omitted_sizes_take_the_reference_defaults()
    {
        var c = CBraModConfig.FromJson("""{"n_chans": 64, "n_outputs": 4, "n_times": 800, "sfreq": 200, "head": "avg_pool"}""");
        Assert.Equal(CBraModConfig.PhysioNetMI() with { Head = CBraModHead.AvgPool }, c);
    }

    [Theory]
    [InlineData("""{"n_chans": 64, "n_outputs": 4, "n_times": 800, "sfreq": 200, "d_modle": 100}""", "d_modle")]
    [InlineData("""{"n_chans": 64, "n_outputs": 4, "n_times": 800, "sfreq": 200, "head": "linear"}""", "head")]
    [InlineData("""{"n_chans": 64, "n_outputs": 4, "n_times": 800, "sfreq": 200, "head": 1}""", "head")]
    public void Unknown_keys_and_values_are_refused(string json, string named)
    {
        var e = Assert.Throws<FormatException>(() => CBraModConfig.FromJson(json, "cfg.json"));
        Assert.StartsWith("cfg.json: ", e.Message);
        Assert.Contains(named, e.Message);
    }

    public static TheoryData<string, string> BadConfigs() => new()
    {
        { """{"n_times": 801}""", "n_times (801) is not a multiple of patch_len (200)" },
        { """{"n_chans": 0}""", "n_chans (0) must be at least 1" },
        { """{"d_model": 100}""", "d_model (100) must equal time_conv_channels (25) x the time convolution's output width (8 for patch_len 200) = 200" },
        { """{"patch_len": 100, "n_times": 800}""", "d_model (200) must equal time_conv_channels (25) x the time convolution's output width (4 for patch_len 100) = 100" },
        { """{"n_heads": 3}""", "n_heads (3) must be even" },
        { """{"n_heads": 6}""", "d_model/2 (100) is not divisible by n_heads/2 (3)" },
        { """{"time_conv_groups": 4}""", "time_conv_groups (4) must divide time_conv_channels (25)" },
        { """{"acpe_kernel_chans": 18}""", "acpe_kernel_chans (18) must be odd" },
        { """{"dropout": 1.5}""", "dropout (1.5) must be in [0, 1)" },
        { """{"head": "embedding"}""", "n_outputs (4) must equal d_model (200) for the embedding head" },
        { """{"sfreq": 0}""", "sfreq (0) must be positive" },
    };

    [Theory]
    [MemberData(nameof(BadConfigs))]
    public void Impossible_sizes_fail_naming_the_value(string overrides, string message)
    {
        // Start from the PhysioNet-MI config and replace the given keys.
        var node = System.Text.Json.Nodes.JsonNode.Parse(CBraModConfig.PhysioNetMI().ToJson())!.AsObject();
        foreach (var (k, v) in System.Text.Json.Nodes.JsonNode.Parse(overrides)!.AsObject())
            node[k] = v?.DeepClone();
        var e = Assert.Throws<ArgumentException>(() => CBraModConfig.FromJson(node.ToJsonString(), "cfg.json"));
        Assert.Contains(message, e.Message);
        Assert.StartsWith("cfg.json: ", e.Message);
    }

    [Fact]
    public void A_smaller_patch_is_valid_with_a_matching_d_model()
    {
        // patch_len 100: the time convolution gives 4 steps, so 25 conv channels make d_model 100 and 51 rFFT bins.
        var c = new CBraModConfig(NChans: 8, NOutputs: 2, NTimes: 300, Sfreq: 100, PatchLen: 100, DModel: 100, NHeads: 4);
        c.Validate();
        Assert.Equal(51, c.SpectralBins);
        Assert.Equal(4, c.TimeConvWidth);
    }

    /// <remarks>
    /// By hand for 64 channels x 4 patches (256 tokens), d_model 200, FFN 800, 12 layers: embedding 86,600 MACs per
    /// token (conv 25·8·49 + 2·25·25·3·8 + 101·200 + 200·19·7); each layer 256·(4·2·100² + 2·200·800) plus attention
    /// products 4·64²·100·2 + 64·4²·100·2 = 105,881,600; the head 51,200·800 + 800·200 + 200·4 = 41,120,800.
    /// </remarks>
    [Fact]
    public void Forward_flops_of_the_physionet_configuration_match_the_hand_count()
    {
        double macs = 256 * 86_600.0 + 12 * 105_881_600.0 + 41_120_800;
        Assert.Equal(2 * macs, CBraModConfig.PhysioNetMI().ForwardFlops());
        Assert.Equal(2_667_739_200, CBraModConfig.PhysioNetMI().ForwardFlops());
        // The head's 41M multiply-adds go away with avg_pool; more layers cost proportionally.
        Assert.True(CBraModConfig.PhysioNetMI().ForwardFlops() - (CBraModConfig.PhysioNetMI() with { Head = CBraModHead.AvgPool }).ForwardFlops() > 8e7);
        Assert.Equal(2 * 105_881_600.0, (CBraModConfig.PhysioNetMI() with { NLayers = 13 }).ForwardFlops() - CBraModConfig.PhysioNetMI().ForwardFlops());
    }
}
