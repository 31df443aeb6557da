using PeerStorage.Core.Node;
using PeerStorage.Core.Trust;
using PeerStorage.Network.Tests.Lab;

namespace PeerStorage.Network.Tests.Peers;

/// <summary>Nodes as agent processes, each in its own namespace, talking mutual TLS over a bridge.</summary>
public sealed class PeerNetworkLabTests
{
    [NetworkLabFact]
    public async Task Fleet_members_talk_and_strangers_other_fleets_and_revoked_nodes_are_refused()
    {
        using var lab = new NetworkLab();
        var lan = lab.AddBridge();
        using var fleet = FleetAuthority.Create(Path.Combine(lab.ScratchDirectory, "lab.fleet"), "lab", null);
        using var otherFleet = FleetAuthority.Create(Path.Combine(lab.ScratchDirectory, "other.fleet"), "other", null);
        var admin = LabNode.Create(lab, lab.AddHost("admin", lan), fleet);
        var member = LabNode.Create(lab, lab.AddHost("member", lan), fleet);
        var victim = LabNode.Create(lab, lab.AddHost("victim", lan), fleet);
        var stranger = LabNode.Create(lab, lab.AddHost("stranger", lan), null);
        var foreigner = LabNode.Create(lab, lab.AddHost("foreign", lan), otherFleet);
        foreach (var node in new[] { admin, member, victim, stranger, foreigner }) await node.StartAsync();

        Assert.Equal("True|Fleet", await member.TestConnectionAsync(admin));
        Assert.Equal("True|Fleet", await victim.TestConnectionAsync(member));

        // Nobody trusts the stranger: the admin refuses it as a server...
        Assert.Equal("PeerNotTrusted", await admin.TestConnectionAsync(stranger));
        // ...and as a client, even once the stranger itself trusts the admin.
        await stranger.PowerShellAsync($"Add-PeerTrust -NodePath $node -NodeId '{admin.NodeId}' | Out-Null");
        Assert.Equal("PeerRefusedSession", await stranger.TestConnectionAsync(admin));
        // A certificate from another fleet opens nothing, either way.
        Assert.Equal("PeerNotTrusted", await admin.TestConnectionAsync(foreigner));
        await foreigner.PowerShellAsync($"Add-PeerTrust -NodePath $node -NodeId '{admin.NodeId}' | Out-Null");
        Assert.Equal("PeerRefusedSession", await foreigner.TestConnectionAsync(admin));

        // Pinning by node id lets the stranger in, on the node that pinned it.
        var pinned = await admin.PowerShellAsync($"Add-PeerTrust -NodePath $node -NodeId '{stranger.NodeId}' | Out-Null");
        Assert.Equal(0, pinned.ExitCode);
        Assert.Equal("True|Pinned", await stranger.TestConnectionAsync(admin));

        // The admin revokes the victim on the admin node; the member learns it by meeting the admin.
        var revoked = await admin.PowerShellAsync($"Revoke-PeerNode -NodePath $node -Fleet '{fleet.Path}' -NodeId '{victim.NodeId}' -Reason stolen | Out-Null");
        Assert.True(revoked.ExitCode == 0, revoked.ToString());
        Assert.Equal("PeerRefusedSession", await victim.TestConnectionAsync(admin));
        Assert.Equal("True|Fleet", await member.TestConnectionAsync(admin));
        using (var memberHome = NodeHome.Open(member.Home, "Test"))
            Assert.True(Revocations.IsRevoked(memberHome.State, NodeId.Parse(victim.NodeId)));
        Assert.Equal("PeerRefusedSession", await victim.TestConnectionAsync(member));
    }

    [NetworkLabFact]
    public async Task A_node_that_mDNS_cannot_reach_is_found_through_the_directory_and_reached_through_the_router()
    {
        using var lab = new NetworkLab();
        var lan = lab.AddBridge();
        var far = lab.AddBridge();
        using var fleet = FleetAuthority.Create(Path.Combine(lab.ScratchDirectory, "lab.fleet"), "lab", null);
        var directoryHost = lab.AddHost("directory", lan);
        var router = lab.AddRouter("router", lan, far);
        var directoryAddress = $"{directoryHost.Address}:{LabNode.Port}";
        var directory = LabNode.Create(lab, directoryHost, fleet);
        var office = LabNode.Create(lab, lab.AddHost("office", lan), fleet, directoryAddress);
        var remote = LabNode.Create(lab, lab.AddHost("remote", far), fleet, directoryAddress);
        lab.RouteThrough(router);
        using (var home = NodeHome.Open(directory.Home, "Test")) home.Settings.Set(Core.State.SettingKeys.DirectoryRole, "on");
        foreach (var node in new[] { directory, office, remote }) await node.StartAsync();

        // The office node registers itself with the directory within moments of starting.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            using (var home = NodeHome.Open(directory.Home, "Test"))
                if (new Core.DirectoryServer.DirectoryStore(home.State).Lookup(office.NodeId, null).Count == 1) break;
            Assert.True(DateTime.UtcNow < deadline, "the office node never registered with the directory");
            await Task.Delay(200);
        }

