using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace PeerStorage.Core.Transport;

/// <summary>What a node answers to a ping.</summary>
public sealed record PingReply(string NodeId, string Name, ushort ProtocolVersion, TimeSpan RoundTrip);

/// <summary>
/// The liveness exchange a node answers on its TCP port. Wire: the client sends "PSPING" + u16 protocol version; the
/// node answers "PSPONG" + u16 version + u16 length + a small JSON body (node id, name). Every read is bounded in
/// size and time. The mutual-TLS peer protocol replaces this on the same port in the peer network issue.
/// </summary>
public static class Ping
{
    private static readonly byte[] Request = "PSPING"u8.ToArray();
    private static readonly byte[] Reply = "PSPONG"u8.ToArray();
    private const int MaxBody = 4096;
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static async Task<PingReply> SendAsync(string host, int port, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        var clock = Stopwatch.StartNew();
        using var client = new TcpClient { NoDelay = true };
        try
        {
            await client.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            var request = new byte[Request.Length + 2];
            Request.CopyTo(request, 0);
            BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(Request.Length), Node.EngineInfo.ProtocolVersion);
            await stream.WriteAsync(request, timeout.Token).ConfigureAwait(false);

            var header = new byte[Reply.Length + 4];
            await stream.ReadExactlyAsync(header, timeout.Token).ConfigureAwait(false);
            if (!header.AsSpan(0, Reply.Length).SequenceEqual(Reply))
                throw new PeerStorageException("PingBadReply", PeerErrorKind.ConnectionError, $"{host}:{port} is not a PeerStorage node.", target: $"{host}:{port}");
            var version = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(Reply.Length));
            var length = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(Reply.Length + 2));
            if (length > MaxBody)
                throw new PeerStorageException("PingBadReply", PeerErrorKind.ConnectionError, $"{host}:{port} sent an oversized reply.", target: $"{host}:{port}");
            var body = new byte[length];
            await stream.ReadExactlyAsync(body, timeout.Token).ConfigureAwait(false);
            using var json = JsonDocument.Parse(body);
            return new PingReply(json.RootElement.GetProperty("nodeId").GetString() ?? "", json.RootElement.GetProperty("name").GetString() ?? "", version, clock.Elapsed);
        }
        catch (Exception e) when (e is SocketException or IOException or JsonException or KeyNotFoundException
                                  || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new PeerStorageException("PingFailed", PeerErrorKind.ConnectionError, $"No answer from {host}:{port}: {e.Message}", e, $"{host}:{port}");
        }
    }

    /// <summary>Answers one connection: reads the request, writes the reply, closes. Malformed input just closes it.</summary>
    public static async Task AnswerAsync(Stream stream, Func<(string NodeId, string Name)> who, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        var request = new byte[Request.Length + 2];
        await stream.ReadExactlyAsync(request, timeout.Token).ConfigureAwait(false);
        if (!request.AsSpan(0, Request.Length).SequenceEqual(Request))
            throw new InvalidDataException("Not a ping request.");
        var (nodeId, name) = who();
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["nodeId"] = nodeId, ["name"] = name });
        var reply = new byte[Reply.Length + 4 + body.Length];
        Reply.CopyTo(reply, 0);
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(Reply.Length), Node.EngineInfo.ProtocolVersion);
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(Reply.Length + 2), (ushort)body.Length);
        body.CopyTo(reply, Reply.Length + 4);
        await stream.WriteAsync(reply, timeout.Token).ConfigureAwait(false);
    }
}
