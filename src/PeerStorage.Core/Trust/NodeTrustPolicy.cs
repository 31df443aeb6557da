using System.Security.Cryptography.X509Certificates;
using PeerStorage.Core.Node;

namespace PeerStorage.Core.Trust;

/// <summary>
/// The node's trust rules, read fresh from its home on every handshake so that a trust added, removed or revoked by a
/// cmdlet in another process applies to the next connection:
/// revoked → refused (even if pinned); pinned by node id → trusted; issued by this node's fleet CA → trusted;
/// anything else → refused, saying what would make it trusted.
/// </summary>
public sealed class NodeTrustPolicy(NodeHome home) : IPeerTrustPolicy
{
    private readonly TrustStore _pins = new(home);

    public TrustDecision Evaluate(X509Certificate2 peerCertificate, IReadOnlyList<X509Certificate2> presentedChain)
    {
        var nodeId = NodeId.FromPublicKey(peerCertificate.PublicKey.ExportSubjectPublicKeyInfo());
        if (Revocations.IsRevoked(home.State, nodeId))
            return TrustDecision.Refused(nodeId, $"Node {nodeId} was revoked by its fleet.");
        if (_pins.IsPinned(nodeId))
            return new TrustDecision(true, nodeId, TrustBasis.Pinned, "Pinned by node id.");
        using var fleetCa = FleetMembership.LoadFleetCa(home.Path);
        if (fleetCa is not null)
        {
            if (FleetChain.IssuedBy(peerCertificate, fleetCa, out var problem))
                return new TrustDecision(true, nodeId, TrustBasis.Fleet, $"Member of fleet {FleetAuthority.FleetIdOf(fleetCa).Short}.");
            return TrustDecision.Refused(nodeId, $"Node {nodeId} is not a member of this node's fleet ({problem}) and is not trusted by node id.");
        }
        return TrustDecision.Refused(nodeId, $"Node {nodeId} is not trusted: add it with Add-PeerTrust -NodeId, or put both nodes in one fleet.");
    }
}
