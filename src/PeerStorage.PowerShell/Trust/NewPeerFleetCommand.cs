using System.Management.Automation;
using System.Security;
using PeerStorage.Core.Trust;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Trust;

/// <summary>
/// <para type="synopsis">Creates a fleet certificate authority in a file that the admin keeps.</para>
/// <para type="description">New-PeerFleet makes an ECDSA P-256 CA key and certificate and writes both to one PEM file,
/// readable by its owner only; with -Password the key is encrypted (AES-256, PBKDF2 with 600,000 rounds). Nodes join
/// the fleet with New-PeerCertificateRequest, Approve-PeerCertificateRequest and Install-PeerCertificate; fleet members
/// trust each other without pinning each node id. An existing file is never overwritten.</para>
/// </summary>
/// <example>
/// <code>New-PeerFleet -Name lab -Path ~/secure/lab.fleet -Password (Read-Host -AsSecureString)</code>
/// <para>Creates the fleet "lab" with a password-protected key.</para>
/// </example>
[Cmdlet(VerbsCommon.New, "PeerFleet", SupportsShouldProcess = true)]
[OutputType(typeof(PeerFleet))]
public sealed class NewPeerFleetCommand : PeerStorageCmdlet
{
    /// <summary><para>The fleet's name (letters, digits, '-', '_', '.', spaces).</para></summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary><para>The file to create for the CA certificate and key. Keep it safe: whoever holds it can admit and revoke nodes.</para></summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary><para>Encrypts the CA key with this password.</para></summary>
    [Parameter]
    public SecureString? Password { get; set; }

    /// <summary><para>How long the CA certificate is valid. Defaults to 20 years.</para></summary>
    [Parameter]
    public TimeSpan? Validity { get; set; }

    protected override void ProcessRecord()
    {
        var path = GetUnresolvedProviderPathFromPSPath(Path);
        if (!ShouldProcess(path, $"Create the fleet CA '{Name}'")) return;
        if (TryRunEngine(() =>
            {
                using var fleet = FleetAuthority.Create(path, Name, FleetCmdletSupport.Plain(Password), Validity);
                return FleetCmdletSupport.Describe(fleet);
            }, path, out var created))
            WriteObject(created);
    }
}
