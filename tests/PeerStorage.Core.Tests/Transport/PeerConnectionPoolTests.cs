using PeerStorage.Core.Transport;

namespace PeerStorage.Core.Tests.Transport;

public sealed class PeerConnectionPoolTests
{
    [Fact]
    public async Task Callers_for_one_node_share_one_connection_and_a_closed_one_is_replaced()
    {
        await using var pair = new TransportPair();
        pair.Router.Map("echo", (ctx, body, ct) => ValueTask.FromResult(body));
        await using var pool = new PeerConnectionPool(pair.Client);
        var id = pair.ServerCredentials.NodeId;

        var connections = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => pool.GetAsync(id, "127.0.0.1", pair.Server.Port)));
        Assert.Single(connections.Distinct());
        Assert.Single(pair.Listener.Connections);
        await connections[0].RequestAsync("echo", default);

        await connections[0].CloseAsync();
        var replacement = await pool.GetAsync(id, "127.0.0.1", pair.Server.Port);
        Assert.NotSame(connections[0], replacement);
        Assert.Equal("y"u8.ToArray(), await replacement.RequestAsync("echo", "y"u8.ToArray()));
        Assert.Equal(1, pool.Count);
    }

    [Fact]
    public async Task The_pool_is_bounded_and_evicts_the_least_recently_used_connection()
    {
        await using var a = new TransportPair();
        await using var b = new TransportPair();
        await using var c = new TransportPair();
        foreach (var p in new[] { a, b, c }) p.ServerPolicy.Trust(a.ClientCredentials.NodeId);
        var client = new PeerClient(a.ClientCredentials, new AllowListPolicy(a.ServerCredentials.NodeId, b.ServerCredentials.NodeId, c.ServerCredentials.NodeId));
        await using var pool = new PeerConnectionPool(client, maxConnections: 2);

        var toA = await pool.GetAsync(a.ServerCredentials.NodeId, "127.0.0.1", a.Server.Port);
        await pool.GetAsync(b.ServerCredentials.NodeId, "127.0.0.1", b.Server.Port);
        await pool.GetAsync(c.ServerCredentials.NodeId, "127.0.0.1", c.Server.Port);

        Assert.Equal(2, pool.Count);
        await toA.Completion.WaitAsync(TimeSpan.FromSeconds(10)); // A was least recently used
    }

    [Fact]
    public async Task An_address_that_now_belongs_to_another_node_is_refused_and_not_pooled()
    {
        await using var pair = new TransportPair();
        await using var pool = new PeerConnectionPool(pair.Client);
        var expected = pair.Peers.Create("moved-away").NodeId;

        var e = await Assert.ThrowsAsync<PeerStorageException>(() => pool.GetAsync(expected, "127.0.0.1", pair.Server.Port));

        Assert.Equal(TransportErrors.PeerIdentityMismatch, e.ErrorId);
        Assert.Equal(0, pool.Count);
    }

    [Fact]
    public async Task Revalidation_drops_pooled_connections_to_a_node_no_longer_trusted()
    {
        await using var pair = new TransportPair();
        await using var pool = new PeerConnectionPool(pair.Client);
        var connection = await pool.GetAsync(pair.ServerCredentials.NodeId, "127.0.0.1", pair.Server.Port);

        pair.ClientPolicy.Revoke(pair.ServerCredentials.NodeId);

        Assert.Equal(1, pool.Revalidate());
        await connection.Completion.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(0, pool.Count);
        var e = await Assert.ThrowsAsync<PeerStorageException>(() => pool.GetAsync(pair.ServerCredentials.NodeId, "127.0.0.1", pair.Server.Port));
        Assert.Equal(TransportErrors.PeerNotTrusted, e.ErrorId);
    }
}
