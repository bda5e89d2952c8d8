using Neurodecode.Ingest.Signals;

namespace Neurodecode.Preprocess.Steps;

/// <summary>
/// Drops the first <see cref="N"/> samples (fMRI dummy scans, before the magnetization reaches steady state). Time
/// restarts at the first kept sample: annotations move earlier by N / sfreq and those that began before the cut are
/// dropped, so epochs and window onsets count from the first kept volume. Offline.
/// </summary>
public sealed record DropVolumesStep(int N) : Step
{
    public override ResolvedStep Resolve(SignalInfo input)
    {
        if (N < 1)
            throw new ArgumentException($"n ({N}) must be at least 1");
        if (N >= input.NTimes)
            throw new ArgumentException($"n ({N}) must be less than the number of samples ({input.NTimes})");
        return new Dropped(this, input with { NTimes = input.NTimes - N }, N);
    }

    private sealed class Dropped(Step spec, SignalInfo output, int n) : ResolvedStep(spec, output), IOfflineStep, IAnnotationShift
    {
        public RawData Apply(RawData raw)
        {
            int before = raw.NTimes, after = before - n, nCh = raw.Info.NChannels;
            var data = GC.AllocateUninitializedArray<double>(nCh * after);
            for (int c = 0; c < nCh; c++)
                raw.Data.AsSpan(c * before + n, after).CopyTo(data.AsSpan(c * after, after));
            return new RawData(raw.Info with { NTimes = after }, data, Shift(raw.Annotations, raw.Info.Sfreq));
        }

        public IReadOnlyList<Annotation> Shift(IReadOnlyList<Annotation> annotations, double sfreq)
        {
            double cut = n / sfreq;
            return annotations.Where(a => a.Onset >= cut).Select(a => a with { Onset = a.Onset - cut }).ToArray();
        }
    }
}

/// <summary>A step that changes where time 0 is: the window plan sees the annotations as the step leaves them.</summary>
public interface IAnnotationShift
{
    /// <summary>The annotations after the step, for a signal at <paramref name="sfreq"/> before it.</summary>
    IReadOnlyList<Annotation> Shift(IReadOnlyList<Annotation> annotations, double sfreq);
}
