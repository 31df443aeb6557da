using System.Net.Sockets;
using System.Security.Authentication;
using PeerStorage.Core.Transport;
using PeerStorage.Core.Trust;
using Serilog.Events;

namespace PeerStorage.Core.Tests.Transport;

public sealed class TransportHandshakeTests
{
    [Fact]
    public async Task Trusted_nodes_exchange_a_request_over_mutual_TLS_13_and_each_side_knows_the_other()
    {
        await using var pair = new TransportPair();
        PeerCallContext? seen = null;
        pair.Router.Map("echo", (ctx, body, ct) =>
        {
            seen = ctx;
            return ValueTask.FromResult<ReadOnlyMemory<byte>>(body.ToArray().Reverse().ToArray());
        });

        await using var connection = await pair.ConnectAsync(pair.ServerCredentials.NodeId);
        var answer = await connection.RequestAsync("echo", "hello"u8.ToArray());

        Assert.Equal("olleh"u8.ToArray(), answer);
        Assert.Equal(pair.ServerCredentials.NodeId, connection.RemoteNodeId);
        Assert.Equal("server", connection.RemoteName);
        Assert.Equal(TrustBasis.Pinned, connection.TrustBasis);
        Assert.Equal(SslProtocols.Tls13, connection.NegotiatedProtocol);
        Assert.Equal(new Version(Core.Node.EngineInfo.ProtocolVersion, 0), connection.RemoteProtocolVersion);
        Assert.NotNull(seen);
        Assert.Equal(pair.ClientCredentials.NodeId, seen!.RemoteNodeId);
        Assert.Equal("client", seen.RemoteName);
        Assert.Equal(TrustBasis.Pinned, seen.TrustBasis);
        Assert.Equal(SslProtocols.Tls13, seen.Connection.NegotiatedProtocol);
    }

    [Fact]
    public async Task An_untrusted_client_gets_no_session_and_the_server_logs_why()
    {
        await using var pair = new TransportPair(serverTrustsClient: false);
        var called = false;
        pair.Router.Map("echo", (ctx, body, ct) =>
        {
            called = true;
            return ValueTask.FromResult(body);
        });

        var e = await Assert.ThrowsAsync<PeerStorageException>(() => pair.ConnectAsync());

        Assert.Equal(TransportErrors.PeerRefusedSession, e.ErrorId);
        Assert.Equal(PeerErrorKind.PermissionDenied, e.Kind);
        Assert.Contains(pair.ClientCredentials.NodeId.ToString(), e.Message);
        var logged = await pair.ServerLog.WaitForAsync(m => m.Contains(TransportErrors.PeerNotTrusted));
        Assert.Contains("not in the allow list", logged);
        Assert.Empty(pair.Listener.Connections);
        Assert.False(called);
    }

    [Fact]
    public async Task An_untrusted_server_is_refused_by_the_client_with_the_policy_reason()
    {
        await using var pair = new TransportPair(clientTrustsServer: false);

        var e = await Assert.ThrowsAsync<PeerStorageException>(() => pair.ConnectAsync());

        Assert.Equal(TransportErrors.PeerNotTrusted, e.ErrorId);
        Assert.Equal(PeerErrorKind.PermissionDenied, e.Kind);
        Assert.Contains("not in the allow list", e.Message);
        await Task.Delay(100);
        Assert.Empty(pair.Listener.Connections);
    }

    [Fact]
    public async Task A_server_with_another_node_id_than_expected_is_refused()
    {
        await using var pair = new TransportPair();
        var someoneElse = pair.Peers.Create("someone-else").NodeId;

        var e = await Assert.ThrowsAsync<PeerStorageException>(() => pair.ConnectAsync(someoneElse));

        Assert.Equal(TransportErrors.PeerIdentityMismatch, e.ErrorId);
        Assert.Contains(someoneElse.ToString(), e.Message);
        Assert.Contains(pair.ServerCredentials.NodeId.ToString(), e.Message);
    }

    [Fact]
    public async Task A_fleet_issued_certificate_sends_its_issuers_so_the_policy_sees_the_chain()
    {
        var (fleetNode, root, intermediate) = TestPeers.CreateFleetIssued("fleet-member");
        await using var pair = new TransportPair();
        pair.ServerPolicy.Trust(fleetNode.NodeId);
        pair.Router.Map("who", (ctx, body, ct) => ValueTask.FromResult<ReadOnlyMemory<byte>>(System.Text.Encoding.UTF8.GetBytes(ctx.RemoteName)));
        var client = new PeerClient(fleetNode, pair.ClientPolicy);

        await using var connection = await client.ConnectAsync("127.0.0.1", pair.Server.Port);
        Assert.Equal("fleet-member"u8.ToArray(), await connection.RequestAsync("who", default));

        // The intermediate travels; the self-signed root never does (TLS leaves it to the verifier, who holds it).
        var asked = pair.ServerPolicy.Asked.Single(a => a.NodeId == fleetNode.NodeId);
        Assert.Contains(intermediate.Subject, asked.ChainSubjects);
        Assert.DoesNotContain(root.Subject, asked.ChainSubjects);
    }

