using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using PeerStorage.Core.Discovery.Dns;
using Serilog;

namespace PeerStorage.Core.Discovery.Network;

/// <summary>
/// The mDNS sockets: one per address family, bound to the mDNS port with address reuse (so avahi or another
/// responder on the same host keeps working), joined to the group on every usable interface, with packet
/// information on so each packet is tied to the interface it arrived on. Sends pick the interface per packet.
/// Interfaces are scanned again periodically and when the OS reports an address change.
/// </summary>
internal sealed class MdnsSocketTransport(MdnsOptions options, ILogger log) : IMdnsTransport
{
    public static readonly IPAddress GroupV4 = IPAddress.Parse("224.0.0.251");
    public static readonly IPAddress GroupV6 = IPAddress.Parse("ff02::fb");
    // RFC 6762 §11: every mDNS packet goes out with IP TTL / hop limit 255.
    private const int MdnsHopLimit = 255;
    private const int MaxDatagram = 65535;
    private static readonly TimeSpan FollowUpScanDelay = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _rescanNow = new(0);
    private readonly object _interfaceGate = new();
    private readonly HashSet<int> _joinedV4 = [], _joinedV6 = [];
    private Socket? _v4, _v6;
    private volatile IReadOnlyList<MdnsInterface> _interfaces = [];
    private readonly List<Task> _loops = [];

    public int Port => options.Port;
    public IReadOnlyList<MdnsInterface> Interfaces => _interfaces;

