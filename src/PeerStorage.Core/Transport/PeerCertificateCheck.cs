using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PeerStorage.Core.Node;
using PeerStorage.Core.Trust;

namespace PeerStorage.Core.Transport;

/// <summary>
/// The TLS certificate callback of one handshake, on either side. The peer's node id is computed from its key; the
/// verdict is the trust policy's alone (the system's chain building is ignored: peers are self-signed or
/// fleet-issued, neither of which a system store knows). Records why it refused, for the error or the log.
/// </summary>
internal sealed class PeerCertificateCheck(IPeerTrustPolicy policy, NodeId? expectedNodeId)
{
    public NodeId? ExpectedNodeId => expectedNodeId;
    public NodeId? PresentedNodeId { get; private set; }
    public TrustDecision? Decision { get; private set; }
    public X509Certificate2? Certificate { get; private set; }
    public IReadOnlyList<X509Certificate2> PresentedChain { get; private set; } = [];

    /// <summary>Why this side refused the peer, or null.</summary>
    public string? Refusal { get; private set; }
    public bool IdentityMismatch { get; private set; }
    public bool Accepted => Refusal is null && Decision is { Trusted: true };

    /// <summary>Keeps the (unused) system chain build offline and cheap: no downloads, no revocation fetches.</summary>
    public X509ChainPolicy ChainPolicy { get; } = new()
    {
        RevocationMode = X509RevocationMode.NoCheck,
        DisableCertificateDownloads = true,
        TrustMode = X509ChainTrustMode.CustomRootTrust,
    };

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            Refusal = "it presented no certificate";
            return false;
        }
        // Copies: the handshake disposes its certificate objects, and these outlive it (revalidation after a revocation).
        var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        var presented = chain is null
            ? []
            : chain.ChainPolicy.ExtraStore
                .Where(c => !c.RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span))
                .Select(c => X509CertificateLoader.LoadCertificate(c.RawDataMemory.Span))
                .ToArray();
        Certificate = leaf;
        PresentedChain = presented;
        NodeId id;
        try
        {
            id = NodeId.FromPublicKey(leaf.PublicKey.ExportSubjectPublicKeyInfo());
        }
        catch (CryptographicException e)
        {
            Refusal = $"its certificate's key cannot be read: {e.Message}";
            return false;
        }
        PresentedNodeId = id;
        if (expectedNodeId is { } expected && !expected.Equals(id))
        {
            IdentityMismatch = true;
            Refusal = $"it is node {id}, not the expected {expected}";
            return false;
        }
        TrustDecision decision;
        try
        {
            decision = policy.Evaluate(leaf, presented);
        }
        catch (Exception e)
        {
            Refusal = $"the trust policy failed on node {id}: {e.Message}";
            return false;
        }
        Decision = decision;
        if (!decision.Trusted)
        {
            Refusal = decision.Reason;
            return false;
        }
        if (!decision.NodeId.Equals(id))
        {
            Refusal = $"the trust policy judged node {decision.NodeId}, but the certificate belongs to {id}";
            return false;
        }
        return true;
    }

    public AuthenticatedPeer ToPeer(SslProtocols protocol, EndPoint? endPoint) =>
        new(PresentedNodeId!.Value, Decision!.Basis, Certificate, PresentedChain, protocol, endPoint);
}
