using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using PeerStorage.Core.Transport;

namespace PeerStorage.Core.Tests.Transport;

/// <summary>
/// A client that completes TLS with real credentials and then speaks raw frames (or raw bytes), to send what a
/// well-behaved PeerClient never would.
/// </summary>
internal sealed class RawPeer : IAsyncDisposable
{
    private readonly TcpClient _tcp;

    private RawPeer(TcpClient tcp, SslStream tls)
    {
        _tcp = tcp;
        Tls = tls;
    }

    public SslStream Tls { get; }

    public static async Task<RawPeer> ConnectAsync(int port, TransportCredentials credentials, ushort? major = null, bool sendHello = true)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "raw",
            ClientCertificateContext = credentials.CertificateContext,
            EnabledSslProtocols = SslProtocols.Tls13,
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        });
        if (sendHello)
        {
            var hello = HelloMessage.ForLocal(credentials, TransportOptions.Default) with { Major = major ?? HelloMessage.CurrentMajor };
            await FrameWriter.WriteSingleAsync(tls, FrameType.Hello, FrameFlags.None, 0, hello.Encode(), default);
        }
        return new RawPeer(tcp, tls);
    }

    public Task WriteFrameAsync(FrameType type, FrameFlags flags, uint streamId, byte[] payload) =>
        FrameWriter.WriteSingleAsync(Tls, type, flags, streamId, payload, default);

    public async Task WriteRawAsync(byte[] bytes) => await Tls.WriteAsync(bytes);

    public async Task<(FrameHeader Header, byte[] Payload)> ReadFrameAsync(TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var header = new byte[FrameHeader.Size];
        await Tls.ReadExactlyAsync(header, deadline.Token);
        if (!FrameHeader.TryRead(header, TransportOptions.MaxFramePayloadLimit, out var parsed, out var violation))
            throw new InvalidDataException(violation);
        var payload = new byte[parsed.Length];
        await Tls.ReadExactlyAsync(payload, deadline.Token);
        return (parsed, payload);
    }

    /// <summary>Reads (and drops) frames until the other side closes; false if it is still open after the timeout.</summary>
    public async Task<bool> WaitClosedAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var buffer = new byte[64 * 1024];
        try
        {
            while (await Tls.ReadAsync(buffer, deadline.Token) > 0) { }
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (Exception e) when (e is IOException or AuthenticationException or ObjectDisposedException)
        {
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Tls.DisposeAsync();
        }
        catch (IOException)
        {
        }
        _tcp.Dispose();
    }
}

/// <summary>A TLS server that accepts any client and answers with a Hello of a chosen major version.</summary>
internal sealed class RawServer : IAsyncDisposable
{
    private readonly TestPeers _peers = new();
    private readonly TcpListener _tcp = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    private RawServer() => Credentials = _peers.Create("raw-server");

    public TransportCredentials Credentials { get; }
    public int Port => ((IPEndPoint)_tcp.LocalEndpoint).Port;

    public static Task<RawServer> StartAsync(ushort major)
    {
        var server = new RawServer();
        server._tcp.Start();
        server._loop = Task.Run(() => server.ServeAsync(major));
        return Task.FromResult(server);
    }

    private async Task ServeAsync(ushort major)
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _tcp.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(async () =>
            {
                using (client)
                await using (var tls = new SslStream(client.GetStream()))
                {
                    try
                    {
                        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                        {
                            ServerCertificateContext = Credentials.CertificateContext,
                            ClientCertificateRequired = true,
                            EnabledSslProtocols = SslProtocols.Tls13,
                            RemoteCertificateValidationCallback = (_, _, _, _) => true,
                        });
                        var hello = HelloMessage.ForLocal(Credentials, TransportOptions.Default) with { Major = major };
                        await FrameWriter.WriteSingleAsync(tls, FrameType.Hello, FrameFlags.None, 0, hello.Encode(), default);
                        var sink = new byte[4096];
                        while (await tls.ReadAsync(sink) > 0) { }
                    }
                    catch (Exception e) when (e is IOException or AuthenticationException)
                    {
                    }
                }
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _tcp.Stop();
        await _loop;
        _peers.Dispose();
    }
}
