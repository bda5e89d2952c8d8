using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Win32.SafeHandles;
using Neurodecode.Ingest.Numerics;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Formats.Edf;

/// <summary>
/// An EDF/EDF+/BDF/BDF+ recording read as MNE 1.3's <c>read_raw_edf</c>/<c>read_raw_bdf</c> (defaults) reads it:
/// annotation signals become <see cref="Recording.Annotations"/>, channels named status/trigger are stim, every value
/// is <c>((digital · cal) + offset) · gain</c> in float64, slower signals are upsampled per data record (FFT, as
/// <c>mne.filter.resample(npad=0)</c>; zero-order hold for stim), EDF+D records are concatenated as if contiguous.
/// <see cref="ReadSegment"/> reads only the data records covering the requested samples, with positional reads on
/// one file handle, so concurrent reads are safe and memory follows the block, not the file.
/// </summary>
public sealed class EdfReader : Recording
{
    /// <summary>Records are read in chunks of about this many bytes (at least one record).</summary>
    private const int ChunkBytes = 1 << 20;

    private readonly SafeFileHandle _file;
    private readonly EdfHeader _header;
    private readonly DataChannel[] _channels;
    private readonly int _bufLen;
    private readonly ResampledRecord?[] _lastResampled;

    private EdfReader(RecordingInfo info, IReadOnlyList<Annotation> annotations, SafeFileHandle file, EdfHeader header,
        DataChannel[] channels, int bufLen, IReadOnlyList<string> warnings)
        : base(info, annotations)
    {
        _file = file;
        _header = header;
        _channels = channels;
        _bufLen = bufLen;
        _lastResampled = new ResampledRecord?[channels.Length];
        Warnings = warnings;
    }

    /// <summary>The header as read (after MNE's fix-ups).</summary>
    public EdfHeader Header => _header;

    /// <summary>What MNE would have warned about while reading this file.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>How one data channel is decoded.</summary>
    private sealed record DataChannel(
        int Signal,          // index in the header's signal list
        long ByteOffset,     // offset of its samples inside a data record
        int SamplesPerRecord,
        double Cal,
        double Offset,
        double Gain,
        bool IsStim,
        int[]? HoldIndex);   // stim at another rate: for each output sample, the input sample it holds

