namespace Neurodecode.Preprocess.Steps;

/// <summary>
/// Runs a whole-array operation on the data channels only (MNE filters EEG/MEG but leaves EOG, ECG, stim and misc
/// alone): directly when every channel is a data channel, else on a gathered copy that is scattered back.
/// </summary>
internal static class DataChannels
{
    public static void Apply(RawData raw, int[] picks, Action<double[], int> operation)
    {
        int n = raw.NTimes;
        if (picks.Length == raw.Info.NChannels)
        {
            operation(raw.Data, picks.Length);
            return;
        }
        var subset = GC.AllocateUninitializedArray<double>(picks.Length * n);
        for (int p = 0; p < picks.Length; p++)
            raw.Channel(picks[p]).CopyTo(subset.AsSpan(p * n, n));
        operation(subset, picks.Length);
        for (int p = 0; p < picks.Length; p++)
            subset.AsSpan(p * n, n).CopyTo(raw.Channel(picks[p]));
    }
}
