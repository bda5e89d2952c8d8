using System.Text.Json;
using Neurodecode.Preprocess.Windows;

namespace Neurodecode.Models.Training;

/// <summary>Positions of windows (into the window list a split was applied to) for training, validation and test.</summary>
public sealed record SplitIndices(int[] Train, int[] Val, int[] Test);

/// <summary>
/// Subjects for training, validation and test: a subject's windows all go to one part, so validation and test
/// measure transfer to unseen people. Round-trips to JSON (<c>{"train": ["001", ...], "val": [...], "test": [...]}</c>),
/// which is what a run writes next to its metrics.
/// </summary>
public sealed record SubjectSplit(IReadOnlyList<string> Train, IReadOnlyList<string> Val, IReadOnlyList<string> Test)
{
    public string ToJson() => JsonSerializer.Serialize(this, Metrics.Json);

    public static SubjectSplit FromJson(string json) =>
        JsonSerializer.Deserialize<SubjectSplit>(json, Metrics.Json) ?? throw new JsonException("split JSON is null");

    /// <summary>The windows of each part, in window order. Windows of subjects in no part are left out (an explicit
    /// split may leave subjects unused); a window without a subject is an error naming its file.</summary>
    public SplitIndices Assign(IReadOnlyList<WindowInfo> windows)
    {
        var part = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var s in Train) part[s] = 0;
        foreach (var s in Val) part[s] = 1;
        foreach (var s in Test) part[s] = 2;
        var lists = new[] { new List<int>(), new List<int>(), new List<int>() };
        for (int i = 0; i < windows.Count; i++)
        {
            string subject = windows[i].Subject
                ?? throw new ArgumentException($"window {i} ({windows[i].File}, onset {windows[i].OnsetS} s) has no subject; a subject-wise split needs one");
            if (part.TryGetValue(subject, out int p)) lists[p].Add(i);
        }
        return new SplitIndices(lists[0].ToArray(), lists[1].ToArray(), lists[2].ToArray());
    }
}

