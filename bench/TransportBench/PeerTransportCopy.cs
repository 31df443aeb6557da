using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using PeerStorage.Core.Transport;

namespace PeerStorage.Bench.Transport;

/// <summary>
/// Ours: the same bytes through one bulk stream of a peer connection (mutual TLS 1.3, framing, flow control),
/// written and read in the same chunk size. The handler reads to the end and answers the byte count.
/// </summary>
internal static class PeerTransportCopy
{
    public static async Task<Measurement> RunAsync(TransportCredentials server, TransportCredentials client, BenchOptions options)
    {
        var policy = new TrustEachOther(server.NodeId, client.NodeId);
        var transport = new TransportOptions { InitialStreamWindow = options.Window };
        var router = new RequestRouter().MapStream("bench.sink", async (ctx, header, stream, ct) =>
        {
            var buffer = new byte[options.Chunk];
            long received = 0;
            int n;
            while ((n = await stream.ReadAsync(buffer, ct)) > 0) received += n;
            var answer = new byte[8];
            BinaryPrimitives.WriteInt64BigEndian(answer, received);
            await stream.WriteAsync(answer, ct);
        });
        var listener = new PeerListener(server, policy, router, options: transport);
        using var tcp = new TcpListener(IPAddress.Loopback, 0);
        tcp.Start();
        var serving = Task.Run(async () =>
        {
            var socket = await tcp.AcceptSocketAsync();
            socket.NoDelay = true;
            await listener.ServeAsync(new NetworkStream(socket, ownsSocket: true), socket.RemoteEndPoint, CancellationToken.None);
        });

        var peerClient = new PeerClient(client, policy, transport);
        await using var connection = await peerClient.ConnectAsync("127.0.0.1", ((IPEndPoint)tcp.LocalEndpoint).Port, server.NodeId);
        await using var stream = await connection.OpenStreamAsync("bench.sink");

        var payload = Payload.Create(options.Chunk);
        var measuring = Measurement.Start();
        for (long sent = 0; sent < options.Bytes;)
        {
            var n = (int)Math.Min(payload.Length, options.Bytes - sent);
            await stream.WriteAsync(payload.AsMemory(0, n));
            sent += n;
        }
        await stream.CompleteWritesAsync();
        var answer = new byte[8];
        await stream.ReadExactlyAsync(answer);
        var measured = measuring.Stop();
        if (BinaryPrimitives.ReadInt64BigEndian(answer) != options.Bytes) throw new InvalidOperationException("The peer transport lost bytes.");

        await connection.CloseAsync();
        await serving;
        return measured;
    }
}
