using System.Diagnostics.CodeAnalysis;

namespace Neurodecode.Preprocess.Tokenizers;

/// <summary>
/// A learned LPC codebook: everything <see cref="LpcTokenizer.Encode"/> needs, saved as JSON
/// (<c>{"format": "neurodecode.lpc_codebook", "version": 1, "config": {...}, "segment_len": 200, ...}</c>).
/// Doubles are written in their shortest round-trip form, so a reloaded codebook gives the same ids bit for bit.
/// </summary>
/// <param name="Format">Always <see cref="FormatName"/>: tells a codebook from any other JSON.</param>
/// <param name="Version">File layout version, <see cref="CurrentVersion"/>.</param>
/// <param name="Config">The tokenizer settings it was learned with.</param>
/// <param name="SegmentLen">Samples per training segment; encoding needs the same length.</param>
/// <param name="NSegments">Number of training segments.</param>
/// <param name="Inertia">k-means inertia on the standardized training features.</param>
/// <param name="FeatureMean">Training mean of each raw feature (n_features values).</param>
/// <param name="FeatureStd">Training standard deviation of each raw feature (n_features values, &gt; 0).</param>
/// <param name="Centroids">n_clusters rows of n_features standardized values; row j is token j.</param>
public sealed record LpcCodebook(
    string Format,
    int Version,
    LpcTokenizerConfig Config,
    int SegmentLen,
    int NSegments,
    double Inertia,
    double[] FeatureMean,
    double[] FeatureStd,
    double[][] Centroids)
{
    public const string FormatName = "neurodecode.lpc_codebook";
    public const int CurrentVersion = 1;

    /// <summary>Checks every size against the config; the message starts with <paramref name="source"/>.</summary>
    public void Validate(string source)
    {
        [DoesNotReturn] void Fail(string problem) => throw new FormatException($"{source}: {problem}");
        if (Format != FormatName) Fail($"format is '{Format}' (expected '{FormatName}')");
        if (Version != CurrentVersion) Fail($"version is {Version} (this build reads version {CurrentVersion})");
        try
        {
            Config.Validate(SegmentLen);
        }
        catch (ArgumentException e)
        {
            Fail(e.Message);
        }
        int d = Config.NFeatures;
        string dims = $"order {Config.Order}{(Config.IncludeLogError ? " + log error" : "")}";
        CheckVector(FeatureMean, "feature_mean");
        CheckVector(FeatureStd, "feature_std");
        int bad = Array.FindIndex(FeatureStd, v => !(v > 0));
        if (bad >= 0) Fail($"feature_std[{bad}] is {FeatureStd[bad]} (expected > 0)");
        if (Centroids.Length != Config.NClusters)
            Fail($"centroids has {Centroids.Length} rows (expected n_clusters = {Config.NClusters})");
        for (int j = 0; j < Centroids.Length; j++) CheckVector(Centroids[j], $"centroids[{j}]");
        if (NSegments < Config.NClusters) Fail($"n_segments ({NSegments}) is below n_clusters ({Config.NClusters})");
        if (!double.IsFinite(Inertia) || Inertia < 0) Fail($"inertia ({Inertia}) must be a finite number ≥ 0");

        void CheckVector(double[]? v, string name)
        {
            if (v == null) Fail($"{name} is missing");
            if (v.Length != d) Fail($"{name} has {v.Length} values (expected {d}: {dims})");
            int i = Array.FindIndex(v, x => !double.IsFinite(x));
            if (i >= 0) Fail($"{name}[{i}] is {v[i]} (expected a finite number)");
        }
    }

    public string ToJson() => TokenizerJson.Serialize(this);

    public void Save(Stream stream)
    {
        using var writer = new StreamWriter(stream, leaveOpen: true);
        writer.Write(ToJson());
    }

    /// <summary>Writes the codebook to <paramref name="path"/> through a temporary file, so a crash leaves no half file.</summary>
    public void Save(string path)
    {
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, ToJson());
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Reads and validates a codebook; any problem is one <see cref="FormatException"/> line naming the source.</summary>
    public static LpcCodebook Load(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"{path}: cannot read the codebook: {TokenizerJson.OneLine(e.Message)}", e);
        }
        return FromJson(json, path);
    }

    public static LpcCodebook Load(Stream stream, string source = "codebook stream")
    {
        using var reader = new StreamReader(stream, leaveOpen: true);
        return FromJson(reader.ReadToEnd(), source);
    }

    public static LpcCodebook FromJson(string json, string source = "codebook")
    {
        var codebook = TokenizerJson.Deserialize<LpcCodebook>(json, source);
        codebook.Validate(source);
        return codebook;
    }
}
