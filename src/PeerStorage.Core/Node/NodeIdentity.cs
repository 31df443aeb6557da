using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PeerStorage.Core.Platform;

namespace PeerStorage.Core.Node;

/// <summary>
/// The node's key pair and self-signed certificate. The node id is derived from the public key, so a certificate
/// re-issued by a fleet CA later keeps the same id.
/// </summary>
public sealed class NodeIdentity : IDisposable
{
    public const string KeyFileName = "node.key";
    public const string CertificateFileName = "node.crt";

    private NodeIdentity(ECDsa key, X509Certificate2 certificate)
    {
        Key = key;
        Certificate = certificate;
        NodeId = NodeId.FromPublicKey(key.ExportSubjectPublicKeyInfo());
    }

    public ECDsa Key { get; }
    public X509Certificate2 Certificate { get; }
    public NodeId NodeId { get; }
    public string Thumbprint => Certificate.GetCertHashString(HashAlgorithmName.SHA256);

    /// <summary>Creates a new P-256 key and a self-signed certificate naming the node id, and stores both.</summary>
    public static NodeIdentity Create(string identityDirectory, string nodeName)
    {
        OwnerOnly.CreateDirectory(identityDirectory);
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var id = NodeId.FromPublicKey(key.ExportSubjectPublicKeyInfo());
        var subject = new X500DistinguishedName($"CN={id}, O=PeerStorage, OU={SanitizeForDn(nodeName)}");
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false)); // server and client auth: peers are both
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(20));

        OwnerOnly.WriteAllBytes(Path.Combine(identityDirectory, KeyFileName), System.Text.Encoding.ASCII.GetBytes(key.ExportPkcs8PrivateKeyPem()));
        File.WriteAllText(Path.Combine(identityDirectory, CertificateFileName), certificate.ExportCertificatePem());
        return new NodeIdentity(key, certificate);
    }

    public static bool Exists(string identityDirectory) => File.Exists(Path.Combine(identityDirectory, KeyFileName));

    public static NodeIdentity Load(string identityDirectory)
    {
        var keyPath = Path.Combine(identityDirectory, KeyFileName);
        var certPath = Path.Combine(identityDirectory, CertificateFileName);
        if (!File.Exists(keyPath) || !File.Exists(certPath))
            throw new PeerStorageException("NodeIdentityMissing", PeerErrorKind.NotFound,
                $"The node identity is missing in '{identityDirectory}'. Run Initialize-PeerNode.", target: identityDirectory);
        var key = ECDsa.Create();
        X509Certificate2 certificate;
        try
        {
            key.ImportFromPem(File.ReadAllText(keyPath));
            certificate = X509Certificate2.CreateFromPem(File.ReadAllText(certPath));
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw new PeerStorageException("NodeIdentityCorrupt", PeerErrorKind.InvalidData,
                $"The node identity in '{identityDirectory}' cannot be read: {e.Message}", e, identityDirectory);
        }
        using var certKey = certificate.GetECDsaPublicKey();
        if (certKey is null || !certKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
        {
            key.Dispose();
            throw new PeerStorageException("NodeIdentityMismatch", PeerErrorKind.InvalidData,
                $"The certificate in '{identityDirectory}' does not belong to the node key.", target: identityDirectory);
        }
        return new NodeIdentity(key, certificate);
    }

    /// <summary>Moves an identity aside (never deletes it), so a forced re-initialization loses nothing.</summary>
    public static string Retire(string identityDirectory)
    {
        var retired = Path.Combine(identityDirectory, "retired", DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmssfff'Z'"));
        OwnerOnly.CreateDirectory(Path.GetDirectoryName(retired)!);
        OwnerOnly.CreateDirectory(retired);
        foreach (var name in new[] { KeyFileName, CertificateFileName })
        {
            var source = Path.Combine(identityDirectory, name);
            if (File.Exists(source)) File.Move(source, Path.Combine(retired, name));
        }
        return retired;
    }

    private static string SanitizeForDn(string name) =>
        new(name.Where(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or ' ').Take(64).ToArray());

    public void Dispose()
    {
        Key.Dispose();
        Certificate.Dispose();
    }
}
