using System.Net;
using PeerStorage.Core.Discovery;
using PeerStorage.Core.Discovery.Dns;

namespace PeerStorage.Core.Tests.Discovery;

/// <summary>The browser on a simulated link: queries, known answers, resolution, events.</summary>
public sealed class BrowserProtocolTests
{
    private static readonly DnsName Service = DnsName.Parse("_peerstorage._tcp.local");
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static MdnsBrowser Browser(InMemoryMdnsLink link, int hostNumber) =>
        new(PeerStorageService.ServiceType, link.Join(hostNumber), Serilog.Core.Logger.None);

    private static Task<DiscoveredPeer> Next(Action<EventHandler<DiscoveredPeerEventArgs>> subscribe, Func<DiscoveredPeer, bool>? match = null)
    {
        var seen = new TaskCompletionSource<DiscoveredPeer>(TaskCreationOptions.RunContinuationsAsynchronously);
        subscribe((_, e) =>
        {
            if (match?.Invoke(e.Peer) ?? true) seen.TrySetResult(e.Peer);
        });
        return seen.Task.WaitAsync(Patience);
    }

    /// <summary>Polls, so a busy test machine slows the test down instead of failing it.</summary>
    internal static async Task Eventually(Func<bool> condition, string? what = null)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"Timed out waiting for {what ?? "a condition"}.");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task It_finds_an_announcer_sees_its_txt_change_and_drops_it_on_goodbye()
    {
        var link = new InMemoryMdnsLink();
        await using var browser = Browser(link, 9);
        var added = Next(h => browser.PeerAdded += h);
        var updated = Next(h => browser.PeerUpdated += h);
        var removed = Next(h => browser.PeerRemoved += h);
        await browser.StartAsync();
        var announcer = new MdnsServiceAnnouncer(
            PeerStorageService.Registration("lab-pc-07", 47000, PeerStorageService.Txt("node-id", null, 1, 1024, "lab-pc-07"), hostName: "lab-pc-07"),
            link.Join(1), Serilog.Core.Logger.None);
        await announcer.StartAsync();

        var peer = await added;
        Assert.Equal("lab-pc-07", peer.InstanceName);
        Assert.Equal("lab-pc-07._peerstorage._tcp.local", peer.FullName);
        Assert.Equal("lab-pc-07.local", peer.HostName);
        Assert.Equal(47000, peer.Port);
        Assert.Equal([IPAddress.Parse("10.0.0.1")], peer.Addresses);
        Assert.Equal("mem0", peer.InterfaceName);
        Assert.Equal("node-id", peer.NodeId);
        Assert.Null(peer.FleetId);
        Assert.Equal(1, peer.ProtocolVersion);
        Assert.Equal(1024, peer.OfferedCapacityBytes);
        Assert.Equal("lab-pc-07", peer.NodeName);
        Assert.Single(browser.Peers);

        await announcer.UpdateTxtAsync(PeerStorageService.Txt("node-id", "fleet-1", 1, 2048, "lab-pc-07"));
        var changed = await updated;
        Assert.Equal(2048, changed.OfferedCapacityBytes);
        Assert.Equal("fleet-1", changed.FleetId);

        var stopped = DateTime.UtcNow;
        await announcer.StopAsync();
        Assert.Equal("lab-pc-07", (await removed).InstanceName);
        Assert.True(DateTime.UtcNow - stopped < TimeSpan.FromSeconds(1));
        Assert.Empty(browser.Peers);
    }

    [Fact]
    public async Task Queries_back_off_by_doubling_and_list_known_answers()
    {
        var link = new InMemoryMdnsLink();
        await using var browser = Browser(link, 9);
        // A responder that only ever answers the pointer, without additional records, as some implementations do.
        link.Inject(DnsMessage.Response([new DnsRecord(Service, 4500, new PointerRecordData(Service.Prepend("Bare")))]),
            new IPEndPoint(IPAddress.Parse("10.0.0.50"), InMemoryMdnsLink.Port));
        await browser.StartAsync();
        List<InMemoryMdnsLink.SentPacket> PointerQueries() => link.Sent.Where(p => !p.Message.IsResponse && p.Message.Questions.Any(q => q.Name == Service && q.Type == DnsRecordType.PTR)).ToList();
        await Eventually(() => PointerQueries().Count >= 3);

        // Sent at ~0.1 s, ~1.1 s, ~3.1 s; the next is due at ~7.1 s. A loaded machine only ever makes a query late,
        // so the gaps are bounded below tightly and above loosely: never early, and each gap clearly the double.
        var queries = PointerQueries();
        Assert.Equal(3, queries.Count);
        var first = (queries[1].At - queries[0].At).TotalSeconds;
        var second = (queries[2].At - queries[1].At).TotalSeconds;
        Assert.InRange(first, 0.9, 1.8);
        Assert.InRange(second, 1.9, 3.8);
        Assert.InRange((queries[2].At - queries[0].At).TotalSeconds, 2.9, 4.5);
        Assert.All(queries, q => Assert.Contains(q.Message.Answers, r => r.Data is PointerRecordData p && p.Target == Service.Prepend("Bare")));
    }

    [Fact]
    public async Task A_bare_pointer_is_resolved_by_asking_for_srv_txt_and_then_the_host_addresses()
    {
        var link = new InMemoryMdnsLink();
        await using var browser = Browser(link, 9);
        var added = Next(h => browser.PeerAdded += h);
        await browser.StartAsync();
        var responder = new IPEndPoint(IPAddress.Parse("10.0.0.50"), InMemoryMdnsLink.Port);
        var instance = Service.Prepend("Bare");
        var host = DnsName.Parse("bare.local");

        link.Inject(DnsMessage.Response([new DnsRecord(Service, 4500, new PointerRecordData(instance))]), responder);
        await Eventually(() => link.Sent.Any(p => !p.Message.IsResponse && p.Message.Questions.Any(q => q.Name == instance && q.Type == DnsRecordType.SRV)));

        link.Inject(DnsMessage.Response([
            new DnsRecord(instance, 120, new ServiceRecordData(0, 0, 9, host), cacheFlush: true),
            new DnsRecord(instance, 4500, TextRecordData.FromProperties([new("id", "bare")]), cacheFlush: true),
        ]), responder);
        await Eventually(() => link.Sent.Any(p => !p.Message.IsResponse && p.Message.Questions.Any(q => q.Name == host && q.Type == DnsRecordType.A)));
        Assert.False(added.IsCompleted);

        link.Inject(DnsMessage.Response([new DnsRecord(host, 120, new AddressRecordData(IPAddress.Parse("10.0.0.50")), cacheFlush: true)]), responder);
        var peer = await added;
        Assert.Equal(("Bare", "bare.local", 9, "bare"), (peer.InstanceName, peer.HostName, peer.Port, peer.NodeId));
    }

    [Fact]
    public async Task Responses_from_ports_other_than_5353_and_other_service_types_are_ignored()
    {
        var link = new InMemoryMdnsLink();
        await using var browser = Browser(link, 9);
        await browser.StartAsync();
        var instance = Service.Prepend("Spoof");
        var host = DnsName.Parse("spoof.local");
        DnsRecord[] records =
        [
            new(Service, 4500, new PointerRecordData(instance)),
            new(instance, 120, new ServiceRecordData(0, 0, 9, host), cacheFlush: true),
            new(instance, 4500, TextRecordData.FromProperties([new("id", "x")]), cacheFlush: true),
            new(host, 120, new AddressRecordData(IPAddress.Parse("10.0.0.66")), cacheFlush: true),
        ];
        link.Inject(DnsMessage.Response(records), new IPEndPoint(IPAddress.Parse("10.0.0.66"), 40000));
        var other = DnsName.Parse("_other._tcp.local");
        link.Inject(DnsMessage.Response([new DnsRecord(other, 4500, new PointerRecordData(other.Prepend("X")))]), new IPEndPoint(IPAddress.Parse("10.0.0.66"), 5353));
        await Task.Delay(300);
        Assert.Empty(browser.Peers);
    }
}
