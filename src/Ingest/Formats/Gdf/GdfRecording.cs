using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using Neurodecode.Ingest.Numerics;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Formats.Gdf;

/// <summary>
/// A GDF recording read as <c>mne.io.read_raw_gdf</c> 1.3 reads it. Values are
/// <c>((stored · cal) + offset) · gain</c> with <c>cal = (pmax − pmin)/(dmax − dmin)</c> and
/// <c>offset = pmin − dmin · cal</c> (EDF scaling; float32 files are scaled in float32 as numpy does).
/// Records are read on demand with positional reads: any range, any thread, memory proportional to the block.
/// Channels with fewer samples per record than the fastest are resampled per record as MNE does
/// (FFT for data channels, zero-order hold for stim channels).
/// </summary>
public sealed class GdfRecording : Recording
{
    private const int ChunkBytes = 1 << 20;
    private const int TileBytes = 32 << 10;

    private readonly SafeFileHandle _file;
    private readonly string _path;
    private readonly GdfType _type;
    private readonly long _dataOffset;
    private readonly long _recordBytes;
    private readonly int _bufLen;            // samples per record at the recording's rate (MNE's max_samp)
    private readonly int[] _spr;             // samples per record of each channel
    private readonly long[] _channelOffset;  // byte offset of each channel inside a record
    private readonly double[] _cal, _offset, _gain;
    private readonly bool[] _stim;

    private GdfRecording(RecordingInfo info, IReadOnlyList<Annotation> annotations, GdfHeader header,
        SafeFileHandle file, int bufLen, bool[] stim) : base(info, annotations)
    {
        _file = file;
        _path = header.Path;
        _type = header.Type;
        _dataOffset = header.HeaderBytes;
        _recordBytes = header.RecordBytes;
        _bufLen = bufLen;
        _stim = stim;
        int n = header.Channels.Count;
        _spr = header.Channels.Select(c => c.SamplesPerRecord).ToArray();
        _channelOffset = new long[n];
        for (int c = 1; c < n; c++)
            _channelOffset[c] = _channelOffset[c - 1] + (long)_spr[c - 1] * _type.Bytes();
        _cal = new double[n];
        _offset = new double[n];
        _gain = new double[n];
        for (int c = 0; c < n; c++)
        {
            var ch = header.Channels[c];
            // MNE _get_info: an undefined digital range divides by 1, a zero physical range multiplies by 1.
            double drange = ch.DigitalRange is var d && (!double.IsFinite(d) || d == 0) ? 1 : ch.DigitalRange;
            double prange = ch.PhysicalMax - ch.PhysicalMin is var p && p == 0 ? 1 : ch.PhysicalMax - ch.PhysicalMin;
            _cal[c] = prange / drange;
            _offset[c] = ch.PhysicalMin - ch.DigitalMin * _cal[c];
            _gain[c] = stim[c] ? 1 : ch.Gain;
        }
    }

