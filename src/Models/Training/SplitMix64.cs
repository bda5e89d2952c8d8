namespace Neurodecode.Models.Training;

/// <summary>
/// SplitMix64 (Steele, Lea &amp; Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014): the seeded
/// generator behind every split and shuffle here. Its sequence is fixed by this code, not by the .NET version
/// (<see cref="System.Random"/>'s seeded sequence is an implementation detail), so a seed written into a run
/// reproduces the same subjects, folds and batches anywhere.
/// </summary>
public sealed class SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, <paramref name="n"/>), unbiased (Lemire's multiply-and-reject).</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "must be positive");
        ulong range = (ulong)n;
        ulong threshold = (0UL - range) % range;
        while (true)
        {
            ulong high = Math.BigMul(NextUInt64(), range, out ulong low);
            if (low >= threshold) return (int)high;
        }
    }

    /// <summary>Fisher–Yates shuffle in place (from the last element down, like NumPy's <c>shuffle</c>).</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>0 .. n−1 in a random order.</summary>
    public int[] Permutation(int n)
    {
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        Shuffle<int>(p);
        return p;
    }

    /// <summary>A seed for a sub-stream (say, epoch <paramref name="stream"/> of a run seeded with
    /// <paramref name="seed"/>): distinct streams give unrelated sequences.</summary>
    public static ulong Derive(long seed, long stream)
    {
        var g = new SplitMix64((ulong)seed ^ 0x6A09E667F3BCC909UL);
        ulong a = g.NextUInt64();
        return new SplitMix64(a ^ (ulong)stream * 0x9E3779B97F4A7C15UL).NextUInt64();
    }
}
