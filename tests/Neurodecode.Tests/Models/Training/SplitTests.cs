using Neurodecode.Ingest.Datasets;
using Neurodecode.Models.Training;
using Neurodecode.Preprocess.Windows;

namespace Neurodecode.Tests.Models.Training;

public class SplitTests
{
    /// <summary>The subjects of the shared EEGMMIDB sample, as RecordingNames reads them from the file names.</summary>
    private static string[] SharedSubjects() =>
        Directory.GetFiles(TestPaths.Shared("eegmmidb"), "*.edf", SearchOption.AllDirectories)
            .Select(f => RecordingNames.Parse(f).Subject!).Distinct().Order(StringComparer.Ordinal).ToArray();

    private static WindowInfo W(string subject, long classId, string? session = null) =>
        new($"S{subject}R04.edf", subject, session, 4, 0.0, null, classId);

    [Fact]
    public void SplitMix64_matches_the_reference_sequence()
    {
        // Vigna's splitmix64.c from state 0.
        var g = new SplitMix64(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, g.NextUInt64());
        Assert.Equal(0x6E789E6AA1B965F4UL, g.NextUInt64());
        Assert.Equal(0x06C45D188009454FUL, g.NextUInt64());
    }

    [Fact]
    public void SplitMix64_draws_are_in_range_and_roughly_uniform()
    {
        var g = new SplitMix64(7);
        var counts = new int[6];
        for (int i = 0; i < 60000; i++) counts[g.NextInt(6)]++;
        Assert.All(counts, c => Assert.InRange(c, 9500, 10500));
        Assert.Equal(Enumerable.Range(0, 50), new SplitMix64(3).Permutation(50).Order());
    }

    [Fact]
    public void Seeded_split_of_the_shared_subjects_is_deterministic_disjoint_and_complete()
    {
        var subjects = SharedSubjects();
        Assert.Equal(13, subjects.Length);
        var spec = new SubjectSplitSpec(NVal: 2, NTest: 3, Seed: 42);
        var a = spec.Resolve(subjects);
        var b = spec.Resolve(subjects.Reverse());  // input order does not matter
        Assert.Equal(a.ToJson(), b.ToJson());
        Assert.Equal((8, 2, 3), (a.Train.Count, a.Val.Count, a.Test.Count));
        Assert.Empty(a.Train.Intersect(a.Val).Concat(a.Train.Intersect(a.Test)).Concat(a.Val.Intersect(a.Test)));
        Assert.Equal(subjects, a.Train.Concat(a.Val).Concat(a.Test).Order(StringComparer.Ordinal));
        Assert.Equal(a.Train.Order(StringComparer.Ordinal), a.Train);

        var seeds = Enumerable.Range(0, 10).Select(s => (spec with { Seed = s }).Resolve(subjects).ToJson()).Distinct().Count();
        Assert.True(seeds > 5, $"10 seeds gave only {seeds} different splits");
    }

    [Fact]
    public void Unshuffled_split_is_cbramods_sorted_slices()
    {
        var subjects = Enumerable.Range(1, 109).Select(i => i.ToString("000")).Reverse();
        var split = new SubjectSplitSpec(NVal: 19, NTest: 20, Shuffle: false).Resolve(subjects);
        Assert.Equal(Enumerable.Range(1, 70).Select(i => i.ToString("000")), split.Train);
        Assert.Equal(Enumerable.Range(71, 19).Select(i => i.ToString("000")), split.Val);
        Assert.Equal(Enumerable.Range(90, 20).Select(i => i.ToString("000")), split.Test);
    }

    [Fact]
    public void Fractions_round_up_like_train_test_split()
    {
        var split = new SubjectSplitSpec(ValFraction: 0.15, TestFraction: 0.2, Seed: 1).Resolve(SharedSubjects());
        Assert.Equal((2, 3), (split.Val.Count, split.Test.Count));  // ceil(1.95), ceil(2.6)
    }

