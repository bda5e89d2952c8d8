using System.Text.Json.Nodes;
using Neurodecode.Preprocess.Tokenizers;

namespace Neurodecode.Tests.Preprocess.Tokenizers;

/// <summary>The LiPCoT-style tokenizer on real EEG: fit, determinism, save/reload and strict loading.</summary>
public class LpcTokenizerTests
{
    private static readonly LpcTokenizerConfig Config = new(Order: 16, NClusters: 16, NInit: 2, Seed: 42);
    private static readonly PatchTokenizer Patches = new(new PatchTokenizerConfig(PatchLen: 200));

    /// <summary>S001R04 windows of 800 samples (5 s at 160 Hz): 64 channels × 4 patches each.</summary>
    private static (float[] Data, WindowsShape Shape) Eeg(int firstWindow, int nWindows) =>
        TokenizerData.Windows(nWindows, 800, firstWindow * 800);

    private static readonly Lazy<LpcCodebook> Trained = new(() =>
    {
        var (x, shape) = Eeg(0, 10);
        return LpcTokenizer.Fit(Patches.View(x, shape), Config);
    });

    private static int[] EncodeHeldOut(LpcCodebook codebook)
    {
        var (x, shape) = Eeg(10, 4);
        return new LpcTokenizer(codebook).Encode(Patches.View(x, shape));
    }

    [Fact]
    public void Fits_a_codebook_on_real_eeg_and_tokenizes_every_patch()
    {
        var codebook = Trained.Value;
        Assert.Equal(10 * 64 * 4, codebook.NSegments);
        Assert.Equal(200, codebook.SegmentLen);
        Assert.Equal(16, codebook.Centroids.Length);
        Assert.All(codebook.Centroids, c => Assert.Equal(17, c.Length));

        var (x, shape) = Eeg(0, 10);
        var train = new LpcTokenizer(codebook).Encode(Patches.View(x, shape));
        Assert.Equal(10 * 64 * 4, train.Length);
        Assert.Equal(16, train.Distinct().Count()); // k-means leaves no training cluster empty here

        var ids = EncodeHeldOut(codebook);
        Assert.Equal(4 * 64 * 4, ids.Length);
        Assert.All(ids, id => Assert.InRange(id, 0, 15));
        Assert.True(ids.Distinct().Count() >= 8, $"held-out windows use only {ids.Distinct().Count()} of 16 tokens");
    }

    [Fact]
    public void Features_are_the_segments_predictor_and_log_error()
    {
        var (x, shape) = TokenizerData.GoldenInput();
        var features = LpcTokenizer.Features(Patches.View(x, shape), new LpcTokenizerConfig(Order: 16));
        var golden = TokenizerData.Golden.GetProperty("lpc").EnumerateArray().ToArray();
        for (int i = 0; i < golden.Length; i++)
        {
            var row = features.AsSpan(i * 17, 17);
            Assert.True(TokenizerData.RelMaxError(row[..16], TokenizerData.Doubles(golden[i].GetProperty("a"))) < 1e-9);
            Assert.Equal(Math.Log10(golden[i].GetProperty("error_variance").GetDouble()), row[16], 1e-9);
        }
        var reflection = LpcTokenizer.Features(Patches.View(x, shape), new LpcTokenizerConfig(Order: 16,
            Coefficients: LpcCoefficients.Reflection, IncludeLogError: false));
        Assert.True(TokenizerData.RelMaxError(reflection.AsSpan(0, 16), TokenizerData.Doubles(golden[0].GetProperty("reflection"))) < 1e-9);
    }

    [Fact]
    public void A_flat_channel_still_gets_a_token_and_a_nan_is_named()
    {
        var (x, shape) = Eeg(10, 1);
        x.AsSpan(5 * 800, 800).Fill(1e-5f); // channel 5 stuck at a constant
        var features = LpcTokenizer.Features(Patches.View(x, shape), Config);
        Assert.All(features.AsSpan(5 * 4 * 17, 16).ToArray(), v => Assert.Equal(0, v));
        Assert.Equal(-30, features[5 * 4 * 17 + 16]);
        var ids = new LpcTokenizer(Trained.Value).Encode(Patches.View(x, shape));
        Assert.InRange(ids[5 * 4], 0, 15);

        x[(7 * 800) + 650] = float.NaN;
        Assert.Equal("patch (window 0, channel 7, patch 3) holds a non-finite sample",
            Assert.Throws<ArgumentException>(() => new LpcTokenizer(Trained.Value).Encode(Patches.View(x, shape))).Message);
    }

    [Fact]
    public void Same_seed_gives_the_same_codebook()
    {
        var (x, shape) = Eeg(0, 10);
        var again = LpcTokenizer.Fit(Patches.View(x, shape), Config);
        Assert.Equal(Trained.Value.ToJson(), again.ToJson());
        var other = LpcTokenizer.Fit(Patches.View(x, shape), Config with { Seed = 7 });
        Assert.NotEqual(Trained.Value.ToJson(), other.ToJson());
    }

