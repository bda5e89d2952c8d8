namespace Neurodecode.Preprocess.Tokenizers;

/// <summary>Which coefficients of a segment's linear predictor become its features.</summary>
public enum LpcCoefficients
{
    /// <summary>The predictor a_1 … a_p (AR coefficients), as LiPCoT's features.</summary>
    Lpc,
    /// <summary>The reflection (partial autocorrelation) coefficients k_1 … k_p: bounded in (−1, 1).</summary>
    Reflection,
}

/// <summary>
/// Settings of the LiPCoT-style tokenizer (Anjum, arXiv 2408.07292): per segment an order-p linear predictor,
/// features standardized with training statistics, k-means codebook.
/// </summary>
/// <param name="Order">Predictor order p (LiPCoT: 16).</param>
/// <param name="Coefficients">Coefficients used as features.</param>
/// <param name="IncludeLogError">
/// Append log10 of the prediction-error variance σ² (LiPCoT's log σ feature: it carries the segment's power, which
/// the coefficients do not). Floored at <see cref="LpcTokenizer.MinErrorVariance"/> for flat segments.
/// </param>
/// <param name="NClusters">Codebook size k = number of distinct tokens (LiPCoT: 64).</param>
/// <param name="NInit">k-means++ seedings tried; the lowest inertia is kept (LiPCoT: 10; sklearn's default: 1).</param>
/// <param name="MaxIter">Lloyd iterations at most per seeding (LiPCoT: 500).</param>
/// <param name="Seed">Seed of the k-means++ draws: same data and seed give the same codebook (LiPCoT: 42).</param>
/// <param name="Tol">k-means stops once the centroids move less than tol × the mean feature variance (sklearn's tol).</param>
public sealed record LpcTokenizerConfig(
    int Order = 16,
    LpcCoefficients Coefficients = LpcCoefficients.Lpc,
    bool IncludeLogError = true,
    int NClusters = 64,
    int NInit = 1,
    int MaxIter = 300,
    int Seed = 42,
    double Tol = 1e-4)
{
    /// <summary>Feature dimension: order, plus one for the log error.</summary>
    public int NFeatures => Order + (IncludeLogError ? 1 : 0);

    public void Validate()
    {
        if (Order < 1) throw new ArgumentException($"order ({Order}) must be positive");
        if (!Enum.IsDefined(Coefficients)) throw new ArgumentException($"coefficients ({Coefficients}) must be lpc or reflection");
        if (NClusters < 1) throw new ArgumentException($"n_clusters ({NClusters}) must be positive");
        if (NInit < 1) throw new ArgumentException($"n_init ({NInit}) must be positive");
        if (MaxIter < 1) throw new ArgumentException($"max_iter ({MaxIter}) must be positive");
        if (!(Tol >= 0) || !double.IsFinite(Tol)) throw new ArgumentException($"tol ({Tol}) must be a finite number ≥ 0");
    }

    /// <summary>Checks the segments are long enough for the predictor.</summary>
    public void Validate(int segmentLen)
    {
        Validate();
        if (segmentLen <= Order)
            throw new ArgumentException($"order ({Order}) must be below the segment length ({segmentLen} samples)");
    }

    public string ToJson() => TokenizerJson.Serialize(this);

    public static LpcTokenizerConfig FromJson(string json, string source = "LPC tokenizer config")
    {
        var config = TokenizerJson.Deserialize<LpcTokenizerConfig>(json, source);
        config.Validate();
        return config;
    }
}

/// <summary>
/// LiPCoT-style discrete tokens: every patch (segment) of every channel becomes the id of the codebook centroid
/// nearest to its standardized linear-prediction features. Differences from LiPCoT, kept simple on purpose: the
/// autocorrelation method (Levinson–Durbin, mean removed, no taper) instead of Burg's method, and no frequency warping.
/// </summary>
public sealed class LpcTokenizer
{
    /// <summary>Floor of σ² before its log: a constant segment has σ² = 0.</summary>
    public const double MinErrorVariance = 1e-30;

    public LpcTokenizer(LpcCodebook codebook)
    {
        codebook.Validate("codebook");
        Codebook = codebook;
    }

    public LpcCodebook Codebook { get; }

