using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using PeerStorage.Core.Node;
using PeerStorage.Core.Transport;

namespace PeerStorage.Core.Tests.Transport;

/// <summary>The data channel over real loopback sockets: what arrives is exactly what the ticket's holder sent, or nothing.</summary>
public sealed class BulkChannelTests : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly BulkTickets _tickets = new();
    private readonly NodeId _peer = NodeId.FromPublicKey([1, 2, 3]);

    public BulkChannelTests() => _listener.Start();

    public void Dispose() => _listener.Stop();

    private IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>Accepts one connection and serves it as the node's port does.</summary>
    private Task ServeOneAsync() => Task.Run(async () =>
    {
        using var client = await _listener.AcceptTcpClientAsync();
        await _tickets.AcceptAsync(client.GetStream(), CancellationToken.None);
    });

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    [Fact]
    public async Task Bytes_arrive_whole_and_in_order_and_the_ticket_works_once()
    {
        var (ticket, key, connected) = _tickets.Issue(_peer);
        var serving = ServeOneAsync();
        var payload = Vault.VaultDataTests.Random(5 * 1024 * 1024 + 7, 3);
        await using (var channel = await BulkChannel.ConnectAsync(EndPoint, ticket, key, CancellationToken.None))
        {
            await channel.WriteAsync(payload.AsMemory(0, 100));
            await channel.WriteAsync(payload.AsMemory(100));
            await channel.CompleteAsync();
        }
        await using (var received = await connected.WaitAsync(TimeSpan.FromSeconds(10)))
            Assert.Equal(payload, await ReadAllAsync(received));
        await serving.WaitAsync(TimeSpan.FromSeconds(10));

        // The same ticket again: the port closes the connection, and nothing waits for it.
        var again = ServeOneAsync();
        await using var replay = await BulkChannel.ConnectAsync(EndPoint, ticket, key, CancellationToken.None);
        await again.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_changed_byte_a_wrong_key_or_a_missing_end_is_refused()
    {
        foreach (var attack in new[] { "flip", "key", "cut" })
        {
            var (ticket, key, connected) = _tickets.Issue(_peer);
            var serving = ServeOneAsync();
            using (var raw = new TcpClient())
            {
                await raw.ConnectAsync(EndPoint);
                var stream = raw.GetStream();
                await stream.WriteAsync("BULK1"u8.ToArray().Concat(ticket).ToArray());
                var frameKey = attack == "key" ? System.Security.Cryptography.RandomNumberGenerator.GetBytes(32) : key;
                using var gmac = new System.Security.Cryptography.AesGcm(frameKey, 16);
                var body = new byte[4 + 1000];
                BinaryPrimitives.WriteUInt32BigEndian(body, 1000);
                var tag = new byte[16];
                BulkChannel.Tag(gmac, 0, body, tag);
                if (attack == "flip") body[500] ^= 1;
                await stream.WriteAsync(body.Concat(tag).ToArray());
                var received = await connected.WaitAsync(TimeSpan.FromSeconds(10));
                if (attack == "cut") raw.Client.Shutdown(SocketShutdown.Send);
                var refused = await Assert.ThrowsAsync<PeerStorageException>(() => ReadAllAsync(received));
                Assert.Equal("BulkChannelViolation", refused.ErrorId);
                await received.DisposeAsync();
            }
            await serving.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }
}
