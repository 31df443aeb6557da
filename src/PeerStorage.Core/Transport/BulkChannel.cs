using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace PeerStorage.Core.Transport;

/// <summary>
/// A plain TCP side channel for bytes that are already encrypted end to end (a lease object sealed by its owner):
/// TLS would only encrypt them a second time, and on a small machine TLS is what limits bulk throughput. What TLS
/// also gives, the channel keeps: the peer asks for a transfer over its mutual-TLS session and receives a one-time
/// ticket and a key; every frame on the side channel carries an AES-GMAC tag under that key over its index and bytes,
/// and an authenticated empty frame ends it. So the receiver takes only the bytes that peer sent, in order and
/// complete; anything else closes the channel and fails the transfer.
/// </summary>
/// <remarks>
/// Wire: "BULK1" (the node's port tells it apart from TLS 0x16 and the "PSPING" probe by the first byte), the
/// 32-byte ticket, then frames: u32 big-endian payload length | payload | 16-byte tag. Tag: AES-256-GCM with no
/// plaintext, nonce = 4 zero bytes + u64 big-endian frame index, associated data = the length prefix + payload.
/// </remarks>
public static class BulkChannel
{
    public const byte FirstByte = (byte)'B';
    private static readonly byte[] Magic = "BULK1"u8.ToArray();
    public const int TicketBytes = 32;
    public const int KeyBytes = 32;
    public const int TagBytes = 16;
    /// <summary>The largest frame payload: a sealed 1 MiB chunk and change.</summary>
    public const int MaxPayload = 2 * 1024 * 1024;
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Opens the side channel to the peer the TLS session is connected to and presents the ticket.</summary>
    public static async Task<BulkWriteStream> ConnectAsync(IPEndPoint peer, byte[] ticket, byte[] key, CancellationToken cancellationToken)
    {
        if (peer.Address.IsIPv4MappedToIPv6) peer = new IPEndPoint(peer.Address.MapToIPv4(), peer.Port);
        var client = new TcpClient(peer.AddressFamily) { NoDelay = true, SendBufferSize = 4 << 20 };
        try
        {
            await client.ConnectAsync(peer, cancellationToken).ConfigureAwait(false);
            var stream = client.GetStream();
            var hello = new byte[Magic.Length + TicketBytes];
            Magic.CopyTo(hello, 0);
            ticket.CopyTo(hello, Magic.Length);
            await stream.WriteAsync(hello, cancellationToken).ConfigureAwait(false);
            return new BulkWriteStream(client, key);
        }
        catch (SocketException e)
        {
            client.Dispose();
            throw new PeerStorageException("BulkChannelUnavailable", PeerErrorKind.ConnectionError, $"The data channel to {peer} could not open: {e.Message}", e, peer.ToString());
        }
    }

    /// <summary>Reads the greeting (the first byte included: the port hands it back); returns the ticket, or null for anything else.</summary>
    internal static async Task<byte[]?> ReadTicketAsync(Stream stream, CancellationToken cancellationToken)
    {
        var hello = new byte[Magic.Length + TicketBytes];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HandshakeTimeout);
        await stream.ReadExactlyAsync(hello, timeout.Token).ConfigureAwait(false);
        return hello.AsSpan(0, Magic.Length).SequenceEqual(Magic) ? hello[Magic.Length..] : null;
    }

    internal static void Tag(AesGcm gmac, ulong index, ReadOnlySpan<byte> framed, Span<byte> tag)
    {
        Span<byte> nonce = stackalloc byte[12];
        nonce.Clear();
        BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], index);
        gmac.Encrypt(nonce, ReadOnlySpan<byte>.Empty, Span<byte>.Empty, tag, framed);
    }

    internal static PeerStorageException Violation(string why) =>
        new("BulkChannelViolation", PeerErrorKind.InvalidData, $"The data channel carried something its peer did not send: {why}. The transfer was dropped.");
}

/// <summary>The sending end: bytes written become authenticated frames; <see cref="CompleteAsync"/> ends the transfer.</summary>
public sealed class BulkWriteStream : Stream
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly AesGcm _gmac;
    private readonly byte[] _frame = new byte[4 + BulkChannel.MaxPayload + BulkChannel.TagBytes];
    private ulong _index;
    private bool _completed;

    internal BulkWriteStream(TcpClient client, byte[] key)
    {
        _client = client;
        _stream = client.GetStream();
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
        BinaryPrimitives.WriteUInt32BigEndian(_frame, (uint)payload.Length);
        payload.Span.CopyTo(_frame.AsSpan(4));
        var framed = 4 + payload.Length;
        BulkChannel.Tag(_gmac, _index++, _frame.AsSpan(0, framed), _frame.AsSpan(framed, BulkChannel.TagBytes));
        await _stream.WriteAsync(_frame.AsMemory(0, framed + BulkChannel.TagBytes), cancellationToken).ConfigureAwait(false);
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

/// <summary>The receiving end: reads frames, checks each tag before handing its bytes on, and ends at the authenticated end frame.</summary>
public sealed class BulkReadStream : Stream
{
    private readonly Stream _stream;
    private readonly AesGcm _gmac;
    private readonly Action _onDispose;
    private readonly byte[] _frame = new byte[4 + BulkChannel.MaxPayload + BulkChannel.TagBytes];
    private readonly byte[] _tag = new byte[BulkChannel.TagBytes];
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
            await NextFrameAsync(cancellationToken).ConfigureAwait(false);
        }
        var take = Math.Min(buffer.Length, _end - _start);
        _frame.AsMemory(4 + _start, take).CopyTo(buffer);
        _start += take;
        return take;
    }

    private async Task NextFrameAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _stream.ReadExactlyAsync(_frame.AsMemory(0, 4), cancellationToken).ConfigureAwait(false);
            var length = BinaryPrimitives.ReadUInt32BigEndian(_frame);
            if (length > BulkChannel.MaxPayload) throw BulkChannel.Violation($"a frame of {length} bytes");
            await _stream.ReadExactlyAsync(_frame.AsMemory(4, (int)length + BulkChannel.TagBytes), cancellationToken).ConfigureAwait(false);
            BulkChannel.Tag(_gmac, _index++, _frame.AsSpan(0, 4 + (int)length), _tag);
            if (!CryptographicOperations.FixedTimeEquals(_tag, _frame.AsSpan(4 + (int)length, BulkChannel.TagBytes)))
                throw BulkChannel.Violation($"frame {_index - 1} fails its tag");
            _start = 0;
            _end = (int)length;
            if (length == 0) _ended = true;
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
