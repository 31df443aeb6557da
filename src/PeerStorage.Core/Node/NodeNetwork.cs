using System.Security.Cryptography.X509Certificates;
using PeerStorage.Core.DirectoryServer;
using PeerStorage.Core.Transport;
using PeerStorage.Core.Trust;

namespace PeerStorage.Core.Node;

/// <summary>
/// A node's side of the peer network: its credentials (node certificate, plus the fleet CA as chain once it joined a
/// fleet), its trust policy, the services it answers, and a client that opens sessions to peers. A running node
/// serves with it; a cmdlet that talks to a peer uses the same class without serving.
/// </summary>
public sealed class NodeNetwork : IAsyncDisposable
{
    private readonly NodeHome _home;

    public NodeNetwork(NodeHome home, TransportOptions? options = null)
    {
        _home = home;
        Trust = new NodeTrustPolicy(home);
        Router = new RequestRouter();
        RevocationGossip.Map(Router, home, _ => Revalidate());
        DirectoryService.Map(Router, home);
        var credentials = Credentials(home);
        Listener = new PeerListener(credentials, Trust, Router, home.Log, options);
        Client = new PeerClient(credentials, Trust, options, home.Log, Router);
        Pool = new PeerConnectionPool(Client);
    }

    public NodeTrustPolicy Trust { get; }
    public RequestRouter Router { get; }
    public PeerListener Listener { get; }
    public PeerClient Client { get; }
    public PeerConnectionPool Pool { get; }

    /// <summary>The certificate peers see: the fleet-issued one with its CA as chain, else the self-signed one.</summary>
    public static TransportCredentials Credentials(NodeHome home)
    {
        var ca = FleetMembership.LoadFleetCa(home.Path);
        IReadOnlyList<X509Certificate2>? chain = ca is null ? null : [ca];
        return TransportCredentials.FromIdentity(home.Identity, home.Name, chain);
    }

    /// <summary>After the identity or name changed on disk: present the new certificate on the next handshakes.</summary>
    public void RefreshCredentials()
    {
        var credentials = Credentials(_home);
        Listener.UpdateCredentials(credentials);
        Client.UpdateCredentials(credentials);
    }

    /// <summary>Re-checks every open session against the trust policy and closes those no longer trusted.</summary>
    public int Revalidate() => Listener.Revalidate() + Pool.Revalidate();

    /// <summary>Opens an authenticated session to a peer and swaps revocations with it.</summary>
    public async Task<PeerConnection> ConnectAsync(string host, int port, NodeId? expected, CancellationToken cancellationToken)
    {
        var connection = await Client.ConnectAsync(host, port, expected, cancellationToken).ConfigureAwait(false);
        try
        {
            if (await RevocationGossip.ExchangeAsync(connection, _home, cancellationToken).ConfigureAwait(false) > 0) Revalidate();
        }
        catch (PeerStorageException e)
        {
            _home.Log.Debug("Revocation exchange with {Peer} failed: {Reason}", connection.RemoteName, e.Message);
        }
        if (Trust.Evaluate(connection.RemoteCertificate!, connection.RemoteCertificateChain) is { Trusted: false } verdict)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new PeerStorageException(TransportErrors.PeerNotTrusted, PeerErrorKind.PermissionDenied, verdict.Reason, target: verdict.NodeId.ToString());
        }
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        await Pool.DisposeAsync().ConfigureAwait(false);
        await Listener.DisposeAsync().ConfigureAwait(false);
    }
}
