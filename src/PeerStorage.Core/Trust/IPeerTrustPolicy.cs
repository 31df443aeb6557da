using System.Security.Cryptography.X509Certificates;
using PeerStorage.Core.Node;

namespace PeerStorage.Core.Trust;

/// <summary>Why a peer is trusted: pinned by its node id, or holding a certificate from the node's fleet CA.</summary>
public enum TrustBasis
{
    None,
    Pinned,
    Fleet,
}

/// <summary>The verdict on a peer's certificate. NodeId is always the SHA-256 of the certificate's public key.</summary>
public sealed record TrustDecision(bool Trusted, NodeId NodeId, TrustBasis Basis, string Reason)
{
    public static TrustDecision Refused(NodeId nodeId, string reason) => new(false, nodeId, TrustBasis.None, reason);
}

/// <summary>
/// Decides whether a peer may open a session. The transport asks it during the TLS handshake, on both sides, with the
/// peer's leaf certificate and whatever chain the peer presented; nothing is exchanged before it says yes.
/// </summary>
public interface IPeerTrustPolicy
{
    TrustDecision Evaluate(X509Certificate2 peerCertificate, IReadOnlyList<X509Certificate2> presentedChain);
}
