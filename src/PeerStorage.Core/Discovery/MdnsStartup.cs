using System.Net.Sockets;
using PeerStorage.Core.Discovery.Network;

namespace PeerStorage.Core.Discovery;

/// <summary>Opens the mDNS sockets for an announcer or browser, turning socket failures into an engine error.</summary>
internal static class MdnsStartup
{
    public static async Task StartTransportAsync(IMdnsTransport transport, Action markStopped, CancellationToken cancellationToken)
    {
        try
        {
            await transport.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or InvalidOperationException)
        {
            markStopped();
            await transport.DisposeAsync().ConfigureAwait(false);
            throw new PeerStorageException("MdnsUnavailable", PeerErrorKind.ResourceUnavailable,
                $"Multicast DNS cannot start: {e.Message}", e, transport.Port);
        }
        catch
        {
            markStopped();
            await transport.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
