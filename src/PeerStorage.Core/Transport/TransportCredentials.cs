using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using PeerStorage.Core.Node;

namespace PeerStorage.Core.Transport;

/// <summary>
/// What this node presents to peers: its certificate with the private key, its name, and the issuer certificates to
/// send along (a fleet-issued certificate sends the fleet CA so that peers trusting the fleet can check it). The node
/// id is computed from the certificate's key here, never taken on trust.
/// </summary>
public sealed record TransportCredentials
{
    public TransportCredentials(X509Certificate2 certificateWithKey, string name, IReadOnlyList<X509Certificate2>? issuerChain = null)
    {
        ArgumentNullException.ThrowIfNull(certificateWithKey);
        if (!certificateWithKey.HasPrivateKey)
            throw new PeerStorageException("CredentialsWithoutKey", PeerErrorKind.InvalidArgument,
                "The transport needs the node certificate together with its private key.");
        Certificate = certificateWithKey;
        Name = name;
        IssuerChain = issuerChain ?? [];
        NodeId = NodeId.FromPublicKey(certificateWithKey.PublicKey.ExportSubjectPublicKeyInfo());
        // offline: never fetch missing intermediates from the network; the chain sent is exactly IssuerChain.
        CertificateContext = SslStreamCertificateContext.Create(certificateWithKey, new X509Certificate2Collection(IssuerChain.ToArray()), offline: true);
    }

    public NodeId NodeId { get; }
    public string Name { get; }
    public X509Certificate2 Certificate { get; }
    public IReadOnlyList<X509Certificate2> IssuerChain { get; }
    internal SslStreamCertificateContext CertificateContext { get; }

    /// <summary>The node's own key and certificate (self-signed, or fleet-issued with its chain).</summary>
    public static TransportCredentials FromIdentity(NodeIdentity identity, string name, IReadOnlyList<X509Certificate2>? issuerChain = null) =>
        // A freshly created identity's certificate still holds the key; one loaded from PEM files does not.
        new(identity.Certificate.HasPrivateKey ? identity.Certificate : identity.Certificate.CopyWithPrivateKey(identity.Key), name, issuerChain);

    /// <summary>The same key and certificate under another name (the node was renamed).</summary>
    public TransportCredentials WithName(string name) => new(Certificate, name, IssuerChain);
}
