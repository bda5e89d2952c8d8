using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using Microsoft.Win32.SafeHandles;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Formats.Fif;

/// <summary>
/// A FIF raw recording read as <c>mne.io.read_raw_fif(fname, allow_maxshield=True)</c> 1.3 reads it. Values are
/// <c>stored · (range · cal)</c> in float64, in the channel's SI unit, like <c>raw.get_data()</c>; sample 0 is the
/// file's first sample (FIFF_FIRST_SAMPLE, <see cref="FirstSamp"/>), so <see cref="RecordingInfo.NSamples"/> is MNE's
/// <c>n_times</c>. Data buffers are read on demand through an index (sample range → file offset): any range, any
/// thread, memory proportional to the block. Skipped buffers (FIFF_DATA_SKIP) read as zeros and are annotated
/// BAD_ACQ_SKIP, as MNE does.
/// </summary>
public sealed class FifRecording : Recording
{
    private const int ChunkBytes = 1 << 20;

    private readonly SafeFileHandle _file;
    private readonly string _path;
    private readonly int _nchan;
    private readonly double[] _cals;
    private readonly Buffer[] _buffers;   // contiguous, in sample order

    /// <summary>One data buffer (or a skip, <see cref="Type"/> 0): samples [Start, Start + NSamp) from the first sample.</summary>
    private readonly record struct Buffer(long Start, int NSamp, long DataPos, int Type);

    private FifRecording(RecordingInfo info, IReadOnlyList<Annotation> annotations, SafeFileHandle file, string path,
        double[] cals, Buffer[] buffers, long firstSamp, FifMeasInfo meas, bool maxShield) : base(info, annotations)
    {
        _file = file;
        _path = path;
        _nchan = cals.Length;
        _cals = cals;
        _buffers = buffers;
        FirstSamp = firstSamp;
        Bads = meas.Bads;
        Highpass = meas.Highpass;
        Lowpass = meas.Lowpass;
        CompGrade = meas.CompGrade;
        NComps = meas.NComps;
        MaxShield = maxShield;
    }

    /// <summary>MNE's <c>raw.first_samp</c>: the acquisition's sample number of sample 0.</summary>
    public long FirstSamp { get; }

    /// <summary><c>info['bads']</c>: channels marked bad in the file (only names present).</summary>
    public IReadOnlyList<string> Bads { get; }

    public double Highpass { get; }
    public double Lowpass { get; }

    /// <summary>The CTF compensation grade in effect (MNE's <c>get_current_comp</c>); null without MEG channels.</summary>
    public int? CompGrade { get; }

    /// <summary>Number of CTF compensation matrices stored (<c>len(info['comps'])</c>).</summary>
    public int NComps { get; }

    /// <summary>True for MaxShield (IAS) raw data, which MNE reads only with <c>allow_maxshield=True</c>.</summary>
    public bool MaxShield { get; }