    /// <summary>Learns a codebook from the training segments (features, standardization, k-means).</summary>
    public static LpcCodebook Fit(PatchView training, LpcTokenizerConfig config)
    {
        config.Validate(training.Shape.PatchLen);
        int n = training.Shape.NSegments, d = config.NFeatures;
        if (n < config.NClusters)
            throw new ArgumentException($"n_clusters ({config.NClusters}) is more than the {n} training segments");
        var features = Features(training, config);
        var (mean, std) = Standardization(features, d);
        Standardize(features, d, mean, std);
        var km = KMeans.Fit(features, d, config.NClusters, config.Seed, config.NInit, config.MaxIter, config.Tol);
        return new LpcCodebook(LpcCodebook.FormatName, LpcCodebook.CurrentVersion, config, training.Shape.PatchLen, n,
            km.Inertia, mean, std, km.Centroids);
    }

    /// <summary>Token ids of every segment: shape (n, channels, n_patches), values 0 … n_clusters − 1.</summary>
    public int[] Encode(PatchView patches)
    {
        if (patches.Shape.PatchLen != Codebook.SegmentLen)
            throw new ArgumentException(
                $"segments are {patches.Shape.PatchLen} samples, the codebook was learned on {Codebook.SegmentLen}-sample segments");
        int d = Codebook.Config.NFeatures;
        var features = Features(patches, Codebook.Config);
        Standardize(features, d, Codebook.FeatureMean, Codebook.FeatureStd);
        var ids = new int[patches.Shape.NSegments];
        for (int i = 0; i < ids.Length; i++) ids[i] = KMeans.Nearest(features.AsSpan(i * d, d), Codebook.Centroids, out _);
        return ids;
    }

    /// <summary>Raw (unstandardized) features of every segment, row-major (n_segments × n_features).</summary>
    public static double[] Features(PatchView patches, LpcTokenizerConfig config)
    {
        config.Validate(patches.Shape.PatchLen);
        int len = patches.Shape.PatchLen, p = config.Order, d = config.NFeatures;
        var x = new double[len];
        var r = new double[p + 1];
        var a = new double[p];
        var k = new double[p];
        var features = new double[(long)patches.Shape.NSegments * d];
        for (int i = 0; i < patches.Shape.NSegments; i++)
        {
            var seg = patches.Segment(i);
            double mean = 0;
            for (int t = 0; t < len; t++) mean += seg[t];
            mean /= len;
            if (!double.IsFinite(mean)) throw new ArgumentException($"patch {Where(patches.Shape, i)} holds a non-finite sample");
            // The offset is not part of the process being modelled, and would dominate r.
            for (int t = 0; t < len; t++) x[t] = seg[t] - mean;
            Lpc.Autocorrelation(x, r);
            double err = Lpc.LevinsonDurbin(r, a, k);
            var row = features.AsSpan(i * d, d);
            (config.Coefficients == LpcCoefficients.Lpc ? a : k).CopyTo(row);
            if (config.IncludeLogError) row[p] = Math.Log10(Math.Max(err, MinErrorVariance));
        }
        return features;
    }

    private static string Where(PatchShape s, int i) =>
        $"(window {i / (s.NChannels * s.NPatches)}, channel {i / s.NPatches % s.NChannels}, patch {i % s.NPatches})";

    /// <summary>Per-feature mean and standard deviation (ddof 0); a constant feature gets 1, as sklearn's StandardScaler.</summary>
    private static (double[] Mean, double[] Std) Standardization(double[] features, int d)
    {
        int n = features.Length / d;
        var mean = new double[d];
        var std = new double[d];
        for (int i = 0; i < n; i++)
            for (int f = 0; f < d; f++) mean[f] += features[i * d + f];
        for (int f = 0; f < d; f++) mean[f] /= n;
        for (int i = 0; i < n; i++)
            for (int f = 0; f < d; f++)
            {
                double t = features[i * d + f] - mean[f];
                std[f] += t * t;
            }
        for (int f = 0; f < d; f++)
        {
            std[f] = Math.Sqrt(std[f] / n);
            if (!(std[f] > 0)) std[f] = 1;
        }
        return (mean, std);
    }

    private static void Standardize(double[] features, int d, double[] mean, double[] std)
    {
        for (int i = 0; i < features.Length; i++) features[i] = (features[i] - mean[i % d]) / std[i % d];
    }
}
