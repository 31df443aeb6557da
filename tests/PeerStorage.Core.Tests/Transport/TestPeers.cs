using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PeerStorage.Core.Node;
using PeerStorage.Core.Transport;
using PeerStorage.Core.Trust;

namespace PeerStorage.Core.Tests.Transport;

/// <summary>Node identities for transport tests: real NodeIdentity keys and certificates in a temporary folder.</summary>
internal sealed class TestPeers : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly List<NodeIdentity> _identities = [];

    public TransportCredentials Create(string name)
    {
        var identity = NodeIdentity.Create(_dir.Combine(name + "-" + Guid.NewGuid().ToString("N")[..6]), name);
        _identities.Add(identity);
        return TransportCredentials.FromIdentity(identity, name);
    }

    /// <summary>
    /// A node certificate issued by a fleet: root CA → intermediate → node, as the lead's enrolment might install it.
    /// The credentials list both issuers; TLS sends the intermediate but never the self-signed root.
    /// </summary>
    public static (TransportCredentials Node, X509Certificate2 Root, X509Certificate2 Intermediate) CreateFleetIssued(string name)
    {
        var now = DateTimeOffset.UtcNow;
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest("CN=Test fleet root", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        rootRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(rootRequest.PublicKey, false));
        using var root = rootRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1));

        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var intermediateRequest = new CertificateRequest("CN=Test fleet intermediate", intermediateKey, HashAlgorithmName.SHA256);
        intermediateRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        intermediateRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        intermediateRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(intermediateRequest.PublicKey, false));
        intermediateRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root, true, false));
        using var intermediateIssued = intermediateRequest.Create(root, now.AddMinutes(-5), now.AddMonths(11), [9, 8, 7]);
        using var intermediate = intermediateIssued.CopyWithPrivateKey(intermediateKey);

        var nodeKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var nodeRequest = new CertificateRequest($"CN={name}", nodeKey, HashAlgorithmName.SHA256);
        nodeRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        nodeRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        nodeRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(intermediate, true, false));
        using var issued = nodeRequest.Create(intermediate, now.AddMinutes(-5), now.AddMonths(6), [1, 2, 3, 4]);
        var withKey = issued.CopyWithPrivateKey(nodeKey);
        var rootPublic = X509CertificateLoader.LoadCertificate(root.RawData);
        var intermediatePublic = X509CertificateLoader.LoadCertificate(intermediate.RawData);
        return (new TransportCredentials(withKey, name, [intermediatePublic, rootPublic]), rootPublic, intermediatePublic);
    }

    public void Dispose()
    {
        foreach (var identity in _identities) identity.Dispose();
        _dir.Dispose();
    }
}

/// <summary>Trusts exactly the listed node ids (pinned), and remembers what it was asked.</summary>
internal sealed class AllowListPolicy(params NodeId[] trusted) : IPeerTrustPolicy
{
    private readonly ConcurrentDictionary<NodeId, byte> _trusted = new(trusted.Select(id => KeyValuePair.Create(id, (byte)0)));

    public ConcurrentQueue<(NodeId NodeId, int ChainLength, IReadOnlyList<string> ChainSubjects)> Asked { get; } = new();

    public void Trust(NodeId id) => _trusted[id] = 0;
    public void Revoke(NodeId id) => _trusted.TryRemove(id, out _);

    public TrustDecision Evaluate(X509Certificate2 peerCertificate, IReadOnlyList<X509Certificate2> presentedChain)
    {
        var id = NodeId.FromPublicKey(peerCertificate.PublicKey.ExportSubjectPublicKeyInfo());
        Asked.Enqueue((id, presentedChain.Count, presentedChain.Select(c => c.Subject).ToArray()));
        return _trusted.ContainsKey(id)
            ? new TrustDecision(true, id, TrustBasis.Pinned, "pinned by node id")
            : TrustDecision.Refused(id, $"node {id.Short} is not in the allow list");
    }
}
