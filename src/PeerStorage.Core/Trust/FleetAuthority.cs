using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using PeerStorage.Core.Node;
using PeerStorage.Core.Platform;

namespace PeerStorage.Core.Trust;

/// <summary>
/// A fleet certificate authority held in one PEM file by the admin: the CA certificate, then its private key
/// (encrypted with a password when one is given). It admits nodes (issues their certificates) and revokes them.
/// The fleet id is the SHA-256 of the CA's public key, written like a node id.
/// </summary>
public sealed class FleetAuthority : IDisposable
{
    private const int KeyDerivationIterations = 600_000;

    private FleetAuthority(string path, X509Certificate2 certificate, ECDsa key, bool encrypted)
    {
        Path = path;
        Certificate = certificate;
        Key = key;
        Encrypted = encrypted;
        FleetId = FleetIdOf(certificate);
    }

    public string Path { get; }
    public X509Certificate2 Certificate { get; }
    public ECDsa Key { get; }
    public bool Encrypted { get; }
    public NodeId FleetId { get; }
    public string Name => Certificate.GetNameInfo(X509NameType.SimpleName, false).Replace("PeerStorage fleet ", "");

    public static NodeId FleetIdOf(X509Certificate2 caCertificate) => NodeId.FromPublicKey(caCertificate.PublicKey.ExportSubjectPublicKeyInfo());

    public static FleetAuthority Create(string path, string name, string? password, TimeSpan? validity = null)
    {
        if (File.Exists(path))
            throw new PeerStorageException("FleetFileExists", PeerErrorKind.AlreadyExists,
                $"'{path}' exists already. A fleet file is never overwritten: choose another path.", target: path);
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN=PeerStorage fleet {Sanitize(name)}, O=PeerStorage"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now + (validity ?? TimeSpan.FromDays(365 * 20)));

        var pem = new StringBuilder(certificate.ExportCertificatePem()).Append('\n');
        pem.Append(password is null
            ? key.ExportPkcs8PrivateKeyPem()
            : key.ExportEncryptedPkcs8PrivateKeyPem(password,
                new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, KeyDerivationIterations)));
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        OwnerOnly.WriteAllBytes(path, Encoding.ASCII.GetBytes(pem.Append('\n').ToString()));
        return new FleetAuthority(path, certificate, key, password is not null);
    }

    /// <summary>Reads a fleet file. The key is needed to issue and revoke; a wrong password is a clear error.</summary>
    public static FleetAuthority Load(string path, string? password)
    {
        if (!File.Exists(path))
            throw new PeerStorageException("FleetFileNotFound", PeerErrorKind.NotFound, $"No fleet file at '{path}'.", target: path);
        var text = File.ReadAllText(path);
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(text);
        }
        catch (CryptographicException e)
        {
            throw new PeerStorageException("FleetFileInvalid", PeerErrorKind.InvalidData, $"'{path}' is not a fleet file: {e.Message}", e, path);
        }
        var encrypted = text.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal);
        if (encrypted && string.IsNullOrEmpty(password))
            throw new PeerStorageException("FleetPasswordRequired", PeerErrorKind.PermissionDenied,
                $"The fleet key in '{path}' is encrypted: give its -Password.", target: path);
        var key = ECDsa.Create();
        try
        {
            if (encrypted) key.ImportFromEncryptedPem(text, password);
            else key.ImportFromPem(text);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw encrypted
                ? new PeerStorageException("FleetPasswordWrong", PeerErrorKind.PermissionDenied, $"The password does not open the fleet key in '{path}'.", e, path)
                : new PeerStorageException("FleetFileInvalid", PeerErrorKind.InvalidData, $"'{path}' holds no usable fleet key: {e.Message}", e, path);
        }
        using var publicKey = certificate.GetECDsaPublicKey();
        if (publicKey is null || !publicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
        {
            key.Dispose();
            throw new PeerStorageException("FleetFileInvalid", PeerErrorKind.InvalidData, $"The key in '{path}' does not belong to its CA certificate.", target: path);
        }
        return new FleetAuthority(path, certificate, key, encrypted);
    }

    /// <summary>Issues a node certificate for a verified request: the node keeps its key, so its node id is unchanged.</summary>
    public X509Certificate2 Issue(CertificateRequest request, string nodeName, TimeSpan validity)
    {
        var nodeId = NodeId.FromPublicKey(request.PublicKey.ExportSubjectPublicKeyInfo());
        var leaf = new CertificateRequest(
            new X500DistinguishedName($"CN={nodeId}, O=PeerStorage, OU={Sanitize(nodeName)}"), request.PublicKey, HashAlgorithmName.SHA256);
        leaf.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        leaf.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        leaf.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        leaf.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(leaf.PublicKey, false));
        leaf.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        var now = DateTimeOffset.UtcNow;
        var notAfter = now + validity;
        if (notAfter > Certificate.NotAfter) notAfter = Certificate.NotAfter;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01); // positive and of full length, as X.509 wants
        return leaf.Create(Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(Key), now.AddMinutes(-5), notAfter, serial);
    }

    internal static string Sanitize(string name) =>
        new(name.Where(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or ' ').Take(64).ToArray());

    public void Dispose()
    {
        Key.Dispose();
        Certificate.Dispose();
    }
}