/// <summary>
/// How to split subjects, as a run's config states it: either explicit lists (<see cref="Val"/> and
/// <see cref="Test"/>, with <see cref="Train"/> defaulting to every other subject), or sizes — counts
/// (<see cref="NVal"/>, <see cref="NTest"/>) or fractions (<see cref="ValFraction"/>, <see cref="TestFraction"/>,
/// rounded up as sklearn's <c>train_test_split</c> does). With sizes, subjects are sorted (ordinal) and, when
/// <see cref="Shuffle"/> is true, permuted with <see cref="Seed"/>; then the first go to training, the next to
/// validation and the rest to test. <c>shuffle: false</c> is CBraMod's PhysioNet-MI split (sorted subjects,
/// <c>[:70]</c> / <c>[70:89]</c> / <c>[89:]</c>).
/// </summary>
public sealed record SubjectSplitSpec(
    IReadOnlyList<string>? Train = null,
    IReadOnlyList<string>? Val = null,
    IReadOnlyList<string>? Test = null,
    int? NVal = null,
    int? NTest = null,
    double? ValFraction = null,
    double? TestFraction = null,
    bool Shuffle = true,
    long Seed = 0)
{
    /// <summary>The split for these subjects; errors name the unknown, repeated or overlapping subjects and the
    /// impossible sizes before anything is trained.</summary>
    public SubjectSplit Resolve(IEnumerable<string> subjects)
    {
        var all = subjects.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        bool explicitLists = Train is not null || Val is not null || Test is not null;
        bool sizes = NVal is not null || NTest is not null || ValFraction is not null || TestFraction is not null;
        if (explicitLists && sizes)
            throw new ArgumentException("give either subject lists (train/val/test) or sizes (n_val/n_test, val_fraction/test_fraction), not both");
        return explicitLists ? ResolveLists(all) : ResolveSizes(all);
    }

    private SubjectSplit ResolveLists(string[] all)
    {
        if (Val is null || Test is null)
            throw new ArgumentException("explicit subject lists need both val and test (train defaults to the other subjects)");
        var known = all.ToHashSet(StringComparer.Ordinal);
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        void Check(string part, IReadOnlyList<string> list)
        {
            var unknown = list.Where(s => !known.Contains(s)).ToArray();
            if (unknown.Length > 0)
                throw new ArgumentException($"{part} lists subjects with no windows: {string.Join(", ", unknown)} (known: {string.Join(", ", all)})");
            foreach (var s in list)
            {
                if (seen.TryGetValue(s, out var other))
                    throw new ArgumentException(other == part
                        ? $"subject {s} is listed twice in {part}"
                        : $"subject {s} is in both {other} and {part}");
                seen[s] = part;
            }
        }
        Check("val", Val);
        Check("test", Test);
        if (Train is not null) Check("train", Train);
        var train = Train ?? all.Where(s => !seen.ContainsKey(s)).ToArray();
        if (train.Count == 0) throw new ArgumentException("no subject left for training");
        return new SubjectSplit(Sorted(train), Sorted(Val), Sorted(Test));
    }

    private SubjectSplit ResolveSizes(string[] all)
    {
        int n = all.Length;
        int nVal = Size("val", NVal, ValFraction, n);
        int nTest = Size("test", NTest, TestFraction, n);
        int nTrain = n - nVal - nTest;
        if (nTrain < 1)
            throw new ArgumentException($"{nVal} validation + {nTest} test subjects leave none of the {n} for training");
        var order = (string[])all.Clone();
        if (Shuffle) new SplitMix64((ulong)Seed).Shuffle<string>(order);
        return new SubjectSplit(Sorted(order[..nTrain]), Sorted(order[nTrain..(nTrain + nVal)]), Sorted(order[(nTrain + nVal)..]));
    }

    private static int Size(string part, int? count, double? fraction, int n)
    {
        if (count is not null && fraction is not null)
            throw new ArgumentException($"give n_{part} or {part}_fraction, not both");
        if (count is int c)
        {
            if (c < 0 || c > n) throw new ArgumentException($"n_{part} ({c}) must be in 0..{n} (the number of subjects)");
            return c;
        }
        if (fraction is double f)
        {
            if (!(f >= 0 && f < 1)) throw new ArgumentException($"{part}_fraction ({f}) must be in [0, 1)");
            return (int)Math.Ceiling(f * n);
        }
        return 0;
    }

    private static string[] Sorted(IEnumerable<string> s) => s.Order(StringComparer.Ordinal).ToArray();
}

/// <summary>One fold of a within-subject cross-validation: windows of one subject (and session) only.</summary>
public sealed record WithinSubjectFold(string Subject, string? Session, int Fold, int[] Train, int[] Val, int[] Test);

