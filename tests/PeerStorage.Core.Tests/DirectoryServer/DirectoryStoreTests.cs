using System.Security.Cryptography;
using PeerStorage.Core.DirectoryServer;
using PeerStorage.Core.Node;
using PeerStorage.Core.Resolution;
using PeerStorage.Core.State;

namespace PeerStorage.Core.Tests.DirectoryServer;

public sealed class DirectoryStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly StateDatabase _db;

    public DirectoryStoreTests()
    {
        Directory.CreateDirectory(_dir.Path);
        _db = StateDatabase.Open(_dir.Combine("state.db"));
    }

    public void Dispose() => _dir.Dispose();

    private static NodeId AnyId() => NodeId.FromHash(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void Registration_is_found_by_id_and_by_name_and_a_refresh_replaces_addresses()
    {
        var store = new DirectoryStore(_db);
        var id = AnyId();
        store.Register(id, "lab-pc-07", ["10.0.0.7", "fd00::7"], 47620, null);
        store.Register(AnyId(), "lab-pc-08", ["10.0.0.8"], 47620, null);
        Assert.Equal("lab-pc-07", Assert.Single(store.Lookup(id.ToString(), null)).Name);
        Assert.Equal(2, store.Lookup(null, "LAB-*").Count);
        Assert.Empty(store.Lookup(null, "lab_pc%")); // LIKE metacharacters are literal

        var refreshed = store.Register(id, "lab-pc-07", ["10.9.9.9"], 47621, "FLEET");
        Assert.Equal(["10.9.9.9"], refreshed.Addresses);
        Assert.Equal(47621, refreshed.Port);
    }

    [Fact]
    public void Stale_entries_are_neither_returned_nor_kept()
    {
        var store = new DirectoryStore(_db);
        var id = AnyId();
        store.Register(id, "old", ["10.0.0.1"], 1, null);
        _db.Write((c, t) =>
        {
            using var command = c.CreateCommand();
            command.Transaction = t;
            command.CommandText = "UPDATE directory_entries SET last_seen = '2000-01-01T00:00:00.0000000+00:00'";
            command.ExecuteNonQuery();
        });
        Assert.Empty(store.Lookup(id.ToString(), null));
        Assert.Equal(1, store.Prune());
    }

    [Fact]
    public void A_node_registers_neither_loopback_nor_IPv6_link_local_addresses()
    {
        var local = new[] { "10.0.0.7", "fd00:231:1::7", "fe80::1c2:3ff:fe04:506", "fe80::1%2", "127.0.0.1", "::1", "2001:db8::7" };
        Assert.Equal(["10.0.0.7", "fd00:231:1::7", "2001:db8::7"], DirectoryRegistration.Publishable(local));
    }

    [Fact]
    public void The_peer_cache_remembers_and_forgets()
    {
        var cache = new PeerCache(_db);
        var id = AnyId().ToString();
        cache.Remember(new PeerNodeInfo { NodeId = id, Name = "n", Addresses = ["10.0.0.1"], Port = 5, Source = PeerInfoSource.Mdns, LastSeen = DateTimeOffset.UtcNow });
        var found = cache.Find(id);
        Assert.NotNull(found);
        Assert.Equal(PeerInfoSource.Cache, found.Source);
        Assert.Equal(5, found.Port);
        Assert.True(cache.Forget(id));
        Assert.Null(cache.Find(id));
    }
}