    [Fact]
    public void Explicit_lists_default_train_to_the_rest_and_round_trip()
    {
        var subjects = SharedSubjects();
        var split = new SubjectSplitSpec(Val: ["011", "012"], Test: ["015", "010"]).Resolve(subjects);
        Assert.Equal(["010", "015"], split.Test);
        Assert.Equal(subjects.Take(9), split.Train);
        var back = SubjectSplit.FromJson(split.ToJson());
        Assert.Equal(split.Train, back.Train);
        Assert.Equal(split.Val, back.Val);
        Assert.Equal(split.Test, back.Test);
        Assert.Contains("\"train\": [", split.ToJson());
    }

    [Fact]
    public void Spec_reads_from_a_run_config()
    {
        var spec = System.Text.Json.JsonSerializer.Deserialize<SubjectSplitSpec>(
            """{"n_val": 2, "n_test": 3, "seed": 42}""", Metrics.Json)!;
        Assert.Equal(new SubjectSplitSpec(NVal: 2, NTest: 3, Seed: 42).Resolve(SharedSubjects()).ToJson(), spec.Resolve(SharedSubjects()).ToJson());
        var lists = System.Text.Json.JsonSerializer.Deserialize<SubjectSplitSpec>(
            """{"val": ["011"], "test": ["015"]}""", Metrics.Json)!;
        Assert.Equal(["015"], lists.Resolve(SharedSubjects()).Test);
        Assert.ThrowsAny<System.Text.Json.JsonException>(() =>
            System.Text.Json.JsonSerializer.Deserialize<SubjectSplitSpec>("""{"n_vall": 2}""", Metrics.Json));
    }

    [Fact]
    public void Bad_splits_name_the_subjects()
    {
        var subjects = SharedSubjects();
        Assert.Contains("subject 011 is in both val and test",
            Assert.Throws<ArgumentException>(() => new SubjectSplitSpec(Val: ["011"], Test: ["011"]).Resolve(subjects)).Message);
        Assert.Contains("no windows: 099",
            Assert.Throws<ArgumentException>(() => new SubjectSplitSpec(Val: ["099"], Test: ["001"]).Resolve(subjects)).Message);
        Assert.Contains("not both",
            Assert.Throws<ArgumentException>(() => new SubjectSplitSpec(Val: ["002"], Test: ["001"], NVal: 2).Resolve(subjects)).Message);
        Assert.Contains("leave none of the 13",
            Assert.Throws<ArgumentException>(() => new SubjectSplitSpec(NVal: 7, NTest: 6).Resolve(subjects)).Message);
        Assert.Contains("n_val (14)",
            Assert.Throws<ArgumentException>(() => new SubjectSplitSpec(NVal: 14).Resolve(subjects)).Message);
    }

    [Fact]
    public void Assign_puts_every_window_of_a_subject_in_one_part()
    {
        var windows = new[] { W("001", 0), W("002", 1), W("003", 0), W("001", 1), W("004", 0) };
        var split = new SubjectSplit(["001", "002"], ["003"], ["004"]);
        var idx = split.Assign(windows);
        Assert.Equal([0, 1, 3], idx.Train);
        Assert.Equal([2], idx.Val);
        Assert.Equal([4], idx.Test);
        var noSubject = new[] { new WindowInfo("x.edf", null, null, null, 1.5, null, 0) };
        Assert.Contains("x.edf, onset 1.5 s", Assert.Throws<ArgumentException>(() => split.Assign(noSubject)).Message);
    }

    private static List<WindowInfo> Unbalanced()
    {
        // Two subjects, four classes with unequal counts (13, 11, 9, 7 and 10, 10, 10, 5), interleaved.
        var windows = new List<WindowInfo>();
        int[][] counts = [[13, 11, 9, 7], [10, 10, 10, 5]];
        for (int s = 0; s < 2; s++)
        {
            var left = (int[])counts[s].Clone();
            for (int i = 0; left.Any(c => c > 0); i++)
                if (left[i % 4] > 0) { windows.Add(W(s == 0 ? "001" : "002", i % 4)); left[i % 4]--; }
        }
        return windows;
    }

