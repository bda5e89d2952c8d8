using Neurodecode.Ingest.Signals;
using Neurodecode.Preprocess.Steps;

namespace Neurodecode.Preprocess.Windows;

/// <summary>
/// Cuts a processed recording into windows: the plan (which samples, which label) is made first from annotations
/// alone, so every check runs before any sample is touched; <see cref="Cut"/> then copies, baselines and rejects.
/// </summary>
public sealed class WindowCutter
{
    private readonly IReadOnlyList<Window> _windows;
    private readonly IReadOnlyList<DroppedEpoch> _dropped;
    private readonly IReadOnlyList<string> _classes;
    private readonly EpochsSpec? _epochs;
    private readonly string _file;
    private readonly (string? Subject, string? Session, int? Run) _names;

    private WindowCutter(string file, (string?, string?, int?) names, IReadOnlyList<Window> windows,
        IReadOnlyList<DroppedEpoch> dropped, IReadOnlyList<string> classes, EpochsSpec? epochs)
    {
        (_file, _names, _windows, _dropped, _classes, _epochs) = (file, names, windows, dropped, classes, epochs);
    }

    public int NWindows => _windows.Count;

    /// <summary>
    /// Plans the windows of a recording whose processed signal is <paramref name="signal"/>. Throws
    /// <see cref="ArgumentException"/> for a rule that matches no run, an event that never occurs, or windows longer
    /// than the recording.
    /// </summary>
    public static WindowCutter Plan(PipelineSpec spec, SignalInfo signal, IReadOnlyList<Annotation> annotations,
        string file, string? subject, string? session, int? run)
    {
        var names = (subject, session, run);
        if (spec.Windows is { } sliding)
        {
            int length = (int)Math.Round(sliding.LengthS * signal.Sfreq), hop = (int)Math.Round(sliding.HopS * signal.Sfreq);
            if (length > signal.NTimes)
                throw new ArgumentException($"windows.length_s ({sliding.LengthS} s = {length} samples) is longer than the recording ({signal.NTimes} samples)");
            var classes = sliding.Label is null ? [] : new[] { sliding.Label };
            return new WindowCutter(file, names, EpochPlan.Sliding(signal.NTimes, length, hop), [], classes, null);
        }

        var epochs = spec.Epochs!;
        var rule = epochs.Events.FirstOrDefault(r => r.AppliesTo(run))
            ?? throw new ArgumentException($"epochs.events: no rule applies to run {(run?.ToString() ?? "(none in the file name)")}");
        var unknown = rule.Map.Values.Where(c => !epochs.Classes.Contains(c)).Distinct().ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"epochs.events maps to {string.Join(", ", unknown.Select(u => $"'{u}'"))}, not in classes ({string.Join(", ", epochs.Classes)})");
        var present = annotations.Select(a => a.Description).ToHashSet();
        var missing = rule.Map.Keys.Where(k => !present.Contains(k)).ToList();
        if (missing.Count > 0)
            throw new ArgumentException($"epochs.events: event {string.Join(", ", missing.Select(m => $"'{m}'"))} never occurs (annotations here: {string.Join(", ", present.Order().Select(p => $"'{p}'"))})");
        var eventId = rule.Map.ToDictionary(p => p.Key, p => epochs.Classes.ToList().IndexOf(p.Value));
        var events = Events.FromAnnotations(annotations, signal.Sfreq, eventId, signal.NTimes);
        long span = (long)Math.Round(epochs.Tmax * signal.Sfreq) - (long)Math.Round(epochs.Tmin * signal.Sfreq) + 1;
        if (span > signal.NTimes)
            throw new ArgumentException($"epochs tmin..tmax ({span} samples) is longer than the recording ({signal.NTimes} samples)");
        if (epochs.Baseline is { Count: not 2 })
            throw new ArgumentException("epochs.baseline must be [start, stop] in seconds (null for the epoch edge) or null");
        foreach (var kind in epochs.Reject?.Keys ?? [])
            ChannelKinds.Parse(kind);
        var (kept, dropped) = EpochPlan.Epochs(events, epochs.Tmin, epochs.Tmax, signal.Sfreq, signal.NTimes);
        return new WindowCutter(file, names, kept, dropped, epochs.Classes, epochs);
    }

    /// <summary>Copies the planned windows out of <paramref name="raw"/> as float32, applying baseline and rejection.</summary>
    public WindowSet Cut(RawData raw)
    {
        int nCh = raw.Info.NChannels;
        int len = _windows.Count > 0 ? _windows[0].Length : 0;
        int size = nCh * len;
        var x = new float[_windows.Count * size];
        var y = new List<long>();
        var infos = new List<WindowInfo>();
        var dropped = _dropped.Select(d => $"{Path.GetFileName(_file)}: {d.Event.Description} at {d.Event.Sample / raw.Info.Sfreq:0.###} s dropped ({d.Reason})").ToList();
        var epoch = new double[size];
        foreach (var w in _windows)
        {
            for (int c = 0; c < nCh; c++)
                raw.Channel(c).Slice((int)w.Start, len).CopyTo(epoch.AsSpan(c * len, len));
            if (_epochs?.Baseline is { } baseline)
                SubtractBaseline(epoch, nCh, len, baseline, raw.Info.Sfreq);
            if (Rejection(epoch, len, raw.Info) is { } reason)
            {
                dropped.Add($"{Path.GetFileName(_file)}: {w.Event?.Description} at {w.Start / raw.Info.Sfreq:0.###} s dropped ({reason})");
                continue;
            }
            var target = x.AsSpan(y.Count * size, size);
            for (int i = 0; i < size; i++)
                target[i] = (float)epoch[i];
            long classId = w.Event is { } e ? e.Id : _classes.Count > 0 ? 0 : -1;
            string? label = classId >= 0 ? _classes[(int)classId] : null;
            y.Add(classId);
            infos.Add(new WindowInfo(_file, _names.Subject, _names.Session, _names.Run, w.Start / raw.Info.Sfreq, label, classId));
        }
        if (y.Count < _windows.Count)
            Array.Resize(ref x, y.Count * size);
        return new WindowSet(nCh, len, x, y.ToArray(), infos, dropped);
    }

    /// <summary>MNE's baseline: the mean over [start, stop] (null = the epoch's edge, relative to the event) per channel.</summary>
    private void SubtractBaseline(double[] epoch, int nCh, int len, IReadOnlyList<double?> baseline, double sfreq)
    {
        double tmin = _epochs!.Tmin;
        int first = Math.Max(0, (int)Math.Round(((baseline[0] ?? tmin) - tmin) * sfreq));
        int last = Math.Min(len - 1, (int)Math.Round(((baseline[1] ?? _epochs.Tmax) - tmin) * sfreq));
        if (last < first)
            throw new ArgumentException($"epochs.baseline [{baseline[0]}, {baseline[1]}] selects no samples");
        for (int c = 0; c < nCh; c++)
        {
            var ch = epoch.AsSpan(c * len, len);
            double mean = System.Numerics.Tensors.TensorPrimitives.Sum<double>(ch.Slice(first, last - first + 1)) / (last - first + 1);
            System.Numerics.Tensors.TensorPrimitives.Subtract(ch, mean, ch);
        }
    }

    private string? Rejection(double[] epoch, int len, SignalInfo info)
    {
        if (_epochs?.Reject is not { Count: > 0 } reject)
            return null;
        for (int c = 0; c < info.NChannels; c++)
        {
            if (!reject.TryGetValue(info.Channels[c].Kind.MneName(), out double limit))
                continue;
            var ch = epoch.AsSpan(c * len, len);
            double ptp = System.Numerics.Tensors.TensorPrimitives.Max<double>(ch) - System.Numerics.Tensors.TensorPrimitives.Min<double>(ch);
            if (ptp > limit)
                return $"{info.Channels[c].Kind.MneName()}: peak-to-peak {ptp:G4} > {limit:G4} on '{info.Channels[c].Name}'";
        }
        return null;
    }
}
