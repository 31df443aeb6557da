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
            using (var raw = await ConnectRawAsync(ticket))
            {
                var stream = raw.GetStream();
                var frameKey = attack == "key" ? System.Security.Cryptography.RandomNumberGenerator.GetBytes(32) : key;
                await stream.WriteAsync(Frame(frameKey, 0, new byte[1000], flip: attack == "flip"));
                var received = await connected.WaitAsync(TimeSpan.FromSeconds(10));
                if (attack == "cut") raw.Client.Shutdown(SocketShutdown.Send);
                var refused = await Assert.ThrowsAsync<PeerStorageException>(() => ReadAllAsync(received));
                Assert.Equal("BulkChannelViolation", refused.ErrorId);
                await received.DisposeAsync();
            }
            await serving.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public async Task Consumed_frames_arrive_whole_in_order_and_in_large_pieces()
    {
        var (ticket, key, connected) = _tickets.Issue(_peer);
        var serving = ServeOneAsync();
        var payload = Vault.VaultDataTests.Random(12 * 1024 * 1024 + 13, 4); // more than one receive buffer
        var sending = Task.Run(async () =>
        {
            await using var channel = await BulkChannel.ConnectAsync(EndPoint, ticket, key, CancellationToken.None);
            for (var at = 0; at < payload.Length;)
            {
                var take = Math.Min(payload.Length - at, at % 3 == 0 ? 1024 * 1024 + 16 : 77_777);
                await channel.WriteAsync(payload.AsMemory(at, take));
                at += take;
            }
            await channel.CompleteAsync();
        });
        using var received = new MemoryStream();
        var calls = 0;
        await using (var stream = await connected.WaitAsync(TimeSpan.FromSeconds(10)))
        {
            var count = await stream.ConsumeFramesAsync(piece => { received.Write(piece); calls++; }, CancellationToken.None);
            Assert.Equal(payload.Length, count);
        }
        await sending.WaitAsync(TimeSpan.FromSeconds(10));
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(payload, received.ToArray());
        Assert.True(calls < 10, $"frames should reach the consumer several at a time, got {calls} calls");
    }

    [Fact]
    public async Task Consumed_frames_stop_at_a_bad_tag_before_its_batch_is_handed_on()
    {
        foreach (var attack in new[] { "flip", "cut" })
        {
            var (ticket, key, connected) = _tickets.Issue(_peer);
            var serving = ServeOneAsync();
            using (var raw = await ConnectRawAsync(ticket))
            {
                var stream = raw.GetStream();
                await stream.WriteAsync(Frame(key, 0, new byte[1000], flip: false));
                await stream.WriteAsync(Frame(key, 1, new byte[1000], flip: attack == "flip"));
                if (attack == "flip") await stream.WriteAsync(Frame(key, 2, [], flip: false));
                else raw.Client.Shutdown(SocketShutdown.Send);
                var consumed = 0L;
                await using var received = await connected.WaitAsync(TimeSpan.FromSeconds(10));
                var refused = await Assert.ThrowsAsync<PeerStorageException>(() => received.ConsumeFramesAsync(piece => consumed += piece.Length, CancellationToken.None));
                Assert.Equal("BulkChannelViolation", refused.ErrorId);
                Assert.Equal(0, consumed); // both frames sat in one batch: neither went on
            }
            await serving.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public async Task A_consumer_that_refuses_ends_the_transfer_with_its_own_error()
    {
        var (ticket, key, connected) = _tickets.Issue(_peer);
        var serving = ServeOneAsync();
        var sending = Task.Run(async () =>
        {
            await using var channel = await BulkChannel.ConnectAsync(EndPoint, ticket, key, CancellationToken.None);
            var chunk = new byte[1024 * 1024];
            for (var i = 0; i < 1000; i++) await channel.WriteAsync(chunk); // far more than the socket buffers hold
            await channel.CompleteAsync();
        });
        await using (var received = await connected.WaitAsync(TimeSpan.FromSeconds(10)))
        {
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
                received.ConsumeFramesAsync(_ => throw new InvalidOperationException("too long"), CancellationToken.None)).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal("too long", refused.Message);
        }
        // The receiving end stopped and closed: the sender fails rather than sending on.
        await Assert.ThrowsAsync<IOException>(() => sending).WaitAsync(TimeSpan.FromSeconds(10));
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>A hand-made sending end: connected, the greeting and ticket sent, frames up to the test.</summary>
    private async Task<TcpClient> ConnectRawAsync(byte[] ticket)
    {
        var raw = new TcpClient();
        await raw.ConnectAsync(EndPoint);
        await raw.GetStream().WriteAsync("BULK2"u8.ToArray().Concat(ticket).ToArray());
        return raw;
    }

    /// <summary>A frame as the sending end makes it; <paramref name="flip"/> changes a payload byte after tagging.</summary>
    private static byte[] Frame(byte[] key, ulong index, byte[] payload, bool flip)
    {
        using var gmac = new System.Security.Cryptography.AesGcm(key, 16);
        var frame = new byte[4 + payload.Length + 16];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)payload.Length);
        payload.CopyTo(frame, 4);
        BulkChannel.Tag(gmac, index, payload, frame.AsSpan(4 + payload.Length));
        if (flip) frame[4 + payload.Length / 2] ^= 1;
        return frame;
    }
}
