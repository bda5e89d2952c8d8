using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Formats.BrainVision;

/// <summary>
/// A BrainVision recording: samples are read on demand from the binary data file with positional reads, so any
/// range can be read from any thread and memory stays proportional to the block. Values are
/// <c>stored number · (resolution · unit factor)</c> in float64, as MNE computes them.
/// </summary>
public sealed class BrainVisionRecording : Recording
{
    /// <summary>Raw bytes read at once; a block larger than this is read in pieces.</summary>
    private const int ChunkBytes = 1 << 20;

    /// <summary>Samples decoded together from a multiplexed chunk (a tile of 32 KiB or less for 64 int16 channels).</summary>
    private const int TileSamples = 256;

    private readonly SafeFileHandle _data;
    private readonly string _dataPath;
    private readonly BrainVisionBinaryFormat _format;
    private readonly bool _vectorized;
    private readonly int _nFileChannels;
    private readonly long _nFileSamples;
    private readonly double[] _scale;

    private BrainVisionRecording(RecordingInfo info, IReadOnlyList<Annotation> annotations, BrainVisionHeader header,
        SafeFileHandle data, long nFileSamples) : base(info, annotations)
    {
        _data = data;
        _dataPath = header.DataPath;
        _format = header.BinaryFormat;
        _vectorized = header.Vectorized;
        _nFileChannels = header.NFileChannels;
        _nFileSamples = nFileSamples;
        _scale = header.FileChannels.Select(c => c.Scale).ToArray();
    }

    /// <summary>Reads the header, the marker file and the data file's size; throws <see cref="InvalidRecordingException"/> for bad input.</summary>
    public static BrainVisionRecording Open(string path)
    {
        SafeFileHandle? data = null;
        try
        {
            var header = BrainVisionHeader.Read(path);
            byte[] marker = ReadCompanion(path, header.MarkerPath, "marker", "MarkerFile");
            var measDate = BrainVisionMarkers.ReadMeasDate(marker);
            data = OpenCompanion(path, header.DataPath);

            // MNE: n_samples = file bytes // (bytes per value · channels); a trailing partial sample is ignored.
            long size = RandomAccess.GetLength(data);
            long frame = (long)header.BinaryFormat.Bytes() * header.NFileChannels;
            long nSamples = size / frame;
            if (nSamples == 0)
                throw new InvalidRecordingException(path,
                    $"data file '{BrainVisionText.Escape(header.DataPath)}' holds {size} bytes, less than one sample of {header.NFileChannels} channels x {header.BinaryFormat.Bytes()} bytes");

            var annotations = BrainVisionMarkers.ReadAnnotations(marker, header.MarkerPath, header.Sfreq, nSamples);
            var info = new RecordingInfo("brainvision", path, header.Sfreq, nSamples, header.Channels, measDate);
            var recording = new BrainVisionRecording(info, annotations, header, data, nSamples);
            data = null;
            return recording;
        }
        catch (Exception e) when (e is not InvalidRecordingException and not OutOfMemoryException)
        {
            // Safety net: whatever slipped through the checks above still becomes one line naming the file.
            throw new InvalidRecordingException(path, $"cannot read BrainVision header ({e.GetType().Name}: {OneLine(e.Message)})", e);
        }
        finally
        {
            data?.Dispose();
        }
    }

    private static string OneLine(string s) => s.ReplaceLineEndings(" ");

    private static byte[] ReadCompanion(string headerPath, string companion, string what, string key)
    {
        try
        {
            return File.ReadAllBytes(companion);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidRecordingException(headerPath,
                $"{what} file '{BrainVisionText.Escape(companion)}' not found ({key}={BrainVisionText.Escape(Path.GetFileName(companion))} in [Common Infos])");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidRecordingException(headerPath, $"cannot read {what} file '{BrainVisionText.Escape(companion)}': {OneLine(e.Message)}");
        }
    }