    public static FifRecording Open(string path)
    {
        SafeFileHandle? file = null;
        try
        {
            file = OpenHandle(path);
            var tree = FifTree.Read(file, path);
            var meas = FifMeasInfo.Read(tree);
            var (buffers, firstSamp, maxShield) = IndexBuffers(tree, meas);
            long nSamples = buffers[^1].Start + buffers[^1].NSamp;
            double sfreq = meas.Sfreq;

            var channels = meas.Channels.Select(c => new ChannelInfo(c.Name,
                c.MneKind ?? throw new InvalidRecordingException(path, $"channel '{c.Name}': FIFF kind {c.Kind} (unit {c.Unit}, coil type {c.CoilType}) has no MNE channel type"),
                c.UnitName, sfreq)).ToArray();
            var duplicate = channels.GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
                throw new InvalidRecordingException(path, $"channel name '{duplicate.Key}' appears {duplicate.Count()} times");

            var annotations = RawAnnotations.Set(
                FifAnnotations.Read(tree, meas, firstSamp).Concat(SkipAnnotations(buffers, firstSamp, sfreq, meas.MeasDate is null)),
                nSamples, sfreq);
            var info = new RecordingInfo("fif", path, sfreq, nSamples, channels, meas.MeasDate) { FirstSamp = firstSamp };
            var recording = new FifRecording(info, annotations, file, path, meas.Channels.Select(c => c.Calibration).ToArray(),
                buffers, firstSamp, meas, maxShield);
            file = null;
            return recording;
        }
        catch (Exception e) when (e is not InvalidRecordingException and not OutOfMemoryException)
        {
            throw new InvalidRecordingException(path, $"cannot read FIF file ({e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")})", e);
        }
        finally
        {
            file?.Dispose();
        }
    }

    /// <summary>
    /// MNE's <c>_read_raw_file</c>: the raw data block (FIFFB_RAW_DATA, else FIFFB_CONTINUOUS_DATA, else MaxShield's
    /// FIFFB_IAS_RAW_DATA); an optional FIFF_FIRST_SAMPLE and initial FIFF_DATA_SKIP, then data buffers, each skip
    /// counting that many buffers of the next buffer's length.
    /// </summary>
    private static (Buffer[] Buffers, long FirstSamp, bool MaxShield) IndexBuffers(FifTree tree, FifMeasInfo meas)
    {
        bool maxShield = false;
        var nodes = meas.Meas.Find(FifConstants.BlockRawData).ToList();
        if (nodes.Count == 0)
            nodes = meas.Meas.Find(FifConstants.BlockContinuousData).ToList();
        if (nodes.Count == 0)
        {
            nodes = meas.Meas.Find(FifConstants.BlockIasRawData).ToList();
            maxShield = nodes.Count > 0;
        }
        if (nodes.Count != 1)
            throw new InvalidRecordingException(tree.Path, nodes.Count == 0 ? "no raw data block (FIFFB_RAW_DATA): not a raw recording (evoked, epochs or forward files are not read)"
                : $"{nodes.Count} raw data blocks (expected 1)");
        var tags = nodes[0].Tags;
        int nchan = meas.Channels.Count;
        int first = 0;
        long firstSamp = 0, firstSkip = 0, nskip = 0;
        if (tags.Count > first && tags[first].Kind == FifConstants.FirstSample)
            firstSamp = tree.ReadInt(tags[first++]);
        if (tags.Count > first && tags[first].Kind == FifConstants.DataSkip)
            firstSkip = tree.ReadInt(tags[first++]);

        var buffers = new List<Buffer>();
        long next = 0; // samples from the first sample
        for (int k = first; k < tags.Count; k++)
        {
            var tag = tags[k];
            if (tag.Kind == FifConstants.DataSkip)
            {
                nskip = tree.ReadInt(tag);
                continue;
            }
            if (tag.Kind != FifConstants.DataBuffer)
                continue;
            int bytes = tag.Type switch
            {
                FifConstants.TypeShort or FifConstants.TypeDauPack16 => 2,
                FifConstants.TypeInt or FifConstants.TypeFloat => 4,
                FifConstants.TypeDouble => 8,
                FifConstants.TypeComplexFloat or FifConstants.TypeComplexDouble =>
                    throw tree.Bad(tag, $"is a complex data buffer ({FifConstants.TypeName(tag.Type)}); complex raw data is not supported"),
                _ => throw tree.Bad(tag, $"is a data buffer of unknown data type {tag.Type} (expected short, int, float or double)"),
            };
            if (tag.Size % (bytes * nchan) != 0)
                throw tree.Bad(tag, $"is a data buffer of {tag.Size} bytes, not a whole number of {nchan}-channel {FifConstants.TypeName(tag.Type)} samples");
            int nsamp = tag.Size / (bytes * nchan);
            if (firstSkip > 0)
            {
                firstSamp += nsamp * firstSkip;
                firstSkip = 0;
            }
            if (nskip > 0)
            {
                buffers.Add(new Buffer(next, checked((int)(nskip * nsamp)), 0, 0));
                next += nskip * nsamp;
                nskip = 0;
            }
            buffers.Add(new Buffer(next, nsamp, tag.DataPos, tag.Type));
            next += nsamp;
        }
        if (next == 0)
            throw new InvalidRecordingException(tree.Path, "the raw data block holds no data buffers");
        return (buffers.ToArray(), firstSamp, maxShield);
    }

    /// <summary>MNE marks every skip BAD_ACQ_SKIP, at absolute sample / sfreq (from meas_date; with no meas_date the
    /// absolute onset is taken as is, as MNE 1.3 does).</summary>
    private static IEnumerable<Annotation> SkipAnnotations(Buffer[] buffers, long firstSamp, double sfreq, bool noMeasDate) =>
        buffers.Where(b => b.Type == 0).Select(b => new Annotation(
            (b.Start + firstSamp) / sfreq - (noMeasDate ? 0 : firstSamp / sfreq), b.NSamp / sfreq, "BAD_ACQ_SKIP"));

    protected override void ReadSegment(long start, int count, IReadOnlyList<int> picks, Span<double> dest)
    {
        long stop = start + count;
        int b = FindBuffer(start);
        byte[]? chunk = null;
        try
        {
            for (; b < _buffers.Length && _buffers[b].Start < stop; b++)
            {
                var buf = _buffers[b];
                int lo = (int)Math.Max(0, start - buf.Start), hi = (int)Math.Min(buf.NSamp, stop - buf.Start);
                if (buf.Type == 0)
                {
                    for (int r = 0; r < picks.Count; r++)
                        dest.Slice(r * count + (int)(buf.Start + lo - start), hi - lo).Clear();
                    continue;
                }
                int bytes = buf.Type switch { FifConstants.TypeShort or FifConstants.TypeDauPack16 => 2, FifConstants.TypeDouble => 8, _ => 4 };
                int rowBytes = bytes * _nchan;
                int rowsPerChunk = Math.Max(1, ChunkBytes / rowBytes);
                int need = Math.Min(rowsPerChunk, hi - lo) * rowBytes;
                if (chunk is null || chunk.Length < need)
                {
                    if (chunk is not null)
                        ArrayPool<byte>.Shared.Return(chunk);
                    chunk = ArrayPool<byte>.Shared.Rent(need);
                }
                for (int s = lo; s < hi; s += rowsPerChunk)
                {
                    int rows = Math.Min(rowsPerChunk, hi - s);
                    var raw = chunk.AsSpan(0, rows * rowBytes);
                    int n = RandomAccess.Read(_file, raw, buf.DataPos + (long)s * rowBytes);
                    if (n < raw.Length)
                        throw new InvalidRecordingException(_path, $"truncated: data buffer at byte {buf.DataPos - 16} ends early (file changed since it was opened?)");
                    for (int r = 0; r < picks.Count; r++)
                    {
                        int c = picks[r];
                        Decode(raw, buf.Type, c, _nchan, _cals[c], dest.Slice(r * count + (int)(buf.Start + s - start), rows));
                    }
                }
            }
        }
        finally
        {
            if (chunk is not null)
                ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>The buffer holding sample <paramref name="sample"/> (binary search over the contiguous starts).</summary>
    private int FindBuffer(long sample)
    {
        int lo = 0, hi = _buffers.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (_buffers[mid].Start <= sample) lo = mid; else hi = mid - 1;
        }
        return lo;
    }

    /// <summary>Channel <paramref name="c"/> of sample-major big-endian rows, widened to float64 then times cal (MNE's order).</summary>
    private static void Decode(ReadOnlySpan<byte> raw, int type, int c, int nchan, double cal, Span<double> dst)
    {
        switch (type)
        {
            case FifConstants.TypeShort or FifConstants.TypeDauPack16:
                for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadInt16BigEndian(raw[(2 * (i * nchan + c))..]) * cal;
                break;
            case FifConstants.TypeInt:
                for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadInt32BigEndian(raw[(4 * (i * nchan + c))..]) * cal;
                break;
            case FifConstants.TypeFloat:
                for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadSingleBigEndian(raw[(4 * (i * nchan + c))..]) * cal;
                break;
            default:
                for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadDoubleBigEndian(raw[(8 * (i * nchan + c))..]) * cal;
                break;
        }
    }

    public override IReadOnlyList<KeyValuePair<string, string>> Facts
    {
        get
        {
            var inv = CultureInfo.InvariantCulture;
            var facts = new List<KeyValuePair<string, string>>
            {
                new("first_samp", FirstSamp.ToString(inv)),
                new("highpass", Highpass.ToString("0.###", inv) + " Hz"),
                new("lowpass", Lowpass.ToString("0.###", inv) + " Hz"),
                new("comp_grade", (CompGrade is { } g ? g.ToString(inv) : "n/a") + $" ({NComps} CTF compensation matrices)"),
                new("bads", Bads.Count == 0 ? "none" : string.Join(", ", Bads)),
            };
            if (MaxShield)
                facts.Add(new("maxshield", "raw Internal Active Shielding data (MNE needs allow_maxshield=True)"));
            return facts;
        }
    }

    public override void Dispose()
    {
        _file.Dispose();
        base.Dispose();
    }
}
