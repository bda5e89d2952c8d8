using System.Text.Json;
using Neurodecode.Models.Baselines;
using Neurodecode.Models.Encoders.EEGNet;
using Neurodecode.Models.Registry;
using Neurodecode.Preprocess.Steps;

namespace Neurodecode.Tests.Models.Baselines;

/// <summary>The registry lists the baselines with the parameter counts of their reference configurations.</summary>
public class BaselineRegistryTests
{
    [Theory]
    [InlineData("eegnet", typeof(EEGNetConfig), 3732)]
    [InlineData("csp_lda", typeof(CspLdaConfig), 405)]
    [InlineData("connectivity", typeof(Neurodecode.Models.Baselines.Connectivity.ConnectivityConfig), 59_701)]  // 19 900 connections: scaler 2·F, coef F, intercept 1
    public void Registry_lists_the_baselines_with_their_reference_parameter_counts(string name, Type configType, long count)
    {
        var entry = ModelRegistry.Get(name);
        Assert.Equal(name, entry.Name);
        Assert.Equal(configType, entry.ConfigType);
        var config = entry.ReferenceConfig();
        Assert.Equal(name, config.Model);
        Assert.IsType(configType, config);
        using var model = entry.Create(config);
        Assert.Equal(count, model.ParameterCount);
        // The reference config round-trips through JSON by its registered type.
        string json = JsonSerializer.Serialize(config, configType, PipelineJson.Options);
        Assert.Equal(config, JsonSerializer.Deserialize(json, configType, PipelineJson.Options));
    }

    [Fact]
    public void A_config_of_another_model_is_refused_by_name()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelRegistry.Get("csp_lda").Create(EEGNetConfig.Reference));
        Assert.Contains("needs a CspLdaConfig, got a EEGNetConfig", e.Message);
        var e2 = Assert.Throws<ArgumentException>(() => ModelRegistry.Get("eegnet").Create(CspLdaConfig.Reference));
        Assert.Contains("needs an EEGNetConfig, got a CspLdaConfig", e2.Message);
    }
}