    [Fact]
    public void Within_subject_folds_partition_each_subject_and_are_stratified()
    {
        var windows = Unbalanced();
        var folds = WithinSubjectKFold.Split(windows, 5, seed: 42);
        Assert.Equal(10, folds.Count);
        foreach (var group in folds.GroupBy(f => f.Subject))
        {
            var mine = Enumerable.Range(0, windows.Count).Where(i => windows[i].Subject == group.Key).ToArray();
            // test folds partition the subject's windows; each fold trains on the rest
            Assert.Equal(mine, group.SelectMany(f => f.Test).Order());
            foreach (var f in group)
            {
                Assert.Empty(f.Val);
                Assert.Equal(mine, f.Train.Concat(f.Test).Order());
                Assert.Empty(f.Train.Intersect(f.Test));
            }
            // every class's windows are spread over the folds as evenly as possible
            foreach (var cls in mine.GroupBy(i => windows[i].ClassId))
            {
                var perFold = group.Select(f => f.Test.Count(i => windows[i].ClassId == cls.Key)).ToArray();
                Assert.True(perFold.Max() - perFold.Min() <= 1, $"subject {group.Key} class {cls.Key}: {string.Join(",", perFold)}");
            }
            var sizes = group.Select(f => f.Test.Length).ToArray();
            Assert.True(sizes.Max() - sizes.Min() <= 1, $"fold sizes {string.Join(",", sizes)}");
        }
    }

    [Fact]
    public void Within_subject_folds_are_deterministic_and_seeded()
    {
        var windows = Unbalanced();
        string a = WithinSubjectKFold.ToJson(WithinSubjectKFold.Split(windows, 5, seed: 1));
        Assert.Equal(a, WithinSubjectKFold.ToJson(WithinSubjectKFold.Split(windows, 5, seed: 1)));
        Assert.NotEqual(a, WithinSubjectKFold.ToJson(WithinSubjectKFold.Split(windows, 5, seed: 2)));

        // A subject's folds do not depend on the other subjects.
        var onlyFirst = windows.Where(w => w.Subject == "001").ToList();
        var alone = WithinSubjectKFold.Split(onlyFirst, 5, seed: 1);
        var together = WithinSubjectKFold.Split(windows, 5, seed: 1).Where(f => f.Subject == "001").ToList();
        Assert.Equal(alone.Select(f => f.Test), together.Select(f => f.Test));

        var back = WithinSubjectKFold.FromJson(a);
        Assert.Equal(WithinSubjectKFold.Split(windows, 5, seed: 1).Select(f => f.Test), back.Select(f => f.Test));
    }

    [Fact]
    public void Validation_fold_is_held_out_of_training()
    {
        var windows = Unbalanced();
        var folds = WithinSubjectKFold.Split(windows, 5, seed: 3, validationFold: true);
        foreach (var group in folds.GroupBy(f => f.Subject))
        {
            var byFold = group.ToDictionary(f => f.Fold);
            foreach (var f in group)
            {
                Assert.Equal(byFold[(f.Fold + 1) % 5].Test, f.Val);
                Assert.Empty(f.Train.Intersect(f.Val));
                Assert.Equal(group.SelectMany(g => g.Test).Order(), f.Train.Concat(f.Val).Concat(f.Test).Order());
            }
        }
    }

    [Fact]
    public void Within_subject_sessions_are_folded_apart_and_bad_k_is_named()
    {
        var windows = Enumerable.Range(0, 20).Select(i => W("001", i % 2, session: i < 10 ? "1" : "2")).ToList();
        var folds = WithinSubjectKFold.Split(windows, 2, seed: 0);
        Assert.Equal(4, folds.Count);
        Assert.All(folds, f => Assert.All(f.Test, i => Assert.Equal(f.Session, windows[i].Session)));
        Assert.Contains("subject 001 session 1: k (11) is more than its 10 windows",
            Assert.Throws<ArgumentException>(() => WithinSubjectKFold.Split(windows, 11, 0)).Message);
        Assert.Contains("k (6) is more than the windows of every class",
            Assert.Throws<ArgumentException>(() => WithinSubjectKFold.Split(windows, 6, 0)).Message);
        Assert.Contains("at least 3", Assert.Throws<ArgumentException>(() => WithinSubjectKFold.Split(windows, 2, 0, validationFold: true)).Message);
    }
}
