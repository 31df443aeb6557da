using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using PeerStorage.Core.Node;
using PeerStorage.Core.Trust;
using Serilog;
using Serilog.Core;

namespace PeerStorage.Core.Transport;

/// <summary>
/// Opens authenticated connections to peers: TCP, mutual TLS 1.3 with this node's credentials, the trust policy's
/// verdict on the peer, optionally a pinned expected node id, then the Hello exchange.
/// </summary>
public sealed class PeerClient
{
    private TransportCredentials _credentials;

    /// <param name="router">Methods this node serves to the peer on outgoing connections (streams the server opens); usually none.</param>
    public PeerClient(TransportCredentials credentials, IPeerTrustPolicy trustPolicy, TransportOptions? options = null, ILogger? log = null, RequestRouter? router = null)
    {
        _credentials = credentials;
        TrustPolicy = trustPolicy;
        Options = options ?? TransportOptions.Default;
        Options.Validate();
        Log = log ?? Logger.None;
        Router = router;
    }

    public TransportCredentials Credentials => Volatile.Read(ref _credentials);
    public IPeerTrustPolicy TrustPolicy { get; }
    public TransportOptions Options { get; }
    public RequestRouter? Router { get; }
    internal ILogger Log { get; }

    /// <summary>New connections present these (after a rename, or once a fleet certificate is installed).</summary>
    public void UpdateCredentials(TransportCredentials credentials) => Volatile.Write(ref _credentials, credentials);

    /// <summary>
    /// Connects to the node at <paramref name="host"/>:<paramref name="port"/>. Throws PeerStorageException:
    /// PeerConnectFailed, PeerNotTrusted (this node refused the peer), PeerIdentityMismatch (it is not
    /// <paramref name="expectedNodeId"/>), PeerRefusedSession (the peer refused this node), PeerProtocolMismatch,
    /// PeerHandshakeFailed.
    /// </summary>
    public async Task<PeerConnection> ConnectAsync(string host, int port, NodeId? expectedNodeId = null, CancellationToken cancellationToken = default)
    {
        var target = $"{host}:{port}";
        var credentials = Credentials;
        using var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        handshake.CancelAfter(Options.HandshakeTimeout);

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(host, port, handshake.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            socket.Dispose();
            throw TransportErrors.ConnectFailed(target, e is OperationCanceledException ? new TimeoutException($"no answer within {Options.HandshakeTimeout.TotalSeconds:0.#} s") : e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var endPoint = socket.RemoteEndPoint;
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        var check = new PeerCertificateCheck(TrustPolicy, expectedNodeId);
        var setup = new ConnectionSetup(IsClient: true, credentials, Options, Router, Log);
        try
        {
            try
            {
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = host,
                    ClientCertificateContext = credentials.CertificateContext,
                    EnabledSslProtocols = SslProtocols.Tls13,
                    CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
                    CertificateChainPolicy = check.ChainPolicy,
                    RemoteCertificateValidationCallback = check.Validate,
                }, handshake.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException or SocketException)
            {
                throw MapHandshakeFailure(e, check, target, credentials.NodeId, cancellationToken, handshake.IsCancellationRequested);
            }

            try
            {
                return await PeerConnection.EstablishAsync(tls, setup, check.ToPeer(tls.SslProtocol, endPoint), handshake.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is AuthenticationException or IOException or EndOfStreamException or SocketException)
            {
                // TLS 1.3 finishes the client's handshake before the server has judged the client's certificate: a
                // server that refuses this node shows up here, as an alert or a closed connection instead of a Hello.
                throw TransportErrors.RefusedSession(target, credentials.NodeId, e);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw TransportErrors.HandshakeFailed(target, $"no hello within {Options.HandshakeTimeout.TotalSeconds:0.#} s");
            }
        }
        catch
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private Exception MapHandshakeFailure(Exception e, PeerCertificateCheck check, string target, NodeId self, CancellationToken caller, bool timedOut)
    {
        if (check.IdentityMismatch) return TransportErrors.IdentityMismatch(target, check.ExpectedNodeId!.Value, check.PresentedNodeId!.Value);
        if (check.Refusal is not null) return TransportErrors.NotTrusted(target, check.Refusal);
        if (e is OperationCanceledException && caller.IsCancellationRequested) return e;
        if (timedOut) return TransportErrors.HandshakeFailed(target, $"no answer within {Options.HandshakeTimeout.TotalSeconds:0.#} s", e);
        if (check.Accepted) return TransportErrors.RefusedSession(target, self, e);
        return TransportErrors.HandshakeFailed(target, e.Message, e);
    }
}
