using System.Security.Cryptography.X509Certificates;
using PeerStorage.Core.Node;
using PeerStorage.Core.Trust;

namespace PeerStorage.Bench.Transport;

/// <summary>Pins the two benchmark nodes by id, as a real policy would, so the handshake runs the same checks.</summary>
internal sealed class TrustEachOther(params NodeId[] nodes) : IPeerTrustPolicy
{
    public TrustDecision Evaluate(X509Certificate2 peerCertificate, IReadOnlyList<X509Certificate2> presentedChain)
    {
        var id = NodeId.FromPublicKey(peerCertificate.PublicKey.ExportSubjectPublicKeyInfo());
        return nodes.Contains(id) ? new TrustDecision(true, id, TrustBasis.Pinned, "pinned") : TrustDecision.Refused(id, "not a benchmark node");
    }
}
