namespace PeerStorage;

/// <summary>A fleet certificate authority: the key an admin holds to admit nodes to a fleet and to revoke them.</summary>
public sealed class PeerFleet
{
    /// <summary>The fleet id: SHA-256 of the CA's public key, written like a node id.</summary>
    public string FleetId { get; init; } = "";
    /// <summary>The fleet's name.</summary>
    public string Name { get; init; } = "";
    /// <summary>The file that holds the CA certificate and key.</summary>
    public string Path { get; init; } = "";
    /// <summary>Until when the CA certificate is valid.</summary>
    public DateTimeOffset NotAfter { get; init; }
    /// <summary>SHA-256 thumbprint of the CA certificate.</summary>
    public string Thumbprint { get; init; } = "";
    /// <summary>Whether the CA key in the file is encrypted with a password.</summary>
    public bool Encrypted { get; init; }
}

/// <summary>A node's request to join a fleet: PEM text that crosses Invoke-Command and files unchanged.</summary>
public sealed class PeerCertificateRequest
{
    /// <summary>The node that asks (SHA-256 of the key that signed the request).</summary>
    public string NodeId { get; init; } = "";
    /// <summary>The node's name.</summary>
    public string Name { get; init; } = "";
    /// <summary>The PKCS#10 request, PEM.</summary>
    public string Request { get; init; } = "";
}

/// <summary>A node certificate issued by a fleet CA, with the CA certificate after it (PEM).</summary>
public sealed class PeerCertificate
{
    /// <summary>The node the certificate is for.</summary>
    public string NodeId { get; init; } = "";
    /// <summary>The node's name, as it asked.</summary>
    public string Name { get; init; } = "";
    /// <summary>The fleet that issued it.</summary>
    public string FleetId { get; init; } = "";
    /// <summary>Until when it is valid.</summary>
    public DateTimeOffset NotAfter { get; init; }
    /// <summary>SHA-256 thumbprint of the node certificate.</summary>
    public string Thumbprint { get; init; } = "";
    /// <summary>The node certificate followed by the fleet CA certificate, PEM.</summary>
    public string Certificate { get; init; } = "";
}

/// <summary>A fleet's signed statement that a node no longer belongs to it. Peers pass it on to each other.</summary>
public sealed class PeerRevocation
{
    /// <summary>The node revoked.</summary>
    public string NodeId { get; init; } = "";
    /// <summary>The fleet that revoked it.</summary>
    public string FleetId { get; init; } = "";
    /// <summary>When.</summary>
    public DateTimeOffset Revoked { get; init; }
    /// <summary>Why, in the admin's words.</summary>
    public string Reason { get; init; } = "";
    /// <summary>The signed statement.</summary>
    public string Statement { get; init; } = "";
    /// <summary>The fleet CA's signature over the statement (base64).</summary>
    public string Signature { get; init; } = "";
}

/// <summary>A peer this node trusts by its node id.</summary>
public sealed class PeerTrust
{
    /// <summary>The trusted peer.</summary>
    public string NodeId { get; init; } = "";
    /// <summary>Its name, as the admin gave it or discovery found it.</summary>
    public string? Name { get; init; }
    /// <summary>Addresses to reach it at (host:port), if known.</summary>
    public string[] Addresses { get; init; } = [];
    /// <summary>When the trust was added.</summary>
    public DateTimeOffset Added { get; init; }
    /// <summary>The local node home that holds this trust.</summary>
    public string NodePath { get; init; } = "";
}