    public static EdfReader Open(string path, EdfKind kind)
    {
        SafeFileHandle file;
        try
        {
            file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidRecordingException(path, e.Message, e);
        }
        try
        {
            return Open(path, kind, file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static EdfReader Open(string path, EdfKind kind, SafeFileHandle file)
    {
        var header = EdfHeader.Read(path, file, kind);
        var warnings = new List<string>(header.Warnings);
        var signals = header.Signals;
        var dataSignals = signals.Where(s => !s.IsAnnotation).ToArray();
        var talSignals = signals.Where(s => s.IsAnnotation).ToArray();
        if (dataSignals.Length == 0)
            throw new InvalidRecordingException(path,
                $"no data signals (only {string.Join(", ", talSignals.Select(s => s.Label).Distinct())}); " +
                "read its annotations with an annotation reader");

        var names = UniqueNames(dataSignals.Select(s => s.Label).ToArray());
        var stim = StimIndices(names);

        // The rate: the fastest non-stim signal (all signals when every one is stim).
        var rateSignals = Enumerable.Range(0, dataSignals.Length).Where(i => !stim.Contains(i)).ToArray();
        if (rateSignals.Length == 0)
            rateSignals = Enumerable.Range(0, dataSignals.Length).ToArray();
        int bufLen = rateSignals.Max(i => dataSignals[i].SamplesPerRecord);
        double sfreq = bufLen * 1.0 / header.RecordDuration;
        if (!double.IsFinite(sfreq))
            throw new InvalidRecordingException(path,
                $"record duration = {header.RecordDuration} s gives a sampling rate of {sfreq} Hz (expected a finite rate)");
        long nSamples = checked(header.NRecords * bufLen);

        int bps = kind.BytesPerSample();
        var channels = new DataChannel[dataSignals.Length];
        var infos = new ChannelInfo[dataSignals.Length];
        for (int i = 0; i < dataSignals.Length; i++)
        {
            var s = dataSignals[i];
            double range = s.DigitalMax - s.DigitalMin;
            if (!double.IsFinite(range) || range == 0)
            {
                warnings.Add($"signal {s.Index + 1} '{s.Label}': digital minimum = maximum = {s.DigitalMin}; scaling factor set to 1 as MNE does");
                range = 1;
            }
            double physical = s.PhysicalMax - s.PhysicalMin;
            if (physical == 0)
            {
                warnings.Add($"signal {s.Index + 1} '{s.Label}': physical minimum = maximum = {s.PhysicalMin}; physical range set to 1 as MNE does");
                physical = 1;
            }
            double cal = physical / range;
            double offset = s.PhysicalMin - s.DigitalMin * cal;
            double gain = EdfConstants.UnitGain(s.PhysicalDimension);
            bool isStim = stim.Contains(i);
            if (isStim)
            {
                gain = 1;
                if (kind == EdfKind.Bdf)
                    (cal, offset) = (1, 0);
            }
            int[]? hold = isStim && s.SamplesPerRecord != bufLen ? HoldIndex(s.SamplesPerRecord, bufLen) : null;
            channels[i] = new DataChannel(s.Index, header.SampleOffsets[s.Index] * bps, s.SamplesPerRecord, cal, offset,
                gain, isStim, hold);
            infos[i] = new ChannelInfo(names[i], isStim ? ChannelKind.Stim : ChannelKind.Eeg, isStim ? "NA" : "V",
                s.SamplesPerRecord * 1.0 / header.RecordDuration, MneUnits.OrigUnit(s.PhysicalDimension), s.PhysicalMin, s.PhysicalMax);
        }

        List<Annotation> annotations;
        try
        {
            annotations = talSignals.Length == 0
                ? []
                : RawAnnotations.Set(ReadAnnotations(path, file, header, talSignals), nSamples, sfreq);
        }
        catch (OverflowException e)
        {
            throw new InvalidRecordingException(path, $"{talSignals[0].Label}: {e.Message}", e);
        }

        var (subject, session, run) = Datasets.RecordingNames.Parse(path);
        var info = new RecordingInfo(kind.FormatName(), path, sfreq, nSamples, infos, header.MeasDate)
        {
            Subject = subject,
            Session = session,
            Run = run,
        };
        return new EdfReader(info, annotations, file, header, channels, bufLen, warnings);
    }

    public override void Dispose()
    {
        _file.Dispose();
        base.Dispose();
    }

    // ---- samples --------------------------------------------------------------------------------------------

    protected override void ReadSegment(long start, int count, IReadOnlyList<int> picks, Span<double> dest)
    {
        if (count == 0)
            return;
        long recordBytes = _header.RecordBytes;
        long firstRecord = start / _bufLen;
        long lastRecord = (start + count - 1) / _bufLen; // inclusive
        int perChunk = (int)Math.Clamp(ChunkBytes / recordBytes, 1, lastRecord - firstRecord + 1);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(checked((int)(perChunk * recordBytes)));
        double[] scratch = [];
        try
        {
            for (long r0 = firstRecord; r0 <= lastRecord; r0 += perChunk)
            {
                int n = (int)Math.Min(perChunk, lastRecord - r0 + 1);
                var bytes = buffer.AsSpan(0, checked((int)(n * recordBytes)));
                ReadExactly(bytes, _header.HeaderBytes + r0 * recordBytes);
                for (int k = 0; k < n; k++)
                {
                    long recordStart = (r0 + k) * _bufLen;
                    int s0 = (int)Math.Max(start - recordStart, 0);
                    int s1 = (int)Math.Min(start + count - recordStart, _bufLen);
                    var record = bytes.Slice((int)(k * recordBytes), (int)recordBytes);
                    int destOffset = (int)(recordStart + s0 - start);
                    for (int p = 0; p < picks.Count; p++)
                    {
                        var ch = _channels[picks[p]];
                        var output = dest.Slice(p * count + destOffset, s1 - s0);
                        if (ch.SamplesPerRecord == _bufLen)
                            DecodeFullRate(ch, record, s0, output);
                        else
                            DecodeOtherRate(ch, picks[p], r0 + k, record, s0, output, ref scratch);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void ReadExactly(Span<byte> bytes, long offset)
    {
        while (bytes.Length > 0)
        {
            int n = RandomAccess.Read(_file, bytes, offset);
            if (n == 0)
                throw new InvalidRecordingException(Info.SourcePath, $"file ended at byte {offset} inside a data record (changed while open?)");
            bytes = bytes[n..];
            offset += n;
        }
    }

    /// <summary>Samples [s0, s0 + output.Length) of a channel at the recording's rate.</summary>
    private void DecodeFullRate(DataChannel ch, ReadOnlySpan<byte> record, int s0, Span<double> output)
    {
        int bps = _header.Kind.BytesPerSample();
        var raw = record.Slice((int)ch.ByteOffset + s0 * bps, output.Length * bps);
        double cal = ch.Cal, off = ch.Offset, gain = ch.Gain;
        if (_header.Kind == EdfKind.Edf)
            ScaleInt16(raw, cal, off, gain, output);
        else
            ScaleInt24(raw, cal, off, gain, output);
        if (ch.IsStim)
            for (int i = 0; i < output.Length; i++)
                output[i] = (long)output[i] & EdfConstants.StimMask;
    }

    /// <summary>A slower (or faster stim) channel: the whole record is scaled, then brought to the record length.</summary>
    private void DecodeOtherRate(DataChannel ch, int channel, long recordIndex, ReadOnlySpan<byte> record, int s0,
        Span<double> output, ref double[] scratch)
    {
        if (ch.HoldIndex is null && _lastResampled[channel] is { } memo && memo.Record == recordIndex)
        {
            memo.Values.AsSpan(s0, output.Length).CopyTo(output);
            return;
        }
        int bps = _header.Kind.BytesPerSample();
        int n = ch.SamplesPerRecord;
        if (scratch.Length < n)
            scratch = new double[n];
        var values = scratch.AsSpan(0, n);
        var raw = record.Slice((int)ch.ByteOffset, n * bps);
        if (_header.Kind == EdfKind.Edf)
            ScaleInt16(raw, ch.Cal, ch.Offset, ch.Gain, values);
        else
            ScaleInt24(raw, ch.Cal, ch.Offset, ch.Gain, values);

        if (ch.HoldIndex is { } hold)
        {
            for (int i = 0; i < output.Length; i++)
            {
                int j = hold[s0 + i];
                output[i] = j < n ? values[j] : 0.0;
            }
            return;
        }
        // mne.filter.resample(record, up=buf_len, down=n, npad=0): each record on its own, as MNE does.
        var full = new double[_bufLen];
        FourierResample.Resample(values, full);
        full.AsSpan(s0, output.Length).CopyTo(output);
        _lastResampled[channel] = new ResampledRecord(recordIndex, full);
    }

    /// <summary>The last record of a slower channel after resampling: reads in small blocks resample each record
    /// once. Published whole (an immutable pair), so concurrent readers need no lock.</summary>
    private sealed record ResampledRecord(long Record, double[] Values);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScaleInt16(ReadOnlySpan<byte> raw, double cal, double offset, double gain, Span<double> output)
    {
        if (BitConverter.IsLittleEndian)
        {
            var samples = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, short>(raw);
            for (int i = 0; i < output.Length; i++)
                output[i] = (samples[i] * cal + offset) * gain;
        }
        else
        {
            for (int i = 0; i < output.Length; i++)
                output[i] = (System.Buffers.Binary.BinaryPrimitives.ReadInt16LittleEndian(raw[(2 * i)..]) * cal + offset) * gain;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScaleInt24(ReadOnlySpan<byte> raw, double cal, double offset, double gain, Span<double> output)
    {
        for (int i = 0, b = 0; i < output.Length; i++, b += 3)
        {
            int d = raw[b] | (raw[b + 1] << 8) | ((sbyte)raw[b + 2] << 16);
            output[i] = (d * cal + offset) * gain;
        }
    }

    /// <summary>
    /// <c>interp1d(linspace(0, 1, n + 1), append(x, 0), kind='zero')(linspace(0, 1, bufLen, endpoint=False))</c>:
    /// output sample j holds input sample i with old[i] &lt;= new[j] &lt; old[i + 1] (index n is the appended 0).
    /// </summary>
    private static int[] HoldIndex(int n, int bufLen)
    {
        var old = new double[n + 1];
        double stepOld = 1.0 / n;
        for (int i = 0; i <= n; i++)
            old[i] = i * stepOld;
        old[n] = 1.0;
        double stepNew = 1.0 / bufLen;
        var index = new int[bufLen];
        int k = 0;
        for (int j = 0; j < bufLen; j++)
        {
            double x = j * stepNew;
            while (k + 1 <= n && old[k + 1] <= x)
                k++;
            index[j] = Math.Min(k, n);
        }
        return index;
    }

    // ---- channels, annotations, names -----------------------------------------------------------------------

    /// <summary>MNE's <c>_unique_channel_names</c>: every copy of a repeated name gets <c>-0</c>, <c>-1</c> ... (or
    /// <c>-a</c>, <c>-b</c> ... when that name is taken).</summary>
    private static string[] UniqueNames(string[] labels)
    {
        var names = (string[])labels.Clone();
        var duplicated = labels.Where((l, i) => Array.IndexOf(labels, l) != i).Distinct().ToList();
        foreach (var stem in duplicated)
        {
            var overlaps = Enumerable.Range(0, names.Length).Where(i => names[i] == stem).ToArray();
            for (int idx = 0; idx < overlaps.Length; idx++)
            {
                string candidate = stem;
                foreach (var suffix in new[] { idx.ToString() }.Concat("abcdefghijklmnopqrstuvwxyz".Select(c => c.ToString())))
                {
                    candidate = $"{stem}-{suffix}";
                    if (!names.Contains(candidate))
                        break;
                }
                names[overlaps[idx]] = candidate;
            }
        }
        return names;
    }

    /// <summary>MNE's <c>stim_channel='auto'</c>: the first channel named status and the first named trigger.</summary>
    private static HashSet<int> StimIndices(string[] names)
    {
        var lower = names.Select(n => n.ToLowerInvariant()).ToList();
        var stim = new HashSet<int>();
        foreach (var label in EdfConstants.StimLabels)
        {
            int i = lower.IndexOf(label);
            if (i >= 0)
                stim.Add(i);
        }
        return stim;
    }

    /// <summary>
    /// The TAL bytes MNE parses: for each batch of records (~10 MiB), each annotation signal's bytes of those records
    /// in order. Only the annotation signals' bytes are read (one positional read per record).
    /// </summary>
    private static List<Annotation> ReadAnnotations(string path, SafeFileHandle file, EdfHeader header,
        EdfSignalHeader[] talSignals)
    {
        int bps = header.Kind.BytesPerSample();
        long recordBytes = header.RecordBytes;
        long batch = Math.Max(EdfConstants.MneReadBatchBytes / recordBytes, 1);
        long first = header.SampleOffsets[talSignals[0].Index] * bps;
        var last = talSignals[^1];
        long spanEnd = (header.SampleOffsets[last.Index] + last.SamplesPerRecord) * bps;
        var span = new byte[spanEnd - first];
        var tal = new MemoryStream();
        for (long b0 = 0; b0 < header.NRecords; b0 += batch)
        {
            long b1 = Math.Min(b0 + batch, header.NRecords);
            if (talSignals.Length == 1)
            {
                for (long r = b0; r < b1; r++)
                {
                    ReadAt(path, file, span, header.HeaderBytes + r * recordBytes + first);
                    tal.Write(span);
                }
                continue;
            }
            // Several annotation signals: signal by signal within the batch, as MNE concatenates them.
            var perRecord = new byte[b1 - b0][];
            for (long r = b0; r < b1; r++)
            {
                ReadAt(path, file, span, header.HeaderBytes + r * recordBytes + first);
                perRecord[r - b0] = (byte[])span.Clone();
            }
            foreach (var s in talSignals)
            {
                int o = (int)(header.SampleOffsets[s.Index] * bps - first), len = s.SamplesPerRecord * bps;
                foreach (var rec in perRecord)
                    tal.Write(rec, o, len);
            }
        }
        try
        {
            return EdfAnnotations.ParseTal(tal.GetBuffer().AsSpan(0, (int)tal.Length));
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidRecordingException(path,
                $"{talSignals[0].Label}: annotation text is not valid UTF-8 (MNE 1.3 refuses it too)", e);
        }
    }

    private static void ReadAt(string path, SafeFileHandle file, Span<byte> bytes, long offset)
    {
        while (bytes.Length > 0)
        {
            int n = RandomAccess.Read(file, bytes, offset);
            if (n == 0)
                throw new InvalidRecordingException(path, $"file ended at byte {offset} inside a data record");
            bytes = bytes[n..];
            offset += n;
        }
    }
}
