using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using PeerStorage.Core.Trust;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace PeerStorage.Core.Transport;

/// <summary>
/// The server side of the peer transport. The node runtime keeps the listening socket and hands each accepted TLS
/// connection to <see cref="ServeAsync"/>, which authenticates it (mutual TLS 1.3, client certificate required, the
/// trust policy decides), exchanges Hellos and serves the router's methods until the connection ends. A refused or
/// misbehaving peer is logged and dropped; nothing it does reaches another connection.
/// </summary>
public sealed class PeerListener : IAsyncDisposable
{
    private readonly ConcurrentDictionary<PeerConnection, byte> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private TransportCredentials _credentials;

    public PeerListener(TransportCredentials credentials, IPeerTrustPolicy trustPolicy, RequestRouter router, ILogger? log = null, TransportOptions? options = null)
    {
        _credentials = credentials;
        TrustPolicy = trustPolicy;
        Router = router;
        Options = options ?? TransportOptions.Default;
        Options.Validate();
        Log = log ?? Logger.None;
    }

    public TransportCredentials Credentials => Volatile.Read(ref _credentials);
    public IPeerTrustPolicy TrustPolicy { get; }
    public RequestRouter Router { get; }
    public TransportOptions Options { get; }
    public IReadOnlyCollection<PeerConnection> Connections => _connections.Keys.ToArray();
    private ILogger Log { get; }

    /// <summary>New connections present these (after a rename, or once a fleet certificate is installed).</summary>
    public void UpdateCredentials(TransportCredentials credentials) => Volatile.Write(ref _credentials, credentials);

    /// <summary>
    /// Serves one accepted connection until it closes; the stream is owned (and disposed) from here on. Never throws
    /// for anything the peer does. Cancelling closes the connection gracefully.
    /// </summary>
    public async Task ServeAsync(Stream networkStream, EndPoint? remoteEndPoint, CancellationToken cancellationToken)
    {
        var tls = new SslStream(networkStream, leaveInnerStreamOpen: false);
        PeerConnection? connection = null;
        try
        {
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
            connection = await AcceptAsync(tls, remoteEndPoint, stopping.Token).ConfigureAwait(false);
            if (connection is null) return;
            _connections.TryAdd(connection, 0);
            Log.Debug("Session with {Name} ({NodeId}) at {EndPoint} trusted by {Basis}", connection.RemoteName, connection.RemoteNodeId.ToString(), remoteEndPoint, connection.TrustBasis);
            await using (stopping.Token.UnsafeRegister(static state => _ = ((PeerConnection)state!).CloseAsync("this node is stopping", CancellationToken.None), connection))
                await connection.Completion.ConfigureAwait(false);
        }
        finally
        {
            if (connection is not null) _connections.TryRemove(connection, out _);
            else await tls.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<PeerConnection?> AcceptAsync(SslStream tls, EndPoint? remoteEndPoint, CancellationToken cancellationToken)
    {
        var credentials = Credentials;
        var check = new PeerCertificateCheck(TrustPolicy, expectedNodeId: null);
        using var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        handshake.CancelAfter(Options.HandshakeTimeout);
        try
        {
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = credentials.CertificateContext,
                ClientCertificateRequired = true,
                EnabledSslProtocols = SslProtocols.Tls13,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                CertificateChainPolicy = check.ChainPolicy,
                RemoteCertificateValidationCallback = check.Validate,
            }, handshake.Token).ConfigureAwait(false);
            var setup = new ConnectionSetup(IsClient: false, credentials, Options, Router, Log);
            return await PeerConnection.EstablishAsync(tls, setup, check.ToPeer(tls.SslProtocol, remoteEndPoint), handshake.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (check.Refusal is not null)
        {
            Log.Warning("Refused a session from {EndPoint}: {ErrorId}: node {NodeId}: {Reason}", remoteEndPoint, TransportErrors.PeerNotTrusted,
                check.PresentedNodeId?.ToString() ?? "(none)", check.Refusal);
            Log.Debug(e, "TLS handshake refused");
            return null;
        }
        catch (PeerStorageException e)
        {
            Log.Warning("Refused a session from {EndPoint}: {ErrorId}: {Message}", remoteEndPoint, e.ErrorId, e.Message);
            return null;
        }
        catch (Exception e) when (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception e) when (PeerConnection.IsTransportFailure(e) || e is EndOfStreamException)
        {
            var reason = handshake.IsCancellationRequested ? $"no handshake within {Options.HandshakeTimeout.TotalSeconds:0.#} s" : e.Message;
            Log.Information("Handshake with {EndPoint} failed: {Reason}", remoteEndPoint, reason);
            return null;
        }
    }

    /// <summary>
    /// Asks the trust policy again about every live connection and closes those it no longer trusts (after a
    /// revocation or a removed pin). Returns how many were closed.
    /// </summary>
    public int Revalidate()
    {
        var closed = 0;
        foreach (var connection in Connections)
        {
            if (connection.RemoteCertificate is not { } certificate) continue;
            TrustDecision decision;
            try
            {
                decision = TrustPolicy.Evaluate(certificate, connection.RemoteCertificateChain);
            }
            catch (Exception e)
            {
                decision = TrustDecision.Refused(connection.RemoteNodeId, $"the trust policy failed: {e.Message}");
            }
            if (decision.Trusted) continue;
            connection.Abort($"no longer trusted: {decision.Reason}", LogEventLevel.Warning);
            closed++;
        }
        return closed;
    }

    /// <summary>Stops serving: every connection is closed gracefully (open streams get the close timeout to finish).</summary>
    public async Task ShutdownAsync()
    {
        _stopping.Cancel();
        await Task.WhenAll(Connections.Select(c => c.Completion)).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await ShutdownAsync().ConfigureAwait(false);
}
