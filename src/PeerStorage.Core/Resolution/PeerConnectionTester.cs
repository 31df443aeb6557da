using PeerStorage.Core.Node;

namespace PeerStorage.Core.Resolution;

/// <summary>
/// An authenticated round trip to a peer: resolve it (unless addresses are given), open a mutual-TLS session that
/// proves its node id, time a ping. A failure is part of the result (Success false, Error) and is also returned so the
/// caller can report it as an error record.
/// </summary>
public static class PeerConnectionTester
{
    public static async Task<(PeerConnectionTest Test, PeerStorageException? Error)> TestAsync(
        NodeHome home, NodeId nodeId, IReadOnlyList<string>? addresses, TimeSpan linkTimeout, CancellationToken cancellationToken)
    {
        await using var network = new NodeNetwork(home);
        var resolver = new PeerResolver(home, network, LinkBrowsers.ForNode(home));
        try
        {
            var (connection, address) = await resolver.ConnectAsync(nodeId, addresses, linkTimeout, cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var roundTrip = await connection.PingAsync(cancellationToken).ConfigureAwait(false);
                return (new PeerConnectionTest
                {
                    NodeId = nodeId.ToString(), Name = connection.RemoteName, Address = address, Success = true, RoundTrip = roundTrip,
                    TlsProtocol = connection.NegotiatedProtocol.ToString(), TrustedBy = connection.TrustBasis.ToString(),
                }, null);
            }
        }
        catch (PeerStorageException e)
        {
            return (new PeerConnectionTest { NodeId = nodeId.ToString(), Success = false, Error = e.Message }, e);
        }
    }
}
