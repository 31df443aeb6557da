using System.Net;
using System.Net.Sockets;
using PeerStorage.Network.Tests.Lab;

namespace PeerStorage.Network.Tests.Mdns;

/// <summary>Our responder and browser against avahi (the reference implementation) on another host.</summary>
public sealed class AvahiInteropTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [NetworkLabFact(Requires = ["avahi-daemon", "avahi-browse", "avahi-publish", "dbus-daemon", "unshare"])]
    public async Task Avahi_browse_resolves_our_instance_host_address_port_and_txt()
    {
        using var lab = new NetworkLab();
        var lan = lab.AddBridge();
        var ours = lab.AddHost("ours", lan);
        var theirs = lab.AddHost("avahi", lan);
        var avahi = await AvahiDaemon.StartAsync(lab, theirs, "avahi-host");
        var node = MdnsTool.Advertise(ours, "Peer Alpha", "alpha", 47001,
            txt: ["id=node-alpha-id", "fleet=", "pv=1", "cap=1073741824", "name=alpha"]);
        await node.WaitForEventAsync("announced", Patience);

        var resolved = await UntilAsync(async () =>
        {
            var browse = await avahi.BrowseAsync("_peerstorage._tcp", TimeSpan.FromSeconds(15));
            return AvahiBrowseLine.ParseResolved(browse.Stdout).FirstOrDefault(l => l.Protocol == "IPv4" && l.Instance == "Peer Alpha");
        });

        Assert.Equal("_peerstorage._tcp", resolved.ServiceType);
        Assert.Equal("alpha.local", resolved.Host);
        Assert.Equal(ours.Address.ToString(), resolved.Address);
        Assert.Equal(47001, resolved.Port);
        Assert.Equal(["cap=1073741824", "fleet=", "id=node-alpha-id", "name=alpha", "pv=1"], resolved.Txt.Order());
    }

    [NetworkLabFact(Requires = ["avahi-daemon", "avahi-browse", "avahi-publish", "dbus-daemon", "unshare"])]
    public async Task Our_browser_finds_a_service_that_avahi_publish_announced_with_its_txt()
    {
        using var lab = new NetworkLab();
        var lan = lab.AddBridge();
        var ours = lab.AddHost("ours", lan);
        var theirs = lab.AddHost("avahi", lan);
        var avahi = await AvahiDaemon.StartAsync(lab, theirs, "avahi-host");
        var publisher = avahi.Publish("Avahi Peer", "_peerstorage._tcp", 47002, "id=avahi-node-id", "pv=1", "name=avahi peer");
        await publisher.WaitForLineAsync(l => l.Contains("Established under name"), Patience, "avahi-publish registration");

        var found = await MdnsTool.BrowseAsync(ours);

        var peer = Assert.Single(found, p => (string?)p["instance"] == "Avahi Peer");
        Assert.Equal("avahi-host.local", (string?)peer["host"]);
        Assert.Equal(47002, (int)peer["port"]!);
        Assert.Contains(theirs.Address.ToString(), peer["addresses"]!.AsArray().Select(a => (string?)a));
        Assert.Equal("avahi-node-id", (string?)peer["txt"]!["id"]);
        Assert.Equal("1", (string?)peer["txt"]!["pv"]);
        Assert.Equal("avahi peer", (string?)peer["txt"]!["name"]);
    }

    [NetworkLabFact(Requires = ["avahi-daemon", "avahi-browse", "avahi-publish", "dbus-daemon", "unshare"])]
    public async Task Our_responder_renames_itself_when_avahi_already_holds_the_instance_name()
    {
        using var lab = new NetworkLab();
        var lan = lab.AddBridge();
        var ours = lab.AddHost("ours", lan);
        var theirs = lab.AddHost("avahi", lan);
        var avahi = await AvahiDaemon.StartAsync(lab, theirs, "avahi-host");
        var publisher = avahi.Publish("Shared Name", "_peerstorage._tcp", 47003, "id=avahi");
        await publisher.WaitForLineAsync(l => l.Contains("Established under name"), Patience, "avahi-publish registration");

        var node = MdnsTool.Advertise(ours, "Shared Name", "ours", 47004, txt: "id=ours");
        await node.WaitForEventAsync("announced", Patience);

        Assert.Equal(("Shared Name (2)", "ours.local"), node.AnnouncedNames);
        var instances = AvahiBrowseLine.ParseResolved((await avahi.BrowseAsync("_peerstorage._tcp", TimeSpan.FromSeconds(15))).Stdout)
            .Select(l => l.Instance).Distinct().Order();
        Assert.Equal(["Shared Name", "Shared Name (2)"], instances);
    }

    [NetworkLabFact(Requires = ["avahi-daemon", "avahi-browse", "avahi-publish", "dbus-daemon", "unshare"])]
    public async Task Avahi_renames_its_service_when_ours_already_holds_the_instance_name()
    {
        using var lab = new NetworkLab();
        var lan = lab.AddBridge();
        var ours = lab.AddHost("ours", lan);
        var theirs = lab.AddHost("avahi", lan);
        var avahi = await AvahiDaemon.StartAsync(lab, theirs, "avahi-host");
        var node = MdnsTool.Advertise(ours, "Defended", "ours", 47005, txt: "id=ours");
        await node.WaitForEventAsync("announced", Patience);

        var publisher = avahi.Publish("Defended", "_peerstorage._tcp", 47006, "id=avahi");
        var established = await publisher.WaitForLineAsync(l => l.Contains("Established under name"), Patience, "avahi-publish registration");

        Assert.DoesNotContain("'Defended'", established);
        Assert.Equal(("Defended", "ours.local"), node.AnnouncedNames);
        Assert.Single(node.EventsNamed("announced"));
    }

    [NetworkLabFact(Requires = ["avahi-daemon", "avahi-browse", "avahi-publish", "dbus-daemon", "unshare"])]
    public async Task Our_responder_and_browser_share_port_5353_with_avahi_on_the_same_host()
    {
        using var lab = new NetworkLab();
        var lan = lab.AddBridge();
        var shared = lab.AddHost("shared", lan);
        var other = lab.AddHost("other", lan);
        var avahi = await AvahiDaemon.StartAsync(lab, shared, "shared-avahi");
        var publisher = avahi.Publish("Avahi Here", "_peerstorage._tcp", 47007, "id=avahi-here");
        await publisher.WaitForLineAsync(l => l.Contains("Established under name"), Patience, "avahi-publish registration");
        var node = MdnsTool.Advertise(shared, "Ours Here", "ours-here", 47008, txt: "id=ours-here");
        await node.WaitForEventAsync("announced", Patience);

        var resolvedByAvahi = await UntilAsync(async () =>
        {
            var browse = await avahi.BrowseAsync("_peerstorage._tcp", TimeSpan.FromSeconds(15));
            return AvahiBrowseLine.ParseResolved(browse.Stdout).FirstOrDefault(l => l.Protocol == "IPv4" && l.Instance == "Ours Here");
        });
        Assert.Equal(47008, resolvedByAvahi.Port);

        var seenHere = await MdnsTool.BrowseAsync(shared);
        Assert.Contains(seenHere, p => (string?)p["instance"] == "Avahi Here");
        var seenFromElsewhere = await MdnsTool.BrowseAsync(other);
        Assert.Contains(seenFromElsewhere, p => (string?)p["instance"] == "Avahi Here");
        Assert.Contains(seenFromElsewhere, p => (string?)p["instance"] == "Ours Here");
    }

    [NetworkLabFact(Requires = ["avahi-daemon", "avahi-browse", "avahi-publish", "dbus-daemon", "unshare"])]
    public async Task Avahi_browse_resolves_our_instance_over_IPv6_to_our_IPv6_address_on_a_link_without_IPv4()
    {
        using var lab = new NetworkLab();
        var lan = lab.AddBridge(LabAddressing.IPv6Only);
        var ours = lab.AddHost("ours", lan);
        var theirs = lab.AddHost("avahi", lan);
        var avahi = await AvahiDaemon.StartAsync(lab, theirs, "avahi-host");
        var node = MdnsTool.Advertise(ours, "Peer Six", "six", 47011,
            txt: ["id=node-six-id", "fleet=", "pv=1", "cap=4096", "name=six"]);
        await node.WaitForEventAsync("announced", Patience);

        var resolved = await UntilAsync(async () =>
        {
            var browse = await avahi.BrowseAsync("_peerstorage._tcp", TimeSpan.FromSeconds(15));
            return AvahiBrowseLine.ParseResolved(browse.Stdout).FirstOrDefault(l => l.Protocol == "IPv6" && l.Instance == "Peer Six");
        });

        Assert.Equal("_peerstorage._tcp", resolved.ServiceType);
        Assert.Equal("six.local", resolved.Host);
        // avahi resolves to the first AAAA record it takes: the ULA the lab gave our host, or the kernel's link-local one.
        var ourAddresses = new[] { ours.Interfaces[0].IPv6Address!, ours.LinkLocalAddress(ours.Interfaces[0]) };
        Assert.Contains(IPAddress.Parse(resolved.Address.Split('%')[0]), ourAddresses);
        Assert.Equal(47011, resolved.Port);
        Assert.Equal(["cap=4096", "fleet=", "id=node-six-id", "name=six", "pv=1"], resolved.Txt.Order());
        Assert.All(AvahiBrowseLine.ParseResolved((await avahi.BrowseAsync("_peerstorage._tcp", TimeSpan.FromSeconds(15))).Stdout),
            l => Assert.Equal("IPv6", l.Protocol)); // nothing reached avahi over IPv4: the link has none
    }

    [NetworkLabFact(Requires = ["avahi-daemon", "avahi-browse", "avahi-publish", "dbus-daemon", "unshare"])]
    public async Task Our_browser_finds_an_avahi_service_at_its_IPv6_address_on_a_link_without_IPv4()
    {
        using var lab = new NetworkLab();
        var lan = lab.AddBridge(LabAddressing.IPv6Only);
        var ours = lab.AddHost("ours", lan);
        var theirs = lab.AddHost("avahi", lan);
        var avahi = await AvahiDaemon.StartAsync(lab, theirs, "avahi-six");
        var publisher = avahi.Publish("Avahi Six", "_peerstorage._tcp", 47012, "id=avahi-six-id", "pv=1");
        await publisher.WaitForLineAsync(l => l.Contains("Established under name"), Patience, "avahi-publish registration");

        var found = await MdnsTool.BrowseAsync(ours);

        var peer = Assert.Single(found, p => (string?)p["instance"] == "Avahi Six");
        Assert.Equal("avahi-six.local", (string?)peer["host"]);
        Assert.Equal(47012, (int)peer["port"]!);
        var addresses = peer["addresses"]!.AsArray().Select(a => IPAddress.Parse((string)a!)).ToList();
        Assert.Contains(theirs.Interfaces[0].IPv6Address!, addresses);
        Assert.All(addresses, a => Assert.Equal(AddressFamily.InterNetworkV6, a.AddressFamily));
        Assert.Equal("avahi-six-id", (string?)peer["txt"]!["id"]);
    }

    private static async Task<T> UntilAsync<T>(Func<Task<T?>> attempt) where T : class
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            if (await attempt() is { } result) return result;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("avahi did not resolve our service in time.");
            await Task.Delay(250);
        }
    }
}
