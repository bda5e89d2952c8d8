using System.Text.Json.Nodes;
using Neurodecode.Models.Training;

namespace Neurodecode.Tests.Models.Training;

/// <summary>Retrieval metrics against numpy on a fixed example with tied candidates and a zero prediction
/// (tools/make_retrieval_golden.py).</summary>
public class RetrievalMetricsTests
{
    private static readonly JsonObject Golden = JsonNode.Parse(File.ReadAllText(Path.Combine(TestPaths.Golden, "retrieval", "retrieval.json")))!.AsObject();

    private static float[][] Rows(string key) => Golden[key]!.AsArray().Select(r => r!.AsArray().Select(v => v!.GetValue<float>()).ToArray()).ToArray();
    private static double Value(string key) => Golden[key]!.GetValue<double>();

    [Fact]
    public void Ranks_topk_and_cosines_equal_numpys()
    {
        var candidates = Rows("candidates");
        var predicted = Rows("predicted").SelectMany(r => r).ToArray();
        var truth = Golden["truth"]!.AsArray().Select(v => v!.GetValue<int>()).ToArray();
        var s = RetrievalMetrics.CosineSimilarity(predicted, 16, candidates);
        var row1 = Golden["similarity_row1"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        for (int j = 0; j < 30; j++) Assert.Equal(row1[j], s[30 + j], 1e-12);
        Assert.Equal(Golden["ranks"]!.AsArray().Select(v => v!.GetValue<int>()), RetrievalMetrics.Ranks(s, truth));

        var m = RetrievalMetrics.Compute(predicted, 16, candidates, truth, k: 5);
        Assert.Equal((80, 30, 5), (m.NWindows, m.NCandidates, m.K));
        Assert.Equal(Value("top1"), m.Top1, 1e-12);
        Assert.Equal(Value("top5"), m.TopK, 1e-12);
        Assert.Equal(Value("mean_rank"), m.MeanRank, 1e-12);
        Assert.Equal(Value("median_rank"), m.MedianRank, 1e-12);
        Assert.Equal(Value("mean_cosine"), m.MeanCosine, 1e-12);
        Assert.Equal(Value("chance_top1"), m.ChanceTop1, 1e-15);
        Assert.Equal(Value("chance_top5"), m.ChanceTopK, 1e-15);
        Assert.Equal(Value("chance_mean_rank"), m.ChanceMeanRank, 1e-15);
    }

    [Fact]
    public void Top_candidates_come_best_first_and_tied_candidates_in_index_order()
    {
        var candidates = Rows("candidates");
        // A prediction equal to candidate 3, which candidate 29 repeats: both score 1, index 3 first.
        var s = RetrievalMetrics.CosineSimilarity(candidates[3], 16, candidates);
        var top = RetrievalMetrics.TopCandidates(s, 3);
        Assert.Equal([3, 29], top.Take(2).Select(t => t.Index));
        Assert.Equal(1.0, top[0].Score, 1e-6);
        Assert.True(top[2].Score < top[1].Score);
    }
}
