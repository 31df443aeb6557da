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
/// Wire: "BULK2" (the node's port tells it apart from TLS 0x16 and the "PSPING" probe by the first byte), the
/// 32-byte ticket, then frames: u32 big-endian payload length | payload | 16-byte tag. Tag: AES-256-GCM with no
/// plaintext, nonce = u32 big-endian payload length + u64 big-endian frame index, associated data = the payload.
/// The length sits in the nonce rather than in the associated data so that a payload is authenticated where it
/// lies: neither end copies it next to its prefix (version 1 did; it is not spoken any more).
/// </remarks>
public static class BulkChannel
{
    public const byte FirstByte = (byte)'B';
    private static readonly byte[] Magic = "BULK2"u8.ToArray();
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

    internal static void Tag(AesGcm gmac, ulong index, ReadOnlySpan<byte> payload, Span<byte> tag)
    {
        Span<byte> nonce = stackalloc byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(nonce, (uint)payload.Length);
        BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], index);
        gmac.Encrypt(nonce, ReadOnlySpan<byte>.Empty, Span<byte>.Empty, tag, payload);
    }

    internal static PeerStorageException Violation(string why) =>
        new("BulkChannelViolation", PeerErrorKind.InvalidData, $"The data channel carried something its peer did not send: {why}. The transfer was dropped.");
}
