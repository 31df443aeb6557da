using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Xunit.Abstractions;
using PeerStorage.Network.Tests.Lab;

namespace PeerStorage.Network.Tests.Mdns;

/// <summary>Our responder and browser as separate processes on separate hosts of one bridge.</summary>
public sealed class MdnsDiscoveryTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [NetworkLabFact]
    public async Task Three_hosts_on_one_bridge_discover_each_other_within_two_seconds_of_starting()
    {
        using var lab = new NetworkLab();
        var lan = lab.AddBridge();
        var hosts = new[] { lab.AddHost("a", lan), lab.AddHost("b", lan), lab.AddHost("c", lan) };
        var nodes = hosts.Select((h, i) => MdnsTool.Advertise(h, $"Node {h.Name}", $"node-{h.Name}", 47000 + i, browse: true,
            $"id=id-{h.Name}", "fleet=", "pv=1", "cap=1000", $"name=node-{h.Name}")).ToList();

        for (var observer = 0; observer < nodes.Count; observer++)
            for (var observed = 0; observed < hosts.Length; observed++)
            {
                var host = hosts[observed];
                var seen = await nodes[observer].WaitForEventAsync("added", Patience, e => (string?)e["instance"] == $"Node {host.Name}");
                Assert.Equal($"node-{host.Name}.local", (string?)seen["host"]);
                Assert.Equal(47000 + observed, (int)seen["port"]!);
                Assert.Contains(host.Address.ToString(), seen["addresses"]!.AsArray().Select(a => (string?)a));
                Assert.Equal($"id-{host.Name}", (string?)seen["txt"]!["id"]);
                Assert.Equal("1000", (string?)seen["txt"]!["cap"]);

                // Within 2 s of both nodes having started their mDNS (the .NET runtime's own start-up before that
                // varies with the machine's load, so it is reported but not held to the limit).
                var seenAt = (long)seen["unixMs"]!;
                var delay = seenAt - Math.Max(EngineStartedAt(nodes[observer]), EngineStartedAt(nodes[observed]));
                var sinceProcessStart = seenAt - Math.Max(ProcessStartedAt(nodes[observer]), ProcessStartedAt(nodes[observed]));
                output.WriteLine($"{hosts[observer].Name} saw {host.Name} {delay} ms after both started ({sinceProcessStart} ms after both processes started)");
                Assert.True(delay <= 2000, $"{hosts[observer].Name} saw {host.Name} {delay} ms after both started.");
            }
    }

    [NetworkLabFact]
    public async Task A_node_that_stops_says_goodbye_and_leaves_the_others_at_once_while_a_killed_one_stays_cached()
    {
        using var lab = new NetworkLab();
        var lan = lab.AddBridge();
        var hosts = new[] { lab.AddHost("a", lan), lab.AddHost("b", lan), lab.AddHost("c", lan) };
        var nodes = hosts.Select((h, i) => MdnsTool.Advertise(h, $"Node {h.Name}", $"node-{h.Name}", 47000 + i, browse: true, $"id=id-{h.Name}")).ToList();
        foreach (var node in nodes)
            foreach (var host in hosts)
                await node.WaitForEventAsync("added", Patience, e => (string?)e["instance"] == $"Node {host.Name}");

        var stopping = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await nodes[0].StopAsync();
        foreach (var observer in nodes.Skip(1))
        {
            var removed = await observer.WaitForEventAsync("removed", TimeSpan.FromSeconds(3), e => (string?)e["instance"] == "Node a");
            Assert.True((long)removed["unixMs"]! - stopping < 2000, $"Removal took {(long)removed["unixMs"]! - stopping} ms.");
        }

        // Without a goodbye the record lives out its TTL: a crashed node is not dropped within seconds.
        nodes[2].Process.Kill();
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.DoesNotContain(nodes[1].EventsNamed("removed"), e => (string?)e["instance"] == "Node c");
    }

    [NetworkLabFact]
    public async Task Two_responders_that_start_together_with_the_same_names_end_up_with_distinct_names()
    {
        using var lab = new NetworkLab();
        var lan = lab.AddBridge();
        var a = lab.AddHost("a", lan);
        var b = lab.AddHost("b", lan);
        var observer = lab.AddHost("c", lan);
        var first = MdnsTool.Advertise(a, "Clash", "clash", 47000, txt: "id=from-a");
        var second = MdnsTool.Advertise(b, "Clash", "clash", 47001, txt: "id=from-b");
        await first.WaitForEventAsync("announced", Patience);
        await second.WaitForEventAsync("announced", Patience);
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // a loser of the tie-break renames after the winner announces

        var names = new[] { first.AnnouncedNames, second.AnnouncedNames };
        Assert.NotEqual(names[0].Instance, names[1].Instance);
        Assert.NotEqual(names[0].Host, names[1].Host);
        Assert.Equal(["Clash", "Clash (2)"], names.Select(n => n.Instance).Order());
        Assert.Equal(["clash-2.local", "clash.local"], names.Select(n => n.Host).Order());

        var found = await MdnsTool.BrowseAsync(observer);
        AssertFound(found, names[0], a, "from-a");
        AssertFound(found, names[1], b, "from-b");
    }

    [NetworkLabFact]
    public async Task A_responder_that_starts_later_with_a_taken_name_renames_itself_and_the_first_keeps_its_name()
    {
        using var lab = new NetworkLab();
        var lan = lab.AddBridge();
        var a = lab.AddHost("a", lan);
        var b = lab.AddHost("b", lan);
        var first = MdnsTool.Advertise(a, "Clash", "clash", 47000, txt: "id=from-a");
        await first.WaitForEventAsync("announced", Patience);
        var second = MdnsTool.Advertise(b, "Clash", "clash", 47001, txt: "id=from-b");
        await second.WaitForEventAsync("announced", Patience);

        Assert.Equal(("Clash", "clash.local"), first.AnnouncedNames);
        Assert.Equal(("Clash (2)", "clash-2.local"), second.AnnouncedNames);
        Assert.Single(first.EventsNamed("announced"));
    }

    [NetworkLabFact(Requires = ["nft"])]
    public async Task Discovery_copes_with_a_lossy_link()
    {
        using var lab = new NetworkLab();
        var lan = lab.AddBridge();
        var a = lab.AddHost("a", lan);
        var b = lab.AddHost("b", lan);
        a.SetIncomingLoss(20);
        b.SetIncomingLoss(20);
        var nodeA = MdnsTool.Advertise(a, "Lossy A", "lossy-a", 47000, browse: true, "id=a");
        var nodeB = MdnsTool.Advertise(b, "Lossy B", "lossy-b", 47001, browse: true, "id=b");
        await nodeA.WaitForEventAsync("added", TimeSpan.FromSeconds(8), e => (string?)e["instance"] == "Lossy B");
        await nodeB.WaitForEventAsync("added", TimeSpan.FromSeconds(8), e => (string?)e["instance"] == "Lossy A");
    }

    [NetworkLabFact]
    public async Task A_responder_follows_an_interface_plugged_in_while_it_runs_and_mdns_stays_on_its_link()
    {
        using var lab = new NetworkLab();
        var office = lab.AddBridge();
        var lab2 = lab.AddBridge();
        var node = lab.AddHost("a", office);
        var router = lab.AddRouter("r", office, lab2);
        var remote = lab.AddHost("c", lab2);
        lab.RouteThrough(router);
        Assert.Contains($"via {router.AddressOn(lab2)}", remote.Run("ip", "route", "get", node.Address.ToString()).EnsureSuccess().Stdout);

        var advertiser = MdnsTool.Advertise(node, "Roaming", "roaming", 47000, txt: "id=roaming");
        await advertiser.WaitForEventAsync("announced", Patience);
        var watcher = MdnsTool.Watch(remote);
        await watcher.WaitForEventAsync("started", Patience);
        await Task.Delay(1500);
        Assert.Empty(watcher.EventsNamed("added")); // routed, but multicast DNS is link-local

        var plugged = lab.Connect(node, lab2);
        var seen = await watcher.WaitForEventAsync("added", TimeSpan.FromSeconds(10), e => (string?)e["instance"] == "Roaming");
        Assert.Contains(plugged.Address.ToString(), seen["addresses"]!.AsArray().Select(a => (string?)a));
    }

    [NetworkLabFact]
    public async Task Hosts_with_only_IPv6_find_each_other_at_their_ULA_and_scoped_link_local_addresses()
    {
        using var lab = new NetworkLab();
        var lan = lab.AddBridge(LabAddressing.IPv6Only);
        var hosts = new[] { lab.AddHost("a", lan), lab.AddHost("b", lan) };
        var nodes = hosts.Select((h, i) => MdnsTool.Advertise(h, $"Six {h.Name}", $"six-{h.Name}", 47000 + i, browse: true, $"id=id-{h.Name}")).ToList();

        for (var observer = 0; observer < hosts.Length; observer++)
        {
            var peer = hosts[1 - observer];
            var ula = peer.Interfaces[0].IPv6Address!;
            // The first event may carry only some of the addresses; the rest follow as an update.
            var seen = await WaitForPeerAsync(nodes[observer], $"Six {peer.Name}", e => AddressesOf(e).Contains(ula));
            var addresses = AddressesOf(seen);
            Assert.All(addresses, a => Assert.Equal(AddressFamily.InterNetworkV6, a.AddressFamily));
            Assert.Equal($"six-{peer.Name}.local", (string?)seen["host"]);
            Assert.Equal(47000 + 1 - observer, (int)seen["port"]!);
            Assert.Equal($"id-{peer.Name}", (string?)seen["txt"]!["id"]);
            output.WriteLine($"{hosts[observer].Name} sees {peer.Name} at {string.Join(", ", addresses)}");

            // A link-local address is only usable with its interface: the browser scopes it to the one it heard it on.
            var observerIndex = int.Parse(hosts[observer].Run("cat", "/sys/class/net/eth0/ifindex").EnsureSuccess().Stdout.Trim(), CultureInfo.InvariantCulture);
            var linkLocal = peer.LinkLocalAddress(peer.Interfaces[0]);
            var scoped = await WaitForPeerAsync(nodes[observer], $"Six {peer.Name}",
                e => AddressesOf(e).Any(a => a.IsIPv6LinkLocal && new IPAddress(a.GetAddressBytes()).Equals(linkLocal)));
            Assert.Contains(AddressesOf(scoped), a => a.IsIPv6LinkLocal && a.ScopeId == observerIndex);
        }
    }

    private static List<IPAddress> AddressesOf(JsonObject peerEvent) =>
        peerEvent["addresses"]!.AsArray().Select(a => IPAddress.Parse((string)a!)).ToList();

    /// <summary>The first added or updated event for <paramref name="instance"/> that matches.</summary>
    private static async Task<JsonObject> WaitForPeerAsync(ToolProcess node, string instance, Func<JsonObject, bool> match)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var found = node.Events.FirstOrDefault(e => (string?)e["event"] is "added" or "updated" && (string?)e["instance"] == instance && match(e));
            if (found is not null) return found;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{node.Process.Label}: no matching event for {instance}.{Environment.NewLine}{node.Process.Describe()}");
            await Task.Delay(50);
        }
    }

    private static long EngineStartedAt(ToolProcess node) => (long)node.EventsNamed("started").First()["unixMs"]!;
    private static long ProcessStartedAt(ToolProcess node) => (long)node.EventsNamed("started").First()["processStartUnixMs"]!;

    private static void AssertFound(List<JsonObject> found, (string Instance, string Host) names, LabHost host, string id)
    {
        var peer = Assert.Single(found, p => (string?)p["instance"] == names.Instance);
        Assert.Equal(names.Host, (string?)peer["host"]);
        Assert.Contains(host.Address.ToString(), peer["addresses"]!.AsArray().Select(x => (string?)x));
        Assert.Equal(id, (string?)peer["txt"]!["id"]);
    }
}
