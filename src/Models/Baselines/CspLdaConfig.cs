using System.Text.Json;
using System.Text.Json.Serialization;
using Neurodecode.Models.Registry;
using Neurodecode.Preprocess.Steps;

namespace Neurodecode.Models.Baselines;

/// <summary>
/// CSP + LDA as MOABB's pipelines define it: OAS covariance per window → CSP (<see cref="NFilters"/> filters,
/// log-variance features) → LDA. <c>shrinkage: null</c> is MOABB's "CSP + LDA" (pipelines/CSP.yml: solver 'svd');
/// <c>shrinkage: "auto"</c> is "DLCSPauto + shLDA" (pipelines/regCSP+shLDA.yml: solver 'lsqr', Ledoit-Wolf).
/// The 8–32 Hz band of MOABB's MotorImagery paradigm is not part of the model: the windows come filtered from the
/// preprocess pipeline (<c>datasets/pipelines/moabb-mi-8-32.json</c>).
/// </summary>
/// <param name="NChans">Channels of each window; the filters span them.</param>
/// <param name="NOutputs">Classes (≥ 2). Two classes: CSP by generalized eigenvectors; more: Pham's joint
/// diagonalization with the mutual-information ranking (pyRiemann's multiclass CSP).</param>
/// <param name="NTimes">Samples per window (the covariance's n).</param>
/// <param name="Sfreq">Sampling rate in Hz (documentation; CSP does not use it).</param>
/// <param name="NFilters">CSP filters kept, pyRiemann <c>nfilter</c>; MOABB 6.</param>
/// <param name="Shrinkage">null (LDA solver 'svd') or "auto" (solver 'lsqr' with Ledoit-Wolf shrinkage).</param>
/// <param name="Tol">LDA 'svd' rank threshold on singular values, scikit-learn's <c>tol</c> (1e-4).</param>
public sealed record CspLdaConfig(
    int NChans,
    int NOutputs,
    int NTimes,
    double Sfreq,
    int NFilters = 6,
    string? Shrinkage = null,
    double Tol = 1e-4) : ModelConfig(NChans, NOutputs, NTimes, Sfreq)
{
    public const string Name = "csp_lda";

    [JsonIgnore]
    public override string Model => Name;

    /// <summary>The registry's reference: MOABB PhysionetMI left vs right fist through moabb-mi-8-32.json (64 channels,
    /// 481 samples at 160 Hz), 6 filters, svd LDA; 405 stored values.</summary>
    public static CspLdaConfig Reference { get; } = new(NChans: 64, NOutputs: 2, NTimes: 481, Sfreq: 160);

    /// <summary>The LDA solver this config implies: "svd" without shrinkage, "lsqr" with.</summary>
    [JsonIgnore]
    public string Solver => Shrinkage is null ? "svd" : "lsqr";

    /// <summary>Rows of the LDA coefficients: 1 for two classes (scikit-learn's binary case), else one per class.</summary>
    [JsonIgnore]
    public int DecisionRows => NOutputs == 2 ? 1 : NOutputs;

    /// <summary>Every number a fitted model stores: filters n_filters·n_chans + LDA coef R·n_filters + intercept R +
    /// class means n_outputs·n_filters + priors n_outputs, with R = <see cref="DecisionRows"/>.</summary>
    [JsonIgnore]
    public long ParameterCount => (long)NFilters * NChans + (long)DecisionRows * NFilters + DecisionRows
        + (long)NOutputs * NFilters + NOutputs;

    public override void Validate()
    {
        base.Validate();
        if (NOutputs < 2)
            throw new ArgumentException($"n_outputs ({NOutputs}) must be at least 2 (CSP contrasts classes)");
        if (NTimes < 2)
            throw new ArgumentException($"n_times ({NTimes}) must be at least 2 to estimate a covariance");
        if (NFilters < 1 || NFilters > NChans)
            throw new ArgumentException($"n_filters ({NFilters}) must be between 1 and n_chans ({NChans})");
        if (Shrinkage is not (null or "auto"))
            throw new ArgumentException($"shrinkage ('{Shrinkage}') must be null (LDA solver 'svd') or 'auto' (solver 'lsqr', Ledoit-Wolf)");
        if (!(Tol > 0) || double.IsInfinity(Tol))
            throw new ArgumentException($"tol ({Tol}) must be positive and finite");
    }

    /// <summary>Reads a config (snake_case keys, unknown keys refused) and validates it; errors are
    /// <see cref="ArgumentException"/>s naming the key or value.</summary>
    public static CspLdaConfig FromJson(string json, string source = "csp_lda config") => Parse<CspLdaConfig>(json, source);
}
