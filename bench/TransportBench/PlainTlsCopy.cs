using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace PeerStorage.Bench.Transport;

/// <summary>
/// The anchor: the same bytes through one plain mutual TLS 1.3 SslStream over loopback TCP, with the same
/// certificates, written and read in the same chunk size. The receiver acknowledges the last byte with one byte.
/// </summary>
internal static class PlainTlsCopy
{
    public static async Task<Measurement> RunAsync(X509Certificate2 serverCertificate, X509Certificate2 clientCertificate, BenchOptions options)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var receiving = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync();
            socket.NoDelay = true;
            await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false));
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = SslStreamCertificateContext.Create(serverCertificate, null, offline: true),
                ClientCertificateRequired = true,
                EnabledSslProtocols = SslProtocols.Tls13,
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null,
            });
            var buffer = new byte[options.Chunk];
            long received = 0;
            int n;
            while (received < options.Bytes && (n = await tls.ReadAsync(buffer)) > 0) received += n;
            await tls.WriteAsync(new byte[] { 1 });
            return received;
        });

        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, port);
        await using var stream = new SslStream(new NetworkStream(client, ownsSocket: false));
        await stream.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "bench",
            ClientCertificateContext = SslStreamCertificateContext.Create(clientCertificate, null, offline: true),
            EnabledSslProtocols = SslProtocols.Tls13,
            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null,
        });

        var payload = Payload.Create(options.Chunk);
        var measuring = Measurement.Start();
        for (long sent = 0; sent < options.Bytes;)
        {
            var n = (int)Math.Min(payload.Length, options.Bytes - sent);
            await stream.WriteAsync(payload.AsMemory(0, n));
            sent += n;
        }
        await stream.ReadExactlyAsync(new byte[1]);
        var measured = measuring.Stop();
        if (await receiving != options.Bytes) throw new InvalidOperationException("The plain copy lost bytes.");
        return measured;
    }
}
