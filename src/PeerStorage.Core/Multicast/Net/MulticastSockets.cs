using System.Net;
using System.Net.Sockets;

namespace PeerStorage.Core.Multicast.Net;

/// <summary>
/// Opens the session's UDP sockets. On Linux the data path uses segmentation offload: the sender hands the kernel up
/// to 45 packets (all that fit 64 KB) in one call (UDP_SEGMENT) and a receiver gets them back coalesced (UDP_GRO), so the per-packet cost
/// that bounds udpcast and uftp is paid per 64 KB instead. Elsewhere the same code sends and reads one datagram a call.
/// </summary>
internal static class MulticastSockets
{
    private const int SolUdp = 17, UdpSegment = 103, UdpGro = 104;
    private const int SolSocket = 1, SoSndBufForce = 32, SoRcvBufForce = 33;
    public const int ReceiveBufferBytes = 32 << 20;
    public const int SendBufferBytes = 8 << 20;
    /// <summary>The kernel's limit on segments in one offloaded send.</summary>
    public const int MaxSegments = 64;

    /// <summary>The control socket: bound to the group's control port, member of the group, sending to it.</summary>
    public static Socket OpenControl(MulticastEndpoint endpoint)
    {
        var socket = Bound(endpoint, endpoint.ControlPort);
        try
        {
            Join(socket, endpoint);
            SetOutgoing(socket, endpoint);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A receiver's data socket: bound to the data port, member of the group, large buffer, coalescing on.</summary>
    public static Socket OpenDataReceiver(MulticastEndpoint endpoint, out bool coalescing)
    {
        var socket = Bound(endpoint, endpoint.DataPort);
        try
        {
            Join(socket, endpoint);
            SetBuffer(socket, SoRcvBufForce, ReceiveBufferBytes, receive: true);
            coalescing = TrySet(socket, SolUdp, UdpGro, 1);
            socket.ReceiveTimeout = 200;
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The sender's data socket. With <paramref name="segmentSize"/> set, every send of n * segmentSize bytes leaves as
    /// n datagrams of that size; <paramref name="segmenting"/> says whether the kernel took it.
    /// </summary>
    public static Socket OpenDataSender(MulticastEndpoint endpoint, int segmentSize, out bool segmenting)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            SetOutgoing(socket, endpoint);
            SetBuffer(socket, SoSndBufForce, SendBufferBytes, receive: false);
            segmenting = TrySet(socket, SolUdp, UdpSegment, segmentSize);
            socket.Connect(endpoint.DataEndPoint);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static Socket Bound(MulticastEndpoint endpoint, int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            // Bound to the group on Linux, so only this group's datagrams arrive; Windows binds to any address.
            socket.Bind(new IPEndPoint(OperatingSystem.IsWindows() ? IPAddress.Any : endpoint.Group, port));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static void Join(Socket socket, MulticastEndpoint endpoint)
    {
        var option = endpoint.InterfaceIndex() is { } index ? new MulticastOption(endpoint.Group, index) : new MulticastOption(endpoint.Group);
        socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, option);
    }

    private static void SetOutgoing(Socket socket, MulticastEndpoint endpoint)
    {
        socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, endpoint.Ttl);
        if (endpoint.InterfaceIndex() is { } index)
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, IPAddress.HostToNetworkOrder(index));
    }

    // Root may exceed net.core.[rw]mem_max (the FORCE options); anyone else gets what the limit allows.
    private static void SetBuffer(Socket socket, int forceOption, int bytes, bool receive)
    {
        if (OperatingSystem.IsLinux() && TrySet(socket, SolSocket, forceOption, bytes)) return;
        if (receive) socket.ReceiveBufferSize = bytes;
        else socket.SendBufferSize = bytes;
    }

    private static bool TrySet(Socket socket, int level, int option, int value)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            socket.SetRawSocketOption(level, option, BitConverter.GetBytes(value));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