    private static SafeFileHandle OpenCompanion(string headerPath, string dataPath)
    {
        try
        {
            return File.OpenHandle(dataPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidRecordingException(headerPath,
                $"data file '{BrainVisionText.Escape(dataPath)}' not found (DataFile={BrainVisionText.Escape(Path.GetFileName(dataPath))} in [Common Infos])");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidRecordingException(headerPath, $"cannot open data file '{BrainVisionText.Escape(dataPath)}': {OneLine(e.Message)}");
        }
    }

    protected override void ReadSegment(long start, int count, IReadOnlyList<int> picks, Span<double> dest)
    {
        int bytes = _format.Bytes();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            if (_vectorized)
            {
                // Channel c is one run of _nFileSamples values starting at c · _nFileSamples.
                int perChunk = ChunkBytes / bytes;
                for (int r = 0; r < picks.Count; r++)
                {
                    int c = picks[r];
                    for (int done = 0; done < count; done += perChunk)
                    {
                        int n = Math.Min(perChunk, count - done);
                        var raw = buffer.AsSpan(0, n * bytes);
                        ReadExactly(raw, ((long)c * _nFileSamples + start + done) * bytes);
                        Decode(raw, 1, 0, dest.Slice(r * count + done, n), _scale[c]);
                    }
                }
            }
            else
            {
                // Multiplexed: one frame of all channels per sample.
                int frame = bytes * _nFileChannels;
                int perChunk = Math.Max(1, ChunkBytes / frame);
                if (perChunk * frame > buffer.Length)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(perChunk * frame);
                }
                for (int done = 0; done < count; done += perChunk)
                {
                    int n = Math.Min(perChunk, count - done);
                    var raw = buffer.AsSpan(0, n * frame);
                    ReadExactly(raw, (start + done) * frame);
                    // Tiles of samples small enough to stay in the L1 cache while every picked channel is pulled out.
                    for (int t = 0; t < n; t += TileSamples)
                    {
                        int m = Math.Min(TileSamples, n - t);
                        var tile = raw.Slice(t * frame, m * frame);
                        for (int r = 0; r < picks.Count; r++)
                            Decode(tile, _nFileChannels, picks[r], dest.Slice(r * count + done + t, m), _scale[picks[r]]);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void ReadExactly(Span<byte> target, long offset)
    {
        while (target.Length > 0)
        {
            int n = RandomAccess.Read(_data, target, offset);
            if (n <= 0)
                throw new InvalidRecordingException(_dataPath, $"data file ended at byte {offset} (was it truncated after opening?)");
            target = target[n..];
            offset += n;
        }
    }

    /// <summary>dest[i] = value[first + i·stride] · scale, little-endian values of the file's type.</summary>
    private void Decode(ReadOnlySpan<byte> raw, int stride, int first, Span<double> dest, double scale)
    {
        switch (_format)
        {
            case BrainVisionBinaryFormat.Int16:
                if (BitConverter.IsLittleEndian)
                {
                    var v = MemoryMarshal.Cast<byte, short>(raw);
                    for (int i = 0, j = first; i < dest.Length; i++, j += stride)
                        dest[i] = v[j] * scale;
                }
                else
                    for (int i = 0, j = first; i < dest.Length; i++, j += stride)
                        dest[i] = BinaryPrimitives.ReadInt16LittleEndian(raw[(2 * j)..]) * scale;
                break;
            case BrainVisionBinaryFormat.Int32:
                if (BitConverter.IsLittleEndian)
                {
                    var v = MemoryMarshal.Cast<byte, int>(raw);
                    for (int i = 0, j = first; i < dest.Length; i++, j += stride)
                        dest[i] = v[j] * scale;
                }
                else
                    for (int i = 0, j = first; i < dest.Length; i++, j += stride)
                        dest[i] = BinaryPrimitives.ReadInt32LittleEndian(raw[(4 * j)..]) * scale;
                break;
            default:
                if (BitConverter.IsLittleEndian)
                {
                    var v = MemoryMarshal.Cast<byte, float>(raw);
                    for (int i = 0, j = first; i < dest.Length; i++, j += stride)
                        dest[i] = v[j] * scale;
                }
                else
                    for (int i = 0, j = first; i < dest.Length; i++, j += stride)
                        dest[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(4 * j)..]) * scale;
                break;
        }
    }

    public override void Dispose()
    {
        _data.Dispose();
        base.Dispose();
    }
}
