using System.Net;
using System.Net.Sockets;

namespace PeerStorage.Agent.Tests.Infrastructure;

/// <summary>A TCP port nobody listens on right now, found the way the node binds (dual-stack any).</summary>
public static class FreePort
{
    public static int Pick()
    {
        using var listener = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true };
        listener.Bind(new IPEndPoint(IPAddress.IPv6Any, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    /// <summary>Holds a port the way another program would, so the node cannot bind it.</summary>
    public static TcpListener Occupy()
    {
        var listener = new TcpListener(IPAddress.IPv6Any, 0);
        listener.Server.DualMode = true;
        listener.Start();
        return listener;
    }
}
