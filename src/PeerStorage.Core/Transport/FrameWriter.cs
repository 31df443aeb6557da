using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace PeerStorage.Core.Transport;

/// <summary>
/// Serializes frame writes onto the (TLS) stream. Each frame is composed in one send buffer owned by the connection
/// (header and payload together, so a frame is one TLS write and nothing is allocated per frame) under a lock that
/// also keeps frames whole. The start time of the write in progress lets the watchdog detect a peer that stopped
/// reading.
/// </summary>
internal sealed class FrameWriter
{
    private readonly Stream _stream;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly byte[] _buffer;
    private long _writeStartedTicks; // 0 while no write is on the wire

    public FrameWriter(Stream stream, int maxPayload)
    {
        _stream = stream;
        MaxPayload = maxPayload;
        _buffer = GC.AllocateUninitializedArray<byte>(FrameHeader.Size + maxPayload);
    }

    /// <summary>Largest payload this writer sends: the smaller of the peer's limit and this node's.</summary>
    public int MaxPayload { get; }

    /// <summary>Environment.TickCount64 when the current write started, or 0.</summary>
    public long WriteStartedTicks => Volatile.Read(ref _writeStartedTicks);

    public Task LockAsync(CancellationToken cancellationToken) => _lock.WaitAsync(cancellationToken);

    public void Unlock() => _lock.Release();

    /// <summary>Writes one frame. The caller holds the lock.</summary>
    public ValueTask WriteLockedAsync(FrameType type, FrameFlags flags, uint streamId, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > MaxPayload) throw new ArgumentOutOfRangeException(nameof(payload), "A frame payload exceeds the negotiated limit.");
        new FrameHeader(type, flags, streamId, payload.Length).Write(_buffer);
        payload.CopyTo(_buffer.AsSpan(FrameHeader.Size));
        return SendAsync(FrameHeader.Size + payload.Length);
    }

    /// <summary>Writes a frame whose payload is a 4- or 8-byte big-endian number (window update, ping). The caller holds the lock.</summary>
    public ValueTask WriteNumberLockedAsync(FrameType type, FrameFlags flags, uint streamId, ulong value, int byteCount)
    {
        new FrameHeader(type, flags, streamId, byteCount).Write(_buffer);
        if (byteCount == 4) BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(FrameHeader.Size), (uint)value);
        else BinaryPrimitives.WriteUInt64BigEndian(_buffer.AsSpan(FrameHeader.Size), value);
        return SendAsync(FrameHeader.Size + byteCount);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask WriteAsync(FrameType type, FrameFlags flags, uint streamId, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await WriteLockedAsync(type, flags, streamId, payload.Span).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask WriteNumberAsync(FrameType type, FrameFlags flags, uint streamId, ulong value, int byteCount, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await WriteNumberLockedAsync(type, flags, streamId, value, byteCount).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendAsync(int length)
    {
        Volatile.Write(ref _writeStartedTicks, Math.Max(1, Environment.TickCount64));
        try
        {
            // Never cancelled half-way: a partial frame would corrupt the connection. A stuck write is ended by the
            // watchdog disposing the stream.
            await _stream.WriteAsync(_buffer.AsMemory(0, length), CancellationToken.None).ConfigureAwait(false);
        }
        catch (InvalidOperationException e)
        {
            // SslStream's way of saying the connection was shut down; to the transport that is a broken connection.
            throw new IOException("The connection is shut down.", e);
        }
        finally
        {
            Volatile.Write(ref _writeStartedTicks, 0);
        }
    }

    /// <summary>Writes one frame to a stream that has no writer yet (the Hello, a refusal before the connection exists).</summary>
    public static async Task WriteSingleAsync(Stream stream, FrameType type, FrameFlags flags, uint streamId, byte[] payload, CancellationToken cancellationToken)
    {
        var frame = new byte[FrameHeader.Size + payload.Length];
        new FrameHeader(type, flags, streamId, payload.Length).Write(frame);
        payload.CopyTo(frame, FrameHeader.Size);
        await stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
    }
}
