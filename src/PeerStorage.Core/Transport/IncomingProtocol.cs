using System.Net.Sockets;

namespace PeerStorage.Core.Transport;

/// <summary>What a new connection on the node's port speaks, told by its first byte.</summary>
public enum IncomingProtocol
{
    /// <summary>Nothing arrived in time, the connection closed, or the first byte means nothing to us.</summary>
    Unknown,
    /// <summary>A TLS handshake record (0x16): the peer transport.</summary>
    PeerTls,
    /// <summary>'P' of "PSPING": the plain liveness probe (<see cref="Ping"/>).</summary>
    LegacyPing,
}

/// <summary>
/// Peeks at the first byte of an accepted socket without consuming it, so one port serves both the mutual-TLS
/// transport and the plain ping, and whichever handler runs next reads the stream from its first byte.
/// </summary>
public static class IncomingProtocolDetector
{
    private const byte TlsHandshakeRecord = 0x16;

    public static async Task<IncomingProtocol> DetectAsync(Socket socket, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var first = new byte[1];
        try
        {
            var n = await socket.ReceiveAsync(first, SocketFlags.Peek, deadline.Token).ConfigureAwait(false);
            if (n == 0) return IncomingProtocol.Unknown;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return IncomingProtocol.Unknown;
        }
        catch (SocketException)
        {
            return IncomingProtocol.Unknown;
        }
        return first[0] switch
        {
            TlsHandshakeRecord => IncomingProtocol.PeerTls,
            (byte)'P' => IncomingProtocol.LegacyPing,
            _ => IncomingProtocol.Unknown,
        };
    }
}
