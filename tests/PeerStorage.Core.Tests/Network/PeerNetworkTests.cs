using PeerStorage.Core.DirectoryServer;
using PeerStorage.Core.Node;
using PeerStorage.Core.State;
using PeerStorage.Core.Trust;

namespace PeerStorage.Core.Tests.Network;

/// <summary>Running nodes (each its own home, listener and trust) talking over real TLS sockets on loopback.</summary>
public sealed class PeerNetworkTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private readonly List<NodeRuntime> _running = [];
    private readonly List<IDisposable> _open = [];
    private FleetAuthority? _fleet;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var r in _running) await r.DisposeAsync();
        foreach (var d in _open) d.Dispose();
        _dir.Dispose();
    }

    private FleetAuthority Fleet => _fleet ??= Track(FleetAuthority.Create(_dir.Combine("lab.fleet"), "lab", null));

    private T Track<T>(T disposable) where T : IDisposable
    {
        _open.Add(disposable);
        return disposable;
    }

    private async Task<NodeRuntime> StartNode(string name, bool joinFleet)
    {
        var home = Track(NodeHome.Initialize(_dir.Combine(name), new NodeInitOptions(name, 0)));
        if (joinFleet)
        {
            var request = FleetMembership.CreateRequest(home);
            FleetMembership.Install(home, FleetMembership.Approve(Fleet, request.Request, request.NodeId, null, null).Certificate);
        }
        var runtime = await NodeRuntime.StartAsync(home);
        _running.Add(runtime);
        return runtime;
    }

    private static Task<PeerStorage.Core.Transport.PeerConnection> Connect(NodeRuntime from, NodeRuntime to) =>
        from.Network.ConnectAsync("127.0.0.1", to.Port, to.NodeId, CancellationToken.None);

    [Fact]
    public async Task Pinned_peers_open_an_authenticated_session_and_strangers_are_refused_both_ways()
    {
        var a = await StartNode("a", joinFleet: false);
        var b = await StartNode("b", joinFleet: false);

        var refused = await Assert.ThrowsAsync<PeerStorageException>(() => Connect(a, b));
        Assert.Contains(refused.ErrorId, new[] { "PeerNotTrusted", "PeerRefusedSession" });

        new TrustStore(a.Home).Add(b.NodeId, "b", []);
        // b does not trust a yet: b refuses a's session.
        var notYet = await Assert.ThrowsAsync<PeerStorageException>(() => Connect(a, b));
        Assert.Contains(notYet.ErrorId, new[] { "PeerNotTrusted", "PeerRefusedSession" });

        new TrustStore(b.Home).Add(a.NodeId, "a", []);
        await using var session = await Connect(a, b);
        Assert.Equal(b.NodeId, session.RemoteNodeId);
        Assert.Equal("b", session.RemoteName);
        Assert.Equal(TrustBasis.Pinned, session.TrustBasis);
        Assert.Equal(System.Security.Authentication.SslProtocols.Tls13, session.NegotiatedProtocol);
        Assert.True(await session.PingAsync() > TimeSpan.Zero);
    }

    [Fact]
    public async Task A_revocation_made_by_the_admin_spreads_by_gossip_and_locks_the_revoked_node_out()
    {
        var admin = await StartNode("admin", joinFleet: true);
        var b = await StartNode("b", joinFleet: true);
        var victim = await StartNode("victim", joinFleet: true);

        await using (var before = await Connect(victim, b))
            Assert.Equal(TrustBasis.Fleet, before.TrustBasis);
        var open = await Connect(victim, b);

        var revocation = Revocations.Create(Fleet, victim.NodeId, "stolen");
        using (var ca = FleetMembership.LoadFleetCa(admin.Home.Path))
            Revocations.Learn(admin.Home.State, ca, [(revocation.Statement, revocation.Signature)]);

        // b meets the admin node and learns the revocation.
        await using (await Connect(b, admin)) { }
        Assert.True(Revocations.IsRevoked(b.Home.State, victim.NodeId));

        // The victim's open session is cut, and it cannot open a new one.
        await open.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        var refused = await Assert.ThrowsAsync<PeerStorageException>(() => Connect(victim, b));
        Assert.Contains(refused.ErrorId, new[] { "PeerNotTrusted", "PeerRefusedSession" });
    }

    [Fact]
    public async Task A_node_of_another_fleet_is_refused()
    {
        var a = await StartNode("a", joinFleet: true);
        var outsiderHome = Track(NodeHome.Initialize(_dir.Combine("outsider"), new NodeInitOptions("outsider", 0)));
        using (var otherFleet = FleetAuthority.Create(_dir.Combine("other.fleet"), "other", null))
        {
            var request = FleetMembership.CreateRequest(outsiderHome);
            FleetMembership.Install(outsiderHome, FleetMembership.Approve(otherFleet, request.Request, request.NodeId, null, null).Certificate);
        }
        var outsider = await NodeRuntime.StartAsync(outsiderHome);
        _running.Add(outsider);
        await Assert.ThrowsAsync<PeerStorageException>(() => Connect(outsider, a));
        await Assert.ThrowsAsync<PeerStorageException>(() => Connect(a, outsider));
    }

    [Fact]
    public async Task The_directory_maps_a_registered_node_id_to_its_address_for_other_members()
    {
        var directory = await StartNode("directory", joinFleet: true);
        directory.Home.Settings.Set(SettingKeys.DirectoryRole, "on");
        var b = await StartNode("b", joinFleet: true);
        var c = await StartNode("c", joinFleet: true);

        await using (var session = await Connect(b, directory))
        {
            var registered = Assert.Single(await DirectoryService.RegisterAsync(session, new DirectoryService.Registration("b", ["192.0.2.10"], b.Port), CancellationToken.None));
            Assert.Equal(b.NodeId.ToString(), registered.NodeId); // the id comes from the session, not the request
            Assert.Contains("127.0.0.1", registered.Addresses);
        }
        await using (var session = await Connect(c, directory))
        {
            var found = Assert.Single(await DirectoryService.LookupAsync(session, new DirectoryService.Lookup(b.NodeId.ToString(), null), CancellationToken.None));
            Assert.Equal(b.Port, found.Port);
            Assert.Equal("b", found.Name);
            Assert.Equal(found.NodeId, Assert.Single(await DirectoryService.LookupAsync(session, new DirectoryService.Lookup(null, "B"), CancellationToken.None)).NodeId);
        }

        directory.Home.Settings.Set(SettingKeys.DirectoryRole, null);
        await using (var session = await Connect(c, directory))
        {
            var e = await Assert.ThrowsAnyAsync<Exception>(() => DirectoryService.LookupAsync(session, new DirectoryService.Lookup(null, "b"), CancellationToken.None));
            Assert.Contains("NotADirectory", e is PeerStorageException p ? p.ErrorId + e.Message : e.Message);
        }
    }

    [Fact]
    public async Task An_untrusted_or_revoked_peer_can_store_nothing_read_nothing_and_notify_nothing()
    {
        var directory = await StartNode("directory", joinFleet: true);
        directory.Home.Settings.Set(SettingKeys.DirectoryRole, "on");
        var member = await StartNode("member", joinFleet: true);
        var stranger = await StartNode("stranger", joinFleet: false);
        var revoked = await StartNode("revoked", joinFleet: true);
        new TrustStore(stranger.Home).Add(directory.NodeId, "directory", []); // the stranger trusts the directory; not the reverse
        var revocation = Revocations.Create(Fleet, revoked.NodeId, "gone");
        using (var ca = FleetMembership.LoadFleetCa(directory.Home.Path))
            Revocations.Learn(directory.Home.State, ca, [(revocation.Statement, revocation.Signature)]);
        await using (var session = await Connect(member, directory))
            await DirectoryService.RegisterAsync(session, new DirectoryService.Registration("member", [], member.Port), CancellationToken.None);

        foreach (var outsider in new[] { stranger, revoked })
        {
            // Every operation needs a session, and the directory refuses to open one.
            var attempt = await Assert.ThrowsAsync<PeerStorageException>(async () =>
            {
                await using var session = await outsider.Network.Client.ConnectAsync("127.0.0.1", directory.Port, directory.NodeId);
                await DirectoryService.RegisterAsync(session, new DirectoryService.Registration("intruder", ["10.6.6.6"], 1), CancellationToken.None);
            });
            Assert.Contains(attempt.ErrorId, new[] { "PeerRefusedSession", "PeerNotTrusted", "PeerConnectionLost" });
            await Assert.ThrowsAsync<PeerStorageException>(async () =>
            {
                await using var session = await outsider.Network.Client.ConnectAsync("127.0.0.1", directory.Port, directory.NodeId);
                await DirectoryService.LookupAsync(session, new DirectoryService.Lookup(null, "*"), CancellationToken.None);
            });
            // Even a genuine revocation is not taken from a peer without a session.
            var forged = Revocations.Create(Fleet, member.NodeId, "pushed by an outsider");
            await Assert.ThrowsAsync<PeerStorageException>(async () =>
            {
                await using var session = await outsider.Network.Client.ConnectAsync("127.0.0.1", directory.Port, directory.NodeId);
                await session.RequestAsync(RevocationGossip.Method, PeerStorage.Core.Transport.JsonBody.Encode(
                    new RevocationGossip.Message([new RevocationGossip.Entry(forged.Statement, forged.Signature)])));
            });
        }

        var entries = new DirectoryStore(directory.Home.State).Lookup(null, null);
        Assert.Equal(["member"], entries.Select(e => e.Name));                       // nothing stored
        Assert.False(Revocations.IsRevoked(directory.Home.State, member.NodeId));    // no notification taken
    }

    [Fact]
    public async Task Removing_a_pin_in_another_process_closes_the_open_session_within_seconds()
    {
        var a = await StartNode("a", joinFleet: false);
        var b = await StartNode("b", joinFleet: false);
        new TrustStore(a.Home).Add(b.NodeId, "b", []);
        new TrustStore(b.Home).Add(a.NodeId, "a", []);
        await using var session = await Connect(b, a);

        using (var cmdletSide = NodeHome.Open(a.Home.Path, "Test")) new TrustStore(cmdletSide).Remove(b.NodeId);

        await session.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        await Assert.ThrowsAsync<PeerStorageException>(() => Connect(b, a));
    }
}
