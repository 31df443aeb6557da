using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PeerStorage.Core.Node;
using PeerStorage.Core.Platform;
using PeerStorage.Core.State;

namespace PeerStorage.Core.Trust;

/// <summary>
/// The node's side of joining a fleet: a certificate request signed by the node key, and installing the certificate
/// the fleet CA issued (with the CA certificate as this node's fleet trust anchor).
/// </summary>
public static class FleetMembership
{
    public const string FleetCaFileName = "fleet-ca.crt";
    public const string SelfSignedFileName = "self-signed.crt";
    private static readonly TimeSpan DefaultValidity = TimeSpan.FromDays(2 * 365);

    public static PeerCertificateRequest CreateRequest(NodeHome home)
    {
        var request = new CertificateRequest(home.Identity.Certificate.SubjectName, home.Identity.Key, HashAlgorithmName.SHA256);
        return new PeerCertificateRequest { NodeId = home.NodeId.ToString(), Name = home.Name, Request = request.CreateSigningRequestPem() };
    }

    /// <summary>Checks a request's signature and that it comes from the node it names, then issues its certificate.</summary>
    public static PeerCertificate Approve(FleetAuthority fleet, string requestPem, string? claimedNodeId, string? nodeName, TimeSpan? validity)
    {
        CertificateRequest request;
        try
        {
            request = CertificateRequest.LoadSigningRequestPem(requestPem, HashAlgorithmName.SHA256,
                CertificateRequestLoadOptions.Default /* verifies the signature: only the key holder can ask */);
        }
        catch (CryptographicException e)
        {
            throw new PeerStorageException("CertificateRequestInvalid", PeerErrorKind.InvalidData, $"The certificate request is not valid: {e.Message}", e);
        }
        var nodeId = NodeId.FromPublicKey(request.PublicKey.ExportSubjectPublicKeyInfo());
        if (claimedNodeId is not null && !nodeId.Equals(NodeId.Parse(claimedNodeId)))
            throw new PeerStorageException("CertificateRequestMismatch", PeerErrorKind.InvalidData,
                $"The request says it is from {claimedNodeId}, but it was signed by {nodeId}.", target: claimedNodeId);
        var name = nodeName ?? request.SubjectName.Name.Split(',').Select(p => p.Trim()).FirstOrDefault(p => p.StartsWith("OU=", StringComparison.Ordinal))?[3..] ?? nodeId.Short;
        using var issued = fleet.Issue(request, name, validity ?? DefaultValidity);
        return Describe(issued, fleet.Certificate, name);
    }

    internal static PeerCertificate Describe(X509Certificate2 issued, X509Certificate2 ca, string name) => new()
    {
        NodeId = NodeId.FromPublicKey(issued.PublicKey.ExportSubjectPublicKeyInfo()).ToString(),
        Name = name,
        FleetId = FleetAuthority.FleetIdOf(ca).ToString(),
        NotAfter = issued.NotAfter.ToUniversalTime(),
        Thumbprint = issued.GetCertHashString(HashAlgorithmName.SHA256),
        Certificate = issued.ExportCertificatePem() + "\n" + ca.ExportCertificatePem() + "\n",
    };

    /// <summary>
    /// Installs an issued certificate: it must be for this node's key and chain to the CA certificate that comes with
    /// it. The self-signed certificate is kept beside it. The node's fleet becomes the CA's fleet.
    /// </summary>
    public static PeerNode Install(NodeHome home, string certificatePem)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(certificatePem);
        }
        catch (CryptographicException e)
        {
            throw new PeerStorageException("PeerCertificateInvalid", PeerErrorKind.InvalidData, $"The certificate text is not PEM certificates: {e.Message}", e);
        }
        var leaf = certificates.FirstOrDefault(c => !IsCa(c));
        var ca = certificates.FirstOrDefault(IsCa);
        if (leaf is null || ca is null)
            throw new PeerStorageException("PeerCertificateInvalid", PeerErrorKind.InvalidData,
                "Expected a node certificate followed by its fleet CA certificate (the output of Approve-PeerCertificateRequest).");
        if (!NodeId.FromPublicKey(leaf.PublicKey.ExportSubjectPublicKeyInfo()).Equals(home.NodeId))
            throw new PeerStorageException("PeerCertificateMismatch", PeerErrorKind.InvalidArgument,
                $"The certificate is for node {NodeId.FromPublicKey(leaf.PublicKey.ExportSubjectPublicKeyInfo())}, not for this node ({home.NodeId}).", target: home.Path);
        if (!FleetChain.IssuedBy(leaf, ca, out var problem))
            throw new PeerStorageException("PeerCertificateInvalid", PeerErrorKind.InvalidData, $"The certificate does not chain to the CA that came with it: {problem}");

        var identityDirectory = Path.Combine(home.Path, NodeHome.IdentityDirectoryName);
        var current = Path.Combine(identityDirectory, NodeIdentity.CertificateFileName);
        var selfSigned = Path.Combine(identityDirectory, SelfSignedFileName);
        if (!File.Exists(selfSigned)) File.Copy(current, selfSigned);
        File.WriteAllText(Path.Combine(identityDirectory, FleetCaFileName), ca.ExportCertificatePem() + "\n");
        File.WriteAllText(current + ".new", leaf.ExportCertificatePem() + "\n");
        File.Move(current + ".new", current, overwrite: true);
        home.Settings.Set(SettingKeys.FleetId, FleetAuthority.FleetIdOf(ca).ToString());
        home.ReloadIdentity();
        return home.Describe();
    }

    /// <summary>The fleet CA this node trusts, if it joined one.</summary>
    public static X509Certificate2? LoadFleetCa(string nodeHome)
    {
        var path = Path.Combine(nodeHome, NodeHome.IdentityDirectoryName, FleetCaFileName);
        return File.Exists(path) ? X509Certificate2.CreateFromPem(File.ReadAllText(path)) : null;
    }

    private static bool IsCa(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority);
}