/// <summary>
/// Within-subject k-fold as MOABB's <c>WithinSessionEvaluation</c> runs it: for each subject and session,
/// <c>StratifiedKFold(k, shuffle=True, random_state=seed)</c>. Fold sizes and per-class counts follow sklearn's
/// allocation (classes dealt round-robin over the sorted labels, each class's fold ids then shuffled); the
/// shuffle is <see cref="SplitMix64"/>, not NumPy's, so the folds are stratified like sklearn's but not the same
/// windows. Each group is shuffled from <c>seed</c> alone (as MOABB reuses one random_state), so adding a subject
/// leaves the others' folds unchanged.
/// </summary>
public static class WithinSubjectKFold
{
    /// <param name="windows">The windows (subject, session and class id per window).</param>
    /// <param name="k">Folds per subject and session (MOABB: 5).</param>
    /// <param name="seed">Shuffle seed.</param>
    /// <param name="validationFold">When true, fold (f+1) mod k of the training folds is held out as
    /// <see cref="WithinSubjectFold.Val"/> for model selection (needs k ≥ 3); otherwise Val is empty.</param>
    public static IReadOnlyList<WithinSubjectFold> Split(IReadOnlyList<WindowInfo> windows, int k, long seed,
        bool validationFold = false)
    {
        if (k < 2) throw new ArgumentException($"k ({k}) must be at least 2");
        if (validationFold && k < 3) throw new ArgumentException($"k ({k}) must be at least 3 to hold out a validation fold");
        var groups = new SortedDictionary<(string Subject, string Session), List<int>>(Comparer<(string, string)>.Create(
            (a, b) => string.CompareOrdinal(a.Item1, b.Item1) is int c && c != 0 ? c : string.CompareOrdinal(a.Item2, b.Item2)));
        for (int i = 0; i < windows.Count; i++)
        {
            var w = windows[i];
            string subject = w.Subject ?? throw new ArgumentException($"window {i} ({w.File}, onset {w.OnsetS} s) has no subject");
            if (w.ClassId < 0) throw new ArgumentException($"window {i} ({w.File}, onset {w.OnsetS} s) has no label");
            var key = (subject, w.Session ?? "");
            if (!groups.TryGetValue(key, out var list)) groups[key] = list = [];
            list.Add(i);
        }

        var folds = new List<WithinSubjectFold>();
        foreach (var ((subject, session), members) in groups)
        {
            string where = session.Length > 0 ? $"subject {subject} session {session}" : $"subject {subject}";
            var labels = members.Select(i => windows[i].ClassId).ToArray();
            int[] testFold = StratifiedFolds(labels, k, new SplitMix64((ulong)seed), where);
            for (int f = 0; f < k; f++)
            {
                int v = validationFold ? (f + 1) % k : -1;
                var test = new List<int>();
                var val = new List<int>();
                var train = new List<int>();
                for (int j = 0; j < members.Count; j++)
                    (testFold[j] == f ? test : testFold[j] == v ? val : train).Add(members[j]);
                folds.Add(new WithinSubjectFold(subject, session.Length > 0 ? session : null, f, train.ToArray(), val.ToArray(), test.ToArray()));
            }
        }
        return folds;
    }

    /// <summary>sklearn's <c>StratifiedKFold._make_test_folds</c>: the test fold of each sample.</summary>
    internal static int[] StratifiedFolds(long[] y, int k, SplitMix64 rng, string where)
    {
        if (k > y.Length)
            throw new ArgumentException($"{where}: k ({k}) is more than its {y.Length} windows");
        // classes numbered by first appearance, as sklearn encodes them
        var code = new Dictionary<long, int>();
        var encoded = new int[y.Length];
        for (int i = 0; i < y.Length; i++)
        {
            if (!code.TryGetValue(y[i], out int c)) code[y[i]] = c = code.Count;
            encoded[i] = c;
        }
        int nClasses = code.Count;
        var counts = new int[nClasses];
        foreach (int c in encoded) counts[c]++;
        if (counts.All(c => c < k))
            throw new ArgumentException($"{where}: k ({k}) is more than the windows of every class ({string.Join(", ", code.Keys.Select(l => $"class {l}: {counts[code[l]]}"))})");

        // Deal the sorted labels round-robin over the folds: allocation[f, c] windows of class c in fold f.
        var sorted = (int[])encoded.Clone();
        Array.Sort(sorted);
        var allocation = new int[k, nClasses];
        for (int i = 0; i < sorted.Length; i++) allocation[i % k, sorted[i]]++;

        var testFold = new int[y.Length];
        for (int c = 0; c < nClasses; c++)
        {
            var foldsForClass = new List<int>(counts[c]);
            for (int f = 0; f < k; f++)
                for (int r = 0; r < allocation[f, c]; r++) foldsForClass.Add(f);
            var arr = foldsForClass.ToArray();
            rng.Shuffle<int>(arr);
            int next = 0;
            for (int i = 0; i < y.Length; i++)
                if (encoded[i] == c) testFold[i] = arr[next++];
        }
        return testFold;
    }

    public static string ToJson(IReadOnlyList<WithinSubjectFold> folds) => JsonSerializer.Serialize(folds, Metrics.Json);

    public static IReadOnlyList<WithinSubjectFold> FromJson(string json) =>
        JsonSerializer.Deserialize<List<WithinSubjectFold>>(json, Metrics.Json) ?? throw new JsonException("folds JSON is null");
}
