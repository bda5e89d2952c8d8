using System.Text.Json;
using System.Text.Json.Nodes;
using MathNet.Numerics.LinearAlgebra;
using Neurodecode.Models.Registry;
using Neurodecode.Preprocess.Steps;

namespace Neurodecode.Models.Baselines.Connectivity;

/// <summary>
/// Connectivity features + logistic regression on ROI windows (batch x regions x time points, float32): per window
/// <see cref="Connectome.Matrix"/>, its strict lower triangle (<see cref="Connectome.Vectorize"/>), arctanh, then the
/// training windows' StandardScaler and <see cref="LogisticRegression"/>. <see cref="Forward"/> returns logits whose
/// softmax is <see cref="PredictProba"/>. Saved as JSON (config, scaler, coef, intercept), read back strictly.
/// </summary>
public sealed class ConnectivityModel : IClassicalModel
{
    /// <summary>The registry row: name "connectivity", reference <see cref="ConnectivityConfig.Reference"/>.</summary>
    public static ModelEntry Entry { get; } = new(
        ConnectivityConfig.Name,
        "functional connectivity as nilearn (Ledoit-Wolf correlation or partial correlation, Fisher z) + scikit-learn StandardScaler and L2 logistic regression",
        typeof(ConnectivityConfig),
        () => ConnectivityConfig.Reference,
        config => new ConnectivityModel(Expect(config)),
        (config, path) => Load(Expect(config), path));

    private static ConnectivityConfig Expect(ModelConfig config) => config as ConnectivityConfig
        ?? throw new ArgumentException($"model 'connectivity' needs a ConnectivityConfig, got a {config.GetType().Name} (for '{config.Model}')");

    public ConnectivityModel(ConnectivityConfig config)
    {
        config.Validate();
        Config = config;
    }

    public ConnectivityConfig Config { get; }
    ModelConfig IDecoderModel.Config => Config;
    public long ParameterCount => Config.ParameterCount;

    /// <summary>StandardScaler's mean_ and scale_ (0 and 1 when <c>standardize</c> is off).</summary>
    public double[]? Mean { get; private set; }
    public double[]? Scale { get; private set; }
    public LogisticRegression? Classifier { get; private set; }

    /// <summary>The connectivity features of each window: the vectorized matrix, Fisher z when configured
    /// (before scaling). A non-finite value (a constant region under the empirical estimator, two identical regions) is
    /// an error naming the window.</summary>
    public double[][] Connectivity(ReadOnlySpan<float> windows, int batch)
    {
        int size = Config.NChans * Config.NTimes;
        if (batch < 1 || windows.Length != (long)batch * size)
            throw new ArgumentException($"windows hold {windows.Length} values, expected batch ({batch}) x n_chans ({Config.NChans}) x n_times ({Config.NTimes}) = {(long)batch * size}");
        var features = new double[batch][];
        for (int i = 0; i < batch; i++)
        {
            var v = Connectome.Vectorize(Connectome.Matrix(windows.Slice(i * size, size), Config.NChans, Config.NTimes, Config.Kind, Config.Covariance));
            if (Config.FisherZ)
                for (int j = 0; j < v.Length; j++) v[j] = Math.Atanh(v[j]);
            int bad = Array.FindIndex(v, x => !double.IsFinite(x));
            if (bad >= 0)
                throw new ArgumentException($"window {i}: {Config.Kind} feature {bad} is {v[bad]} (a constant region, or two identical ones; the 'ledoit_wolf' estimator avoids it)");
            features[i] = v;
        }
        return features;
    }

    public void Fit(ReadOnlySpan<float> windows, ReadOnlySpan<long> labels)
    {
        int n = labels.Length;
        var y = new int[n];
        for (int i = 0; i < n; i++)
        {
            if (labels[i] < 0 || labels[i] >= Config.NOutputs)
                throw new ArgumentException($"label {labels[i]} of window {i} is not a class id of n_outputs ({Config.NOutputs}){(labels[i] < 0 ? " (unlabelled window?)" : "")}");
            y[i] = (int)labels[i];
        }
        var features = Connectivity(windows, n);
        int f = Config.NFeatures;
        var mean = new double[f];
        var scale = Enumerable.Repeat(1.0, f).ToArray();
        if (Config.Standardize)
            for (int j = 0; j < f; j++)
            {
                double m = 0, var = 0;
                for (int i = 0; i < n; i++) m += features[i][j];
                m /= n;
                for (int i = 0; i < n; i++) var += (features[i][j] - m) * (features[i][j] - m);
                var /= n;
                // sklearn.preprocessing._data._is_constant_feature: a constant feature keeps scale 1
                const double eps = 2.220446049250313e-16;
                bool constant = var <= n * eps * var + (n * m * eps) * (n * m * eps);
                (mean[j], scale[j]) = (m, constant ? 1.0 : Math.Sqrt(var));
            }
        var x = Matrix<double>.Build.Dense(n, f, (i, j) => (features[i][j] - mean[j]) / scale[j]);
        Classifier = LogisticRegression.Fit(x, y, Config.NOutputs, Config.C);
        (Mean, Scale) = (mean, scale);
    }