    /// <summary>Reads header and event table; throws <see cref="InvalidRecordingException"/> for bad input.</summary>
    public static GdfRecording Open(string path)
    {
        SafeFileHandle? file = null;
        try
        {
            file = OpenHandle(path);
            var header = GdfHeader.Read(file, path);
            var channels = header.Channels;
            int n = channels.Count;

            // stim_channel='auto': the first channel named "status" and the first named "trigger" (any case).
            var stim = new bool[n];
            foreach (var name in GdfConstants.StimNames)
            {
                int i = channels.ToList().FindIndex(c => c.Label.ToLowerInvariant() == name);
                if (i >= 0)
                    stim[i] = true;
            }
            var data = Enumerable.Range(0, n).Where(i => !stim[i]).ToList();
            if (data.Count == 0)
                data = Enumerable.Range(0, n).ToList();
            int bufLen = data.Max(i => channels[i].SamplesPerRecord);
            double sfreq = (double)((long)bufLen * header.RecordDurationDenominator) / header.RecordDurationNumerator;
            long nSamples = header.NRecords * bufLen;
            if (nSamples == 0)
                throw new InvalidRecordingException(path, "holds 0 data records");

            var names = Unique(channels.Select(c => c.Label).ToArray(), path);
            var infos = new ChannelInfo[n];
            for (int i = 0; i < n; i++)
            {
                var ch = channels[i];
                double rate = (double)ch.SamplesPerRecord * header.RecordDurationDenominator / header.RecordDurationNumerator;
                infos[i] = new ChannelInfo(names[i], stim[i] ? ChannelKind.Stim : ChannelKind.Eeg, stim[i] ? "NA" : "V",
                    rate, OrigUnit: null, PhysicalMin: ch.PhysicalMin, PhysicalMax: ch.PhysicalMax);
            }
            var events = header.ReadEvents(file);
            // A position of 0 wraps to 2^32 - 1 in MNE's uint32 arithmetic, so its event falls outside and is dropped.
            var annotations = RawAnnotations.Set(
                events.Select(e => new Annotation((double)unchecked(e.Position - 1u) / sfreq, (double)e.Duration / sfreq,
                    e.Type.ToString(System.Globalization.CultureInfo.InvariantCulture))),
                nSamples, sfreq);
            var info = new RecordingInfo("gdf", path, sfreq, nSamples, infos, header.MeasDate);
            var recording = new GdfRecording(info, annotations, header, file, bufLen, stim);
            file = null;
            return recording;
        }
        catch (Exception e) when (e is not InvalidRecordingException and not OutOfMemoryException)
        {
            throw new InvalidRecordingException(path, $"cannot read GDF header ({e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")})", e);
        }
        finally
        {
            file?.Dispose();
        }
    }

    /// <summary>MNE's <c>_unique_channel_names</c> (applied when the Raw is built): repeated names get -0, -1 ...</summary>
    private static string[] Unique(string[] names, string path)
    {
        var result = (string[])names.Clone();
        foreach (var stem in names.Where((n, i) => Array.IndexOf(names, n) != i).Distinct().ToList())
        {
            var overlaps = Enumerable.Range(0, names.Length).Where(i => names[i] == stem).ToList();
            for (int k = 0; k < overlaps.Count; k++)
            {
                string chosen = stem + "-" + k.ToString(System.Globalization.CultureInfo.InvariantCulture);
                for (char s = 'a'; result.Contains(chosen) && s <= 'z'; s++)
                    chosen = stem + "-" + s;
                if (result.Contains(chosen))
                    throw new InvalidRecordingException(path, $"renaming duplicate channel '{stem.ReplaceLineEndings(" ")}' gave another duplicate '{chosen.ReplaceLineEndings(" ")}'");
                result[overlaps[k]] = chosen;
            }
        }
        return result;
    }

    protected override void ReadSegment(long start, int count, IReadOnlyList<int> picks, Span<double> dest)
    {
        long firstRecord = start / _bufLen, lastRecord = (start + count - 1) / _bufLen;
        long perChunk = Math.Max(1, ChunkBytes / _recordBytes);
        int bufferBytes = checked((int)(Math.Min(perChunk, lastRecord - firstRecord + 1) * _recordBytes));
        byte[] buffer = ArrayPool<byte>.Shared.Rent(bufferBytes);
        double[]? native = null, resampled = null;
        int bytes = _type.Bytes();
        try
        {
            for (long ra = firstRecord; ra <= lastRecord; ra += perChunk)
            {
                long rb = Math.Min(lastRecord + 1, ra + perChunk);
                var raw = buffer.AsSpan(0, (int)((rb - ra) * _recordBytes));
                GdfHeader.ReadAt(_file, raw, _dataOffset + ra * _recordBytes, _path);
                if (_bufLen == 1 && _spr.All(n => n == 1))
                {
                    // One sample per record (e.g. MI128, test_1ch): the chunk is multiplexed; decode each channel with a
                    // stride, tile by tile so the tile stays in the L1 cache.
                    int frameValues = _spr.Length;
                    int tileRecords = Math.Max(1, TileBytes / (frameValues * bytes));
                    for (int t = 0; t < rb - ra; t += tileRecords)
                    {
                        int m = (int)Math.Min(tileRecords, rb - ra - t);
                        var tile = raw.Slice(t * frameValues * bytes, m * frameValues * bytes);
                        for (int r = 0; r < picks.Count; r++)
                        {
                            int c = picks[r];
                            var target = dest.Slice(r * count + (int)(ra + t - start), m);
                            Scale(tile[(c * bytes)..], target, c, frameValues);
                            if (_stim[c])
                                foreach (ref double v in target)
                                    v = StimValue(v);
                        }
                    }
                    continue;
                }
                for (long rec = ra; rec < rb; rec++)
                {
                    long recStart = rec * _bufLen;
                    int lo = (int)Math.Max(0, start - recStart);
                    int hi = (int)Math.Min(_bufLen, start + count - recStart);
                    var record = raw.Slice((int)((rec - ra) * _recordBytes), (int)_recordBytes);
                    for (int r = 0; r < picks.Count; r++)
                    {
                        int c = picks[r];
                        var target = dest.Slice(r * count + (int)(recStart + lo - start), hi - lo);
                        var values = record.Slice((int)_channelOffset[c], _spr[c] * bytes);
                        if (_spr[c] == _bufLen)
                        {
                            Scale(values.Slice(lo * bytes, (hi - lo) * bytes), target, c);
                            if (_stim[c])
                                foreach (ref double v in target)
                                    v = StimValue(v);
                            continue;
                        }
                        native ??= new double[_spr.Max()];
                        resampled ??= new double[_bufLen];
                        var x = native.AsSpan(0, _spr[c]);
                        Scale(values, x, c);
                        if (_stim[c])
                            GdfResampling.ZeroOrderHold(x, resampled);
                        else
                            FourierResample.Resample(x, resampled);
                        resampled.AsSpan(lo, hi - lo).CopyTo(target);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>numpy's <c>astype(int) &amp; (2**17 − 1)</c>: truncation; NaN, ±inf and overflow give INT64_MIN, i.e. 0.</summary>
    private static double StimValue(double v) =>
        v is > -9.2233720368547758e18 and < 9.2233720368547758e18 ? (long)v & GdfConstants.StimMask : 0;

    /// <summary>
    /// dst[i] = ((stored[i · stride] · cal) + offset) · gain, in float64 (float32 for float32 data, as numpy computes it).
    /// </summary>
    private void Scale(ReadOnlySpan<byte> src, Span<double> dst, int c, int stride = 1)
    {
        double cal = _cal[c], off = _offset[c], gain = _gain[c];
        switch (_type)
        {
            case GdfType.Int8:
                for (int i = 0; i < dst.Length; i++) dst[i] = ((sbyte)src[i * stride] * cal + off) * gain;
                break;
            case GdfType.UInt8:
                for (int i = 0; i < dst.Length; i++) dst[i] = (src[i * stride] * cal + off) * gain;
                break;
            case GdfType.Int16:
                for (int i = 0; i < dst.Length; i++) dst[i] = (BinaryPrimitives.ReadInt16LittleEndian(src[(2 * i * stride)..]) * cal + off) * gain;
                break;
            case GdfType.UInt16:
                for (int i = 0; i < dst.Length; i++) dst[i] = (BinaryPrimitives.ReadUInt16LittleEndian(src[(2 * i * stride)..]) * cal + off) * gain;
                break;
            case GdfType.Int32:
                for (int i = 0; i < dst.Length; i++) dst[i] = (BinaryPrimitives.ReadInt32LittleEndian(src[(4 * i * stride)..]) * cal + off) * gain;
                break;
            case GdfType.UInt32:
                for (int i = 0; i < dst.Length; i++) dst[i] = (BinaryPrimitives.ReadUInt32LittleEndian(src[(4 * i * stride)..]) * cal + off) * gain;
                break;
            case GdfType.Int64:
                for (int i = 0; i < dst.Length; i++) dst[i] = (BinaryPrimitives.ReadInt64LittleEndian(src[(8 * i * stride)..]) * cal + off) * gain;
                break;
            case GdfType.UInt64:
                for (int i = 0; i < dst.Length; i++) dst[i] = (BinaryPrimitives.ReadUInt64LittleEndian(src[(8 * i * stride)..]) * cal + off) * gain;
                break;
            case GdfType.Float32:
            {
                // numpy: float32 array * float64 scalar stays float32, so every step rounds to float32.
                float calF = (float)cal, offF = (float)off, gainF = (float)gain;
                for (int i = 0; i < dst.Length; i++)
                {
                    float v = BinaryPrimitives.ReadSingleLittleEndian(src[(4 * i * stride)..]);
                    v *= calF;
                    v += offF;
                    v *= gainF;
                    dst[i] = v;
                }
                break;
            }
            default:
                for (int i = 0; i < dst.Length; i++) dst[i] = (BinaryPrimitives.ReadDoubleLittleEndian(src[(8 * i * stride)..]) * cal + off) * gain;
                break;
        }
    }

    public override void Dispose()
    {
        _file.Dispose();
        base.Dispose();
    }
}
