using System.Buffers.Binary;
using System.Security.Cryptography;

namespace PeerStorage.Core.Transport;

/// <summary>
/// The receiving end of a <see cref="BulkChannel"/>: reads frames, checks each tag before handing its bytes on, and
/// ends at the authenticated end frame. Read it as a stream, or (faster, for bulk) with <see cref="ConsumeFramesAsync"/>.
/// </summary>
public sealed class BulkReadStream : Stream
{
    private readonly Stream _stream;
    private readonly AesGcm _gmac;
    private readonly Action _onDispose;
    private readonly byte[] _prefix = new byte[4];
    private readonly byte[] _tag = new byte[BulkChannel.TagBytes];
    private readonly byte[] _expected = new byte[BulkChannel.TagBytes];
    private byte[]? _payload;
    private int _start, _end;
    private ulong _index;
    private bool _ended;
    private bool _disposed;

    internal BulkReadStream(Stream stream, byte[] key, Action onDispose)
    {
        _stream = stream;
        _gmac = new AesGcm(key, BulkChannel.TagBytes);
        _onDispose = onDispose;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_start == _end)
        {
            if (_ended || buffer.IsEmpty) return 0;
            _payload ??= new byte[BulkChannel.MaxPayload];
            var length = await ReceiveLengthAsync(cancellationToken).ConfigureAwait(false);
            await ReceiveAsync(_payload.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            await ReceiveAsync(_tag, cancellationToken).ConfigureAwait(false);
            Verify(_payload.AsSpan(0, length), _tag);
            _start = 0;
            _end = length;
        }
        var take = Math.Min(buffer.Length, _end - _start);
        _payload!.AsMemory(_start, take).CopyTo(buffer);
        _start += take;
        return take;
    }

    /// <summary>
    /// Hands the payloads to <paramref name="consume"/>, in order and only once their tags are checked, until the
    /// authenticated end; returns the bytes consumed. Frames are received while earlier ones are checked and consumed,
    /// and the payloads of several frames reach <paramref name="consume"/> as one span, from the buffer they arrived
    /// in. For a stream not read from before.
    /// </summary>
    public Task<long> ConsumeFramesAsync(Action<ReadOnlySpan<byte>> consume, CancellationToken cancellationToken)
    {
        if (_index != 0 || _ended) throw new InvalidOperationException("The data channel was already read from.");
        return BulkReceivePipeline.RunAsync(this, consume, cancellationToken);
    }

    /// <summary>Receives the next frame's length prefix.</summary>
    internal async ValueTask<int> ReceiveLengthAsync(CancellationToken cancellationToken)
    {
        await ReceiveAsync(_prefix, cancellationToken).ConfigureAwait(false);
        var length = BinaryPrimitives.ReadUInt32BigEndian(_prefix);
        if (length > BulkChannel.MaxPayload) throw BulkChannel.Violation($"a frame of {length} bytes");
        return (int)length;
    }

    /// <summary>Receives exactly <paramref name="into"/>'s length (a payload or a tag), unchecked.</summary>
    internal async ValueTask ReceiveAsync(Memory<byte> into, CancellationToken cancellationToken)
    {
        try
        {
            await _stream.ReadExactlyAsync(into, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException)
        {
            throw BulkChannel.Violation("it ended without its end frame");
        }
        catch (IOException e)
        {
            throw new PeerStorageException("BulkChannelBroken", PeerErrorKind.ConnectionError, $"The data channel broke: {e.Message}", e);
        }
    }

    /// <summary>Checks a received frame's tag as the next frame in order; an empty frame that passes is the end.</summary>
    internal void Verify(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> tag)
    {
        BulkChannel.Tag(_gmac, _index++, payload, _expected);
        if (!CryptographicOperations.FixedTimeEquals(_expected, tag)) throw BulkChannel.Violation($"frame {_index - 1} fails its tag");
        if (payload.IsEmpty) _ended = true;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public override void Flush() { }
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _gmac.Dispose();
            _onDispose();
        }
        base.Dispose(disposing);
    }
}
