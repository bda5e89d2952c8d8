using System.Text.Json;
using System.Text.Json.Nodes;
using MathNet.Numerics.LinearAlgebra;
using Neurodecode.Models.Registry;
using Neurodecode.Preprocess.Steps;

namespace Neurodecode.Models.Baselines;

/// <summary>
/// MOABB's CSP + LDA on windows (batch × n_chans × n_times, float32): <see cref="OasCovariance"/> per window →
/// <see cref="Csp"/> log-variance features → <see cref="Lda"/>. Train with <see cref="Fit"/>; <see cref="Forward"/>
/// returns logits (the LDA decision values) whose softmax is <see cref="PredictProba"/>.
/// Saved as JSON: the config, the CSP filters and the LDA's coef, intercept, class means and priors, read back
/// strictly (unknown keys, a different config or a wrong shape are errors naming them).
/// </summary>
public sealed class CspLdaModel : IClassicalModel
{
    /// <summary>The registry row: name "csp_lda", reference <see cref="CspLdaConfig.Reference"/> (405 stored values).</summary>
    public static ModelEntry Entry { get; } = new(
        CspLdaConfig.Name,
        "CSP + LDA as MOABB: OAS covariance, pyRiemann CSP (6 filters, log-variance), scikit-learn LDA (svd, or lsqr + Ledoit-Wolf)",
        typeof(CspLdaConfig),
        () => CspLdaConfig.Reference,
        config => new CspLdaModel(Expect(config)),
        (config, path) => Load(Expect(config), path));

    private static CspLdaConfig Expect(ModelConfig config) => config as CspLdaConfig
        ?? throw new ArgumentException($"model 'csp_lda' needs a CspLdaConfig, got a {config.GetType().Name} (for '{config.Model}')");

    public CspLdaModel(CspLdaConfig config)
    {
        config.Validate();
        Config = config;
    }

    public CspLdaConfig Config { get; }
    ModelConfig IDecoderModel.Config => Config;

    /// <summary>Every number a fitted model stores (see <see cref="CspLdaConfig.ParameterCount"/>).</summary>
    public long ParameterCount => Config.ParameterCount;

    public Csp? Csp { get; private set; }
    public Lda? Lda { get; private set; }
    public bool IsFitted => Csp is not null && Lda is not null;

    private int CheckWindows(ReadOnlySpan<float> windows, int batch)
    {
        int size = Config.NChans * Config.NTimes;
        if (batch < 1 || windows.Length != (long)batch * size)
            throw new ArgumentException($"windows hold {windows.Length} values, expected batch ({batch}) x n_chans ({Config.NChans}) x n_times ({Config.NTimes}) = {(long)batch * size}");
        return size;
    }

    /// <summary>The OAS covariance of each window.</summary>
    public IReadOnlyList<Matrix<double>> Covariances(ReadOnlySpan<float> windows, int batch)
    {
        int size = CheckWindows(windows, batch);
        var covs = new Matrix<double>[batch];
        for (int i = 0; i < batch; i++)
            covs[i] = OasCovariance.Estimate(windows.Slice(i * size, size), Config.NChans, Config.NTimes, out _);
        return covs;
    }

    /// <summary>Fits CSP and LDA on labelled windows (class ids 0 .. n_outputs − 1; every class must occur).</summary>
    public void Fit(ReadOnlySpan<float> windows, ReadOnlySpan<long> labels)
    {
        int n = labels.Length;
        var covs = Covariances(windows, n);
        var y = new int[n];
        for (int i = 0; i < n; i++)
        {
            if (labels[i] < 0 || labels[i] >= Config.NOutputs)
                throw new ArgumentException($"label {labels[i]} of window {i} is not a class id of n_outputs ({Config.NOutputs}){(labels[i] < 0 ? " (unlabelled window?)" : "")}");
            y[i] = (int)labels[i];
        }
        var csp = Csp.Fit(covs, y, Config.NOutputs, Config.NFilters);
        var features = Matrix<double>.Build.DenseOfRowArrays(covs.Select(csp.LogVariance));
        Lda = Config.Shrinkage is null
            ? Lda.FitSvd(features, y, Config.NOutputs, Config.Tol)
            : Lda.FitLsqrAuto(features, y, Config.NOutputs);
        Csp = csp;
    }

    private (Csp Csp, Lda Lda) Fitted() => IsFitted ? (Csp!, Lda!)
        : throw new InvalidOperationException("csp_lda is not fitted: call Fit on labelled windows (or load a saved model) first");

    /// <summary>The CSP log-variance features of each window (batch × n_filters).</summary>
    public double[][] Features(ReadOnlySpan<float> windows, int batch)
    {
        var (csp, _) = Fitted();
        return Covariances(windows, batch).Select(csp.LogVariance).ToArray();
    }

    /// <summary>Class probabilities, batch × n_outputs row-major (scikit-learn's <c>predict_proba</c>).</summary>
    public double[] PredictProba(ReadOnlySpan<float> windows, int batch)
    {
        var (_, lda) = Fitted();
        return Features(windows, batch).SelectMany(f => lda.PredictProba(f)).ToArray();
    }

