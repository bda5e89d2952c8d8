using Neurodecode.Preprocess.Tokenizers;

namespace Neurodecode.Tests.Preprocess.Tokenizers;

public class KMeansTests
{
    private static readonly double[][] Centres = [[0, 0, 0], [10, 0, 0], [0, 10, 0], [0, 0, 10]];

    /// <summary>Four tight, far-apart blobs of 60 points each, interleaved; returns the points and each point's blob.</summary>
    private static (double[] Points, int[] Truth) Blobs(int seed)
    {
        var rng = new Random(seed);
        int n = 60 * Centres.Length;
        var points = new double[n * 3];
        var truth = new int[n];
        for (int i = 0; i < n; i++)
        {
            truth[i] = i % Centres.Length;
            for (int f = 0; f < 3; f++) points[i * 3 + f] = Centres[truth[i]][f] + (rng.NextDouble() - 0.5);
        }
        return (points, truth);
    }

    [Fact]
    public void Well_separated_clusters_are_found()
    {
        var (points, truth) = Blobs(1);
        var result = KMeans.Fit(points, nFeatures: 3, nClusters: 4, seed: 0, nInit: 3);

        // Same partition as the truth, up to renaming: one label per blob, four distinct labels.
        var labelOfBlob = Enumerable.Range(0, 4).Select(b => result.Labels.Where((_, i) => truth[i] == b).Distinct().Single()).ToArray();
        Assert.Equal(4, labelOfBlob.Distinct().Count());
        for (int b = 0; b < 4; b++)
            for (int f = 0; f < 3; f++) Assert.Equal(Centres[b][f], result.Centroids[labelOfBlob[b]][f], 0.2);
        for (int i = 0; i < truth.Length; i++)
            Assert.Equal(result.Labels[i], KMeans.Nearest(points.AsSpan(i * 3, 3), result.Centroids, out _));
        Assert.InRange(result.Inertia, 0, 1.5 * truth.Length * 3 / 12.0); // expected n·3·var(U(−½, ½))
    }

    [Fact]
    public void Same_seed_gives_the_same_codebook()
    {
        var (points, _) = Blobs(2);
        // More clusters than blobs, so the seeding matters.
        var a = KMeans.Fit(points, 3, 9, seed: 5);
        var b = KMeans.Fit(points, 3, 9, seed: 5);
        var c = KMeans.Fit(points, 3, 9, seed: 6);
        Assert.Equal(a.Labels, b.Labels);
        Assert.Equal(a.Inertia, b.Inertia);
        for (int j = 0; j < 9; j++) Assert.Equal(a.Centroids[j], b.Centroids[j]);
        Assert.NotEqual(a.Centroids.SelectMany(v => v), c.Centroids.SelectMany(v => v));
    }

    [Fact]
    public void Fewer_distinct_points_than_clusters_do_not_fail()
    {
        var points = new double[] { 1, 1, 1, 1, 5, 5 }; // 1-D: 1, 1, 1, 1, 5, 5
        var result = KMeans.Fit(points, 1, 3, seed: 0);
        Assert.Equal(0, result.Inertia);
        Assert.All(result.Centroids, c => Assert.Contains(c[0], new[] { 1.0, 5.0 }));
        Assert.Equal(2, result.Labels.Distinct().Count());
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Equal("n_clusters (5) is more than the 4 points",
            Assert.Throws<ArgumentException>(() => KMeans.Fit(new double[8], 2, 5, 0)).Message);
        Assert.Equal("points hold 7 values, not a multiple of n_features 2",
            Assert.Throws<ArgumentException>(() => KMeans.Fit(new double[7], 2, 1, 0)).Message);
        Assert.Equal("point 1 has a non-finite value (NaN)",
            Assert.Throws<ArgumentException>(() => KMeans.Fit([0, 0, double.NaN, 0], 2, 1, 0)).Message);
    }
}
