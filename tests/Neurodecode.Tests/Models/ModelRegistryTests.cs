using System.Text.Json;
using Neurodecode.Models.Baselines;
using Neurodecode.Models.Native;
using Neurodecode.Models.Registry;
using Neurodecode.Preprocess.Steps;

namespace Neurodecode.Tests.Models;

/// <summary>
/// Every registered model, whatever it is, goes through the same checks with its reference configuration:
/// forward shape, config JSON round trip, and save → strict load giving the same outputs.
/// </summary>
public class ModelRegistryTests
{
    public static TheoryData<string> Models()
    {
        var data = new TheoryData<string>();
        foreach (var entry in ModelRegistry.All)
            data.Add(entry.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Every_model_forwards_round_trips_its_config_and_reloads_strictly(string name)
    {
        TorchRuntime.EnsureLoaded();
        var entry = ModelRegistry.Get(name);
        var config = entry.ReferenceConfig();
        config.Validate();
        string json = JsonSerializer.Serialize(config, entry.ConfigType, PipelineJson.Options);
        Assert.Equal(config, JsonSerializer.Deserialize(json, entry.ConfigType, PipelineJson.Options));

        const int batch = 3;
        var windows = Windows(batch, config.NChans, config.NTimes, seed: 1);
        using var model = entry.Create(config);
        Assert.True(model.ParameterCount > 0);
        if (model is IClassicalModel classical) // a classical pipeline must be fitted before it can decode or be saved
            classical.Fit(Windows(40, config.NChans, config.NTimes, seed: 2), Enumerable.Range(0, 40).Select(i => (long)(i % config.NOutputs)).ToArray());
        var outputs = model.Forward(windows, batch);
        Assert.Equal(batch * config.NOutputs, outputs.Length);
        Assert.All(outputs, v => Assert.True(float.IsFinite(v)));

        using var tmp = TestPaths.TempDir();
        string path = tmp.File("weights");
        model.Save(path);
        using var loaded = entry.Load(config, path);
        Assert.Equal(outputs, loaded.Forward(windows, batch));
    }

    /// <summary>Gaussian windows whose variance differs by channel and window, so CSP has something to separate.</summary>
    private static float[] Windows(int n, int nChans, int nTimes, int seed)
    {
        var random = new Random(seed);
        var x = new float[n * nChans * nTimes];
        for (int i = 0; i < x.Length; i++)
        {
            int w = i / (nChans * nTimes), c = i / nTimes % nChans;
            double scale = 1 + (w % 2 == 0 ? c % 3 : (c + 1) % 3);
            x[i] = (float)(scale * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        }
        return x;
    }
}