    /// <summary>Logits (batch × n_outputs) whose softmax is <see cref="PredictProba"/>: the LDA decision values, and for
    /// two classes [0, d] with d the log-odds of class 1 (softmax gives [1 − σ(d), σ(d)]). Unlike log-probabilities
    /// they do not saturate when a probability rounds to 0 or 1.</summary>
    public float[] Forward(ReadOnlySpan<float> windows, int batch)
    {
        var (_, lda) = Fitted();
        var logits = new float[batch * Config.NOutputs];
        var features = Features(windows, batch);
        for (int i = 0; i < batch; i++)
        {
            var d = lda.DecisionFunction(features[i]);
            if (Config.NOutputs == 2)
                logits[i * 2 + 1] = (float)d[0];
            else
                for (int k = 0; k < d.Length; k++) logits[i * d.Length + k] = (float)d[k];
        }
        return logits;
    }

    // ---------------------------------------------------------------- save / load

    private sealed record CspPart(double[][] Filters);

    private sealed record LdaPart(string Solver, double[][] Coef, double[] Intercept, double[][] Means, double[] Priors);

    private sealed record FileForm(string Model, JsonObject Config, CspPart Csp, LdaPart Lda);

    private static double[][] Rows(Matrix<double> m) => m.ToRowArrays();

    public void Save(string path)
    {
        var (csp, lda) = Fitted();
        var form = new FileForm(CspLdaConfig.Name, JsonNode.Parse(Config.ToJson())!.AsObject(),
            new CspPart(Rows(csp.Filters)),
            new LdaPart(lda.Solver, Rows(lda.Coef), lda.Intercept, Rows(lda.Means), lda.Priors));
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        string temp = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(form, PipelineJson.Options));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Reads a saved model for <paramref name="config"/>. Refused, with the reason named: not JSON, unknown or
    /// missing keys, another model, a config that differs (each differing key listed), a matrix of the wrong shape or a
    /// non-finite number.</summary>
    public static CspLdaModel Load(CspLdaConfig config, string path)
    {
        config.Validate();
        string text = File.ReadAllText(path);
        FileForm? form;
        try
        {
            form = JsonSerializer.Deserialize<FileForm>(text, PipelineJson.Options);
        }
        catch (JsonException e)
        {
            string where = e.Path is { Length: > 0 } p ? $" at {p}" : "";
            throw new InvalidDataException($"{path}{where}: {e.Message.Split('\n')[0].Trim()}", e);
        }
        if (form is null) throw new InvalidDataException($"{path}: empty file");
        if (form.Model != CspLdaConfig.Name)
            throw new InvalidDataException($"{path}: saved model is '{form.Model}', not '{CspLdaConfig.Name}'");

        var expected = JsonNode.Parse(config.ToJson())!.AsObject();
        var differs = expected.Select(p => p.Key).Union(form.Config.Select(p => p.Key))
            .Where(k => !JsonNode.DeepEquals(expected[k], form.Config[k]))
            .Select(k => $"{k} (file {form.Config[k]?.ToJsonString() ?? "absent"}, config {expected[k]?.ToJsonString() ?? "absent"})")
            .ToList();
        if (differs.Count > 0)
            throw new InvalidDataException($"{path}: saved with a different config: {string.Join("; ", differs)}");

        var problems = new List<string>();
        Matrix<double>? Matrix(double[][] rows, int r, int c, string name)
        {
            if (rows.Length != r || rows.Any(row => row.Length != c))
            {
                problems.Add($"{name} is {rows.Length} x {(rows.Length > 0 ? rows[0].Length : 0)}, expected {r} x {c}");
                return null;
            }
            if (rows.Any(row => row.Any(v => !double.IsFinite(v))))
            {
                problems.Add($"{name} holds a non-finite value");
                return null;
            }
            return Matrix<double>.Build.DenseOfRowArrays(rows);
        }
        void Vector(double[] v, int n, string name)
        {
            if (v.Length != n) problems.Add($"{name} has {v.Length} values, expected {n}");
            else if (v.Any(x => !double.IsFinite(x))) problems.Add($"{name} holds a non-finite value");
        }
        int rowsOut = config.DecisionRows;
        var filters = Matrix(form.Csp.Filters, config.NFilters, config.NChans, "csp.filters");
        var coef = Matrix(form.Lda.Coef, rowsOut, config.NFilters, "lda.coef");
        var means = Matrix(form.Lda.Means, config.NOutputs, config.NFilters, "lda.means");
        Vector(form.Lda.Intercept, rowsOut, "lda.intercept");
        Vector(form.Lda.Priors, config.NOutputs, "lda.priors");
        if (form.Lda.Solver != config.Solver)
            problems.Add($"lda.solver is '{form.Lda.Solver}', the config implies '{config.Solver}'");
        if (problems.Count > 0)
            throw new InvalidDataException($"{path}: saved model does not fit the config: {string.Join("; ", problems)}");

        return new CspLdaModel(config)
        {
            Csp = new Csp(filters!),
            Lda = new Lda(form.Lda.Solver, coef!, form.Lda.Intercept, means!, form.Lda.Priors),
        };
    }

    public void Dispose() { }
}