        // mDNS does not cross the router: the remote node cannot see the office node on its link...
        var onLink = await remote.PowerShellAsync("Find-PeerNode -NodePath $node -Timeout 0:0:2 | ForEach-Object NodeId");
        Assert.DoesNotContain(office.NodeId, onLink.Stdout);
        // ...but resolves it through the directory, and opens a session across the router.
        var resolved = await remote.PowerShellAsync($"$p = Resolve-PeerNode -NodePath $node -NodeId '{office.NodeId}' -Timeout 0:0:1; \"$($p.Source)|$($p.Addresses -join ',')|$($p.Port)\"");
        Assert.True(resolved.ExitCode == 0, resolved.ToString());
        Assert.StartsWith($"Directory|{office.Host.Address}", resolved.Stdout.Trim());
        var session = await remote.PowerShellAsync($"$t = Test-PeerConnection -NodePath $node -NodeId '{office.NodeId}'; \"$($t.Success)|$($t.TrustedBy)|$($t.Address)\"");
        Assert.StartsWith("True|Fleet|", session.Stdout.Trim());
    }

    [NetworkLabFact]
    public async Task Nodes_on_a_link_without_IPv4_find_each_other_and_open_sessions_over_IPv6()
    {
        using var lab = new NetworkLab();
        var lan = lab.AddBridge(LabAddressing.IPv6Only);
        using var fleet = FleetAuthority.Create(Path.Combine(lab.ScratchDirectory, "lab.fleet"), "lab", null);
        var a = LabNode.Create(lab, lab.AddHost("a", lan), fleet);
        var b = LabNode.Create(lab, lab.AddHost("b", lan), fleet, directoryAddress: a.Address); // a is also b's directory
        using (var home = NodeHome.Open(a.Home, "Test")) home.Settings.Set(Core.State.SettingKeys.DirectoryRole, "on");
        foreach (var node in new[] { a, b }) await node.StartAsync();

        var found = await a.PowerShellAsync("Find-PeerNode -NodePath $node -Timeout 0:0:3 | ForEach-Object { \"$($_.NodeId)|$($_.Addresses -join ',')\" }");
        Assert.True(found.ExitCode == 0, found.ToString());
        var line = found.Stdout.Split('\n', StringSplitOptions.TrimEntries).Single(l => l.StartsWith(b.NodeId, StringComparison.Ordinal));
        var addresses = line.Split('|')[1].Split(',').Select(System.Net.IPAddress.Parse).ToList();
        Assert.Contains(b.Host.Interfaces[0].IPv6Address!, addresses);
        Assert.All(addresses, x => Assert.Equal(System.Net.Sockets.AddressFamily.InterNetworkV6, x.AddressFamily));

        // Resolved from what Find-PeerNode cached (IPv6 only), then an authenticated session over IPv6.
        var session = await a.PowerShellAsync($"$t = Test-PeerConnection -NodePath $node -NodeId '{b.NodeId}'; \"$($t.Success)|$($t.TrustedBy)|$($t.Address)\"");
        Assert.True(session.ExitCode == 0, session.ToString());
        Assert.StartsWith("True|Fleet|[", session.Stdout.Trim());
        // The kernel's link-local address works too, with its interface as the scope.
        var linkLocal = $"[{a.Host.LinkLocalAddress(a.Host.Interfaces[0])}%eth0]:{LabNode.Port}";
        var viaLinkLocal = await b.PowerShellAsync($"$t = Test-PeerConnection -NodePath $node -NodeId '{a.NodeId}' -Address '{linkLocal}'; \"$($t.Success)|$($t.TrustedBy)\"");
        Assert.True(viaLinkLocal.ExitCode == 0, viaLinkLocal.ToString());
        Assert.Equal("True|Fleet", viaLinkLocal.Stdout.Trim());

        // b registered with its directory over IPv6, with its ULA only: a link-local address means nothing off the link.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            using (var home = NodeHome.Open(a.Home, "Test"))
                if (new Core.DirectoryServer.DirectoryStore(home.State).Lookup(b.NodeId, null).SingleOrDefault() is { } entry)
                {
                    Assert.Equal([b.Host.Interfaces[0].IPv6Address!.ToString()], entry.Addresses);
                    break;
                }
            Assert.True(DateTime.UtcNow < deadline, "b never registered with its directory over IPv6");
            await Task.Delay(200);
        }
    }

    [NetworkLabFact]
    public async Task Nodes_on_one_link_find_each_other_with_Find_PeerNode()
    {
        using var lab = new NetworkLab();
        var lan = lab.AddBridge();
        var nodes = new[] { "n1", "n2", "n3" }.Select(n => LabNode.Create(lab, lab.AddHost(n, lan), null)).ToArray();
        foreach (var node in nodes) await node.StartAsync();
        var found = await nodes[0].PowerShellAsync("Find-PeerNode -NodePath $node -Timeout 0:0:2 | ForEach-Object { \"$($_.NodeId)|$($_.Name)|$($_.Addresses[0])\" }");
        Assert.True(found.ExitCode == 0, found.ToString());
        foreach (var other in nodes.Skip(1))
            Assert.Contains($"{other.NodeId}|{other.Host.Name}|{other.Host.Address}", found.Stdout);
        Assert.DoesNotContain(nodes[0].NodeId, found.Stdout); // a node does not list itself
    }
}
