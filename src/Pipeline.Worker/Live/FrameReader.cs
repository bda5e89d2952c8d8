using System.Text;

namespace Neurodecode.Pipeline.Worker.Live;

/// <summary>Reads the protocol off a socket stream: one header line, then length-prefixed frames, through one buffer.</summary>
public sealed class FrameReader(Stream stream)
{
    private readonly byte[] _buffer = new byte[1 << 16];
    private int _start, _end;

    /// <summary>The next line without its '\n' (a trailing '\r' is dropped too); null at end of stream before any byte.</summary>
    public async Task<string?> ReadLineAsync(int maxBytes, CancellationToken ct)
    {
        var line = new MemoryStream();
        while (true)
        {
            int nl = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            int take = (nl >= 0 ? nl : _end) - _start;
            if (line.Length + take > maxBytes)
                throw new ProtocolException($"header line longer than {maxBytes} bytes");
            line.Write(_buffer, _start, take);
            if (nl >= 0)
            {
                _start = nl + 1;
                var bytes = line.ToArray();
                int n = bytes.Length > 0 && bytes[^1] == '\r' ? bytes.Length - 1 : bytes.Length;
                return Encoding.UTF8.GetString(bytes, 0, n);
            }
            _start = _end = 0;
            int read = await stream.ReadAsync(_buffer, ct);
            if (read == 0)
                return line.Length == 0 ? null : throw new ProtocolException("connection closed in the middle of the header line");
            _end = read;
        }
    }

    /// <summary>Fills <paramref name="dest"/>; false when the stream ends before its first byte, an error when it ends
    /// part way (a client that disconnects mid-frame).</summary>
    public async Task<bool> ReadExactlyAsync(Memory<byte> dest, CancellationToken ct)
    {
        int filled = 0;
        while (filled < dest.Length)
        {
            if (_start < _end)
            {
                int n = Math.Min(_end - _start, dest.Length - filled);
                _buffer.AsMemory(_start, n).CopyTo(dest[filled..]);
                _start += n;
                filled += n;
                continue;
            }
            int read = dest.Length - filled >= _buffer.Length
                ? await stream.ReadAsync(dest[filled..], ct)   // large frames go straight to their destination
                : await FillAsync(ct);
            if (read == 0)
                return filled == 0 ? false : throw new ProtocolException($"connection closed mid-frame ({filled} of {dest.Length} bytes)");
            if (dest.Length - filled >= _buffer.Length) filled += read;
        }
        return true;
    }

    private async Task<int> FillAsync(CancellationToken ct)
    {
        _start = 0;
        _end = await stream.ReadAsync(_buffer, ct);
        return _end;
    }
}
