using System.Net;
using System.Net.Sockets;
using PeerStorage.Core.Discovery;
using PeerStorage.Core.Discovery.Dns;

namespace PeerStorage.Core.Tests.Discovery;

/// <summary>
/// The real sockets, on loopback only and on a private port, so these tests send nothing onto any real network and
/// do not disturb an mDNS responder on this machine.
/// </summary>
public sealed class LoopbackMdnsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static MdnsOptions LoopbackOnly(int port) => new()
    {
        Port = port,
        IncludeLoopback = true,
        InterfaceNames = ["lo"],
        UseIPv6 = false,
    };

    private static int FreeUdpPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static MdnsServiceRegistration Registration => new()
    {
        InstanceName = "Loopback Node",
        HostName = "loopback-node",
        Port = 47000,
        Txt = PeerStorageService.Txt("node-id", null, 1, 0, "loopback-node"),
    };

    [Fact]
    public async Task A_browser_finds_an_announcer_through_the_real_sockets()
    {
        var options = LoopbackOnly(FreeUdpPort());
        await using var announcer = new MdnsServiceAnnouncer(Registration, options);
        await announcer.StartAsync();
        await announcer.WaitForAnnouncementAsync().WaitAsync(Patience);

        // Two seconds: an answer to our first query may be held back by the one-second multicast rate limit when the
        // announcer has just announced; its next announcement, a second later, then brings the records.
        var peers = await MdnsBrowser.BrowseAsync(TimeSpan.FromSeconds(2), options);

        var peer = Assert.Single(peers);
        Assert.Equal("Loopback Node", peer.InstanceName);
        Assert.Equal("lo", peer.InterfaceName);
        Assert.Contains(IPAddress.Loopback, peer.Addresses);
        Assert.Equal("node-id", peer.NodeId);
    }

    [Fact]
    public async Task Twenty_thousand_hostile_packets_neither_crash_a_live_responder_nor_stop_it_answering()
    {
        var port = FreeUdpPort();
        await using var announcer = new MdnsServiceAnnouncer(Registration, LoopbackOnly(port));
        await announcer.StartAsync();
        await announcer.WaitForAnnouncementAsync().WaitAsync(Patience);

        var generator = new HostilePacketGenerator(seed: 6763);
        using (var unicast = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        using (var multicast = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            // From the mDNS port to the group, so they also pass for responses; unicast ones look like legacy queries.
            multicast.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            multicast.Bind(new IPEndPoint(IPAddress.Any, port));
            multicast.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, IPAddress.Loopback.GetAddressBytes());
            var group = new IPEndPoint(IPAddress.Parse("224.0.0.251"), port);
            var target = new IPEndPoint(IPAddress.Loopback, port);
            for (var i = 0; i < 20_000; i++)
            {
                (i % 2 == 0 ? unicast : multicast).SendTo(generator.Next(), i % 2 == 0 ? target : group);
                if (i % 1000 == 999) await Task.Delay(5); // a burst beyond the socket buffer only tests the kernel
            }
        }

        Assert.True(announcer.IsAnnounced);
        Assert.Equal("Loopback Node", announcer.InstanceName);
        var reply = await LegacyQueryAsync(port, new DnsQuestion(DnsName.Parse("_peerstorage._tcp.local").Prepend("Loopback Node"), DnsRecordType.SRV));
        Assert.Equal(47000, ((ServiceRecordData)Assert.Single(reply.Answers).Data).Port);
    }

    /// <summary>
    /// IPv6 on loopback. Linux gives lo no IPv6 multicast route, so a send to ff02::fb there fails (ENETUNREACH) and
    /// announcing or browsing over IPv6 cannot be tested on loopback: the network lab tests do that on IPv6-only
    /// bridges. What loopback can test is the IPv6 socket itself: it is bound, tied to the interface a packet came
    /// in on, and answers a unicast query over ::1 with the host's IPv6 address, from its IPv6 socket.
    /// </summary>
    [Fact]
    public async Task The_IPv6_socket_answers_a_unicast_query_over_loopback_with_the_IPv6_address()
    {
        if (!Socket.OSSupportsIPv6) return;
        var port = FreeUdpPort();
        await using var announcer = new MdnsServiceAnnouncer(Registration, LoopbackOnly(port) with { UseIPv6 = true });
        await announcer.StartAsync();
        await announcer.WaitForAnnouncementAsync().WaitAsync(Patience);

        var reply = await LegacyQueryAsync(port, new DnsQuestion(DnsName.Parse("loopback-node.local"), DnsRecordType.AAAA), IPAddress.IPv6Loopback);

        var answer = Assert.Single(reply.Answers);
        Assert.Equal(DnsRecordType.AAAA, answer.Type);
        Assert.Equal(IPAddress.IPv6Loopback, ((AddressRecordData)answer.Data).Address);
    }

    /// <summary>A one-shot query from an ephemeral port, as a plain DNS resolver asks an mDNS responder (RFC 6762 §6.7).</summary>
    private static async Task<DnsMessage> LegacyQueryAsync(int port, DnsQuestion question, IPAddress? server = null)
    {
        server ??= IPAddress.Loopback;
        using var client = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(server, 0));
        var buffer = new byte[9000];
        for (var attempt = 0; attempt < 5; attempt++)
        {
            await client.SendToAsync(new DnsMessage { Id = 42, Questions = [question] }.Encode(), new IPEndPoint(server, port));
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try
            {
                while (true)
                {
                    var received = await client.ReceiveAsync(buffer, SocketFlags.None, wait.Token);
                    var reply = DnsMessage.Decode(buffer.AsSpan(0, received));
                    if (reply.IsResponse && reply.Id == 42) return reply;
                }
            }
            catch (OperationCanceledException)
            {
            }
        }
        throw new TimeoutException("The responder did not answer a legacy unicast query.");
    }
}
