using System.Net;
using System.Net.Sockets;
using PeerStorage.Core.Discovery.Dns;

namespace PeerStorage.Core.Discovery.Network;

/// <summary>
/// What the responder and browser need from the network: the current interfaces, packets in (with the interface they
/// arrived on), and sending on a chosen interface. The sockets implement it; tests substitute an in-memory link.
/// </summary>
internal interface IMdnsTransport : IAsyncDisposable
{
    int Port { get; }

    IReadOnlyList<MdnsInterface> Interfaces { get; }

    /// <summary>Raised on the transport's own threads; handlers hand the packet on quickly.</summary>
    event Action<MdnsPacket>? PacketReceived;

    /// <summary>An interface came, went, or changed its addresses.</summary>
    event Action? InterfacesChanged;

    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Multicasts to the mDNS group of <paramref name="family"/> out of <paramref name="iface"/>.</summary>
    void SendMulticast(DnsMessage message, MdnsInterface iface, AddressFamily family);

    void SendUnicast(DnsMessage message, IPEndPoint destination, MdnsInterface iface);
}
