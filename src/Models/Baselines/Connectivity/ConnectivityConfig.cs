using System.Text.Json.Serialization;
using Neurodecode.Models.Registry;

namespace Neurodecode.Models.Baselines.Connectivity;

/// <summary>
/// The functional-connectivity baseline of ABIDE studies: per window (regions x time points) a connectivity matrix as
/// nilearn's <c>ConnectivityMeasure(kind, vectorize=True, discard_diagonal=True)</c> computes it, Fisher z
/// (arctanh) of its strict lower triangle, scikit-learn's <c>StandardScaler</c>, then an L2-regularised
/// <c>LogisticRegression(C)</c> (binary; one-vs-rest for more classes).
/// </summary>
/// <param name="NChans">Regions of interest per window.</param>
/// <param name="NOutputs">Classes (≥ 2).</param>
/// <param name="NTimes">Time points per window (the covariance's n).</param>
/// <param name="Sfreq">Volumes per second, 1 / TR (documentation; connectivity does not use it).</param>
/// <param name="Kind">nilearn's kind: "correlation" or "partial correlation".</param>
/// <param name="Covariance">"ledoit_wolf" (nilearn's default estimator, sklearn <c>LedoitWolf</c>) or "empirical"
/// (<c>EmpiricalCovariance</c>, the plain maximum-likelihood estimate).</param>
/// <param name="FisherZ">arctanh of the coefficients before the classifier.</param>
/// <param name="Standardize">z-score every feature with the training windows' mean and std (StandardScaler).</param>
/// <param name="C">Inverse L2 strength, scikit-learn's <c>C</c>: minimise C·Σ log-loss + ½‖w‖², intercept unpenalised.</param>
public sealed record ConnectivityConfig(
    int NChans,
    int NOutputs,
    int NTimes,
    double Sfreq,
    string Kind = "correlation",
    string Covariance = "ledoit_wolf",
    bool FisherZ = true,
    bool Standardize = true,
    double C = 1.0) : ModelConfig(NChans, NOutputs, NTimes, Sfreq)
{
    public const string Name = "connectivity";

    [JsonIgnore]
    public override string Model => Name;

    /// <summary>The registry's reference: ABIDE CC200 (200 regions), one window of 78 volumes (OHSU's length) at TR 2 s,
    /// autism vs control.</summary>
    public static ConnectivityConfig Reference { get; } = new(NChans: 200, NOutputs: 2, NTimes: 78, Sfreq: 0.5);

    /// <summary>Features per window: the strict lower triangle, n_chans·(n_chans − 1)/2.</summary>
    [JsonIgnore]
    public int NFeatures => NChans * (NChans - 1) / 2;

    /// <summary>Rows of the classifier: 1 for two classes (scikit-learn's binary case), else one per class (OvR).</summary>
    [JsonIgnore]
    public int DecisionRows => NOutputs == 2 ? 1 : NOutputs;

    /// <summary>Every number a fitted model stores: scaler mean and scale (2·F), coef R·F and intercept R.</summary>
    [JsonIgnore]
    public long ParameterCount => 2L * NFeatures + (long)DecisionRows * NFeatures + DecisionRows;

    public override void Validate()
    {
        base.Validate();
        if (NOutputs < 2) throw new ArgumentException($"n_outputs ({NOutputs}) must be at least 2");
        if (NChans < 2) throw new ArgumentException($"n_chans ({NChans}) must be at least 2 regions to have a connection");
        if (NTimes < 2) throw new ArgumentException($"n_times ({NTimes}) must be at least 2 to estimate a covariance");
        if (Kind is not ("correlation" or "partial correlation"))
            throw new ArgumentException($"kind ('{Kind}') must be 'correlation' or 'partial correlation'");
        if (Covariance is not ("ledoit_wolf" or "empirical"))
            throw new ArgumentException($"covariance ('{Covariance}') must be 'ledoit_wolf' or 'empirical'");
        if (Kind == "partial correlation" && Covariance == "empirical" && NTimes <= NChans)
            throw new ArgumentException($"partial correlation with the empirical covariance needs more time points (n_times {NTimes}) than regions (n_chans {NChans}); use 'ledoit_wolf'");
        if (!(C > 0) || double.IsInfinity(C)) throw new ArgumentException($"c ({C}) must be positive and finite");
    }

    public static ConnectivityConfig FromJson(string json, string source = "connectivity config") => Parse<ConnectivityConfig>(json, source);
}