    [Fact]
    public void Save_then_load_gives_the_same_ids()
    {
        var codebook = Trained.Value;
        var ids = EncodeHeldOut(codebook);
        using var dir = TestPaths.TempDir();
        string path = dir.File("codebook.json");
        codebook.Save(path);
        var fromFile = LpcCodebook.Load(path);
        Assert.Equal(codebook.ToJson(), fromFile.ToJson());
        Assert.Equal(ids, EncodeHeldOut(fromFile));

        using var stream = new MemoryStream();
        codebook.Save(stream);
        stream.Position = 0;
        Assert.Equal(ids, EncodeHeldOut(LpcCodebook.Load(stream)));

        var json = JsonNode.Parse(File.ReadAllText(path))!;
        Assert.Equal("neurodecode.lpc_codebook", (string?)json["format"]);
        Assert.Equal(16, (int?)json["config"]!["n_clusters"]);
        Assert.Equal("lpc", (string?)json["config"]!["coefficients"]);
        Assert.Equal(17, json["feature_std"]!.AsArray().Count);
    }

    /// <summary>An edit of a good codebook file, and what the error says (all of it after the path, or a part when
    /// the JSON parser words it).</summary>
    public static TheoryData<string, string, bool> BadCodebooks => new()
    {
        { "centroid_short", "centroids[3] has 16 values (expected 17: order 16 + log error)", true },
        { "centroid_missing", "centroids has 15 rows (expected n_clusters = 16)", true },
        { "order_12", "feature_mean has 17 values (expected 13: order 12 + log error)", true },
        { "no_log_error", "feature_mean has 17 values (expected 16: order 16)", true },
        { "order_300", "order (300) must be below the segment length (200 samples)", true },
        { "std_zero", "feature_std[2] is 0 (expected > 0)", true },
        { "format", "format is 'something.else' (expected 'neurodecode.lpc_codebook')", true },
        { "version", "version is 2 (this build reads version 1)", true },
        { "unknown_property", "'centroid'", false },
        { "no_centroids", "'centroids'", false },
        { "not_json", "", false },
        { "truncated", "", false },
    };

    [Theory]
    [MemberData(nameof(BadCodebooks))]
    public void Bad_codebook_files_fail_with_one_line(string edit, string problem, bool exact)
    {
        string good = Trained.Value.ToJson();
        var node = JsonNode.Parse(good)!.AsObject();
        switch (edit)
        {
            case "centroid_short": node["centroids"]![3]!.AsArray().RemoveAt(16); break;
            case "centroid_missing": node["centroids"]!.AsArray().RemoveAt(15); break;
            case "order_12": node["config"]!["order"] = 12; break;
            case "no_log_error": node["config"]!["include_log_error"] = false; break;
            case "order_300": node["config"]!["order"] = 300; break;
            case "std_zero": node["feature_std"]![2] = 0.0; break;
            case "format": node["format"] = "something.else"; break;
            case "version": node["version"] = 2; break;
            case "unknown_property": node["centroid"] = 1; break;
            case "no_centroids": node.Remove("centroids"); break;
        }
        string text = edit switch
        {
            "not_json" => "centroids: [1, 2]",
            "truncated" => good[..(good.Length / 2)],
            _ => node.ToJsonString(),
        };
        using var dir = TestPaths.TempDir();
        string path = dir.File("bad.json");
        File.WriteAllText(path, text);

        var e = Assert.Throws<FormatException>(() => LpcCodebook.Load(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        if (exact) Assert.Equal($"{path}: {problem}", e.Message);
        else Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Missing_file_is_a_one_line_error()
    {
        var e = Assert.Throws<FormatException>(() => LpcCodebook.Load("/nonexistent/codebook.json"));
        Assert.StartsWith("/nonexistent/codebook.json: cannot read the codebook: ", e.Message);
    }

    [Fact]
    public void Mismatched_inputs_are_refused_before_any_work()
    {
        var tokenizer = new LpcTokenizer(Trained.Value);
        var (x, shape) = Eeg(10, 1);
        var longPatches = new PatchTokenizer(new PatchTokenizerConfig(PatchLen: 400));
        Assert.Equal("segments are 400 samples, the codebook was learned on 200-sample segments",
            Assert.Throws<ArgumentException>(() => tokenizer.Encode(longPatches.View(x, shape))).Message);

        Assert.Equal("n_clusters (16) is more than the 0 training segments",
            Assert.Throws<ArgumentException>(() => LpcTokenizer.Fit(Patches.View(x, shape).Windows(0, 0), Config)).Message);
        Assert.Equal("order (16) must be below the segment length (16 samples)",
            Assert.Throws<ArgumentException>(() => LpcTokenizer.Fit(new PatchTokenizer(new PatchTokenizerConfig(16)).View(x, shape), Config)).Message);
    }

    [Fact]
    public void Config_round_trips_through_snake_case_json()
    {
        var config = new LpcTokenizerConfig(Order: 8, Coefficients: LpcCoefficients.Reflection, IncludeLogError: false,
            NClusters: 32, NInit: 3, MaxIter: 100, Seed: 1, Tol: 0);
        string json = config.ToJson();
        Assert.Contains("\"coefficients\": \"reflection\"", json);
        Assert.Contains("\"include_log_error\": false", json);
        Assert.Contains("\"n_clusters\": 32", json);
        Assert.Equal(config, LpcTokenizerConfig.FromJson(json));
        Assert.Equal(new LpcTokenizerConfig(), LpcTokenizerConfig.FromJson("{}"));
        Assert.Equal("n_clusters (0) must be positive",
            Assert.Throws<ArgumentException>(() => LpcTokenizerConfig.FromJson("{\"n_clusters\": 0}")).Message);
        Assert.Equal("tol (-1) must be a finite number ≥ 0",
            Assert.Throws<ArgumentException>(() => LpcTokenizerConfig.FromJson("{\"tol\": -1}")).Message);
    }
}
