using System.Net;
using System.Security;

namespace PeerStorage.PowerShell.Trust;

internal static class FleetCmdletSupport
{
    /// <summary>The plain text of a -Password, for the engine's key decryption; null when none was given.</summary>
    public static string? Plain(SecureString? password) => password is null ? null : new NetworkCredential("", password).Password;

    public static PeerFleet Describe(Core.Trust.FleetAuthority fleet) => new()
    {
        FleetId = fleet.FleetId.ToString(),
        Name = fleet.Name,
        Path = fleet.Path,
        NotAfter = fleet.Certificate.NotAfter.ToUniversalTime(),
        Thumbprint = fleet.Certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256),
        Encrypted = fleet.Encrypted,
    };
}