    [Fact]
    public async Task A_peer_speaking_another_major_version_is_refused_cleanly_on_both_sides()
    {
        await using var pair = new TransportPair();
        // A raw peer that completes TLS as a trusted client but announces major 99.
        await using var raw = await RawPeer.ConnectAsync(pair.Server.Port, pair.ClientCredentials, major: 99);
        var logged = await pair.ServerLog.WaitForAsync(m => m.Contains(TransportErrors.PeerProtocolMismatch));
        Assert.Contains("99", logged);
        // The server said why before closing.
        var goAway = await raw.ReadFrameAsync();
        Assert.Equal(FrameType.Hello, goAway.Header.Type);
        goAway = await raw.ReadFrameAsync();
        Assert.Equal(FrameType.GoAway, goAway.Header.Type);
        Assert.True(GoAwayMessage.TryDecode(goAway.Payload, out var message));
        Assert.Equal(TransportErrors.PeerProtocolMismatch, message.Error.ErrorId);
    }

    [Fact]
    public async Task A_client_refuses_a_server_that_announces_another_major_version()
    {
        await using var fake = await RawServer.StartAsync(major: 99);
        using var peers = new TestPeers();
        var client = new PeerClient(peers.Create("client"), new AllowListPolicy(fake.Credentials.NodeId));

        var e = await Assert.ThrowsAsync<PeerStorageException>(() => client.ConnectAsync("127.0.0.1", fake.Port));

        Assert.Equal(TransportErrors.PeerProtocolMismatch, e.ErrorId);
        Assert.Contains("99", e.Message);
    }

    [Fact]
    public async Task The_first_byte_tells_TLS_from_the_legacy_ping_without_consuming_it()
    {
        await using var pair = new TransportPair();
        pair.Router.Map("echo", (ctx, body, ct) => ValueTask.FromResult(body));
        using var tcp = new TcpListener(System.Net.IPAddress.Loopback, 0);
        tcp.Start();
        var port = ((System.Net.IPEndPoint)tcp.LocalEndpoint).Port;

        var connecting = pair.Client.ConnectAsync("127.0.0.1", port);
        using (var socket = await tcp.AcceptSocketAsync())
        {
            Assert.Equal(IncomingProtocol.PeerTls, await IncomingProtocolDetector.DetectAsync(socket, TimeSpan.FromSeconds(5), default));
            var serving = pair.Listener.ServeAsync(new NetworkStream(socket, ownsSocket: false), socket.RemoteEndPoint, default);
            await using var connection = await connecting;
            Assert.Equal("x"u8.ToArray(), await connection.RequestAsync("echo", "x"u8.ToArray()));
            await connection.CloseAsync();
            await serving.WaitAsync(TimeSpan.FromSeconds(10));
        }

        var pinging = Ping.SendAsync("127.0.0.1", port, default);
        using (var socket = await tcp.AcceptSocketAsync())
        {
            Assert.Equal(IncomingProtocol.LegacyPing, await IncomingProtocolDetector.DetectAsync(socket, TimeSpan.FromSeconds(5), default));
            await Ping.AnswerAsync(new NetworkStream(socket, ownsSocket: false), () => ("id", "name"), default);
        }
        Assert.Equal("name", (await pinging).Name);

        using var silent = new TcpClient();
        await silent.ConnectAsync(System.Net.IPAddress.Loopback, port);
        using (var socket = await tcp.AcceptSocketAsync())
            Assert.Equal(IncomingProtocol.Unknown, await IncomingProtocolDetector.DetectAsync(socket, TimeSpan.FromMilliseconds(200), default));
    }

    [Fact]
    public async Task A_connection_that_never_completes_the_handshake_is_dropped_after_the_handshake_timeout()
    {
        await using var pair = new TransportPair(serverOptions: new TransportOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(300) });
        using var silent = new TcpClient();
        await silent.ConnectAsync(System.Net.IPAddress.Loopback, pair.Server.Port);
        await silent.GetStream().WriteAsync(new byte[] { 0x16, 0x03, 0x01 }); // the start of a TLS record, then nothing

        var buffer = new byte[16];
        var read = await silent.GetStream().ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(0, read);
        await pair.ServerLog.WaitForAsync(m => m.Contains("no handshake within"));
    }

    [Fact]
    public async Task Revalidation_drops_live_sessions_of_a_node_the_policy_no_longer_trusts()
    {
        await using var pair = new TransportPair();
        pair.Router.Map("echo", (ctx, body, ct) => ValueTask.FromResult(body));
        await using var connection = await pair.ConnectAsync();
        Assert.Single(await Task.WhenAll(connection.RequestAsync("echo", "1"u8.ToArray())));

        pair.ServerPolicy.Revoke(pair.ClientCredentials.NodeId);
        Assert.Equal(1, pair.Listener.Revalidate());

        await connection.Completion.WaitAsync(TimeSpan.FromSeconds(5));
        var e = await Assert.ThrowsAsync<PeerStorageException>(() => pair.ConnectAsync());
        Assert.Equal(TransportErrors.PeerRefusedSession, e.ErrorId);
        Assert.Contains(pair.ServerLog.Messages(LogEventLevel.Warning), m => m.Contains("no longer trusted"));
    }
}
