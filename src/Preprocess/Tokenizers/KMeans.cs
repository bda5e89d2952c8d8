using System.Collections.Concurrent;

namespace Neurodecode.Preprocess.Tokenizers;

/// <summary>The outcome of <see cref="KMeans.Fit"/>.</summary>
/// <param name="Centroids">n_clusters rows of n_features values.</param>
/// <param name="Labels">The nearest centroid of every training point.</param>
/// <param name="Inertia">Σ squared distance of each point to its centroid (sklearn's inertia_).</param>
/// <param name="NIter">Lloyd iterations of the kept run.</param>
public sealed record KMeansResult(double[][] Centroids, int[] Labels, double Inertia, int NIter);

/// <summary>
/// k-means (Lloyd) with k-means++ seeding, deterministic for a given seed on any machine: assignments run in
/// parallel but every sum is taken in point order.
/// </summary>
public static class KMeans
{
    /// <summary>
    /// Clusters <paramref name="points"/> (row-major, n × <paramref name="nFeatures"/>). Runs <paramref name="nInit"/>
    /// seedings and keeps the lowest inertia. A run stops when no label changes, when the centroids moved less than
    /// <paramref name="tol"/> × the mean feature variance (Σ of squared shifts, sklearn's rule), or after
    /// <paramref name="maxIter"/> iterations.
    /// </summary>
    public static KMeansResult Fit(double[] points, int nFeatures, int nClusters, int seed, int nInit = 1, int maxIter = 300,
        double tol = 1e-4)
    {
        if (nFeatures < 1) throw new ArgumentException($"n_features ({nFeatures}) must be positive");
        if (points.Length % nFeatures != 0)
            throw new ArgumentException($"points hold {points.Length} values, not a multiple of n_features {nFeatures}");
        int n = points.Length / nFeatures;
        if (nClusters < 1) throw new ArgumentException($"n_clusters ({nClusters}) must be positive");
        if (n < nClusters) throw new ArgumentException($"n_clusters ({nClusters}) is more than the {n} points");
        if (nInit < 1) throw new ArgumentException($"n_init ({nInit}) must be positive");
        if (maxIter < 1) throw new ArgumentException($"max_iter ({maxIter}) must be positive");
        if (!(tol >= 0)) throw new ArgumentException($"tol ({tol}) must be ≥ 0");
        int bad = Array.FindIndex(points, v => !double.IsFinite(v));
        if (bad >= 0) throw new ArgumentException($"point {bad / nFeatures} has a non-finite value ({points[bad]})");

        double shiftTol = tol * MeanVariance(points, nFeatures);
        var rng = new Random(seed);
        KMeansResult? best = null;
        for (int run = 0; run < nInit; run++)
        {
            var result = Lloyd(points, nFeatures, PlusPlus(points, nFeatures, nClusters, rng), maxIter, shiftTol);
            if (best == null || result.Inertia < best.Inertia) best = result;
        }
        return best!;
    }

    /// <summary>The index of the centroid nearest to <paramref name="point"/> (squared Euclidean; ties → lowest index).</summary>
    public static int Nearest(ReadOnlySpan<double> point, double[][] centroids, out double distance2)
    {
        int best = 0;
        distance2 = double.PositiveInfinity;
        for (int j = 0; j < centroids.Length; j++)
        {
            double d = Distance2(point, centroids[j]);
            if (d < distance2) { distance2 = d; best = j; }
        }
        return best;
    }

    /// <summary>k-means++: the first centre uniformly, each next one with probability ∝ squared distance to the nearest.</summary>
    private static double[][] PlusPlus(double[] points, int d, int k, Random rng)
    {
        int n = points.Length / d;
        var centroids = new double[k][];
        centroids[0] = Row(points, d, rng.Next(n)).ToArray();
        var d2 = new double[n];
        for (int i = 0; i < n; i++) d2[i] = Distance2(Row(points, d, i), centroids[0]);
        for (int j = 1; j < k; j++)
        {
            double total = 0;
            foreach (double v in d2) total += v;
            int pick = n - 1;
            if (total > 0)
            {
                double target = rng.NextDouble() * total, cum = 0;
                for (int i = 0; i < n; i++)
                {
                    cum += d2[i];
                    if (cum > target) { pick = i; break; }
                }
            }
            else pick = rng.Next(n); // fewer distinct points than clusters: duplicates are unavoidable
            centroids[j] = Row(points, d, pick).ToArray();
            for (int i = 0; i < n; i++) d2[i] = Math.Min(d2[i], Distance2(Row(points, d, i), centroids[j]));
        }
        return centroids;
    }