    public event Action<MdnsPacket>? PacketReceived;
    public event Action? InterfacesChanged;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (options.UseIPv4 && Socket.OSSupportsIPv4) _v4 = OpenSocket(AddressFamily.InterNetwork);
        if (options.UseIPv6 && Socket.OSSupportsIPv6) _v6 = TryOpenIPv6();
        if (_v4 is null && _v6 is null)
            throw new InvalidOperationException("mDNS needs IPv4 or IPv6 and both are off or unsupported.");
        Rescan();
        if (_v4 is not null) _loops.Add(Task.Run(() => ReceiveLoopAsync(_v4)));
        if (_v6 is not null) _loops.Add(Task.Run(() => ReceiveLoopAsync(_v6)));
        _loops.Add(Task.Run(RescanLoopAsync));
        NetworkChange.NetworkAddressChanged += OnNetworkAddressChanged;
        return Task.CompletedTask;
    }

    private Socket? TryOpenIPv6()
    {
        try
        {
            return OpenSocket(AddressFamily.InterNetworkV6);
        }
        catch (SocketException e) when (_v4 is not null)
        {
            log.Debug("mDNS runs on IPv4 only: IPv6 socket failed ({Reason})", e.Message);
            return null;
        }
    }

    private Socket OpenSocket(AddressFamily family)
    {
        var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            var v6 = family == AddressFamily.InterNetworkV6;
            var level = v6 ? SocketOptionLevel.IPv6 : SocketOptionLevel.IP;
            if (v6) socket.DualMode = false;
            if (OperatingSystem.IsWindows()) socket.ExclusiveAddressUse = false;
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            AllowPortSharing(socket);
            socket.SetSocketOption(level, SocketOptionName.PacketInformation, true);
            socket.SetSocketOption(level, SocketOptionName.MulticastTimeToLive, MdnsHopLimit);
            socket.SetSocketOption(level, SocketOptionName.MulticastLoopback, true); // other mDNS software on this host hears us
            socket.Ttl = MdnsHopLimit;
            socket.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Any : IPAddress.Any, options.Port));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    // SO_REUSEPORT as avahi and mDNSResponder set it; SO_REUSEADDR alone already lets sockets share the port on Linux.
    private static void AllowPortSharing(Socket socket)
    {
        (int level, int name)? reusePort =
            OperatingSystem.IsLinux() ? (1, 15) :
            OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD() ? (0xFFFF, 0x200) : null;
        if (reusePort is not { } option) return;
        try
        {
            socket.SetRawSocketOption(option.level, option.name, BitConverter.GetBytes(1));
        }
        catch (SocketException)
        {
            // not fatal: SO_REUSEADDR is set
        }
    }

    private void OnNetworkAddressChanged(object? sender, EventArgs e) => _rescanNow.Release();

    private async Task RescanLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                var signalled = await _rescanNow.WaitAsync(options.InterfaceRescanInterval, _stopping.Token).ConfigureAwait(false);
                Rescan();
                if (!signalled) continue;
                // An address often arrives before its link is up: look again shortly, when the change has settled.
                await Task.Delay(FollowUpScanDelay, _stopping.Token).ConfigureAwait(false);
                Rescan();
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e)
            {
                log.Warning(e, "mDNS interface scan failed; retrying");
            }
        }
    }

    /// <summary>Joins the group on new interfaces, leaves it on vanished ones, and reports any change.</summary>
    private void Rescan()
    {
        var current = MdnsInterfaceScanner.Scan(options);
        lock (_interfaceGate)
        {
            var previous = _interfaces;
            var changed = previous.Count != current.Count || previous.Zip(current).Any(p => !p.First.SameAs(p.Second));
            if (!changed) return;
            var currentIndexes = current.Select(i => i.Index).ToHashSet();
            foreach (var gone in previous.Where(i => !currentIndexes.Contains(i.Index)))
            {
                Leave(_v4, _joinedV4, gone);
                Leave(_v6, _joinedV6, gone);
            }
            foreach (var iface in current)
            {
                if (iface.Has(AddressFamily.InterNetwork)) Join(_v4, _joinedV4, iface);
                if (iface.Has(AddressFamily.InterNetworkV6)) Join(_v6, _joinedV6, iface);
            }
            _interfaces = current;
        }
        log.Debug("mDNS interfaces: {Interfaces}", string.Join(", ", current.Select(i => $"{i} [{string.Join(' ', i.Addresses)}]")));
        InterfacesChanged?.Invoke();
    }

    private void Join(Socket? socket, HashSet<int> joined, MdnsInterface iface)
    {
        if (socket is null || joined.Contains(iface.Index)) return;
        try
        {
            if (socket.AddressFamily == AddressFamily.InterNetwork)
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(GroupV4, iface.Index));
            else
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.AddMembership, new IPv6MulticastOption(GroupV6, iface.Index));
            joined.Add(iface.Index);
        }
        catch (SocketException e)
        {
            log.Debug("Could not join the mDNS group on {Interface} ({Family}): {Reason}", iface, socket.AddressFamily, e.Message);
        }
    }

    private void Leave(Socket? socket, HashSet<int> joined, MdnsInterface iface)
    {
        if (socket is null || !joined.Remove(iface.Index)) return;
        try
        {
            if (socket.AddressFamily == AddressFamily.InterNetwork)
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.DropMembership, new MulticastOption(GroupV4, iface.Index));
            else
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.DropMembership, new IPv6MulticastOption(GroupV6, iface.Index));
        }
        catch (SocketException)
        {
            // the interface is gone, and its membership with it
        }
    }

    private async Task ReceiveLoopAsync(Socket socket)
    {
        var buffer = new byte[MaxDatagram];
        EndPoint anySource = socket.AddressFamily == AddressFamily.InterNetwork
            ? new IPEndPoint(IPAddress.Any, 0)
            : new IPEndPoint(IPAddress.IPv6Any, 0);
        while (!_stopping.IsCancellationRequested)
        {
            SocketReceiveMessageFromResult received;
            try
            {
                received = await socket.ReceiveMessageFromAsync(buffer, SocketFlags.None, anySource, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                log.Debug("mDNS receive failed: {Reason}", e.Message);
                continue;
            }
            Deliver(buffer.AsSpan(0, received.ReceivedBytes), (IPEndPoint)received.RemoteEndPoint, received.PacketInformation);
        }
    }

    private void Deliver(ReadOnlySpan<byte> datagram, IPEndPoint source, IPPacketInformation info)
    {
        var iface = _interfaces.FirstOrDefault(i => i.Index == info.Interface);
        if (iface is null) return; // an interface we do not serve
        DnsMessage message;
        try
        {
            message = DnsMessage.Decode(datagram);
        }
        catch (DnsFormatException e)
        {
            log.Debug("Dropped a malformed mDNS packet from {Source} on {Interface}: {Reason}", source, iface, e.Message);
            return;
        }
        if (message.Opcode != 0 || message.ResponseCode != 0) return; // RFC 6762 §18.3, §18.11: silently ignored
        if (source.AddressFamily == AddressFamily.InterNetworkV6 && source.Address.IsIPv6LinkLocal && source.Address.ScopeId == 0)
            source = new IPEndPoint(new IPAddress(source.Address.GetAddressBytes(), iface.Index), source.Port);
        var toGroup = info.Address.Equals(GroupV4) || info.Address.Equals(GroupV6);
        try
        {
            PacketReceived?.Invoke(new MdnsPacket(message, source, iface, toGroup, options.Port));
        }
        catch (Exception e)
        {
            log.Warning(e, "An mDNS packet handler failed");
        }
    }

    public void SendMulticast(DnsMessage message, MdnsInterface iface, AddressFamily family)
    {
        var socket = family == AddressFamily.InterNetwork ? _v4 : _v6;
        if (socket is null || !iface.Has(family)) return;
        var group = new IPEndPoint(family == AddressFamily.InterNetwork ? GroupV4 : GroupV6, options.Port);
        Send(socket, message, group, iface);
    }

    public void SendUnicast(DnsMessage message, IPEndPoint destination, MdnsInterface iface)
    {
        var socket = destination.AddressFamily == AddressFamily.InterNetwork ? _v4 : _v6;
        if (socket is not null) Send(socket, message, destination, iface);
    }

    private void Send(Socket socket, DnsMessage message, IPEndPoint destination, MdnsInterface iface)
    {
        var bytes = message.Encode();
        try
        {
            // The outgoing interface is a socket option, so choosing it and sending must not interleave.
            lock (socket)
            {
                if (socket.AddressFamily == AddressFamily.InterNetwork)
                    socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, IPAddress.HostToNetworkOrder(iface.Index));
                else
                    socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, iface.Index);
                socket.SendTo(bytes, destination);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            log.Debug("mDNS send to {Destination} on {Interface} failed: {Reason}", destination, iface, e.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested) return;
        NetworkChange.NetworkAddressChanged -= OnNetworkAddressChanged;
        _stopping.Cancel();
        _v4?.Dispose();
        _v6?.Dispose();
        try
        {
            await Task.WhenAll(_loops).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            log.Debug(e, "An mDNS socket loop ended with an error");
        }
    }
}
