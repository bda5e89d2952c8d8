namespace Neurodecode.Models.Training;

/// <summary>
/// Retrieval among N candidate stimuli, the MEG/EEG image-decoding papers' measure: each window's predicted embedding
/// is compared by cosine similarity with every candidate's embedding. The true stimulus's rank is 1 + the number of
/// candidates scoring strictly higher (ties count in the window's favour). Top-k accuracy is the share of windows
/// ranked ≤ k; chance is k/N for top-k and (N+1)/2 for the mean rank. <see cref="MeanCosine"/> is the mean cosine
/// between a window's prediction and its true embedding.
/// </summary>
public sealed record RetrievalMetrics(
    int NWindows, int NCandidates, int K,
    double Top1, double TopK, double MeanRank, double MedianRank, double MeanCosine)
{
    public double ChanceTop1 => 1.0 / NCandidates;
    public double ChanceTopK => Math.Min(K, NCandidates) / (double)NCandidates;
    public double ChanceMeanRank => (NCandidates + 1) / 2.0;

    /// <summary>Cosine similarity of every prediction (rows of <paramref name="predicted"/>, n × d) with every candidate:
    /// n × N, row-major. A zero vector has cosine 0 with everything.</summary>
    public static double[] CosineSimilarity(ReadOnlySpan<float> predicted, int d, IReadOnlyList<float[]> candidates)
    {
        int n = predicted.Length / d, m = candidates.Count;
        if (n * d != predicted.Length) throw new ArgumentException($"{predicted.Length} predicted values are not rows of {d}");
        var unit = candidates.Select(c =>
        {
            if (c.Length != d) throw new ArgumentException($"a candidate has {c.Length} values, predictions have {d}");
            return Normalised(c);
        }).ToArray();
        var s = new double[n * m];
        for (int i = 0; i < n; i++)
        {
            var p = Normalised(predicted.Slice(i * d, d));
            for (int j = 0; j < m; j++)
            {
                double dot = 0;
                for (int k = 0; k < d; k++) dot += p[k] * unit[j][k];
                s[i * m + j] = dot;
            }
        }
        return s;
    }

    /// <summary>Each window's rank of its true candidate (1 = best) in an n × N similarity matrix; candidates as close as
    /// the true one rank before it.</summary>
    public static int[] Ranks(ReadOnlySpan<double> similarity, IReadOnlyList<int> truth)
    {
        int n = truth.Count, m = similarity.Length / Math.Max(n, 1);
        var ranks = new int[n];
        for (int i = 0; i < n; i++)
        {
            var row = similarity.Slice(i * m, m);
            double t = row[truth[i]];
            int ahead = 0;
            for (int j = 0; j < m; j++)
                if (j != truth[i] && row[j] >= t) ahead++;   // a tie counts against: a constant prediction must not score
            ranks[i] = ahead + 1;
        }
        return ranks;
    }

    /// <summary>The <paramref name="k"/> best candidates of one similarity row, best first (ties: lower index first), with their scores.</summary>
    public static (int Index, double Score)[] TopCandidates(ReadOnlySpan<double> row, int k)
    {
        var order = Enumerable.Range(0, row.Length).ToArray();
        var scores = row.ToArray();
        Array.Sort(order, (a, b) => scores[b].CompareTo(scores[a]) is var c && c != 0 ? c : a.CompareTo(b));
        return order.Take(k).Select(i => (i, scores[i])).ToArray();
    }

    /// <param name="predicted">n × d predicted embeddings, row-major.</param>
    /// <param name="candidates">the N candidate embeddings.</param>
    /// <param name="truth">each window's true candidate index.</param>
    public static RetrievalMetrics Compute(ReadOnlySpan<float> predicted, int d, IReadOnlyList<float[]> candidates, IReadOnlyList<int> truth, int k = 5)
    {
        int n = truth.Count, m = candidates.Count;
        if (n == 0) throw new ArgumentException("no windows to score");
        if (predicted.Length != n * d) throw new ArgumentException($"{predicted.Length} predicted values for {n} windows of {d}");
        if (truth.Any(t => t < 0 || t >= m)) throw new ArgumentException($"a true index is outside 0 .. {m - 1}");
        if (k < 1) throw new ArgumentException($"k ({k}) must be at least 1");
        var s = CosineSimilarity(predicted, d, candidates);
        var ranks = Ranks(s, truth);
        var sorted = ranks.Order().ToArray();
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
        double cosine = Enumerable.Range(0, n).Average(i => s[i * m + truth[i]]);
        return new RetrievalMetrics(n, m, k, ranks.Count(r => r <= 1) / (double)n, ranks.Count(r => r <= k) / (double)n,
            ranks.Average(), median, cosine);
    }

    private static double[] Normalised(ReadOnlySpan<float> v)
    {
        double norm = 0;
        foreach (var x in v) norm += (double)x * x;
        norm = Math.Sqrt(norm);
        var u = new double[v.Length];
        if (norm > 0)
            for (int i = 0; i < v.Length; i++) u[i] = v[i] / norm;
        return u;
    }
}
