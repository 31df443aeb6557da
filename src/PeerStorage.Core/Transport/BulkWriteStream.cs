using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace PeerStorage.Core.Transport;

/// <summary>The sending end of a <see cref="BulkChannel"/>: bytes written become authenticated frames; <see cref="CompleteAsync"/> ends the transfer.</summary>
/// <remarks>
/// A frame leaves in one gathering send (prefix, the caller's payload where it lies, tag): the payload is not copied
/// into a frame buffer first. Only a payload that is not an array (rare) goes through one.
/// </remarks>
public sealed class BulkWriteStream : Stream
{
    private readonly TcpClient _client;
    private readonly AesGcm _gmac;
    private readonly byte[] _prefix = new byte[4];
    private readonly byte[] _tag = new byte[BulkChannel.TagBytes];
    private readonly ArraySegment<byte>[] _pieces = new ArraySegment<byte>[3];
    private byte[]? _scratch;
    private ulong _index;
    private bool _completed;

    internal BulkWriteStream(TcpClient client, byte[] key)
    {
        _client = client;
        _gmac = new AesGcm(key, BulkChannel.TagBytes);
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => !_completed;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        while (!buffer.IsEmpty)
        {
            var take = Math.Min(buffer.Length, BulkChannel.MaxPayload);
            await SendFrameAsync(buffer[..take], cancellationToken).ConfigureAwait(false);
            buffer = buffer[take..];
        }
    }

    /// <summary>Sends the authenticated end: the receiver knows nothing was cut off.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        if (_completed) return;
        await SendFrameAsync(ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        _completed = true;
        _client.Client.Shutdown(SocketShutdown.Send);
    }

    private async ValueTask SendFrameAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (!MemoryMarshal.TryGetArray(payload, out var segment))
        {
            _scratch ??= new byte[BulkChannel.MaxPayload];
            payload.CopyTo(_scratch);
            segment = new ArraySegment<byte>(_scratch, 0, payload.Length);
        }
        BinaryPrimitives.WriteUInt32BigEndian(_prefix, (uint)segment.Count);
        BulkChannel.Tag(_gmac, _index++, segment, _tag);
        _pieces[0] = _prefix;
        _pieces[1] = segment;
        _pieces[2] = _tag;
        var total = _prefix.Length + segment.Count + _tag.Length;
        cancellationToken.ThrowIfCancellationRequested();
        // The list overload takes no token: a cancelled send closes the socket, which ends the send at once.
        await using var cancel = cancellationToken.Register(static client => ((TcpClient)client!).Dispose(), _client).ConfigureAwait(false);
        try
        {
            var sent = await _client.Client.SendAsync(_pieces, SocketFlags.None).ConfigureAwait(false);
            if (sent != total) throw new IOException($"The data channel took {sent} of a frame's {total} bytes.");
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new IOException($"The data channel broke: {e.Message}", e);
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gmac.Dispose();
            _client.Dispose();
        }
        base.Dispose(disposing);
    }
}