    private static KMeansResult Lloyd(double[] points, int d, double[][] centroids, int maxIter, double shiftTol)
    {
        int n = points.Length / d;
        var labels = new int[n];
        var dist2 = new double[n];
        Array.Fill(labels, -1);
        Assign(points, d, centroids, labels, dist2);
        int iter = 0;
        while (iter < maxIter)
        {
            iter++;
            double shift = Update(points, d, centroids, labels, dist2);
            // Assign after every update, so the labels returned belong to the centroids returned.
            if (!Assign(points, d, centroids, labels, dist2) || shift <= shiftTol) break;
        }
        double inertia = 0;
        foreach (double v in dist2) inertia += v;
        return new KMeansResult(centroids, labels, inertia, iter);
    }

    /// <summary>Labels every point with its nearest centroid; true when any label changed.</summary>
    private static bool Assign(double[] points, int d, double[][] centroids, int[] labels, double[] dist2)
    {
        int n = labels.Length, changed = 0;
        Parallel.ForEach(Partitioner.Create(0, n, Math.Max(1024, n / (4 * Environment.ProcessorCount) + 1)), range =>
        {
            bool any = false;
            for (int i = range.Item1; i < range.Item2; i++)
            {
                int j = Nearest(Row(points, d, i), centroids, out dist2[i]);
                if (j != labels[i]) { labels[i] = j; any = true; }
            }
            if (any) Volatile.Write(ref changed, 1);
        });
        return changed != 0;
    }

    /// <summary>
    /// Moves each centroid to its points' mean (an empty cluster takes the point farthest from its centroid); returns
    /// Σ squared centroid shifts.
    /// </summary>
    private static double Update(double[] points, int d, double[][] centroids, int[] labels, double[] dist2)
    {
        int n = labels.Length, k = centroids.Length;
        var counts = new int[k];
        var old = centroids.Select(c => (double[])c.Clone()).ToArray();
        foreach (var c in centroids) Array.Clear(c);
        for (int i = 0; i < n; i++)
        {
            var c = centroids[labels[i]];
            var x = Row(points, d, i);
            for (int f = 0; f < d; f++) c[f] += x[f];
            counts[labels[i]]++;
        }
        for (int j = 0; j < k; j++)
        {
            if (counts[j] > 0)
            {
                for (int f = 0; f < d; f++) centroids[j][f] /= counts[j];
                continue;
            }
            int far = 0;
            for (int i = 1; i < n; i++) if (dist2[i] > dist2[far]) far = i;
            Row(points, d, far).CopyTo(centroids[j]);
            dist2[far] = 0; // not taken twice; its new label comes with the next assignment
        }
        double shift = 0;
        for (int j = 0; j < k; j++) shift += Distance2(old[j], centroids[j]);
        return shift;
    }

    /// <summary>Mean over features of each feature's variance: the scale sklearn's tol is relative to.</summary>
    private static double MeanVariance(double[] points, int d)
    {
        int n = points.Length / d;
        double total = 0;
        for (int f = 0; f < d; f++)
        {
            double mean = 0, ss = 0;
            for (int i = 0; i < n; i++) mean += points[i * d + f];
            mean /= n;
            for (int i = 0; i < n; i++) ss += (points[i * d + f] - mean) * (points[i * d + f] - mean);
            total += ss / n;
        }
        return total / d;
    }

    private static ReadOnlySpan<double> Row(double[] points, int d, int i) => points.AsSpan(i * d, d);

    private static double Distance2(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s = 0;
        for (int f = 0; f < a.Length; f++)
        {
            double t = a[f] - b[f];
            s += t * t;
        }
        return s;
    }
}