    private LogisticRegression Fitted() => Classifier
        ?? throw new InvalidOperationException("connectivity is not fitted: call Fit on labelled windows (or load a saved model) first");

    /// <summary>The standardised features the classifier sees, batch x F.</summary>
    public double[][] Features(ReadOnlySpan<float> windows, int batch)
    {
        Fitted();
        var features = Connectivity(windows, batch);
        foreach (var v in features)
            for (int j = 0; j < v.Length; j++) v[j] = (v[j] - Mean![j]) / Scale![j];
        return features;
    }

    public double[] PredictProba(ReadOnlySpan<float> windows, int batch)
    {
        var classifier = Fitted();
        return Features(windows, batch).SelectMany(f => classifier.PredictProba(f)).ToArray();
    }

    /// <summary>Logits whose softmax is <see cref="PredictProba"/>: [0, d] for two classes (d the decision value), and
    /// log σ(d_k) for one-vs-rest (softmax then normalises the σ's as scikit-learn does).</summary>
    public float[] Forward(ReadOnlySpan<float> windows, int batch)
    {
        var classifier = Fitted();
        int k = Config.NOutputs;
        var logits = new float[batch * k];
        var features = Features(windows, batch);
        for (int i = 0; i < batch; i++)
        {
            var d = classifier.DecisionFunction(features[i]);
            if (k == 2) logits[i * 2 + 1] = (float)d[0];
            else
                for (int c = 0; c < k; c++) logits[i * k + c] = (float)-LogisticRegression.Log1pExp(-d[c]);
        }
        return logits;
    }

    // ---------------------------------------------------------------- save / load

    private sealed record ScalerPart(double[] Mean, double[] Scale);

    private sealed record LogisticPart(double[][] Coef, double[] Intercept);

    private sealed record FileForm(string Model, JsonObject Config, ScalerPart Scaler, LogisticPart Logistic);

    public void Save(string path)
    {
        var classifier = Fitted();
        var form = new FileForm(ConnectivityConfig.Name, JsonNode.Parse(Config.ToJson())!.AsObject(),
            new ScalerPart(Mean!, Scale!), new LogisticPart(classifier.Coef.ToRowArrays(), classifier.Intercept));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string temp = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(form, PipelineJson.Options));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Reads a saved model for <paramref name="config"/>. Refused, with the reason named: not JSON, unknown or
    /// missing keys, another model, a config that differs (each differing key listed), a wrong shape or a non-finite
    /// number.</summary>
    public static ConnectivityModel Load(ConnectivityConfig config, string path)
    {
        config.Validate();
        FileForm? form;
        try { form = JsonSerializer.Deserialize<FileForm>(File.ReadAllText(path), PipelineJson.Options); }
        catch (JsonException e)
        {
            string where = e.Path is { Length: > 0 } p ? $" at {p}" : "";
            throw new InvalidDataException($"{path}{where}: {e.Message.Split('\n')[0].Trim()}", e);
        }
        if (form is null) throw new InvalidDataException($"{path}: empty file");
        if (form.Model != ConnectivityConfig.Name)
            throw new InvalidDataException($"{path}: saved model is '{form.Model}', not '{ConnectivityConfig.Name}'");
        var expected = JsonNode.Parse(config.ToJson())!.AsObject();
        var differs = expected.Select(p => p.Key).Union(form.Config.Select(p => p.Key))
            .Where(k => !JsonNode.DeepEquals(expected[k], form.Config[k]))
            .Select(k => $"{k} (file {form.Config[k]?.ToJsonString() ?? "absent"}, config {expected[k]?.ToJsonString() ?? "absent"})")
            .ToList();
        if (differs.Count > 0)
            throw new InvalidDataException($"{path}: saved with a different config: {string.Join("; ", differs)}");

        int f = config.NFeatures, r = config.DecisionRows;
        var problems = new List<string>();
        void Check(IReadOnlyList<double[]> rows, int nRows, string name)
        {
            if (rows.Count != nRows || rows.Any(row => row.Length != f))
                problems.Add($"{name} is {rows.Count} x {(rows.Count > 0 ? rows[0].Length : 0)}, expected {nRows} x {f}");
            else if (rows.Any(row => row.Any(v => !double.IsFinite(v))))
                problems.Add($"{name} holds a non-finite value");
        }
        Check([form.Scaler.Mean], 1, "scaler.mean");
        Check([form.Scaler.Scale], 1, "scaler.scale");
        Check(form.Logistic.Coef, r, "logistic.coef");
        if (form.Logistic.Intercept.Length != r) problems.Add($"logistic.intercept has {form.Logistic.Intercept.Length} values, expected {r}");
        else if (form.Logistic.Intercept.Any(v => !double.IsFinite(v))) problems.Add("logistic.intercept holds a non-finite value");
        if (problems.Count > 0)
            throw new InvalidDataException($"{path}: saved model does not fit the config: {string.Join("; ", problems)}");
        return new ConnectivityModel(config)
        {
            Mean = form.Scaler.Mean,
            Scale = form.Scaler.Scale,
            Classifier = new LogisticRegression(Matrix<double>.Build.DenseOfRowArrays(form.Logistic.Coef), form.Logistic.Intercept),
        };
    }

    public void Dispose() { }
}
